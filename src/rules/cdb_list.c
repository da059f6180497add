/*
 * cdb_list.c - Wazuh CDB lists compiled from their text source.
 *
 * A list file holds one "key:value" per line; a key containing ':' is written
 * in double quotes, the value may be empty. Lines are read once into an
 * open-addressing hash table (first definition of a key wins, as with a CDB
 * built by Wazuh's makelists) that rules query through vg_cdb_check(). The
 * address lookups try the exact address and then the dotted network prefixes
 * "a.b.c.", "a.b.", "a." that Wazuh lists use for subnets.
 */
#include "vigil/cdb.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/arena.h"

struct cdb_entry {
	const char *key; /* NULL = empty slot */
	const char *value;
	uint32_t hash;
};

struct vg_cdb {
	struct vg_arena *arena;
	struct cdb_entry *slots;
	size_t nslots; /* power of two */
	size_t count;
};

static const char *const lookup_names[] = {
	[VG_CDB_MATCH_KEY] = "match_key",
	[VG_CDB_NOT_MATCH_KEY] = "not_match_key",
	[VG_CDB_MATCH_KEY_VALUE] = "match_key_value",
	[VG_CDB_ADDRESS_MATCH_KEY] = "address_match_key",
	[VG_CDB_NOT_ADDRESS_MATCH_KEY] = "not_address_match_key",
	[VG_CDB_ADDRESS_MATCH_KEY_VALUE] = "address_match_key_value",
};

int vg_cdb_lookup_kind(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < sizeof(lookup_names) / sizeof(lookup_names[0]); i++)
		if (strcmp(name, lookup_names[i]) == 0)
			return (int)i;
	return -1;
}

/* FNV-1a over len bytes. */
static uint32_t cdb_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int cdb_grow(struct vg_cdb *db)
{
	size_t n = db->nslots ? db->nslots * 2 : 64;
	struct cdb_entry *slots = calloc(n, sizeof(*slots));
	if (!slots)
		return VG_ENOMEM;
	for (size_t i = 0; i < db->nslots; i++) {
		struct cdb_entry *e = &db->slots[i];
		if (!e->key)
			continue;
		size_t j = e->hash & (n - 1);
		while (slots[j].key)
			j = (j + 1) & (n - 1);
		slots[j] = *e;
	}
	free(db->slots);
	db->slots = slots;
	db->nslots = n;
	return VG_OK;
}

/* Finds key (len bytes); returns its entry or NULL. */
static const struct cdb_entry *cdb_find(const struct vg_cdb *db, const char *key, size_t len)
{
	if (!db || db->nslots == 0)
		return NULL;
	uint32_t h = cdb_hash(key, len);
	size_t j = h & (db->nslots - 1);
	while (db->slots[j].key) {
		const struct cdb_entry *e = &db->slots[j];
		if (e->hash == h && strlen(e->key) == len && memcmp(e->key, key, len) == 0)
			return e;
		j = (j + 1) & (db->nslots - 1);
	}
	return NULL;
}

static int cdb_insert(struct vg_cdb *db, const char *key, size_t klen, const char *val, size_t vlen)
{
	if (cdb_find(db, key, klen))
		return VG_OK; /* the first definition wins */
	if ((db->count + 1) * 2 > db->nslots) {
		int rc = cdb_grow(db);
		if (rc)
			return rc;
	}
	char *k = vg_arena_strndup(db->arena, key, klen);
	char *v = vg_arena_strndup(db->arena, val, vlen);
	if (!k || !v)
		return VG_ENOMEM;
	uint32_t h = cdb_hash(key, klen);
	size_t j = h & (db->nslots - 1);
	while (db->slots[j].key)
		j = (j + 1) & (db->nslots - 1);
	db->slots[j] = (struct cdb_entry){ .key = k, .value = v, .hash = h };
	db->count++;
	return VG_OK;
}

/* Parses one line (without its newline) and inserts it. */
static int cdb_parse_line(struct vg_cdb *db, const char *p, size_t len, const char *name,
                          unsigned lineno, struct vg_diag *diag)
{
	while (len && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len == 0)
		return VG_OK;
	const char *key = p, *colon;
	size_t klen;
	if (p[0] == '"') {
		const char *q = memchr(p + 1, '"', len - 1);
		if (!q || (size_t)(q - p) + 1 >= len || q[1] != ':') {
			vg_diag_add(diag, VG_DIAG_WARNING, name, lineno, 1,
			            "expected '\"key\":value', line skipped");
			return VG_OK;
		}
		key = p + 1;
		klen = (size_t)(q - key);
		colon = q + 1;
	} else {
		colon = memchr(p, ':', len);
		if (!colon) {
			vg_diag_add(diag, VG_DIAG_WARNING, name, lineno, 1,
			            "expected 'key:value', line skipped");
			return VG_OK;
		}
		klen = (size_t)(colon - p);
	}
	const char *val = colon + 1;
	size_t vlen = len - (size_t)(val - p);
	if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
		val++;
		vlen -= 2;
	}
	return cdb_insert(db, key, klen, val, vlen);
}

int vg_cdb_load_buffer(const char *buf, size_t len, const char *name, struct vg_cdb **out,
                       struct vg_diag *diag)
{
	*out = NULL;
	struct vg_cdb *db = calloc(1, sizeof(*db));
	if (!db)
		return VG_ENOMEM;
	db->arena = vg_arena_create(0);
	if (!db->arena) {
		free(db);
		return VG_ENOMEM;
	}
	size_t pos = 0;
	unsigned lineno = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		lineno++;
		int rc = cdb_parse_line(db, buf + pos, end - pos, name, lineno, diag);
		if (rc) {
			vg_cdb_destroy(db);
			return rc;
		}
		pos = end + 1;
	}
	*out = db;
	return VG_OK;
}

int vg_cdb_load(const char *path, struct vg_cdb **out, struct vg_diag *diag)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		int rc = errno == ENOENT ? VG_ENOENT : VG_EIO;
		vg_diag_add(diag, VG_DIAG_ERROR, path, 0, 0, "cannot open list: %s",
		            strerror(errno));
		return rc;
	}
	char *data = NULL;
	size_t len = 0, cap = 0;
	int rc = VG_OK;
	for (;;) {
		if (len + 4096 > cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nd = realloc(data, ncap);
			if (!nd) {
				rc = VG_ENOMEM;
				goto out;
			}
			data = nd;
			cap = ncap;
		}
		size_t n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		vg_diag_add(diag, VG_DIAG_ERROR, path, 0, 0, "cannot read list");
		rc = VG_EIO;
		goto out;
	}
	rc = vg_cdb_load_buffer(data ? data : "", len, path, out, diag);
out:
	free(data);
	fclose(f);
	return rc;
}

void vg_cdb_destroy(struct vg_cdb *db)
{
	if (!db)
		return;
	free(db->slots);
	vg_arena_destroy(db->arena);
	free(db);
}

size_t vg_cdb_count(const struct vg_cdb *db)
{
	return db ? db->count : 0;
}

const char *vg_cdb_get(const struct vg_cdb *db, const char *key)
{
	if (!key)
		return NULL;
	const struct cdb_entry *e = cdb_find(db, key, strlen(key));
	return e ? e->value : NULL;
}

const char *vg_cdb_get_address(const struct vg_cdb *db, const char *addr)
{
	if (!addr)
		return NULL;
	size_t len = strlen(addr);
	const struct cdb_entry *e = cdb_find(db, addr, len);
	if (e)
		return e->value;
	/* Shorter and shorter network prefixes, each keeping its trailing dot. */
	while (len > 0) {
		len--;
		while (len > 0 && addr[len - 1] != '.')
			len--;
		if (len == 0)
			break;
		e = cdb_find(db, addr, len);
		if (e)
			return e->value;
		len--; /* step over the dot */
	}
	return NULL;
}

bool vg_cdb_check(const struct vg_cdb *db, enum vg_cdb_lookup how, const char *key,
                  const struct vg_pattern *value_pat, struct vg_pattern_scratch *scratch)
{
	const char *v;
	switch (how) {
	case VG_CDB_MATCH_KEY: return vg_cdb_get(db, key) != NULL;
	case VG_CDB_NOT_MATCH_KEY: return vg_cdb_get(db, key) == NULL;
	case VG_CDB_ADDRESS_MATCH_KEY: return vg_cdb_get_address(db, key) != NULL;
	case VG_CDB_NOT_ADDRESS_MATCH_KEY: return vg_cdb_get_address(db, key) == NULL;
	case VG_CDB_MATCH_KEY_VALUE: v = vg_cdb_get(db, key); break;
	case VG_CDB_ADDRESS_MATCH_KEY_VALUE: v = vg_cdb_get_address(db, key); break;
	default: return false;
	}
	if (!v)
		return false;
	return !value_pat || vg_pattern_match(value_pat, v, scratch, NULL);
}
