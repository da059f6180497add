/*
 * event.c - the analysis event: fixed Wazuh fields, dynamic fields, and the
 * per-event arena that owns their strings.
 */
#include "vigil/event.h"

#include <string.h>
#include <strings.h>

#include "vigil/error.h"

static const char *const fixed_names[VG_F_COUNT] = {
	"srcip", "dstip", "srcport",    "dstport", "protocol",    "action",  "id",
	"url",   "data",  "extra_data", "status",  "system_name", "srcuser", "dstuser",
};

const char *vg_fixed_name(enum vg_fixed f)
{
	return (unsigned)f < VG_F_COUNT ? fixed_names[f] : NULL;
}

int vg_fixed_lookup(const char *name)
{
	if (strcmp(name, "user") == 0)
		return VG_F_DSTUSER;
	for (int i = 0; i < VG_F_COUNT; i++)
		if (strcmp(name, fixed_names[i]) == 0)
			return i;
	return -1;
}

int vg_event_init(struct vg_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->arena = vg_arena_create(16384);
	return ev->arena ? VG_OK : VG_ENOMEM;
}

void vg_event_reset(struct vg_event *ev)
{
	struct vg_arena *a = ev->arena;
	vg_arena_reset(a);
	memset(ev, 0, sizeof(*ev));
	ev->arena = a;
}

void vg_event_destroy(struct vg_event *ev)
{
	if (!ev)
		return;
	vg_arena_destroy(ev->arena);
	ev->arena = NULL;
}

int vg_event_set(struct vg_event *ev, const char *name, const char *value)
{
	for (unsigned i = 0; i < ev->ndyn; i++) {
		if (strcasecmp(ev->dyn[i].name, name) == 0) {
			ev->dyn[i].value = value;
			return VG_OK;
		}
	}
	if (ev->ndyn >= VG_EVENT_MAX_DYNAMIC)
		return VG_ELIMIT;
	if (ev->ndyn == ev->dyn_cap) {
		unsigned ncap = ev->dyn_cap ? ev->dyn_cap * 2 : 16;
		struct vg_field *n = vg_arena_alloc(ev->arena, ncap * sizeof(*n));
		if (!n)
			return VG_ENOMEM;
		if (ev->ndyn)
			memcpy(n, ev->dyn, ev->ndyn * sizeof(*n));
		ev->dyn = n;
		ev->dyn_cap = ncap;
	}
	ev->dyn[ev->ndyn].name = name;
	ev->dyn[ev->ndyn].value = value;
	ev->ndyn++;
	return VG_OK;
}

const char *vg_event_get(const struct vg_event *ev, const char *name)
{
	for (unsigned i = 0; i < ev->ndyn; i++)
		if (strcasecmp(ev->dyn[i].name, name) == 0)
			return ev->dyn[i].value;
	return NULL;
}

const char *vg_event_field(const struct vg_event *ev, const char *name)
{
	if (strcmp(name, "user") == 0)
		return ev->fixed[VG_F_DSTUSER] ? ev->fixed[VG_F_DSTUSER] : ev->fixed[VG_F_SRCUSER];
	int f = vg_fixed_lookup(name);
	if (f >= 0)
		return ev->fixed[f];
	return vg_event_get(ev, name);
}
