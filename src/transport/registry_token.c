/*
 * registry_token.c - enrollment tokens (registry.h): creation with a
 * random id and secret of which only the SHA-256 is kept, revocation,
 * listing, and parsing of the "<id>.<secret>.<pin>" strings people copy.
 */
#include "vigil/registry.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "transport/registry_internal.h"

#define ID_HEX     8
#define SECRET_HEX 32
#define PIN_HEX    32

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hexd[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexd[b[i] >> 4];
		out[2 * i + 1] = hexd[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int vg_registry_token_parse(const char *token, char id[9], char secret[33], char pin[33])
{
	id[0] = secret[0] = '\0';
	if (pin)
		pin[0] = '\0';
	if (!token)
		return VG_EINVAL;
	size_t n = strlen(token);
	int with_pin = n == ID_HEX + 1 + SECRET_HEX + 1 + PIN_HEX;
	if (n != ID_HEX + 1 + SECRET_HEX && !with_pin)
		return VG_EINVAL;
	if (with_pin && !pin)
		return VG_EINVAL;
	if (token[ID_HEX] != '.' || !is_hex(token, ID_HEX) ||
	    !is_hex(token + ID_HEX + 1, SECRET_HEX))
		return VG_EINVAL;
	const char *p = token + ID_HEX + 1 + SECRET_HEX;
	if (with_pin && (p[0] != '.' || !is_hex(p + 1, PIN_HEX)))
		return VG_EINVAL;
	memcpy(id, token, ID_HEX);
	id[ID_HEX] = '\0';
	memcpy(secret, token + ID_HEX + 1, SECRET_HEX);
	secret[SECRET_HEX] = '\0';
	if (with_pin) {
		memcpy(pin, p + 1, PIN_HEX);
		pin[PIN_HEX] = '\0';
	}
	return VG_OK;
}

static int insert_token(struct vg_registry *r, const char *id, const unsigned char hash[32],
                        long ttl, unsigned uses, const char *groups)
{
	sqlite3_stmt *st;
	int rc = vg_registry_prepare(r,
	                             "INSERT INTO tokens(id, secret_sha256, created, expires, "
	                             "uses_left, groups) VALUES(?,?,?,?,?,?)",
	                             &st);
	if (rc != VG_OK)
		return rc;
	long long now = (long long)time(NULL);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now + ttl);
	sqlite3_bind_int64(st, 5, uses == 0 ? -1 : (long long)uses);
	sqlite3_bind_text(st, 6, groups ? groups : "", -1, SQLITE_STATIC);
	rc = vg_registry_sqlite_rc(sqlite3_step(st));
	sqlite3_finalize(st);
	return rc;
}

int vg_registry_token_create(struct vg_registry *r, long ttl_seconds, unsigned uses,
                             const char *groups, const char *pin, struct vg_buf *token_out)
{
	if (ttl_seconds <= 0 || ttl_seconds > 10L * 365 * 86400 || !pin || strlen(pin) != PIN_HEX ||
	    !is_hex(pin, PIN_HEX) || !vg_registry_groups_valid(groups))
		return VG_EINVAL;
	if (uses == VG_REGISTRY_UNLIMITED)
		uses = 0;
	unsigned char raw[4 + 16], hash[32];
	char id[ID_HEX + 1], secret[SECRET_HEX + 1];
	int rc = VG_EEXIST;
	pthread_mutex_lock(&r->lock);
	for (int attempt = 0; attempt < 8 && rc == VG_EEXIST; attempt++) {
		if (RAND_bytes(raw, sizeof(raw)) != 1) {
			rc = VG_EIO;
			break;
		}
		to_hex(raw, 4, id);
		to_hex(raw + 4, 16, secret);
		if (!EVP_Digest(secret, SECRET_HEX, hash, NULL, EVP_sha256(), NULL)) {
			rc = VG_ENOMEM;
			break;
		}
		rc = insert_token(r, id, hash, ttl_seconds, uses, groups);
	}
	pthread_mutex_unlock(&r->lock);
	OPENSSL_cleanse(raw, sizeof(raw));
	if (rc == VG_OK)
		rc = vg_buf_printf(token_out, "%s.%s.%s", id, secret, pin);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

int vg_registry_token_revoke(struct vg_registry *r, const char *token_id)
{
	if (!token_id)
		return VG_EINVAL;
	pthread_mutex_lock(&r->lock);
	int rc = vg_registry_change(r, "UPDATE tokens SET revoked = 1 WHERE id = ?1", token_id, 0);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int vg_registry_token_list(struct vg_registry *r,
                           int (*cb)(void *, const char *id, long long expires, unsigned uses_left,
                                     const char *groups, int revoked),
                           void *ctx)
{
	sqlite3_stmt *st;
	pthread_mutex_lock(&r->lock);
	int rc = vg_registry_prepare(r,
	                             "SELECT id, expires, uses_left, groups, revoked FROM tokens "
	                             "ORDER BY created, rowid",
	                             &st);
	int step = SQLITE_DONE;
	while (rc == VG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		long long uses = sqlite3_column_int64(st, 2);
		const unsigned char *groups = sqlite3_column_text(st, 3);
		rc = cb(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
		        uses < 0 ? VG_REGISTRY_UNLIMITED : (unsigned)uses,
		        groups ? (const char *)groups : "", sqlite3_column_int(st, 4));
	}
	if (rc == VG_OK && st)
		rc = vg_registry_sqlite_rc(step);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&r->lock);
	return rc;
}
