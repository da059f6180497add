/*
 * arena.c - bump allocator: memory is handed out from a chain of blocks and
 * released all at once. Used for per-event strings and for loaded rulesets.
 */
#include "vigil/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct vg_arena {
	struct arena_block *head; /* current block; older blocks follow */
	size_t block_size;
	size_t reserved;
};

static struct arena_block *block_new(size_t size)
{
	struct arena_block *b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct vg_arena *vg_arena_create(size_t block_size)
{
	struct vg_arena *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->block_size = block_size ? block_size : 16384;
	return a;
}

void vg_arena_destroy(struct vg_arena *a)
{
	if (!a)
		return;
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

void vg_arena_reset(struct vg_arena *a)
{
	if (!a || !a->head)
		return;
	/* Keep the last (oldest, standard-size) block; free the rest. */
	struct arena_block *b = a->head, *keep = NULL;
	while (b) {
		struct arena_block *next = b->next;
		if (!next && b->size == a->block_size)
			keep = b;
		else
			free(b);
		b = next;
	}
	a->head = keep;
	a->reserved = keep ? keep->size : 0;
	if (keep)
		keep->used = 0;
}

void *vg_arena_alloc(struct vg_arena *a, size_t size)
{
	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct arena_block *b = a->head;
	if (!b || b->size - b->used < size) {
		if (size > a->block_size / 4) {
			/* Large allocation: own block, linked behind the current one. */
			struct arena_block *big = block_new(size);
			if (!big)
				return NULL;
			big->used = size;
			a->reserved += size;
			if (b) {
				big->next = b->next;
				b->next = big;
			} else {
				a->head = big;
			}
			return big->data;
		}
		struct arena_block *nb = block_new(a->block_size);
		if (!nb)
			return NULL;
		nb->next = b;
		a->head = nb;
		a->reserved += nb->size;
		b = nb;
	}
	void *p = b->data + b->used;
	b->used += size;
	return p;
}

void *vg_arena_calloc(struct vg_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = vg_arena_alloc(a, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *vg_arena_strndup(struct vg_arena *a, const char *s, size_t len)
{
	char *p = vg_arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *vg_arena_strdup(struct vg_arena *a, const char *s)
{
	return vg_arena_strndup(a, s, strlen(s));
}

char *vg_arena_printf(struct vg_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return NULL;
	char *p = vg_arena_alloc(a, (size_t)len + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t vg_arena_reserved(const struct vg_arena *a)
{
	return a ? a->reserved : 0;
}
