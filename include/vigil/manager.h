/*
 * manager.h - `vigil manager`: receives events from enrolled agents over
 * mutual TLS (and from syslog senders), analyses them and writes alerts.
 *
 * Every event is analysed exactly once: agents number their events, the
 * manager keeps, per agent, the last sequence it has processed together
 * with where the alert files ended at that point (the checkpoint, in
 * <data_dir>/manager.state), acknowledges only what a checkpoint covers, and
 * at start cuts the alert files back to the last checkpoint. Agents resend
 * what was not acknowledged; what was already processed is dropped as a
 * duplicate. See docs/transport.md.
 */
#ifndef VIGIL_MANAGER_H
#define VIGIL_MANAGER_H

#include <stdbool.h>

#include "vigil/config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vg_manager_opts {
	const struct vg_config *cfg; /* required */
	const char *config_path;     /* reloaded on SIGHUP when not NULL */
	bool verbose;                /* log every alert to stderr too */
	unsigned max_seconds;        /* stop after this long (0 = until signalled) */
};

/* Runs until SIGTERM/SIGINT. Returns 0 after a clean stop, a VG_E* value
 * when it could not start (the log says why). */
int vg_manager_run(const struct vg_manager_opts *o);

#ifdef __cplusplus
}
#endif
#endif
