/*
 * test_prefilter.c - unit tests of the log prefilter and what it builds on:
 * the required-literal, exact-value and prefix views of compiled patterns,
 * the Vectorscan literal scan (case, single-byte literals, several patterns
 * per literal), the gate in the pattern scratch (only subjects inside the
 * scanned log, scan run once and only when needed) and, on a list of
 * patterns and logs, that gated matching always agrees with plain matching.
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

struct fake_scan {
	unsigned calls;
	uint64_t bits[1]; /* all clear: every gated pattern "cannot match" */
};

static const uint64_t *fake_scan(void *ctx)
{
	struct fake_scan *f = ctx;
	f->calls++;
	return f->bits;
}

/* The gate applies inside the log only, asks for the scan once, and not
 * for a one-literal pattern. A lying scan makes the gate visible. */
static void test_gate(void **state)
{
	(void)state;
	struct vg_pattern *multi = compile(VG_PAT_OSREGEX, "a\\d+b|c\\d+d");
	struct vg_pattern *one = compile(VG_PAT_OSMATCH, "a1b");
	vg_pattern_set_prefilter_id(multi, 0);
	vg_pattern_set_prefilter_id(one, 1);
	struct vg_pattern_scratch *scr = vg_pattern_scratch_create();
	struct fake_scan f = { 0 };
	char log[] = "xx a1b yy";
	char other[] = "a1b";

	vg_pattern_scratch_gate(scr, log, strlen(log), fake_scan, &f);
	for (int i = 0; i < 100; i++)
		assert_true(vg_pattern_match(one, log, scr, NULL));
	assert_int_equal(f.calls, 0);
	bool flipped = false;
	for (int i = 0; i < 100; i++) {
		bool m = vg_pattern_match(multi, log + 3, scr, NULL); /* a suffix of log */
		if (!m)
			flipped = true;
		else
			assert_false(flipped); /* once the scan says no, always no */
		assert_true(vg_pattern_match(multi, other, scr, NULL)); /* outside: not gated */
	}
	assert_true(flipped);
	assert_int_equal(f.calls, 1);
	assert_false(vg_pattern_match(one, log, scr, NULL)); /* verdict known: used */

	vg_pattern_scratch_gate(scr, NULL, 0, NULL, NULL);
	assert_true(vg_pattern_match(multi, log, scr, NULL));
	vg_pattern_scratch_destroy(scr);
	vg_pattern_destroy(multi);
	vg_pattern_destroy(one);
}

struct real_scan {
	const struct vg_prefilter *pf;
	struct vg_prefilter_scratch *s;
	const char *log;
};

static const uint64_t *real_scan(void *ctx)
{
	struct real_scan *r = ctx;
	return vg_prefilter_scan(r->pf, r->s, r->log, strlen(r->log));
}

/* Gated and plain matching agree on every pattern, log and suffix. */
static void test_agreement(void **state)
{
	(void)state;
	static const struct {
		enum vg_pattern_kind k;
		const char *src;
	} pats[] = {
		{ VG_PAT_OSMATCH, "Failed password|Accepted publickey" },
		{ VG_PAT_OSMATCH, "session opened$" },
		{ VG_PAT_OSREGEX, "^Failed \\S+ for (\\S+) from (\\S+)" },
		{ VG_PAT_OSREGEX, "for \\S+ from \\d+.\\d+.\\d+.\\d+ port" },
		{ VG_PAT_OSREGEX, "\\p*\\w+\\s+\\d*\\s\\d+:\\d+:\\d+:\\s+%|^x\\w+ \\d+%" },
		{ VG_PAT_OSREGEX, "user=(\\S+)|uid=(\\d+)" },
		{ VG_PAT_OSREGEX, "ROOT\\s" },
	};
	static const char *logs[] = {
		"Failed password for root from 10.0.0.1 port 22 ssh2",
		"FAILED PASSWORD FOR admin FROM 1.2.3.4 PORT 99",
		"pam_unix(sshd:session): session opened",
		"Accepted publickey for deploy from 10.0.0.9 port 5050",
		"%LINK-3-UPDOWN: Interface up",
		"Jan 10 10:00:01: %SYS-5-CONFIG_I: by root ",
		"uid=0 user=root",
		"",
	};
	size_t np = sizeof(pats) / sizeof(pats[0]);
	struct vg_pattern *p[sizeof(pats) / sizeof(pats[0])];
	struct vg_prefilter *pf;
	assert_int_equal(vg_prefilter_create(&pf), VG_OK);
	for (size_t i = 0; i < np; i++) {
		p[i] = compile(pats[i].k, pats[i].src);
		assert_int_equal(vg_prefilter_add(pf, p[i]), VG_OK);
	}
	assert_int_equal(vg_prefilter_compile(pf), VG_OK);
	struct real_scan r = { .pf = pf };
	assert_int_equal(vg_prefilter_scratch_create(pf, &r.s), VG_OK);
	struct vg_pattern_scratch *gated = vg_pattern_scratch_create();
	struct vg_pattern_scratch *plain = vg_pattern_scratch_create();
	for (size_t l = 0; l < sizeof(logs) / sizeof(logs[0]); l++) {
		r.log = logs[l];
		vg_pattern_scratch_gate(gated, logs[l], strlen(logs[l]), real_scan, &r);
		for (int round = 0; round < 20; round++) /* past the lazy scan */
			for (size_t off = 0; off <= strlen(logs[l]); off += 7)
				for (size_t i = 0; i < np; i++)
					assert_int_equal(
					    vg_pattern_match(p[i], logs[l] + off, gated, NULL),
					    vg_pattern_match(p[i], logs[l] + off, plain, NULL));
	}
	vg_pattern_scratch_destroy(gated);
	vg_pattern_scratch_destroy(plain);
	vg_prefilter_scratch_destroy(r.s);
	vg_prefilter_destroy(pf);
	for (size_t i = 0; i < np; i++)
		vg_pattern_destroy(p[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),  cmocka_unit_test(test_exact_and_prefix),
		cmocka_unit_test(test_scan),      cmocka_unit_test(test_gate),
		cmocka_unit_test(test_agreement),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
