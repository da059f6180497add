/*
 * sca_store.c - the SCA results kept across restarts, in SQLite
 * (<data_dir>/sca.db): the last result of every check and the last scan's
 * id and results hash of every policy. They decide which checks changed
 * and whether a scan is the first one.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sca/sca_internal.h"

struct sca_store {
	sqlite3 *db;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS sca_check (policy TEXT NOT NULL, id INTEGER NOT NULL,"
    " result TEXT NOT NULL, PRIMARY KEY (policy, id));"
    "CREATE TABLE IF NOT EXISTS sca_scan (policy TEXT PRIMARY KEY, scan_id INTEGER NOT NULL,"
    " hash TEXT NOT NULL);";

int sca_store_open(const char *path, struct sca_store **out)
{
	*out = NULL;
	struct sca_store *st = calloc(1, sizeof(*st));
	if (!st)
		return VG_ENOMEM;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	        SQLITE_OK ||
	    sqlite3_exec(st->db, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		sca_store_close(st);
		return VG_EIO;
	}
	sqlite3_busy_timeout(st->db, 5000);
	*out = st;
	return VG_OK;
}

void sca_store_close(struct sca_store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st);
}

static int exec_simple(struct sca_store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? VG_OK : VG_EIO;
}

int sca_store_begin(struct sca_store *st)
{
	return exec_simple(st, "BEGIN");
}

int sca_store_commit(struct sca_store *st)
{
	return exec_simple(st, "COMMIT");
}

/* The text of the first column of the row sql selects for policy (and id,
 * when has_id) into buf; *found says whether there was one. */
static int get_text(struct sca_store *st, const char *sql, const char *policy, bool has_id, long id,
                    char *buf, size_t len, bool *found)
{
	sqlite3_stmt *s;
	*found = false;
	buf[0] = '\0';
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return VG_EIO;
	sqlite3_bind_text(s, 1, policy, -1, SQLITE_STATIC);
	if (has_id)
		sqlite3_bind_int64(s, 2, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		snprintf(buf, len, "%s", t ? (const char *)t : "");
		*found = true;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK : VG_EIO;
}

/* Runs sql with (policy, num, text) bound to ?1, ?2, ?3. */
static int put(struct sca_store *st, const char *sql, const char *policy, long num,
               const char *text)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return VG_EIO;
	sqlite3_bind_text(s, 1, policy, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, num);
	sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? VG_OK : VG_EIO;
}

int sca_store_get_result(struct sca_store *st, const char *policy, long id, char *buf, size_t len,
                         bool *found)
{
	return get_text(st, "SELECT result FROM sca_check WHERE policy=?1 AND id=?2", policy, true,
	                id, buf, len, found);
}

int sca_store_put_result(struct sca_store *st, const char *policy, long id, const char *result)
{
	return put(st, "INSERT OR REPLACE INTO sca_check (policy, id, result) VALUES (?1, ?2, ?3)",
	           policy, id, result);
}

int sca_store_get_scan(struct sca_store *st, const char *policy, char hash[65], bool *found)
{
	return get_text(st, "SELECT hash FROM sca_scan WHERE policy=?1", policy, false, 0, hash, 65,
	                found);
}

int sca_store_put_scan(struct sca_store *st, const char *policy, long scan_id, const char *hash)
{
	return put(st,
	           "INSERT OR REPLACE INTO sca_scan (policy, scan_id, hash) VALUES (?1, ?2, ?3)",
	           policy, scan_id, hash);
}
