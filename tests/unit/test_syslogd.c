/*
 * test_syslogd.c - unit tests of the syslog receiver: RFC 5424 rewriting
 * checked through the real pre-decoder, TCP framing fed in every possible
 * chunking, the allowed-sender list, and real UDP and TCP sockets on
 * 127.0.0.1 (both framings, 3164 and 5424, refused peers, a 1 MiB garbage
 * client next to a good one, the poll budget).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collect/syslogd_int.h"
#include "vigil/event.h"
#include "vigil/predecode.h"
#include "vigil/syslogd.h"

#define MAX_GOT 64

struct got {
	struct vg_syslogd *s;
	size_t n;
	char *lines[MAX_GOT];
	char *where[MAX_GOT];
	size_t lens[MAX_GOT];
	unsigned flags[MAX_GOT];
};

static void on_msg(void *ctx, const char *location, const char *line, size_t len)
{
	struct got *g = ctx;
	assert_int_equal(strlen(line), len);
	if (g->n >= MAX_GOT)
		return;
	g->lines[g->n] = strdup(line);
	g->where[g->n] = strdup(location);
	g->lens[g->n] = len;
	g->flags[g->n] = vg_syslogd_msg_flags(g->s);
	g->n++;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->lines[i]);
		free(g->where[i]);
	}
	g->n = 0;
}

/* ---- RFC 5424 rewriting, read back by the pre-decoder ---- */

struct pre {
	struct vg_event ev;
	struct vg_buf out;
};

static void format_and_predecode(struct pre *p, const char *msg)
{
	vg_buf_init(&p->out, 0);
	assert_int_equal(vg_sl_format(msg, strlen(msg), false, 1700000000, &p->out), 0);
	assert_int_equal(vg_event_init(&p->ev), 0);
	assert_int_equal(vg_predecode(&p->ev, "10.1.2.3", vg_buf_str(&p->out)), 0);
}

static void pre_free(struct pre *p)
{
	vg_event_destroy(&p->ev);
	vg_buf_free(&p->out);
}

static void test_format_5424(void **state)
{
	(void)state;
	struct pre p;
	format_and_predecode(&p, "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog "
	                         "1234 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\"] "
	                         "\xEF\xBB\xBF"
	                         "An application event log entry...");
	assert_string_equal(vg_buf_str(&p.out),
	                    "2003-10-11T22:14:15.003+00:00 mymachine.example.com "
	                    "evntslog[1234]: An application event log entry...");
	assert_non_null(p.ev.hostname);
	assert_string_equal(p.ev.hostname, "mymachine.example.com");
	assert_string_equal(p.ev.program_name, "evntslog");
	assert_string_equal(p.ev.log, "An application event log entry...");
	assert_string_equal(p.ev.timestamp, "2003-10-11T22:14:15.003+00:00");
	pre_free(&p);

	/* six fraction digits and an offset, no SD, non-numeric PROCID */
	format_and_predecode(&p, "<34>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc "
	                         "abc - - %% It's time to make the do-nuts.");
	assert_string_equal(p.ev.hostname, "192.0.2.1");
	assert_string_equal(p.ev.program_name, "myproc");
	assert_string_equal(p.ev.log, "%% It's time to make the do-nuts.");
	assert_string_equal(p.ev.timestamp, "2003-08-24T05:14:15.000003-07:00");
	pre_free(&p);

	/* no fraction; two fraction digits padded; seven cut to six */
	format_and_predecode(&p, "<13>1 2024-01-02T03:04:05+01:00 h sshd 42 - - Accepted password");
	assert_string_equal(p.ev.timestamp, "2024-01-02T03:04:05+01:00");
	assert_string_equal(p.ev.program_name, "sshd");
	assert_string_equal(p.ev.log, "Accepted password");
	pre_free(&p);
	format_and_predecode(&p, "<13>1 2024-01-02T03:04:05.12Z h sshd - - - x y z");
	assert_string_equal(p.ev.timestamp, "2024-01-02T03:04:05.120+00:00");
	pre_free(&p);
	format_and_predecode(&p, "<13>1 2024-01-02T03:04:05.1234567Z h sshd - - - x y z");
	assert_string_equal(p.ev.timestamp, "2024-01-02T03:04:05.123456+00:00");
	pre_free(&p);

	/* missing timestamp: the receive time (1700000000 = 2023-11-14T22:13:20Z) */
	format_and_predecode(&p, "<13>1 - host1 app - - - hello there, this is a message");
	assert_string_equal(p.ev.timestamp, "2023-11-14T22:13:20+00:00");
	assert_string_equal(p.ev.hostname, "host1");
	assert_string_equal(p.ev.program_name, "app");
	pre_free(&p);
}

static void test_format_sd_and_3164(void **state)
{
	(void)state;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	const char *m = "<14>1 2024-01-02T03:04:05Z h app 7 MID [a@1 k=\"v ] \\\" x\"][b@2] msg";
	assert_int_equal(vg_sl_format(m, strlen(m), true, 0, &b), 0);
	assert_string_equal(vg_buf_str(&b),
	                    "2024-01-02T03:04:05+00:00 h app[7]: msg [a@1 k=\"v ] \\\" x\"][b@2]");
	assert_int_equal(vg_sl_format(m, strlen(m), false, 0, &b), 0);
	assert_string_equal(vg_buf_str(&b), "2024-01-02T03:04:05+00:00 h app[7]: msg");
	/* nil app: no program; SD only, no message */
	m = "<14>1 2024-01-02T03:04:05Z h - - - [x@1 a=\"b\"]";
	assert_int_equal(vg_sl_format(m, strlen(m), false, 0, &b), 0);
	assert_string_equal(vg_buf_str(&b), "2024-01-02T03:04:05+00:00 h");
	/* RFC 3164: only the PRI goes */
	m = "<38>Feb  5 17:32:18 10.0.0.99 sshd[123]: Accepted publickey for root";
	assert_int_equal(vg_sl_format(m, strlen(m), false, 0, &b), 0);
	assert_string_equal(vg_buf_str(&b), m + 4);
	/* no PRI, or a broken one: unchanged */
	const char *keep[] = {
		"Feb  5 17:32:18 host su: x", "<1234>x", "<>x", "<12x>y", "<1", "1 not a header"
	};
	for (size_t i = 0; i < sizeof(keep) / sizeof(*keep); i++) {
		assert_int_equal(vg_sl_format(keep[i], strlen(keep[i]), false, 0, &b), 0);
		assert_string_equal(vg_buf_str(&b), keep[i]);
	}
	/* a 5424-looking line with a bad timestamp keeps its other fields */
	m = "<14>1 yesterday h app - - - text";
	assert_int_equal(vg_sl_format(m, strlen(m), false, 86400, &b), 0);
	assert_string_equal(vg_buf_str(&b), "1970-01-02T00:00:00+00:00 h app: text");
	vg_buf_free(&b);
}

/* ---- TCP framing ---- */

/* Feeds stream to a framer in chunks of `chunk` bytes; collects messages. */
static size_t frame_all(const char *stream, size_t len, size_t chunk, size_t max, char **out,
                        unsigned *flags, size_t cap)
{
	struct vg_sl_framer f;
	size_t n = 0, off = 0;
	assert_int_equal(vg_sl_framer_init(&f, max), 0);
	for (;;) {
		const char *m;
		size_t mlen;
		unsigned fl;
		bool eof = off == len;
		while (vg_sl_framer_next(&f, eof, &m, &mlen, &fl)) {
			assert_true(mlen <= max);
			if (n < cap) {
				out[n] = strndup(m, mlen);
				flags[n] = fl;
			}
			n++;
		}
		if (eof)
			break;
		size_t avail;
		char *p = vg_sl_framer_space(&f, &avail);
		assert_true(avail > 0);
		size_t k = len - off < chunk ? len - off : chunk;
		k = k < avail ? k : avail;
		memcpy(p, stream + off, k);
		vg_sl_framer_commit(&f, k);
		off += k;
	}
	vg_sl_framer_free(&f);
	return n;
}

static void test_framing(void **state)
{
	(void)state;
	static const char stream[] = "<13>first line\n"
	                             "16 <13>counted one\n"
	                             "\r\n\n"
	                             "<13>crlf line\r\n"
	                             "14 <13>no newline"
	                             "<13>last, no newline at the end";
	const char *want[] = { "<13>first line", "<13>counted one", "<13>crlf line",
		               "<13>no newline", "<13>last, no newline at the end" };
	for (size_t chunk = 1; chunk <= sizeof(stream); chunk++) {
		char *got[8];
		unsigned fl[8];
		size_t n = frame_all(stream, sizeof(stream) - 1, chunk, 1024, got, fl, 8);
		assert_int_equal(n, 5);
		for (size_t i = 0; i < n; i++) {
			assert_string_equal(got[i], want[i]);
			assert_int_equal(fl[i], 0);
			free(got[i]);
		}
	}
}

static void test_framing_oversized(void **state)
{
	(void)state;
	/* max 8: a 20-byte line is cut and its rest dropped; a counted message
	 * of 12 is cut and its rest skipped by count (its "\n" is inside) */
	static const char stream[] = "0123456789abcdefghij\nok\n12 ABCDEFGH\nIJ\nafter\n";
	for (size_t chunk = 1; chunk <= sizeof(stream); chunk++) {
		char *got[8];
		unsigned fl[8];
		size_t n = frame_all(stream, sizeof(stream) - 1, chunk, 8, got, fl, 8);
		assert_int_equal(n, 4);
		assert_string_equal(got[0], "01234567");
		assert_int_equal(fl[0], VG_SYSLOGD_TRUNCATED);
		assert_string_equal(got[1], "ok");
		assert_int_equal(fl[1], 0);
		assert_string_equal(got[2], "ABCDEFGH");
		assert_int_equal(fl[2], VG_SYSLOGD_TRUNCATED);
		assert_string_equal(got[3], "after");
		for (size_t i = 0; i < n; i++)
			free(got[i]);
	}
	/* exactly max bytes is not truncated */
	char *got[2];
	unsigned fl[2];
	assert_int_equal(frame_all("12345678\n", 9, 3, 8, got, fl, 2), 1);
	assert_string_equal(got[0], "12345678");
	assert_int_equal(fl[0], 0);
	free(got[0]);
}

/* ---- allowed senders ---- */

static void sa4(struct sockaddr_storage *ss, const char *ip)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	in->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
}

static void sa6(struct sockaddr_storage *ss, const char *ip)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in6 *in = (struct sockaddr_in6 *)ss;
	in->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, ip, &in->sin6_addr), 1);
}

static void test_acl(void **state)
{
	(void)state;
	struct vg_sl_net n;
	struct sockaddr_storage ss;
	char text[64];
	assert_int_equal(vg_sl_net_parse("10.0.0.0/8", &n), 0);
	sa4(&ss, "10.200.3.4");
	assert_true(vg_sl_net_match(&n, (struct sockaddr *)&ss));
	sa4(&ss, "11.0.0.1");
	assert_false(vg_sl_net_match(&n, (struct sockaddr *)&ss));
	sa6(&ss, "::ffff:10.1.1.1"); /* an IPv4 client on a dual-stack socket */
	assert_true(vg_sl_net_match(&n, (struct sockaddr *)&ss));
	vg_sl_addr_text((struct sockaddr *)&ss, text, sizeof(text));
	assert_string_equal(text, "10.1.1.1");
	assert_int_equal(vg_sl_net_parse("192.168.1.77/26", &n), 0);
	sa4(&ss, "192.168.1.64");
	assert_true(vg_sl_net_match(&n, (struct sockaddr *)&ss));
	sa4(&ss, "192.168.1.128");
	assert_false(vg_sl_net_match(&n, (struct sockaddr *)&ss));
	assert_int_equal(vg_sl_net_parse("fe80::/10", &n), 0);
	sa6(&ss, "febf::1");
	assert_true(vg_sl_net_match(&n, (struct sockaddr *)&ss));
	sa6(&ss, "fec0::1");
	assert_false(vg_sl_net_match(&n, (struct sockaddr *)&ss));
	sa4(&ss, "127.0.0.1");
	assert_false(vg_sl_net_match(&n, (struct sockaddr *)&ss));
	assert_true(vg_sl_is_loopback((struct sockaddr *)&ss));
	assert_int_equal(vg_sl_net_parse("2001:db8::7", &n), 0);
	assert_int_equal(n.prefix, 128);
	const char *bad[] = { "",         "10.0.0.0/33", "::/129",     "10.0.0/8",  "x",
		              "1.2.3.4/", "/8",          "1.2.3.4/8x", "1.2.3.4/-1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(vg_sl_net_parse(bad[i], &n), VG_EINVAL);
}

/* ---- real sockets ---- */

static struct vg_syslogd *open_rx(const char *const *allowed, size_t nallowed, size_t max_msg)
{
	struct vg_syslogd_opts o = { .bind = "127.0.0.1",
		                     .port = 0,
		                     .udp = true,
		                     .tcp = true,
		                     .allowed = allowed,
		                     .nallowed = nallowed,
		                     .max_message = max_msg };
	struct vg_syslogd *s = NULL;
	assert_int_equal(vg_syslogd_open(&o, &s, NULL), 0);
	assert_non_null(s);
	assert_true(vg_syslogd_port(s, true) > 0);
	assert_true(vg_syslogd_port(s, false) > 0);
	return s;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits on the receiver's descriptors and polls until `want` messages came
 * or wait_ms passed. */
static void pump(struct vg_syslogd *s, struct got *g, size_t want, unsigned wait_ms)
{
	uint64_t end = now_ms() + wait_ms;
	g->s = s;
	while (g->n < want && now_ms() < end) {
		int fds[300];
		struct pollfd pfd[300];
		size_t n = vg_syslogd_fds(s, fds, 300);
		assert_true(n <= 300);
		for (size_t i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		int t = vg_syslogd_timeout_ms(s);
		poll(pfd, n, t < 0 || t > 50 ? 50 : t);
		int r = vg_syslogd_poll(s, on_msg, g, 0);
		assert_true(r >= 0);
	}
}

static int udp_send(unsigned port, const char *msg)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ssize_t r = sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return r == (ssize_t)strlen(msg) ? 0 : -1;
}

static int tcp_connect(unsigned port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t r = send(fd, data, len, MSG_NOSIGNAL);
		assert_true(r > 0);
		data += r;
		len -= (size_t)r;
	}
}

static void test_udp(void **state)
{
	(void)state;
	struct vg_syslogd *s = open_rx(NULL, 0, 0);
	struct got g = { 0 };
	unsigned port = vg_syslogd_port(s, false);
	assert_int_equal(udp_send(port, "<38>Feb  5 17:32:18 web1 sshd[12]: Accepted key\n"), 0);
	assert_int_equal(udp_send(port, "<165>1 2003-10-11T22:14:15.003Z fw1 kernel - - - drop"),
	                 0);
	pump(s, &g, 2, 2000);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0], "Feb  5 17:32:18 web1 sshd[12]: Accepted key");
	assert_string_equal(g.where[0], "127.0.0.1");
	assert_string_equal(g.lines[1], "2003-10-11T22:14:15.003+00:00 fw1 kernel: drop");
	got_free(&g);
	vg_syslogd_close(s);
}

static void test_tcp_framings(void **state)
{
	(void)state;
	struct vg_syslogd *s = open_rx(NULL, 0, 0);
	struct got g = { 0 };
	int fd = tcp_connect(vg_syslogd_port(s, true));
	const char *m5424 = "<13>1 2024-05-06T07:08:09.5Z db1 postgres 99 - - FATAL: auth";
	char framed[256];
	int k = snprintf(framed, sizeof(framed),
	                 "<13>Jan  1 00:00:01 a b: one\n%zu %s"
	                 "<13>Jan  1 00:00:02 a b: two\r\n",
	                 strlen(m5424), m5424);
	send_all(fd, framed, (size_t)k);
	pump(s, &g, 3, 2000);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.lines[0], "Jan  1 00:00:01 a b: one");
	assert_string_equal(g.lines[1],
	                    "2024-05-06T07:08:09.500+00:00 db1 postgres[99]: FATAL: auth");
	assert_string_equal(g.lines[2], "Jan  1 00:00:02 a b: two");
	for (size_t i = 0; i < g.n; i++) {
		assert_string_equal(g.where[i], "127.0.0.1");
		assert_int_equal(g.flags[i], 0);
	}
	/* a last line without newline arrives when the peer closes */
	send_all(fd, "<13>tail", 8);
	close(fd);
	pump(s, &g, 4, 2000);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.lines[3], "tail");
	struct vg_syslogd_stats st;
	pump(s, &g, 5, 100); /* lets the receiver see the close */
	vg_syslogd_stats(s, &st);
	assert_int_equal(st.clients, 0);
	assert_int_equal(st.accepted, 1);
	got_free(&g);
	vg_syslogd_close(s);
}

static void test_refused(void **state)
{
	(void)state;
	const char *allowed[] = { "10.0.0.0/8", "192.168.0.0/16", "fe80::/10" };
	struct vg_syslogd *s = open_rx(allowed, 3, 0);
	struct got g = { 0 };
	assert_int_equal(udp_send(vg_syslogd_port(s, false), "<13>udp from loopback"), 0);
	int fd = tcp_connect(vg_syslogd_port(s, true)); /* the kernel accepts, we close */
	(void)send(fd, "<13>tcp\n", 8, MSG_NOSIGNAL);
	pump(s, &g, 1, 500);
	assert_int_equal(g.n, 0);
	struct vg_syslogd_stats st;
	vg_syslogd_stats(s, &st);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.clients, 0);
	assert_int_equal(st.messages, 0);
	close(fd);
	vg_syslogd_close(s);

	/* a bad entry is an error at open */
	const char *bad[] = { "10.0.0.0/8", "10.0.0.300" };
	struct vg_syslogd_opts o = {
		.bind = "127.0.0.1", .udp = true, .allowed = bad, .nallowed = 2
	};
	struct vg_diag d;
	vg_diag_init(&d);
	assert_int_equal(vg_syslogd_open(&o, &s, &d), VG_EINVAL);
	assert_null(s);
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.msgs[0].text, "10.0.0.300"));
	vg_diag_free(&d);
}

struct sender {
	int fd;
	const char *data;
	size_t len;
};

static void *send_thread(void *arg)
{
	struct sender *sd = arg;
	size_t off = 0;
	while (off < sd->len) {
		ssize_t r = send(sd->fd, sd->data + off, sd->len - off, MSG_NOSIGNAL);
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	shutdown(sd->fd, SHUT_WR);
	return NULL;
}

static void test_garbage_client(void **state)
{
	(void)state;
	const char *allowed[] = { "127.0.0.0/8" };
	struct vg_syslogd *s = open_rx(allowed, 1, 4096);
	struct got g = { 0 };
	unsigned port = vg_syslogd_port(s, true);
	int bad = tcp_connect(port), good = tcp_connect(port);
	size_t big = (size_t)1 << 20;
	char *junk = malloc(big);
	assert_non_null(junk);
	srand(7);
	for (size_t i = 0; i < big; i++) {
		junk[i] = (char)(rand() & 0xff);
		if (junk[i] == '\n' || (junk[i] >= '0' && junk[i] <= '9'))
			junk[i] = 'x'; /* one endless line: cut at 4096, the rest dropped */
	}
	struct sender sb = { bad, junk, big };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, send_thread, &sb), 0);
	char line[64];
	for (int i = 0; i < 20; i++) {
		int k = snprintf(line, sizeof(line), "<13>Jan  1 00:00:01 h p: good %d\n", i);
		send_all(good, line, (size_t)k);
	}
	pump(s, &g, 21, 5000);
	assert_int_equal(pthread_join(th, NULL), 0);
	pump(s, &g, 22, 300); /* nothing more may come */
	assert_int_equal(g.n, 21);
	int next_good = 0, truncated = 0;
	for (size_t i = 0; i < g.n; i++) {
		if (g.flags[i] & VG_SYSLOGD_TRUNCATED) {
			truncated++;
			assert_true(g.lens[i] <= 4096 && g.lens[i] > 4000);
			assert_null(memchr(g.lines[i], '\0', g.lens[i]));
			continue;
		}
		snprintf(line, sizeof(line), "Jan  1 00:00:01 h p: good %d", next_good++);
		assert_string_equal(g.lines[i], line);
	}
	assert_int_equal(next_good, 20);
	assert_int_equal(truncated, 1);
	struct vg_syslogd_stats st;
	vg_syslogd_stats(s, &st);
	assert_int_equal(st.truncated, 1);
	assert_true(st.dropped >= big - 4096);
	free(junk);
	close(bad);
	close(good);
	got_free(&g);
	vg_syslogd_close(s);
}

static void test_budget(void **state)
{
	(void)state;
	struct vg_syslogd *s = open_rx(NULL, 0, 0);
	struct got g = { .s = s };
	int fd = tcp_connect(vg_syslogd_port(s, true));
	const char *five = "<13>a\n<13>b\n<13>c\n<13>d\n<13>e\n";
	send_all(fd, five, strlen(five));
	uint64_t end = now_ms() + 2000;
	int r = 0;
	while (g.n == 0 && now_ms() < end) {
		usleep(10000);
		r = vg_syslogd_poll(s, on_msg, &g, 2);
	}
	assert_int_equal(r, 2);
	assert_int_equal(g.n, 2);
	assert_int_equal(vg_syslogd_timeout_ms(s), 0); /* more is buffered */
	assert_int_equal(vg_syslogd_poll(s, on_msg, &g, 2), 2);
	assert_int_equal(vg_syslogd_poll(s, on_msg, &g, 2), 1);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.lines[4], "e");
	assert_int_equal(vg_syslogd_timeout_ms(s), -1);
	close(fd);
	got_free(&g);
	vg_syslogd_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_5424),
		cmocka_unit_test(test_format_sd_and_3164),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_framing_oversized),
		cmocka_unit_test(test_acl),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_tcp_framings),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_garbage_client),
		cmocka_unit_test(test_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
