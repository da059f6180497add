/*
 * fim_who.c - who-data: which user and process changed a file. Audit watch
 * rules (key "vigil_fim", write and attribute changes) are added for the
 * whodata paths and removed at close (those a killed run left are taken
 * over, see add_rules()); the records are read from the audit
 * multicast group (AUDIT_NLGRP_READLOG), which any number of readers may
 * join, so the process monitor keeps the unicast audit socket. SYSCALL, CWD
 * and PATH records of one event (same serial) are joined at EOE into one
 * who-record per path named, kept in a small ring for the real-time
 * watcher to find. Without audit, a warning says so once.
 */
#include "fim/fim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vigil/error.h"

#define WHO_RING    128
#define WHO_PENDING 16
#define WHO_PATHS   4
#define WHO_KEY     "vigil_fim"

struct who_pend {
	bool used, keyed;
	uint64_t serial, when_ms;
	struct fim_who w;
	char names[WHO_PATHS][FIM_PATH_MAX / 4];
	int nnames;
};

struct fim_whodata {
	int fd, ctl;
	int old_enabled;
	struct audit_rule_data **rules;
	size_t nrules;     /* ours: removed at close */
	size_t npresent;   /* another live instance's, left alone */
	char marker[4096]; /* "<data_dir>/fim.rules" while rules of ours are in place */
	struct fim_who ring[WHO_RING];
	size_t ring_next;
	struct who_pend pend[WHO_PENDING];
};

/* Rules that already exist were left by this data directory's previous
 * run when its marker file is there (it was killed before it could remove
 * them): they are taken over and removed at close. Otherwise they belong to
 * another live instance and are left alone. */
static int add_rules(struct fim_whodata *w, const struct vg_fim *f)
{
	w->rules = calloc(f->nroots ? f->nroots : 1, sizeof(*w->rules));
	if (!w->rules)
		return VG_ENOMEM;
	snprintf(w->marker, sizeof(w->marker), "%s/fim.rules", f->data_dir);
	bool ours = access(w->marker, F_OK) == 0;
	for (size_t i = 0; i < f->nroots; i++) {
		if (!f->roots[i].cfg->whodata)
			continue;
		struct audit_rule_data *r = audit_rule_create_data();
		char key[] = "key=" WHO_KEY;
		int type = AUDIT_DIR;
		struct stat st;
		if (stat(f->roots[i].path, &st) == 0 && !S_ISDIR(st.st_mode))
			type = AUDIT_WATCH;
		if (!r || audit_add_watch_dir(type, &r, f->roots[i].path) != 0 ||
		    audit_update_watch_perms(r, AUDIT_PERM_WRITE | AUDIT_PERM_ATTR) != 0 ||
		    audit_rule_fieldpair_data(&r, key, AUDIT_FILTER_EXIT) != 0) {
			audit_rule_free_data(r);
			continue;
		}
		int rc = audit_add_rule_data(w->ctl, r, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
		if (rc > 0 || (rc == -EEXIST && ours)) {
			w->rules[w->nrules++] = r;
			continue;
		}
		w->npresent += rc == -EEXIST;
		audit_rule_free_data(r);
	}
	if (w->nrules) {
		int fd = open(w->marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	return w->nrules || w->npresent ? VG_OK : VG_EUNSUP;
}

int fim_who_open(struct vg_fim *f, struct vg_diag *d)
{
	bool any = false;
	for (size_t i = 0; i < f->nroots; i++)
		any |= f->roots[i].cfg->whodata;
	if (!any)
		return VG_OK;
	struct fim_whodata *w = calloc(1, sizeof(*w));
	if (!w)
		return VG_ENOMEM;
	w->old_enabled = -1;
	w->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
		                  .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1) };
	w->ctl = audit_open();
	int rc = VG_EUNSUP;
	if (w->fd >= 0 && w->ctl >= 0 && bind(w->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		if (audit_is_enabled(w->ctl) == 0 && audit_set_enabled(w->ctl, 1) > 0)
			w->old_enabled = 0;
		rc = add_rules(w, f);
	}
	if (rc != VG_OK) {
		vg_diag_add(d, VG_DIAG_WARNING, NULL, 0, 0,
		            "fim: audit subsystem unavailable (%s); changes are reported "
		            "without who-data",
		            strerror(errno ? errno : EPERM));
		f->who = w;
		fim_who_close(f);
		return VG_OK;
	}
	f->who = w;
	__atomic_store_n(&f->whodata_on, true, __ATOMIC_RELAXED);
	return VG_OK;
}

void fim_who_close(struct vg_fim *f)
{
	struct fim_whodata *w = f->who;
	if (!w)
		return;
	for (size_t i = 0; i < w->nrules; i++) {
		audit_delete_rule_data(w->ctl, w->rules[i], AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
		audit_rule_free_data(w->rules[i]);
	}
	if (w->nrules)
		unlink(w->marker);
	if (w->old_enabled == 0)
		audit_set_enabled(w->ctl, 0);
	free(w->rules);
	if (w->ctl >= 0)
		audit_close(w->ctl);
	if (w->fd >= 0)
		close(w->fd);
	free(w);
	f->who = NULL;
	__atomic_store_n(&f->whodata_on, false, __ATOMIC_RELAXED);
}

int fim_who_fd(const struct vg_fim *f)
{
	return f->who ? f->who->fd : -1;
}

/* Copies the value of " key=" from rec: quoted, hex-encoded or bare. */
static bool field(const char *rec, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	const char *p = rec;
	while ((p = strstr(p, key))) {
		if ((p == rec || p[-1] == ' ') && p[kl] == '=')
			break;
		p += kl;
	}
	if (!p || cap == 0)
		return false;
	p += kl + 1;
	size_t n = 0;
	if (*p == '"') {
		for (p++; *p && *p != '"' && n + 1 < cap; p++)
			out[n++] = *p;
	} else {
		size_t len = strcspn(p, " \n");
		bool hex = len % 2 == 0 && len > 0 && strspn(p, "0123456789ABCDEF") >= len &&
		           strcmp(key, "name") == 0;
		for (size_t i = 0; i < len && n + 1 < cap; i += hex ? 2 : 1) {
			if (hex) {
				char h[3] = { p[i], p[i + 1], 0 };
				out[n++] = (char)strtol(h, NULL, 16);
			} else {
				out[n++] = p[i];
			}
		}
	}
	out[n] = '\0';
	return true;
}

static long num(const char *rec, const char *key)
{
	char v[32];
	if (!field(rec, key, v, sizeof(v)))
		return -1;
	char *end;
	long x = strtol(v, &end, 10);
	return end == v ? -1 : x;
}

static struct who_pend *pend_for(struct fim_whodata *w, uint64_t serial)
{
	struct who_pend *free_slot = NULL, *oldest = &w->pend[0];
	for (int i = 0; i < WHO_PENDING; i++) {
		struct who_pend *p = &w->pend[i];
		if (p->used && p->serial == serial)
			return p;
		if (!p->used && !free_slot)
			free_slot = p;
		if (p->when_ms < oldest->when_ms)
			oldest = p;
	}
	struct who_pend *p = free_slot ? free_slot : oldest;
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->serial = serial;
	p->when_ms = fim_now_ms();
	return p;
}

static void parent_name(long ppid, char *out, size_t cap)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/%ld/exe", ppid);
	ssize_t n = readlink(link, out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
}

static void finish(struct fim_whodata *w, struct who_pend *p)
{
	if (p->keyed) {
		parent_name(p->w.ppid, p->w.parent, sizeof(p->w.parent));
		for (int i = 0; i < p->nnames; i++) {
			struct fim_who *r = &w->ring[w->ring_next++ % WHO_RING];
			*r = p->w;
			r->when_ms = p->when_ms;
			const char *n = p->names[i];
			if (n[0] == '/')
				snprintf(r->path, sizeof(r->path), "%s", n);
			else
				snprintf(r->path, sizeof(r->path), "%s/%s", p->w.cwd,
				         n[0] == '.' && n[1] == '/' ? n + 2 : n);
		}
	}
	p->used = false;
}

static void record(struct fim_whodata *w, int type, const char *rec)
{
	const char *s = strstr(rec, "audit(");
	const char *colon = s ? strchr(s, ':') : NULL;
	if (!colon)
		return;
	uint64_t serial = strtoull(colon + 1, NULL, 10);
	struct who_pend *p = pend_for(w, serial);
	char tmp[FIM_PATH_MAX / 4];
	switch (type) {
	case AUDIT_SYSCALL:
		p->keyed = field(rec, "key", tmp, sizeof(tmp)) && strcmp(tmp, WHO_KEY) == 0;
		p->w.pid = num(rec, "pid");
		p->w.ppid = num(rec, "ppid");
		p->w.uid = num(rec, "uid");
		p->w.gid = num(rec, "gid");
		p->w.euid = num(rec, "euid");
		p->w.auid = num(rec, "auid");
		field(rec, "comm", p->w.comm, sizeof(p->w.comm));
		field(rec, "exe", p->w.exe, sizeof(p->w.exe));
		break;
	case AUDIT_CWD: field(rec, "cwd", p->w.cwd, sizeof(p->w.cwd)); break;
	case AUDIT_PATH:
		if (field(rec, "nametype", tmp, sizeof(tmp)) && strcmp(tmp, "PARENT") == 0)
			break;
		if (p->nnames < WHO_PATHS &&
		    field(rec, "name", p->names[p->nnames], sizeof(p->names[0])))
			p->nnames++;
		break;
	case AUDIT_EOE: finish(w, p); break;
	default: break;
	}
}

void fim_who_handle(struct vg_fim *f)
{
	struct fim_whodata *w = f->who;
	if (!w)
		return;
	char buf[16384] __attribute__((aligned(8)));
	for (;;) {
		ssize_t got = recv(w->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (got <= 0)
			break;
		size_t n = (size_t)got, off = 0;
		while (off + sizeof(struct nlmsghdr) <= n) {
			struct nlmsghdr *h = (struct nlmsghdr *)(buf + off);
			if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > n - off)
				break;
			off += NLMSG_ALIGN(h->nlmsg_len);
			char *txt = NLMSG_DATA(h);
			size_t len = h->nlmsg_len - NLMSG_HDRLEN;
			char rec[8192];
			if (len >= sizeof(rec))
				len = sizeof(rec) - 1;
			memcpy(rec, txt, len);
			rec[len] = '\0';
			record(w, h->nlmsg_type, rec);
		}
	}
}

const struct fim_who *fim_who_find(const struct vg_fim *f, const char *path, uint64_t since_ms)
{
	const struct fim_whodata *w = f->who;
	if (!w)
		return NULL;
	for (size_t i = 0; i < WHO_RING; i++) {
		const struct fim_who *r = &w->ring[(w->ring_next + WHO_RING - 1 - i) % WHO_RING];
		if (r->when_ms && r->when_ms >= since_ms && strcmp(r->path, path) == 0)
			return r;
	}
	return NULL;
}
