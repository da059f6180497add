/*
 * fdwatch.h - puts a poll-style source (one that hands out descriptors to
 * wait on and a timeout, as the collector and the syslog receiver do) into
 * a libevent loop: one callback when any descriptor is readable or the
 * timeout has passed. The owner then polls its source, calls
 * vg_fdwatch_sync() with the source's current descriptors and re-arms the
 * timeout.
 */
#ifndef VIGIL_FDWATCH_H
#define VIGIL_FDWATCH_H

#include <stddef.h>

struct event_base;
struct vg_fdwatch;

/* *out is owned by the caller (vg_fdwatch_destroy). VG_ENOMEM. */
int vg_fdwatch_create(struct event_base *base, void (*cb)(void *ctx), void *ctx,
                      struct vg_fdwatch **out);
/* Watches exactly these descriptors from now on. VG_ENOMEM. */
int vg_fdwatch_sync(struct vg_fdwatch *w, const int *fds, size_t n);
/* Calls back after ms milliseconds unless a descriptor is ready first
 * (ms < 0: no timeout; 0: at the next loop turn). */
void vg_fdwatch_timeout(struct vg_fdwatch *w, int ms);
/* NULL-safe. */
void vg_fdwatch_destroy(struct vg_fdwatch *w);

#endif
