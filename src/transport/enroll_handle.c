/*
 * enroll_handle.c - the manager's side of one enrollment (enroll.h):
 * validates an ENROLL_REQ payload, checks the token and registers the
 * agent in the registry, signs its certificate request with the CA, and
 * builds the ENROLL_RESP or ERROR payload. No network I/O here, so it is
 * tested and fuzzed directly.
 */
#include "vigil/enroll.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "vigil/frame.h"
#include "vigil/pki.h"
#include "vigil/registry.h"

#define MAX_CSR_LEN     (16u << 10)
#define MAX_VERSION_LEN 31

struct request {
	const char *token, *name, *csr, *version;
	size_t csr_len;
};

struct issue_ctx {
	struct vg_pki_ca *ca;
	const struct request *req;
	struct vg_buf cert;
	struct vg_diag *d;
	int sign_rc;
};

/* The ERROR payload for reason, and the log line in d. Returns code. */
static int refuse(struct vg_buf *resp, unsigned *resp_type, struct vg_diag *d, const char *ip,
                  int code, const char *reason, const char *detail)
{
	vg_buf_reset(resp);
	*resp_type = VG_FRAME_ERROR;
	if (vg_buf_addstr(resp, "{\"error\":\"") != VG_OK ||
	    vg_buf_add_json_str(resp, reason, strlen(reason)) != VG_OK ||
	    vg_buf_addstr(resp, "\"}") != VG_OK)
		return VG_ENOMEM;
	vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "enrollment from %s refused: %s%s%s", ip, reason,
	            detail ? ": " : "", detail ? detail : "");
	return code;
}

/* Printable text of at most max bytes: no control characters (UTF-8 is fine). */
static int text_ok(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max || strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

/* Reads the request's fields (pointing into root); the reason when refused. */
static const char *parse_request(json_t *root, struct request *q)
{
	if (!json_is_object(root))
		return "request is not a JSON object";
	json_t *token = json_object_get(root, "token");
	json_t *name = json_object_get(root, "name");
	json_t *csr = json_object_get(root, "csr");
	json_t *version = json_object_get(root, "version");
	if (!json_is_string(token) || !json_is_string(name) || !json_is_string(csr))
		return "request needs token, name and csr strings";
	if (version && !json_is_null(version) && !json_is_string(version))
		return "version must be a string";
	q->token = json_string_value(token);
	q->name = json_string_value(name);
	q->csr = json_string_value(csr);
	q->csr_len = json_string_length(csr);
	q->version = json_is_string(version) ? json_string_value(version) : "";
	if (!text_ok(q->name, json_string_length(name), VG_ENROLL_NAME_MAX))
		return "agent name empty, too long or with control characters";
	if (*q->version && !text_ok(q->version, json_string_length(version), MAX_VERSION_LEN))
		return "bad version string";
	if (q->csr_len == 0 || q->csr_len > MAX_CSR_LEN || strlen(q->csr) != q->csr_len)
		return "certificate request missing or too long";
	return NULL;
}

static int issue_cert(void *vctx, const char *agent_id, char serial[41])
{
	struct issue_ctx *c = vctx;
	vg_buf_reset(&c->cert);
	c->sign_rc = vg_pki_sign_csr(c->ca, c->req->csr, c->req->csr_len, agent_id,
	                             VG_ENROLL_CERT_DAYS, &c->cert, serial, c->d);
	return c->sign_rc;
}

static int build_response(struct vg_buf *resp, const struct vg_agent_rec *a, const char *cert,
                          const char *ca_pem)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "agent_id", a->id, "cert", cert, "ca", ca_pem);
	if (!o)
		return VG_ENOMEM;
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return VG_ENOMEM;
	vg_buf_reset(resp);
	int rc = vg_buf_addstr(resp, s);
	free(s);
	return rc;
}

/* Registers the agent and signs its certificate; the request is valid. */
static int enroll_request(struct vg_registry *r, struct vg_pki_ca *ca, const char *ip,
                          const struct request *q, unsigned *resp_type, struct vg_buf *resp,
                          struct vg_diag *d)
{
	char tid[9], secret[33];
	if (vg_registry_token_parse(q->token, tid, secret, NULL) != VG_OK)
		return refuse(resp, resp_type, d, ip, VG_EINVAL, "malformed token", NULL);
	struct issue_ctx ic = { .ca = ca, .req = q, .d = d, .sign_rc = VG_OK };
	vg_buf_init(&ic.cert, 64 << 10);
	struct vg_registry_enroll e = { .token_id = tid,
		                        .secret = secret,
		                        .name = q->name,
		                        .ip = ip,
		                        .version = q->version,
		                        .issue = issue_cert,
		                        .ctx = &ic };
	struct vg_agent_rec a;
	const char *reason = NULL;
	int rc = vg_registry_enroll(r, &e, &a, &reason);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc == VG_OK)
		rc = build_response(resp, &a, vg_buf_str(&ic.cert), vg_pki_ca_cert_pem(ca));
	if (rc == VG_OK) {
		*resp_type = VG_FRAME_ENROLL_RESP;
		vg_diag_add(d, VG_DIAG_INFO, NULL, 0, 0,
		            "agent %s \"%s\" enrolled from %s with token %s (serial %s)", a.id,
		            a.name, ip, tid, a.cert_serial);
	} else if (reason) {
		rc = refuse(resp, resp_type, d, ip, rc, reason, tid);
	} else if (ic.sign_rc == VG_EPARSE || ic.sign_rc == VG_EINVAL) {
		rc = refuse(resp, resp_type, d, ip, ic.sign_rc, "bad certificate request", NULL);
	} else {
		refuse(resp, resp_type, d, ip, rc, "internal error", vg_strerror(rc));
	}
	vg_buf_free(&ic.cert);
	return rc;
}

int vg_enroll_handle(struct vg_registry *r, struct vg_pki_ca *ca, const char *peer_ip,
                     const void *req, size_t len, unsigned *resp_type, struct vg_buf *resp,
                     struct vg_diag *d)
{
	const char *ip = peer_ip ? peer_ip : "?";
	if (len > VG_ENROLL_MAX_REQ)
		return refuse(resp, resp_type, d, ip, VG_ELIMIT, "request too large", NULL);
	json_error_t err;
	json_t *root = json_loadb(req, len, JSON_REJECT_DUPLICATES, &err);
	if (!root)
		return refuse(resp, resp_type, d, ip, VG_EPARSE, "request is not valid JSON",
		              err.text);
	struct request q;
	const char *bad = parse_request(root, &q);
	int rc = bad ? refuse(resp, resp_type, d, ip, VG_EPARSE, bad, NULL)
	             : enroll_request(r, ca, ip, &q, resp_type, resp, d);
	json_decref(root);
	return rc;
}
