/*
 * winevt.c - reads Windows event-channel events sent as JSON lines and
 * hands them, as an element tree, to winevt_render.c.
 *
 * The agent's raw form carries the event XML as a JSON string. Wazuh's
 * analysisd re-prints that string as JSON (so every backslash is doubled,
 * quotes and control characters escaped) and reads the XML from the
 * printed text with its own reader (no entity decoding); the Windows rules
 * are written against the values that result (C:\\Windows\\...). Vigil does
 * the same with the project's Wazuh-compatible reader (vigil/xml.h), with
 * one liberty: double quotes are left raw while reading and escaped in the
 * values afterwards, so XML with "double-quoted" attributes reads too (Wazuh
 * would fail on it) and the values are the same. The Message member becomes
 * system.message in quotes, as in Wazuh. evtx_dump's JSON form
 * ({"Event":{"System":{"EventID":4688,...},"EventData":{"Name":value}}}, with
 * "#attributes" and "#text") is mapped onto the same tree, its values
 * escaped the same way, so both forms give the same document.
 */
#include "vigil/winevt.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/winevt_int.h"
#include "vigil/array.h"
#include "vigil/xml.h"

#define EVTX_MAX_DEPTH 64

/* ---- Message ---- */

/* system.message: the member printed as JSON, then Wazuh's unescape (which
 * turns \b \t \n \f \r \" \\ back and keeps any other escape). */
static int wazuh_message(const json_t *m, struct vg_buf *b)
{
	char *text = json_dumps(m, JSON_ENCODE_ANY | JSON_COMPACT);
	if (!text)
		return VG_ENOMEM;
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	int rc = VG_OK;
	for (const char *p = text; *p && !rc; p++) {
		const char *k = p[0] == '\\' && p[1] ? strchr(from, p[1]) : NULL;
		if (k) {
			rc = vg_buf_addc(b, to[k - from]);
			p++;
		} else {
			rc = vg_buf_addc(b, *p);
		}
	}
	free(text);
	while (!rc && b->len > 1 && isspace((unsigned char)b->data[b->len - 1]))
		b->data[--b->len] = '\0';
	return rc;
}

/* ---- the raw form: XML in a string ---- */

/* JSON-escapes s as Wazuh's re-print does, except that '"' stays raw. */
static int escape_but_quotes(const char *s, size_t n, struct vg_buf *out)
{
	int rc = VG_OK;
	while (n && !rc) {
		const char *q = memchr(s, '"', n);
		size_t seg = q ? (size_t)(q - s) : n;
		rc = vg_buf_add_json_str(out, s, seg);
		if (!rc && q)
			rc = vg_buf_addc(out, '"');
		seg += q != NULL;
		s += seg;
		n -= seg;
	}
	if (!rc && !out->data)
		rc = vg_buf_add(out, "", 0);
	return rc;
}

/* Escapes the raw quotes left by escape_but_quotes() in one value. */
static int quote_value(struct vg_arena *a, const char **v)
{
	size_t quotes = 0, n = strlen(*v);
	for (size_t i = 0; i < n; i++)
		quotes += (*v)[i] == '"';
	if (!quotes)
		return VG_OK;
	char *w = vg_arena_alloc(a, n + quotes + 1);
	if (!w)
		return VG_ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if ((*v)[i] == '"')
			w[o++] = '\\';
		w[o++] = (*v)[i];
	}
	w[o] = '\0';
	*v = w;
	return VG_OK;
}

static int quote_tree(struct vg_arena *a, struct vg_xml_node *n)
{
	int rc = quote_value(a, &n->content);
	for (unsigned i = 0; !rc && i < n->nattrs; i++)
		rc = quote_value(a, &n->attrs[i].value);
	for (unsigned i = 0; !rc && i < n->nchildren; i++)
		rc = quote_tree(a, &n->children[i]);
	return rc;
}

static int from_xml(const char *xml, size_t n, const char *message, struct vg_buf *out,
                    struct vg_diag *d)
{
	struct vg_buf esc;
	struct vg_xml_doc *doc = NULL;
	vg_buf_init(&esc, 0);
	int rc = escape_but_quotes(xml, n, &esc);
	if (!rc)
		rc = vg_xml_parse_buffer(esc.data, esc.len, "Event", &doc, d);
	if (!rc && doc->nroots == 0) {
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "Event: expected an <Event> element");
		rc = VG_EPARSE;
	}
	if (!rc)
		rc = quote_tree(doc->arena, &doc->roots[0]);
	if (!rc)
		rc = vg_winevt_render(&doc->roots[0], message, out);
	vg_xml_doc_destroy(doc);
	vg_buf_free(&esc);
	return rc;
}

/* ---- evtx_dump's JSON form ---- */

struct tree {
	struct vg_arena *a;
	struct vg_buf tmp;
	int rc;
};

struct node_vec {
	struct vg_xml_node *v;
	size_t n, cap;
};

/* A scalar as the XML text it came from, escaped as Wazuh's values are. */
static const char *scalar_text(struct tree *t, const json_t *v)
{
	char num[64];
	const char *s = "";
	size_t n;
	if (json_is_string(v)) {
		vg_buf_reset(&t->tmp);
		t->rc = vg_buf_add_json_str(&t->tmp, json_string_value(v), json_string_length(v));
		if (t->rc)
			return NULL;
		s = vg_buf_str(&t->tmp);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
	} else if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		s = num;
	} else if (json_is_boolean(v)) {
		s = json_is_true(v) ? "true" : "false";
	}
	n = strlen(s);
	char *copy = vg_arena_strndup(t->a, s, n);
	if (!copy)
		t->rc = VG_ENOMEM;
	return copy;
}

static int attrs_from(struct tree *t, const json_t *obj, struct vg_xml_node *n)
{
	size_t count = json_object_size(obj);
	if (!count)
		return VG_OK;
	n->attrs = vg_arena_calloc(t->a, count, sizeof(*n->attrs));
	if (!n->attrs)
		return VG_ENOMEM;
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)obj, key, val)
	{
		struct vg_xml_attr *at = &n->attrs[n->nattrs++];
		at->name = vg_arena_strdup(t->a, key);
		at->value = scalar_text(t, val);
		if (!at->name || !at->value)
			return t->rc ? t->rc : VG_ENOMEM;
	}
	return VG_OK;
}

static int expand(struct tree *t, const char *key, const json_t *v, bool in_eventdata, int depth,
                  struct node_vec *out);

/* Fills n (named name) from an element value: scalar text, or an object
 * with "#attributes", "#text" and child elements. */
static int fill_node(struct tree *t, const char *name, const json_t *v, const json_t *text,
                     int depth, struct vg_xml_node *n)
{
	memset(n, 0, sizeof(*n));
	n->name = vg_arena_strdup(t->a, name);
	if (!n->name)
		return VG_ENOMEM;
	n->content = scalar_text(t, text ? text : v);
	if (!n->content)
		return t->rc;
	if (!json_is_object(v))
		return VG_OK;
	int rc = attrs_from(t, json_object_get(v, "#attributes"), n);
	struct node_vec kids = { 0 };
	bool eventdata = strcmp(name, "EventData") == 0;
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)v, key, val)
	{
		if (!rc && key[0] != '#')
			rc = expand(t, key, val, eventdata, depth + 1, &kids);
	}
	if (!rc && kids.n) {
		n->children = vg_arena_alloc(t->a, kids.n * sizeof(*kids.v));
		if (n->children) {
			memcpy(n->children, kids.v, kids.n * sizeof(*kids.v));
			n->nchildren = (unsigned)kids.n;
		} else {
			rc = VG_ENOMEM;
		}
	}
	free(kids.v);
	return rc;
}

static int push(struct tree *t, const char *name, const json_t *v, const json_t *text, int depth,
                struct node_vec *out)
{
	if (vg_grow((void **)&out->v, &out->cap, out->n + 1, sizeof(*out->v), 8))
		return VG_ENOMEM;
	int rc = fill_node(t, name, v, text, depth, &out->v[out->n]);
	out->n += rc == VG_OK;
	return rc;
}

/* Turns one JSON member into elements (an array gives several). */
static int expand(struct tree *t, const char *key, const json_t *v, bool in_eventdata, int depth,
                  struct node_vec *out)
{
	if (depth > EVTX_MAX_DEPTH)
		return VG_EPARSE;
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		int rc = VG_OK;
		json_array_foreach((json_t *)v, i, e)
		{
			if (!rc)
				rc = expand(t, key, e, in_eventdata, depth + 1, out);
		}
		return rc;
	}
	bool named = in_eventdata && strcmp(key, "Data") != 0 && strcmp(key, "Binary") != 0;
	if (named && !json_is_object(v)) { /* "Image": "C:\\x" is <Data Name='Image'> */
		int rc = push(t, "Data", v, NULL, depth, out);
		if (rc)
			return rc;
		struct vg_xml_node *n = &out->v[out->n - 1];
		n->attrs = vg_arena_calloc(t->a, 1, sizeof(*n->attrs));
		if (!n->attrs)
			return VG_ENOMEM;
		n->attrs[0].name = "Name";
		n->attrs[0].value = vg_arena_strdup(t->a, key);
		if (!n->attrs[0].value)
			return VG_ENOMEM;
		n->nattrs = 1;
		return VG_OK;
	}
	const json_t *text = json_is_object(v) ? json_object_get(v, "#text") : NULL;
	if (json_is_array(text)) { /* "Data": {"#text": ["a", "b"]} */
		size_t i;
		json_t *e;
		int rc = VG_OK;
		json_array_foreach((json_t *)text, i, e)
		{
			if (!rc)
				rc = push(t, key, v, e, depth, out);
		}
		return rc;
	}
	return push(t, key, v, text, depth, out);
}

static int from_evtx(const json_t *ev, const char *message, struct vg_buf *out, struct vg_diag *d)
{
	struct tree t = { .a = vg_arena_create(0) };
	struct node_vec root = { 0 };
	vg_buf_init(&t.tmp, 0);
	int rc = t.a ? expand(&t, "Event", ev, false, 0, &root) : VG_ENOMEM;
	if (rc == VG_EPARSE)
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0,
		            "Event: JSON nested deeper than %d levels", EVTX_MAX_DEPTH);
	if (!rc)
		rc = vg_winevt_render(&root.v[0], message, out);
	free(root.v);
	vg_buf_free(&t.tmp);
	vg_arena_destroy(t.a);
	return rc;
}

/* ---- the line ---- */

int vg_winevt_convert(const char *line, size_t len, struct vg_buf *out, struct vg_diag *d)
{
	size_t i = 0;
	if (!line || !out)
		return VG_EINVAL;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	if (i == len || line[i] != '{' || !memmem(line, len, "\"Event\"", 7))
		return VG_ENOENT;
	json_error_t err;
	json_t *root = json_loadb(line, len, 0, &err);
	if (!root) {
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 1, (unsigned)err.column,
		            "event-channel JSON: %s", err.text);
		return VG_EPARSE;
	}
	const json_t *ev = json_is_object(root) ? json_object_get(root, "Event") : NULL;
	const json_t *msg = ev ? json_object_get(root, "Message") : NULL;
	struct vg_buf mtext, doc;
	vg_buf_init(&mtext, 0);
	vg_buf_init(&doc, out->limit);
	int rc = VG_ENOENT;
	if (ev) {
		rc = msg ? wazuh_message(msg, &mtext) : VG_OK;
		const char *m = msg ? vg_buf_str(&mtext) : NULL;
		if (rc) {
		} else if (json_is_string(ev)) {
			rc = from_xml(json_string_value(ev), json_string_length(ev), m, &doc, d);
		} else if (json_is_object(ev)) {
			rc = from_evtx(ev, m, &doc, d);
		} else {
			vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0,
			            "event-channel JSON: \"Event\" must be a string or an object");
			rc = VG_EPARSE;
		}
	}
	if (!rc) {
		vg_buf_reset(out);
		rc = vg_buf_add(out, doc.data, doc.len);
	}
	vg_buf_free(&doc);
	vg_buf_free(&mtext);
	json_decref(root);
	return rc;
}
