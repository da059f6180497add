/*
 * cdb.h - Wazuh CDB lists: key/value lookup tables used by rule <list>.
 *
 * A list is read from its text source, one "key:value" per line (the value
 * may be empty; a key holding ':' is written in double quotes), and compiled
 * into an immutable hash table at load. Rules query it with one of Wazuh's
 * lookup kinds: match_key, not_match_key, match_key_value (an OS_Match or
 * typed pattern on the value), and the address_* variants, which try the
 * exact IP and then its shorter "a.b.c." / "a.b." / "a." prefixes. A loaded
 * list is read-only and may be shared between threads.
 */
#ifndef VIGIL_CDB_H
#define VIGIL_CDB_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/error.h"
#include "vigil/pattern.h"

struct vg_cdb;

enum vg_cdb_lookup {
	VG_CDB_MATCH_KEY,               /* key present (the default) */
	VG_CDB_NOT_MATCH_KEY,           /* key absent */
	VG_CDB_MATCH_KEY_VALUE,         /* key present and its value matches check_value */
	VG_CDB_ADDRESS_MATCH_KEY,       /* IP or one of its network prefixes present */
	VG_CDB_NOT_ADDRESS_MATCH_KEY,   /* neither the IP nor any prefix present */
	VG_CDB_ADDRESS_MATCH_KEY_VALUE, /* IP/prefix present and its value matches */
};

/* Maps a lookup= attribute ("match_key" ...) to its kind; -1 when unknown. */
int vg_cdb_lookup_kind(const char *name);

/*
 * Reads the text list at path. On success *out owns the list (free with
 * vg_cdb_destroy()). Malformed lines (no ':') are skipped with a warning in
 * diag (which may be NULL). Returns VG_EIO/VG_ENOENT when the file cannot be
 * read, VG_ENOMEM on allocation failure; *out is NULL on failure.
 */
int vg_cdb_load(const char *path, struct vg_cdb **out, struct vg_diag *diag);
/* Same from a buffer; name is used in messages. */
int vg_cdb_load_buffer(const char *buf, size_t len, const char *name, struct vg_cdb **out,
                       struct vg_diag *diag);
void vg_cdb_destroy(struct vg_cdb *db);

/* Number of distinct keys. */
size_t vg_cdb_count(const struct vg_cdb *db);
/* The value stored for key ("" when the line had none), NULL when absent.
 * The list keeps ownership. Exact, case-sensitive comparison (as CDB). */
const char *vg_cdb_get(const struct vg_cdb *db, const char *key);
/* Like vg_cdb_get() for an address: the exact key first, then the prefixes
 * "a.b.c.", "a.b.", "a." of a dotted address. NULL when none is present. */
const char *vg_cdb_get_address(const struct vg_cdb *db, const char *addr);

/*
 * Runs one lookup of kind how for key. value_pat is the compiled check_value
 * of the *_value kinds (NULL = any value matches). scratch is needed only when
 * value_pat is PCRE2. Returns true when the rule condition holds.
 */
bool vg_cdb_check(const struct vg_cdb *db, enum vg_cdb_lookup how, const char *key,
                  const struct vg_pattern *value_pat, struct vg_pattern_scratch *scratch);

#endif
