/*
 * test_registry.c - unit tests of the agent registry (registry.h) on a
 * real SQLite file: token format, expiry, use counts and revocation,
 * agent ids in order and never reused, replacement of a same-name agent,
 * revocation, groups, live status and the TLS admission check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "pki_test_util.h"
#include "vigil/error.h"
#include "vigil/registry.h"

#define PIN "0123456789abcdef0123456789abcdef"

struct env {
	char dir[64], path[128];
	struct vg_registry *r;
};

static void env_open(struct env *e)
{
	assert_int_equal(pt_tmpdir(e->dir), 0);
	snprintf(e->path, sizeof(e->path), "%s/registry.db", e->dir);
	assert_int_equal(vg_registry_open(e->path, &e->r, NULL), VG_OK);
}

static void env_close(struct env *e)
{
	vg_registry_close(e->r);
	pt_rmtree(e->dir);
}

/* issue() callback: a serial derived from the agent id and a counter. */
static int fake_issue(void *ctx, const char *id, char serial[41])
{
	int *n = ctx;
	if (*n < 0)
		return VG_EPARSE;
	snprintf(serial, 41, "%s%04x", id, (unsigned)++*n);
	return VG_OK;
}

/* Enrolls name with token string tok (pin part ignored). */
static int enroll(struct vg_registry *r, const char *tok, const char *name, int *counter,
                  struct vg_agent_rec *a, const char **reason)
{
	char id[9], secret[33], pin[33];
	if (vg_registry_token_parse(tok, id, secret, pin) != VG_OK)
		return -100;
	struct vg_registry_enroll e = { .token_id = id,
		                        .secret = secret,
		                        .name = name,
		                        .ip = "10.0.0.1",
		                        .version = "0.1.0",
		                        .issue = fake_issue,
		                        .ctx = counter };
	return vg_registry_enroll(r, &e, a, reason);
}

static void make_token(struct vg_registry *r, long ttl, unsigned uses, const char *groups,
                       char out[80])
{
	struct vg_buf b;
	vg_buf_init(&b, 0);
	assert_int_equal(vg_registry_token_create(r, ttl, uses, groups, PIN, &b), VG_OK);
	assert_true(b.len < 80);
	snprintf(out, 80, "%s", vg_buf_str(&b));
	vg_buf_free(&b);
}

static void test_token_format_and_parse(void **state)
{
	(void)state;
	struct env e;
	env_open(&e);
	char tok[80], tok2[80];
	make_token(e.r, 3600, 1, "linux,web", tok);
	make_token(e.r, 3600, 1, NULL, tok2);
	assert_int_equal(strlen(tok), 8 + 1 + 32 + 1 + 32);
	assert_string_equal(tok + 42, PIN);
	assert_string_not_equal(tok, tok2);
	char id[9], secret[33], pin[33];
	assert_int_equal(vg_registry_token_parse(tok, id, secret, pin), VG_OK);
	assert_string_equal(pin, PIN);
	assert_memory_equal(id, tok, 8);
	char kept[33];
	memcpy(kept, secret, sizeof(kept));
	/* Without the pin: accepted only when the caller does not ask for one... */
	char two[42];
	snprintf(two, sizeof(two), "%.41s", tok);
	assert_int_equal(vg_registry_token_parse(two, id, secret, NULL), VG_OK);
	assert_int_equal(vg_registry_token_parse(two, id, secret, pin), VG_OK);
	assert_string_equal(pin, "");
	assert_int_equal(vg_registry_token_parse(tok, id, secret, NULL), VG_EINVAL);
	/* ...and malformed strings are refused. */
	assert_int_equal(vg_registry_token_parse("abc.def", id, secret, pin), VG_EINVAL);
	char upper[80];
	snprintf(upper, sizeof(upper), "%s", tok);
	upper[10] = 'G';
	assert_int_equal(vg_registry_token_parse(upper, id, secret, pin), VG_EINVAL);
	/* The secret is not stored: the database never contains it. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(e.path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db,
	                   "SELECT count(*) FROM tokens WHERE length(secret_sha256) = 32 AND "
	                   "instr(lower(hex(secret_sha256)) || id || groups, ?) = 0",
	                   -1, &st, NULL);
	sqlite3_bind_text(st, 1, kept, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 2);
	sqlite3_finalize(st);
	sqlite3_close(db);
	/* Bad arguments. */
	struct vg_buf b;
	vg_buf_init(&b, 0);
	assert_int_equal(vg_registry_token_create(e.r, 0, 1, NULL, PIN, &b), VG_EINVAL);
	assert_int_equal(vg_registry_token_create(e.r, 60, 1, "bad group", PIN, &b), VG_EINVAL);
	assert_int_equal(vg_registry_token_create(e.r, 60, 1, "a,,b", PIN, &b), VG_EINVAL);
	assert_int_equal(vg_registry_token_create(e.r, 60, 1, NULL, "short", &b), VG_EINVAL);
	assert_int_equal(b.len, 0);
	vg_buf_free(&b);
	env_close(&e);
}

struct token_seen {
	int count;
	unsigned uses[4];
	int revoked[4];
	char groups[4][64];
};

static int list_tokens(void *ctx, const char *id, long long expires, unsigned uses_left,
                       const char *groups, int revoked)
{
	struct token_seen *s = ctx;
	assert_int_equal(strlen(id), 8);
	assert_true(expires > 0);
	if (s->count < 4) {
		s->uses[s->count] = uses_left;
		s->revoked[s->count] = revoked;
		snprintf(s->groups[s->count], 64, "%s", groups);
	}
	s->count++;
	return 0;
}

static void test_token_uses_expiry_revoke(void **state)
{
	(void)state;
	struct env e;
	env_open(&e);
	char once[80], unlimited[80], shortlived[80], revoked[80];
	make_token(e.r, 3600, 2, "web", once);
	make_token(e.r, 3600, 0, NULL, unlimited);
	make_token(e.r, 1, 5, NULL, shortlived);
	make_token(e.r, 3600, 5, NULL, revoked);
	int n = 0;
	struct vg_agent_rec a;
	const char *why;
	assert_int_equal(enroll(e.r, once, "h1", &n, &a, &why), VG_OK);
	assert_string_equal(a.groups, "web");
	assert_int_equal(enroll(e.r, once, "h2", &n, &a, &why), VG_OK);
	assert_int_equal(enroll(e.r, once, "h3", &n, &a, &why), VG_ELIMIT);
	assert_string_equal(why, "token used up");
	for (int i = 0; i < 5; i++) {
		char name[16];
		snprintf(name, sizeof(name), "u%d", i);
		assert_int_equal(enroll(e.r, unlimited, name, &n, &a, &why), VG_OK);
	}
	/* Wrong secret, unknown id. */
	char wrong[80];
	snprintf(wrong, sizeof(wrong), "%s", unlimited);
	wrong[9] = wrong[9] == '0' ? '1' : '0';
	assert_int_equal(enroll(e.r, wrong, "w", &n, &a, &why), VG_ENOENT);
	assert_string_equal(why, "invalid token");
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	assert_int_equal(enroll(e.r, wrong, "w", &n, &a, &why), VG_ENOENT);
	/* Revocation. */
	char rid[9];
	memcpy(rid, revoked, 8);
	rid[8] = '\0';
	assert_int_equal(vg_registry_token_revoke(e.r, rid), VG_OK);
	assert_int_equal(vg_registry_token_revoke(e.r, "ffffffff"), VG_ENOENT);
	assert_int_equal(enroll(e.r, revoked, "r", &n, &a, &why), VG_EINVAL);
	assert_string_equal(why, "token revoked");
	/* Expiry. */
	sleep(2);
	assert_int_equal(enroll(e.r, shortlived, "s", &n, &a, &why), VG_ELIMIT);
	assert_string_equal(why, "token expired");
	/* A failed issue() rolls back: the token keeps its use and no agent appears. */
	char one[80];
	make_token(e.r, 3600, 1, NULL, one);
	int failing = -1;
	assert_int_equal(enroll(e.r, one, "f", &failing, &a, &why), VG_EPARSE);
	assert_null(why);
	assert_int_equal(enroll(e.r, one, "f", &n, &a, &why), VG_OK);

	struct token_seen seen = { 0 };
	assert_int_equal(vg_registry_token_list(e.r, list_tokens, &seen), VG_OK);
	assert_int_equal(seen.count, 5);
	assert_int_equal(seen.uses[0], 0);
	assert_string_equal(seen.groups[0], "web");
	assert_int_equal(seen.uses[1], VG_REGISTRY_UNLIMITED);
	assert_int_equal(seen.uses[2], 5);
	assert_int_equal(seen.revoked[3], 1);
	assert_int_equal(seen.revoked[2], 0);
	env_close(&e);
}

struct ids {
	int count;
	char id[8][16];
};

static int list_agents(void *ctx, const struct vg_agent_rec *a)
{
	struct ids *s = ctx;
	if (s->count < 8)
		snprintf(s->id[s->count], 16, "%s", a->id);
	s->count++;
	return 0;
}

static void test_agent_ids_and_check(void **state)
{
	(void)state;
	struct env e;
	env_open(&e);
	char tok[80];
	make_token(e.r, 3600, 0, "g1", tok);
	int n = 0;
	struct vg_agent_rec a, b, c;
	const char *why;
	assert_int_equal(enroll(e.r, tok, "alpha", &n, &a, &why), VG_OK);
	assert_int_equal(enroll(e.r, tok, "beta", &n, &b, &why), VG_OK);
	assert_string_equal(a.id, "001");
	assert_string_equal(b.id, "002");
	assert_string_equal(a.ip, "10.0.0.1");
	assert_string_equal(a.version, "0.1.0");
	assert_true(a.registered > 0);
	assert_int_equal(a.last_seen, 0);
	/* Remove the newest: its id is not given again. */
	assert_int_equal(vg_registry_agent_remove(e.r, "002"), VG_OK);
	assert_int_equal(vg_registry_agent_remove(e.r, "002"), VG_ENOENT);
	assert_int_equal(vg_registry_agent_get(e.r, "002", &c), VG_ENOENT);
	assert_int_equal(enroll(e.r, tok, "gamma", &n, &c, &why), VG_OK);
	assert_string_equal(c.id, "003");

	/* Admission check. */
	struct vg_agent_rec out;
	assert_int_equal(vg_registry_agent_check(e.r, "001", a.cert_serial, &out), VG_OK);
	assert_string_equal(out.name, "alpha");
	assert_int_equal(vg_registry_agent_check(e.r, "1", a.cert_serial, NULL), VG_OK);
	assert_int_equal(vg_registry_agent_check(e.r, "001", c.cert_serial, NULL), VG_ENOMATCH);
	assert_int_equal(vg_registry_agent_check(e.r, "002", b.cert_serial, NULL), VG_ENOENT);
	assert_int_equal(vg_registry_agent_check(e.r, "x1", a.cert_serial, NULL), VG_ENOENT);

	/* Re-enrolling a name replaces the disconnected agent... */
	struct vg_agent_rec a2;
	assert_int_equal(enroll(e.r, tok, "alpha", &n, &a2, &why), VG_OK);
	assert_string_equal(a2.id, "004");
	assert_int_equal(vg_registry_agent_check(e.r, "001", a.cert_serial, NULL), VG_EINVAL);
	/* ...but not a connected one. */
	assert_int_equal(vg_registry_agent_status(e.r, "004", 1, 1000, "0.2.0", 42, 1.5), VG_OK);
	assert_int_equal(enroll(e.r, tok, "alpha", &n, &b, &why), VG_EEXIST);
	assert_string_equal(why, "agent name in use by a connected agent");
	assert_int_equal(vg_registry_agent_get(e.r, "004", &out), VG_OK);
	assert_int_equal(out.connected, 1);
	assert_int_equal(out.last_seen, 1000);
	assert_string_equal(out.version, "0.2.0");
	assert_int_equal(out.events, 42);
	assert_true(out.eps > 1.4 && out.eps < 1.6);

	/* Revocation, groups, batch status, disconnect. */
	assert_int_equal(vg_registry_agent_revoke(e.r, "003"), VG_OK);
	assert_int_equal(vg_registry_agent_check(e.r, "003", c.cert_serial, NULL), VG_EINVAL);
	assert_int_equal(vg_registry_agent_revoke(e.r, "099"), VG_ENOENT);
	assert_int_equal(vg_registry_agent_set_groups(e.r, "004", "a,b-c"), VG_OK);
	assert_int_equal(vg_registry_agent_set_groups(e.r, "004", "a b"), VG_EINVAL);
	assert_int_equal(vg_registry_agent_set_groups(e.r, "077", "a"), VG_ENOENT);
	struct vg_agent_status st[] = { { "004", 1, 2000, NULL, 50, 2.0 },
		                        { "123", 1, 2000, NULL, 1, 1.0 } };
	assert_int_equal(vg_registry_agent_status_many(e.r, st, 2), VG_OK);
	assert_int_equal(vg_registry_agent_status(e.r, "123", 1, 0, NULL, 0, 0), VG_ENOENT);
	assert_int_equal(vg_registry_agent_get(e.r, "004", &out), VG_OK);
	assert_string_equal(out.groups, "a,b-c");
	assert_string_equal(out.version, "0.2.0");
	assert_int_equal(out.events, 50);
	assert_int_equal(vg_registry_agent_disconnect_all(e.r), VG_OK);
	assert_int_equal(vg_registry_agent_get(e.r, "004", &out), VG_OK);
	assert_int_equal(out.connected, 0);

	struct ids s = { 0 };
	assert_int_equal(vg_registry_agent_list(e.r, list_agents, &s), VG_OK);
	assert_int_equal(s.count, 3);
	assert_string_equal(s.id[0], "001");
	assert_string_equal(s.id[1], "003");
	assert_string_equal(s.id[2], "004");

	/* Persistence: reopen and find the same agents; the next id continues. */
	vg_registry_close(e.r);
	assert_int_equal(vg_registry_open(e.path, &e.r, NULL), VG_OK);
	assert_int_equal(vg_registry_agent_get(e.r, "004", &out), VG_OK);
	assert_string_equal(out.name, "alpha");
	assert_int_equal(vg_registry_agent_remove(e.r, "004"), VG_OK);
	assert_int_equal(enroll(e.r, tok, "delta", &n, &c, &why), VG_OK);
	assert_string_equal(c.id, "005");
	struct stat sb;
	assert_int_equal(stat(e.path, &sb), 0);
	assert_int_equal(sb.st_mode & 0077, 0);
	env_close(&e);
}

static void test_schema_version(void **state)
{
	(void)state;
	struct env e;
	env_open(&e);
	vg_registry_close(e.r);
	e.r = NULL;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(e.path, &db), SQLITE_OK);
	int v = -1;
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(v, 1);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct vg_diag d;
	vg_diag_init(&d);
	struct vg_registry *r;
	assert_int_equal(vg_registry_open(e.path, &r, &d), VG_EUNSUP);
	assert_null(r);
	assert_true(d.errors > 0);
	vg_diag_free(&d);
	/* Not a database at all. */
	assert_int_equal(pt_write(e.path, "this is not sqlite, just some text\n"), 0);
	assert_int_not_equal(vg_registry_open(e.path, &r, NULL), VG_OK);
	assert_null(r);
	env_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_format_and_parse),
		cmocka_unit_test(test_token_uses_expiry_revoke),
		cmocka_unit_test(test_agent_ids_and_check),
		cmocka_unit_test(test_schema_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
