/*
 * predecode_time.c - reads the syslog-style header of a log line: the
 * timestamp, hostname and program name, as Wazuh's OS_CleanMSG() does.
 *
 * Formats are recognised by fixed character positions, not by parsing
 * (month names and digits are mostly not checked). The syslog family
 * ("Dec 29 10:00:01", "2015 Dec 29 10:00:01", ISO 8601, proftpd's
 * "2015-04-16 21:51:02,805", macOS "2021-04-21 10:16:09.404756-0700") is
 * followed by an optional extra space, a hostname and a program name
 * ("prog:", "prog[pid]:", "prog[pid] ", AIX "fac|sev:lvl prog:") and an
 * optional Solaris "[ID n fac.sev] " tag. Other formats (xferlog, snort,
 * suricata, Apache error log, macOS ASL, squid) carry only a timestamp; ASL
 * also carries sender, message and host. Everything read is copied into the
 * event's arena; the input text is never modified.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "decode/predecode_int.h"
#include "vigil/error.h"

/* The header being read: a private copy of the log, cut into pieces. */
struct hdr {
	char *s;       /* writable copy of the whole log */
	size_t len;    /* strlen(s) */
	const char *h; /* where positions are checked (s, or s + 1 after "Mär") */
	size_t hlen;
};

static int at(const struct hdr *x, size_t i)
{
	return i < x->hlen ? (unsigned char)x->h[i] : 0;
}

static bool at_is(const struct hdr *x, size_t i, char c)
{
	return at(x, i) == (unsigned char)c;
}

static bool at_digit(const struct hdr *x, size_t i)
{
	return isdigit(at(x, i)) != 0;
}

/* Hostname and program name characters (Wazuh's isValidChar). */
static bool valid_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_' || c == '@' ||
	       c == '/' || c == '(' || c == ')';
}

/*
 * Returns the length of a syslog-family timestamp plus its separator (where
 * the host starts), or 0 when the text does not start with one.
 */
static size_t syslog_stamp(const struct hdr *x)
{
	size_t len = x->len;
	/* Dec 29 10:00:01 */
	if (len >= 17 && at_is(x, 3, ' ') && at_is(x, 6, ' ') && at_is(x, 9, ':') &&
	    at_is(x, 12, ':') && at_is(x, 15, ' '))
		return 16;
	/* 2015-04-16 21:51:02,805 (proftpd) */
	if (len >= 24 && at_is(x, 4, '-') && at_is(x, 7, '-') && at_is(x, 10, ' ') &&
	    at_is(x, 13, ':') && at_is(x, 16, ':') && at_is(x, 19, ','))
		return 23;
	/* 2021-04-21 10:16:09.404756-0700 (macOS unified log) */
	if (len >= 32 && at_is(x, 4, '-') && at_is(x, 7, '-') && at_is(x, 10, ' ') &&
	    at_is(x, 13, ':') && at_is(x, 16, ':') && at_is(x, 19, '.') &&
	    (at_is(x, 26, '+') || at_is(x, 26, '-')) && at_is(x, 31, ' '))
		return 32;
	/* 2007-06-14T15:48:55-04:00, with an optional .fff or .ffffff */
	if (len >= 33 && at_is(x, 4, '-') && at_is(x, 7, '-') && at_is(x, 10, 'T') &&
	    at_is(x, 13, ':') && at_is(x, 16, ':')) {
		if (at_is(x, 22, ':') && at_is(x, 25, ' '))
			return 26;
		if (at_is(x, 19, '.') && at_is(x, 29, ':'))
			return 33;
		if (at_is(x, 19, '.') && at_is(x, 26, ':'))
			return 30;
	}
	/* 2015 Dec 29 10:00:01 */
	if (len >= 21 && at_digit(x, 0) && at_is(x, 4, ' ') && at_is(x, 8, ' ') &&
	    at_is(x, 11, ' ') && at_is(x, 14, ':') && at_is(x, 17, ':') && at_is(x, 20, ' '))
		return 21;
	return 0;
}

static char *skip_digits(char *p)
{
	while (isdigit((unsigned char)*p))
		p++;
	return p;
}

static char *skip_alnum(char *p)
{
	while (isalnum((unsigned char)*p))
		p++;
	return p;
}

static char *skip_valid(char *p)
{
	while (valid_char(*p))
		p++;
	return p;
}

/*
 * AIX "auth|security:info prog: msg": p is at the '|'. Sets *prog and
 * returns where the message starts, or NULL when the header is not one
 * (Wazuh then keeps the log after the hostname).
 */
static char *aix_program(char *p, const char **prog)
{
	p = skip_alnum(p + 2);
	if (*p != ':')
		return NULL;
	p = skip_alnum(p + 1);
	if (*p != ' ')
		return NULL;
	char *start = ++p;
	*prog = start;
	p = skip_valid(p);
	if (p[0] == ':' && p[1] == ' ') {
		*p = '\0';
		return p + 2;
	}
	if (p[0] == '[' && isdigit((unsigned char)p[1])) {
		*p = '\0';
		p = skip_digits(p + 2);
		return p[0] == ']' && p[1] == ':' && p[2] == ' ' ? p + 3 : NULL;
	}
	/* Wazuh leaves the name unterminated here: it runs to the end of the line. */
	return p;
}

/*
 * Reads "prog:", "prog[pid]:", "prog[pid] " or AIX after the hostname.
 * Returns where the message starts, or NULL to keep the log at p.
 */
static char *program_name(char *p, const char **prog)
{
	char *start = p;
	char *q = skip_valid(p);
	*prog = NULL;
	if (*q == ':') { /* the space after ':' is optional */
		*q = '\0';
		*prog = start;
		q++;
		return q + (*q == ' ');
	}
	if (q[0] == '[' && isdigit((unsigned char)q[1])) {
		char *r = skip_digits(q + 2);
		if (r[0] == ']' && (r[1] == ':' || r[1] == ' ')) {
			*q = '\0';
			*prog = start;
			if (r[1] == ' ')
				return r + 2;
			r += 2;
			return r + (*r == ' ');
		}
		return NULL; /* "prog[12x": no program, the log keeps the '[' */
	}
	if (q[0] == '|' && islower((unsigned char)q[1]))
		return aix_program(q, prog);
	return NULL;
}

/* Strips a Solaris "[ID 123 auth.info] " tag. */
static char *strip_solaris_id(char *p)
{
	if (strncmp(p, "[ID ", 4) != 0)
		return p;
	char *close = strchr(p + 4, ']');
	if (!close)
		return p;
	return close[1] ? close + 2 : close + 1;
}

/* Hostname and program after a syslog-family timestamp; p is after it. */
static void syslog_host(struct vg_event *ev, char *p, const char **host, const char **prog)
{
	p += *p == ' ';
	char *q = skip_valid(p);
	char *msg = NULL;
	ev->log = p;
	if (q[0] == ':' && q[1] == ' ') { /* "prog: msg" without hostname (Solaris) */
		*q = '\0';
		*prog = p;
		msg = q + 2;
	} else if (*q == ' ') {
		*q = '\0';
		*host = p;
		ev->log = q + 1;
		msg = program_name(q + 1, prog);
	}
	if (msg)
		ev->log = strip_solaris_id(msg);
}

/* macOS ASL: "[Time ...] [Facility f] [Sender s] [PID n] [Message m] ... [Host h]" */
static void asl_fields(struct vg_event *ev, char *p, const char **host, const char **prog)
{
	bool got_message = false;
	ev->log = p;
	p = strchr(p, '[');
	while (p) {
		p++;
		if (strncmp(p, "Sender ", 7) == 0 && !*prog) {
			char *end = strchr(p + 7, ']');
			if (!end)
				break;
			*end = '\0';
			*prog = p + 7;
			p = end + 1;
		} else if (strncmp(p, "Message ", 8) == 0 && !got_message) {
			got_message = true;
			ev->log = p + 8;
			char *end = strchr(p + 8, ']');
			if (!end)
				break;
			*end = '\0';
			p = end + 1;
		} else if (strncmp(p, "Host ", 5) == 0) {
			char *end = strchr(p + 5, ']');
			if (end) {
				*end = '\0';
				*host = p + 5;
			}
			break;
		}
		p = strchr(p, '[');
	}
}

/*
 * Timestamp-only formats checked before ASL (xferlog, snort, suricata,
 * Apache error log, in Wazuh's order). Returns true when one matched and sets *ts_off,
 * *ts_len and the log start.
 */
static bool other_stamp(const struct hdr *x, size_t *ts_off, size_t *ts_len, size_t *log_off)
{
	size_t len = x->len;
	*ts_off = 0;
	if (len >= 28 && at_is(x, 3, ' ') && at_is(x, 7, ' ') && at_is(x, 10, ' ') &&
	    at_is(x, 13, ':') && at_is(x, 16, ':') && at_is(x, 19, ' ') && at_is(x, 24, ' ') &&
	    at_is(x, 26, ' ')) { /* xferlog: Mon Apr 17 18:27:14 2006 1 ... */
		*ts_len = 24;
		*log_off = 25;
	} else if (len >= 24 && at_is(x, 2, '/') && at_is(x, 5, '-') && at_is(x, 8, ':') &&
	           at_is(x, 11, ':') && at_is(x, 14, '.') && at_is(x, 21, ' ')) {
		*ts_len = 21; /* snort: 01/28-09:13:16.240702  [**] */
		*log_off = 23;
	} else if (len >= 26 && at_is(x, 2, '/') && at_is(x, 5, '/') && at_is(x, 10, '-') &&
	           at_is(x, 13, ':') && at_is(x, 16, ':') && at_is(x, 19, '.') &&
	           at_is(x, 26, ' ')) {
		*ts_len = 26; /* suricata: 01/28/1979-09:13:16.240702  [**] */
		*log_off = 28;
	} else if (len >= 27 && at_is(x, 0, '[') && at_is(x, 4, ' ') && at_is(x, 8, ' ') &&
	           at_is(x, 11, ' ') && at_is(x, 14, ':') && at_is(x, 17, ':') &&
	           at_is(x, 20, ' ') && at_is(x, 25, ']')) {
		*ts_off = 1; /* Apache: [Fri Feb 11 18:06:35 2004] [warn] */
		*ts_len = 24;
		*log_off = 27;
	} else {
		return false;
	}
	return true;
}

/* squid: "1140804070.368  11623 ..." (seconds since the epoch). */
static bool squid_stamp(const struct hdr *x, size_t *ts_len, size_t *log_off)
{
	if (!(x->len >= 32 && at_is(x, 0, '1') && at_digit(x, 1) && at_digit(x, 2) &&
	      at_digit(x, 3) && at_is(x, 10, '.') && at_digit(x, 13) && at_is(x, 14, ' ') &&
	      (at_is(x, 21, ' ') || at_is(x, 22, ' '))))
		return false;
	*ts_len = 14;
	*log_off = 14;
	while (*log_off < x->len && x->s[*log_off] == ' ')
		(*log_off)++;
	return true;
}

static bool is_asl(const struct hdr *x)
{
	return x->len >= 26 && at_is(x, 0, '[') && at_is(x, 1, 'T') && at_is(x, 5, ' ') &&
	       at_is(x, 10, '.') && at_is(x, 13, '.') && at_is(x, 16, ' ') && at_is(x, 19, ':');
}

static int set_timestamp(struct vg_event *ev, const char *s, size_t off, size_t len)
{
	while (len && s[off + len - 1] == ' ')
		len--;
	ev->timestamp = vg_arena_strndup(ev->arena, s + off, len);
	return ev->timestamp ? VG_OK : VG_ENOMEM;
}

int vg_predecode_header(struct vg_event *ev, const char *text, const char **host, const char **prog)
{
	struct hdr x;
	size_t ts_off, ts_len, log_off;
	*host = *prog = NULL;
	x.len = strlen(text);
	x.s = vg_arena_strndup(ev->arena, text, x.len);
	if (!x.s)
		return VG_ENOMEM;
	x.h = x.s;
	x.hlen = x.len;
	ev->log = x.s;
	/* "Mär" (UTF-8 a-umlaut) is read as a three-letter month one byte later. */
	bool umlaut = x.len >= 3 && (unsigned char)x.s[1] == 0xC3 && (unsigned char)x.s[2] == 0xA4;
	if (umlaut) {
		x.h = x.s + 1;
		x.hlen = x.len - 1;
	}
	size_t n = umlaut ? 0 : syslog_stamp(&x);
	if (umlaut) {
		struct hdr y = x;
		char tmp[40];
		size_t k = x.hlen < sizeof(tmp) ? x.hlen : sizeof(tmp);
		memcpy(tmp, x.h, k);
		memcpy(tmp, "Ma", 2);
		y.h = tmp;
		y.hlen = k;
		n = syslog_stamp(&y);
	}
	if (n) {
		int rc = set_timestamp(ev, x.s, 0, n + (umlaut ? 1 : 0));
		if (rc)
			return rc;
		syslog_host(ev, x.s + (n < x.len ? n : x.len), host, prog);
		return VG_OK;
	}
	bool found = other_stamp(&x, &ts_off, &ts_len, &log_off);
	if (!found && is_asl(&x)) {
		asl_fields(ev, x.s + 25, host, prog);
		return VG_OK;
	}
	if (!found) {
		ts_off = 0;
		found = squid_stamp(&x, &ts_len, &log_off);
	}
	if (found) {
		int rc = set_timestamp(ev, x.s, ts_off, ts_len);
		if (rc)
			return rc;
		ev->log = x.s + (log_off < x.len ? log_off : x.len);
	}
	return VG_OK;
}
