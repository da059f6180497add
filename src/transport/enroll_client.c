/*
 * enroll_client.c - the agent's side of enrollment (enroll.h): connects to
 * the manager's enrollment port, authenticates the manager by the CA pin
 * carried in the token, sends a certificate request for a fresh EC key
 * and stores the key, the certificate, the CA and the agent id it gets.
 */
#include "vigil/enroll.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "transport/pki_internal.h"
#include "transport/registry_internal.h"
#include "vigil/frame.h"
#include "vigil/pki.h"
#include "vigil/registry.h"
#include "vigil/tls.h"
#include "vigil/version.h"

#define DEFAULT_TIMEOUT_MS 10000
#define MAX_RESP           (256u << 10)

struct client {
	const struct vg_enroll_opts *o;
	char tid[9], secret[33], pin[33];
	char name[VG_ENROLL_NAME_MAX + 1];
	long long deadline;
	EVP_PKEY *key;
	char *csr;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	struct vg_diag *d;
};

static int fail(struct vg_diag *d, int rc, const char *msg)
{
	vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "%s", msg);
	return rc;
}

static int path_in(const char *dir, const char *file, char *out, size_t cap)
{
	return snprintf(out, cap, "%s/%s", dir, file) < (int)cap ? VG_OK : VG_ELIMIT;
}

static int mkdir_p(const char *dir, struct vg_diag *d)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return VG_ELIMIT;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		goto fail;
	return VG_OK;
fail:
	vg_diag_add(d, VG_DIAG_ERROR, tmp, 0, 0, "cannot create: %s", strerror(errno));
	return VG_EIO;
}

/* ---- preparation: token, name, existing enrollment, key and request ---- */

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > VG_ENROLL_NAME_MAX)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int make_csr(struct client *c)
{
	c->key = EVP_EC_gen("P-256");
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = req ? X509_REQ_get_subject_name(req) : NULL;
	BIO *b = BIO_new(BIO_s_mem());
	int rc = VG_ENOMEM;
	if (c->key && name && b &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)c->name,
	                               -1, -1, 0) &&
	    X509_REQ_set_pubkey(req, c->key) && X509_REQ_sign(req, c->key, EVP_sha256()) > 0 &&
	    PEM_write_bio_X509_REQ(b, req)) {
		char *data;
		long n = BIO_get_mem_data(b, &data);
		c->csr = strndup(data, (size_t)n);
		rc = c->csr ? VG_OK : VG_ENOMEM;
	}
	if (rc != VG_OK)
		vg_pki_ossl_error(c->d, "cannot make the certificate request", NULL);
	BIO_free(b);
	X509_REQ_free(req);
	return rc;
}

static int prepare(struct client *c)
{
	const struct vg_enroll_opts *o = c->o;
	if (!o->host || !*o->host || !o->token || !o->dir)
		return fail(c->d, VG_EINVAL, "manager host, token and directory are needed");
	if (vg_registry_token_parse(o->token, c->tid, c->secret, c->pin) != VG_OK || !c->pin[0])
		return fail(c->d, VG_EINVAL,
		            "malformed token (expected <8 hex>.<32 hex>.<32 hex>)");
	if (o->name)
		snprintf(c->name, sizeof(c->name), "%s", o->name);
	else if (gethostname(c->name, sizeof(c->name)) != 0)
		c->name[0] = '\0';
	c->name[sizeof(c->name) - 1] = '\0';
	if (!name_ok(c->name) || (o->name && strlen(o->name) > VG_ENROLL_NAME_MAX))
		return fail(c->d, VG_EINVAL, "bad agent name (1-127 bytes, no control characters)");
	char p1[4200], p2[4200];
	if (path_in(o->dir, "agent.id", p1, sizeof(p1)) != VG_OK ||
	    path_in(o->dir, "agent.crt", p2, sizeof(p2)) != VG_OK)
		return fail(c->d, VG_ELIMIT, "enrollment directory path too long");
	if (!o->force && (access(p1, F_OK) == 0 || access(p2, F_OK) == 0)) {
		vg_diag_add(c->d, VG_DIAG_ERROR, o->dir, 0, 0,
		            "already holds an enrollment (use --force to replace it)");
		return VG_EEXIST;
	}
	return make_csr(c);
}

/* ---- connection ---- */

static int connect_one(const struct addrinfo *ai, long long deadline)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		long long left = deadline - vg_tls_now_ms();
		int err = 0;
		socklen_t len = sizeof(err);
		if (left > 0 && poll(&p, 1, (int)left) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
			return fd;
		errno = err ? err : ETIMEDOUT;
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static int connect_to(struct client *c)
{
	char port[16];
	snprintf(port, sizeof(port), "%u", c->o->port ? c->o->port : VG_ENROLL_PORT);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int e = getaddrinfo(c->o->host, port, &hints, &res);
	if (e != 0) {
		vg_diag_add(c->d, VG_DIAG_ERROR, NULL, 0, 0, "%s: %s", c->o->host, gai_strerror(e));
		return VG_EIO;
	}
	for (struct addrinfo *ai = res; ai && c->fd < 0; ai = ai->ai_next)
		c->fd = connect_one(ai, c->deadline);
	freeaddrinfo(res);
	if (c->fd < 0) {
		vg_diag_add(c->d, VG_DIAG_ERROR, NULL, 0, 0, "cannot connect to %s:%s: %s",
		            c->o->host, port, strerror(errno));
		return errno == ETIMEDOUT ? VG_ELIMIT : VG_EIO;
	}
	return VG_OK;
}

/* The self-signed CA certificate in the server's chain whose pin is the token's. */
static X509 *pinned_ca(STACK_OF(X509) * chain, const char *pin)
{
	for (int i = 0; chain && i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		char p[33];
		if (vg_pki_cert_pin(x, p) == VG_OK && strcmp(p, pin) == 0 && X509_check_ca(x) > 0 &&
		    X509_check_issued(x, x) == X509_V_OK)
			return x;
	}
	return NULL;
}

/* Verifies leaf (with the untrusted chain) against the single trusted ca. */
static int verify_with(X509 *ca, X509 *leaf, STACK_OF(X509) * chain, int purpose)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *vctx = X509_STORE_CTX_new();
	int ok = store && vctx && X509_STORE_add_cert(store, ca) == 1 &&
	         X509_STORE_CTX_init(vctx, store, leaf, chain) == 1 &&
	         X509_STORE_CTX_set_purpose(vctx, purpose) == 1 && X509_verify_cert(vctx) == 1;
	X509_STORE_CTX_free(vctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return ok;
}

static int tls_connect(struct client *c)
{
	int rc = vg_tls_client_ctx_unverified(&c->ctx, c->d);
	if (rc != VG_OK)
		return rc;
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd))
		return VG_ENOMEM;
	SSL_set_connect_state(c->ssl);
	SSL_set_tlsext_host_name(c->ssl, c->o->host);
	rc = vg_tls_handshake(c->ssl, c->deadline, c->d);
	if (rc != VG_OK)
		return rc;
	/* The handshake proved the server holds the leaf's key; now the chain. */
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
	X509 *leaf = SSL_get0_peer_certificate(c->ssl);
	X509 *ca = pinned_ca(chain, c->pin);
	if (!ca)
		return fail(c->d, VG_ENOMATCH, "manager's CA does not match the token");
	if (!leaf || !verify_with(ca, leaf, chain, X509_PURPOSE_SSL_SERVER))
		return fail(c->d, VG_ENOMATCH,
		            "manager's certificate is not signed by the CA of the token");
	return VG_OK;
}

/* ---- exchange ---- */

static int send_request(struct client *c)
{
	char token[9 + 1 + 32];
	snprintf(token, sizeof(token), "%s.%s", c->tid, c->secret);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "token", token, "name", c->name, "csr",
	                      c->csr, "version", VG_VERSION);
	OPENSSL_cleanse(token, sizeof(token));
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!s)
		return VG_ENOMEM;
	struct vg_buf out;
	vg_buf_init(&out, 0);
	int rc = vg_frame_encode(&out, VG_FRAME_ENROLL_REQ, 0, s, strlen(s));
	OPENSSL_cleanse(s, strlen(s));
	free(s);
	if (rc == VG_OK)
		rc = vg_tls_write_all(c->ssl, out.data, out.len, c->deadline, c->d);
	vg_buf_free(&out);
	return rc;
}

static X509 *pem_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	ERR_clear_error();
	return x;
}

/* Checks the answer: the CA has the token's pin, the certificate is ours and chains to it. */
static int check_answer(struct client *c, const char *id, const char *cert, const char *ca_pem)
{
	if (vg_registry_parse_id(id) < 0)
		return fail(c->d, VG_EPARSE, "manager sent a bad agent id");
	X509 *x = pem_cert(cert), *ca = pem_cert(ca_pem);
	char pin[33] = "";
	int rc = VG_OK;
	if (!x || !ca)
		rc = fail(c->d, VG_EPARSE, "manager sent an unreadable certificate");
	else if (vg_pki_cert_pin(ca, pin) != VG_OK || strcmp(pin, c->pin) != 0)
		rc = fail(c->d, VG_ENOMATCH, "manager's CA does not match the token");
	else if (X509_check_private_key(x, c->key) != 1 ||
	         !verify_with(ca, x, NULL, X509_PURPOSE_SSL_CLIENT))
		rc = fail(c->d, VG_EPARSE, "manager sent a certificate that is not valid for us");
	X509_free(x);
	X509_free(ca);
	ERR_clear_error();
	return rc;
}

static int save_files(struct client *c, const char *id, const char *cert, const char *ca_pem)
{
	const char *dir = c->o->dir;
	char path[4200];
	int rc = mkdir_p(dir, c->d);
	BIO *b = BIO_new(BIO_s_mem());
	if (rc == VG_OK && (!b || !PEM_write_bio_PrivateKey(b, c->key, NULL, NULL, 0, NULL, NULL)))
		rc = VG_ENOMEM;
	if (rc == VG_OK && (rc = path_in(dir, "agent.key", path, sizeof(path))) == VG_OK) {
		char *data;
		long n = BIO_get_mem_data(b, &data);
		rc = vg_pki_write_file(path, data, (size_t)n, 0600, c->d);
	}
	BIO_free(b);
	if (rc == VG_OK && (rc = path_in(dir, "agent.crt", path, sizeof(path))) == VG_OK)
		rc = vg_pki_write_file(path, cert, strlen(cert), 0644, c->d);
	if (rc == VG_OK && (rc = path_in(dir, "ca.crt", path, sizeof(path))) == VG_OK)
		rc = vg_pki_write_file(path, ca_pem, strlen(ca_pem), 0644, c->d);
	char line[32];
	snprintf(line, sizeof(line), "%s\n", id);
	if (rc == VG_OK && (rc = path_in(dir, "agent.id", path, sizeof(path))) == VG_OK)
		rc = vg_pki_write_file(path, line, strlen(line), 0644, c->d);
	return rc;
}

/* Reads the answer frame and, for ENROLL_RESP, checks and saves it. */
static int receive(struct client *c, char agent_id[16])
{
	struct vg_buf in;
	struct vg_frame f;
	vg_buf_init(&in, VG_FRAME_HEADER + MAX_RESP);
	int rc = vg_tls_read_frame(c->ssl, &in, MAX_RESP, &f, c->deadline, c->d);
	json_t *root = NULL;
	if (rc == VG_OK)
		root = json_loadb((const char *)f.payload, f.length, 0, NULL);
	if (rc == VG_OK && !json_is_object(root))
		rc = fail(c->d, VG_EPARSE, "manager sent a malformed answer");
	if (rc == VG_OK && f.type == VG_FRAME_ERROR) {
		const char *why = json_string_value(json_object_get(root, "error"));
		vg_diag_add(c->d, VG_DIAG_ERROR, NULL, 0, 0, "manager refused the enrollment: %s",
		            why ? why : "no reason given");
		rc = VG_EINVAL;
	} else if (rc == VG_OK) {
		const char *id = json_string_value(json_object_get(root, "agent_id"));
		const char *cert = json_string_value(json_object_get(root, "cert"));
		const char *ca = json_string_value(json_object_get(root, "ca"));
		if (f.type != VG_FRAME_ENROLL_RESP || !id || !cert || !ca || strlen(id) > 15)
			rc = fail(c->d, VG_EPARSE, "manager sent a malformed answer");
		if (rc == VG_OK)
			rc = check_answer(c, id, cert, ca);
		if (rc == VG_OK)
			rc = save_files(c, id, cert, ca);
		if (rc == VG_OK)
			snprintf(agent_id, 16, "%s", id);
	}
	json_decref(root);
	vg_buf_free(&in);
	return rc;
}

int vg_enroll_client(const struct vg_enroll_opts *o, char agent_id[16], struct vg_diag *d)
{
	agent_id[0] = '\0';
	if (!o)
		return VG_EINVAL;
	struct client c = { .o = o, .fd = -1, .d = d };
	c.deadline = vg_tls_now_ms() + (o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS);
	sigset_t old;
	vg_tls_sigpipe_block(&old);
	int rc = prepare(&c);
	if (rc == VG_OK)
		rc = connect_to(&c);
	if (rc == VG_OK)
		rc = tls_connect(&c);
	if (rc == VG_OK)
		rc = send_request(&c);
	if (rc == VG_OK)
		rc = receive(&c, agent_id);
	if (c.ssl && rc == VG_OK)
		SSL_shutdown(c.ssl);
	SSL_free(c.ssl);
	SSL_CTX_free(c.ctx);
	if (c.fd >= 0)
		close(c.fd);
	EVP_PKEY_free(c.key);
	free(c.csr);
	OPENSSL_cleanse(c.secret, sizeof(c.secret));
	vg_tls_sigpipe_restore(&old);
	return rc;
}
