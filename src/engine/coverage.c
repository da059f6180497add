/*
 * coverage.c - ATT&CK coverage of a ruleset and its Navigator layer
 * (coverage.h).
 */
#include "vigil/coverage.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ruleset_internal.h"
#include "vigil/array.h"
#include "vigil/attack.h"
#include "vigil/error.h"
#include "vigil/rule.h"

static struct vg_coverage_technique *find(struct vg_coverage *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].id, id) == 0)
			return &c->v[i];
	return NULL;
}

static void keep_rule(struct vg_coverage_technique *t, const struct vg_rule *r)
{
	if (t->nrules < VG_COVERAGE_RULES_KEPT) {
		unsigned k = t->nrules;
		while (k > 0 && t->rules[k - 1] > r->id) {
			t->rules[k] = t->rules[k - 1];
			k--;
		}
		t->rules[k] = r->id;
	}
	t->nrules++;
	if (r->level > t->max_level)
		t->max_level = r->level;
}

static int add_rule_technique(struct vg_coverage *c, size_t *cap, const struct vg_rule *r,
                              const char *mid)
{
	struct vg_attack_technique at;
	if (vg_attack_lookup(mid, &at) != VG_OK) {
		c->unknown_ids++;
		return VG_OK;
	}
	struct vg_coverage_technique *t = find(c, at.id);
	if (!t) {
		if (vg_grow((void **)&c->v, cap, c->n + 1, sizeof(*c->v), 64) != VG_OK)
			return VG_ENOMEM;
		t = &c->v[c->n++];
		memset(t, 0, sizeof(*t));
		t->id = at.id;
		t->name = at.name;
		for (unsigned k = 0; k < at.ntactics && k < 8; k++)
			t->tactics[t->ntactics++] = at.tactics[k]->name;
		t->max_level = -1;
	}
	keep_rule(t, r);
	return VG_OK;
}

static int cmp_tech(const void *a, const void *b)
{
	return strcmp(((const struct vg_coverage_technique *)a)->id,
	              ((const struct vg_coverage_technique *)b)->id);
}

int vg_coverage_compute(const struct vg_ruleset *rs, int min_level, struct vg_coverage *out)
{
	memset(out, 0, sizeof(*out));
	size_t cap = 0, n = vg_rule_set_count(rs->rules);
	for (size_t i = 0; i < n; i++) {
		const struct vg_rule *r = vg_rule_set_at(rs->rules, i);
		if (!r || r->overwritten || r->level < min_level)
			continue;
		out->rules++;
		out->rules_with_mitre += r->mitre_ids.n > 0;
		for (size_t k = 0; k < r->mitre_ids.n; k++) {
			if (add_rule_technique(out, &cap, r, r->mitre_ids.v[k]) != VG_OK) {
				vg_coverage_free(out);
				return VG_ENOMEM;
			}
		}
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_tech);
	size_t total = vg_attack_count();
	for (size_t i = 0; i < total; i++) {
		struct vg_attack_technique at;
		if (vg_attack_at(i, &at) == VG_OK && at.status == VG_ATTACK_ACTIVE)
			out->attack_active++;
	}
	return VG_OK;
}

void vg_coverage_free(struct vg_coverage *c)
{
	if (!c)
		return;
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static json_t *technique_json(const struct vg_coverage_technique *t)
{
	char comment[256];
	size_t len = (size_t)snprintf(comment, sizeof(comment), "%u rule%s:", t->nrules,
	                              t->nrules == 1 ? "" : "s");
	unsigned shown = t->nrules < VG_COVERAGE_RULES_KEPT ? t->nrules : VG_COVERAGE_RULES_KEPT;
	for (unsigned k = 0; k < shown && len < sizeof(comment); k++)
		len += (size_t)snprintf(comment + len, sizeof(comment) - len, " %u", t->rules[k]);
	if (t->nrules > shown && len < sizeof(comment))
		snprintf(comment + len, sizeof(comment) - len, " ...");
	return json_pack("{s:s,s:i,s:s,s:b}", "techniqueID", t->id, "score", (int)t->nrules,
	                 "comment", comment, "enabled", 1);
}

int vg_coverage_layer_json(const struct vg_coverage *c, const char *name, struct vg_buf *out)
{
	json_t *techs = json_array();
	unsigned max = 1;
	for (size_t i = 0; techs && i < c->n; i++) {
		if (json_array_append_new(techs, technique_json(&c->v[i])) != 0) {
			json_decref(techs);
			return VG_ENOMEM;
		}
		if (c->v[i].nrules > max)
			max = c->v[i].nrules;
	}
	json_t *layer =
	    techs ? json_pack("{s:s,s:{s:s,s:s,s:s},s:s,s:s,s:o,s:{s:[s,s],s:i,s:i}}", "name", name,
	                      "versions", "attack", "19", "navigator", "5.1.0", "layer", "4.5",
	                      "domain", "enterprise-attack", "description",
	                      "Techniques detected by the loaded Vigil rules (score: "
	                      "number of rules)",
	                      "techniques", techs, "gradient", "colors", "#ffe766", "#8ec843",
	                      "minValue", 0, "maxValue", (int)max)
	          : NULL;
	char *text = layer ? json_dumps(layer, JSON_INDENT(2)) : NULL;
	json_decref(layer);
	if (!text)
		return VG_ENOMEM;
	int rc = vg_buf_addstr(out, text);
	if (rc == VG_OK)
		rc = vg_buf_addc(out, '\n');
	free(text);
	return rc;
}
