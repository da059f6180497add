/*
 * attack_table.h - layout of the generated ATT&CK arrays (private to the
 * alert module). scripts/gen_attack.py writes attack_table.c into the build
 * tree from share/attack/attack.tsv; attack.c searches it. Both arrays are
 * sorted by id (byte order) and never modified.
 */
#ifndef VIGIL_ALERT_ATTACK_TABLE_H
#define VIGIL_ALERT_ATTACK_TABLE_H

#include <stddef.h>

#include "vigil/attack.h"

struct vg_attack_row {
	const char *id;
	const char *name;
	unsigned char tactic[VG_ATTACK_MAX_TACTICS]; /* indexes into vg_attack_tactics */
	unsigned char ntactics;
	unsigned char status; /* enum vg_attack_status */
	int revoked_by;       /* row index of the replacement, -1 when none */
};

extern const struct vg_attack_tactic vg_attack_tactics[];
extern const size_t vg_attack_ntactics;
extern const struct vg_attack_row vg_attack_rows[];
extern const size_t vg_attack_nrows;

#endif
