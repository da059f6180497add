/*
 * xml_vars.c - Wazuh's <var> substitution over a parsed document.
 *
 * Wazuh rule files define <var name="BAD_WORDS">core_dumped|failure</var>
 * and use "$BAD_WORDS" afterwards. Reproduced facts of OS_ApplyVariables():
 * definitions apply to contents and attribute values that come later in
 * document order; a reference is '$' followed by a name that ends at '$',
 * '.', '|', ',', ' ' or the end of the text; names compare case-insensitively
 * and the first definition of a name wins; texts of at most two bytes are
 * left alone; a '$' followed directly by a terminator is literal (regex
 * anchors such as "foo$|bar"); names starting with '(' are left alone (rule
 * descriptions use "$(field)"); any other unknown name is an error; a <var>'s
 * own value is not substituted. Not reproduced: after a skipped "$(...)"
 * Wazuh splices a later substitution in the same text at a shifted offset
 * (a bug); Vigil substitutes it in place.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigil/array.h"
#include "vigil/buf.h"
#include "xml/xml_internal.h"

struct var {
	const char *name;
	const char *value;
};

struct vars {
	struct var *v;
	size_t n, cap;
	const char *file;
	struct vg_diag *diag;
	struct vg_arena *arena;
};

static bool is_var_end(char c)
{
	return c == '$' || c == '\0' || c == '.' || c == '|' || c == ',' || c == ' ';
}

static const char *var_lookup(const struct vars *vs, const char *name, size_t len)
{
	for (unsigned i = 0; i < vs->n; i++)
		if (strlen(vs->v[i].name) == len && strncasecmp(vs->v[i].name, name, len) == 0)
			return vs->v[i].value;
	return NULL;
}

/* Appends one "$..." reference (p is at the '$') and returns its length. */
static int subst_one(struct vars *vs, struct vg_buf *b, const char *p, size_t *used, unsigned line,
                     unsigned col)
{
	const char *name = p + 1;
	size_t len = 0;
	while (!is_var_end(name[len]))
		len++;
	*used = len + 1;
	if (len >= VG_XML_VAR_NAME_MAX) {
		vg_diag_add(vs->diag, VG_DIAG_ERROR, vs->file, line, col,
		            "variable name '$%.32s...' longer than %d bytes", name,
		            VG_XML_VAR_NAME_MAX - 1);
		return VG_EPARSE;
	}
	if (len == 0 || name[0] == '(')
		return vg_buf_add(b, p, len + 1);
	const char *value = var_lookup(vs, name, len);
	if (!value) {
		vg_diag_add(vs->diag, VG_DIAG_ERROR, vs->file, line, col,
		            "unknown variable '$%.*s': expected a <var name=\"%.*s\"> defined "
		            "earlier",
		            (int)len, name, (int)len, name);
		return VG_EPARSE;
	}
	return vg_buf_addstr(b, value);
}

/* Replaces *s by its substituted copy when it references variables. */
static int subst(struct vars *vs, const char **s, unsigned line, unsigned col)
{
	const char *in = *s;
	if (!vs->n || strlen(in) <= 2 || !strchr(in, '$'))
		return VG_OK;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	int rc = VG_OK;
	const char *p = in;
	while (*p && !rc) {
		const char *d = strchr(p, '$');
		size_t plain = d ? (size_t)(d - p) : strlen(p);
		rc = vg_buf_add(&b, p, plain);
		p += plain;
		if (!rc && *p == '$') {
			size_t used = 0;
			rc = subst_one(vs, &b, p, &used, line, col);
			p += used;
		}
	}
	if (!rc) {
		char *n = vg_arena_strndup(vs->arena, vg_buf_str(&b), b.len);
		if (n)
			*s = n;
		else
			rc = VG_ENOMEM;
	}
	vg_buf_free(&b);
	return rc;
}

static int define(struct vars *vs, const struct vg_xml_node *n)
{
	if (n->nattrs == 0 || strcasecmp(n->attrs[0].name, "name") != 0) {
		vg_diag_add(
		    vs->diag, VG_DIAG_ERROR, vs->file, n->line, n->col,
		    "expected <var name=\"...\">: a variable takes only a 'name' attribute");
		return VG_EPARSE;
	}
	const char *name = n->attrs[0].value;
	if (strlen(name) >= VG_XML_VAR_NAME_MAX) {
		vg_diag_add(vs->diag, VG_DIAG_ERROR, vs->file, n->line, n->col,
		            "variable name longer than %d bytes", VG_XML_VAR_NAME_MAX - 1);
		return VG_EPARSE;
	}
	if (vg_grow((void **)&vs->v, &vs->cap, vs->n + 1, sizeof(*vs->v), 16))
		return VG_ENOMEM;
	vs->v[vs->n].name = name;
	vs->v[vs->n].value = n->content;
	vs->n++;
	return VG_OK;
}

/* Visits n and its subtree in document order. */
static int walk(struct vars *vs, struct vg_xml_node *n)
{
	int rc;
	if (strcasecmp(n->name, "var") == 0) {
		rc = define(vs, n);
	} else {
		rc = subst(vs, &n->content, n->line, n->col);
		for (unsigned i = 0; !rc && i < n->nattrs; i++)
			rc = subst(vs, &n->attrs[i].value, n->attrs[i].line, n->attrs[i].col);
	}
	for (unsigned i = 0; !rc && i < n->nchildren; i++)
		rc = walk(vs, &n->children[i]);
	return rc;
}

int vg_xml_vars_apply(struct vg_xml_doc *doc, struct vg_diag *diag)
{
	struct vars vs = { .file = doc->path, .diag = diag, .arena = doc->arena };
	int rc = VG_OK;
	for (unsigned i = 0; !rc && i < doc->nroots; i++)
		rc = walk(&vs, &doc->roots[i]);
	free(vs.v);
	return rc;
}
