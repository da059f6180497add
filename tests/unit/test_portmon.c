/*
 * test_portmon.c - the port monitor against the real kernel: a child
 * process listening on 127.0.0.1:<ephemeral> is reported as port_opened
 * with the child's pid and image and its parent (this test), and as
 * port_closed once it exits; the saved sample reports a port opened while
 * the monitor was closed at the next start; the sample file parser refuses
 * malformed text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collect/portmon_internal.h"
#include "vg_test.h"
#include "vigil/portmon.h"

#define MAX_DOCS 256

struct docs {
	json_t *doc[MAX_DOCS];
	size_t n;
};

static void on_doc(void *ctx, const char *location, const char *line, size_t len)
{
	struct docs *d = ctx;
	assert_string_equal(location, VG_PORTMON_LOCATION);
	assert_int_equal(strlen(line), len);
	if (d->n < MAX_DOCS)
		d->doc[d->n++] = json_loads(line, 0, NULL);
}

static void docs_free(struct docs *d)
{
	for (size_t i = 0; i < d->n; i++)
		json_decref(d->doc[i]);
	d->n = 0;
}

static json_t *get(json_t *doc, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(doc, a);
	v = json_object_get(v, b);
	return c ? json_object_get(v, c) : v;
}

/* The document for event on TCP 127.0.0.1:port, or NULL. */
static json_t *find(struct docs *d, const char *event, int port)
{
	for (size_t i = 0; i < d->n; i++) {
		json_t *doc = d->doc[i];
		const char *ev = json_string_value(get(doc, "vigil", "event", NULL));
		if (ev && strcmp(ev, event) == 0 &&
		    json_integer_value(get(doc, "port", "local_port", NULL)) == port &&
		    strcmp(json_string_value(get(doc, "port", "protocol", NULL)), "tcp") == 0 &&
		    strcmp(json_string_value(get(doc, "port", "local_ip", NULL)), "127.0.0.1") == 0)
			return doc;
	}
	return NULL;
}

/* Forks a child listening on 127.0.0.1:0; returns its pid and port. */
static pid_t start_listener(int *port)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET };
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t sl = sizeof(sa);
		if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    listen(s, 4) != 0 || getsockname(s, (struct sockaddr *)&sa, &sl) != 0)
			_exit(1);
		int p = ntohs(sa.sin_port);
		if (write(pfd[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], port, sizeof(*port)), sizeof(*port));
	close(pfd[0]);
	return pid;
}

static void stop(pid_t pid)
{
	int st;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

/* Polls until a document for event/port arrives (3 s at most). */
static json_t *wait_for(struct vg_portmon *p, struct docs *d, const char *event, int port)
{
	for (int i = 0; i < 60; i++) {
		int to = vg_portmon_timeout_ms(p);
		usleep((useconds_t)(to > 0 ? to : 1) * 1000);
		assert_true(vg_portmon_poll(p, on_doc, d) >= 0);
		json_t *doc = find(d, event, port);
		if (doc)
			return doc;
	}
	return NULL;
}

static void test_open_close(void **state)
{
	(void)state;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	struct vg_portmon *p;
	struct vg_portmon_opts o = { .interval_ms = 50 };
	assert_int_equal(vg_portmon_open(&o, &p, NULL), 0);
	assert_int_equal(vg_portmon_timeout_ms(p), 0);
	struct docs d = { .n = 0 };
	assert_int_equal(vg_portmon_poll(p, on_doc, &d), 0); /* the baseline */
	assert_true(vg_portmon_timeout_ms(p) > 0);

	int port;
	pid_t child = start_listener(&port);
	json_t *doc = wait_for(p, &d, "port_opened", port);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(get(doc, "process", "pid", NULL)), child);
	assert_string_equal(json_string_value(get(doc, "process", "image", NULL)), self);
	assert_non_null(json_string_value(get(doc, "process", "command_line", NULL)));
	assert_int_equal(json_integer_value(get(doc, "process", "parent", "pid")), getpid());
	assert_string_equal(json_string_value(get(doc, "process", "parent", "image")), self);
	assert_true(json_integer_value(get(doc, "port", "inode", NULL)) > 0);
	if (geteuid() == 0)
		assert_string_equal(json_string_value(get(doc, "process", "user", NULL)), "root");

	stop(child);
	doc = wait_for(p, &d, "port_closed", port);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(get(doc, "process", "pid", NULL)), child);
	assert_string_equal(json_string_value(get(doc, "process", "image", NULL)), self);
	docs_free(&d);
	vg_portmon_close(p);
}

static void test_saved_sample(void **state)
{
	(void)state;
	char dir[64], snap[128];
	snprintf(dir, sizeof(dir), "/tmp/vg_portmon_XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(snap, sizeof(snap), "%s/portmon.snap", dir);
	struct vg_portmon_opts o = { .interval_ms = 50, .data_dir = dir };
	struct vg_portmon *p;
	struct docs d = { .n = 0 };
	assert_int_equal(vg_portmon_open(&o, &p, NULL), 0);
	assert_int_equal(vg_portmon_poll(p, on_doc, &d), 0); /* first start: baseline only */
	vg_portmon_close(p);
	assert_int_equal(access(snap, R_OK), 0);

	int port;
	pid_t child = start_listener(&port); /* opened while "down" */
	assert_int_equal(vg_portmon_open(&o, &p, NULL), 0);
	assert_true(vg_portmon_poll(p, on_doc, &d) >= 1);
	json_t *doc = find(&d, "port_opened", port);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(get(doc, "process", "pid", NULL)), child);
	vg_portmon_close(p);
	docs_free(&d);

	stop(child); /* closed while "down" */
	assert_int_equal(vg_portmon_open(&o, &p, NULL), 0);
	assert_true(vg_portmon_poll(p, on_doc, &d) >= 1);
	doc = find(&d, "port_closed", port);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(get(doc, "process", "pid", NULL)), child);
	vg_portmon_close(p);
	docs_free(&d);
	unlink(snap);
	assert_int_equal(rmdir(dir), 0);
}

static void test_snapshot_parse(void **state)
{
	(void)state;
	struct vg_port_set s = { NULL, 0, 0 };
	char ok[] = "# vigil portmon snapshot v1\n"
	            "tcp6 :: 22 100 0 812 1\t/usr/sbin/sshd\tsshd: /usr/sbin/sshd -D\t\t\n"
	            "tcp 0.0.0.0 22 99 0 812 1\t/usr/sbin/sshd\t\t/usr/lib/systemd/systemd\t\n";
	assert_int_equal(vg_port_snap_parse(&s, ok), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.items[0].proto, VG_PORT_TCP); /* sorted */
	assert_int_equal(s.items[0].inode, 99);
	assert_null(s.items[0].cmdline);
	assert_string_equal(s.items[0].parent_exe, "/usr/lib/systemd/systemd");
	assert_string_equal(s.items[1].cmdline, "sshd: /usr/sbin/sshd -D");
	vg_port_set_free(&s);
	char bad_header[] = "tcp 0.0.0.0 22 99 0 812 1\t\t\t\t\n";
	assert_int_equal(vg_port_snap_parse(&s, bad_header), VG_EPARSE);
	char bad_port[] = "# vigil portmon snapshot v1\ntcp 0.0.0.0 70000 99 0 812 1\t\t\t\t\n";
	assert_int_equal(vg_port_snap_parse(&s, bad_port), VG_EPARSE);
	char bad_proto[] = "# vigil portmon snapshot v1\nsctp 0.0.0.0 22 99 0 812 1\t\t\t\t\n";
	assert_int_equal(vg_port_snap_parse(&s, bad_proto), VG_EPARSE);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_close),
		cmocka_unit_test(test_saved_sample),
		cmocka_unit_test(test_snapshot_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
