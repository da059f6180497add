/*
 * syslogd_format.c - turns a received syslog message into the line the
 * analysis reads.
 *
 * The pre-decoder (src/decode/predecode_time.c) knows the BSD header of RFC
 * 3164 ("Mmm dd hh:mm:ss host prog[pid]: msg") and ISO 8601 timestamps with
 * a numeric offset and 0, 3 or 6 fraction digits, but not the RFC 5424
 * header ("1 TIMESTAMP HOST APP PROCID MSGID SD MSG"). So: a "<PRI>" prefix
 * (one to three digits) is removed from every message; an RFC 5424 header is
 * rewritten as "TIMESTAMP HOST APP[PROCID]: MSG" with the timestamp
 * normalised ("Z" becomes "+00:00", the fraction is padded or cut to 3 or 6
 * digits; a "-" or unreadable timestamp is replaced by the receive time in
 * UTC); "-" host is kept as "-"; a "-" app name leaves the program out; a
 * PROCID that is not a number is left out (the pre-decoder reads only
 * numeric ones); MSGID is dropped; structured data is dropped unless asked
 * for, then appended after the message; a UTF-8 BOM before the message is
 * removed; NUL bytes become spaces. Anything that is not a well-formed RFC 5424 header passes as it
 * is (after the PRI).
 */
#include <ctype.h>
#include <string.h>

#include "collect/syslogd_int.h"

/* The pieces of an RFC 5424 header; each is [s, s + n). */
struct hdr5424 {
	const char *ts, *host, *app, *pid, *sd, *msg;
	size_t ts_n, host_n, app_n, pid_n, sd_n, msg_n;
};

/* Reads one space-terminated header field of at most max printable bytes. */
static bool field(const char **p, const char *end, size_t max, const char **s, size_t *n)
{
	const char *q = *p;
	while (q<end && * q> ' ' && *q < 127)
		q++;
	if (q == *p || q == end || *q != ' ' || (size_t)(q - *p) > max)
		return false;
	*s = *p;
	*n = (size_t)(q - *p);
	*p = q + 1;
	return true;
}

/* Length of the structured data at p ("-" or "[...]..."), 0 when there is none. */
static size_t sd_length(const char *p, const char *end)
{
	if (p < end && *p == '-' && (p + 1 == end || p[1] == ' '))
		return 1;
	const char *q = p;
	while (q < end && *q == '[') {
		bool quoted = false;
		q++;
		while (q < end && (quoted || *q != ']')) {
			if (quoted && *q == '\\' && q + 1 < end)
				q++;
			else if (*q == '"')
				quoted = !quoted;
			q++;
		}
		if (q == end)
			return 0;
		q++; /* the ']' */
	}
	if (q == p || (q < end && *q != ' '))
		return 0;
	return (size_t)(q - p);
}

static bool parse5424(const char *p, const char *end, struct hdr5424 *h)
{
	const char *msgid;
	size_t msgid_n;
	if (end - p < 2 || p[0] != '1' || p[1] != ' ')
		return false;
	p += 2;
	if (!field(&p, end, 64, &h->ts, &h->ts_n) || !field(&p, end, 255, &h->host, &h->host_n) ||
	    !field(&p, end, 48, &h->app, &h->app_n) || !field(&p, end, 128, &h->pid, &h->pid_n) ||
	    !field(&p, end, 32, &msgid, &msgid_n))
		return false;
	h->sd = p;
	h->sd_n = sd_length(p, end);
	p += h->sd_n; /* no SD at all (some senders): the rest is the message */
	if (h->sd_n && p < end)
		p++; /* the space before the message */
	if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	h->msg = p;
	h->msg_n = (size_t)(end - p);
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/*
 * Writes an RFC 5424 timestamp as "YYYY-MM-DDThh:mm:ss[.fff|.ffffff]+hh:mm"
 * into out (at least 40 bytes). False when ts is not one.
 */
static bool normalise_time(const char *ts, size_t n, char *out)
{
	static const char shape[] = "DDDD-DD-DDTDD:DD:DD";
	if (n < 20)
		return false;
	for (size_t i = 0; i < 19; i++)
		if (shape[i] == 'D' ? !isdigit((unsigned char)ts[i]) : ts[i] != shape[i])
			return false;
	memcpy(out, ts, 19);
	size_t o = 19, i = 19, digits = 0;
	if (ts[i] == '.') {
		i++;
		while (i < n && isdigit((unsigned char)ts[i])) {
			digits++;
			i++;
		}
		if (!digits)
			return false;
		size_t want = digits <= 3 ? 3 : 6;
		out[o++] = '.';
		for (size_t k = 0; k < want; k++)
			out[o++] = k < digits ? ts[20 + k] : '0';
	}
	if (n - i == 1 && ts[i] == 'Z') {
		memcpy(out + o, "+00:00", 7);
		return true;
	}
	if (n - i != 6 || (ts[i] != '+' && ts[i] != '-') || !all_digits(ts + i + 1, 2) ||
	    ts[i + 3] != ':' || !all_digits(ts + i + 4, 2))
		return false;
	memcpy(out + o, ts + i, 6);
	out[o + 6] = '\0';
	return true;
}

static int add_time(struct vg_buf *out, const struct hdr5424 *h, time_t now)
{
	char ts[40];
	if (!normalise_time(h->ts, h->ts_n, ts)) {
		struct tm tm;
		if (!gmtime_r(&now, &tm) ||
		    !strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S+00:00", &tm))
			memcpy(ts, "1970-01-01T00:00:00+00:00", 26);
	}
	return vg_buf_addstr(out, ts);
}

static int write5424(const struct hdr5424 *h, bool keep_sd, time_t now, struct vg_buf *out)
{
	int rc = add_time(out, h, now);
	if (!rc)
		rc = vg_buf_addc(out, ' ');
	if (!rc)
		rc = vg_buf_add(out, h->host, h->host_n);
	bool has_app = !(h->app_n == 1 && h->app[0] == '-');
	if (!rc && has_app) {
		rc = vg_buf_addc(out, ' ');
		if (!rc)
			rc = vg_buf_add(out, h->app, h->app_n);
		if (!rc && all_digits(h->pid, h->pid_n))
			rc = vg_buf_printf(out, "[%.*s]", (int)h->pid_n, h->pid);
		if (!rc)
			rc = vg_buf_addc(out, ':');
	}
	if (!rc && h->msg_n) {
		rc = vg_buf_addc(out, ' ');
		if (!rc)
			rc = vg_buf_add(out, h->msg, h->msg_n);
	}
	if (!rc && keep_sd && h->sd_n && !(h->sd_n == 1 && h->sd[0] == '-')) {
		rc = vg_buf_addc(out, ' ');
		if (!rc)
			rc = vg_buf_add(out, h->sd, h->sd_n);
	}
	return rc;
}

int vg_sl_format(const char *msg, size_t len, bool keep_sd, time_t now, struct vg_buf *out)
{
	const char *p = msg, *end = msg + len;
	vg_buf_reset(out);
	if (len >= 3 && p[0] == '<') {
		size_t i = 1;
		while (i < len && i <= 3 && isdigit((unsigned char)p[i]))
			i++;
		if (i > 1 && i < len && p[i] == '>')
			p += i + 1;
	}
	struct hdr5424 h;
	int rc;
	if (parse5424(p, end, &h))
		rc = write5424(&h, keep_sd, now, out);
	else
		rc = vg_buf_add(out, p, (size_t)(end - p));
	if (!rc && !out->data)
		rc = vg_buf_add(out, "", 0); /* always a string, even when empty */
	for (size_t i = 0; !rc && i < out->len; i++)
		if (out->data[i] == '\0')
			out->data[i] = ' '; /* nothing hides behind a NUL */
	return rc;
}
