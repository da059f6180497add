/*
 * osmatch.c - Wazuh's OS_Match dialect: case-insensitive substring tests.
 *
 * A pattern is a '|'-separated list of alternatives; a leading '!' on the
 * whole pattern negates the result. Each alternative is a substring test,
 * '^x' a prefix test, 'x$' a suffix test, '^x$' an exact (case-insensitive)
 * comparison and an empty alternative matches anything. There are no
 * escapes. Facts from Wazuh's os_match_compile.c / os_match_execute.c.
 */
#include "pattern/pattern_internal.h"

#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"

enum om_kind { OM_ANY, OM_SUB, OM_PREFIX, OM_SUFFIX, OM_EXACT };

struct om_alt {
	enum om_kind kind;
	const unsigned char *lit; /* lower-cased, NUL-terminated, inside buf */
	size_t len;
	size_t anchor; /* OM_SUB: index of the rarest byte, searched with memchr */
	bool never;    /* OM_SUB with a non-ASCII byte (see om_contains()) */
};

struct vg_osmatch {
	bool negate;
	size_t nalts;
	unsigned char *buf;
	struct om_alt alts[];
};

static inline unsigned char om_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Sets up one alternative from the lower-cased text [beg, endp). */
static void om_init_alt(struct om_alt *a, unsigned char *beg, unsigned char *endp)
{
	bool caret = *beg == '^';
	bool dollar = endp > beg && endp[-1] == '$';

	*endp = '\0';
	if (caret)
		beg++;
	if (caret && dollar && endp > beg) {
		/* "^$" and "^x$": exact. (A lone "^" keeps its '$'-less meaning.) */
		endp[-1] = '\0';
		a->kind = OM_EXACT;
	} else if (!caret && endp == beg) {
		a->kind = OM_ANY;
	} else if (!caret && dollar) {
		endp[-1] = '\0';
		a->kind = OM_SUFFIX;
	} else if (caret) {
		a->kind = OM_PREFIX;
	} else {
		a->kind = OM_SUB;
	}
	a->lit = beg;
	a->len = strlen((const char *)beg);
	a->anchor = 0;
	for (size_t i = 0; i < a->len; i++) {
		if (beg[i] >= 0x80)
			a->never = true;
		if (vg_pattern_byte_cost(beg[i]) < vg_pattern_byte_cost(beg[a->anchor]))
			a->anchor = i;
	}
}

int vg_osmatch_compile(const char *src, struct vg_osmatch **out, char *err, size_t errlen)
{
	size_t len = strlen(src), nalts = 1;
	bool negate = false;
	struct vg_osmatch *om;
	unsigned char *buf, *beg;

	*out = NULL;
	if (len > VG_PATTERN_MAX_LEN)
		return vg_pattern_fail(err, errlen, "pattern longer than %d bytes",
		                       VG_PATTERN_MAX_LEN);
	if (*src == '!') {
		negate = true;
		src++;
		len--;
	}
	for (size_t i = 0; i < len; i++)
		if (src[i] == '|')
			nalts++;
	om = calloc(1, sizeof(*om) + nalts * sizeof(om->alts[0]));
	buf = malloc(len + 1);
	if (!om || !buf) {
		free(om);
		free(buf);
		return VG_ENOMEM;
	}
	for (size_t i = 0; i <= len; i++)
		buf[i] = om_lower((unsigned char)src[i]);
	om->negate = negate;
	om->nalts = nalts;
	om->buf = buf;
	beg = buf;
	for (size_t i = 0; i < nalts; i++) {
		unsigned char *endp = beg;
		while (*endp != '\0' && *endp != '|')
			endp++;
		om_init_alt(&om->alts[i], beg, endp);
		beg = endp + 1;
	}
	*out = om;
	return 0;
}

void vg_osmatch_destroy(struct vg_osmatch *om)
{
	if (!om)
		return;
	free(om->buf);
	free(om);
}

/* Case-insensitive comparison of n bytes; lit is already lower-case. */
static bool om_equal(const unsigned char *s, const unsigned char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (om_lower(s[i]) != lit[i])
			return false;
	return true;
}

/* Next occurrence of the lower-case byte lo, in either case, in [p, lim). */
static const unsigned char *om_find_byte(const unsigned char *p, const unsigned char *lim,
                                         unsigned char lo)
{
	if (p >= lim)
		return NULL;
	if (lo < 'a' || lo > 'z')
		return memchr(p, lo, (size_t)(lim - p));
	const unsigned char *l = memchr(p, lo, (size_t)(lim - p));
	const unsigned char *u = memchr(p, lo - 32, (size_t)((l ? l : lim) - p));
	return u ? u : l;
}

/*
 * Substring search. Wazuh compares a plain (signed on x86) pattern char with
 * an unsigned lower-cased byte here, so a pattern with a non-ASCII byte never
 * matches as a substring; reproduced on purpose (the prefix, suffix and
 * exact forms use strcasecmp in Wazuh and do match such bytes). Candidates
 * are found with memchr on the literal's rarest byte.
 */
static bool om_contains(const struct om_alt *a, const unsigned char *s, size_t slen)
{
	size_t n = a->len, k = a->anchor;

	if (a->never || slen < n)
		return false;
	/* The anchor byte may sit at positions k .. slen - n + k. */
	const unsigned char *p = s + k, *lim = s + slen - n + k + 1;
	while ((p = om_find_byte(p, lim, a->lit[k])) != NULL) {
		if (om_equal(p - k, a->lit, n))
			return true;
		p++;
	}
	return false;
}

static bool om_alt_match(const struct om_alt *a, const unsigned char *s, size_t slen)
{
	switch (a->kind) {
	case OM_ANY: return true;
	case OM_SUB: return om_contains(a, s, slen);
	case OM_PREFIX: return slen >= a->len && om_equal(s, a->lit, a->len);
	case OM_SUFFIX: return slen >= a->len && om_equal(s + slen - a->len, a->lit, a->len);
	case OM_EXACT: return slen == a->len && om_equal(s, a->lit, a->len);
	}
	return false;
}

bool vg_osmatch_exec(const struct vg_osmatch *om, const char *subject)
{
	return vg_osmatch_exec_len(om, subject, strlen(subject));
}

bool vg_osmatch_exec_len(const struct vg_osmatch *om, const char *subject, size_t slen)
{
	const unsigned char *s = (const unsigned char *)subject;

	for (size_t i = 0; i < om->nalts; i++)
		if (om_alt_match(&om->alts[i], s, slen))
			return !om->negate;
	return om->negate;
}

/*
 * The prefilter's view: every subject the pattern matches contains one of
 * these literals (case-insensitively). A negated pattern, an empty
 * alternative or a bare '^' can match without any, so then there are none.
 */
size_t vg_osmatch_literal_count(const struct vg_osmatch *om)
{
	bool anchored = true;
	if (om->negate)
		return 0;
	for (size_t i = 0; i < om->nalts; i++) {
		if (om->alts[i].kind == OM_ANY || om->alts[i].len == 0)
			return 0;
		if (om->alts[i].kind != OM_PREFIX && om->alts[i].kind != OM_EXACT)
			anchored = false;
	}
	/* Comparing at the start only is cheaper than consulting a prefilter. */
	return anchored ? 0 : om->nalts;
}

size_t vg_osmatch_alt_runs(const void *obj, size_t alt, struct vg_lit_run *runs, size_t max)
{
	const struct vg_osmatch *om = obj;
	if (max == 0 || om->alts[alt].len == 0)
		return 0;
	runs[0] = (struct vg_lit_run){ om->alts[alt].lit, om->alts[alt].len };
	return 1;
}

size_t vg_osmatch_alt_count(const struct vg_osmatch *om)
{
	return om->nalts;
}

bool vg_osmatch_single_literal(const struct vg_osmatch *om)
{
	return !om->negate && om->nalts == 1 && om->alts[0].kind == OM_SUB;
}

const char *vg_osmatch_literal(const struct vg_osmatch *om, size_t i, size_t *len)
{
	*len = om->alts[i].len;
	return (const char *)om->alts[i].lit;
}

size_t vg_osmatch_exact_count(const struct vg_osmatch *om)
{
	if (om->negate)
		return 0;
	for (size_t i = 0; i < om->nalts; i++)
		if (om->alts[i].kind != OM_EXACT || om->alts[i].len == 0)
			return 0;
	return om->nalts;
}

size_t vg_osmatch_prefix_count(const struct vg_osmatch *om)
{
	if (om->negate)
		return 0;
	for (size_t i = 0; i < om->nalts; i++) {
		const struct om_alt *a = &om->alts[i];
		if ((a->kind != OM_PREFIX && a->kind != OM_EXACT) || a->len == 0)
			return 0;
	}
	return om->nalts;
}

bool vg_osmatch_start_bytes(const struct vg_osmatch *om, size_t at, uint64_t set[4])
{
	memset(set, 0, 4 * sizeof(set[0]));
	if (vg_osmatch_prefix_count(om) == 0)
		return false;
	for (size_t i = 0; i < om->nalts; i++) {
		if (om->alts[i].len <= at)
			return false;
		for (unsigned c = 0; c < 256; c++)
			if (om_lower((unsigned char)c) == om->alts[i].lit[at])
				set[c / 64] |= UINT64_C(1) << (c % 64);
	}
	return true;
}

const char *vg_osmatch_prefix(const struct vg_osmatch *om, size_t i, size_t *len, bool *whole)
{
	*len = om->alts[i].len;
	*whole = om->alts[i].kind == OM_EXACT;
	return (const char *)om->alts[i].lit;
}
