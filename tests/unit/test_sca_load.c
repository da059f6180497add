/*
 * test_sca_load.c - every Wazuh SCA policy in $VIGIL_SHARED/data/sca loads
 * (no error, every check and rule compiled), and so do Vigil's own
 * policies; prints how many policies and checks were loaded.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vg_test.h"
#include "vigil/sca.h"

struct tally {
	size_t policies, checks, failed;
};

static struct tally *cur; /* nftw has no context argument; tests only */

static int visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	size_t n = strlen(path);
	if (type != FTW_F || n < 4 || strcmp(path + n - 4, ".yml") != 0)
		return 0;
	struct vg_diag d;
	vg_diag_init(&d);
	struct vg_sca_policy *p;
	if (vg_sca_policy_load(path, NULL, 0, &p, &d) != VG_OK) {
		vg_diag_print(&d, stderr);
		cur->failed++;
	} else {
		cur->policies++;
		cur->checks += vg_sca_policy_check_count(p);
		assert_true(vg_sca_policy_check_count(p) > 0);
		vg_sca_policy_destroy(p);
	}
	vg_diag_free(&d);
	return 0;
}

static void test_wazuh_policies(void **state)
{
	(void)state;
	char path[512];
	vg_test_require_data(path, sizeof(path), "sca");
	struct tally t = { 0 };
	cur = &t;
	assert_int_equal(nftw(path, visit, 16, FTW_PHYS), 0);
	printf("loaded %zu Wazuh SCA policies (%zu checks), %zu failed\n", t.policies, t.checks,
	       t.failed);
	assert_int_equal(t.failed, 0);
	assert_true(t.policies >= 30);
}

static void test_builtin_policies(void **state)
{
	(void)state;
	size_t n = vg_sca_builtin_count();
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *text = vg_sca_builtin_text(i, &len);
		struct vg_diag d;
		vg_diag_init(&d);
		struct vg_sca_policy *p;
		int rc = vg_sca_policy_parse(text, len, vg_sca_builtin_name(i), NULL, 0, &p, &d);
		vg_diag_print(&d, stderr);
		assert_int_equal(rc, VG_OK);
		assert_int_equal(d.warnings, 0);
		assert_non_null(strstr(vg_sca_policy_id(p), "vigil_"));
		printf("built-in %s: %zu checks\n", vg_sca_builtin_name(i),
		       vg_sca_policy_check_count(p));
		vg_sca_policy_destroy(p);
		vg_diag_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wazuh_policies),
		cmocka_unit_test(test_builtin_policies),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
