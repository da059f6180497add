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

/* Builds the ruleset the configuration names. Diagnostics go to diag. */
struct vg_ruleset;
struct vg_diag;
int vg_run_load_ruleset(const struct vg_config *cfg, struct vg_ruleset **out, struct vg_diag *diag);

#endif
