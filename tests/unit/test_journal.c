/*
 * test_journal.c - the systemd journal input: an entry sent to the local
 * journal comes back from the collector as a syslog-like line located
 * "journald", and the saved cursor makes a restart skip what was read.
 * Skipped (exit 77) when no journal can be opened or written to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "vg_test.h"
#include "vigil/collect.h"
#include "vigil/error.h"

struct seen {
	char marker[64];
	char line[1024];
	int hits;
};

static void on_line(void *ctx, const char *location, const char *line, size_t len)
{
	struct seen *s = ctx;
	assert_string_equal(location, VG_COLLECT_JOURNAL_LOCATION);
	assert_int_equal(strlen(line), len);
	if (strstr(line, s->marker)) {
		snprintf(s->line, sizeof(s->line), "%s", line);
		s->hits++;
	}
}

static int wait_for(struct vg_collector *c, struct seen *s, int tries)
{
	for (int i = 0; i < tries && !s->hits; i++) {
		assert_true(vg_collector_poll(c, on_line, s, 0) >= 0);
		usleep(100000);
	}
	return s->hits;
}

/* Works on any machine where the journal library opens, even empty. */
static void test_journal_poll_and_save(void **state)
{
	(void)state;
	char dir[] = "/tmp/vg_journal_XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct vg_collect_opts o;
	vg_collect_opts_init(&o);
	o.data_dir = dir;
	o.no_inotify = true;
	struct vg_collector *c;
	assert_int_equal(vg_collector_create(&o, &c), VG_OK);
	int fds[4];
	assert_int_equal(vg_collector_fds(c, fds, 4), 0);
	if (vg_collector_add_journal(c, NULL) != VG_OK) {
		vg_collector_destroy(c);
		rmdir(dir);
		skip();
	}
	assert_int_equal(vg_collector_add_journal(c, "no-equals-sign"), VG_EINVAL);
	assert_int_equal(vg_collector_add_journal(c, "_SYSTEMD_UNIT=sshd.service"), VG_OK);
	assert_true(vg_collector_fds(c, fds, 4) <= 1);
	struct seen s = { .hits = 0 };
	snprintf(s.marker, sizeof(s.marker), "never-written-%d", (int)getpid());
	assert_true(vg_collector_poll(c, on_line, &s, 10) >= 0);
	assert_int_equal(s.hits, 0);
	assert_int_equal(vg_collector_save_positions(c), VG_OK);
	vg_collector_destroy(c);
	char pos[128];
	snprintf(pos, sizeof(pos), "%s/collector.pos", dir);
	assert_int_equal(access(pos, R_OK), 0);
	unlink(pos);
	rmdir(dir);
}

static void test_journal_entry_as_syslog_line(void **state)
{
	(void)state;
	char dir[] = "/tmp/vg_journal_XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct vg_collect_opts o;
	vg_collect_opts_init(&o);
	o.data_dir = dir;
	struct vg_collector *c;
	assert_int_equal(vg_collector_create(&o, &c), VG_OK);
	if (vg_collector_add_journal(c, NULL) != VG_OK) {
		vg_collector_destroy(c);
		rmdir(dir);
		printf("SKIP: no readable systemd journal\n");
		exit(VG_TEST_SKIP);
	}
	if (access("/run/systemd/journal/socket", W_OK) != 0) {
		vg_collector_destroy(c);
		rmdir(dir);
		printf("SKIP: journald is not running (no /run/systemd/journal/socket)\n");
		exit(VG_TEST_SKIP);
	}
	struct seen s = { .hits = 0 };
	snprintf(s.marker, sizeof(s.marker), "vigil-journal-test-%d", (int)getpid());
	if (sd_journal_send("MESSAGE=%s hello", s.marker, "SYSLOG_IDENTIFIER=vigiltest", NULL) <
	    0) {
		vg_collector_destroy(c);
		rmdir(dir);
		printf("SKIP: cannot write to the systemd journal (journald not running?)\n");
		exit(VG_TEST_SKIP);
	}
	if (!wait_for(c, &s, 50)) {
		vg_collector_destroy(c);
		rmdir(dir);
		printf("SKIP: entry sent but not readable (journal not persisted here?)\n");
		exit(VG_TEST_SKIP);
	}
	char want[128];
	snprintf(want, sizeof(want), " vigiltest[%d]: %s hello", (int)getpid(), s.marker);
	assert_non_null(strstr(s.line, want));
	assert_true(s.line[3] == ' ' && s.line[6] == ' ' && s.line[9] == ':');
	assert_int_equal(vg_collector_save_positions(c), VG_OK);
	vg_collector_destroy(c);

	/* Restart: the entry already read is not delivered again. */
	assert_int_equal(vg_collector_create(&o, &c), VG_OK);
	assert_int_equal(vg_collector_add_journal(c, NULL), VG_OK);
	s.hits = 0;
	assert_int_equal(wait_for(c, &s, 5), 0);
	vg_collector_destroy(c);
	char pos[128];
	snprintf(pos, sizeof(pos), "%s/collector.pos", dir);
	unlink(pos);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_poll_and_save),
		cmocka_unit_test(test_journal_entry_as_syslog_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
