/*
 * procmon_auditlog.c - the process monitor's fallback input: tailing the
 * audit.log that auditd writes when auditd, not Vigil, owns the audit
 * netlink socket. Complete lines go to the audit record assembler. The
 * position after the last complete line is kept (with the file's device and
 * inode) in a positions file, so a restart resumes where it stopped; at the
 * very first start reading begins at the end (history is not replayed). A
 * new inode under the path (auditd's rotation renames the file) is read from
 * its start once the old file is drained; a file that shrank is read again
 * from 0. An inotify watch on the directory wakes the caller.
 */
#include "collect/procmon_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/positions.h"
#include "vigil/error.h"
#include "vigil/log.h"

#define LOG_BUF_CAP 65536 /* longest line kept; longer ones are skipped */

struct vg_auditlog {
	char *path, *pos_file;
	int fd, ino_fd;
	uint64_t dev, ino;
	int64_t off; /* after the last complete line handed on */
	char *buf;   /* bytes from off not yet a complete line */
	size_t len;
	bool skipping; /* inside an over-long line */
	bool dirty;    /* off moved since the last save */
	struct vg_positions saved;
};

/* Opens the file; initial says whether this is the start (saved position,
 * else the end) or a file that appeared or replaced the old one (from 0). */
static void log_reopen(struct vg_auditlog *t, bool initial)
{
	struct stat st;
	int fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	int64_t off = 0;
	const struct vg_position *p = vg_positions_find(&t->saved, t->path);
	if (initial && p && p->dev == (uint64_t)st.st_dev && p->ino == (uint64_t)st.st_ino)
		off = p->offset <= st.st_size ? p->offset : 0;
	else if (initial && !p)
		off = st.st_size;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = fd;
	t->dev = (uint64_t)st.st_dev;
	t->ino = (uint64_t)st.st_ino;
	t->off = off;
	t->len = 0;
	t->skipping = false;
	t->dirty = true;
}

static void watch_dir(struct vg_auditlog *t)
{
	char *copy = strdup(t->path);
	if (!copy)
		return;
	t->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->ino_fd >= 0 &&
	    inotify_add_watch(t->ino_fd, dirname(copy),
	                      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		close(t->ino_fd);
		t->ino_fd = -1;
	}
	free(copy);
}

int vg_auditlog_open(const char *path, const char *pos_file, struct vg_auditlog **out)
{
	struct vg_auditlog *t = calloc(1, sizeof(*t));
	*out = NULL;
	if (!t)
		return VG_ENOMEM;
	t->fd = t->ino_fd = -1;
	vg_positions_init(&t->saved);
	t->path = strdup(path);
	t->pos_file = pos_file ? strdup(pos_file) : NULL;
	t->buf = malloc(LOG_BUF_CAP);
	if (!t->path || (pos_file && !t->pos_file) || !t->buf) {
		vg_auditlog_close(t);
		return VG_ENOMEM;
	}
	if (t->pos_file && vg_positions_load(&t->saved, t->pos_file) == VG_ENOMEM) {
		vg_auditlog_close(t);
		return VG_ENOMEM;
	}
	watch_dir(t);
	log_reopen(t, true);
	t->dirty = false;
	*out = t;
	return VG_OK;
}

int vg_auditlog_save(struct vg_auditlog *t)
{
	if (!t->pos_file || t->fd < 0 || !t->dirty)
		return VG_OK;
	if (vg_positions_set(&t->saved, t->path, t->dev, t->ino, t->off) != VG_OK)
		return VG_EIO;
	int rc = vg_positions_save(&t->saved, t->pos_file);
	if (rc == VG_OK)
		t->dirty = false;
	return rc == VG_OK ? VG_OK : VG_EIO;
}

void vg_auditlog_close(struct vg_auditlog *t)
{
	if (!t)
		return;
	if (vg_auditlog_save(t) != VG_OK)
		vg_warn("procmon: cannot save the audit.log position to %s", t->pos_file);
	if (t->fd >= 0)
		close(t->fd);
	if (t->ino_fd >= 0)
		close(t->ino_fd);
	vg_positions_free(&t->saved);
	free(t->path);
	free(t->pos_file);
	free(t->buf);
	free(t);
}

int vg_auditlog_fd(const struct vg_auditlog *t)
{
	return t->ino_fd;
}

/* Hands the complete lines in buf to the assembler; keeps the rest. */
static int feed_lines(struct vg_auditlog *t, struct vg_audit_asm *a, uint64_t now_ms)
{
	size_t start = 0;
	for (;;) {
		char *nl = memchr(t->buf + start, '\n', t->len - start);
		if (!nl)
			break;
		size_t n = (size_t)(nl - (t->buf + start));
		if (!t->skipping &&
		    vg_audit_asm_add_line(a, t->buf + start, n, now_ms) == VG_ENOMEM)
			return VG_ENOMEM;
		t->skipping = false;
		start += n + 1;
	}
	t->off += (int64_t)start;
	memmove(t->buf, t->buf + start, t->len - start);
	t->len -= start;
	if (t->len == LOG_BUF_CAP) { /* an over-long line: drop it up to its end */
		t->off += (int64_t)t->len;
		t->len = 0;
		t->skipping = true;
	}
	if (start)
		t->dirty = true;
	return VG_OK;
}

/* At the end of the file: a new file under the path, or a truncation.
 * Returns true when reading should go on. */
static bool check_rotation(struct vg_auditlog *t)
{
	struct stat st;
	if (stat(t->path, &st) != 0)
		return false;
	if (t->fd < 0 || (uint64_t)st.st_ino != t->ino || (uint64_t)st.st_dev != t->dev) {
		log_reopen(t, false);
		return t->fd >= 0;
	}
	if (st.st_size < t->off + (int64_t)t->len) {
		t->off = 0;
		t->len = 0;
		t->skipping = false;
		return true;
	}
	return false;
}

long vg_auditlog_read(struct vg_auditlog *t, struct vg_audit_asm *a, size_t max_bytes,
                      uint64_t now_ms)
{
	char ev[4096];
	while (t->ino_fd >= 0 && read(t->ino_fd, ev, sizeof(ev)) > 0)
		; /* drained: what changed is found by reading */
	size_t total = 0;
	bool rotated_once = false;
	while (total < max_bytes) {
		if (t->fd < 0 && !check_rotation(t))
			break;
		ssize_t r = pread(t->fd, t->buf + t->len, LOG_BUF_CAP - t->len,
		                  (off_t)(t->off + (int64_t)t->len));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (rotated_once || !check_rotation(t))
				break;
			rotated_once = true;
			continue;
		}
		t->len += (size_t)r;
		total += (size_t)r;
		if (feed_lines(t, a, now_ms) != VG_OK)
			return VG_ENOMEM;
	}
	return (long)total;
}
