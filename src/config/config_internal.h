/*
 * config_internal.h - shared between the config module's files: the
 * built-in values that keys left out of a file take.
 */
#ifndef VIGIL_CONFIG_INTERNAL_H
#define VIGIL_CONFIG_INTERNAL_H

#include "vigil/config.h"

/* Sets every scalar to its built-in default (strings are static). */
void vg_config_set_builtin(struct vg_config *cfg);

#include <stdbool.h>
#include <yaml.h>

/* What the loader carries while it checks one document. */
struct ctx {
	yaml_document_t *doc;
	const char *file;
	struct vg_diag *diag;
	struct vg_config *cfg;
	unsigned errors;
	bool oom;
};

typedef void (*key_fn)(struct ctx *c, int key, yaml_node_t *val, void *obj);

void cfg_err_at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *cfg_node_kind(const yaml_node_t *n);
yaml_node_t *cfg_node(struct ctx *c, int id);
/* Value of a scalar node, or NULL (after an error) when v is not a usable string. */
const char *cfg_scalar(struct ctx *c, yaml_node_t *v, const char *key);
/* A non-empty string copied into the configuration's arena. */
const char *cfg_take_string(struct ctx *c, yaml_node_t *v, const char *key);
void cfg_take_bool(struct ctx *c, yaml_node_t *v, const char *key, bool *out);
void cfg_take_int(struct ctx *c, yaml_node_t *v, const char *key, long lo, long hi, int *out);
void cfg_take_strv(struct ctx *c, yaml_node_t *v, const char *key, struct vg_config_strv *out);
/* Calls fn for every key of map that is in keys (NULL-terminated); unknown
 * and repeated keys are errors. where names the mapping in messages. */
void cfg_walk_mapping(struct ctx *c, yaml_node_t *map, const char *where, const char *const *keys,
                      key_fn fn, void *obj);
/* A positive integer with an optional one-letter unit (units[i] multiplies
 * by mult[i]) of at most max; false when s is not one. */
bool cfg_scaled(const char *s, const char *units, const long long *mult, long long max,
                long long *out);
/* A size with an optional K, M or G suffix (powers of 1024). */
void cfg_take_size(struct ctx *c, yaml_node_t *v, const char *key, long long *out);

/* The fim and sca inputs (config_inputs_ext.c): item is the input's
 * mapping, type its type; 0 and *in filled when valid. */
int cfg_take_fim(struct ctx *c, yaml_node_t *item, struct vg_config_input *in);
int cfg_take_sca(struct ctx *c, yaml_node_t *item, struct vg_config_input *in);

#endif
