/*
 * tls.c - TLS 1.3 contexts for servers and clients, the identity of a
 * connected peer, and I/O with an absolute deadline on non-blocking
 * sockets (tls.h). Verification is against Vigil's private CA only.
 */
#include "vigil/tls.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "transport/pki_internal.h"

static SSL_CTX *new_ctx(const SSL_METHOD *method, struct vg_diag *d)
{
	SSL_CTX *ctx = SSL_CTX_new(method);
	if (!ctx) {
		vg_pki_ossl_error(d, "cannot create a TLS context", NULL);
		return NULL;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
		vg_pki_ossl_error(d, "cannot require TLS 1.3", NULL);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}

static int load_pair(SSL_CTX *ctx, const char *cert, const char *key, struct vg_diag *d)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		vg_pki_ossl_error(d, "cannot load the certificate", cert);
		return VG_EIO;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		vg_pki_ossl_error(d, "cannot load the key", key);
		return VG_EIO;
	}
	return VG_OK;
}

int vg_tls_server_ctx(const char *cert, const char *key, const char *client_ca, SSL_CTX **out,
                      struct vg_diag *d)
{
	*out = NULL;
	if (!cert || !key)
		return VG_EINVAL;
	SSL_CTX *ctx = new_ctx(TLS_server_method(), d);
	if (!ctx)
		return VG_ENOMEM;
	int rc = load_pair(ctx, cert, key, d);
	if (rc == VG_OK && client_ca) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca);
		if (!names || SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			vg_pki_ossl_error(d, "cannot load the client CA", client_ca);
			rc = VG_EIO;
		} else {
			SSL_CTX_set_client_CA_list(ctx, names);
			SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			                   NULL);
		}
	}
	if (rc != VG_OK)
		SSL_CTX_free(ctx);
	else
		*out = ctx;
	return rc;
}

int vg_tls_client_ctx(const char *ca, const char *cert, const char *key, SSL_CTX **out,
                      struct vg_diag *d)
{
	*out = NULL;
	if (!ca || !cert != !key)
		return VG_EINVAL;
	SSL_CTX *ctx = new_ctx(TLS_client_method(), d);
	if (!ctx)
		return VG_ENOMEM;
	int rc = VG_OK;
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		vg_pki_ossl_error(d, "cannot load the CA", ca);
		rc = VG_EIO;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (rc == VG_OK && cert)
		rc = load_pair(ctx, cert, key, d);
	if (rc != VG_OK)
		SSL_CTX_free(ctx);
	else
		*out = ctx;
	return rc;
}

int vg_tls_client_ctx_unverified(SSL_CTX **out, struct vg_diag *d)
{
	*out = new_ctx(TLS_client_method(), d);
	if (!*out)
		return VG_ENOMEM;
	SSL_CTX_set_verify(*out, SSL_VERIFY_NONE, NULL);
	return VG_OK;
}

static int subject_cn(X509 *x, char *cn, size_t cap)
{
	X509_NAME *name = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i < 0)
		return VG_OK; /* no CN: empty */
	unsigned char *utf8 = NULL;
	int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n < 0)
		return VG_EPARSE;
	int rc = VG_OK;
	if ((size_t)n + 1 > cap || memchr(utf8, '\0', (size_t)n))
		rc = VG_ELIMIT;
	else
		memcpy(cn, utf8, (size_t)n + 1);
	OPENSSL_free(utf8);
	return rc;
}

int vg_tls_peer_identity(SSL *ssl, char *cn, size_t cn_cap, char *serial, size_t serial_cap)
{
	if (cn_cap)
		cn[0] = '\0';
	if (serial_cap)
		serial[0] = '\0';
	X509 *x = SSL_get0_peer_certificate(ssl);
	if (!x)
		return VG_ENOENT;
	int rc = subject_cn(x, cn, cn_cap);
	if (rc == VG_OK)
		rc = vg_pki_serial_hex(x, serial, serial_cap);
	if (rc != VG_OK) {
		if (cn_cap)
			cn[0] = '\0';
		if (serial_cap)
			serial[0] = '\0';
	}
	return rc;
}

long long vg_tls_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * After an SSL call returned ret: waits for the socket when OpenSSL asks
 * to (0 = retry), or reports the failure.
 */
static int wait_io(SSL *ssl, int ret, long long deadline_ms, const char *what, struct vg_diag *d)
{
	int err = SSL_get_error(ssl, ret);
	short events;
	if (err == SSL_ERROR_WANT_READ) {
		events = POLLIN;
	} else if (err == SSL_ERROR_WANT_WRITE) {
		events = POLLOUT;
	} else {
		if (err == SSL_ERROR_SSL)
			vg_pki_ossl_error(d, what, NULL);
		else if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && errno == 0))
			vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "%s: connection closed", what);
		else
			vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "%s: %s", what, strerror(errno));
		ERR_clear_error();
		return VG_EIO;
	}
	for (;;) {
		long long left = deadline_ms - vg_tls_now_ms();
		if (left <= 0) {
			vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "%s: timed out", what);
			return VG_ELIMIT;
		}
		struct pollfd p = { .fd = SSL_get_fd(ssl), .events = events };
		int n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (n > 0)
			return VG_OK;
		if (n < 0 && errno != EINTR) {
			vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "%s: %s", what, strerror(errno));
			return VG_EIO;
		}
	}
}

int vg_tls_handshake(SSL *ssl, long long deadline_ms, struct vg_diag *d)
{
	for (;;) {
		errno = 0;
		int ret = SSL_do_handshake(ssl);
		if (ret == 1)
			return VG_OK;
		int rc = wait_io(ssl, ret, deadline_ms, "TLS handshake", d);
		if (rc != VG_OK)
			return rc;
	}
}

int vg_tls_write_all(SSL *ssl, const void *data, size_t len, long long deadline_ms,
                     struct vg_diag *d)
{
	const char *p = data;
	while (len > 0) {
		size_t done = 0;
		errno = 0;
		int ret = SSL_write_ex(ssl, p, len, &done);
		if (ret == 1) {
			p += done;
			len -= done;
			continue;
		}
		int rc = wait_io(ssl, ret, deadline_ms, "TLS write", d);
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}

int vg_tls_read_frame(SSL *ssl, struct vg_buf *buf, uint32_t max_payload, struct vg_frame *f,
                      long long deadline_ms, struct vg_diag *d)
{
	vg_buf_reset(buf);
	size_t want = VG_FRAME_HEADER;
	for (;;) {
		long n = vg_frame_decode(buf->data, buf->len, max_payload, f);
		if (n > 0)
			return VG_OK; /* the frame points into buf */
		if (n < 0) {
			vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "bad frame: %s",
			            vg_strerror((int)n));
			return (int)n;
		}
		if (buf->len >= VG_FRAME_HEADER) {
			const uint8_t *h = (const uint8_t *)buf->data;
			want = VG_FRAME_HEADER +
			       ((size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7]);
		}
		char chunk[16384];
		size_t room = want - buf->len < sizeof(chunk) ? want - buf->len : sizeof(chunk);
		size_t got = 0;
		errno = 0;
		int ret = SSL_read_ex(ssl, chunk, room, &got);
		if (ret == 1) {
			int rc = vg_buf_add(buf, chunk, got);
			if (rc != VG_OK)
				return rc;
			continue;
		}
		int rc = wait_io(ssl, ret, deadline_ms, "TLS read", d);
		if (rc != VG_OK)
			return rc;
	}
}

void vg_tls_sigpipe_block(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

void vg_tls_sigpipe_restore(const sigset_t *old)
{
	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (sigismember(old, SIGPIPE))
		return; /* it was blocked before: leave it to the caller */
	struct timespec zero = { 0, 0 };
	while (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
		if (sigtimedwait(&set, NULL, &zero) < 0)
			break;
	pthread_sigmask(SIG_SETMASK, old, NULL);
}
