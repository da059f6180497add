/*
 * test_cdb.c - unit tests of the CDB lists: text parsing, quoted keys,
 * first-definition-wins, address prefixes and every lookup kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/cdb.h"
#include "vg_test.h"

static struct vg_cdb *load(const char *text, struct vg_diag *d)
{
	struct vg_cdb *db = NULL;
	assert_int_equal(vg_cdb_load_buffer(text, strlen(text), "mem", &db, d), VG_OK);
	assert_non_null(db);
	return db;
}

static void test_parse_and_get(void **state)
{
	(void)state;
	struct vg_diag d;
	vg_diag_init(&d);
	struct vg_cdb *db = load("alice:finance\r\nbob:\n\"aa:bb:cc\":mac\nnocolon\ncarol:x:y\n"
	                         "alice:other\n\n",
	                         &d);
	assert_int_equal(vg_cdb_count(db), 4);
	assert_string_equal(vg_cdb_get(db, "alice"), "finance"); /* first wins */
	assert_string_equal(vg_cdb_get(db, "bob"), "");
	assert_string_equal(vg_cdb_get(db, "aa:bb:cc"), "mac");
	assert_string_equal(vg_cdb_get(db, "carol"), "x:y");
	assert_null(vg_cdb_get(db, "Alice"));
	assert_null(vg_cdb_get(db, "nocolon"));
	assert_int_equal(d.warnings, 1);
	assert_int_equal(d.msgs[0].line, 4);
	vg_cdb_destroy(db);
	vg_diag_free(&d);
}

static void test_address_prefixes(void **state)
{
	(void)state;
	struct vg_cdb *db = load("10.1.1.1:host\n192.168.:lan\n172.16.19.:dmz\n", NULL);
	assert_string_equal(vg_cdb_get_address(db, "10.1.1.1"), "host");
	assert_null(vg_cdb_get_address(db, "10.1.1.2"));
	assert_string_equal(vg_cdb_get_address(db, "192.168.44.3"), "lan");
	assert_string_equal(vg_cdb_get_address(db, "172.16.19.200"), "dmz");
	assert_null(vg_cdb_get_address(db, "172.16.20.1"));
	assert_null(vg_cdb_get_address(db, "192.169.0.1"));
	vg_cdb_destroy(db);
}

static void test_lookup_kinds(void **state)
{
	(void)state;
	struct vg_cdb *db = load("audit-wazuh-w:write\naudit-wazuh-r:read\n192.168.:lan\n", NULL);
	struct vg_pattern *p = NULL;
	char err[128];
	assert_int_equal(vg_pattern_compile(VG_PAT_OSMATCH, "write", &p, err, sizeof(err)), 0);
	assert_int_equal(vg_cdb_lookup_kind("match_key"), VG_CDB_MATCH_KEY);
	assert_int_equal(vg_cdb_lookup_kind("address_match_key_value"),
	                 VG_CDB_ADDRESS_MATCH_KEY_VALUE);
	assert_int_equal(vg_cdb_lookup_kind("bogus"), -1);
	assert_true(vg_cdb_check(db, VG_CDB_MATCH_KEY, "audit-wazuh-w", NULL, NULL));
	assert_false(vg_cdb_check(db, VG_CDB_MATCH_KEY, "audit-wazuh-x", NULL, NULL));
	assert_true(vg_cdb_check(db, VG_CDB_NOT_MATCH_KEY, "audit-wazuh-x", NULL, NULL));
	assert_true(vg_cdb_check(db, VG_CDB_MATCH_KEY_VALUE, "audit-wazuh-w", p, NULL));
	assert_false(vg_cdb_check(db, VG_CDB_MATCH_KEY_VALUE, "audit-wazuh-r", p, NULL));
	assert_false(vg_cdb_check(db, VG_CDB_MATCH_KEY_VALUE, "missing", p, NULL));
	assert_true(vg_cdb_check(db, VG_CDB_ADDRESS_MATCH_KEY, "192.168.1.1", NULL, NULL));
	assert_false(vg_cdb_check(db, VG_CDB_NOT_ADDRESS_MATCH_KEY, "192.168.1.1", NULL, NULL));
	assert_true(vg_cdb_check(db, VG_CDB_NOT_ADDRESS_MATCH_KEY, "10.0.0.1", NULL, NULL));
	vg_pattern_destroy(p);
	vg_cdb_destroy(db);
}

static void test_shipped_lists(void **state)
{
	(void)state;
	char path[4096];
	vg_test_require_data(path, sizeof(path), "wazuh-ruleset/lists/audit-keys");
	struct vg_cdb *db = NULL;
	assert_int_equal(vg_cdb_load(path, &db, NULL), VG_OK);
	assert_int_equal(vg_cdb_count(db), 5);
	assert_string_equal(vg_cdb_get(db, "audit-wazuh-x"), "execute");
	vg_cdb_destroy(db);
	vg_test_require_data(path, sizeof(path), "wazuh-ruleset/lists/malicious-ioc/malicious-ip");
	assert_int_equal(vg_cdb_load(path, &db, NULL), VG_OK);
	printf("malicious-ip: %zu keys\n", vg_cdb_count(db));
	assert_true(vg_cdb_count(db) > 100);
	assert_non_null(vg_cdb_get(db, "196.251.85.62"));
	vg_cdb_destroy(db);
	assert_int_equal(vg_cdb_load("/nonexistent/list", &db, NULL), VG_ENOENT);
	assert_null(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_get),
		cmocka_unit_test(test_address_prefixes),
		cmocka_unit_test(test_lookup_kinds),
		cmocka_unit_test(test_shipped_lists),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
