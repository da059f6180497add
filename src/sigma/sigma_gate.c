/*
 * sigma_gate.c - a cheap necessary condition per Sigma rule.
 *
 * From a rule's condition tree sg_gate_build() derives, where the AND / OR
 * structure allows it, a list of (field, literal) pairs such that the rule
 * can only match when one of the fields' values contains (ASCII case
 * folded) its literal: an item whose values are all literal checks (equals,
 * contains, startswith, endswith) needs one of its literals in its field; a
 * map needs any one of its items' lists (AND), a search the union of its
 * maps' lists (OR), "and" / "all of" any one child's list, "or" / "1 of"
 * the union of all children's lists; "not", keywords, patterns, numbers and
 * the like give no list, so the rule is never gated. At match time the gate
 * tests each literal's distinct byte pairs (bigrams) against a 4096-bit
 * bigram set of the field value, built once per event and field in the
 * view; when no literal can be present the rule is skipped without running
 * its matchers. Bigram presence is implied by containment, so the gate
 * never rejects an event the full evaluation would accept.
 */
#include "sigma/sigma_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GATE_GROUP_SET 64   /* groups this large get a first-bigram set */
#define GATE_MAX       1024 /* more literals than this: no gate */

struct clause {
	const struct sg_item *it[GATE_MAX];
	const struct sg_value *v[GATE_MAX];
	size_t n;
	bool ok;
};

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static unsigned bigram(unsigned char a, unsigned char b)
{
	unsigned x = (unsigned)fold(a) << 8 | fold(b);
	return ((x * 40503u) >> 4) & (VG_SIGMA_BGBITS - 1);
}

static bool literal_value(const struct sg_value *v)
{
	switch (v->kind) {
	case SG_EQ: return v->tpart == SG_TP_NONE && v->len >= 2;
	case SG_CONTAINS:
	case SG_STARTS:
	case SG_ENDS: return v->len >= 2;
	default: return false;
	}
}

/* How likely a clause lets an event through: short literals (".exe")
 * are common, long ones rare; a literal of length n weighs 1/n^2. */
static double weakness(const struct clause *c)
{
	double w = 0;
	for (size_t i = 0; i < c->n; i++)
		w += 1.0 / ((double)c->v[i]->len * (double)c->v[i]->len);
	return w;
}

/* The better (less likely to pass) of two necessary clauses. */
static void pick(struct clause *best, const struct clause *c)
{
	if (!c->ok)
		return;
	if (!best->ok || weakness(c) < weakness(best))
		*best = *c;
}

/* Common field names: a gate literal names its field by these pointers when
 * it is spelt exactly so, which makes the per-event memo test a pointer
 * comparison. */
static const char *const common_fields[] = {
	"Image",
	"CommandLine",
	"ParentImage",
	"ParentCommandLine",
	"OriginalFileName",
	"TargetFilename",
	"TargetObject",
	"Details",
	"ImageLoaded",
	"ScriptBlockText",
	"Description",
	"Product",
	"Company",
	"CurrentDirectory",
	"User",
	"DestinationHostname",
	"QueryName",
	"PipeName",
	"ServiceName",
	"ImagePath",
	"Hashes",
	"Signature",
	"SourceImage",
	"TargetImage",
	"CallTrace",
	"GrantedAccess",
	"NewProcessName",
	"ServiceFileName",
	"Payload",
	"ContextInfo",
	"a0",
	"a1",
	"a2",
	"a3",
	"exe",
	"type",
	"name",
	"key",
	"comm",
};

static const char *intern(const char *field)
{
	for (size_t i = 0; i < sizeof(common_fields) / sizeof(common_fields[0]); i++)
		if (strcmp(common_fields[i], field) == 0)
			return common_fields[i];
	return field;
}

/* Either is necessary: the union is. */
static void unite(struct clause *acc, const struct clause *c)
{
	if (!acc->ok || !c->ok || acc->n + c->n > GATE_MAX) {
		acc->ok = false;
		return;
	}
	memcpy(acc->it + acc->n, c->it, c->n * sizeof(c->it[0]));
	memcpy(acc->v + acc->n, c->v, c->n * sizeof(c->v[0]));
	acc->n += c->n;
}

static void item_clause(const struct sg_item *it, struct clause *out)
{
	out->ok = false;
	out->n = 0;
	if (!it->field || it->neq || it->nv == 0)
		return;
	/* |all: each written value is needed; take the first one's variants. */
	size_t end = it->nv;
	if (it->all)
		for (end = 1; end < it->nv && it->v[end].group == it->v[0].group; end++)
			;
	if (end > GATE_MAX)
		return;
	for (size_t i = 0; i < end; i++) {
		if (!literal_value(&it->v[i]))
			return;
		out->it[out->n] = it;
		out->v[out->n++] = &it->v[i];
	}
	out->ok = true;
}

static void search_clause(const struct vg_sigma_rule *r, size_t id, struct clause *out)
{
	const struct sg_search *s = &r->searches[id];
	struct clause *one = malloc(sizeof(*one)), *best = malloc(sizeof(*best));
	out->ok = s->n > 0 && one && best;
	out->n = 0;
	for (size_t m = 0; out->ok && m < s->n; m++) {
		best->ok = false;
		for (size_t k = 0; k < s->maps[m].n; k++) {
			item_clause(&s->maps[m].items[k], one);
			pick(best, one);
		}
		unite(out, best);
	}
	free(one);
	free(best);
}

static void cond_clause(const struct vg_sigma_rule *r, const struct sg_cond *n, struct clause *out)
{
	out->ok = false;
	out->n = 0;
	struct clause *tmp = malloc(sizeof(*tmp));
	if (!tmp)
		return;
	switch (n->kind) {
	case SC_ID: search_clause(r, n->ids[0], out); break;
	case SC_NOT: break;
	case SC_AND:
		cond_clause(r, n->a, out);
		cond_clause(r, n->b, tmp);
		pick(out, tmp);
		break;
	case SC_OR:
		cond_clause(r, n->a, out);
		cond_clause(r, n->b, tmp);
		unite(out, tmp);
		break;
	case SC_ONE_OF:
		out->ok = n->nids > 0;
		for (size_t i = 0; out->ok && i < n->nids; i++) {
			search_clause(r, n->ids[i], tmp);
			unite(out, tmp);
		}
		break;
	case SC_ALL_OF:
		for (size_t i = 0; i < n->nids; i++) {
			search_clause(r, n->ids[i], tmp);
			pick(out, tmp);
		}
		break;
	}
	free(tmp);
}

/* Byte pairs of paths and command lines ("\\w", ".e", "ex", " -") are in
 * almost every event: test a literal's letter pairs first, they fail sooner. */
static int commonness(unsigned char a, unsigned char b)
{
	int c = !isalnum(a) + !isalnum(b);
	a = fold(a);
	b = fold(b);
	if ((a == 'e' && b == 'x') || (a == 'x' && b == 'e') || (a == 'l' && b == 'l'))
		c += 2;
	return c;
}

static void lit_bigrams(const struct sg_value *v, struct sg_gate_lit *g)
{
	g->nbg = 0;
	for (int pass = 0; pass <= 4; pass++)
		for (size_t i = 0; i + 1 < v->len && g->nbg < SG_GATE_BIGRAMS; i++) {
			unsigned char a = (unsigned char)v->lit[i],
			              b = (unsigned char)v->lit[i + 1];
			if (commonness(a, b) != pass)
				continue;
			uint16_t x = (uint16_t)bigram(a, b);
			bool seen = false;
			for (unsigned k = 0; k < g->nbg && !seen; k++)
				seen = g->bg[k] == x;
			if (!seen)
				g->bg[g->nbg++] = x;
		}
}

static int by_field(const void *a, const void *b)
{
	const struct sg_gate_lit *x = a, *y = b;
	int c = strcmp(x->field, y->field);
	return c ? c : (x->group_end > y->group_end) - (x->group_end < y->group_end);
}

/* Literals grouped by field (one value lookup per group), first bigrams
 * packed for the quick scan. */
static int gate_store(struct vg_sigma_rule *r, const struct clause *c)
{
	struct sg_gate_lit *g = vg_arena_calloc(r->arena, c->n, sizeof(*g));
	uint16_t *first = vg_arena_calloc(r->arena, c->n, sizeof(*first));
	if (!g || !first)
		return VG_ENOMEM;
	for (size_t i = 0; i < c->n; i++) {
		g[i].field = intern(c->it[i]->field);
		g[i].fhash = c->it[i]->fhash;
		g[i].group_end = (unsigned)i; /* sort key: keeps the written order */
		lit_bigrams(c->v[i], &g[i]);
	}
	qsort(g, c->n, sizeof(*g), by_field);
	for (size_t i = c->n; i-- > 0;) {
		bool same = i + 1 < c->n && strcmp(g[i].field, g[i + 1].field) == 0;
		if (same)
			g[i].field = g[i + 1].field;
		g[i].group_end = same ? g[i + 1].group_end : (unsigned)i + 1;
		first[i] = g[i].bg[0];
	}
	for (size_t i = 0; i < c->n; i = g[i].group_end) {
		if (g[i].group_end - i < GATE_GROUP_SET)
			continue;
		uint64_t *set = vg_arena_calloc(r->arena, VG_SIGMA_BGBITS / 64, sizeof(*set));
		if (!set)
			return VG_ENOMEM;
		for (size_t k = i; k < g[i].group_end; k++)
			set[first[k] >> 6] |= 1ull << (first[k] & 63);
		g[i].group_firsts = set;
	}
	r->gate = g;
	r->gate_first = first;
	r->ngate = c->n;
	return VG_OK;
}

int sg_gate_build(struct vg_sigma_rule *r)
{
	r->gate = NULL;
	r->gate_first = NULL;
	r->ngate = 0;
	if (!r->cond)
		return VG_OK;
	struct clause *c = malloc(sizeof(*c));
	if (!c)
		return VG_ENOMEM;
	cond_clause(r, r->cond, c);
	int rc = c->ok && c->n > 0 ? gate_store(r, c) : VG_OK;
	free(c);
	return rc;
}

static bool same_field(const struct vg_sigma_bgmemo *m, const char *name, uint32_t hash)
{
	return m->name == name || (m->name && m->hash == hash && strcasecmp(m->name, name) == 0);
}

/* The bigram set of a field's value in this event; NULL when absent. The
 * memo is probed linearly from the name's slot; when full, that slot is
 * reused. */
const uint64_t *sg_field_bigrams(struct vg_sigma_view *v, const char *name, uint32_t hash)
{
	struct vg_sigma_bgmemo *m = NULL;
	for (unsigned i = 0; i < VG_SIGMA_BGMEMO && !m; i++) {
		struct vg_sigma_bgmemo *c = &v->bgmemo[(hash + i) % VG_SIGMA_BGMEMO];
		if (same_field(c, name, hash))
			return c->present ? c->bits : NULL;
		if (!c->name)
			m = c;
	}
	if (!m)
		m = &v->bgmemo[hash % VG_SIGMA_BGMEMO];
	const char *s = sg_field(v, name, hash);
	m->name = name;
	m->hash = hash;
	m->present = s != NULL;
	if (!s)
		return NULL;
	memset(m->bits, 0, sizeof(m->bits));
	for (const unsigned char *p = (const unsigned char *)s; p[0] && p[1]; p++) {
		unsigned b = bigram(p[0], p[1]);
		m->bits[b >> 6] |= 1ull << (b & 63);
	}
	return m->bits;
}

static bool has(const uint64_t *bits, unsigned b)
{
	return bits[b >> 6] >> (b & 63) & 1;
}

static bool intersects(const uint64_t *a, const uint64_t *b)
{
	uint64_t x = 0;
	for (unsigned i = 0; i < VG_SIGMA_BGBITS / 64; i++)
		x |= a[i] & b[i];
	return x != 0;
}

bool sg_gate_pass(const struct vg_sigma_rule *r, struct vg_sigma_view *v)
{
	if (r->ngate == 0)
		return true;
	for (size_t i = 0; i < r->ngate;) {
		const struct sg_gate_lit *g = &r->gate[i];
		size_t end = g->group_end;
		const uint64_t *bits = sg_field_bigrams(v, g->field, g->fhash);
		if (bits && g->group_firsts && !intersects(bits, g->group_firsts))
			bits = NULL;
		for (; bits && i < end; i++) {
			if (!has(bits, r->gate_first[i]))
				continue;
			g = &r->gate[i];
			unsigned k = 1;
			while (k < g->nbg && has(bits, g->bg[k]))
				k++;
			if (k == g->nbg)
				return true;
		}
		i = end;
	}
	return false;
}
