/*
 * fim_store.c - the manager's record of FIM changes: every decoded
 * syscheck event of every agent (one SQLite row: agent, time, path, change
 * and a JSON document of its syscheck fields) and the latest state of each
 * agent's files, so that "what changed on agent X since T" is one query.
 */
#include "vigil/fim.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "fim/fim_internal.h"
#include "vigil/buf.h"
#include "vigil/error.h"

struct vg_fim_store {
	sqlite3 *db;
	sqlite3_stmt *ins, *state;
	bool in_txn; /* changes added since the last vg_fim_store_sync() */
};

static const char STORE_SCHEMA[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS change(id INTEGER PRIMARY KEY, agent TEXT, time INTEGER,"
    " path TEXT, event TEXT, doc TEXT);"
    "CREATE INDEX IF NOT EXISTS change_time ON change(time);"
    "CREATE INDEX IF NOT EXISTS change_agent ON change(agent, time);"
    "CREATE TABLE IF NOT EXISTS state(agent TEXT, path TEXT, event TEXT, time INTEGER,"
    " sha256 TEXT, PRIMARY KEY(agent, path));";

int vg_fim_store_open(const char *path, struct vg_fim_store **out, struct vg_diag *d)
{
	*out = NULL;
	struct vg_fim_store *s = calloc(1, sizeof(*s));
	if (!s)
		return VG_ENOMEM;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	        SQLITE_OK ||
	    sqlite3_exec(s->db, STORE_SCHEMA, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
	                       "INSERT INTO change(agent,time,path,event,doc) "
	                       "VALUES(?,?,?,?,?)",
	                       -1, &s->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO state VALUES(?,?,?,?,?)", -1,
	                       &s->state, NULL) != SQLITE_OK) {
		vg_diag_add(d, VG_DIAG_ERROR, path, 0, 0, "fim store: %s",
		            s->db ? sqlite3_errmsg(s->db) : "out of memory");
		vg_fim_store_close(s);
		return VG_EIO;
	}
	sqlite3_busy_timeout(s->db, 5000);
	*out = s;
	return VG_OK;
}

int vg_fim_store_sync(struct vg_fim_store *s)
{
	if (!s || !s->in_txn)
		return VG_OK;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return VG_EIO;
	s->in_txn = false;
	return VG_OK;
}

void vg_fim_store_close(struct vg_fim_store *s)
{
	if (!s)
		return;
	vg_fim_store_sync(s);
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->state);
	sqlite3_close(s->db);
	free(s);
}

/* {"agent":..,"time":..,<every syscheck.* field without the prefix>} */
static int document(const char *agent, long long t, const struct vg_event *ev, struct vg_buf *b)
{
	vg_buf_addstr(b, "{\"agent\":\"");
	vg_buf_add_json_str(b, agent, strlen(agent));
	vg_buf_printf(b, "\",\"time\":%lld", t);
	for (unsigned i = 0; i < ev->ndyn; i++) {
		const char *n = ev->dyn[i].name;
		if (strncmp(n, "syscheck.", 9) != 0 || !ev->dyn[i].value)
			continue;
		vg_buf_addstr(b, ",\"");
		vg_buf_add_json_str(b, n + 9, strlen(n + 9));
		vg_buf_addstr(b, "\":\"");
		vg_buf_add_json_str(b, ev->dyn[i].value, strlen(ev->dyn[i].value));
		vg_buf_addc(b, '"');
	}
	return vg_buf_addc(b, '}');
}

int vg_fim_store_add(struct vg_fim_store *s, const char *agent, const struct vg_event *ev)
{
	const char *path = vg_event_get(ev, "syscheck.path");
	const char *event = vg_event_get(ev, "syscheck.event");
	if (!path || !event)
		return VG_ENOENT;
	if (!agent)
		agent = "000";
	long long t = (long long)ev->arrival.tv_sec;
	if (!s->in_txn) {
		if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
			return VG_EIO;
		s->in_txn = true;
	}
	struct vg_buf b;
	vg_buf_init(&b, 0);
	int rc = document(agent, t, ev, &b);
	if (rc == VG_OK) {
		sqlite3_bind_text(s->ins, 1, agent, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->ins, 2, t);
		sqlite3_bind_text(s->ins, 3, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->ins, 4, event, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->ins, 5, vg_buf_str(&b), (int)b.len, SQLITE_STATIC);
		rc = fim_sql_step(s->ins);
	}
	if (rc == VG_OK) {
		sqlite3_bind_text(s->state, 1, agent, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->state, 2, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->state, 3, event, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->state, 4, t);
		const char *h = vg_event_get(ev, "syscheck.sha256_after");
		if (h)
			sqlite3_bind_text(s->state, 5, h, -1, SQLITE_STATIC);
		rc = fim_sql_step(s->state);
	}
	vg_buf_free(&b);
	return rc;
}

int vg_fim_store_changes(struct vg_fim_store *s, const char *agent, long long since,
                         void (*cb)(void *ctx, const char *json_line), void *ctx)
{
	sqlite3_stmt *st;
	const char *sql = agent
	                      ? "SELECT doc FROM change WHERE agent=? AND time>=? ORDER BY time,id"
	                      : "SELECT doc FROM change WHERE time>=? ORDER BY time,id";
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return VG_EIO;
	int i = 1;
	if (agent)
		sqlite3_bind_text(st, i++, agent, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i, since);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *doc = (const char *)sqlite3_column_text(st, 0);
		if (doc) {
			cb(ctx, doc);
			n++;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : VG_EIO;
}
