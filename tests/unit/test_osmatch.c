/*
 * test_osmatch.c - the OS_Match dialect: case-insensitive substring, '|'
 * alternatives, '^' prefix, '$' suffix, '^...$' exact, leading '!' negation,
 * empty alternatives and the absence of escapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/pattern.h"

static bool om(const char *pat, const char *subj)
{
	struct vg_pattern *p = NULL;
	char err[128];

	assert_int_equal(vg_pattern_compile(VG_PAT_OSMATCH, pat, &p, err, sizeof(err)), 0);
	assert_non_null(p);
	bool r = vg_pattern_match(p, subj, NULL, NULL);
	vg_pattern_destroy(p);
	return r;
}

static void test_substring_and_case(void **state)
{
	(void)state;
	assert_true(om("failed password", "sshd: Failed Password for root"));
	assert_true(om("FAILED", "failed"));
	assert_false(om("failed passwd", "Failed password"));
	assert_true(om("a", "a"));
	assert_false(om("ab", "a"));
	assert_false(om("x", ""));
	/* The match can be anywhere, including the very end. */
	assert_true(om("root", "for root"));
	assert_true(om("aab", "aaab"));
}

static void test_alternatives(void **state)
{
	(void)state;
	assert_true(om("su|sudo|login", "pam: LOGIN ok"));
	assert_false(om("su|sudo|login", "pam: passwd ok"));
	/* An empty alternative matches anything. */
	assert_true(om("nothere|", "whatever"));
	assert_true(om("|nothere", ""));
	assert_true(om("", "anything"));
}

static void test_anchors(void **state)
{
	(void)state;
	assert_true(om("^sshd", "SSHD[12]: x"));
	assert_false(om("^sshd", " sshd"));
	assert_true(om("port 22$", "from x port 22"));
	assert_false(om("port 22$", "port 22 "));
	assert_true(om("^root$", "ROOT"));
	assert_false(om("^root$", "root2"));
	assert_false(om("^root$", "xroot"));
	assert_true(om("^$", ""));
	assert_false(om("^$", "a"));
	assert_true(om("^", "abc")); /* empty prefix */
	assert_true(om("$", "abc")); /* empty suffix */
	assert_true(om("x|^a|b$", "ab"));
	/* '^' and '$' elsewhere are plain characters. */
	assert_true(om("a^b", "xa^bx"));
	assert_true(om("a$b", "a$b"));
}

static void test_negation(void **state)
{
	(void)state;
	assert_false(om("!root", "user root"));
	assert_true(om("!root", "user admin"));
	assert_false(om("!a|b", "b"));
	assert_true(om("!a|b", "c"));
	assert_false(om("!^x$|", "x")); /* empty alternative matches, negated */
	/* Only a leading '!' negates. */
	assert_true(om("a!b", "a!b"));
}

static void test_no_escapes(void **state)
{
	(void)state;
	/* Backslashes and regex characters are literal. */
	assert_true(om("c:\\windows", "C:\\Windows\\System32"));
	assert_true(om("\\d+", "x\\d+y"));
	assert_false(om("\\d+", "123"));
	assert_true(om("(x)", "a(x)b"));
}

static void test_accessors(void **state)
{
	(void)state;
	struct vg_pattern *p;
	struct vg_match m;

	assert_int_equal(vg_pattern_compile(VG_PAT_OSMATCH, "!Abc|d", &p, NULL, 0), 0);
	assert_string_equal(vg_pattern_source(p), "!Abc|d");
	assert_int_equal(vg_pattern_kind_of(p), VG_PAT_OSMATCH);
	assert_int_equal(vg_pattern_groups(p), 0);
	m.ngroups = 7;
	assert_true(vg_pattern_match(p, "xyz", NULL, &m));
	assert_int_equal(m.ngroups, 0);
	assert_string_equal(m.end, "xyz");
	vg_pattern_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_substring_and_case),
		cmocka_unit_test(test_alternatives),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_negation),
		cmocka_unit_test(test_no_escapes),
		cmocka_unit_test(test_accessors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
