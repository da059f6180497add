/*
 * test_enroll.c - enrollment tests with real OpenSSL, SQLite and TCP on
 * 127.0.0.1: vg_enroll_handle() on good and bad requests, then the
 * enrollment server in a thread and vg_enroll_client() end to end (the
 * issued certificate passes vg_registry_agent_check), a token whose pin
 * is another CA's, a bad token and an existing enrollment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <openssl/x509v3.h>

#include "pki_test_util.h"
#include "vigil/enroll.h"
#include "vigil/error.h"
#include "vigil/frame.h"
#include "vigil/pki.h"
#include "vigil/registry.h"

struct env {
	char dir[64];
	struct vg_pki_ca *ca;
	struct vg_registry *r;
	char pin[33];
};

static void env_open(struct env *e)
{
	char p[128];
	assert_int_equal(pt_tmpdir(e->dir), 0);
	snprintf(p, sizeof(p), "%s/pki", e->dir);
	assert_int_equal(vg_pki_ca_open(p, "localhost", &e->ca, NULL), VG_OK);
	snprintf(p, sizeof(p), "%s/registry.db", e->dir);
	assert_int_equal(vg_registry_open(p, &e->r, NULL), VG_OK);
	vg_pki_ca_pin(e->ca, e->pin);
}

static void env_close(struct env *e)
{
	vg_registry_close(e->r);
	vg_pki_ca_close(e->ca);
	pt_rmtree(e->dir);
}

static void token(struct env *e, unsigned uses, char out[80])
{
	struct vg_buf b;
	vg_buf_init(&b, 0);
	assert_int_equal(vg_registry_token_create(e->r, 3600, uses, "linux", e->pin, &b), VG_OK);
	snprintf(out, 80, "%s", vg_buf_str(&b));
	vg_buf_free(&b);
}

/* A request JSON; token is cut to "<id>.<secret>". */
static char *request(const char *tok, const char *name, const char *csr)
{
	char t[42];
	snprintf(t, sizeof(t), "%.41s", tok);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "token", t, "name", name, "csr", csr,
	                      "version", "0.1.0");
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static int handle(struct env *e, const char *req, size_t len, unsigned *type, struct vg_buf *resp)
{
	struct vg_diag d;
	vg_diag_init(&d);
	vg_buf_reset(resp);
	int rc = vg_enroll_handle(e->r, e->ca, "192.0.2.7", req, len, type, resp, &d);
	/* Every refusal leaves a reason in the diag for the log, every success an info line. */
	assert_true(d.count > 0);
	if (rc != VG_OK)
		assert_true(d.errors > 0);
	vg_diag_free(&d);
	return rc;
}

static const char *error_of(struct vg_buf *resp, char *out, size_t cap)
{
	json_t *o = json_loads(vg_buf_str(resp), 0, NULL);
	snprintf(out, cap, "%s", json_string_value(json_object_get(o, "error")));
	json_decref(o);
	return out;
}

static void test_handle(void **state)
{
	(void)state;
	struct env e;
	env_open(&e);
	char tok[80], why[128];
	token(&e, 1, tok);
	EVP_PKEY *key;
	char *csr = pt_make_csr("P-256", "whatever", &key);
	struct vg_buf resp;
	vg_buf_init(&resp, 0);
	unsigned type;

	/* Refusals first: none of them uses the token. */
	assert_int_equal(handle(&e, "{", 1, &type, &resp), VG_EPARSE);
	assert_int_equal(type, VG_FRAME_ERROR);
	assert_string_equal(error_of(&resp, why, sizeof(why)), "request is not valid JSON");
	assert_int_equal(handle(&e, "[1]", 3, &type, &resp), VG_EPARSE);
	char *r1 = request(tok, "bad\x01name", csr);
	assert_int_equal(handle(&e, r1, strlen(r1), &type, &resp), VG_EPARSE);
	char longname[200];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	char *r2 = request(tok, longname, csr);
	assert_int_equal(handle(&e, r2, strlen(r2), &type, &resp), VG_EPARSE);
	char *r3 = request(tok, "host", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n");
	assert_int_equal(handle(&e, r3, strlen(r3), &type, &resp), VG_EPARSE);
	assert_string_equal(error_of(&resp, why, sizeof(why)), "bad certificate request");
	char *r4 = request("zzzzzzzz.0123", "host", csr);
	assert_int_equal(handle(&e, r4, strlen(r4), &type, &resp), VG_EINVAL);
	char *big = calloc(1, VG_ENROLL_MAX_REQ + 2);
	memset(big, ' ', VG_ENROLL_MAX_REQ + 1);
	assert_int_equal(handle(&e, big, VG_ENROLL_MAX_REQ + 1, &type, &resp), VG_ELIMIT);
	assert_int_equal(type, VG_FRAME_ERROR);

	/* The good request. */
	char *ok = request(tok, "web-01", csr);
	assert_int_equal(handle(&e, ok, strlen(ok), &type, &resp), VG_OK);
	assert_int_equal(type, VG_FRAME_ENROLL_RESP);
	json_t *o = json_loads(vg_buf_str(&resp), 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "agent_id")), "001");
	assert_string_equal(json_string_value(json_object_get(o, "ca")), vg_pki_ca_cert_pem(e.ca));
	BIO *b = BIO_new_mem_buf(json_string_value(json_object_get(o, "cert")), -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(x);
	assert_int_equal(X509_check_private_key(x, key), 1);
	char cn[32];
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	assert_string_equal(cn, "001");
	struct vg_agent_rec a;
	assert_int_equal(vg_registry_agent_get(e.r, "001", &a), VG_OK);
	assert_string_equal(a.name, "web-01");
	assert_string_equal(a.ip, "192.0.2.7");
	assert_string_equal(a.groups, "linux");
	assert_int_equal(vg_registry_agent_check(e.r, "001", a.cert_serial, NULL), VG_OK);

	/* The one-use token is now used up. */
	assert_int_equal(handle(&e, ok, strlen(ok), &type, &resp), VG_ELIMIT);
	assert_string_equal(error_of(&resp, why, sizeof(why)), "token used up");

	json_decref(o);
	X509_free(x);
	free(r1);
	free(r2);
	free(r3);
	free(r4);
	free(ok);
	free(big);
	free(csr);
	EVP_PKEY_free(key);
	vg_buf_free(&resp);
	env_close(&e);
}

/* ---- end to end over TCP ---- */

struct server {
	struct vg_enroll_server_opts o;
	atomic_int stop;
	atomic_uint port;
	pthread_t thread;
	int rc;
};

static void *server_main(void *arg)
{
	struct server *s = arg;
	s->rc = vg_enroll_server_run(&s->o);
	return NULL;
}

static void server_start(struct server *s, struct env *e)
{
	memset(s, 0, sizeof(*s));
	atomic_init(&s->stop, 0);
	atomic_init(&s->port, 0);
	s->o = (struct vg_enroll_server_opts){ .host = "127.0.0.1",
		                               .port = 0,
		                               .registry = e->r,
		                               .ca = e->ca,
		                               .stop = &s->stop,
		                               .bound_port = &s->port };
	assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
	for (int i = 0; i < 500 && atomic_load(&s->port) == 0; i++)
		usleep(10000);
	assert_int_not_equal(atomic_load(&s->port), 0);
}

static void server_stop(struct server *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
	assert_int_equal(s->rc, VG_OK);
}

static int client(struct server *s, const char *tok, const char *dir, bool force, char id[16],
                  struct vg_diag *d)
{
	struct vg_enroll_opts o = { .host = "127.0.0.1",
		                    .port = atomic_load(&s->port),
		                    .token = tok,
		                    .name = "db-02",
		                    .dir = dir,
		                    .timeout_ms = 5000,
		                    .force = force };
	return vg_enroll_client(&o, id, d);
}

static int has_diag(const struct vg_diag *d, const char *text)
{
	for (size_t i = 0; i < d->count; i++)
		if (strstr(d->msgs[i].text, text))
			return 1;
	return 0;
}

static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	return x;
}

static void test_end_to_end(void **state)
{
	(void)state;
	struct env e;
	env_open(&e);
	struct server s;
	server_start(&s, &e);
	char tok[80], dir[128], path[200], id[16];
	token(&e, 2, tok);
	snprintf(dir, sizeof(dir), "%s/agent/state", e.dir);
	struct vg_diag d;
	vg_diag_init(&d);

	assert_int_equal(client(&s, tok, dir, false, id, &d), VG_OK);
	assert_string_equal(id, "001");
	/* Files: key 0600 and matching the certificate, CA with the pin, id. */
	struct stat st;
	snprintf(path, sizeof(path), "%s/agent.key", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/agent.id", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[32] = "";
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "001\n");
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	X509 *ca = read_cert(path);
	assert_non_null(ca);
	snprintf(path, sizeof(path), "%s/agent.crt", dir);
	X509 *x = read_cert(path);
	assert_non_null(x);
	assert_int_equal(X509_cmp(ca, x) != 0, 1);
	/* The issued certificate is admitted by the registry. */
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = BN_bn2hex(bn);
	for (char *p = hex; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	struct vg_agent_rec a;
	assert_int_equal(vg_registry_agent_check(e.r, id, hex, &a), VG_OK);
	assert_string_equal(a.name, "db-02");
	assert_string_equal(a.ip, "127.0.0.1");
	OPENSSL_free(hex);
	BN_free(bn);

	/* An existing enrollment is kept unless forced. */
	assert_int_equal(client(&s, tok, dir, false, id, &d), VG_EEXIST);
	assert_int_equal(client(&s, tok, dir, true, id, &d), VG_OK);
	assert_string_equal(id, "002");
	assert_int_equal(vg_registry_agent_check(e.r, "001", "00", NULL), VG_EINVAL);

	/* A bad token: refused by the manager, the reason comes back. */
	vg_diag_free(&d);
	vg_diag_init(&d);
	char wrong[80];
	snprintf(wrong, sizeof(wrong), "%s", tok);
	wrong[12] = wrong[12] == 'a' ? 'b' : 'a';
	assert_int_equal(client(&s, wrong, dir, true, id, &d), VG_EINVAL);
	assert_true(has_diag(&d, "invalid token"));
	assert_int_equal(client(&s, "not-a-token", dir, true, id, &d), VG_EINVAL);
	assert_true(has_diag(&d, "malformed token"));

	/* A token whose pin is another CA's: the client stops before sending it. */
	vg_diag_free(&d);
	vg_diag_init(&d);
	char otherdir[128], newtok[80];
	snprintf(otherdir, sizeof(otherdir), "%s/other", e.dir);
	struct vg_pki_ca *other;
	assert_int_equal(vg_pki_ca_open(otherdir, "x", &other, NULL), VG_OK);
	char opin[33];
	vg_pki_ca_pin(other, opin);
	token(&e, 1, newtok);
	memcpy(newtok + 42, opin, 32);
	assert_int_equal(client(&s, newtok, dir, true, id, &d), VG_ENOMATCH);
	assert_true(has_diag(&d, "manager's CA does not match the token"));
	/* ...and the token was not used: with the right pin it still works. */
	memcpy(newtok + 42, e.pin, 32);
	assert_int_equal(client(&s, newtok, dir, true, id, &d), VG_OK);
	assert_string_equal(id, "003");

	/* Nobody listening: a clear network error. */
	server_stop(&s);
	assert_int_equal(client(&s, tok, dir, true, id, &d), VG_EIO);

	vg_pki_ca_close(other);
	X509_free(ca);
	X509_free(x);
	vg_diag_free(&d);
	env_close(&e);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handle),
		cmocka_unit_test(test_end_to_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
