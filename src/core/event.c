/*
 * event.c - the analysis event: fixed Wazuh fields, dynamic fields, and the
 * per-event arena that owns their strings. Dynamic fields keep their
 * insertion order in an array and are found through a case-insensitive hash
 * index beside it (Windows events carry dozens of fields and rules look
 * them up many times per event).
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
	/* Quick reject: no fixed name starts with another letter (JSON keys
	 * such as "win.system.eventID" go through here by the dozen). */
	if (!name[0] || !strchr("adeipsu", name[0]))
		return -1;
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

/*
 * Hash of a field name, equal for names equal under strcasecmp: every byte
 * is ORed with 0x20 (which maps both cases of a letter to one value), eight
 * bytes at a time.
 */
static uint32_t name_hash(const char *s)
{
	size_t len = strlen(s);
	uint64_t h = len * 0x9e3779b97f4a7c15u, w;
	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ (w | 0x2020202020202020u)) * 0xff51afd7ed558ccdu;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, s, len);
	h = (h ^ (w | 0x2020202020202020u)) * 0xc4ceb9fe1a85ec53u;
	return (uint32_t)(h ^ (h >> 32));
}

/* The index slot holding name (whose name_hash() is h), or the empty slot
 * it would take. Names are compared only when their hashes agree. */
static unsigned find_slot(const struct vg_event *ev, const char *name, uint32_t h)
{
	unsigned mask = ev->dyn_nslots - 1, j = h & mask;
	for (;; j = (j + 1) & mask) {
		unsigned k = ev->dyn_slots[j];
		if (!k || (ev->dyn_hash[k - 1] == h && strcasecmp(ev->dyn[k - 1].name, name) == 0))
			return j;
	}
}

/* Doubles the field arrays and rebuilds the name index (all in the arena).
 * The first size is 64: JSON events carry dozens of fields, and each
 * doubling rehashes them all. */
static int grow_fields(struct vg_event *ev)
{
	unsigned ncap = ev->dyn_cap ? ev->dyn_cap * 2 : 64, nslots = 2 * ncap;
	struct vg_field *n = vg_arena_alloc(ev->arena, ncap * sizeof(*n));
	uint32_t *hashes = vg_arena_alloc(ev->arena, ncap * sizeof(*hashes));
	uint16_t *slots = vg_arena_calloc(ev->arena, nslots, sizeof(*slots));
	if (!n || !hashes || !slots)
		return VG_ENOMEM;
	if (ev->ndyn) {
		memcpy(n, ev->dyn, ev->ndyn * sizeof(*n));
		memcpy(hashes, ev->dyn_hash, ev->ndyn * sizeof(*hashes));
	}
	ev->dyn = n;
	ev->dyn_hash = hashes;
	ev->dyn_cap = ncap;
	ev->dyn_slots = slots;
	ev->dyn_nslots = nslots;
	for (unsigned i = 0; i < ev->ndyn; i++)
		slots[find_slot(ev, n[i].name, hashes[i])] = (uint16_t)(i + 1);
	return VG_OK;
}

int vg_event_set(struct vg_event *ev, const char *name, const char *value)
{
	uint32_t h = name_hash(name);
	unsigned j = 0;
	if (ev->dyn_nslots) {
		j = find_slot(ev, name, h);
		if (ev->dyn_slots[j]) {
			ev->dyn[ev->dyn_slots[j] - 1].value = value;
			return VG_OK;
		}
	}
	if (ev->ndyn >= VG_EVENT_MAX_DYNAMIC)
		return VG_ELIMIT;
	if (ev->ndyn == ev->dyn_cap) {
		if (grow_fields(ev) != VG_OK)
			return VG_ENOMEM;
		j = find_slot(ev, name, h); /* the index was rebuilt */
	}
	ev->dyn[ev->ndyn].name = name;
	ev->dyn[ev->ndyn].value = value;
	ev->dyn_hash[ev->ndyn] = h;
	ev->ndyn++;
	ev->dyn_slots[j] = (uint16_t)ev->ndyn;
	return VG_OK;
}

const char *vg_event_get(const struct vg_event *ev, const char *name)
{
	if (!ev->dyn_nslots)
		return NULL;
	unsigned j = find_slot(ev, name, name_hash(name));
	return ev->dyn_slots[j] ? ev->dyn[ev->dyn_slots[j] - 1].value : NULL;
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
