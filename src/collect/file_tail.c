/*
 * file_tail.c - tailing one log file: reading what was appended, cutting
 * it into records (lines, JSON lines or multi-line records), and noticing
 * when the file was rotated by rename (a new inode at the path: the old
 * file becomes a draining tail, read until the writer has left it, and
 * the new one is read from the start), truncated in place (copytruncate:
 * the rest of the old content is read from the copy when one is found,
 * then the file from 0) or removed. Offsets are tracked so that the saved
 * position is always the end of the last delivered record: a partial last
 * line or a multi-line record still being assembled is read again after a
 * restart.
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
	t->trunc_fd = -1;
	vg_buf_init(&t->record, 0);
	return t;
}

void vg_tail_destroy(struct vg_tail *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	if (t->trunc_fd >= 0)
		close(t->trunc_fd);
	vg_buf_free(&t->record);
	free(t->buf);
	free(t->path);
	free(t);
}

static void reset_offsets(struct vg_tail *t, int64_t off)
{
	t->read_off = t->scan = t->commit = off;
	t->seen_size = off;
	t->head = t->len = 0;
	vg_buf_reset(&t->record);
	t->at_eof = false;
	t->fp_len = 0;
	if (t->fd >= 0 && off > 0)
		vg_tail_fp_load(t);
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
	vg_tail_fp_add(t, t->buf + t->len, (size_t)n);
	t->len += (size_t)n;
	t->read_off += n;
	return n;
}

/* Sends what is buffered of a file whose end was reached for good: its
 * partial last line counts as complete, as does a pending multi-line
 * record. */
static void finish_buffered(struct vg_collector *c, struct vg_tail *t)
{
	if (t->head < t->len) {
		size_t avail = t->len - t->head;
		line_done(c, t, t->buf + t->head, avail, avail, 0);
	}
	flush_record(c, t, 0);
	t->head = t->len = 0;
}

/* Finishes a file that is being left behind and forgets its descriptor. */
static void finish_file(struct vg_collector *c, struct vg_tail *t)
{
	finish_buffered(c, t);
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
	if (fstat(t->fd, &fst) != 0)
		return TAIL_SAME;
	/* Shorter than what was read, or rewritten past it since the last check. */
	if (fst.st_size < t->read_off || (t->fp_len && !vg_tail_fp_matches(t, t->fd)))
		return TAIL_TRUNCATED;
	t->seen_size = fst.st_size;
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

/*
 * The path names a new file: the reader state moves to a draining tail
 * that goes on reading the old file (the writer may not have reopened its
 * log yet), and t starts the new file from 0.
 */
static int leave_behind(struct vg_collector *c, struct vg_tail *t)
{
	struct vg_tail *old = vg_tail_create(t->path, t->in);
	if (!old)
		return VG_ENOMEM;
	struct vg_tail fresh = *old;
	*old = *t;
	*t = fresh;
	t->seen = old->seen;
	old->draining = true;
	old->gone_ms = 0;
	old->last_data_ms = vg_collect_now_ms();
	struct stat st;
	if (open_file(c, t, &st) == VG_OK)
		reset_offsets(t, 0);
	return vg_collect_adopt(c, old);
}

/* The file shrank or was rewritten: reads the rest of the old content from
 * the copy copytruncate made, when there is one, else reports the loss. */
static void on_truncated(struct vg_collector *c, struct vg_tail *t)
{
	uint64_t dev = 0, ino = 0;
	bool covered;
	c->stats.truncations++;
	int copy = vg_tail_find_copy(c, t, &dev, &ino, &covered);
	if (copy >= 0) {
		vg_debug("%s was truncated; reading its copy from offset %lld", t->path,
		         (long long)t->read_off);
		c->stats.copies_read++;
		t->trunc_fd = t->fd;
		t->trunc_dev = t->dev;
		t->trunc_ino = t->ino;
		t->fd = copy;
		t->dev = dev;
		t->ino = ino;
		return;
	}
	int64_t unread = t->seen_size > t->read_off ? t->seen_size - t->read_off : 0;
	if (covered && !unread)
		vg_debug("%s was truncated; its copy holds nothing that was not read", t->path);
	else
		vg_warn(
		    "%s was truncated at offset %lld and no copy of it was found in its directory: "
		    "%lld byte(s) known but not read yet are lost, with any written since the last "
		    "check",
		    t->path, (long long)t->read_off, (long long)unread);
	finish_buffered(c, t);
	reset_offsets(t, 0);
}

/* The copy of a truncated file was read to its end: back to the file. */
static void end_rescue(struct vg_collector *c, struct vg_tail *t)
{
	finish_buffered(c, t);
	vg_collect_retire(c, t->fd, t->dev, t->ino, t->read_off);
	t->fd = t->trunc_fd;
	t->dev = t->trunc_dev;
	t->ino = t->trunc_ino;
	t->trunc_fd = -1;
	reset_offsets(t, 0);
}

/* Before reading on: was the file emptied (and maybe written past the read
 * offset again) since it was last read? Its last bytes read tell. */
static bool truncated_since(struct vg_tail *t)
{
	struct stat st;
	if (fstat(t->fd, &st) != 0)
		return false;
	if (st.st_size < t->read_off)
		return true;
	if (st.st_size == t->read_off || !t->fp_len)
		return false;
	return !vg_tail_fp_matches(t, t->fd);
}

/* Acts on a rotation, truncation or removal; returns 1 when t is gone. */
static int handle_change(struct vg_collector *c, struct vg_tail *t, enum tail_change ch)
{
	switch (ch) {
	case TAIL_GONE:
		vg_debug("%s was removed", t->path);
		finish_file(c, t);
		return 1;
	case TAIL_ROTATED:
		vg_debug("%s was rotated", t->path);
		c->stats.rotations++;
		c->rescan_now = true; /* the old file may match under its new name */
		/* What the writer appended since the last read goes first. */
		if (!drain(c, t) || t->fd < 0)
			return 0;
		return leave_behind(c, t);
	case TAIL_TRUNCATED: on_truncated(c, t); return 0;
	case TAIL_SAME: break;
	}
	return 0;
}

/* A file left behind by rename: read until the writer has been quiet for
 * the grace period (or deleted it), then dropped. */
static int service_draining(struct vg_collector *c, struct vg_tail *t)
{
	t->at_eof = drain(c, t);
	if (t->fd < 0)
		return 1;
	if (!t->at_eof)
		return 0;
	struct stat st;
	uint64_t now = vg_collect_now_ms();
	if (fstat(t->fd, &st) == 0 && st.st_nlink > 0 &&
	    now - t->last_data_ms < TAIL_GONE_GRACE_MS) {
		if (t->record.len && now - t->last_data_ms >= c->opts.multiline_flush_ms)
			flush_record(c, t, 0);
		return 0;
	}
	vg_debug("done with the rotated %s", t->path);
	finish_file(c, t);
	return 1;
}

int vg_tail_service(struct vg_collector *c, struct vg_tail *t, bool check)
{
	if (t->fd < 0)
		return 0;
	if (t->draining)
		return service_draining(c, t);
	if (t->trunc_fd < 0 && truncated_since(t))
		on_truncated(c, t);
	for (int round = 0; round < 4; round++) {
		t->at_eof = drain(c, t);
		if (!t->at_eof || t->fd < 0)
			return 0;
		if (t->trunc_fd >= 0) {
			end_rescue(c, t);
			continue;
		}
		if (t->record.len &&
		    vg_collect_now_ms() - t->last_data_ms >= c->opts.multiline_flush_ms)
			flush_record(c, t, 0);
		if (!check)
			return 0;
		enum tail_change ch = detect_change(t);
		if (ch == TAIL_SAME)
			return 0;
		int rc = handle_change(c, t, ch);
		if (rc != 0)
			return rc;
		if (t->fd < 0)
			return 0;
	}
	return 0;
}

int vg_tail_timeout_ms(const struct vg_collector *c, const struct vg_tail *t, uint64_t now)
{
	uint64_t due = UINT64_MAX;
	if (t->record.len)
		due = t->last_data_ms + c->opts.multiline_flush_ms;
	if (t->draining && t->fd >= 0 && t->last_data_ms + TAIL_GONE_GRACE_MS < due)
		due = t->last_data_ms + TAIL_GONE_GRACE_MS;
	if (due == UINT64_MAX)
		return -1;
	return due <= now ? 0 : (int)(due - now);
}
