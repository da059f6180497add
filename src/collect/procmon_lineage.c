/*
 * procmon_lineage.c - the process monitor's bounded lineage cache. Every
 * execution seen is remembered by pid (image, command line, parent pid) in
 * a fixed direct-mapped table, a newer pid simply replacing an older one in
 * its slot; so the parent of a short-lived child is still known after the
 * parent itself has exited (`sh -c 'a | b'`). A pid not in the cache is
 * looked up in /proc at event time.
 */
#include "collect/procmon_internal.h"

#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"

struct lineage_slot {
	int64_t pid, ppid;
	char *exe, *cmdline;
};

struct vg_lineage {
	struct lineage_slot *slots;
	size_t n;
};

int vg_lineage_create(size_t slots, struct vg_lineage **out)
{
	*out = NULL;
	if (slots == 0)
		slots = 4096;
	struct vg_lineage *l = calloc(1, sizeof(*l));
	if (!l)
		return VG_ENOMEM;
	l->slots = calloc(slots, sizeof(*l->slots));
	if (!l->slots) {
		free(l);
		return VG_ENOMEM;
	}
	l->n = slots;
	*out = l;
	return VG_OK;
}

static void slot_clear(struct lineage_slot *s)
{
	free(s->exe);
	free(s->cmdline);
	memset(s, 0, sizeof(*s));
}

void vg_lineage_destroy(struct vg_lineage *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		slot_clear(&l->slots[i]);
	free(l->slots);
	free(l);
}

static struct lineage_slot *slot_of(struct vg_lineage *l, int64_t pid)
{
	return &l->slots[(uint64_t)pid % l->n];
}

static char *dup_or_null(const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

int vg_lineage_put(struct vg_lineage *l, int64_t pid, int64_t ppid, const char *exe,
                   const char *cmdline)
{
	if (pid <= 0)
		return VG_OK;
	struct lineage_slot *s = slot_of(l, pid);
	slot_clear(s);
	bool oom = false;
	s->exe = dup_or_null(exe, &oom);
	s->cmdline = dup_or_null(cmdline, &oom);
	if (oom) {
		slot_clear(s);
		return VG_ENOMEM;
	}
	s->pid = pid;
	s->ppid = ppid;
	return VG_OK;
}

int vg_lineage_get(struct vg_lineage *l, int64_t pid, struct vg_proc_info *pi)
{
	struct lineage_slot *s = pid > 0 ? slot_of(l, pid) : NULL;
	if (s && s->pid == pid) {
		bool oom = false;
		memset(pi, 0, sizeof(*pi));
		pi->pid = pid;
		pi->ppid = s->ppid;
		pi->uid = VG_AUDIT_UNSET;
		pi->exe = dup_or_null(s->exe, &oom);
		pi->cmdline = dup_or_null(s->cmdline, &oom);
		if (oom) {
			vg_proc_info_free(pi);
			return VG_ENOMEM;
		}
		return VG_OK;
	}
	return vg_proc_read(pid, pi);
}
