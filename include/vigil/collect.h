/*
 * collect.h - log collection for the single-host `vigil run`.
 *
 * A collector tails files named by glob patterns (following rename and
 * copytruncate rotation, files that appear later and files that go away)
 * and reads the systemd journal, handing every complete line to a callback
 * with its location (the file path, or "journald"). Read positions are kept
 * in the data directory so a restart neither loses nor repeats lines. The
 * collector owns no thread: the caller waits on vg_collector_fds() (inotify
 * and journal descriptors) with vg_collector_timeout_ms() as the timeout and
 * then calls vg_collector_poll().
 */
#ifndef VIGIL_COLLECT_H
#define VIGIL_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How the lines of a file make records. */
enum vg_collect_format {
	VG_COLLECT_SYSLOG,    /* one record per line (also any plain text log) */
	VG_COLLECT_JSON,      /* one JSON object per line */
	VG_COLLECT_MULTILINE, /* a line matching multiline_regex starts a record */
};

/* Location reported for journal entries. */
#define VG_COLLECT_JOURNAL_LOCATION "journald"

/* Flag returned by vg_collector_line_flags(): the line was longer than
 * max_line and this is one piece of it (every piece but the last). */
#define VG_COLLECT_LINE_SPLIT 0x1u

struct vg_collect_opts {
	const char *data_dir;          /* positions file lives here; NULL = none kept */
	size_t max_line;               /* longest record delivered whole; 0 = 65536 */
	unsigned rescan_interval_ms;   /* re-glob every ...; 0 = every poll */
	unsigned stat_interval_ms;     /* rotation check without inotify; 0 = every poll */
	unsigned multiline_flush_ms;   /* a pending multi-line record is sent after
	                                 this much quiet; 0 = 1000 */
	bool read_existing_from_start; /* files found at the very first start are read
	                                  from the beginning (default: only new lines) */
	bool no_inotify;               /* rely on the periodic stat only */
};

/* Sets the defaults: no data_dir, 64 KiB lines, rescan 5 s, stat 1 s. */
void vg_collect_opts_init(struct vg_collect_opts *o);

struct vg_collect_file_opts {
	enum vg_collect_format format;
	const char *multiline_regex; /* PCRE2, for VG_COLLECT_MULTILINE */
	char multiline_join;         /* put between joined lines; 0 = ' ' */
};

struct vg_collector;

/*
 * Delivered lines: location and line are valid only during the call; line
 * is NUL-terminated at len and carries no trailing newline.
 */
typedef void (*vg_collect_cb)(void *ctx, const char *location, const char *line, size_t len);

/*
 * Creates a collector and loads the saved positions from opts->data_dir (a
 * missing or unreadable positions file is not an error: a warning is logged
 * when it is unreadable). *out is owned by the caller (vg_collector_destroy).
 * On failure *out is NULL and a VG_E* value is returned.
 */
int vg_collector_create(const struct vg_collect_opts *opts, struct vg_collector **out);

/* Stops collecting; does not save positions (call vg_collector_save_positions
 * first). NULL-safe. */
void vg_collector_destroy(struct vg_collector *c);

/*
 * Adds a file input: every regular file matching the glob pattern is tailed.
 * fo may be NULL (syslog lines). Matching files are opened at once; a file
 * that cannot be read is reported with a warning and retried at each rescan.
 * Returns VG_EINVAL for a bad multiline regex, VG_ENOMEM.
 */
int vg_collector_add_file(struct vg_collector *c, const char *glob_pattern,
                          const struct vg_collect_file_opts *fo);

/*
 * Adds the local systemd journal. match is NULL (every entry) or a
 * "FIELD=value" match; several calls with matches are OR-ed. The first
 * start reads from the tail; later starts resume after the saved cursor.
 * Returns VG_EIO when the journal cannot be opened.
 */
int vg_collector_add_journal(struct vg_collector *c, const char *match);

/*
 * Writes up to cap descriptors to wait on for reading (POLLIN / EPOLLIN) and
 * returns how many there are (which may exceed cap). The set changes only
 * when inputs are added.
 */
size_t vg_collector_fds(const struct vg_collector *c, int *fds, size_t cap);

/* Milliseconds until vg_collector_poll() should be called even when no
 * descriptor is ready (stat fallback, rescans, multi-line flush). */
int vg_collector_timeout_ms(const struct vg_collector *c);

/*
 * Reads what is available and calls cb for each complete record, at most
 * max_lines of them (0 = no limit); the rest stays for the next call.
 * Returns the number of records delivered, or a negative VG_E* value.
 * Unreadable files are logged and skipped, never an error.
 */
int vg_collector_poll(struct vg_collector *c, vg_collect_cb cb, void *ctx, size_t max_lines);

/* During a callback: VG_COLLECT_LINE_SPLIT when the record is a piece of a
 * longer one, else 0. */
unsigned vg_collector_line_flags(const struct vg_collector *c);

/*
 * Writes the position after the last delivered record of every input to
 * <data_dir>/collector.pos (written to a temporary file, synced and renamed).
 * Returns 0 (also when no data_dir was given) or VG_EIO.
 */
int vg_collector_save_positions(struct vg_collector *c);

/*
 * A number saved with the positions (the agent stores the spool sequence
 * of the last record it spooled, so that after a crash it knows which
 * spooled records the saved positions already cover).
 * vg_collector_saved_tag() returns the tag found when the collector was
 * created, and whether there was one.
 */
void vg_collector_set_tag(struct vg_collector *c, uint64_t tag);
bool vg_collector_saved_tag(const struct vg_collector *c, uint64_t *tag);

/* Counters for status output. */
struct vg_collect_stats {
	unsigned long long lines, bytes, split_lines, rotations, truncations, open_errors;
	size_t files_open;
	unsigned long long copies_read; /* truncations whose unread rest was read
	                                   from the copy (copytruncate) */
};
void vg_collector_stats(const struct vg_collector *c, struct vg_collect_stats *out);

#ifdef __cplusplus
}
#endif
#endif
