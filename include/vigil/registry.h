/*
 * registry.h - the manager's record of enrollment tokens and agents, an
 * SQLite database (WAL mode, usually <data_dir>/registry.db) with one
 * versioned schema (PRAGMA user_version). One struct vg_registry may be
 * shared by threads (calls are serialised); several processes (the manager
 * and "vigil agents") may open the same file at once.
 */
#ifndef VIGIL_REGISTRY_H
#define VIGIL_REGISTRY_H

#include <limits.h>
#include <stddef.h>

#include "vigil/buf.h"
#include "vigil/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_REGISTRY_UNLIMITED UINT_MAX /* uses_left of a token created with uses 0 */

struct vg_registry;

/*
 * Opens (creating when missing, 0600) the database at path and brings its
 * schema up to date. VG_EUNSUP for a database written by a newer Vigil.
 * *out is the caller's (vg_registry_close); NULL on failure.
 */
int vg_registry_open(const char *path, struct vg_registry **out, struct vg_diag *d);
/* Closes the database. NULL-safe. */
void vg_registry_close(struct vg_registry *r);

struct vg_agent_rec {
	char id[16];
	char name[128];
	char ip[64];
	char groups[256]; /* comma list */
	char cert_serial[41];
	char version[32];
	int revoked;
	int connected;
	long long registered, last_seen; /* Unix seconds; last_seen 0 = never */
	unsigned long long events;
	double eps;
};

/*
 * Tokens. A token has an id (8 hex), a secret (32 hex) of which only the
 * SHA-256 is stored, an expiry, a use count and the groups agents enrolled
 * with it join. The string given to people is "<id>.<secret>.<pin>", pin
 * being the CA pin (vg_pki_ca_pin). uses 0 = unlimited; ttl_seconds must
 * be positive; groups may be NULL. The token string is appended to
 * token_out. VG_EINVAL for bad arguments.
 */
int vg_registry_token_create(struct vg_registry *r, long ttl_seconds, unsigned uses,
                             const char *groups, const char *pin, struct vg_buf *token_out);
/* Revokes a token; VG_ENOENT when there is none with that id. */
int vg_registry_token_revoke(struct vg_registry *r, const char *token_id);
/*
 * Calls cb for every token, oldest first; uses_left is VG_REGISTRY_UNLIMITED
 * for unlimited tokens. A non-zero return from cb stops the walk and is
 * returned.
 */
int vg_registry_token_list(struct vg_registry *r,
                           int (*cb)(void *, const char *id, long long expires, unsigned uses_left,
                                     const char *groups, int revoked),
                           void *ctx);

/*
 * Enrollment: checks the token (id and secret as given by the agent, the
 * secret compared in constant time), then in one transaction creates the
 * agent, calls issue() to make its certificate (issue writes the serial
 * and returns 0 or a VG_E* code), stores the serial and consumes one use
 * of the token. Any failure rolls everything back. An existing agent with
 * the same name is revoked and replaced when it is not connected;
 * otherwise the enrollment is refused. On refusal *reason (static text for
 * the peer) says why: VG_ENOENT "invalid token" (unknown id or wrong
 * secret), VG_ELIMIT "token expired" / "token used up", VG_EINVAL "token
 * revoked", VG_EEXIST "agent name in use by a connected agent".
 * On success *out describes the new agent.
 */
struct vg_registry_enroll {
	const char *token_id, *secret; /* from the request */
	const char *name, *ip, *version;
	int (*issue)(void *ctx, const char *agent_id, char serial[41]);
	void *ctx;
};
int vg_registry_enroll(struct vg_registry *r, const struct vg_registry_enroll *e,
                       struct vg_agent_rec *out, const char **reason);

/* Agents: ids are "001", "002", ... in order of enrollment, never reused. */
int vg_registry_agent_get(struct vg_registry *r, const char *id, struct vg_agent_rec *out);
/* Calls cb for every agent (removed ones excepted) by id; a non-zero return stops and is returned. */
int vg_registry_agent_list(struct vg_registry *r, int (*cb)(void *, const struct vg_agent_rec *),
                           void *ctx);
/* Each returns VG_ENOENT when the agent does not exist. */
int vg_registry_agent_revoke(struct vg_registry *r, const char *id);
int vg_registry_agent_remove(struct vg_registry *r, const char *id);
int vg_registry_agent_set_groups(struct vg_registry *r, const char *id, const char *groups);

/* Live status, written by the manager. version may be NULL (kept). VG_ENOENT for an unknown id. */
int vg_registry_agent_status(struct vg_registry *r, const char *id, int connected,
                             long long last_seen, const char *version, unsigned long long events,
                             double eps);
struct vg_agent_status {
	const char *id;
	int connected;
	long long last_seen;
	const char *version; /* NULL: kept */
	unsigned long long events;
	double eps;
};
/* Several statuses in one transaction; unknown ids are skipped. */
int vg_registry_agent_status_many(struct vg_registry *r, const struct vg_agent_status *s, size_t n);
/* Marks every agent disconnected (the manager calls it when it starts). */
int vg_registry_agent_disconnect_all(struct vg_registry *r);

/*
 * May a TLS peer presenting certificate (CN = id, serial) connect?
 * 0: yes, and *out (may be NULL) describes the agent.
 * VG_ENOENT: no such agent (never enrolled or removed).
 * VG_EINVAL: the agent is revoked.
 * VG_ENOMATCH: the serial is not the agent's current certificate (it
 *              re-enrolled, or the certificate is forged from another CA).
 */
int vg_registry_agent_check(struct vg_registry *r, const char *id, const char *serial,
                            struct vg_agent_rec *out);

/* Splits a token string "<id>.<secret>[.<pin>]" (pin may be NULL when absent);
 * checks lengths and hex digits. VG_EINVAL for a malformed token. */
int vg_registry_token_parse(const char *token, char id[9], char secret[33], char pin[33]);

#ifdef __cplusplus
}
#endif
#endif
