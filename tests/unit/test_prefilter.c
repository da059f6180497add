/*
 * test_prefilter.c - unit tests of the log prefilter and what it builds on:
 * the required-literal, exact-value and prefix views of compiled patterns,
 * and the Vectorscan literal scan (case, single-byte literals, several
 * patterns per literal). The log gate of the pattern scratch, which uses
 * the same literals, is tested in test_gate.c.
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
#include "vigil/prefilter.h"

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

static bool bit(const uint64_t *bits, int id)
{
	return (bits[id / 64] >> (id % 64)) & 1u;
}

static void test_scan(void **state)
{
	(void)state;
	struct vg_pattern *p[4] = {
		compile(VG_PAT_OSMATCH, "Accepted password"),
		compile(VG_PAT_OSREGEX, "\\d+%\\w+"),        /* single-byte literal */
		compile(VG_PAT_OSMATCH, "refused|password"), /* shares a literal */
		compile(VG_PAT_OSMATCH, "!nothing"),         /* no literals: no id */
	};
	struct vg_prefilter *pf;
	assert_int_equal(vg_prefilter_create(&pf), VG_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(vg_prefilter_add(pf, p[i]), VG_OK);
	assert_int_equal(vg_prefilter_add(pf, p[0]), VG_OK); /* twice: one id */
	assert_int_equal(vg_prefilter_count(pf), 3);
	assert_int_equal(vg_pattern_prefilter_id(p[3]), -1);
	assert_int_equal(vg_prefilter_compile(pf), VG_OK);
	assert_int_equal(vg_prefilter_add(pf, p[3]), VG_EINVAL);

	struct vg_prefilter_scratch *s;
	assert_int_equal(vg_prefilter_scratch_create(pf, &s), VG_OK);
	const char *log = "ACCEPTED PASSWORD for root";
	const uint64_t *bits = vg_prefilter_scan(pf, s, log, strlen(log));
	assert_non_null(bits);
	assert_true(bit(bits, vg_pattern_prefilter_id(p[0])));
	assert_false(bit(bits, vg_pattern_prefilter_id(p[1])));
	assert_true(bit(bits, vg_pattern_prefilter_id(p[2])));
	log = "disk 93% full";
	bits = vg_prefilter_scan(pf, s, log, strlen(log));
	assert_false(bit(bits, vg_pattern_prefilter_id(p[0])));
	assert_true(bit(bits, vg_pattern_prefilter_id(p[1])));
	assert_false(bit(bits, vg_pattern_prefilter_id(p[2])));

	vg_prefilter_scratch_destroy(s);
	vg_prefilter_destroy(pf);
	for (int i = 0; i < 4; i++)
		vg_pattern_destroy(p[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_exact_and_prefix),
		cmocka_unit_test(test_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
