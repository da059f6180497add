/*
 * registry_agent.c - agents in the registry (registry.h): enrollment
 * against a token in one transaction, lookup and listing, revocation,
 * removal, groups, the live status the manager writes, and the admission
 * check of a TLS peer.
 */
#include "vigil/registry.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "transport/registry_internal.h"

#define AGENT_COLS                                                                                 \
	"num, name, ip, groups, cert_serial, version, revoked, connected, registered, "            \
	"last_seen, events, eps"

static void fill_rec(sqlite3_stmt *st, struct vg_agent_rec *a)
{
	memset(a, 0, sizeof(*a));
	vg_registry_format_id(sqlite3_column_int64(st, 0), a->id);
	vg_registry_col_text(st, 1, a->name, sizeof(a->name));
	vg_registry_col_text(st, 2, a->ip, sizeof(a->ip));
	vg_registry_col_text(st, 3, a->groups, sizeof(a->groups));
	vg_registry_col_text(st, 4, a->cert_serial, sizeof(a->cert_serial));
	vg_registry_col_text(st, 5, a->version, sizeof(a->version));
	a->revoked = sqlite3_column_int(st, 6);
	a->connected = sqlite3_column_int(st, 7);
	a->registered = sqlite3_column_int64(st, 8);
	a->last_seen = sqlite3_column_int64(st, 9);
	a->events = (unsigned long long)sqlite3_column_int64(st, 10);
	a->eps = sqlite3_column_double(st, 11);
}

/* Reads agent num into *out (may be NULL). Lock held. */
static int get_locked(struct vg_registry *r, long long num, struct vg_agent_rec *out)
{
	sqlite3_stmt *st;
	int rc = vg_registry_prepare(r, "SELECT " AGENT_COLS " FROM agents WHERE num = ?", &st);
	if (rc != VG_OK)
		return rc;
	sqlite3_bind_int64(st, 1, num);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		struct vg_agent_rec tmp;
		fill_rec(st, out ? out : &tmp);
	} else {
		rc = step == SQLITE_DONE ? VG_ENOENT : vg_registry_sqlite_rc(step);
	}
	sqlite3_finalize(st);
	return rc;
}

int vg_registry_agent_get(struct vg_registry *r, const char *id, struct vg_agent_rec *out)
{
	long long num = vg_registry_parse_id(id);
	if (num < 0)
		return VG_ENOENT;
	pthread_mutex_lock(&r->lock);
	int rc = get_locked(r, num, out);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int vg_registry_agent_list(struct vg_registry *r, int (*cb)(void *, const struct vg_agent_rec *),
                           void *ctx)
{
	sqlite3_stmt *st;
	pthread_mutex_lock(&r->lock);
	int rc = vg_registry_prepare(r, "SELECT " AGENT_COLS " FROM agents ORDER BY num", &st);
	int step = SQLITE_DONE;
	while (rc == VG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct vg_agent_rec a;
		fill_rec(st, &a);
		rc = cb(ctx, &a);
	}
	if (rc == VG_OK && st)
		rc = vg_registry_sqlite_rc(step);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* Runs one UPDATE/DELETE with ?1 = text (may be NULL) and ?2 = the agent's
 * number; VG_ENOENT when no row changed. */
static int change_agent(struct vg_registry *r, const char *sql, const char *id, const char *text)
{
	long long num = vg_registry_parse_id(id);
	if (num < 0)
		return VG_ENOENT;
	pthread_mutex_lock(&r->lock);
	int rc = vg_registry_change(r, sql, text, num);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int vg_registry_agent_revoke(struct vg_registry *r, const char *id)
{
	return change_agent(r, "UPDATE agents SET revoked = 1, connected = 0 WHERE num = ?2", id,
	                    NULL);
}

int vg_registry_agent_remove(struct vg_registry *r, const char *id)
{
	return change_agent(r, "DELETE FROM agents WHERE num = ?2", id, NULL);
}

int vg_registry_agent_set_groups(struct vg_registry *r, const char *id, const char *groups)
{
	if (!vg_registry_groups_valid(groups))
		return VG_EINVAL;
	return change_agent(r, "UPDATE agents SET groups = ?1 WHERE num = ?2", id,
	                    groups ? groups : "");
}

static int status_one(sqlite3_stmt *st, const struct vg_agent_status *s)
{
	long long num = vg_registry_parse_id(s->id);
	if (num < 0)
		return VG_ENOENT;
	sqlite3_reset(st);
	sqlite3_bind_int(st, 1, s->connected ? 1 : 0);
	sqlite3_bind_int64(st, 2, s->last_seen);
	if (s->version)
		sqlite3_bind_text(st, 3, s->version, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, (long long)s->events);
	sqlite3_bind_double(st, 5, s->eps);
	sqlite3_bind_int64(st, 6, num);
	int rc = vg_registry_sqlite_rc(sqlite3_step(st));
	if (rc == VG_OK && sqlite3_changes(sqlite3_db_handle(st)) == 0)
		rc = VG_ENOENT;
	return rc;
}

/* Writes n statuses in one transaction; with strict, an unknown id fails the call. */
static int status_write(struct vg_registry *r, const struct vg_agent_status *s, size_t n,
                        int strict)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&r->lock);
	int rc = vg_registry_exec(r, "BEGIN IMMEDIATE");
	if (rc == VG_OK)
		rc = vg_registry_prepare(r,
		                         "UPDATE agents SET connected = ?, last_seen = ?, "
		                         "version = substr(COALESCE(?3, version), 1, 31), "
		                         "events = ?, eps = ? WHERE num = ?",
		                         &st);
	for (size_t i = 0; rc == VG_OK && i < n; i++) {
		rc = status_one(st, &s[i]);
		if (rc == VG_ENOENT && !strict)
			rc = VG_OK;
	}
	sqlite3_finalize(st);
	if (rc == VG_OK)
		rc = vg_registry_exec(r, "COMMIT");
	if (rc != VG_OK)
		vg_registry_exec(r, "ROLLBACK");
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int vg_registry_agent_status(struct vg_registry *r, const char *id, int connected,
                             long long last_seen, const char *version, unsigned long long events,
                             double eps)
{
	struct vg_agent_status s = { id, connected, last_seen, version, events, eps };
	return status_write(r, &s, 1, 1);
}

int vg_registry_agent_status_many(struct vg_registry *r, const struct vg_agent_status *s, size_t n)
{
	return status_write(r, s, n, 0);
}

int vg_registry_agent_disconnect_all(struct vg_registry *r)
{
	pthread_mutex_lock(&r->lock);
	int rc = vg_registry_exec(r, "UPDATE agents SET connected = 0, eps = 0");
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int vg_registry_agent_check(struct vg_registry *r, const char *id, const char *serial,
                            struct vg_agent_rec *out)
{
	struct vg_agent_rec a;
	int rc = vg_registry_agent_get(r, id, &a);
	if (rc != VG_OK)
		return rc;
	if (a.revoked)
		return VG_EINVAL;
	if (!serial || !a.cert_serial[0] || strcmp(serial, a.cert_serial) != 0)
		return VG_ENOMATCH;
	if (out)
		*out = a;
	return VG_OK;
}

/* ---- enrollment ---- */

struct token_row {
	unsigned char hash[32];
	int found;
	long long expires, uses_left;
	int revoked;
	char groups[256];
};

static int read_token(struct vg_registry *r, const char *id, struct token_row *t)
{
	sqlite3_stmt *st;
	memset(t, 0, sizeof(*t));
	int rc = vg_registry_prepare(
	    r, "SELECT secret_sha256, expires, uses_left, revoked, groups FROM tokens WHERE id = ?",
	    &st);
	if (rc != VG_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
		t->found = 1;
		memcpy(t->hash, sqlite3_column_blob(st, 0), 32);
		t->expires = sqlite3_column_int64(st, 1);
		t->uses_left = sqlite3_column_int64(st, 2);
		t->revoked = sqlite3_column_int(st, 3);
		vg_registry_col_text(st, 4, t->groups, sizeof(t->groups));
	} else if (step != SQLITE_ROW && step != SQLITE_DONE) {
		rc = vg_registry_sqlite_rc(step);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Checks the token; the secret is always hashed and compared, found or not. */
static int check_token(struct vg_registry *r, const struct vg_registry_enroll *e,
                       struct token_row *t, const char **reason)
{
	int rc = read_token(r, e->token_id ? e->token_id : "", t);
	if (rc != VG_OK)
		return rc;
	unsigned char hash[32];
	const char *secret = e->secret ? e->secret : "";
	if (!EVP_Digest(secret, strlen(secret), hash, NULL, EVP_sha256(), NULL))
		return VG_ENOMEM;
	int same = CRYPTO_memcmp(hash, t->hash, sizeof(hash)) == 0;
	if (!t->found || !same) {
		*reason = "invalid token";
		return VG_ENOENT;
	}
	if (t->revoked) {
		*reason = "token revoked";
		return VG_EINVAL;
	}
	if (t->expires <= (long long)time(NULL)) {
		*reason = "token expired";
		return VG_ELIMIT;
	}
	if (t->uses_left == 0) {
		*reason = "token used up";
		return VG_ELIMIT;
	}
	return VG_OK;
}

/* An agent already using the name is replaced (revoked) unless connected. */
static int replace_same_name(struct vg_registry *r, const char *name, const char **reason)
{
	sqlite3_stmt *st;
	int rc = vg_registry_prepare(
	    r, "SELECT num FROM agents WHERE name = ? AND revoked = 0 AND connected = 1", &st);
	if (rc != VG_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	sqlite3_finalize(st);
	if (step == SQLITE_ROW) {
		*reason = "agent name in use by a connected agent";
		return VG_EEXIST;
	}
	if (step != SQLITE_DONE)
		return vg_registry_sqlite_rc(step);
	return vg_registry_run(r, "UPDATE agents SET revoked = 1 WHERE name = ?1 AND revoked = 0",
	                       name, 0);
}

static int insert_agent(struct vg_registry *r, const struct vg_registry_enroll *e,
                        const char *groups, long long *num)
{
	sqlite3_stmt *st;
	int rc = vg_registry_prepare(r,
	                             "INSERT INTO agents(name, ip, groups, version, registered, "
	                             "token_id) VALUES(?,?,?,substr(?,1,31),?,?)",
	                             &st);
	if (rc != VG_OK)
		return rc;
	sqlite3_bind_text(st, 1, e->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->ip ? e->ip : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, groups, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->version ? e->version : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (long long)time(NULL));
	sqlite3_bind_text(st, 6, e->token_id, -1, SQLITE_STATIC);
	rc = vg_registry_sqlite_rc(sqlite3_step(st));
	sqlite3_finalize(st);
	*num = sqlite3_last_insert_rowid(r->db);
	return rc;
}

/* The body of vg_registry_enroll, inside the transaction. */
static int enroll_locked(struct vg_registry *r, const struct vg_registry_enroll *e,
                         struct vg_agent_rec *out, const char **reason)
{
	struct token_row t;
	int rc = check_token(r, e, &t, reason);
	if (rc == VG_OK)
		rc = replace_same_name(r, e->name, reason);
	long long num = 0;
	if (rc == VG_OK)
		rc = insert_agent(r, e, t.groups, &num);
	char id[16], serial[41] = "";
	vg_registry_format_id(num, id);
	if (rc == VG_OK && (rc = e->issue(e->ctx, id, serial)) != VG_OK)
		return rc;
	if (rc == VG_OK)
		rc = vg_registry_run(r, "UPDATE agents SET cert_serial = ?1 WHERE num = ?2", serial,
		                     num);
	if (rc == VG_OK)
		rc =
		    vg_registry_run(r,
		                    "UPDATE tokens SET uses_left = uses_left - 1 WHERE id = ?1 AND "
		                    "uses_left > 0",
		                    e->token_id, 0);
	if (rc == VG_OK)
		rc = get_locked(r, num, out);
	return rc;
}

int vg_registry_enroll(struct vg_registry *r, const struct vg_registry_enroll *e,
                       struct vg_agent_rec *out, const char **reason)
{
	*reason = NULL;
	if (!e->name || !*e->name || !e->issue)
		return VG_EINVAL;
	pthread_mutex_lock(&r->lock);
	int rc = vg_registry_exec(r, "BEGIN IMMEDIATE");
	if (rc == VG_OK) {
		rc = enroll_locked(r, e, out, reason);
		if (rc == VG_OK)
			rc = vg_registry_exec(r, "COMMIT");
		if (rc != VG_OK)
			vg_registry_exec(r, "ROLLBACK");
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}
