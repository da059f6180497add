/*
 * tail_rescue.c - recognising what a tailed file held before it was
 * truncated. Each tail keeps the last bytes it read (its fingerprint, up
 * to VG_TAIL_FP bytes); when copytruncate empties the file, the copy it
 * made is the regular file of the same directory, recently modified, at
 * least as long as the read offset and holding those very bytes just
 * before it. Reading that copy from the offset to its end delivers the
 * lines written before the copy that had not been read yet. A copy that
 * ends a little before the read offset, matching what was read, shows
 * that nothing was left unread (the bytes read past its end were written
 * between the copy and the truncation). The fingerprint also reveals a
 * file that was truncated and rewritten past the read offset between two
 * checks.
 */
#include "collect/collect_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A copy modified longer ago than this is not considered. */
#define RESCUE_MAX_AGE_S 3600
/* Bytes compared to tell a copy (at most), and to tell the file itself was
 * rewritten (the check made before every read). */
#define RESCUE_COMPARE  1024
#define REWRITE_COMPARE 256
/* A copy ending before the read offset must share this much with it. */
#define RESCUE_MIN_OVERLAP 64

void vg_tail_fp_add(struct vg_tail *t, const char *data, size_t n)
{
	if (n >= VG_TAIL_FP) {
		memcpy(t->fp, data + n - VG_TAIL_FP, VG_TAIL_FP);
		t->fp_len = VG_TAIL_FP;
		return;
	}
	size_t keep = t->fp_len < VG_TAIL_FP - n ? t->fp_len : VG_TAIL_FP - n;
	memmove(t->fp, t->fp + t->fp_len - keep, keep);
	memcpy(t->fp + keep, data, n);
	t->fp_len = keep + n;
}

/* Reads len bytes at off; true when all of them came. */
static bool pread_all(int fd, void *dst, size_t len, int64_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (char *)dst + got, len - got, (off_t)off + (off_t)got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

void vg_tail_fp_load(struct vg_tail *t)
{
	size_t want = t->read_off < VG_TAIL_FP ? (size_t)t->read_off : VG_TAIL_FP;
	t->fp_len = 0;
	if (want && pread_all(t->fd, t->fp, want, t->read_off - (int64_t)want))
		t->fp_len = want;
}

/* True when fd holds, in the len bytes before end, what t read there
 * (end - len and end must lie within the fingerprint). */
static bool matches_at(const struct vg_tail *t, int fd, int64_t end, size_t len)
{
	unsigned char got[RESCUE_COMPARE];
	int64_t fp_start = t->read_off - (int64_t)t->fp_len;
	if (!len || len > sizeof(got) || end > t->read_off || end - (int64_t)len < fp_start)
		return false;
	if (!pread_all(fd, got, len, end - (int64_t)len))
		return false;
	return memcmp(got, t->fp + (end - (int64_t)len - fp_start), len) == 0;
}

bool vg_tail_fp_matches(const struct vg_tail *t, int fd)
{
	size_t len = t->fp_len < REWRITE_COMPARE ? t->fp_len : REWRITE_COMPARE;
	return matches_at(t, fd, t->read_off, len);
}

/* How st relates to what t read: 1 it goes on past the read offset, 0 it
 * ends within the fingerprint and agrees with it, -1 not a copy of t. */
static int compare_copy(const struct vg_tail *t, int fd, int64_t size)
{
	size_t len;
	if (size >= t->read_off) {
		len = t->fp_len < RESCUE_COMPARE ? t->fp_len : RESCUE_COMPARE;
		return matches_at(t, fd, t->read_off, len) ? 1 : -1;
	}
	int64_t shared = size - (t->read_off - (int64_t)t->fp_len);
	if (shared < RESCUE_MIN_OVERLAP && shared < size)
		return -1;
	len = shared < RESCUE_COMPARE ? (size_t)shared : RESCUE_COMPARE;
	return matches_at(t, fd, size, len) ? 0 : -1;
}

static bool newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec : a->tv_nsec > b->tv_nsec;
}

/* Whether the directory entry st may be the copy of t (before its bytes
 * are compared). */
static bool may_be_copy(const struct vg_collector *c, const struct vg_tail *t,
                        const struct stat *st, time_t now)
{
	uint64_t dev = (uint64_t)st->st_dev, ino = (uint64_t)st->st_ino;
	if (!S_ISREG(st->st_mode) || st->st_size <= t->read_off - (int64_t)t->fp_len)
		return false;
	if (st->st_mtim.tv_sec + RESCUE_MAX_AGE_S < now)
		return false;
	if ((dev == t->dev && ino == t->ino) || vg_collect_is_tailed(c, dev, ino))
		return false;
	return !vg_collect_is_retired(c, dev, ino);
}

/* Writes the directory part of path ("." for a bare name) to dir. */
static bool dir_of(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');
	int n;
	if (!slash)
		n = snprintf(dir, cap, ".");
	else
		n = snprintf(dir, cap, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return n > 0 && (size_t)n < cap;
}

int vg_tail_find_copy(const struct vg_collector *c, const struct vg_tail *t, uint64_t *dev,
                      uint64_t *ino, bool *covered)
{
	char dir[PATH_MAX];
	*covered = false;
	if (!t->fp_len || !dir_of(t->path, dir, sizeof(dir)))
		return -1;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	time_t now = time(NULL);
	int best = -1;
	struct timespec best_mtime = { 0, 0 };
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) != 0 || !may_be_copy(c, t, &st, now))
			continue;
		if (best >= 0 && !newer(&st.st_mtim, &best_mtime))
			continue;
		int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		/* The entry may have been replaced since fstatat(). */
		int rel = -1;
		if (fstat(fd, &st) == 0 && may_be_copy(c, t, &st, now))
			rel = compare_copy(t, fd, st.st_size);
		if (rel <= 0) {
			*covered |= rel == 0;
			close(fd);
			continue;
		}
		if (best >= 0)
			close(best);
		best = fd;
		best_mtime = st.st_mtim;
		*dev = (uint64_t)st.st_dev;
		*ino = (uint64_t)st.st_ino;
	}
	closedir(d);
	return best;
}
