/*
 * collector.c - the collector that `vigil run` polls: its inputs (glob
 * patterns and the journal), the set of tailed files kept up to date by
 * re-globbing, inotify on the directories involved (for low latency) with
 * a periodic stat as fallback, the budgeted poll that hands records to the
 * caller, and saving the read positions.
 */
#include "collect/collect_internal.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vigil/array.h"
#include "vigil/error.h"
#include "vigil/log.h"

#define POS_FILE_NAME  "collector.pos"
#define INOTIFY_EVENTS (IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB)

void vg_collect_opts_init(struct vg_collect_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_line = 65536;
	o->rescan_interval_ms = 5000;
	o->stat_interval_ms = 1000;
	o->multiline_flush_ms = 1000;
}

uint64_t vg_collect_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void vg_collect_deliver(struct vg_collector *c, const char *location, const char *line, size_t len,
                        unsigned flags)
{
	c->cur_flags = flags;
	c->cb(c->ctx, location, line, len);
	c->cur_flags = 0;
	c->delivered++;
	c->stats.lines++;
	c->stats.bytes += len;
	if (flags & VG_COLLECT_LINE_SPLIT)
		c->stats.split_lines++;
	if (c->budget != SIZE_MAX && c->budget > 0)
		c->budget--;
}

void vg_collect_retire(struct vg_collector *c, int fd, uint64_t dev, uint64_t ino, int64_t offset)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_nlink == 0) {
		close(fd);
		return;
	}
	struct vg_retired *r = &c->retired[c->nretired++ % VG_COLLECT_RETIRED];
	if (r->fd >= 0)
		close(r->fd);
	r->fd = fd;
	r->dev = dev;
	r->ino = ino;
	r->offset = offset;
}

int64_t vg_collect_take_retired(struct vg_collector *c, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < VG_COLLECT_RETIRED; i++) {
		struct vg_retired *r = &c->retired[i];
		if (r->fd >= 0 && r->dev == dev && r->ino == ino) {
			close(r->fd);
			r->fd = -1;
			return r->offset;
		}
	}
	return -1;
}

bool vg_collect_is_tailed(const struct vg_collector *c, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < c->ntails; i++) {
		const struct vg_tail *t = c->tails[i];
		if (t->fd >= 0 && t->dev == dev && t->ino == ino)
			return true;
		if (t->trunc_fd >= 0 && t->trunc_dev == dev && t->trunc_ino == ino)
			return true;
	}
	return false;
}

bool vg_collect_is_retired(const struct vg_collector *c, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < VG_COLLECT_RETIRED; i++) {
		const struct vg_retired *r = &c->retired[i];
		if (r->fd >= 0 && r->dev == dev && r->ino == ino)
			return true;
	}
	return false;
}

int vg_collect_adopt(struct vg_collector *c, struct vg_tail *t)
{
	if (vg_grow((void **)&c->tails, &c->tcap, c->ntails + 1, sizeof(*c->tails), 16)) {
		vg_tail_destroy(t);
		return VG_ENOMEM;
	}
	c->tails[c->ntails++] = t;
	return VG_OK;
}

unsigned vg_collector_line_flags(const struct vg_collector *c)
{
	return c ? c->cur_flags : 0;
}

int vg_collector_create(const struct vg_collect_opts *opts, struct vg_collector **out)
{
	*out = NULL;
	struct vg_collector *c = calloc(1, sizeof(*c));
	if (!c)
		return VG_ENOMEM;
	if (opts)
		c->opts = *opts;
	else
		vg_collect_opts_init(&c->opts);
	if (!c->opts.max_line)
		c->opts.max_line = 65536;
	if (!c->opts.multiline_flush_ms)
		c->opts.multiline_flush_ms = 1000;
	c->opts.data_dir = NULL;
	c->ino_fd = -1;
	for (size_t i = 0; i < VG_COLLECT_RETIRED; i++)
		c->retired[i].fd = -1;
	vg_positions_init(&c->saved);
	int rc = VG_ENOMEM;
	if (opts && opts->data_dir) {
		struct vg_buf b;
		vg_buf_init(&b, 0);
		c->data_dir = strdup(opts->data_dir);
		if (!c->data_dir || vg_buf_printf(&b, "%s/%s", opts->data_dir, POS_FILE_NAME)) {
			vg_buf_free(&b);
			goto fail;
		}
		c->pos_file = vg_buf_detach(&b);
		c->opts.data_dir = c->data_dir;
		rc = vg_positions_load(&c->saved, c->pos_file);
		if (rc == VG_ENOMEM)
			goto fail;
		if (rc != VG_OK)
			vg_warn("cannot read %s; starting without saved positions", c->pos_file);
	}
	if (!c->opts.no_inotify) {
		c->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (c->ino_fd < 0)
			vg_warn("inotify unavailable (%s); checking files every %u ms",
			        strerror(errno), c->opts.stat_interval_ms);
	}
	uint64_t now = vg_collect_now_ms();
	c->next_rescan_ms = now + c->opts.rescan_interval_ms;
	c->next_stat_ms = now + c->opts.stat_interval_ms;
	*out = c;
	return VG_OK;
fail:
	vg_collector_destroy(c);
	return rc;
}

static void input_destroy(struct vg_collect_input *in)
{
	if (!in)
		return;
	pcre2_match_data_free(in->md);
	pcre2_code_free(in->start_re);
	free(in->pattern);
	free(in);
}

void vg_collector_destroy(struct vg_collector *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ntails; i++)
		vg_tail_destroy(c->tails[i]);
	free(c->tails);
	for (size_t i = 0; i < c->ninputs; i++)
		input_destroy(c->inputs[i]);
	free(c->inputs);
	for (size_t i = 0; i < c->nwatched; i++)
		free(c->watched[i]);
	free(c->watched);
	if (c->ino_fd >= 0)
		close(c->ino_fd);
	for (size_t i = 0; i < VG_COLLECT_RETIRED; i++)
		if (c->retired[i].fd >= 0)
			close(c->retired[i].fd);
	vg_journal_destroy(c->journal);
	vg_positions_free(&c->saved);
	free(c->pos_file);
	free(c->data_dir);
	free(c);
}

/* Puts an inotify watch on dir (once). Failures only cost latency. */
static void watch_dir(struct vg_collector *c, const char *dir, size_t len)
{
	if (c->ino_fd < 0 || len == 0 || len >= PATH_MAX)
		return;
	char path[PATH_MAX];
	memcpy(path, dir, len);
	path[len] = '\0';
	for (size_t i = 0; i < c->nwatched; i++)
		if (strcmp(c->watched[i], path) == 0)
			return;
	if (inotify_add_watch(c->ino_fd, path, INOTIFY_EVENTS) < 0)
		return;
	char **n = realloc(c->watched, (c->nwatched + 1) * sizeof(*n));
	char *copy = strdup(path);
	if (n)
		c->watched = n;
	if (!n || !copy) {
		free(copy);
		return;
	}
	c->watched[c->nwatched++] = copy;
}

/* Watches the directory part of path ("/" for "/x", "." for "x"). */
static void watch_parent(struct vg_collector *c, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		watch_dir(c, ".", 1);
	else
		watch_dir(c, path, slash == path ? 1 : (size_t)(slash - path));
}

/* Watches the deepest directory of a glob pattern free of wildcards. */
static void watch_pattern_base(struct vg_collector *c, const char *pattern)
{
	size_t wild = strcspn(pattern, "*?[");
	size_t end = wild;
	while (end > 0 && pattern[end - 1] != '/')
		end--;
	if (pattern[wild] == '\0') {
		watch_parent(c, pattern);
		return;
	}
	if (end == 0)
		watch_dir(c, ".", 1);
	else
		watch_dir(c, pattern, end == 1 ? 1 : end - 1);
}

/* The tail following path (not a file left behind under that name). */
static struct vg_tail *find_tail(struct vg_collector *c, const char *path)
{
	for (size_t i = 0; i < c->ntails; i++)
		if (!c->tails[i]->draining && strcmp(c->tails[i]->path, path) == 0)
			return c->tails[i];
	return NULL;
}

static int add_tail(struct vg_collector *c, const char *path, struct vg_collect_input *in)
{
	if (vg_grow((void **)&c->tails, &c->tcap, c->ntails + 1, sizeof(*c->tails), 16))
		return VG_ENOMEM;
	struct vg_tail *t = vg_tail_create(path, in);
	if (!t)
		return VG_ENOMEM;
	int rc = vg_tail_open(c, t);
	if (rc == VG_ENOMEM || rc == VG_EUNSUP) {
		vg_tail_destroy(t);
		return rc == VG_ENOMEM ? rc : VG_OK;
	}
	t->seen = true;
	c->tails[c->ntails++] = t;
	watch_parent(c, path);
	return VG_OK;
}

/* Globs one input, opening the files not tailed yet and retrying the
 * unreadable ones. */
static int scan_input(struct vg_collector *c, struct vg_collect_input *in)
{
	glob_t g;
	int grc = glob(in->pattern, GLOB_NOSORT, NULL, &g);
	if (grc == GLOB_NOMATCH)
		return VG_OK;
	if (grc != 0) {
		globfree(&g);
		return grc == GLOB_NOSPACE ? VG_ENOMEM : VG_OK;
	}
	int rc = VG_OK;
	for (size_t i = 0; i < g.gl_pathc && rc == VG_OK; i++) {
		struct stat st;
		const char *path = g.gl_pathv[i];
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		struct vg_tail *t = find_tail(c, path);
		if (!t) {
			/* A file renamed by rotation is still followed under its old name. */
			if (!vg_collect_is_tailed(c, (uint64_t)st.st_dev, (uint64_t)st.st_ino))
				rc = add_tail(c, path, in);
			continue;
		}
		t->seen = true;
		if (t->fd < 0)
			rc = vg_tail_open(c, t) == VG_ENOMEM ? VG_ENOMEM : VG_OK;
	}
	globfree(&g);
	return rc;
}

static void remove_tail_at(struct vg_collector *c, size_t i)
{
	vg_tail_destroy(c->tails[i]);
	memmove(&c->tails[i], &c->tails[i + 1], (c->ntails - i - 1) * sizeof(c->tails[0]));
	c->ntails--;
}

/* Lets go of left-behind files that were deleted since (their space). */
static void release_deleted_retired(struct vg_collector *c)
{
	for (size_t i = 0; i < VG_COLLECT_RETIRED; i++) {
		struct vg_retired *r = &c->retired[i];
		struct stat st;
		if (r->fd >= 0 && (fstat(r->fd, &st) != 0 || st.st_nlink == 0)) {
			close(r->fd);
			r->fd = -1;
		}
	}
}

static int rescan_all(struct vg_collector *c)
{
	release_deleted_retired(c);
	for (size_t i = 0; i < c->ntails; i++)
		c->tails[i]->seen = false;
	for (size_t i = 0; i < c->ninputs; i++) {
		int rc = scan_input(c, c->inputs[i]);
		if (rc != VG_OK)
			return rc;
	}
	for (size_t i = c->ntails; i-- > 0;)
		if (c->tails[i]->fd < 0 && !c->tails[i]->seen)
			remove_tail_at(c, i);
	return VG_OK;
}

static int input_create(const char *pattern, const struct vg_collect_file_opts *fo,
                        struct vg_collect_input **out)
{
	struct vg_collect_input *in = calloc(1, sizeof(*in));
	if (!in || !(in->pattern = strdup(pattern)))
		goto nomem;
	in->format = fo ? fo->format : VG_COLLECT_SYSLOG;
	in->join = fo && fo->multiline_join ? fo->multiline_join : ' ';
	if (in->format == VG_COLLECT_MULTILINE) {
		int err;
		PCRE2_SIZE off;
		if (!fo->multiline_regex) {
			input_destroy(in);
			return VG_EINVAL;
		}
		in->start_re = pcre2_compile((PCRE2_SPTR)fo->multiline_regex, PCRE2_ZERO_TERMINATED,
		                             0, &err, &off, NULL);
		if (!in->start_re) {
			vg_warn("bad multi-line regex for %s at offset %zu", pattern, (size_t)off);
			input_destroy(in);
			return VG_EINVAL;
		}
		in->md = pcre2_match_data_create_from_pattern(in->start_re, NULL);
		if (!in->md)
			goto nomem;
	}
	*out = in;
	return VG_OK;
nomem:
	input_destroy(in);
	return VG_ENOMEM;
}

int vg_collector_add_file(struct vg_collector *c, const char *glob_pattern,
                          const struct vg_collect_file_opts *fo)
{
	if (!c || !glob_pattern || !*glob_pattern)
		return VG_EINVAL;
	struct vg_collect_input *in;
	int rc = input_create(glob_pattern, fo, &in);
	if (rc != VG_OK)
		return rc;
	struct vg_collect_input **n = realloc(c->inputs, (c->ninputs + 1) * sizeof(*n));
	if (!n) {
		input_destroy(in);
		return VG_ENOMEM;
	}
	c->inputs = n;
	c->inputs[c->ninputs++] = in;
	watch_pattern_base(c, glob_pattern);
	c->initial_scan = true;
	rc = scan_input(c, in);
	c->initial_scan = false;
	return rc;
}

int vg_collector_add_journal(struct vg_collector *c, const char *match)
{
	if (!c)
		return VG_EINVAL;
	if (!c->journal) {
		int rc = vg_journal_create(c, &c->journal);
		if (rc != VG_OK)
			return rc;
	}
	return match ? vg_journal_add_match(c->journal, match) : VG_OK;
}

size_t vg_collector_fds(const struct vg_collector *c, int *fds, size_t cap)
{
	size_t n = 0;
	int jfd = c->journal ? vg_journal_fd(c->journal) : -1;
	if (c->ino_fd >= 0 && n++ < cap)
		fds[n - 1] = c->ino_fd;
	if (jfd >= 0 && n++ < cap)
		fds[n - 1] = jfd;
	return n;
}

static int until(uint64_t due, uint64_t now)
{
	if (due <= now)
		return 0;
	return due - now > INT_MAX ? INT_MAX : (int)(due - now);
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int vg_collector_timeout_ms(const struct vg_collector *c)
{
	if (c->more)
		return 0;
	uint64_t now = vg_collect_now_ms();
	int t = -1;
	if (c->ninputs) {
		t = min_timeout(t, until(c->next_rescan_ms, now));
		t = min_timeout(t, until(c->next_stat_ms, now));
	}
	for (size_t i = 0; i < c->ntails; i++)
		t = min_timeout(t, vg_tail_timeout_ms(c, c->tails[i], now));
	if (c->journal)
		t = min_timeout(t, vg_journal_timeout_ms(c->journal));
	return t;
}

/* Reads the pending inotify events; any event asks for a file check, a new
 * name in a directory for a rescan. */
static void drain_inotify(struct vg_collector *c)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(c->ino_fd, ev, sizeof(ev));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (char *p = ev; p < ev + n;) {
			const struct inotify_event *e = (const struct inotify_event *)(void *)p;
			c->check_now = true;
			if (e->mask & (IN_CREATE | IN_MOVED_TO | IN_Q_OVERFLOW | IN_MOVED_FROM))
				c->rescan_now = true;
			p += sizeof(*e) + e->len;
		}
	}
}

/* Services tail i; returns 1 when it was dropped, 0, or VG_ENOMEM. */
static int service_one(struct vg_collector *c, size_t i, bool check)
{
	int rc = vg_tail_service(c, c->tails[i], check);
	if (rc == 1) {
		remove_tail_at(c, i);
		c->rescan_now = true;
	}
	return rc;
}

static int poll_files(struct vg_collector *c, bool check)
{
	size_t n = c->ntails;
	size_t start = n ? c->rr % n : 0;
	for (size_t k = 0; k < n && vg_collect_budget_left(c); k++) {
		int rc = service_one(c, (start + k) % n, check);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return poll_files(c, check);
	}
	/* Files left behind by a rotation during this loop. */
	for (size_t i = n; i < c->ntails && vg_collect_budget_left(c); i++) {
		int rc = service_one(c, i, check);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return poll_files(c, check);
	}
	c->rr++;
	return VG_OK;
}

int vg_collector_poll(struct vg_collector *c, vg_collect_cb cb, void *ctx, size_t max_lines)
{
	if (!c || !cb)
		return VG_EINVAL;
	c->cb = cb;
	c->ctx = ctx;
	c->budget = max_lines ? max_lines : SIZE_MAX;
	c->delivered = 0;
	if (c->ino_fd >= 0)
		drain_inotify(c);
	uint64_t now = vg_collect_now_ms();
	int rc = VG_OK;
	if (c->rescan_now || now >= c->next_rescan_ms) {
		c->rescan_now = false;
		c->check_now = true;
		c->next_rescan_ms = now + c->opts.rescan_interval_ms;
		rc = rescan_all(c);
	}
	bool check = c->check_now || now >= c->next_stat_ms;
	if (check) {
		c->check_now = false;
		c->next_stat_ms = now + c->opts.stat_interval_ms;
	}
	if (rc == VG_OK)
		rc = poll_files(c, check);
	if (rc == VG_OK && c->journal && vg_collect_budget_left(c))
		rc = vg_journal_poll(c, c->journal);
	c->more = !vg_collect_budget_left(c);
	if (c->more && check)
		c->check_now = true;
	c->cb = NULL;
	return rc == VG_OK ? (int)(c->delivered > INT_MAX ? INT_MAX : c->delivered) : rc;
}

int vg_collector_save_positions(struct vg_collector *c)
{
	if (!c || !c->pos_file)
		return VG_OK;
	struct vg_positions p;
	vg_positions_init(&p);
	int rc = VG_OK;
	for (size_t i = 0; i < c->ntails && rc == VG_OK; i++) {
		const struct vg_tail *t = c->tails[i];
		/* A file left behind is not followed after a restart; while a
		 * copytruncate copy is read, the truncated file restarts at 0. */
		if (t->draining || t->fd < 0)
			continue;
		if (t->trunc_fd >= 0)
			rc = vg_positions_set(&p, t->path, t->trunc_dev, t->trunc_ino, 0);
		else
			rc = vg_positions_set(&p, t->path, t->dev, t->ino, t->commit);
	}
	/* Saved entries of files not seen since the start are kept. */
	for (size_t i = 0; i < c->saved.count && rc == VG_OK; i++) {
		const struct vg_position *e = &c->saved.items[i];
		if (!vg_positions_find(&p, e->path))
			rc = vg_positions_set(&p, e->path, e->dev, e->ino, e->offset);
	}
	if (rc == VG_OK)
		rc = c->journal ? vg_journal_save(c->journal, &p)
		                : vg_positions_set_cursor(&p, c->saved.journal_cursor);
	p.tag = c->tag;
	p.has_tag = c->has_tag;
	if (rc == VG_OK)
		rc = vg_positions_save(&p, c->pos_file);
	vg_positions_free(&p);
	return rc;
}

void vg_collector_set_tag(struct vg_collector *c, uint64_t tag)
{
	c->tag = tag;
	c->has_tag = true;
}

bool vg_collector_saved_tag(const struct vg_collector *c, uint64_t *tag)
{
	*tag = c->saved.tag;
	return c->saved.has_tag;
}

void vg_collector_stats(const struct vg_collector *c, struct vg_collect_stats *out)
{
	*out = c->stats;
	out->files_open = 0;
	for (size_t i = 0; i < c->ntails; i++)
		out->files_open += c->tails[i]->fd >= 0;
}
