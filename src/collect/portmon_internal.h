/*
 * portmon_internal.h - the port monitor's sample of listening sockets
 * (private to the collect module): reading it from sock_diag netlink
 * (portmon_diag.c), saving and loading it (portmon_snap.c), and the
 * monitor that compares samples (portmon.c).
 */
#ifndef VIGIL_COLLECT_PORTMON_INTERNAL_H
#define VIGIL_COLLECT_PORTMON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vg_port_proto { VG_PORT_TCP, VG_PORT_TCP6, VG_PORT_UDP, VG_PORT_UDP6 };

/* One listening socket; compared between samples by (proto, port, ip).
 * Strings are owned by the entry; pid/ppid/uid are -1 when unknown. */
struct vg_port {
	enum vg_port_proto proto;
	char ip[48];
	uint16_t port;
	uint64_t inode;
	int64_t uid, pid, ppid;
	char *exe, *cmdline, *parent_exe, *parent_cmdline;
};

struct vg_port_set {
	struct vg_port *items;
	size_t n, cap;
};

void vg_port_set_free(struct vg_port_set *s);
/* Appends a copy of the fixed fields of p (no strings). Returns VG_ENOMEM. */
int vg_port_set_add(struct vg_port_set *s, const struct vg_port *p);
/* Sorts by (proto, port, ip) and keeps one socket per key. */
void vg_port_set_sort(struct vg_port_set *s);
/* Compares two ports by (proto, port, ip). */
int vg_port_cmp(const struct vg_port *a, const struct vg_port *b);
const char *vg_port_proto_name(enum vg_port_proto proto);

/* Reads every listening TCP and bound UDP socket, v4 and v6, into s
 * (emptied first). Returns VG_EIO or VG_ENOMEM. */
int vg_port_sample(struct vg_port_set *s);

/* Writes s to file atomically. Returns VG_EIO. */
int vg_port_snap_save(const struct vg_port_set *s, const char *file);
/* Loads a saved sample into s (emptied first). Returns VG_ENOENT when there
 * is none, VG_EPARSE when it is malformed, VG_ENOMEM. */
int vg_port_snap_load(struct vg_port_set *s, const char *file);
/* Parses the text of a saved sample (modified in place). */
int vg_port_snap_parse(struct vg_port_set *s, char *text);

#endif
