/*
 * spool_internal.h - what the spool's files (spool.c: appending, syncing,
 * acknowledging; spool_scan.c: the directory, the state file and recovery;
 * spool_read.c: the record reader and the read cursor; spool_crc.c: the
 * checksum) share: the record layout, the segment list and struct vg_spool.
 *
 * A record, all integers little-endian:
 *
 *   offset size  field
 *   0      4     CRC32C of bytes 4 .. end of the record
 *   4      4     log length (at most VG_SPOOL_MAX_LOG)
 *   8      8     sequence number
 *   16     2     location length
 *   18     2     magic 0x5356 ("VS")
 *   20     ...   location bytes, then log bytes
 *
 * Records of one segment have consecutive sequence numbers, the first one
 * being the number in the file name.
 */
#ifndef VIGIL_SPOOL_INTERNAL_H
#define VIGIL_SPOOL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/spool.h"

#define SPOOL_HDR       20
#define SPOOL_MAGIC     0x5356u
#define SPOOL_NAME_LEN  24 /* 20 digits + ".seg" */
#define SPOOL_STATE     "state"
#define SPOOL_STATE_TMP "state.tmp"
#define SPOOL_LOCK      "lock"

/* One segment file. */
struct spool_seg {
	uint64_t first; /* the sequence in the file name */
	uint64_t last;  /* sequence of the last record; first - 1 when empty */
	uint64_t size;  /* bytes of whole records, buffered ones included */
};

/* A buffered reader of one segment file, by absolute offsets. */
struct spool_reader {
	int fd;
	uint8_t *buf;
	size_t cap;
	uint64_t buf_off; /* file offset of buf[0] */
	size_t buf_len;
};

/* A decoded record header. */
struct spool_hdr {
	uint32_t crc;
	uint32_t log_len;
	uint64_t seq;
	uint16_t loc_len;
	uint16_t magic;
};

struct vg_spool {
	int dirfd;
	int lockfd;
	char *dir; /* for messages */
	bool fsync;
	uint64_t max_bytes;
	uint64_t seg_bytes; /* effective segment size */

	struct spool_seg *segs; /* ascending by first */
	size_t nsegs, segs_cap;
	uint64_t bytes; /* sum of the segments' sizes */

	/* The active segment (the last one) when wfd >= 0. */
	int wfd;
	uint8_t *wbuf;
	size_t wlen, wcap;
	uint64_t written; /* bytes of the active segment handed to write(2) */
	uint64_t durable; /* bytes of the active segment as durable as opts.fsync asks */
	bool dir_dirty;   /* a segment was created or deleted since the last directory sync */

	uint64_t next_seq;
	uint64_t acked;      /* in memory */
	uint64_t acked_disk; /* in the state file */

	/* The read cursor. */
	uint64_t rd_next;  /* sequence wanted next */
	uint64_t rd_first; /* segment the reader is in (its first sequence); 0: none */
	uint64_t rd_off;   /* offset of the next record in that segment */
	uint64_t rd_at;    /* sequence of the record at rd_off */
	struct spool_reader rd;

	uint64_t appended, full_refusals, dropped;
};

/* spool_crc.c */
uint32_t vg_spool_crc32c(uint32_t crc, const void *data, size_t len);
uint32_t vg_spool_crc32c_portable(uint32_t crc, const void *data, size_t len);

/* spool_read.c */
void spool_reader_init(struct spool_reader *r);
void spool_reader_close(struct spool_reader *r);
void spool_reader_free(struct spool_reader *r);
/* Makes [off, off + n) of the file available at *p: 1, 0 when the file ends first, <0 error. */
int spool_reader_get(struct spool_reader *r, uint64_t off, size_t n, const uint8_t **p);
void spool_hdr_decode(const uint8_t *p, struct spool_hdr *h);
/* Checks a header's fields (not the checksum); returns the record's size or 0 if invalid. */
uint64_t spool_hdr_check(const struct spool_hdr *h);
/* Reads and checks the whole record at off: 1 with *p set, 0 torn, VG_EPARSE damaged, <0 error. */
int spool_record_read(struct spool_reader *r, uint64_t off, struct spool_hdr *h, const uint8_t **p);
void spool_cursor_reset(struct vg_spool *s);

/* spool_scan.c */
void spool_seg_name(char *out, size_t outlen, uint64_t first);
int spool_load_state(struct vg_spool *s, struct vg_diag *diag);
int spool_save_state(struct vg_spool *s, uint64_t acked);
int spool_list_segments(struct vg_spool *s);
int spool_recover(struct vg_spool *s, struct vg_diag *diag);
/* Offset of the first record with sequence > seq in segment i (its size when none). */
int spool_find_offset(struct vg_spool *s, size_t i, uint64_t seq, uint64_t *off);
/* Index of the segment holding seq (the last one whose first <= seq), 0 when before all. */
size_t spool_seg_find(const struct vg_spool *s, uint64_t seq);

/* spool.c */
int spool_flush(struct vg_spool *s);
void spool_remove_seg(struct vg_spool *s, size_t i);

#endif
