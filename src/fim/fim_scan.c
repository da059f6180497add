/*
 * fim_scan.c - comparing the watched trees with the baseline, on the
 * monitor's worker thread: it records what the walk (fim_walk.c, possibly
 * on several threads) read into the table and SQLite and reports what was
 * added or modified; files missing at the end of a full scan are reported
 * deleted. New entries are linked into the table when the walk is over.
 * The same code checks single paths named by the real-time watchers.
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

/* One scan or real-time check: how it reports, and the entries it added
 * (linked into the table at the end). */
struct session {
	struct vg_fim *f;
	const char *mode;
	const struct fim_who *who;
	struct fim_entry **added;
	size_t nadded, cap;
};

uint64_t fim_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool fim_path_under(const char *path, size_t len, const char *dir, size_t dlen)
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
		if (fim_path_under(path, len, r->path, r->len) && (!best || r->len > best->len))
			best = r;
	}
	return best;
}

/* md has room for one pair: a match that needs more still returns 0. */
static bool re_any(pcre2_code **re, size_t n, pcre2_match_data *md, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (pcre2_match(re[i], (PCRE2_SPTR)s, len, 0, 0, md, NULL) >= 0)
			return true;
	return false;
}

bool fim_root_skips(const struct fim_root *r, pcre2_match_data *md, const char *path, size_t len,
                    bool is_dir)
{
	for (size_t i = 0; i < r->cfg->nignore; i++) {
		const char *ig = r->cfg->ignore[i];
		size_t il = strlen(ig);
		while (il > 1 && ig[il - 1] == '/')
			il--;
		if (fim_path_under(path, len, ig, il))
			return true;
	}
	if (re_any((pcre2_code **)r->ignore_re, r->nignore_re, md, path, len))
		return true;
	if (!is_dir && r->nrestrict_re &&
	    !re_any((pcre2_code **)r->restrict_re, r->nrestrict_re, md, path, len))
		return true;
	return false;
}

static void report(struct session *ss, const struct fim_root *r, const char *path, const char *type,
                   const struct fim_attrs *old, const struct fim_attrs *cur)
{
	struct vg_fim *f = ss->f;
	if (f->silent && !r->baselined)
		return;
	char *diff = NULL;
	if (r->cfg->report_changes && (!cur || S_ISREG(cur->mode)))
		diff = fim_diff_file(f, r, path, cur == NULL);
	struct fim_change c = { .path = path,
		                .root = r,
		                .mode = ss->mode,
		                .type = type,
		                .old = old,
		                .cur = cur,
		                .diff = diff,
		                .who = ss->who };
	fim_event_emit(f, &c);
	free(diff);
}

static int defer(struct session *ss, struct fim_entry *e)
{
	if (ss->nadded == ss->cap) {
		size_t ncap = ss->cap ? ss->cap * 2 : 256;
		struct fim_entry **n = realloc(ss->added, ncap * sizeof(*n));
		if (!n)
			return VG_ENOMEM;
		ss->added = n;
		ss->cap = ncap;
	}
	ss->added[ss->nadded++] = e;
	return VG_OK;
}

/* Links the session's new entries into the table. */
static void session_end(struct session *ss)
{
	for (size_t i = 0; i < ss->nadded; i++)
		if (fim_table_link(&ss->f->tab, ss->added[i]) != VG_OK) {
			fim_attrs_clear(&ss->added[i]->a);
			free(ss->added[i]);
		}
	free(ss->added);
	ss->added = NULL;
	ss->nadded = ss->cap = 0;
}

static void add_new(struct session *ss, struct fim_root *r, struct fim_entry *e)
{
	struct vg_fim *f = ss->f;
	size_t limit = f->cfg->file_limit ? f->cfg->file_limit : 1000000;
	if (f->tab.count + ss->nadded >= limit || defer(ss, e) != VG_OK) {
		if (!r->warned_limit)
			vg_warn("fim: file_limit (%zu files) reached; %s and later files are "
			        "not monitored",
			        f->tab.count + ss->nadded, e->path);
		r->warned_limit = true;
		fim_attrs_clear(&e->a);
		free(e);
		return;
	}
	e->gen = f->gen;
	fim_db_put(f, e);
	if (S_ISREG(e->a.mode) && r->cfg->report_changes && f->silent && !r->baselined)
		free(fim_diff_file(f, r, e->path, false)); /* keep the first copy */
	report(ss, r, e->path, "added", NULL, &e->a);
}

/* Records one result of a walk (the worker's thread). */
static void apply(struct fim_scan *scan, struct fim_res *res, void *ctx)
{
	struct session *ss = ctx;
	struct vg_fim *f = ss->f;
	if (res->dir) {
		fim_rt_watch_dir(f, res->r, res->e->path);
		free(res->e);
		return;
	}
	struct fim_entry *e = res->old;
	if (!e) {
		add_new(ss, res->r, res->e);
		return;
	}
	struct fim_attrs old = e->a;
	e->a = res->e->a;
	e->gen = f->gen;
	free(res->e);
	fim_db_put(f, e);
	struct vg_buf ch;
	vg_buf_init(&ch, 0);
	fim_attrs_diff(res->r, &old, &e->a, &ch);
	if (ch.len)
		report(ss, res->r, e->path, "modified", &old, &e->a);
	vg_buf_free(&ch);
	fim_attrs_clear(&old);
}

/* A file named directly (a watched file, a real-time change). */
static void check_file(struct session *ss, struct fim_root *r, const char *path, size_t len,
                       const struct stat *st, bool verify)
{
	struct vg_fim *f = ss->f;
	struct fim_res res = { .old = fim_table_get(&f->tab, path, len) };
	FIM_COUNT(f, files, 1);
	if (res.old && !verify && !fim_attrs_stat_changed(&res.old->a, st)) {
		res.old->gen = f->gen;
		return;
	}
	if (fim_read_one(f, r, AT_FDCWD, path, path, len, st, &res) == VG_OK)
		apply(NULL, &res, ss);
}

/* Watches the directory holding a watched file (inotify). */
static void watch_parent(struct vg_fim *f, struct fim_root *r, const char *path, size_t len)
{
	if (!(r->cfg->realtime || r->cfg->whodata) || r->fan || fim_rt_fd(f) < 0)
		return;
	char parent[FIM_PATH_MAX];
	memcpy(parent, path, len + 1);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		fim_rt_watch_dir(f, r, parent);
	}
}

/* Starts root r: a directory is queued for the walk, a file checked now. */
static void start_root(struct session *ss, struct fim_scan *s, struct fim_root *r, bool verify)
{
	struct stat st;
	if (lstat(r->path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		int fd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			fim_scan_add_dir(s, r, fd, r->path, 0);
	} else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
		watch_parent(ss->f, r, r->path, r->len);
		check_file(ss, r, r->path, r->len, &st, verify);
	}
}

/* Reports and forgets entries not seen by this scan. */
static void sweep(struct vg_fim *f, struct session *ss)
{
	for (size_t i = 0; i < f->tab.nbuckets; i++) {
		struct fim_entry *e = f->tab.buckets[i];
		while (e) {
			struct fim_entry *next = e->next;
			if (e->gen != f->gen) {
				const struct fim_root *r = fim_root_of(f, e->path, e->len);
				if (r &&
				    !fim_root_skips(r, f->tools.match, e->path, e->len, false) &&
				    r->baselined)
					report(ss, r, e->path, "deleted", &e->a, NULL);
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
	struct session ss = { .f = f, .mode = "scheduled" };
	struct fim_scan *s = fim_scan_new(f, verify, f->nthreads, apply, &ss);
	if (!s)
		return VG_ENOMEM;
	f->gen++;
	f->silent = true; /* only roots never baselined stay silent */
	fim_db_begin(f);
	for (size_t i = 0; i < f->nroots; i++)
		start_root(&ss, s, &f->roots[i], verify);
	bool aborted = fim_scan_run(s);
	fim_scan_free(s);
	session_end(&ss);
	if (!aborted)
		sweep(f, &ss);
	for (size_t i = 0; i < f->nroots && !aborted; i++) {
		if (!f->roots[i].baselined)
			fim_db_mark_root(f, f->roots[i].path);
		f->roots[i].baselined = true;
	}
	fim_db_finish(f);
	f->silent = false;
	FIM_COUNT(f, scans, 1);
	__atomic_store_n(&f->ctr.last_scan_us, (fim_now_ms() - t0) * 1000, __ATOMIC_RELAXED);
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

static void forget_below(struct session *ss, const struct fim_root *r, const char *path, size_t len)
{
	struct vg_fim *f = ss->f;
	for (size_t i = 0; i < f->tab.nbuckets; i++) {
		struct fim_entry *e = f->tab.buckets[i];
		while (e) {
			struct fim_entry *next = e->next;
			if (e->len > len && fim_path_under(e->path, e->len, path, len)) {
				report(ss, r, e->path, "deleted", &e->a, NULL);
				fim_db_del(f, e->path);
				fim_table_del(&f->tab, e);
			}
			e = next;
		}
	}
}

/* A directory that appeared (real time): walked on this thread. */
static void walk_new_dir(struct session *ss, struct fim_root *r, const char *path, int depth)
{
	struct fim_scan *s = fim_scan_new(ss->f, false, 0, apply, ss);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s && fd >= 0 && fim_scan_add_dir(s, r, fd, path, depth) == VG_OK)
		fim_scan_run(s);
	else if (fd >= 0)
		close(fd);
	fim_scan_free(s);
}

void fim_check_path(struct vg_fim *f, const char *path, const char *mode, const struct fim_who *who)
{
	size_t len = strlen(path);
	struct fim_root *r = (struct fim_root *)fim_root_of(f, path, len);
	if (!r || len >= FIM_PATH_MAX)
		return;
	struct session ss = { .f = f, .mode = mode, .who = who };
	int depth = depth_of(r, path, len);
	struct stat st;
	if (lstat(path, &st) != 0) {
		struct fim_entry *e = fim_table_get(&f->tab, path, len);
		if (e) {
			report(&ss, r, path, "deleted", &e->a, NULL);
			fim_db_del(f, path);
			fim_table_del(&f->tab, e);
		}
		forget_below(&ss, r, path, len);
	} else if (!fim_root_skips(r, f->tools.match, path, len, S_ISDIR(st.st_mode)) &&
	           (len == r->len || depth + S_ISDIR(st.st_mode) <= r->cfg->recursion)) {
		if (S_ISDIR(st.st_mode) && len > r->len)
			walk_new_dir(&ss, r, path, depth + 1);
		else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			check_file(&ss, r, path, len, &st, false);
	}
	session_end(&ss);
}
