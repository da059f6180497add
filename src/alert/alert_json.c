/*
 * alert_json.c - builds the alerts.json document of an alert with Wazuh
 * 4.x's key order: timestamp, rule{...}, agent, manager, id, cluster,
 * previous_output, full_log, syscheck, predecoder, decoder, data (dotted dynamic field
 * names nested), location. The document is built as a jansson tree (which
 * keeps insertion order) and printed compactly.
 */
#include "vigil/alert.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert_internal.h"
#include "vigil/attack.h"
#include "vigil/decoder.h"
#include "vigil/error.h"

/* Adds a string without UTF-8 validation (log text is whatever arrived). */
static int add_str(json_t *obj, const char *key, const char *val)
{
	json_t *s = json_stringn_nocheck(val, strlen(val));
	return s && json_object_set_new_nocheck(obj, key, s) == 0 ? 0 : VG_ENOMEM;
}

static int add_str_opt(json_t *obj, const char *key, const char *val)
{
	return val ? add_str(obj, key, val) : 0;
}

static int arr_add_str(json_t *arr, const char *val)
{
	json_t *s = json_stringn_nocheck(val, strlen(val));
	return s && json_array_append_new(arr, s) == 0 ? 0 : VG_ENOMEM;
}

static bool arr_has(const json_t *arr, const char *val)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), val) == 0) return true;
	return false;
}

/* Wazuh's two mitre forms: <id> lists (all ids kept, tactics of every known
 * technique) or technique+tactic pairs (only pairs that agree are kept). */
static int add_mitre(json_t *rule, const struct vg_rule *r)
{
	if (!r->mitre_ids.n)
		return 0;
	bool pairs = r->mitre_tactics.n && r->mitre_tactics.n == r->mitre_ids.n;
	json_t *m = json_object(), *ids = json_array(), *tac = json_array(), *tech = json_array();
	int rc = m && ids && tac && tech ? 0 : VG_ENOMEM;
	for (unsigned i = 0; rc == 0 && i < r->mitre_ids.n; i++) {
		struct vg_attack_technique t;
		bool known = vg_attack_lookup(r->mitre_ids.v[i], &t) == 0;
		if (!pairs)
			rc = arr_add_str(ids, r->mitre_ids.v[i]);
		if (!known || rc)
			continue;
		bool tactic_ok = !pairs;
		for (unsigned k = 0; rc == 0 && k < t.ntactics; k++) {
			if (pairs && strcmp(t.tactics[k]->id, r->mitre_tactics.v[i]) != 0)
				continue;
			tactic_ok = true;
			if (!arr_has(tac, t.tactics[k]->name))
				rc = arr_add_str(tac, t.tactics[k]->name);
		}
		if (rc || !tactic_ok)
			continue;
		if (!pairs) {
			rc = arr_add_str(tech, t.name);
		} else if (!arr_has(tech, t.name)) {
			rc = arr_add_str(ids, t.id);
			if (rc == 0)
				rc = arr_add_str(tech, t.name);
		}
	}
	if (rc == 0 && json_array_size(tac) > 0) {
		json_object_set_new(m, "id", ids);
		json_object_set_new(m, "tactic", tac);
		json_object_set_new(m, "technique", tech);
		ids = tac = tech = NULL;
		rc = json_object_set_new(rule, "mitre", m) == 0 ? 0 : VG_ENOMEM;
		m = NULL;
	}
	json_decref(ids);
	json_decref(tac);
	json_decref(tech);
	json_decref(m);
	return rc;
}

/* groups without the compliance ones, then one array per compliance kind
 * in the order its first group appears (Wazuh's W_JSON_ParseGroups). */
static int add_groups(json_t *rule, const struct vg_rule *r)
{
	json_t *groups = json_array();
	if (!groups || json_object_set_new(rule, "groups", groups) != 0)
		return VG_ENOMEM;
	for (unsigned i = 0; i < r->groups.n; i++) {
		const char *g = r->groups.v[i];
		if (!g || !*g)
			continue;
		size_t plen = 0;
		const char *kind = vg_alert_compliance_kind(g, &plen);
		if (!kind) {
			if (arr_add_str(groups, g))
				return VG_ENOMEM;
			continue;
		}
		json_t *arr = json_object_get(rule, kind);
		if (!arr) {
			arr = json_array();
			if (!arr || json_object_set_new(rule, kind, arr) != 0)
				return VG_ENOMEM;
		}
		if (arr_add_str(arr, g + plen))
			return VG_ENOMEM;
	}
	return 0;
}

static int add_rule(json_t *root, const struct vg_alert_input *in)
{
	const struct vg_rule *r = in->rule;
	json_t *rule = json_object();
	if (!rule || json_object_set_new(root, "rule", rule) != 0)
		return VG_ENOMEM;
	struct vg_buf desc;
	vg_buf_init(&desc, 0);
	int rc = vg_alert_description(&desc, r->description, in->ev);
	char id[16];
	snprintf(id, sizeof(id), "%u", r->id);
	if (r->level && rc == 0)
		rc = json_object_set_new(rule, "level", json_integer(r->level)) ? VG_ENOMEM : 0;
	if (rc == 0 && r->description)
		rc = add_str(rule, "description", vg_buf_str(&desc));
	vg_buf_free(&desc);
	if (rc == 0)
		rc = add_str(rule, "id", id);
	if (rc == 0)
		rc = add_mitre(rule, r);
	if (rc == 0)
		rc = add_str_opt(rule, "cve", r->cve);
	if (rc == 0)
		rc = add_str_opt(rule, "info", r->info);
	if (rc == 0 && r->frequency)
		rc = json_object_set_new(rule, "frequency", json_integer(r->frequency)) ? VG_ENOMEM
		                                                                        : 0;
	if (rc == 0 && !(r->options & VG_RULE_OPT_NO_COUNTER))
		rc = json_object_set_new(rule, "firedtimes", json_integer(in->firedtimes))
		         ? VG_ENOMEM
		         : 0;
	if (rc == 0)
		rc = json_object_set_new(rule, "mail",
		                         json_boolean(r->options & VG_RULE_OPT_ALERT_BY_EMAIL))
		         ? VG_ENOMEM
		         : 0;
	if (rc == 0)
		rc = add_groups(rule, r);
	return rc;
}

/* agent{id,name,ip} and manager{name}; agent 000's name is the manager's. */
static int add_agent_manager(json_t *root, const struct vg_alert_input *in)
{
	const struct vg_event *ev = in->ev;
	json_t *agent = json_object(), *manager = json_object();
	if (!agent || !manager) {
		json_decref(agent);
		json_decref(manager);
		return VG_ENOMEM;
	}
	json_object_set_new(root, "agent", agent);
	json_object_set_new(root, "manager", manager);
	const char *aid = ev->agent_id ? ev->agent_id : "000";
	const char *loc = ev->location ? ev->location : "";
	int rc = add_str(agent, "id", aid);
	if (rc == 0 && loc[0] == '(')
		rc = add_str_opt(agent, "name", ev->agent_name);
	else if (rc == 0 && strcmp(aid, "000") == 0)
		rc = add_str(agent, "name", in->manager_name);
	char ip[64];
	if (rc == 0 && vg_alert_agent_ip(ev, ip, sizeof(ip)))
		rc = add_str(agent, "ip", ip);
	if (rc == 0)
		rc = add_str(manager, "name", in->manager_name);
	return rc;
}

static int add_decoder(json_t *root, const struct vg_event *ev)
{
	json_t *dec = json_object();
	if (!dec || json_object_set_new(root, "decoder", dec) != 0)
		return VG_ENOMEM;
	const struct vg_decoder *d = ev->decoder;
	int rc = 0;
	if (d && vg_decoder_accumulate(d))
		rc = json_object_set_new(dec, "accumulate", json_integer(1)) ? VG_ENOMEM : 0;
	if (rc == 0 && d)
		rc = add_str_opt(dec, "parent", vg_decoder_parent_name(d));
	if (rc == 0)
		rc = add_str_opt(dec, "name", ev->decoder_name);
	if (rc == 0 && d)
		rc = add_str_opt(dec, "ftscomment", vg_decoder_ftscomment(d));
	return rc;
}

/* Sets data.<a>.<b>... = value for a dotted field name, creating the
 * intermediate objects. A value that is a JSON array (json_array_structure)
 * is embedded as an array. A name whose prefix is already a plain value is
 * skipped. */
static int add_dotted(json_t *data, const char *name, const char *value)
{
	json_t *obj = data;
	const char *seg = name, *dot;
	char key[512];
	while ((dot = strchr(seg, '.')) != NULL) {
		size_t n = (size_t)(dot - seg);
		if (n >= sizeof(key))
			return 0;
		memcpy(key, seg, n);
		key[n] = '\0';
		json_t *next = json_object_get(obj, key);
		if (!next) {
			next = json_object();
			if (!next || json_object_set_new_nocheck(obj, key, next) != 0)
				return VG_ENOMEM;
		} else if (!json_is_object(next)) {
			return 0;
		}
		obj = next;
		seg = dot + 1;
	}
	if (value[0] == '[') {
		json_t *arr = json_loads(value, JSON_DECODE_ANY, NULL);
		if (json_is_array(arr))
			return json_object_set_new_nocheck(obj, seg, arr) ? VG_ENOMEM : 0;
		json_decref(arr);
	}
	if (json_is_object(json_object_get(obj, seg)))
		return 0;
	return add_str(obj, seg, value);
}

/* FIM fields ("syscheck.path" ...) go to the alert's own syscheck object,
 * not under data, as in Wazuh's alerts. */
static bool is_syscheck(const char *name)
{
	return strncmp(name, "syscheck.", 9) == 0;
}

/* "size,mtime" as ["size","mtime"]: Wazuh's alerts list changed attributes. */
static int add_csv_array(json_t *obj, const char *key, const char *csv)
{
	json_t *arr = json_array();
	if (!arr || json_object_set_new_nocheck(obj, key, arr) != 0)
		return VG_ENOMEM;
	for (const char *p = csv; *p;) {
		size_t n = strcspn(p, ",");
		if (n && json_array_append_new(arr, json_stringn(p, n)) != 0)
			return VG_ENOMEM;
		p += n + (p[n] == ',');
	}
	return 0;
}

static int add_syscheck(json_t *root, const struct vg_event *ev)
{
	json_t *sc = NULL;
	int rc = 0;
	for (unsigned i = 0; rc == 0 && i < ev->ndyn; i++) {
		const struct vg_field *f = &ev->dyn[i];
		if (!f->name || !f->value || !f->value[0] || !is_syscheck(f->name))
			continue;
		if (!sc) {
			sc = json_object();
			if (!sc || json_object_set_new(root, "syscheck", sc) != 0)
				return VG_ENOMEM;
		}
		if (strcmp(f->name, "syscheck.changed_attributes") == 0)
			rc = add_csv_array(sc, "changed_attributes", f->value);
		else
			rc = add_dotted(sc, f->name + 9, f->value);
	}
	return rc;
}

/* data: fixed fields in Wazuh's order, then the dynamic fields. */
static int add_data(json_t *root, const struct vg_event *ev)
{
	static const enum vg_fixed order[] = {
		VG_F_PROTOCOL, VG_F_ACTION,  VG_F_SRCIP,      VG_F_SRCPORT,     VG_F_SRCUSER,
		VG_F_DSTIP,    VG_F_DSTPORT, VG_F_DSTUSER,    VG_F_ID,          VG_F_STATUS,
		VG_F_URL,      VG_F_DATA,    VG_F_EXTRA_DATA, VG_F_SYSTEM_NAME,
	};
	json_t *data = json_object();
	if (!data)
		return VG_ENOMEM;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(order) / sizeof(order[0]); i++)
		rc = add_str_opt(data, vg_fixed_name(order[i]), ev->fixed[order[i]]);
	for (unsigned i = 0; rc == 0 && i < ev->ndyn; i++)
		if (ev->dyn[i].name && ev->dyn[i].value && ev->dyn[i].value[0] &&
		    !is_syscheck(ev->dyn[i].name))
			rc = add_dotted(data, ev->dyn[i].name, ev->dyn[i].value);
	if (rc == 0 && json_object_size(data) > 0)
		return json_object_set_new(root, "data", data) ? VG_ENOMEM : 0;
	json_decref(data);
	return rc;
}

/* predecoder{program_name,timestamp}; hostname is added later, as Wazuh
 * does, from the word after a "Mmm dd hh:mm:ss " prefix of full_log. */
static int add_predecoder(json_t *root, const struct vg_event *ev)
{
	if (!ev->program_name && !ev->timestamp)
		return 0;
	json_t *pre = json_object();
	if (!pre || json_object_set_new(root, "predecoder", pre) != 0)
		return VG_ENOMEM;
	int rc = add_str_opt(pre, "program_name", ev->program_name);
	return rc ? rc : add_str_opt(pre, "timestamp", ev->timestamp);
}

static int add_predecoder_host(json_t *root, const struct vg_event *ev)
{
	char host[256];
	if (!ev->full_log || !vg_alert_syslog_host(ev->full_log, host, sizeof(host)))
		return 0;
	json_t *pre = json_object_get(root, "predecoder");
	if (!pre) {
		pre = json_object();
		if (!pre || json_object_set_new(root, "predecoder", pre) != 0)
			return VG_ENOMEM;
	}
	return add_str(pre, "hostname", host);
}

static int add_head(json_t *root, const struct vg_alert_input *in)
{
	char ts[64];
	vg_alert_timestamp(in, ts, sizeof(ts));
	int rc = add_str(root, "timestamp", ts);
	if (rc == 0)
		rc = add_rule(root, in);
	if (rc == 0)
		rc = add_agent_manager(root, in);
	if (rc == 0)
		rc = add_str_opt(root, "id", in->id);
	if (rc == 0 && in->cluster_name) {
		json_t *cl = json_object();
		if (!cl || json_object_set_new(root, "cluster", cl) != 0)
			return VG_ENOMEM;
		rc = add_str(cl, "name", in->cluster_name);
	}
	if (rc == 0 && in->nprev > 0 && in->prev_logs) {
		struct vg_buf prev;
		vg_buf_init(&prev, 0);
		for (unsigned i = 0; rc == 0 && i < in->nprev; i++)
			rc = vg_buf_printf(&prev, "%s%s", i ? "\n" : "",
			                   in->prev_logs[i] ? in->prev_logs[i] : "");
		if (rc == 0)
			rc = add_str(root, "previous_output", vg_buf_str(&prev));
		vg_buf_free(&prev);
	}
	return rc;
}

int vg_alert_json(struct vg_buf *out, const struct vg_alert_input *in)
{
	if (!out || !in || !in->ev || !in->rule || !in->manager_name)
		return VG_EINVAL;
	const struct vg_event *ev = in->ev;
	json_t *root = json_object();
	if (!root)
		return VG_ENOMEM;
	int rc = add_head(root, in);
	if (rc == 0 && ev->full_log && !(in->rule->options & VG_RULE_OPT_NO_FULL_LOG))
		rc = add_str(root, "full_log", ev->full_log);
	if (rc == 0)
		rc = add_syscheck(root, ev);
	if (rc == 0)
		rc = add_predecoder(root, ev);
	if (rc == 0)
		rc = add_decoder(root, ev);
	if (rc == 0)
		rc = add_data(root, ev);
	if (rc == 0)
		rc = add_predecoder_host(root, ev);
	const char *loc = ev->location ? vg_alert_location(ev->location) : NULL;
	if (rc == 0)
		rc = add_str_opt(root, "location", loc);
	if (rc == 0) {
		char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
		rc = text ? vg_buf_addstr(out, text) : VG_ENOMEM;
		free(text);
	}
	json_decref(root);
	return rc;
}
