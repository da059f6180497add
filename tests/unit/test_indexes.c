/*
 * test_indexes.c - unit tests of the lookup structures that make analysis
 * fast without changing a result: the event's dynamic-field index (case,
 * replacement, insertion order, the field limit), the rule tree's child
 * index (by decoded_as and by one field's exact values: the chosen child is
 * the first matching one in sibling order, values compared ignoring case,
 * non-indexable siblings kept) and the decoders' program-name index (first
 * matching top-level decoder in load order, prefixes, exact names,
 * substrings, typed patterns and empty program names).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "vigil/decoder.h"
#include "vigil/event.h"
#include "vigil/rule.h"
#include "vigil/xml.h"

static void test_event_fields(void **state)
{
	(void)state;
	struct vg_event ev;
	char names[300][8], vals[300][8];
	assert_int_equal(vg_event_init(&ev), VG_OK);
	for (int i = 0; i < 300; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		snprintf(vals[i], sizeof(vals[i]), "v%d", i);
		int rc = vg_event_set(&ev, names[i], vals[i]);
		assert_int_equal(rc, i < VG_EVENT_MAX_DYNAMIC ? VG_OK : VG_ELIMIT);
	}
	assert_int_equal(ev.ndyn, VG_EVENT_MAX_DYNAMIC);
	for (int i = 0; i < VG_EVENT_MAX_DYNAMIC; i++) {
		char upper[8];
		snprintf(upper, sizeof(upper), "F%d", i);
		assert_string_equal(vg_event_get(&ev, upper), vals[i]);
		assert_string_equal(ev.dyn[i].name, names[i]); /* insertion order */
	}
	assert_null(vg_event_get(&ev, "f256"));
	assert_int_equal(vg_event_set(&ev, "F5", "new"), VG_OK); /* replaces */
	assert_string_equal(vg_event_get(&ev, "f5"), "new");
	assert_int_equal(ev.ndyn, VG_EVENT_MAX_DYNAMIC);
	vg_event_reset(&ev);
	assert_null(vg_event_get(&ev, "f1"));
	assert_int_equal(vg_event_set(&ev, "win.system.eventID", "4625"), VG_OK);
	assert_string_equal(vg_event_get(&ev, "WIN.SYSTEM.EVENTID"), "4625");
	vg_event_destroy(&ev);
}

static const char rules_xml[] =
    "<group name=\"syslog,\"><rule id=\"1\" level=\"0\" noalert=\"1\">"
    "<category>syslog</category><description>t</description></rule></group>\n"
    "<group name=\"t,\">\n"
    "<rule id=\"100\" level=\"2\"><match>winev</match><description>p</description></rule>\n"
    "<rule id=\"101\" level=\"5\"><if_sid>100</if_sid>"
    "<field name=\"eventID\">^4625$</field><description>a</description></rule>\n"
    "<rule id=\"102\" level=\"5\"><if_sid>100</if_sid>"
    "<field name=\"eventID\">^4624$|^4625$</field><description>b</description></rule>\n"
    "<rule id=\"103\" level=\"5\"><if_sid>100</if_sid>"
    "<field name=\"eventID\">\\d+7</field><description>c</description></rule>\n"
    "<rule id=\"104\" level=\"5\"><if_sid>100</if_sid>"
    "<field name=\"EVENTID\">^4688$</field><description>d</description></rule>\n"
    "<rule id=\"105\" level=\"5\"><if_sid>100</if_sid>"
    "<field name=\"eventID\">^Logon$</field><description>e</description></rule>\n"
    "<rule id=\"200\" level=\"3\"><decoded_as>sshd</decoded_as><match>x1</match>"
    "<description>f</description></rule>\n"
    "<rule id=\"201\" "
    "level=\"3\"><decoded_as>cron</decoded_as><description>g</description></rule>\n"
    "<rule id=\"202\" level=\"3\"><decoded_as>su</decoded_as><description>h</description></rule>\n"
    "<rule id=\"203\" level=\"3\"><match>zzz</match><description>i</description></rule>\n"
    "<rule id=\"204\" "
    "level=\"3\"><decoded_as>sshd</decoded_as><description>j</description></rule>\n"
    "<rule id=\"205\" "
    "level=\"3\"><decoded_as>sudo</decoded_as><description>k</description></rule>\n"
    "</group>\n";

/* Evaluates a log decoded as dec, with an optional eventID; returns the rule id. */
static unsigned eval(const struct vg_rule_set *set, struct vg_rule_state *st,
                     struct vg_pattern_scratch *scr, const char *dec, const char *log,
                     const char *eventid)
{
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	ev.log = ev.full_log = log;
	ev.location = "test";
	ev.decoder_name = dec;
	if (eventid)
		assert_int_equal(vg_event_set(&ev, "eventID", eventid), VG_OK);
	const struct vg_rule *r = vg_rule_eval(set, st, &ev, scr, NULL);
	unsigned id = r ? r->id : 0;
	vg_event_destroy(&ev);
	return id;
}

static void test_rule_children(void **state)
{
	(void)state;
	struct vg_rule_set *set;
	struct vg_rule_state *st;
	struct vg_diag diag;
	vg_diag_init(&diag);
	assert_int_equal(vg_rule_set_create(&set), VG_OK);
	assert_int_equal(vg_rule_set_load_buffer(set, rules_xml, strlen(rules_xml), "t.xml", &diag),
	                 VG_OK);
	assert_int_equal(vg_rule_set_finish(set, &diag), VG_OK);
	assert_int_equal(vg_rule_state_create(set, &st), VG_OK);
	struct vg_pattern_scratch *scr = vg_pattern_scratch_create();

	/* By field value: first match in sibling order, case ignored. */
	assert_int_equal(eval(set, st, scr, "json", "winev", "4625"), 101);
	assert_int_equal(eval(set, st, scr, "json", "winev", "4624"), 102);
	assert_int_equal(eval(set, st, scr, "json", "winev", "1237"), 103);
	assert_int_equal(eval(set, st, scr, "json", "winev", "4688"), 104);
	assert_int_equal(eval(set, st, scr, "json", "winev", "LOGON"), 105);
	assert_int_equal(eval(set, st, scr, "json", "winev", "46250"), 100);
	assert_int_equal(eval(set, st, scr, "json", "winev", NULL), 100);
	/* By decoded_as: a decoded_as-free sibling keeps its place. */
	assert_int_equal(eval(set, st, scr, "sshd", "x1", NULL), 200);
	assert_int_equal(eval(set, st, scr, "sshd", "zzz", NULL), 203);
	assert_int_equal(eval(set, st, scr, "sshd", "abc", NULL), 204);
	assert_int_equal(eval(set, st, scr, "sudo", "zzz", NULL), 203);
	assert_int_equal(eval(set, st, scr, "sudo", "abc", NULL), 205);
	assert_int_equal(eval(set, st, scr, "SUDO", "abc", NULL), 0); /* case-sensitive */
	assert_int_equal(eval(set, st, scr, NULL, "zzz", NULL), 203);
	assert_int_equal(eval(set, st, scr, "other", "abc", NULL), 0);

	vg_pattern_scratch_destroy(scr);
	vg_rule_state_destroy(st);
	vg_rule_set_destroy(set);
	vg_diag_free(&diag);
}

static const char decoders_xml[] =
    "<decoder name=\"generic-ipa\"><program_name>ipa</program_name></decoder>\n"
    "<decoder name=\"sshd-a\"><program_name>^sshd</program_name></decoder>\n"
    "<decoder name=\"cron-x\"><program_name>^cron$|^crond$</program_name></decoder>\n"
    "<decoder name=\"sshd-b\"><program_name>^SSHD$</program_name></decoder>\n"
    "<decoder name=\"sshd-c\"><program_name>^sshd-session$</program_name></decoder>\n"
    "<decoder name=\"regex-pn\"><program_name type=\"osregex\">^\\w+d$</program_name>"
    "</decoder>\n"
    "<decoder name=\"any\"><program_name></program_name></decoder>\n";

/* The name of the decoder chosen for a program name (a string of the set). */
static const char *decode_pname(const struct vg_decoder_set *set, struct vg_event *ev,
                                const char *pname)
{
	vg_event_reset(ev);
	ev->log = ev->full_log = "message";
	ev->program_name = pname;
	assert_int_equal(vg_decode(set, ev, NULL), VG_OK);
	return ev->decoder_name ? ev->decoder_name : "(none)";
}

static void test_decoder_program_names(void **state)
{
	(void)state;
	struct vg_xml_doc *doc = NULL;
	struct vg_decoder_set *set = NULL;
	struct vg_diag diag;
	vg_diag_init(&diag);
	assert_int_equal(
	    vg_xml_parse_buffer(decoders_xml, strlen(decoders_xml), "d.xml", &doc, &diag), VG_OK);
	assert_int_equal(vg_decoder_set_create(&set), VG_OK);
	assert_int_equal(vg_decoder_set_load_doc(set, doc, &diag), VG_OK);
	assert_int_equal(vg_decoder_set_finish(set, &diag), VG_OK);
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);

	assert_string_equal(decode_pname(set, &ev, "sshd"), "sshd-a");
	assert_string_equal(decode_pname(set, &ev, "SSHD-session"), "sshd-a");
	assert_string_equal(decode_pname(set, &ev, "ssh"), "any");
	assert_string_equal(decode_pname(set, &ev, "cron"), "cron-x");
	assert_string_equal(decode_pname(set, &ev, "CROND"), "cron-x");
	assert_string_equal(decode_pname(set, &ev, "cronx"), "any");
	assert_string_equal(decode_pname(set, &ev, "lipad"), "generic-ipa");
	assert_string_equal(decode_pname(set, &ev, "food"), "regex-pn");
	assert_string_equal(decode_pname(set, &ev, "x"), "any");
	assert_string_equal(decode_pname(set, &ev, ""), "any");

	vg_event_destroy(&ev);
	vg_xml_doc_destroy(doc);
	vg_decoder_set_destroy(set);
	vg_diag_free(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_rule_children),
		cmocka_unit_test(test_decoder_program_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
