/*
 * pattern_gate.c - the log gate: which byte pairs an event's log holds, and
 * which pairs each pattern needs.
 *
 * Every match of an OS_Match or OS_Regex alternative contains its required
 * literal runs (ASCII case ignored; PCRE2 patterns get theirs from
 * pcre2_literals.c), so it contains every pair of adjacent bytes of those
 * runs, and a one-byte run's byte. At compile time each
 * pattern keeps a plan: for each alternative, the few rarest such pairs (or
 * single bytes). Per event, the pairs of the gated log are set in a 4,096-bit
 * table and its bytes in a 256-bit one (one pass over the log, only once a
 * pattern needs them). A subject inside
 * the log is a suffix of it, so when every alternative of a plan misses one
 * of its entries, no alternative can match the subject and the pattern is
 * rejected without running. A set bit only says "maybe present" (pairs are
 * hashed, bytes folded): a pattern that passes still runs in full, so the
 * gate can spare work but never change a verdict.
 *
 * Folding: f(c) = c | 0x20 maps both cases of an ASCII letter to one value
 * (and a few other bytes together, which only makes "present" likelier).
 * The pair at s[i], s[i + 1] is the 16-bit value f(s[i]) | f(s[i + 1]) << 8,
 * loaded at once and hashed to 12 bits; a single byte c is entry
 * 4,096 + f(c), so both tables are one array and one lookup.
 */
#include "pattern/pattern_internal.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Entries a plan keeps per alternative: the rarest pairs narrow enough. */
#define GATE_PER_ALT 4
/* A single byte weighs as much as this on top of its own cost: a pair of
 * common bytes is about as selective as one rare byte. */
#define GATE_SINGLE_PENALTY 110
#define GATE_PAIR_BITS      12
#define GATE_BYTE_BASE      (1u << GATE_PAIR_BITS)
/* Queries of gated patterns before filling the table is worth it on a long
 * log; a log of at most GATE_SHORT_LOG bytes is filled at the first. */
#define GATE_FILL_AFTER 8
#define GATE_SHORT_LOG  512

_Static_assert(VG_GATE_WORDS * 64 == GATE_BYTE_BASE + 256, "gate table size");

/* A 16-bit multiplicative hash (SSE2 computes eight at once): the
 * folded pair times an odd constant, its top 12 bits. */
#define GATE_MUL 0x9e37u

static inline unsigned gate_hash(unsigned two)
{
	return (uint16_t)((two | 0x2020u) * GATE_MUL) >> (16 - GATE_PAIR_BITS);
}

static inline unsigned gate_fold(unsigned char c)
{
	return c | 0x20u;
}

static inline void gate_set(uint64_t *table, unsigned i)
{
	table[i >> 6] |= UINT64_C(1) << (i & 63);
}

/* The folded single bytes of the log as the 256-bit set at table +
 * GATE_BYTE_BASE / 64 (only bits of values with bit 5 set are read). */
#ifdef __SSE2__
static void fill_bytes(uint64_t *table, const unsigned char *s, size_t len)
{
	/* A byte array is set at two instructions a byte; SSE2 turns it
	 * into bits 16 at a time. */
	unsigned char seen[256] __attribute__((aligned(16)));
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < len; i++)
		seen[s[i]] = 1;
	uint64_t w[4] = { 0, 0, 0, 0 };
	const __m128i zero = _mm_setzero_si128();
	for (unsigned k = 0; k < 16; k++) {
		__m128i v = _mm_load_si128((const __m128i *)(seen + 16 * k));
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpgt_epi8(v, zero));
		w[k / 4] |= (uint64_t)bits << (16 * (k % 4));
	}
	/* Fold: value c | 0x20 also stands for c (bits 0-31 of each word). */
	for (unsigned k = 0; k < 4; k++)
		table[GATE_BYTE_BASE / 64 + k] = w[k] | w[k] << 32;
}
#else
static void fill_bytes(uint64_t *table, const unsigned char *s, size_t len)
{
	uint64_t b[4] = { 0, 0, 0, 0 };
	for (size_t i = 0; i < len; i++) {
		unsigned c = gate_fold(s[i]);
		b[c >> 6] |= UINT64_C(1) << (c & 63);
	}
	memcpy(table + GATE_BYTE_BASE / 64, b, sizeof(b));
}
#endif

/* Sets the log's pairs and single bytes. */
static void fill(uint64_t *table, const unsigned char *s, size_t len)
{
	size_t i = 0;
#ifdef __SSE2__
	/* Sixteen pairs at a time: the pairs at even offsets from one load,
	 * those at odd offsets from the load one byte further, both hashed
	 * as gate_hash() does. */
	const __m128i fold = _mm_set1_epi16(0x2020), mul = _mm_set1_epi16((short)GATE_MUL);
	uint16_t h[16] __attribute__((aligned(16)));
	for (; i + 17 <= len; i += 16) {
		__m128i even = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i odd = _mm_loadu_si128((const __m128i *)(s + i + 1));
		even = _mm_mullo_epi16(_mm_or_si128(even, fold), mul);
		odd = _mm_mullo_epi16(_mm_or_si128(odd, fold), mul);
		_mm_store_si128((__m128i *)h, _mm_srli_epi16(even, 16 - GATE_PAIR_BITS));
		_mm_store_si128((__m128i *)(h + 8), _mm_srli_epi16(odd, 16 - GATE_PAIR_BITS));
		for (unsigned k = 0; k < 16; k++)
			gate_set(table, h[k]);
	}
#endif
	for (; i + 1 < len; i++) {
		uint16_t two;
		memcpy(&two, s + i, 2); /* s[i] | s[i + 1] << 8 on little endian */
		gate_set(table, gate_hash(two));
	}
	fill_bytes(table, s, len);
}

void vg_gate_reset(struct vg_gate *g, const char *log, size_t len)
{
	if (g->filled)
		memset(g->table, 0, sizeof(g->table));
	g->lo = log;
	g->hi = log ? log + len : NULL;
	g->queries = 0;
	g->filled = false;
}

bool vg_gate_fill(struct vg_gate *g, bool cheap)
{
	/* Patterns check their own literals quickly, so on a long log the
	 * table only pays once an event tests many of them. */
	size_t len = (size_t)(g->hi - g->lo);
	unsigned after = len <= GATE_SHORT_LOG ? 1 : GATE_FILL_AFTER;
	if (cheap || ++g->queries < after)
		return false;
	fill(g->table, (const unsigned char *)g->lo, len);
	g->filled = true;
	return true;
}

struct gate_cand {
	uint16_t entry;
	int score; /* lower = rarer */
};

/* Adds a candidate entry unless already present. */
static void cand_add(struct gate_cand *c, size_t *n, size_t cap, uint16_t entry, int score)
{
	for (size_t i = 0; i < *n; i++)
		if (c[i].entry == entry)
			return;
	if (*n < cap)
		c[(*n)++] = (struct gate_cand){ entry, score };
}

/* Appends one alternative's entries (its GATE_PER_ALT rarest) to plan. */
static size_t plan_alt(uint16_t *plan, const struct vg_lit_run *runs, size_t nruns)
{
	struct gate_cand c[64];
	size_t n = 0;
	for (size_t r = 0; r < nruns; r++) {
		const unsigned char *s = runs[r].s;
		if (runs[r].len == 1) {
			cand_add(c, &n, 64, (uint16_t)(GATE_BYTE_BASE + gate_fold(s[0])),
			         vg_pattern_byte_cost(s[0]) + GATE_SINGLE_PENALTY);
			continue;
		}
		for (size_t i = 0; i + 1 < runs[r].len; i++)
			cand_add(c, &n, 64,
			         (uint16_t)gate_hash((unsigned)s[i] | (unsigned)s[i + 1] << 8),
			         vg_pattern_byte_cost(s[i]) + vg_pattern_byte_cost(s[i + 1]));
	}
	/* Keep the rarest few, rarest first (a selection: n is small). */
	size_t keep = n < GATE_PER_ALT ? n : GATE_PER_ALT;
	for (size_t i = 0; i < keep; i++) {
		size_t best = i;
		for (size_t j = i + 1; j < n; j++)
			if (c[j].score < c[best].score)
				best = j;
		struct gate_cand t = c[i];
		c[i] = c[best];
		c[best] = t;
		plan[1 + i] = c[i].entry;
	}
	plan[0] = (uint16_t)keep;
	return keep + 1;
}

/* Plan layout: per alternative its entry count n and n entries, then 0. */
uint16_t *vg_gate_plan_build(size_t nalts, vg_gate_runs_fn runs, const void *obj)
{
	if (nalts == 0 || nalts > 4096)
		return NULL;
	uint16_t *plan = malloc((nalts * (GATE_PER_ALT + 1) + 1) * sizeof(*plan));
	if (!plan)
		return NULL;
	size_t at = 0;
	for (size_t a = 0; a < nalts; a++) {
		struct vg_lit_run r[32];
		size_t nr = runs(obj, a, r, 32);
		size_t used = nr ? plan_alt(plan + at, r, nr) : 0;
		if (used <= 1) {
			/* An alternative without a literal may match anything. */
			free(plan);
			return NULL;
		}
		at += used;
	}
	plan[at] = 0;
	return plan;
}
