/*
 * portmon.h - listening ports opened and closed, with the owning process.
 *
 * The port monitor samples the kernel's socket table over sock_diag netlink
 * (TCP sockets in LISTEN and bound, unconnected UDP sockets, IPv4 and IPv6)
 * every interval and compares it with the previous sample. A new socket is
 * reported as "port_opened" with the process holding it (found by scanning
 * /proc/<pid>/fd for the socket's inode, only for new sockets) and its
 * parent; a socket gone as "port_closed" with the process remembered when it
 * opened. With a data directory the last sample is kept there, so ports
 * opened or closed while the agent was down are reported at start. One JSON
 * document per change (schema in docs/procmon.md). No thread: call
 * vg_portmon_poll() when vg_portmon_timeout_ms() has passed.
 */
#ifndef VIGIL_PORTMON_H
#define VIGIL_PORTMON_H

#include <stddef.h>

#include "vigil/collect.h"
#include "vigil/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Location given to the callback with every document. */
#define VG_PORTMON_LOCATION "vigil-portmon"

struct vg_portmon_opts {
	unsigned interval_ms; /* 0 = 5000 */
	const char *data_dir; /* last sample kept there (portmon.snap); NULL = none */
};

struct vg_portmon;

/*
 * Creates the monitor and loads the saved sample (a missing or malformed
 * one is not an error). Without a saved sample the first sample is the
 * baseline and reports nothing. No socket is opened until the first poll.
 * d (may be NULL) receives warnings. *out is the caller's
 * (vg_portmon_close). Returns VG_ENOMEM.
 */
int vg_portmon_open(const struct vg_portmon_opts *o, struct vg_portmon **out, struct vg_diag *d);

/* Saves the last sample (when a data_dir was given) and frees. NULL-safe. */
void vg_portmon_close(struct vg_portmon *p);

/* Milliseconds until the next sample is due (0 = now). */
int vg_portmon_timeout_ms(const struct vg_portmon *p);

/*
 * Takes a sample when one is due and calls cb(ctx, VG_PORTMON_LOCATION,
 * json, len) for every port opened or closed since the last one. Returns
 * the number of documents delivered (0 when no sample was due), VG_EIO
 * when the socket table cannot be read, VG_ENOMEM.
 */
int vg_portmon_poll(struct vg_portmon *p, vg_collect_cb cb, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
