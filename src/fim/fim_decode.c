/*
 * fim_decode.c - the engine's decoder for FIM events (location "syscheck"):
 * reads the JSON line the monitor produced and fills the event as Wazuh's
 * analysisd fills a syscheck event, so that Wazuh's FIM rules (550, 553,
 * 554) and rules written on their fields apply unchanged: the decoder name
 * by change type, decoder type ossec, the "syscheck.*" fields (before and
 * after values, changed attributes, tags, diff, who-data) and Wazuh's
 * multi-line full_log.
 */
#include "vigil/fim.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "vigil/buf.h"
#include "vigil/decoder.h"
#include "vigil/error.h"

/* How full_log words a change of one attribute. */
enum say { SAY_CHANGED, SAY_WAS, SAY_OLD, SAY_SUM };

/* Attribute key in the JSON, its field suffix, its full_log wording. */
struct attr_map {
	const char *key, *field, *label;
	enum say say;
};

static const struct attr_map ATTRS[] = {
	{ "size", "size", "Size", SAY_CHANGED },
	{ "perm", "perm", "Permissions", SAY_CHANGED },
	{ "uid", "uid", "Ownership", SAY_WAS },
	{ "user_name", "uname", "User name", SAY_WAS },
	{ "gid", "gid", "Group ownership", SAY_WAS },
	{ "group_name", "gname", "Group name", SAY_WAS },
	{ "mtime", "mtime", "modification time", SAY_OLD },
	{ "inode", "inode", "inode", SAY_OLD },
	{ "hash_md5", "md5", "md5sum", SAY_SUM },
	{ "hash_sha1", "sha1", "sha1sum", SAY_SUM },
	{ "hash_sha256", "sha256", "sha256sum", SAY_SUM },
	{ "xattr", "xattr", "Extended attributes", SAY_WAS },
};

static void say(struct vg_buf *log, const struct attr_map *m, const char *was, const char *now)
{
	switch (m->say) {
	case SAY_CHANGED:
		vg_buf_printf(log, "%s changed from '%s' to '%s'\n", m->label, was, now);
		break;
	case SAY_WAS:
		vg_buf_printf(log, "%s was '%s', now it is '%s'\n", m->label, was, now);
		break;
	case SAY_OLD:
		vg_buf_printf(log, "Old %s was: '%s', now it is '%s'\n", m->label, was, now);
		break;
	case SAY_SUM:
		vg_buf_printf(log, "Old %s was: '%s'\nNew %s is : '%s'\n", m->label, was, m->label,
		              now);
		break;
	}
}

/* Audit key in the JSON and its field name. */
static const char *const AUDIT_FIELDS[][2] = {
	{ "user_id", "syscheck.audit.user.id" },
	{ "user_name", "syscheck.audit.user.name" },
	{ "group_id", "syscheck.audit.group.id" },
	{ "group_name", "syscheck.audit.group.name" },
	{ "audit_uid", "syscheck.audit.login_user.id" },
	{ "audit_name", "syscheck.audit.login_user.name" },
	{ "effective_uid", "syscheck.audit.effective_user.id" },
	{ "effective_name", "syscheck.audit.effective_user.name" },
	{ "process_id", "syscheck.audit.process.id" },
	{ "process_name", "syscheck.audit.process.name" },
	{ "cwd", "syscheck.audit.process.cwd" },
	{ "ppid", "syscheck.audit.process.ppid" },
	{ "parent_name", "syscheck.audit.process.parent_name" },
};

/* A scalar as text in the arena; NULL for objects, arrays and null. */
static const char *scalar(struct vg_arena *ar, const json_t *v)
{
	if (json_is_string(v))
		return vg_arena_strndup(ar, json_string_value(v), json_string_length(v));
	if (json_is_integer(v))
		return vg_arena_printf(ar, "%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return vg_arena_printf(ar, "%g", json_real_value(v));
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

/* Sets a field when there is a value (past the field limit, fields are dropped). */
static void set(struct vg_event *ev, const char *name, const char *value)
{
	if (name && value)
		(void)vg_event_set(ev, name, value);
}

static void attrs_fields(struct vg_event *ev, const json_t *cur, const json_t *old,
                         struct vg_buf *log)
{
	for (size_t i = 0; i < sizeof(ATTRS) / sizeof(ATTRS[0]); i++) {
		const char *now = scalar(ev->arena, json_object_get(cur, ATTRS[i].key));
		const char *was =
		    old ? scalar(ev->arena, json_object_get(old, ATTRS[i].key)) : NULL;
		if (now)
			set(ev, vg_arena_printf(ev->arena, "syscheck.%s_after", ATTRS[i].field),
			    now);
		if (was)
			set(ev, vg_arena_printf(ev->arena, "syscheck.%s_before", ATTRS[i].field),
			    was);
		if (now && was && strcmp(now, was) != 0)
			say(log, &ATTRS[i], was, now);
	}
}

static const char *changed_list(struct vg_event *ev, const json_t *arr)
{
	struct vg_buf b;
	vg_buf_init(&b, 4096);
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (json_is_string(v))
			vg_buf_printf(&b, "%s%s", b.len ? "," : "", json_string_value(v));
	}
	const char *s = b.len ? vg_arena_strdup(ev->arena, b.data) : NULL;
	vg_buf_free(&b);
	return s;
}

static const char *decoder_for(const char *type)
{
	if (strcmp(type, "added") == 0)
		return "syscheck_new_entry";
	if (strcmp(type, "modified") == 0)
		return "syscheck_integrity_changed";
	if (strcmp(type, "deleted") == 0)
		return "syscheck_deleted";
	return NULL;
}

static int fill(struct vg_event *ev, const json_t *data)
{
	const char *path = json_string_value(json_object_get(data, "path"));
	const char *type = json_string_value(json_object_get(data, "type"));
	const char *mode = json_string_value(json_object_get(data, "mode"));
	const json_t *cur = json_object_get(data, "attributes");
	const json_t *old = json_object_get(data, "old_attributes");
	if (!path || !type || !decoder_for(type) || (cur && !json_is_object(cur)) ||
	    (old && !json_is_object(old)))
		return VG_EPARSE;
	ev->decoder_name = ev->decoder_parent = decoder_for(type);
	ev->decoder_type = VG_DT_OSSEC;
	ev->decoder = NULL;
	struct vg_buf log;
	vg_buf_init(&log, 1 << 20);
	vg_buf_printf(&log, "File '%s' %s\nMode: %s\n", path, type, mode ? mode : "scheduled");
	set(ev, "syscheck.path", vg_arena_strdup(ev->arena, path));
	set(ev, "syscheck.event", vg_arena_strdup(ev->arena, type));
	set(ev, "syscheck.mode", mode ? vg_arena_strdup(ev->arena, mode) : "scheduled");
	const char *changed = changed_list(ev, json_object_get(data, "changed_attributes"));
	if (changed) {
		set(ev, "syscheck.changed_attributes", changed);
		vg_buf_printf(&log, "Changed attributes: %s\n", changed);
	}
	if (cur)
		attrs_fields(ev, cur, old, &log);
	const char *tags = scalar(ev->arena, json_object_get(data, "tags"));
	set(ev, "syscheck.tags", tags);
	const char *diff = scalar(ev->arena, json_object_get(data, "content_changes"));
	set(ev, "syscheck.diff", diff);
	if (diff)
		vg_buf_printf(&log, "\nWhat changed:\n%s\n", diff);
	if (tags)
		vg_buf_printf(&log, "\nTags:\n%s\n", tags);
	const json_t *audit = json_object_get(data, "audit");
	for (size_t i = 0;
	     json_is_object(audit) && i < sizeof(AUDIT_FIELDS) / sizeof(AUDIT_FIELDS[0]); i++)
		set(ev, AUDIT_FIELDS[i][1],
		    scalar(ev->arena, json_object_get(audit, AUDIT_FIELDS[i][0])));
	ev->full_log = vg_arena_strdup(ev->arena, vg_buf_str(&log));
	ev->log = ev->full_log;
	vg_buf_free(&log);
	return ev->full_log ? VG_OK : VG_ENOMEM;
}

int vg_fim_decode(struct vg_event *ev, const char *json, size_t len)
{
	if (!ev || !json)
		return VG_EINVAL;
	json_error_t err;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	if (!root)
		return VG_EPARSE;
	int rc = VG_ENOENT;
	const json_t *data = json_object_get(root, "data");
	const char *type = json_string_value(json_object_get(root, "type"));
	if (json_is_object(root) && type && strcmp(type, "event") == 0 && json_is_object(data))
		rc = fill(ev, data);
	json_decref(root);
	return rc;
}
