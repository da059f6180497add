/*
 * pattern.h - the three pattern dialects of Wazuh rulesets.
 *
 *   OS_Match  - case-insensitive substring with | ^ $ and leading ! (match,
 *               program_name, most field checks)
 *   OS_Regex  - Wazuh's own small regex language, case-insensitive (regex,
 *               prematch, decoder regex with captures)
 *   PCRE2     - type="pcre2", compiled with no options (case-sensitive), JIT
 *
 * A compiled pattern is immutable and may be shared between threads. The
 * per-thread state a match needs (PCRE2 match data) lives in a scratch
 * object owned by the calling worker, so matching never allocates.
 */
#ifndef VIGIL_PATTERN_H
#define VIGIL_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vg_pattern_kind {
	VG_PAT_OSMATCH,
	VG_PAT_OSREGEX,
	VG_PAT_PCRE2,
};

/* Most capture groups a pattern may have (Wazuh test-suite patterns use 36). */
#define VG_PATTERN_MAX_GROUPS 64

struct vg_pattern;
struct vg_pattern_scratch;

struct vg_capture {
	const char *start; /* points into the subject */
	size_t len;
};

struct vg_match {
	const char *end; /* first character after the match (drives decoder offsets) */
	/*
	 * OS_Regex only: Wazuh's raw OSRegex_Execute() result, the last
	 * character it matched (clamped to the subject's start). end is derived
	 * from it as Wazuh's decoders do: last + 1 unless last is the NUL.
	 * PCRE2: end - 1 (or the subject). OS_Match: the subject, and end too.
	 */
	const char *last;
	unsigned ngroups;
	struct vg_capture groups[VG_PATTERN_MAX_GROUPS];
};

/*
 * Compiles src in the given dialect. On success *out owns the pattern (free
 * with vg_pattern_destroy()). On failure returns VG_EPARSE (or VG_ENOMEM) and,
 * when err is not NULL, writes a one-line reason such as
 * "invalid escape '\\q' at offset 4".
 */
int vg_pattern_compile(enum vg_pattern_kind kind, const char *src, struct vg_pattern **out,
                       char *err, size_t errlen);
void vg_pattern_destroy(struct vg_pattern *p);

/* Maps "osmatch", "osregex", "pcre2" (the type= attribute) to a kind; -1 otherwise. */
int vg_pattern_kind_lookup(const char *name);

/* The source text the pattern was compiled from. */
const char *vg_pattern_source(const struct vg_pattern *p);
enum vg_pattern_kind vg_pattern_kind_of(const struct vg_pattern *p);
/* Number of capture groups the pattern has. */
unsigned vg_pattern_groups(const struct vg_pattern *p);

/* Per-thread match state. NULL on out of memory. */
struct vg_pattern_scratch *vg_pattern_scratch_create(void);
void vg_pattern_scratch_destroy(struct vg_pattern_scratch *s);

/*
 * Matches subject (NUL-terminated). m may be NULL when neither captures nor
 * the end position are wanted. scratch is needed for PCRE2 patterns and may
 * be NULL for the other two dialects. Returns true on a match.
 */
bool vg_pattern_match(const struct vg_pattern *p, const char *subject,
                      struct vg_pattern_scratch *scratch, struct vg_match *m);

/*
 * Required literals: what the log gate (vg_pattern_scratch_gate()) and the
 * multi-pattern prefilter (vigil/prefilter.h) rule patterns out by.
 *
 * vg_pattern_literal_count() is the number of literals of which every
 * subject the pattern matches contains at least one (ASCII case ignored);
 * 0 when there is no such set (PCRE2, a negated OS_Match, an alternative
 * without a literal). vg_pattern_literal() returns the i-th, lower-cased
 * and not NUL-terminated, and its length.
 */
size_t vg_pattern_literal_count(const struct vg_pattern *p);
const char *vg_pattern_literal(const struct vg_pattern *p, size_t i, size_t *len);

/*
 * When every subject the pattern matches equals one of a few literals
 * (ASCII case ignored) - OS_Regex or OS_Match "^a$|^b$" - returns how many;
 * 0 otherwise. vg_pattern_exact_value() returns the i-th, lower-cased and not
 * NUL-terminated, and its length. Rule trees index children by them.
 */
size_t vg_pattern_exact_count(const struct vg_pattern *p);
const char *vg_pattern_exact_value(const struct vg_pattern *p, size_t i, size_t *len);

/*
 * When every subject the pattern matches starts with one of a few literals
 * (ASCII case ignored) - OS_Match "^a|^b$" - returns how many; 0 otherwise.
 * vg_pattern_prefix() returns the i-th, lower-cased and not NUL-terminated,
 * its length, and whether it must be the whole subject ("^b$"). Decoder
 * sets index program names by them.
 */
size_t vg_pattern_prefix_count(const struct vg_pattern *p);
const char *vg_pattern_prefix(const struct vg_pattern *p, size_t i, size_t *len, bool *whole);

/* Called for each pattern a set hands out (vg_decoder_set_log_patterns(),
 * vg_rule_set_log_patterns()); a non-zero return stops the walk. */
typedef int (*vg_pattern_visit_fn)(void *ctx, struct vg_pattern *p);

/*
 * Installs the log gate for one event's log in a scratch. From now on an
 * OS_Match or OS_Regex pattern with required literals (see
 * vg_pattern_literal_count()) matched against a subject inside
 * [log, log + len] (a suffix of the log, so it cannot hold a literal the
 * log lacks) is first checked against the byte pairs the log holds; when
 * every alternative misses a pair of its literals, the match fails at
 * once. The table of pairs is filled on first need (on a long log, once
 * several patterns have asked). Other subjects are not gated. log NULL
 * removes the gate. log must stay valid and unchanged until the next call.
 */
void vg_pattern_scratch_gate(struct vg_pattern_scratch *s, const char *log, size_t len);

#endif
