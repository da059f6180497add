/*
 * fim_fan.c - real-time detection with fanotify: one FAN_MARK_FILESYSTEM
 * mark per filesystem holding a real-time path, so no watch is needed per
 * directory and none can run out. Events carry the directory's file handle
 * and the entry's name (FAN_REPORT_DFID_NAME); the directory is opened with
 * open_by_handle_at() against a descriptor on the same filesystem and its
 * path read back from /proc/self/fd (a small cache keeps recent directories,
 * dropped whenever a directory is renamed). Paths outside the
 * watched roots are ignored; the others go to the same coalescing queue as
 * inotify's. It needs CAP_SYS_ADMIN and a kernel that reports names (5.9);
 * otherwise, or with VIGIL_FIM_INOTIFY=1, the roots stay with inotify. A
 * queue overflow schedules a rescan.
 */
#include "fim/fim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "vigil/error.h"
#include "vigil/log.h"

#define FAN_EVENTS                                                                                 \
	(FAN_MODIFY | FAN_ATTRIB | FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO |       \
	 FAN_CLOSE_WRITE | FAN_ONDIR)
#define FAN_FS_MAX     16  /* filesystems marked */
#define DIR_CACHE      256 /* directories whose path is remembered */
#define DIR_HANDLE_MAX 128 /* bytes of a cached handle (struct file_handle included) */

struct fan_fs {
	fsid_t fsid;
	int mount_fd;
};

struct dir_slot {
	size_t hlen; /* 0: empty */
	unsigned char key[sizeof(fsid_t) + DIR_HANDLE_MAX];
	char *path;
};

/* A watched path whose real path differs (a symlink on the way): events
 * name the real path. */
struct fan_alias {
	char *real;
	size_t rlen;
	const struct fim_root *r;
};

struct fim_fan {
	int fd;
	struct fan_alias *alias;
	size_t nalias;
	struct fan_fs fs[FAN_FS_MAX];
	size_t nfs;
	struct dir_slot cache[DIR_CACHE];
	bool warned_version;
};

int fim_fan_fd(const struct vg_fim *f)
{
	return f->fan ? f->fan->fd : -1;
}

static void cache_clear(struct fim_fan *fan)
{
	for (size_t i = 0; i < DIR_CACHE; i++) {
		free(fan->cache[i].path);
		fan->cache[i].path = NULL;
		fan->cache[i].hlen = 0;
	}
}

void fim_fan_close(struct vg_fim *f)
{
	struct fim_fan *fan = f->fan;
	if (!fan)
		return;
	close(fan->fd);
	for (size_t i = 0; i < fan->nfs; i++)
		close(fan->fs[i].mount_fd);
	cache_clear(fan);
	for (size_t i = 0; i < fan->nalias; i++)
		free(fan->alias[i].real);
	free(fan->alias);
	free(fan);
	f->fan = NULL;
}

/* Marks the filesystem of root r (once per filesystem). */
static int mark_root(struct fim_fan *fan, const struct fim_root *r)
{
	struct statfs sfs;
	if (statfs(r->path, &sfs) != 0)
		return -errno;
	for (size_t i = 0; i < fan->nfs; i++)
		if (memcmp(&fan->fs[i].fsid, &sfs.f_fsid, sizeof(sfs.f_fsid)) == 0)
			return 0;
	if (fan->nfs == FAN_FS_MAX)
		return -ENOSPC;
	int mfd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0) { /* a watched file: a descriptor on its directory will do */
		char dir[FIM_PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", r->path);
		char *slash = strrchr(dir, '/');
		if (slash)
			slash[slash == dir] = '\0';
		mfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (mfd < 0)
		return -errno;
	if (fanotify_mark(fan->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_EVENTS, AT_FDCWD,
	                  r->path) != 0) {
		int e = errno;
		close(mfd);
		return -e;
	}
	fan->fs[fan->nfs++] = (struct fan_fs){ .fsid = sfs.f_fsid, .mount_fd = mfd };
	return 0;
}

static void add_alias(struct fim_fan *fan, size_t nroots, const struct fim_root *r)
{
	char *real = realpath(r->path, NULL);
	if (!real || strcmp(real, r->path) == 0 ||
	    (!fan->alias && !(fan->alias = calloc(nroots, sizeof(*fan->alias))))) {
		free(real);
		return;
	}
	fan->alias[fan->nalias++] =
	    (struct fan_alias){ .real = real, .rlen = strlen(real), .r = r };
}

/* Rewrites a real path under an aliased root to the configured path. */
static size_t unalias(const struct fim_fan *fan, char *path, size_t len, size_t cap)
{
	for (size_t i = 0; i < fan->nalias; i++) {
		const struct fan_alias *a = &fan->alias[i];
		if (!fim_path_under(path, len, a->real, a->rlen) ||
		    len - a->rlen + a->r->len >= cap)
			continue;
		memmove(path + a->r->len, path + a->rlen, len - a->rlen + 1);
		memcpy(path, a->r->path, a->r->len);
		return len - a->rlen + a->r->len;
	}
	return 0;
}

static bool inotify_forced(void)
{
	const char *env = getenv("VIGIL_FIM_INOTIFY");
	return env && *env && strcmp(env, "0") != 0;
}

int fim_fan_open(struct vg_fim *f, struct vg_diag *d)
{
	size_t nrt = 0, marked = 0;
	for (size_t i = 0; i < f->nroots; i++)
		nrt += f->roots[i].cfg->realtime || f->roots[i].cfg->whodata;
	if (!nrt || inotify_forced())
		return VG_OK;
	unsigned flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME;
	int fd = fanotify_init(flags | FAN_REPORT_FID, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (fd < 0 && errno == EINVAL)
		fd = fanotify_init(flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (fd < 0) {
		vg_info("fim: fanotify unavailable (%s); real time uses inotify", strerror(errno));
		return VG_OK;
	}
	struct fim_fan *fan = calloc(1, sizeof(*fan));
	if (!fan) {
		close(fd);
		return VG_ENOMEM;
	}
	fan->fd = fd;
	for (size_t i = 0; i < f->nroots; i++) {
		struct fim_root *r = &f->roots[i];
		if (!(r->cfg->realtime || r->cfg->whodata))
			continue;
		int rc = mark_root(fan, r);
		if (rc == 0) {
			r->fan = true;
			marked++;
			add_alias(fan, f->nroots, r);
		} else if (rc == -ENOENT) {
			vg_diag_add(d, VG_DIAG_WARNING, NULL, r->cfg->line, 0,
			            "fim: %s does not exist; scheduled scans take it up once it "
			            "does",
			            r->path);
		} else {
			vg_diag_add(d, VG_DIAG_WARNING, NULL, r->cfg->line, 0,
			            "fim: no fanotify mark for %s (%s); inotify watches it",
			            r->path, strerror(-rc));
		}
	}
	if (!marked) {
		close(fan->fd);
		free(fan);
		return VG_OK;
	}
	f->fan = fan;
	vg_info("fim: real-time detection with fanotify filesystem marks for %zu path%s", marked,
	        marked == 1 ? "" : "s");
	return VG_OK;
}

static int mount_fd_of(const struct fim_fan *fan, const void *fsid)
{
	for (size_t i = 0; i < fan->nfs; i++)
		if (memcmp(&fan->fs[i].fsid, fsid, sizeof(fsid_t)) == 0)
			return fan->fs[i].mount_fd;
	return -1;
}

/* The path of the directory behind handle fh of filesystem fsid, into out. */
static bool dir_path(struct fim_fan *fan, const void *fsid, struct file_handle *fh, char *out,
                     size_t cap)
{
	size_t hlen = sizeof(*fh) + fh->handle_bytes;
	struct dir_slot *slot = NULL;
	unsigned char key[sizeof(fsid_t) + DIR_HANDLE_MAX];
	if (hlen <= DIR_HANDLE_MAX) {
		memcpy(key, fsid, sizeof(fsid_t));
		memcpy(key + sizeof(fsid_t), fh, hlen);
		uint32_t h = fim_path_hash((const char *)key, sizeof(fsid_t) + hlen);
		slot = &fan->cache[h % DIR_CACHE];
		if (slot->hlen == hlen && memcmp(slot->key, key, sizeof(fsid_t) + hlen) == 0) {
			snprintf(out, cap, "%s", slot->path);
			return true;
		}
	}
	int mfd = mount_fd_of(fan, fsid);
	if (mfd < 0)
		return false;
	int dfd = open_by_handle_at(mfd, fh, O_PATH | O_CLOEXEC);
	if (dfd < 0)
		return false;
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dfd);
	ssize_t n = readlink(link, out, cap - 1);
	close(dfd);
	if (n <= 0 || (size_t)n >= cap - 1 || out[0] != '/')
		return false;
	out[n] = '\0';
	if (slot) {
		char *p = strdup(out);
		if (p) {
			free(slot->path);
			slot->path = p;
			slot->hlen = hlen;
			memcpy(slot->key, key, sizeof(fsid_t) + hlen);
		}
	}
	return true;
}

/* A directory handle copied out of an event (events are only 4-byte aligned). */
union handle_buf {
	struct file_handle fh;
	char raw[sizeof(struct file_handle) + MAX_HANDLE_SZ];
};

/* The path named by one info record (directory handle + entry name), into path. */
static size_t record_path(struct fim_fan *fan, const char *p, const char *end, bool named,
                          char *path, size_t cap)
{
	fsid_t fsid;
	union handle_buf hb;
	const char *h = p + sizeof(struct fanotify_event_info_fid);
	if (h + sizeof(struct file_handle) > end)
		return 0;
	memcpy(&fsid, p + offsetof(struct fanotify_event_info_fid, fsid), sizeof(fsid));
	memcpy(&hb.fh, h, sizeof(struct file_handle));
	if (hb.fh.handle_bytes > MAX_HANDLE_SZ ||
	    h + sizeof(struct file_handle) + hb.fh.handle_bytes > end)
		return 0;
	memcpy(hb.fh.f_handle, h + sizeof(struct file_handle), hb.fh.handle_bytes);
	const char *name = named ? h + sizeof(struct file_handle) + hb.fh.handle_bytes : ".";
	if (named && !memchr(name, '\0', (size_t)(end - name)))
		return 0;
	if (!dir_path(fan, &fsid, &hb.fh, path, cap))
		return 0;
	size_t len = strlen(path);
	if (strcmp(name, ".") != 0) {
		int n = snprintf(path + len, cap - len, "%s%s", strcmp(path, "/") ? "/" : "", name);
		if (n < 0 || (size_t)n >= cap - len)
			return 0;
		len += (size_t)n;
	}
	return len;
}

/* Queues the path named by one event (raw: its bytes, m: its header). */
static void one_event(struct vg_fim *f, const struct fanotify_event_metadata *m, const char *raw,
                      uint64_t now)
{
	struct fim_fan *fan = f->fan;
	/* Paths below a renamed directory changed (a deleted one's handle goes stale). */
	if ((m->mask & FAN_ONDIR) && (m->mask & (FAN_MOVED_FROM | FAN_MOVED_TO)))
		cache_clear(fan);
	const char *p = raw + m->metadata_len, *end = raw + m->event_len;
	while (p + sizeof(struct fanotify_event_info_header) <= end) {
		struct fanotify_event_info_header h;
		memcpy(&h, p, sizeof(h));
		if (h.len < sizeof(h) || p + h.len > end)
			return;
		if (h.info_type != FAN_EVENT_INFO_TYPE_DFID_NAME &&
		    h.info_type != FAN_EVENT_INFO_TYPE_DFID) {
			p += h.len;
			continue;
		}
		char path[FIM_PATH_MAX];
		size_t len =
		    record_path(fan, p, p + h.len, h.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME,
		                path, sizeof(path));
		if (len && !fim_root_of(f, path, len))
			len = unalias(fan, path, len, sizeof(path));
		if (!len || !fim_root_of(f, path, len))
			return;
		bool due_now =
		    (m->mask & (FAN_CLOSE_WRITE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO)) ||
		    ((m->mask & FAN_CREATE) && (m->mask & FAN_ONDIR));
		fim_rt_pend(f, path, len, due_now ? now : now + FIM_COALESCE_MS);
		return;
	}
}

void fim_fan_handle(struct vg_fim *f)
{
	struct fim_fan *fan = f->fan;
	if (!fan)
		return;
	char buf[65536] __attribute__((aligned(8)));
	uint64_t now = fim_now_ms();
	for (int round = 0; round < 64; round++) {
		ssize_t n = read(fan->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (size_t off = 0; off + sizeof(struct fanotify_event_metadata) <= (size_t)n;) {
			struct fanotify_event_metadata m;
			memcpy(&m, buf + off, sizeof(m));
			if (m.event_len < FAN_EVENT_METADATA_LEN || off + m.event_len > (size_t)n)
				break;
			if (m.fd >= 0)
				close(m.fd);
			if (m.vers != FANOTIFY_METADATA_VERSION) {
				if (!fan->warned_version)
					vg_warn("fim: fanotify event version %u not understood",
					        m.vers);
				fan->warned_version = true;
			} else if (m.mask & FAN_Q_OVERFLOW) {
				vg_warn(
				    "fim: fanotify queue overflow; rescanning the watched paths");
				f->rescan_due = true;
			} else {
				one_event(f, &m, buf + off, now);
			}
			off += m.event_len;
		}
	}
}
