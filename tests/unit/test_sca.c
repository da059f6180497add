/*
 * test_sca.c - SCA rule semantics on files made by the test: f:, d:
 * (recursive, file-name filters), c: (output, timeout, missing program),
 * p:, not, all/any/none (short-circuit: commands not reached do not run;
 * one worker or many give the same results), r:/!r:/n:/literal terms, pcre2, variables, load
 * errors with file:line, and the manager-side decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vg_test.h"
#include "vigil/buf.h"
#include "vigil/sca.h"

static char dir[256];

static void write_file(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vg_test_sca_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char sub[512];
	snprintf(sub, sizeof(sub), "%s/conf.d", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/conf.d/deep", dir);
	mkdir(sub, 0755);
	write_file("a.conf", "# comment\nPermitRootLogin no\nMaxAuthTries 4\nUMASK 027\n");
	write_file("conf.d/deep/x.cfg", "option=on\n");
	write_file("conf.d/other.txt", "nothing\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Runs a one-check policy whose rules are given, returns the result. */
static enum vg_sca_result run_rules(const char *cond, const char *regex_type, char **reason,
                                    const char *rules)
{
	char text[4096];
	snprintf(text, sizeof(text),
	         "policy:\n  id: t\n  name: test\n"
	         "variables:\n  $dir: %s\n"
	         "checks:\n  - id: 1\n    title: one\n    condition: %s\n%s%s%s    rules:\n%s",
	         dir, cond, regex_type ? "    regex_type: " : "", regex_type ? regex_type : "",
	         regex_type ? "\n" : "", rules);
	struct vg_diag d;
	vg_diag_init(&d);
	struct vg_sca_policy *p;
	int rc = vg_sca_policy_parse(text, strlen(text), "t.yml", NULL, 0, &p, &d);
	if (rc != VG_OK)
		vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	assert_int_equal(rc, VG_OK);
	struct vg_sca_run_opts o = { .command_timeout_s = 1 };
	struct vg_sca_report *r;
	assert_int_equal(vg_sca_policy_run(p, &o, &r), VG_OK);
	assert_true(r->requirements_met);
	assert_int_equal(r->nchecks, 1);
	enum vg_sca_result res = r->checks[0].result;
	if (reason)
		*reason = r->checks[0].reason ? strdup(r->checks[0].reason) : NULL;
	vg_sca_report_destroy(r);
	vg_sca_policy_destroy(p);
	return res;
}

#define RES(cond, rules) run_rules(cond, NULL, NULL, rules)

static void test_file_rules(void **state)
{
	(void)state;
	assert_int_equal(RES("all", "      - 'f:$dir/a.conf'\n"), VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - 'f:$dir/missing'\n"), VG_SCA_FAILED);
	assert_int_equal(RES("all", "      - 'not f:$dir/missing'\n"), VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - 'f:$dir/a.conf -> r:^PermitRootLogin\\s+no'\n"),
	                 VG_SCA_PASSED);
	/* OS_Regex is case-insensitive; literal terms match whole lines. */
	assert_int_equal(RES("all", "      - 'f:$dir/a.conf -> r:^permitrootlogin'\n"),
	                 VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - 'f:$dir/a.conf -> maxauthtries 4'\n"), VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - 'f:$dir/a.conf -> MaxAuthTries'\n"), VG_SCA_FAILED);
	/* && terms apply to one line; !r: negates a term. */
	assert_int_equal(RES("all", "      - 'f:$dir/a.conf -> r:^PermitRootLogin && !r:yes'\n"),
	                 VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - 'f:$dir/a.conf -> r:^PermitRootLogin && r:yes'\n"),
	                 VG_SCA_FAILED);
	/* The content of a missing file is not applicable, with the reason. */
	char *why = NULL;
	assert_int_equal(run_rules("all", NULL, &why, "      - 'f:$dir/missing -> r:x'\n"),
	                 VG_SCA_NOT_APPLICABLE);
	assert_non_null(why);
	assert_non_null(strstr(why, "Could not open file"));
	free(why);
	/* A file list: any file that matches. */
	assert_int_equal(RES("all", "      - 'f:$dir/missing,$dir/a.conf'\n"), VG_SCA_PASSED);
}

static void test_numeric(void **state)
{
	(void)state;
	assert_int_equal(
	    RES("all", "      - 'f:$dir/a.conf -> n:^MaxAuthTries\\s+(\\d+) compare <= 4'\n"),
	    VG_SCA_PASSED);
	assert_int_equal(
	    RES("all", "      - 'f:$dir/a.conf -> n:^MaxAuthTries\\s+(\\d+) compare < 4'\n"),
	    VG_SCA_FAILED);
	assert_int_equal(
	    RES("all", "      - 'f:$dir/a.conf -> n:^MaxAuthTries\\s+(\\d+) compare == 4'\n"),
	    VG_SCA_PASSED);
	assert_int_equal(
	    RES("all", "      - 'f:$dir/a.conf -> n:^MaxAuthTries\\s+(\\d+) compare != 4'\n"),
	    VG_SCA_FAILED);
	assert_int_equal(
	    RES("all", "      - 'f:$dir/a.conf -> n:^UMASK\\s+(\\d+) compare >= 27'\n"),
	    VG_SCA_PASSED);
	/* Without "compare" the rule is not applicable. */
	assert_int_equal(RES("all", "      - 'f:$dir/a.conf -> n:^MaxAuthTries\\s+(\\d+)'\n"),
	                 VG_SCA_NOT_APPLICABLE);
}

static void test_conditions(void **state)
{
	(void)state;
	const char *one_of_each = "      - 'f:$dir/a.conf'\n      - 'f:$dir/missing'\n";
	assert_int_equal(RES("all", one_of_each), VG_SCA_FAILED);
	assert_int_equal(RES("any", one_of_each), VG_SCA_PASSED);
	assert_int_equal(RES("none", one_of_each), VG_SCA_FAILED);
	assert_int_equal(RES("none", "      - 'f:$dir/missing'\n"), VG_SCA_PASSED);
	/* An invalid rule: all/none end not applicable unless decided; any can pass. */
	const char *invalid_first = "      - 'f:$dir/missing -> r:x'\n      - 'f:$dir/a.conf'\n";
	assert_int_equal(RES("all", invalid_first), VG_SCA_NOT_APPLICABLE);
	assert_int_equal(RES("any", invalid_first), VG_SCA_PASSED);
	assert_int_equal(RES("none", invalid_first), VG_SCA_FAILED);
	assert_int_equal(RES("all", "      - 'f:$dir/missing -> r:x'\n      - 'f:$dir/nope'\n"),
	                 VG_SCA_FAILED);
	assert_int_equal(RES("none", "      - 'f:$dir/missing -> r:x'\n      - 'f:$dir/nope'\n"),
	                 VG_SCA_NOT_APPLICABLE);
}

static void test_directory(void **state)
{
	(void)state;
	assert_int_equal(RES("all", "      - 'd:$dir/conf.d'\n"), VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - 'd:$dir/none'\n"), VG_SCA_FAILED);
	/* Recursive: the file two levels down matches by name and content. */
	assert_int_equal(RES("all", "      - 'd:$dir/conf.d -> r:\\.cfg$ -> r:^option=on'\n"),
	                 VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - 'd:$dir/conf.d -> r:\\.cfg$ -> r:^option=off'\n"),
	                 VG_SCA_FAILED);
	assert_int_equal(RES("all", "      - 'd:$dir/conf.d -> other.txt -> r:nothing'\n"),
	                 VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - 'd:$dir/none -> r:x -> r:y'\n"),
	                 VG_SCA_NOT_APPLICABLE);
}

static void test_command(void **state)
{
	(void)state;
	assert_int_equal(RES("all", "      - \"c:sh -c 'echo hello; echo world' -> r:^world$\"\n"),
	                 VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - \"c:echo hello -> r:^bye\"\n"), VG_SCA_FAILED);
	char *why = NULL;
	assert_int_equal(run_rules("all", NULL, &why, "      - 'c:sleep 5 -> r:x'\n"),
	                 VG_SCA_NOT_APPLICABLE);
	assert_non_null(strstr(why, "Timeout"));
	free(why);
	assert_int_equal(
	    run_rules("all", NULL, &why, "      - 'c:/nonexistent/vigil-prog -> r:x'\n"),
	    VG_SCA_NOT_APPLICABLE);
	assert_non_null(strstr(why, "Invalid path"));
	free(why);
	/* Without a pattern the command is not run and the rule is found. */
	assert_int_equal(RES("all", "      - 'c:/nonexistent/vigil-prog'\n"), VG_SCA_PASSED);
}

static bool exists_in_dir(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* Wazuh's agent takes exit status 127 as "could not run" (its own execvp
 * failure), so a shell's "command not found" is not applicable too. */
static void test_command_not_run(void **state)
{
	(void)state;
	char *why = NULL;
	assert_int_equal(
	    run_rules("all", NULL, &why, "      - \"c:sh -c 'vigil-no-such-program-x' -> r:.\"\n"),
	    VG_SCA_NOT_APPLICABLE);
	assert_non_null(why);
	assert_non_null(strstr(why, "Invalid path or wrong permissions"));
	free(why);
	/* Other exit statuses keep the output. */
	assert_int_equal(RES("all", "      - \"c:sh -c 'echo out; exit 3' -> r:^out$\"\n"),
	                 VG_SCA_PASSED);
}

/* Output lines as Wazuh's agent splits them: the final newline leaves an
 * empty last line, an empty output is one empty line, and a newline after
 * a backslash joins two lines. */
static void test_command_lines(void **state)
{
	(void)state;
	/* "active", then "": the empty line has no "active". */
	assert_int_equal(RES("all", "      - 'c:echo active -> !r:active'\n"), VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - 'c:true -> !r:x'\n"), VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - 'c:true -> r:x'\n"), VG_SCA_FAILED);
	/* echo -n: no final newline, no empty line. */
	assert_int_equal(RES("all", "      - 'c:echo -n active -> !r:active'\n"), VG_SCA_FAILED);
	write_file("joined.txt", "ab\\\ncd\nef\n");
	assert_int_equal(RES("all", "      - 'c:cat $dir/joined.txt -> r:^cd'\n"), VG_SCA_FAILED);
	assert_int_equal(RES("all", "      - 'c:cat $dir/joined.txt -> r:^ab'\n"), VG_SCA_PASSED);
	assert_int_equal(RES("all", "      - 'c:cat $dir/joined.txt -> r:^ef$'\n"), VG_SCA_PASSED);
}

/* A command behind a rule that is never reached does not run. */
static void test_short_circuit(void **state)
{
	(void)state;
	char rules[1024];
	snprintf(rules, sizeof(rules),
	         "      - 'f:$dir/missing'\n      - 'c:touch $dir/ran_all -> r:x'\n");
	assert_int_equal(RES("all", rules), VG_SCA_FAILED);
	assert_false(exists_in_dir("ran_all"));
	snprintf(rules, sizeof(rules),
	         "      - 'f:$dir/a.conf'\n      - 'c:touch $dir/ran_any -> r:x'\n");
	assert_int_equal(RES("any", rules), VG_SCA_PASSED);
	assert_false(exists_in_dir("ran_any"));
	snprintf(rules, sizeof(rules),
	         "      - 'f:$dir/a.conf'\n      - 'c:touch $dir/ran_none -> r:x'\n");
	assert_int_equal(RES("none", rules), VG_SCA_FAILED);
	assert_false(exists_in_dir("ran_none"));
	/* Reached: it runs (touch prints nothing: not found). */
	snprintf(rules, sizeof(rules),
	         "      - 'f:$dir/a.conf'\n      - 'c:touch $dir/ran_reached -> r:x'\n");
	assert_int_equal(RES("all", rules), VG_SCA_FAILED);
	assert_true(exists_in_dir("ran_reached"));
}

/* Builds a policy of many checks sharing commands. */
static struct vg_sca_policy *many_checks(void)
{
	static const char *const kinds[] = {
		"      - \"c:sh -c 'echo run >> $dir/count; echo PermitRootLogin no' -> r:no$\"\n",
		"      - 'f:$dir/a.conf -> r:^MaxAuthTries && n:(\\d+) compare <= 4'\n",
		"      - 'f:$dir/missing -> r:x'\n      - 'c:echo never -> r:never'\n",
		"      - 'c:echo a b c -> r:^a b c$'\n      - 'not c:echo zzz -> r:^yyy'\n",
		"      - 'd:$dir -> r:\\.cfg$ -> r:^option=on'\n",
		"      - 'c:sleep 0.05 -> r:x'\n",
	};
	struct vg_buf b;
	vg_buf_init(&b, 0);
	vg_buf_printf(&b, "policy:\n  id: m\n  name: many\nvariables:\n  $dir: %s\nchecks:\n", dir);
	for (int i = 0; i < 48; i++)
		vg_buf_printf(&b, "  - id: %d\n    title: c%d\n    condition: %s\n    rules:\n%s",
		              100 + i, i, i % 3 == 1 ? "any" : "all", kinds[i % 6]);
	struct vg_diag d;
	vg_diag_init(&d);
	struct vg_sca_policy *p = NULL;
	int rc = vg_sca_policy_parse(vg_buf_str(&b), b.len, "m.yml", NULL, 0, &p, &d);
	if (rc != VG_OK)
		vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	vg_buf_free(&b);
	assert_int_equal(rc, VG_OK);
	return p;
}

static size_t count_lines(const char *name)
{
	char path[512], line[64];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	size_t n = 0;
	while (f && fgets(line, sizeof(line), f))
		n++;
	if (f)
		fclose(f);
	unlink(path);
	return n;
}

/* One worker or many: the same results and reasons; a command shared by
 * many checks runs once per run. */
static void test_parallel_same(void **state)
{
	(void)state;
	struct vg_sca_policy *p = many_checks();
	struct vg_sca_report *r1, *r8;
	struct vg_sca_run_opts o1 = { .command_timeout_s = 5, .workers = 1 };
	struct vg_sca_run_opts o8 = { .command_timeout_s = 5, .workers = 8 };
	assert_int_equal(vg_sca_policy_run(p, &o1, &r1), VG_OK);
	assert_int_equal(count_lines("count"), 1);
	assert_int_equal(vg_sca_policy_run(p, &o8, &r8), VG_OK);
	assert_int_equal(count_lines("count"), 1);
	assert_int_equal(r1->nchecks, 48);
	assert_int_equal(r8->nchecks, 48);
	for (size_t i = 0; i < r1->nchecks; i++) {
		assert_int_equal(r1->checks[i].id, 100 + (long)i);
		assert_int_equal(r1->checks[i].id, r8->checks[i].id);
		assert_int_equal(r1->checks[i].result, r8->checks[i].result);
		assert_string_equal(r1->checks[i].reason ? r1->checks[i].reason : "-",
		                    r8->checks[i].reason ? r8->checks[i].reason : "-");
	}
	/* Every kind decides as written: pass, pass, n/a, pass, pass, fail. */
	static const enum vg_sca_result want[] = { VG_SCA_PASSED,         VG_SCA_PASSED,
		                                   VG_SCA_NOT_APPLICABLE, VG_SCA_PASSED,
		                                   VG_SCA_PASSED,         VG_SCA_FAILED };
	for (size_t i = 0; i < r8->nchecks; i++)
		assert_int_equal(r8->checks[i].result, want[i % 6]);
	assert_string_equal(r1->hash, r8->hash);
	vg_sca_report_destroy(r1);
	vg_sca_report_destroy(r8);
	vg_sca_policy_destroy(p);
}

static void test_process_and_pcre2(void **state)
{
	(void)state;
	assert_int_equal(RES("any", "      - 'p:test_sca'\n"), VG_SCA_PASSED);
	assert_int_equal(RES("any", "      - 'p:no-such-process-vigil'\n"), VG_SCA_FAILED);
	/* PCRE2 is case-sensitive and knows lookaheads. */
	assert_int_equal(run_rules("all", "pcre2", NULL,
	                           "      - 'f:$dir/a.conf -> r:^Permit(?!Foo)\\w+ no$'\n"),
	                 VG_SCA_PASSED);
	assert_int_equal(run_rules("all", "pcre2", NULL, "      - 'f:$dir/a.conf -> r:^permit'\n"),
	                 VG_SCA_FAILED);
}

static void test_load_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"policy:\n  id: x\n  name: y\nchecks:\n  - id: 1\n    title: t\n    condition: "
		"all\n    rules:\n      - 'x:/etc/passwd'\n",
		"policy:\n  id: x\n  name: y\nchecks:\n  - id: 1\n    title: t\n    rules:\n      "
		"- "
		"'f:/etc/passwd'\n",
		"policy:\n  id: x\n  name: y\nchecks:\n  - id: 1\n    title: t\n    condition: "
		"sometimes\n    rules:\n      - 'f:/etc/passwd'\n",
		"policy:\n  name: y\nchecks: []\n",
		"policy: [\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vg_diag d;
		vg_diag_init(&d);
		struct vg_sca_policy *p = (void *)1;
		assert_int_equal(
		    vg_sca_policy_parse(bad[i], strlen(bad[i]), "bad.yml", NULL, 0, &p, &d),
		    VG_EPARSE);
		assert_null(p);
		assert_true(d.errors > 0);
		assert_string_equal(d.msgs[0].file, "bad.yml");
		assert_true(d.msgs[0].line > 0);
		vg_diag_free(&d);
	}
	char err[256];
	assert_int_equal(vg_sca_rule_check("q:/x", false, err, sizeof(err)), VG_EPARSE);
	assert_non_null(strstr(err, "expected a type"));
	assert_int_equal(vg_sca_rule_check("not d:/x -> r:a -> r:b && !r:c", false, err, 64),
	                 VG_OK);
}

static void test_variables(void **state)
{
	(void)state;
	const char *text = "policy:\n  id: v\n  name: v\nvariables:\n  $f: /nonexistent\n"
	                   "checks:\n  - id: 7\n    title: t\n    condition: all\n    rules:\n"
	                   "      - 'f:$f'\n";
	char path[512];
	snprintf(path, sizeof(path), "%s/a.conf", dir);
	struct vg_sca_var ovr = { "f", path };
	for (int pass = 0; pass < 2; pass++) {
		struct vg_diag d;
		vg_diag_init(&d);
		struct vg_sca_policy *p;
		assert_int_equal(vg_sca_policy_parse(text, strlen(text), "v.yml",
		                                     pass ? &ovr : NULL, pass ? 1 : 0, &p, &d),
		                 VG_OK);
		struct vg_sca_report *r;
		assert_int_equal(vg_sca_policy_run(p, NULL, &r), VG_OK);
		assert_int_equal(r->checks[0].result, pass ? VG_SCA_PASSED : VG_SCA_FAILED);
		assert_int_equal(strlen(r->hash), 64);
		vg_sca_report_destroy(r);
		vg_sca_policy_destroy(p);
		vg_diag_free(&d);
	}
}

static void test_decode(void **state)
{
	(void)state;
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	const char *check =
	    "{\"type\":\"check\",\"id\":42,\"policy\":\"P\",\"policy_id\":\"p1\","
	    "\"check\":{\"id\":7,\"title\":\"T\",\"compliance\":{\"cis\":\"1.1,1.2\"},"
	    "\"file\":\"/a,/b\",\"result\":\"failed\",\"previous_result\":\"passed\"}}";
	assert_int_equal(vg_sca_decode(&ev, check, strlen(check)), VG_OK);
	assert_string_equal(ev.decoder_name, "sca");
	assert_string_equal(vg_event_get(&ev, "sca.type"), "check");
	assert_string_equal(vg_event_get(&ev, "sca.scan_id"), "42");
	assert_string_equal(vg_event_get(&ev, "sca.check.id"), "7");
	assert_string_equal(vg_event_get(&ev, "sca.check.result"), "failed");
	assert_string_equal(vg_event_get(&ev, "sca.check.previous_result"), "passed");
	assert_string_equal(vg_event_get(&ev, "sca.check.compliance.cis"), "1.1,1.2");
	assert_string_equal(vg_event_get(&ev, "sca.check.file"), "[\"/a\",\"/b\"]");
	vg_event_reset(&ev);
	const char *sum =
	    "{\"type\":\"summary\",\"scan_id\":3,\"name\":\"P\",\"policy_id\":\"p1\","
	    "\"passed\":1,\"failed\":2,\"invalid\":0,\"total_checks\":3,\"score\":33}";
	assert_int_equal(vg_sca_decode(&ev, sum, strlen(sum)), VG_OK);
	assert_null(vg_event_get(&ev, "sca.type")); /* no change: stored, no alert */
	vg_event_reset(&ev);
	char forced[512];
	snprintf(forced, sizeof(forced), "%.*s,\"force_alert\":\"1\"}", (int)strlen(sum) - 1, sum);
	assert_int_equal(vg_sca_decode(&ev, forced, strlen(forced)), VG_OK);
	assert_string_equal(vg_event_get(&ev, "sca.score"), "33");
	assert_string_equal(vg_event_get(&ev, "sca.failed"), "2");
	vg_event_reset(&ev);
	assert_int_equal(vg_sca_decode(&ev, "{\"type\":\"check\"", 16), VG_EPARSE);
	assert_int_equal(vg_sca_decode(&ev, "{\"type\":\"check\"}", 16), VG_EPARSE);
	assert_int_equal(vg_sca_decode(&ev, "{\"a\":1}", 7), VG_ENOENT);
	assert_int_equal(vg_sca_decode(&ev, "hello", 5), VG_ENOENT);
	vg_event_destroy(&ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_rules),    cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_conditions),    cmocka_unit_test(test_directory),
		cmocka_unit_test(test_command),       cmocka_unit_test(test_process_and_pcre2),
		cmocka_unit_test(test_load_errors),   cmocka_unit_test(test_variables),
		cmocka_unit_test(test_decode),        cmocka_unit_test(test_command_not_run),
		cmocka_unit_test(test_short_circuit), cmocka_unit_test(test_command_lines),
		cmocka_unit_test(test_parallel_same),
	};
	return vg_test_result(cmocka_run_group_tests(tests, setup, teardown));
}
