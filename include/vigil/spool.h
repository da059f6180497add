/*
 * spool.h - the agent's disk spool: an append-only, checksummed log of the
 * events an agent has read and not yet seen acknowledged by its manager.
 *
 * Every event is appended to the spool and gets the next sequence number
 * (the first ever is 1; numbers never go back, also across restarts and
 * after everything was acknowledged and deleted). The sender reads the
 * records through a cursor, independent of acknowledgements, and the
 * manager's ACK frames are passed to vg_spool_ack(), which persists the
 * acknowledged sequence and deletes the segment files wholly covered by it.
 *
 * On disk, a directory holds segment files named by the sequence of their
 * first record ("00000000000000000001.seg"), a state file ("state") with
 * the acknowledged sequence, and a lock file that keeps a second process
 * out. Every record carries a CRC32C; at open every segment is checked and
 * a torn tail (a crash in the middle of a write) or a damaged record cuts
 * the segment at the last good record, with a warning naming the file, the
 * offset and the bytes dropped. See docs/spool.md for the format.
 *
 * A struct vg_spool is not thread-safe: one thread (the agent's loop) owns it.
 */
#ifndef VIGIL_SPOOL_H
#define VIGIL_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vg_spool;

struct vg_spool_opts {
	const char *dir;    /* created if missing (0700); holds segment files and the ack state */
	uint64_t max_bytes; /* bound on the spool's bytes on disk; 0 = 256 MiB */
	uint64_t segment_bytes; /* a segment is closed and a new one started past this; 0 = 8 MiB */
	bool fsync;             /* vg_spool_sync() also fdatasyncs (default true in the agent) */
};

#define VG_SPOOL_MAX_BYTES     (256ull << 20)
#define VG_SPOOL_SEGMENT_BYTES (8ull << 20)
#define VG_SPOOL_RESERVE_BYTES (64u << 10)
/* The longest log and location a record holds (what one EVENTS record can carry). */
#define VG_SPOOL_MAX_LOG      (1u << 20)
#define VG_SPOOL_MAX_LOCATION 65535u

#define VG_SPOOL_RESERVE                                                                           \
	0x1u /* flag: may use a 64 KiB reserve beyond max_bytes (the "spool full" event) */

struct vg_spool_record {
	uint64_t seq;
	const char *location; /* not NUL-terminated */
	size_t location_len;
	const char *log; /* not NUL-terminated */
	size_t log_len;
};

struct vg_spool_stats {
	uint64_t first_unacked;           /* acked + 1 */
	uint64_t last_seq;                /* the last sequence handed out (0: none yet) */
	uint64_t acked;                   /* everything up to this is acknowledged */
	uint64_t bytes;                   /* bytes of the segment files (what max_bytes bounds) */
	uint64_t segments;                /* segment files */
	uint64_t appended;                /* appends since open */
	uint64_t full_refusals;           /* appends refused with VG_ELIMIT since open */
	uint64_t recovered_bytes_dropped; /* torn or damaged bytes cut off since open */
};

/*
 * Opens (creating if needed) the spool in o->dir, checks and repairs every
 * segment, and restores the acknowledged sequence. Repairs are reported as
 * warnings in diag (may be NULL: they then go to the log); a fatal problem
 * as an error. On success *out is the caller's, to be freed with
 * vg_spool_close(). Errors: VG_EINVAL (no dir), VG_EIO (cannot create or
 * read the directory), VG_EEXIST (another process has the spool open),
 * VG_ENOMEM. Nothing is left open on failure.
 */
int vg_spool_open(const struct vg_spool_opts *o, struct vg_spool **out, struct vg_diag *diag);

/* Syncs (as vg_spool_sync()) and frees everything. NULL-safe. */
void vg_spool_close(struct vg_spool *s);

/*
 * Appends one event and gives it the next sequence number in *seq (may be
 * NULL). The record is buffered in memory until vg_spool_sync() (or a full
 * buffer, or the cursor reaching it) writes it. VG_ELIMIT when it would
 * take the spool past max_bytes (unless flags has VG_SPOOL_RESERVE and the
 * 64 KiB reserve holds it); VG_EINVAL for a location longer than 65535 or
 * a log longer than VG_SPOOL_MAX_LOG bytes; VG_EIO when writing earlier
 * buffered records failed. Nothing is appended on any error.
 */
int vg_spool_append(struct vg_spool *s, unsigned flags, const char *location, size_t location_len,
                    const char *log, size_t log_len, uint64_t *seq);

/*
 * Writes the buffered appends with write(2), and with opts.fsync also
 * fdatasyncs the segment (and the directory after a new segment). VG_EIO on
 * failure; the records not written stay buffered and a later call retries.
 */
int vg_spool_sync(struct vg_spool *s);

/*
 * Drops every record with sequence > seq; the next append gets seq + 1.
 * Used at agent start when the collectors' saved read positions are older
 * than the spool's end: those events will be read again and get the same
 * numbers. When seq is below the acknowledged sequence, appends numbered
 * up to the acknowledged one are counted but not stored (the manager has
 * them already). The read cursor is moved back to seq + 1 if it was past.
 */
int vg_spool_discard_after(struct vg_spool *s, uint64_t seq);

/*
 * The read cursor, independent of acknowledgements. vg_spool_rewind()
 * moves it to the first record with sequence >= seq (records already
 * acknowledged are skipped). vg_spool_next() returns 1 and fills *rec
 * (pointers valid until the next call on s), 0 when no more records are
 * available yet (records appended later are returned by later calls), or
 * <0: VG_EIO, or VG_EPARSE when a record was damaged after the spool was
 * opened. Before returning a record still in the write buffer, next()
 * syncs it (with fdatasync when opts.fsync), so the sender never sends an
 * event that a crash could lose. Sequences normally increase by one; a gap
 * follows a damaged record that recovery cut off.
 */
int vg_spool_rewind(struct vg_spool *s, uint64_t seq);
int vg_spool_next(struct vg_spool *s, struct vg_spool_record *rec);

/*
 * Everything up to and including seq is acknowledged: the state file is
 * atomically replaced, segments wholly <= seq are deleted and their bytes
 * freed for max_bytes. Acks never go back (a lower seq is ignored). An ack
 * past the last sequence handed out (the manager knows more than this
 * spool, e.g. after a lost spool) acknowledges everything and makes the next
 * append continue after seq. VG_EIO when the state cannot be saved; no
 * segment is then deleted.
 */
int vg_spool_ack(struct vg_spool *s, uint64_t seq);

/* Fills *out with the current figures. */
void vg_spool_stats(const struct vg_spool *s, struct vg_spool_stats *out);

#ifdef __cplusplus
}
#endif
#endif
