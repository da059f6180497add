/*
 * arena.h - bump allocator for per-event and per-load memory.
 *
 * An arena hands out memory from large blocks and frees it all at once with
 * vg_arena_reset() or vg_arena_destroy(). Events allocate every string they
 * own from their arena, so one reset per event releases everything.
 */
#ifndef VIGIL_ARENA_H
#define VIGIL_ARENA_H

#include <stddef.h>

struct vg_arena;

/* Creates an arena whose blocks are at least block_size bytes (0 = 16 KiB).
 * Returns NULL when out of memory. */
struct vg_arena *vg_arena_create(size_t block_size);
/* Frees the arena and all memory handed out. NULL-safe. */
void vg_arena_destroy(struct vg_arena *a);
/* Forgets every allocation but keeps the first block for reuse. */
void vg_arena_reset(struct vg_arena *a);
/* Returns size bytes aligned to 16, or NULL when out of memory. */
void *vg_arena_alloc(struct vg_arena *a, size_t size);
/* Like vg_arena_alloc() but zeroed. */
void *vg_arena_calloc(struct vg_arena *a, size_t n, size_t size);
/* Copies len bytes of s and NUL-terminates. NULL on out of memory. */
char *vg_arena_strndup(struct vg_arena *a, const char *s, size_t len);
char *vg_arena_strdup(struct vg_arena *a, const char *s);
/* printf into the arena. NULL on out of memory. */
char *vg_arena_printf(struct vg_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Total bytes reserved from the system (for statistics). */
size_t vg_arena_reserved(const struct vg_arena *a);

#endif
