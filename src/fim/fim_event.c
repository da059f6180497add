/*
 * fim_event.c - FIM changes as JSON lines for the engine, and the queue
 * that hands them to the caller's thread. The document carries Wazuh's
 * syscheck data (path, mode, type, attributes and old_attributes with
 * Wazuh's names, changed_attributes, tags, content_changes, audit), so that
 * vg_fim_decode() can fill the event as Wazuh's analysisd does.
 */
#include "fim/fim_internal.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "vigil/error.h"

#define NAME_SLOTS  64
#define NAME_TTL_MS 60000 /* names are looked up again after a minute */

/* uid and gid names, so that an event burst does not query NSS per file. */
struct fim_name {
	bool used;
	uint32_t id;
	char name[64];
};
struct fim_names {
	uint64_t born_ms;
	struct fim_name user[NAME_SLOTS], group[NAME_SLOTS];
};

void fim_names_free(struct vg_fim *f)
{
	free(f->names);
	f->names = NULL;
}

/* The cache slot for id (NULL without a cache); *hit when it holds the name. */
static struct fim_name *name_slot(struct vg_fim *f, bool group, uint32_t id, bool *hit)
{
	uint64_t now = fim_now_ms();
	if (f->names && now - f->names->born_ms > NAME_TTL_MS)
		fim_names_free(f);
	if (!f->names && (f->names = calloc(1, sizeof(*f->names))))
		f->names->born_ms = now;
	*hit = false;
	if (!f->names)
		return NULL;
	struct fim_name *n =
	    group ? &f->names->group[id % NAME_SLOTS] : &f->names->user[id % NAME_SLOTS];
	*hit = n->used && n->id == id;
	return n;
}

static void user_name(struct vg_fim *f, uint32_t uid, char *out, size_t cap)
{
	bool hit;
	struct fim_name *n = name_slot(f, false, uid, &hit);
	if (hit) {
		snprintf(out, cap, "%s", n->name);
		return;
	}
	char buf[1024];
	struct passwd pw, *res = NULL;
	out[0] = '\0';
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, cap, "%s", res->pw_name);
	if (n) {
		*n = (struct fim_name){ .used = true, .id = uid };
		snprintf(n->name, sizeof(n->name), "%s", out);
	}
}

static void group_name(struct vg_fim *f, uint32_t gid, char *out, size_t cap)
{
	bool hit;
	struct fim_name *n = name_slot(f, true, gid, &hit);
	if (hit) {
		snprintf(out, cap, "%s", n->name);
		return;
	}
	char buf[1024];
	struct group gr, *res = NULL;
	out[0] = '\0';
	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, cap, "%s", res->gr_name);
	if (n) {
		*n = (struct fim_name){ .used = true, .id = gid };
		snprintf(n->name, sizeof(n->name), "%s", out);
	}
}

/* "rwxr-xr-x" with setuid/setgid/sticky as s/S, t/T. */
static void perm_string(uint32_t mode, char out[10])
{
	static const char rwx[] = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		out[i] = (mode & (1u << (8 - i))) ? rwx[i] : '-';
	if (mode & S_ISUID)
		out[2] = out[2] == 'x' ? 's' : 'S';
	if (mode & S_ISGID)
		out[5] = out[5] == 'x' ? 's' : 'S';
	if (mode & S_ISVTX)
		out[8] = out[8] == 'x' ? 't' : 'T';
	out[9] = '\0';
}

static void add_str(struct vg_buf *b, const char *key, const char *val)
{
	vg_buf_printf(b, ",\"%s\":\"", key);
	vg_buf_add_json_str(b, val, strlen(val));
	vg_buf_addc(b, '"');
}

static void add_attrs(struct vg_fim *f, struct vg_buf *b, const char *key, const struct fim_root *r,
                      const struct fim_attrs *a)
{
	unsigned at = r->cfg->attrs;
	char tmp[256], hex[65];
	vg_buf_printf(b, ",\"%s\":{\"type\":\"%s\"", key, S_ISLNK(a->mode) ? "symlink" : "file");
	if (at & VG_FIM_SIZE)
		vg_buf_printf(b, ",\"size\":%llu", (unsigned long long)a->size);
	if (at & VG_FIM_PERM) {
		perm_string(a->mode, tmp);
		add_str(b, "perm", tmp);
	}
	if (at & VG_FIM_OWNER) {
		vg_buf_printf(b, ",\"uid\":\"%u\"", a->uid);
		user_name(f, a->uid, tmp, sizeof(tmp));
		add_str(b, "user_name", tmp);
	}
	if (at & VG_FIM_GROUP) {
		vg_buf_printf(b, ",\"gid\":\"%u\"", a->gid);
		group_name(f, a->gid, tmp, sizeof(tmp));
		add_str(b, "group_name", tmp);
	}
	if (at & VG_FIM_INODE)
		vg_buf_printf(b, ",\"inode\":%llu", (unsigned long long)a->ino);
	if (at & VG_FIM_MTIME)
		vg_buf_printf(b, ",\"mtime\":%lld", (long long)(a->mtime_ns / 1000000000));
	if (a->hashed & FIM_H_MD5) {
		fim_hex(a->md5, sizeof(a->md5), hex);
		add_str(b, "hash_md5", hex);
	}
	if (a->hashed & FIM_H_SHA1) {
		fim_hex(a->sha1, sizeof(a->sha1), hex);
		add_str(b, "hash_sha1", hex);
	}
	if (a->hashed & FIM_H_SHA256) {
		fim_hex(a->sha256, sizeof(a->sha256), hex);
		add_str(b, "hash_sha256", hex);
	}
	if ((at & VG_FIM_XATTR) && a->xattr)
		add_str(b, "xattr", a->xattr);
	vg_buf_addc(b, '}');
}

static void add_who(struct vg_fim *f, struct vg_buf *b, const struct fim_who *w)
{
	char tmp[256];
	vg_buf_printf(b, ",\"audit\":{\"user_id\":\"%ld\"", w->uid);
	user_name(f, (uint32_t)w->uid, tmp, sizeof(tmp));
	add_str(b, "user_name", tmp);
	vg_buf_printf(b, ",\"group_id\":\"%ld\"", w->gid);
	group_name(f, (uint32_t)w->gid, tmp, sizeof(tmp));
	add_str(b, "group_name", tmp);
	if (w->auid >= 0 && w->auid != 4294967295L) {
		vg_buf_printf(b, ",\"audit_uid\":\"%ld\"", w->auid);
		user_name(f, (uint32_t)w->auid, tmp, sizeof(tmp));
		add_str(b, "audit_name", tmp);
	}
	vg_buf_printf(b, ",\"effective_uid\":\"%ld\"", w->euid);
	user_name(f, (uint32_t)w->euid, tmp, sizeof(tmp));
	add_str(b, "effective_name", tmp);
	vg_buf_printf(b, ",\"process_id\":%ld", w->pid);
	add_str(b, "process_name", w->exe[0] ? w->exe : w->comm);
	add_str(b, "comm", w->comm);
	add_str(b, "cwd", w->cwd);
	vg_buf_printf(b, ",\"ppid\":%ld", w->ppid);
	add_str(b, "parent_name", w->parent);
	vg_buf_addc(b, '}');
}

static void add_changed(struct vg_buf *b, const struct fim_change *c)
{
	struct vg_buf ch;
	vg_buf_init(&ch, 0);
	fim_attrs_diff(c->root, c->old, c->cur, &ch);
	vg_buf_addstr(b, ",\"changed_attributes\":[");
	const char *s = vg_buf_str(&ch);
	for (bool first = true; *s; first = false) {
		size_t n = strcspn(s, ",");
		vg_buf_printf(b, "%s\"%.*s\"", first ? "" : ",", (int)n, s);
		s += n + (s[n] == ',');
	}
	vg_buf_addc(b, ']');
	vg_buf_free(&ch);
}

int fim_event_emit(struct vg_fim *f, const struct fim_change *c)
{
	struct vg_buf b;
	vg_buf_init(&b, 0);
	vg_buf_addstr(&b, "{\"type\":\"event\",\"data\":{\"path\":\"");
	vg_buf_add_json_str(&b, c->path, strlen(c->path));
	vg_buf_printf(&b, "\",\"mode\":\"%s\",\"type\":\"%s\",\"timestamp\":%lld", c->mode, c->type,
	              (long long)time(NULL));
	if (c->root->cfg->tags && *c->root->cfg->tags)
		add_str(&b, "tags", c->root->cfg->tags);
	if (c->old && c->cur)
		add_changed(&b, c);
	if (c->cur)
		add_attrs(f, &b, "attributes", c->root, c->cur);
	if (c->old)
		add_attrs(f, &b, c->cur ? "old_attributes" : "attributes", c->root, c->old);
	if (c->diff)
		add_str(&b, "content_changes", c->diff);
	if (c->who)
		add_who(f, &b, c->who);
	int rc = vg_buf_addstr(&b, "}}");
	if (rc != VG_OK) {
		vg_buf_free(&b);
		return rc;
	}
	size_t len = b.len;
	fim_queue_push(f, vg_buf_detach(&b), len);
	return VG_OK;
}

void fim_queue_push(struct vg_fim *f, char *line, size_t len)
{
	pthread_mutex_lock(&f->qlock);
	/* A full queue makes the worker wait for the caller rather than lose a
	 * change; only a stopping monitor drops (its transaction rolls back). */
	while (f->qlen >= FIM_QUEUE_MAX && !__atomic_load_n(&f->stop, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&f->sync_waiters, __ATOMIC_RELAXED))
		pthread_cond_wait(&f->qspace, &f->qlock);
	if (__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
		FIM_COUNT(f, dropped, 1);
		pthread_mutex_unlock(&f->qlock);
		free(line);
		return;
	}
	if (f->qlen == f->qcap) {
		size_t ncap = f->qcap ? f->qcap * 2 : 64;
		char **nq = malloc(ncap * sizeof(*nq));
		size_t *nl = malloc(ncap * sizeof(*nl));
		if (!nq || !nl) {
			free(nq);
			free(nl);
			FIM_COUNT(f, dropped, 1);
			pthread_mutex_unlock(&f->qlock);
			free(line);
			return;
		}
		for (size_t i = 0; i < f->qlen; i++) {
			nq[i] = f->q[(f->qhead + i) % f->qcap];
			nl[i] = f->qlen_of[(f->qhead + i) % f->qcap];
		}
		free(f->q);
		free(f->qlen_of);
		f->q = nq;
		f->qlen_of = nl;
		f->qcap = ncap;
		f->qhead = 0;
	}
	size_t at = (f->qhead + f->qlen) % f->qcap;
	f->q[at] = line;
	f->qlen_of[at] = len;
	f->qlen++;
	FIM_COUNT(f, events, 1);
	pthread_mutex_unlock(&f->qlock);
	eventfd_write(f->evfd, 1);
}
