/*
 * rule_sigma.c - Sigma rules as rules of a rule set.
 *
 * vg_rule_set_add_sigma() wraps a compiled Sigma rule (vigil/sigma.h) in a
 * rule: level from the Sigma level, description = title, groups "sigma",
 * the logsource product / category / service, the ATT&CK tactic names of
 * its tags and "sigma_<uuid>", MITRE technique and tactic ids from its tags,
 * info = the Sigma id. Sigma rules are not placed in the Wazuh tree: after
 * the tree has chosen its rule, the Sigma rules of a higher level are tried
 * (highest level first, then load order) and the first that matches is the
 * event's rule, so alerts, firedtimes and ignore work as for any rule.
 *
 * Speed: in that order, rules of one logsource mostly come in runs (one
 * directory of one level). set->sigma_run_end gives, for each position, the
 * end of its logsource run, so an event outside a logsource skips the whole
 * run after one
 * (memoised) test; vg_sigma_rule_match() then gates each remaining rule on
 * its necessary literals before running its matchers.
 */
#include "rule_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/buf.h"
#include "vigil/sigma.h"

static int add_group(struct vg_arena *a, struct vg_buf *all, const char ***v, unsigned *n,
                     const char *g)
{
	if (!g || !*g)
		return VG_OK;
	const char **nv = vg_arena_alloc(a, (*n + 1) * sizeof(*nv));
	char *d = vg_arena_strdup(a, g);
	if (!nv || !d)
		return VG_ENOMEM;
	if (*n)
		memcpy(nv, *v, *n * sizeof(*nv));
	nv[(*n)++] = d;
	*v = nv;
	return vg_buf_printf(all, "%s,", g) ? VG_ENOMEM : VG_OK;
}

static int sigma_groups(struct vg_rule_set *set, struct rule_impl *r, const struct vg_sigma_meta *m)
{
	struct vg_buf all;
	vg_buf_init(&all, 0);
	const char **v = NULL;
	unsigned n = 0;
	int rc = add_group(set->arena, &all, &v, &n, "sigma");
	if (!rc)
		rc = add_group(set->arena, &all, &v, &n, m->product);
	if (!rc)
		rc = add_group(set->arena, &all, &v, &n, *m->category ? m->category : m->service);
	for (size_t i = 0; !rc && i < m->ntags; i++)
		if (strncmp(m->tags[i], "attack.", 7) == 0 && m->tags[i][7] != 't' &&
		    m->tags[i][7] != 'g' && m->tags[i][7] != 's')
			rc = add_group(set->arena, &all, &v, &n, m->tags[i] + 7);
	if (!rc && *m->id) {
		char g[80];
		snprintf(g, sizeof(g), "sigma_%s", m->id);
		rc = add_group(set->arena, &all, &v, &n, g);
	}
	if (!rc) {
		r->pub.groups = (struct vg_strv){ v, n };
		r->all_groups = vg_arena_strdup(set->arena, vg_buf_str(&all));
		rc = r->all_groups ? VG_OK : VG_ENOMEM;
	}
	vg_buf_free(&all);
	return rc;
}

static int fill_rule(struct vg_rule_set *set, struct rule_impl *r, const struct vg_sigma_meta *m)
{
	struct vg_arena *a = set->arena;
	r->pub.level = m->level;
	r->sort_level = m->level;
	r->pub.description = vg_arena_strdup(a, m->title);
	r->pub.info = *m->id ? vg_arena_strdup(a, m->id) : NULL;
	r->pub.file = vg_arena_strdup(a, m->file);
	r->pub.category = -1;
	r->pub.timeframe = RULE_DEFAULT_TFRAME;
	r->if_level = -1;
	r->search_slot = r->push_sid_slot = -1;
	r->builtin = set->loading_builtin;
	if (!r->pub.description || !r->pub.file || (*m->id && !r->pub.info))
		return VG_ENOMEM;
	/* The Sigma rule's strings outlive it here: copy the id lists. */
	const char **ids = vg_arena_calloc(a, m->nmitre_ids + 1, sizeof(*ids));
	const char **tac = vg_arena_calloc(a, m->ntactics + 1, sizeof(*tac));
	if (!ids || !tac)
		return VG_ENOMEM;
	for (size_t i = 0; i < m->nmitre_ids; i++)
		if (!(ids[i] = vg_arena_strdup(a, m->mitre_ids[i])))
			return VG_ENOMEM;
	for (size_t i = 0; i < m->ntactics; i++)
		if (!(tac[i] = vg_arena_strdup(a, m->tactics[i])))
			return VG_ENOMEM;
	r->pub.mitre_ids = (struct vg_strv){ ids, (unsigned)m->nmitre_ids };
	r->pub.mitre_tactics = (struct vg_strv){ tac, (unsigned)m->ntactics };
	return sigma_groups(set, r, m);
}

int vg_rule_set_add_sigma(struct vg_rule_set *set, struct vg_sigma_rule *sr, unsigned id,
                          struct vg_diag *diag)
{
	if (!set || !sr || set->finished || id > RULE_MAX_ID || id < 10) {
		vg_sigma_rule_destroy(sr);
		return VG_EINVAL;
	}
	const struct vg_sigma_meta *m = vg_sigma_rule_meta(sr);
	if (rule_set_lookup(set, id)) {
		vg_diag_add(diag, VG_DIAG_ERROR, m->file, 0, 0,
		            "Sigma rule '%s': rule id %u already in use", m->title, id);
		vg_sigma_rule_destroy(sr);
		return VG_EEXIST;
	}
	struct rule_impl *r = vg_arena_calloc(set->arena, 1, sizeof(*r));
	int rc = r ? VG_OK : VG_ENOMEM;
	if (rc == VG_OK) {
		r->pub.id = id;
		rc = fill_rule(set, r, m);
	}
	if (rc == VG_OK)
		rc = rule_set_insert(set, r);
	if (rc != VG_OK) {
		vg_sigma_rule_destroy(sr);
		return rc;
	}
	r->sigma = sr;
	return VG_OK;
}

/* One gate index per logsource run (runs of a single rule need none). */
static int build_indexes(struct vg_rule_set *set)
{
	unsigned n = set->nsigma;
	const struct vg_sigma_rule **rs = calloc(n, sizeof(*rs));
	set->sigma_index = calloc(n, sizeof(*set->sigma_index));
	int rc = rs && set->sigma_index ? VG_OK : VG_ENOMEM;
	for (unsigned i = 0; i < n; i++)
		if (rs)
			rs[i] = set->sigma_rules[i]->sigma;
	for (unsigned i = 0; rc == VG_OK && i < n; i = set->sigma_run_end[i])
		if (set->sigma_run_end[i] - i > 1)
			rc = vg_sigma_index_build(rs + i, set->sigma_run_end[i] - i,
			                          &set->sigma_index[i]);
	free(rs);
	return rc; /* on failure what was built is freed with the set */
}

int rule_sigma_finish(struct vg_rule_set *set)
{
	unsigned n = 0;
	for (size_t i = 0; i < set->nrules; i++)
		n += set->rules[i]->sigma != NULL;
	if (!n)
		return VG_OK;
	set->sigma_rules = calloc(n, sizeof(*set->sigma_rules));
	set->sigma_run_end = calloc(n, sizeof(*set->sigma_run_end));
	if (!set->sigma_rules || !set->sigma_run_end)
		return VG_ENOMEM; /* both freed with the set */
	for (size_t i = 0; i < set->nrules; i++) {
		struct rule_impl *r = set->rules[i];
		if (!r->sigma)
			continue;
		/* Insertion by level, descending; ties keep load order. */
		unsigned j = set->nsigma++;
		while (j > 0 && set->sigma_rules[j - 1]->pub.level < r->pub.level) {
			set->sigma_rules[j] = set->sigma_rules[j - 1];
			j--;
		}
		set->sigma_rules[j] = r;
	}
	unsigned *end = set->sigma_run_end;
	for (unsigned i = n; i-- > 0;)
		end[i] = i + 1 < n && vg_sigma_rule_same_logsource(set->sigma_rules[i]->sigma,
		                                                   set->sigma_rules[i + 1]->sigma)
		             ? end[i + 1]
		             : i + 1;
	return build_indexes(set);
}

const struct rule_impl *rule_sigma_eval(const struct vg_rule_set *set, const struct vg_event *ev,
                                        struct vg_pattern_scratch *scr, int min_level)
{
	if (!set->nsigma)
		return NULL;
	struct vg_sigma_view view;
	vg_sigma_view_init(&view, ev);
	const unsigned *end = set->sigma_run_end;
	unsigned run = 0;   /* end of the run whose logsource the event is in */
	unsigned first = 0; /* its start */
	const struct vg_sigma_index *idx = NULL;
	uint64_t mark[VG_SIGMA_INDEX_MAX / 64];
	for (unsigned i = 0; i < set->nsigma;) {
		const struct rule_impl *r = set->sigma_rules[i];
		if (r->pub.level <= min_level)
			break;
		if (i >= run) {
			if (!vg_sigma_rule_logsource_match(r->sigma, &view)) {
				i = end[i];
				continue;
			}
			run = end[i];
			first = i;
			idx = set->sigma_index[i];
			if (idx)
				vg_sigma_index_mark(idx, &view, mark);
		}
		unsigned k = i - first;
		if ((!idx || (mark[k / 64] >> (k % 64) & 1)) &&
		    vg_sigma_rule_match_detection(r->sigma, &view, scr))
			return r;
		i++;
	}
	return NULL;
}
