/*
 * registry_internal.h - what the registry's files share: the handle, its
 * lock, statement helpers and the agent id format.
 */
#ifndef VIGIL_REGISTRY_INTERNAL_H
#define VIGIL_REGISTRY_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "vigil/registry.h"

struct vg_registry {
	sqlite3 *db;
	pthread_mutex_t lock; /* serialises every call: one connection, many threads */
};

/* Maps an SQLite result code to a VG_E* code (SQLITE_OK/DONE/ROW -> 0). */
int vg_registry_sqlite_rc(int rc);
/* Runs SQL without results. */
int vg_registry_exec(struct vg_registry *r, const char *sql);
/* Prepares sql; VG_ENOMEM/VG_EIO on failure (*st NULL). */
int vg_registry_prepare(struct vg_registry *r, const char *sql, sqlite3_stmt **st);
/* Runs one statement with ?1 = text (unbound when NULL) and ?2 = num (when
 * the statement has a ?2); the caller holds r->lock. vg_registry_change()
 * also returns VG_ENOENT when no row changed. */
int vg_registry_run(struct vg_registry *r, const char *sql, const char *text, long long num);
int vg_registry_change(struct vg_registry *r, const char *sql, const char *text, long long num);
/* Parses an agent id ("001", "7"): its number, or -1 when malformed. */
long long vg_registry_parse_id(const char *id);
/* Formats an agent number as its id ("%03lld"). */
void vg_registry_format_id(long long num, char id[16]);
/* Copies a text column into a fixed buffer (truncating). */
void vg_registry_col_text(sqlite3_stmt *st, int col, char *out, size_t cap);
/* Checks a comma list of group names ([A-Za-z0-9_.-]+, total < 256). */
int vg_registry_groups_valid(const char *groups);

#endif
