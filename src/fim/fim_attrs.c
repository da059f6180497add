/*
 * fim_attrs.c - what the monitor records of one file: the stat fields, the
 * hashes (OpenSSL EVP contexts created once and reused, small files read in
 * one read()), the extended attributes (file capabilities included), and
 * the comparison that names the attributes that changed with Wazuh's names.
 */
#include "fim/fim_internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "vigil/error.h"

void fim_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

bool fim_attrs_stat_changed(const struct fim_attrs *a, const struct stat *st)
{
	return a->size != (uint64_t)st->st_size || a->ino != (uint64_t)st->st_ino ||
	       a->mtime_ns != (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec ||
	       a->ctime_ns != (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec ||
	       a->mode != st->st_mode || a->uid != st->st_uid || a->gid != st->st_gid;
}

static void from_stat(struct fim_attrs *a, const struct stat *st)
{
	a->size = (uint64_t)st->st_size;
	a->ino = (uint64_t)st->st_ino;
	a->dev = (uint64_t)st->st_dev;
	a->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	a->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
}

static unsigned wanted_hashes(unsigned attrs)
{
	return ((attrs & VG_FIM_MD5) ? FIM_H_MD5 : 0) | ((attrs & VG_FIM_SHA1) ? FIM_H_SHA1 : 0) |
	       ((attrs & VG_FIM_SHA256) ? FIM_H_SHA256 : 0);
}

/* "name=hex,name=hex" of every extended attribute, bounded. */
static char *read_xattrs(int fd)
{
	char names[FIM_XATTR_MAX];
	ssize_t n = flistxattr(fd, names, sizeof(names));
	if (n <= 0)
		return NULL;
	struct vg_buf b;
	vg_buf_init(&b, FIM_XATTR_MAX);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		uint8_t val[256];
		ssize_t vl = fgetxattr(fd, names + i, val, sizeof(val));
		char hex[sizeof(val) * 2 + 1];
		fim_hex(val, vl > 0 ? (size_t)vl : 0, hex);
		if (vg_buf_printf(&b, "%s%s=%s", b.len ? "," : "", names + i, hex) != VG_OK)
			break;
	}
	return vg_buf_detach(&b);
}

int fim_tools_init(struct fim_tools *t, const struct vg_fim *f)
{
	memset(t, 0, sizeof(*t));
	t->alg = f->alg;
	for (int i = 0; i < 3; i++)
		if (!(t->md[i] = EVP_MD_CTX_new()))
			return VG_ENOMEM;
	t->rbuf = malloc(FIM_READ_CHUNK);
	t->match = pcre2_match_data_create(1, NULL);
	return t->rbuf && t->match ? VG_OK : VG_ENOMEM;
}

void fim_tools_free(struct fim_tools *t)
{
	for (int i = 0; i < 3; i++)
		EVP_MD_CTX_free(t->md[i]);
	free(t->rbuf);
	pcre2_match_data_free(t->match);
	memset(t, 0, sizeof(*t));
}

static int hash_fd(struct fim_tools *t, int fd, unsigned want, struct fim_attrs *a)
{
	for (int i = 0; i < 3; i++)
		if ((want & (1u << i)) && !EVP_DigestInit_ex(t->md[i], t->alg[i], NULL))
			return VG_EIO;
	for (;;) {
		ssize_t n = read(fd, t->rbuf, FIM_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return VG_EIO;
		if (n == 0)
			break;
		for (int i = 0; i < 3; i++)
			if (want & (1u << i))
				EVP_DigestUpdate(t->md[i], t->rbuf, (size_t)n);
		if ((size_t)n < FIM_READ_CHUNK && (uint64_t)n >= a->size)
			break; /* a small file, read whole at once */
	}
	uint8_t *out[3] = { a->md5, a->sha1, a->sha256 };
	for (int i = 0; i < 3; i++)
		if ((want & (1u << i)) && EVP_DigestFinal_ex(t->md[i], out[i], NULL))
			a->hashed |= 1u << i;
	return VG_OK;
}

int fim_attrs_read(struct fim_tools *t, const struct fim_root *r, int dirfd, const char *name,
                   int fd, const struct stat *st, struct fim_attrs *a)
{
	memset(a, 0, sizeof(*a));
	from_stat(a, st);
	unsigned attrs = r->cfg->attrs;
	unsigned want = wanted_hashes(attrs);
	if (!S_ISREG(st->st_mode) || !(want || (attrs & VG_FIM_XATTR)))
		return VG_OK;
	bool own = fd < 0;
	if (own)
		fd = fim_open_file(t, dirfd, name);
	if (fd < 0)
		return errno == ENOENT                     ? VG_ENOENT
		       : errno == EACCES || errno == EPERM ? VG_OK
		                                           : VG_EIO;
	int rc = want ? hash_fd(t, fd, want, a) : VG_OK;
	if (rc == VG_OK && (attrs & VG_FIM_XATTR))
		a->xattr = read_xattrs(fd);
	t->hashed++;
	if (own)
		close(fd);
	return rc;
}

int fim_open_file(struct fim_tools *t, int dirfd, const char *name)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
	if (t->noatime_denied < FIM_NOATIME_TRIES) {
		int fd = openat(dirfd, name, flags | O_NOATIME);
		if (fd >= 0 || errno != EPERM)
			return fd;
		t->noatime_denied++; /* not the owner: after a few, stop asking */
	}
	return openat(dirfd, name, flags);
}

static void add_name(struct vg_buf *out, const char *name)
{
	if (out->len)
		vg_buf_addc(out, ',');
	vg_buf_addstr(out, name);
}

void fim_attrs_diff(const struct fim_root *r, const struct fim_attrs *o, const struct fim_attrs *n,
                    struct vg_buf *out)
{
	unsigned at = r->cfg->attrs;
	if ((at & VG_FIM_SIZE) && o->size != n->size)
		add_name(out, "size");
	if ((at & VG_FIM_PERM) && (o->mode & 07777) != (n->mode & 07777))
		add_name(out, "permission");
	if ((at & VG_FIM_OWNER) && o->uid != n->uid)
		add_name(out, "uid");
	if ((at & VG_FIM_GROUP) && o->gid != n->gid)
		add_name(out, "gid");
	if ((at & VG_FIM_MTIME) && o->mtime_ns / 1000000000 != n->mtime_ns / 1000000000)
		add_name(out, "mtime");
	if ((at & VG_FIM_INODE) && o->ino != n->ino)
		add_name(out, "inode");
	if ((at & VG_FIM_MD5) && (o->hashed & n->hashed & FIM_H_MD5) &&
	    memcmp(o->md5, n->md5, sizeof(o->md5)) != 0)
		add_name(out, "md5");
	if ((at & VG_FIM_SHA1) && (o->hashed & n->hashed & FIM_H_SHA1) &&
	    memcmp(o->sha1, n->sha1, sizeof(o->sha1)) != 0)
		add_name(out, "sha1");
	if ((at & VG_FIM_SHA256) && (o->hashed & n->hashed & FIM_H_SHA256) &&
	    memcmp(o->sha256, n->sha256, sizeof(o->sha256)) != 0)
		add_name(out, "sha256");
	if ((at & VG_FIM_XATTR) && strcmp(o->xattr ? o->xattr : "", n->xattr ? n->xattr : "") != 0)
		add_name(out, "xattr");
}
