/*
 * test_rules.c - unit tests of the rules module: loading and its errors,
 * the tree and sibling order, every condition kind, negate, CIDR, time and
 * weekday, frequency with same_srcip, if_matched_sid/group, ignore,
 * overwrite, noalert, lists, the Wazuh-compatibility fixes (overwrite keeps
 * the correlation search, nested if_matched_*, noalert values, invalid
 * if_sid, compiled rules, if_fts) and a load of the whole Wazuh ruleset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vigil/decoder.h"
#include "vigil/rule.h"
#include "vigil/xml.h"
#include "vg_test.h"

static const char templates[] =
    "<group name=\"syslog,\"><rule id=\"1\" level=\"0\" noalert=\"1\">"
    "<category>syslog</category><description>t</description></rule></group>\n"
    "<group name=\"firewall,\"><rule id=\"2\" level=\"0\" noalert=\"1\">"
    "<category>firewall</category><description>t</description></rule></group>\n";

struct fixture {
	struct vg_rule_set *set;
	struct vg_rule_state *st;
	struct vg_pattern_scratch *scr;
	struct vg_diag diag;
	struct vg_event ev;
};

/* Loads templates + xml, finishes; asserts success unless expect_err. */
static void fx_load(struct fixture *f, const char *xml, const char *list_path)
{
	memset(f, 0, sizeof(*f));
	vg_diag_init(&f->diag);
	assert_int_equal(vg_rule_set_create(&f->set), VG_OK);
	if (list_path)
		assert_int_equal(
		    vg_rule_set_add_list(f->set, "etc/lists/test", list_path, &f->diag), VG_OK);
	assert_int_equal(
	    vg_rule_set_load_buffer(f->set, templates, strlen(templates), "tpl.xml", &f->diag),
	    VG_OK);
	int rc = vg_rule_set_load_buffer(f->set, xml, strlen(xml), "test.xml", &f->diag);
	if (rc)
		vg_diag_print(&f->diag, stderr);
	assert_int_equal(rc, VG_OK);
	assert_int_equal(vg_rule_set_finish(f->set, &f->diag), VG_OK);
	assert_int_equal(vg_rule_state_create(f->set, &f->st), VG_OK);
	f->scr = vg_pattern_scratch_create();
	assert_int_equal(vg_event_init(&f->ev), VG_OK);
}

static void fx_free(struct fixture *f)
{
	vg_event_destroy(&f->ev);
	vg_pattern_scratch_destroy(f->scr);
	vg_rule_state_destroy(f->st);
	vg_rule_set_destroy(f->set);
	vg_diag_free(&f->diag);
}

/* Resets the event to a syslog line at time t. */
static void ev_reset(struct fixture *f, const char *log, time_t t)
{
	vg_event_reset(&f->ev);
	f->ev.log = f->ev.full_log = log;
	f->ev.location = "/var/log/auth.log";
	f->ev.agent_id = "000";
	f->ev.decoder_name = "sshd";
	f->ev.program_name = "sshd";
	f->ev.arrival.tv_sec = t;
}

static unsigned eval_id(struct fixture *f, struct vg_rule_result *res)
{
	const struct vg_rule *r = vg_rule_eval(f->set, f->st, &f->ev, f->scr, res);
	return r ? r->id : 0;
}

static void test_tree_and_order(void **state)
{
	(void)state;
	struct fixture f;
	fx_load(&f,
	        "<group name=\"sshd,\">"
	        "<rule id=\"100\" level=\"0\"><decoded_as>sshd</decoded_as>"
	        "<description>base</description></rule>"
	        "<rule id=\"101\" level=\"3\"><if_sid>100</if_sid><match>failed</match>"
	        "<description>low</description><group>auth_fail,pci_dss_10.2.4,gdpr_IV_35.7.d,"
	        "</group><mitre><id>T1110</id></mitre></rule>"
	        "<rule id=\"102\" level=\"8\"><if_sid>100</if_sid><match>failed</match>"
	        "<description>high</description></rule>"
	        "<rule id=\"103\" level=\"0\"><if_sid>100</if_sid><match>failed for root</match>"
	        "<description>quiet</description></rule>"
	        "<rule id=\"104\" level=\"5\"><if_group>auth_fail</if_group><match>admin</match>"
	        "<description>by group</description></rule>"
	        "</group>",
	        NULL);
	assert_int_equal(vg_rule_set_count(f.set), 7);
	const struct vg_rule *r101 = vg_rule_set_find(f.set, 101);
	assert_non_null(r101);
	/* groups keeps every group in order; compliance ones are also split out */
	assert_int_equal(r101->groups.n, 4);
	assert_string_equal(r101->groups.v[0], "sshd");
	assert_string_equal(r101->groups.v[1], "auth_fail");
	assert_string_equal(r101->groups.v[2], "pci_dss_10.2.4");
	assert_string_equal(r101->groups.v[3], "gdpr_IV_35.7.d");
	assert_string_equal(r101->compliance[VG_RC_PCI_DSS].v[0], "10.2.4");
	assert_string_equal(r101->compliance[VG_RC_GDPR].v[0], "IV_35.7.d");
	assert_string_equal(r101->mitre_ids.v[0], "T1110");
	assert_int_equal(r101->timeframe, 360);
	/* level 0 sibling first, then level 8 before level 3 */
	ev_reset(&f, "password failed for root", 1000);
	assert_int_equal(eval_id(&f, NULL), 103);
	ev_reset(&f, "password failed for bob", 1000);
	assert_int_equal(eval_id(&f, NULL), 102);
	ev_reset(&f, "hello", 1000);
	assert_int_equal(eval_id(&f, NULL), 100); /* parent itself, level 0 */
	f.ev.decoder_name = "other";
	assert_int_equal(eval_id(&f, NULL), 0); /* template is noalert */
	fx_free(&f);
}

static void test_if_group_and_level(void **state)
{
	(void)state;
	struct fixture f;
	fx_load(&f,
	        "<group name=\"a,\">"
	        "<rule id=\"200\" level=\"4\"><match>login</match><group>auth_fail,</group>"
	        "<description>x</description></rule>"
	        "<rule id=\"201\" level=\"6\"><if_group>auth_fail</if_group><user>admin</user>"
	        "<description>admin</description></rule>"
	        "<rule id=\"202\" level=\"12\"><if_level>6</if_level><srcip>10.0.0.0/8</srcip>"
	        "<description>internal</description></rule>"
	        "</group>",
	        NULL);
	ev_reset(&f, "login failed", 10);
	assert_int_equal(eval_id(&f, NULL), 200);
	f.ev.fixed[VG_F_DSTUSER] = "admin";
	assert_int_equal(eval_id(&f, NULL), 201);
	f.ev.fixed[VG_F_SRCIP] = "10.2.3.4";
	assert_int_equal(eval_id(&f, NULL), 202);
	f.ev.fixed[VG_F_SRCIP] = "11.2.3.4";
	assert_int_equal(eval_id(&f, NULL), 201);
	fx_free(&f);
}

static void test_field_checks(void **state)
{
	(void)state;
	struct fixture f;
	fx_load(&f,
	        "<group name=\"c,\">"
	        "<rule id=\"300\" level=\"3\"><program_name>^sshd$</program_name>"
	        "<regex>port \\d+</regex><action>DROP</action><field name=\"audit.key\">^exec$"
	        "</field><srcip>!192.168.0.0/16</srcip><dstport>22</dstport>"
	        "<status negate=\"yes\">ok</status><hostname type=\"pcre2\">^web[0-9]+$</hostname>"
	        "<description>all</description></rule>"
	        "</group>",
	        NULL);
	ev_reset(&f, "connect to port 22", 10);
	f.ev.fixed[VG_F_ACTION] = "DROP";
	vg_event_set(&f.ev, "audit.key", "exec");
	f.ev.fixed[VG_F_SRCIP] = "8.8.8.8";
	f.ev.fixed[VG_F_DSTPORT] = "22";
	f.ev.fixed[VG_F_STATUS] = "failure";
	f.ev.hostname = "web01";
	assert_int_equal(eval_id(&f, NULL), 300);
	f.ev.fixed[VG_F_ACTION] = "drop"; /* action is exact and case-sensitive */
	assert_int_equal(eval_id(&f, NULL), 0);
	f.ev.fixed[VG_F_ACTION] = "DROP";
	f.ev.fixed[VG_F_SRCIP] = "192.168.3.3"; /* negated network */
	assert_int_equal(eval_id(&f, NULL), 0);
	f.ev.fixed[VG_F_SRCIP] = "8.8.8.8";
	f.ev.fixed[VG_F_STATUS] = "ok"; /* negate="yes" */
	assert_int_equal(eval_id(&f, NULL), 0);
	f.ev.fixed[VG_F_STATUS] = NULL; /* missing field fails even with negate */
	assert_int_equal(eval_id(&f, NULL), 0);
	f.ev.fixed[VG_F_STATUS] = "failure";
	f.ev.hostname = "Web01"; /* pcre2 is case-sensitive */
	assert_int_equal(eval_id(&f, NULL), 0);
	f.ev.hostname = "web01";
	vg_event_set(&f.ev, "audit.key", "read");
	assert_int_equal(eval_id(&f, NULL), 0);
	vg_event_set(&f.ev, "audit.key", "exec");
	f.ev.log = "connect to port x";
	assert_int_equal(eval_id(&f, NULL), 0);
	fx_free(&f);
}

static void test_time_weekday(void **state)
{
	(void)state;
	struct fixture f;
	fx_load(&f,
	        "<group name=\"t,\">"
	        "<rule id=\"400\" level=\"3\"><match>x</match><time>6 pm - 8:30 am</time>"
	        "<description>night</description></rule>"
	        "<rule id=\"401\" level=\"2\"><match>x</match><weekday>weekends</weekday>"
	        "<description>weekend</description></rule>"
	        "</group>",
	        NULL);
	/* 2024-01-06 is a Saturday; TZ=UTC is set in main(). */
	time_t sat_noon = 1704542400, sat_night = sat_noon + 8 * 3600;
	time_t mon_noon = sat_noon + 2 * 86400, mon_early = mon_noon - 5 * 3600;
	ev_reset(&f, "x", sat_noon);
	assert_int_equal(eval_id(&f, NULL), 401);
	ev_reset(&f, "x", sat_night);
	assert_int_equal(eval_id(&f, NULL), 400);
	ev_reset(&f, "x", mon_noon);
	assert_int_equal(eval_id(&f, NULL), 0);
	ev_reset(&f, "x", mon_early); /* 07:00 */
	assert_int_equal(eval_id(&f, NULL), 400);
	fx_free(&f);
}

static void test_frequency_same_srcip(void **state)
{
	(void)state;
	struct fixture f;
	fx_load(&f,
	        "<group name=\"f,\">"
	        "<rule id=\"500\" level=\"5\"><match>fail</match><group>authentication_failed,"
	        "</group><description>fail</description></rule>"
	        "<rule id=\"501\" level=\"10\" frequency=\"3\" timeframe=\"60\">"
	        "<if_matched_sid>500</if_matched_sid><same_source_ip />"
	        "<description>brute</description></rule>"
	        "<rule id=\"502\" level=\"11\" frequency=\"4\" timeframe=\"60\">"
	        "<if_matched_group>authentication_failed</if_matched_group>"
	        "<description>group brute</description></rule>"
	        "</group>",
	        NULL);
	struct vg_rule_result res;
	const char *ips[] = { "1.1.1.1", "2.2.2.2", "1.1.1.1", "1.1.1.1" };
	unsigned want[] = { 500, 500, 500, 501 };
	for (int i = 0; i < 4; i++) {
		ev_reset(&f, "login fail", 100 + i);
		f.ev.fixed[VG_F_SRCIP] = ips[i];
		assert_int_equal(eval_id(&f, &res), want[i]);
	}
	assert_int_equal(res.nprev, 2);
	assert_int_equal(res.firedtimes, 1);
	/* Outside the timeframe: starts over. */
	ev_reset(&f, "login fail", 1000);
	f.ev.fixed[VG_F_SRCIP] = "1.1.1.1";
	assert_int_equal(eval_id(&f, &res), 500);
	assert_int_equal(res.firedtimes, 4);
	fx_free(&f);
}

static void test_if_matched_group(void **state)
{
	(void)state;
	struct fixture f;
	fx_load(&f,
	        "<group name=\"g,\">"
	        "<rule id=\"600\" level=\"5\"><match>fail</match><group>authentication_failed,"
	        "</group><description>fail</description></rule>"
	        "<rule id=\"601\" level=\"11\" frequency=\"3\" timeframe=\"60\">"
	        "<if_matched_group>authentication_failed</if_matched_group><same_user />"
	        "<description>group brute</description></rule>"
	        "</group>",
	        NULL);
	for (int i = 0; i < 3; i++) {
		ev_reset(&f, "login fail", 100 + i);
		f.ev.fixed[VG_F_DSTUSER] = "bob";
		assert_int_equal(eval_id(&f, NULL), i < 2 ? 600 : 601);
	}
	/* The next one must not fire again from the same, already used events. */
	ev_reset(&f, "login fail", 104);
	f.ev.fixed[VG_F_DSTUSER] = "bob";
	assert_int_equal(eval_id(&f, NULL), 600);
	fx_free(&f);
}

static void test_ignore_overwrite_noalert(void **state)
{
	(void)state;
	struct fixture f;
	fx_load(
	    &f,
	    "<group name=\"i,\">"
	    "<rule id=\"700\" level=\"3\"><match>svc</match><description>p</description></rule>"
	    "<rule id=\"701\" level=\"7\" ignore=\"60\"><if_sid>700</if_sid><match>restart</match>"
	    "<description>restart</description></rule>"
	    "<rule id=\"702\" level=\"9\" noalert=\"1\"><if_sid>700</if_sid><match>svc</match>"
	    "<description>silent</description></rule>"
	    "<rule id=\"703\" level=\"4\"><if_sid>700</if_sid><match>stop</match>"
	    "<description>stop</description></rule>"
	    "<rule id=\"703\" level=\"6\" overwrite=\"yes\"><if_sid>700</if_sid>"
	    "<match>halt</match><description>halt</description></rule>"
	    "</group>",
	    NULL);
	ev_reset(&f, "svc restart", 100);
	assert_int_equal(eval_id(&f, NULL), 701);
	ev_reset(&f, "svc restart", 130); /* within ignore: falls back to parent */
	assert_int_equal(eval_id(&f, NULL), 700);
	ev_reset(&f, "svc restart", 200);
	assert_int_equal(eval_id(&f, NULL), 701);
	ev_reset(&f, "svc halt", 300); /* noalert 702 matches but siblings go on */
	assert_int_equal(eval_id(&f, NULL), 703);
	assert_int_equal(vg_rule_set_find(f.set, 703)->level, 6);
	assert_true(vg_rule_set_find(f.set, 703)->overwritten);
	ev_reset(&f, "svc stop", 300);
	assert_int_equal(eval_id(&f, NULL), 700);
	fx_free(&f);
}

static void test_lists(void **state)
{
	(void)state;
	char path[] = "/tmp/vg_test_list_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char body[] = "eve:admin\n10.1.:net\n";
	assert_int_equal(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
	close(fd);
	struct fixture f;
	fx_load(
	    &f,
	    "<group name=\"l,\">"
	    "<rule id=\"800\" level=\"3\"><match>x</match><description>p</description></rule>"
	    "<rule id=\"801\" level=\"6\"><if_sid>800</if_sid>"
	    "<list field=\"user\" lookup=\"match_key_value\" check_value=\"^admin\">"
	    "etc/lists/test</list><description>admin user</description></rule>"
	    "<rule id=\"802\" level=\"5\"><if_sid>800</if_sid>"
	    "<list field=\"srcip\" lookup=\"address_match_key\">etc/lists/test</list>"
	    "<description>listed net</description></rule>"
	    "<rule id=\"803\" level=\"5\"><if_sid>800</if_sid>"
	    "<list field=\"srcip\">etc/lists/undeclared</list><description>s</description></rule>"
	    "</group>",
	    path);
	assert_null(vg_rule_set_find(f.set, 803)); /* skipped with a warning */
	assert_true(f.diag.warnings >= 1);
	ev_reset(&f, "x", 1);
	f.ev.fixed[VG_F_SRCUSER] = "eve";
	assert_int_equal(eval_id(&f, NULL), 801);
	f.ev.fixed[VG_F_SRCUSER] = "mallory";
	f.ev.fixed[VG_F_SRCIP] = "10.1.9.9";
	assert_int_equal(eval_id(&f, NULL), 802);
	f.ev.fixed[VG_F_SRCIP] = "10.2.9.9";
	assert_int_equal(eval_id(&f, NULL), 800);
	fx_free(&f);
	unlink(path);
}

static void expect_error(const char *xml, const char *needle, unsigned line)
{
	struct vg_rule_set *set;
	struct vg_diag d;
	vg_diag_init(&d);
	assert_int_equal(vg_rule_set_create(&set), VG_OK);
	assert_int_equal(vg_rule_set_load_buffer(set, xml, strlen(xml), "bad.xml", &d), VG_EPARSE);
	assert_true(d.errors >= 1);
	assert_non_null(strstr(d.msgs[0].text, needle));
	assert_string_equal(d.msgs[0].file, "bad.xml");
	assert_int_equal(d.msgs[0].line, line);
	vg_rule_set_destroy(set);
	vg_diag_free(&d);
}

static void test_load_errors(void **state)
{
	(void)state;
	expect_error("<group name=\"x\">\n<rule id=\"5000\" level=\"3\">\n<bogus>1</bogus>\n"
	             "</rule></group>",
	             "unknown element <bogus>", 3);
	expect_error("<group name=\"x\">\n<rule level=\"3\"><match>a</match></rule></group>",
	             "missing id", 2);
	expect_error("<group name=\"x\">\n\n<rule id=\"1\" level=\"17\"></rule></group>",
	             "invalid level", 3);
	expect_error("<group name=\"x\">\n<rule id=\"1\" level=\"1\">\n<regex>a\\q</regex>"
	             "</rule></group>",
	             "bad pattern 'a\\q'", 3);
	expect_error("<group name=\"x\"><rule id=\"1234567\" level=\"1\"></rule></group>",
	             "invalid id", 1);
	/* unknown if_sid parent: a warning, as in Wazuh */
	struct vg_rule_set *set;
	struct vg_diag d;
	vg_diag_init(&d);
	assert_int_equal(vg_rule_set_create(&set), VG_OK);
	const char *xml = "<group name=\"x\"><rule id=\"900\" level=\"3\"><if_sid>899</if_sid>"
	                  "</rule></group>";
	assert_int_equal(vg_rule_set_load_buffer(set, xml, strlen(xml), "w.xml", &d), VG_OK);
	assert_int_equal(vg_rule_set_finish(set, &d), VG_OK);
	assert_int_equal(d.errors, 0);
	assert_true(d.warnings >= 1);
	assert_int_equal(vg_rule_set_load_buffer(set, xml, strlen(xml), "w.xml", &d), VG_EINVAL);
	vg_rule_set_destroy(set);
	vg_diag_free(&d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_full_ruleset(void **state)
{
	(void)state;
	char dir[4096], path[8192];
	vg_test_require_data(dir, sizeof(dir), "wazuh-ruleset/rules");
	char lists[4096];
	vg_test_require_data(lists, sizeof(lists), "wazuh-ruleset/lists");
	struct vg_rule_set *set;
	struct vg_diag d;
	vg_diag_init(&d);
	assert_int_equal(vg_rule_set_create(&set), VG_OK);
	/* The lists Wazuh's default ossec.conf declares. */
	static const char *const decl[] = { "audit-keys",
		                            "amazon/aws-eventnames",
		                            "security-eventchannel",
		                            "malicious-ioc/malware-hashes",
		                            "malicious-ioc/malicious-ip",
		                            "malicious-ioc/malicious-domains" };
	for (size_t i = 0; i < sizeof(decl) / sizeof(decl[0]); i++) {
		char name[256];
		snprintf(name, sizeof(name), "etc/lists/%s", decl[i]);
		snprintf(path, sizeof(path), "%s/%s", lists, decl[i]);
		assert_int_equal(vg_rule_set_add_list(set, name, path, &d), VG_OK);
	}
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	char *names[1024];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dp)) && n < 1024) {
		size_t l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".xml") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		int rc = vg_rule_set_load_file(set, path, &d);
		if (rc)
			printf("load %s: %s\n", names[i], vg_strerror(rc));
		free(names[i]);
	}
	assert_int_equal(vg_rule_set_finish(set, &d), VG_OK);
	if (d.errors)
		vg_diag_print(&d, stdout);
	else
		for (size_t i = 0; i < d.count; i++)
			printf("warning: %s:%u: %s\n", d.msgs[i].file ? d.msgs[i].file : "",
			       d.msgs[i].line, d.msgs[i].text);
	printf("files: %zu, rules: %zu, errors: %zu, warnings: %zu (Wazuh: 4,512 rules)\n", n,
	       vg_rule_set_count(set), d.errors, d.warnings);
	assert_int_equal(d.errors, 0);
	assert_true(vg_rule_set_count(set) > 4000);
	const struct vg_rule *r = vg_rule_set_find(set, 5710);
	assert_non_null(r);
	assert_int_equal(r->level, 5);
	/* Evaluate one sshd line end to end through the tree. */
	struct vg_rule_state *st;
	assert_int_equal(vg_rule_state_create(set, &st), VG_OK);
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	ev.log = ev.full_log = "Failed password for invalid user admin from 1.2.3.4 port 22 ssh2";
	ev.location = "/var/log/auth.log";
	ev.agent_id = "000";
	ev.program_name = "sshd";
	ev.decoder_name = "sshd";
	ev.fixed[VG_F_SRCIP] = "1.2.3.4";
	ev.fixed[VG_F_DSTUSER] = "admin";
	ev.arrival.tv_sec = 1000;
	struct vg_pattern_scratch *scr = vg_pattern_scratch_create();
	const struct vg_rule *m = vg_rule_eval(set, st, &ev, scr, NULL);
	assert_non_null(m);
	printf("sshd invalid user -> rule %u level %d\n", m->id, m->level);
	assert_int_equal(m->id, 5710);
	vg_pattern_scratch_destroy(scr);
	vg_event_destroy(&ev);
	vg_rule_state_destroy(st);
	vg_rule_set_destroy(set);
	vg_diag_free(&d);
}

/* True when diag holds a message containing text. */
static bool diag_has(const struct vg_diag *d, const char *text)
{
	for (size_t i = 0; i < d->count; i++)
		if (strstr(d->msgs[i].text, text))
			return true;
	return false;
}

/* overwrite="yes" keeps the original if_matched_sid / if_matched_group
 * search but takes the new level (Wazuh's overwrite.ini). */
static void test_overwrite_keeps_search(void **state)
{
	(void)state;
	struct fixture f;
	fx_load(&f,
	        "<group name=\"ow,\">"
	        "<rule id=\"910\" level=\"0\"><decoded_as>sshd</decoded_as>"
	        "<description>base</description></rule>"
	        "<rule id=\"913\" level=\"7\"><if_sid>910</if_sid><match>TEST 2</match>"
	        "<description>p</description></rule>"
	        "<rule id=\"914\" level=\"10\" frequency=\"3\" timeframe=\"120\">"
	        "<if_matched_sid>913</if_matched_sid><description>f</description></rule>"
	        "<rule id=\"914\" level=\"12\" frequency=\"3\" timeframe=\"120\" overwrite=\"yes\">"
	        "<if_matched_sid>910</if_matched_sid><description>ow</description></rule>"
	        "<rule id=\"916\" level=\"7\"><if_sid>910</if_sid><match>TEST 3</match>"
	        "<group>my_group</group><description>p</description></rule>"
	        "<rule id=\"917\" level=\"10\" frequency=\"3\" timeframe=\"120\">"
	        "<if_matched_group>my_group</if_matched_group><description>f</description></rule>"
	        "<rule id=\"917\" level=\"12\" frequency=\"3\" timeframe=\"120\" overwrite=\"yes\">"
	        "<if_matched_group>invalid_group</if_matched_group><description>ow</description>"
	        "</rule></group>",
	        NULL);
	assert_true(diag_has(&f.diag, "if_matched_sid"));
	assert_true(diag_has(&f.diag, "if_matched_group"));
	const unsigned want_sid[] = { 913, 913, 914 }, want_group[] = { 916, 916, 917 };
	for (int i = 0; i < 3; i++) {
		ev_reset(&f, "TEST 2 - Parent rule", 100 + i);
		assert_int_equal(eval_id(&f, NULL), want_sid[i]);
	}
	assert_int_equal(vg_rule_set_find(f.set, 914)->level, 12);
	for (int i = 0; i < 3; i++) {
		ev_reset(&f, "TEST 3 - Parent rule", 200 + i);
		assert_int_equal(eval_id(&f, NULL), want_group[i]);
	}
	fx_free(&f);
}

/* A chain of if_matched_sid rules without frequency: a single earlier event
 * is not marked as used, so each level fires in turn (test_features.ini). */
static void test_nested_if_matched(void **state)
{
	(void)state;
	struct fixture f;
	fx_load(
	    &f,
	    "<group name=\"n,\">"
	    "<rule id=\"280\" level=\"3\"><match>Deny</match><group>g1,</group>"
	    "<description>a</description></rule>"
	    "<rule id=\"281\" level=\"5\" timeframe=\"3600\"><if_matched_sid>280</if_matched_sid>"
	    "<description>b</description></rule>"
	    "<rule id=\"282\" level=\"7\" timeframe=\"3600\"><if_matched_sid>281</if_matched_sid>"
	    "<description>c</description></rule>"
	    "<rule id=\"283\" level=\"3\"><match>Drop</match><group>g1x,</group>"
	    "<description>a</description></rule>"
	    "<rule id=\"284\" level=\"5\" timeframe=\"3600\">"
	    "<if_matched_group>g1x</if_matched_group><group>g2x,</group>"
	    "<description>b</description></rule>"
	    "<rule id=\"285\" level=\"7\" timeframe=\"3600\">"
	    "<if_matched_group>g2x</if_matched_group><description>c</description></rule>"
	    "</group>",
	    NULL);
	const unsigned want_sid[] = { 280, 281, 282 }, want_group[] = { 283, 284, 285 };
	for (int i = 0; i < 3; i++) {
		ev_reset(&f, "status Deny", 10 + i);
		assert_int_equal(eval_id(&f, NULL), want_sid[i]);
	}
	for (int i = 0; i < 3; i++) {
		ev_reset(&f, "status Drop", 20 + i);
		assert_int_equal(eval_id(&f, NULL), want_group[i]);
	}
	fx_free(&f);
}

/* noalert takes only 0 or 1; an if_sid with other characters skips the rule. */
static void test_noalert_value_and_bad_if_sid(void **state)
{
	(void)state;
	struct fixture f;
	fx_load(
	    &f,
	    "<group name=\"x,\">"
	    "<rule id=\"273\" level=\"3\" noalert=\"1\"><match>noalert=1</match>"
	    "<description>a</description></rule>"
	    "<rule id=\"274\" level=\"3\" noalert=\"0\"><match>noalert=0</match>"
	    "<description>b</description></rule>"
	    "<rule id=\"275\" level=\"3\"><match>wrong</match><description>c</description></rule>"
	    "<rule id=\"276\" level=\"3\"><if_sid>275|1</if_sid><description>d</description>"
	    "</rule></group>",
	    NULL);
	assert_null(vg_rule_set_find(f.set, 276));
	assert_true(diag_has(&f.diag, "invalid if_sid"));
	ev_reset(&f, "Test noalert=1", 10);
	assert_int_equal(eval_id(&f, NULL), 0);
	ev_reset(&f, "Test noalert=0", 10);
	assert_int_equal(eval_id(&f, NULL), 274);
	ev_reset(&f, "Test wrong ifsid", 10);
	assert_int_equal(eval_id(&f, NULL), 275);
	fx_free(&f);
}

/* <compiled_rule> is_simple_http_request / is_valid_crawler; unknown names
 * load with a warning and never match. */
static void test_compiled_rules(void **state)
{
	(void)state;
	struct fixture f;
	fx_load(
	    &f,
	    "<group name=\"web,\">"
	    "<rule id=\"300\" level=\"0\"><match>HTTP</match><description>a</description></rule>"
	    "<rule id=\"308\" level=\"0\"><if_sid>300</if_sid><id>^2|^3</id>"
	    "<compiled_rule>is_simple_http_request</compiled_rule>"
	    "<description>simple</description></rule>"
	    "<rule id=\"301\" level=\"5\"><if_sid>300</if_sid><id>^4</id>"
	    "<description>400</description></rule>"
	    "<rule id=\"340\" level=\"0\"><if_sid>301</if_sid>"
	    "<compiled_rule> is_valid_crawler </compiled_rule>"
	    "<description>bot</description></rule>"
	    "<rule id=\"341\" level=\"0\"><if_sid>301</if_sid>"
	    "<compiled_rule>no_such_function</compiled_rule><description>x</description>"
	    "</rule></group>",
	    NULL);
	assert_true(diag_has(&f.diag, "no_such_function"));
	assert_false(diag_has(&f.diag, "is_simple_http_request"));
	ev_reset(&f, "10.0.0.5 GET /index.html HTTP/1.1 200", 10);
	f.ev.fixed[VG_F_ID] = "200";
	f.ev.fixed[VG_F_URL] = "/index.html";
	assert_int_equal(eval_id(&f, NULL), 308);
	f.ev.fixed[VG_F_URL] = "/search?q=1";
	assert_int_equal(eval_id(&f, NULL), 300);
	ev_reset(&f, "66.249.1.1 GET /x HTTP/1.1 404", 10);
	f.ev.fixed[VG_F_ID] = "404";
	assert_int_equal(eval_id(&f, NULL), 340);
	ev_reset(&f, "10.0.0.5 GET /x HTTP/1.1 404", 10);
	f.ev.fixed[VG_F_ID] = "404";
	assert_int_equal(eval_id(&f, NULL), 301);
	fx_free(&f);
}

/* if_fts needs a decoder with <fts>; the key is its name and fts fields. */
static void test_if_fts(void **state)
{
	(void)state;
	static const char dec_xml[] = "<decoder name=\"withfts\"><prematch>^fts </prematch>"
	                              "<regex>user (\\w+)</regex><order>srcuser</order>"
	                              "<fts>name, srcuser</fts></decoder>\n"
	                              "<decoder name=\"nofts\"><prematch>^plain </prematch>"
	                              "</decoder>\n";
	struct vg_decoder_set *ds = NULL;
	struct vg_xml_doc *doc = NULL;
	struct fixture f;
	fx_load(&f,
	        "<group name=\"f,\">"
	        "<rule id=\"400\" level=\"3\"><match>user</match><description>a</description>"
	        "</rule><rule id=\"401\" level=\"3\"><if_sid>400</if_sid><if_fts />"
	        "<description>first</description></rule></group>",
	        NULL);
	assert_int_equal(vg_decoder_set_create(&ds), VG_OK);
	assert_int_equal(vg_xml_parse_buffer(dec_xml, strlen(dec_xml), "d.xml", &doc, &f.diag),
	                 VG_OK);
	assert_int_equal(vg_decoder_set_load_doc(ds, doc, &f.diag), VG_OK);
	assert_int_equal(vg_decoder_set_finish(ds, &f.diag), VG_OK);
	const char *lines[] = { "fts user bob", "fts user bob", "fts user amy", "plain user bob" };
	const unsigned want[] = { 401, 400, 401, 400 };
	for (int i = 0; i < 4; i++) {
		ev_reset(&f, lines[i], 10 + i);
		f.ev.program_name = NULL;
		assert_int_equal(vg_decode(ds, &f.ev, f.scr), VG_OK);
		assert_int_equal(eval_id(&f, NULL), want[i]);
	}
	vg_xml_doc_destroy(doc);
	vg_decoder_set_destroy(ds);
	fx_free(&f);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_and_order),
		cmocka_unit_test(test_if_group_and_level),
		cmocka_unit_test(test_field_checks),
		cmocka_unit_test(test_time_weekday),
		cmocka_unit_test(test_frequency_same_srcip),
		cmocka_unit_test(test_if_matched_group),
		cmocka_unit_test(test_ignore_overwrite_noalert),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_overwrite_keeps_search),
		cmocka_unit_test(test_nested_if_matched),
		cmocka_unit_test(test_noalert_value_and_bad_if_sid),
		cmocka_unit_test(test_compiled_rules),
		cmocka_unit_test(test_if_fts),
		cmocka_unit_test(test_full_ruleset), /* last: skips the rest without data */
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
