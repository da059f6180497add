/*
 * file.h - small file helpers every module needs: reading a whole file,
 * writing a whole buffer, and replacing a file atomically (a crash leaves
 * either the old content or the new, never a mix).
 */
#ifndef VIGIL_FILE_H
#define VIGIL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vg_buf;

/*
 * Appends the whole content of path to out (whose limit, see vg_buf_init(),
 * bounds it: VG_ELIMIT for a larger file); out stays NUL-terminated. VG_ENOENT
 * when path does not exist, VG_EIO when it cannot be opened or read (errno
 * kept), VG_ENOMEM.
 */
int vg_file_read(const char *path, struct vg_buf *out);

/* Writes all len bytes to fd (retrying short writes and EINTR). VG_EIO
 * with errno kept. */
int vg_write_all(int fd, const void *data, size_t len);

/*
 * Replaces path with data: "<path>.tmp" is written and given exactly mode
 * (the umask does not apply),
 * synced (when sync), renamed over path, and the directory synced (when
 * sync) so that the rename itself survives a crash. On failure the old
 * file is left as it was, the temporary file removed, and VG_EIO (errno
 * kept) or VG_ELIMIT (path too long) returned.
 */
int vg_file_replace(const char *path, const void *data, size_t len, mode_t mode, bool sync);

#ifdef __cplusplus
}
#endif
#endif
