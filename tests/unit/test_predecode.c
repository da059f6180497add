/*
 * test_predecode.c - unit tests of the pre-decoder: message framing, agent
 * locations, every recognised timestamp format, hostname and program name
 * rules. Header lines are real examples from the Wazuh ruleset's .ini test
 * files (expected values written by hand from Wazuh's documented behaviour).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/event.h"
#include "vigil/predecode.h"

struct expect {
	const char *line;
	const char *timestamp;
	const char *hostname;
	const char *program;
	const char *log;
};

static void str_or_null(const char *what, const char *got, const char *want, const char *line)
{
	if (!want && !got)
		return;
	if (!want || !got || strcmp(want, got) != 0)
		fail_msg("%s: got '%s', want '%s' for: %s", what, got ? got : "(null)",
		         want ? want : "(null)", line);
}

static void check_lines(const struct expect *cases, size_t n)
{
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	for (size_t i = 0; i < n; i++) {
		const struct expect *c = &cases[i];
		vg_event_reset(&ev);
		assert_int_equal(vg_predecode(&ev, "/var/log/syslog", c->line), VG_OK);
		assert_string_equal(ev.full_log, c->line);
		assert_string_equal(ev.location, "/var/log/syslog");
		assert_string_equal(ev.agent_id, "000");
		str_or_null("timestamp", ev.timestamp, c->timestamp, c->line);
		str_or_null("hostname", ev.hostname, c->hostname, c->line);
		str_or_null("program_name", ev.program_name, c->program, c->line);
		str_or_null("log", ev.log, c->log, c->line);
	}
	vg_event_destroy(&ev);
}

static void test_syslog_headers(void **state)
{
	(void)state;
	static const struct expect cases[] = {
		{ "Jul 18 09:21:57 localhost kernel: nouveau E[  PGRAPH][0000:0f:00.0] DATA",
		  "Jul 18 09:21:57", "localhost", "kernel",
		  "nouveau E[  PGRAPH][0000:0f:00.0] DATA" },
		{ "Jul 18 10:51:43 localhost NetworkManager[1366]: <warn> (enp1s0) zone",
		  "Jul 18 10:51:43", "localhost", "NetworkManager", "<warn> (enp1s0) zone" },
		{ "Feb  5 13:07:52 plugh rsyslogd-2177: imuxsock begins to drop", "Feb  5 13:07:52",
		  "plugh", "rsyslogd-2177", "imuxsock begins to drop" },
		{ "Apr 27 15:22:23 niban sudo:     dcid : TTY=pts/4 ; PWD=/home/dcid",
		  "Apr 27 15:22:23", "niban", "sudo", "    dcid : TTY=pts/4 ; PWD=/home/dcid" },
		{ "Jan  8 16:39:33 tp.lan dropbear[14824]: Bad password attempt for 'root'",
		  "Jan  8 16:39:33", "tp.lan", "dropbear", "Bad password attempt for 'root'" },
		/* prog[pid] without ':' */
		{ "Jan 04 22:51:57 server proftpd[26169] server.example.net: Fatal: unable",
		  "Jan 04 22:51:57", "server", "proftpd", "server.example.net: Fatal: unable" },
		/* year variant */
		{ "2015 Nov 13 13:40:01 ether rsyslogd-2177: imuxsock begins",
		  "2015 Nov 13 13:40:01", "ether", "rsyslogd-2177", "imuxsock begins" },
		/* "name: " right after the timestamp is a program, not a host */
		{ "2014 Dec 20 09:29:47 WinEvtLog: Microsoft-Windows-Sysmon/Operational: INFO(1)",
		  "2014 Dec 20 09:29:47", NULL, "WinEvtLog",
		  "Microsoft-Windows-Sysmon/Operational: INFO(1)" },
		/* the space after "prog:" is optional */
		{ "2015 Dec 29 10:00:01 wazuh-agent01 AUTH:INFO sshd[223468]: LOG BODY",
		  "2015 Dec 29 10:00:01", "wazuh-agent01", "AUTH", "INFO sshd[223468]: LOG BODY" },
		/* Solaris tag stripped */
		{ "Dec 29 10:00:01 sol sshd[12]: [ID 800047 auth.info] Accepted publickey",
		  "Dec 29 10:00:01", "sol", "sshd", "Accepted publickey" },
		/* AIX */
		{ "Dec 29 10:00:01 aix auth|security:info sshd[5]: Failed password",
		  "Dec 29 10:00:01", "aix", "sshd", "Failed password" },
		{ "Dec 29 10:00:01 aix auth|security:info su: BAD SU", "Dec 29 10:00:01", "aix",
		  "su", "BAD SU" },
		/* weird program: no program, log keeps everything after the host */
		{ "Dec 29 10:00:01 host prog[12x rest of it", "Dec 29 10:00:01", "host", NULL,
		  "prog[12x rest of it" },
		{ "Dec 29 10:00:01 host just words here", "Dec 29 10:00:01", "host", NULL,
		  "just words here" },
		/* invalid hostname: no host, log after the timestamp */
		{ "Dec 29 10:00:01 <13>bad host", "Dec 29 10:00:01", NULL, NULL, "<13>bad host" },
	};
	check_lines(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_iso_and_other_dates(void **state)
{
	(void)state;
	static const struct expect cases[] = {
		{ "2021-07-08T11:01:06-03:00 XXX.XXX.XXX.XXX db[32167]:  category=\"Event\"",
		  "2021-07-08T11:01:06-03:00", "XXX.XXX.XXX.XXX", "db", " category=\"Event\"" },
		{ "2009-05-22T09:36:46.214994-07:00 wazuh-agent01 AUTH:INFO sshd[223468]: BODY",
		  "2009-05-22T09:36:46.214994-07:00", "wazuh-agent01", "AUTH",
		  "INFO sshd[223468]: BODY" },
		{ "2022-12-19T15:02:53.288+00:00 hostnameTest processName[123]: Message Test",
		  "2022-12-19T15:02:53.288+00:00", "hostnameTest", "processName", "Message Test" },
		{ "2015-04-16 21:51:02,805 zuse proftpd[26189] zuse.domain.com (182.100.67.115)",
		  "2015-04-16 21:51:02,805", "zuse", "proftpd",
		  "zuse.domain.com (182.100.67.115)" },
		{ "2021-04-21 10:16:09.404756-0700 mac sshd[223468]: LOG BODY",
		  "2021-04-21 10:16:09.404756-0700", "mac", "sshd", "LOG BODY" },
		/* ISO without a space-separated header is not a syslog header */
		{ "2021-04-06T14:54:34.255Z,61d2c86f-f9bb-456d-88c0-3529172510ac,15,0,847", NULL,
		  NULL, NULL,
		  "2021-04-06T14:54:34.255Z,61d2c86f-f9bb-456d-88c0-3529172510ac,15,0,847" },
		{ "Mon Apr 17 18:27:14 2006 1 64.160.42.130 5450 /home/user/x b _ o r user ftp 0 * "
		  "c",
		  "Mon Apr 17 18:27:14 2006", NULL, NULL,
		  "1 64.160.42.130 5450 /home/user/x b _ o r user ftp 0 * c" },
		{ "01/28-09:13:16.240702  [**] [1:1:1] x [**]", "01/28-09:13:16.240702", NULL, NULL,
		  "[**] [1:1:1] x [**]" },
		{ "01/28/1979-09:13:16.240702  [**] [1:2:3] y [**]", "01/28/1979-09:13:16.240702",
		  NULL, NULL, "[**] [1:2:3] y [**]" },
		{ "[Fri Feb 11 18:06:35 2004] [warn] Big brother", "Fri Feb 11 18:06:35 2004", NULL,
		  NULL, "[warn] Big brother" },
		{ "1140804070.368  11623 192.168.0.1 TCP_MISS/200 1234 GET http://x/",
		  "1140804070.368", NULL, NULL,
		  "11623 192.168.0.1 TCP_MISS/200 1234 GET http://x/" },
		{ "[Time 2006.12.28 15:53:55 UTC] [Facility auth] [Sender sshd] [PID 483] "
		  "[Message error: PAM: Authentication failure] [Level 3] [Host Hostname]",
		  NULL, "Hostname", "sshd", "error: PAM: Authentication failure" },
		/* "Mär" is read like a three-letter month */
		{ "M\xc3\xa4r 02 17:30:52 host prog: msg", "M\xc3\xa4r 02 17:30:52", "host", "prog",
		  "msg" },
		/* too short or no header at all */
		{ "Dec 29 10:00:01", NULL, NULL, NULL, "Dec 29 10:00:01" },
		{ "", NULL, NULL, NULL, "" },
		{ "hello world", NULL, NULL, NULL, "hello world" },
	};
	check_lines(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_agent_locations(void **state)
{
	(void)state;
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	assert_int_equal(vg_predecode(&ev, "[001] (web01) 10.0.0.1->/var/log/secure",
	                              "Dec 29 10:00:01 otherhost sshd[1]: Accepted"),
	                 VG_OK);
	assert_string_equal(ev.agent_id, "001");
	assert_string_equal(ev.agent_name, "web01");
	assert_string_equal(ev.agent_ip, "10.0.0.1");
	assert_string_equal(ev.location, "(web01) 10.0.0.1->/var/log/secure");
	/* The agent's name replaces the header's hostname (Wazuh). */
	assert_string_equal(ev.hostname, "web01");
	assert_string_equal(ev.program_name, "sshd");
	assert_string_equal(ev.log, "Accepted");

	vg_event_reset(&ev);
	assert_int_equal(vg_predecode(&ev, "[002] (win) any->EventChannel", "{\"a\":1}"), VG_OK);
	assert_string_equal(ev.agent_id, "002");
	assert_null(ev.agent_ip);
	assert_string_equal(ev.hostname, "win");
	assert_string_equal(ev.log, "{\"a\":1}");

	vg_event_reset(&ev);
	assert_int_equal(vg_predecode(&ev, "[004]", "x"), VG_OK);
	assert_string_equal(ev.agent_id, "004");
	assert_string_equal(ev.location, "");
	assert_string_equal(ev.hostname, "");

	vg_event_reset(&ev);
	assert_int_equal(vg_predecode(&ev, "[003] (bad", "x"), VG_OK);
	assert_string_equal(ev.location, "(bad");
	assert_string_equal(ev.hostname, "");
	vg_event_destroy(&ev);
}

static void test_message_framing(void **state)
{
	(void)state;
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	assert_int_equal(vg_predecode_message(&ev, "1:stdin:Dec 29 10:00:01 h p: a:b"), VG_OK);
	assert_string_equal(ev.location, "stdin");
	assert_string_equal(ev.full_log, "Dec 29 10:00:01 h p: a:b");
	assert_string_equal(ev.log, "a:b");

	vg_event_reset(&ev);
	assert_int_equal(vg_predecode_message(&ev, "2:0000|:0000|:0001:payload test"), VG_OK);
	assert_string_equal(ev.location, "0000:0000:0001");
	assert_string_equal(ev.full_log, "payload test");

	vg_event_reset(&ev);
	assert_int_equal(vg_predecode_message(&ev, "5:[015] (DESKTOP) any->fim_registry:payload"),
	                 VG_OK);
	assert_string_equal(ev.location, "(DESKTOP) any->fim_registry");
	assert_string_equal(ev.agent_id, "015");
	assert_string_equal(ev.full_log, "payload");

	vg_event_reset(&ev);
	assert_int_equal(vg_predecode_message(&ev, "1:a:"), VG_OK);
	assert_string_equal(ev.full_log, "");
	assert_int_equal(vg_predecode_message(&ev, "fail message"), VG_EPARSE);
	assert_int_equal(vg_predecode_message(&ev, "1:a"), VG_EPARSE);
	assert_int_equal(vg_predecode_message(&ev, ":a:b"), VG_EPARSE);
	assert_int_equal(vg_predecode_message(&ev, NULL), VG_EPARSE);
	vg_event_destroy(&ev);
}

/* Every prefix of tricky headers must be accepted without reading past the end. */
static void test_truncations_never_crash(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"2021-04-21 10:16:09.404756-0700 mac sshd[223468]: LOG BODY",
		"2009-05-22T09:36:46.214994-07:00 h AUTH:INFO sshd[223468]: BODY",
		"Dec 29 10:00:01 sol sshd[12]: [ID 800047 auth.info]",
		"Dec 29 10:00:01 aix auth|security:info sshd[5]: Failed",
		"[Time 2006.12.28 15:53:55 UTC] [Sender sshd] [Message m] [Host H]",
		"01/28/1979-09:13:16.240702  [**]",
		"1140804070.368  11623 192.168.0.1 TCP_MISS/200 1234 GET",
		"M\xc3\xa4r 02 17:30:52 host prog: msg",
	};
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	char buf[128];
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t len = strlen(lines[i]);
		for (size_t k = 0; k <= len; k++) {
			memcpy(buf, lines[i], k);
			buf[k] = '\0';
			vg_event_reset(&ev);
			assert_int_equal(vg_predecode(&ev, "x", buf), VG_OK);
			assert_string_equal(ev.full_log, buf);
			assert_non_null(ev.log);
			assert_true(strlen(ev.log) <= k);
		}
	}
	vg_event_destroy(&ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syslog_headers),
		cmocka_unit_test(test_iso_and_other_dates),
		cmocka_unit_test(test_agent_locations),
		cmocka_unit_test(test_message_framing),
		cmocka_unit_test(test_truncations_never_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
