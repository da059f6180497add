/*
 * procmon_json.c - the process monitor's JSON document for one execution.
 * Field names follow Sysmon's ProcessCreate (Image, CommandLine,
 * CurrentDirectory, ParentImage, ...) in snake case under "process", so
 * Sigma process_creation rules map onto them; unknown values are left out
 * rather than invented (docs/procmon.md has the schema).
 */
#include "collect/procmon_internal.h"

#include <inttypes.h>
#include <string.h>

#include "vigil/error.h"

#define AUDIT_UNSET_ID 4294967295LL /* auid/ses of a process outside any login */

/* Length of the valid UTF-8 sequence at s (overlongs, surrogates and
 * values past U+10FFFF refused), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t len = s[0] >= 0xc2 && s[0] <= 0xdf   ? 2
	             : s[0] >= 0xe0 && s[0] <= 0xef ? 3
	             : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
	                                            : 0;
	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

/* Appends s JSON-escaped; bytes that are not UTF-8 (file names and
 * arguments are arbitrary bytes) become U+FFFD so the document stays JSON. */
static int add_json_text(struct vg_buf *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), start = 0, i = 0;
	int rc = VG_OK;
	while (i < n && rc == VG_OK) {
		size_t l = utf8_len(u + i, n - i);
		if (l) {
			i += l;
			continue;
		}
		rc = vg_buf_add_json_str(out, s + start, i - start);
		if (rc == VG_OK)
			rc = vg_buf_addstr(out, "\\ufffd");
		start = ++i;
	}
	if (rc == VG_OK)
		rc = vg_buf_add_json_str(out, s + start, n - start);
	return rc;
}

int vg_json_add_str(struct vg_buf *out, bool *first, const char *name, const char *value)
{
	if (!value)
		return VG_OK;
	int rc = vg_buf_printf(out, "%s\"%s\":\"", *first ? "" : ",", name);
	*first = false;
	if (rc == VG_OK)
		rc = add_json_text(out, value);
	if (rc == VG_OK)
		rc = vg_buf_addc(out, '"');
	return rc;
}

int vg_json_add_int(struct vg_buf *out, bool *first, const char *name, int64_t value)
{
	if (value == VG_AUDIT_UNSET)
		return VG_OK;
	int rc = vg_buf_printf(out, "%s\"%s\":%" PRId64, *first ? "" : ",", name, value);
	*first = false;
	return rc;
}

static int add_parent(struct vg_buf *out, bool *outer_first, const struct vg_proc_info *parent)
{
	bool first = true;
	int rc = vg_buf_addstr(out, *outer_first ? "\"parent\":{" : ",\"parent\":{");
	*outer_first = false;
	if (rc == VG_OK)
		rc = vg_json_add_str(out, &first, "image", parent->exe);
	if (rc == VG_OK)
		rc = vg_json_add_str(out, &first, "command_line", parent->cmdline);
	if (rc == VG_OK)
		rc = vg_json_add_int(out, &first, "pid", parent->pid);
	if (rc == VG_OK)
		rc = vg_json_add_int(out, &first, "ppid", parent->ppid);
	if (rc == VG_OK)
		rc = vg_buf_addc(out, '}');
	return rc;
}

/* The ids the kernel uses for "not set" become unknown. */
static int64_t login_id(int64_t v)
{
	return v == AUDIT_UNSET_ID || v == -1 ? VG_AUDIT_UNSET : v;
}

int vg_procmon_format(const struct vg_exec_event *ev, const struct vg_proc_info *parent,
                      struct vg_buf *out)
{
	char user[256], auser[256];
	int64_t auid = login_id(ev->auid);
	bool first = true;
	vg_proc_user_name(ev->uid, user, sizeof(user));
	vg_proc_user_name(auid, auser, sizeof(auser));
	int rc = vg_buf_addstr(out, "{\"vigil\":{\"module\":\"procmon\",\"event\":"
	                            "\"process_creation\"},\"process\":{");
	if (rc == VG_OK)
		rc = vg_json_add_int(out, &first, "pid", ev->pid);
	if (rc == VG_OK)
		rc = vg_json_add_int(out, &first, "ppid", ev->ppid);
	if (rc == VG_OK)
		rc = vg_json_add_str(out, &first, "image", ev->exe ? ev->exe : ev->path0);
	if (rc == VG_OK)
		rc = vg_json_add_str(out, &first, "command_line",
		                     ev->cmdline ? ev->cmdline : ev->proctitle);
	if (rc == VG_OK)
		rc = vg_json_add_str(out, &first, "current_directory", ev->cwd);
	if (rc == VG_OK)
		rc = vg_json_add_int(out, &first, "uid", ev->uid);
	if (rc == VG_OK)
		rc = vg_json_add_str(out, &first, "user", user[0] ? user : NULL);
	if (rc == VG_OK)
		rc = vg_json_add_int(out, &first, "auid", auid);
	if (rc == VG_OK)
		rc = vg_json_add_str(out, &first, "audit_user",
		                     auid == VG_AUDIT_UNSET ? "unset"
		                     : auser[0]             ? auser
		                                            : NULL);
	if (rc == VG_OK)
		rc = vg_json_add_str(out, &first, "tty", ev->tty);
	if (rc == VG_OK)
		rc = vg_json_add_int(out, &first, "session", login_id(ev->ses));
	if (rc == VG_OK)
		rc = vg_json_add_int(out, &first, "exit", ev->exit);
	if (rc == VG_OK && parent && (parent->exe || parent->cmdline))
		rc = add_parent(out, &first, parent);
	if (rc == VG_OK)
		rc = vg_buf_addstr(out, "}}");
	return rc;
}
