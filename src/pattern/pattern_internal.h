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

/* Longest pattern Wazuh accepts (OS_PATTERN_MAXSIZE); longer ones fail to compile. */
#define VG_PATTERN_MAX_LEN 20480

struct vg_osmatch;
struct vg_osregex;
struct vg_pcre2;

/*
 * Per-thread match state. md is PCRE2's match data. The gate is the
 * prefilter's verdict for the current log (see vg_pattern_scratch_gate()):
 * a pattern with a prefilter id whose bit is clear cannot match any subject
 * lying inside [gate_lo, gate_hi]. gate_bits stays NULL until a pattern
 * needs it; gate_scan then computes it.
 */
struct vg_pattern_scratch {
	struct pcre2_real_match_data_8 *md;
	const char *gate_lo, *gate_hi; /* NULL: no gate */
	const uint64_t *gate_bits;
	vg_pattern_gate_fn gate_scan;
	void *gate_ctx;
	unsigned gate_queries; /* gated queries so far for this log */
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

#endif
