/*
 * rule_tree.c - the rule set: ownership, lookup by id and the rule tree.
 *
 * Rules are kept in load order and indexed by id. vg_rule_set_finish()
 * builds Wazuh's tree: ids below 10 are the category templates; every other
 * rule hangs under each earlier rule named by if_sid, else each earlier rule
 * of at least if_level, else each earlier rule whose groups contain if_group,
 * else the template of its category. Siblings are ordered level 0 first,
 * then by level descending, ties in load order. It then assigns the history
 * slots that if_matched_sid / if_matched_group correlation searches.
 */
#include "rule_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigil/array.h"
#include "vigil/sigma.h"

#define SLOT_MIN_CAP 64u
#define SLOT_MAX_CAP 16384u

int rule_category_lookup(const char *name)
{
	static const char *const names[] = { "syslog",           "firewall", "ids",
		                             "web-log",          "squid",    "windows",
		                             "host-information", "ossec" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

int vg_rule_set_create(struct vg_rule_set **out)
{
	*out = NULL;
	struct vg_rule_set *set = calloc(1, sizeof(*set));
	if (!set)
		return VG_ENOMEM;
	set->arena = vg_arena_create(64 * 1024);
	if (!set->arena) {
		free(set);
		return VG_ENOMEM;
	}
	*out = set;
	return VG_OK;
}

void vg_rule_set_destroy(struct vg_rule_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->nrules; i++) {
		free(set->rules[i]->children);
		vg_sigma_rule_destroy(set->rules[i]->sigma);
	}
	for (unsigned i = 0; set->sigma_index && i < set->nsigma; i++)
		vg_sigma_index_free(set->sigma_index[i]);
	free(set->sigma_index);
	free(set->sigma_rules);
	free(set->sigma_run_end);
	for (size_t i = 0; i < set->npats; i++)
		vg_pattern_destroy(set->pats[i]);
	for (size_t i = 0; i < set->nlists; i++)
		vg_cdb_destroy(set->lists[i].db);
	free(set->pats);
	free(set->lists);
	free(set->rules);
	free(set->by_id);
	free(set->roots);
	free(set->slot_cap);
	free(set->snap_fields);
	vg_arena_destroy(set->arena);
	free(set);
}

int rule_set_keep_pattern(struct vg_rule_set *set, struct vg_pattern *p)
{
	if (vg_grow((void **)&set->pats, &set->pcap, set->npats + 1, sizeof(*set->pats), 256)) {
		vg_pattern_destroy(p);
		return VG_ENOMEM;
	}
	set->pats[set->npats++] = p;
	return VG_OK;
}

struct rule_impl *rule_set_lookup(const struct vg_rule_set *set, unsigned id)
{
	if (!set->idslots)
		return NULL;
	size_t mask = set->idslots - 1, j = (id * 2654435761u) & mask;
	while (set->by_id[j]) {
		if (set->by_id[j]->pub.id == id)
			return set->by_id[j];
		j = (j + 1) & mask;
	}
	return NULL;
}

static int id_index_grow(struct vg_rule_set *set)
{
	size_t n = set->idslots ? set->idslots * 2 : 1024;
	struct rule_impl **t = calloc(n, sizeof(*t));
	if (!t)
		return VG_ENOMEM;
	for (size_t i = 0; i < set->nrules; i++) {
		size_t j = (set->rules[i]->pub.id * 2654435761u) & (n - 1);
		while (t[j])
			j = (j + 1) & (n - 1);
		t[j] = set->rules[i];
	}
	free(set->by_id);
	set->by_id = t;
	set->idslots = n;
	return VG_OK;
}

int rule_set_insert(struct vg_rule_set *set, struct rule_impl *r)
{
	if (vg_grow((void **)&set->rules, &set->rcap, set->nrules + 1, sizeof(*set->rules), 1024))
		return VG_ENOMEM;
	if ((set->nrules + 1) * 2 > set->idslots && id_index_grow(set))
		return VG_ENOMEM;
	r->index = (unsigned)set->nrules;
	set->rules[set->nrules++] = r;
	size_t mask = set->idslots - 1, j = (r->pub.id * 2654435761u) & mask;
	while (set->by_id[j])
		j = (j + 1) & mask;
	set->by_id[j] = r;
	return VG_OK;
}

const struct vg_cdb *rule_set_list(const struct vg_rule_set *set, const char *name)
{
	for (size_t i = 0; i < set->nlists; i++)
		if (strcmp(set->lists[i].name, name) == 0)
			return set->lists[i].db;
	return NULL;
}

int vg_rule_set_add_list(struct vg_rule_set *set, const char *name, const char *path,
                         struct vg_diag *diag)
{
	if (!set || !name || !path || set->finished)
		return VG_EINVAL;
	if (rule_set_list(set, name)) {
		vg_diag_add(diag, VG_DIAG_WARNING, path, 0, 0, "list '%s' declared twice", name);
		return VG_EEXIST;
	}
	if (vg_grow((void **)&set->lists, &set->lcap, set->nlists + 1, sizeof(*set->lists), 8))
		return VG_ENOMEM;
	struct vg_cdb *db = NULL;
	int rc = vg_cdb_load(path, &db, diag);
	if (rc)
		return rc;
	char *nm = vg_arena_strdup(set->arena, name);
	if (!nm) {
		vg_cdb_destroy(db);
		return VG_ENOMEM;
	}
	set->lists[set->nlists++] = (struct rule_list_decl){ .name = nm, .db = db };
	return VG_OK;
}

const struct vg_rule *vg_rule_set_find(const struct vg_rule_set *set, unsigned id)
{
	struct rule_impl *r = set ? rule_set_lookup(set, id) : NULL;
	return r ? &r->pub : NULL;
}

size_t vg_rule_set_count(const struct vg_rule_set *set)
{
	return set ? set->nrules : 0;
}

const struct vg_rule *vg_rule_set_at(const struct vg_rule_set *set, size_t i)
{
	return set && i < set->nrules ? &set->rules[i]->pub : NULL;
}

int vg_rule_set_log_patterns(const struct vg_rule_set *set, vg_pattern_visit_fn fn, void *ctx)
{
	static const enum rule_check on_log[] = { RC_MATCH, RC_REGEX };
	for (size_t i = 0; set && i < set->nrules; i++) {
		for (size_t k = 0; k < sizeof(on_log) / sizeof(on_log[0]); k++) {
			const struct rule_expr *x = set->rules[i]->checks[on_log[k]];
			int rc = x && x->kind == RX_PATTERN && x->pat ? fn(ctx, x->pat) : VG_OK;
			if (rc != VG_OK)
				return rc;
		}
	}
	return VG_OK;
}

static int add_child(struct rule_impl *parent, struct rule_impl *child)
{
	for (unsigned i = 0; i < parent->nchildren; i++)
		if (parent->children[i] == child)
			return VG_OK;
	if (parent->nchildren == parent->childcap) {
		unsigned n = parent->childcap ? parent->childcap * 2 : 4;
		struct rule_impl **nc = realloc(parent->children, n * sizeof(*nc));
		if (!nc)
			return VG_ENOMEM;
		parent->children = nc;
		parent->childcap = n;
	}
	parent->children[parent->nchildren++] = child;
	return VG_OK;
}

/* Wazuh's group test: case-insensitive substring of the raw group list. */
static bool groups_contain(const struct rule_impl *r, const char *g)
{
	return g && *g && r->all_groups && strcasestr(r->all_groups, g) != NULL;
}

/* Attaches r under each earlier rule named in its if_sid list. */
static int attach_if_sid(struct vg_rule_set *set, struct rule_impl *r, const bool *attached,
                         struct vg_diag *diag, unsigned *nparents)
{
	const char *s = r->if_sid;
	while (*s) {
		while (*s && !isdigit((unsigned char)*s))
			s++;
		if (!*s)
			break;
		char *end;
		unsigned long sid = strtoul(s, &end, 10);
		s = end;
		struct rule_impl *p =
		    sid <= RULE_MAX_ID ? rule_set_lookup(set, (unsigned)sid) : NULL;
		if (!p || p->index >= r->index || !attached[p->index]) {
			vg_diag_add(diag, VG_DIAG_WARNING, r->pub.file, r->pub.line, 0,
			            "rule %u: if_sid %lu is not a rule loaded before it", r->pub.id,
			            sid);
			continue;
		}
		int rc = add_child(p, r);
		if (rc)
			return rc;
		(*nparents)++;
	}
	return VG_OK;
}

static int attach_rule(struct vg_rule_set *set, struct rule_impl *r, bool *attached,
                       struct vg_diag *diag)
{
	unsigned nparents = 0;
	int rc = VG_OK;
	if (r->sigma) { /* beside the tree (rule_sigma.c) */
		attached[r->index] = true;
		return VG_OK;
	}
	if (r->pub.id < 10) {
		struct rule_impl **nr = realloc(set->roots, (set->nroots + 1) * sizeof(*nr));
		if (!nr)
			return VG_ENOMEM;
		set->roots = nr;
		set->roots[set->nroots++] = r;
		attached[r->index] = true;
		return VG_OK;
	}
	if (r->if_sid) {
		rc = attach_if_sid(set, r, attached, diag, &nparents);
	} else if (r->if_level >= 0 || r->if_group) {
		for (unsigned i = 0; !rc && i < r->index; i++) {
			struct rule_impl *p = set->rules[i];
			if (!attached[i] || p->pub.id < 10)
				continue;
			bool ok = r->if_level >= 0 ? p->pub.level >= r->if_level
			                           : groups_contain(p, r->if_group);
			if (ok) {
				rc = add_child(p, r);
				nparents++;
			}
		}
	} else {
		for (unsigned i = 0; i < set->nroots; i++)
			if (set->roots[i]->pub.category == r->pub.category) {
				rc = add_child(set->roots[i], r);
				nparents++;
				break;
			}
	}
	if (!rc && nparents == 0)
		vg_diag_add(diag, VG_DIAG_WARNING, r->pub.file, r->pub.line, 0,
		            "rule %u: no parent rule found; the rule is never evaluated",
		            r->pub.id);
	attached[r->index] = nparents > 0;
	return rc;
}

/* Sibling order key: level 0 first, then higher levels first. */
static int sort_key(const struct rule_impl *r)
{
	return r->sort_level == 0 ? 100 : r->sort_level;
}

/* True when a must come after b among siblings. */
static bool sorts_after(const struct rule_impl *a, const struct rule_impl *b)
{
	if (sort_key(a) != sort_key(b))
		return sort_key(a) < sort_key(b);
	/* Same key: the user's rules before Vigil's built-in ones. */
	return a->builtin && !b->builtin;
}

static void sort_children(struct rule_impl *r)
{
	/* Stable insertion sort: equal keys keep load order. */
	for (unsigned i = 1; i < r->nchildren; i++) {
		struct rule_impl *c = r->children[i];
		unsigned j = i;
		while (j > 0 && sorts_after(r->children[j - 1], c)) {
			r->children[j] = r->children[j - 1];
			j--;
		}
		r->children[j] = c;
	}
}

static int new_slot(struct vg_rule_set *set)
{
	unsigned *nc = realloc(set->slot_cap, (set->nslots + 1) * sizeof(*nc));
	if (!nc)
		return -1;
	set->slot_cap = nc;
	nc[set->nslots] = 0;
	return (int)set->nslots++;
}

static void slot_need(struct vg_rule_set *set, int slot, unsigned frequency)
{
	unsigned cap = frequency * 4;
	if (cap < SLOT_MIN_CAP)
		cap = SLOT_MIN_CAP;
	if (cap > SLOT_MAX_CAP)
		cap = SLOT_MAX_CAP;
	if (set->slot_cap[slot] < cap)
		set->slot_cap[slot] = cap;
}

static int push_group_slot(struct vg_rule_set *set, struct rule_impl *r, unsigned slot)
{
	unsigned *v = vg_arena_alloc(set->arena, (r->npush_group + 1) * sizeof(*v));
	if (!v)
		return VG_ENOMEM;
	if (r->npush_group)
		memcpy(v, r->push_group_slots, r->npush_group * sizeof(*v));
	v[r->npush_group++] = slot;
	r->push_group_slots = v;
	return VG_OK;
}

/* Assigns the history slots of one searching rule. */
static int assign_slots(struct vg_rule_set *set, struct rule_impl *r, struct vg_diag *diag)
{
	if (r->search == RS_EVENTS) {
		r->search_slot = 0;
		slot_need(set, 0, r->pub.frequency);
		return VG_OK;
	}
	if (r->search == RS_SID) {
		struct rule_impl *t = rule_set_lookup(set, r->if_matched_sid);
		if (!t) {
			vg_diag_add(diag, VG_DIAG_WARNING, r->pub.file, r->pub.line, 0,
			            "rule %u: if_matched_sid %u is not a loaded rule", r->pub.id,
			            r->if_matched_sid);
			return VG_OK;
		}
		if (t->push_sid_slot < 0 && (t->push_sid_slot = new_slot(set)) < 0)
			return VG_ENOMEM;
		r->search_slot = t->push_sid_slot;
		slot_need(set, r->search_slot, r->pub.frequency);
		return VG_OK;
	}
	int slot = new_slot(set);
	if (slot < 0)
		return VG_ENOMEM;
	r->search_slot = slot;
	slot_need(set, slot, r->pub.frequency);
	for (size_t i = 0; i < set->nrules; i++)
		if (groups_contain(set->rules[i], r->if_matched_group) &&
		    push_group_slot(set, set->rules[i], (unsigned)slot))
			return VG_ENOMEM;
	return VG_OK;
}

static int collect_snap_fields(struct vg_rule_set *set)
{
	for (size_t i = 0; i < set->nrules; i++) {
		const struct rule_impl *r = set->rules[i];
		for (unsigned k = 0; k < r->nsame; k++) {
			if (r->same[k].attr != RA_DYNAMIC)
				continue;
			unsigned j;
			for (j = 0; j < set->nsnap_fields; j++)
				if (strcasecmp(set->snap_fields[j], r->same[k].dyn_name) == 0)
					break;
			r->same[k].snap_index = j; /* correlation reads it without a search */
			if (j < set->nsnap_fields)
				continue;
			const char **nf =
			    realloc(set->snap_fields, (set->nsnap_fields + 1) * sizeof(*nf));
			if (!nf)
				return VG_ENOMEM;
			set->snap_fields = nf;
			nf[set->nsnap_fields++] = r->same[k].dyn_name;
		}
	}
	return VG_OK;
}

void vg_rule_set_loading_builtin(struct vg_rule_set *set, bool builtin)
{
	set->loading_builtin = builtin;
}

int vg_rule_set_finish(struct vg_rule_set *set, struct vg_diag *diag)
{
	if (!set || set->finished)
		return VG_EINVAL;
	bool *attached = calloc(set->nrules + 1, sizeof(*attached));
	if (!attached)
		return VG_ENOMEM;
	int rc = new_slot(set) < 0 ? VG_ENOMEM : VG_OK; /* slot 0: every stored event */
	if (!rc)
		slot_need(set, 0, 0);
	for (size_t i = 0; !rc && i < set->nrules; i++)
		rc = attach_rule(set, set->rules[i], attached, diag);
	free(attached);
	for (size_t i = 0; !rc && i < set->nrules; i++) {
		sort_children(set->rules[i]);
		if (set->rules[i]->search != RS_NONE)
			rc = assign_slots(set, set->rules[i], diag);
	}
	if (!rc)
		rc = collect_snap_fields(set);
	if (!rc)
		rc = rule_index_children(set);
	if (!rc)
		rc = rule_sigma_finish(set);
	if (!rc)
		set->finished = true;
	return rc;
}
