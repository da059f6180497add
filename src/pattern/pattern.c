/*
 * pattern.c - the public face of the pattern module: compiles a pattern in
 * one of the three Wazuh dialects (OS_Match, OS_Regex, PCRE2), keeps its
 * source text and routes vg_pattern_match() to the dialect's matcher.
 */
#include "vigil/pattern.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pattern/pattern_internal.h"
#include "vigil/error.h"

struct vg_pattern {
	enum vg_pattern_kind kind;
	bool single_literal; /* matching is one literal search: no scan needed */
	bool has_start;      /* a match needs the subject's first byte in start */
	bool has_second;     /* ... and its second byte in second */
	uint64_t start[4];
	uint64_t second[4];
	uint16_t *gate_plan; /* byte pairs the alternatives need (pattern_gate.c) */
	char *source;
	union {
		struct vg_osmatch *om;
		struct vg_osregex *rx;
		struct vg_pcre2 *pc;
	} u;
};

int vg_pattern_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return VG_EPARSE;
}

int vg_pattern_compile(enum vg_pattern_kind kind, const char *src, struct vg_pattern **out,
                       char *err, size_t errlen)
{
	struct vg_pattern *p;
	int rc;

	if (!out)
		return VG_EINVAL;
	*out = NULL;
	if (!src)
		return vg_pattern_fail(err, errlen, "no pattern");
	p = calloc(1, sizeof(*p));
	if (!p)
		return VG_ENOMEM;
	p->kind = kind;
	p->source = strdup(src);
	if (!p->source) {
		free(p);
		return VG_ENOMEM;
	}
	switch (kind) {
	case VG_PAT_OSMATCH: rc = vg_osmatch_compile(src, &p->u.om, err, errlen); break;
	case VG_PAT_OSREGEX: rc = vg_osregex_compile(src, &p->u.rx, err, errlen); break;
	case VG_PAT_PCRE2: rc = vg_pcre2_compile(src, &p->u.pc, err, errlen); break;
	default: rc = vg_pattern_fail(err, errlen, "unknown pattern kind %d", (int)kind); break;
	}
	if (rc < 0) {
		free(p->source);
		free(p);
		return rc;
	}
	if (kind == VG_PAT_OSMATCH)
		p->single_literal = vg_osmatch_single_literal(p->u.om);
	else if (kind == VG_PAT_OSREGEX)
		p->single_literal = vg_osregex_single_literal(p->u.rx);
	if (kind == VG_PAT_OSMATCH) {
		p->has_start = vg_osmatch_start_bytes(p->u.om, 0, p->start);
		p->has_second = vg_osmatch_start_bytes(p->u.om, 1, p->second);
	} else if (kind == VG_PAT_OSREGEX) {
		p->has_start = vg_osregex_start_bytes(p->u.rx, 0, p->start);
		p->has_second = vg_osregex_start_bytes(p->u.rx, 1, p->second);
	}
	/* Patterns with a required-literal set are gated by the log's pairs. */
	if (vg_pattern_literal_count(p) > 0) {
		if (kind == VG_PAT_OSMATCH)
			p->gate_plan = vg_gate_plan_build(vg_osmatch_alt_count(p->u.om),
			                                  vg_osmatch_alt_runs, p->u.om);
		else
			p->gate_plan = vg_gate_plan_build(vg_osregex_alt_count(p->u.rx),
			                                  vg_osregex_alt_runs, p->u.rx);
	} else if (kind == VG_PAT_PCRE2) {
		struct vg_pcre2_lits *l = vg_pcre2_lits_parse(src);
		if (l)
			p->gate_plan =
			    vg_gate_plan_build(vg_pcre2_lits_alts(l), vg_pcre2_lits_runs, l);
		vg_pcre2_lits_free(l);
	}
	*out = p;
	return 0;
}

void vg_pattern_destroy(struct vg_pattern *p)
{
	if (!p)
		return;
	switch (p->kind) {
	case VG_PAT_OSMATCH: vg_osmatch_destroy(p->u.om); break;
	case VG_PAT_OSREGEX: vg_osregex_destroy(p->u.rx); break;
	case VG_PAT_PCRE2: vg_pcre2_destroy(p->u.pc); break;
	}
	free(p->gate_plan);
	free(p->source);
	free(p);
}

int vg_pattern_kind_lookup(const char *name)
{
	if (!name)
		return -1;
	if (strcasecmp(name, "osmatch") == 0)
		return VG_PAT_OSMATCH;
	if (strcasecmp(name, "osregex") == 0)
		return VG_PAT_OSREGEX;
	if (strcasecmp(name, "pcre2") == 0)
		return VG_PAT_PCRE2;
	return -1;
}

const char *vg_pattern_source(const struct vg_pattern *p)
{
	return p->source;
}

enum vg_pattern_kind vg_pattern_kind_of(const struct vg_pattern *p)
{
	return p->kind;
}

unsigned vg_pattern_groups(const struct vg_pattern *p)
{
	switch (p->kind) {
	case VG_PAT_OSREGEX: return vg_osregex_groups(p->u.rx);
	case VG_PAT_PCRE2: return vg_pcre2_groups(p->u.pc);
	default: return 0;
	}
}

size_t vg_pattern_literal_count(const struct vg_pattern *p)
{
	switch (p->kind) {
	case VG_PAT_OSMATCH: return vg_osmatch_literal_count(p->u.om);
	case VG_PAT_OSREGEX: return vg_osregex_literal_count(p->u.rx);
	default: return 0;
	}
}

const char *vg_pattern_literal(const struct vg_pattern *p, size_t i, size_t *len)
{
	if (p->kind == VG_PAT_OSMATCH)
		return vg_osmatch_literal(p->u.om, i, len);
	return vg_osregex_literal(p->u.rx, i, len);
}

size_t vg_pattern_exact_count(const struct vg_pattern *p)
{
	switch (p->kind) {
	case VG_PAT_OSMATCH: return vg_osmatch_exact_count(p->u.om);
	case VG_PAT_OSREGEX: return vg_osregex_exact_count(p->u.rx);
	default: return 0;
	}
}

const char *vg_pattern_exact_value(const struct vg_pattern *p, size_t i, size_t *len)
{
	/* An exact OS_Match alternative's literal is its whole text. */
	if (p->kind == VG_PAT_OSMATCH)
		return vg_osmatch_literal(p->u.om, i, len);
	return vg_osregex_exact(p->u.rx, i, len);
}

size_t vg_pattern_prefix_count(const struct vg_pattern *p)
{
	return p->kind == VG_PAT_OSMATCH ? vg_osmatch_prefix_count(p->u.om) : 0;
}

const char *vg_pattern_prefix(const struct vg_pattern *p, size_t i, size_t *len, bool *whole)
{
	return vg_osmatch_prefix(p->u.om, i, len, whole);
}

void vg_pattern_scratch_gate(struct vg_pattern_scratch *s, const char *log, size_t len)
{
	vg_gate_reset(&s->gate, log, len);
}

/* OS_Match reports no position: a match leaves m as Wazuh does. */
static __attribute__((noinline)) bool match_osmatch(const struct vg_pattern *p, const char *subject,
                                                    size_t len, struct vg_match *m)
{
	if (!vg_osmatch_exec_len(p->u.om, subject, len != SIZE_MAX ? len : strlen(subject)))
		return false;
	if (m) {
		/* Wazuh reports no position for OS_Match; offsets stay put. */
		m->end = subject;
		m->last = subject;
		m->ngroups = 0;
	}
	return true;
}

/* After the gate: the start bytes, then the dialect. Every call is a tail
 * call, so the common early returns need no stack frame. */
static inline bool match_run(const struct vg_pattern *p, const char *subject,
                             struct vg_pattern_scratch *scratch, struct vg_match *m)
{
	/* Anchored patterns: the first byte alone often rules the match out. */
	if (p->has_start) {
		unsigned char c0 = (unsigned char)subject[0], c1;
		if (!((p->start[c0 / 64] >> (c0 % 64)) & 1u))
			return false;
		/* A first byte in the set is not the NUL: the second is readable. */
		c1 = (unsigned char)subject[1];
		if (p->has_second && !((p->second[c1 / 64] >> (c1 % 64)) & 1u))
			return false;
	}
	/* The gated log's length is known: spare the dialects a strlen. */
	size_t len = SIZE_MAX;
	if (scratch && subject == scratch->gate.lo)
		len = (size_t)(scratch->gate.hi - scratch->gate.lo);
	switch (p->kind) {
	case VG_PAT_OSMATCH: return match_osmatch(p, subject, len, m);
	case VG_PAT_OSREGEX: return vg_osregex_exec_len(p->u.rx, subject, len, m);
	case VG_PAT_PCRE2: return vg_pcre2_exec(p->u.pc, subject, scratch, m);
	}
	return false;
}

/* A gated match whose gate is not filled yet (once an event at most, or
 * while a long log has had few queries): out of line, so that the common
 * path makes no call but tail calls. */
static __attribute__((noinline)) bool match_unfilled(const struct vg_pattern *p,
                                                     const char *subject,
                                                     struct vg_pattern_scratch *scratch,
                                                     struct vg_match *m)
{
	if (vg_gate_rejects(&scratch->gate, p->gate_plan, p->single_literal))
		return false;
	return match_run(p, subject, scratch, m);
}

/* A pattern with a gate plan: the log gate may rule the match out (a
 * byte pair or byte that every alternative needs is missing from the
 * log). Only for a subject inside [lo, hi], tested as one unsigned
 * comparison (no gate: lo = hi = NULL, and subject is not NULL); compared
 * as integers, as subject may belong to another object. */
static __attribute__((noinline)) bool match_gated(const struct vg_pattern *p, const char *subject,
                                                  struct vg_pattern_scratch *scratch,
                                                  struct vg_match *m)
{
	uintptr_t lo = (uintptr_t)scratch->gate.lo;
	if ((uintptr_t)subject - lo <= (uintptr_t)scratch->gate.hi - lo) {
		if (!scratch->gate.filled)
			return match_unfilled(p, subject, scratch, m);
		if (vg_gate_plan_rejects(&scratch->gate, p->gate_plan))
			return false;
	}
	return match_run(p, subject, scratch, m);
}

bool vg_pattern_match(const struct vg_pattern *p, const char *subject,
                      struct vg_pattern_scratch *scratch, struct vg_match *m)
{
	if (!p || !subject)
		return false;
	if (p->gate_plan && scratch)
		return match_gated(p, subject, scratch, m);
	return match_run(p, subject, scratch, m);
}

/* Rough frequency of a (lower-cased) byte in log text: literal searches
 * anchor their memchr on the rarest byte. Letters cost two scans. */
int vg_pattern_byte_cost(unsigned char c)
{
	if (c == ' ')
		return 100;
	if (c >= 'a' && c <= 'z')
		return strchr("etaoinsrhl", c) ? 80 : 60;
	if (c >= '0' && c <= '9')
		return 50;
	if (c == '.' || c == ':' || c == '=' || c == '-' || c == '/' || c == ',' || c == '"' ||
	    c == '\\')
		return 40; /* '"' and '\\' abound in JSON (Windows events) */
	return 10;
}
