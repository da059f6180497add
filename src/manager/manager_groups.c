/*
 * manager_groups.c - central configuration: <groups_dir>/<group>.yml holds
 * the inputs every agent of that group collects (the same `inputs:` list as
 * a local configuration; other keys are not sent). An agent in several
 * groups gets their inputs in the order of its group list, each input once.
 * Files are read and checked when the manager starts and on reload; a file
 * with errors is reported with its line and left out.
 */
#include <dirent.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager/manager_internal.h"
#include "vigil/array.h"
#include "vigil/error.h"
#include "vigil/log.h"

struct mgr_group {
	char *name;
	struct vg_config cfg;
};

struct mgr_groups {
	struct mgr_group *v;
	size_t n, cap;
};

void mgr_groups_free(struct mgr_groups *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].name);
		vg_config_destroy(&g->v[i].cfg);
	}
	free(g->v);
	free(g);
}

static int load_one(struct mgr_groups *g, const char *dir, const char *file)
{
	size_t len = strlen(file);
	if (len < 5 || strcmp(file + len - 4, ".yml") != 0 || file[0] == '.')
		return VG_OK;
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return VG_OK;
	struct vg_diag d;
	vg_diag_init(&d);
	struct vg_config cfg;
	int rc = vg_config_load_file(path, &cfg, &d);
	if (rc != VG_OK) {
		vg_diag_print(&d, stderr);
		vg_err("group configuration %s left out: %s", path, vg_strerror(rc));
		vg_diag_free(&d);
		return rc == VG_ENOMEM ? rc : VG_OK;
	}
	vg_diag_free(&d);
	rc = vg_grow((void **)&g->v, &g->cap, g->n + 1, sizeof(*g->v), 8);
	char *name = rc == VG_OK ? strndup(file, len - 4) : NULL;
	if (!name) {
		vg_config_destroy(&cfg);
		return VG_ENOMEM;
	}
	g->v[g->n].name = name;
	g->v[g->n].cfg = cfg;
	g->n++;
	return VG_OK;
}

int mgr_groups_load(const char *dir, struct mgr_groups **out)
{
	struct mgr_groups *g = calloc(1, sizeof(*g));
	if (!g)
		return VG_ENOMEM;
	*out = g;
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d)
		return VG_OK; /* no groups: agents only run their local configuration */
	struct dirent *e;
	int rc = VG_OK;
	while (rc == VG_OK && (e = readdir(d)) != NULL)
		rc = load_one(g, dir, e->d_name);
	closedir(d);
	if (rc == VG_OK)
		vg_info("%zu group configurations loaded from %s", g->n, dir);
	return rc;
}

static const struct mgr_group *find(const struct mgr_groups *g, const char *name, size_t len)
{
	for (size_t i = 0; i < g->n; i++)
		if (strlen(g->v[i].name) == len && memcmp(g->v[i].name, name, len) == 0)
			return &g->v[i];
	return NULL;
}

static bool same_input(const struct vg_config_input *a, const struct vg_config_input *b)
{
	return a->type == b->type && a->format == b->format &&
	       (a->path == b->path || (a->path && b->path && strcmp(a->path, b->path) == 0));
}

/* Collects the inputs of the named groups, each once. */
static int collect_inputs(const struct mgr_groups *g, const char *groups,
                          const struct vg_config_input ***list, size_t *n, size_t *cap)
{
	const char *p = groups && *groups ? groups : "default";
	while (*p) {
		size_t len = strcspn(p, ",");
		const struct mgr_group *grp = find(g, p, len);
		for (size_t i = 0; grp && i < grp->cfg.ninputs; i++) {
			const struct vg_config_input *in = &grp->cfg.inputs[i];
			bool seen = false;
			for (size_t k = 0; k < *n && !seen; k++)
				seen = same_input((*list)[k], in);
			if (seen)
				continue;
			if (vg_grow((void **)list, cap, *n + 1, sizeof(**list), 16) != VG_OK)
				return VG_ENOMEM;
			(*list)[(*n)++] = in;
		}
		p += len + (p[len] == ',');
	}
	return VG_OK;
}

int mgr_groups_config(const struct mgr_groups *g, const char *groups, struct vg_buf *yaml,
                      char hash[65])
{
	const struct vg_config_input **list = NULL;
	size_t n = 0, cap = 0;
	int rc = collect_inputs(g, groups, &list, &n, &cap);
	struct vg_config_input *flat = rc == VG_OK ? calloc(n ? n : 1, sizeof(*flat)) : NULL;
	if (!flat) {
		free(list);
		return VG_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		flat[i] = *list[i];
	rc = vg_buf_printf(yaml, "# groups: %s\n", groups && *groups ? groups : "default");
	if (rc == VG_OK)
		rc = vg_config_inputs_yaml(flat, n, yaml);
	free(flat);
	free(list);
	if (rc != VG_OK)
		return rc;
	unsigned char md[32];
	unsigned mdlen = 0;
	if (!EVP_Digest(vg_buf_str(yaml), yaml->len, md, &mdlen, EVP_sha256(), NULL))
		return VG_ENOMEM;
	for (unsigned i = 0; i < 32; i++)
		snprintf(hash + 2 * i, 3, "%02x", md[i]);
	return VG_OK;
}
