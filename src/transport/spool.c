/*
 * spool.c - the agent's disk spool (vigil/spool.h): opening and locking the
 * directory, appending records through a write buffer to the active
 * segment, starting a new segment past segment_bytes, syncing, the
 * max_bytes bound and its reserve, acknowledgements (state file, then
 * deletion of the segments they cover), discarding records after a
 * sequence, and the figures. Recovery at open lives in spool_scan.c, the
 * read cursor in spool_read.c.
 */
#include "transport/spool_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil/array.h"

#define WBUF_FLUSH  (256u << 10) /* write(2) once this much is buffered */
#define MIN_SEGMENT 4096u

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* mkdir -p with mode 0700 for the directories it creates. */
static int make_dirs(const char *dir)
{
	size_t len = strlen(dir);
	char *path = malloc(len + 1);
	if (!path)
		return VG_ENOMEM;
	memcpy(path, dir, len + 1);
	int rc = VG_OK;
	for (size_t i = 1; i <= len && rc == VG_OK; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			rc = VG_EIO;
		path[i] = c;
	}
	free(path);
	return rc;
}

void spool_remove_seg(struct vg_spool *s, size_t i)
{
	char name[SPOOL_NAME_LEN + 1];
	spool_seg_name(name, sizeof(name), s->segs[i].first);
	if (i + 1 == s->nsegs && s->wfd >= 0) {
		close(s->wfd);
		s->wfd = -1;
		s->wlen = 0;
	}
	if (s->rd_first == s->segs[i].first)
		spool_cursor_reset(s);
	unlinkat(s->dirfd, name, 0);
	s->dir_dirty = true;
	s->bytes -= s->segs[i].size;
	memmove(&s->segs[i], &s->segs[i + 1], (s->nsegs - i - 1) * sizeof(*s->segs));
	s->nsegs--;
}

/* Opens the last segment for appending when it has room and continues
 * the numbering. */
static int open_active(struct vg_spool *s)
{
	if (s->nsegs == 0 || s->wfd >= 0)
		return VG_OK;
	struct spool_seg *seg = &s->segs[s->nsegs - 1];
	if (seg->size >= s->seg_bytes || seg->last + 1 != s->next_seq)
		return VG_OK;
	char name[SPOOL_NAME_LEN + 1];
	spool_seg_name(name, sizeof(name), seg->first);
	s->wfd = openat(s->dirfd, name, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (s->wfd < 0)
		return VG_EIO;
	s->written = s->durable = seg->size;
	return VG_OK;
}

static uint64_t pick(uint64_t v, uint64_t dflt)
{
	return v ? v : dflt;
}

static int open_dir(struct vg_spool *s, const char *dir)
{
	size_t len = strlen(dir);
	if (!(s->dir = malloc(len + 1)))
		return VG_ENOMEM;
	memcpy(s->dir, dir, len + 1);
	int rc = make_dirs(dir);
	if (rc < 0)
		return rc;
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return VG_EIO;
	s->lockfd = openat(s->dirfd, SPOOL_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0)
		return VG_EIO;
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0)
		return errno == EWOULDBLOCK ? VG_EEXIST : VG_EIO;
	return VG_OK;
}

static void spool_free(struct vg_spool *s)
{
	if (s->wfd >= 0)
		close(s->wfd);
	spool_reader_free(&s->rd);
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->segs);
	free(s->wbuf);
	free(s->dir);
	free(s);
}

int vg_spool_open(const struct vg_spool_opts *o, struct vg_spool **out, struct vg_diag *diag)
{
	*out = NULL;
	if (!o || !o->dir || !*o->dir)
		return VG_EINVAL;
	struct vg_spool *s = calloc(1, sizeof(*s));
	if (!s)
		return VG_ENOMEM;
	s->dirfd = s->lockfd = s->wfd = -1;
	spool_reader_init(&s->rd);
	s->fsync = o->fsync;
	s->max_bytes = pick(o->max_bytes, VG_SPOOL_MAX_BYTES);
	/* A partly acknowledged segment cannot be deleted: keep segments
	 * small against max_bytes so that most of the space can be freed. */
	s->seg_bytes = pick(o->segment_bytes, VG_SPOOL_SEGMENT_BYTES);
	uint64_t quarter = s->max_bytes / 4 > MIN_SEGMENT ? s->max_bytes / 4 : MIN_SEGMENT;
	if (s->seg_bytes > quarter)
		s->seg_bytes = quarter;
	int rc = open_dir(s, o->dir);
	if (rc == VG_OK)
		rc = spool_load_state(s, diag);
	if (rc == VG_OK)
		rc = spool_list_segments(s);
	if (rc == VG_OK)
		rc = spool_recover(s, diag);
	if (rc == VG_OK) {
		s->bytes = 0;
		for (size_t i = 0; i < s->nsegs; i++)
			s->bytes += s->segs[i].size;
		uint64_t last = s->nsegs ? s->segs[s->nsegs - 1].last : 0;
		s->next_seq = (last > s->acked ? last : s->acked) + 1;
		s->rd_next = s->acked + 1;
		rc = open_active(s);
	}
	if (rc < 0) {
		if (diag && rc != VG_EEXIST)
			vg_diag_add(diag, VG_DIAG_ERROR, o->dir, 0, 0, "cannot open the spool: %s",
			            vg_strerror(rc));
		else if (diag)
			vg_diag_add(diag, VG_DIAG_ERROR, o->dir, 0, 0,
			            "the spool is in use by another process");
		spool_free(s);
		return rc;
	}
	*out = s;
	return VG_OK;
}

void vg_spool_close(struct vg_spool *s)
{
	if (!s)
		return;
	vg_spool_sync(s);
	spool_free(s);
}

int spool_flush(struct vg_spool *s)
{
	size_t done = 0;
	int rc = VG_OK;
	while (done < s->wlen) {
		ssize_t n = write(s->wfd, s->wbuf + done, s->wlen - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = VG_EIO;
			break;
		}
		done += (size_t)n;
	}
	s->written += done;
	s->wlen -= done;
	if (s->wlen > 0 && done > 0)
		memmove(s->wbuf, s->wbuf + done, s->wlen);
	if (!s->fsync && rc == VG_OK)
		s->durable = s->written;
	return rc;
}

int vg_spool_sync(struct vg_spool *s)
{
	if (!s)
		return VG_EINVAL;
	if (s->wfd >= 0) {
		int rc = spool_flush(s);
		if (rc < 0)
			return rc;
		if (s->fsync && s->durable < s->written) {
			if (fdatasync(s->wfd) != 0)
				return VG_EIO;
			s->durable = s->written;
		}
	}
	if (s->fsync && s->dir_dirty && fsync(s->dirfd) != 0)
		return VG_EIO;
	s->dir_dirty = false;
	return VG_OK;
}

/* Closes the full active segment (synced as far as opts.fsync asks)
 * and creates the next one, named by the next sequence. */
static int start_segment(struct vg_spool *s)
{
	if (s->wfd >= 0) {
		int rc = vg_spool_sync(s);
		if (rc < 0)
			return rc;
		close(s->wfd);
		s->wfd = -1;
	}
	int rc = vg_grow((void **)&s->segs, &s->segs_cap, s->nsegs + 1, sizeof(*s->segs), 16);
	if (rc < 0)
		return rc;
	char name[SPOOL_NAME_LEN + 1];
	spool_seg_name(name, sizeof(name), s->next_seq);
	s->wfd = openat(s->dirfd, name, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s->wfd < 0)
		return VG_EIO;
	s->segs[s->nsegs++] = (struct spool_seg){ s->next_seq, s->next_seq - 1, 0 };
	s->written = s->durable = 0;
	s->dir_dirty = true;
	return VG_OK;
}

/* Encodes one record at the end of the write buffer. */
static int buffer_record(struct vg_spool *s, uint64_t seq, const char *location,
                         size_t location_len, const char *log, size_t log_len, size_t size)
{
	if (s->wlen + size > WBUF_FLUSH && s->wlen > 0) {
		int rc = spool_flush(s);
		if (rc < 0)
			return rc;
	}
	if (vg_grow((void **)&s->wbuf, &s->wcap, s->wlen + size, 1, WBUF_FLUSH))
		return VG_ENOMEM;
	uint8_t *p = s->wbuf + s->wlen;
	put32(p + 4, (uint32_t)log_len);
	put64(p + 8, seq);
	put16(p + 16, (uint16_t)location_len);
	put16(p + 18, SPOOL_MAGIC);
	if (location_len)
		memcpy(p + SPOOL_HDR, location, location_len);
	if (log_len)
		memcpy(p + SPOOL_HDR + location_len, log, log_len);
	put32(p, vg_spool_crc32c(0, p + 4, size - 4));
	s->wlen += size;
	return VG_OK;
}

int vg_spool_append(struct vg_spool *s, unsigned flags, const char *location, size_t location_len,
                    const char *log, size_t log_len, uint64_t *seq)
{
	if (!s || (!location && location_len) || (!log && log_len) ||
	    location_len > VG_SPOOL_MAX_LOCATION || log_len > VG_SPOOL_MAX_LOG)
		return VG_EINVAL;
	if (s->next_seq <= s->acked) { /* re-read after a discard: the manager has it */
		if (seq)
			*seq = s->next_seq;
		s->next_seq++;
		s->appended++;
		return VG_OK;
	}
	size_t size = SPOOL_HDR + location_len + log_len;
	uint64_t limit = s->max_bytes + (flags & VG_SPOOL_RESERVE ? VG_SPOOL_RESERVE_BYTES : 0);
	if (s->bytes + size > limit) {
		s->full_refusals++;
		return VG_ELIMIT;
	}
	int rc = VG_OK;
	if (s->wfd < 0 || s->segs[s->nsegs - 1].size >= s->seg_bytes ||
	    s->segs[s->nsegs - 1].last + 1 != s->next_seq)
		rc = start_segment(s);
	if (rc == VG_OK)
		rc = buffer_record(s, s->next_seq, location, location_len, log, log_len, size);
	if (rc < 0)
		return rc;
	struct spool_seg *seg = &s->segs[s->nsegs - 1];
	seg->size += size;
	seg->last = s->next_seq;
	s->bytes += size;
	if (seq)
		*seq = s->next_seq;
	s->next_seq++;
	s->appended++;
	return VG_OK;
}

int vg_spool_ack(struct vg_spool *s, uint64_t seq)
{
	if (!s || seq == UINT64_MAX)
		return VG_EINVAL;
	if (seq <= s->acked_disk)
		return VG_OK;
	if (seq > s->acked)
		s->acked = seq;
	if (seq >= s->next_seq)
		s->next_seq = seq + 1;
	int rc = spool_save_state(s, seq);
	if (rc < 0)
		return rc;
	while (s->nsegs > 0 && s->segs[0].last <= seq)
		spool_remove_seg(s, 0);
	return VG_OK;
}

/* Cuts segment i after record seq. */
static int truncate_segment(struct vg_spool *s, size_t i, uint64_t seq)
{
	uint64_t off;
	int rc = spool_find_offset(s, i, seq, &off);
	if (rc < 0)
		return rc;
	char name[SPOOL_NAME_LEN + 1];
	spool_seg_name(name, sizeof(name), s->segs[i].first);
	int fd = openat(s->dirfd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return VG_EIO;
	if (ftruncate(fd, (off_t)off) != 0 || (s->fsync && fdatasync(fd) != 0))
		rc = VG_EIO;
	close(fd);
	if (rc < 0)
		return rc;
	s->bytes -= s->segs[i].size - off;
	s->segs[i].size = off;
	s->segs[i].last = seq;
	return VG_OK;
}

int vg_spool_discard_after(struct vg_spool *s, uint64_t seq)
{
	if (!s)
		return VG_EINVAL;
	if (seq >= s->next_seq - 1)
		return VG_OK;
	int rc = vg_spool_sync(s);
	if (rc < 0)
		return rc;
	spool_cursor_reset(s);
	if (s->wfd >= 0) {
		close(s->wfd);
		s->wfd = -1;
	}
	/* From the end, so that a crash leaves a prefix of the records. */
	while (s->nsegs > 0 && s->segs[s->nsegs - 1].first > seq)
		spool_remove_seg(s, s->nsegs - 1);
	if (s->nsegs > 0 && s->segs[s->nsegs - 1].last > seq &&
	    (rc = truncate_segment(s, s->nsegs - 1, seq)) < 0)
		return rc;
	s->next_seq = seq + 1;
	if (s->rd_next > s->next_seq)
		s->rd_next = s->next_seq;
	if ((rc = vg_spool_sync(s)) < 0)
		return rc;
	return open_active(s);
}

void vg_spool_stats(const struct vg_spool *s, struct vg_spool_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return;
	out->acked = s->acked;
	out->first_unacked = s->acked + 1;
	out->last_seq = s->next_seq - 1;
	out->bytes = s->bytes;
	out->segments = s->nsegs;
	out->appended = s->appended;
	out->full_refusals = s->full_refusals;
	out->recovered_bytes_dropped = s->dropped;
}
