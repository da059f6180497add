/*
 * test_procmon.c - the process monitor against the real kernel and real
 * audit.log text: the record assembler (split and hex arguments, several
 * EXECVE records, failed and non-exec events dropped), the JSON document,
 * a live `/bin/sh -c 'echo x | cat'` seen over audit netlink with its
 * parent (skipped when not root or when audit netlink is unavailable, e.g.
 * auditd owns it), and the audit.log fallback: only lines written after the
 * first start, lineage from an earlier execution, rotation, and the saved
 * position on restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collect/procmon_internal.h"
#include "vg_test.h"
#include "vigil/procmon.h"

#define MAX_DOCS 4096

struct docs {
	json_t *doc[MAX_DOCS];
	size_t n;
	int bad_location;
};

static void on_doc(void *ctx, const char *location, const char *line, size_t len)
{
	struct docs *d = ctx;
	if (strcmp(location, VG_PROCMON_LOCATION) != 0)
		d->bad_location++;
	if (strlen(line) != len || d->n == MAX_DOCS)
		return;
	d->doc[d->n++] = json_loads(line, 0, NULL);
}

static void docs_free(struct docs *d)
{
	for (size_t i = 0; i < d->n; i++)
		json_decref(d->doc[i]);
	d->n = 0;
}

static const char *jstr(json_t *doc, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(doc, a);
	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	return json_string_value(v);
}

static json_int_t jint(json_t *doc, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(json_object_get(doc, a), b);
	if (c)
		v = json_object_get(v, c);
	return json_is_integer(v) ? json_integer_value(v) : -12345;
}

/* ---- the assembler on netlink-style records ---- */

static void add(struct vg_audit_asm *a, int type, const char *text)
{
	assert_int_equal(vg_audit_asm_add(a, type, text, strlen(text), 1000), 0);
}

/* The JSON documents of the execution assembled in test_assemble_records. */
static void check_documents(struct vg_exec_event *ev)
{
	/* Its JSON document, with a parent. */
	struct vg_proc_info parent = { 40, 1, 0, (char *)"/usr/bin/bash", (char *)"bash -i" };
	struct vg_buf out;
	vg_buf_init(&out, 0);
	assert_int_equal(vg_procmon_format(ev, &parent, &out), 0);
	json_t *doc = json_loads(vg_buf_str(&out), 0, NULL);
	assert_non_null(doc);
	assert_string_equal(jstr(doc, "vigil", "module", NULL), "procmon");
	assert_string_equal(jstr(doc, "vigil", "event", NULL), "process_creation");
	assert_string_equal(jstr(doc, "process", "image", NULL), "/usr/bin/curl");
	assert_string_equal(jstr(doc, "process", "command_line", NULL), "curl a b abcdef -s");
	assert_string_equal(jstr(doc, "process", "current_directory", NULL), "/tmp/a dir");
	assert_string_equal(jstr(doc, "process", "user", NULL), "root");
	assert_string_equal(jstr(doc, "process", "tty", NULL), "pts1");
	assert_int_equal(jint(doc, "process", "session", NULL), 7);
	assert_int_equal(jint(doc, "process", "exit", NULL), 0);
	assert_string_equal(jstr(doc, "process", "parent", "image"), "/usr/bin/bash");
	assert_string_equal(jstr(doc, "process", "parent", "command_line"), "bash -i");
	assert_int_equal(jint(doc, "process", "parent", "pid"), 40);
	json_decref(doc);

	/* An unset login uid and session are left out. */
	ev->auid = 4294967295LL;
	ev->ses = 4294967295LL;
	vg_buf_reset(&out);
	assert_int_equal(vg_procmon_format(ev, NULL, &out), 0);
	doc = json_loads(vg_buf_str(&out), 0, NULL);
	assert_non_null(doc);
	assert_null(json_object_get(json_object_get(doc, "process"), "auid"));
	assert_null(json_object_get(json_object_get(doc, "process"), "session"));
	assert_null(json_object_get(json_object_get(doc, "process"), "parent"));
	json_decref(doc);

	/* Bytes that are not UTF-8 (file names are arbitrary) keep it JSON. */
	free(ev->exe);
	ev->exe = strdup("/tmp/\xff\xc3x");
	vg_buf_reset(&out);
	assert_int_equal(vg_procmon_format(ev, NULL, &out), 0);
	doc = json_loads(vg_buf_str(&out), 0, NULL);
	assert_non_null(doc);
	assert_string_equal(jstr(doc, "process", "image", NULL), "/tmp/\xef\xbf\xbd\xef\xbf\xbdx");
	json_decref(doc);
	vg_buf_free(&out);
}

static void test_assemble_records(void **state)
{
	(void)state;
	struct vg_audit_asm *a;
	assert_int_equal(vg_audit_asm_create(&a), 0);
	/* A failed execve: dropped. */
	add(a, VG_AUDIT_SYSCALL,
	    "audit(1700000000.100:10): arch=c000003e syscall=59 success=no "
	    "exit=-2 ppid=1 pid=50 auid=4294967295 uid=0 comm=\"sh\" "
	    "exe=\"/usr/bin/dash\" key=\"vigil_exec\"");
	add(a, VG_AUDIT_EXECVE, "audit(1700000000.100:10): argc=1 a0=\"nothere\"");
	add(a, VG_AUDIT_EOE, "audit(1700000000.100:10): ");
	/* Not an execution (no EXECVE): dropped. */
	add(a, VG_AUDIT_SYSCALL,
	    "audit(1700000000.100:11): arch=c000003e syscall=2 success=yes "
	    "exit=3 pid=50");
	add(a, VG_AUDIT_EOE, "audit(1700000000.100:11): ");
	assert_null(vg_audit_asm_next(a));
	/* Two EXECVE records, a hex argument holding a space, a split one. */
	add(a, VG_AUDIT_SYSCALL,
	    "audit(1700000001.250:12): arch=c000003e syscall=59 success=yes exit=0 a0=1 items=2 "
	    "ppid=40 pid=41 auid=1000 uid=0 gid=0 euid=0 tty=pts1 ses=7 comm=\"curl\" "
	    "exe=\"/usr/bin/curl\" subj=unconfined key=\"vigil_exec\"");
	add(a, VG_AUDIT_EXECVE, "audit(1700000001.250:12): argc=4 a0=\"curl\" a1=612062");
	add(a, VG_AUDIT_EXECVE,
	    "audit(1700000001.250:12): a2_len=6 a2[0]=616263 a2[1]=646566 "
	    "a3=\"-s\"");
	add(a, VG_AUDIT_CWD, "audit(1700000001.250:12): cwd=2F746D702F6120646972");
	add(a, VG_AUDIT_PATH, "audit(1700000001.250:12): item=0 name=\"/usr/bin/curl\" inode=5");
	add(a, VG_AUDIT_PATH, "audit(1700000001.250:12): item=1 name=\"/lib64/ld.so\" inode=6");
	add(a, VG_AUDIT_PROCTITLE, "audit(1700000001.250:12): proctitle=6375726C0061206200");
	assert_null(vg_audit_asm_next(a)); /* no EOE yet */
	add(a, VG_AUDIT_EOE, "audit(1700000001.250:12): ");
	struct vg_exec_event *ev = vg_audit_asm_next(a);
	assert_non_null(ev);
	assert_null(vg_audit_asm_next(a));
	assert_int_equal(ev->serial, 12);
	assert_int_equal(ev->sec, 1700000001);
	assert_int_equal(ev->pid, 41);
	assert_int_equal(ev->ppid, 40);
	assert_int_equal(ev->auid, 1000);
	assert_int_equal(ev->ses, 7);
	assert_string_equal(ev->exe, "/usr/bin/curl");
	assert_string_equal(ev->cmdline, "curl a b abcdef -s");
	assert_string_equal(ev->cwd, "/tmp/a dir");
	assert_string_equal(ev->path0, "/usr/bin/curl");
	assert_string_equal(ev->tty, "pts1");
	assert_string_equal(ev->key, "vigil_exec");
	assert_string_equal(ev->proctitle, "curl a b ");

	check_documents(ev);
	vg_exec_event_free(ev);
	vg_audit_asm_destroy(a);
}

static void test_assemble_without_eoe(void **state)
{
	(void)state;
	struct vg_audit_asm *a;
	assert_int_equal(vg_audit_asm_create(&a), 0);
	const char *lines[] = {
		"type=SYSCALL msg=audit(1700000002.000:20): arch=c000003e syscall=59 success=yes "
		"exit=0 ppid=1 pid=60 uid=0 comm=\"id\" exe=\"/usr/bin/id\" key=(null)",
		"type=EXECVE msg=audit(1700000002.000:20): argc=1 a0=\"id\"",
		"type=PROCTITLE msg=audit(1700000002.000:20): proctitle=\"id\"",
		"type=USER_LOGIN msg=audit(1700000002.500:21): pid=1 uid=0 msg='op=login "
		"acct=\"x\"'",
		"type=SYSCALL msg=audit(1700000003.000:22): arch=c000003e syscall=59 success=yes "
		"exit=0 ppid=1 pid=61 uid=0 comm=\"w\" exe=\"/usr/bin/w\"\x1dUID=\"root\"",
		"type=EXECVE msg=audit(1700000003.000:22): argc=1 a0=\"w\"",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(vg_audit_asm_add_line(a, lines[i], strlen(lines[i]), 1000), 0);
	assert_int_equal(vg_audit_asm_add_line(a, "garbage", 7, 1000), VG_EPARSE);
	/* The first completed once a record of another event came after its PROCTITLE. */
	struct vg_exec_event *ev = vg_audit_asm_next(a);
	assert_non_null(ev);
	assert_string_equal(ev->cmdline, "id");
	assert_null(ev->key);
	vg_exec_event_free(ev);
	assert_null(vg_audit_asm_next(a));
	/* The second only once it has been quiet long enough. */
	assert_int_equal(vg_audit_asm_wait_ms(a, 1100, 500), 400);
	vg_audit_asm_flush(a, 1200, 500);
	assert_null(vg_audit_asm_next(a));
	vg_audit_asm_flush(a, 1500, 500);
	ev = vg_audit_asm_next(a);
	assert_non_null(ev);
	assert_string_equal(ev->exe, "/usr/bin/w");
	assert_int_equal(ev->pid, 61);
	vg_exec_event_free(ev);
	assert_int_equal(vg_audit_asm_wait_ms(a, 1500, 500), -1);
	vg_audit_asm_destroy(a);
}

/* ---- live kernel audit over netlink ---- */

static void poll_until(struct vg_procmon *p, struct docs *d, int ms, bool (*done)(struct docs *))
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int fd = vg_procmon_fd(p), to = vg_procmon_timeout_ms(p);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		poll(&pfd, fd >= 0 ? 1 : 0, to < 0 || to > 100 ? 100 : to);
		assert_true(vg_procmon_poll(p, on_doc, d, 0) >= 0);
		if (done(d))
			return;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > ms)
			return;
	}
}

static pid_t sh_pid;

/* The document of `cat` whose parent is the shell started by the test. */
static json_t *find_cat(struct docs *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const char *cl = jstr(d->doc[i], "process", "command_line", NULL);
		if (cl && strcmp(cl, "cat") == 0 &&
		    jint(d->doc[i], "process", "ppid", NULL) == (json_int_t)sh_pid)
			return d->doc[i];
	}
	return NULL;
}

static bool cat_seen(struct docs *d)
{
	return find_cat(d) != NULL;
}

static void test_netlink_exec(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		printf("SKIP: audit netlink needs root\n");
		skip();
	}
	struct vg_procmon *p;
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_procmon_opts o = { .audit_log = "/nonexistent/audit.log" };
	assert_int_equal(vg_procmon_open(&o, &p, &diag), 0);
	if (strcmp(vg_procmon_source(p), "netlink") != 0) {
		vg_diag_print(&diag, stdout);
		printf("SKIP: audit netlink unavailable (auditd running or no audit support)\n");
		vg_procmon_close(p);
		vg_diag_free(&diag);
		skip();
	}
	vg_diag_free(&diag);
	struct docs d = { .n = 0 };
	sh_pid = fork();
	assert_true(sh_pid >= 0);
	if (sh_pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		execl("/bin/sh", "sh", "-c", "echo x | cat", (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(sh_pid, &status, 0);
	poll_until(p, &d, 5000, cat_seen);
	json_t *cat = find_cat(&d);
	assert_non_null(cat);
	char sh_real[PATH_MAX], cat_real[PATH_MAX];
	assert_non_null(realpath("/bin/sh", sh_real));
	const char *img = jstr(cat, "process", "image", NULL);
	assert_non_null(img);
	assert_non_null(realpath(img, cat_real));
	assert_string_equal(strrchr(cat_real, '/'), "/cat");
	assert_string_equal(jstr(cat, "process", "parent", "image"), sh_real);
	assert_string_equal(jstr(cat, "process", "parent", "command_line"), "sh -c echo x | cat");
	assert_int_equal(jint(cat, "process", "parent", "pid"), sh_pid);
	assert_int_equal(jint(cat, "process", "parent", "ppid"), getpid());
	assert_int_equal(jint(cat, "process", "uid", NULL), 0);
	assert_string_equal(jstr(cat, "process", "user", NULL), "root");
	assert_non_null(jstr(cat, "process", "current_directory", NULL));
	assert_int_equal(d.bad_location, 0);
	docs_free(&d);
	vg_procmon_close(p);
}

/* ---- the audit.log fallback ---- */

static char dir[64], log_path[128];

static void append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The records of one execution as auditd writes them (RAW format). */
static void append_exec(const char *path, unsigned serial, int pid, int ppid, const char *exe,
                        const char *execve_args)
{
	char buf[2048];
	snprintf(buf, sizeof(buf),
	         "type=SYSCALL msg=audit(1700000100.%03u:%u): arch=c000003e syscall=59 "
	         "success=yes exit=0 a0=55d0c1e4f3a2 a1=55d0c1e4f3c0 a2=55d0c1e4f3e0 a3=8 items=2 "
	         "ppid=%d pid=%d auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 "
	         "fsgid=0 tty=pts0 ses=3 comm=\"x\" exe=\"%s\" subj=unconfined "
	         "key=\"vigil_exec\"\n"
	         "type=EXECVE msg=audit(1700000100.%03u:%u): %s\n"
	         "type=CWD msg=audit(1700000100.%03u:%u): cwd=\"/root\"\n"
	         "type=PATH msg=audit(1700000100.%03u:%u): item=0 name=\"%s\" inode=1 "
	         "dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 "
	         "cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\n"
	         "type=PROCTITLE msg=audit(1700000100.%03u:%u): proctitle=78\n",
	         serial % 1000, serial, ppid, pid, exe, serial % 1000, serial, execve_args,
	         serial % 1000, serial, serial % 1000, serial, exe, serial % 1000, serial);
	append(path, buf);
}

static bool got_one(struct docs *d)
{
	return d->n >= 1;
}

static bool got_two(struct docs *d)
{
	return d->n >= 2;
}

static struct vg_procmon *open_fallback(void)
{
	struct vg_procmon *p;
	struct vg_procmon_opts o = { .no_netlink = true, .audit_log = log_path, .data_dir = dir };
	assert_int_equal(vg_procmon_open(&o, &p, NULL), 0);
	assert_string_equal(vg_procmon_source(p), "audit.log");
	return p;
}

static void test_auditlog_fallback(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vg_procmon_XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(log_path, sizeof(log_path), "%s/audit.log", dir);
	/* History before the very first start is not replayed. */
	append_exec(log_path, 100, 3900, 1, "/usr/bin/old", "argc=1 a0=\"old\"");
	struct vg_procmon *p = open_fallback();
	struct docs d = { .n = 0 };
	append_exec(log_path, 101, 4100, 4000, "/usr/bin/bash", "argc=2 a0=\"bash\" a1=\"-i\"");
	append_exec(log_path, 102, 4101, 4100, "/usr/bin/curl",
	            "argc=3 a0=\"curl\" a1=\"-s\" a2=687474703A2F2F782F6120622E7368");
	poll_until(p, &d, 3000, got_two);
	assert_int_equal(d.n, 2);
	assert_string_equal(jstr(d.doc[0], "process", "image", NULL), "/usr/bin/bash");
	json_t *curl = d.doc[1];
	assert_string_equal(jstr(curl, "process", "command_line", NULL), "curl -s http://x/a b.sh");
	assert_string_equal(jstr(curl, "process", "parent", "image"), "/usr/bin/bash");
	assert_string_equal(jstr(curl, "process", "parent", "command_line"), "bash -i");
	assert_int_equal(jint(curl, "process", "auid", NULL), 1000);
	assert_string_equal(jstr(curl, "process", "tty", NULL), "pts0");
	docs_free(&d);

	/* Rotation: the old file renamed, a new one written. */
	char rotated[160];
	snprintf(rotated, sizeof(rotated), "%s.1", log_path);
	assert_int_equal(rename(log_path, rotated), 0);
	append_exec(log_path, 103, 4102, 4100, "/usr/bin/wget", "argc=2 a0=\"wget\" a1=\"x\"");
	poll_until(p, &d, 3000, got_one);
	assert_int_equal(d.n, 1);
	assert_string_equal(jstr(d.doc[0], "process", "image", NULL), "/usr/bin/wget");
	docs_free(&d);
	vg_procmon_close(p);

	/* Restart: the saved position means nothing is read twice. */
	append_exec(log_path, 104, 4103, 4100, "/usr/bin/nc", "argc=1 a0=\"nc\"");
	p = open_fallback();
	poll_until(p, &d, 3000, got_two);
	assert_int_equal(d.n, 1);
	assert_string_equal(jstr(d.doc[0], "process", "image", NULL), "/usr/bin/nc");
	docs_free(&d);
	vg_procmon_close(p);

	char pos[160];
	snprintf(pos, sizeof(pos), "%s/procmon.pos", dir);
	unlink(pos);
	unlink(log_path);
	unlink(rotated);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assemble_records),
		cmocka_unit_test(test_assemble_without_eoe),
		cmocka_unit_test(test_netlink_exec),
		cmocka_unit_test(test_auditlog_fallback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
