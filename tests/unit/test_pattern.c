/*
 * test_pattern.c - the dispatcher and the PCRE2 dialect: case sensitivity,
 * captures, end pointer, scratch reuse, invalid patterns, kind lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern_internal.h"
#include "vigil/error.h"
#include "vigil/pattern.h"

static struct vg_pattern *pc(const char *src)
{
	struct vg_pattern *p = NULL;
	char err[128];

	if (vg_pattern_compile(VG_PAT_PCRE2, src, &p, err, sizeof(err)) != 0)
		fail_msg("pcre2 '%s': %s", src, err);
	return p;
}

static void test_kind_lookup(void **state)
{
	(void)state;
	assert_int_equal(vg_pattern_kind_lookup("osmatch"), VG_PAT_OSMATCH);
	assert_int_equal(vg_pattern_kind_lookup("osregex"), VG_PAT_OSREGEX);
	assert_int_equal(vg_pattern_kind_lookup("pcre2"), VG_PAT_PCRE2);
	assert_int_equal(vg_pattern_kind_lookup("PCRE2"), VG_PAT_PCRE2);
	assert_int_equal(vg_pattern_kind_lookup("regex"), -1);
	assert_int_equal(vg_pattern_kind_lookup(""), -1);
	assert_int_equal(vg_pattern_kind_lookup(NULL), -1);
}

static void test_pcre2_case_and_captures(void **state)
{
	(void)state;
	struct vg_pattern_scratch *s = vg_pattern_scratch_create();
	struct vg_pattern *p = pc("user (\\w+) from (\\d+\\.\\d+\\.\\d+\\.\\d+)(x)?");
	struct vg_match m;
	const char *subj = "Failed user alice from 10.1.2.3 port 22";

	assert_non_null(s);
	assert_int_equal(vg_pattern_kind_of(p), VG_PAT_PCRE2);
	assert_int_equal(vg_pattern_groups(p), 3);
	assert_true(vg_pattern_match(p, subj, s, &m));
	/* The optional third group did not take part: PCRE2 reports two. */
	assert_int_equal(m.ngroups, 2);
	assert_int_equal(m.groups[0].len, 5);
	assert_memory_equal(m.groups[0].start, "alice", 5);
	assert_int_equal(m.groups[1].len, 8);
	assert_memory_equal(m.groups[1].start, "10.1.2.3", 8);
	assert_string_equal(m.end, " port 22");
	assert_ptr_equal(m.last, m.end - 1);
	/* Case-sensitive: no options at compile time. */
	assert_false(vg_pattern_match(p, "Failed USER alice from 10.1.2.3", s, &m));
	vg_pattern_destroy(p);

	p = pc("(?i)USER");
	assert_true(vg_pattern_match(p, "user", s, NULL));
	vg_pattern_destroy(p);
	vg_pattern_scratch_destroy(s);
	vg_pattern_scratch_destroy(NULL);
}

static void test_scratch_reuse(void **state)
{
	(void)state;
	struct vg_pattern_scratch *s = vg_pattern_scratch_create();
	struct vg_pattern *a = pc("^(\\d+)-(\\d+)$");
	struct vg_pattern *b = pc("([a-z]+)");
	struct vg_match m;
	char buf[32];

	for (int i = 0; i < 200; i++) {
		snprintf(buf, sizeof(buf), "%d-%d", i, i * 7);
		assert_true(vg_pattern_match(a, buf, s, &m));
		assert_int_equal(m.ngroups, 2);
		assert_int_equal(strtol(m.groups[0].start, NULL, 10), i);
		assert_int_equal(strtol(m.groups[1].start, NULL, 10), i * 7);
		assert_ptr_equal(m.end, buf + strlen(buf));
		assert_false(vg_pattern_match(b, buf, s, &m));
	}
	/* Without a scratch the match still works (at the cost of an allocation). */
	assert_true(vg_pattern_match(b, "12abc", NULL, &m));
	assert_memory_equal(m.groups[0].start, "abc", 3);
	/* An empty match at the start: end is the subject itself. */
	vg_pattern_destroy(b);
	b = pc("x*");
	assert_true(vg_pattern_match(b, "abc", s, &m));
	assert_ptr_equal(m.end, m.last);
	vg_pattern_destroy(a);
	vg_pattern_destroy(b);
	vg_pattern_scratch_destroy(s);
}

static void test_invalid(void **state)
{
	(void)state;
	struct vg_pattern *p = (struct vg_pattern *)1;
	char err[128] = "";
	char many[400] = "";

	assert_int_equal(vg_pattern_compile(VG_PAT_PCRE2, "a(b", &p, err, sizeof(err)), VG_EPARSE);
	assert_null(p);
	assert_non_null(strstr(err, "pcre2"));
	assert_int_equal(vg_pattern_compile(VG_PAT_PCRE2, "[z-a]", &p, NULL, 0), VG_EPARSE);
	for (int i = 0; i <= VG_PATTERN_MAX_GROUPS; i++)
		memcpy(many + 3 * i, "(a)", 4);
	assert_int_equal(vg_pattern_compile(VG_PAT_PCRE2, many, &p, err, sizeof(err)), VG_EPARSE);
	assert_non_null(strstr(err, "too many groups"));
	assert_int_equal(vg_pattern_compile(VG_PAT_OSREGEX, many, &p, err, sizeof(err)), VG_EPARSE);
	assert_int_equal(vg_pattern_compile((enum vg_pattern_kind)42, "x", &p, err, sizeof(err)),
	                 VG_EPARSE);
	assert_int_equal(vg_pattern_compile(VG_PAT_OSREGEX, NULL, &p, err, sizeof(err)), VG_EPARSE);
	vg_pattern_destroy(NULL);
}

static void test_dialects_differ(void **state)
{
	(void)state;
	struct vg_pattern *m, *r, *c;
	const char *subj = "Session OPENED for user root";

	assert_int_equal(vg_pattern_compile(VG_PAT_OSMATCH, "opened", &m, NULL, 0), 0);
	assert_int_equal(vg_pattern_compile(VG_PAT_OSREGEX, "opened", &r, NULL, 0), 0);
	c = pc("opened");
	assert_true(vg_pattern_match(m, subj, NULL, NULL));
	assert_true(vg_pattern_match(r, subj, NULL, NULL));
	assert_false(vg_pattern_match(c, subj, NULL, NULL));
	assert_string_equal(vg_pattern_source(c), "opened");
	vg_pattern_destroy(m);
	vg_pattern_destroy(r);
	vg_pattern_destroy(c);
}

/*
 * Anchored patterns are ruled out by their subject's first byte before the
 * dialect runs: the verdict must be the dialect's own for every first byte,
 * either case, and the empty subject.
 */
static void test_start_byte_reject(void **state)
{
	(void)state;
	static const char *const om_src[] = { "^Foo|^bar$", "^%x", "!^foo", "^a|b" };
	static const char *const rx_src[] = { "^Foo\\d+", "^foo|^(bar)", "^\\d+x", "^[x] " };
	static const char *const tails[] = { "", "oo12", "OO7", "ar", "x", "] " };
	char subj[16];
	unsigned matched = 0;

	for (size_t k = 0; k < 8; k++) {
		bool rx = k >= 4;
		const char *src = rx ? rx_src[k - 4] : om_src[k];
		struct vg_pattern *p;
		struct vg_osmatch *om = NULL;
		struct vg_osregex *re = NULL;
		assert_int_equal(
		    vg_pattern_compile(rx ? VG_PAT_OSREGEX : VG_PAT_OSMATCH, src, &p, NULL, 0), 0);
		if (rx)
			assert_int_equal(vg_osregex_compile(src, &re, NULL, 0), 0);
		else
			assert_int_equal(vg_osmatch_compile(src, &om, NULL, 0), 0);
		for (unsigned b = 0; b < 256; b++) {
			for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
				subj[0] = (char)b;
				snprintf(subj + 1, sizeof(subj) - 1, "%s", tails[t]);
				bool want = rx ? vg_osregex_exec_nofilter(re, subj, NULL)
				               : vg_osmatch_exec(om, subj);
				assert_int_equal(vg_pattern_match(p, subj, NULL, NULL), want);
				matched += want;
			}
		}
		vg_pattern_destroy(p);
		vg_osmatch_destroy(om);
		vg_osregex_destroy(re);
	}
	/* The subjects do reach the matching side too. */
	assert_true(matched > 600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_lookup),
		cmocka_unit_test(test_pcre2_case_and_captures),
		cmocka_unit_test(test_scratch_reuse),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_dialects_differ),
		cmocka_unit_test(test_start_byte_reject),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
