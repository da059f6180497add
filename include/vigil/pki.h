/*
 * pki.h - the manager's certificate authority. A directory holds ca.crt,
 * ca.key (0600), server.crt (the manager's certificate followed by ca.crt,
 * so servers send the whole chain) and server.key (0600). All keys are EC
 * P-256, all signatures SHA-256. Agents get client certificates signed by
 * this CA at enrollment; they recognise the CA by its pin, the first 32 hex
 * digits of SHA-256 over the CA certificate's DER encoding.
 */
#ifndef VIGIL_PKI_H
#define VIGIL_PKI_H

#include <stddef.h>

#include "vigil/buf.h"
#include "vigil/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_PKI_PIN_LEN 32 /* hex digits of a CA pin */

struct vg_pki_ca;

/*
 * Opens the CA in dir (created 0700 when missing). At first start creates
 * the CA (10 years) and the server certificate (CN = manager_name, 2 years);
 * afterwards loads them, re-creating only a missing server certificate.
 * Creation is serialised by a lock file, so a manager and "vigil agents
 * token create" starting together make one CA. *out is the caller's
 * (vg_pki_ca_close); on failure it is NULL and d says why.
 */
int vg_pki_ca_open(const char *dir, const char *manager_name, struct vg_pki_ca **out,
                   struct vg_diag *d);
/* Frees the CA. NULL-safe. */
void vg_pki_ca_close(struct vg_pki_ca *ca);

/* Paths of the files, owned by ca. */
const char *vg_pki_ca_cert_path(const struct vg_pki_ca *ca);
const char *vg_pki_server_cert_path(const struct vg_pki_ca *ca);
const char *vg_pki_server_key_path(const struct vg_pki_ca *ca);
/* The CA certificate as PEM, owned by ca. */
const char *vg_pki_ca_cert_pem(const struct vg_pki_ca *ca);
/* The pin: first 32 lower-case hex chars of SHA-256(CA cert DER), NUL-terminated. */
void vg_pki_ca_pin(const struct vg_pki_ca *ca, char pin[33]);

/*
 * Pin of a PEM certificate (the first one in pem). VG_EPARSE when pem holds
 * no certificate.
 */
int vg_pki_pem_pin(const char *pem, size_t len, char pin[33]);

/*
 * Signs a PEM certificate request with the CA: the CSR's own signature must
 * verify and its key must be EC (P-256 or P-384) or RSA of 2048 bits or
 * more. The certificate gets subject CN = cn (whatever the CSR asked),
 * extended key usage clientAuth only, CA:FALSE, `days` validity (1..3650)
 * and a random positive 128-bit serial. The PEM is appended to cert_pem and
 * serial_hex receives the serial as lower-case hex. VG_EPARSE for a bad CSR,
 * VG_EINVAL for a refused key or argument (d says which).
 */
int vg_pki_sign_csr(struct vg_pki_ca *ca, const char *csr_pem, size_t len, const char *cn,
                    unsigned days, struct vg_buf *cert_pem, char serial_hex[41], struct vg_diag *d);

#ifdef __cplusplus
}
#endif
#endif
