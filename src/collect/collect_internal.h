/*
 * collect_internal.h - the collector's state, shared by the files of the
 * collect module (collector.c drives, file_tail.c tails one file,
 * journal.c reads the systemd journal). Not a public interface.
 */
#ifndef VIGIL_COLLECT_INTERNAL_H
#define VIGIL_COLLECT_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>

#include "collect/positions.h"
#include "vigil/buf.h"
#include "vigil/collect.h"

/* One configured file input (a glob pattern and how to read its files). */
struct vg_collect_input {
	char *pattern;
	enum vg_collect_format format;
	pcre2_code *start_re; /* multi-line: a matching line starts a record */
	pcre2_match_data *md;
	char join;
};

/* How many of the last bytes read are kept to recognise a copytruncate copy. */
#define VG_TAIL_FP 8192

/*
 * One tailed file. Bytes before `commit` were delivered; bytes from commit
 * to `scan` sit in `record` (multi-line only, else commit == scan); bytes
 * from scan to read_off sit in buf[head, len), not yet split into lines.
 *
 * fp holds the last fp_len bytes before read_off: after a truncation the
 * copy made by copytruncate is the file of the directory holding those
 * same bytes just before read_off, and it is read from read_off to its end
 * (fd then reads the copy, trunc_fd holds the truncated file, resumed from
 * 0 afterwards). A file replaced by rename becomes a separate tail with
 * `draining` set, read until it has been quiet for a while.
 */
struct vg_tail {
	char *path;
	struct vg_collect_input *in;
	int fd; /* -1 when not open (unreadable, retried at rescans) */
	uint64_t dev, ino;
	int64_t read_off, scan, commit;
	char *buf;
	size_t head, len, cap;
	struct vg_buf record;
	uint64_t last_data_ms; /* when data last arrived (multi-line flush) */
	uint64_t gone_ms;      /* when the path was first seen missing, else 0 */
	int64_t seen_size;     /* the file's size at the latest check */
	unsigned char fp[VG_TAIL_FP];
	size_t fp_len;
	int trunc_fd; /* -1, or the truncated file while its copy is read */
	uint64_t trunc_dev, trunc_ino;
	bool draining; /* left behind by rename: read until quiet, then dropped */
	bool seen;     /* matched by the latest glob */
	bool warned;   /* an open error was logged already */
	bool at_eof;
};

struct vg_journal;

/* A file left behind by rotation, remembered so that finding it again under
 * its new name (a glob matching rotated files too) does not re-read it. Its
 * descriptor is kept open so the inode cannot be reused by another file. */
struct vg_retired {
	int fd; /* -1 for an empty slot */
	uint64_t dev, ino;
	int64_t offset;
};
#define VG_COLLECT_RETIRED 32

struct vg_collector {
	struct vg_collect_opts opts;
	char *data_dir;
	char *pos_file; /* NULL without data_dir */
	uint64_t tag;   /* saved with the positions (vg_collector_set_tag) */
	bool has_tag;
	struct vg_positions saved;
	struct vg_collect_input **inputs;
	size_t ninputs;
	struct vg_tail **tails;
	size_t ntails, tcap;
	char **watched; /* directories under inotify */
	size_t nwatched;
	int ino_fd;
	bool initial_scan; /* true while the very first glob of an input runs */
	bool rescan_now, check_now;
	bool more; /* the last poll stopped at its budget */
	size_t rr; /* round-robin start among the tails */
	uint64_t next_rescan_ms, next_stat_ms;
	struct vg_journal *journal;
	struct vg_collect_stats stats;
	struct vg_retired retired[VG_COLLECT_RETIRED]; /* a ring */
	size_t nretired;
	/* state of the vg_collector_poll() in progress */
	vg_collect_cb cb;
	void *ctx;
	size_t budget; /* records still allowed; SIZE_MAX = unlimited */
	size_t delivered;
	unsigned cur_flags;
};

/* Monotonic milliseconds. */
uint64_t vg_collect_now_ms(void);

/* Hands one NUL-terminated record to the callback and counts it. */
void vg_collect_deliver(struct vg_collector *c, const char *location, const char *line, size_t len,
                        unsigned flags);

static inline bool vg_collect_budget_left(const struct vg_collector *c)
{
	return c->budget > 0;
}

/* Remembers where a file left behind was read up to; takes fd (closed at
 * once when the file was deleted). */
void vg_collect_retire(struct vg_collector *c, int fd, uint64_t dev, uint64_t ino, int64_t offset);
/* The offset a left-behind file was read up to (forgetting it), or -1. */
int64_t vg_collect_take_retired(struct vg_collector *c, uint64_t dev, uint64_t ino);
/* True when a tail already reads the file dev:ino. */
bool vg_collect_is_tailed(const struct vg_collector *c, uint64_t dev, uint64_t ino);
/* True when dev:ino is a file left behind and remembered by vg_collect_retire(). */
bool vg_collect_is_retired(const struct vg_collector *c, uint64_t dev, uint64_t ino);
/* Appends t (a file left behind by rotation) to the tails; takes t, even
 * on failure (VG_ENOMEM). */
int vg_collect_adopt(struct vg_collector *c, struct vg_tail *t);

/* file_tail.c */
struct vg_tail *vg_tail_create(const char *path, struct vg_collect_input *in);
void vg_tail_destroy(struct vg_tail *t);
/* Opens t->path and places the read offset (saved position, start or end).
 * Returns 0, or VG_EIO when it cannot be opened (t->fd stays -1). */
int vg_tail_open(struct vg_collector *c, struct vg_tail *t);
/* Reads and delivers what is available; when check is set and the file was
 * read to its end, looks for rotation, truncation and removal. Returns 1 when
 * the file is gone and t should be dropped, 0 otherwise, VG_ENOMEM. A
 * rotation by rename may append a draining tail to c->tails. */
int vg_tail_service(struct vg_collector *c, struct vg_tail *t, bool check);
/* Milliseconds until a pending multi-line record must be flushed or a
 * draining tail may be dropped, or -1. */
int vg_tail_timeout_ms(const struct vg_collector *c, const struct vg_tail *t, uint64_t now);

/* tail_rescue.c */
/* Adds n bytes just read to the fingerprint of the last bytes read. */
void vg_tail_fp_add(struct vg_tail *t, const char *data, size_t n);
/* Reloads the fingerprint from the bytes of t->fd before t->read_off
 * (empty when they cannot be read). */
void vg_tail_fp_load(struct vg_tail *t);
/* True when fd holds the last bytes of the fingerprint just before
 * t->read_off (false without a fingerprint). */
bool vg_tail_fp_matches(const struct vg_tail *t, int fd);
/* After t's file was truncated: opens the newest file of its directory that
 * holds the fingerprint just before t->read_off and goes on past it (the
 * copy made by copytruncate) and is not read by another tail. Returns its
 * descriptor and sets *dev, *ino, or returns -1 when there is none; then
 * *covered tells whether a copy ending before t->read_off agreed with what
 * was read (nothing was left unread). */
int vg_tail_find_copy(const struct vg_collector *c, const struct vg_tail *t, uint64_t *dev,
                      uint64_t *ino, bool *covered);

/* journal.c */
int vg_journal_create(struct vg_collector *c, struct vg_journal **out);
void vg_journal_destroy(struct vg_journal *j);
int vg_journal_add_match(struct vg_journal *j, const char *match);
int vg_journal_fd(const struct vg_journal *j);
int vg_journal_timeout_ms(const struct vg_journal *j);
/* Delivers new entries within the collector's budget. */
int vg_journal_poll(struct vg_collector *c, struct vg_journal *j);
/* Copies the cursor of the last delivered entry into the positions. */
int vg_journal_save(struct vg_journal *j, struct vg_positions *p);

#endif
