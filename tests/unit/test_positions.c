/*
 * test_positions.c - unit tests of the collector's saved positions: a
 * round trip through the file, paths with spaces, the journal cursor, a
 * missing file, malformed lines, paths that cannot be saved, and the
 * atomic replacement (no temporary file left behind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/positions.h"
#include "vigil/error.h"

static char dir[64];
static char file[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vg_pos_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(file, sizeof(file), "%s/collector.pos", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	unlink(tmp);
	unlink(file);
	return rmdir(dir);
}

static void write_text(const char *text)
{
	FILE *fp = fopen(file, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_missing_file_is_empty(void **state)
{
	(void)state;
	struct vg_positions p;
	vg_positions_init(&p);
	assert_int_equal(vg_positions_load(&p, file), VG_OK);
	assert_false(p.existed);
	assert_int_equal(p.count, 0);
	assert_null(p.journal_cursor);
	vg_positions_free(&p);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct vg_positions p, q;
	vg_positions_init(&p);
	assert_int_equal(vg_positions_set(&p, "/var/log/syslog", 2049, 123456, 987654321), VG_OK);
	assert_int_equal(vg_positions_set(&p, "/tmp/with space/a b.log", 1, 2, 0), VG_OK);
	assert_int_equal(vg_positions_set(&p, "/var/log/syslog", 2049, 777, 5), VG_OK);
	assert_int_equal(vg_positions_set(&p, "/bad\nname", 1, 1, 1), VG_OK);
	assert_int_equal(vg_positions_set_cursor(&p, "s=abc;i=1f;b=x;m=2;t=5;x=9"), VG_OK);
	assert_int_equal(p.count, 3);
	assert_int_equal(vg_positions_save(&p, file), VG_OK);
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	assert_int_not_equal(access(tmp, F_OK), 0);

	vg_positions_init(&q);
	assert_int_equal(vg_positions_load(&q, file), VG_OK);
	assert_true(q.existed);
	assert_int_equal(q.count, 2);
	const struct vg_position *e = vg_positions_find(&q, "/var/log/syslog");
	assert_non_null(e);
	assert_int_equal(e->dev, 2049);
	assert_int_equal(e->ino, 777);
	assert_int_equal(e->offset, 5);
	e = vg_positions_find(&q, "/tmp/with space/a b.log");
	assert_non_null(e);
	assert_int_equal(e->ino, 2);
	assert_null(vg_positions_find(&q, "/bad\nname"));
	assert_string_equal(q.journal_cursor, "s=abc;i=1f;b=x;m=2;t=5;x=9");
	vg_positions_remove(&q, "/var/log/syslog");
	assert_null(vg_positions_find(&q, "/var/log/syslog"));
	assert_int_equal(q.count, 1);
	vg_positions_free(&q);
	vg_positions_free(&p);
}

static void test_malformed_lines_skipped(void **state)
{
	(void)state;
	write_text("# vigil collector positions v1\n"
	           "F 1 2 3 /good\n"
	           "F x 2 3 /bad-dev\n"
	           "F 1 2 /no-offset\n"
	           "F 1 2 3\n"
	           "F 1 2 99999999999999999999999 /huge\n"
	           "Q what\n"
	           "F 4 5 6 /also good"); /* no final newline */
	struct vg_positions p;
	vg_positions_init(&p);
	assert_int_equal(vg_positions_load(&p, file), VG_OK);
	assert_int_equal(p.count, 2);
	assert_non_null(vg_positions_find(&p, "/good"));
	const struct vg_position *e = vg_positions_find(&p, "/also good");
	assert_non_null(e);
	assert_int_equal(e->offset, 6);
	assert_null(p.journal_cursor);
	vg_positions_free(&p);
}

static void test_save_replaces_old_file(void **state)
{
	(void)state;
	write_text("F 1 1 1 /stale\n");
	struct vg_positions p, q;
	vg_positions_init(&p);
	assert_int_equal(vg_positions_set(&p, "/fresh", 9, 9, 9), VG_OK);
	assert_int_equal(vg_positions_save(&p, file), VG_OK);
	vg_positions_init(&q);
	assert_int_equal(vg_positions_load(&q, file), VG_OK);
	assert_int_equal(q.count, 1);
	assert_null(vg_positions_find(&q, "/stale"));
	assert_non_null(vg_positions_find(&q, "/fresh"));
	vg_positions_free(&q);
	/* A directory that does not exist cannot be written: an error, no crash. */
	assert_int_equal(vg_positions_save(&p, "/nonexistent-dir/x.pos"), VG_EIO);
	vg_positions_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_file_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_lines_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_replaces_old_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
