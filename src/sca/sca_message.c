/*
 * sca_message.c - builds the messages Wazuh's agent sends for SCA (one
 * JSON object per line): "type":"check" with the scan id, the policy and
 * the check (id, title, texts, compliance, rules, condition, the files /
 * directories / commands / processes looked at, result and reason), and
 * "type":"summary" with the counts, score and results hash. Vigil adds
 * "previous_result" to a check whose result changed (Wazuh's manager reads
 * it from its database) and "force_alert" to a summary that should alert.
 */
#include <jansson.h>
#include <string.h>

#include "sca/sca_internal.h"

static int set_str(json_t *o, const char *k, const char *v)
{
	if (!v)
		return 0;
	return json_object_set_new(o, k, json_string(v));
}

static json_t *compliance(const struct sca_check *k)
{
	json_t *c = json_object();
	for (size_t i = 0; c && i < k->ncomp; i++)
		if (set_str(c, k->comp[i].key, k->comp[i].value ? k->comp[i].value : "") != 0) {
			json_decref(c);
			return NULL;
		}
	return c;
}

static json_t *rules(const struct sca_check *k)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < k->nrules; i++)
		if (json_array_append_new(a, json_string(k->rules[i].text)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int dump(struct vg_buf *b, json_t *root)
{
	char *s = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (!s)
		return VG_ENOMEM;
	vg_buf_reset(b);
	int rc = vg_buf_addstr(b, s);
	free(s);
	return rc;
}

static json_t *check_object(const struct sca_check *k, const struct vg_sca_check_result *r,
                            const char *previous)
{
	json_t *c = json_object();
	if (!c)
		return NULL;
	int e = json_object_set_new(c, "id", json_integer(k->id));
	e |= set_str(c, "title", k->title);
	e |= set_str(c, "description", k->description);
	e |= set_str(c, "rationale", k->rationale);
	e |= set_str(c, "remediation", k->remediation);
	if (k->ncomp)
		e |= json_object_set_new(c, "compliance", compliance(k));
	e |= json_object_set_new(c, "rules", rules(k));
	e |= set_str(c, "condition", k->condition_text);
	e |= set_str(c, "references", k->references);
	e |= set_str(c, "file", r->file);
	e |= set_str(c, "directory", r->directory);
	e |= set_str(c, "process", r->process);
	e |= set_str(c, "command", r->command);
	e |= set_str(c, "result", vg_sca_result_name(r->result));
	e |= set_str(c, "reason", r->reason);
	e |= set_str(c, "previous_result", previous);
	if (e) {
		json_decref(c);
		return NULL;
	}
	return c;
}

int sca_message_check(struct vg_buf *b, const struct vg_sca_policy *p, const struct sca_check *k,
                      const struct vg_sca_check_result *r, long scan_id, const char *previous)
{
	json_t *root = json_object();
	json_t *c = check_object(k, r, previous);
	if (!root || !c) {
		json_decref(root);
		json_decref(c);
		return VG_ENOMEM;
	}
	int e = set_str(root, "type", "check");
	e |= json_object_set_new(root, "id", json_integer(scan_id));
	e |= set_str(root, "policy", p->name);
	e |= set_str(root, "policy_id", p->id);
	e |= json_object_set_new(root, "check", c);
	if (e) {
		json_decref(root);
		return VG_ENOMEM;
	}
	return dump(b, root);
}

int sca_message_summary(struct vg_buf *b, const struct vg_sca_policy *p,
                        const struct vg_sca_report *r, long scan_id, bool force_alert)
{
	json_t *o = json_object();
	if (!o)
		return VG_ENOMEM;
	int e = set_str(o, "type", "summary");
	e |= json_object_set_new(o, "scan_id", json_integer(scan_id));
	e |= set_str(o, "name", p->name);
	e |= set_str(o, "policy_id", p->id);
	e |= set_str(o, "file", p->file);
	e |= set_str(o, "description", p->description);
	e |= set_str(o, "references", p->references);
	e |= json_object_set_new(o, "passed", json_integer(r->passed));
	e |= json_object_set_new(o, "failed", json_integer(r->failed));
	e |= json_object_set_new(o, "invalid", json_integer(r->invalid));
	e |= json_object_set_new(o, "total_checks", json_integer((json_int_t)r->nchecks));
	e |= json_object_set_new(o, "score", json_integer(r->score));
	e |= json_object_set_new(o, "start_time", json_integer((json_int_t)r->start));
	e |= json_object_set_new(o, "end_time", json_integer((json_int_t)r->end));
	e |= set_str(o, "hash", r->hash);
	e |= set_str(o, "hash_file", p->hash_file);
	if (force_alert)
		e |= set_str(o, "force_alert", "1");
	if (e) {
		json_decref(o);
		return VG_ENOMEM;
	}
	return dump(b, o);
}
