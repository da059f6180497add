/*
 * decoder_pname.c - the top-level decoders an event's program name can
 * select, without testing every <program_name> in turn.
 *
 * Most program names are anchored literals in OS_Match: "^sshd",
 * "^cron$", "^pop3d|^imaplogin". At finish each such literal becomes a key
 * (lower-cased, with its length and whether it must be the whole name)
 * mapped to the positions, in the top-level list, of the decoders using
 * it. Decoders whose program name is anything else (a substring such as
 * "ipa", a regex, an empty one) are "generic" and stay candidates for every
 * name. For an event the candidates are the generic decoders, the decoders
 * keyed by the whole name, and those keyed by each prefix length in use;
 * they are visited in list order by merging those sorted lists, and each is
 * still checked in full by the matcher. A decoder left out could not have
 * matched, so the first match, and thus the result, is unchanged.
 */
#include <string.h>

#include "decode/decoder_int.h"

struct pn_key {
	const char *key; /* lower-cased literal; NULL = empty slot */
	size_t len;
	bool whole;
	unsigned *pos; /* ascending positions in set->top_pn */
	unsigned n;
};

struct vg_dec_pname_index {
	struct pn_key *slots;
	unsigned nslots;
	size_t *plens; /* distinct prefix lengths in use, ascending */
	unsigned nplens;
	unsigned *generic;
	unsigned ngeneric;
};

static inline unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static uint32_t key_hash(const char *s, size_t len, bool whole)
{
	uint32_t h = whole ? 2166136261u : 84696351u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ fold((unsigned char)s[i])) * 16777619u;
	return h;
}

/* The slot of (s, len, whole): where it is, or the empty slot it would take. */
static struct pn_key *key_slot(const struct vg_dec_pname_index *x, const char *s, size_t len,
                               bool whole)
{
	unsigned mask = x->nslots - 1, j = key_hash(s, len, whole) & mask;
	for (; x->slots[j].key; j = (j + 1) & mask) {
		const struct pn_key *k = &x->slots[j];
		if (k->len != len || k->whole != whole)
			continue;
		size_t i = 0;
		while (i < len && fold((unsigned char)s[i]) == (unsigned char)k->key[i])
			i++;
		if (i == len)
			break;
	}
	return &x->slots[j];
}

/* Number of index keys of d, 0 when d is generic. */
static size_t pname_keys(const struct vg_decoder *d)
{
	return d->program_name ? vg_pattern_prefix_count(d->program_name) : 0;
}

static int add_plen(struct vg_arena *a, struct vg_dec_pname_index *x, size_t len, unsigned cap)
{
	unsigned i = 0;
	while (i < x->nplens && x->plens[i] < len)
		i++;
	if (i < x->nplens && x->plens[i] == len)
		return VG_OK;
	if (!x->plens && !(x->plens = vg_arena_alloc(a, cap * sizeof(*x->plens))))
		return VG_ENOMEM;
	memmove(x->plens + i + 1, x->plens + i, (x->nplens - i) * sizeof(*x->plens));
	x->plens[i] = len;
	x->nplens++;
	return VG_OK;
}

/* Pass one: creates every key's slot and counts its decoders. */
static int count_keys(struct vg_arena *a, const struct vg_decoder_set *set,
                      struct vg_dec_pname_index *x, size_t nkeys)
{
	for (size_t i = 0; i < set->ntop_pn; i++) {
		const struct vg_decoder *d = set->top_pn[i];
		size_t n = pname_keys(d);
		x->ngeneric += n == 0;
		for (size_t k = 0; k < n; k++) {
			size_t len;
			bool whole;
			const char *s = vg_pattern_prefix(d->program_name, k, &len, &whole);
			struct pn_key *slot = key_slot(x, s, len, whole);
			if (!slot->key)
				*slot = (struct pn_key){ .key = s, .len = len, .whole = whole };
			slot->n++;
			if (!whole && add_plen(a, x, len, (unsigned)nkeys) != VG_OK)
				return VG_ENOMEM;
		}
	}
	return VG_OK;
}

/* Pass two: fills the position lists (a decoder may repeat a key: once). */
static int fill_keys(struct vg_arena *a, const struct vg_decoder_set *set,
                     struct vg_dec_pname_index *x)
{
	for (unsigned j = 0; j < x->nslots; j++) {
		struct pn_key *k = &x->slots[j];
		if (k->key && !(k->pos = vg_arena_alloc(a, k->n * sizeof(*k->pos))))
			return VG_ENOMEM;
		k->n = 0;
	}
	x->generic = vg_arena_alloc(a, (x->ngeneric + 1) * sizeof(*x->generic));
	if (!x->generic)
		return VG_ENOMEM;
	x->ngeneric = 0;
	for (size_t i = 0; i < set->ntop_pn; i++) {
		const struct vg_decoder *d = set->top_pn[i];
		size_t n = pname_keys(d);
		if (n == 0)
			x->generic[x->ngeneric++] = (unsigned)i;
		for (size_t k = 0; k < n; k++) {
			size_t len;
			bool whole;
			const char *s = vg_pattern_prefix(d->program_name, k, &len, &whole);
			struct pn_key *slot = key_slot(x, s, len, whole);
			if (slot->n == 0 || slot->pos[slot->n - 1] != (unsigned)i)
				slot->pos[slot->n++] = (unsigned)i;
		}
	}
	return VG_OK;
}

int vg_dec_pname_build(struct vg_decoder_set *set)
{
	size_t nkeys = 0;
	for (size_t i = 0; i < set->ntop_pn; i++)
		nkeys += pname_keys(set->top_pn[i]);
	if (nkeys == 0)
		return VG_OK;
	struct vg_arena *a = set->arena;
	struct vg_dec_pname_index *x = vg_arena_calloc(a, 1, sizeof(*x));
	if (!x)
		return VG_ENOMEM;
	x->nslots = 16;
	while (x->nslots < 2 * nkeys)
		x->nslots *= 2;
	x->slots = vg_arena_calloc(a, x->nslots, sizeof(*x->slots));
	if (!x->slots || count_keys(a, set, x, nkeys) != VG_OK || fill_keys(a, set, x) != VG_OK)
		return VG_ENOMEM;
	/* Too many prefix lengths to merge per event: keep the plain scan. */
	if (x->nplens + 2 > VG_DEC_PNAME_MAX_LISTS)
		return VG_OK;
	set->pname_index = x;
	return VG_OK;
}

void vg_dec_pname_candidates(const struct vg_decoder_set *set, const char *pname, size_t len,
                             struct vg_dec_pname_iter *it)
{
	const struct vg_dec_pname_index *x = set->pname_index;
	it->nlists = 0;
	if (x->ngeneric) {
		it->v[it->nlists] = x->generic;
		it->n[it->nlists++] = x->ngeneric;
	}
	const struct pn_key *k = key_slot(x, pname, len, true);
	if (k->key) {
		it->v[it->nlists] = k->pos;
		it->n[it->nlists++] = k->n;
	}
	for (unsigned i = 0; i < x->nplens && x->plens[i] <= len; i++) {
		k = key_slot(x, pname, x->plens[i], false);
		if (k->key) {
			it->v[it->nlists] = k->pos;
			it->n[it->nlists++] = k->n;
		}
	}
}

long vg_dec_pname_next(struct vg_dec_pname_iter *it)
{
	unsigned best = 0;
	bool found = false;
	for (unsigned l = 0; l < it->nlists; l++)
		if (it->n[l] && (!found || it->v[l][0] < best)) {
			best = it->v[l][0];
			found = true;
		}
	if (!found)
		return -1;
	/* Advance every list past best (a decoder can be in several lists). */
	for (unsigned l = 0; l < it->nlists; l++)
		if (it->n[l] && it->v[l][0] == best) {
			it->v[l]++;
			it->n[l]--;
		}
	return best;
}
