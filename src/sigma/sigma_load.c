/*
 * sigma_load.c - builds a compiled Sigma rule from its YAML document.
 *
 * Reads the metadata (title, id, status, level, description, tags, with
 * attack.tNNNN[.NNN] tags becoming MITRE technique ids and attack.<tactic>
 * tags tactic ids), resolves the logsource (sigma_map.c), compiles every
 * search identifier of the detection (a map: AND of its fields; a list of
 * maps: OR; a list of plain values: keywords) and the condition (a list of
 * conditions is their OR). The first error decides the result: VG_EPARSE
 * for a malformed rule, VG_EUNSUP for a construct Vigil cannot evaluate,
 * with the reason in the diag.
 */
#include "sigma/sigma_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/array.h"

void sg_fail(struct sg_ctx *c, int rc, const char *fmt, ...)
{
	if (c->rc)
		return; /* keep the first reason */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	c->rc = rc;
}

int sg_keep_pattern(struct sg_ctx *c, struct vg_pattern *p)
{
	struct vg_sigma_rule *r = c->r;
	if (vg_grow((void **)&r->pats, &r->pcap, r->npats + 1, sizeof(*r->pats), 8)) {
		vg_pattern_destroy(p);
		return VG_ENOMEM;
	}
	r->pats[r->npats++] = p;
	return VG_OK;
}

int vg_sigma_level(const char *name)
{
	static const struct {
		const char *name;
		int level;
	} levels[] = { { "informational", 3 },
		       { "low", 5 },
		       { "medium", 8 },
		       { "high", 12 },
		       { "critical", 15 } };
	for (size_t i = 0; name && i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(levels[i].name, name) == 0)
			return levels[i].level;
	return -1;
}

static const char *tactic_id(const char *name)
{
	static const struct {
		const char *name, *id;
	} tactics[] = {
		{ "reconnaissance", "TA0043" },      { "resource_development", "TA0042" },
		{ "initial_access", "TA0001" },      { "execution", "TA0002" },
		{ "persistence", "TA0003" },         { "privilege_escalation", "TA0004" },
		{ "defense_evasion", "TA0005" },     { "credential_access", "TA0006" },
		{ "discovery", "TA0007" },           { "lateral_movement", "TA0008" },
		{ "collection", "TA0009" },          { "exfiltration", "TA0010" },
		{ "command_and_control", "TA0011" }, { "impact", "TA0040" },
	};
	for (size_t i = 0; i < sizeof(tactics) / sizeof(tactics[0]); i++)
		if (strcmp(tactics[i].name, name) == 0)
			return tactics[i].id;
	return NULL;
}

static const char *scalar(const struct sy_node *map, const char *key)
{
	const struct sy_node *n = sy_get(map, key);
	return n && n->kind == SY_SCALAR ? n->str : "";
}

static int push(struct sg_ctx *c, const char ***v, size_t *n, const char *s)
{
	const char **nv = vg_arena_alloc(c->r->arena, (*n + 1) * sizeof(*nv));
	if (!nv || !s)
		return VG_ENOMEM;
	if (*n)
		memcpy(nv, *v, *n * sizeof(*nv));
	nv[(*n)++] = s;
	*v = nv;
	return VG_OK;
}

static int load_tags(struct sg_ctx *c, const struct sy_node *tags)
{
	struct vg_sigma_meta *m = &c->r->meta;
	for (size_t i = 0; tags && tags->kind == SY_SEQ && i < tags->n; i++) {
		const struct sy_node *t = tags->items[i];
		if (t->kind != SY_SCALAR)
			continue;
		int rc = push(c, &m->tags, &m->ntags, t->str);
		if (rc == VG_OK && strncmp(t->str, "attack.", 7) == 0) {
			const char *rest = t->str + 7;
			if ((rest[0] == 't' || rest[0] == 'T') && isdigit((unsigned char)rest[1])) {
				char *id = vg_arena_strdup(c->r->arena, rest);
				if (id)
					for (char *p = id; *p; p++)
						*p = (char)toupper((unsigned char)*p);
				rc = push(c, &m->mitre_ids, &m->nmitre_ids, id);
			} else if (tactic_id(rest)) {
				rc = push(c, &m->tactics, &m->ntactics, tactic_id(rest));
			}
		}
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}

static int add_map(struct sg_ctx *c, struct sg_search *s, const struct sy_node *map)
{
	struct sg_map *nm = vg_arena_calloc(c->r->arena, s->n + 1, sizeof(*nm));
	if (!nm)
		return VG_ENOMEM;
	if (s->n)
		memcpy(nm, s->maps, s->n * sizeof(*nm));
	s->maps = nm;
	struct sg_map *m = &s->maps[s->n++];
	size_t pairs = map->kind == SY_MAP ? map->n / 2 : 1;
	m->items = vg_arena_calloc(c->r->arena, pairs ? pairs : 1, sizeof(*m->items));
	if (!m->items)
		return VG_ENOMEM;
	if (map->kind != SY_MAP) /* keywords */
		return sg_item_compile(c, "", map, &m->items[m->n++]);
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct sy_node *k = map->items[i];
		if (k->kind != SY_SCALAR) {
			sg_fail(c, VG_EPARSE, "line %u: a field name must be a scalar", k->line);
			return c->rc;
		}
		int rc = sg_item_compile(c, k->str, map->items[i + 1], &m->items[m->n++]);
		if (rc != VG_OK)
			return rc;
	}
	if (m->n == 0) {
		sg_fail(c, VG_EPARSE, "line %u: empty search identifier", map->line);
		return c->rc;
	}
	return VG_OK;
}

static int load_search(struct sg_ctx *c, struct sg_search *s, const struct sy_node *v)
{
	if (v->kind != SY_SEQ)
		return add_map(c, s, v);
	bool all_scalars = true;
	for (size_t i = 0; i < v->n; i++)
		all_scalars &= v->items[i]->kind == SY_SCALAR;
	if (all_scalars && v->n)
		return add_map(c, s, v); /* one keyword item, its values ORed */
	for (size_t i = 0; i < v->n; i++) {
		int rc = add_map(c, s, v->items[i]);
		if (rc != VG_OK)
			return rc;
	}
	if (v->n == 0) {
		sg_fail(c, VG_EPARSE, "line %u: empty search identifier", v->line);
		return c->rc;
	}
	return VG_OK;
}

static int load_condition(struct sg_ctx *c, const struct sy_node *cond)
{
	if (!cond || (cond->kind == SY_SEQ && cond->n == 0) || cond->kind == SY_MAP) {
		sg_fail(c, VG_EPARSE, "detection has no condition");
		return c->rc;
	}
	if (cond->kind == SY_SCALAR)
		return sg_cond_parse(c, cond->str, &c->r->cond);
	struct sg_cond *all = NULL;
	for (size_t i = 0; i < cond->n; i++) {
		struct sg_cond *one = NULL;
		if (cond->items[i]->kind != SY_SCALAR) {
			sg_fail(c, VG_EPARSE, "line %u: a condition must be a string",
			        cond->items[i]->line);
			return c->rc;
		}
		int rc = sg_cond_parse(c, cond->items[i]->str, &one);
		if (rc != VG_OK)
			return rc;
		if (all) {
			struct sg_cond *n = vg_arena_calloc(c->r->arena, 1, sizeof(*n));
			if (!n)
				return VG_ENOMEM;
			*n = (struct sg_cond){ .kind = SC_OR, .a = all, .b = one };
			one = n;
		}
		all = one;
	}
	c->r->cond = all;
	return VG_OK;
}

static int load_detection(struct sg_ctx *c, const struct sy_node *det)
{
	if (!det || det->kind != SY_MAP) {
		sg_fail(c, VG_EPARSE, "missing 'detection' map");
		return c->rc;
	}
	if (sy_get(det, "timeframe")) {
		sg_fail(c, VG_EUNSUP, "detection 'timeframe' (aggregation) is not supported");
		return c->rc;
	}
	struct vg_sigma_rule *r = c->r;
	r->searches = vg_arena_calloc(r->arena, det->n / 2 + 1, sizeof(*r->searches));
	if (!r->searches)
		return VG_ENOMEM;
	for (size_t i = 0; i + 1 < det->n; i += 2) {
		const struct sy_node *k = det->items[i];
		if (k->kind != SY_SCALAR || strcmp(k->str, "condition") == 0)
			continue;
		struct sg_search *s = &r->searches[r->nsearches++];
		s->name = k->str;
		int rc = load_search(c, s, det->items[i + 1]);
		if (rc != VG_OK)
			return rc;
	}
	return load_condition(c, sy_get(det, "condition"));
}

static int load_meta(struct sg_ctx *c, const struct sy_node *root, const char *name)
{
	struct vg_sigma_meta *m = &c->r->meta;
	m->title = scalar(root, "title");
	m->id = scalar(root, "id");
	m->status = scalar(root, "status");
	m->description = scalar(root, "description");
	m->level_name = scalar(root, "level");
	m->file = vg_arena_strdup(c->r->arena, name);
	if (!m->file)
		return VG_ENOMEM;
	if (!*m->title) {
		sg_fail(c, VG_EPARSE, "missing 'title'");
		return c->rc;
	}
	if (sy_get(root, "correlation")) {
		sg_fail(c, VG_EUNSUP, "correlation rules are not supported");
		return c->rc;
	}
	m->level = *m->level_name ? vg_sigma_level(m->level_name) : 8;
	if (m->level < 0) {
		sg_fail(c, VG_EPARSE, "unknown level '%s'", m->level_name);
		return c->rc;
	}
	const struct sy_node *ls = sy_get(root, "logsource");
	if (!ls || ls->kind != SY_MAP) {
		sg_fail(c, VG_EPARSE, "missing 'logsource' map");
		return c->rc;
	}
	m->product = c->r->ls.product = scalar(ls, "product");
	m->category = c->r->ls.category = scalar(ls, "category");
	m->service = c->r->ls.service = scalar(ls, "service");
	return load_tags(c, sy_get(root, "tags"));
}

int vg_sigma_rule_parse(const char *text, size_t len, const char *name,
                        const struct vg_sigma_opts *opts, struct vg_sigma_rule **out,
                        struct vg_diag *diag)
{
	*out = NULL;
	struct vg_sigma_rule *r = calloc(1, sizeof(*r));
	if (!r || !(r->arena = vg_arena_create(16 * 1024))) {
		free(r);
		return VG_ENOMEM;
	}
	struct sg_ctx c = { .r = r, .opts = opts };
	struct sy_node *root = NULL;
	int rc = sy_parse(r->arena, text, len, &root, c.err, sizeof(c.err));
	if (rc == VG_OK && root->kind != SY_MAP) {
		snprintf(c.err, sizeof(c.err), "a rule must be a YAML map");
		rc = VG_EPARSE;
	}
	if (rc == VG_OK)
		rc = load_meta(&c, root, name ? name : "(buffer)");
	if (rc == VG_OK)
		rc = sg_logsrc_resolve(&c, &r->ls);
	if (rc == VG_OK)
		rc = load_detection(&c, sy_get(root, "detection"));
	if (rc == VG_OK && c.rc)
		rc = c.rc;
	if (rc == VG_OK)
		rc = sg_gate_build(r);
	if (rc != VG_OK) {
		if (rc != VG_ENOMEM || c.err[0])
			vg_diag_add(diag, rc == VG_EUNSUP ? VG_DIAG_WARNING : VG_DIAG_ERROR, name,
			            0, 0, "%s%s", rc == VG_EUNSUP ? "unsupported: " : "",
			            c.err[0] ? c.err : "out of memory");
		vg_sigma_rule_destroy(r);
		return rc;
	}
	*out = r;
	return VG_OK;
}

int vg_sigma_rule_load_file(const char *path, const struct vg_sigma_opts *opts,
                            struct vg_sigma_rule **out, struct vg_diag *diag)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		vg_diag_add(diag, VG_DIAG_ERROR, path, 0, 0, "cannot open: %s", strerror(e));
		return e == ENOENT ? VG_ENOENT : VG_EIO;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = VG_OK;
	for (;;) {
		if (vg_grow((void **)&buf, &cap, len + 4096, 1, 8192)) {
			rc = VG_ENOMEM;
			break;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (rc == VG_OK && ferror(f)) {
		vg_diag_add(diag, VG_DIAG_ERROR, path, 0, 0, "read error");
		rc = VG_EIO;
	}
	fclose(f);
	if (rc == VG_OK)
		rc = vg_sigma_rule_parse(buf, len, path, opts, out, diag);
	free(buf);
	return rc;
}

void vg_sigma_rule_destroy(struct vg_sigma_rule *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->npats; i++)
		vg_pattern_destroy(r->pats[i]);
	free(r->pats);
	vg_arena_destroy(r->arena);
	free(r);
}

const struct vg_sigma_meta *vg_sigma_rule_meta(const struct vg_sigma_rule *r)
{
	return r ? &r->meta : NULL;
}
