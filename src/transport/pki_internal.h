/*
 * pki_internal.h - helpers shared by the PKI, TLS and enrollment files:
 * certificate serials as text, OpenSSL error reporting and small file
 * writes with a mode.
 */
#ifndef VIGIL_PKI_INTERNAL_H
#define VIGIL_PKI_INTERNAL_H

#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "vigil/error.h"

/* Serial of x as lower-case hex without leading zero bytes. VG_ELIMIT when cap is too small. */
int vg_pki_serial_hex(const X509 *x, char *out, size_t cap);

/* Adds "what[ path]: <OpenSSL error queue>" to d as an error and clears the queue. */
void vg_pki_ossl_error(struct vg_diag *d, const char *what, const char *path);

/* Writes len bytes to path through a temporary file renamed over it, with mode. VG_EIO. */
int vg_pki_write_file(const char *path, const void *data, size_t len, mode_t mode,
                      struct vg_diag *d);

/* Pin (32 hex + NUL) of a certificate. VG_ENOMEM. */
int vg_pki_cert_pin(const X509 *x, char pin[33]);

/*
 * Blocks SIGPIPE in the calling thread (writes to a closed peer then fail
 * with EPIPE instead of killing the process); restore drops a SIGPIPE left
 * pending and puts the old mask back. Implemented in tls.c.
 */
/* A TLS 1.3 client context that verifies nothing by itself: the caller
 * checks the peer's chain after the handshake (enrollment pins the CA). */
int vg_tls_client_ctx_unverified(SSL_CTX **out, struct vg_diag *d);

void vg_tls_sigpipe_block(sigset_t *old);
void vg_tls_sigpipe_restore(const sigset_t *old);

#endif
