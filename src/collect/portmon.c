/*
 * portmon.c - the port monitor: takes a sample of the listening sockets
 * when due, finds the owning process of each new socket (one scan of
 * /proc/<pid>/fd for all new inodes together), compares the sample with
 * the previous one by protocol, port and address, and emits "port_opened"
 * and "port_closed" documents. A socket replaced by another on the same
 * port (a service restart) is not a change; its owner is looked up again.
 */
#include "vigil/portmon.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/portmon_internal.h"
#include "collect/procmon_internal.h"
#include "vigil/buf.h"
#include "vigil/log.h"

struct vg_portmon {
	unsigned interval_ms;
	char *snap_file;
	struct vg_port_set last;
	bool have_last;   /* last holds a real sample (taken or loaded) */
	uint64_t next_ms; /* 0 = due now */
	struct vg_buf out;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int vg_portmon_open(const struct vg_portmon_opts *o, struct vg_portmon **out, struct vg_diag *d)
{
	*out = NULL;
	struct vg_portmon *p = calloc(1, sizeof(*p));
	if (!p)
		return VG_ENOMEM;
	p->interval_ms = o && o->interval_ms ? o->interval_ms : 5000;
	vg_buf_init(&p->out, 0);
	if (o && o->data_dir) {
		struct vg_buf f;
		vg_buf_init(&f, 0);
		if (vg_buf_printf(&f, "%s/portmon.snap", o->data_dir) != VG_OK) {
			vg_portmon_close(p);
			return VG_ENOMEM;
		}
		p->snap_file = vg_buf_detach(&f);
		int rc = vg_port_snap_load(&p->last, p->snap_file);
		if (rc == VG_ENOMEM) {
			vg_portmon_close(p);
			return rc;
		}
		p->have_last = rc == VG_OK;
		if (rc == VG_EPARSE && d)
			vg_diag_add(d, VG_DIAG_WARNING, p->snap_file, 0, 0,
			            "portmon: unreadable saved sample ignored");
	}
	*out = p;
	return VG_OK;
}

void vg_portmon_close(struct vg_portmon *p)
{
	if (!p)
		return;
	if (p->snap_file && p->have_last && vg_port_snap_save(&p->last, p->snap_file) != VG_OK)
		vg_warn("portmon: cannot save %s", p->snap_file);
	vg_port_set_free(&p->last);
	free(p->snap_file);
	vg_buf_free(&p->out);
	free(p);
}

int vg_portmon_timeout_ms(const struct vg_portmon *p)
{
	uint64_t now = now_ms();
	if (p->next_ms <= now)
		return 0;
	uint64_t w = p->next_ms - now;
	return w > 3600000 ? 3600000 : (int)w;
}

/* The socket inode named by an fd link "socket:[<inode>]", else 0. */
static uint64_t socket_inode(const char *link)
{
	if (strncmp(link, "socket:[", 8) != 0)
		return 0;
	char *end;
	unsigned long long v = strtoull(link + 8, &end, 10);
	return *end == ']' ? v : 0;
}

static struct vg_port *find_inode(struct vg_port **want, size_t n, uint64_t inode)
{
	for (size_t i = 0; i < n; i++)
		if (want[i]->inode == inode && want[i]->pid < 0)
			return want[i];
	return NULL;
}

/* Sets pid of every wanted socket from one pass over /proc/<pid>/fd. */
static void scan_fds(struct vg_port **want, size_t n)
{
	DIR *proc = opendir("/proc");
	size_t left = n;
	struct dirent *de;
	while (proc && left && (de = readdir(proc)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		DIR *fds = opendir(path);
		struct dirent *fe;
		while (fds && left && (fe = readdir(fds)) != NULL) {
			char link[64];
			ssize_t l = readlinkat(dirfd(fds), fe->d_name, link, sizeof(link) - 1);
			if (l <= 0)
				continue;
			link[l] = '\0';
			uint64_t ino = socket_inode(link);
			struct vg_port *p = ino ? find_inode(want, n, ino) : NULL;
			if (p) {
				p->pid = strtoll(de->d_name, NULL, 10);
				left--;
			}
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
}

/* Fills the process and parent of a socket whose pid is known. */
static int fill_process(struct vg_port *p)
{
	struct vg_proc_info pi, pp;
	if (p->pid < 0)
		return VG_OK;
	int rc = vg_proc_read(p->pid, &pi);
	if (rc == VG_ENOMEM)
		return rc;
	p->exe = pi.exe;
	p->cmdline = pi.cmdline;
	p->ppid = pi.ppid;
	if (p->ppid <= 0)
		return VG_OK;
	rc = vg_proc_read(p->ppid, &pp);
	if (rc == VG_ENOMEM)
		return rc;
	p->parent_exe = pp.exe;
	p->parent_cmdline = pp.cmdline;
	return VG_OK;
}

/* Moves the owner known from the previous sample to the same socket. */
static void take_owner(struct vg_port *to, struct vg_port *from)
{
	to->pid = from->pid;
	to->ppid = from->ppid;
	to->exe = from->exe;
	to->cmdline = from->cmdline;
	to->parent_exe = from->parent_exe;
	to->parent_cmdline = from->parent_cmdline;
	from->exe = from->cmdline = from->parent_exe = from->parent_cmdline = NULL;
}

/* The socket of cur with the key of p, or NULL (cur is sorted). */
static struct vg_port *lookup(struct vg_port_set *s, const struct vg_port *p)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = vg_port_cmp(&s->items[mid], p);
		if (c == 0)
			return &s->items[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Carries the owners over from the last sample and looks up the others. */
static int resolve_owners(struct vg_portmon *p, struct vg_port_set *cur)
{
	struct vg_port **want = cur->n ? malloc(cur->n * sizeof(*want)) : NULL;
	size_t n = 0;
	if (cur->n && !want)
		return VG_ENOMEM;
	for (size_t i = 0; i < cur->n; i++) {
		struct vg_port *c = &cur->items[i];
		struct vg_port *old = p->have_last ? lookup(&p->last, c) : NULL;
		if (old && old->inode == c->inode)
			take_owner(c, old);
		else
			want[n++] = c;
	}
	if (n)
		scan_fds(want, n);
	int rc = VG_OK;
	for (size_t i = 0; i < n && rc == VG_OK; i++)
		rc = fill_process(want[i]);
	free(want);
	return rc;
}

static int format_port(struct vg_buf *b, const struct vg_port *pt, bool opened)
{
	char user[256];
	bool first = true;
	vg_proc_user_name(pt->uid, user, sizeof(user));
	int rc =
	    vg_buf_printf(b,
	                  "{\"vigil\":{\"module\":\"portmon\",\"event\":\"%s\"},\"port\":{"
	                  "\"protocol\":\"%s\",\"local_ip\":\"%s\",\"local_port\":%u,"
	                  "\"inode\":%llu}",
	                  opened ? "port_opened" : "port_closed", vg_port_proto_name(pt->proto),
	                  pt->ip, pt->port, (unsigned long long)pt->inode);
	if (rc == VG_OK)
		rc = vg_buf_addstr(b, ",\"process\":{");
	if (rc == VG_OK)
		rc = vg_json_add_int(b, &first, "pid", pt->pid >= 0 ? pt->pid : VG_AUDIT_UNSET);
	if (rc == VG_OK)
		rc = vg_json_add_str(b, &first, "image", pt->exe);
	if (rc == VG_OK)
		rc = vg_json_add_str(b, &first, "command_line", pt->cmdline);
	if (rc == VG_OK)
		rc = vg_json_add_int(b, &first, "uid", pt->uid >= 0 ? pt->uid : VG_AUDIT_UNSET);
	if (rc == VG_OK)
		rc = vg_json_add_str(b, &first, "user", user[0] ? user : NULL);
	if (rc == VG_OK && (pt->parent_exe || pt->parent_cmdline)) {
		bool pf = true;
		rc = vg_buf_printf(b, "%s\"parent\":{", first ? "" : ",");
		if (rc == VG_OK)
			rc = vg_json_add_int(b, &pf, "pid",
			                     pt->ppid > 0 ? pt->ppid : VG_AUDIT_UNSET);
		if (rc == VG_OK)
			rc = vg_json_add_str(b, &pf, "image", pt->parent_exe);
		if (rc == VG_OK)
			rc = vg_json_add_str(b, &pf, "command_line", pt->parent_cmdline);
		if (rc == VG_OK)
			rc = vg_buf_addc(b, '}');
	}
	if (rc == VG_OK)
		rc = vg_buf_addstr(b, "}}");
	return rc;
}

static int emit(struct vg_portmon *p, const struct vg_port *pt, bool opened, vg_collect_cb cb,
                void *ctx)
{
	vg_buf_reset(&p->out);
	int rc = format_port(&p->out, pt, opened);
	if (rc == VG_OK)
		cb(ctx, VG_PORTMON_LOCATION, vg_buf_str(&p->out), p->out.len);
	return rc == VG_ENOMEM ? rc : VG_OK;
}

/* Reports the differences between the last sample and cur (both sorted). */
static int report(struct vg_portmon *p, struct vg_port_set *cur, vg_collect_cb cb, void *ctx)
{
	size_t i = 0, j = 0;
	int n = 0, rc = VG_OK;
	while (rc == VG_OK && (i < p->last.n || j < cur->n)) {
		int c = i == p->last.n ? 1
		        : j == cur->n  ? -1
		                       : vg_port_cmp(&p->last.items[i], &cur->items[j]);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		rc = c < 0 ? emit(p, &p->last.items[i++], false, cb, ctx)
		           : emit(p, &cur->items[j++], true, cb, ctx);
		n++;
	}
	return rc == VG_OK ? n : rc;
}

int vg_portmon_poll(struct vg_portmon *p, vg_collect_cb cb, void *ctx)
{
	uint64_t now = now_ms();
	if (now < p->next_ms)
		return 0;
	p->next_ms = now + p->interval_ms;
	struct vg_port_set cur = { NULL, 0, 0 };
	int rc = vg_port_sample(&cur);
	if (rc == VG_OK)
		rc = resolve_owners(p, &cur);
	int n = 0;
	if (rc == VG_OK && p->have_last)
		n = report(p, &cur, cb, ctx);
	if (rc != VG_OK || n < 0) {
		vg_port_set_free(&cur);
		return rc != VG_OK ? rc : n;
	}
	bool changed = !p->have_last || n > 0;
	vg_port_set_free(&p->last);
	p->last = cur;
	p->have_last = true;
	if (changed && p->snap_file && vg_port_snap_save(&p->last, p->snap_file) != VG_OK)
		vg_warn("portmon: cannot save %s", p->snap_file);
	return n;
}
