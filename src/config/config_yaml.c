/*
 * config_yaml.c - the checked readers of YAML nodes that the configuration
 * loader's files share: scalars, booleans, integers, sizes, string lists and
 * mappings with a fixed set of keys, each error naming file:line:col and
 * what was expected.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_internal.h"
#include "vigil/buf.h"

void cfg_err_at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->errors++;
	if (c->diag)
		vg_diag_add(c->diag, VG_DIAG_ERROR, c->file,
		            n ? (unsigned)n->start_mark.line + 1 : 0,
		            n ? (unsigned)n->start_mark.column + 1 : 0, "%s", msg);
}

const char *cfg_node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

yaml_node_t *cfg_node(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

/* Value of a scalar node, or NULL (after an error) when v is not a usable string. */
const char *cfg_scalar(struct ctx *c, yaml_node_t *v, const char *key)
{
	if (v->type != YAML_SCALAR_NODE) {
		cfg_err_at(c, v, "expected a string for '%s', found %s", key, cfg_node_kind(v));
		return NULL;
	}
	const char *s = (const char *)v->data.scalar.value;
	if (strlen(s) != v->data.scalar.length) {
		cfg_err_at(c, v, "expected a string without NUL bytes for '%s'", key);
		return NULL;
	}
	if (!*s && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		cfg_err_at(c, v, "expected a value for '%s'", key);
		return NULL;
	}
	return s;
}

const char *cfg_take_string(struct ctx *c, yaml_node_t *v, const char *key)
{
	const char *s = cfg_scalar(c, v, key);
	if (!s)
		return NULL;
	if (!*s) {
		cfg_err_at(c, v, "expected a non-empty string for '%s'", key);
		return NULL;
	}
	char *d = vg_arena_strdup(c->cfg->arena, s);
	if (!d)
		c->oom = true;
	return d;
}

void cfg_take_bool(struct ctx *c, yaml_node_t *v, const char *key, bool *out)
{
	const char *s = cfg_scalar(c, v, key);
	if (!s)
		return;
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return;
		}
	}
	cfg_err_at(c, v, "expected true or false for '%s', found '%.64s'", key, s);
}

void cfg_take_int(struct ctx *c, yaml_node_t *v, const char *key, long lo, long hi, int *out)
{
	const char *s = cfg_scalar(c, v, key);
	if (!s)
		return;
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (end == s || *end || errno || n < lo || n > hi) {
		cfg_err_at(c, v, "expected an integer from %ld to %ld for '%s', found '%.64s'", lo,
		           hi, key, s);
		return;
	}
	*out = (int)n;
}

void cfg_take_strv(struct ctx *c, yaml_node_t *v, const char *key, struct vg_config_strv *out)
{
	if (v->type != YAML_SEQUENCE_NODE) {
		cfg_err_at(c, v, "expected a list of strings for '%s', found %s", key,
		           cfg_node_kind(v));
		return;
	}
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	const char **arr = vg_arena_calloc(c->cfg->arena, n ? n : 1, sizeof(*arr));
	if (!arr) {
		c->oom = true;
		return;
	}
	size_t k = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = cfg_node(c, *it);
		const char *s = item ? cfg_take_string(c, item, key) : NULL;
		if (s)
			arr[k++] = s;
	}
	out->v = arr;
	out->n = k;
}

/* Calls fn for every key of map that is in keys (NULL-terminated); unknown
 * and repeated keys are errors. where names the mapping in messages. */
void cfg_walk_mapping(struct ctx *c, yaml_node_t *map, const char *where, const char *const *keys,
                      key_fn fn, void *obj)
{
	if (map->type != YAML_MAPPING_NODE) {
		cfg_err_at(c, map, "expected a mapping for %s, found %s", where,
		           cfg_node_kind(map));
		return;
	}
	uint32_t seen = 0;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = cfg_node(c, p->key), *v = cfg_node(c, p->value);
		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			cfg_err_at(c, k, "expected a key name in %s, found %s", where,
			           cfg_node_kind(k));
			continue;
		}
		const char *name = (const char *)k->data.scalar.value;
		int idx = -1;
		for (int i = 0; keys[i] && idx < 0; i++)
			if (strcmp(name, keys[i]) == 0)
				idx = i;
		if (idx < 0) {
			struct vg_buf known;
			vg_buf_init(&known, 4096);
			for (int i = 0; keys[i]; i++)
				vg_buf_printf(&known, "%s%s", i ? ", " : "", keys[i]);
			cfg_err_at(c, k, "unknown key '%.64s' in %s; expected one of: %s", name,
			           where, vg_buf_str(&known));
			vg_buf_free(&known);
			continue;
		}
		if (seen & (1u << idx)) {
			cfg_err_at(c, k, "expected each key once; '%s' repeats in %s", name, where);
			continue;
		}
		seen |= 1u << idx;
		fn(c, idx, v, obj);
	}
}

/* A size with an optional K, M or G suffix (powers of 1024). */
bool cfg_scaled(const char *s, const char *units, const long long *mult, long long max,
                long long *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	const char *u = *end ? strchr(units, *end) : NULL;
	long long mul = u ? mult[u - units] : 1;
	if (u)
		end++;
	if (end == s || *end || errno || n < 1 || n > max / mul)
		return false;
	*out = n * mul;
	return true;
}

void cfg_take_size(struct ctx *c, yaml_node_t *v, const char *key, long long *out)
{
	static const long long mult[] = { 1LL << 10, 1LL << 10, 1LL << 20,
		                          1LL << 20, 1LL << 30, 1LL << 30 };
	const char *s = cfg_scalar(c, v, key);
	if (s && !cfg_scaled(s, "KkMmGg", mult, 1LL << 50, out))
		cfg_err_at(c, v, "expected a size such as 512M or 2G for '%s', found '%.64s'", key,
		           s);
}
