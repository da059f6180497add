/*
 * inputs.c - the configured inputs behind one poll-style interface: the
 * collector (files, journal), the process monitor, the port monitor, file
 * integrity monitoring and configuration assessment. FIM and SCA run one
 * instance per configured input.
 */
#include "vigil/inputs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "vigil/fim.h"
#include "vigil/portmon.h"
#include "vigil/procmon.h"
#include "vigil/sca.h"

#define INPUTS_MAX_EXT 16 /* fim and sca inputs in one configuration */

struct vg_inputs {
	struct vg_collector *col;
	struct vg_procmon *proc;
	struct vg_portmon *ports;
	struct vg_fim *fim[INPUTS_MAX_EXT];
	size_t nfim;
	struct vg_sca *sca[INPUTS_MAX_EXT];
	size_t nsca;
};

/* The n-th input of a kind keeps its state in its own directory below
 * data_dir (fim.db, sca.db ...); the first one uses data_dir itself. */
static int ext_dir(char *dir, size_t len, const char *data_dir, const char *kind, size_t n)
{
	int w = n ? snprintf(dir, len, "%s/%s-%zu", data_dir, kind, n)
	          : snprintf(dir, len, "%s", data_dir);
	if (w < 0 || (size_t)w >= len)
		return VG_ELIMIT;
	if (n && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return VG_EIO;
	return VG_OK;
}

static int add_ext(struct vg_inputs *x, const struct vg_config_input *in, const char *data_dir,
                   struct vg_diag *d)
{
	bool fim = in->type == VG_INPUT_FIM;
	size_t n = fim ? x->nfim : x->nsca;
	char dir[4096];
	if (n == INPUTS_MAX_EXT) {
		vg_diag_add(d, VG_DIAG_ERROR, NULL, in->line, 0, "more than %d %s inputs",
		            INPUTS_MAX_EXT, vg_input_type_name(in->type));
		return VG_ELIMIT;
	}
	int rc = ext_dir(dir, sizeof(dir), data_dir, fim ? "fim" : "sca", n);
	if (rc != VG_OK) {
		vg_diag_add(d, VG_DIAG_ERROR, NULL, in->line, 0, "%s input: state directory: %s",
		            vg_input_type_name(in->type), vg_strerror(rc));
		return rc;
	}
	rc = fim ? vg_fim_open(in->fim, dir, &x->fim[n], d)
	         : vg_sca_open(in->sca, dir, &x->sca[n], d);
	if (rc == VG_OK)
		*(fim ? &x->nfim : &x->nsca) = n + 1;
	return rc;
}

static int add_file(struct vg_inputs *x, const struct vg_config_input *in, struct vg_diag *d)
{
	struct vg_collect_file_opts fo = { .format = VG_COLLECT_SYSLOG };
	if (in->format == VG_FORMAT_JSON)
		fo.format = VG_COLLECT_JSON;
	if (in->format == VG_FORMAT_MULTILINE) {
		fo.format = VG_COLLECT_MULTILINE;
		fo.multiline_regex = in->multiline_regex;
	}
	int rc = vg_collector_add_file(x->col, in->path, &fo);
	if (rc != VG_OK)
		vg_diag_add(d, VG_DIAG_ERROR, NULL, in->line, 0, "input %s: %s", in->path,
		            rc == VG_EINVAL ? "bad multiline_regex" : vg_strerror(rc));
	return rc;
}

static int add_one(struct vg_inputs *x, const struct vg_config_input *in, const char *data_dir,
                   struct vg_diag *d)
{
	int rc = VG_OK;
	switch (in->type) {
	case VG_INPUT_FILE: return add_file(x, in, d);
	case VG_INPUT_JOURNALD:
		rc = vg_collector_add_journal(x->col, NULL);
		if (rc != VG_OK)
			vg_diag_add(d, VG_DIAG_WARNING, NULL, in->line, 0,
			            "journal not readable (%s); going on without it",
			            vg_strerror(rc));
		return VG_OK;
	case VG_INPUT_PROCESS: {
		if (x->proc)
			return VG_OK;
		struct vg_procmon_opts po = { .data_dir = data_dir };
		return vg_procmon_open(&po, &x->proc, d);
	}
	case VG_INPUT_PORTS: {
		if (x->ports)
			return VG_OK;
		struct vg_portmon_opts po = { .interval_ms = in->interval_ms,
			                      .data_dir = data_dir };
		return vg_portmon_open(&po, &x->ports, d);
	}
	case VG_INPUT_FIM:
	case VG_INPUT_SCA: return add_ext(x, in, data_dir, d);
	}
	return VG_EINVAL;
}

int vg_inputs_create(const struct vg_config_input *in, size_t n, const char *data_dir,
                     struct vg_inputs **out, struct vg_diag *d)
{
	struct vg_inputs *x = calloc(1, sizeof(*x));
	if (!x)
		return VG_ENOMEM;
	struct vg_collect_opts co;
	vg_collect_opts_init(&co);
	co.data_dir = data_dir;
	int rc = vg_collector_create(&co, &x->col);
	for (size_t i = 0; rc == VG_OK && i < n; i++)
		rc = add_one(x, &in[i], data_dir, d);
	if (rc != VG_OK) {
		vg_inputs_destroy(x);
		return rc;
	}
	*out = x;
	return VG_OK;
}

void vg_inputs_destroy(struct vg_inputs *x)
{
	if (!x)
		return;
	vg_collector_destroy(x->col);
	vg_procmon_close(x->proc);
	vg_portmon_close(x->ports);
	for (size_t i = 0; i < x->nfim; i++)
		vg_fim_close(x->fim[i]);
	for (size_t i = 0; i < x->nsca; i++)
		vg_sca_close(x->sca[i]);
	free(x);
}

size_t vg_inputs_fds(const struct vg_inputs *x, int *fds, size_t cap)
{
	size_t n = vg_collector_fds(x->col, fds, cap);
	int extra[1 + 2 * INPUTS_MAX_EXT];
	size_t ne = 0;
	extra[ne++] = x->proc ? vg_procmon_fd(x->proc) : -1;
	for (size_t i = 0; i < x->nfim; i++)
		extra[ne++] = vg_fim_fd(x->fim[i]);
	for (size_t i = 0; i < x->nsca; i++)
		extra[ne++] = vg_sca_fd(x->sca[i]);
	for (size_t i = 0; i < ne; i++) {
		if (extra[i] < 0)
			continue;
		if (n < cap)
			fds[n] = extra[i];
		n++;
	}
	return n;
}

static int earliest(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int vg_inputs_timeout_ms(const struct vg_inputs *x)
{
	int t = vg_collector_timeout_ms(x->col);
	if (x->proc)
		t = earliest(t, vg_procmon_timeout_ms(x->proc));
	if (x->ports)
		t = earliest(t, vg_portmon_timeout_ms(x->ports));
	for (size_t i = 0; i < x->nfim; i++)
		t = earliest(t, vg_fim_timeout_ms(x->fim[i]));
	for (size_t i = 0; i < x->nsca; i++)
		t = earliest(t, vg_sca_timeout_ms(x->sca[i]));
	return t;
}

int vg_inputs_poll(struct vg_inputs *x, vg_collect_cb cb, void *ctx, size_t max)
{
	int total = 0;
	int got = vg_collector_poll(x->col, cb, ctx, max);
	if (got < 0)
		return got;
	total += got;
	if (x->proc && (max == 0 || (size_t)total < max)) {
		got = vg_procmon_poll(x->proc, cb, ctx, max ? max - (size_t)total : 0);
		if (got < 0)
			return got;
		total += got;
	}
	if (x->ports && (max == 0 || (size_t)total < max)) {
		got = vg_portmon_poll(x->ports, cb, ctx);
		if (got < 0)
			return got;
		total += got;
	}
	for (size_t i = 0; i < x->nfim + x->nsca && (max == 0 || (size_t)total < max); i++) {
		size_t left = max ? max - (size_t)total : 0;
		got = i < x->nfim ? vg_fim_poll(x->fim[i], cb, ctx, left)
		                  : vg_sca_poll(x->sca[i - x->nfim], cb, ctx, left);
		if (got < 0)
			return got;
		total += got;
	}
	return total;
}

struct vg_collector *vg_inputs_collector(struct vg_inputs *x)
{
	return x->col;
}
