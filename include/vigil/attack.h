/*
 * attack.h - read-only MITRE ATT&CK Enterprise table: technique id to name
 * and tactics.
 *
 * The table is generated at build time from share/attack/attack.tsv (itself
 * made by scripts/gen_attack.py from MITRE's data, licence text included).
 * Lookups are binary searches over sorted constant arrays; nothing is
 * allocated and every returned pointer is static. Old ids that MITRE revoked
 * are followed through their revoked_by chain to the current technique, so a
 * rule tagged with a pre-v19 id still resolves.
 */
#ifndef VIGIL_ATTACK_H
#define VIGIL_ATTACK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vg_attack_status {
	VG_ATTACK_ACTIVE = 0,
	VG_ATTACK_REVOKED = 1,
	VG_ATTACK_DEPRECATED = 2,
};

struct vg_attack_tactic {
	const char *id;        /* "TA0002" */
	const char *shortname; /* "execution" */
	const char *name;      /* "Execution" (what Wazuh alerts show) */
	int matrix_order;      /* 1-based column in the Enterprise matrix */
};

#define VG_ATTACK_MAX_TACTICS 8

/* A resolved technique; every pointer is static. */
struct vg_attack_technique {
	const char *id;   /* the id found after following revoked_by */
	const char *name; /* e.g. "Scheduled Task" (a sub-technique's own name) */
	const struct vg_attack_tactic *tactics[VG_ATTACK_MAX_TACTICS]; /* MITRE's order */
	unsigned ntactics;
	enum vg_attack_status status; /* of the resolved row (deprecated ones stay) */
	unsigned hops;                /* revoked_by links followed (0 = id was current) */
};

/*
 * Looks up a technique id ("T1053.005", case-insensitive 't'), following
 * revoked_by to the current technique. Fills *out and returns 0, or returns
 * VG_ENOENT when the id is unknown (*out untouched), VG_EINVAL on NULL.
 */
int vg_attack_lookup(const char *id, struct vg_attack_technique *out);

/* The tactic with this id ("TA0005"), NULL when none. */
const struct vg_attack_tactic *vg_attack_tactic_by_id(const char *id);
/* The tactic with this shortname ("privilege-escalation") or display name
 * ("Privilege Escalation"), compared case-insensitively. NULL when none. */
const struct vg_attack_tactic *vg_attack_tactic_by_name(const char *name);

/* Number of technique rows (revoked and deprecated included), for listings. */
size_t vg_attack_count(void);
/* The i-th technique row in id order, without following revoked_by; returns
 * VG_ENOENT when i is out of range. */
int vg_attack_at(size_t i, struct vg_attack_technique *out);

#ifdef __cplusplus
}
#endif
#endif
