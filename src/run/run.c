/*
 * run.c - the single-host main loop: the collector's lines go through an
 * analyzer and alerts go to the alert files. One thread; signals only set
 * flags that the loop acts on between batches.
 */
#include "vigil/run.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vigil/alert.h"
#include "vigil/collect.h"
#include "vigil/inputs.h"
#include "vigil/engine.h"
#include "vigil/fim.h"
#include "vigil/log.h"
#include "vigil/rule.h"

#define RUN_MAX_FDS 64
#define RUN_BATCH   4096

/* Signals can only reach the loop through these flags. */
static volatile sig_atomic_t run_stop_flag;
static volatile sig_atomic_t run_reload_flag;

static void on_stop(int sig)
{
	(void)sig;
	run_stop_flag = 1;
}

static void on_reload(int sig)
{
	(void)sig;
	run_reload_flag = 1;
}

struct run_ctx {
	struct vg_pipeline pipe;
};

int vg_run_load_ruleset(const struct vg_config *cfg, struct vg_ruleset **out, struct vg_diag *diag)
{
	struct vg_list_decl lists[256];
	size_t nlists = cfg->ruleset.nlists < 256 ? cfg->ruleset.nlists : 256;
	for (size_t i = 0; i < nlists; i++) {
		lists[i].name = cfg->ruleset.lists[i].name;
		lists[i].path = cfg->ruleset.lists[i].path;
	}
	struct vg_ruleset_opts o = {
		.decoder_dirs = cfg->ruleset.decoder_dirs.v,
		.ndecoder_dirs = cfg->ruleset.decoder_dirs.n,
		.rule_dirs = cfg->ruleset.rule_dirs.v,
		.nrule_dirs = cfg->ruleset.rule_dirs.n,
		.exclude = cfg->ruleset.exclude_files.v,
		.nexclude = cfg->ruleset.exclude_files.n,
		.lists = lists,
		.nlists = nlists,
		.builtin = cfg->ruleset.include_builtin,
		.sigma_dirs = cfg->ruleset.sigma_dirs.v,
		.nsigma_dirs = cfg->ruleset.sigma_dirs.n,
	};
	return vg_ruleset_load(&o, out, diag);
}

static void on_line(void *arg, const char *location, const char *line, size_t len)
{
	struct run_ctx *ctx = arg;
	(void)len;
	vg_pipeline_process(&ctx->pipe, location, line);
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0750) == 0 || errno == EEXIST)
		return VG_OK;
	/* Create missing parents one level at a time. */
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return VG_EIO;
		*p = '/';
	}
	return mkdir(path, 0750) == 0 || errno == EEXIST ? VG_OK : VG_EIO;
}

int vg_run_pidfile(const struct vg_config *cfg, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/vigil.pid", cfg->data_dir);
	return n < 0 || (size_t)n >= len ? VG_ELIMIT : VG_OK;
}

/* Writes our pid for `vigil reload`; a failure only costs that command. */
static void write_pidfile(const struct vg_config *cfg)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	if (vg_run_pidfile(cfg, path, sizeof(path)) != VG_OK)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) != 0)
		vg_warn("cannot write %s: %s", path, strerror(errno));
}

int vg_run_signal(const struct vg_config *cfg, int sig)
{
	char path[PATH_MAX], comm[64] = "";
	if (vg_run_pidfile(cfg, path, sizeof(path)) != VG_OK)
		return VG_ELIMIT;
	FILE *f = fopen(path, "r");
	if (!f)
		return VG_ENOENT;
	long pid = 0;
	int n = fscanf(f, "%ld", &pid);
	fclose(f);
	if (n != 1 || pid <= 1)
		return VG_EPARSE;
	/* Only signal a process that is vigil (the pid may have been reused). */
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return VG_ENOENT;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	if (strncmp(comm, "vigil", 5) != 0)
		return VG_ENOENT;
	return kill((pid_t)pid, sig) == 0 ? VG_OK : VG_EIO;
}

static void reload(struct run_ctx *ctx, const struct vg_run_opts *opts)
{
	struct vg_config fresh;
	const struct vg_config *cfg = opts->cfg;
	struct vg_diag diag;
	bool have_fresh = false;

	vg_diag_init(&diag);
	memset(&fresh, 0, sizeof(fresh));
	if (opts->config_path) {
		if (vg_config_load_file(opts->config_path, &fresh, &diag) != VG_OK) {
			vg_diag_print(&diag, stderr);
			vg_err("reload: configuration has errors; keeping the running ruleset");
			goto out;
		}
		cfg = &fresh;
		have_fresh = true;
	}
	struct vg_ruleset *rs = NULL;
	int rc = vg_run_load_ruleset(cfg, &rs, &diag);
	if (rc != VG_OK) {
		vg_diag_print(&diag, stderr);
		vg_err("reload: ruleset has errors (%s); keeping the running one", vg_strerror(rc));
		goto out;
	}
	rc = vg_analyzer_set_ruleset(ctx->pipe.analyzer, rs);
	vg_info("reload: %zu decoders, %zu rules%s", vg_ruleset_decoder_count(rs),
	        vg_ruleset_rule_count(rs), rc == VG_OK ? "" : " (not swapped: out of memory)");
	vg_ruleset_unref(rs);
out:
	vg_alert_writer_request_reopen(ctx->pipe.writer);
	if (have_fresh)
		vg_config_destroy(&fresh);
	vg_diag_free(&diag);
}

static void loop(struct run_ctx *ctx, struct vg_inputs *col, const struct vg_run_opts *opts)
{
	struct pollfd pfd[RUN_MAX_FDS];
	int fds[RUN_MAX_FDS];
	time_t start = time(NULL), last_save = start;

	while (!run_stop_flag) {
		if (run_reload_flag) {
			run_reload_flag = 0;
			reload(ctx, opts);
		}
		size_t n = vg_inputs_fds(col, fds, RUN_MAX_FDS);
		if (n > RUN_MAX_FDS)
			n = RUN_MAX_FDS;
		for (size_t i = 0; i < n; i++) {
			pfd[i].fd = fds[i];
			pfd[i].events = POLLIN;
		}
		int timeout = vg_inputs_timeout_ms(col);
		if (timeout < 0 || timeout > 500)
			timeout = 500;
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			vg_warn("poll: %s", strerror(errno));
		int got;
		while ((got = vg_inputs_poll(col, on_line, ctx, RUN_BATCH)) == RUN_BATCH &&
		       !run_stop_flag)
			;
		if (got < 0)
			vg_warn("collector: %s", vg_strerror(got));
		if (vg_alert_writer_flush(ctx->pipe.writer) != VG_OK)
			vg_err("writing alerts: %s", strerror(errno));
		if (vg_fim_store_sync(ctx->pipe.fim_store) != VG_OK)
			vg_err("FIM changes cannot be committed");
		time_t now = time(NULL);
		if (now != last_save) {
			vg_collector_save_positions(vg_inputs_collector(col));
			last_save = now;
		}
		if (opts->max_seconds && now - start >= (time_t)opts->max_seconds)
			break;
	}
}

int vg_run(const struct vg_run_opts *opts)
{
	const struct vg_config *cfg = opts->cfg;
	struct run_ctx ctx = { .pipe.verbose = opts->verbose };
	struct vg_inputs *col = NULL;
	struct vg_ruleset *rs = NULL;
	struct vg_diag diag;
	char host[256] = "localhost";
	int rc;

	vg_diag_init(&diag);
	if (make_dir(cfg->data_dir) != VG_OK || make_dir(cfg->log_dir) != VG_OK) {
		vg_err("cannot create %s or %s: %s", cfg->data_dir, cfg->log_dir, strerror(errno));
		rc = VG_EIO;
		goto out;
	}
	rc = vg_run_load_ruleset(cfg, &rs, &diag);
	vg_diag_print(&diag, stderr);
	if (rc != VG_OK) {
		vg_err("ruleset not loaded: %s", vg_strerror(rc));
		goto out;
	}
	gethostname(host, sizeof(host) - 1);
	ctx.pipe.manager_name = cfg->manager_name ? cfg->manager_name : host;
	rc = vg_analyzer_create(rs, cfg->alerts.log_level, &ctx.pipe.analyzer);
	if (rc == VG_OK)
		rc = vg_alert_writer_open(cfg->log_dir, cfg->alerts.json, cfg->alerts.log,
		                          &ctx.pipe.writer);
	if (rc == VG_OK) {
		vg_pipeline_open_fim_store(&ctx.pipe, cfg->data_dir);
		vg_diag_free(&diag); /* the ruleset's messages were printed */
		vg_diag_init(&diag);
		rc = vg_inputs_create(cfg->inputs, cfg->ninputs, cfg->data_dir, &col, &diag);
		vg_diag_print(&diag, stderr);
	}
	if (rc != VG_OK) {
		vg_err("cannot start: %s", vg_strerror(rc));
		goto out;
	}
	write_pidfile(cfg);
	vg_info("vigil running: %zu decoders, %zu rules; alerts in %s",
	        vg_ruleset_decoder_count(rs), vg_ruleset_rule_count(rs), cfg->log_dir);

	struct sigaction sa = { 0 };
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_reload;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	loop(&ctx, col, opts);
	vg_alert_writer_flush(ctx.pipe.writer);
	vg_collector_save_positions(vg_inputs_collector(col));
	char pidpath[PATH_MAX];
	if (vg_run_pidfile(cfg, pidpath, sizeof(pidpath)) == VG_OK)
		unlink(pidpath);
	vg_info("vigil stopped: %llu events, %llu alerts, %llu errors", ctx.pipe.events,
	        ctx.pipe.alerts, ctx.pipe.errors);
	rc = VG_OK;
out:
	vg_inputs_destroy(col);
	vg_alert_writer_close(ctx.pipe.writer);
	vg_analyzer_destroy(ctx.pipe.analyzer);
	vg_pipeline_free(&ctx.pipe);
	vg_ruleset_unref(rs);
	vg_diag_free(&diag);
	return rc;
}
