/*
 * spool_scan.c - the spool's directory at open: the state file holding the
 * acknowledged sequence (read, and atomically replaced on every ack), the
 * list of segment files, and recovery. Recovery reads every record of
 * every segment, checks its header, checksum and sequence, and cuts the
 * segment at the first bad record (a torn tail after a crash, or damage),
 * warning with the file, the offset and the bytes dropped. Segments left
 * empty, or wholly acknowledged, are deleted.
 */
#include "transport/spool_internal.h"
#include "vigil/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigil/array.h"
#include "vigil/log.h"

#define STATE_HEADER "vigil spool state 1\n"
#define STATE_MAX    256

void spool_seg_name(char *out, size_t outlen, uint64_t first)
{
	snprintf(out, outlen, "%020" PRIu64 ".seg", first);
}

/* Parses a segment file name; returns its first sequence, 0 when not one. */
static uint64_t seg_parse_name(const char *name)
{
	if (strlen(name) != SPOOL_NAME_LEN || strcmp(name + 20, ".seg") != 0)
		return 0;
	uint64_t v = 0;
	for (int i = 0; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		unsigned d = (unsigned)(name[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	return v;
}

static void warn(struct vg_spool *s, struct vg_diag *diag, const char *file, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", s->dir, file);
	if (diag)
		vg_diag_add(diag, VG_DIAG_WARNING, path, 0, 0, "%s", text);
	else
		vg_warn("%s: %s", path, text);
}

static int read_small(int dirfd, const char *name, char *buf, size_t cap, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? VG_ENOENT : VG_EIO;
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return VG_EIO;
		}
		if (n == 0 || (got += (size_t)n) == cap)
			break;
	}
	close(fd);
	*len = got;
	return VG_OK;
}

int spool_load_state(struct vg_spool *s, struct vg_diag *diag)
{
	char buf[STATE_MAX + 1];
	size_t len = 0;
	unlinkat(s->dirfd, SPOOL_STATE_TMP, 0);
	int rc = read_small(s->dirfd, SPOOL_STATE, buf, STATE_MAX, &len);
	if (rc == VG_ENOENT)
		return VG_OK;
	if (rc < 0)
		return rc;
	buf[len] = '\0';
	size_t hl = strlen(STATE_HEADER);
	const char *p = buf + hl;
	char *end;
	errno = 0;
	unsigned long long v = 0;
	bool ok = len > hl && memcmp(buf, STATE_HEADER, hl) == 0 && strncmp(p, "acked ", 6) == 0 &&
	          p[6] >= '0' && p[6] <= '9';
	if (ok) {
		v = strtoull(p + 6, &end, 10);
		ok = errno == 0 && *end == '\n' && end[1] == '\0';
	}
	if (!ok) {
		warn(s, diag, SPOOL_STATE,
		     "malformed state file ignored; unacknowledged records "
		     "will be sent again");
		return VG_OK;
	}
	s->acked = s->acked_disk = v;
	return VG_OK;
}

int spool_save_state(struct vg_spool *s, uint64_t acked)
{
	char text[STATE_MAX];
	int len = snprintf(text, sizeof(text), STATE_HEADER "acked %" PRIu64 "\n", acked);
	int fd = openat(s->dirfd, SPOOL_STATE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return VG_EIO;
	int rc = vg_write_all(fd, text, (size_t)len);
	if (rc == 0 && s->fsync && fdatasync(fd) != 0)
		rc = VG_EIO;
	if (close(fd) != 0 && rc == 0)
		rc = VG_EIO;
	if (rc == 0 && renameat(s->dirfd, SPOOL_STATE_TMP, s->dirfd, SPOOL_STATE) != 0)
		rc = VG_EIO;
	if (rc < 0) {
		unlinkat(s->dirfd, SPOOL_STATE_TMP, 0);
		return rc;
	}
	if (s->fsync && fsync(s->dirfd) != 0)
		return VG_EIO;
	s->acked_disk = acked;
	return VG_OK;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct spool_seg *x = a, *y = b;
	return x->first < y->first ? -1 : x->first > y->first;
}

int spool_list_segments(struct vg_spool *s)
{
	int fd = dup(s->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return VG_EIO;
	}
	rewinddir(d);
	int rc = VG_OK;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		uint64_t first = seg_parse_name(de->d_name);
		if (first == 0)
			continue;
		if ((rc = vg_grow((void **)&s->segs, &s->segs_cap, s->nsegs + 1, sizeof(*s->segs),
		                  16)) != VG_OK)
			break;
		s->segs[s->nsegs++] = (struct spool_seg){ first, first - 1, 0 };
	}
	closedir(d);
	if (rc == VG_OK && s->nsegs > 1)
		qsort(s->segs, s->nsegs, sizeof(*s->segs), seg_cmp);
	return rc;
}

size_t spool_seg_find(const struct vg_spool *s, uint64_t seq)
{
	size_t lo = 0, hi = s->nsegs;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->segs[mid].first <= seq)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Walks segment i's records while they are good and numbered below limit:
 * *off ends at the first bad one (or the end), seg->last at the last good. */
static int scan_records(struct spool_reader *r, struct spool_seg *seg, uint64_t limit,
                        uint64_t *off, int *why)
{
	uint64_t expect = seg->first;
	*off = 0;
	for (;;) {
		struct spool_hdr h;
		const uint8_t *p;
		int rc = spool_record_read(r, *off, &h, &p);
		if (rc == VG_EPARSE || rc == 0) {
			*why = rc;
			return VG_OK;
		}
		if (rc < 0)
			return rc;
		if (h.seq != expect || h.seq >= limit) {
			*why = VG_EINVAL;
			return VG_OK;
		}
		*off += SPOOL_HDR + (uint64_t)h.loc_len + h.log_len;
		seg->last = expect++;
	}
}

/* Checks segment i and cuts it at the first bad record. */
static int recover_segment(struct vg_spool *s, size_t i, uint64_t limit, struct vg_diag *diag)
{
	struct spool_seg *seg = &s->segs[i];
	char name[SPOOL_NAME_LEN + 1];
	spool_seg_name(name, sizeof(name), seg->first);
	struct spool_reader r;
	spool_reader_init(&r);
	r.buf = s->rd.buf; /* borrow the cursor's buffer */
	r.cap = s->rd.cap;
	r.fd = openat(s->dirfd, name, O_RDWR | O_CLOEXEC);
	if (r.fd < 0)
		return VG_EIO;
	off_t end = lseek(r.fd, 0, SEEK_END);
	uint64_t off = 0;
	int why = 0;
	int rc = end < 0 ? VG_EIO : scan_records(&r, seg, limit, &off, &why);
	s->rd.buf = r.buf;
	s->rd.cap = r.cap;
	if (rc == VG_OK && (uint64_t)end > off) {
		char text[200];
		snprintf(text, sizeof(text), "%s at offset %" PRIu64 "; %" PRIu64 " bytes dropped",
		         why == 0           ? "torn record"
		         : why == VG_EINVAL ? "record out of sequence"
		                            : "damaged record",
		         off, (uint64_t)end - off);
		warn(s, diag, name, text);
		s->dropped += (uint64_t)end - off;
		if (ftruncate(r.fd, (off_t)off) != 0 || (s->fsync && fdatasync(r.fd) != 0))
			rc = VG_EIO;
	}
	close(r.fd);
	seg->size = off;
	return rc;
}

int spool_recover(struct vg_spool *s, struct vg_diag *diag)
{
	/* Backwards, so that each segment knows where the next one starts. */
	uint64_t limit = UINT64_MAX;
	for (size_t i = s->nsegs; i-- > 0;) {
		bool acked = limit != UINT64_MAX && limit - 1 <= s->acked;
		int rc = acked ? VG_OK : recover_segment(s, i, limit, diag);
		if (rc < 0)
			return rc;
		if (acked || s->segs[i].size == 0 || s->segs[i].last <= s->acked) {
			spool_remove_seg(s, i);
			continue;
		}
		limit = s->segs[i].first;
	}
	return VG_OK;
}

int spool_find_offset(struct vg_spool *s, size_t i, uint64_t seq, uint64_t *off)
{
	const struct spool_seg *seg = &s->segs[i];
	char name[SPOOL_NAME_LEN + 1];
	spool_seg_name(name, sizeof(name), seg->first);
	struct spool_reader r;
	spool_reader_init(&r);
	if ((r.fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC)) < 0)
		return VG_EIO;
	int rc = VG_OK;
	uint64_t o = 0;
	for (uint64_t at = seg->first; at <= seq && o < seg->size; at++) {
		const uint8_t *p;
		struct spool_hdr h;
		if ((rc = spool_reader_get(&r, o, SPOOL_HDR, &p)) <= 0) {
			rc = rc < 0 ? rc : VG_EPARSE;
			break;
		}
		spool_hdr_decode(p, &h);
		uint64_t size = spool_hdr_check(&h);
		if (size == 0 || h.seq != at) {
			rc = VG_EPARSE;
			break;
		}
		o += size;
		rc = VG_OK;
	}
	spool_reader_free(&r);
	*off = o;
	return rc;
}
