/*
 * test_alert.c - alert documents built from a hand-made event and rule:
 * alerts.json parsed back with jansson (key order and values), the
 * alerts.log layout, $(field) descriptions and the file writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "vigil/alert.h"
#include "vigil/error.h"

static const char *groups_v[] = { "syslog",         "sshd",           "authentication_failed",
	                          "pci_dss_10.2.4", "gdpr_IV_35.7.d", "pci_dss_10.2.5",
	                          "tsc_CC6.1" };
static const char *mitre_v[] = { "T1110.001", "T1021.004" };
static const char *prev_v[] = { "Nov 14 22:13:19 web sshd[1]: Failed password",
	                        "Nov 14 22:13:18 web sshd[1]: Failed password" };

struct fixture {
	struct vg_event ev;
	struct vg_rule rule;
	struct vg_alert_input in;
};

static int setup(void **state)
{
	setenv("TZ", "UTC", 1);
	tzset();
	struct fixture *f = calloc(1, sizeof(*f));
	assert_int_equal(vg_event_init(&f->ev), 0);
	struct vg_event *ev = &f->ev;
	ev->full_log = "Nov 14 22:13:20 web sshd[42]: Failed password for root from 10.0.0.9 "
	               "port 2222 ssh2";
	ev->location = "/var/log/auth.log";
	ev->agent_id = "000";
	ev->log = "Failed password for root from 10.0.0.9 port 2222 ssh2";
	ev->timestamp = "Nov 14 22:13:20";
	ev->hostname = "web";
	ev->program_name = "sshd";
	ev->decoder_name = "sshd";
	ev->fixed[VG_F_SRCIP] = "10.0.0.9";
	ev->fixed[VG_F_SRCPORT] = "2222";
	ev->fixed[VG_F_DSTUSER] = "root";
	assert_int_equal(vg_event_set(ev, "win.system.eventID", "4625"), 0);
	assert_int_equal(vg_event_set(ev, "win.system.channel", "Security"), 0);
	assert_int_equal(vg_event_set(ev, "empty", ""), 0);
	ev->arrival.tv_sec = 1700000000;
	ev->arrival.tv_nsec = 123456789;
	struct vg_rule *r = &f->rule;
	r->id = 5760;
	r->level = 5;
	r->description = "sshd: authentication failed for $(dstuser) from $(srcip)$(nope).";
	r->groups.v = groups_v;
	r->groups.n = 7;
	r->mitre_ids.v = mitre_v;
	r->mitre_ids.n = 2;
	r->category = -1;
	f->in.ev = ev;
	f->in.rule = r;
	f->in.firedtimes = 3;
	f->in.manager_name = "hub";
	f->in.id = "1700000000.512";
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	vg_event_destroy(&f->ev);
	free(f);
	return 0;
}

/* Asserts obj's keys are exactly the NULL-terminated list, in order. */
static void assert_keys(json_t *obj, const char *const *keys)
{
	assert_true(json_is_object(obj));
	void *it = json_object_iter(obj);
	size_t i = 0;
	for (; it; it = json_object_iter_next(obj, it), i++) {
		assert_non_null(keys[i]);
		assert_string_equal(json_object_iter_key(it), keys[i]);
	}
	assert_null(keys[i]);
}

static json_t *render(struct fixture *f)
{
	struct vg_buf b;
	vg_buf_init(&b, 0);
	assert_int_equal(vg_alert_json(&b, &f->in), 0);
	assert_null(strchr(vg_buf_str(&b), '\n'));
	json_error_t err;
	json_t *root = json_loads(vg_buf_str(&b), 0, &err);
	if (!root)
		fprintf(stderr, "%s\n%s\n", vg_buf_str(&b), err.text);
	assert_non_null(root);
	vg_buf_free(&b);
	return root;
}

static void test_json(void **state)
{
	struct fixture *f = *state;
	json_t *root = render(f);
	static const char *const top[] = { "timestamp", "rule",     "agent",      "manager",
		                           "id",        "full_log", "predecoder", "decoder",
		                           "data",      "location", NULL };
	assert_keys(root, top);
	assert_string_equal(json_string_value(json_object_get(root, "timestamp")),
	                    "2023-11-14T22:13:20.123+0000");
	json_t *rule = json_object_get(root, "rule");
	static const char *const rk[] = { "level",      "description", "id",     "mitre",
		                          "firedtimes", "mail",        "groups", "pci_dss",
		                          "gdpr",       "tsc",         NULL };
	assert_keys(rule, rk);
	assert_int_equal(json_integer_value(json_object_get(rule, "level")), 5);
	assert_string_equal(json_string_value(json_object_get(rule, "description")),
	                    "sshd: authentication failed for root from 10.0.0.9.");
	assert_string_equal(json_string_value(json_object_get(rule, "id")), "5760");
	assert_int_equal(json_integer_value(json_object_get(rule, "firedtimes")), 3);
	assert_true(json_is_false(json_object_get(rule, "mail")));
	json_t *g = json_object_get(rule, "groups");
	assert_int_equal(json_array_size(g), 3);
	assert_string_equal(json_string_value(json_array_get(g, 2)), "authentication_failed");
	json_t *pci = json_object_get(rule, "pci_dss");
	assert_int_equal(json_array_size(pci), 2);
	assert_string_equal(json_string_value(json_array_get(pci, 0)), "10.2.4");
	assert_string_equal(json_string_value(json_array_get(pci, 1)), "10.2.5");
	assert_string_equal(json_string_value(json_array_get(json_object_get(rule, "gdpr"), 0)),
	                    "IV_35.7.d");
	json_t *mitre = json_object_get(rule, "mitre");
	static const char *const mk[] = { "id", "tactic", "technique", NULL };
	assert_keys(mitre, mk);
	assert_string_equal(json_string_value(json_array_get(json_object_get(mitre, "id"), 1)),
	                    "T1021.004");
	json_t *tech = json_object_get(mitre, "technique");
	assert_string_equal(json_string_value(json_array_get(tech, 0)), "Password Guessing");
	assert_string_equal(json_string_value(json_array_get(tech, 1)), "SSH");
	json_t *tac = json_object_get(mitre, "tactic");
	assert_string_equal(json_string_value(json_array_get(tac, 0)), "Credential Access");
	assert_string_equal(json_string_value(json_array_get(tac, 1)), "Lateral Movement");
	static const char *const ak[] = { "id", "name", NULL };
	assert_keys(json_object_get(root, "agent"), ak);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(root, "agent"), "name")), "hub");
	static const char *const pk[] = { "program_name", "timestamp", "hostname", NULL };
	assert_keys(json_object_get(root, "predecoder"), pk);
	static const char *const dk[] = { "name", NULL };
	assert_keys(json_object_get(root, "decoder"), dk);
	json_t *data = json_object_get(root, "data");
	static const char *const datak[] = { "srcip", "srcport", "dstuser", "win", NULL };
	assert_keys(data, datak);
	json_t *sys = json_object_get(json_object_get(data, "win"), "system");
	static const char *const sk[] = { "eventID", "channel", NULL };
	assert_keys(sys, sk);
	assert_string_equal(json_string_value(json_object_get(sys, "eventID")), "4625");
	assert_string_equal(json_string_value(json_object_get(root, "location")),
	                    "/var/log/auth.log");
	json_decref(root);
}

static void test_json_options(void **state)
{
	struct fixture *f = *state;
	f->rule.options =
	    VG_RULE_OPT_NO_FULL_LOG | VG_RULE_OPT_NO_COUNTER | VG_RULE_OPT_ALERT_BY_EMAIL;
	f->rule.frequency = 8;
	f->in.prev_logs = prev_v;
	f->in.nprev = 2;
	f->ev.location = "(db1) 192.168.1.5->/var/log/secure";
	f->ev.agent_id = "003";
	f->ev.agent_name = "db1";
	json_t *root = render(f);
	assert_null(json_object_get(root, "full_log"));
	json_t *rule = json_object_get(root, "rule");
	assert_null(json_object_get(rule, "firedtimes"));
	assert_int_equal(json_integer_value(json_object_get(rule, "frequency")), 8);
	assert_true(json_is_true(json_object_get(rule, "mail")));
	assert_string_equal(json_string_value(json_object_get(root, "previous_output")),
	                    "Nov 14 22:13:19 web sshd[1]: Failed password\n"
	                    "Nov 14 22:13:18 web sshd[1]: Failed password");
	json_t *agent = json_object_get(root, "agent");
	static const char *const ak[] = { "id", "name", "ip", NULL };
	assert_keys(agent, ak);
	assert_string_equal(json_string_value(json_object_get(agent, "ip")), "192.168.1.5");
	assert_string_equal(json_string_value(json_object_get(agent, "name")), "db1");
	assert_string_equal(json_string_value(json_object_get(root, "location")),
	                    "/var/log/secure");
	json_decref(root);
}

/* FIM fields form the alert's own syscheck object (after full_log, before
 * decoder), changed attributes as a list, never under data. */
static void test_json_syscheck(void **state)
{
	struct fixture *f = *state;
	struct vg_event *ev = &f->ev;
	ev->full_log = "File '/etc/hosts' modified";
	ev->program_name = NULL;
	ev->timestamp = NULL;
	ev->location = "syscheck";
	ev->decoder_name = "syscheck_integrity_changed";
	assert_int_equal(vg_event_set(ev, "syscheck.path", "/etc/hosts"), 0);
	assert_int_equal(vg_event_set(ev, "syscheck.changed_attributes", "size,mtime,sha256"), 0);
	assert_int_equal(vg_event_set(ev, "syscheck.audit.user.name", "alice"), 0);
	json_t *root = render(f);
	static const char *const keys[] = { "timestamp", "rule",     "agent",    "manager",
		                            "id",        "full_log", "syscheck", "decoder",
		                            "data",      "location", NULL };
	assert_keys(root, keys);
	json_t *sc = json_object_get(root, "syscheck");
	assert_string_equal(json_string_value(json_object_get(sc, "path")), "/etc/hosts");
	json_t *ch = json_object_get(sc, "changed_attributes");
	assert_true(json_is_array(ch));
	assert_int_equal(json_array_size(ch), 3);
	assert_string_equal(json_string_value(json_array_get(ch, 2)), "sha256");
	json_t *audit = json_object_get(sc, "audit");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(audit, "user"), "name")), "alice");
	assert_null(json_object_get(json_object_get(root, "data"), "syscheck"));
	json_decref(root);
}

static void test_json_invalid(void **state)
{
	struct fixture *f = *state;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	f->in.manager_name = NULL;
	assert_int_equal(vg_alert_json(&b, &f->in), VG_EINVAL);
	assert_int_equal(vg_alert_log(&b, &f->in), VG_EINVAL);
	vg_buf_free(&b);
}

static void test_log(void **state)
{
	struct fixture *f = *state;
	f->in.prev_logs = prev_v;
	f->in.nprev = 1;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	assert_int_equal(vg_alert_log(&b, &f->in), 0);
	const char *want =
	    "** Alert 1700000000.512: - syslog,sshd,authentication_failed,pci_dss_10.2.4,"
	    "gdpr_IV_35.7.d,pci_dss_10.2.5,tsc_CC6.1,\n"
	    "2023 Nov 14 22:13:20 web->/var/log/auth.log\n"
	    "Rule: 5760 (level 5) -> 'sshd: authentication failed for root from 10.0.0.9.'\n"
	    "Src IP: 10.0.0.9\n"
	    "Src Port: 2222\n"
	    "User: root\n"
	    "Nov 14 22:13:20 web sshd[42]: Failed password for root from 10.0.0.9 port 2222 "
	    "ssh2\n"
	    "win.system.eventID: 4625\n"
	    "win.system.channel: Security\n"
	    "Nov 14 22:13:19 web sshd[1]: Failed password\n"
	    "\n";
	assert_string_equal(vg_buf_str(&b), want);
	vg_buf_free(&b);
}

static void test_description(void **state)
{
	struct fixture *f = *state;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	assert_int_equal(
	    vg_alert_description(&b, "a $(win.system.channel) $(x) $(unclosed", &f->ev), 0);
	assert_string_equal(vg_buf_str(&b), "a Security  $(unclosed");
	vg_buf_free(&b);
}

static size_t count_lines(const char *path)
{
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	size_t n = 0;
	int c;
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

static void test_writer(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/vg_test_alert_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char jpath[256], lpath[256];
	snprintf(jpath, sizeof(jpath), "%s/alerts.json", dir);
	snprintf(lpath, sizeof(lpath), "%s/alerts.log", dir);
	struct vg_alert_writer *w;
	assert_int_equal(vg_alert_writer_open(dir, true, true, &w), 0);
	f->in.id = NULL;
	assert_int_equal(vg_alert_writer_write(w, &f->in), 0);
	assert_int_equal(vg_alert_writer_write(w, &f->in), 0);
	assert_int_equal(vg_alert_writer_flush(w), 0);
	assert_int_equal(count_lines(jpath), 2);
	/* the second alert's id is the size of alerts.log before it */
	FILE *fp = fopen(jpath, "r");
	char line[8192];
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_non_null(strstr(line, "\"id\":\"1700000000.0\""));
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	struct vg_buf one;
	vg_buf_init(&one, 0);
	f->in.id = "1700000000.0";
	assert_int_equal(vg_alert_log(&one, &f->in), 0);
	char want[64];
	snprintf(want, sizeof(want), "\"id\":\"1700000000.%zu\"", one.len);
	assert_non_null(strstr(line, want));
	f->in.id = NULL;
	/* rotation: rename, request a reopen, write: a new file appears */
	char rotated[300];
	snprintf(rotated, sizeof(rotated), "%s.1", jpath);
	assert_int_equal(rename(jpath, rotated), 0);
	vg_alert_writer_request_reopen(w);
	assert_int_equal(vg_alert_writer_write(w, &f->in), 0);
	vg_alert_writer_close(w);
	assert_int_equal(count_lines(jpath), 1);
	assert_int_equal(count_lines(rotated), 2);
	size_t block_lines = 0;
	for (size_t i = 0; i < one.len; i++)
		block_lines += one.data[i] == '\n';
	assert_int_equal(count_lines(lpath), 3 * block_lines);
	vg_buf_free(&one);
	unlink(jpath);
	unlink(rotated);
	unlink(lpath);
	rmdir(dir);
	assert_int_equal(vg_alert_writer_open("/nonexistent/dir", true, true, &w), VG_EIO);
	assert_null(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_syscheck, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_description, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
