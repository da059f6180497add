/*
 * procmon_proc.c - what /proc tells about a live process, for the process
 * and port monitors: the image (/proc/<pid>/exe), the command line
 * (/proc/<pid>/cmdline, arguments joined with spaces), the parent pid and
 * real uid (/proc/<pid>/status), and user names for uids. A process that
 * exits while it is read simply leaves the rest unknown.
 */
#include "collect/procmon_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigil/error.h"

#define PROC_MAX_CMDLINE 32768

void vg_proc_info_free(struct vg_proc_info *pi)
{
	if (!pi)
		return;
	free(pi->exe);
	free(pi->cmdline);
	pi->exe = pi->cmdline = NULL;
}

/* Reads up to cap-1 bytes of a /proc file into buf; returns the length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	while (len + 1 < cap) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

static int read_exe(int64_t pid, struct vg_proc_info *pi)
{
	char path[64], target[4096];
	snprintf(path, sizeof(path), "/proc/%lld/exe", (long long)pid);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return errno == ENOENT ? VG_ENOENT : VG_OK;
	target[n] = '\0';
	pi->exe = strdup(target);
	return pi->exe ? VG_OK : VG_ENOMEM;
}

static int read_cmdline(int64_t pid, struct vg_proc_info *pi)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%lld/cmdline", (long long)pid);
	char *buf = malloc(PROC_MAX_CMDLINE);
	if (!buf)
		return VG_ENOMEM;
	ssize_t n = read_small(path, buf, PROC_MAX_CMDLINE);
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	if (n <= 0) {
		free(buf);
		return VG_OK; /* kernel threads and zombies have none */
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	pi->cmdline = buf;
	return VG_OK;
}

/* The number after "<name>:" in a /proc status text, or VG_AUDIT_UNSET. */
static int64_t status_field(const char *text, const char *name)
{
	size_t l = strlen(name);
	for (const char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
		if (strncmp(s, name, l) == 0 && s[l] == ':') {
			char *end;
			errno = 0;
			long long v = strtoll(s + l + 1, &end, 10);
			return errno || end == s + l + 1 ? VG_AUDIT_UNSET : v;
		}
	}
	return VG_AUDIT_UNSET;
}

int vg_proc_read(int64_t pid, struct vg_proc_info *pi)
{
	char path[64], status[4096];
	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	pi->ppid = pi->uid = VG_AUDIT_UNSET;
	if (pid <= 0)
		return VG_ENOENT;
	snprintf(path, sizeof(path), "/proc/%lld/status", (long long)pid);
	if (read_small(path, status, sizeof(status)) < 0)
		return VG_ENOENT;
	pi->ppid = status_field(status, "PPid");
	pi->uid = status_field(status, "Uid");
	int rc = read_exe(pid, pi);
	if (rc == VG_OK)
		rc = read_cmdline(pid, pi);
	if (rc == VG_ENOMEM)
		vg_proc_info_free(pi);
	return rc == VG_ENOMEM ? rc : VG_OK;
}

void vg_proc_user_name(int64_t uid, char *out, size_t outlen)
{
	if (outlen)
		out[0] = '\0';
	if (uid < 0 || uid >= 4294967295LL || outlen == 0)
		return;
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, outlen, "%s", res->pw_name);
}
