/*
 * procmon.h - process executions with their lineage, from kernel audit.
 *
 * The process monitor asks the kernel to audit every execve()/execveat()
 * (audit rules keyed "vigil_exec", both 64- and 32-bit ABIs) and reads the
 * records itself over the audit netlink socket as the audit daemon; when
 * auditd already owns the socket it tails auditd's audit.log instead. It
 * assembles the records of each execution and emits one JSON document per
 * successful execution (schema in docs/procmon.md), with the parent's image
 * and command line from the executions it saw before, else from /proc. Like
 * the collector it owns no thread: wait on vg_procmon_fd() for POLLIN with
 * vg_procmon_timeout_ms() as the timeout, then call vg_procmon_poll().
 */
#ifndef VIGIL_PROCMON_H
#define VIGIL_PROCMON_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/collect.h"
#include "vigil/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Location given to the callback with every document. */
#define VG_PROCMON_LOCATION "vigil-procmon"

struct vg_procmon_opts {
	bool no_netlink;       /* force the audit.log fallback (rules still added) */
	const char *audit_log; /* NULL = /var/log/audit/audit.log */
	const char *data_dir;  /* audit.log read position kept there; NULL = none */
};

struct vg_procmon;

/*
 * Starts monitoring. Needs CAP_AUDIT_CONTROL (root) for the rules and the
 * netlink socket; when the socket cannot be had (not root, no audit in the
 * kernel, auditd running, no_netlink) the monitor tails the audit.log (which
 * need not exist yet) and says so in d as a warning. d may be NULL. *out is
 * the caller's (vg_procmon_close). Returns VG_ENOMEM or VG_EINVAL, with *out
 * NULL and nothing changed in the kernel.
 */
int vg_procmon_open(const struct vg_procmon_opts *o, struct vg_procmon **out, struct vg_diag *d);

/* Removes the audit rules it added, gives the audit socket back (restoring
 * the kernel's audit enabled flag), saves the audit.log position. NULL-safe. */
void vg_procmon_close(struct vg_procmon *p);

/* The descriptor to wait on for POLLIN (netlink socket, or an inotify
 * descriptor watching the audit.log directory); -1 when there is none and
 * only the timeout applies. */
int vg_procmon_fd(const struct vg_procmon *p);

/* Milliseconds until vg_procmon_poll() is due even without input (an
 * incomplete event to flush, audit.log rotation checks); -1 = none. */
int vg_procmon_timeout_ms(const struct vg_procmon *p);

/*
 * Reads what is available and calls cb(ctx, VG_PROCMON_LOCATION, json, len)
 * for each completed execution, at most max_events of them (0 = no limit).
 * Returns the number delivered or a negative VG_E* value (VG_ENOMEM; read
 * errors of the netlink socket are VG_EIO).
 */
int vg_procmon_poll(struct vg_procmon *p, vg_collect_cb cb, void *ctx, size_t max_events);

/* "netlink" or "audit.log". */
const char *vg_procmon_source(const struct vg_procmon *p);

#ifdef __cplusplus
}
#endif
#endif
