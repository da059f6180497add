/*
 * sca_decode.c - the manager side of SCA: turns an agent's SCA message
 * (location "sca") into the fields Wazuh's analysisd fills, so that rules
 * 19000-19015 work unchanged. A check sets sca.type, sca.scan_id,
 * sca.policy, sca.check.* (compliance as sca.check.compliance.<name>;
 * file, directory, process, registry and command as JSON arrays of the
 * comma-separated list) and sca.check.previous_result when the result
 * changed. A summary sets its fields only when it should alert
 * ("force_alert"): Wazuh compares the hash with its database, Vigil's
 * agent side does that comparison and says so in the message.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/decoder.h"
#include "vigil/sca.h"

static int set(struct vg_event *ev, const char *name, const char *v)
{
	if (!v)
		return VG_OK;
	/* names may be built on the stack: the event keeps its own copies */
	const char *c = vg_arena_strdup(ev->arena, v);
	const char *n = vg_arena_strdup(ev->arena, name);
	return c && n ? vg_event_set(ev, n, c) : VG_ENOMEM;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A number or a numeric string as text; NULL otherwise. */
static const char *num(struct vg_event *ev, json_t *v)
{
	if (json_is_integer(v))
		return vg_arena_printf(ev->arena, "%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return vg_arena_printf(ev->arena, "%f", json_real_value(v));
	return json_string_value(v);
}

/* "a,b" -> ["a","b"], as Wazuh's csv_list_to_json_str_array. */
static int set_list(struct vg_event *ev, const char *name, const char *csv)
{
	if (!csv)
		return VG_OK;
	json_t *a = json_array();
	char *copy = strdup(csv), *save = NULL;
	int rc = a && copy ? VG_OK : VG_ENOMEM;
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && rc == VG_OK;
	     t = strtok_r(NULL, ",", &save))
		if (json_array_append_new(a, json_string(t)) != 0)
			rc = VG_ENOMEM;
	char *s = rc == VG_OK ? json_dumps(a, JSON_COMPACT) : NULL;
	if (rc == VG_OK)
		rc = s ? set(ev, name, s) : VG_ENOMEM;
	free(s);
	free(copy);
	json_decref(a);
	return rc;
}

static int compliance(struct vg_event *ev, json_t *c)
{
	const char *k;
	json_t *v;
	int rc = VG_OK;
	json_object_foreach(c, k, v)
	{
		const char *val = num(ev, v);
		char name[256];
		snprintf(name, sizeof(name), "sca.check.compliance.%s", k);
		if (val && rc == VG_OK)
			rc = set(ev, name, val);
	}
	return rc;
}

static int check_event(struct vg_event *ev, json_t *root)
{
	json_t *c = json_object_get(root, "check");
	if (!json_is_object(c) || !json_is_integer(json_object_get(c, "id")) || !str(c, "title") ||
	    (!str(c, "result") && !str(c, "status")))
		return VG_EPARSE;
	const char *prev = str(c, "previous_result");
	if (!prev)
		prev = str(root, "previous_result");
	int rc = set(ev, "sca.type", "check");
	if (rc == VG_OK && json_object_get(root, "id"))
		rc = set(ev, "sca.scan_id", num(ev, json_object_get(root, "id")));
	if (rc == VG_OK)
		rc = set(ev, "sca.policy", str(root, "policy"));
	if (rc == VG_OK)
		rc = set(ev, "sca.policy_id", str(root, "policy_id"));
	if (rc == VG_OK)
		rc = set(ev, "sca.check.id", num(ev, json_object_get(c, "id")));
	static const char *const texts[] = { "title",       "description", "rationale",
		                             "remediation", "references",  "result",
		                             "status",      "reason" };
	char name[64];
	for (size_t i = 0; rc == VG_OK && i < sizeof(texts) / sizeof(texts[0]); i++) {
		snprintf(name, sizeof(name), "sca.check.%s", texts[i]);
		rc = set(ev, name, str(c, texts[i]));
	}
	if (rc == VG_OK && json_is_object(json_object_get(c, "compliance")))
		rc = compliance(ev, json_object_get(c, "compliance"));
	static const char *const lists[] = { "file", "directory", "registry", "process",
		                             "command" };
	for (size_t i = 0; rc == VG_OK && i < sizeof(lists) / sizeof(lists[0]); i++) {
		snprintf(name, sizeof(name), "sca.check.%s", lists[i]);
		rc = set_list(ev, name, str(c, lists[i]));
	}
	if (rc == VG_OK)
		rc = set(ev, "sca.check.previous_result", prev);
	return rc;
}

static int summary_event(struct vg_event *ev, json_t *root)
{
	if (!str(root, "policy_id") || !json_object_get(root, "scan_id"))
		return VG_EPARSE;
	if (!json_object_get(root, "force_alert"))
		return VG_OK; /* stored, no alert (Wazuh: the hash did not change) */
	int rc = set(ev, "sca.type", "summary");
	if (rc == VG_OK)
		rc = set(ev, "sca.scan_id", num(ev, json_object_get(root, "scan_id")));
	if (rc == VG_OK)
		rc = set(ev, "sca.policy", str(root, "name"));
	if (rc == VG_OK)
		rc = set(ev, "sca.description", str(root, "description"));
	if (rc == VG_OK)
		rc = set(ev, "sca.policy_id", str(root, "policy_id"));
	static const char *const nums[] = { "passed", "failed", "invalid", "total_checks",
		                            "score" };
	char name[64];
	for (size_t i = 0; rc == VG_OK && i < sizeof(nums) / sizeof(nums[0]); i++) {
		snprintf(name, sizeof(name), "sca.%s", nums[i]);
		rc = set(ev, name, num(ev, json_object_get(root, nums[i])));
	}
	if (rc == VG_OK)
		rc = set(ev, "sca.file", str(root, "file"));
	return rc;
}

int vg_sca_decode(struct vg_event *ev, const char *json, size_t len)
{
	if (!json || len == 0 || json[0] != '{')
		return VG_ENOENT;
	json_t *root = json_loadb(json, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	if (!root)
		return VG_EPARSE;
	const char *type = json_is_object(root) ? str(root, "type") : NULL;
	int rc = VG_ENOENT;
	if (type && (strcmp(type, "check") == 0 || strcmp(type, "summary") == 0 ||
	             strcmp(type, "policies") == 0 || strcmp(type, "dump_end") == 0)) {
		ev->decoder_name = "sca";
		ev->decoder_parent = "sca";
		ev->decoder_type = VG_DT_OSSEC;
		rc = VG_OK;
		if (strcmp(type, "check") == 0)
			rc = check_event(ev, root);
		else if (strcmp(type, "summary") == 0)
			rc = summary_event(ev, root);
	}
	json_decref(root);
	return rc;
}
