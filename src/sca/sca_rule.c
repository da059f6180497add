/*
 * sca_rule.c - compiles one SCA rule: the optional "not " prefix, the type
 * (f: file, d: directory, c: command, p: process, r: registry), the target
 * and the content pattern after " -> ", whose terms are joined by " && ":
 * r:REGEX, !r:REGEX, n:REGEX compare OP NUMBER and literal lines. Regular
 * expressions are OS_Regex unless the check or policy says regex_type
 * pcre2; a directory rule's file-name filter is always OS_Regex ("r:") or
 * OS_Match, as in Wazuh.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sca/sca_internal.h"

#define ARROW " -> "
#define AND   " && "

static int keep_pattern(struct vg_sca_policy *p, struct vg_pattern *pat)
{
	if (p->npats == p->cappats) {
		size_t cap = p->cappats ? p->cappats * 2 : 64;
		struct vg_pattern **np = realloc(p->pats, cap * sizeof(*np));
		if (!np)
			return VG_ENOMEM;
		p->pats = np;
		p->cappats = cap;
	}
	p->pats[p->npats++] = pat;
	return VG_OK;
}

/* Compiles src; a compile error leaves *out NULL and writes a warning. */
static int compile(struct vg_sca_policy *p, enum vg_pattern_kind kind, const char *src,
                   struct vg_pattern **out, char *warn, size_t warnlen)
{
	char why[160];
	*out = NULL;
	int rc = vg_pattern_compile(kind, src, out, why, sizeof(why));
	if (rc == VG_ENOMEM)
		return rc;
	if (rc != VG_OK) {
		if (warn && !warn[0])
			snprintf(warn, warnlen,
			         "regex '%s' does not compile (%s): it never matches", src, why);
		*out = NULL;
		return VG_OK;
	}
	rc = keep_pattern(p, *out);
	if (rc != VG_OK) {
		vg_pattern_destroy(*out);
		*out = NULL;
	}
	return rc;
}

/* Parses " compare OP N" as Wazuh does: the operator by its first match,
 * the number is the first run of digits. */
static void parse_compare(const char *cmp, struct sca_term *t)
{
	if (cmp[0] == '=')
		t->op = SCA_OP_EQ;
	else if (strstr(cmp, "!="))
		t->op = SCA_OP_NE;
	else if (strstr(cmp, "<="))
		t->op = SCA_OP_LE;
	else if (strstr(cmp, ">="))
		t->op = SCA_OP_GE;
	else if (strchr(cmp, '<'))
		t->op = SCA_OP_LT;
	else if (strchr(cmp, '>'))
		t->op = SCA_OP_GT;
	else {
		t->invalid = "Unrecognized operation in the numeric comparison";
		return;
	}
	const char *d = cmp;
	while (*d && !isdigit((unsigned char)*d))
		d++;
	if (!*d) {
		t->invalid = "No integer was found within the comparison";
		return;
	}
	errno = 0;
	char *end;
	long v = strtol(d, &end, 10);
	if (errno != 0 || end == d) {
		t->invalid = "Conversion error in the numeric comparison";
		return;
	}
	t->value = v;
}

static int compile_term(struct vg_sca_policy *p, char *s, bool pcre2, struct sca_term *t,
                        char *warn, size_t warnlen)
{
	enum vg_pattern_kind kind = pcre2 ? VG_PAT_PCRE2 : VG_PAT_OSREGEX;
	memset(t, 0, sizeof(*t));
	if (*s == '!') {
		t->neg = true;
		s++;
	}
	if (strncasecmp(s, "r:", 2) == 0) {
		t->kind = SCA_TERM_REGEX;
		return compile(p, kind, s + 2, &t->pat, warn, warnlen);
	}
	if (strncasecmp(s, "n:", 2) == 0) {
		t->kind = SCA_TERM_NUMERIC;
		char *cmp = strstr(s + 2, " compare ");
		if (!cmp) {
			t->invalid = "Keyword 'compare' not found in the numeric rule";
			return VG_OK;
		}
		*cmp = '\0';
		parse_compare(cmp + 9, t);
		int rc = compile(p, kind, s + 2, &t->pat, warn, warnlen);
		if (rc == VG_OK && !t->pat && !t->invalid)
			t->invalid = "Cannot compile the numeric rule's regex";
		return rc;
	}
	t->kind = SCA_TERM_LITERAL;
	t->literal = vg_arena_strdup(p->arena, s);
	return t->literal ? VG_OK : VG_ENOMEM;
}

/* Splits s (modified) on " && " into e's terms. */
static int compile_expr(struct vg_sca_policy *p, char *s, bool pcre2, struct sca_expr *e,
                        char *warn, size_t warnlen)
{
	size_t n = 1;
	for (const char *q = s; (q = strstr(q, AND)); q += 4)
		n++;
	e->t = vg_arena_calloc(p->arena, n, sizeof(*e->t));
	if (!e->t)
		return VG_ENOMEM;
	e->n = 0;
	for (;;) {
		char *sep = strstr(s, AND);
		if (sep)
			*sep = '\0';
		int rc = compile_term(p, s, pcre2, &e->t[e->n++], warn, warnlen);
		if (rc != VG_OK)
			return rc;
		if (!sep)
			return VG_OK;
		s = sep + 4;
	}
}

/* Cuts s at the first " -> " and returns what follows, or NULL. */
static char *cut_arrow(char *s)
{
	char *a = strstr(s, ARROW);
	if (!a)
		return NULL;
	*a = '\0';
	return a + 4;
}

static int rule_type(const char *s, size_t n, char *type)
{
	if (n == 2 && s[0] == '!') { /* Wazuh ignores a '!' before the type */
		s++;
		n--;
	}
	if (n != 1 || !strchr("fdcpr", s[0]))
		return VG_EPARSE;
	*type = s[0];
	return VG_OK;
}

static int compile_body(struct vg_sca_policy *p, char *value, bool pcre2, struct sca_rule *r,
                        char *warn, size_t warnlen)
{
	if (r->type == 'p') { /* the process name is itself a pattern */
		r->target = vg_arena_strdup(p->arena, value);
		if (!r->target)
			return VG_ENOMEM;
		r->has_content = true;
		return compile_expr(p, value, pcre2, &r->content, warn, warnlen);
	}
	char *rest = cut_arrow(value);
	r->target = vg_arena_strdup(p->arena, value);
	if (!r->target)
		return VG_ENOMEM;
	if (!rest)
		return VG_OK;
	if (r->type == 'd' || r->type == 'r') {
		char *content = cut_arrow(rest);
		r->has_name = true;
		int rc;
		if (strncasecmp(rest, "r:", 2) == 0)
			rc = compile(p, VG_PAT_OSREGEX, rest + 2, &r->name_pat, warn, warnlen);
		else
			rc = compile(p, VG_PAT_OSMATCH, rest, &r->name_pat, warn, warnlen);
		if (rc != VG_OK || !content)
			return rc;
		rest = content;
	}
	r->has_content = true;
	return compile_expr(p, rest, pcre2, &r->content, warn, warnlen);
}

int sca_rule_compile(struct vg_sca_policy *p, const char *text, bool pcre2, struct sca_rule *r,
                     char *err, size_t errlen, char *warn, size_t warnlen)
{
	memset(r, 0, sizeof(*r));
	r->text = vg_arena_strdup(p->arena, text);
	char *s = vg_arena_strdup(p->arena, text);
	if (!r->text || !s)
		return VG_ENOMEM;
	if (strncmp(s, "not ", 4) == 0 || strncmp(s, "NOT ", 4) == 0) {
		r->negated = true;
		s += 4;
	}
	char *colon = strchr(s, ':');
	if (!colon || rule_type(s, (size_t)(colon - s), &r->type) != VG_OK) {
		snprintf(
		    err, errlen,
		    "rule '%s': expected a type f:, d:, c:, p: or r: (optionally after 'not ')",
		    text);
		return VG_EPARSE;
	}
	int rc = compile_body(p, colon + 1, pcre2, r, warn, warnlen);
	if (rc == VG_ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

int vg_sca_rule_check(const char *rule, bool pcre2, char *err, size_t errlen)
{
	struct vg_sca_policy p;
	memset(&p, 0, sizeof(p));
	p.arena = vg_arena_create(0);
	if (!p.arena)
		return VG_ENOMEM;
	struct sca_rule r;
	if (err && errlen)
		err[0] = '\0';
	char tmp[8];
	int rc = sca_rule_compile(&p, rule, pcre2, &r, err ? err : tmp, err ? errlen : sizeof(tmp),
	                          NULL, 0);
	for (size_t i = 0; i < p.npats; i++)
		vg_pattern_destroy(p.pats[i]);
	free(p.pats);
	vg_arena_destroy(p.arena);
	return rc;
}
