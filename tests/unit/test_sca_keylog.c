/*
 * test_sca_keylog.c - Vigil's keystroke-logging check (policy
 * vigil_credential_capture, check 30000) on a temporary PAM directory: it
 * passes without pam_tty_audit and fails once "session required
 * pam_tty_audit.so enable=*" is added. The SCA input (vg_sca_open_ex with
 * a temporary data directory) sends every check first, then only the
 * changed one with previous_result; both messages go through the SCA
 * decoder and the rules: Wazuh's 0570-sca_rules.xml gives 19011 (level 9)
 * for the passed->failed change, alone and with Vigil's built-in ruleset;
 * Vigil's built-in ruleset alone gives 304010 (level 12).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vg_test.h"
#include "engine/ruleset_internal.h"
#include "vigil/engine.h"
#include "vigil/pattern.h"
#include "vigil/rule.h"
#include "vigil/sca.h"

static char tmp[256], pam[300], data[300];

struct msgs {
	char *v[512];
	size_t n;
};

static void collect(void *ctx, const char *loc, const char *line, size_t len)
{
	struct msgs *m = ctx;
	assert_string_equal(loc, "sca");
	if (m->n < 512)
		m->v[m->n++] = strndup(line, len);
}

static void msgs_free(struct msgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i]);
	m->n = 0;
}

static void write_pam(const char *extra)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/common-session", pam);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "session [default=1] pam_permit.so\nsession required pam_unix.so\n%s",
	        extra ? extra : "");
	fclose(f);
}

/* The message about check id, or NULL. */
static const char *find_check(const struct msgs *m, long id)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "\"check\":{\"id\":%ld,", id);
	for (size_t i = 0; i < m->n; i++)
		if (strstr(m->v[i], needle))
			return m->v[i];
	return NULL;
}

struct rules {
	struct vg_ruleset *rs;
	struct vg_rule_state *st;
	struct vg_pattern_scratch *scr;
};

/* Loads Wazuh's SCA rules (with their rules_config) and/or Vigil's built-in
 * ruleset, in the engine's order (built-in first). */
static int load_rules(struct rules *r, bool wazuh, bool builtin)
{
	char cfgp[512], scap[512];
	struct vg_diag d;
	vg_diag_init(&d);
	memset(r, 0, sizeof(*r));
	if (vg_test_data_path(cfgp, sizeof(cfgp), "wazuh-ruleset/rules/0010-rules_config.xml") ||
	    vg_test_data_path(scap, sizeof(scap), "wazuh-ruleset/rules/0570-sca_rules.xml"))
		return -1;
	struct vg_ruleset_file files[] = { { .name = "0010-rules_config.xml", .path = cfgp },
		                           { .name = "0570-sca_rules.xml", .path = scap } };
	struct vg_ruleset_opts o = { .rule_files = files,
		                     .nrule_files = wazuh ? 2 : 0,
		                     .builtin = builtin };
	int rc = vg_ruleset_load(&o, &r->rs, &d);
	if (rc != VG_OK)
		vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	assert_int_equal(rc, VG_OK);
	assert_int_equal(vg_rule_state_create(r->rs->rules, &r->st), VG_OK);
	r->scr = vg_pattern_scratch_create();
	return 0;
}

static void rules_free(struct rules *r)
{
	vg_pattern_scratch_destroy(r->scr);
	vg_rule_state_destroy(r->st);
	vg_ruleset_unref(r->rs);
}

/* Decodes and evaluates one message; returns the rule (id and level out). */
static void eval(struct rules *r, const char *msg, unsigned *id, int *level)
{
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	ev.full_log = ev.log = msg;
	ev.location = "sca";
	assert_int_equal(vg_sca_decode(&ev, msg, strlen(msg)), VG_OK);
	struct vg_rule_result res;
	const struct vg_rule *rule = vg_rule_eval(r->rs->rules, r->st, &ev, r->scr, &res);
	*id = rule ? rule->id : 0;
	*level = rule ? rule->level : -1;
	vg_event_destroy(&ev);
}

static void test_keylogger(void **state)
{
	(void)state;
	char path[512];
	vg_test_require_data(path, sizeof(path), "wazuh-ruleset/rules/0570-sca_rules.xml");
	snprintf(tmp, sizeof(tmp), "/tmp/vg_test_keylog_XXXXXX");
	assert_non_null(mkdtemp(tmp));
	snprintf(pam, sizeof(pam), "%s/pam.d", tmp);
	snprintf(data, sizeof(data), "%s/data", tmp);
	assert_int_equal(mkdir(pam, 0755), 0);
	assert_int_equal(mkdir(data, 0755), 0);
	write_pam(NULL);

	struct vg_config_sca cfg = { .builtin = true, .interval_s = 3600, .command_timeout_s = 5 };
	struct vg_sca_var var = { "pam_dir", pam };
	struct vg_sca_opts o = { .no_thread = true, .vars = &var, .nvars = 1 };
	struct vg_diag d;
	vg_diag_init(&d);
	struct vg_sca *s;
	assert_int_equal(vg_sca_open_ex(&cfg, data, &o, &s, &d), VG_OK);
	vg_diag_free(&d);
	assert_true(vg_sca_fd(s) >= 0);

	/* First scan: every check is sent; 30000 passes. */
	struct msgs first = { 0 }, second = { 0 }, third = { 0 };
	assert_int_equal(vg_sca_scan_now(s), VG_OK);
	assert_true(vg_sca_poll(s, collect, &first, 0) > 2);
	const char *m0 = find_check(&first, 30000);
	assert_non_null(m0);
	assert_non_null(strstr(m0, "\"result\":\"passed\""));
	assert_null(strstr(m0, "previous_result"));
	assert_non_null(find_check(&first, 30050)); /* the other policy is there too */

	/* Nothing changed: no check is sent again, only the summaries. */
	assert_int_equal(vg_sca_scan_now(s), VG_OK);
	vg_sca_poll(s, collect, &third, 0);
	assert_null(find_check(&third, 30000));
	for (size_t i = 0; i < third.n; i++)
		assert_non_null(strstr(third.v[i], "\"type\":\"summary\""));

	/* The keylogger line: 30000 fails and is the one check sent. */
	write_pam("session required pam_tty_audit.so enable=*\n");
	assert_int_equal(vg_sca_scan_now(s), VG_OK);
	vg_sca_poll(s, collect, &second, 0);
	const char *m1 = find_check(&second, 30000);
	assert_non_null(m1);
	assert_non_null(strstr(m1, "\"result\":\"failed\""));
	assert_non_null(strstr(m1, "\"previous_result\":\"passed\""));
	size_t nchecks = 0;
	for (size_t i = 0; i < second.n; i++)
		nchecks += strstr(second.v[i], "\"type\":\"check\"") != NULL;
	assert_int_equal(nchecks, 1);

	/* Wazuh's rules: first result 19008 (passed), the change 19011 level 9. */
	struct rules r;
	unsigned id;
	int level;
	assert_int_equal(load_rules(&r, true, false), 0);
	eval(&r, m0, &id, &level);
	assert_int_equal(id, 19008);
	eval(&r, m1, &id, &level);
	assert_int_equal(id, 19011);
	assert_int_equal(level, 9);
	rules_free(&r);

	/* Wazuh's rules + Vigil's built-in ruleset (the engine's order): the
	 * same, Wazuh's 19000 tree is tried first. */
	assert_int_equal(load_rules(&r, true, true), 0);
	eval(&r, m0, &id, &level);
	assert_int_equal(id, 19008);
	eval(&r, m1, &id, &level);
	assert_int_equal(id, 19011);
	assert_int_equal(level, 9);
	rules_free(&r);

	/* Vigil's built-in ruleset alone: the change is 304010 (level 12), a
	 * failure without a previous result 304011 (level 10), a pass no alert. */
	assert_int_equal(load_rules(&r, false, true), 0);
	eval(&r, m0, &id, &level);
	assert_true(level <= 0);
	eval(&r, m1, &id, &level);
	assert_int_equal(id, 304010);
	assert_int_equal(level, 12);
	char *first_fail = strdup(m1);
	const char *prev = ",\"previous_result\":\"passed\"";
	char *p = strstr(first_fail, prev);
	assert_non_null(p);
	memmove(p, p + strlen(prev), strlen(p + strlen(prev)) + 1);
	eval(&r, first_fail, &id, &level);
	assert_int_equal(id, 304011);
	assert_int_equal(level, 10);
	free(first_fail);
	rules_free(&r);

	msgs_free(&first);
	msgs_free(&second);
	msgs_free(&third);
	vg_sca_close(s);

	/* Results survive a restart: a new instance sends only changes. */
	write_pam(NULL);
	assert_int_equal(vg_sca_open_ex(&cfg, data, &o, &s, &d), VG_OK);
	assert_int_equal(vg_sca_scan_now(s), VG_OK);
	vg_sca_poll(s, collect, &first, 0);
	m0 = find_check(&first, 30000);
	assert_non_null(m0);
	assert_non_null(strstr(m0, "\"previous_result\":\"failed\""));
	assert_null(find_check(&first, 30050));
	msgs_free(&first);
	vg_sca_close(s);
	vg_diag_free(&d);

	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keylogger),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
