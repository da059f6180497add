/*
 * pattern_internal.h - what the three dialect files share with the dispatcher
 * in pattern.c. Each dialect compiles to its own opaque object; pattern.c
 * wraps it in struct vg_pattern, keeps the source text and routes matches.
 * Not installed: only src/pattern/ and the unit tests include it.
 */
#ifndef VIGIL_PATTERN_INTERNAL_H
#define VIGIL_PATTERN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/pattern.h"

/* The log gate of a scratch (pattern_gate.c): the gated log and, once
 * filled, the hashed byte pairs (4,096 bits) and bytes (256) it holds. */
#define VG_GATE_WORDS (4096 / 64 + 4)
struct vg_gate {
	const char *lo, *hi; /* the log; NULL: no gate */
	unsigned queries;    /* gated queries so far, before filling */
	bool filled;         /* table holds the log's pairs and bytes */
	uint64_t table[VG_GATE_WORDS];
};

/* Longest pattern Wazuh accepts (OS_PATTERN_MAXSIZE); longer ones fail to compile. */
#define VG_PATTERN_MAX_LEN 20480

struct vg_osmatch;
struct vg_osregex;
struct vg_pcre2;

/*
 * Per-thread match state. md is PCRE2's match data; gate is the log gate
 * for the current event (see vg_pattern_scratch_gate()).
 */
struct vg_pattern_scratch {
	struct pcre2_real_match_data_8 *md;
	struct vg_gate gate;
};

/* Writes a formatted reason into err (when not NULL) and returns VG_EPARSE. */
int vg_pattern_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int vg_osmatch_compile(const char *src, struct vg_osmatch **out, char *err, size_t errlen);
bool vg_osmatch_exec(const struct vg_osmatch *om, const char *subject);
/* The same for a subject known to be len bytes long. */
bool vg_osmatch_exec_len(const struct vg_osmatch *om, const char *subject, size_t len);
void vg_osmatch_destroy(struct vg_osmatch *om);
/* Required literals, one per alternative (0 when negated or some alternative
 * matches without one). */
size_t vg_osmatch_literal_count(const struct vg_osmatch *om);
const char *vg_osmatch_literal(const struct vg_osmatch *om, size_t i, size_t *len);
/* Alternatives that are all "^literal$" (0 otherwise, or when negated). */
size_t vg_osmatch_exact_count(const struct vg_osmatch *om);
/* One plain substring alternative. */
bool vg_osmatch_single_literal(const struct vg_osmatch *om);
/* Alternatives that are all "^literal" or "^literal$" (0 otherwise). */
size_t vg_osmatch_prefix_count(const struct vg_osmatch *om);
const char *vg_osmatch_prefix(const struct vg_osmatch *om, size_t i, size_t *len, bool *whole);
/* When every match needs the subject's byte at (0 or 1) in a known set:
 * fills the 256-bit set and returns true (else false). */
bool vg_osmatch_start_bytes(const struct vg_osmatch *om, size_t at, uint64_t set[4]);

int vg_osregex_compile(const char *src, struct vg_osregex **out, char *err, size_t errlen);
/* Fills m (when not NULL) with Wazuh's end pointer and captures. */
bool vg_osregex_exec(const struct vg_osregex *rx, const char *subject, struct vg_match *m);
/* The same for a subject of len bytes (SIZE_MAX: not known). */
bool vg_osregex_exec_len(const struct vg_osregex *rx, const char *subject, size_t len,
                         struct vg_match *m);
/* The same without the literal pre-filter (the fuzzer checks both agree). */
bool vg_osregex_exec_nofilter(const struct vg_osregex *rx, const char *subject, struct vg_match *m);
unsigned vg_osregex_groups(const struct vg_osregex *rx);
/* As vg_osmatch_start_bytes(): every alternative is '^' and a literal. */
bool vg_osregex_start_bytes(const struct vg_osregex *rx, size_t at, uint64_t set[4]);
/* Required literals, one per alternative (0 when some alternative has none). */
size_t vg_osregex_literal_count(const struct vg_osregex *rx);
const char *vg_osregex_literal(const struct vg_osregex *rx, size_t i, size_t *len);
/* Alternatives that are all "^literal$" (0 otherwise); the i-th literal. */
size_t vg_osregex_exact_count(const struct vg_osregex *rx);
/* One alternative, all literal, unanchored: a plain substring search. */
bool vg_osregex_single_literal(const struct vg_osregex *rx);
const char *vg_osregex_exact(const struct vg_osregex *rx, size_t i, size_t *len);
void vg_osregex_destroy(struct vg_osregex *rx);

int vg_pcre2_compile(const char *src, struct vg_pcre2 **out, char *err, size_t errlen);
bool vg_pcre2_exec(const struct vg_pcre2 *pc, const char *subject, struct vg_pattern_scratch *s,
                   struct vg_match *m);
unsigned vg_pcre2_groups(const struct vg_pcre2 *pc);
void vg_pcre2_destroy(struct vg_pcre2 *pc);

/* How common byte c (lower-cased) is in log text, higher = more common. */
int vg_pattern_byte_cost(unsigned char c);

/* ---- the log gate (pattern_gate.c) ---- */

/* A literal run that every match of one alternative contains. */
struct vg_lit_run {
	const unsigned char *s; /* lower-cased */
	size_t len;
};
/* Fills runs (at most max) with alternative alt's required runs; returns
 * how many (0: the alternative can match without a literal). */
typedef size_t (*vg_gate_runs_fn)(const void *obj, size_t alt, struct vg_lit_run *runs, size_t max);
size_t vg_osmatch_alt_runs(const void *obj, size_t alt, struct vg_lit_run *runs, size_t max);
size_t vg_osmatch_alt_count(const struct vg_osmatch *om);
size_t vg_osregex_alt_runs(const void *obj, size_t alt, struct vg_lit_run *runs, size_t max);
size_t vg_osregex_alt_count(const struct vg_osregex *rx);

/* PCRE2 (pcre2_literals.c): the runs read from the pattern text; NULL when
 * the reader gives up (or out of memory). */
struct vg_pcre2_lits;
struct vg_pcre2_lits *vg_pcre2_lits_parse(const char *src);
void vg_pcre2_lits_free(struct vg_pcre2_lits *l);
size_t vg_pcre2_lits_alts(const struct vg_pcre2_lits *l);
size_t vg_pcre2_lits_runs(const void *obj, size_t alt, struct vg_lit_run *runs, size_t max);

/* The plan of a pattern of nalts alternatives (free() it), or NULL when
 * some alternative has no required run (or out of memory): not gated. */
uint16_t *vg_gate_plan_build(size_t nalts, vg_gate_runs_fn runs, const void *obj);
/* Installs the gate for log (NULL: none); clears what the last one filled. */
void vg_gate_reset(struct vg_gate *g, const char *log, size_t len);
/* Fills the tables of a gate not filled yet when it is worth it (on a
 * long log only after a few queries; a cheap pattern, one literal, never
 * asks); returns whether they are filled. */
bool vg_gate_fill(struct vg_gate *g, bool cheap);

/* True when plan rules out every subject inside the log of a filled gate
 * (the caller checked that the subject lies inside). Inline: the
 * dispatcher asks it for most patterns and most of them stop here. */
static inline bool vg_gate_plan_rejects(const struct vg_gate *g, const uint16_t *plan)
{
	/* plan: [n, e1 .. en] per alternative, then 0. */
	const uint64_t *t = g->table;
	for (unsigned n; (n = *plan++) != 0; plan += n) {
		unsigned k = 0;
		while (k < n && ((t[plan[k] >> 6] >> (plan[k] & 63)) & 1u))
			k++;
		if (k == n)
			return false; /* this alternative may match */
	}
	return true;
}

/* The same for any gate: fills its tables first when that is worth it. */
static inline bool vg_gate_rejects(struct vg_gate *g, const uint16_t *plan, bool cheap)
{
	if (!g->filled && !vg_gate_fill(g, cheap))
		return false;
	return vg_gate_plan_rejects(g, plan);
}

#endif
