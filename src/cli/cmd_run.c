/*
 * cmd_run.c - "vigil run": the single-host service with the embedded
 * default configuration, or the one given with -c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "vigil/buf.h"
#include "vigil/run.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil run [OPTIONS]\n\n"
	           "Watches this host's logs, analyses them and writes alerts.\n\n"
	           "options:\n"
	           "  -c, --config FILE      configuration file (default: the embedded one)\n"
	           "  -D, --data-dir DIR     state directory (positions); default /var/lib/vigil\n"
	           "                         as root, ~/.local/state/vigil otherwise\n"
	           "  -A, --alerts-dir DIR   where alerts.json/alerts.log go; default\n"
	           "                         /var/log/vigil as root, DATA_DIR/log otherwise\n"
	           "  -v, --verbose          also log each alert to stderr\n"
	           "      --max-seconds N    stop after N seconds (for tests)\n"
	           "      --print-default    print the embedded configuration and exit\n");
}

int vg_cmd_run(int argc, char **argv)
{
	struct vg_run_opts ro = { 0 };
	struct vg_config cfg;
	const char *data_dir = NULL, *alerts_dir = NULL;
	struct vg_buf d1, d2;
	int status = 2;

	memset(&cfg, 0, sizeof(cfg));
	vg_buf_init(&d1, 0);
	vg_buf_init(&d2, 0);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if ((!strcmp(o, "-c") || !strcmp(o, "--config")) && v) {
			ro.config_path = v;
			i++;
		} else if ((!strcmp(o, "-D") || !strcmp(o, "--data-dir")) && v) {
			data_dir = v;
			i++;
		} else if ((!strcmp(o, "-A") || !strcmp(o, "--alerts-dir")) && v) {
			alerts_dir = v;
			i++;
		} else if (!strcmp(o, "--max-seconds") && v) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 0 || n > 1000000) {
				fprintf(stderr, "vigil: --max-seconds expects a number\n");
				goto out;
			}
			ro.max_seconds = (unsigned)n;
			i++;
		} else if (!strcmp(o, "-v") || !strcmp(o, "--verbose")) {
			ro.verbose = true;
		} else if (!strcmp(o, "--print-default")) {
			fputs(vg_config_default_yaml(), stdout);
			status = 0;
			goto out;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			status = 0;
			goto out;
		} else {
			fprintf(stderr, "vigil: unknown option %s\n", o);
			usage(stderr);
			goto out;
		}
	}
	struct vg_diag diag;
	vg_diag_init(&diag);
	int rc = ro.config_path ? vg_config_load_file(ro.config_path, &cfg, &diag)
	                        : vg_config_default(&cfg);
	vg_diag_print(&diag, stderr);
	vg_diag_free(&diag);
	status = 1;
	if (rc != VG_OK) {
		fprintf(stderr, "vigil: configuration not loaded: %s\n", vg_strerror(rc));
		goto out;
	}
	if (!data_dir && geteuid() != 0) {
		const char *home = getenv("HOME");
		vg_buf_printf(&d1, "%s/.local/state/vigil", home ? home : ".");
		data_dir = vg_buf_str(&d1);
	}
	if (data_dir) {
		cfg.data_dir = data_dir;
		if (!alerts_dir) {
			vg_buf_printf(&d2, "%s/log", data_dir);
			alerts_dir = vg_buf_str(&d2);
		}
	}
	if (alerts_dir)
		cfg.log_dir = alerts_dir;
	ro.cfg = &cfg;
	status = vg_run(&ro) == VG_OK ? 0 : 1;
out:
	vg_config_destroy(&cfg);
	vg_buf_free(&d1);
	vg_buf_free(&d2);
	return status;
}
