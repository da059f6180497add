/*
 * test_sca_debian12.c - runs Wazuh's cis_debian12.yml on this machine and
 * compares 20 checks with results computed here independently: the
 * files are read with stdio and the policy's OS_Regex patterns are
 * hand-translated to POSIX extended regular expressions (case-insensitive,
 * as OS_Regex), with Wazuh's rule semantics spelled out per check (content
 * of a missing file is "not applicable", `not` swaps found / not found).
 * No expected result is hard-coded, so the test holds on any Debian 12
 * host. The checks: 33048 33049 33050 33182 33187 33188 33189 33190 33192
 * 33201 33202 33206 33207 33211 33214 33215 33216 33222 33300 33301.
 * Also prints how long the whole policy took.
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "vg_test.h"
#include "vigil/sca.h"

enum { NF = 0, F = 1, INV = 2 }; /* a rule: not found, found, invalid */
enum { PASS = VG_SCA_PASSED, FAIL = VG_SCA_FAILED, NA = VG_SCA_NOT_APPLICABLE };

#define S "[[:space:]]*"

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A line predicate: every positive ERE matches, no negative one does, and
 * (when num is set) the first group of num compared with op/value holds. */
struct pred {
	const char *pos[4];
	const char *neg[2];
	const char *num;
	char op; /* '<' (<=), '>' (>=), 'l' (<) */
	long value;
};

static bool re(const char *pattern, const char *line, long *group)
{
	regex_t r;
	regmatch_t m[2];
	assert_int_equal(regcomp(&r, pattern, REG_EXTENDED | REG_ICASE), 0);
	bool ok = regexec(&r, line, 2, m, 0) == 0;
	if (ok && group && m[1].rm_so >= 0)
		*group = strtol(line + m[1].rm_so, NULL, 10);
	regfree(&r);
	return ok;
}

static bool line_ok(const struct pred *p, const char *line)
{
	for (int i = 0; i < 4 && p->pos[i]; i++)
		if (!re(p->pos[i], line, NULL))
			return false;
	for (int i = 0; i < 2 && p->neg[i]; i++)
		if (re(p->neg[i], line, NULL))
			return false;
	if (p->num) {
		long v = 0;
		if (!re(p->num, line, &v))
			return false;
		return p->op == '<' ? v <= p->value : p->op == '>' ? v >= p->value : v < p->value;
	}
	return true;
}

/* f:path -> pattern: found when a line satisfies p; a file that cannot be
 * read is invalid. */
static int scan(const char *path, const struct pred *p)
{
	if (!exists(path))
		return INV;
	FILE *f = fopen(path, "r");
	if (!f)
		return INV;
	char line[8192];
	int r = NF;
	while (r == NF && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line_ok(p, line))
			r = F;
	}
	fclose(f);
	return r;
}

static int not_(int r)
{
	return r == INV ? INV : !r;
}

/* Wazuh's aggregation, spelled out: all / any / none over rule results. */
static int all(int n, const int *r)
{
	int g = F;
	for (int i = 0; i < n; i++) {
		if (r[i] == NF)
			return FAIL;
		if (r[i] == INV)
			g = INV;
	}
	return g == F ? PASS : NA;
}

static int any(int n, const int *r)
{
	int g = NF;
	for (int i = 0; i < n; i++) {
		if (r[i] == F)
			return PASS;
		if (r[i] == INV)
			g = INV;
	}
	return g == NF ? FAIL : NA;
}

#define ALL(...) all(sizeof((int[]){ __VA_ARGS__ }) / sizeof(int), (int[]){ __VA_ARGS__ })
#define ANY(...) any(sizeof((int[]){ __VA_ARGS__ }) / sizeof(int), (int[]){ __VA_ARGS__ })
#define P(...)   (&(struct pred){ .pos = { __VA_ARGS__ } })

static const char *const banner = "\\\\v|\\\\r|\\\\m|\\\\s|Debian|Ubuntu";

static int expected(long id)
{
	struct pred pw = { .pos = { "^[[:alnum:]_@-]+::" } };
	switch (id) {
	case 33048: /* OS_Regex \s in this one is whitespace, not a literal \s */
		return ANY(
		    not_(exists("/etc/motd")),
		    not_(scan("/etc/motd", P("\\\\v|\\\\r|\\\\m|[[:space:]]|Debian|Ubuntu"))));
	case 33049: return ALL(not_(scan("/etc/issue", P(banner))));
	case 33050: return ALL(not_(scan("/etc/issue.net", P(banner))));
	case 33182: {
		struct pred p = { .pos = { "auth" S "required" S "pam_wheel\\.so", "use_uid",
			                   "group=[[:alnum:]_@-]+" },
			          .neg = { "^" S "#" } };
		return ALL(scan("/etc/pam.d/su", &p));
	}
	case 33187:
		return ALL(scan("/etc/pam.d/common-auth", P("pam_faillock\\.so")),
		           scan("/etc/pam.d/common-account", P("pam_faillock\\.so")));
	case 33188:
		return ALL(scan("/etc/pam.d/common-password",
		                P("password" S "requisite" S "pam_pwquality\\.so" S "retry=d\\+")));
	case 33189: return ALL(scan("/etc/pam.d/common-password", P("pam_pwhistory\\.so")));
	case 33190: {
		struct pred d1 = { .num = "^" S "deny" S "=" S "([0-9]+)", .op = '<', .value = 5 };
		struct pred d2 = { .pos = { "pam_faillock\\.so" },
			           .num = "^" S "deny" S "=" S "([0-9]+)",
			           .op = '<',
			           .value = 5 };
		return ANY(scan("/etc/security/faillock.conf", &d1),
		           scan("/etc/pam.d/common-auth", &d2),
		           not_(scan("/etc/pam.d/common-auth",
		                     P("pam_faillock\\.so", "^" S "deny" S "="))));
	}
	case 33192: /* the second rule lacks "compare": always invalid */
		return ANY(scan("/etc/security/faillock.conf", P("even_deny_root")), INV);
	case 33201: {
		struct pred p = { .pos = { S "password" S "requisite" S "pam_pwhistory\\.so" },
			          .neg = { "^" S "#" },
			          .num = "remember" S "=" S "([0-9]+)",
			          .op = '>',
			          .value = 24 };
		return ALL(scan("/etc/pam.d/common-password", &p));
	}
	case 33202: {
		struct pred p = { .pos = { S "password" S "requisite" S "pam_pwhistory\\.so" S
			                     "remember" S "enforce_for_root" },
			          .neg = { "^" S "#" } };
		return ALL(scan("/etc/pam.d/common-password", &p));
	}
	case 33206: /* "r:yescrypt | r:sha512" is one OS_Regex with two alternatives */
		return ALL(scan("/etc/pam.d/common-password", P("yescrypt | r:sha512")));
	case 33207: return ALL(scan("/etc/pam.d/common-password", P("use_authtok")));
	case 33211:
		return ALL(scan("/etc/login.defs",
		                P("ENCRYPT_METHOD" S "SHA512 | r:ENCRYPT_METHOD" S "YESCRYPT")));
	case 33214:
	case 33215: return ALL(scan("/etc/passwd", P("^root:x:0:0")));
	case 33216: return ALL(scan("/etc/group", P("^root:x:0:0")));
	case 33222: return ALL(not_(scan("/etc/shells", P("nologin"))));
	case 33300: return ALL(not_(scan("/etc/passwd", P("^[[:alnum:]_@-]+:x:"))));
	case 33301: return ALL(not_(scan("/etc/shadow", &pw)));
	default: return -1;
	}
}

static const long ids[] = { 33048, 33049, 33050, 33182, 33187, 33188, 33189, 33190, 33192, 33201,
	                    33202, 33206, 33207, 33211, 33214, 33215, 33216, 33222, 33300, 33301 };

static void test_debian12(void **state)
{
	(void)state;
	char path[512];
	vg_test_require_data(path, sizeof(path), "sca/debian/cis_debian12.yml");
	struct vg_diag d;
	vg_diag_init(&d);
	struct vg_sca_policy *p;
	assert_int_equal(vg_sca_policy_load(path, NULL, 0, &p, &d), VG_OK);
	vg_diag_free(&d);
	struct vg_sca_report *r;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(vg_sca_policy_run(p, NULL, &r), VG_OK);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (!r->requirements_met) {
		printf("SKIP: not a Debian 12 host (%s)\n", r->requirements_reason);
		vg_sca_report_destroy(r);
		vg_sca_policy_destroy(p);
		skip();
	}
	printf("cis_debian12: %zu checks in %.3f s (%u passed, %u failed, %u n/a)\n", r->nchecks,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9, r->passed,
	       r->failed, r->invalid);
	size_t compared = 0;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct vg_sca_check_result *c = NULL;
		for (size_t j = 0; j < r->nchecks; j++)
			if (r->checks[j].id == ids[i])
				c = &r->checks[j];
		assert_non_null(c);
		int want = expected(ids[i]);
		printf("  %ld %-15s oracle %-15s %s\n", ids[i], vg_sca_result_name(c->result),
		       vg_sca_result_name((enum vg_sca_result)want), c->title);
		assert_int_equal(c->result, want);
		compared++;
	}
	assert_int_equal(compared, 20);
	vg_sca_report_destroy(r);
	vg_sca_policy_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian12),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
