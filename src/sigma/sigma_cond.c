/*
 * sigma_cond.c - the Sigma condition grammar.
 *
 * A recursive-descent parser over words and parentheses, with the
 * specification's precedence (least to most binding): or, and, not,
 * "x of", parentheses. "1 of" / "any of" / "all of" take "them" (every
 * search identifier not starting with '_') or a pattern with '*'
 * wildcards; "N of" (N > 1) is refused as unsupported. Identifiers must name
 * a search of the detection. The tree lives in the rule's arena.
 */
#include "sigma/sigma_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define COND_MAX_DEPTH 64

struct cparser {
	struct sg_ctx *c;
	const char *p;
	char tok[256];
	size_t toklen;
	unsigned depth;
};

/* Reads the next token into ps->tok: "(", ")" or a word; "" at the end. */
static void next_token(struct cparser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
	ps->toklen = 0;
	if (*ps->p == '(' || *ps->p == ')') {
		ps->tok[ps->toklen++] = *ps->p++;
	} else {
		while (*ps->p && !isspace((unsigned char)*ps->p) && *ps->p != '(' &&
		       *ps->p != ')') {
			if (ps->toklen + 1 < sizeof(ps->tok))
				ps->tok[ps->toklen++] = *ps->p;
			ps->p++;
		}
	}
	ps->tok[ps->toklen] = '\0';
}

static bool tok_is(const struct cparser *ps, const char *w)
{
	return strcasecmp(ps->tok, w) == 0;
}

static struct sg_cond *node(struct cparser *ps, enum sg_ckind kind, struct sg_cond *a,
                            struct sg_cond *b)
{
	struct sg_cond *n = vg_arena_calloc(ps->c->r->arena, 1, sizeof(*n));
	if (!n) {
		sg_fail(ps->c, VG_ENOMEM, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->a = a;
	n->b = b;
	return n;
}

/* '*' glob of a condition pattern against a search name: on a mismatch
 * only the last '*' takes one more character, so the cost stays
 * O(len(pat) * len(s)) however many stars the pattern has. */
static bool glob(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static struct sg_cond *parse_of(struct cparser *ps, bool all)
{
	next_token(ps);
	if (!tok_is(ps, "of")) {
		sg_fail(ps->c, VG_EPARSE, "condition: expected 'of' after '%s'", all ? "all" : "1");
		return NULL;
	}
	next_token(ps);
	if (!ps->toklen || ps->tok[0] == '(' || ps->tok[0] == ')') {
		sg_fail(ps->c, VG_EPARSE, "condition: expected a pattern after 'of'");
		return NULL;
	}
	const struct vg_sigma_rule *r = ps->c->r;
	struct sg_cond *n = node(ps, all ? SC_ALL_OF : SC_ONE_OF, NULL, NULL);
	if (!n)
		return NULL;
	n->ids = vg_arena_calloc(r->arena, r->nsearches + 1, sizeof(*n->ids));
	if (!n->ids) {
		sg_fail(ps->c, VG_ENOMEM, "out of memory");
		return NULL;
	}
	bool them = tok_is(ps, "them");
	for (size_t i = 0; i < r->nsearches; i++) {
		const char *name = r->searches[i].name;
		if (them ? name[0] != '_' : glob(ps->tok, name))
			n->ids[n->nids++] = i;
	}
	if (n->nids == 0) {
		sg_fail(ps->c, VG_EPARSE, "condition: no search identifier matches '%s'", ps->tok);
		return NULL;
	}
	next_token(ps);
	return n;
}

static struct sg_cond *parse_or(struct cparser *ps);

static struct sg_cond *parse_primary(struct cparser *ps)
{
	if (ps->tok[0] == '(') {
		next_token(ps);
		struct sg_cond *n = parse_or(ps);
		if (!n)
			return NULL;
		if (ps->tok[0] != ')') {
			sg_fail(ps->c, VG_EPARSE, "condition: missing ')'");
			return NULL;
		}
		next_token(ps);
		return n;
	}
	if (tok_is(ps, "1") || tok_is(ps, "any"))
		return parse_of(ps, false);
	if (tok_is(ps, "all"))
		return parse_of(ps, true);
	if (ps->toklen && isdigit((unsigned char)ps->tok[0])) {
		sg_fail(ps->c, VG_EUNSUP, "condition: '%s of' is not supported", ps->tok);
		return NULL;
	}
	if (!ps->toklen || ps->tok[0] == ')' || tok_is(ps, "and") || tok_is(ps, "or")) {
		sg_fail(ps->c, VG_EPARSE, "condition: expected a search identifier, got '%s'",
		        ps->toklen ? ps->tok : "end");
		return NULL;
	}
	const struct vg_sigma_rule *r = ps->c->r;
	for (size_t i = 0; i < r->nsearches; i++) {
		if (strcmp(r->searches[i].name, ps->tok) != 0)
			continue;
		struct sg_cond *n = node(ps, SC_ID, NULL, NULL);
		if (!n)
			return NULL;
		n->ids = vg_arena_alloc(r->arena, sizeof(*n->ids));
		if (!n->ids) {
			sg_fail(ps->c, VG_ENOMEM, "out of memory");
			return NULL;
		}
		n->ids[0] = i;
		n->nids = 1;
		next_token(ps);
		return n;
	}
	sg_fail(ps->c, VG_EPARSE, "condition: unknown search identifier '%s'", ps->tok);
	return NULL;
}

static struct sg_cond *parse_not(struct cparser *ps)
{
	if (++ps->depth > COND_MAX_DEPTH) {
		sg_fail(ps->c, VG_EPARSE, "condition: nested too deeply");
		return NULL;
	}
	struct sg_cond *n;
	if (tok_is(ps, "not")) {
		next_token(ps);
		struct sg_cond *a = parse_not(ps);
		n = a ? node(ps, SC_NOT, a, NULL) : NULL;
	} else {
		n = parse_primary(ps);
	}
	ps->depth--;
	return n;
}

static struct sg_cond *parse_and(struct cparser *ps)
{
	struct sg_cond *a = parse_not(ps);
	while (a && tok_is(ps, "and")) {
		next_token(ps);
		struct sg_cond *b = parse_not(ps);
		a = b ? node(ps, SC_AND, a, b) : NULL;
	}
	return a;
}

static struct sg_cond *parse_or(struct cparser *ps)
{
	if (++ps->depth > COND_MAX_DEPTH) {
		sg_fail(ps->c, VG_EPARSE, "condition: nested too deeply");
		return NULL;
	}
	struct sg_cond *a = parse_and(ps);
	while (a && tok_is(ps, "or")) {
		next_token(ps);
		struct sg_cond *b = parse_and(ps);
		a = b ? node(ps, SC_OR, a, b) : NULL;
	}
	ps->depth--;
	return a;
}

int sg_cond_parse(struct sg_ctx *c, const char *text, struct sg_cond **out)
{
	if (strchr(text, '|')) {
		sg_fail(c, VG_EUNSUP, "condition: aggregation ('|') is not supported");
		return c->rc;
	}
	struct cparser ps = { .c = c, .p = text };
	next_token(&ps);
	struct sg_cond *n = parse_or(&ps);
	if (n && ps.toklen) {
		sg_fail(c, VG_EPARSE, "condition: unexpected '%s'", ps.tok);
		n = NULL;
	}
	if (!n)
		return c->rc ? c->rc : VG_EPARSE;
	*out = n;
	return VG_OK;
}
