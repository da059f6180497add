/*
 * rule_index.c - which children of a rule an event can possibly match.
 *
 * Most children of a busy parent reject an event on their first check: the
 * category templates' children on decoded_as, the Windows parents' children
 * on one field's exact value (<field name="win.system.eventID">^4625$</field>).
 * At finish each such parent picks one key - the decoder name, or the field
 * most of its children test for exact values - and gets, per key value its
 * children use, the list of children with that value or with no check on
 * the key, in sibling order. An event then walks only its own value's list
 * (or the key-free children), which is exactly the set of children whose
 * check on the key could pass, in the same order, so results are unchanged.
 * Everything lives in the rule set's arena.
 */
#include "rule_internal.h"

#include <string.h>
#include <strings.h>

#define INDEX_MIN_KEYED 4 /* fewer keyed children: the plain scan is as fast */

enum kids_key { KEY_DECODER, KEY_FIELD };

struct kid_list {
	const char *key; /* decoder name, or lower-cased field value; NULL = empty slot */
	size_t len;
	struct rule_impl **v;
	unsigned n;
};

struct rule_kids {
	enum kids_key kind;
	const char *field;      /* KEY_FIELD: the field's name */
	struct kid_list *slots; /* open addressing on hash */
	unsigned nslots;
	struct rule_impl **generic; /* children without a check on the key */
	unsigned ngeneric;
};

/* One child's key values while building. */
struct child_keys {
	const char **vals;
	size_t *lens;
	size_t n; /* 0: generic */
};

static inline unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* FNV-1a; field values hash ASCII-case-folded, as field patterns ignore case. */
static uint32_t key_hash(const char *s, size_t len, bool folded)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		h = (h ^ (folded ? fold(c) : c)) * 16777619u;
	}
	return h;
}

static bool key_equal(const struct kid_list *l, const char *s, size_t len, bool folded)
{
	if (l->len != len)
		return false;
	if (!folded)
		return memcmp(l->key, s, len) == 0;
	for (size_t i = 0; i < len; i++)
		if (fold((unsigned char)s[i]) != (unsigned char)l->key[i])
			return false;
	return true;
}

static struct kid_list *slot_find(const struct rule_kids *k, const char *s, size_t len)
{
	bool folded = k->kind == KEY_FIELD;
	unsigned mask = k->nslots - 1, j = key_hash(s, len, folded) & mask;
	for (; k->slots[j].key; j = (j + 1) & mask)
		if (key_equal(&k->slots[j], s, len, folded))
			return &k->slots[j];
	return &k->slots[j];
}

/* The first non-negated exact-value check of c on field f, or NULL. */
static const struct rule_expr *exact_check(const struct rule_impl *c, const char *f)
{
	for (unsigned i = 0; i < c->nfields; i++) {
		const struct rule_expr *x = &c->fields[i].expr;
		if (strcasecmp(c->fields[i].name, f) == 0 && x->kind == RX_PATTERN && !x->negate &&
		    x->pat && vg_pattern_exact_count(x->pat) > 0)
			return x;
	}
	return NULL;
}

/* The field most children of r test for exact values, and how many do. */
static const char *best_field(const struct rule_impl *r, unsigned *count)
{
	const char *best = NULL;
	*count = 0;
	for (unsigned i = 0; i < r->nchildren; i++) {
		const struct rule_impl *c = r->children[i];
		for (unsigned f = 0; f < c->nfields; f++) {
			const char *name = c->fields[f].name;
			if (exact_check(c, name) != &c->fields[f].expr)
				continue;
			unsigned n = 0;
			for (unsigned j = 0; j < r->nchildren; j++)
				n += exact_check(r->children[j], name) != NULL;
			if (n > *count) {
				*count = n;
				best = name;
			}
		}
	}
	return best;
}

/* Reads the key values of every child of r (arena memory). */
static int read_keys(struct vg_arena *a, const struct rule_kids *k, const struct rule_impl *r,
                     struct child_keys *ck)
{
	for (unsigned i = 0; i < r->nchildren; i++) {
		const struct rule_impl *c = r->children[i];
		const struct rule_expr *x = NULL;
		if (k->kind == KEY_FIELD)
			ck[i].n =
			    (x = exact_check(c, k->field)) ? vg_pattern_exact_count(x->pat) : 0;
		else
			ck[i].n = c->decoded_as != NULL;
		if (!ck[i].n)
			continue;
		ck[i].vals = vg_arena_alloc(a, ck[i].n * sizeof(*ck[i].vals));
		ck[i].lens = vg_arena_alloc(a, ck[i].n * sizeof(*ck[i].lens));
		if (!ck[i].vals || !ck[i].lens)
			return VG_ENOMEM;
		for (size_t v = 0; v < ck[i].n; v++) {
			if (x) {
				ck[i].vals[v] = vg_pattern_exact_value(x->pat, v, &ck[i].lens[v]);
			} else {
				ck[i].vals[v] = c->decoded_as;
				ck[i].lens[v] = strlen(c->decoded_as);
			}
		}
	}
	return VG_OK;
}

/* Does child i belong to the list of key s? */
static bool child_in(const struct child_keys *ck, const struct kid_list *l, bool folded)
{
	if (ck->n == 0)
		return true;
	for (size_t v = 0; v < ck->n; v++)
		if (key_equal(l, ck->vals[v], ck->lens[v], folded))
			return true;
	return false;
}

/* Fills one list: the children in l's key or without a key, in order. */
static int fill_list(struct vg_arena *a, const struct rule_impl *r, const struct child_keys *ck,
                     struct kid_list *l, bool folded)
{
	l->v = vg_arena_alloc(a, r->nchildren * sizeof(*l->v));
	if (!l->v)
		return VG_ENOMEM;
	for (unsigned i = 0; i < r->nchildren; i++)
		if (l->key ? child_in(&ck[i], l, folded) : ck[i].n == 0)
			l->v[l->n++] = r->children[i];
	return VG_OK;
}

/* Creates the slot of every distinct key value and fills all lists. */
static int build_lists(struct vg_arena *a, struct rule_kids *k, const struct rule_impl *r,
                       const struct child_keys *ck, size_t nvals)
{
	bool folded = k->kind == KEY_FIELD;
	k->nslots = 8;
	while (k->nslots < 2 * nvals)
		k->nslots *= 2;
	k->slots = vg_arena_calloc(a, k->nslots, sizeof(*k->slots));
	if (!k->slots)
		return VG_ENOMEM;
	for (unsigned i = 0; i < r->nchildren; i++) {
		for (size_t v = 0; v < ck[i].n; v++) {
			struct kid_list *l = slot_find(k, ck[i].vals[v], ck[i].lens[v]);
			if (l->key)
				continue;
			*l = (struct kid_list){ .key = ck[i].vals[v], .len = ck[i].lens[v] };
			if (fill_list(a, r, ck, l, folded) != VG_OK)
				return VG_ENOMEM;
		}
	}
	struct kid_list generic = { 0 };
	if (fill_list(a, r, ck, &generic, folded) != VG_OK)
		return VG_ENOMEM;
	k->generic = generic.v;
	k->ngeneric = generic.n;
	return VG_OK;
}

static int index_one(struct vg_rule_set *set, struct rule_impl *r)
{
	unsigned ndec = 0, nfield = 0;
	for (unsigned i = 0; i < r->nchildren; i++)
		ndec += r->children[i]->decoded_as != NULL;
	const char *field = best_field(r, &nfield);
	if (ndec < INDEX_MIN_KEYED && nfield < INDEX_MIN_KEYED)
		return VG_OK;
	struct vg_arena *a = set->arena;
	struct rule_kids *k = vg_arena_calloc(a, 1, sizeof(*k));
	struct child_keys *ck = vg_arena_calloc(a, r->nchildren, sizeof(*ck));
	if (!k || !ck)
		return VG_ENOMEM;
	k->kind = ndec >= nfield ? KEY_DECODER : KEY_FIELD;
	k->field = field;
	if (read_keys(a, k, r, ck) != VG_OK)
		return VG_ENOMEM;
	size_t nvals = 0;
	for (unsigned i = 0; i < r->nchildren; i++)
		nvals += ck[i].n;
	if (build_lists(a, k, r, ck, nvals) != VG_OK)
		return VG_ENOMEM;
	r->kids = k;
	return VG_OK;
}

/* The roots of each category, so an event visits only its own. */
static int index_roots(struct vg_rule_set *set)
{
	for (int c = 0; c < RULE_NCATS; c++) {
		unsigned n = 0;
		for (unsigned i = 0; i < set->nroots; i++)
			n += set->roots[i]->pub.category == c;
		set->ncat_roots[c] = 0;
		set->cat_roots[c] =
		    vg_arena_alloc(set->arena, (n ? n : 1) * sizeof(struct rule_impl *));
		if (!set->cat_roots[c])
			return VG_ENOMEM;
		for (unsigned i = 0; i < set->nroots; i++)
			if (set->roots[i]->pub.category == c)
				set->cat_roots[c][set->ncat_roots[c]++] = set->roots[i];
	}
	return VG_OK;
}

int rule_index_children(struct vg_rule_set *set)
{
	int rc = index_roots(set);
	if (rc != VG_OK)
		return rc;
	for (size_t i = 0; i < set->nrules; i++) {
		struct rule_impl *r = set->rules[i];
		/* Which string checks the rule has, so matching visits only those. */
		r->check_mask = 0;
		for (unsigned c = 0; c < RC_COUNT; c++)
			if (r->checks[c])
				r->check_mask |= UINT32_C(1) << c;
		rc = index_one(set, r);
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}

struct rule_impl *const *rule_children_for(const struct vg_rule_set *set, const struct rule_impl *r,
                                           const struct vg_event *ev, unsigned *n)
{
	(void)set;
	const struct rule_kids *k = r->kids;
	if (!k) {
		*n = r->nchildren;
		return r->children;
	}
	const char *v = k->kind == KEY_DECODER ? ev->decoder_name : vg_event_get(ev, k->field);
	if (v) {
		const struct kid_list *l = slot_find(k, v, strlen(v));
		if (l->key) {
			*n = l->n;
			return l->v;
		}
	}
	*n = k->ngeneric;
	return k->generic;
}
