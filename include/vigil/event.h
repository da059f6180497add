/*
 * event.h - one log event as it flows through the analysis engine.
 *
 * An event holds the raw line, what the pre-decoder read from its syslog
 * header, the fixed Wazuh fields a decoder fills (srcip ... dstuser) and any
 * number of dynamic fields. Every string an event owns is allocated from its
 * arena: vg_event_reset() releases all of them at once.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vigil/arena.h"

/* The fixed fields of Wazuh's event, in the order of the decoder <order> names. */
enum vg_fixed {
	VG_F_SRCIP,
	VG_F_DSTIP,
	VG_F_SRCPORT,
	VG_F_DSTPORT,
	VG_F_PROTOCOL,
	VG_F_ACTION,
	VG_F_ID,
	VG_F_URL,
	VG_F_DATA,
	VG_F_EXTRA_DATA,
	VG_F_STATUS,
	VG_F_SYSTEM_NAME,
	VG_F_SRCUSER,
	VG_F_DSTUSER,
	VG_F_COUNT
};

/* Name of a fixed field ("srcip" ...). */
const char *vg_fixed_name(enum vg_fixed f);
/* Maps an <order> name to a fixed field; "user" maps to dstuser.
 * Returns -1 when name is a dynamic field. Case-sensitive, as Wazuh. */
int vg_fixed_lookup(const char *name);

/* A dynamic field; name and value live in the event's arena (or are static). */
struct vg_field {
	const char *name;
	const char *value;
};

#define VG_EVENT_MAX_DYNAMIC 256

struct vg_event {
	struct vg_arena *arena;

	/* Input as received: "<queue>:<location>:<log>" is split by the caller. */
	const char *full_log; /* the whole log text (after location) */
	const char *location; /* e.g. "stdin", "/var/log/auth.log", "(host) 1.2.3.4->file" */
	const char *agent_id; /* "000" for the local host */
	const char *agent_name;
	const char *agent_ip; /* NULL for the local host */

	/* Pre-decoder (syslog header); NULL when absent. */
	const char *log; /* text after the header: what decoders and rules see */
	const char *timestamp;
	const char *hostname;
	const char *program_name;

	/* Decoder results. */
	const char *decoder_name;   /* reported name (parent's unless use_own_name) */
	const char *decoder_parent; /* top-level decoder name, NULL when none matched */
	int decoder_type;           /* enum vg_decoder_type of the matched decoder; 0 = syslog */
	const void *decoder;        /* the matched decoder (opaque to non-engine code) */
	const char *fixed[VG_F_COUNT];
	struct vg_field *dyn;
	unsigned ndyn, dyn_cap;
	uint16_t *dyn_slots; /* name index: 1 + position in dyn, 0 empty */
	unsigned dyn_nslots;
	uint32_t *dyn_hash; /* name hash of each dyn field (event.c) */

	/* Time the event arrived (used by correlation and alert timestamps). */
	struct timespec arrival;
};

/* Initialises ev with its own arena. Returns VG_ENOMEM on failure. */
int vg_event_init(struct vg_event *ev);
/* Clears every field and resets the arena. */
void vg_event_reset(struct vg_event *ev);
/* Frees the arena. NULL-safe. */
void vg_event_destroy(struct vg_event *ev);

/*
 * Adds a dynamic field (name and value must outlive the event: arena or
 * static). When the name already exists the value is replaced. Fails with
 * VG_ELIMIT past VG_EVENT_MAX_DYNAMIC fields.
 */
int vg_event_set(struct vg_event *ev, const char *name, const char *value);
/* Finds a dynamic field, name compared case-insensitively. NULL when absent. */
const char *vg_event_get(const struct vg_event *ev, const char *name);
/* Finds any field by name: fixed names first ("user" = dstuser, else srcuser,
 * as rules see it), then dynamic fields. NULL when absent. */
const char *vg_event_field(const struct vg_event *ev, const char *name);

#endif
