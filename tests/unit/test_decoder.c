/*
 * test_decoder.c - unit tests of the decoder module: loading and checking
 * <decoder> elements, Wazuh's matching order (program-name lists, children,
 * siblings, offsets), the JSON plugin, and the whole stock ruleset.
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

#include "decode/decoder_cache.h"
#include "vg_test.h"
#include "vigil/decoder.h"
#include "vigil/event.h"
#include "vigil/predecode.h"
#include "vigil/xml.h"

/* Loads decoders from an XML string; the diag keeps the messages. */
static struct vg_decoder_set *load_str(const char *xml, struct vg_diag *diag, int *rc_out)
{
	struct vg_xml_doc *doc = NULL;
	struct vg_decoder_set *set = NULL;
	assert_int_equal(vg_xml_parse_buffer(xml, strlen(xml), "inline.xml", &doc, diag), VG_OK);
	assert_int_equal(vg_decoder_set_create(&set), VG_OK);
	int rc = vg_decoder_set_load_doc(set, doc, diag);
	if (rc_out)
		*rc_out = rc;
	vg_xml_doc_destroy(doc);
	assert_int_equal(vg_decoder_set_finish(set, diag), VG_OK);
	return set;
}

/* Loads xml that must have no errors. */
static struct vg_decoder_set *load_ok(const char *xml)
{
	struct vg_diag diag;
	vg_diag_init(&diag);
	int rc;
	struct vg_decoder_set *set = load_str(xml, &diag, &rc);
	if (diag.errors)
		vg_diag_print(&diag, stderr);
	assert_int_equal(diag.errors, 0);
	assert_int_equal(rc, VG_OK);
	vg_diag_free(&diag);
	return set;
}

/* Decodes a log with an optional program name (no pre-decoder involved). */
static void decode(const struct vg_decoder_set *set, struct vg_event *ev, const char *pname,
                   const char *log)
{
	vg_event_reset(ev);
	ev->full_log = log;
	ev->log = log;
	ev->program_name = pname;
	assert_int_equal(vg_decode(set, ev, NULL), VG_OK);
}

static const char *fixed(const struct vg_event *ev, enum vg_fixed f)
{
	return ev->fixed[f];
}

static void test_basic_regex_order(void **state)
{
	(void)state;
	struct vg_decoder_set *set =
	    load_ok("<decoder name=\"fw\">\n"
	            "  <prematch>^FW: </prematch>\n"
	            "  <regex offset=\"after_prematch\">^(\\S+) (\\d+.\\d+.\\d+.\\d+):(\\d+) "
	            "(\\w+)</regex>\n"
	            "  <order>action, srcip,srcport, rulename</order>\n"
	            "  <type>firewall</type>\n"
	            "</decoder>\n");
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	assert_int_equal(vg_decoder_set_count(set), 1);

	decode(set, &ev, NULL, "FW: DROP 10.1.2.3:443 r17 trailing");
	assert_string_equal(ev.decoder_name, "fw");
	assert_string_equal(ev.decoder_parent, "fw");
	assert_int_equal(ev.decoder_type, VG_DT_FIREWALL);
	assert_string_equal(fixed(&ev, VG_F_ACTION), "DROP");
	assert_string_equal(fixed(&ev, VG_F_SRCIP), "10.1.2.3");
	assert_string_equal(fixed(&ev, VG_F_SRCPORT), "443");
	assert_string_equal(vg_event_get(&ev, "rulename"), "r17");

	/* Prematch is anchored: no decoder. */
	decode(set, &ev, NULL, "xFW: DROP 10.1.2.3:443 r17");
	assert_null(ev.decoder_name);
	assert_null(ev.decoder);

	/* An event with a program name only sees program_name decoders. */
	decode(set, &ev, "kernel", "FW: DROP 10.1.2.3:443 r17");
	assert_null(ev.decoder_name);

	vg_event_destroy(&ev);
	vg_decoder_set_destroy(set);
}

static void test_program_name_lists(void **state)
{
	(void)state;
	struct vg_decoder_set *set = load_ok("<decoder name=\"sshd\">\n"
	                                     "  <program_name>^sshd$</program_name>\n"
	                                     "</decoder>\n"
	                                     "<decoder name=\"anyprog\">\n"
	                                     "  <program_name>cron|at</program_name>\n"
	                                     "  <prematch>^job </prematch>\n"
	                                     "</decoder>\n"
	                                     "<decoder name=\"noprog\">\n"
	                                     "  <prematch>^job </prematch>\n"
	                                     "</decoder>\n");
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	decode(set, &ev, "SSHD", "whatever");
	assert_string_equal(ev.decoder_name, "sshd"); /* OS_Match is case-insensitive */
	decode(set, &ev, "sshd2", "whatever");
	assert_null(ev.decoder_name);
	decode(set, &ev, "crond", "job 1");
	assert_string_equal(ev.decoder_name, "anyprog");
	decode(set, &ev, "crond", "nojob 1");
	assert_null(ev.decoder_name);
	decode(set, &ev, NULL, "job 1");
	assert_string_equal(ev.decoder_name, "noprog");
	vg_event_destroy(&ev);
	vg_decoder_set_destroy(set);
}

static const char family_xml[] = "<decoder name=\"app\">\n"
                                 "  <prematch>^app: </prematch>\n"
                                 "  <regex>^app: (\\w+)</regex>\n"
                                 "  <order>parentfield</order>\n"
                                 "</decoder>\n"
                                 "<decoder name=\"app-login\">\n"
                                 "  <parent>app</parent>\n"
                                 "  <prematch offset=\"after_parent\">^login </prematch>\n"
                                 "  <regex offset=\"after_prematch\">^user (\\w+)</regex>\n"
                                 "  <order>user</order>\n"
                                 "</decoder>\n"
                                 "<decoder name=\"app-logout\">\n"
                                 "  <parent>app</parent>\n"
                                 "  <use_own_name>true</use_own_name>\n"
                                 "  <prematch>logout</prematch>\n"
                                 "  <regex>logout (\\w+)</regex>\n"
                                 "  <order>srcuser</order>\n"
                                 "  <type>ids</type>\n"
                                 "</decoder>\n"
                                 "<decoder name=\"app2\">\n"
                                 "  <prematch>^app: </prematch>\n"
                                 "</decoder>\n"
                                 "<decoder name=\"other\">\n"
                                 "  <prematch>^other </prematch>\n"
                                 "</decoder>\n"
                                 "<decoder name=\"other-any\">\n"
                                 "  <parent>other</parent>\n"
                                 "  <regex>^other (\\w+)</regex>\n"
                                 "  <order>extra_data</order>\n"
                                 "</decoder>\n"
                                 "<decoder name=\"other-never\">\n"
                                 "  <parent>other</parent>\n"
                                 "  <prematch>^other </prematch>\n"
                                 "  <regex>^other (\\w+)</regex>\n"
                                 "  <order>data</order>\n"
                                 "</decoder>\n";

static void test_children(void **state)
{
	(void)state;
	struct vg_decoder_set *set = load_ok(family_xml);
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	assert_int_equal(vg_decoder_set_count(set), 7);

	/* First child whose prematch (after the parent's) matches; reported as the parent. */
	decode(set, &ev, NULL, "app: login user alice");
	assert_string_equal(ev.decoder_name, "app");
	assert_string_equal(ev.decoder_parent, "app");
	assert_string_equal(vg_decoder_name(ev.decoder), "app-login");
	assert_string_equal(vg_decoder_parent_name(ev.decoder), "app");
	assert_string_equal(fixed(&ev, VG_F_DSTUSER), "alice");
	/* The parent's own regex does not run when it has children. */
	assert_null(vg_event_get(&ev, "parentfield"));

	/* use_own_name, and the child's type. */
	decode(set, &ev, NULL, "app: something logout bob");
	assert_string_equal(ev.decoder_name, "app-logout");
	assert_int_equal(ev.decoder_type, VG_DT_IDS);
	assert_string_equal(fixed(&ev, VG_F_SRCUSER), "bob");

	/* No child matched: decoded as the parent, no fields, no fallback to app2. */
	decode(set, &ev, NULL, "app: nothing here");
	assert_string_equal(ev.decoder_name, "app");
	assert_ptr_equal(ev.decoder, vg_decoder_set_find(set, "app"));
	assert_int_equal(ev.ndyn, 0);
	for (int f = 0; f < VG_F_COUNT; f++)
		assert_null(ev.fixed[f]);

	/* A child without prematch is chosen at once, even before a matching one. */
	decode(set, &ev, NULL, "other thing");
	assert_string_equal(vg_decoder_name(ev.decoder), "other-any");
	assert_string_equal(fixed(&ev, VG_F_EXTRA_DATA), "thing");
	assert_null(fixed(&ev, VG_F_DATA));

	vg_event_destroy(&ev);
	vg_decoder_set_destroy(set);
}

static void test_siblings_and_after_regex(void **state)
{
	(void)state;
	struct vg_decoder_set *set = load_ok("<decoder name=\"kv\">\n"
	                                     "  <prematch>^kv: </prematch>\n"
	                                     "</decoder>\n"
	                                     "<decoder name=\"kv-f\">\n"
	                                     "  <parent>kv</parent>\n"
	                                     "  <regex>a=(\\w+)</regex>\n"
	                                     "  <order>a</order>\n"
	                                     "</decoder>\n"
	                                     "<decoder name=\"kv-f\">\n"
	                                     "  <parent>kv</parent>\n"
	                                     "  <regex offset=\"after_regex\">^ b=(\\w+)</regex>\n"
	                                     "  <order>b</order>\n"
	                                     "</decoder>\n"
	                                     "<decoder name=\"kv-f\">\n"
	                                     "  <parent>kv</parent>\n"
	                                     "  <regex>c=(\\w+)</regex>\n"
	                                     "  <order>c</order>\n"
	                                     "</decoder>\n"
	                                     "<decoder name=\"kv-f\">\n"
	                                     "  <parent>kv</parent>\n"
	                                     "  <regex>d=(\\w+)</regex>\n"
	                                     "  <order>d</order>\n"
	                                     "</decoder>\n");
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	decode(set, &ev, NULL, "kv: a=1 b=2 c=3 d=4");
	assert_string_equal(ev.decoder_name, "kv");
	assert_string_equal(vg_event_get(&ev, "a"), "1");
	assert_string_equal(vg_event_get(&ev, "b"), "2");
	assert_string_equal(vg_event_get(&ev, "c"), "3");
	assert_string_equal(vg_event_get(&ev, "d"), "4");

	/* after_regex starts after the previous match: "b=" is not right there. */
	decode(set, &ev, NULL, "kv: a=1 x b=2 d=4");
	assert_string_equal(vg_event_get(&ev, "a"), "1");
	assert_null(vg_event_get(&ev, "b"));
	/* A failing middle sibling is skipped; the chain goes on. */
	assert_null(vg_event_get(&ev, "c"));
	assert_string_equal(vg_event_get(&ev, "d"), "4");

	/* The last sibling failing ends decoding, earlier fields stay. */
	decode(set, &ev, NULL, "kv: a=1 b=2 c=3");
	assert_string_equal(vg_event_get(&ev, "c"), "3");
	assert_null(vg_event_get(&ev, "d"));
	vg_event_destroy(&ev);
	vg_decoder_set_destroy(set);
}

static void test_repeated_elements_concatenate(void **state)
{
	(void)state;
	struct vg_decoder_set *set = load_ok("<decoder name=\"cat\">\n"
	                                     "  <prematch>^one|</prematch>\n"
	                                     "  <prematch>^two</prematch>\n"
	                                     "  <regex>^(\\w+) </regex>\n"
	                                     "  <regex>(\\w+)$</regex>\n"
	                                     "  <order>first, last</order>\n"
	                                     "</decoder>\n");
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	decode(set, &ev, NULL, "two words");
	assert_string_equal(ev.decoder_name, "cat");
	assert_string_equal(vg_event_get(&ev, "first"), "two");
	assert_string_equal(vg_event_get(&ev, "last"), "words");
	decode(set, &ev, NULL, "one x");
	assert_string_equal(ev.decoder_name, "cat");
	decode(set, &ev, NULL, "three x");
	assert_null(ev.decoder_name);
	vg_event_destroy(&ev);
	vg_decoder_set_destroy(set);
}

static void test_pcre2_and_typed_program_name(void **state)
{
	(void)state;
	struct vg_decoder_set *set =
	    load_ok("<decoder name=\"p\">\n"
	            "  <program_name type=\"pcre2\">^svc-[0-9]+$</program_name>\n"
	            "</decoder>\n"
	            "<decoder name=\"p-child\">\n"
	            "  <parent>p</parent>\n"
	            "  <prematch type=\"pcre2\">^Status </prematch>\n"
	            "  <regex type=\"pcre2\">^Status (\\d{3}) (\\w+)</regex>\n"
	            "  <order>status, word</order>\n"
	            "</decoder>\n");
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	decode(set, &ev, "svc-12", "Status 404 missing");
	assert_string_equal(ev.decoder_name, "p");
	assert_string_equal(vg_decoder_name(ev.decoder), "p-child");
	decode(set, &ev, "svc-x", "Status 404 missing");
	assert_null(ev.decoder_name);
	/* PCRE2 is case-sensitive: the child's prematch fails. */
	decode(set, &ev, "svc-1", "status 404 missing");
	assert_string_equal(vg_decoder_name(ev.decoder), "p");
	vg_event_destroy(&ev);
	vg_decoder_set_destroy(set);
}

/* Returns true when some diag message has the line and contains text. */
static bool diag_has(const struct vg_diag *d, unsigned line, const char *text)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->msgs[i].line == line && strstr(d->msgs[i].text, text) && d->msgs[i].file &&
		    strcmp(d->msgs[i].file, "inline.xml") == 0)
			return true;
	return false;
}

static void test_load_errors(void **state)
{
	(void)state;
	struct vg_diag diag;
	vg_diag_init(&diag);
	int rc;
	struct vg_decoder_set *set =
	    load_str("<decoder>\n" /* 1: no name */
	             "  <prematch>x</prematch>\n"
	             "</decoder>\n"
	             "<decoder name=\"noorder\">\n" /* 4 */
	             "  <prematch>x</prematch>\n"
	             "  <regex>(x)</regex>\n"
	             "</decoder>\n"
	             "<decoder name=\"badoff\">\n" /* 8 */
	             "  <prematch>x</prematch>\n"
	             "  <regex offset=\"after_nothing\">(x)</regex>\n" /* 10 */
	             "  <order>a</order>\n"
	             "</decoder>\n"
	             "<decoder name=\"badplugin\">\n" /* 13 */
	             "  <prematch>x</prematch>\n"
	             "  <plugin_decoder>XML_Decoder</plugin_decoder>\n" /* 15 */
	             "</decoder>\n"
	             "<decoder name=\"badpat\">\n"           /* 17 */
	             "  <prematch>bad\\qescape</prematch>\n" /* 18 */
	             "</decoder>\n"
	             "<decoder name=\"orphan\">\n" /* 20 */
	             "  <parent>nobody</parent>\n"
	             "  <regex>(x)</regex>\n"
	             "  <order>a</order>\n"
	             "</decoder>\n"
	             "<decoder name=\"nothing\">\n" /* 25 */
	             "  <type>syslog</type>\n"
	             "</decoder>\n"
	             "<decoder name=\"good\">\n"
	             "  <prematch>^good</prematch>\n"
	             "</decoder>\n",
	             &diag, &rc);
	assert_int_equal(rc, VG_EPARSE);
	assert_true(diag_has(&diag, 1, "without a name"));
	assert_true(diag_has(&diag, 4, "<regex> without <order>"));
	assert_true(diag_has(&diag, 10, "bad offset 'after_nothing'"));
	assert_true(diag_has(&diag, 15, "unknown plugin 'XML_Decoder'"));
	assert_true(diag_has(&diag, 18, "bad\\qescape"));
	assert_true(diag_has(&diag, 20, "parent decoder 'nobody' not found"));
	assert_true(diag_has(&diag, 25, "expected <prematch>, <parent> or <program_name>"));
	/* Only the good decoder was kept, and it works. */
	assert_int_equal(vg_decoder_set_count(set), 1);
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	decode(set, &ev, NULL, "good one");
	assert_string_equal(ev.decoder_name, "good");
	vg_event_destroy(&ev);
	vg_decoder_set_destroy(set);
	vg_diag_free(&diag);
}

static void test_sibling_rules_at_load(void **state)
{
	(void)state;
	struct vg_diag diag;
	vg_diag_init(&diag);
	int rc;
	struct vg_decoder_set *set =
	    load_str("<decoder name=\"p\">\n"
	             "  <prematch>^p</prematch>\n"
	             "</decoder>\n"
	             "<decoder name=\"c\">\n"
	             "  <parent>p</parent>\n"
	             "  <regex>(a)</regex>\n"
	             "  <order>a</order>\n"
	             "</decoder>\n"
	             "<decoder name=\"c\">\n" /* 9: sibling with prematch */
	             "  <parent>p</parent>\n"
	             "  <prematch>x</prematch>\n"
	             "  <regex>(b)</regex>\n"
	             "  <order>b</order>\n"
	             "</decoder>\n"
	             "<decoder name=\"d\">\n" /* 15: after_regex, no sibling */
	             "  <parent>p</parent>\n"
	             "  <regex offset=\"after_regex\">(b)</regex>\n"
	             "  <order>b</order>\n"
	             "</decoder>\n",
	             &diag, &rc);
	assert_int_equal(rc, VG_EPARSE);
	assert_true(diag_has(&diag, 9, "may have <prematch>"));
	assert_true(diag_has(&diag, 15, "after_regex"));
	assert_int_equal(vg_decoder_set_count(set), 2);
	vg_decoder_set_destroy(set);
	vg_diag_free(&diag);
}

static void test_decoder_attributes(void **state)
{
	(void)state;
	struct vg_decoder_set *set = load_ok("<decoder name=\"a\">\n"
	                                     "  <prematch>^a </prematch>\n"
	                                     "  <regex>^a (\\w+) (\\w+)</regex>\n"
	                                     "  <order>user, session</order>\n"
	                                     "  <fts>name, user, location, session</fts>\n"
	                                     "  <ftscomment>First time seen</ftscomment>\n"
	                                     "  <accumulate/>\n"
	                                     "</decoder>\n");
	const struct vg_decoder *d = vg_decoder_set_find(set, "a");
	assert_non_null(d);
	assert_true(vg_decoder_accumulate(d));
	assert_int_equal(vg_decoder_fts_count(d), 4);
	assert_string_equal(vg_decoder_fts_field(d, 0), "name");
	assert_string_equal(vg_decoder_fts_field(d, 1), "dstuser");
	assert_string_equal(vg_decoder_fts_field(d, 2), "location");
	assert_string_equal(vg_decoder_fts_field(d, 3), "session");
	assert_null(vg_decoder_fts_field(d, 4));
	assert_string_equal(vg_decoder_ftscomment(d), "First time seen");
	assert_null(vg_decoder_set_find(set, "b"));
	assert_int_equal(vg_decoder_type_lookup("web-log"), VG_DT_WEBLOG);
	assert_int_equal(vg_decoder_type_lookup("host-information"), VG_DT_HOSTINFO);
	assert_int_equal(vg_decoder_type_lookup("ossec"), VG_DT_OSSEC);
	assert_int_equal(vg_decoder_type_lookup("Syslog"), -1);
	assert_string_equal(vg_decoder_type_name(VG_DT_SQUID), "squid");
	vg_decoder_set_destroy(set);
}

static const char json_xml[] =
    "<decoder name=\"json\">\n"
    "  <prematch>^{\\s*\"</prematch>\n"
    "  <plugin_decoder>JSON_Decoder</plugin_decoder>\n"
    "</decoder>\n"
    "<decoder name=\"jcsv\">\n"
    "  <prematch>^csv: </prematch>\n"
    "  <plugin_decoder offset=\"after_parent\">JSON_Decoder</plugin_decoder>\n"
    "  <json_null_field>discard</json_null_field>\n"
    "  <json_array_structure>csv</json_array_structure>\n"
    "</decoder>\n"
    "<decoder name=\"jempty\">\n"
    "  <prematch>^empty: </prematch>\n"
    "  <plugin_decoder offset=\"after_parent\">JSON_Decoder</plugin_decoder>\n"
    "  <json_null_field>empty</json_null_field>\n"
    "</decoder>\n";

static void test_json_plugin(void **state)
{
	(void)state;
	struct vg_decoder_set *set = load_ok(json_xml);
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	decode(
	    set, &ev, NULL,
	    "{\"win\":{\"system\":{\"eventID\":\"4625\",\"level\":4,\"ratio\":1.5,"
	    "\"big\":4294967296,\"neg\":-7},\"eventdata\":{\"path\":\"C:\\\\\\\\Win\\u00e9\\n\"}},"
	    "\"srcip\":\"10.0.0.1\",\"user\":\"root\",\"ok\":true,\"bad\":false,\"nothing\":null,"
	    "\"list\":[1, \"a\\\"b\", 2.5, null, {\"k\" : [true]}],\"empty\":{},\"e\":1e3}"
	    " trailing text is ignored");
	assert_string_equal(ev.decoder_name, "json");
	assert_string_equal(vg_event_get(&ev, "win.system.eventID"), "4625");
	assert_string_equal(vg_event_get(&ev, "win.system.level"), "4");
	assert_string_equal(vg_event_get(&ev, "win.system.ratio"), "1.500000");
	assert_string_equal(vg_event_get(&ev, "win.system.big"), "4294967296.000000");
	assert_string_equal(vg_event_get(&ev, "win.system.neg"), "-7");
	assert_string_equal(vg_event_get(&ev, "win.eventdata.path"), "C:\\\\Win\xc3\xa9\n");
	assert_string_equal(fixed(&ev, VG_F_SRCIP), "10.0.0.1");
	assert_string_equal(fixed(&ev, VG_F_DSTUSER), "root");
	assert_null(vg_event_get(&ev, "srcip"));
	assert_string_equal(vg_event_get(&ev, "ok"), "true");
	assert_string_equal(vg_event_get(&ev, "bad"), "false");
	assert_string_equal(vg_event_get(&ev, "nothing"), "null");
	assert_string_equal(vg_event_get(&ev, "list"), "[1,\"a\\\"b\",2.5,null,{\"k\":[true]}]");
	assert_null(vg_event_get(&ev, "empty"));
	assert_string_equal(vg_event_get(&ev, "e"), "1000");

	/* CSV arrays, discarded nulls, plugin offset after the parent's prematch. */
	decode(set, &ev, NULL, "csv: {\"a\":[\"x\",2,null,[3],false],\"n\":null,\"s\":\"v\"}");
	assert_string_equal(ev.decoder_name, "jcsv");
	assert_string_equal(vg_event_get(&ev, "a"), "x,2,false");
	assert_null(vg_event_get(&ev, "n"));
	assert_string_equal(vg_event_get(&ev, "s"), "v");

	decode(set, &ev, NULL, "empty: {\"n\":null}");
	assert_string_equal(vg_event_get(&ev, "n"), "");

	/* Malformed JSON sets no field at all. */
	decode(set, &ev, NULL, "{\"a\":\"1\",\"b\":tru}");
	assert_string_equal(ev.decoder_name, "json");
	assert_int_equal(ev.ndyn, 0);
	decode(set, &ev, NULL, "{\"a\":\"1\",\"b\":\"\\ud800\"}");
	assert_int_equal(ev.ndyn, 0);
	decode(set, &ev, NULL, "{\"a\":[1,]}");
	assert_int_equal(ev.ndyn, 0);
	vg_event_destroy(&ev);
	vg_decoder_set_destroy(set);
}

static void test_json_deep_nesting(void **state)
{
	(void)state;
	struct vg_decoder_set *set = load_ok(json_xml);
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	/* Past cJSON's nesting limit of 1000 the whole document is refused. */
	size_t depth = 1200;
	char *s = malloc(depth * 6 + 16);
	assert_non_null(s);
	size_t n = 0;
	for (size_t i = 0; i < depth; i++)
		n += (size_t)snprintf(s + n, 7, "{\"k\":");
	s[n++] = '1';
	memset(s + n, '}', depth);
	s[n + depth] = '\0';
	decode(set, &ev, NULL, s);
	assert_int_equal(ev.ndyn, 0);
	/* At a modest depth the dotted key is built. */
	const char deep[] = "{\"a\":{\"b\":{\"c\":{\"d\":\"deep\"}}}}";
	memcpy(s, deep, sizeof(deep));
	decode(set, &ev, NULL, s);
	assert_string_equal(vg_event_get(&ev, "a.b.c.d"), "deep");
	free(s);
	vg_event_destroy(&ev);
	vg_decoder_set_destroy(set);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *suffix file of dir (sorted by name) into set; returns the file count. */
static int load_dir(struct vg_decoder_set *set, const char *dir, const char *suffix,
                    const char *prefix, struct vg_diag *diag)
{
	DIR *dh = opendir(dir);
	assert_non_null(dh);
	char *names[512];
	int n = 0;
	struct dirent *de;
	size_t sl = strlen(suffix);
	while ((de = readdir(dh)) != NULL && n < 512) {
		size_t l = strlen(de->d_name);
		if (l > sl && strcmp(de->d_name + l - sl, suffix) == 0 &&
		    strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(dh);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	for (int i = 0; i < n; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		int rc = vg_decoder_set_load_file(set, path, diag);
		if (rc != VG_OK)
			fprintf(stderr, "%s: %s\n", path, vg_strerror(rc));
		free(names[i]);
	}
	return n;
}

/* The stock ruleset plus the test decoders, as Wazuh's test runner loads them. */
static struct vg_decoder_set *load_ruleset(size_t *stock_count)
{
	char dir[1024];
	vg_test_require_data(dir, sizeof(dir), "wazuh-ruleset/decoders");
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_decoder_set *set = NULL;
	assert_int_equal(vg_decoder_set_create(&set), VG_OK);
	int files = load_dir(set, dir, ".xml", "", &diag);
	*stock_count = vg_decoder_set_count(set);
	char tdir[1024];
	vg_test_require_data(tdir, sizeof(tdir), "wazuh-ruleset/testing/ruleset");
	files += load_dir(set, tdir, "_decoders.xml", "test_", &diag);
	assert_int_equal(vg_decoder_set_finish(set, &diag), VG_OK);
	if (diag.errors)
		vg_diag_print(&diag, stderr);
	printf("loaded %d files: %zu stock decoders, %zu in all, %zu warnings\n", files,
	       *stock_count, vg_decoder_set_count(set), diag.warnings);
	assert_int_equal(diag.errors, 0);
	vg_diag_free(&diag);
	return set;
}

static void test_full_ruleset_loads(void **state)
{
	(void)state;
	size_t stock;
	struct vg_decoder_set *set = load_ruleset(&stock);
	assert_int_equal(stock, 1575); /* the number Wazuh's own loader reports */
	assert_non_null(vg_decoder_set_find(set, "sshd"));
	assert_non_null(vg_decoder_set_find(set, "json"));
	vg_decoder_set_destroy(set);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Decoding with the per-worker program-name cache gives exactly what
 * vg_decode() gives, on every log of Wazuh's test suite, twice over (so
 * the second pass runs from the cache). */
static void test_cached_agrees(void **state)
{
	(void)state;
	size_t stock;
	struct vg_decoder_set *set = load_ruleset(&stock);
	char dir[1024];
	vg_test_require_data(dir, sizeof(dir), "wazuh-ruleset/testing/tests");
	struct vg_dec_cache *cache = NULL;
	assert_int_equal(vg_dec_cache_create(&cache), VG_OK);
	struct vg_pattern_scratch *scr = vg_pattern_scratch_create();
	struct vg_event a, b;
	assert_int_equal(vg_event_init(&a), VG_OK);
	assert_int_equal(vg_event_init(&b), VG_OK);
	size_t checked = 0, with_pname = 0;
	for (int pass = 0; pass < 2; pass++) {
		DIR *d = opendir(dir);
		assert_non_null(d);
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			size_t n = strlen(e->d_name);
			if (n < 4 || strcmp(e->d_name + n - 4, ".ini") != 0)
				continue;
			char path[2048];
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			FILE *f = fopen(path, "r");
			assert_non_null(f);
			static char line[65536];
			while (fgets(line, sizeof(line), f)) {
				line[strcspn(line, "\r\n")] = '\0';
				char *eq = strstr(line, " = ");
				if (strncmp(line, "log ", 4) != 0 || !eq)
					continue;
				vg_event_reset(&a);
				vg_event_reset(&b);
				assert_int_equal(vg_predecode(&a, "stdin", eq + 3), VG_OK);
				assert_int_equal(vg_predecode(&b, "stdin", eq + 3), VG_OK);
				assert_int_equal(vg_decode(set, &a, scr), VG_OK);
				assert_int_equal(vg_decode_cached(set, &b, scr, cache), VG_OK);
				assert_ptr_equal(a.decoder, b.decoder);
				assert_true(same_str(a.decoder_name, b.decoder_name));
				for (int k = 0; k < VG_F_COUNT; k++)
					assert_true(same_str(a.fixed[k], b.fixed[k]));
				assert_int_equal(a.ndyn, b.ndyn);
				for (unsigned k = 0; k < a.ndyn; k++) {
					assert_string_equal(a.dyn[k].name, b.dyn[k].name);
					assert_true(same_str(a.dyn[k].value, b.dyn[k].value));
				}
				checked++;
				with_pname += a.program_name != NULL;
			}
			fclose(f);
		}
		closedir(d);
	}
	assert_true(checked > 1000);
	assert_true(with_pname > 500);
	vg_event_destroy(&a);
	vg_event_destroy(&b);
	vg_pattern_scratch_destroy(scr);
	vg_dec_cache_destroy(cache);
	vg_decoder_set_destroy(set);
}

/* Reads log line `logno` and the expected decoder of [section] in an .ini file. */
static bool ini_case(const char *file, const char *section, int logno, char *log, size_t loglen,
                     char *decoder, size_t declen)
{
	char path[1024];
	vg_test_require_data(path, sizeof(path), file);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[65536];
	bool in = false, got_log = false, got_dec = false;
	char want[64];
	snprintf(want, sizeof(want), "log %d pass = ", logno);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '[') {
			if (in)
				break;
			in = strncmp(line + 1, section, strlen(section)) == 0 &&
			     line[1 + strlen(section)] == ']';
			continue;
		}
		if (!in)
			continue;
		if (strncmp(line, want, strlen(want)) == 0) {
			size_t n = strlen(line + strlen(want));
			if (n >= loglen)
				n = loglen - 1;
			memcpy(log, line + strlen(want), n);
			log[n] = '\0';
			got_log = true;
		} else if (strncmp(line, "decoder = ", 10) == 0) {
			size_t n = strlen(line + 10);
			if (n >= declen)
				n = declen - 1;
			memcpy(decoder, line + 10, n);
			decoder[n] = '\0';
			got_dec = true;
		}
	}
	fclose(f);
	return got_log && got_dec;
}

struct ini_check {
	const char *file, *section;
	int logno;
	const char *field, *value; /* a field the decoder must set (value NULL = any) */
};

static void test_real_lines(void **state)
{
	(void)state;
	static const struct ini_check checks[] = {
		{ "sudo.ini", "sudo: all", 1, "dstuser", "root" },
		{ "sudo.ini", "sudo: all", 4, "srcuser", "cplummer" },
		{ "sudo.ini", "Failed attempt to run sudo", 1, "srcuser", "mike" },
		{ "sudo.ini", "3 incorrect password attempts", 1, "command", "/bin/ls" },
		{ "apache.ini", "Apache: Attempt to access forbidden directory index.", 1, "srcip",
		  "80.230.208.105" },
		{ "apache.ini", "Apache: Attempt to access an non-existent file.", 1, "srcip",
		  "66.31.142.16" },
		{ "malicious-ioc.ini", "sshd: Authentication succeeded from a malicious IP address",
		  1, "srcip", "218.92.0.222" },
		{ "malicious-ioc.ini", "sshd: Authentication failed from a malicious IP address", 1,
		  "dstuser", "root" },
		{ "win_security.ini", "User account enabled or created", 1,
		  "win.eventdata.targetUserName", "toby" },
		{ "win_security.ini", "User account changed", 1, "win.eventdata.samAccountName",
		  "toby" },
	};
	size_t stock;
	struct vg_decoder_set *set = load_ruleset(&stock);
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	char rel[256], log[65536], want[128];
	int checked = 0;
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct ini_check *c = &checks[i];
		snprintf(rel, sizeof(rel), "wazuh-ruleset/testing/tests/%s", c->file);
		assert_true(
		    ini_case(rel, c->section, c->logno, log, sizeof(log), want, sizeof(want)));
		vg_event_reset(&ev);
		assert_int_equal(vg_predecode(&ev, "stdin", log), VG_OK);
		assert_int_equal(vg_decode(set, &ev, NULL), VG_OK);
		printf("[%s] decoder=%s (want %s)\n", c->section,
		       ev.decoder_name ? ev.decoder_name : "-", want);
		assert_non_null(ev.decoder_name);
		assert_string_equal(ev.decoder_name, want);
		const char *v = vg_event_field(&ev, c->field);
		assert_non_null(v);
		if (c->value)
			assert_string_equal(v, c->value);
		checked++;
	}
	assert_int_equal(checked, (int)(sizeof(checks) / sizeof(checks[0])));
	vg_event_destroy(&ev);
	vg_decoder_set_destroy(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_regex_order),
		cmocka_unit_test(test_program_name_lists),
		cmocka_unit_test(test_children),
		cmocka_unit_test(test_siblings_and_after_regex),
		cmocka_unit_test(test_repeated_elements_concatenate),
		cmocka_unit_test(test_pcre2_and_typed_program_name),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_sibling_rules_at_load),
		cmocka_unit_test(test_decoder_attributes),
		cmocka_unit_test(test_json_plugin),
		cmocka_unit_test(test_json_deep_nesting),
		cmocka_unit_test(test_full_ruleset_loads),
		cmocka_unit_test(test_cached_agrees),
		cmocka_unit_test(test_real_lines),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
