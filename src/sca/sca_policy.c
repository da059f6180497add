/*
 * sca_policy.c - loads a Wazuh SCA policy (YAML, read with libyaml's
 * document API): `policy` (id, name, file, description, references,
 * regex_type), `requirements` (title, description, condition, rules),
 * `variables` ($name: value) and `checks` (id, title, description,
 * rationale, remediation, references, compliance, condition, rules,
 * regex_type). Variables are substituted in the target of f:, d: and c:
 * rules, longest name first, as Wazuh does. Every error names
 * file:line:col and what was expected.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sca/sca_internal.h"
#include "vigil/file.h"

struct loader {
	struct vg_sca_policy *p;
	yaml_document_t *doc;
	struct vg_diag *d;
	const char *fname;
	const struct vg_sca_var *ovr;
	size_t novr;
	struct vg_sca_var *vars; /* policy variables + overrides, longest name first */
	size_t nvars;
	bool pcre2; /* policy-level regex_type */
};

static int fail(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vg_diag_add(l->d, VG_DIAG_ERROR, l->fname, n ? (unsigned)n->start_mark.line + 1 : 0,
	            n ? (unsigned)n->start_mark.column + 1 : 0, "%s", msg);
	return VG_EPARSE;
}

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. */
static int read_file(const char *path, size_t max, char **out, size_t *len)
{
	struct vg_buf b;
	vg_buf_init(&b, max);
	int rc = vg_file_read(path, &b);
	if (rc == VG_OK && vg_buf_addstr(&b, "") != VG_OK) /* an empty file has no buffer yet */
		rc = VG_ENOMEM;
	if (rc != VG_OK) {
		vg_buf_free(&b);
		return rc;
	}
	*len = b.len;
	*out = vg_buf_detach(&b);
	return VG_OK;
}

static yaml_node_t *node(struct loader *l, yaml_node_item_t i)
{
	return yaml_document_get_node(l->doc, i);
}

static yaml_node_t *map_get(struct loader *l, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node(l, pr->key);
		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return node(l, pr->value);
	}
	return NULL;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A string field: *out NULL when absent and optional. */
static int get_str(struct loader *l, yaml_node_t *map, const char *key, bool required,
                   const char **out)
{
	yaml_node_t *n = map_get(l, map, key);
	*out = NULL;
	if (!n) {
		if (!required)
			return VG_OK;
		char what[96];
		snprintf(what, sizeof(what), "expected a '%s' field", key);
		return fail(l, map, "%s", what);
	}
	if (!scalar(n))
		return fail(l, n, "expected a string for '%s'", key);
	*out = vg_arena_strdup(l->p->arena, scalar(n));
	return *out ? VG_OK : VG_ENOMEM;
}

/* A list of strings joined by ',' (other items skipped); a single string too. */
static int get_list(struct loader *l, yaml_node_t *n, const char *what, const char **out)
{
	*out = NULL;
	if (!n)
		return VG_OK;
	if (scalar(n)) {
		*out = vg_arena_strdup(l->p->arena, scalar(n));
		return *out ? VG_OK : VG_ENOMEM;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, "expected a list of strings for '%s'", what);
	struct vg_buf b;
	vg_buf_init(&b, 0);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		const char *s = scalar(node(l, *it));
		if (!s)
			continue; /* Wazuh skips what is not a string ("Name: URL" items) */
		if ((b.len && vg_buf_addc(&b, ',') != VG_OK) || vg_buf_addstr(&b, s) != VG_OK) {
			vg_buf_free(&b);
			return VG_ENOMEM;
		}
	}
	*out = vg_arena_strdup(l->p->arena, vg_buf_str(&b));
	vg_buf_free(&b);
	return *out ? VG_OK : VG_ENOMEM;
}

static int get_regex_type(struct loader *l, yaml_node_t *map, bool dflt, bool *pcre2)
{
	yaml_node_t *n = map_get(l, map, "regex_type");
	*pcre2 = dflt;
	if (!n)
		return VG_OK;
	const char *s = scalar(n);
	if (s && strcmp(s, "pcre2") == 0)
		*pcre2 = true;
	else if (s && strcmp(s, "osregex") == 0)
		*pcre2 = false;
	else
		return fail(l, n, "expected regex_type 'osregex' or 'pcre2'");
	return VG_OK;
}

/* Replaces the variables in a rule's target (the text before " -> "). */
static int substitute(struct loader *l, const char *rule, struct vg_buf *out)
{
	vg_buf_reset(out);
	const char *arrow = strstr(rule, " -> ");
	size_t tlen = arrow ? (size_t)(arrow - rule) : strlen(rule);
	const char *colon = memchr(rule, ':', tlen);
	bool subst = colon && strchr("fdc", colon > rule ? colon[-1] : 0);
	for (size_t i = 0; i < tlen;) {
		size_t v = l->nvars;
		if (subst && rule[i] == '$')
			for (v = 0; v < l->nvars; v++) {
				size_t n = strlen(l->vars[v].name);
				if (n <= tlen - i && memcmp(rule + i, l->vars[v].name, n) == 0)
					break;
			}
		int rc = v < l->nvars ? vg_buf_addstr(out, l->vars[v].value)
		                      : vg_buf_add(out, rule + i, 1);
		if (rc != VG_OK)
			return rc;
		i += v < l->nvars ? strlen(l->vars[v].name) : 1;
	}
	return vg_buf_addstr(out, rule + tlen);
}

static int load_rules(struct loader *l, yaml_node_t *n, struct sca_check *k)
{
	if (!n || n->type != YAML_SEQUENCE_NODE ||
	    n->data.sequence.items.top == n->data.sequence.items.start)
		return fail(l, n, "expected a non-empty list of rules");
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	k->rules = vg_arena_calloc(l->p->arena, cnt, sizeof(*k->rules));
	if (!k->rules)
		return VG_ENOMEM;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	int rc = VG_OK;
	for (size_t i = 0; i < cnt && rc == VG_OK; i++) {
		yaml_node_t *rn = node(l, n->data.sequence.items.start[i]);
		if (!scalar(rn)) {
			rc = fail(l, rn, "expected a rule string");
			break;
		}
		char err[512] = "", warn[512] = "";
		rc = substitute(l, scalar(rn), &b);
		if (rc == VG_OK)
			rc = sca_rule_compile(l->p, vg_buf_str(&b), k->pcre2, &k->rules[i], err,
			                      sizeof(err), warn, sizeof(warn));
		if (rc == VG_OK)
			k->rules[i].text = vg_arena_strdup(l->p->arena, scalar(rn));
		if (rc == VG_EPARSE)
			fail(l, rn, "%s", err);
		else if (rc == VG_OK && warn[0])
			vg_diag_add(l->d, VG_DIAG_WARNING, l->fname,
			            (unsigned)rn->start_mark.line + 1,
			            (unsigned)rn->start_mark.column + 1, "%s", warn);
		k->nrules = i + 1;
	}
	vg_buf_free(&b);
	return rc;
}

static int load_condition(struct loader *l, yaml_node_t *map, struct sca_check *k)
{
	int rc = get_str(l, map, "condition", true, &k->condition_text);
	if (rc != VG_OK)
		return rc;
	const char *c = k->condition_text;
	if (strcmp(c, "all") == 0 || strcmp(c, "all required") == 0)
		k->cond = SCA_COND_ALL;
	else if (strcmp(c, "any") == 0 || strcmp(c, "any required") == 0)
		k->cond = SCA_COND_ANY;
	else if (strcmp(c, "none") == 0)
		k->cond = SCA_COND_NONE;
	else
		return fail(l, map_get(l, map, "condition"),
		            "expected condition 'all', 'any' or 'none', not '%s'", c);
	return VG_OK;
}

static int load_compliance(struct loader *l, yaml_node_t *n, struct sca_check *k)
{
	if (!n)
		return VG_OK;
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, "expected a list of 'name: [values]' for compliance");
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	k->comp = vg_arena_calloc(l->p->arena, cnt ? cnt : 1, sizeof(*k->comp));
	if (!k->comp)
		return VG_ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *m = node(l, n->data.sequence.items.start[i]);
		if (!m || m->type != YAML_MAPPING_NODE ||
		    m->data.mapping.pairs.top == m->data.mapping.pairs.start)
			return fail(l, m, "expected 'name: [values]' in compliance");
		yaml_node_pair_t *pr = m->data.mapping.pairs.start;
		const char *key = scalar(node(l, pr->key));
		if (!key)
			return fail(l, m, "expected a compliance name");
		struct sca_compliance *c = &k->comp[k->ncomp++];
		c->key = vg_arena_strdup(l->p->arena, key);
		int rc = get_list(l, node(l, pr->value), key, &c->value);
		if (rc != VG_OK)
			return rc;
		if (!c->key)
			return VG_ENOMEM;
	}
	return VG_OK;
}

static int load_check(struct loader *l, yaml_node_t *m, struct sca_check *k, bool requirements)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return fail(l, m, "expected a check (a mapping with id, title, condition, rules)%s",
		            "");
	k->line = (unsigned)m->start_mark.line + 1;
	if (!requirements) {
		const char *id = scalar(map_get(l, m, "id"));
		char *end = NULL;
		k->id = id ? strtol(id, &end, 10) : 0;
		if (!id || end == id || *end || k->id <= 0)
			return fail(l, map_get(l, m, "id") ? map_get(l, m, "id") : m,
			            "expected a positive integer check id");
	}
	int rc;
	if ((rc = get_str(l, m, "title", true, &k->title)) != VG_OK ||
	    (rc = get_str(l, m, "description", requirements, &k->description)) != VG_OK ||
	    (rc = get_str(l, m, "rationale", false, &k->rationale)) != VG_OK ||
	    (rc = get_str(l, m, "remediation", false, &k->remediation)) != VG_OK ||
	    (rc = get_list(l, map_get(l, m, "references"), "references", &k->references)) !=
	        VG_OK ||
	    (rc = load_compliance(l, map_get(l, m, "compliance"), k)) != VG_OK ||
	    (rc = load_condition(l, m, k)) != VG_OK ||
	    (rc = get_regex_type(l, m, l->pcre2, &k->pcre2)) != VG_OK)
		return rc;
	yaml_node_t *rules = map_get(l, m, "rules");
	return load_rules(l, rules ? rules : m, k);
}

static int cmp_var_len(const void *a, const void *b)
{
	size_t la = strlen(((const struct vg_sca_var *)a)->name);
	size_t lb = strlen(((const struct vg_sca_var *)b)->name);
	return la < lb ? 1 : la > lb ? -1 : 0;
}

static int add_var(struct loader *l, const char *name, const char *value)
{
	char *nm = name[0] == '$' ? vg_arena_strdup(l->p->arena, name)
	                          : vg_arena_printf(l->p->arena, "$%s", name);
	char *val = vg_arena_strdup(l->p->arena, value);
	if (!nm || !val)
		return VG_ENOMEM;
	for (size_t i = 0; i < l->nvars; i++)
		if (strcmp(l->vars[i].name, nm) == 0) {
			l->vars[i].value = val;
			return VG_OK;
		}
	l->vars[l->nvars].name = nm;
	l->vars[l->nvars++].value = val;
	return VG_OK;
}

static int load_vars(struct loader *l, yaml_node_t *n)
{
	size_t cnt = n && n->type == YAML_MAPPING_NODE
	                 ? (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start)
	                 : 0;
	if (n && n->type != YAML_MAPPING_NODE)
		return fail(l, n, "expected a mapping of $name: value for variables");
	l->vars = vg_arena_calloc(l->p->arena, cnt + l->novr + 1, sizeof(*l->vars));
	if (!l->vars)
		return VG_ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_pair_t *pr = &n->data.mapping.pairs.start[i];
		const char *k = scalar(node(l, pr->key)), *v = scalar(node(l, pr->value));
		if (!k || k[0] != '$' || !v)
			return fail(l, node(l, pr->key), "expected '$name: value' in variables");
		int rc = add_var(l, k, v);
		if (rc != VG_OK)
			return rc;
	}
	for (size_t i = 0; i < l->novr; i++) {
		int rc = add_var(l, l->ovr[i].name, l->ovr[i].value);
		if (rc != VG_OK)
			return rc;
	}
	qsort(l->vars, l->nvars, sizeof(*l->vars), cmp_var_len);
	return VG_OK;
}

static int load_header(struct loader *l, yaml_node_t *root)
{
	yaml_node_t *pol = map_get(l, root, "policy");
	if (!pol || pol->type != YAML_MAPPING_NODE)
		return fail(l, pol ? pol : root, "expected a 'policy' mapping (id, name, ...)");
	struct vg_sca_policy *p = l->p;
	int rc;
	if ((rc = get_str(l, pol, "id", true, &p->id)) != VG_OK ||
	    (rc = get_str(l, pol, "name", true, &p->name)) != VG_OK ||
	    (rc = get_str(l, pol, "file", false, &p->file)) != VG_OK ||
	    (rc = get_str(l, pol, "description", false, &p->description)) != VG_OK ||
	    (rc = get_list(l, map_get(l, pol, "references"), "references", &p->references)) !=
	        VG_OK ||
	    (rc = get_regex_type(l, pol, false, &l->pcre2)) != VG_OK)
		return rc;
	if (!p->description)
		p->description = "";
	return load_vars(l, map_get(l, root, "variables"));
}

static int load_checks(struct loader *l, yaml_node_t *root)
{
	struct vg_sca_policy *p = l->p;
	yaml_node_t *req = map_get(l, root, "requirements");
	if (req) {
		p->has_requirements = true;
		int rc = load_check(l, req, &p->requirements, true);
		if (rc != VG_OK)
			return rc;
	}
	yaml_node_t *checks = map_get(l, root, "checks");
	if (!checks || checks->type != YAML_SEQUENCE_NODE)
		return fail(l, checks ? checks : root, "expected a 'checks' list");
	size_t cnt = (size_t)(checks->data.sequence.items.top - checks->data.sequence.items.start);
	p->checks = vg_arena_calloc(p->arena, cnt ? cnt : 1, sizeof(*p->checks));
	if (!p->checks)
		return VG_ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *m = node(l, checks->data.sequence.items.start[i]);
		int rc = load_check(l, m, &p->checks[i], false);
		if (rc != VG_OK)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (p->checks[j].id == p->checks[i].id) {
				char what[64];
				snprintf(what, sizeof(what), "%ld", p->checks[i].id);
				return fail(l, m, "check id %s is used twice in this policy", what);
			}
		p->nchecks = i + 1;
	}
	return VG_OK;
}

static int parse_doc(struct loader *l, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return VG_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int rc = VG_OK;
	if (!yaml_parser_load(&parser, &doc)) {
		vg_diag_add(l->d, VG_DIAG_ERROR, l->fname, (unsigned)parser.problem_mark.line + 1,
		            (unsigned)parser.problem_mark.column + 1, "YAML: %s%s%s",
		            parser.problem ? parser.problem : "syntax error",
		            parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return VG_EPARSE;
	}
	l->doc = &doc;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_MAPPING_NODE)
		rc = fail(l, root, "expected a policy document (policy, requirements, checks)");
	if (rc == VG_OK)
		rc = load_header(l, root);
	if (rc == VG_OK)
		rc = load_checks(l, root);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int vg_sca_policy_parse(const char *text, size_t len, const char *name,
                        const struct vg_sca_var *vars, size_t nvars, struct vg_sca_policy **out,
                        struct vg_diag *d)
{
	*out = NULL;
	struct vg_sca_policy *p = calloc(1, sizeof(*p));
	if (!p || !(p->arena = vg_arena_create(0))) {
		free(p);
		return VG_ENOMEM;
	}
	struct loader l = { .p = p, .d = d, .fname = name, .ovr = vars, .novr = nvars };
	p->path = vg_arena_strdup(p->arena, name ? name : "");
	int rc = p->path ? parse_doc(&l, text, len) : VG_ENOMEM;
	if (rc == VG_OK && !p->file) {
		const char *slash = strrchr(p->path, '/');
		p->file = slash ? slash + 1 : p->path;
	}
	if (rc != VG_OK) {
		vg_sca_policy_destroy(p);
		return rc;
	}
	sca_sha256_hex(text, len, p->hash_file);
	*out = p;
	return VG_OK;
}

int vg_sca_policy_load(const char *path, const struct vg_sca_var *vars, size_t nvars,
                       struct vg_sca_policy **out, struct vg_diag *d)
{
	char *text = NULL;
	size_t len = 0;
	*out = NULL;
	int rc = read_file(path, 64u << 20, &text, &len);
	if (rc != VG_OK) {
		vg_diag_add(d, VG_DIAG_ERROR, path, 0, 0, "cannot read the policy: %s",
		            vg_strerror(rc));
		return rc;
	}
	rc = vg_sca_policy_parse(text, len, path, vars, nvars, out, d);
	free(text);
	return rc;
}

void vg_sca_policy_destroy(struct vg_sca_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->npats; i++)
		vg_pattern_destroy(p->pats[i]);
	free(p->pats);
	vg_arena_destroy(p->arena);
	free(p);
}

const char *vg_sca_policy_id(const struct vg_sca_policy *p)
{
	return p->id;
}

const char *vg_sca_policy_name(const struct vg_sca_policy *p)
{
	return p->name;
}

size_t vg_sca_policy_check_count(const struct vg_sca_policy *p)
{
	return p->nchecks;
}
