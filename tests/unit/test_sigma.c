/*
 * test_sigma.c - unit tests of the Sigma module: every value modifier, the
 * wildcard and escape rules, keywords, the condition grammar and its
 * precedence, logsource filtering and the field-mapping profiles (evtx_dump,
 * Wazuh event channel, Security 4688, Vigil process events), the reasons for
 * refused rules, and Sigma rules inside a rule set (ids, level, MITRE ids,
 * groups, and how they compete with the Wazuh tree).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/rule.h"
#include "vigil/sigma.h"
#include "vg_test.h"

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

/* Compiles a process_creation rule with the given detection block. */
static int compile(const char *detection, const struct vg_sigma_opts *opts,
                   struct vg_sigma_rule **out, struct vg_diag *diag)
{
	char text[8192];
	snprintf(text, sizeof(text),
	         "title: Test rule\n"
	         "id: 11111111-2222-3333-4444-555555555555\n"
	         "status: test\n"
	         "level: high\n"
	         "tags:\n  - attack.execution\n  - attack.t1059.001\n"
	         "logsource:\n  product: windows\n  category: process_creation\n"
	         "detection:\n%s",
	         detection);
	return vg_sigma_rule_parse(text, strlen(text), "test.yml", opts, out, diag);
}

/* A Sysmon event 1 (evtx_dump names) with name=value pairs. */
static void sysmon_event(struct vg_event *ev, const char *const *kv)
{
	assert_int_equal(vg_event_init(ev), VG_OK);
	assert_int_equal(vg_event_set(ev, "Event.System.EventID", "1"), VG_OK);
	assert_int_equal(vg_event_set(ev, "Event.System.Channel", SYSMON), VG_OK);
	for (size_t i = 0; kv && kv[i]; i += 2) {
		char *name = vg_arena_printf(ev->arena, "Event.EventData.%s", kv[i]);
		assert_int_equal(vg_event_set(ev, name, kv[i + 1]), VG_OK);
	}
}

/* Does the detection match the Sysmon event with these fields? */
static bool matches(const char *detection, const char *const *kv)
{
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_sigma_rule *r = NULL;
	int rc = compile(detection, NULL, &r, &diag);
	if (rc != VG_OK)
		vg_diag_print(&diag, stderr);
	assert_int_equal(rc, VG_OK);
	struct vg_event ev;
	sysmon_event(&ev, kv);
	struct vg_pattern_scratch *scr = vg_pattern_scratch_create();
	struct vg_sigma_view v;
	vg_sigma_view_init(&v, &ev);
	bool m = vg_sigma_rule_match(r, &v, scr);
	vg_pattern_scratch_destroy(scr);
	vg_event_destroy(&ev);
	vg_sigma_rule_destroy(r);
	vg_diag_free(&diag);
	return m;
}

#define KV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_plain_and_wildcards(void **state)
{
	(void)state;
	const char *d = "  sel:\n    Image: 'C:\\Windows\\System32\\cmd.exe'\n  condition: sel\n";
	assert_true(matches(d, KV("Image", "c:\\windows\\system32\\CMD.EXE")));
	assert_false(matches(d, KV("Image", "C:\\Windows\\System32\\cmd.exe2")));
	assert_false(matches(d, KV("CommandLine", "C:\\Windows\\System32\\cmd.exe")));
	const char *w = "  sel:\n    Image: '*\\cm?.exe'\n  condition: sel\n";
	assert_true(matches(w, KV("Image", "C:\\x\\cmd.exe")));
	assert_false(matches(w, KV("Image", "C:\\x\\cmdd.exe")));
	const char *mid = "  sel:\n    CommandLine: 'a*b?c'\n  condition: sel\n";
	assert_true(matches(mid, KV("CommandLine", "A xx B-C")));
	assert_false(matches(mid, KV("CommandLine", "axxbc")));
	const char *esc = "  sel:\n    CommandLine: 'x\\*y'\n  condition: sel\n";
	assert_true(matches(esc, KV("CommandLine", "x*y")));
	assert_false(matches(esc, KV("CommandLine", "xzzy")));
	const char *num = "  sel:\n    ProcessId: 4242\n  condition: sel\n";
	assert_true(matches(num, KV("ProcessId", "4242")));
	assert_false(matches(num, KV("ProcessId", "42421")));
}

static void test_string_modifiers(void **state)
{
	(void)state;
	const char *c = "  sel:\n    CommandLine|contains: 'Invoke-Expression'\n  condition: sel\n";
	assert_true(matches(c, KV("CommandLine", "powershell invoke-expression x")));
	assert_false(matches(c, KV("CommandLine", "powershell iex x")));
	const char *s = "  sel:\n    CommandLine|startswith: 'net '\n  condition: sel\n";
	assert_true(matches(s, KV("CommandLine", "NET user")));
	assert_false(matches(s, KV("CommandLine", "xnet user")));
	const char *e = "  sel:\n    Image|endswith:\n      - '\\a.exe'\n      - '\\b.exe'\n"
	                "  condition: sel\n";
	assert_true(matches(e, KV("Image", "C:\\B.EXE")));
	assert_false(matches(e, KV("Image", "C:\\c.exe")));
	const char *all =
	    "  sel:\n    CommandLine|contains|all:\n      - ' -enc '\n      - 'hidden'\n"
	    "  condition: sel\n";
	assert_true(matches(all, KV("CommandLine", "ps -w hidden -enc AAA")));
	assert_false(matches(all, KV("CommandLine", "ps -enc AAA")));
	const char *cased = "  sel:\n    CommandLine|contains|cased: 'ABC'\n  condition: sel\n";
	assert_true(matches(cased, KV("CommandLine", "xABCx")));
	assert_false(matches(cased, KV("CommandLine", "xabcx")));
	const char *wd = "  sel:\n    CommandLine|windash|contains: ' -exec bypass'\n"
	                 "  condition: sel\n";
	assert_true(matches(wd, KV("CommandLine", "ps /exec bypass")));
	assert_true(matches(wd, KV("CommandLine", "ps \xe2\x80\x93"
	                                          "exec bypass")));
	assert_true(matches(wd, KV("CommandLine", "ps -exec bypass")));
	assert_false(matches(wd, KV("CommandLine", "ps +exec bypass")));
}

static void test_re(void **state)
{
	(void)state;
	const char *re = "  sel:\n    CommandLine|re: 'Net\\s+user'\n  condition: sel\n";
	assert_true(matches(re, KV("CommandLine", "x Net  user")));
	assert_false(matches(re, KV("CommandLine", "x net user"))); /* case-sensitive */
	const char *rei = "  sel:\n    CommandLine|re|i: '^net\\s+user'\n  condition: sel\n";
	assert_true(matches(rei, KV("CommandLine", "NET user")));
	const char *res = "  sel:\n    CommandLine|re|s: 'a.b'\n  condition: sel\n";
	assert_true(matches(res, KV("CommandLine", "a\nb")));
	const char *nos = "  sel:\n    CommandLine|re: 'a.b'\n  condition: sel\n";
	assert_false(matches(nos, KV("CommandLine", "a\nb")));
	const char *rem = "  sel:\n    CommandLine|re|m: '^b$'\n  condition: sel\n";
	assert_true(matches(rem, KV("CommandLine", "a\nb\nc")));
}

static void test_encodings(void **state)
{
	(void)state;
	/* base64("whoami") = d2hvYW1p */
	const char *b = "  sel:\n    CommandLine|base64: 'whoami'\n  condition: sel\n";
	assert_true(matches(b, KV("CommandLine", "d2hvYW1p")));
	assert_false(matches(b, KV("CommandLine", "x d2hvYW1p")));
	/* "iex whoami" and " whoami" shifted: base64offset finds each shift */
	const char *bo = "  sel:\n    CommandLine|base64offset|contains: 'whoami'\n"
	                 "  condition: sel\n";
	assert_true(matches(bo, KV("CommandLine", "-enc d2hvYW1p")));     /* offset 0 */
	assert_true(matches(bo, KV("CommandLine", "-enc eCB3aG9hbWk="))); /* "x whoami" */
	assert_true(matches(bo, KV("CommandLine", "-enc eHggd2hvYW1p"))); /* "xx whoami" */
	assert_false(matches(bo, KV("CommandLine", "-enc aGVsbG8=")));
	/* UTF-16LE "iex" = 69 00 65 00 78 00 -> base64 aQBlAHgA */
	const char *w = "  sel:\n    CommandLine|wide|base64: 'iex'\n  condition: sel\n";
	assert_true(matches(w, KV("CommandLine", "aQBlAHgA")));
	const char *be = "  sel:\n    CommandLine|utf16be|base64: 'iex'\n  condition: sel\n";
	assert_true(matches(be, KV("CommandLine", "AGkAZQB4")));
	const char *bom = "  sel:\n    CommandLine|utf16|base64: 'iex'\n  condition: sel\n";
	assert_true(matches(bom, KV("CommandLine", "//5pAGUAeAA=")));
}

static void test_other_modifiers(void **state)
{
	(void)state;
	const char *cidr = "  sel:\n    DestinationIp|cidr:\n      - '10.0.0.0/8'\n"
	                   "      - 'fe80::/10'\n  condition: sel\n";
	assert_true(matches(cidr, KV("DestinationIp", "10.20.30.40")));
	assert_true(matches(cidr, KV("DestinationIp", "fe80::1")));
	assert_false(matches(cidr, KV("DestinationIp", "11.0.0.1")));
	const char *ex = "  sel:\n    ParentImage|exists: false\n  condition: sel\n";
	assert_true(matches(ex, KV("Image", "x")));
	assert_false(matches(ex, KV("ParentImage", "x")));
	const char *ext = "  sel:\n    ParentImage|exists: true\n  condition: sel\n";
	assert_true(matches(ext, KV("ParentImage", "")));
	const char *lt = "  sel:\n    ProcessId|lt: 100\n  condition: sel\n";
	assert_true(matches(lt, KV("ProcessId", "99")));
	assert_false(matches(lt, KV("ProcessId", "100")));
	const char *gte = "  sel:\n    ProcessId|gte: 100\n  condition: sel\n";
	assert_true(matches(gte, KV("ProcessId", "100")));
	assert_false(matches(gte, KV("ProcessId", "7")));
	const char *ref = "  sel:\n    Image|fieldref: ParentImage\n  condition: sel\n";
	assert_true(matches(ref, KV("Image", "C:\\A.exe", "ParentImage", "c:\\a.exe")));
	assert_false(matches(ref, KV("Image", "C:\\A.exe", "ParentImage", "c:\\b.exe")));
	const char *refc = "  sel:\n    CommandLine|fieldref|contains: Image\n  condition: sel\n";
	assert_true(matches(refc, KV("Image", "C:\\A.exe", "CommandLine", "\"c:\\a.EXE\" -x")));
	assert_false(matches(refc, KV("Image", "C:\\A.exe", "CommandLine", "b.exe -x")));
	const char *nul = "  sel:\n    ParentImage: null\n  condition: sel\n";
	assert_true(matches(nul, KV("Image", "x")));
	assert_false(matches(nul, KV("ParentImage", "x")));
	const char *neq = "  sel:\n    User|neq: 'SYSTEM'\n  condition: sel\n";
	assert_true(matches(neq, KV("User", "alice")));
	assert_false(matches(neq, KV("User", "system")));
	const char *hour = "  sel:\n    UtcTime|hour|gte: 22\n  condition: sel\n";
	assert_true(matches(hour, KV("UtcTime", "2025-10-26 23:12:38.476")));
	assert_false(matches(hour, KV("UtcTime", "2025-10-26 08:12:38.476")));
}

static void test_expand(void **state)
{
	(void)state;
	const char *d = "  sel:\n    User|expand: '%Admins%'\n  condition: sel\n";
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_sigma_rule *r = NULL;
	assert_int_equal(compile(d, NULL, &r, &diag), VG_EUNSUP);
	assert_null(r);
	assert_true(diag.count == 1 && strstr(diag.msgs[0].text, "Admins"));
	const char *vals[] = { "root", "adm*" };
	struct vg_sigma_placeholder ph = { "Admins", vals, 2 };
	struct vg_sigma_opts o = { &ph, 1 };
	assert_int_equal(compile(d, &o, &r, &diag), VG_OK);
	struct vg_event ev;
	sysmon_event(&ev, KV("User", "administrator"));
	struct vg_sigma_view v;
	vg_sigma_view_init(&v, &ev);
	assert_true(vg_sigma_rule_match(r, &v, NULL));
	vg_event_destroy(&ev);
	sysmon_event(&ev, KV("User", "bob"));
	vg_sigma_view_init(&v, &ev);
	assert_false(vg_sigma_rule_match(r, &v, NULL));
	vg_event_destroy(&ev);
	vg_sigma_rule_destroy(r);
	vg_diag_free(&diag);
}

static void test_keywords_and_lists(void **state)
{
	(void)state;
	const char *kw = "  keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\n  condition: keywords\n";
	assert_true(matches(kw, KV("CommandLine", "run SEKURLSA::logonpasswords")));
	assert_false(matches(kw, KV("CommandLine", "notepad")));
	const char *kall = "  keywords:\n    '|all':\n      - 'a1'\n      - 'b2'\n"
	                   "  condition: keywords\n";
	assert_true(matches(kall, KV("CommandLine", "a1", "Image", "b2")));
	assert_false(matches(kall, KV("CommandLine", "a1")));
	const char *maps = "  sel:\n    - Image|endswith: '\\x.exe'\n    - CommandLine: 'y'\n"
	                   "  condition: sel\n";
	assert_true(matches(maps, KV("CommandLine", "Y")));
	assert_true(matches(maps, KV("Image", "c:\\x.exe")));
	assert_false(matches(maps, KV("Image", "c:\\z.exe")));
	const char *and = "  sel:\n    Image|endswith: '\\x.exe'\n    CommandLine|contains: 'y'\n"
	                  "  condition: sel\n";
	assert_false(matches(and, KV("Image", "c:\\x.exe", "CommandLine", "z")));
	assert_true(matches(and, KV("Image", "c:\\x.exe", "CommandLine", "zyz")));
}

/* Searches a..d test fields A..D for "1". */
#define ABCD "  a:\n    A: '1'\n  b:\n    B: '1'\n  c:\n    C: '1'\n  _d:\n    D: '1'\n"

static void test_conditions(void **state)
{
	(void)state;
	/* not > and > or: "a or b and not c" = a or (b and (not c)) */
	const char *p = ABCD "  condition: a or b and not c\n";
	assert_true(matches(p, KV("A", "1", "C", "1")));
	assert_false(matches(p, KV("B", "1", "C", "1")));
	assert_true(matches(p, KV("B", "1")));
	const char *paren = ABCD "  condition: (a or b) and not c\n";
	assert_false(matches(paren, KV("A", "1", "C", "1")));
	const char *nn = ABCD "  condition: not not a\n";
	assert_true(matches(nn, KV("A", "1")));
	const char *one = ABCD "  condition: 1 of them\n";
	assert_true(matches(one, KV("C", "1")));
	assert_false(matches(one, KV("D", "1"))); /* _d is not part of them */
	const char *allt = ABCD "  condition: all of them\n";
	assert_true(matches(allt, KV("A", "1", "B", "1", "C", "1")));
	assert_false(matches(allt, KV("A", "1", "B", "1")));
	const char *pat = "  sel_a:\n    A: '1'\n  sel_b:\n    B: '1'\n  filter:\n    C: '1'\n"
	                  "  condition: all of sel_* and not 1 of filter*\n";
	assert_true(matches(pat, KV("A", "1", "B", "1")));
	assert_false(matches(pat, KV("A", "1", "B", "1", "C", "1")));
	assert_false(matches(pat, KV("A", "1")));
	const char *under = ABCD "  condition: 1 of _*\n";
	assert_true(matches(under, KV("D", "1")));
	/* Several stars: sel_x_img and sel_y_img, not sel_x_cmd. */
	const char *stars = "  sel_x_img:\n    A: '1'\n  sel_y_img:\n    B: '1'\n"
	                    "  sel_x_cmd:\n    C: '1'\n  condition: all of s*l*_*img\n";
	assert_true(matches(stars, KV("A", "1", "B", "1")));
	assert_false(matches(stars, KV("A", "1", "C", "1")));
	const char *tail = "  sel_x_img:\n    A: '1'\n  condition: 1 of *x*i*g**\n";
	assert_true(matches(tail, KV("A", "1")));
	const char *list = ABCD "  condition:\n    - a and b\n    - c\n";
	assert_true(matches(list, KV("C", "1")));
	assert_true(matches(list, KV("A", "1", "B", "1")));
	assert_false(matches(list, KV("A", "1")));
}

static void expect_refused(const char *detection, int want, const char *reason)
{
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_sigma_rule *r = NULL;
	assert_int_equal(compile(detection, NULL, &r, &diag), want);
	assert_null(r);
	assert_true(diag.count == 1);
	if (!strstr(diag.msgs[0].text, reason))
		fail_msg("'%s' does not mention '%s'", diag.msgs[0].text, reason);
	vg_diag_free(&diag);
}

static void test_refused(void **state)
{
	(void)state;
	expect_refused("  sel:\n    A|bogus: 'x'\n  condition: sel\n", VG_EUNSUP, "bogus");
	expect_refused("  sel:\n    A: 'x'\n  condition: sel and nope\n", VG_EPARSE, "nope");
	expect_refused("  sel:\n    A: 'x'\n  condition: (sel\n", VG_EPARSE, "')'");
	expect_refused("  sel:\n    A: 'x'\n  condition: sel | count() > 5\n", VG_EUNSUP,
	               "aggregation");
	expect_refused("  sel:\n    A: 'x'\n  condition: 2 of sel\n", VG_EUNSUP, "2 of");
	expect_refused("  sel:\n    A|re: '(x'\n  condition: sel\n", VG_EUNSUP, "regular");
	expect_refused("  sel:\n    A: 'x'\n", VG_EPARSE, "condition");
	expect_refused("  sel:\n    A|cidr: '10.0.0.0/33'\n  condition: sel\n", VG_EPARSE,
	               "network");
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_sigma_rule *r = NULL;
	const char *bad = "title: x\nlogsource:\n  product: cisco\ndetection:\n  k:\n    - a\n"
	                  "  condition: k\n";
	assert_int_equal(vg_sigma_rule_parse(bad, strlen(bad), "c.yml", NULL, &r, &diag),
	                 VG_EUNSUP);
	assert_non_null(strstr(diag.msgs[0].text, "cisco"));
	const char *yaml = "title: [x\n";
	assert_int_equal(vg_sigma_rule_parse(yaml, strlen(yaml), "y.yml", NULL, &r, &diag),
	                 VG_EPARSE);
	vg_diag_free(&diag);
}

static void test_metadata(void **state)
{
	(void)state;
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_sigma_rule *r = NULL;
	assert_int_equal(compile("  s:\n    A: x\n  condition: s\n", NULL, &r, &diag), VG_OK);
	const struct vg_sigma_meta *m = vg_sigma_rule_meta(r);
	assert_string_equal(m->title, "Test rule");
	assert_string_equal(m->id, "11111111-2222-3333-4444-555555555555");
	assert_int_equal(m->level, 12);
	assert_int_equal(m->nmitre_ids, 1);
	assert_string_equal(m->mitre_ids[0], "T1059.001");
	assert_int_equal(m->ntactics, 1);
	assert_string_equal(m->tactics[0], "TA0002");
	assert_int_equal(vg_sigma_level("informational"), 3);
	assert_int_equal(vg_sigma_level("low"), 5);
	assert_int_equal(vg_sigma_level("medium"), 8);
	assert_int_equal(vg_sigma_level("critical"), 15);
	assert_int_equal(vg_sigma_level("bogus"), -1);
	vg_sigma_rule_destroy(r);
	vg_diag_free(&diag);
}

static bool match_event(struct vg_sigma_rule *r, struct vg_event *ev)
{
	struct vg_sigma_view v;
	vg_sigma_view_init(&v, ev);
	bool m = vg_sigma_rule_match(r, &v, NULL);
	vg_event_destroy(ev);
	return m;
}

static void test_profiles(void **state)
{
	(void)state;
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_sigma_rule *r = NULL;
	assert_int_equal(compile("  sel:\n    Image|endswith: '\\whoami.exe'\n"
	                         "    ParentImage|endswith: '\\cmd.exe'\n  condition: sel\n",
	                         NULL, &r, &diag),
	                 VG_OK);
	struct vg_event ev;
	/* Security 4688: NewProcessName / ParentProcessName. */
	assert_int_equal(vg_event_init(&ev), VG_OK);
	vg_event_set(&ev, "Event.System.EventID", "4688");
	vg_event_set(&ev, "Event.System.Channel", "Security");
	vg_event_set(&ev, "Event.EventData.NewProcessName", "C:\\w\\whoami.exe");
	vg_event_set(&ev, "Event.EventData.ParentProcessName", "C:\\w\\cmd.exe");
	assert_true(match_event(r, &ev));
	/* Another event id of the Sysmon channel: not process_creation. */
	assert_int_equal(vg_event_init(&ev), VG_OK);
	vg_event_set(&ev, "Event.System.EventID", "3");
	vg_event_set(&ev, "Event.System.Channel", SYSMON);
	vg_event_set(&ev, "Event.EventData.Image", "C:\\w\\whoami.exe");
	vg_event_set(&ev, "Event.EventData.ParentImage", "C:\\w\\cmd.exe");
	assert_false(match_event(r, &ev));
	/* Wazuh's event channel JSON. */
	assert_int_equal(vg_event_init(&ev), VG_OK);
	vg_event_set(&ev, "win.system.eventID", "1");
	vg_event_set(&ev, "win.system.channel", SYSMON);
	vg_event_set(&ev, "win.eventdata.image", "C:\\w\\whoami.exe");
	vg_event_set(&ev, "win.eventdata.parentImage", "C:\\w\\cmd.exe");
	assert_true(match_event(r, &ev));
	vg_sigma_rule_destroy(r);
	/* Vigil's Linux process events. */
	const char *lin = "title: l\nlevel: low\nlogsource:\n  product: linux\n"
	                  "  category: process_creation\ndetection:\n  sel:\n"
	                  "    Image|endswith: '/curl'\n    ParentCommandLine|contains: 'bash'\n"
	                  "  condition: sel\n";
	assert_int_equal(vg_sigma_rule_parse(lin, strlen(lin), "l.yml", NULL, &r, &diag), VG_OK);
	assert_int_equal(vg_event_init(&ev), VG_OK);
	vg_event_set(&ev, "vigil.module", "procmon");
	vg_event_set(&ev, "vigil.event", "process_creation");
	vg_event_set(&ev, "process.image", "/usr/bin/curl");
	vg_event_set(&ev, "process.parent.command_line", "bash -i");
	assert_true(match_event(r, &ev));
	assert_int_equal(vg_event_init(&ev), VG_OK);
	vg_event_set(&ev, "vigil.module", "portmon");
	vg_event_set(&ev, "vigil.event", "port_opened");
	vg_event_set(&ev, "process.image", "/usr/bin/curl");
	vg_event_set(&ev, "process.parent.command_line", "bash -i");
	assert_false(match_event(r, &ev));
	vg_sigma_rule_destroy(r);
	vg_diag_free(&diag);
}

static const char wazuh_rules[] =
    "<group name=\"t,\"><rule id=\"1\" level=\"0\" noalert=\"1\"><category>syslog</category>"
    "<description>t</description></rule>\n"
    "<rule id=\"100\" level=\"%d\"><field name=\"Event.EventData.Image\">cmd</field>"
    "<description>wazuh</description></rule></group>\n";

/* Which rule the set gives a Sysmon cmd.exe event when the Wazuh rule has
 * level wlevel and the Sigma rule (high = 12) also matches. */
static unsigned verdict(int wlevel)
{
	struct vg_rule_set *set = NULL;
	struct vg_diag diag;
	vg_diag_init(&diag);
	assert_int_equal(vg_rule_set_create(&set), VG_OK);
	char xml[1024];
	snprintf(xml, sizeof(xml), wazuh_rules, wlevel);
	assert_int_equal(vg_rule_set_load_buffer(set, xml, strlen(xml), "w.xml", &diag), VG_OK);
	struct vg_sigma_rule *sr = NULL;
	assert_int_equal(
	    compile("  s:\n    Image|endswith: 'cmd.exe'\n  condition: s\n", NULL, &sr, &diag),
	    VG_OK);
	assert_int_equal(vg_rule_set_add_sigma(set, sr, VG_SIGMA_FIRST_ID, &diag), VG_OK);
	assert_int_equal(vg_rule_set_finish(set, &diag), VG_OK);
	const struct vg_rule *r = vg_rule_set_find(set, VG_SIGMA_FIRST_ID);
	assert_non_null(r);
	assert_int_equal(r->level, 12);
	assert_string_equal(r->description, "Test rule");
	assert_string_equal(r->info, "11111111-2222-3333-4444-555555555555");
	assert_int_equal(r->mitre_ids.n, 1);
	assert_string_equal(r->mitre_ids.v[0], "T1059.001");
	assert_string_equal(r->groups.v[0], "sigma");
	assert_string_equal(r->groups.v[r->groups.n - 1],
	                    "sigma_11111111-2222-3333-4444-555555555555");
	struct vg_rule_state *st = NULL;
	assert_int_equal(vg_rule_state_create(set, &st), VG_OK);
	struct vg_event ev;
	sysmon_event(&ev, KV("Image", "C:\\cmd.exe"));
	struct vg_rule_result res;
	const struct vg_rule *got = vg_rule_eval(set, st, &ev, NULL, &res);
	unsigned id = got ? got->id : 0;
	assert_true(!got || res.firedtimes == 1);
	vg_event_destroy(&ev);
	vg_rule_state_destroy(st);
	vg_rule_set_destroy(set);
	vg_diag_free(&diag);
	return id;
}

static void test_rule_set(void **state)
{
	(void)state;
	assert_int_equal(verdict(5), VG_SIGMA_FIRST_ID); /* Sigma's 12 beats Wazuh's 5 */
	assert_int_equal(verdict(13), 100);              /* a higher Wazuh rule stays */
	assert_int_equal(verdict(12), 100);              /* ties: the tree's rule */
	struct vg_rule_set *set = NULL;
	assert_int_equal(vg_rule_set_create(&set), VG_OK);
	struct vg_sigma_rule *a = NULL, *b = NULL;
	assert_int_equal(compile("  s:\n    A: x\n  condition: s\n", NULL, &a, NULL), VG_OK);
	assert_int_equal(compile("  s:\n    A: x\n  condition: s\n", NULL, &b, NULL), VG_OK);
	assert_int_equal(vg_rule_set_add_sigma(set, a, 400001, NULL), VG_OK);
	assert_int_equal(vg_rule_set_add_sigma(set, b, 400001, NULL), VG_EEXIST); /* b freed */
	vg_rule_set_destroy(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_wildcards),
		cmocka_unit_test(test_string_modifiers),
		cmocka_unit_test(test_re),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_other_modifiers),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_keywords_and_lists),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_rule_set),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
