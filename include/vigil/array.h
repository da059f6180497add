/*
 * array.h - growing a heap array by doubling, the one place that does it.
 *
 *     if (vg_grow((void **)&v->items, &v->cap, v->n + 1, sizeof(*v->items), 16))
 *             return VG_ENOMEM;
 *     v->items[v->n++] = x;
 */
#ifndef VIGIL_ARRAY_H
#define VIGIL_ARRAY_H

#include <stddef.h>

/*
 * Makes room for at least need elements of elem_size bytes in *items, whose
 * capacity is *cap elements: the capacity doubles, starting at min_cap.
 * Returns 0, or VG_ENOMEM (or VG_ELIMIT on size overflow) with *items and
 * *cap unchanged.
 */
int vg_grow(void **items, size_t *cap, size_t need, size_t elem_size, size_t min_cap);

#endif
