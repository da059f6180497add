/*
 * fim_table.c - the in-memory baseline of the file integrity monitor: a
 * chained hash table of entries keyed by full path (hashed eight bytes at a
 * time with a multiply-xorshift mix), each entry one allocation holding its
 * path, grown by doubling at a load factor of 3/4 so that a rescan finds
 * every file in constant time without touching SQLite. Entries may be
 * created first and linked later (a parallel scan links its new files
 * once its threads are done, so the table never changes under them).
 */
#include "fim/fim_internal.h"

#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

uint32_t fim_path_hash(const char *path, size_t len)
{
	uint64_t h = len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t v;
		memcpy(&v, path + i, 8);
		h = mix(h, v);
	}
	if (i < len) {
		uint64_t v = 0;
		memcpy(&v, path + i, len - i);
		h = mix(h, v);
	}
	return (uint32_t)(h ^ (h >> 32));
}

void fim_attrs_clear(struct fim_attrs *a)
{
	free(a->xattr);
	memset(a, 0, sizeof(*a));
}

struct fim_entry *fim_table_get(const struct fim_table *t, const char *path, size_t len)
{
	if (!t->nbuckets)
		return NULL;
	uint32_t h = fim_path_hash(path, len);
	for (struct fim_entry *e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->next)
		if (e->hash == h && e->len == len && memcmp(e->path, path, len) == 0)
			return e;
	return NULL;
}

static int grow(struct fim_table *t)
{
	size_t n = t->nbuckets ? t->nbuckets * 2 : 1024;
	struct fim_entry **b = calloc(n, sizeof(*b));
	if (!b)
		return VG_ENOMEM;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct fim_entry *e = t->buckets[i];
		while (e) {
			struct fim_entry *next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
			e = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
	return VG_OK;
}

struct fim_entry *fim_entry_new(const char *path, size_t len, struct fim_attrs *a)
{
	struct fim_entry *e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	memcpy(e->path, path, len);
	e->path[len] = '\0';
	e->len = len;
	e->hash = fim_path_hash(path, len);
	e->gen = 0;
	e->next = NULL;
	if (a) {
		e->a = *a;
		memset(a, 0, sizeof(*a));
	} else {
		memset(&e->a, 0, sizeof(e->a));
	}
	return e;
}

int fim_table_link(struct fim_table *t, struct fim_entry *e)
{
	if ((t->count + 1) * 4 > t->nbuckets * 3 && grow(t) != VG_OK)
		return VG_ENOMEM;
	size_t i = e->hash & (t->nbuckets - 1);
	e->next = t->buckets[i];
	t->buckets[i] = e;
	t->count++;
	return VG_OK;
}

struct fim_entry *fim_table_put(struct fim_table *t, const char *path, size_t len,
                                struct fim_attrs *a)
{
	struct fim_entry *e = fim_entry_new(path, len, NULL);
	if (!e)
		return NULL;
	if (fim_table_link(t, e) != VG_OK) {
		free(e);
		return NULL;
	}
	e->a = *a;
	memset(a, 0, sizeof(*a));
	return e;
}

void fim_table_del(struct fim_table *t, struct fim_entry *e)
{
	struct fim_entry **pp = &t->buckets[e->hash & (t->nbuckets - 1)];
	while (*pp && *pp != e)
		pp = &(*pp)->next;
	if (!*pp)
		return;
	*pp = e->next;
	t->count--;
	fim_attrs_clear(&e->a);
	free(e);
}

void fim_table_free(struct fim_table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct fim_entry *e = t->buckets[i];
		while (e) {
			struct fim_entry *next = e->next;
			fim_attrs_clear(&e->a);
			free(e);
			e = next;
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}
