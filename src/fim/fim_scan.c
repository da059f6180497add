/*
 * fim_scan.c - walking the watched trees and comparing them with the
 * baseline. Directories are read relative to their parent's descriptor
 * (openat + fdopendir, fstatat without following links), so no path is
 * resolved twice; a file whose size, mtime, ctime, inode, mode and owner are
 * unchanged is not reopened (unless the scan verifies). Files missing at the
 * end of a full scan are reported deleted. The same code checks single
 * paths named by the real-time watcher.
 */
#include "fim/fim_internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vigil/error.h"
#include "vigil/log.h"

struct walk {
	struct vg_fim *f;
	struct fim_root *r;
	char path[FIM_PATH_MAX];
	size_t len;
	bool verify;
	const char *mode;
	const struct fim_who *who;
	uint64_t t0_ms;
	unsigned long long nfiles;
	bool abort; /* the monitor is closing: stop walking, report nothing missing */
};

uint64_t fim_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool under(const char *path, size_t len, const char *dir, size_t dlen)
{
	if (dlen == 1 && dir[0] == '/')
		return len >= 1 && path[0] == '/';
	return len >= dlen && memcmp(path, dir, dlen) == 0 && (len == dlen || path[dlen] == '/');
}

const struct fim_root *fim_root_of(const struct vg_fim *f, const char *path, size_t len)
{
	const struct fim_root *best = NULL;
	for (size_t i = 0; i < f->nroots; i++) {
		const struct fim_root *r = &f->roots[i];
		if (under(path, len, r->path, r->len) && (!best || r->len > best->len))
			best = r;
	}
	return best;
}

static bool re_any(pcre2_code **re, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(re[i], NULL);
		int rc = md ? pcre2_match(re[i], (PCRE2_SPTR)s, len, 0, 0, md, NULL) : -1;
		pcre2_match_data_free(md);
		if (rc >= 0)
			return true;
	}
	return false;
}

bool fim_root_skips(const struct fim_root *r, const char *path, size_t len, bool is_dir)
{
	for (size_t i = 0; i < r->cfg->nignore; i++) {
		const char *ig = r->cfg->ignore[i];
		size_t il = strlen(ig);
		while (il > 1 && ig[il - 1] == '/')
			il--;
		if (under(path, len, ig, il))
			return true;
	}
	if (re_any((pcre2_code **)r->ignore_re, r->nignore_re, path, len))
		return true;
	if (!is_dir && r->nrestrict_re &&
	    !re_any((pcre2_code **)r->restrict_re, r->nrestrict_re, path, len))
		return true;
	return false;
}

/* Keeps the scan under files_per_second. */
static void budget(struct walk *w)
{
	unsigned fps = w->f->cfg->files_per_second;
	if (++w->nfiles % 64)
		return;
	if (__atomic_load_n(&w->f->stop, __ATOMIC_RELAXED))
		w->abort = true;
	if (!fps)
		return;
	uint64_t due = w->t0_ms + w->nfiles * 1000 / fps;
	uint64_t now = fim_now_ms();
	if (due > now) {
		struct timespec ts = { .tv_sec = (time_t)((due - now) / 1000),
			               .tv_nsec = (long)((due - now) % 1000) * 1000000 };
		nanosleep(&ts, NULL);
	}
}

static void report(struct walk *w, const char *type, const struct fim_attrs *old,
                   const struct fim_attrs *cur)
{
	struct vg_fim *f = w->f;
	if (f->silent && !w->r->baselined)
		return;
	char *diff = NULL;
	bool want_diff = w->r->cfg->report_changes && (!cur || S_ISREG(cur->mode));
	if (want_diff)
		diff = fim_diff_file(f, w->r, w->path, cur == NULL);
	struct fim_change c = { .path = w->path,
		                .root = w->r,
		                .mode = w->mode,
		                .type = type,
		                .old = old,
		                .cur = cur,
		                .diff = diff,
		                .who = w->who };
	fim_event_emit(f, &c);
	free(diff);
}

static void visit_file(struct walk *w, int dirfd, const char *name, int fd, const struct stat *st)
{
	struct vg_fim *f = w->f;
	struct fim_entry *e = fim_table_get(&f->tab, w->path, w->len);
	budget(w);
	f->stats.files++;
	if (e && !w->verify && !fim_attrs_stat_changed(&e->a, st)) {
		e->gen = f->gen;
		return;
	}
	struct fim_attrs a;
	if (fim_attrs_read(f, w->r, dirfd, name, fd, st, &a) != VG_OK) {
		fim_attrs_clear(&a);
		return;
	}
	if (!e) {
		if (f->tab.count >= (f->cfg->file_limit ? f->cfg->file_limit : 1000000)) {
			if (!w->r->warned_limit)
				vg_warn(
				    "fim: file_limit (%zu files) reached; %s and later files are "
				    "not monitored",
				    f->tab.count, w->path);
			w->r->warned_limit = true;
			fim_attrs_clear(&a);
			return;
		}
		e = fim_table_put(&f->tab, w->path, w->len, &a);
		if (!e) {
			fim_attrs_clear(&a);
			return;
		}
		e->gen = f->gen;
		fim_db_put(f, e);
		if (S_ISREG(e->a.mode) && w->r->cfg->report_changes && f->silent &&
		    !w->r->baselined)
			free(fim_diff_file(f, w->r, w->path, false)); /* keep the first copy */
		report(w, "added", NULL, &e->a);
		return;
	}
	struct fim_attrs old = e->a;
	e->a = a;
	e->gen = f->gen;
	fim_db_put(f, e);
	struct vg_buf ch;
	vg_buf_init(&ch, 0);
	fim_attrs_diff(w->r, &old, &e->a, &ch);
	if (ch.len)
		report(w, "modified", &old, &e->a);
	vg_buf_free(&ch);
	fim_attrs_clear(&old);
}

static void visit_new(struct walk *w, int dfd, const char *name)
{
	struct stat st;
	int fd = fim_open_file(dfd, name);
	if (fd < 0) {
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			visit_file(w, dfd, name, -1, &st); /* unreadable: its stat is recorded */
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		visit_file(w, dfd, name, fd, &st);
	close(fd);
}

static void walk_dir(struct walk *w, int dfd, int depth)
{
	if (w->r->cfg->realtime || w->r->cfg->whodata)
		fim_rt_watch_dir(w->f, w->r, w->path);
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	size_t base = w->len;
	struct dirent *de;
	while (!w->abort && (de = readdir(d))) {
		const char *n = de->d_name;
		if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
			continue;
		size_t nl = strlen(n);
		size_t sep = (base == 1 && w->path[0] == '/') ? 0 : 1;
		if (base + sep + nl + 1 > sizeof(w->path))
			continue;
		if (sep)
			w->path[base] = '/';
		memcpy(w->path + base + sep, n, nl + 1);
		w->len = base + sep + nl;
		struct stat st;
		if (de->d_type == DT_REG &&
		    (w->verify || !fim_table_get(&w->f->tab, w->path, w->len))) {
			/* A file to hash anyway: open it once and stat the descriptor. */
			if (!fim_root_skips(w->r, w->path, w->len, false))
				visit_new(w, dfd, n);
		} else if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			bool dir = S_ISDIR(st.st_mode);
			if (dir && depth < w->r->cfg->recursion &&
			    fim_root_of(w->f, w->path, w->len) == w->r &&
			    !fim_root_skips(w->r, w->path, w->len, true)) {
				int cfd =
				    openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (cfd >= 0)
					walk_dir(w, cfd, depth + 1);
			} else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
			           !fim_root_skips(w->r, w->path, w->len, false)) {
				visit_file(w, dfd, n, -1, &st);
			}
		}
		w->len = base;
		w->path[base] = '\0';
	}
	closedir(d);
}

/* Walks path (a directory at depth, or a file) of root r. */
static void walk_path(struct walk *w, int depth)
{
	struct stat st;
	if (lstat(w->path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		int fd = open(w->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			walk_dir(w, fd, depth);
	} else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
		if (w->r->cfg->realtime || w->r->cfg->whodata) {
			char parent[FIM_PATH_MAX];
			memcpy(parent, w->path, w->len + 1);
			char *slash = strrchr(parent, '/');
			if (slash && slash != parent) {
				*slash = '\0';
				fim_rt_watch_dir(w->f, w->r, parent);
			}
		}
		visit_file(w, AT_FDCWD, w->path, -1, &st);
	}
}

/* Reports and forgets entries not seen by this scan. */
static void sweep(struct vg_fim *f)
{
	for (size_t i = 0; i < f->tab.nbuckets; i++) {
		struct fim_entry *e = f->tab.buckets[i];
		while (e) {
			struct fim_entry *next = e->next;
			if (e->gen != f->gen) {
				const struct fim_root *r = fim_root_of(f, e->path, e->len);
				if (r && !fim_root_skips(r, e->path, e->len, false) &&
				    r->baselined) {
					struct walk w = { .f = f,
						          .r = (struct fim_root *)r,
						          .mode = "scheduled" };
					memcpy(w.path, e->path, e->len + 1);
					w.len = e->len;
					report(&w, "deleted", &e->a, NULL);
				}
				fim_db_del(f, e->path);
				fim_table_del(&f->tab, e);
			}
			e = next;
		}
	}
}

int fim_scan_all(struct vg_fim *f, bool verify)
{
	uint64_t t0 = fim_now_ms();
	f->gen++;
	f->silent = true; /* only roots never baselined stay silent */
	fim_db_begin(f);
	bool aborted = false;
	for (size_t i = 0; i < f->nroots && !aborted; i++) {
		struct walk *w = calloc(1, sizeof(*w));
		if (!w) {
			fim_db_commit(f);
			f->silent = false;
			return VG_ENOMEM;
		}
		w->f = f;
		w->r = &f->roots[i];
		w->verify = verify;
		w->mode = "scheduled";
		w->t0_ms = t0;
		memcpy(w->path, w->r->path, w->r->len + 1);
		w->len = w->r->len;
		walk_path(w, 0);
		aborted = w->abort;
		free(w);
	}
	if (!aborted)
		sweep(f);
	for (size_t i = 0; i < f->nroots && !aborted; i++) {
		if (!f->roots[i].baselined)
			fim_db_mark_root(f, f->roots[i].path);
		f->roots[i].baselined = true;
	}
	fim_db_commit(f);
	f->silent = false;
	f->stats.scans++;
	f->stats.last_scan_s = (double)(fim_now_ms() - t0) / 1000.0;
	return VG_OK;
}

/* Depth of path below its root: 0 for the root's own entries. */
static int depth_of(const struct fim_root *r, const char *path, size_t len)
{
	int n = 0;
	for (size_t i = r->len + 1; i < len; i++)
		n += path[i] == '/';
	return n;
}

static void forget_below(struct vg_fim *f, struct walk *w)
{
	for (size_t i = 0; i < f->tab.nbuckets; i++) {
		struct fim_entry *e = f->tab.buckets[i];
		while (e) {
			struct fim_entry *next = e->next;
			if (e->len > w->len && under(e->path, e->len, w->path, w->len)) {
				struct walk d = *w;
				memcpy(d.path, e->path, e->len + 1);
				d.len = e->len;
				report(&d, "deleted", &e->a, NULL);
				fim_db_del(f, e->path);
				fim_table_del(&f->tab, e);
			}
			e = next;
		}
	}
}

void fim_check_path(struct vg_fim *f, const char *path, const char *mode, const struct fim_who *who)
{
	size_t len = strlen(path);
	struct fim_root *r = (struct fim_root *)fim_root_of(f, path, len);
	if (!r || len >= FIM_PATH_MAX)
		return;
	struct walk *w = calloc(1, sizeof(*w));
	if (!w)
		return;
	*w = (struct walk){ .f = f, .r = r, .mode = mode, .who = who, .t0_ms = fim_now_ms() };
	memcpy(w->path, path, len + 1);
	w->len = len;
	int depth = depth_of(r, path, len);
	struct stat st;
	if (lstat(path, &st) != 0) {
		struct fim_entry *e = fim_table_get(&f->tab, path, len);
		if (e) {
			report(w, "deleted", &e->a, NULL);
			fim_db_del(f, path);
			fim_table_del(&f->tab, e);
		}
		forget_below(f, w);
	} else if (!fim_root_skips(r, path, len, S_ISDIR(st.st_mode)) &&
	           (len == r->len || depth + S_ISDIR(st.st_mode) <= r->cfg->recursion)) {
		if (S_ISDIR(st.st_mode) && len > r->len)
			walk_path(w, depth + 1);
		else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			visit_file(w, AT_FDCWD, path, -1, &st);
	}
	free(w);
}
