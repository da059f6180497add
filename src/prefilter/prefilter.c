/*
 * prefilter.c - the multi-pattern literal prefilter over an event's log.
 *
 * Building collects, for every added pattern, its required literals; equal
 * literals (already lower-cased by the pattern compiler) are stored once,
 * each with the list of pattern ids it stands for. Compiling hands the
 * distinct literals of two bytes or more to Vectorscan as one caseless
 * pure-literal database. Single-byte literals (':', '%', ' ' ...) would make
 * Vectorscan confirm candidates at almost every position, several times
 * slower, so they are answered from a table of the bytes the log holds. A
 * scan clears the per-thread bitset and, for every literal found, sets the
 * bits of its patterns (repeated reports are harmless, which is cheaper than
 * asking Vectorscan for one report per literal). Literal matching is
 * ASCII-caseless like OS_Match and OS_Regex, so a pattern whose bit stays
 * clear truly cannot match.
 */
#include "vigil/prefilter.h"

#include <hs/hs.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"

struct pf_lit {
	const char *s; /* points into the pattern that gave it (patterns outlive pf) */
	size_t len;
};

struct pf_pair {
	unsigned lit, pat;
};

struct pf_short {
	unsigned lit;
	unsigned char byte;
};

struct vg_prefilter {
	/* Building. */
	struct pf_lit *lits;
	unsigned nlits, lcap;
	unsigned *lit_index; /* open addressing over lits, UINT32 max = empty */
	unsigned islots;
	struct pf_pair *pairs;
	unsigned npairs, pcap;
	unsigned npats;
	bool compiled;
	bool usable; /* compiled without error: its verdicts can be trusted */

	/* Compiled: literal i sets the bits of pats[first[i] .. first[i + 1]). */
	hs_database_t *db;
	unsigned *first;
	unsigned *pats;
	unsigned nwords;
	struct pf_short *short_lits; /* the single-byte literals, kept out of db */
	unsigned nshort;
};

struct vg_prefilter_scratch {
	hs_scratch_t *hs;
	uint64_t *bits;
	unsigned nwords;
};

#define PF_EMPTY 0xffffffffu

int vg_prefilter_create(struct vg_prefilter **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? VG_OK : VG_ENOMEM;
}

void vg_prefilter_destroy(struct vg_prefilter *pf)
{
	if (!pf)
		return;
	hs_free_database(pf->db);
	free(pf->lits);
	free(pf->lit_index);
	free(pf->pairs);
	free(pf->first);
	free(pf->pats);
	free(pf->short_lits);
	free(pf);
}

unsigned vg_prefilter_count(const struct vg_prefilter *pf)
{
	return pf ? pf->npats : 0;
}

static uint32_t lit_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int index_grow(struct vg_prefilter *pf)
{
	unsigned n = pf->islots ? pf->islots * 2 : 1024;
	unsigned *t = malloc(n * sizeof(*t));
	if (!t)
		return VG_ENOMEM;
	memset(t, 0xff, n * sizeof(*t));
	for (unsigned i = 0; i < pf->nlits; i++) {
		uint32_t j = lit_hash(pf->lits[i].s, pf->lits[i].len) & (n - 1);
		while (t[j] != PF_EMPTY)
			j = (j + 1) & (n - 1);
		t[j] = i;
	}
	free(pf->lit_index);
	pf->lit_index = t;
	pf->islots = n;
	return VG_OK;
}

/* Returns the index of the literal, adding it when new; -1 out of memory. */
static long lit_intern(struct vg_prefilter *pf, const char *s, size_t len)
{
	if ((pf->nlits + 1) * 2 > pf->islots && index_grow(pf) != VG_OK)
		return -1;
	uint32_t j = lit_hash(s, len) & (pf->islots - 1);
	for (; pf->lit_index[j] != PF_EMPTY; j = (j + 1) & (pf->islots - 1)) {
		const struct pf_lit *l = &pf->lits[pf->lit_index[j]];
		if (l->len == len && memcmp(l->s, s, len) == 0)
			return pf->lit_index[j];
	}
	if (pf->nlits == pf->lcap) {
		unsigned n = pf->lcap ? pf->lcap * 2 : 1024;
		struct pf_lit *nl = realloc(pf->lits, n * sizeof(*nl));
		if (!nl)
			return -1;
		pf->lits = nl;
		pf->lcap = n;
	}
	pf->lits[pf->nlits] = (struct pf_lit){ s, len };
	pf->lit_index[j] = pf->nlits;
	return pf->nlits++;
}

static int pair_add(struct vg_prefilter *pf, unsigned lit, unsigned pat)
{
	if (pf->npairs == pf->pcap) {
		unsigned n = pf->pcap ? pf->pcap * 2 : 2048;
		struct pf_pair *np = realloc(pf->pairs, n * sizeof(*np));
		if (!np)
			return VG_ENOMEM;
		pf->pairs = np;
		pf->pcap = n;
	}
	pf->pairs[pf->npairs++] = (struct pf_pair){ lit, pat };
	return VG_OK;
}

int vg_prefilter_add(struct vg_prefilter *pf, struct vg_pattern *p)
{
	if (!pf || !p || pf->compiled)
		return VG_EINVAL;
	size_t n = vg_pattern_literal_count(p);
	if (n == 0 || vg_pattern_prefilter_id(p) >= 0)
		return VG_OK;
	if (pf->npats >= (unsigned)INT32_MAX)
		return VG_ELIMIT;
	unsigned id = pf->npats;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *s = vg_pattern_literal(p, i, &len);
		long lit = lit_intern(pf, s, len);
		if (lit < 0 || pair_add(pf, (unsigned)lit, id) != VG_OK)
			return VG_ENOMEM;
	}
	/* Repeated literals of one pattern (a|a) leave duplicate pairs: harmless. */
	vg_pattern_set_prefilter_id(p, (int)id);
	pf->npats++;
	return VG_OK;
}

/* Turns the (literal, pattern) pairs into per-literal pattern lists. */
static int build_lists(struct vg_prefilter *pf)
{
	pf->first = calloc((size_t)pf->nlits + 1, sizeof(*pf->first));
	pf->pats = malloc(((size_t)pf->npairs + 1) * sizeof(*pf->pats));
	if (!pf->first || !pf->pats)
		return VG_ENOMEM;
	for (unsigned i = 0; i < pf->npairs; i++)
		pf->first[pf->pairs[i].lit + 1]++;
	for (unsigned i = 0; i < pf->nlits; i++)
		pf->first[i + 1] += pf->first[i];
	unsigned *fill = calloc(pf->nlits ? pf->nlits : 1, sizeof(*fill));
	if (!fill)
		return VG_ENOMEM;
	for (unsigned i = 0; i < pf->npairs; i++) {
		unsigned l = pf->pairs[i].lit;
		pf->pats[pf->first[l] + fill[l]++] = pf->pairs[i].pat;
	}
	free(fill);
	return VG_OK;
}

static int compile_db(struct vg_prefilter *pf)
{
	const char **exprs = malloc(pf->nlits * sizeof(*exprs));
	unsigned *flags = malloc(pf->nlits * sizeof(*flags));
	unsigned *ids = malloc(pf->nlits * sizeof(*ids));
	size_t *lens = malloc(pf->nlits * sizeof(*lens));
	unsigned n = 0;
	int rc = VG_ENOMEM;
	pf->short_lits = malloc(pf->nlits * sizeof(*pf->short_lits));
	if (exprs && flags && ids && lens && pf->short_lits) {
		for (unsigned i = 0; i < pf->nlits; i++) {
			if (pf->lits[i].len == 1) {
				pf->short_lits[pf->nshort++] =
				    (struct pf_short){ i, (unsigned char)pf->lits[i].s[0] };
				continue;
			}
			exprs[n] = pf->lits[i].s;
			lens[n] = pf->lits[i].len;
			flags[n] = HS_FLAG_CASELESS;
			ids[n++] = i;
		}
		hs_compile_error_t *err = NULL;
		if (n == 0) {
			rc = VG_OK;
		} else if (hs_compile_lit_multi(exprs, flags, ids, lens, n, HS_MODE_BLOCK, NULL,
		                                &pf->db, &err) == HS_SUCCESS) {
			rc = VG_OK;
		} else {
			hs_free_compile_error(err);
			pf->db = NULL;
			rc = VG_EINVAL;
		}
	}
	free(exprs);
	free(flags);
	free(ids);
	free(lens);
	return rc;
}

int vg_prefilter_compile(struct vg_prefilter *pf)
{
	if (!pf || pf->compiled)
		return VG_EINVAL;
	pf->compiled = true;
	pf->nwords = (pf->npats + 63) / 64;
	int rc = build_lists(pf);
	if (rc == VG_OK && pf->nlits)
		rc = compile_db(pf);
	pf->usable = rc == VG_OK;
	/* Building state is no longer needed. */
	free(pf->lit_index);
	free(pf->pairs);
	free(pf->lits);
	pf->lit_index = NULL;
	pf->pairs = NULL;
	pf->lits = NULL;
	pf->islots = pf->npairs = pf->lcap = 0;
	return rc;
}

int vg_prefilter_scratch_create(const struct vg_prefilter *pf, struct vg_prefilter_scratch **out)
{
	*out = NULL;
	struct vg_prefilter_scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return VG_ENOMEM;
	s->nwords = pf ? pf->nwords : 0;
	s->bits = calloc(s->nwords ? s->nwords : 1, sizeof(*s->bits));
	if (!s->bits || (pf && pf->db && hs_alloc_scratch(pf->db, &s->hs) != HS_SUCCESS)) {
		vg_prefilter_scratch_destroy(s);
		return VG_ENOMEM;
	}
	*out = s;
	return VG_OK;
}

void vg_prefilter_scratch_destroy(struct vg_prefilter_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	free(s->bits);
	free(s);
}

struct scan_ctx {
	const struct vg_prefilter *pf;
	uint64_t *bits;
};

static void mark_literal(const struct scan_ctx *c, unsigned lit)
{
	for (unsigned k = c->pf->first[lit]; k < c->pf->first[lit + 1]; k++) {
		unsigned p = c->pf->pats[k];
		c->bits[p / 64] |= UINT64_C(1) << (p % 64);
	}
}

static int on_literal(unsigned int id, unsigned long long from, unsigned long long to,
                      unsigned int flags, void *arg)
{
	mark_literal(arg, id);
	return 0;
}

/* The single-byte literals (lower case): one pass over the log fills a
 * table of the bytes it holds, in the case they appear. */
static void scan_short(const struct scan_ctx *c, const char *log, size_t len)
{
	unsigned char seen[256];
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < len; i++)
		seen[(unsigned char)log[i]] = 1;
	for (unsigned i = 0; i < c->pf->nshort; i++) {
		unsigned char b = c->pf->short_lits[i].byte;
		if (seen[b] || (b >= 'a' && b <= 'z' && seen[b - 32]))
			mark_literal(c, c->pf->short_lits[i].lit);
	}
}

const uint64_t *vg_prefilter_scan(const struct vg_prefilter *pf, struct vg_prefilter_scratch *s,
                                  const char *log, size_t len)
{
	if (!pf || !s || !pf->usable || !pf->npats || s->nwords != pf->nwords || len > UINT32_MAX ||
	    (pf->db && !s->hs))
		return NULL;
	memset(s->bits, 0, s->nwords * sizeof(*s->bits));
	struct scan_ctx c = { pf, s->bits };
	if (pf->db && hs_scan(pf->db, log, (unsigned)len, 0, s->hs, on_literal, &c) != HS_SUCCESS)
		return NULL;
	scan_short(&c, log, len);
	return s->bits;
}
