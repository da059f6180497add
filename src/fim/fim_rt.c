/*
 * fim_rt.c - real-time detection with inotify: one watch per directory of
 * every real-time path that has no fanotify mark (added as scans walk the
 * tree, and for directories that appear later). Changes seen by either
 * watcher to a path are coalesced for a few
 * milliseconds (a close after writing, a delete or a rename is checked at
 * once); a path with who-data waits a little for its audit records. When
 * the kernel has no watch left (ENOSPC) the path is named in a warning and
 * left to scheduled scans; a queue overflow schedules a rescan.
 */
#include "fim/fim_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "vigil/error.h"
#include "vigil/log.h"

#define RT_MASK                                                                                    \
	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO |             \
	 IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW | IN_ONLYDIR |            \
	 IN_EXCL_UNLINK)
#define RT_PENDING_MAX 8192

struct pend {
	char *path;
	uint64_t first_ms, due_ms;
};

struct fim_rt {
	int fd;
	char **wd_path; /* indexed by watch descriptor */
	size_t wd_cap;
	struct pend *pend;
	size_t npend, cap;
};

int fim_rt_open(struct vg_fim *f, struct vg_diag *d)
{
	bool any = false;
	for (size_t i = 0; i < f->nroots; i++)
		any |= f->roots[i].cfg->realtime || f->roots[i].cfg->whodata;
	if (!any)
		return VG_OK;
	f->rt = calloc(1, sizeof(*f->rt));
	if (!f->rt)
		return VG_ENOMEM;
	f->rt->fd = -1;
	size_t nino = 0;
	for (size_t i = 0; i < f->nroots; i++)
		nino += (f->roots[i].cfg->realtime || f->roots[i].cfg->whodata) && !f->roots[i].fan;
	if (!nino)
		return VG_OK;
	f->rt->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->rt->fd < 0)
		vg_diag_add(d, VG_DIAG_WARNING, NULL, 0, 0,
		            "fim: inotify unavailable (%s); real-time paths are checked by "
		            "scheduled scans only",
		            strerror(errno));
	else
		vg_info("fim: real-time detection with inotify for %zu path%s", nino,
		        nino == 1 ? "" : "s");
	return VG_OK;
}

void fim_rt_close(struct vg_fim *f)
{
	struct fim_rt *rt = f->rt;
	if (!rt)
		return;
	if (rt->fd >= 0)
		close(rt->fd);
	for (size_t i = 0; i < rt->wd_cap; i++)
		free(rt->wd_path[i]);
	free(rt->wd_path);
	for (size_t i = 0; i < rt->npend; i++)
		free(rt->pend[i].path);
	free(rt->pend);
	free(rt);
	f->rt = NULL;
}

int fim_rt_fd(const struct vg_fim *f)
{
	return f->rt ? f->rt->fd : -1;
}

void fim_rt_watch_dir(struct vg_fim *f, struct fim_root *r, const char *path)
{
	struct fim_rt *rt = f->rt;
	if (!rt || rt->fd < 0 || r->rt_failed || r->fan)
		return;
	int wd = inotify_add_watch(rt->fd, path, RT_MASK);
	if (wd < 0) {
		if (errno == ENOSPC || errno == ENOMEM) {
			vg_warn(
			    "fim: no inotify watch left for %s (raise fs.inotify.max_user_watches);"
			    " %s is checked by scheduled scans only",
			    path, r->path);
			r->rt_failed = true;
			FIM_COUNT(f, watch_failures, 1);
		}
		return;
	}
	if ((size_t)wd >= rt->wd_cap) {
		size_t ncap = rt->wd_cap ? rt->wd_cap : 64;
		while (ncap <= (size_t)wd)
			ncap *= 2;
		char **n = realloc(rt->wd_path, ncap * sizeof(*n));
		if (!n)
			return;
		memset(n + rt->wd_cap, 0, (ncap - rt->wd_cap) * sizeof(*n));
		rt->wd_path = n;
		rt->wd_cap = ncap;
	}
	if (rt->wd_path[wd] && strcmp(rt->wd_path[wd], path) == 0)
		return;
	if (!rt->wd_path[wd])
		FIM_COUNT(f, watches, 1);
	free(rt->wd_path[wd]);
	rt->wd_path[wd] = strdup(path);
}

void fim_rt_pend(struct vg_fim *f, const char *path, size_t len, uint64_t due)
{
	struct fim_rt *rt = f->rt;
	if (!rt)
		return;
	for (size_t i = 0; i < rt->npend; i++)
		if (strncmp(rt->pend[i].path, path, len) == 0 && rt->pend[i].path[len] == '\0') {
			if (due < rt->pend[i].due_ms)
				rt->pend[i].due_ms = due;
			return;
		}
	if (rt->npend >= RT_PENDING_MAX) {
		f->rescan_due = true;
		return;
	}
	if (rt->npend == rt->cap) {
		size_t ncap = rt->cap ? rt->cap * 2 : 32;
		struct pend *n = realloc(rt->pend, ncap * sizeof(*n));
		if (!n)
			return;
		rt->pend = n;
		rt->cap = ncap;
	}
	char *p = strndup(path, len);
	if (!p)
		return;
	uint64_t now = fim_now_ms();
	rt->pend[rt->npend++] = (struct pend){ .path = p, .first_ms = now, .due_ms = due };
}

static void one_event(struct vg_fim *f, const struct inotify_event *ie, uint64_t now)
{
	struct fim_rt *rt = f->rt;
	if (ie->mask & IN_Q_OVERFLOW) {
		vg_warn("fim: inotify queue overflow; rescanning the watched paths");
		f->rescan_due = true;
		return;
	}
	if (ie->wd < 0 || (size_t)ie->wd >= rt->wd_cap || !rt->wd_path[ie->wd])
		return;
	if (ie->mask & IN_IGNORED) {
		free(rt->wd_path[ie->wd]);
		rt->wd_path[ie->wd] = NULL;
		__atomic_fetch_sub(&f->ctr.watches, 1, __ATOMIC_RELAXED);
		return;
	}
	char full[FIM_PATH_MAX];
	const char *dir = rt->wd_path[ie->wd];
	int n = ie->len && ie->name[0] ? snprintf(full, sizeof(full), "%s%s%s", dir,
	                                          strcmp(dir, "/") ? "/" : "", ie->name)
	                               : snprintf(full, sizeof(full), "%s", dir);
	if (n < 0 || (size_t)n >= sizeof(full))
		return;
	bool now_due = ie->mask & (IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
	                           IN_DELETE_SELF | IN_MOVE_SELF);
	if ((ie->mask & IN_CREATE) && (ie->mask & IN_ISDIR))
		now_due = true;
	fim_rt_pend(f, full, (size_t)n, now_due ? now : now + FIM_COALESCE_MS);
}

void fim_rt_handle(struct vg_fim *f)
{
	struct fim_rt *rt = f->rt;
	if (!rt || rt->fd < 0)
		return;
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	uint64_t now = fim_now_ms();
	for (;;) {
		ssize_t n = read(rt->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ie = (const struct inotify_event *)p;
			one_event(f, ie, now);
			p += sizeof(*ie) + ie->len;
		}
	}
}

int fim_rt_timeout_ms(const struct vg_fim *f)
{
	const struct fim_rt *rt = f->rt;
	if (!rt || !rt->npend)
		return -1;
	uint64_t now = fim_now_ms(), due = UINT64_MAX;
	for (size_t i = 0; i < rt->npend; i++)
		if (rt->pend[i].due_ms < due)
			due = rt->pend[i].due_ms;
	return due > now ? (int)(due - now) : 0;
}

/* Checks one due path; false when it should wait for its audit records. */
static bool check_due(struct vg_fim *f, struct pend *p, uint64_t now)
{
	const struct fim_root *r = fim_root_of(f, p->path, strlen(p->path));
	if (!r)
		return true;
	if (!r->cfg->whodata || !f->who) {
		fim_check_path(f, p->path, "realtime", NULL);
		return true;
	}
	const struct fim_who *w = fim_who_find(f, p->path, p->first_ms - 2000);
	if (!w && now < p->first_ms + FIM_WHO_WAIT_MS) {
		p->due_ms = p->first_ms + FIM_WHO_WAIT_MS;
		return false;
	}
	fim_check_path(f, p->path, w ? "whodata" : "realtime", w);
	return true;
}

void fim_rt_flush(struct vg_fim *f)
{
	struct fim_rt *rt = f->rt;
	if (!rt || !rt->npend)
		return;
	uint64_t now = fim_now_ms();
	bool began = false;
	for (size_t i = 0; i < rt->npend;) {
		struct pend *p = &rt->pend[i];
		if (p->due_ms > now) {
			i++;
			continue;
		}
		if (f->who)
			fim_who_handle(f);
		if (!began)
			fim_db_begin(f);
		began = true;
		if (!check_due(f, p, now)) {
			i++;
			continue;
		}
		free(p->path);
		rt->pend[i] = rt->pend[--rt->npend];
	}
	if (began)
		fim_db_finish(f);
}
