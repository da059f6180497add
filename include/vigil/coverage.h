/*
 * coverage.h - which ATT&CK techniques the rules of a ruleset detect, and the
 * same as an ATT&CK Navigator layer (JSON) for people to look at.
 *
 * A technique counts as covered when at least one rule at or above a level
 * (default 1: rules that alert) names it in its MITRE ids; ids that MITRE
 * revoked are followed to the technique that replaced them.
 */
#ifndef VIGIL_COVERAGE_H
#define VIGIL_COVERAGE_H

#include <stddef.h>

#include "vigil/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vg_ruleset;

#define VG_COVERAGE_RULES_KEPT 16 /* rule ids listed per technique */

struct vg_coverage_technique {
	const char *id;         /* "T1053.005" (static) */
	const char *name;       /* "Scheduled Task" (static) */
	const char *tactics[8]; /* tactic names, MITRE's order (static) */
	unsigned ntactics;
	unsigned nrules;                        /* rules naming it */
	int max_level;                          /* highest level among them */
	unsigned rules[VG_COVERAGE_RULES_KEPT]; /* the first rule ids, ascending */
};

struct vg_coverage {
	struct vg_coverage_technique *v; /* by technique id */
	size_t n;
	size_t rules, rules_with_mitre; /* rules considered, and those naming a technique */
	size_t unknown_ids;             /* MITRE ids in rules that ATT&CK does not know */
	size_t attack_active;           /* techniques ATT&CK lists as active (the denominator) */
};

/* Fills *out (owned by the caller: vg_coverage_free). VG_ENOMEM. */
int vg_coverage_compute(const struct vg_ruleset *rs, int min_level, struct vg_coverage *out);
void vg_coverage_free(struct vg_coverage *c);
/* Appends an ATT&CK Navigator layer (format 4.5, domain enterprise-attack):
 * one entry per covered technique, score = number of rules, comment = the
 * rule ids. VG_ENOMEM. */
int vg_coverage_layer_json(const struct vg_coverage *c, const char *name, struct vg_buf *out);

#ifdef __cplusplus
}
#endif
#endif
