/*
 * fuzz_osregex.c - libFuzzer target for the three pattern dialects.
 *
 * The input is split at its first newline (or NUL) into a pattern and a
 * subject. The pattern is compiled as OS_Match, OS_Regex and PCRE2 and each
 * successful compile is matched against the subject. For OS_Regex the
 * result with and without the literal pre-filter must agree, and every
 * reported capture and end pointer must lie inside the subject. A match
 * must also honour what the pattern claims for the prefilter and the
 * indexes: it contains one of the required literals, equals one of the
 * exact values, starts with one of the prefixes (ASCII case ignored). With
 * the log gate installed on the subject (vg_pattern_scratch_gate()), every
 * dialect must give the same verdict, end and captures as without it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern_internal.h"
#include "vigil/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_bounds(const char *subj, const struct vg_match *m)
{
	size_t len = strlen(subj);

	if (m->end < subj || m->end > subj + len)
		abort();
	for (unsigned i = 0; i < m->ngroups; i++)
		if (m->groups[i].start < subj || m->groups[i].start + m->groups[i].len > subj + len)
			abort();
}

static unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static bool ci_equal(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return false;
	return true;
}

/* Aborts when a matched subject breaks the pattern's literal claims. */
static void check_claims(const struct vg_pattern *p, const char *subj)
{
	size_t slen = strlen(subj), n = vg_pattern_literal_count(p), len;
	bool ok = n == 0;
	for (size_t i = 0; i < n && !ok; i++) {
		const char *l = vg_pattern_literal(p, i, &len);
		for (size_t at = 0; at + len <= slen && !ok; at++)
			ok = ci_equal(subj + at, l, len);
	}
	n = vg_pattern_exact_count(p);
	bool exact = n == 0;
	for (size_t i = 0; i < n && !exact; i++) {
		const char *l = vg_pattern_exact_value(p, i, &len);
		exact = len == slen && ci_equal(subj, l, len);
	}
	n = vg_pattern_prefix_count(p);
	bool prefix = n == 0;
	for (size_t i = 0; i < n && !prefix; i++) {
		bool whole;
		const char *l = vg_pattern_prefix(p, i, &len, &whole);
		prefix = len <= slen && ci_equal(subj, l, len) && (!whole || len == slen);
	}
	if (!ok || !exact || !prefix)
		abort();
}

static void check_osregex(const char *pat, const char *subj)
{
	struct vg_osregex *rx;
	struct vg_match a, b;

	if (vg_osregex_compile(pat, &rx, NULL, 0) != 0)
		return;
	bool ra = vg_osregex_exec(rx, subj, &a);
	bool rb = vg_osregex_exec_nofilter(rx, subj, &b);
	if (ra != rb)
		abort(); /* the pre-filter rejected a subject the matcher accepts */
	if (ra) {
		check_bounds(subj, &a);
		if (a.end != b.end || a.ngroups != b.ngroups)
			abort();
	}
	vg_osregex_destroy(rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum vg_pattern_kind kinds[] = { VG_PAT_OSMATCH, VG_PAT_OSREGEX,
		                                      VG_PAT_PCRE2 };
	char *buf = malloc(size + 1);
	char *subj;
	struct vg_pattern_scratch *scratch = vg_pattern_scratch_create();
	struct vg_pattern_scratch *gated = vg_pattern_scratch_create();

	if (!buf || !scratch || !gated)
		goto out;
	memcpy(buf, data, size);
	buf[size] = '\0';
	subj = strchr(buf, '\n');
	if (subj)
		*subj++ = '\0';
	else
		subj = buf + strlen(buf);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct vg_pattern *p;
		struct vg_match m;
		char err[128];
		if (vg_pattern_compile(kinds[k], buf, &p, err, sizeof(err)) != 0)
			continue;
		bool plain = vg_pattern_match(p, subj, scratch, &m);
		if (plain) {
			check_bounds(subj, &m);
			check_claims(p, subj);
		}
		/* The gate may only spare work: same answer on the subject and
		 * on a suffix of it. */
		size_t slen = strlen(subj);
		vg_pattern_scratch_gate(gated, subj, slen);
		for (int round = 0; round < 2; round++) {
			const char *at = round ? subj + slen / 2 : subj;
			struct vg_match g, r;
			bool rg = vg_pattern_match(p, at, gated, &g);
			bool rr = round ? vg_pattern_match(p, at, scratch, &r) : plain;
			if (!round)
				r = m;
			if (rg != rr || (rg && (g.end != r.end || g.ngroups != r.ngroups)))
				abort();
			for (unsigned i = 0; rg && i < g.ngroups; i++)
				if (g.groups[i].start != r.groups[i].start ||
				    g.groups[i].len != r.groups[i].len)
					abort();
		}
		vg_pattern_scratch_gate(gated, NULL, 0);
		vg_pattern_destroy(p);
	}
	check_osregex(buf, subj);
out:
	vg_pattern_scratch_destroy(scratch);
	vg_pattern_scratch_destroy(gated);
	free(buf);
	return 0;
}
