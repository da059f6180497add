/*
 * test_attack.c - the generated ATT&CK table against MITRE's TSV data:
 * names, tactics, revoked_by chains, tactic lookups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vg_test.h"
#include "vigil/attack.h"
#include "vigil/error.h"

static int has_tactic(const struct vg_attack_technique *t, const char *shortname)
{
	for (unsigned i = 0; i < t->ntactics; i++)
		if (strcmp(t->tactics[i]->shortname, shortname) == 0)
			return 1;
	return 0;
}

static void test_scheduled_task(void **state)
{
	(void)state;
	struct vg_attack_technique t;
	assert_int_equal(vg_attack_lookup("T1053.005", &t), 0);
	assert_string_equal(t.id, "T1053.005");
	assert_string_equal(t.name, "Scheduled Task");
	assert_int_equal(t.ntactics, 3);
	assert_true(has_tactic(&t, "execution"));
	assert_true(has_tactic(&t, "persistence"));
	assert_true(has_tactic(&t, "privilege-escalation"));
	assert_int_equal(t.status, VG_ATTACK_ACTIVE);
	assert_int_equal(t.hops, 0);
	/* lower-case prefix accepted */
	assert_int_equal(vg_attack_lookup("t1053.005", &t), 0);
	assert_string_equal(t.name, "Scheduled Task");
}

static void test_revoked_chain(void **state)
{
	(void)state;
	struct vg_attack_technique t;
	/* T1073 -> T1574.002 -> T1574.001 (README of the data set) */
	assert_int_equal(vg_attack_lookup("T1073", &t), 0);
	assert_string_equal(t.id, "T1574.001");
	assert_int_equal(t.hops, 2);
	assert_int_equal(t.status, VG_ATTACK_ACTIVE);
	assert_int_equal(vg_attack_lookup("T1562.001", &t), 0);
	assert_string_equal(t.id, "T1685");
	assert_int_equal(t.hops, 1);
}

static void test_unknown(void **state)
{
	(void)state;
	struct vg_attack_technique t = { .id = "keep" };
	assert_int_equal(vg_attack_lookup("T9999", &t), VG_ENOENT);
	assert_string_equal(t.id, "keep");
	assert_int_equal(vg_attack_lookup("", &t), VG_ENOENT);
	assert_int_equal(vg_attack_lookup("T1053.00", &t), VG_ENOENT);
	assert_int_equal(vg_attack_lookup(NULL, &t), VG_EINVAL);
	assert_null(vg_attack_tactic_by_id("TA9999"));
	assert_null(vg_attack_tactic_by_name("defense-evasion"));
}

static void test_tactics(void **state)
{
	(void)state;
	const struct vg_attack_tactic *ta = vg_attack_tactic_by_id("TA0005");
	assert_non_null(ta);
	assert_string_equal(ta->shortname, "stealth");
	ta = vg_attack_tactic_by_name("Privilege Escalation");
	assert_non_null(ta);
	assert_string_equal(ta->id, "TA0004");
	assert_ptr_equal(vg_attack_tactic_by_name("credential-access"),
	                 vg_attack_tactic_by_id("TA0006"));
}

/* Splits a TSV line in place into at most n columns; returns the count. */
static int split_tab(char *line, char **cols, int n)
{
	int k = 0;
	char *p = line;
	while (k < n) {
		cols[k++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	char *nl = strchr(cols[k - 1], '\n');
	if (nl)
		*nl = '\0';
	return k;
}

/* Tactic shortnames of t joined with ',' in the table's order. */
static void join_tactics(const struct vg_attack_technique *t, char *out, size_t len)
{
	out[0] = '\0';
	size_t used = 0;
	for (unsigned i = 0; i < t->ntactics; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "," : "",
		                         t->tactics[i]->shortname);
}

/* Every row of techniques.tsv: name and tactics of current rows, revoked
 * rows resolve to a current technique. */
static void test_against_tsv(void **state)
{
	(void)state;
	char path[4096];
	vg_test_require_data(path, sizeof(path), "attack/techniques.tsv");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[8192];
	size_t rows = 0, revoked = 0;
	assert_non_null(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		char *c[14] = { 0 };
		assert_int_equal(split_tab(line, c, 14), 14);
		struct vg_attack_technique t;
		assert_int_equal(vg_attack_lookup(c[0], &t), 0);
		rows++;
		if (strcmp(c[9], "true") == 0) {
			revoked++;
			assert_true(t.hops >= 1);
			assert_int_not_equal(t.status, VG_ATTACK_REVOKED);
			continue;
		}
		char tactics[512];
		assert_string_equal(t.id, c[0]);
		assert_string_equal(t.name, c[1]);
		join_tactics(&t, tactics, sizeof(tactics));
		assert_string_equal(tactics, c[5]);
		assert_int_equal(t.status, strcmp(c[8], "true") == 0 ? VG_ATTACK_DEPRECATED
		                                                     : VG_ATTACK_ACTIVE);
	}
	fclose(f);
	assert_int_equal(rows, vg_attack_count());
	assert_true(revoked > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scheduled_task), cmocka_unit_test(test_revoked_chain),
		cmocka_unit_test(test_unknown),        cmocka_unit_test(test_tactics),
		cmocka_unit_test(test_against_tsv),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
