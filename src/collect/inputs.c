/*
 * inputs.c - the configured inputs behind one poll-style interface: the
 * collector (files, journal), the process monitor and the port monitor.
 */
#include "vigil/inputs.h"

#include <stdlib.h>

#include "vigil/portmon.h"
#include "vigil/procmon.h"

struct vg_inputs {
	struct vg_collector *col;
	struct vg_procmon *proc;
	struct vg_portmon *ports;
};

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
	case VG_INPUT_SCA:
		vg_diag_add(d, VG_DIAG_ERROR, NULL, in->line, 0, "input %s: not available yet",
		            vg_input_type_name(in->type));
		return VG_EINVAL;
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
	free(x);
}

size_t vg_inputs_fds(const struct vg_inputs *x, int *fds, size_t cap)
{
	size_t n = vg_collector_fds(x->col, fds, cap);
	int pfd = x->proc ? vg_procmon_fd(x->proc) : -1;
	if (pfd >= 0) {
		if (n < cap)
			fds[n] = pfd;
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
	return total;
}

struct vg_collector *vg_inputs_collector(struct vg_inputs *x)
{
	return x->col;
}
