/*
 * spool_read.c - reading the spool's records: a buffered reader of one
 * segment file by absolute offsets (used by recovery and by the cursor),
 * the record header codec and check, and the read cursor that hands the
 * sender its records (vg_spool_rewind(), vg_spool_next()). The cursor keeps
 * its segment's descriptor and offset, so reading on is a buffered pread;
 * a rewind within the segment it is in rescans only that segment's headers.
 */
#include "transport/spool_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigil/array.h"

#define READ_CHUNK (64u << 10)

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

void spool_hdr_decode(const uint8_t *p, struct spool_hdr *h)
{
	h->crc = get32(p);
	h->log_len = get32(p + 4);
	h->seq = get64(p + 8);
	h->loc_len = get16(p + 16);
	h->magic = get16(p + 18);
}

uint64_t spool_hdr_check(const struct spool_hdr *h)
{
	if (h->magic != SPOOL_MAGIC || h->log_len > VG_SPOOL_MAX_LOG || h->seq == 0)
		return 0;
	return (uint64_t)SPOOL_HDR + h->loc_len + h->log_len;
}

void spool_reader_init(struct spool_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

void spool_reader_close(struct spool_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->buf_off = 0;
	r->buf_len = 0;
}

void spool_reader_free(struct spool_reader *r)
{
	spool_reader_close(r);
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

int spool_reader_get(struct spool_reader *r, uint64_t off, size_t n, const uint8_t **p)
{
	if (off >= r->buf_off && off + n <= r->buf_off + r->buf_len) {
		*p = r->buf + (off - r->buf_off);
		return 1;
	}
	size_t want = n > READ_CHUNK ? n : READ_CHUNK;
	if (want > r->cap && vg_grow((void **)&r->buf, &r->cap, want, 1, READ_CHUNK))
		return VG_ENOMEM;
	size_t got = 0;
	while (got < r->cap) {
		ssize_t k = pread(r->fd, r->buf + got, r->cap - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r->buf_len = 0;
			return VG_EIO;
		}
		if (k == 0)
			break;
		got += (size_t)k;
		if (got >= n)
			break;
	}
	r->buf_off = off;
	r->buf_len = got;
	if (got < n)
		return 0;
	*p = r->buf;
	return 1;
}

int spool_record_read(struct spool_reader *r, uint64_t off, struct spool_hdr *h, const uint8_t **p)
{
	const uint8_t *q;
	int rc = spool_reader_get(r, off, SPOOL_HDR, &q);
	if (rc <= 0)
		return rc;
	spool_hdr_decode(q, h);
	uint64_t size = spool_hdr_check(h);
	if (size == 0)
		return VG_EPARSE;
	if ((rc = spool_reader_get(r, off, (size_t)size, &q)) <= 0)
		return rc;
	if (vg_spool_crc32c(0, q + 4, (size_t)size - 4) != h->crc)
		return VG_EPARSE;
	*p = q;
	return 1;
}

void spool_cursor_reset(struct vg_spool *s)
{
	spool_reader_close(&s->rd);
	s->rd_first = 0;
	s->rd_off = 0;
	s->rd_at = 0;
}

int vg_spool_rewind(struct vg_spool *s, uint64_t seq)
{
	if (!s)
		return VG_EINVAL;
	s->rd_next = seq ? seq : 1;
	/* Staying in the same segment: keep the descriptor; going back
	 * means rescanning it from its start. */
	if (s->rd_first && s->rd_next < s->rd_at) {
		s->rd_off = 0;
		s->rd_at = s->rd_first;
	}
	return VG_OK;
}

/* Points the cursor at segment i, at its first record. */
static int cursor_enter(struct vg_spool *s, size_t i)
{
	spool_cursor_reset(s);
	char name[SPOOL_NAME_LEN + 1];
	spool_seg_name(name, sizeof(name), s->segs[i].first);
	int fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return VG_EIO;
	s->rd.fd = fd;
	s->rd_first = s->segs[i].first;
	s->rd_off = 0;
	s->rd_at = s->segs[i].first;
	return VG_OK;
}

/* Finds the segment holding the sequence the cursor wants and enters it
 * unless the cursor is already there. Returns its index, -1 when there is
 * no segment, or VG_E* - 1 on error. */
static long cursor_segment(struct vg_spool *s)
{
	if (s->nsegs == 0) {
		spool_cursor_reset(s);
		return -1;
	}
	size_t i = spool_seg_find(s, s->rd_next);
	if (s->rd_first == s->segs[i].first && s->rd_off <= s->segs[i].size)
		return (long)i;
	int rc = cursor_enter(s, i);
	return rc < 0 ? rc - 1 : (long)i;
}

/* Bytes of segment i that may be read now, syncing the active segment
 * when the cursor has reached what is not yet durable. */
static int readable(struct vg_spool *s, size_t i, uint64_t need, uint64_t *avail)
{
	bool active = i + 1 == s->nsegs && s->wfd >= 0;
	*avail = active ? s->durable : s->segs[i].size;
	if (active && need > s->durable && s->durable < s->segs[i].size) {
		int rc = vg_spool_sync(s);
		if (rc < 0)
			return rc;
		*avail = s->durable;
	}
	return VG_OK;
}

/* Reads the record at the cursor in segment i: 1 returned or skipped, 0 end of segment. */
static int cursor_step(struct vg_spool *s, size_t i, struct vg_spool_record *rec, bool *got)
{
	uint64_t avail;
	int rc = readable(s, i, s->rd_off + SPOOL_HDR, &avail);
	if (rc < 0)
		return rc;
	if (s->rd_off >= avail)
		return 0;
	struct spool_hdr h;
	const uint8_t *p;
	if ((rc = spool_reader_get(&s->rd, s->rd_off, SPOOL_HDR, &p)) <= 0)
		return rc < 0 ? rc : VG_EPARSE;
	spool_hdr_decode(p, &h);
	uint64_t size = spool_hdr_check(&h);
	if (size == 0 || h.seq != s->rd_at)
		return VG_EPARSE;
	if (h.seq < s->rd_next) { /* skipping: the header is enough */
		s->rd_off += size;
		s->rd_at++;
		return 1;
	}
	if ((rc = readable(s, i, s->rd_off + size, &avail)) < 0)
		return rc;
	if (s->rd_off + size > avail)
		return 0;
	if ((rc = spool_record_read(&s->rd, s->rd_off, &h, &p)) <= 0)
		return rc < 0 ? rc : VG_EPARSE;
	rec->seq = h.seq;
	rec->location = (const char *)p + SPOOL_HDR;
	rec->location_len = h.loc_len;
	rec->log = rec->location + h.loc_len;
	rec->log_len = h.log_len;
	s->rd_off += size;
	s->rd_at++;
	s->rd_next = h.seq + 1;
	*got = true;
	return 1;
}

int vg_spool_next(struct vg_spool *s, struct vg_spool_record *rec)
{
	if (!s || !rec)
		return VG_EINVAL;
	if (s->rd_next <= s->acked)
		s->rd_next = s->acked + 1;
	for (;;) {
		long li = cursor_segment(s);
		if (li == -1)
			return 0;
		if (li < -1)
			return (int)(li + 1);
		size_t i = (size_t)li;
		bool got = false;
		int rc = cursor_step(s, i, rec, &got);
		if (rc < 0)
			return rc;
		if (got)
			return 1;
		if (rc == 1)
			continue;
		/* End of this segment: on to the next one, if any. */
		if (i + 1 >= s->nsegs)
			return 0;
		s->rd_next = s->segs[i + 1].first;
	}
}
