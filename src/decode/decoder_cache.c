/*
 * decoder_cache.c - per-worker memory of the top-level decoders each program
 * name selects.
 *
 * An event with a program name is offered to the top-level decoders with a
 * <program_name> in load order; the first whose program name and prematch
 * both match decodes it. The program-name half of that test depends on the
 * name alone, so for each distinct name the cache keeps the positions (in
 * set->top_pn, ascending) of the decoders that accept it, worked out once
 * with the same test vg_decode() applies. Later events with that name only
 * run the prematches of those decoders, in the same order, so the decoder
 * chosen is the same. The table is open-addressed on the name's bytes
 * (compared exactly: PCRE2 program names are case-sensitive) and emptied
 * when it fills up or the decoder set changes.
 */
#include "decode/decoder_cache.h"

#include <stdlib.h>
#include <string.h>

#include "decode/decoder_int.h"

#define CACHE_SLOTS 256 /* power of two */
#define CACHE_MAX   192 /* names kept before the table is emptied */

struct cache_entry {
	char *name; /* NULL: empty slot */
	size_t len;
	uint32_t hash;
	unsigned n;
	unsigned *pos; /* positions in top_pn; allocated with the name */
};

struct vg_dec_cache {
	const struct vg_decoder_set *set;
	unsigned used;
	struct cache_entry slots[CACHE_SLOTS];
};

int vg_dec_cache_create(struct vg_dec_cache **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? VG_OK : VG_ENOMEM;
}

static void cache_clear(struct vg_dec_cache *c)
{
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		free(c->slots[i].pos); /* the name lives in the same block */
		c->slots[i] = (struct cache_entry){ 0 };
	}
	c->used = 0;
}

void vg_dec_cache_destroy(struct vg_dec_cache *c)
{
	if (!c)
		return;
	cache_clear(c);
	free(c);
}

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Works out the decoders that accept pname and stores them in slot e. */
static int cache_fill(struct cache_entry *e, const struct vg_decoder_set *set, const char *pname,
                      size_t len, uint32_t hash, struct vg_pattern_scratch *scratch)
{
	/* One block: the positions, then the name. */
	size_t cap = set->ntop_pn ? set->ntop_pn : 1;
	unsigned *pos = malloc(cap * sizeof(*pos) + len + 1);
	if (!pos)
		return VG_ENOMEM;
	unsigned n = 0;
	struct vg_dec_pname_iter it;
	bool indexed = set->pname_index != NULL;
	if (indexed)
		vg_dec_pname_candidates(set, pname, len, &it);
	for (long i = indexed ? vg_dec_pname_next(&it) : 0; i >= 0 && (size_t)i < set->ntop_pn;
	     i = indexed ? vg_dec_pname_next(&it) : i + 1)
		if (vg_dec_pname_matches(set->top_pn[i], pname, len, scratch))
			pos[n++] = (unsigned)i;
	char *name = (char *)(pos + cap);
	memcpy(name, pname, len);
	name[len] = '\0';
	*e = (struct cache_entry){ .name = name, .len = len, .hash = hash, .n = n, .pos = pos };
	return VG_OK;
}

/* The entry for pname, filled on a miss; NULL when out of memory. */
static const struct cache_entry *cache_get(struct vg_dec_cache *c, const struct vg_decoder_set *set,
                                           const char *pname, size_t len,
                                           struct vg_pattern_scratch *scratch)
{
	if (c->set != set || c->used >= CACHE_MAX) {
		cache_clear(c);
		c->set = set;
	}
	uint32_t h = name_hash(pname, len);
	unsigned j = h & (CACHE_SLOTS - 1);
	for (; c->slots[j].name; j = (j + 1) & (CACHE_SLOTS - 1)) {
		const struct cache_entry *e = &c->slots[j];
		if (e->hash == h && e->len == len && memcmp(e->name, pname, len) == 0)
			return e;
	}
	if (cache_fill(&c->slots[j], set, pname, len, h, scratch) != VG_OK)
		return NULL;
	c->used++;
	return &c->slots[j];
}

int vg_decode_cached(const struct vg_decoder_set *set, struct vg_event *ev,
                     struct vg_pattern_scratch *scratch, struct vg_dec_cache *cache)
{
	if (!set || !ev || !cache || !ev->program_name || !(ev->log ? ev->log : ev->full_log))
		return vg_decode(set, ev, scratch);
	const char *pname = ev->program_name;
	const struct cache_entry *e = cache_get(cache, set, pname, strlen(pname), scratch);
	if (!e)
		return vg_decode(set, ev, scratch);
	for (unsigned k = 0; k < e->n; k++) {
		int rc = vg_dec_try_top(set->top_pn[e->pos[k]], ev, scratch);
		if (rc != VG_ENOMATCH)
			return rc;
	}
	return VG_OK;
}
