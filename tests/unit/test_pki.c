/*
 * test_pki.c - unit tests of the CA (pki.h) and the TLS contexts (tls.h)
 * with real OpenSSL: CA creation, reload and pin stability, CSR signing
 * checked by chain verification, and TLS 1.3 handshakes over a socket
 * pair between a mutual-TLS server and clients with a good certificate,
 * no certificate and a certificate from another CA.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/x509v3.h>

#include "pki_test_util.h"
#include "vigil/error.h"
#include "vigil/pki.h"
#include "vigil/tls.h"

static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

static X509 *pem_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return x;
}

static int verify(X509 *ca, X509 *leaf, int purpose)
{
	X509_STORE *s = X509_STORE_new();
	X509_STORE_CTX *c = X509_STORE_CTX_new();
	X509_STORE_add_cert(s, ca);
	X509_STORE_CTX_init(c, s, leaf, NULL);
	X509_STORE_CTX_set_purpose(c, purpose);
	int ok = X509_verify_cert(c) == 1;
	X509_STORE_CTX_free(c);
	X509_STORE_free(s);
	return ok;
}

static void test_ca_create_reload_pin(void **state)
{
	(void)state;
	char dir[64], sub[128];
	assert_int_equal(pt_tmpdir(dir), 0);
	snprintf(sub, sizeof(sub), "%s/pki", dir);
	struct vg_pki_ca *ca;
	struct vg_diag d;
	vg_diag_init(&d);
	assert_int_equal(vg_pki_ca_open(sub, "manager.example", &ca, &d), VG_OK);
	char pin1[33], pin2[33];
	vg_pki_ca_pin(ca, pin1);
	assert_int_equal(strlen(pin1), 32);
	struct stat st;
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	char key[200];
	snprintf(key, sizeof(key), "%s/ca.key", sub);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(vg_pki_server_key_path(ca), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* The pin is SHA-256 of the CA's DER and matches the PEM helper. */
	char pin3[33];
	const char *pem = vg_pki_ca_cert_pem(ca);
	assert_int_equal(vg_pki_pem_pin(pem, strlen(pem), pin3), VG_OK);
	assert_string_equal(pin1, pin3);
	assert_int_equal(vg_pki_pem_pin("junk", 4, pin3), VG_EPARSE);

	/* The server certificate has CN = manager name, chains to the CA, serverAuth. */
	X509 *cacert = read_cert(vg_pki_ca_cert_path(ca));
	X509 *srv = read_cert(vg_pki_server_cert_path(ca));
	assert_non_null(cacert);
	assert_non_null(srv);
	char cn[128];
	X509_NAME_get_text_by_NID(X509_get_subject_name(srv), NID_commonName, cn, sizeof(cn));
	assert_string_equal(cn, "manager.example");
	assert_true(verify(cacert, srv, X509_PURPOSE_SSL_SERVER));
	assert_true(X509_check_ca(cacert) > 0);
	vg_pki_ca_close(ca);

	/* Reload: same pin, same files. */
	assert_int_equal(vg_pki_ca_open(sub, "other-name", &ca, &d), VG_OK);
	vg_pki_ca_pin(ca, pin2);
	assert_string_equal(pin1, pin2);
	X509 *srv2 = read_cert(vg_pki_server_cert_path(ca));
	assert_int_equal(X509_cmp(srv, srv2), 0);
	vg_pki_ca_close(ca);

	/* A lost server certificate is re-created under the same CA. */
	char srvpath[200];
	snprintf(srvpath, sizeof(srvpath), "%s/server.crt", sub);
	assert_int_equal(unlink(srvpath), 0);
	assert_int_equal(vg_pki_ca_open(sub, "manager.example", &ca, &d), VG_OK);
	vg_pki_ca_pin(ca, pin2);
	assert_string_equal(pin1, pin2);
	X509 *srv3 = read_cert(srvpath);
	assert_non_null(srv3);
	assert_int_not_equal(X509_cmp(srv, srv3), 0);
	assert_true(verify(cacert, srv3, X509_PURPOSE_SSL_SERVER));
	vg_pki_ca_close(ca);
	vg_pki_ca_close(NULL);

	/* A missing key with the certificate present is an error, not a new CA. */
	assert_int_equal(unlink(key), 0);
	assert_int_not_equal(vg_pki_ca_open(sub, "manager.example", &ca, &d), VG_OK);
	assert_null(ca);
	assert_true(d.errors > 0);

	X509_free(cacert);
	X509_free(srv);
	X509_free(srv2);
	X509_free(srv3);
	vg_diag_free(&d);
	pt_rmtree(dir);
}

static void test_sign_csr(void **state)
{
	(void)state;
	char dir[64];
	assert_int_equal(pt_tmpdir(dir), 0);
	struct vg_pki_ca *ca;
	struct vg_diag d;
	vg_diag_init(&d);
	assert_int_equal(vg_pki_ca_open(dir, "mgr", &ca, &d), VG_OK);
	EVP_PKEY *key;
	char *csr = pt_make_csr("P-256", "evil-ask-for-CA", &key);
	struct vg_buf pem;
	vg_buf_init(&pem, 0);
	char serial[41];
	assert_int_equal(vg_pki_sign_csr(ca, csr, strlen(csr), "007", 30, &pem, serial, &d), VG_OK);
	assert_int_equal(strlen(serial), 32);
	X509 *x = pem_cert(vg_buf_str(&pem));
	X509 *cacert = read_cert(vg_pki_ca_cert_path(ca));
	assert_non_null(x);
	/* CN forced, key kept, chain valid for client auth and not for server auth. */
	char cn[64];
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	assert_string_equal(cn, "007");
	assert_int_equal(X509_check_private_key(x, key), 1);
	assert_true(verify(cacert, x, X509_PURPOSE_SSL_CLIENT));
	assert_false(verify(cacert, x, X509_PURPOSE_SSL_SERVER));
	assert_int_equal(X509_check_ca(x), 0);
	/* Validity of 30 days. */
	int days = 0, secs = 0;
	ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x));
	assert_int_equal(days, 30);

	/* A second signature has another serial. */
	char serial2[41];
	vg_buf_reset(&pem);
	assert_int_equal(vg_pki_sign_csr(ca, csr, strlen(csr), "008", 30, &pem, serial2, &d),
	                 VG_OK);
	assert_string_not_equal(serial, serial2);

	/* Refusals: garbage, a tampered CSR, a weak RSA key, bad arguments. */
	assert_int_equal(vg_pki_sign_csr(ca, "nope", 4, "1", 30, &pem, serial, &d), VG_EPARSE);
	char *bad = strdup(csr);
	char *mid = bad + strlen(bad) / 2;
	*mid = *mid == 'A' ? 'B' : 'A';
	assert_int_not_equal(vg_pki_sign_csr(ca, bad, strlen(bad), "1", 30, &pem, serial, &d),
	                     VG_OK);
	assert_int_equal(vg_pki_sign_csr(ca, csr, strlen(csr), "", 30, &pem, serial, &d),
	                 VG_EINVAL);
	assert_int_equal(vg_pki_sign_csr(ca, csr, strlen(csr), "1", 0, &pem, serial, &d),
	                 VG_EINVAL);
	EVP_PKEY *rsa;
	char *rsacsr = pt_make_csr(NULL, "rsa", &rsa);
	assert_int_equal(vg_pki_sign_csr(ca, rsacsr, strlen(rsacsr), "9", 30, &pem, serial, &d),
	                 VG_OK);
	EVP_PKEY *k384;
	char *csr384 = pt_make_csr("P-384", "p384", &k384);
	assert_int_equal(vg_pki_sign_csr(ca, csr384, strlen(csr384), "10", 30, &pem, serial, &d),
	                 VG_OK);
	EVP_PKEY *k521;
	char *csr521 = pt_make_csr("P-521", "p521", &k521);
	assert_int_equal(vg_pki_sign_csr(ca, csr521, strlen(csr521), "11", 30, &pem, serial, &d),
	                 VG_EINVAL);

	free(csr);
	free(bad);
	free(rsacsr);
	free(csr384);
	free(csr521);
	EVP_PKEY_free(key);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(k384);
	EVP_PKEY_free(k521);
	X509_free(x);
	X509_free(cacert);
	vg_buf_free(&pem);
	vg_pki_ca_close(ca);
	vg_diag_free(&d);
	pt_rmtree(dir);
}

/* ---- TLS ---- */

struct side {
	SSL_CTX *ctx;
	int fd;
	int server;
	int rc;
	char cn[64], serial[41];
	int id_rc;
};

static void *run_side(void *arg)
{
	struct side *s = arg;
	SSL *ssl = SSL_new(s->ctx);
	SSL_set_fd(ssl, s->fd);
	if (s->server)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	s->rc = vg_tls_handshake(ssl, vg_tls_now_ms() + 5000, NULL);
	if (s->rc == VG_OK) {
		/* One byte each way proves the session works (and surfaces late alerts). */
		char c = 'x';
		struct vg_buf b;
		vg_buf_init(&b, 0);
		if (s->server) {
			struct vg_frame f;
			s->rc = vg_tls_read_frame(ssl, &b, 100, &f, vg_tls_now_ms() + 5000, NULL);
			if (s->rc == VG_OK && f.type != VG_FRAME_PING)
				s->rc = VG_EPARSE;
		} else {
			vg_frame_encode(&b, VG_FRAME_PING, 1, &c, 1);
			s->rc = vg_tls_write_all(ssl, b.data, b.len, vg_tls_now_ms() + 5000, NULL);
		}
		vg_buf_free(&b);
		s->id_rc =
		    vg_tls_peer_identity(ssl, s->cn, sizeof(s->cn), s->serial, sizeof(s->serial));
	}
	if (s->rc != VG_OK)
		shutdown(s->fd, SHUT_RDWR); /* unblock the other side */
	SSL_free(ssl);
	return NULL;
}

/* Handshakes server_ctx against client_ctx; returns the server's result. */
static int handshake(SSL_CTX *sctx, SSL_CTX *cctx, struct side *srv, struct side *cli)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	*srv = (struct side){ .ctx = sctx, .fd = sv[0], .server = 1, .id_rc = 1 };
	*cli = (struct side){ .ctx = cctx, .fd = sv[1], .server = 0, .id_rc = 1 };
	pthread_t t;
	pthread_create(&t, NULL, run_side, srv);
	run_side(cli);
	pthread_join(t, NULL);
	close(sv[0]);
	close(sv[1]);
	return srv->rc;
}

struct tls_env {
	char dir[64];
	struct vg_pki_ca *ca, *other;
	char good_crt[128], good_key[128], bad_crt[128], bad_key[128];
	char good_serial[41];
};

static void issue_client(struct vg_pki_ca *ca, const char *cn, const char *crt, const char *key,
                         char serial[41])
{
	EVP_PKEY *k;
	char *csr = pt_make_csr("P-256", cn, &k);
	struct vg_buf pem;
	vg_buf_init(&pem, 0);
	assert_int_equal(vg_pki_sign_csr(ca, csr, strlen(csr), cn, 5, &pem, serial, NULL), VG_OK);
	assert_int_equal(pt_write(crt, vg_buf_str(&pem)), 0);
	assert_int_equal(pt_write_key(key, k), 0);
	vg_buf_free(&pem);
	free(csr);
	EVP_PKEY_free(k);
}

static void tls_env_setup(struct tls_env *e)
{
	char a[128], b[128], serial[41];
	assert_int_equal(pt_tmpdir(e->dir), 0);
	snprintf(a, sizeof(a), "%s/a", e->dir);
	snprintf(b, sizeof(b), "%s/b", e->dir);
	assert_int_equal(vg_pki_ca_open(a, "mgr", &e->ca, NULL), VG_OK);
	assert_int_equal(vg_pki_ca_open(b, "mgr", &e->other, NULL), VG_OK);
	snprintf(e->good_crt, sizeof(e->good_crt), "%s/good.crt", e->dir);
	snprintf(e->good_key, sizeof(e->good_key), "%s/good.key", e->dir);
	snprintf(e->bad_crt, sizeof(e->bad_crt), "%s/bad.crt", e->dir);
	snprintf(e->bad_key, sizeof(e->bad_key), "%s/bad.key", e->dir);
	issue_client(e->ca, "001", e->good_crt, e->good_key, e->good_serial);
	issue_client(e->other, "001", e->bad_crt, e->bad_key, serial);
}

static void test_tls_mutual(void **state)
{
	(void)state;
	struct tls_env e;
	tls_env_setup(&e);
	struct vg_diag d;
	vg_diag_init(&d);
	SSL_CTX *sctx, *good, *none, *bad, *wrong_ca;
	assert_int_equal(vg_tls_server_ctx(vg_pki_server_cert_path(e.ca),
	                                   vg_pki_server_key_path(e.ca), vg_pki_ca_cert_path(e.ca),
	                                   &sctx, &d),
	                 VG_OK);
	const char *cafile = vg_pki_ca_cert_path(e.ca);
	assert_int_equal(vg_tls_client_ctx(cafile, e.good_crt, e.good_key, &good, &d), VG_OK);
	assert_int_equal(vg_tls_client_ctx(cafile, NULL, NULL, &none, &d), VG_OK);
	assert_int_equal(vg_tls_client_ctx(cafile, e.bad_crt, e.bad_key, &bad, &d), VG_OK);
	assert_int_equal(
	    vg_tls_client_ctx(vg_pki_ca_cert_path(e.other), e.good_crt, e.good_key, &wrong_ca, &d),
	    VG_OK);
	SSL_CTX *half;
	assert_int_equal(vg_tls_client_ctx(cafile, e.good_crt, NULL, &half, &d), VG_EINVAL);
	assert_null(half);

	struct side s, c;
	assert_int_equal(handshake(sctx, good, &s, &c), VG_OK);
	assert_int_equal(c.rc, VG_OK);
	assert_int_equal(s.id_rc, VG_OK);
	assert_string_equal(s.cn, "001");
	assert_string_equal(s.serial, e.good_serial);
	assert_int_equal(c.id_rc, VG_OK);
	assert_string_equal(c.cn, "mgr");

	assert_int_not_equal(handshake(sctx, none, &s, &c), VG_OK);
	assert_int_not_equal(handshake(sctx, bad, &s, &c), VG_OK);
	/* A client pinned to another CA refuses the server. */
	handshake(sctx, wrong_ca, &s, &c);
	assert_int_not_equal(c.rc, VG_OK);
	assert_int_not_equal(s.rc, VG_OK);

	/* Without client_ca the server accepts clients without certificates. */
	SSL_CTX *open_srv;
	assert_int_equal(vg_tls_server_ctx(vg_pki_server_cert_path(e.ca),
	                                   vg_pki_server_key_path(e.ca), NULL, &open_srv, &d),
	                 VG_OK);
	assert_int_equal(handshake(open_srv, none, &s, &c), VG_OK);
	assert_int_equal(s.id_rc, VG_ENOENT);

	/* Missing files are reported. */
	SSL_CTX *x;
	assert_int_not_equal(
	    vg_tls_server_ctx("/nonexistent.crt", "/nonexistent.key", NULL, &x, &d), VG_OK);
	assert_null(x);
	assert_true(d.errors > 0);

	SSL_CTX_free(sctx);
	SSL_CTX_free(open_srv);
	SSL_CTX_free(good);
	SSL_CTX_free(none);
	SSL_CTX_free(bad);
	SSL_CTX_free(wrong_ca);
	vg_pki_ca_close(e.ca);
	vg_pki_ca_close(e.other);
	vg_diag_free(&d);
	pt_rmtree(e.dir);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* a refused handshake closes the socket under the writer */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca_create_reload_pin),
		cmocka_unit_test(test_sign_csr),
		cmocka_unit_test(test_tls_mutual),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
