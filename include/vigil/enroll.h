/*
 * enroll.h - agent enrollment. An agent holding a token connects to the
 * manager's enrollment port (TLS, server authenticated by the CA pin in the
 * token), sends an ENROLL_REQ frame with its certificate request and gets
 * back its agent id, its certificate and the CA certificate, with which it
 * then connects to the manager with mutual TLS.
 *
 * ENROLL_REQ payload:  {"token":"<id>.<secret>","name":"host","csr":"PEM","version":"x"}
 * ENROLL_RESP payload: {"agent_id":"001","cert":"PEM","ca":"PEM"}
 * ERROR payload:       {"error":"reason"}
 */
#ifndef VIGIL_ENROLL_H
#define VIGIL_ENROLL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "vigil/buf.h"
#include "vigil/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_ENROLL_PORT      1515
#define VG_ENROLL_MAX_REQ   (64u << 10) /* largest ENROLL_REQ payload accepted */
#define VG_ENROLL_CERT_DAYS 730         /* validity of agent certificates */
#define VG_ENROLL_NAME_MAX  127         /* bytes of an agent name */

struct vg_registry;
struct vg_pki_ca;

/*
 * Manager side, no I/O besides the registry and the CA: the payload of an
 * ENROLL_REQ frame in, the payload of the answer appended to resp, and
 * *resp_type = VG_FRAME_ENROLL_RESP or VG_FRAME_ERROR. Refusals (bad JSON,
 * oversize input, name empty, too long or with control characters, bad
 * CSR, unknown/expired/revoked/used-up token) produce an ERROR payload with
 * a short reason and a diag message with the details for the log, and
 * return the refusal's code (VG_EPARSE, VG_ELIMIT, VG_EINVAL, VG_ENOENT,
 * VG_EEXIST). Returns 0 for an enrollment. Other negative codes (VG_ENOMEM,
 * VG_EIO) are internal failures; resp then still holds an ERROR payload.
 */
int vg_enroll_handle(struct vg_registry *r, struct vg_pki_ca *ca, const char *peer_ip,
                     const void *req, size_t len, unsigned *resp_type, struct vg_buf *resp,
                     struct vg_diag *d);

/*
 * Agent side. Connects (timeout_ms for the whole exchange, default 10 s)
 * to host:port (default VG_ENROLL_PORT), checks that the server's chain
 * holds a CA certificate with the token's pin and that the server
 * certificate verifies against it, generates an EC P-256 key, sends the
 * request and writes into dir (created 0700): agent.key (0600), agent.crt,
 * ca.crt and agent.id (the id and a newline). name NULL = the host name.
 * Refuses (VG_EEXIST) to overwrite an existing enrollment unless force.
 * VG_EINVAL: malformed token; VG_ENOMATCH: the manager's CA does not
 * match the token; VG_EIO: network failure; VG_ELIMIT: timeout; VG_EPARSE:
 * bad answer; a refusal by the manager is VG_EINVAL with its reason in d.
 * On success agent_id holds the id.
 */
struct vg_enroll_opts {
	const char *host;
	unsigned port; /* 0 = VG_ENROLL_PORT */
	const char *token;
	const char *name;
	const char *dir;
	unsigned timeout_ms; /* 0 = 10000 */
	bool force;
};
int vg_enroll_client(const struct vg_enroll_opts *o, char agent_id[16], struct vg_diag *d);

/*
 * The enrollment server: listens on host:port (host NULL or "" = every
 * address, port 0 = pick a free one) and serves connections one at a time:
 * TLS with the CA's server certificate (no client certificate), one
 * ENROLL_REQ frame read within 5 s and at most VG_ENROLL_MAX_REQ bytes,
 * vg_enroll_handle(), the answer frame, close. Each enrollment and refusal
 * is logged with vg_log. Returns 0 once *stop becomes non-zero (checked
 * every 200 ms), or a negative code when it cannot listen (d says why).
 * When bound_port is non-NULL the listening port is stored there once the
 * server accepts connections.
 */
struct vg_enroll_server_opts {
	const char *host;
	unsigned port; /* 0 = any free port; use VG_ENROLL_PORT for the standard one */
	struct vg_registry *registry;
	struct vg_pki_ca *ca;
	atomic_int *stop;
	atomic_uint *bound_port; /* may be NULL */
	struct vg_diag *diag;    /* may be NULL */
};
int vg_enroll_server_run(struct vg_enroll_server_opts *o);

#ifdef __cplusplus
}
#endif
#endif
