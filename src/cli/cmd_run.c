/*
 * cmd_run.c - the services: "vigil run" (single host), "vigil manager" and
 * "vigil agent", each with the embedded default configuration or the one
 * given with -c; and "vigil reload", which asks a running "vigil run" to
 * reload its ruleset (SIGHUP).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "vigil/agent.h"
#include "vigil/buf.h"
#include "vigil/manager.h"
#include "vigil/run.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: vigil run [OPTIONS]\n"
	        "       vigil manager [OPTIONS]\n"
	        "       vigil agent [OPTIONS] [-m HOST[:PORT]]...\n"
	        "       vigil reload [-c FILE] [-D DIR]\n\n"
	        "run watches this host's logs, analyses them and writes alerts;\n"
	        "manager analyses what enrolled agents (and syslog senders) send;\n"
	        "agent collects this host's events and sends them to a manager;\n"
	        "reload makes a running 'vigil run' compile its ruleset again.\n\n"
	        "options:\n"
	        "  -c, --config FILE      configuration file (default: the embedded one)\n"
	        "  -D, --data-dir DIR     state directory (positions, pid file); default\n"
	        "                         /var/lib/vigil as root, ~/.local/state/vigil otherwise\n"
	        "  -A, --alerts-dir DIR   where alerts.json/alerts.log go; default\n"
	        "                         the configuration's log_dir; without -c, /var/log/vigil\n"
	        "                         as root, DATA_DIR/log with -D or as a normal user\n"
	        "  -m, --manager HOST[:PORT]  (agent) a manager to send to, in order of\n"
	        "                         preference (adds to agent.managers)\n"
	        "  -v, --verbose          also log each alert to stderr\n"
	        "      --max-seconds N    stop after N seconds (for tests)\n"
	        "      --print-default    print the embedded configuration and exit\n");
}

struct run_args {
	struct vg_run_opts ro;
	struct vg_config cfg;
	const char *managers[16];
	size_t nmanagers;
	const char *data_dir, *alerts_dir;
	struct vg_buf d1, d2;
	bool print_default, help;
};

static int parse(struct run_args *ra, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if ((!strcmp(o, "-c") || !strcmp(o, "--config")) && v) {
			ra->ro.config_path = argv[++i];
		} else if ((!strcmp(o, "-D") || !strcmp(o, "--data-dir")) && v) {
			ra->data_dir = argv[++i];
		} else if ((!strcmp(o, "-A") || !strcmp(o, "--alerts-dir")) && v) {
			ra->alerts_dir = argv[++i];
		} else if (!strcmp(o, "--max-seconds") && v) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 0 || n > 1000000) {
				fprintf(stderr, "vigil: --max-seconds expects a number\n");
				return -1;
			}
			ra->ro.max_seconds = (unsigned)n;
		} else if ((!strcmp(o, "-m") || !strcmp(o, "--manager")) && v) {
			if (ra->nmanagers == sizeof(ra->managers) / sizeof(ra->managers[0])) {
				fprintf(stderr, "vigil: too many --manager options\n");
				return -1;
			}
			ra->managers[ra->nmanagers++] = argv[++i];
		} else if (!strcmp(o, "-v") || !strcmp(o, "--verbose")) {
			ra->ro.verbose = true;
		} else if (!strcmp(o, "--print-default")) {
			ra->print_default = true;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			ra->help = true;
		} else {
			fprintf(stderr, "vigil: unknown option %s\n", o);
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* Loads the configuration and applies the directory options and defaults. */
static int load_config(struct run_args *ra)
{
	struct vg_diag diag;
	vg_diag_init(&diag);
	int rc = ra->ro.config_path ? vg_config_load_file(ra->ro.config_path, &ra->cfg, &diag)
	                            : vg_config_default(&ra->cfg);
	vg_diag_print(&diag, stderr);
	vg_diag_free(&diag);
	if (rc != VG_OK) {
		fprintf(stderr, "vigil: configuration not loaded: %s\n", vg_strerror(rc));
		return rc;
	}
	if (!ra->data_dir && geteuid() != 0 && !ra->ro.config_path) {
		const char *home = getenv("HOME");
		vg_buf_printf(&ra->d1, "%s/.local/state/vigil", home ? home : ".");
		ra->data_dir = vg_buf_str(&ra->d1);
	}
	if (ra->data_dir) {
		ra->cfg.data_dir = ra->data_dir;
		/* a configuration file's log_dir stays unless -A says otherwise */
		if (!ra->alerts_dir && !ra->ro.config_path) {
			vg_buf_printf(&ra->d2, "%s/log", ra->data_dir);
			ra->alerts_dir = vg_buf_str(&ra->d2);
		}
	}
	if (ra->alerts_dir)
		ra->cfg.log_dir = ra->alerts_dir;
	if (ra->nmanagers) {
		size_t n = ra->cfg.agent.managers.n + ra->nmanagers;
		const char **v = vg_arena_calloc(ra->cfg.arena, n, sizeof(*v));
		if (!v)
			return VG_ENOMEM;
		for (size_t i = 0; i < ra->nmanagers; i++)
			v[i] = ra->managers[i];
		for (size_t i = ra->nmanagers; i < n; i++)
			v[i] = ra->cfg.agent.managers.v[i - ra->nmanagers];
		ra->cfg.agent.managers.v = v;
		ra->cfg.agent.managers.n = n;
	}
	ra->ro.cfg = &ra->cfg;
	return VG_OK;
}

static void run_args_free(struct run_args *ra)
{
	vg_config_destroy(&ra->cfg);
	vg_buf_free(&ra->d1);
	vg_buf_free(&ra->d2);
}

enum service { SERVICE_RUN, SERVICE_MANAGER, SERVICE_AGENT };

static int start_service(struct run_args *ra, enum service which)
{
	if (which == SERVICE_MANAGER) {
		struct vg_manager_opts mo = { .cfg = &ra->cfg,
			                      .config_path = ra->ro.config_path,
			                      .verbose = ra->ro.verbose,
			                      .max_seconds = ra->ro.max_seconds };
		return vg_manager_run(&mo);
	}
	if (which == SERVICE_AGENT) {
		struct vg_agent_opts ao = { .cfg = &ra->cfg,
			                    .config_path = ra->ro.config_path,
			                    .verbose = ra->ro.verbose,
			                    .max_seconds = ra->ro.max_seconds };
		return vg_agent_run(&ao);
	}
	return vg_run(&ra->ro);
}

static int service_main(int argc, char **argv, enum service which)
{
	struct run_args ra;
	int status = 2;

	memset(&ra, 0, sizeof(ra));
	vg_buf_init(&ra.d1, 0);
	vg_buf_init(&ra.d2, 0);
	if (parse(&ra, argc, argv) != 0)
		goto out;
	status = 0;
	if (ra.help) {
		usage(stdout);
	} else if (ra.print_default) {
		fputs(vg_config_default_yaml(), stdout);
	} else {
		status = 1;
		if (load_config(&ra) == VG_OK)
			status = start_service(&ra, which) == VG_OK ? 0 : 1;
	}
out:
	run_args_free(&ra);
	return status;
}

int vg_cmd_run(int argc, char **argv)
{
	return service_main(argc, argv, SERVICE_RUN);
}

int vg_cmd_manager(int argc, char **argv)
{
	return service_main(argc, argv, SERVICE_MANAGER);
}

int vg_cmd_agent(int argc, char **argv)
{
	return service_main(argc, argv, SERVICE_AGENT);
}

int vg_cmd_reload(int argc, char **argv)
{
	struct run_args ra;
	int status = 2;

	memset(&ra, 0, sizeof(ra));
	vg_buf_init(&ra.d1, 0);
	vg_buf_init(&ra.d2, 0);
	if (parse(&ra, argc, argv) != 0)
		goto out;
	if (ra.help) {
		usage(stdout);
		status = 0;
		goto out;
	}
	status = 1;
	if (load_config(&ra) != VG_OK)
		goto out;
	int rc = vg_run_signal(&ra.cfg, SIGHUP);
	if (rc != VG_OK) {
		fprintf(stderr, "vigil: no running 'vigil run' found for data directory %s (%s)\n",
		        ra.cfg.data_dir, vg_strerror(rc));
		goto out;
	}
	printf("reload requested; the service logs the outcome\n");
	status = 0;
out:
	run_args_free(&ra);
	return status;
}
