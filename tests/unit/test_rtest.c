/*
 * test_rtest.c - the wazuh-logtest -U comparison the .ini runner and
 * `vigil logtest -U` share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vigil/rtest.h"

static void test_same_triple(void **state)
{
	(void)state;
	assert_true(vg_rtest_same("5716", "5", "sshd", "5716", "5", "sshd"));
	assert_false(vg_rtest_same("5716", "5", "sshd", "5716", "6", "sshd"));
	assert_false(vg_rtest_same("5716", "5", "sshd", "5710", "5", "sshd"));
	assert_false(vg_rtest_same("5716", "5", "sshd", "5716", "5", "json"));
}

static void test_empty_parts_never_equal(void **state)
{
	(void)state;
	/* No decoder matched: never equal, even to an empty expectation. */
	assert_false(vg_rtest_same("1", "0", "", "1", "0", ""));
	/* An expected triple with an empty part never equals. */
	assert_false(vg_rtest_same("", "", "dec", "", "", "dec"));
	assert_false(vg_rtest_same("1", "", "dec", "1", "", "dec"));
	assert_false(vg_rtest_same(NULL, "3", "dec", "1", "3", "dec"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_triple),
		cmocka_unit_test(test_empty_parts_never_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
