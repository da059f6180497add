/*
 * alert_writer.c - appends alerts to <dir>/alerts.json and <dir>/alerts.log.
 * Files are opened O_APPEND so concurrent appenders and log rotation never
 * interleave partial alerts; alerts are queued in memory and written by
 * whole lines. A reopen request (e.g. from a SIGHUP handler) only sets an
 * atomic flag that the next write acts on.
 */
#include "vigil/alert.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert/alert_internal.h"
#include "vigil/error.h"

#define WRITER_PENDING_MAX (64u << 10)

struct vg_alert_writer {
	char *dir;
	bool want_json, want_log;
	int json_fd, log_fd;
	struct vg_buf json_q, log_q;
	unsigned long long log_size; /* alerts.log size, queued bytes included */
	volatile sig_atomic_t reopen;
};

static int open_one(const char *dir, const char *name, int *fd)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return VG_ELIMIT;
	*fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	return *fd < 0 ? VG_EIO : VG_OK;
}

static int open_files(struct vg_alert_writer *w)
{
	int rc = VG_OK;
	if (w->want_json)
		rc = open_one(w->dir, "alerts.json", &w->json_fd);
	if (rc == VG_OK && w->want_log)
		rc = open_one(w->dir, "alerts.log", &w->log_fd);
	struct stat st;
	w->log_size = 0;
	if (rc == VG_OK && w->log_fd >= 0 && fstat(w->log_fd, &st) == 0)
		w->log_size = (unsigned long long)st.st_size;
	return rc;
}

static void close_files(struct vg_alert_writer *w)
{
	if (w->json_fd >= 0)
		close(w->json_fd);
	if (w->log_fd >= 0)
		close(w->log_fd);
	w->json_fd = w->log_fd = -1;
}

int vg_alert_writer_open(const char *dir, bool json, bool log, struct vg_alert_writer **out)
{
	if (!out)
		return VG_EINVAL;
	*out = NULL;
	if (!dir)
		return VG_EINVAL;
	struct vg_alert_writer *w = calloc(1, sizeof(*w));
	if (!w || !(w->dir = strdup(dir))) {
		free(w);
		return VG_ENOMEM;
	}
	w->want_json = json;
	w->want_log = log;
	w->json_fd = w->log_fd = -1;
	vg_buf_init(&w->json_q, 0);
	vg_buf_init(&w->log_q, 0);
	int rc = open_files(w);
	if (rc != VG_OK) {
		vg_alert_writer_close(w);
		return rc;
	}
	*out = w;
	return VG_OK;
}

/* Writes all of q to fd (retrying short writes) and empties q. */
static int drain(int fd, struct vg_buf *q)
{
	size_t off = 0;
	int rc = VG_OK;
	while (fd >= 0 && off < q->len) {
		ssize_t n = write(fd, q->data + off, q->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = VG_EIO;
			break;
		}
		off += (size_t)n;
	}
	vg_buf_reset(q);
	return rc;
}

int vg_alert_writer_flush(struct vg_alert_writer *w)
{
	if (!w)
		return VG_EINVAL;
	int a = drain(w->json_fd, &w->json_q);
	int b = drain(w->log_fd, &w->log_q);
	return a != VG_OK ? a : b;
}

int vg_alert_writer_reopen(struct vg_alert_writer *w)
{
	if (!w)
		return VG_EINVAL;
	int rc = vg_alert_writer_flush(w);
	close_files(w);
	w->reopen = 0;
	int rc2 = open_files(w);
	return rc != VG_OK ? rc : rc2;
}

void vg_alert_writer_request_reopen(struct vg_alert_writer *w)
{
	if (w)
		w->reopen = 1;
}

int vg_alert_writer_write(struct vg_alert_writer *w, const struct vg_alert_input *in)
{
	if (!w || !in || !in->ev)
		return VG_EINVAL;
	int rc = VG_OK;
	if (w->reopen && (rc = vg_alert_writer_reopen(w)) != VG_OK)
		return rc;
	struct vg_alert_input copy = *in;
	char id[48];
	if (!copy.id) {
		snprintf(id, sizeof(id), "%lld.%llu", (long long)vg_alert_time(in).tv_sec,
		         w->log_size);
		copy.id = id;
	}
	size_t jlen = w->json_q.len, llen = w->log_q.len;
	if (w->json_fd >= 0) {
		rc = vg_alert_json(&w->json_q, &copy);
		if (rc == VG_OK)
			rc = vg_buf_addc(&w->json_q, '\n');
	}
	if (rc == VG_OK && w->log_fd >= 0)
		rc = vg_alert_log(&w->log_q, &copy);
	if (rc != VG_OK) {
		/* drop the partial alert: only whole ones are ever written */
		w->json_q.len = jlen;
		w->log_q.len = llen;
		if (w->json_q.data)
			w->json_q.data[jlen] = '\0';
		if (w->log_q.data)
			w->log_q.data[llen] = '\0';
		return rc;
	}
	w->log_size += w->log_q.len - llen;
	if (w->json_q.len + w->log_q.len >= WRITER_PENDING_MAX)
		rc = vg_alert_writer_flush(w);
	return rc;
}

static void mark_one(int fd, unsigned long long *ino, unsigned long long *size)
{
	struct stat st;
	*ino = *size = 0;
	if (fd >= 0 && fstat(fd, &st) == 0) {
		*ino = (unsigned long long)st.st_ino;
		*size = (unsigned long long)st.st_size;
	}
}

int vg_alert_writer_mark(struct vg_alert_writer *w, bool sync, struct vg_alert_mark *out)
{
	if (!w || !out)
		return VG_EINVAL;
	int rc = vg_alert_writer_flush(w);
	if (rc == VG_OK && sync) {
		if ((w->json_fd >= 0 && fdatasync(w->json_fd) != 0) ||
		    (w->log_fd >= 0 && fdatasync(w->log_fd) != 0))
			rc = VG_EIO;
	}
	mark_one(w->json_fd, &out->json_ino, &out->json_size);
	mark_one(w->log_fd, &out->log_ino, &out->log_size);
	return rc;
}

/* Cuts one file back to size when it is still the same file and longer. */
static int rewind_one(const char *dir, const char *name, unsigned long long ino,
                      unsigned long long size, unsigned long long *cut)
{
	char path[4096];
	if (ino == 0 || snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return VG_OK;
	struct stat st;
	if (stat(path, &st) != 0)
		return errno == ENOENT ? VG_OK : VG_EIO;
	if ((unsigned long long)st.st_ino != ino || (unsigned long long)st.st_size <= size)
		return VG_OK;
	*cut += (unsigned long long)st.st_size - size;
	return truncate(path, (off_t)size) == 0 ? VG_OK : VG_EIO;
}

int vg_alert_files_rewind(const char *dir, const struct vg_alert_mark *m, unsigned long long *cut)
{
	unsigned long long dummy = 0;
	if (!cut)
		cut = &dummy;
	*cut = 0;
	int rc = rewind_one(dir, "alerts.json", m->json_ino, m->json_size, cut);
	int rc2 = rewind_one(dir, "alerts.log", m->log_ino, m->log_size, cut);
	return rc != VG_OK ? rc : rc2;
}

void vg_alert_writer_close(struct vg_alert_writer *w)
{
	if (!w)
		return;
	vg_alert_writer_flush(w);
	close_files(w);
	vg_buf_free(&w->json_q);
	vg_buf_free(&w->log_q);
	free(w->dir);
	free(w);
}
