/*
 * test_file_tail.c - unit tests of the file collector on real files in a
 * temporary directory: appends, partial lines, rename and copytruncate
 * rotation, files appearing later or removed, restarts with saved
 * positions (no line lost or repeated), long lines, multi-line records,
 * the poll budget and inotify wake-ups; copytruncate while the collector
 * is behind (the unread lines come from the copy, once and in order), with
 * no copy, twice in a row, with several candidate copies; a writer still
 * appending to a renamed file after the new one is read.
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
#include <time.h>
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
	/* The renamed file is still read (the writer may not have reopened). */
	assert_int_equal(st.files_open, files_open + 1);
	/* Deleted, it is let go at once. */
	assert_int_equal(unlink(old), 0);
	poll_all(c, &f->got);
	vg_collector_stats(c, &st);
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
	char old[160];
	snprintf(old, sizeof(old), "%s.1", f->path);
	append(f->path, "r1\nr2\n");
	int wfd = open(f->path, O_WRONLY | O_APPEND);
	assert_true(wfd >= 0);
	assert_int_equal(rename(f->path, old), 0);
	assert_int_equal(write(wfd, "r3\n", 3), 3);
	close(wfd);
	append(f->path, "r4\nr5\n");
	for (int i = 0; i < 20 && f->got.n < 5; i++) {
		poll_all(c, &f->got);
		usleep(10000);
	}
	const char *want[] = { "r1", "r2", "r3", "r4", "r5" };
	expect(&f->got, want, 5);
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

/* What logrotate's copytruncate does: copy the file, then empty it. */
static void copytruncate(const char *path, const char *copy)
{
	char buf[4096];
	int in = open(path, O_RDWR);
	int out = open(copy, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(in >= 0 && out >= 0);
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(out);
	assert_int_equal(ftruncate(in, 0), 0);
	close(in);
}

/* Appends lines "<tag> <i>" for i in [from, to). */
static void append_numbered(const char *path, const char *tag, int from, int to)
{
	char line[64];
	for (int i = from; i < to; i++) {
		snprintf(line, sizeof(line), "%s %d\n", tag, i);
		append(path, line);
	}
}

/* Checks got lines [at, at + to - from) are "<tag> <from>" ... in order. */
static void expect_numbered(const struct got *g, size_t at, const char *tag, int from, int to)
{
	char line[64];
	assert_true(g->n >= at + (size_t)(to - from));
	for (int i = from; i < to; i++) {
		snprintf(line, sizeof(line), "%s %d", tag, i);
		assert_string_equal(g->lines[at + (size_t)(i - from)], line);
	}
}

static void poll_until(struct vg_collector *c, struct got *g, size_t want, size_t budget)
{
	for (int i = 0; i < 100 && g->n < want; i++) {
		while (vg_collector_poll(c, on_line, g, budget) > 0)
			;
		if (g->n < want)
			usleep(10000);
	}
}

static void set_age(const char *path, time_t seconds_ago)
{
	struct timespec ts[2];
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= seconds_ago;
	ts[1] = ts[0];
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Truncated while 7 lines were not read yet: they come from the copy. */
static void copytruncate_behind(struct fixture *f, size_t budget, bool rewrite_past)
{
	char copy[160];
	snprintf(copy, sizeof(copy), "%s.1", f->path);
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, NULL, NULL);
	append_numbered(f->path, "read", 0, 5);
	poll_until(c, &f->got, 5, budget);
	append_numbered(f->path, "unread", 0, 7);
	copytruncate(f->path, copy);
	/* Past the old offset: only the bytes before it tell the rewrite. */
	append_numbered(f->path, "after", 0, rewrite_past ? 40 : 2);
	int after = rewrite_past ? 40 : 2;
	poll_until(c, &f->got, (size_t)(12 + after), budget);
	usleep(20000);
	poll_all(c, &f->got);
	assert_int_equal(f->got.n, 12 + after);
	expect_numbered(&f->got, 0, "read", 0, 5);
	expect_numbered(&f->got, 5, "unread", 0, 7);
	expect_numbered(&f->got, 12, "after", 0, after);
	assert_string_equal(f->got.where[6], f->path);
	struct vg_collect_stats st;
	vg_collector_stats(c, &st);
	assert_int_equal(st.truncations, 1);
	assert_int_equal(st.copies_read, 1);
	assert_int_equal(st.files_open, 1);
	vg_collector_destroy(c);
}

static void test_copytruncate_rescue(void **state)
{
	copytruncate_behind(*state, 0, false);
}

static void test_copytruncate_rescue_budget(void **state)
{
	copytruncate_behind(*state, 1, false);
}

static void test_copytruncate_rewritten_past_offset(void **state)
{
	copytruncate_behind(*state, 0, true);
}

/* Runs fn with stderr sent to a file; returns what was written (malloc). */
static char *capture_stderr(void (*fn)(struct fixture *), struct fixture *f)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/stderr", f->dir);
	fflush(stderr);
	int saved = dup(2);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	fn(f);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char *text = calloc(1, 4096);
	assert_non_null(text);
	assert_true(pread(fd, text, 4095, 0) >= 0);
	close(fd);
	return text;
}

static void truncate_without_copy(struct fixture *f)
{
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, NULL, NULL);
	append(f->path, "seen one\nseen two\n");
	assert_int_equal(poll_all(c, &f->got), 2);
	append(f->path, "never read\n");
	assert_int_equal(truncate(f->path, 0), 0);
	append(f->path, "new\n");
	poll_until(c, &f->got, 3, 0);
	struct vg_collect_stats st;
	vg_collector_stats(c, &st);
	assert_int_equal(st.truncations, 1);
	assert_int_equal(st.copies_read, 0);
	vg_collector_destroy(c);
}

static void test_copytruncate_without_copy(void **state)
{
	struct fixture *f = *state;
	char *err = capture_stderr(truncate_without_copy, f);
	const char *want[] = { "seen one", "seen two", "new" };
	expect(&f->got, want, 3);
	assert_non_null(strstr(err, "was truncated at offset 18"));
	assert_non_null(strstr(err, "lost"));
	free(err);
}

/* The copy was made before the last lines, which were read and then
 * destroyed by the truncation: nothing unread was lost, no warning. */
static void copy_shorter_than_read(struct fixture *f)
{
	char copy[160];
	snprintf(copy, sizeof(copy), "%s.1", f->path);
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, NULL, NULL);
	append_numbered(f->path, "copied", 0, 20);
	int out = open(copy, O_WRONLY | O_CREAT | O_EXCL, 0644);
	int in = open(f->path, O_RDONLY);
	char buf[4096];
	ssize_t n = read(in, buf, sizeof(buf));
	assert_true(n > 0 && write(out, buf, (size_t)n) == n);
	close(in);
	close(out);
	append_numbered(f->path, "between", 0, 3);
	poll_until(c, &f->got, 23, 0);
	assert_int_equal(truncate(f->path, 0), 0);
	append(f->path, "new\n");
	poll_until(c, &f->got, 24, 0);
	struct vg_collect_stats st;
	vg_collector_stats(c, &st);
	assert_int_equal(st.truncations, 1);
	assert_int_equal(st.copies_read, 0);
	vg_collector_destroy(c);
}

static void test_copytruncate_copy_shorter_than_read(void **state)
{
	struct fixture *f = *state;
	char *err = capture_stderr(copy_shorter_than_read, f);
	assert_int_equal(f->got.n, 24);
	expect_numbered(&f->got, 0, "copied", 0, 20);
	expect_numbered(&f->got, 20, "between", 0, 3);
	assert_string_equal(f->got.lines[23], "new");
	assert_null(strstr(err, "lost"));
	free(err);
}

static void test_copytruncate_twice(void **state)
{
	struct fixture *f = *state;
	char c1[160], c2[160], gz[160];
	snprintf(c1, sizeof(c1), "%s.1", f->path);
	snprintf(c2, sizeof(c2), "%s.2", f->path);
	snprintf(gz, sizeof(gz), "%s.3.gz", f->path);
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, NULL, NULL);
	for (int round = 0; round < 2; round++) {
		size_t at = f->got.n;
		append_numbered(f->path, round ? "b-read" : "a-read", 0, 3);
		poll_until(c, &f->got, at + 3, 0);
		append_numbered(f->path, round ? "b-unread" : "a-unread", 0, 4);
		/* logrotate: app.log.1 -> app.log.2, then the new copy. */
		if (round)
			assert_int_equal(rename(c1, c2), 0);
		copytruncate(f->path, c1);
		append(f->path, round ? "b\n" : "a\n");
		poll_until(c, &f->got, at + 8, 0);
		expect_numbered(&f->got, at, round ? "b-read" : "a-read", 0, 3);
		expect_numbered(&f->got, at + 3, round ? "b-unread" : "a-unread", 0, 4);
		assert_string_equal(f->got.lines[at + 7], round ? "b" : "a");
		/* A compressed copy cannot match; it is skipped. */
		append(gz, "\x1f\x8b\x08\x00 not the log");
	}
	usleep(20000);
	poll_all(c, &f->got);
	assert_int_equal(f->got.n, 16);
	struct vg_collect_stats st;
	vg_collector_stats(c, &st);
	assert_int_equal(st.truncations, 2);
	assert_int_equal(st.copies_read, 2);
	vg_collector_destroy(c);
}

static void test_copytruncate_prefers_newest_copy(void **state)
{
	struct fixture *f = *state;
	char old_copy[160], new_copy[160], other[160];
	snprintf(old_copy, sizeof(old_copy), "%s/app.log.bak", f->dir);
	snprintf(new_copy, sizeof(new_copy), "%s/app.log.1", f->dir);
	snprintf(other, sizeof(other), "%s/other.log", f->dir);
	append(f->path, "");
	struct vg_collector *c = make(f, f->path, NULL, NULL);
	append(f->path, "head 1\nhead 2\n");
	assert_int_equal(poll_all(c, &f->got), 2);
	/* An older copy holding the same start but another ending. */
	append(old_copy, "head 1\nhead 2\nstale tail\n");
	set_age(old_copy, 60);
	/* Same size as what was read, other bytes: not a copy. */
	append(other, "HEAD 1\nHEAD 2\nother tail\n");
	append(f->path, "tail 1\ntail 2\n");
	copytruncate(f->path, new_copy);
	append(f->path, "x\n");
	poll_until(c, &f->got, 5, 0);
	usleep(20000);
	poll_all(c, &f->got);
	const char *want[] = { "head 1", "head 2", "tail 1", "tail 2", "x" };
	expect(&f->got, want, 5);
	vg_collector_destroy(c);
}

/* The writer goes on appending to the renamed file after the new file was
 * found, and the glob also matches the rotated name: every line once. */
static void test_rename_writer_appends_late(void **state)
{
	struct fixture *f = *state;
	char pattern[160], old[160];
	snprintf(pattern, sizeof(pattern), "%s*", f->path);
	snprintf(old, sizeof(old), "%s.1", f->path);
	append(f->path, "");
	struct vg_collector *c = make(f, pattern, NULL, NULL);
	int wfd = open(f->path, O_WRONLY | O_APPEND);
	assert_true(wfd >= 0);
	assert_int_equal(write(wfd, "o1\no2\n", 6), 6);
	assert_int_equal(rename(f->path, old), 0);
	append(f->path, "n1\n");
	poll_until(c, &f->got, 3, 0);
	const char *want1[] = { "o1", "o2", "n1" };
	expect(&f->got, want1, 3);
	/* Rotation noticed, new file read: the old inode still gets lines. */
	assert_int_equal(write(wfd, "o3\no4", 5), 5);
	append(f->path, "n2\n");
	poll_until(c, &f->got, 5, 0);
	assert_int_equal(write(wfd, "-end\n", 5), 5);
	close(wfd);
	poll_until(c, &f->got, 6, 0);
	usleep(50000);
	poll_all(c, &f->got);
	assert_int_equal(f->got.n, 6);
	/* The two files are read side by side: n2 may come before or after o3. */
	bool n2_first = strcmp(f->got.lines[3], "n2") == 0;
	assert_string_equal(f->got.lines[n2_first ? 4 : 3], "o3");
	assert_string_equal(f->got.lines[n2_first ? 3 : 4], "n2");
	assert_string_equal(f->got.lines[5], "o4-end");
	struct vg_collect_stats st;
	vg_collector_stats(c, &st);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(st.files_open, 2);
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
		cmocka_unit_test_setup_teardown(test_copytruncate_rescue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copytruncate_rescue_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copytruncate_rewritten_past_offset, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_copytruncate_without_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copytruncate_copy_shorter_than_read, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_copytruncate_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copytruncate_prefers_newest_copy, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_rename_writer_appends_late, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
