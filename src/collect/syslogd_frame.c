/*
 * syslogd_frame.c - splits a syslog TCP stream into messages.
 *
 * RFC 6587 allows two framings and senders do not announce which one they
 * use, so it is decided per message: a message starting with a digit run of
 * at most ten digits and a space is octet-counted ("LEN SP MSG"), anything
 * else ends at the next '\n' (a '\r' before it is removed too). Empty lines
 * are skipped. A message longer than max_message is delivered cut, with
 * VG_SYSLOGD_TRUNCATED, and its remainder is discarded (counted in
 * `dropped`): the rest of a counted message by its length, the rest of a line
 * up to its newline. The buffer never grows beyond one maximal message, so a
 * sender can never make the receiver hold more than that.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "collect/syslogd_int.h"
#include "vigil/syslogd.h"

int vg_sl_framer_init(struct vg_sl_framer *f, size_t max_message)
{
	memset(f, 0, sizeof(*f));
	f->max_message = max_message;
	f->cap = max_message + VG_SL_PREFIX_MAX;
	f->buf = malloc(f->cap + 1);
	return f->buf ? VG_OK : VG_ENOMEM;
}

void vg_sl_framer_free(struct vg_sl_framer *f)
{
	free(f->buf);
	f->buf = NULL;
}

char *vg_sl_framer_space(struct vg_sl_framer *f, size_t *avail)
{
	if (f->start > 0) {
		memmove(f->buf, f->buf + f->start, f->end - f->start);
		f->end -= f->start;
		f->start = 0;
	}
	*avail = f->cap - f->end;
	return f->buf + f->end;
}

void vg_sl_framer_commit(struct vg_sl_framer *f, size_t n)
{
	f->end += n;
}

bool vg_sl_framer_pending(const struct vg_sl_framer *f)
{
	return f->end > f->start;
}

/* Drops what an earlier oversized message left; false when all is gone. */
static bool drop_remainder(struct vg_sl_framer *f)
{
	size_t have = f->end - f->start;
	if (f->skip) {
		size_t n = f->skip < have ? (size_t)f->skip : have;
		f->start += n;
		f->skip -= n;
		f->dropped += n;
		if (f->skip)
			return false;
		have = f->end - f->start;
	}
	if (f->discard_line) {
		const char *nl = memchr(f->buf + f->start, '\n', have);
		size_t n = nl ? (size_t)(nl - (f->buf + f->start)) + 1 : have;
		f->start += n;
		f->dropped += n;
		if (!nl)
			return false;
		f->discard_line = false;
	}
	return true;
}

/*
 * Reads an octet-count prefix at start: returns 1 and sets *count and *body
 * when there is one, 0 when the message is newline-delimited, -1 when more
 * bytes are needed to tell.
 */
static int count_prefix(const struct vg_sl_framer *f, bool at_eof, uint64_t *count, size_t *body)
{
	uint64_t n = 0;
	size_t i = f->start;
	while (i < f->end && isdigit((unsigned char)f->buf[i]) && i - f->start < 10) {
		n = n * 10 + (uint64_t)(f->buf[i] - '0');
		i++;
	}
	if (i == f->start)
		return 0;
	if (i == f->end)
		return at_eof ? 0 : -1;
	if (f->buf[i] != ' ')
		return 0;
	*count = n;
	*body = i + 1;
	return 1;
}

static void strip_line_end(const char *msg, size_t *len)
{
	while (*len && (msg[*len - 1] == '\n' || msg[*len - 1] == '\r'))
		(*len)--;
}

/* An octet-counted message; false when more bytes are needed. */
static bool next_counted(struct vg_sl_framer *f, bool at_eof, uint64_t count, size_t body,
                         const char **msg, size_t *len, unsigned *flags)
{
	size_t have = f->end - body;
	size_t want = count > f->max_message ? f->max_message : (size_t)count;
	if (have < want) {
		if (at_eof) { /* the sender went away mid-message */
			f->dropped += f->end - f->start;
			f->start = f->end;
		}
		return false;
	}
	*msg = f->buf + body;
	*len = want;
	*flags = 0;
	if (count > want) {
		*flags = VG_SYSLOGD_TRUNCATED;
		f->skip = count - want;
	}
	f->start = body + want;
	strip_line_end(*msg, len);
	return true;
}

/* A newline-delimited message; false when more bytes are needed. */
static bool next_line(struct vg_sl_framer *f, bool at_eof, const char **msg, size_t *len,
                      unsigned *flags)
{
	size_t have = f->end - f->start;
	size_t look = have < f->max_message + 1 ? have : f->max_message + 1;
	const char *p = f->buf + f->start;
	const char *nl = memchr(p, '\n', look);
	*msg = p;
	*flags = 0;
	if (nl) {
		*len = (size_t)(nl - p);
		f->start += *len + 1;
	} else if (have > f->max_message) {
		*len = f->max_message;
		*flags = VG_SYSLOGD_TRUNCATED;
		f->start += *len;
		f->discard_line = true;
	} else if (at_eof && have) {
		*len = have;
		f->start = f->end;
	} else {
		return false;
	}
	strip_line_end(*msg, len);
	return true;
}

bool vg_sl_framer_next(struct vg_sl_framer *f, bool at_eof, const char **msg, size_t *len,
                       unsigned *flags)
{
	for (;;) {
		if (!drop_remainder(f))
			return false;
		while (f->start < f->end && (f->buf[f->start] == '\n' || f->buf[f->start] == '\r'))
			f->start++;
		if (f->start == f->end)
			return false;
		uint64_t count = 0;
		size_t body = 0;
		int rc = count_prefix(f, at_eof, &count, &body);
		bool got;
		if (rc < 0)
			return false;
		if (rc > 0)
			got = next_counted(f, at_eof, count, body, msg, len, flags);
		else
			got = next_line(f, at_eof, msg, len, flags);
		if (!got)
			return false;
		if (*len > 0)
			return true;
	}
}
