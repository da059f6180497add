/*
 * test_sigma_load.c - load report over every SigmaHQ rule in
 * $VIGIL_SHARED/data/sigma/rules: how many compile, and each one that does
 * not with its reason (unsupported construct or malformed rule). The load
 * rate must be at least 99%, and the rules must also load as a ruleset
 * (ids from VG_SIGMA_FIRST_ID in path order, metadata carried over).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vigil/engine.h"
#include "vigil/rule.h"
#include "vigil/sigma.h"
#include "vg_test.h"

struct counts {
	unsigned ok, unsup, bad;
};

static void load_dir(const char *dir, struct counts *c)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			load_dir(path, c);
			continue;
		}
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".yml") != 0)
			continue;
		struct vg_diag diag;
		vg_diag_init(&diag);
		struct vg_sigma_rule *r = NULL;
		int rc = vg_sigma_rule_load_file(path, NULL, &r, &diag);
		if (rc == VG_OK) {
			const struct vg_sigma_meta *m = vg_sigma_rule_meta(r);
			assert_true(m->level >= 3 && m->level <= 15);
			assert_true(*m->title);
			c->ok++;
		} else {
			assert_null(r);
			assert_true(diag.count > 0); /* never dropped silently */
			printf("NOT LOADED %s: %s\n", path, diag.msgs[0].text);
			if (rc == VG_EUNSUP)
				c->unsup++;
			else
				c->bad++;
		}
		vg_sigma_rule_destroy(r);
		vg_diag_free(&diag);
	}
	closedir(d);
}

static void test_load_report(void **state)
{
	(void)state;
	char dir[1024];
	vg_test_require_data(dir, sizeof(dir), "sigma/rules");
	struct counts c = { 0 };
	load_dir(dir, &c);
	unsigned total = c.ok + c.unsup + c.bad;
	printf("sigma load: %u/%u rules loaded (%.2f%%), %u unsupported, %u malformed\n", c.ok,
	       total, total ? 100.0 * c.ok / total : 0.0, c.unsup, c.bad);
	assert_true(total > 1000);
	assert_true(c.ok * 100 >= total * 99);
}

static void test_ruleset_load(void **state)
{
	(void)state;
	char dir[1024];
	vg_test_require_data(dir, sizeof(dir), "sigma/rules/windows/process_creation");
	const char *dirs[] = { dir };
	struct vg_ruleset_opts o = { .sigma_dirs = dirs, .nsigma_dirs = 1 };
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_ruleset *rs = NULL;
	assert_int_equal(vg_ruleset_load(&o, &rs, &diag), VG_OK);
	size_t n = vg_ruleset_rule_count(rs);
	assert_true(n > 1000);
	const struct vg_rule *first = vg_ruleset_find_rule(rs, VG_SIGMA_FIRST_ID);
	const struct vg_rule *last = vg_ruleset_find_rule(rs, VG_SIGMA_FIRST_ID + (unsigned)n - 1);
	assert_non_null(first);
	assert_non_null(last);
	assert_null(vg_ruleset_find_rule(rs, VG_SIGMA_FIRST_ID + (unsigned)n));
	assert_true(first->groups.n >= 2);
	assert_string_equal(first->groups.v[0], "sigma");
	assert_non_null(first->info); /* the Sigma id */
	vg_ruleset_unref(rs);
	vg_diag_free(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_report),
		cmocka_unit_test(test_ruleset_load),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
