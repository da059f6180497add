/*
 * file_tail.c - tailing one log file: reading what was appended, cutting
 * it into records (lines, JSON lines or multi-line records), and noticing
 * when the file was rotated by rename (a new inode at the path: the old
 * file is read to its end first, then the new one from the start),
 * truncated in place (copytruncate: the size shrank, restart at 0) or
 * removed. Offsets are tracked so that the saved position is always the
 * end of the last delivered record: a partial last line or a multi-line
 * record still being assembled is read again after a restart.
 */
#include "collect/collect_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil/error.h"
#include "vigil/log.h"

#define TAIL_CHUNK (64u * 1024u)
/* How long a file renamed away is still read while no new file replaces it
 * (the writer may not have reopened its log yet). */
#define TAIL_GONE_GRACE_MS 5000u

enum tail_change { TAIL_SAME, TAIL_ROTATED, TAIL_TRUNCATED, TAIL_GONE };

struct vg_tail *vg_tail_create(const char *path, struct vg_collect_input *in)
{
	struct vg_tail *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->path = strdup(path);
	if (!t->path) {
		free(t);
		return NULL;
	}
	t->in = in;
	t->fd = -1;
	vg_buf_init(&t->record, 0);
	return t;
}

void vg_tail_destroy(struct vg_tail *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	vg_buf_free(&t->record);
	free(t->buf);
	free(t->path);
	free(t);
}

static void reset_offsets(struct vg_tail *t, int64_t off)
{
	t->read_off = t->scan = t->commit = off;
	t->head = t->len = 0;
	vg_buf_reset(&t->record);
	t->at_eof = false;
}

/* Where a freshly opened file starts: its saved position when the inode
 * matches, its end when it was there before the very first start, else 0. */
static int64_t start_offset(struct vg_collector *c, const struct vg_tail *t, const struct stat *st)
{
	const struct vg_position *p = vg_positions_find(&c->saved, t->path);
	int64_t off;
	if (p && p->dev == (uint64_t)st->st_dev && p->ino == (uint64_t)st->st_ino)
		off = p->offset <= st->st_size ? p->offset : 0;
	else if (p)
		off = 0; /* rotated while we were not running */
	else if ((off = vg_collect_take_retired(c, (uint64_t)st->st_dev, (uint64_t)st->st_ino)) >=
	         0)
		off = off <= st->st_size ? off : 0; /* read before under another name */
	else if (c->initial_scan && !c->opts.read_existing_from_start)
		off = st->st_size;
	else
		off = 0;
	vg_positions_remove(&c->saved, t->path);
	return off;
}

static int open_file(struct vg_collector *c, struct vg_tail *t, struct stat *st)
{
	int fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, st) != 0) {
		if (!t->warned)
			vg_warn("cannot open %s: %s", t->path, strerror(errno));
		t->warned = true;
		c->stats.open_errors++;
		if (fd >= 0)
			close(fd);
		return VG_EIO;
	}
	if (!S_ISREG(st->st_mode)) {
		if (!t->warned)
			vg_warn("%s is not a regular file, not read", t->path);
		t->warned = true;
		close(fd);
		return VG_EUNSUP;
	}
	if (!t->buf) {
		t->cap = c->opts.max_line + TAIL_CHUNK;
		t->buf = malloc(t->cap + 1);
		if (!t->buf) {
			close(fd);
			return VG_ENOMEM;
		}
	}
	t->fd = fd;
	t->warned = false;
	t->dev = (uint64_t)st->st_dev;
	t->ino = (uint64_t)st->st_ino;
	t->last_data_ms = vg_collect_now_ms();
	return VG_OK;
}

int vg_tail_open(struct vg_collector *c, struct vg_tail *t)
{
	struct stat st;
	int rc = open_file(c, t, &st);
	if (rc != VG_OK)
		return rc;
	reset_offsets(t, start_offset(c, t, &st));
	vg_debug("tailing %s from offset %lld", t->path, (long long)t->read_off);
	return VG_OK;
}

static void flush_record(struct vg_collector *c, struct vg_tail *t, unsigned flags)
{
	if (t->record.len)
		vg_collect_deliver(c, t->path, vg_buf_str(&t->record), t->record.len, flags);
	vg_buf_reset(&t->record);
	t->commit = t->scan;
}

static bool starts_record(struct vg_collect_input *in, const char *line, size_t len)
{
	return pcre2_match(in->start_re, (PCRE2_SPTR)line, len, 0, 0, in->md, NULL) >= 0;
}

/* Adds one line of a multi-line file to the record being assembled. */
static void multiline_add(struct vg_collector *c, struct vg_tail *t, const char *line, size_t len,
                          size_t consumed)
{
	if (len == 0) {
		t->scan += (int64_t)consumed;
		if (!t->record.len)
			t->commit = t->scan;
		return;
	}
	if (t->record.len && starts_record(t->in, line, len))
		flush_record(c, t, 0);
	else if (t->record.len && t->record.len + 1 + len > c->opts.max_line)
		flush_record(c, t, VG_COLLECT_LINE_SPLIT);
	int rc = VG_OK;
	if (t->record.len)
		rc = vg_buf_addc(&t->record, t->in->join);
	if (rc == VG_OK)
		rc = vg_buf_add(&t->record, line, len);
	if (rc != VG_OK)
		vg_warn("%s: record dropped: %s", t->path, vg_strerror(rc));
	t->scan += (int64_t)consumed;
}

/* One line (or piece) of len bytes at line, consumed bytes of the file. */
static void line_done(struct vg_collector *c, struct vg_tail *t, char *line, size_t len,
                      size_t consumed, unsigned flags)
{
	size_t orig = len;
	char saved = line[orig];
	if (!(flags & VG_COLLECT_LINE_SPLIT) && len && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	if (t->in->format == VG_COLLECT_MULTILINE) {
		multiline_add(c, t, line, len, consumed);
	} else {
		if (len)
			vg_collect_deliver(c, t->path, line, len, flags);
		t->scan += (int64_t)consumed;
		t->commit = t->scan;
	}
	if (len < orig)
		line[len] = '\r';
	line[orig] = saved;
	t->head += consumed;
}

/* Delivers every complete line in the buffer, within the budget. */
static void split_lines(struct vg_collector *c, struct vg_tail *t)
{
	size_t max = c->opts.max_line;
	while (vg_collect_budget_left(c) && t->head < t->len) {
		char *start = t->buf + t->head;
		size_t avail = t->len - t->head;
		char *nl = memchr(start, '\n', avail);
		if (nl && (size_t)(nl - start) <= max)
			line_done(c, t, start, (size_t)(nl - start), (size_t)(nl - start) + 1, 0);
		else if (nl || avail > max)
			line_done(c, t, start, max, max, VG_COLLECT_LINE_SPLIT);
		else
			break;
	}
	if (t->head == t->len)
		t->head = t->len = 0;
}

/* Reads more of the file; returns bytes read, 0 at the end, VG_EIO. */
static ssize_t fill(struct vg_tail *t)
{
	if (t->head && t->len == t->cap) {
		memmove(t->buf, t->buf + t->head, t->len - t->head);
		t->len -= t->head;
		t->head = 0;
	}
	if (t->len == t->cap)
		return 0;
	ssize_t n;
	do
		n = pread(t->fd, t->buf + t->len, t->cap - t->len, t->read_off);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return VG_EIO;
	t->len += (size_t)n;
	t->read_off += n;
	return n;
}

/* Sends what is left of a file that is being left behind: its partial last
 * line counts as complete, as does a pending multi-line record. */
static void finish_file(struct vg_collector *c, struct vg_tail *t)
{
	if (t->head < t->len) {
		size_t avail = t->len - t->head;
		line_done(c, t, t->buf + t->head, avail, avail, 0);
	}
	flush_record(c, t, 0);
	t->head = t->len = 0;
	vg_collect_retire(c, t->fd, t->dev, t->ino, t->commit);
	t->fd = -1;
}

static enum tail_change detect_change(struct vg_tail *t)
{
	struct stat st, fst;
	if (stat(t->path, &st) != 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return TAIL_SAME;
		uint64_t now = vg_collect_now_ms();
		if (fstat(t->fd, &fst) != 0 || fst.st_nlink == 0)
			return TAIL_GONE;
		if (!t->gone_ms)
			t->gone_ms = now;
		return now - t->gone_ms < TAIL_GONE_GRACE_MS ? TAIL_SAME : TAIL_GONE;
	}
	t->gone_ms = 0;
	if ((uint64_t)st.st_ino != t->ino || (uint64_t)st.st_dev != t->dev)
		return TAIL_ROTATED;
	if (fstat(t->fd, &fst) == 0 && fst.st_size < t->read_off)
		return TAIL_TRUNCATED;
	return TAIL_SAME;
}

/* Reads to the end of the file or of the budget; returns true at the end. */
static bool drain(struct vg_collector *c, struct vg_tail *t)
{
	for (;;) {
		split_lines(c, t);
		if (!vg_collect_budget_left(c))
			return false;
		ssize_t n = fill(t);
		if (n == 0)
			return true;
		if (n < 0) {
			vg_warn("read error on %s: %s; reopening later", t->path, strerror(errno));
			close(t->fd);
			t->fd = -1;
			t->warned = true;
			return false;
		}
		t->last_data_ms = vg_collect_now_ms();
	}
}

/* Acts on a rotation, truncation or removal; returns 1 when t is gone. */
static int handle_change(struct vg_collector *c, struct vg_tail *t, enum tail_change ch)
{
	struct stat st;
	switch (ch) {
	case TAIL_GONE:
		vg_debug("%s was removed", t->path);
		finish_file(c, t);
		return 1;
	case TAIL_ROTATED:
		vg_debug("%s was rotated", t->path);
		c->stats.rotations++;
		c->rescan_now = true; /* the old file may match under its new name */
		finish_file(c, t);
		if (open_file(c, t, &st) != VG_OK)
			return 0;
		reset_offsets(t, 0);
		return 0;
	case TAIL_TRUNCATED:
		vg_debug("%s was truncated", t->path);
		c->stats.truncations++;
		reset_offsets(t, 0);
		return 0;
	case TAIL_SAME: break;
	}
	return 0;
}

int vg_tail_service(struct vg_collector *c, struct vg_tail *t, bool check)
{
	if (t->fd < 0)
		return 0;
	for (int round = 0; round < 4; round++) {
		t->at_eof = drain(c, t);
		if (!t->at_eof || t->fd < 0)
			return 0;
		if (t->record.len &&
		    vg_collect_now_ms() - t->last_data_ms >= c->opts.multiline_flush_ms)
			flush_record(c, t, 0);
		if (!check)
			return 0;
		enum tail_change ch = detect_change(t);
		if (ch == TAIL_SAME)
			return 0;
		if (handle_change(c, t, ch))
			return 1;
		if (t->fd < 0)
			return 0;
	}
	return 0;
}

int vg_tail_timeout_ms(const struct vg_collector *c, const struct vg_tail *t, uint64_t now)
{
	if (!t->record.len)
		return -1;
	uint64_t due = t->last_data_ms + c->opts.multiline_flush_ms;
	return due <= now ? 0 : (int)(due - now);
}
