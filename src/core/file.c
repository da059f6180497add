/*
 * file.c - whole writes and atomic file replacement (file.h).
 */
#include "vigil/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil/buf.h"
#include "vigil/error.h"

int vg_file_read(const char *path, struct vg_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? VG_ENOENT : VG_EIO;
	char chunk[65536];
	int rc = VG_OK;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				rc = VG_EIO;
			break;
		}
		if ((rc = vg_buf_add(out, chunk, (size_t)n)) != VG_OK)
			break;
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int vg_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return VG_EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return VG_OK;
}

/* Syncs the directory holding path, so that a rename in it is durable. */
static void sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	else
		return;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int vg_file_replace(const char *path, const void *data, size_t len, mode_t mode, bool sync)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return VG_ELIMIT;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return VG_EIO;
	int rc = vg_write_all(fd, data, len);
	/* the mode exactly as asked, whatever the umask took away at open */
	if (rc == VG_OK && fchmod(fd, mode) != 0)
		rc = VG_EIO;
	if (rc == VG_OK && sync && fsync(fd) != 0)
		rc = VG_EIO;
	int saved = errno;
	if (close(fd) != 0 && rc == VG_OK) {
		rc = VG_EIO;
		saved = errno;
	}
	if (rc == VG_OK && rename(tmp, path) != 0) {
		rc = VG_EIO;
		saved = errno;
	}
	if (rc != VG_OK) {
		unlink(tmp);
		errno = saved;
		return rc;
	}
	if (sync)
		sync_parent(path);
	return VG_OK;
}
