/*
 * ruleset.c - compiles decoders, rules and CDB lists from ruleset files into
 * one immutable, reference-counted struct vg_ruleset.
 *
 * Files come from directories (every *.xml), from single files and from the
 * built-in ruleset embedded in the library. Decoder files and rule files are
 * each sorted by basename across all directories, as Wazuh loads them.
 * Built-in decoders load after the user's, so a user (or Wazuh) decoder wins
 * for a line both could decode; built-in rules load before the user's, so
 * user rules can refine built-in ones with if_sid. Sigma rules (YAML) load
 * after the XML rules, each as its own rule beside the tree.
 */
#include "engine/ruleset_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/embedded.h"
#include "vigil/array.h"
#include "vigil/decoder.h"
#include "vigil/rule.h"
#include "vigil/sigma.h"
#include "vigil/xml.h"

struct file_list {
	struct vg_ruleset_file *v;
	char **owned; /* strings this list allocated */
	size_t n, cap, nowned, capowned;
};

static char *list_own(struct file_list *l, char *s)
{
	if (!s)
		return NULL;
	if (vg_grow((void **)&l->owned, &l->capowned, l->nowned + 1, sizeof(*l->owned), 32)) {
		free(s);
		return NULL;
	}
	l->owned[l->nowned++] = s;
	return s;
}

static int list_add(struct file_list *l, const struct vg_ruleset_file *f)
{
	if (vg_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v), 64))
		return VG_ENOMEM;
	l->v[l->n++] = *f;
	return VG_OK;
}

static void list_free(struct file_list *l)
{
	for (size_t i = 0; i < l->nowned; i++)
		free(l->owned[i]);
	free(l->owned);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static bool is_excluded(const struct vg_ruleset_opts *o, const char *name)
{
	for (size_t i = 0; i < o->nexclude; i++)
		if (strcmp(o->exclude[i], name) == 0)
			return true;
	return false;
}

static bool has_xml_suffix(const char *name)
{
	size_t len = strlen(name);
	return len > 4 && strcmp(name + len - 4, ".xml") == 0;
}

static int list_add_dir(struct file_list *l, const char *dir, const struct vg_ruleset_opts *o,
                        struct vg_diag *diag)
{
	DIR *d = opendir(dir);
	if (!d) {
		vg_diag_add(diag, VG_DIAG_ERROR, dir, 0, 0, "cannot open directory: %s",
		            strerror(errno));
		return errno == ENOENT ? VG_ENOENT : VG_EIO;
	}
	int rc = VG_OK;
	struct dirent *de;
	while (rc == VG_OK && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !has_xml_suffix(de->d_name) ||
		    is_excluded(o, de->d_name))
			continue;
		size_t len = strlen(dir) + strlen(de->d_name) + 2;
		char *path = list_own(l, malloc(len));
		char *name = list_own(l, strdup(de->d_name));
		if (!path || !name) {
			rc = VG_ENOMEM;
			break;
		}
		snprintf(path, len, "%s/%s", dir, de->d_name);
		struct vg_ruleset_file f = { .name = name, .path = path, .text = NULL };
		rc = list_add(l, &f);
	}
	closedir(d);
	return rc;
}

static int cmp_file(const void *a, const void *b)
{
	const struct vg_ruleset_file *fa = a, *fb = b;
	return strcmp(fa->name, fb->name);
}

/* Gathers the user's files of one kind, sorted by basename (stable for ties). */
static int gather(struct file_list *l, const char *const *dirs, size_t ndirs,
                  const struct vg_ruleset_file *files, size_t nfiles,
                  const struct vg_ruleset_opts *o, struct vg_diag *diag)
{
	int rc = VG_OK;
	for (size_t i = 0; i < ndirs && rc == VG_OK; i++)
		rc = list_add_dir(l, dirs[i], o, diag);
	for (size_t i = 0; i < nfiles && rc == VG_OK; i++)
		rc = list_add(l, &files[i]); /* exclusions apply to directories only */
	if (rc == VG_OK && l->n > 1) {
		/* qsort is not stable: make ties keep their order by index. */
		for (size_t i = 1; i < l->n; i++) {
			struct vg_ruleset_file f = l->v[i];
			size_t j = i;
			while (j > 0 && cmp_file(&l->v[j - 1], &f) > 0) {
				l->v[j] = l->v[j - 1];
				j--;
			}
			l->v[j] = f;
		}
	}
	return rc;
}

static int load_decoder_file(struct vg_decoder_set *set, const struct vg_ruleset_file *f,
                             struct vg_diag *diag)
{
	if (!f->text)
		return vg_decoder_set_load_file(set, f->path, diag);
	struct vg_xml_doc *doc = NULL;
	int rc = vg_xml_parse_buffer(f->text, strlen(f->text), f->name, &doc, diag);
	if (rc == VG_OK)
		rc = vg_decoder_set_load_doc(set, doc, diag);
	vg_xml_doc_destroy(doc);
	return rc;
}

static int load_rule_file(struct vg_rule_set *set, const struct vg_ruleset_file *f,
                          struct vg_diag *diag)
{
	if (!f->text)
		return vg_rule_set_load_file(set, f->path, diag);
	return vg_rule_set_load_buffer(set, f->text, strlen(f->text), f->name, diag);
}

static int load_decoders(struct vg_ruleset *rs, const struct vg_ruleset_opts *o,
                         struct vg_diag *diag)
{
	struct file_list l = { 0 };
	int rc = vg_decoder_set_create(&rs->decoders);
	if (rc == VG_OK)
		rc = gather(&l, o->decoder_dirs, o->ndecoder_dirs, o->decoder_files,
		            o->ndecoder_files, o, diag);
	for (size_t i = 0; i < l.n && rc == VG_OK; i++)
		rc = load_decoder_file(rs->decoders, &l.v[i], diag);
	for (const struct vg_embedded_file *e = vg_builtin_decoders;
	     o->builtin && e->name && rc == VG_OK; e++) {
		struct vg_ruleset_file f = { .name = e->name, .path = e->name, .text = e->text };
		rc = load_decoder_file(rs->decoders, &f, diag);
	}
	if (rc == VG_OK)
		rc = vg_decoder_set_finish(rs->decoders, diag);
	list_free(&l);
	return rc;
}

static bool has_yaml_suffix(const char *name)
{
	size_t len = strlen(name);
	return (len > 4 && strcmp(name + len - 4, ".yml") == 0) ||
	       (len > 5 && strcmp(name + len - 5, ".yaml") == 0);
}

/* Collects every *.yml / *.yaml below dir (hidden entries skipped). */
static int sigma_walk(struct file_list *l, const char *dir, unsigned depth, struct vg_diag *diag)
{
	DIR *d = opendir(dir);
	if (!d) {
		vg_diag_add(diag, VG_DIAG_ERROR, dir, 0, 0, "cannot open directory: %s",
		            strerror(errno));
		return errno == ENOENT ? VG_ENOENT : VG_EIO;
	}
	int rc = VG_OK;
	struct dirent *de;
	while (rc == VG_OK && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		size_t len = strlen(dir) + strlen(de->d_name) + 2;
		char *path = malloc(len);
		if (!path) {
			rc = VG_ENOMEM;
			break;
		}
		snprintf(path, len, "%s/%s", dir, de->d_name);
		DIR *sub = depth < 16 ? opendir(path) : NULL;
		if (sub) {
			closedir(sub);
			rc = sigma_walk(l, path, depth + 1, diag);
			free(path);
		} else if (has_yaml_suffix(de->d_name) && list_own(l, path)) {
			struct vg_ruleset_file f = { .name = path, .path = path, .text = NULL };
			rc = list_add(l, &f);
		} else {
			free(path);
		}
	}
	closedir(d);
	return rc;
}

/* Sigma rules: directories (sorted by path), then single files. A rule
 * that cannot be loaded has its reason in diag and is skipped. */
static int load_sigma(struct vg_rule_set *set, const struct vg_ruleset_opts *o,
                      struct vg_diag *diag)
{
	struct file_list l = { 0 };
	int rc = VG_OK;
	for (size_t i = 0; i < o->nsigma_dirs && rc == VG_OK; i++)
		rc = sigma_walk(&l, o->sigma_dirs[i], 0, diag);
	if (rc == VG_OK && l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), cmp_file);
	for (size_t i = 0; i < o->nsigma_files && rc == VG_OK; i++) {
		struct vg_ruleset_file f = { .name = o->sigma_files[i], .path = o->sigma_files[i] };
		rc = list_add(&l, &f);
	}
	unsigned id = VG_SIGMA_FIRST_ID;
	for (size_t i = 0; i < l.n && rc == VG_OK; i++) {
		struct vg_sigma_rule *sr = NULL;
		int lrc = vg_sigma_rule_load_file(l.v[i].path, o->sigma_opts, &sr, diag);
		if (lrc == VG_ENOMEM)
			rc = lrc;
		else if (lrc == VG_OK)
			rc = vg_rule_set_add_sigma(set, sr, id++, diag);
	}
	list_free(&l);
	return rc;
}

/* Rules: the built-in files first, so that user rules can hang under
 * built-in ones (if_sid), then the user's files sorted by name. Category
 * templates defined by both are kept once (see rule_load.c), and among
 * siblings of one level the user's rules are tried first (rule_tree.c). */
static int load_rules(struct vg_ruleset *rs, const struct vg_ruleset_opts *o, struct vg_diag *diag)
{
	struct file_list l = { 0 };
	int rc = vg_rule_set_create(&rs->rules);
	for (size_t i = 0; i < o->nlists && rc == VG_OK; i++)
		rc = vg_rule_set_add_list(rs->rules, o->lists[i].name, o->lists[i].path, diag);
	if (rc == VG_OK)
		vg_rule_set_loading_builtin(rs->rules, true);
	for (const struct vg_embedded_file *e = vg_builtin_rules;
	     o->builtin && e->name && rc == VG_OK; e++) {
		struct vg_ruleset_file f = { .name = e->name, .path = e->name, .text = e->text };
		rc = load_rule_file(rs->rules, &f, diag);
	}
	if (rc == VG_OK) {
		vg_rule_set_loading_builtin(rs->rules, false);
		rc =
		    gather(&l, o->rule_dirs, o->nrule_dirs, o->rule_files, o->nrule_files, o, diag);
	}
	for (size_t i = 0; i < l.n && rc == VG_OK; i++)
		rc = load_rule_file(rs->rules, &l.v[i], diag);
	if (rc == VG_OK)
		rc = load_sigma(rs->rules, o, diag);
	if (rc == VG_OK)
		rc = vg_rule_set_finish(rs->rules, diag);
	list_free(&l);
	return rc;
}

int vg_ruleset_load(const struct vg_ruleset_opts *opts, struct vg_ruleset **out,
                    struct vg_diag *diag)
{
	*out = NULL;
	struct vg_ruleset *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return VG_ENOMEM;
	atomic_init(&rs->refs, 1);
	int rc = load_decoders(rs, opts, diag);
	if (rc == VG_OK)
		rc = load_rules(rs, opts, diag);
	if (rc != VG_OK) {
		vg_ruleset_unref(rs);
		return rc;
	}
	*out = rs;
	return VG_OK;
}

struct vg_ruleset *vg_ruleset_ref(struct vg_ruleset *rs)
{
	if (rs)
		atomic_fetch_add(&rs->refs, 1);
	return rs;
}

void vg_ruleset_unref(struct vg_ruleset *rs)
{
	if (!rs || atomic_fetch_sub(&rs->refs, 1) != 1)
		return;
	vg_decoder_set_destroy(rs->decoders);
	vg_rule_set_destroy(rs->rules);
	free(rs);
}

size_t vg_ruleset_decoder_count(const struct vg_ruleset *rs)
{
	return vg_decoder_set_count(rs->decoders);
}

size_t vg_ruleset_rule_count(const struct vg_ruleset *rs)
{
	return vg_rule_set_count(rs->rules);
}

const struct vg_rule *vg_ruleset_find_rule(const struct vg_ruleset *rs, unsigned id)
{
	return vg_rule_set_find(rs->rules, id);
}
