/*
 * test_core.c - unit tests of the core module: arena, buffer, diagnostics,
 * event fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/arena.h"
#include "vigil/array.h"
#include "vigil/buf.h"
#include "vigil/error.h"
#include "vigil/event.h"

static void test_arena_alloc_and_reset(void **state)
{
	(void)state;
	struct vg_arena *a = vg_arena_create(256);
	assert_non_null(a);
	char *s = vg_arena_strdup(a, "hello");
	assert_string_equal(s, "hello");
	assert_int_equal(((uintptr_t)s) % 16, 0);
	/* A large allocation gets its own block and is still usable. */
	char *big = vg_arena_alloc(a, 10000);
	assert_non_null(big);
	memset(big, 'x', 10000);
	for (int i = 0; i < 100; i++)
		assert_non_null(vg_arena_printf(a, "n=%d", i));
	assert_true(vg_arena_reserved(a) >= 10000);
	vg_arena_reset(a);
	assert_true(vg_arena_reserved(a) <= 256);
	assert_string_equal(vg_arena_strndup(a, "abcdef", 3), "abc");
	vg_arena_destroy(a);
	vg_arena_destroy(NULL);
}

static void test_buf_limits_and_json(void **state)
{
	(void)state;
	struct vg_buf b;
	vg_buf_init(&b, 8);
	assert_string_equal(vg_buf_str(&b), "");
	assert_int_equal(vg_buf_addstr(&b, "1234"), VG_OK);
	assert_int_equal(vg_buf_printf(&b, "%d", 5678), VG_OK);
	assert_string_equal(vg_buf_str(&b), "12345678");
	assert_int_equal(vg_buf_addc(&b, '9'), VG_ELIMIT);
	assert_string_equal(vg_buf_str(&b), "12345678");
	vg_buf_free(&b);

	vg_buf_init(&b, 0);
	const char raw[] = "a\"b\\c\n\x01";
	assert_int_equal(vg_buf_add_json_str(&b, raw, sizeof(raw) - 1), VG_OK);
	assert_string_equal(vg_buf_str(&b), "a\\\"b\\\\c\\n\\u0001");
	char *d = vg_buf_detach(&b);
	assert_string_equal(d, "a\\\"b\\\\c\\n\\u0001");
	free(d);
	assert_int_equal(b.len, 0);
}

static void test_diag_records_location(void **state)
{
	(void)state;
	struct vg_diag d;
	vg_diag_init(&d);
	vg_diag_add(&d, VG_DIAG_ERROR, "rules.xml", 12, 3, "expected '%s'", "</rule>");
	vg_diag_add(&d, VG_DIAG_WARNING, NULL, 0, 0, "just a warning");
	assert_int_equal(d.count, 2);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.warnings, 1);
	assert_string_equal(d.msgs[0].file, "rules.xml");
	assert_int_equal(d.msgs[0].line, 12);
	assert_string_equal(d.msgs[0].text, "expected '</rule>'");
	vg_diag_free(&d);
	assert_int_equal(d.count, 0);
}

static void test_event_fields(void **state)
{
	(void)state;
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	assert_int_equal(vg_fixed_lookup("user"), VG_F_DSTUSER);
	assert_int_equal(vg_fixed_lookup("srcip"), VG_F_SRCIP);
	assert_int_equal(vg_fixed_lookup("win.system.eventID"), -1);
	ev.fixed[VG_F_SRCUSER] = "alice";
	assert_string_equal(vg_event_field(&ev, "user"), "alice");
	ev.fixed[VG_F_DSTUSER] = "root";
	assert_string_equal(vg_event_field(&ev, "user"), "root");
	assert_int_equal(vg_event_set(&ev, "Win.System.EventID", "4688"), VG_OK);
	assert_string_equal(vg_event_get(&ev, "win.system.eventid"), "4688");
	assert_int_equal(vg_event_set(&ev, "win.system.eventID", "1"), VG_OK);
	assert_int_equal(ev.ndyn, 1);
	char name[32];
	for (int i = 1; i < VG_EVENT_MAX_DYNAMIC; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		assert_int_equal(vg_event_set(&ev, vg_arena_strdup(ev.arena, name), "v"), VG_OK);
	}
	assert_int_equal(vg_event_set(&ev, "one_too_many", "v"), VG_ELIMIT);
	vg_event_reset(&ev);
	assert_null(vg_event_field(&ev, "user"));
	assert_int_equal(ev.ndyn, 0);
	vg_event_destroy(&ev);
}

static void test_grow(void **state)
{
	(void)state;
	int *v = NULL;
	size_t cap = 0;
	assert_int_equal(vg_grow((void **)&v, &cap, 1, sizeof(*v), 4), VG_OK);
	assert_int_equal(cap, 4);
	for (int i = 0; i < 4; i++)
		v[i] = i;
	assert_int_equal(vg_grow((void **)&v, &cap, 3, sizeof(*v), 4), VG_OK);
	assert_int_equal(cap, 4); /* enough room: unchanged */
	assert_int_equal(vg_grow((void **)&v, &cap, 9, sizeof(*v), 4), VG_OK);
	assert_int_equal(cap, 16);
	assert_int_equal(v[3], 3); /* contents kept */
	int *keep = v;
	assert_int_equal(vg_grow((void **)&v, &cap, SIZE_MAX / 2 + 2, sizeof(*v), 4), VG_ELIMIT);
	assert_ptr_equal(v, keep);
	assert_int_equal(cap, 16);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alloc_and_reset),
		cmocka_unit_test(test_buf_limits_and_json),
		cmocka_unit_test(test_diag_records_location),
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_grow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
