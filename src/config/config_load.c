/*
 * config_load.c - reads the YAML configuration with libyaml's document
 * loader and checks it against the schema in vigil/config.h, reporting
 * every problem as "file:line:col: expected ..." rather than stopping at
 * the first one.
 */
#include "vigil/config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "config/config_internal.h"
#include "vigil/buf.h"
#include "vigil/file.h"

#define CONFIG_MAX_FILE (16u << 20) /* a configuration larger than this is a mistake */

enum { A_LOG_LEVEL, A_JSON, A_LOG };
static const char *const alerts_keys[] = { "log_level", "json", "log", NULL };

static void alerts_key(struct ctx *c, int key, yaml_node_t *v, void *obj)
{
	struct vg_config *cfg = obj;
	switch (key) {
	case A_LOG_LEVEL: cfg_take_int(c, v, "log_level", 0, 16, &cfg->alerts.log_level); break;
	case A_JSON: cfg_take_bool(c, v, "json", &cfg->alerts.json); break;
	case A_LOG: cfg_take_bool(c, v, "log", &cfg->alerts.log); break;
	}
}

enum { L_NAME, L_PATH };
static const char *const list_keys[] = { "name", "path", NULL };

static void list_key(struct ctx *c, int key, yaml_node_t *v, void *obj)
{
	struct vg_config_list *l = obj;
	if (key == L_NAME)
		l->name = cfg_take_string(c, v, "name");
	else
		l->path = cfg_take_string(c, v, "path");
}

static void take_lists(struct ctx *c, yaml_node_t *v)
{
	struct vg_config *cfg = c->cfg;
	if (v->type != YAML_SEQUENCE_NODE) {
		cfg_err_at(c, v, "expected a list of {name, path} for 'lists', found %s",
		           cfg_node_kind(v));
		return;
	}
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	cfg->ruleset.lists = vg_arena_calloc(cfg->arena, n ? n : 1, sizeof(*cfg->ruleset.lists));
	if (!cfg->ruleset.lists) {
		c->oom = true;
		return;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = cfg_node(c, *it);
		struct vg_config_list l = { 0 };
		if (!item)
			continue;
		unsigned before = c->errors;
		cfg_walk_mapping(c, item, "a list entry", list_keys, list_key, &l);
		if (c->errors != before)
			continue;
		if (!l.name || !l.path) {
			cfg_err_at(c, item, "expected key '%s' in a list entry",
			           l.name ? "path" : "name");
			continue;
		}
		cfg->ruleset.lists[cfg->ruleset.nlists++] = l;
	}
}

enum { R_DECODER_DIRS, R_RULE_DIRS, R_LISTS, R_INCLUDE_BUILTIN, R_EXCLUDE_FILES, R_SIGMA_DIRS };
static const char *const ruleset_keys[] = {
	"decoder_dirs", "rule_dirs", "lists", "include_builtin", "exclude_files", "sigma_dirs", NULL
};

static void ruleset_key(struct ctx *c, int key, yaml_node_t *v, void *obj)
{
	struct vg_config *cfg = obj;
	switch (key) {
	case R_DECODER_DIRS: cfg_take_strv(c, v, "decoder_dirs", &cfg->ruleset.decoder_dirs); break;
	case R_RULE_DIRS: cfg_take_strv(c, v, "rule_dirs", &cfg->ruleset.rule_dirs); break;
	case R_LISTS: take_lists(c, v); break;
	case R_INCLUDE_BUILTIN:
		cfg_take_bool(c, v, "include_builtin", &cfg->ruleset.include_builtin);
		break;
	case R_EXCLUDE_FILES:
		cfg_take_strv(c, v, "exclude_files", &cfg->ruleset.exclude_files);
		break;
	case R_SIGMA_DIRS: cfg_take_strv(c, v, "sigma_dirs", &cfg->ruleset.sigma_dirs); break;
	}
}

/* An input entry as read, before the type-specific checks. */
struct input_raw {
	yaml_node_t *type, *path, *format, *multiline_regex, *interval;
};

enum { I_TYPE, I_PATH, I_FORMAT, I_MULTILINE_REGEX, I_INTERVAL };
static const char *const input_keys[] = { "type",     "path", "format", "multiline_regex",
	                                  "interval", NULL };

static void input_key(struct ctx *c, int key, yaml_node_t *v, void *obj)
{
	struct input_raw *r = obj;
	(void)c;
	yaml_node_t **slot[] = { &r->type, &r->path, &r->format, &r->multiline_regex,
		                 &r->interval };
	*slot[key] = v;
}

/* Keys that only some input types take: an error names the first misplaced one. */
static int input_extra_keys(struct ctx *c, const struct input_raw *r, const char *type, bool file,
                            bool ports)
{
	const struct {
		yaml_node_t *v;
		const char *name;
		bool ok;
	} k[] = {
		{ r->path, "path", file },
		{ r->format, "format", file },
		{ r->multiline_regex, "multiline_regex", file },
		{ r->interval, "interval", ports },
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		if (k[i].v && !k[i].ok) {
			cfg_err_at(c, k[i].v, "expected no '%s' in a %s input", k[i].name, type);
			return -1;
		}
	}
	return 0;
}

static int take_file_format(struct ctx *c, const struct input_raw *r, yaml_node_t *item,
                            struct vg_config_input *in)
{
	in->format = VG_FORMAT_SYSLOG;
	if (r->format) {
		const char *f = cfg_scalar(c, r->format, "format");
		if (!f)
			return -1;
		if (strcmp(f, "json") == 0) {
			in->format = VG_FORMAT_JSON;
		} else if (strcmp(f, "multiline") == 0) {
			in->format = VG_FORMAT_MULTILINE;
		} else if (strcmp(f, "syslog") != 0) {
			cfg_err_at(c, r->format,
			           "expected format syslog, json or multiline, found '%.64s'", f);
			return -1;
		}
	}
	if (r->multiline_regex && in->format != VG_FORMAT_MULTILINE) {
		cfg_err_at(c, r->multiline_regex,
		           "expected 'multiline_regex' only with format multiline");
		return -1;
	}
	if (in->format == VG_FORMAT_MULTILINE) {
		if (!r->multiline_regex) {
			cfg_err_at(c, item, "expected key 'multiline_regex' with format multiline");
			return -1;
		}
		in->multiline_regex = cfg_take_string(c, r->multiline_regex, "multiline_regex");
		if (!in->multiline_regex)
			return -1;
	}
	return 0;
}

/* The scalar value of an input mapping's "type" key, NULL when there is none. */
static const char *input_type_of(struct ctx *c, yaml_node_t *item)
{
	if (item->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = cfg_node(c, p->key), *v = cfg_node(c, p->value);
		if (k && v && k->type == YAML_SCALAR_NODE && v->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, "type") == 0)
			return (const char *)v->data.scalar.value;
	}
	return NULL;
}

/* Checks one input entry; returns 0 and fills *in when it is valid. */
static int take_input(struct ctx *c, yaml_node_t *item, struct vg_config_input *in)
{
	static const struct {
		const char *name;
		enum vg_input_type type;
	} types[] = {
		{ "file", VG_INPUT_FILE },
		{ "journald", VG_INPUT_JOURNALD },
		{ "process", VG_INPUT_PROCESS },
		{ "ports", VG_INPUT_PORTS },
	};
	const char *ext = input_type_of(c, item);
	if (ext && strcmp(ext, "fim") == 0)
		return cfg_take_fim(c, item, in);
	if (ext && strcmp(ext, "sca") == 0)
		return cfg_take_sca(c, item, in);
	struct input_raw r = { 0 };
	unsigned before = c->errors;
	cfg_walk_mapping(c, item, "an input", input_keys, input_key, &r);
	if (c->errors != before)
		return -1;
	if (!r.type) {
		cfg_err_at(
		    c, item,
		    "expected key 'type' (file, journald, process, ports, fim or sca) in an input");
		return -1;
	}
	const char *type = cfg_scalar(c, r.type, "type");
	if (!type)
		return -1;
	in->line = (unsigned)item->start_mark.line + 1;
	size_t t = 0;
	while (t < sizeof(types) / sizeof(types[0]) && strcmp(types[t].name, type) != 0)
		t++;
	if (t == sizeof(types) / sizeof(types[0])) {
		cfg_err_at(
		    c, r.type,
		    "expected input type file, journald, process, ports, fim or sca, found '%.64s'",
		    type);
		return -1;
	}
	in->type = types[t].type;
	if (input_extra_keys(c, &r, type, in->type == VG_INPUT_FILE, in->type == VG_INPUT_PORTS))
		return -1;
	if (in->type == VG_INPUT_PORTS && r.interval) {
		int secs = 0;
		cfg_take_int(c, r.interval, "interval", 1, 86400, &secs);
		in->interval_ms = (unsigned)secs * 1000u;
		return c->errors != before ? -1 : 0;
	}
	if (in->type != VG_INPUT_FILE)
		return 0;
	if (!r.path) {
		cfg_err_at(c, item, "expected key 'path' in a file input");
		return -1;
	}
	in->path = cfg_take_string(c, r.path, "path");
	if (!in->path)
		return -1;
	return take_file_format(c, &r, item, in);
}

static void take_inputs(struct ctx *c, yaml_node_t *v)
{
	struct vg_config *cfg = c->cfg;
	if (v->type != YAML_SEQUENCE_NODE) {
		cfg_err_at(c, v, "expected a list of inputs for 'inputs', found %s",
		           cfg_node_kind(v));
		return;
	}
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	cfg->inputs = vg_arena_calloc(cfg->arena, n ? n : 1, sizeof(*cfg->inputs));
	if (!cfg->inputs) {
		c->oom = true;
		return;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = cfg_node(c, *it);
		struct vg_config_input in = { 0 };
		if (item && take_input(c, item, &in) == 0)
			cfg->inputs[cfg->ninputs++] = in;
	}
}

enum { SY_BIND, SY_PORT, SY_PROTOCOL, SY_ALLOWED };
static const char *const syslog_keys[] = { "bind", "port", "protocol", "allowed_ips", NULL };

static void syslog_key(struct ctx *c, int key, yaml_node_t *v, void *obj)
{
	struct vg_config_syslog *sl = obj;
	const char *s;
	switch (key) {
	case SY_BIND:
		if ((s = cfg_take_string(c, v, "bind")))
			sl->bind = s;
		break;
	case SY_PORT: cfg_take_int(c, v, "port", 1, 65535, &sl->port); break;
	case SY_PROTOCOL:
		if (!(s = cfg_scalar(c, v, "protocol")))
			break;
		sl->udp = strcmp(s, "udp") == 0 || strcmp(s, "both") == 0;
		sl->tcp = strcmp(s, "tcp") == 0 || strcmp(s, "both") == 0;
		if (!sl->udp && !sl->tcp)
			cfg_err_at(c, v, "expected protocol udp, tcp or both, found '%.64s'", s);
		break;
	case SY_ALLOWED: cfg_take_strv(c, v, "allowed_ips", &sl->allowed); break;
	}
}

static void take_syslog(struct ctx *c, yaml_node_t *v)
{
	struct vg_config *cfg = c->cfg;
	if (v->type != YAML_SEQUENCE_NODE) {
		cfg_err_at(c, v, "expected a list of receivers for 'syslog', found %s",
		           cfg_node_kind(v));
		return;
	}
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	cfg->manager.syslog = vg_arena_calloc(cfg->arena, n ? n : 1, sizeof(*cfg->manager.syslog));
	if (!cfg->manager.syslog) {
		c->oom = true;
		return;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = cfg_node(c, *it);
		struct vg_config_syslog sl = { .bind = "0.0.0.0", .port = 514, .udp = true };
		unsigned before = c->errors;
		if (item)
			cfg_walk_mapping(c, item, "a syslog receiver", syslog_keys, syslog_key,
			                 &sl);
		if (item && c->errors == before)
			cfg->manager.syslog[cfg->manager.nsyslog++] = sl;
	}
}

enum { M_LISTEN, M_PORT, M_ENROLL_PORT, M_GROUPS_DIR, M_FSYNC, M_SYSLOG, M_CHECKPOINT_MS };
static const char *const manager_keys[] = { "listen", "port",   "enroll_port",   "groups_dir",
	                                    "fsync",  "syslog", "checkpoint_ms", NULL };

static void manager_key(struct ctx *c, int key, yaml_node_t *v, void *obj)
{
	struct vg_config *cfg = obj;
	const char *s;
	switch (key) {
	case M_LISTEN:
		if ((s = cfg_take_string(c, v, "listen")))
			cfg->manager.listen = s;
		break;
	case M_PORT: cfg_take_int(c, v, "port", 1, 65535, &cfg->manager.port); break;
	case M_ENROLL_PORT:
		cfg_take_int(c, v, "enroll_port", 1, 65535, &cfg->manager.enroll_port);
		break;
	case M_GROUPS_DIR:
		if ((s = cfg_take_string(c, v, "groups_dir")))
			cfg->manager.groups_dir = s;
		break;
	case M_FSYNC: cfg_take_bool(c, v, "fsync", &cfg->manager.fsync); break;
	case M_SYSLOG: take_syslog(c, v); break;
	case M_CHECKPOINT_MS:
		cfg_take_int(c, v, "checkpoint_ms", 10, 60000, &cfg->manager.checkpoint_ms);
		break;
	}
}

enum { G_MANAGERS, G_NAME, G_DIR, G_SPOOL_MAX, G_SPOOL_FSYNC };
static const char *const agent_keys[] = { "managers",  "name",        "dir",
	                                  "spool_max", "spool_fsync", NULL };

static void agent_key(struct ctx *c, int key, yaml_node_t *v, void *obj)
{
	struct vg_config *cfg = obj;
	const char *s;
	switch (key) {
	case G_MANAGERS: cfg_take_strv(c, v, "managers", &cfg->agent.managers); break;
	case G_NAME:
		if ((s = cfg_take_string(c, v, "name")))
			cfg->agent.name = s;
		break;
	case G_DIR:
		if ((s = cfg_take_string(c, v, "dir")))
			cfg->agent.dir = s;
		break;
	case G_SPOOL_MAX: cfg_take_size(c, v, "spool_max", &cfg->agent.spool_max); break;
	case G_SPOOL_FSYNC: cfg_take_bool(c, v, "spool_fsync", &cfg->agent.spool_fsync); break;
	}
}

enum { T_DATA_DIR, T_LOG_DIR, T_MANAGER_NAME, T_ALERTS, T_RULESET, T_INPUTS, T_MANAGER, T_AGENT };
static const char *const top_keys[] = { "data_dir", "log_dir", "manager_name", "alerts", "ruleset",
	                                "inputs",   "manager", "agent",        NULL };

static void top_key(struct ctx *c, int key, yaml_node_t *v, void *obj)
{
	struct vg_config *cfg = obj;
	const char *s;
	switch (key) {
	case T_DATA_DIR:
		if ((s = cfg_take_string(c, v, "data_dir")))
			cfg->data_dir = s;
		break;
	case T_LOG_DIR:
		if ((s = cfg_take_string(c, v, "log_dir")))
			cfg->log_dir = s;
		break;
	case T_MANAGER_NAME:
		if ((s = cfg_take_string(c, v, "manager_name")))
			cfg->manager_name = s;
		break;
	case T_ALERTS: cfg_walk_mapping(c, v, "'alerts'", alerts_keys, alerts_key, cfg); break;
	case T_RULESET: cfg_walk_mapping(c, v, "'ruleset'", ruleset_keys, ruleset_key, cfg); break;
	case T_INPUTS: take_inputs(c, v); break;
	case T_MANAGER: cfg_walk_mapping(c, v, "'manager'", manager_keys, manager_key, cfg); break;
	case T_AGENT: cfg_walk_mapping(c, v, "'agent'", agent_keys, agent_key, cfg); break;
	}
}

static void syntax_error(struct ctx *c, const yaml_parser_t *p)
{
	c->errors++;
	if (c->diag)
		vg_diag_add(c->diag, VG_DIAG_ERROR, c->file, (unsigned)p->problem_mark.line + 1,
		            (unsigned)p->problem_mark.column + 1, "expected valid YAML: %s%s%s",
		            p->problem ? p->problem : "syntax error", p->context ? " " : "",
		            p->context ? p->context : "");
}

/* Loads the single document of text and walks it into c->cfg. */
static void parse_text(struct ctx *c, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	if (!yaml_parser_initialize(&parser)) {
		c->oom = true;
		return;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(c, &parser);
		yaml_parser_delete(&parser);
		return;
	}
	c->doc = &doc;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root && !(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
		cfg_walk_mapping(c, root, "the configuration", top_keys, top_key, c->cfg);
	if (!yaml_parser_load(&parser, &extra)) {
		syntax_error(c, &parser);
	} else {
		yaml_node_t *r2 = yaml_document_get_root_node(&extra);
		if (r2)
			cfg_err_at(c, r2, "expected a single YAML document");
		yaml_document_delete(&extra);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

int vg_config_load_buffer(const char *text, size_t len, const char *name, struct vg_config *cfg,
                          struct vg_diag *diag)
{
	if (!cfg || (!text && len))
		return VG_EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	cfg->arena = vg_arena_create(4096);
	if (!cfg->arena)
		return VG_ENOMEM;
	vg_config_set_builtin(cfg);
	struct ctx c = { .file = name, .diag = diag, .cfg = cfg };
	parse_text(&c, text ? text : "", len);
	if (c.oom || c.errors) {
		vg_config_destroy(cfg);
		return c.oom ? VG_ENOMEM : VG_EPARSE;
	}
	return VG_OK;
}

int vg_config_load_file(const char *path, struct vg_config *cfg, struct vg_diag *diag)
{
	if (!path || !cfg)
		return VG_EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	struct vg_buf b;
	vg_buf_init(&b, CONFIG_MAX_FILE);
	int rc = vg_file_read(path, &b);
	if (rc == VG_OK)
		rc = vg_config_load_buffer(vg_buf_str(&b), b.len, path, cfg, diag);
	else if (diag)
		vg_diag_add(diag, VG_DIAG_ERROR, path, 0, 0, "cannot read: %s",
		            rc == VG_ELIMIT ? "larger than 16 MiB" : strerror(errno));
	vg_buf_free(&b);
	return rc;
}
