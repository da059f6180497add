/*
 * test_file_tail.c - unit tests of the file collector on real files in a
 * temporary directory: appends, partial lines, rename and copytruncate
 * rotation, files appearing later or removed, restarts with saved
 * positions (no line lost or repeated), long lines, multi-line records,
 * the poll budget and inotify wake-ups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil/collect.h"
#include "vigil/error.h"

#define MAX_GOT 256

struct got {
	struct vg_collector *c;
	size_t n;
	char *lines[MAX_GOT];
	char *where[MAX_GOT];
	unsigned flags[MAX_GOT];
};

struct fixture {
	char dir[64];
	char path[128];
	char data[128];
	struct got got;
};

static void on_line(void *ctx, const char *location, const char *line, size_t len)
{
	struct got *g = ctx;
	assert_true(g->n < MAX_GOT);
	assert_int_equal(strlen(line), len);
	g->lines[g->n] = strndup(line, len);
	g->where[g->n] = strdup(location);
	g->flags[g->n] = vg_collector_line_flags(g->c);
	g->n++;
}

static void got_clear(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->lines[i]);
		free(g->where[i]);
	}
	g->n = 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/vg_tail_XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/app.log", f->dir);
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	mkdir(f->data, 0700);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];
	got_clear(&f->got);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static struct vg_collector *make(struct fixture *f, const char *pattern,
                                 const struct vg_collect_opts *o,
                                 const struct vg_collect_file_opts *fo)
{
	struct vg_collect_opts def;
	if (!o) {
		vg_collect_opts_init(&def);
		def.data_dir = f->data;
		o = &def;
	}
	struct vg_collector *c;
	assert_int_equal(vg_collector_create(o, &c), VG_OK);
	assert_int_equal(vg_collector_add_file(c, pattern, fo), VG_OK);
	f->got.c = c;
	return c;
}

static int poll_all(struct vg_collector *c, struct got *g)
{
	int total = 0, n;
	while ((n = vg_collector_poll(c, on_line, g, 0)) > 0)
		total += n;
	assert_true(n >= 0);
	return total;
}

static void expect(const struct got *g, const char *const *want, size_t count)
{
	assert_int_equal(g->n, count);
	for (size_t i = 0; i < count; i++)
		assert_string_equal(g->lines[i], want[i]);
}

static void test_only_new_lines_and_partial(void **state)
{
	struct fixture *f = *state;
	append(f->path, "old one\nold two\n");
	struct vg_collector *c = make(f, f->path, NULL, NULL);
	assert_int_equal(poll_all(c, &f->got), 0);
	append(f->path, "first\r\nsecond\n\nthi");
	assert_int_equal(poll_all(c, &f->got), 2);
	append(f->path, "rd\n");
	assert_int_equal(poll_all(c, &f->got), 1);
	const char *want[] = { "first", "second", "third" };
	expect(&f->got, want, 3);
	assert_string_equal(f->got.where[0], f->path);
	vg_collector_destroy(c);
}

static void rotate_by_rename(struct fixture *f, struct vg_collector *c, size_t files_open)
{
	char old[160];
	snprintf(old, sizeof(old), "%s.1", f->path);
	append(f->path, "r1\nr2\n");
	int wfd = open(f->path, O_WRONLY | O_APPEND);
	assert_true(wfd >= 0);
	assert_int_equal(rename(f->path, old), 0);
	/* The writer has not reopened yet: this lands in the renamed file. */
	assert_int_equal(write(wfd, "r3\n", 3), 3);
	close(wfd);
	append(f->path, "r4\nr5\n");
	for (int i = 0; i < 20 && f->got.n < 5; i++) {
		poll_all(c, &f->got);
		usleep(10000);
	}
	const char *want[] = { "r1", "r2", "r3", "r4", "r5" };
	expect(&f->got, want, 5);
	struct vg_collect_stats st;
	vg_collector_stats(c, &st);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(st.files_open, files_open);
}

static void test_rename_rotation_inotify(void **state)
{
	struct fixture *f = *state;
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, NULL, NULL);
	rotate_by_rename(f, c, 1);
	vg_collector_destroy(c);
}

static void test_rename_rotation_stat_only(void **state)
{
	struct fixture *f = *state;
	struct vg_collect_opts o;
	vg_collect_opts_init(&o);
	o.no_inotify = true;
	o.stat_interval_ms = 0;
	o.rescan_interval_ms = 0;
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, &o, NULL);
	int fds[4];
	assert_int_equal(vg_collector_fds(c, fds, 4), 0);
	rotate_by_rename(f, c, 1);
	vg_collector_destroy(c);
}

static void test_rotated_name_also_matched(void **state)
{
	struct fixture *f = *state;
	char pattern[160];
	snprintf(pattern, sizeof(pattern), "%s*", f->path);
	append(f->path, "");
	struct vg_collector *c = make(f, pattern, NULL, NULL);
	rotate_by_rename(f, c, 2);
	/* Later rescans find app.log.1 again: it must not be read twice. */
	append(f->path, "r6\n");
	for (int i = 0; i < 20 && f->got.n < 6; i++) {
		poll_all(c, &f->got);
		usleep(10000);
	}
	usleep(50000);
	poll_all(c, &f->got);
	assert_int_equal(f->got.n, 6);
	assert_string_equal(f->got.lines[5], "r6");
	struct vg_collect_stats st;
	vg_collector_stats(c, &st);
	assert_int_equal(st.files_open, 2);
	vg_collector_destroy(c);
}

static void test_copytruncate(void **state)
{
	struct fixture *f = *state;
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, NULL, NULL);
	append(f->path, "before one\nbefore two\n");
	assert_int_equal(poll_all(c, &f->got), 2);
	assert_int_equal(truncate(f->path, 0), 0);
	append(f->path, "after\n");
	for (int i = 0; i < 20 && f->got.n < 3; i++) {
		poll_all(c, &f->got);
		usleep(10000);
	}
	const char *want[] = { "before one", "before two", "after" };
	expect(&f->got, want, 3);
	struct vg_collect_stats st;
	vg_collector_stats(c, &st);
	assert_int_equal(st.truncations, 1);
	vg_collector_destroy(c);
}

static void test_file_appears_later_and_removed(void **state)
{
	struct fixture *f = *state;
	char pattern[160], later[160];
	snprintf(pattern, sizeof(pattern), "%s/*.log", f->dir);
	snprintf(later, sizeof(later), "%s/later.log", f->dir);
	struct vg_collector *c = make(f, pattern, NULL, NULL);
	assert_int_equal(poll_all(c, &f->got), 0);
	mkdir(later, 0700); /* not a regular file: silently ignored */
	rmdir(later);
	append(later, "born\nlater\n");
	for (int i = 0; i < 20 && f->got.n < 2; i++) {
		poll_all(c, &f->got);
		usleep(10000);
	}
	const char *want[] = { "born", "later" };
	expect(&f->got, want, 2);
	assert_string_equal(f->got.where[1], later);
	assert_int_equal(unlink(later), 0);
	poll_all(c, &f->got);
	struct vg_collect_stats st;
	vg_collector_stats(c, &st);
	assert_int_equal(st.files_open, 0);
	vg_collector_destroy(c);
}

static void test_restart_no_loss_no_duplicates(void **state)
{
	struct fixture *f = *state;
	char line[32];
	append(f->path, "history\n");
	struct vg_collector *c = make(f, f->path, NULL, NULL);
	for (int i = 0; i < 30; i++) {
		snprintf(line, sizeof(line), "run1 %d\n", i);
		append(f->path, line);
	}
	assert_int_equal(vg_collector_poll(c, on_line, &f->got, 10), 10);
	assert_int_equal(vg_collector_timeout_ms(c), 0);
	assert_int_equal(vg_collector_save_positions(c), VG_OK);
	vg_collector_destroy(c);
	/* Written while stopped, including a line not finished yet. */
	append(f->path, "down 1\ndown 2\npart");
	c = make(f, f->path, NULL, NULL);
	assert_int_equal(poll_all(c, &f->got), 22);
	append(f->path, "ial\n");
	assert_int_equal(poll_all(c, &f->got), 1);
	assert_string_equal(f->got.lines[9], "run1 9");
	assert_string_equal(f->got.lines[10], "run1 10");
	assert_string_equal(f->got.lines[31], "down 2");
	assert_string_equal(f->got.lines[32], "partial");
	assert_int_equal(vg_collector_save_positions(c), VG_OK);
	vg_collector_destroy(c);
	/* Nothing new: nothing read twice. */
	c = make(f, f->path, NULL, NULL);
	assert_int_equal(poll_all(c, &f->got), 0);
	assert_int_equal(vg_collector_save_positions(c), VG_OK);
	vg_collector_destroy(c);
	/* Rotated while stopped: the new file is read from its start. */
	char old[160];
	snprintf(old, sizeof(old), "%s.1", f->path);
	assert_int_equal(rename(f->path, old), 0);
	append(f->path, "new file\n");
	c = make(f, f->path, NULL, NULL);
	assert_int_equal(poll_all(c, &f->got), 1);
	assert_string_equal(f->got.lines[33], "new file");
	vg_collector_destroy(c);
}

static void test_long_lines_split(void **state)
{
	struct fixture *f = *state;
	struct vg_collect_opts o;
	vg_collect_opts_init(&o);
	o.max_line = 10;
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, &o, NULL);
	append(f->path, "0123456789abcdefghijKLMNO\nshort\n0123456789\n");
	assert_int_equal(poll_all(c, &f->got), 5);
	const char *want[] = { "0123456789", "abcdefghij", "KLMNO", "short", "0123456789" };
	expect(&f->got, want, 5);
	assert_int_equal(f->got.flags[0], VG_COLLECT_LINE_SPLIT);
	assert_int_equal(f->got.flags[1], VG_COLLECT_LINE_SPLIT);
	assert_int_equal(f->got.flags[2], 0);
	assert_int_equal(f->got.flags[4], 0);
	/* A long line still being written is split without waiting for its end. */
	append(f->path, "abcdefghijklm");
	assert_int_equal(poll_all(c, &f->got), 1);
	append(f->path, "n\n");
	assert_int_equal(poll_all(c, &f->got), 1);
	assert_string_equal(f->got.lines[6], "klmn");
	vg_collector_destroy(c);
}

static void test_multiline(void **state)
{
	struct fixture *f = *state;
	struct vg_collect_opts o;
	vg_collect_opts_init(&o);
	o.multiline_flush_ms = 50;
	struct vg_collect_file_opts fo = { .format = VG_COLLECT_MULTILINE,
		                           .multiline_regex = "^\\d{4}-\\d\\d-\\d\\d " };
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, &o, &fo);
	append(f->path, "2024-05-01 error: boom\n  at a()\n  at b()\n2024-05-01 info: ok\n");
	assert_int_equal(poll_all(c, &f->got), 1);
	assert_string_equal(f->got.lines[0], "2024-05-01 error: boom   at a()   at b()");
	usleep(120 * 1000);
	assert_int_equal(poll_all(c, &f->got), 1);
	assert_string_equal(f->got.lines[1], "2024-05-01 info: ok");
	vg_collector_destroy(c);

	fo.multiline_regex = "([unclosed";
	struct vg_collector *bad;
	assert_int_equal(vg_collector_create(&o, &bad), VG_OK);
	assert_int_equal(vg_collector_add_file(bad, f->path, &fo), VG_EINVAL);
	vg_collector_destroy(bad);
}

static void test_json_lines_and_budget(void **state)
{
	struct fixture *f = *state;
	struct vg_collect_file_opts fo = { .format = VG_COLLECT_JSON };
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, NULL, &fo);
	char line[64];
	for (int i = 0; i < 7; i++) {
		snprintf(line, sizeof(line), "{\"n\":%d,\"msg\":\"a b\"}\r\n", i);
		append(f->path, line);
	}
	assert_int_equal(vg_collector_poll(c, on_line, &f->got, 3), 3);
	assert_int_equal(vg_collector_poll(c, on_line, &f->got, 3), 3);
	assert_int_equal(vg_collector_poll(c, on_line, &f->got, 3), 1);
	assert_int_equal(f->got.n, 7);
	assert_string_equal(f->got.lines[6], "{\"n\":6,\"msg\":\"a b\"}");
	vg_collector_destroy(c);
}

static void test_inotify_wakes_up(void **state)
{
	struct fixture *f = *state;
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, NULL, NULL);
	int fds[4];
	size_t n = vg_collector_fds(c, fds, 4);
	if (n == 0)
		skip();
	poll_all(c, &f->got);
	struct pollfd p = { .fd = fds[0], .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 0);
	append(f->path, "wake up\n");
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(poll_all(c, &f->got), 1);
	assert_string_equal(f->got.lines[0], "wake up");
	assert_int_equal(poll(&p, 1, 0), 0);
	vg_collector_destroy(c);
}

static void test_unreadable_file_is_skipped(void **state)
{
	struct fixture *f = *state;
	char pattern[160], other[160];
	snprintf(pattern, sizeof(pattern), "%s/*.log", f->dir);
	snprintf(other, sizeof(other), "%s/ok.log", f->dir);
	append(f->path, "");
	append(other, "");
	chmod(f->path, 0);
	bool root = access(f->path, R_OK) == 0;
	struct vg_collect_opts o;
	vg_collect_opts_init(&o);
	o.read_existing_from_start = true;
	struct vg_collector *c = make(f, pattern, &o, NULL);
	append(other, "fine\n");
	assert_int_equal(poll_all(c, &f->got), 1);
	struct vg_collect_stats st;
	vg_collector_stats(c, &st);
	assert_int_equal(st.open_errors, root ? 0 : 1);
	assert_int_equal(st.files_open, root ? 2 : 1);
	vg_collector_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_only_new_lines_and_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_rotation_inotify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_rotation_stat_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotated_name_also_matched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copytruncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_appears_later_and_removed, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_restart_no_loss_no_duplicates, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_long_lines_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_lines_and_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inotify_wakes_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_file_is_skipped, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
