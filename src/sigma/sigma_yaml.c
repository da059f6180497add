/*
 * sigma_yaml.c - reads a Sigma YAML document into a plain tree.
 *
 * libyaml's event parser drives a small recursive builder: scalars keep
 * their text and whether they were plain (unquoted, so that null and ~ mean
 * null), sequences keep their items and maps their key/value pairs in
 * document order. Only the first document is read; anchors and aliases
 * are refused (Sigma rules do not use them). Nesting is bounded.
 */
#include "sigma/sigma_internal.h"

#include <stdio.h>
#include <string.h>
#include <yaml.h>

#define SY_MAX_DEPTH 64

struct sy_builder {
	yaml_parser_t parser;
	struct vg_arena *a;
	char *err;
	size_t errlen;
};

static int sy_node_new(struct sy_builder *b, enum sy_kind kind, const yaml_event_t *ev,
                       struct sy_node **out)
{
	struct sy_node *n = vg_arena_calloc(b->a, 1, sizeof(*n));
	if (!n)
		return VG_ENOMEM;
	n->kind = kind;
	n->line = (unsigned)ev->start_mark.line + 1;
	*out = n;
	return VG_OK;
}

static int sy_push(struct sy_builder *b, struct sy_node *parent, struct sy_node *child, size_t *cap)
{
	if (parent->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct sy_node **v = vg_arena_alloc(b->a, nc * sizeof(*v));
		if (!v)
			return VG_ENOMEM;
		if (parent->n)
			memcpy(v, parent->items, parent->n * sizeof(*v));
		parent->items = v;
		*cap = nc;
	}
	parent->items[parent->n++] = child;
	return VG_OK;
}

static int sy_error(struct sy_builder *b, const char *what, unsigned line)
{
	snprintf(b->err, b->errlen, "line %u: %s", line, what);
	return VG_EPARSE;
}

static int sy_build(struct sy_builder *b, yaml_event_t *ev, unsigned depth, struct sy_node **out);

/* Reads the items of a sequence or map whose start event was consumed. */
static int sy_build_children(struct sy_builder *b, struct sy_node *n, unsigned depth)
{
	size_t cap = 0;
	yaml_event_type_t end =
	    n->kind == SY_SEQ ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&b->parser, &ev))
			return sy_error(b, b->parser.problem ? b->parser.problem : "bad YAML",
			                (unsigned)b->parser.problem_mark.line + 1);
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return VG_OK;
		}
		struct sy_node *child = NULL;
		int rc = sy_build(b, &ev, depth + 1, &child);
		yaml_event_delete(&ev);
		if (rc == VG_OK)
			rc = sy_push(b, n, child, &cap);
		if (rc != VG_OK)
			return rc;
	}
}

/* Builds the node that starts with ev (not freed here). */
static int sy_build(struct sy_builder *b, yaml_event_t *ev, unsigned depth, struct sy_node **out)
{
	unsigned line = (unsigned)ev->start_mark.line + 1;
	if (depth > SY_MAX_DEPTH)
		return sy_error(b, "nesting too deep", line);
	int rc;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		rc = sy_node_new(b, SY_SCALAR, ev, out);
		if (rc != VG_OK)
			return rc;
		(*out)->str = vg_arena_strndup(b->a, (const char *)ev->data.scalar.value,
		                               ev->data.scalar.length);
		(*out)->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return (*out)->str ? VG_OK : VG_ENOMEM;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		rc = sy_node_new(b, ev->type == YAML_SEQUENCE_START_EVENT ? SY_SEQ : SY_MAP, ev,
		                 out);
		return rc == VG_OK ? sy_build_children(b, *out, depth) : rc;
	case YAML_ALIAS_EVENT: return sy_error(b, "YAML aliases are not supported", line);
	default: return sy_error(b, "unexpected YAML event", line);
	}
}

int sy_parse(struct vg_arena *a, const char *text, size_t len, struct sy_node **root, char *err,
             size_t errlen)
{
	struct sy_builder b = { .a = a, .err = err, .errlen = errlen };
	*root = NULL;
	if (!yaml_parser_initialize(&b.parser))
		return VG_ENOMEM;
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	int rc = VG_OK;
	bool done = false;
	while (rc == VG_OK && !done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&b.parser, &ev)) {
			rc = sy_error(&b, b.parser.problem ? b.parser.problem : "bad YAML",
			              (unsigned)b.parser.problem_mark.line + 1);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT: break;
		case YAML_STREAM_END_EVENT:
		case YAML_DOCUMENT_END_EVENT: done = true; break;
		default: rc = sy_build(&b, &ev, 0, root); break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&b.parser);
	if (rc == VG_OK && !*root)
		rc = sy_error(&b, "empty document", 1);
	return rc;
}

const struct sy_node *sy_get(const struct sy_node *map, const char *key)
{
	if (!map || map->kind != SY_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->items[i]->kind == SY_SCALAR && strcmp(map->items[i]->str, key) == 0)
			return map->items[i + 1];
	return NULL;
}

bool sy_is_null(const struct sy_node *n)
{
	return n && n->kind == SY_SCALAR && n->plain &&
	       (strcmp(n->str, "null") == 0 || strcmp(n->str, "~") == 0 ||
	        strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0 || n->str[0] == '\0');
}
