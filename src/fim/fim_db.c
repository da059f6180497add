/*
 * fim_db.c - the baseline on disk: <data_dir>/fim.db, SQLite in WAL mode.
 * One row per file (the stat fields, hashes and xattrs) and one per watched
 * path already baselined. The whole table is loaded into the in-memory
 * baseline at open; changes are written through prepared statements, a
 * scan's worth in one transaction.
 */
#include "fim/fim_internal.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"

static const char SCHEMA[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS file(path TEXT PRIMARY KEY, size INTEGER, ino INTEGER,"
    " dev INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, mode INTEGER, uid INTEGER,"
    " gid INTEGER, hashed INTEGER, md5 BLOB, sha1 BLOB, sha256 BLOB, xattr TEXT)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS root(path TEXT PRIMARY KEY);";

static void blob(sqlite3_stmt *st, int col, uint8_t *out, size_t n)
{
	if ((size_t)sqlite3_column_bytes(st, col) == n)
		memcpy(out, sqlite3_column_blob(st, col), n);
}

static int load_files(struct vg_fim *f)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(f->db,
	                       "SELECT path,size,ino,dev,mtime_ns,ctime_ns,mode,uid,gid,"
	                       "hashed,md5,sha1,sha256,xattr FROM file",
	                       -1, &st, NULL) != SQLITE_OK)
		return VG_EIO;
	int rc = VG_OK;
	while (rc == VG_OK && sqlite3_step(st) == SQLITE_ROW) {
		struct fim_attrs a = { 0 };
		const char *path = (const char *)sqlite3_column_text(st, 0);
		a.size = (uint64_t)sqlite3_column_int64(st, 1);
		a.ino = (uint64_t)sqlite3_column_int64(st, 2);
		a.dev = (uint64_t)sqlite3_column_int64(st, 3);
		a.mtime_ns = sqlite3_column_int64(st, 4);
		a.ctime_ns = sqlite3_column_int64(st, 5);
		a.mode = (uint32_t)sqlite3_column_int64(st, 6);
		a.uid = (uint32_t)sqlite3_column_int64(st, 7);
		a.gid = (uint32_t)sqlite3_column_int64(st, 8);
		a.hashed = (unsigned)sqlite3_column_int(st, 9);
		blob(st, 10, a.md5, sizeof(a.md5));
		blob(st, 11, a.sha1, sizeof(a.sha1));
		blob(st, 12, a.sha256, sizeof(a.sha256));
		const char *x = (const char *)sqlite3_column_text(st, 13);
		if (x && *x && !(a.xattr = strdup(x)))
			rc = VG_ENOMEM;
		if (!path || rc != VG_OK) {
			fim_attrs_clear(&a);
			continue;
		}
		if (!fim_table_put(&f->tab, path, strlen(path), &a)) {
			fim_attrs_clear(&a);
			rc = VG_ENOMEM;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static void load_roots(struct vg_fim *f)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(f->db, "SELECT path FROM root", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		for (size_t i = 0; p && i < f->nroots; i++)
			if (strcmp(f->roots[i].path, p) == 0)
				f->roots[i].baselined = true;
	}
	sqlite3_finalize(st);
}

int fim_db_open(struct vg_fim *f, struct vg_diag *d)
{
	struct vg_buf path;
	vg_buf_init(&path, 0);
	if (vg_buf_printf(&path, "%s/fim.db", f->data_dir) != VG_OK)
		return VG_ENOMEM;
	int rc =
	    sqlite3_open_v2(vg_buf_str(&path), &f->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK || sqlite3_exec(f->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(f->db,
	                       "INSERT OR REPLACE INTO file VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	                       -1, &f->st_put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(f->db, "DELETE FROM file WHERE path=?", -1, &f->st_del, NULL) !=
	        SQLITE_OK ||
	    sqlite3_prepare_v2(f->db, "INSERT OR IGNORE INTO root VALUES(?)", -1, &f->st_root,
	                       NULL) != SQLITE_OK) {
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "fim: cannot open %s: %s",
		            vg_buf_str(&path), f->db ? sqlite3_errmsg(f->db) : "out of memory");
		vg_buf_free(&path);
		return VG_EIO;
	}
	vg_buf_free(&path);
	sqlite3_busy_timeout(f->db, 5000);
	rc = load_files(f);
	if (rc == VG_OK)
		load_roots(f);
	return rc;
}

void fim_db_close(struct vg_fim *f)
{
	if (f->in_txn) /* events of it were never taken: find the changes again */
		fim_db_rollback(f);
	sqlite3_finalize(f->st_put);
	sqlite3_finalize(f->st_del);
	sqlite3_finalize(f->st_root);
	sqlite3_close(f->db);
	f->db = NULL;
}

void fim_db_begin(struct vg_fim *f)
{
	if (!f->in_txn && sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK)
		f->in_txn = true;
}

void fim_db_commit(struct vg_fim *f)
{
	if (f->in_txn && sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		f->in_txn = false;
}

void fim_db_rollback(struct vg_fim *f)
{
	if (f->in_txn) {
		sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
		f->in_txn = false;
	}
}

void fim_db_finish(struct vg_fim *f)
{
	pthread_mutex_lock(&f->qlock);
	while (f->qlen > 0 && !__atomic_load_n(&f->stop, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&f->sync_waiters, __ATOMIC_RELAXED))
		pthread_cond_wait(&f->qspace, &f->qlock);
	bool undelivered = f->qlen > 0 && !__atomic_load_n(&f->sync_waiters, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&f->qlock);
	if (undelivered)
		fim_db_rollback(f);
	else
		fim_db_commit(f);
}

int fim_sql_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? VG_OK : VG_EIO;
}

int fim_db_put(struct vg_fim *f, const struct fim_entry *e)
{
	sqlite3_stmt *st = f->st_put;
	const struct fim_attrs *a = &e->a;
	sqlite3_bind_text(st, 1, e->path, (int)e->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)a->size);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)a->ino);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)a->dev);
	sqlite3_bind_int64(st, 5, a->mtime_ns);
	sqlite3_bind_int64(st, 6, a->ctime_ns);
	sqlite3_bind_int64(st, 7, a->mode);
	sqlite3_bind_int64(st, 8, a->uid);
	sqlite3_bind_int64(st, 9, a->gid);
	sqlite3_bind_int(st, 10, (int)a->hashed);
	if (a->hashed & FIM_H_MD5)
		sqlite3_bind_blob(st, 11, a->md5, sizeof(a->md5), SQLITE_STATIC);
	if (a->hashed & FIM_H_SHA1)
		sqlite3_bind_blob(st, 12, a->sha1, sizeof(a->sha1), SQLITE_STATIC);
	if (a->hashed & FIM_H_SHA256)
		sqlite3_bind_blob(st, 13, a->sha256, sizeof(a->sha256), SQLITE_STATIC);
	if (a->xattr)
		sqlite3_bind_text(st, 14, a->xattr, -1, SQLITE_STATIC);
	return fim_sql_step(st);
}

int fim_db_del(struct vg_fim *f, const char *path)
{
	sqlite3_bind_text(f->st_del, 1, path, -1, SQLITE_STATIC);
	return fim_sql_step(f->st_del);
}

int fim_db_mark_root(struct vg_fim *f, const char *path)
{
	sqlite3_bind_text(f->st_root, 1, path, -1, SQLITE_STATIC);
	return fim_sql_step(f->st_root);
}
