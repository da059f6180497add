/*
 * run.h - the single-host service behind `vigil run`: collects this host's
 * logs, analyses them and writes alerts, in one process.
 *
 * SIGHUP compiles the ruleset again and swaps it in (the old one keeps
 * running when the new one has errors) and reopens the alert files;
 * SIGINT/SIGTERM stop after saving the read positions.
 */
#ifndef VIGIL_RUN_H
#define VIGIL_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/buf.h"
#include "vigil/config.h"

struct vg_run_opts {
	const struct vg_config *cfg; /* required */
	const char *config_path;     /* reloaded on SIGHUP when not NULL */
	bool verbose;                /* log every alert to stderr too */
	/* Stop after this many seconds (0 = run until signalled); for tests. */
	unsigned max_seconds;
};

/* Runs until stopped. Returns 0 on a clean stop, a VG_E* value when it could
 * not start (a message says why). */
int vg_run(const struct vg_run_opts *opts);

/* The pid file of a running `vigil run` with this configuration:
 * <data_dir>/vigil.pid. VG_ELIMIT when it does not fit in out. */
int vg_run_pidfile(const struct vg_config *cfg, char *out, size_t len);
/* Sends sig to the running `vigil run` of this configuration (SIGHUP
 * reloads). VG_ENOENT when none is running. */
int vg_run_signal(const struct vg_config *cfg, int sig);

/*
 * One event through the analyzer and, when it alerts, into the writer
 * (counted in events/alerts/errors). Shared by `vigil run` and the manager.
 */
struct vg_analyzer;
struct vg_alert_writer;
struct vg_fim_store;
struct vg_pipeline {
	struct vg_analyzer *analyzer;
	struct vg_alert_writer *writer;
	const char *manager_name;
	bool verbose; /* log each alert to stderr too */
	unsigned long long events, alerts, errors;
	struct vg_buf scratch;          /* zeroed at start; freed by vg_pipeline_free() */
	struct vg_fim_store *fim_store; /* per-agent FIM changes; NULL = not kept */
};
/* Raw Windows event-channel lines are converted first (winevt.h). */
int vg_pipeline_process(struct vg_pipeline *p, const char *location, const char *line);
/* Keeps every FIM event's change in <data_dir>/fim-changes.db (`vigil fim
 * changes` reads it). A store that cannot be opened is a warning. */
void vg_pipeline_open_fim_store(struct vg_pipeline *p, const char *data_dir);
/* Frees the pipeline's own memory and the FIM store (not the analyzer or writer). */
void vg_pipeline_free(struct vg_pipeline *p);

/* Builds the ruleset the configuration names. Diagnostics go to diag. */
struct vg_ruleset;
struct vg_diag;
int vg_run_load_ruleset(const struct vg_config *cfg, struct vg_ruleset **out, struct vg_diag *diag);

#endif
