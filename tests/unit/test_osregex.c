/*
 * test_osregex.c - OS_Regex against Wazuh's own execution test-suite
 * ($VIGIL_SHARED/data/os_regex/test_os_regex_execute.json: match or not, the
 * last matched character and the captured groups of every case), plus
 * compile errors and the end-pointer convention decoders rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_test.h"
#include "vigil/error.h"
#include "vigil/pattern.h"

struct tally {
	unsigned passed, failed, skipped, ignored, ignored_agree;
};

/* Compares one case; returns NULL when Vigil agrees, else what differed. */
static const char *run_case(json_t *c, char *why, size_t whylen)
{
	const char *pat = json_string_value(json_object_get(c, "pattern"));
	const char *log = json_string_value(json_object_get(c, "log"));
	json_t *jend = json_object_get(c, "end_match");
	json_t *jgroups = json_object_get(c, "captured_groups");
	struct vg_pattern *p = NULL;
	struct vg_match m;
	char err[128];
	bool matched = false;

	if (!pat || !log)
		return "malformed case";
	if (vg_pattern_compile(VG_PAT_OSREGEX, pat, &p, err, sizeof(err)) == 0)
		matched = vg_pattern_match(p, log, NULL, &m);
	vg_pattern_destroy(p);
	if (matched != json_is_string(jend)) {
		snprintf(why, whylen, "expected %s", matched ? "no match" : "a match");
		return why;
	}
	if (!matched)
		return NULL;
	if (strcmp(m.last, json_string_value(jend)) != 0) {
		snprintf(why, whylen, "end '%s', expected '%s'", m.last, json_string_value(jend));
		return why;
	}
	if (m.ngroups != json_array_size(jgroups)) {
		snprintf(why, whylen, "%u groups, expected %zu", m.ngroups,
		         json_array_size(jgroups));
		return why;
	}
	for (unsigned i = 0; i < m.ngroups; i++) {
		const char *want = json_string_value(json_array_get(jgroups, i));
		if (!want || strlen(want) != m.groups[i].len ||
		    memcmp(want, m.groups[i].start, m.groups[i].len) != 0) {
			snprintf(why, whylen, "group %u '%.*s', expected '%s'", i,
			         (int)m.groups[i].len, m.groups[i].start, want ? want : "?");
			return why;
		}
	}
	return NULL;
}

static void tally_case(json_t *c, struct tally *t)
{
	char why[512];
	const char *bad;

	if (json_is_true(json_object_get(c, "skip_test"))) {
		t->skipped++;
		return;
	}
	bad = run_case(c, why, sizeof(why));
	if (json_is_true(json_object_get(c, "ignore_result"))) {
		t->ignored++;
		if (!bad)
			t->ignored_agree++;
		return;
	}
	if (!bad) {
		t->passed++;
		return;
	}
	t->failed++;
	printf("FAIL pattern '%s' log '%s': %s\n", json_string_value(json_object_get(c, "pattern")),
	       json_string_value(json_object_get(c, "log")), bad);
}

static void test_wazuh_execute_suite(void **state)
{
	(void)state;
	char path[1024];
	json_error_t jerr;
	struct tally t = { 0 };

	vg_test_require_data(path, sizeof(path), "os_regex/test_os_regex_execute.json");
	json_t *root = json_load_file(path, 0, &jerr);
	assert_non_null(root);
	assert_true(json_is_array(root));
	size_t i, j;
	json_t *suite, *c;
	json_array_foreach(root, i, suite)
	{
		json_t *batch = json_object_get(suite, "batch_test");
		assert_true(json_is_array(batch));
		json_array_foreach(batch, j, c) tally_case(c, &t);
	}
	json_decref(root);
	printf("os_regex: %u passed, %u failed, %u skipped, %u ignore_result (%u agree)\n",
	       t.passed, t.failed, t.skipped, t.ignored, t.ignored_agree);
	assert_true(t.passed > 0);
	assert_int_equal(t.failed, 0);
}

static void expect_parse_error(const char *pat, const char *reason_part)
{
	struct vg_pattern *p = (struct vg_pattern *)1;
	char err[128] = "";

	assert_int_equal(vg_pattern_compile(VG_PAT_OSREGEX, pat, &p, err, sizeof(err)), VG_EPARSE);
	assert_null(p);
	if (!strstr(err, reason_part))
		fail_msg("pattern '%s': reason '%s' lacks '%s'", pat, err, reason_part);
}

static void test_compile_errors(void **state)
{
	(void)state;
	expect_parse_error("abc\\q", "invalid escape '\\q' at offset 3");
	expect_parse_error("abc\\", "trailing backslash");
	expect_parse_error("((a))", "parenthesis");
	expect_parse_error("(a", "unclosed");
	expect_parse_error("a)", "parenthesis");
	expect_parse_error("(a|b)", "'|' inside a group");
	expect_parse_error("\\d{3}\\x", "invalid escape");
}

static bool rx(const char *pat, const char *subj, struct vg_match *m)
{
	struct vg_pattern *p;
	assert_int_equal(vg_pattern_compile(VG_PAT_OSREGEX, pat, &p, NULL, 0), 0);
	bool r = vg_pattern_match(p, subj, NULL, m);
	vg_pattern_destroy(p);
	return r;
}

static void test_semantics(void **state)
{
	(void)state;
	struct vg_match m;
	const char *s = "Accepted password for ROOT from 10.0.0.1 port 22";

	/* Case-insensitive literals; end is just after the match. */
	assert_true(rx("accepted PASSWORD", s, &m));
	assert_string_equal(m.end, " for ROOT from 10.0.0.1 port 22");
	assert_string_equal(m.last, "d for ROOT from 10.0.0.1 port 22");
	/* Captures with classes. */
	assert_true(rx("for (\\S+) from (\\S+) port (\\d+)", s, &m));
	assert_int_equal(m.ngroups, 3);
	assert_int_equal(m.groups[0].len, 4);
	assert_memory_equal(m.groups[0].start, "ROOT", 4);
	assert_memory_equal(m.groups[1].start, "10.0.0.1", 8);
	assert_memory_equal(m.groups[2].start, "22", 2);
	/* Wazuh quirk (its "BUG 3"): a pattern ending in a quantified class
	 * reports the first byte of the final repetition as the last match. */
	assert_string_equal(m.last, "22");
	assert_string_equal(m.end, "2");
	assert_true(rx("port \\d+ ", "port 22 x", &m));
	assert_string_equal(m.end, "x");
	/* '^' and '$' per alternative; '|' alternation. */
	assert_false(rx("^password", s, NULL));
	assert_true(rx("^nomatch|^accepted", s, NULL));
	assert_true(rx("port 22$", s, NULL));
	assert_false(rx("port 2$", s, NULL));
	/* \s is a space only; \t a tab; escapes of special characters. */
	assert_false(rx("a\\sb", "a\tb", NULL));
	assert_true(rx("a\\tb", "a\tb", NULL));
	assert_true(rx("\\(x\\)\\$\\|\\<\\\\", "(x)$|<\\", NULL));
	/* '+' after a literal is a literal. */
	assert_true(rx("a+b", "xa+b", NULL));
	assert_false(rx("a+b", "aab", NULL));
	/* \w includes '@' and '-'; \p does not include '/'. */
	assert_true(rx("^\\w+$", "user@host-1_x", NULL));
	assert_false(rx("\\p", "abc/def", NULL));
	/* Non-ASCII literals never match (reproduced Wazuh x86 behaviour). */
	assert_false(rx("caf\xc3\xa9", "caf\xc3\xa9", NULL));
	assert_true(rx("caf\\.\\.", "caf\xc3\xa9", NULL));
	/* Empty pattern matches at the start. */
	assert_true(rx("", "abc", &m));
	assert_ptr_equal(m.end, m.last + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_wazuh_execute_suite),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
