/*
 * agent.h - `vigil agent`: collects this host's events into a disk spool and
 * sends them to a manager over mutual TLS, deleting them only once the
 * manager has acknowledged them (see docs/transport.md).
 *
 * The agent must have been enrolled first (`vigil enroll`): its key,
 * certificate, the manager's CA and its id are in agent.dir (default
 * <data_dir>/agent). It collects the inputs of its own configuration plus
 * those its manager pushes for its groups, which it applies without a
 * restart and keeps for the next start.
 */
#ifndef VIGIL_AGENT_H
#define VIGIL_AGENT_H

#include <stdbool.h>

#include "vigil/config.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_AGENT_PORT 1514 /* the manager's port when a manager entry names none */

struct vg_agent_opts {
	const struct vg_config *cfg; /* required */
	const char *config_path;     /* read again on SIGHUP when not NULL */
	bool verbose;
	unsigned max_seconds; /* stop after this long (0 = until signalled) */
};

/* Runs until SIGTERM/SIGINT. SIGHUP reads the configuration file again and
 * reopens the inputs (a configuration with errors is refused, the running
 * one kept); changed managers apply at the next connection. Returns 0 after a clean stop, a VG_E* value
 * when it could not start (the log says why). */
int vg_agent_run(const struct vg_agent_opts *o);

#ifdef __cplusplus
}
#endif
#endif
