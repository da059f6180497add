/*
 * test_fim.c - file integrity monitoring on a real filesystem (a temporary
 * directory) with Wazuh's own rules: files added, modified (content,
 * permissions, owner), deleted and renamed, by scheduled scans and in real
 * time; changes made while the monitor was closed; who-data of a process
 * the test spawns (skipped with the reason when audit is unavailable).
 * Each event goes through vg_fim_decode() and Wazuh's rule tree and must
 * give rule 554, 550 or 553 with the right syscheck fields. Real time is
 * tested with fanotify (when this process may use it) and with inotify
 * forced; a scan on several threads must leave exactly the baseline and
 * report exactly the events of a scan on one thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/ruleset_internal.h"
#include "fim/fim_internal.h"
#include "vg_test.h"
#include "vigil/engine.h"
#include "vigil/fim.h"
#include "vigil/pattern.h"
#include "vigil/rule.h"

#define MAX_EVENTS 64

struct got {
	char *line[MAX_EVENTS];
	size_t n;
};

struct fx {
	char root[64], watch[96], data[96];
	struct vg_config_fim cfg;
	struct vg_config_fim_path path;
	const char *nodiff[1];
	struct vg_fim *fim;
	struct got got;
	struct vg_ruleset *rs;
	struct vg_rule_state *state;
	struct vg_pattern_scratch *scratch;
	struct vg_event ev;
	char tmp[256];
};

static void on_event(void *ctx, const char *loc, const char *line, size_t len)
{
	struct got *g = ctx;
	assert_string_equal(loc, "syscheck");
	assert_int_equal(strlen(line), len);
	if (g->n < MAX_EVENTS)
		g->line[g->n++] = strdup(line);
}

static void store_cb(void *ctx, const char *line)
{
	on_event(ctx, "syscheck", line, strlen(line));
}

/* "<watch>/<rel>" in the fixture's buffer (valid until the next call). */
static const char *in_watch(struct fx *x, const char *rel)
{
	snprintf(x->tmp, sizeof(x->tmp), "%s/%s", x->watch, rel);
	return x->tmp;
}

static void got_clear(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->line[i]);
	g->n = 0;
}

static void write_file(const char *dir, const char *name, const char *text, const char *mode)
{
	char p[1100];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *fp = fopen(p, mode);
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static struct vg_ruleset *wazuh_ruleset(void)
{
	char dec[512], rules[512];
	vg_test_require_data(dec, sizeof(dec), "wazuh-ruleset/decoders");
	vg_test_require_data(rules, sizeof(rules), "wazuh-ruleset/rules");
	const char *d[] = { dec }, *r[] = { rules };
	struct vg_ruleset_opts o = {
		.decoder_dirs = d, .ndecoder_dirs = 1, .rule_dirs = r, .nrule_dirs = 1
	};
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_ruleset *rs = NULL;
	int rc = vg_ruleset_load(&o, &rs, &diag);
	if (rc != VG_OK)
		vg_diag_print(&diag, stdout);
	vg_diag_free(&diag);
	assert_int_equal(rc, VG_OK);
	return rs;
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	snprintf(x->root, sizeof(x->root), "/tmp/vg_fim_XXXXXX");
	assert_non_null(mkdtemp(x->root));
	snprintf(x->watch, sizeof(x->watch), "%s/watch", x->root);
	snprintf(x->data, sizeof(x->data), "%s/data", x->root);
	assert_int_equal(mkdir(x->watch, 0755), 0);
	assert_int_equal(mkdir(x->data, 0755), 0);
	x->path =
	    (struct vg_config_fim_path){ .path = x->watch,
		                         .attrs = VG_FIM_ATTR_DEFAULT | VG_FIM_MD5 | VG_FIM_SHA1,
		                         .recursion = 256,
		                         .report_changes = true,
		                         .tags = "web,critical" };
	x->nodiff[0] = "*/secret*";
	x->cfg = (struct vg_config_fim){ .paths = &x->path,
		                         .npaths = 1,
		                         .scan_interval_s = 3600,
		                         .file_limit = 100000,
		                         .diff_max_size = 1 << 20,
		                         .nodiff = x->nodiff,
		                         .nnodiff = 1 };
	assert_int_equal(vg_event_init(&x->ev), VG_OK);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	vg_fim_close(x->fim);
	got_clear(&x->got);
	vg_rule_state_destroy(x->state);
	vg_pattern_scratch_destroy(x->scratch);
	vg_ruleset_unref(x->rs);
	vg_event_destroy(&x->ev);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->root);
	assert_int_equal(system(cmd), 0);
	free(x);
	return 0;
}

static void open_fim(struct fx *x)
{
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_fim_open(&x->cfg, x->data, &x->fim, &d);
	vg_diag_print(&d, stdout);
	vg_diag_free(&d);
	assert_int_equal(rc, VG_OK);
}

/* Takes the queued events. */
static void drain(struct fx *x)
{
	assert_true(vg_fim_poll(x->fim, on_event, &x->got, 0) >= 0);
}

/* Waits (up to 10 s) until an event containing `needle` arrives. */
static const char *wait_for(struct fx *x, const char *needle)
{
	for (int i = 0; i < 1000; i++) {
		for (size_t j = 0; j < x->got.n; j++)
			if (strstr(x->got.line[j], needle))
				return x->got.line[j];
		struct pollfd p = { .fd = vg_fim_fd(x->fim), .events = POLLIN };
		poll(&p, 1, 10);
		drain(x);
	}
	return NULL;
}

/* Decodes line and runs Wazuh's rules; returns the rule id (0 none). */
static unsigned analyse(struct fx *x, const char *line)
{
	if (!x->rs) {
		x->rs = wazuh_ruleset();
		assert_int_equal(vg_rule_state_create(x->rs->rules, &x->state), VG_OK);
		x->scratch = vg_pattern_scratch_create();
	}
	vg_event_reset(&x->ev);
	x->ev.location = "syscheck";
	clock_gettime(CLOCK_REALTIME, &x->ev.arrival);
	assert_int_equal(vg_fim_decode(&x->ev, line, strlen(line)), VG_OK);
	const struct vg_rule *r = vg_rule_eval(x->rs->rules, x->state, &x->ev, x->scratch, NULL);
	return r ? r->id : 0;
}

static const char *field(struct fx *x, const char *name)
{
	const char *v = vg_event_get(&x->ev, name);
	return v ? v : "(none)";
}

/* The event for path/name of the given type, among those received. */
static const char *find(struct fx *x, const char *name, const char *type)
{
	char needle[256];
	snprintf(needle, sizeof(needle), "%s/%s\",\"mode\":", x->watch, name);
	char t[64];
	snprintf(t, sizeof(t), "\"type\":\"%s\"", type);
	for (size_t j = 0; j < x->got.n; j++)
		if (strstr(x->got.line[j], needle) && strstr(x->got.line[j], t))
			return x->got.line[j];
	return NULL;
}

static void test_decode(void **state)
{
	struct fx *x = *state;
	const char *line =
	    "{\"type\":\"event\",\"data\":{\"path\":\"/etc/x\",\"mode\":\"realtime\","
	    "\"type\":\"modified\",\"changed_attributes\":[\"size\",\"sha256\"],"
	    "\"attributes\":{\"type\":\"file\",\"size\":12,\"hash_sha256\":\"bb\",\"perm\":"
	    "\"rw-r--r--\"},\"old_attributes\":{\"type\":\"file\",\"size\":3,\"hash_sha256\":"
	    "\"aa\",\"perm\":\"rw-r--r--\"},\"audit\":{\"user_id\":\"0\",\"process_id\":42,"
	    "\"process_name\":\"/bin/vi\",\"ppid\":1}}}";
	assert_int_equal(vg_fim_decode(&x->ev, line, strlen(line)), VG_OK);
	assert_string_equal(x->ev.decoder_name, "syscheck_integrity_changed");
	assert_string_equal(field(x, "syscheck.path"), "/etc/x");
	assert_string_equal(field(x, "syscheck.size_before"), "3");
	assert_string_equal(field(x, "syscheck.size_after"), "12");
	assert_string_equal(field(x, "syscheck.sha256_after"), "bb");
	assert_string_equal(field(x, "syscheck.changed_attributes"), "size,sha256");
	assert_string_equal(field(x, "syscheck.audit.process.id"), "42");
	assert_string_equal(field(x, "syscheck.audit.process.name"), "/bin/vi");
	assert_non_null(strstr(x->ev.full_log, "File '/etc/x' modified\nMode: realtime\n"
	                                       "Changed attributes: size,sha256\n"
	                                       "Size changed from '3' to '12'\n"));
	assert_null(strstr(x->ev.full_log, "Permissions changed"));
	vg_event_reset(&x->ev);
	assert_int_equal(vg_fim_decode(&x->ev, "{\"a\":1}", 7), VG_ENOENT);
	assert_int_equal(vg_fim_decode(&x->ev, "{\"type\":\"event\",\"da", 19), VG_EPARSE);
	const char *bad = "{\"type\":\"event\",\"data\":{\"path\":\"/x\",\"type\":\"eaten\"}}";
	assert_int_equal(vg_fim_decode(&x->ev, bad, strlen(bad)), VG_EPARSE);
}

static void test_scheduled_changes(void **state)
{
	struct fx *x = *state;
	write_file(x->watch, "keep.conf", "a=1\nb=2\nc=3\n", "w");
	write_file(x->watch, "gone.txt", "bye\n", "w");
	write_file(x->watch, "old-name", "moving\n", "w");
	open_fim(x);
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	drain(x);
	assert_int_equal(x->got.n, 0); /* the first baseline is silent */

	write_file(x->watch, "new.sh", "#!/bin/sh\n", "w");
	write_file(x->watch, "keep.conf", "a=1\nb=20\nc=3\n", "w");
	assert_int_equal(unlink(in_watch(x, "gone.txt")), 0);
	char from[256], to[256];
	snprintf(from, sizeof(from), "%s/old-name", x->watch);
	snprintf(to, sizeof(to), "%s/new-name", x->watch);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	drain(x);
	assert_int_equal(x->got.n, 5);

	const char *e = find(x, "new.sh", "added");
	assert_non_null(e);
	assert_int_equal(analyse(x, e), 554);
	assert_string_equal(field(x, "syscheck.event"), "added");
	assert_string_equal(field(x, "syscheck.mode"), "scheduled");
	assert_string_equal(field(x, "syscheck.tags"), "web,critical");
	assert_string_equal(field(x, "syscheck.size_after"), "10");

	e = find(x, "keep.conf", "modified");
	assert_non_null(e);
	assert_int_equal(analyse(x, e), 550);
	assert_string_equal(field(x, "syscheck.size_before"), "12");
	assert_string_equal(field(x, "syscheck.size_after"), "13");
	assert_non_null(strstr(field(x, "syscheck.changed_attributes"), "sha256"));
	assert_string_not_equal(field(x, "syscheck.sha256_before"),
	                        field(x, "syscheck.sha256_after"));
	assert_non_null(strstr(field(x, "syscheck.diff"), "-b=2\n+b=20\n"));
	assert_non_null(strstr(x->ev.full_log, "Old sha256sum was: '"));

	assert_int_equal(analyse(x, find(x, "gone.txt", "deleted")), 553);
	assert_string_equal(field(x, "syscheck.event"), "deleted");
	assert_int_equal(analyse(x, find(x, "old-name", "deleted")), 553);
	assert_int_equal(analyse(x, find(x, "new-name", "added")), 554);
	got_clear(&x->got);

	/* Permissions, then owner. */
	snprintf(from, sizeof(from), "%s/keep.conf", x->watch);
	assert_int_equal(chmod(from, 0600), 0);
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	drain(x);
	assert_int_equal(x->got.n, 1);
	assert_int_equal(analyse(x, x->got.line[0]), 550);
	assert_string_equal(field(x, "syscheck.changed_attributes"), "permission");
	assert_string_equal(field(x, "syscheck.perm_before"), "rw-r--r--");
	assert_string_equal(field(x, "syscheck.perm_after"), "rw-------");
	got_clear(&x->got);
	if (geteuid() == 0) {
		assert_int_equal(chown(from, 4242, 4343), 0);
		assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
		drain(x);
		assert_int_equal(x->got.n, 1);
		assert_int_equal(analyse(x, x->got.line[0]), 550);
		assert_string_equal(field(x, "syscheck.uid_after"), "4242");
		assert_string_equal(field(x, "syscheck.gid_after"), "4343");
		assert_string_equal(field(x, "syscheck.changed_attributes"), "uid,gid");
	}
	/* Nothing changed: nothing reported. */
	got_clear(&x->got);
	assert_int_equal(vg_fim_scan_now(x->fim, true), VG_OK);
	drain(x);
	assert_int_equal(x->got.n, 0);
}

static void test_changes_while_stopped(void **state)
{
	struct fx *x = *state;
	write_file(x->watch, "a", "one\n", "w");
	write_file(x->watch, "b", "two\n", "w");
	open_fim(x);
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	vg_fim_close(x->fim);
	x->fim = NULL;

	write_file(x->watch, "a", "one more\n", "a");
	write_file(x->watch, "c", "three\n", "w");
	char p[256];
	snprintf(p, sizeof(p), "%s/b", x->watch);
	assert_int_equal(unlink(p), 0);

	open_fim(x);
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	drain(x);
	assert_int_equal(x->got.n, 3);
	assert_int_equal(analyse(x, find(x, "a", "modified")), 550);
	assert_string_equal(field(x, "syscheck.mode"), "scheduled");
	assert_non_null(strstr(field(x, "syscheck.diff"), "+one more"));
	assert_int_equal(analyse(x, find(x, "b", "deleted")), 553);
	assert_int_equal(analyse(x, find(x, "c", "added")), 554);
}

/* Changes whose events were never taken (the monitor closed first) stay out
 * of the baseline: the next start reports them again. */
static void test_untaken_events_reported_again(void **state)
{
	struct fx *x = *state;
	write_file(x->watch, "a", "one\n", "w");
	open_fim(x);
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	vg_fim_close(x->fim);
	x->fim = NULL;

	write_file(x->watch, "a", "two\n", "a");
	write_file(x->watch, "n", "new\n", "w");
	open_fim(x); /* its first scan queues two events that nobody takes */
	struct vg_fim_stats st;
	for (int i = 0; i < 1000; i++) {
		vg_fim_stats(x->fim, &st);
		if (st.events >= 2)
			break;
		usleep(10000);
	}
	assert_true(st.events >= 2);
	vg_fim_close(x->fim);
	x->fim = NULL;

	open_fim(x);
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	drain(x);
	assert_non_null(find(x, "a", "modified"));
	assert_non_null(find(x, "n", "added"));
	vg_fim_close(x->fim);
	x->fim = NULL;
	got_clear(&x->got);

	/* Taken this time: the next start has nothing to say. */
	open_fim(x);
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	drain(x);
	for (size_t i = 0; i < x->got.n; i++)
		assert_null(strstr(x->got.line[i], "\"scheduled\""));
}

/* Real-time checks, with whichever watcher the monitor picked. */
static void realtime_checks(struct fx *x)
{

	write_file(x->watch, "sub/rt.txt", "hello\n", "w");
	const char *e = wait_for(x, "rt.txt\",\"mode\":\"realtime\",\"type\":\"added\"");
	assert_non_null(e);
	assert_int_equal(analyse(x, e), 554);

	write_file(x->watch, "sub/rt.txt", "hello again\n", "a");
	e = wait_for(x, "rt.txt\",\"mode\":\"realtime\",\"type\":\"modified\"");
	assert_non_null(e);
	assert_int_equal(analyse(x, e), 550);
	assert_non_null(strstr(field(x, "syscheck.diff"), "+hello again"));

	char from[256], to[256];
	snprintf(from, sizeof(from), "%s/sub/rt.txt", x->watch);
	snprintf(to, sizeof(to), "%s/sub/renamed.txt", x->watch);
	assert_int_equal(rename(from, to), 0);
	e = wait_for(x, "renamed.txt\",\"mode\":\"realtime\",\"type\":\"added\"");
	assert_non_null(e);
	assert_int_equal(analyse(x, e), 554);
	e = wait_for(x, "rt.txt\",\"mode\":\"realtime\",\"type\":\"deleted\"");
	assert_non_null(e);
	assert_int_equal(analyse(x, e), 553);

	/* A directory created later is watched too. */
	assert_int_equal(mkdir(in_watch(x, "later"), 0755), 0);
	usleep(50000);
	write_file(x->watch, "later/deep.txt", "x\n", "w");
	assert_non_null(wait_for(x, "later/deep.txt\",\"mode\":\"realtime\""));

	/* A secret's content is never shown. */
	write_file(x->watch, "secret.key", "k1\n", "w");
	assert_non_null(wait_for(x, "secret.key\",\"mode\":\"realtime\",\"type\":\"added\""));
	write_file(x->watch, "secret.key", "k2\n", "w");
	e = wait_for(x, "secret.key\",\"mode\":\"realtime\",\"type\":\"modified\"");
	assert_non_null(e);
	assert_int_equal(analyse(x, e), 550);
	assert_null(strstr(field(x, "syscheck.diff"), "k2"));
	assert_non_null(strstr(field(x, "syscheck.diff"), "nodiff"));

	/* A renamed directory: its file is reported under the new name from then on. */
	assert_int_equal(mkdir(in_watch(x, "ren1"), 0755), 0);
	write_file(x->watch, "ren1/f.txt", "1\n", "w");
	assert_non_null(wait_for(x, "ren1/f.txt\",\"mode\":\"realtime\",\"type\":\"added\""));
	snprintf(from, sizeof(from), "%s/ren1", x->watch);
	snprintf(to, sizeof(to), "%s/ren2", x->watch);
	assert_int_equal(rename(from, to), 0);
	assert_non_null(wait_for(x, "ren1/f.txt\",\"mode\":\"realtime\",\"type\":\"deleted\""));
	assert_non_null(wait_for(x, "ren2/f.txt\",\"mode\":\"realtime\",\"type\":\"added\""));
	write_file(x->watch, "ren2/f.txt", "2\n", "a");
	assert_non_null(wait_for(x, "ren2/f.txt\",\"mode\":\"realtime\",\"type\":\"modified\""));

	/* A file outside the watched path (same filesystem) is not reported. */
	write_file(x->root, "outside.txt", "x\n", "w");
	write_file(x->watch, "marker.txt", "m\n", "w");
	assert_non_null(wait_for(x, "marker.txt\",\"mode\":\"realtime\""));
	for (size_t i = 0; i < x->got.n; i++)
		assert_null(strstr(x->got.line[i], "outside.txt"));
}

/* Opens a real-time monitor; inotify when forced. Returns its stats. */
static struct vg_fim_stats open_realtime(struct fx *x, bool inotify)
{
	x->path.realtime = true;
	assert_int_equal(mkdir(in_watch(x, "sub"), 0755), 0);
	if (inotify)
		setenv("VIGIL_FIM_INOTIFY", "1", 1);
	open_fim(x);
	unsetenv("VIGIL_FIM_INOTIFY");
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	struct vg_fim_stats st;
	vg_fim_stats(x->fim, &st);
	return st;
}

static void test_realtime_fanotify(void **state)
{
	struct fx *x = *state;
	struct vg_fim_stats st = open_realtime(x, false);
	if (!st.fanotify) {
		printf("SKIP: fanotify filesystem marks are not allowed here (root and "
		       "FAN_REPORT_DFID_NAME needed); inotify is used\n");
		skip();
	}
	assert_int_equal(st.watches, 0); /* no inotify watch at all */
	realtime_checks(x);
}

/* The watched path is reached through a symlink: fanotify names the real
 * path, the events name the configured one. */
static void test_realtime_fanotify_symlink(void **state)
{
	struct fx *x = *state;
	char link[96];
	snprintf(link, sizeof(link), "%s/lnk", x->root);
	assert_int_equal(symlink(".", link), 0);
	snprintf(x->watch, sizeof(x->watch), "%s/lnk/watch", x->root);
	x->path.path = x->watch;
	struct vg_fim_stats st = open_realtime(x, false);
	if (!st.fanotify) {
		printf("SKIP: fanotify filesystem marks are not allowed here\n");
		skip();
	}
	write_file(x->watch, "sub/via-link.txt", "x\n", "w");
	const char *e = wait_for(x, "lnk/watch/sub/via-link.txt\",\"mode\":\"realtime\"");
	assert_non_null(e);
	assert_int_equal(analyse(x, e), 554);
}

static void test_realtime_inotify(void **state)
{
	struct fx *x = *state;
	struct vg_fim_stats st = open_realtime(x, true);
	assert_false(st.fanotify);
	assert_int_equal(st.watches, 2); /* the watched directory and sub/ */
	realtime_checks(x);
	vg_fim_stats(x->fim, &st);
	assert_int_equal(st.watches, 4); /* and later/, ren2/ (ren1's watch moved with it) */
}

static void test_whodata(void **state)
{
	struct fx *x = *state;
	x->path.whodata = true;
	x->path.realtime = true;
	open_fim(x);
	struct vg_fim_stats st;
	vg_fim_stats(x->fim, &st);
	if (!st.whodata) {
		printf("SKIP: the audit subsystem is not available here (no who-data)\n");
		skip();
	}
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "echo x >> %s/who.txt", x->watch);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	char needle[64];
	snprintf(needle, sizeof(needle), "\"process_id\":%d,", (int)pid);
	const char *e = wait_for(x, needle);
	assert_non_null(e);
	assert_int_equal(analyse(x, e), 554);
	assert_string_equal(field(x, "syscheck.mode"), "whodata");
	char spid[32];
	snprintf(spid, sizeof(spid), "%d", (int)pid);
	assert_string_equal(field(x, "syscheck.audit.process.id"), spid);
	snprintf(spid, sizeof(spid), "%d", (int)getpid());
	assert_string_equal(field(x, "syscheck.audit.process.ppid"), spid);
	assert_non_null(strstr(field(x, "syscheck.audit.process.name"), "sh"));
	snprintf(spid, sizeof(spid), "%u", (unsigned)getuid());
	assert_string_equal(field(x, "syscheck.audit.user.id"), spid);
	assert_non_null(strstr(field(x, "syscheck.audit.process.parent_name"), "test_fim"));
}

static void test_ignore_restrict_depth(void **state)
{
	struct fx *x = *state;
	const char *ign[] = { NULL }, *ign_re[] = { "\\.swp$" }, *res[] = { "\\.(conf|txt)$" };
	char ignored[256];
	snprintf(ignored, sizeof(ignored), "%s/cache", x->watch);
	ign[0] = ignored;
	x->path.ignore = ign;
	x->path.nignore = 1;
	x->path.ignore_regex = ign_re;
	x->path.nignore_regex = 1;
	x->path.restrict_regex = res;
	x->path.nrestrict_regex = 1;
	x->path.recursion = 1;
	assert_int_equal(mkdir(ignored, 0755), 0);
	assert_int_equal(mkdir(in_watch(x, "d1"), 0755), 0);
	assert_int_equal(mkdir(in_watch(x, "d1/d2"), 0755), 0);
	open_fim(x);
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	write_file(x->watch, "cache/x.conf", "1", "w");
	write_file(x->watch, "a.conf.swp", "1", "w");
	write_file(x->watch, "a.bin", "1", "w");
	write_file(x->watch, "d1/d2/deep.conf", "1", "w");
	write_file(x->watch, "d1/ok.conf", "1", "w");
	assert_int_equal(vg_fim_scan_now(x->fim, false), VG_OK);
	drain(x);
	assert_int_equal(x->got.n, 1);
	assert_non_null(find(x, "d1/ok.conf", "added"));
}

/* Every line received, growing (the parallel test reports hundreds). */
struct lines {
	char **v;
	size_t n, cap;
};

static void on_line(void *ctx, const char *loc, const char *line, size_t len)
{
	struct lines *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	/* Without the time of the report, which may differ between the two. */
	char *c = strdup(line), *t = strstr(c, "\"timestamp\":");
	assert_non_null(t);
	char *end = t + strlen("\"timestamp\":");
	while (*end >= '0' && *end <= '9')
		end++;
	memmove(t, end, strlen(end) + 1);
	l->v[l->n++] = c;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* A tree of 40 directories (depth 3, fan-out 3) with 20 files each, a symlink per directory. */
static int make_tree(const char *dir, int depth)
{
	int n = 0;
	for (int i = 0; i < 20; i++) {
		char name[32], text[64];
		snprintf(name, sizeof(name), "f%02d.txt", i);
		snprintf(text, sizeof(text), "%s %d %d\n", dir + strlen(dir) - 2, i, depth);
		write_file(dir, name, text, "w");
		n++;
	}
	char p[512];
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(symlink("f00.txt", p), 0);
	n++;
	for (int i = 0; depth > 0 && i < 3; i++) {
		snprintf(p, sizeof(p), "%s/s%d", dir, i);
		assert_int_equal(mkdir(p, 0755), 0);
		n += make_tree(p, depth - 1);
	}
	return n;
}

static void attrs_equal(const struct fim_attrs *a, const struct fim_attrs *b)
{
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->ino, b->ino);
	assert_int_equal(a->mtime_ns, b->mtime_ns);
	assert_int_equal(a->ctime_ns, b->ctime_ns);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_int_equal(a->hashed, b->hashed);
	assert_memory_equal(a->md5, b->md5, sizeof(a->md5));
	assert_memory_equal(a->sha1, b->sha1, sizeof(a->sha1));
	assert_memory_equal(a->sha256, b->sha256, sizeof(a->sha256));
	assert_string_equal(a->xattr ? a->xattr : "", b->xattr ? b->xattr : "");
}

/* Same entries with the same state in both baselines. */
static void tables_equal(const struct vg_fim *a, const struct vg_fim *b, size_t expect)
{
	assert_int_equal(a->tab.count, expect);
	assert_int_equal(b->tab.count, expect);
	for (size_t i = 0; i < a->tab.nbuckets; i++)
		for (const struct fim_entry *e = a->tab.buckets[i]; e; e = e->next) {
			const struct fim_entry *o = fim_table_get(&b->tab, e->path, e->len);
			assert_non_null(o);
			attrs_equal(&e->a, &o->a);
		}
}

static struct vg_fim *open_threads(struct fx *x, const char *data, const char *threads)
{
	setenv("VIGIL_FIM_THREADS", threads, 1);
	struct vg_diag d;
	vg_diag_init(&d);
	struct vg_fim *f = NULL;
	assert_int_equal(vg_fim_open(&x->cfg, data, &f, &d), VG_OK);
	vg_diag_free(&d);
	unsetenv("VIGIL_FIM_THREADS");
	assert_int_equal(vg_fim_scan_now(f, false), VG_OK);
	return f;
}

static void rescan_both(struct vg_fim *one, struct vg_fim *two, size_t expect_events)
{
	struct lines l1 = { 0 }, l2 = { 0 };
	assert_int_equal(vg_fim_scan_now(one, false), VG_OK);
	assert_int_equal(vg_fim_scan_now(two, false), VG_OK);
	assert_true(vg_fim_poll(one, on_line, &l1, 0) >= 0);
	assert_true(vg_fim_poll(two, on_line, &l2, 0) >= 0);
	assert_int_equal(l1.n, expect_events);
	assert_int_equal(l2.n, expect_events);
	if (expect_events) {
		qsort(l1.v, l1.n, sizeof(*l1.v), cmp_str);
		qsort(l2.v, l2.n, sizeof(*l2.v), cmp_str);
	}
	for (size_t i = 0; i < l1.n; i++)
		assert_string_equal(l1.v[i], l2.v[i]);
	lines_free(&l1);
	lines_free(&l2);
}

static void test_parallel_scan(void **state)
{
	struct fx *x = *state;
	x->path.report_changes = false;
	size_t files = (size_t)make_tree(x->watch, 3);
	assert_int_equal(files, 40 * 21);
	char data2[128];
	snprintf(data2, sizeof(data2), "%s/data2", x->root);
	assert_int_equal(mkdir(data2, 0755), 0);
	struct vg_fim *one = open_threads(x, x->data, "1");
	struct vg_fim *two = open_threads(x, data2, "2");
	assert_int_equal(one->nthreads, 0);
	assert_int_equal(two->nthreads, 2);
	tables_equal(one, two, files);

	/* 27 modified, 9 deleted, 9 added, 9 chmod'ed: the same events from both. */
	char p[512];
	for (int i = 0; i < 27; i++) {
		snprintf(p, sizeof(p), "%s/s%d/s%d/s%d", x->watch, i % 3, i / 3 % 3, i / 9);
		write_file(p, "f01.txt", "changed\n", "a");
		if (i % 3 == 0) {
			snprintf(p, sizeof(p), "%s/s%d/s%d/f02.txt", x->watch, i / 3 % 3, i / 9);
			assert_int_equal(unlink(p), 0);
			snprintf(p, sizeof(p), "%s/s%d/s%d", x->watch, i / 3 % 3, i / 9);
			char name[32];
			snprintf(name, sizeof(name), "new%02d", i);
			write_file(p, name, "new\n", "w");
			snprintf(p, sizeof(p), "%s/s%d/s%d/f03.txt", x->watch, i / 3 % 3, i / 9);
			assert_int_equal(chmod(p, 0600), 0);
		}
	}
	rescan_both(one, two, 27 + 9 + 9 + 9);
	tables_equal(one, two, files);
	/* Unchanged: nothing from either, even when verifying. */
	rescan_both(one, two, 0);
	vg_fim_close(one);
	vg_fim_close(two);
}

static void test_store(void **state)
{
	struct fx *x = *state;
	char db[256];
	snprintf(db, sizeof(db), "%s/manager-fim.db", x->root);
	struct vg_fim_store *s = NULL;
	assert_int_equal(vg_fim_store_open(db, &s, NULL), VG_OK);
	const char *lines[] = {
		"{\"type\":\"event\",\"data\":{\"path\":\"/etc/a\",\"mode\":\"realtime\","
		"\"type\":\"added\",\"attributes\":{\"size\":1}}}",
		"{\"type\":\"event\",\"data\":{\"path\":\"/etc/b\",\"mode\":\"realtime\","
		"\"type\":\"deleted\",\"attributes\":{\"size\":2}}}",
	};
	const char *agents[] = { "web1", "db1" };
	long long times[] = { 1000, 2000 };
	for (int i = 0; i < 2; i++) {
		vg_event_reset(&x->ev);
		assert_int_equal(vg_fim_decode(&x->ev, lines[i], strlen(lines[i])), VG_OK);
		x->ev.arrival.tv_sec = times[i];
		assert_int_equal(vg_fim_store_add(s, agents[i], &x->ev), VG_OK);
	}
	vg_event_reset(&x->ev);
	assert_int_equal(vg_fim_store_add(s, "x", &x->ev), VG_ENOENT);
	struct got g = { 0 };
	assert_int_equal(vg_fim_store_changes(s, NULL, 0, store_cb, &g), 2);
	got_clear(&g);
	/* Other readers see the changes once they are synced. */
	struct vg_fim_store *r = NULL;
	assert_int_equal(vg_fim_store_open(db, &r, NULL), VG_OK);
	assert_int_equal(vg_fim_store_changes(r, NULL, 0, store_cb, &g), 0);
	assert_int_equal(vg_fim_store_sync(s), VG_OK);
	assert_int_equal(vg_fim_store_changes(r, NULL, 0, store_cb, &g), 2);
	got_clear(&g);
	vg_fim_store_close(r);
	assert_int_equal(vg_fim_store_changes(s, "db1", 0, store_cb, &g), 1);
	got_clear(&g);
	assert_int_equal(vg_fim_store_changes(s, NULL, 1500, store_cb, &g), 1);
	got_clear(&g);
	vg_fim_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_decode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduled_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_while_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untaken_events_reported_again, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_realtime_fanotify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realtime_fanotify_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realtime_inotify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whodata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_restrict_depth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parallel_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store, setup, teardown),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
