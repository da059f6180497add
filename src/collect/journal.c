/*
 * journal.c - the systemd journal input. Entries are read with sd_journal
 * and rewritten as the classic syslog line "Mmm dd hh:mm:ss host
 * prog[pid]: message" so the pre-decoder and decoders see what they would
 * see in /var/log/syslog. The first start begins at the tail of the
 * journal; the cursor of the last delivered entry is saved with the file
 * positions and later starts resume right after it.
 */
#include "collect/collect_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "vigil/error.h"
#include "vigil/log.h"

struct vg_journal {
	sd_journal *j;
	int fd;
	char *cursor; /* of the last delivered entry (or the saved one) */
	struct vg_buf line;
};

/* Finds FIELD in the current entry; val and len get the value (not
 * NUL-terminated). Returns false when absent. */
static bool get_field(sd_journal *j, const char *field, const char **val, size_t *len)
{
	const void *data;
	size_t size;
	size_t flen = strlen(field);
	if (sd_journal_get_data(j, field, &data, &size) < 0 || size <= flen)
		return false;
	*val = (const char *)data + flen + 1;
	*len = size - flen - 1;
	return true;
}

/* Positions the journal after the saved cursor, or at its tail. */
static void seek_start(struct vg_journal *jr, const char *cursor)
{
	if (cursor && sd_journal_seek_cursor(jr->j, cursor) >= 0) {
		int r = sd_journal_next(jr->j);
		if (r > 0 && sd_journal_test_cursor(jr->j, cursor) <= 0)
			sd_journal_previous(jr->j); /* saved entry is gone: keep this one */
		if (r >= 0)
			return;
	}
	sd_journal_seek_tail(jr->j);
	sd_journal_previous(jr->j);
}

int vg_journal_create(struct vg_collector *c, struct vg_journal **out)
{
	*out = NULL;
	struct vg_journal *jr = calloc(1, sizeof(*jr));
	if (!jr)
		return VG_ENOMEM;
	jr->fd = -1;
	vg_buf_init(&jr->line, 0);
	int r = sd_journal_open(&jr->j, SD_JOURNAL_LOCAL_ONLY);
	if (r < 0) {
		vg_warn("cannot open the systemd journal: %s", strerror(-r));
		vg_journal_destroy(jr);
		return VG_EIO;
	}
	const char *saved = c->saved.journal_cursor;
	if (saved && !(jr->cursor = strdup(saved))) {
		vg_journal_destroy(jr);
		return VG_ENOMEM;
	}
	jr->fd = sd_journal_get_fd(jr->j);
	if (jr->fd < 0)
		vg_warn("no journal descriptor to wait on (%s); polling it", strerror(-jr->fd));
	seek_start(jr, saved);
	*out = jr;
	return VG_OK;
}

void vg_journal_destroy(struct vg_journal *jr)
{
	if (!jr)
		return;
	if (jr->j)
		sd_journal_close(jr->j);
	vg_buf_free(&jr->line);
	free(jr->cursor);
	free(jr);
}

int vg_journal_add_match(struct vg_journal *jr, const char *match)
{
	if (!strchr(match, '='))
		return VG_EINVAL;
	int r = sd_journal_add_match(jr->j, match, 0);
	if (r >= 0)
		r = sd_journal_add_disjunction(jr->j);
	return r < 0 ? VG_EINVAL : VG_OK;
}

int vg_journal_fd(const struct vg_journal *jr)
{
	return jr->fd;
}

int vg_journal_timeout_ms(const struct vg_journal *jr)
{
	uint64_t usec;
	if (jr->fd < 0)
		return 1000;
	if (sd_journal_get_timeout(jr->j, &usec) < 0 || usec == UINT64_MAX)
		return -1;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	if (usec <= now)
		return 0;
	uint64_t ms = (usec - now + 999) / 1000;
	return ms > 60000 ? 60000 : (int)ms;
}

/* Appends the message with line breaks and other controls made spaces. */
static int add_message(struct vg_buf *b, const char *msg, size_t len)
{
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	int rc = VG_OK;
	for (size_t i = 0; i < len && rc == VG_OK; i++) {
		unsigned char ch = (unsigned char)msg[i];
		rc = vg_buf_addc(b, ch < 0x20 && ch != '\t' ? ' ' : (char)ch);
	}
	return rc;
}

/* Builds "Mmm dd hh:mm:ss host prog[pid]: message" for the current entry.
 * Returns VG_ENOENT for an entry without a message. */
static int format_entry(sd_journal *j, struct vg_buf *b)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char *msg = NULL, *host = NULL, *prog = NULL, *pid = NULL;
	size_t msg_len = 0, host_len = 0, prog_len = 0, pid_len = 0;
	if (!get_field(j, "MESSAGE", &msg, &msg_len))
		return VG_ENOENT;
	if (!get_field(j, "_HOSTNAME", &host, &host_len))
		host = "localhost", host_len = 9;
	if (!get_field(j, "SYSLOG_IDENTIFIER", &prog, &prog_len) &&
	    !get_field(j, "_COMM", &prog, &prog_len))
		prog = "unknown", prog_len = 7;
	bool has_pid =
	    get_field(j, "SYSLOG_PID", &pid, &pid_len) || get_field(j, "_PID", &pid, &pid_len);
	uint64_t usec = 0;
	sd_journal_get_realtime_usec(j, &usec);
	time_t secs = (time_t)(usec / 1000000u);
	struct tm tm;
	if (!localtime_r(&secs, &tm))
		memset(&tm, 0, sizeof(tm));
	vg_buf_reset(b);
	int rc = vg_buf_printf(b, "%s %2d %02d:%02d:%02d %.*s %.*s", months[tm.tm_mon % 12],
	                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)host_len, host,
	                       (int)prog_len, prog);
	if (rc == VG_OK && has_pid)
		rc = vg_buf_printf(b, "[%.*s]", (int)pid_len, pid);
	if (rc == VG_OK)
		rc = vg_buf_addstr(b, ": ");
	if (rc == VG_OK)
		rc = add_message(b, msg, msg_len);
	return rc;
}

/* Delivers the line, in max_line pieces when it is longer. */
static void deliver_line(struct vg_collector *c, struct vg_buf *b)
{
	size_t max = c->opts.max_line;
	char *s = b->data;
	size_t len = b->len;
	while (len > max) {
		char saved = s[max];
		s[max] = '\0';
		vg_collect_deliver(c, VG_COLLECT_JOURNAL_LOCATION, s, max, VG_COLLECT_LINE_SPLIT);
		s[max] = saved;
		s += max;
		len -= max;
	}
	vg_collect_deliver(c, VG_COLLECT_JOURNAL_LOCATION, s, len, 0);
}

int vg_journal_poll(struct vg_collector *c, struct vg_journal *jr)
{
	sd_journal_process(jr->j);
	while (vg_collect_budget_left(c)) {
		int r = sd_journal_next(jr->j);
		if (r < 0) {
			vg_warn("reading the journal failed: %s", strerror(-r));
			break;
		}
		if (r == 0)
			break;
		int rc = format_entry(jr->j, &jr->line);
		if (rc == VG_ENOMEM)
			return rc;
		if (rc == VG_OK && jr->line.len)
			deliver_line(c, &jr->line);
		char *cur = NULL;
		if (sd_journal_get_cursor(jr->j, &cur) >= 0) {
			free(jr->cursor);
			jr->cursor = cur;
		}
	}
	return VG_OK;
}

int vg_journal_save(struct vg_journal *jr, struct vg_positions *p)
{
	return vg_positions_set_cursor(p, jr->cursor);
}
