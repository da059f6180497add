/*
 * test_literals.c - unit tests of the required-literal, exact-value and
 * prefix views of compiled patterns (what the log gate and the decoders'
 * program-name index build on). The log gate itself is tested in
 * test_gate.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/pattern.h"

static struct vg_pattern *compile(enum vg_pattern_kind k, const char *src)
{
	struct vg_pattern *p = NULL;
	char err[128];
	assert_int_equal(vg_pattern_compile(k, src, &p, err, sizeof(err)), VG_OK);
	return p;
}

/* The i-th literal as a string, for comparisons. */
static const char *lit(const struct vg_pattern *p, size_t i, char *buf, size_t cap)
{
	size_t len;
	const char *s = vg_pattern_literal(p, i, &len);
	snprintf(buf, cap, "%.*s", (int)len, s);
	return buf;
}

static void test_literals(void **state)
{
	(void)state;
	char b[64];
	struct vg_pattern *p = compile(VG_PAT_OSMATCH, "Failed password|Invalid USER");
	assert_int_equal(vg_pattern_literal_count(p), 2);
	assert_string_equal(lit(p, 0, b, sizeof(b)), "failed password");
	assert_string_equal(lit(p, 1, b, sizeof(b)), "invalid user");
	vg_pattern_destroy(p);

	/* Negated, an empty alternative, or anchored-only: no prefilter literals. */
	const char *none[] = { "!abc", "abc|", "^abc|^def$", "" };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		p = compile(VG_PAT_OSMATCH, none[i]);
		assert_int_equal(vg_pattern_literal_count(p), 0);
		vg_pattern_destroy(p);
	}

	/* OS_Regex: the most selective required run, one per alternative. */
	p = compile(VG_PAT_OSREGEX, "\\d+ session opened \\w+|^x\\d+%");
	assert_int_equal(vg_pattern_literal_count(p), 2);
	assert_string_equal(lit(p, 0, b, sizeof(b)), " session opened ");
	assert_string_equal(lit(p, 1, b, sizeof(b)), "%");
	vg_pattern_destroy(p);
	p = compile(VG_PAT_OSREGEX, "^\\d+:\\w+");
	assert_int_equal(vg_pattern_literal_count(p), 1);
	assert_string_equal(lit(p, 0, b, sizeof(b)), ":");
	vg_pattern_destroy(p);
	p = compile(VG_PAT_OSREGEX, "\\w+\\s\\d+");
	assert_int_equal(vg_pattern_literal_count(p), 0);
	vg_pattern_destroy(p);
	p = compile(VG_PAT_PCRE2, "Failed (\\w+)");
	assert_int_equal(vg_pattern_literal_count(p), 0);
	vg_pattern_destroy(p);
}

static void test_exact_and_prefix(void **state)
{
	(void)state;
	size_t len;
	bool whole;
	struct vg_pattern *p = compile(VG_PAT_OSREGEX, "^4625$|^4771$");
	assert_int_equal(vg_pattern_exact_count(p), 2);
	assert_memory_equal(vg_pattern_exact_value(p, 1, &len), "4771", 4);
	assert_int_equal(len, 4);
	vg_pattern_destroy(p);
	p = compile(VG_PAT_OSREGEX, "^46\\d5$");
	assert_int_equal(vg_pattern_exact_count(p), 0);
	vg_pattern_destroy(p);
	p = compile(VG_PAT_OSMATCH, "^Logon$|^ab$");
	assert_int_equal(vg_pattern_exact_count(p), 2);
	assert_memory_equal(vg_pattern_exact_value(p, 0, &len), "logon", 5);
	vg_pattern_destroy(p);

	p = compile(VG_PAT_OSMATCH, "^sshd|^Cron$");
	assert_int_equal(vg_pattern_prefix_count(p), 2);
	assert_memory_equal(vg_pattern_prefix(p, 0, &len, &whole), "sshd", 4);
	assert_false(whole);
	assert_memory_equal(vg_pattern_prefix(p, 1, &len, &whole), "cron", 4);
	assert_true(whole);
	vg_pattern_destroy(p);
	const char *not_prefix[] = { "sshd", "^a|b", "!^a" };
	for (size_t i = 0; i < 3; i++) {
		p = compile(VG_PAT_OSMATCH, not_prefix[i]);
		assert_int_equal(vg_pattern_prefix_count(p), 0);
		vg_pattern_destroy(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_exact_and_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
