/*
 * tls.h - TLS 1.3 contexts and blocking-with-deadline I/O for the agent,
 * the manager and enrollment. OpenSSL 3 only; every context refuses any
 * protocol older than TLS 1.3. Certificates are checked against Vigil's own
 * private CA, which is pinned, so host names are never checked.
 */
#ifndef VIGIL_TLS_H
#define VIGIL_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "vigil/buf.h"
#include "vigil/error.h"
#include "vigil/frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Server context from a certificate chain file (leaf first, then any
 * intermediates or the CA, all sent to the peer) and its key. When client_ca
 * is non-NULL, clients must present a certificate chaining to it (mutual
 * TLS); otherwise no client certificate is asked for. On success *out is the
 * caller's (SSL_CTX_free); on failure *out is NULL and d says why.
 */
int vg_tls_server_ctx(const char *cert, const char *key, const char *client_ca, SSL_CTX **out,
                      struct vg_diag *d);

/*
 * Client context verifying the server against the CA file ca (host name not
 * checked). cert and key, both or neither, are the client's own certificate
 * for mutual TLS. Ownership as for vg_tls_server_ctx().
 */
int vg_tls_client_ctx(const char *ca, const char *cert, const char *key, SSL_CTX **out,
                      struct vg_diag *d);

/*
 * The peer certificate of an established connection: its subject CN and its
 * serial number as lower-case hex (the format vg_pki_sign_csr() returns).
 * VG_ENOENT when the peer sent no certificate, VG_ELIMIT when a value does
 * not fit (outputs are then empty strings).
 */
int vg_tls_peer_identity(SSL *ssl, char *cn, size_t cn_cap, char *serial, size_t serial_cap);

/* Milliseconds on CLOCK_MONOTONIC: the clock of every deadline below. */
long long vg_tls_now_ms(void);

/*
 * I/O on an SSL whose socket is non-blocking, waiting with poll() until the
 * absolute deadline (vg_tls_now_ms() based). Each returns 0 when done,
 * VG_ELIMIT when the deadline passed, VG_EIO on a TLS or socket error
 * (described in d, which may be NULL).
 */
int vg_tls_handshake(SSL *ssl, long long deadline_ms, struct vg_diag *d);
int vg_tls_write_all(SSL *ssl, const void *data, size_t len, long long deadline_ms,
                     struct vg_diag *d);
/*
 * Reads exactly one frame of at most max_payload bytes into buf (reset
 * first) and points *f into it. VG_EPARSE/VG_ELIMIT for a bad or oversize
 * header (see vg_frame_decode), VG_EIO when the peer closes early.
 */
int vg_tls_read_frame(SSL *ssl, struct vg_buf *buf, uint32_t max_payload, struct vg_frame *f,
                      long long deadline_ms, struct vg_diag *d);

#ifdef __cplusplus
}
#endif
#endif
