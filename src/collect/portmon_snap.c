/*
 * portmon_snap.c - the port monitor's saved sample, so that ports opened or
 * closed while the agent was down are reported at start. A text file, one
 * socket a line:
 *
 *   # vigil portmon snapshot v1
 *   <proto> <ip> <port> <inode> <uid> <pid> <ppid>\t<image>\t<cmdline>\t<parent image>\t<parent cmdline>
 *
 * (tabs and newlines inside the strings are written as spaces; an empty
 * string is unknown). Written to "<file>.tmp", synced and renamed.
 */
#include "collect/portmon_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigil/buf.h"
#include "vigil/error.h"
#include "vigil/file.h"

#define SNAP_HEADER   "# vigil portmon snapshot v1\n"
#define SNAP_MAX_FILE (16u << 20)

static int add_field(struct vg_buf *b, const char *s)
{
	int rc = vg_buf_addc(b, '\t');
	for (; s && *s && rc == VG_OK; s++)
		rc = vg_buf_addc(b, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
	return rc;
}

int vg_port_snap_save(const struct vg_port_set *s, const char *file)
{
	struct vg_buf b;
	vg_buf_init(&b, SNAP_MAX_FILE);
	int rc = vg_buf_addstr(&b, SNAP_HEADER);
	for (size_t i = 0; i < s->n && rc == VG_OK; i++) {
		const struct vg_port *p = &s->items[i];
		rc = vg_buf_printf(&b, "%s %s %u %" PRIu64 " %" PRId64 " %" PRId64 " %" PRId64,
		                   vg_port_proto_name(p->proto), p->ip, p->port, p->inode, p->uid,
		                   p->pid, p->ppid);
		if (rc == VG_OK)
			rc = add_field(&b, p->exe);
		if (rc == VG_OK)
			rc = add_field(&b, p->cmdline);
		if (rc == VG_OK)
			rc = add_field(&b, p->parent_exe);
		if (rc == VG_OK)
			rc = add_field(&b, p->parent_cmdline);
		if (rc == VG_OK)
			rc = vg_buf_addc(&b, '\n');
	}
	if (rc == VG_OK)
		rc = vg_file_replace(file, vg_buf_str(&b), b.len, 0600, true);
	vg_buf_free(&b);
	return rc == VG_OK ? VG_OK : VG_EIO;
}

static int parse_proto(const char *s, enum vg_port_proto *out)
{
	for (int i = VG_PORT_TCP; i <= VG_PORT_UDP6; i++)
		if (strcmp(s, vg_port_proto_name((enum vg_port_proto)i)) == 0) {
			*out = (enum vg_port_proto)i;
			return VG_OK;
		}
	return VG_EPARSE;
}

static char *dup_field(const char *s, bool *oom)
{
	if (!s || !*s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

/* Parses one line (modified in place) into s. */
static int parse_line(struct vg_port_set *s, char *line)
{
	char *f[5] = { line, NULL, NULL, NULL, NULL };
	for (int i = 1; i < 5; i++) {
		f[i] = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
		if (f[i])
			*f[i]++ = '\0';
	}
	struct vg_port p;
	memset(&p, 0, sizeof(p));
	char proto[8], ip[48];
	unsigned port;
	long long uid, pid, ppid;
	unsigned long long inode;
	int used = 0;
	if (sscanf(f[0], "%7s %47s %u %llu %lld %lld %lld%n", proto, ip, &port, &inode, &uid, &pid,
	           &ppid, &used) != 7 ||
	    f[0][used] != '\0' || port == 0 || port > 65535 ||
	    parse_proto(proto, &p.proto) != VG_OK)
		return VG_EPARSE;
	memcpy(p.ip, ip, sizeof(p.ip));
	p.port = (uint16_t)port;
	p.inode = inode;
	p.uid = uid;
	p.pid = pid;
	p.ppid = ppid;
	if (vg_port_set_add(s, &p) != VG_OK)
		return VG_ENOMEM;
	struct vg_port *q = &s->items[s->n - 1];
	bool oom = false;
	q->exe = dup_field(f[1], &oom);
	q->cmdline = dup_field(f[2], &oom);
	q->parent_exe = dup_field(f[3], &oom);
	q->parent_cmdline = dup_field(f[4], &oom);
	return oom ? VG_ENOMEM : VG_OK;
}

int vg_port_snap_parse(struct vg_port_set *s, char *text)
{
	vg_port_set_free(s);
	size_t hl = strlen(SNAP_HEADER);
	if (strncmp(text, SNAP_HEADER, hl) != 0)
		return VG_EPARSE;
	char *line = text + hl;
	while (*line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		int rc = *line ? parse_line(s, line) : VG_OK;
		if (rc != VG_OK) {
			vg_port_set_free(s);
			return rc;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	vg_port_set_sort(s);
	return VG_OK;
}

int vg_port_snap_load(struct vg_port_set *s, const char *file)
{
	vg_port_set_free(s);
	FILE *f = fopen(file, "re");
	if (!f)
		return errno == ENOENT ? VG_ENOENT : VG_EPARSE;
	char *text = malloc(SNAP_MAX_FILE + 1);
	if (!text) {
		fclose(f);
		return VG_ENOMEM;
	}
	size_t n = fread(text, 1, SNAP_MAX_FILE, f);
	bool err = ferror(f) != 0;
	fclose(f);
	text[n] = '\0';
	int rc = err ? VG_EPARSE : vg_port_snap_parse(s, text);
	free(text);
	return rc;
}
