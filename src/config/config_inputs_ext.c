/*
 * config_inputs_ext.c - the two inputs whose entries carry more than a
 * path: file integrity monitoring ({type: fim, paths: [...], ...}) and
 * security configuration assessment ({type: sca, policies: [...], ...}).
 * Regular expressions are compiled here so that a bad one is reported at
 * its line rather than when the input starts.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

#define FIM_DEFAULT_RECURSION 256
#define FIM_DEFAULT_INTERVAL  43200 /* 12 h, as Wazuh's frequency */
#define FIM_DEFAULT_LIMIT     1000000
#define FIM_DEFAULT_DIFF_MAX  (1LL << 20)
#define SCA_DEFAULT_INTERVAL  43200
#define SCA_DEFAULT_TIMEOUT   30

/* Seconds, with an optional s, m, h or d suffix. */
static void take_duration(struct ctx *c, yaml_node_t *v, const char *key, unsigned *out)
{
	static const long long unit_secs[] = { 1, 60, 3600, 86400 };
	const char *s = cfg_scalar(c, v, key);
	long long secs;
	if (s && cfg_scaled(s, "smhd", unit_secs, 30LL * 86400, &secs))
		*out = (unsigned)secs;
	else if (s)
		cfg_err_at(
		    c, v, "expected a duration such as 300, 10m, 12h or 1d for '%s', found '%.64s'",
		    key, s);
}

static void take_uint(struct ctx *c, yaml_node_t *v, const char *key, long hi, unsigned *out)
{
	int n = 0;
	unsigned before = c->errors;
	cfg_take_int(c, v, key, 0, hi, &n);
	if (c->errors == before)
		*out = (unsigned)n;
}

/* A list of PCRE2 expressions, each compiled once to check it. */
static void take_regexes(struct ctx *c, yaml_node_t *v, const char *key, const char ***out,
                         size_t *n)
{
	struct vg_config_strv sv = { 0 };
	unsigned before = c->errors;
	cfg_take_strv(c, v, key, &sv);
	if (c->errors != before)
		return;
	for (size_t i = 0; i < sv.n; i++) {
		int err;
		PCRE2_SIZE off;
		pcre2_code *re =
		    pcre2_compile((PCRE2_SPTR)sv.v[i], PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
		if (!re) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(err, msg, sizeof(msg));
			cfg_err_at(c, v,
			           "expected a PCRE2 expression in '%s': '%.64s' at offset %zu: %s",
			           key, sv.v[i], (size_t)off, (const char *)msg);
			return;
		}
		pcre2_code_free(re);
	}
	*out = sv.v;
	*n = sv.n;
}

static void take_strings(struct ctx *c, yaml_node_t *v, const char *key, const char ***out,
                         size_t *n)
{
	struct vg_config_strv sv = { 0 };
	cfg_take_strv(c, v, key, &sv);
	*out = sv.v;
	*n = sv.n;
}

static const struct {
	const char *name;
	unsigned bit;
} fim_attrs[] = {
	{ "size", VG_FIM_SIZE },    { "permissions", VG_FIM_PERM }, { "owner", VG_FIM_OWNER },
	{ "group", VG_FIM_GROUP },  { "mtime", VG_FIM_MTIME },      { "inode", VG_FIM_INODE },
	{ "md5", VG_FIM_MD5 },      { "sha1", VG_FIM_SHA1 },        { "sha256", VG_FIM_SHA256 },
	{ "xattrs", VG_FIM_XATTR },
};

static void take_attrs(struct ctx *c, yaml_node_t *v, unsigned *out)
{
	struct vg_config_strv sv = { 0 };
	unsigned before = c->errors;
	cfg_take_strv(c, v, "attributes", &sv);
	if (c->errors != before)
		return;
	unsigned bits = 0;
	for (size_t i = 0; i < sv.n; i++) {
		size_t k = 0, na = sizeof(fim_attrs) / sizeof(fim_attrs[0]);
		while (k < na && strcmp(fim_attrs[k].name, sv.v[i]) != 0)
			k++;
		if (k == na) {
			cfg_err_at(
			    c, v,
			    "expected attributes among size, permissions, owner, group, mtime, "
			    "inode, md5, sha1, sha256, xattrs; found '%.64s'",
			    sv.v[i]);
			return;
		}
		bits |= fim_attrs[k].bit;
	}
	if (!bits) {
		cfg_err_at(c, v, "expected at least one attribute in 'attributes'");
		return;
	}
	*out = bits;
}

enum {
	P_PATH,
	P_REALTIME,
	P_WHODATA,
	P_DIFF,
	P_RECURSION,
	P_ATTRS,
	P_IGNORE,
	P_IGNORE_RE,
	P_RESTRICT,
	P_TAGS
};
static const char *const path_keys[] = { "path",      "realtime",   "whodata", "report_changes",
	                                 "recursion", "attributes", "ignore",  "ignore_regex",
	                                 "restrict",  "tags",       NULL };

static void path_key(struct ctx *c, int key, yaml_node_t *v, void *obj)
{
	struct vg_config_fim_path *p = obj;
	switch (key) {
	case P_PATH:
		p->path = cfg_take_string(c, v, "path");
		if (p->path && p->path[0] != '/')
			cfg_err_at(c, v, "expected an absolute path for 'path', found '%.64s'",
			           p->path);
		break;
	case P_REALTIME: cfg_take_bool(c, v, "realtime", &p->realtime); break;
	case P_WHODATA: cfg_take_bool(c, v, "whodata", &p->whodata); break;
	case P_DIFF: cfg_take_bool(c, v, "report_changes", &p->report_changes); break;
	case P_RECURSION: cfg_take_int(c, v, "recursion", 0, 320, &p->recursion); break;
	case P_ATTRS: take_attrs(c, v, &p->attrs); break;
	case P_IGNORE: take_strings(c, v, "ignore", &p->ignore, &p->nignore); break;
	case P_IGNORE_RE:
		take_regexes(c, v, "ignore_regex", &p->ignore_regex, &p->nignore_regex);
		break;
	case P_RESTRICT:
		take_regexes(c, v, "restrict", &p->restrict_regex, &p->nrestrict_regex);
		break;
	case P_TAGS: p->tags = cfg_take_string(c, v, "tags"); break;
	}
}

static void take_fim_paths(struct ctx *c, yaml_node_t *v, struct vg_config_fim *f)
{
	if (v->type != YAML_SEQUENCE_NODE) {
		cfg_err_at(c, v, "expected a list of paths for 'paths', found %s",
		           cfg_node_kind(v));
		return;
	}
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	f->paths = vg_arena_calloc(c->cfg->arena, n ? n : 1, sizeof(*f->paths));
	if (!f->paths) {
		c->oom = true;
		return;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = cfg_node(c, *it);
		if (!item)
			continue;
		struct vg_config_fim_path p = { .attrs = VG_FIM_ATTR_DEFAULT,
			                        .recursion = FIM_DEFAULT_RECURSION,
			                        .realtime = true,
			                        .line = (unsigned)item->start_mark.line + 1 };
		if (item->type == YAML_SCALAR_NODE) { /* "- /etc" is {path: /etc} */
			path_key(c, P_PATH, item, &p);
		} else {
			unsigned before = c->errors;
			cfg_walk_mapping(c, item, "a FIM path", path_keys, path_key, &p);
			if (c->errors == before && !p.path)
				cfg_err_at(c, item, "expected key 'path' in a FIM path");
		}
		if (p.path)
			f->paths[f->npaths++] = p;
	}
	if (n == 0)
		cfg_err_at(c, v, "expected at least one entry in 'paths'");
}

enum {
	F_TYPE,
	F_PATHS,
	F_INTERVAL,
	F_VERIFY,
	F_FPS,
	F_LIMIT,
	F_DIFFMAX,
	F_NODIFF,
	F_NICE,
	F_IONICE
};
static const char *const fim_keys[] = {
	"type",       "paths",         "scan_interval", "verify_every", "files_per_second",
	"file_limit", "diff_max_size", "nodiff",        "nice",         "ionice_idle",
	NULL
};

static void fim_key(struct ctx *c, int key, yaml_node_t *v, void *obj)
{
	struct vg_config_fim *f = obj;
	switch (key) {
	case F_TYPE: break;
	case F_PATHS: take_fim_paths(c, v, f); break;
	case F_INTERVAL: take_duration(c, v, "scan_interval", &f->scan_interval_s); break;
	case F_VERIFY: take_uint(c, v, "verify_every", 1000000, &f->verify_every); break;
	case F_FPS: take_uint(c, v, "files_per_second", 100000000, &f->files_per_second); break;
	case F_LIMIT: take_uint(c, v, "file_limit", 100000000, &f->file_limit); break;
	case F_DIFFMAX: cfg_take_size(c, v, "diff_max_size", &f->diff_max_size); break;
	case F_NODIFF: take_strings(c, v, "nodiff", &f->nodiff, &f->nnodiff); break;
	case F_NICE: cfg_take_int(c, v, "nice", 0, 19, &f->nice); break;
	case F_IONICE: cfg_take_bool(c, v, "ionice_idle", &f->ionice_idle); break;
	}
}

int cfg_take_fim(struct ctx *c, yaml_node_t *item, struct vg_config_input *in)
{
	struct vg_config_fim *f = vg_arena_calloc(c->cfg->arena, 1, sizeof(*f));
	if (!f) {
		c->oom = true;
		return -1;
	}
	*f = (struct vg_config_fim){ .scan_interval_s = FIM_DEFAULT_INTERVAL,
		                     .file_limit = FIM_DEFAULT_LIMIT,
		                     .diff_max_size = FIM_DEFAULT_DIFF_MAX,
		                     .nice = 10,
		                     .ionice_idle = true };
	unsigned before = c->errors;
	cfg_walk_mapping(c, item, "a fim input", fim_keys, fim_key, f);
	if (c->errors != before)
		return -1;
	if (!f->paths) {
		cfg_err_at(c, item, "expected key 'paths' in a fim input");
		return -1;
	}
	in->type = VG_INPUT_FIM;
	in->fim = f;
	in->line = (unsigned)item->start_mark.line + 1;
	return 0;
}

enum { S_TYPE, S_POLICIES, S_BUILTIN, S_INTERVAL, S_TIMEOUT };
static const char *const sca_keys[] = { "type",     "policies",        "builtin",
	                                "interval", "command_timeout", NULL };

static void sca_key(struct ctx *c, int key, yaml_node_t *v, void *obj)
{
	struct vg_config_sca *s = obj;
	switch (key) {
	case S_TYPE: break;
	case S_POLICIES: take_strings(c, v, "policies", &s->policies, &s->npolicies); break;
	case S_BUILTIN: cfg_take_bool(c, v, "builtin", &s->builtin); break;
	case S_INTERVAL: take_duration(c, v, "interval", &s->interval_s); break;
	case S_TIMEOUT: take_duration(c, v, "command_timeout", &s->command_timeout_s); break;
	}
}

int cfg_take_sca(struct ctx *c, yaml_node_t *item, struct vg_config_input *in)
{
	struct vg_config_sca *s = vg_arena_calloc(c->cfg->arena, 1, sizeof(*s));
	if (!s) {
		c->oom = true;
		return -1;
	}
	*s = (struct vg_config_sca){ .builtin = true,
		                     .interval_s = SCA_DEFAULT_INTERVAL,
		                     .command_timeout_s = SCA_DEFAULT_TIMEOUT };
	unsigned before = c->errors;
	cfg_walk_mapping(c, item, "an sca input", sca_keys, sca_key, s);
	if (c->errors != before)
		return -1;
	if (!s->builtin && s->npolicies == 0) {
		cfg_err_at(c, item, "expected 'policies' or 'builtin: true' in an sca input");
		return -1;
	}
	in->type = VG_INPUT_SCA;
	in->sca = s;
	in->line = (unsigned)item->start_mark.line + 1;
	return 0;
}
