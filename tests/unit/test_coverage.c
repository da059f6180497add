/*
 * test_coverage.c - ATT&CK coverage of a ruleset: techniques named by
 * alerting rules are counted (level threshold, grouping rules left out), and
 * the Navigator layer is valid JSON with one entry per technique.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vigil/coverage.h"
#include "vigil/engine.h"

static const char RULES[] =
    "<group name=\"t,\">\n"
    "<rule id=\"100001\" level=\"0\"><match>x</match><description>group</description>"
    "<mitre><id>T1110</id></mitre></rule>\n"
    "<rule id=\"100002\" level=\"5\"><match>a</match><description>a</description>"
    "<mitre><id>T1053.005</id><id>T1059.004</id></mitre></rule>\n"
    "<rule id=\"100003\" level=\"10\"><match>b</match><description>b</description>"
    "<mitre><id>T1053.005</id><id>T9999</id></mitre></rule>\n"
    "<rule id=\"100004\" level=\"3\"><match>c</match><description>c</description></rule>\n"
    "</group>\n";

static struct vg_ruleset *load(void)
{
	char dir[] = "/tmp/vg-cov-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/r.xml", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(RULES, f);
	fclose(f);
	const char *dirs[] = { dir };
	struct vg_ruleset_opts o = { .rule_dirs = dirs, .nrule_dirs = 1 };
	struct vg_ruleset *rs = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	assert_int_equal(vg_ruleset_load(&o, &rs, &d), 0);
	vg_diag_free(&d);
	remove(path);
	rmdir(dir);
	return rs;
}

static void test_counts(void **state)
{
	(void)state;
	struct vg_ruleset *rs = load();
	struct vg_coverage c;
	assert_int_equal(vg_coverage_compute(rs, 1, &c), 0);
	assert_int_equal(c.n, 2); /* T1110 only on a level 0 rule */
	assert_string_equal(c.v[0].id, "T1053.005");
	assert_string_equal(c.v[0].name, "Scheduled Task");
	assert_int_equal(c.v[0].nrules, 2);
	assert_int_equal(c.v[0].rules[0], 100002);
	assert_int_equal(c.v[0].rules[1], 100003);
	assert_int_equal(c.v[0].max_level, 10);
	assert_string_equal(c.v[1].id, "T1059.004");
	assert_int_equal(c.rules, 3);
	assert_int_equal(c.rules_with_mitre, 2);
	assert_int_equal(c.unknown_ids, 1);
	assert_true(c.attack_active > 500);
	vg_coverage_free(&c);

	assert_int_equal(vg_coverage_compute(rs, 0, &c), 0);
	assert_int_equal(c.n, 3);
	vg_coverage_free(&c);
	assert_int_equal(vg_coverage_compute(rs, 11, &c), 0);
	assert_int_equal(c.n, 0);
	vg_coverage_free(&c);
	vg_ruleset_unref(rs);
}

static void test_layer(void **state)
{
	(void)state;
	struct vg_ruleset *rs = load();
	struct vg_coverage c;
	assert_int_equal(vg_coverage_compute(rs, 1, &c), 0);
	struct vg_buf b;
	vg_buf_init(&b, 0);
	assert_int_equal(vg_coverage_layer_json(&c, "test layer", &b), 0);
	json_error_t err;
	json_t *doc = json_loads(vg_buf_str(&b), 0, &err);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "domain")), "enterprise-attack");
	assert_string_equal(json_string_value(json_object_get(doc, "name")), "test layer");
	json_t *t = json_object_get(doc, "techniques");
	assert_int_equal(json_array_size(t), 2);
	json_t *first = json_array_get(t, 0);
	assert_string_equal(json_string_value(json_object_get(first, "techniqueID")), "T1053.005");
	assert_int_equal(json_integer_value(json_object_get(first, "score")), 2);
	assert_non_null(strstr(json_string_value(json_object_get(first, "comment")), "100003"));
	json_decref(doc);
	vg_buf_free(&b);
	vg_coverage_free(&c);
	vg_ruleset_unref(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_layer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
