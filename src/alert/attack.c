/*
 * attack.c - lookups in the generated ATT&CK table: binary search by
 * technique id, revoked_by chains followed to the current technique, tactic
 * search by id, shortname or display name.
 */
#include "vigil/attack.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alert/attack_table.h"
#include "vigil/error.h"

/* Revocation chains in the data are at most 2 links; this bounds a bad table. */
#define ATTACK_MAX_HOPS 8

static int row_cmp(const void *key, const void *elem)
{
	const struct vg_attack_row *r = elem;
	return strcasecmp(key, r->id);
}

static void fill(const struct vg_attack_row *r, unsigned hops, struct vg_attack_technique *out)
{
	memset(out, 0, sizeof(*out));
	out->id = r->id;
	out->name = r->name;
	out->status = (enum vg_attack_status)r->status;
	out->hops = hops;
	for (unsigned i = 0; i < r->ntactics && i < VG_ATTACK_MAX_TACTICS; i++)
		if (r->tactic[i] < vg_attack_ntactics)
			out->tactics[out->ntactics++] = &vg_attack_tactics[r->tactic[i]];
}

int vg_attack_lookup(const char *id, struct vg_attack_technique *out)
{
	if (!id || !out)
		return VG_EINVAL;
	const struct vg_attack_row *r =
	    bsearch(id, vg_attack_rows, vg_attack_nrows, sizeof(vg_attack_rows[0]), row_cmp);
	if (!r)
		return VG_ENOENT;
	unsigned hops = 0;
	while (r->revoked_by >= 0 && (size_t)r->revoked_by < vg_attack_nrows &&
	       hops < ATTACK_MAX_HOPS) {
		r = &vg_attack_rows[r->revoked_by];
		hops++;
	}
	fill(r, hops, out);
	return VG_OK;
}

const struct vg_attack_tactic *vg_attack_tactic_by_id(const char *id)
{
	if (!id)
		return NULL;
	size_t lo = 0, hi = vg_attack_ntactics;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcasecmp(id, vg_attack_tactics[mid].id);
		if (c == 0)
			return &vg_attack_tactics[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct vg_attack_tactic *vg_attack_tactic_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < vg_attack_ntactics; i++)
		if (strcasecmp(name, vg_attack_tactics[i].shortname) == 0 ||
		    strcasecmp(name, vg_attack_tactics[i].name) == 0)
			return &vg_attack_tactics[i];
	return NULL;
}

size_t vg_attack_count(void)
{
	return vg_attack_nrows;
}

int vg_attack_at(size_t i, struct vg_attack_technique *out)
{
	if (!out)
		return VG_EINVAL;
	if (i >= vg_attack_nrows)
		return VG_ENOENT;
	fill(&vg_attack_rows[i], 0, out);
	return VG_OK;
}
