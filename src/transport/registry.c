/*
 * registry.c - opening the registry database (registry.h): WAL mode, a
 * busy timeout so the manager and the CLI can share it, and the schema,
 * created or upgraded according to PRAGMA user_version. Also the small
 * helpers the token and agent files share.
 */
#include "vigil/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/registry_internal.h"

#define SCHEMA_VERSION 1
#define BUSY_MS        5000

/* Version 1: tokens and agents. Agent numbers come from AUTOINCREMENT, so
 * they are never reused, even after a remove. */
static const char SCHEMA_V1[] = "CREATE TABLE tokens("
                                " id TEXT PRIMARY KEY,"
                                " secret_sha256 BLOB NOT NULL,"
                                " created INTEGER NOT NULL,"
                                " expires INTEGER NOT NULL,"
                                " uses_left INTEGER NOT NULL," /* -1 = unlimited */
                                " groups TEXT NOT NULL DEFAULT '',"
                                " revoked INTEGER NOT NULL DEFAULT 0);"
                                "CREATE TABLE agents("
                                " num INTEGER PRIMARY KEY AUTOINCREMENT,"
                                " name TEXT NOT NULL,"
                                " ip TEXT NOT NULL DEFAULT '',"
                                " groups TEXT NOT NULL DEFAULT '',"
                                " cert_serial TEXT NOT NULL DEFAULT '',"
                                " version TEXT NOT NULL DEFAULT '',"
                                " revoked INTEGER NOT NULL DEFAULT 0,"
                                " connected INTEGER NOT NULL DEFAULT 0,"
                                " registered INTEGER NOT NULL,"
                                " last_seen INTEGER NOT NULL DEFAULT 0,"
                                " events INTEGER NOT NULL DEFAULT 0,"
                                " eps REAL NOT NULL DEFAULT 0,"
                                " token_id TEXT NOT NULL DEFAULT '');"
                                "CREATE INDEX agents_by_name ON agents(name);"
                                "PRAGMA user_version = 1;";

int vg_registry_sqlite_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW: return VG_OK;
	case SQLITE_NOMEM: return VG_ENOMEM;
	case SQLITE_CONSTRAINT: return VG_EEXIST;
	case SQLITE_TOOBIG: return VG_ELIMIT;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT: return VG_EPARSE;
	default: return VG_EIO;
	}
}

int vg_registry_run(struct vg_registry *r, const char *sql, const char *text, long long num)
{
	sqlite3_stmt *st;
	int rc = vg_registry_prepare(r, sql, &st);
	if (rc != VG_OK)
		return rc;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, num);
	rc = vg_registry_sqlite_rc(sqlite3_step(st));
	sqlite3_finalize(st);
	return rc;
}

int vg_registry_change(struct vg_registry *r, const char *sql, const char *text, long long num)
{
	int rc = vg_registry_run(r, sql, text, num);
	return rc == VG_OK && sqlite3_changes(r->db) == 0 ? VG_ENOENT : rc;
}

int vg_registry_exec(struct vg_registry *r, const char *sql)
{
	return vg_registry_sqlite_rc(sqlite3_exec(r->db, sql, NULL, NULL, NULL));
}

int vg_registry_prepare(struct vg_registry *r, const char *sql, sqlite3_stmt **st)
{
	return vg_registry_sqlite_rc(sqlite3_prepare_v2(r->db, sql, -1, st, NULL));
}

long long vg_registry_parse_id(const char *id)
{
	if (!id || !*id || strlen(id) > 15)
		return -1;
	for (const char *p = id; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	char *end;
	errno = 0;
	long long n = strtoll(id, &end, 10);
	return errno || *end || n <= 0 ? -1 : n;
}

void vg_registry_format_id(long long num, char id[16])
{
	snprintf(id, 16, "%03lld", num);
}

void vg_registry_col_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	snprintf(out, cap, "%s", s ? (const char *)s : "");
}

int vg_registry_groups_valid(const char *groups)
{
	if (!groups)
		return 1;
	size_t n = strlen(groups);
	if (n >= 256)
		return 0;
	int item = 0; /* characters in the current name */
	for (const char *p = groups; *p; p++) {
		char c = *p;
		if (c == ',') {
			if (item == 0)
				return 0;
			item = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.') {
			item++;
		} else {
			return 0;
		}
	}
	return n == 0 || item > 0;
}

static int migrate(struct vg_registry *r, struct vg_diag *d, const char *path)
{
	sqlite3_stmt *st;
	int rc = vg_registry_prepare(r, "PRAGMA user_version", &st);
	if (rc != VG_OK)
		return rc;
	int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (version < 0)
		return VG_EIO;
	if (version > SCHEMA_VERSION) {
		vg_diag_add(d, VG_DIAG_ERROR, path, 0, 0,
		            "registry schema %d is newer than this Vigil's (%d)", version,
		            SCHEMA_VERSION);
		return VG_EUNSUP;
	}
	if (version == SCHEMA_VERSION)
		return VG_OK;
	/* Upgrades go here, one step per version, each in the same transaction. */
	rc = vg_registry_exec(r, "BEGIN IMMEDIATE");
	if (rc == VG_OK)
		rc = vg_registry_exec(r, SCHEMA_V1);
	if (rc == VG_OK)
		rc = vg_registry_exec(r, "COMMIT");
	if (rc != VG_OK) {
		vg_diag_add(d, VG_DIAG_ERROR, path, 0, 0, "cannot create the schema: %s",
		            sqlite3_errmsg(r->db));
		vg_registry_exec(r, "ROLLBACK");
	}
	return rc;
}

int vg_registry_open(const char *path, struct vg_registry **out, struct vg_diag *d)
{
	*out = NULL;
	if (!path)
		return VG_EINVAL;
	/* Create the file ourselves so it is 0600 (it holds token hashes). Only
	 * when it does not exist: closing a descriptor of a file drops every
	 * POSIX lock this process holds on it, including those of another
	 * thread's open SQLite connection (which would let another process
	 * take the database for unused and remove its WAL). */
	struct stat st;
	if (stat(path, &st) != 0) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			vg_diag_add(d, VG_DIAG_ERROR, path, 0, 0, "cannot open: %s",
			            strerror(errno));
			return VG_EIO;
		}
		if (fd >= 0)
			close(fd);
	}
	struct vg_registry *r = calloc(1, sizeof(*r));
	if (!r)
		return VG_ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	int rc = vg_registry_sqlite_rc(
	    sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL));
	if (rc == VG_OK) {
		sqlite3_busy_timeout(r->db, BUSY_MS);
		rc = vg_registry_exec(r, "PRAGMA journal_mode=WAL");
	}
	if (rc == VG_OK)
		rc = vg_registry_exec(r, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
	if (rc == VG_OK)
		rc = migrate(r, d, path);
	else
		vg_diag_add(d, VG_DIAG_ERROR, path, 0, 0, "cannot open the registry: %s",
		            r->db ? sqlite3_errmsg(r->db) : "out of memory");
	if (rc != VG_OK) {
		vg_registry_close(r);
		return rc;
	}
	*out = r;
	return VG_OK;
}

void vg_registry_close(struct vg_registry *r)
{
	if (!r)
		return;
	sqlite3_close(r->db);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
