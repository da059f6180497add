/*
 * test_spool.c - unit tests of the agent's disk spool, on real files in a
 * temporary directory: sequence continuity across reopen and after
 * everything was acknowledged, deletion of acknowledged segments, the
 * max_bytes bound and its reserve, discard_after, recovery of a torn tail
 * at every cut point and of a flipped bit, the read cursor across segments
 * while appending, the lock, and the CRC32C itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transport/spool_internal.h"
#include "vigil/error.h"
#include "vigil/spool.h"

struct fixture {
	char dir[64];
	struct vg_spool_opts opts;
	struct vg_diag diag;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vg_spool_XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->opts.dir = f->dir;
	vg_diag_init(&f->diag);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		char path[384];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", f->dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	int rc = rmdir(f->dir);
	vg_diag_free(&f->diag);
	free(f);
	return rc;
}

static struct vg_spool *open_spool(struct fixture *f)
{
	struct vg_spool *s = NULL;
	vg_diag_free(&f->diag);
	vg_diag_init(&f->diag);
	assert_int_equal(vg_spool_open(&f->opts, &s, &f->diag), VG_OK);
	assert_non_null(s);
	return s;
}

/* The event text of sequence seq, of a length that varies with seq. */
static size_t event_text(uint64_t seq, char *out, size_t cap)
{
	int n = snprintf(out, cap, "Jan  1 00:00:00 host sshd[%" PRIu64 "]: event %" PRIu64 " ",
	                 seq, seq);
	size_t len = (size_t)n;
	for (uint64_t i = 0; i < seq % 23 && len + 1 < cap; i++)
		out[len++] = (char)('a' + i);
	out[len] = '\0';
	return len;
}

static uint64_t append_event(struct vg_spool *s, uint64_t expect)
{
	char text[160];
	size_t len = event_text(expect, text, sizeof(text));
	uint64_t seq = 0;
	assert_int_equal(vg_spool_append(s, 0, "/var/log/auth.log", 17, text, len, &seq), VG_OK);
	assert_int_equal(seq, expect);
	return seq;
}

static size_t record_size(uint64_t seq)
{
	char text[160];
	return SPOOL_HDR + 17 + event_text(seq, text, sizeof(text));
}

static void expect_record(struct vg_spool *s, uint64_t seq)
{
	struct vg_spool_record r;
	char text[160];
	size_t len = event_text(seq, text, sizeof(text));
	assert_int_equal(vg_spool_next(s, &r), 1);
	assert_int_equal(r.seq, seq);
	assert_int_equal(r.location_len, 17);
	assert_memory_equal(r.location, "/var/log/auth.log", 17);
	assert_int_equal(r.log_len, len);
	assert_memory_equal(r.log, text, len);
}

static void expect_end(struct vg_spool *s)
{
	struct vg_spool_record r;
	assert_int_equal(vg_spool_next(s, &r), 0);
}

static unsigned count_segments(const char *dir)
{
	unsigned n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL)
		n += strlen(de->d_name) == 24 && strstr(de->d_name, ".seg") != NULL;
	if (d)
		closedir(d);
	return n;
}

static void seg_path(const struct fixture *f, uint64_t first, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%020" PRIu64 ".seg", f->dir, first);
}

static void test_crc32c(void **state)
{
	(void)state;
	/* The check value of CRC-32C and an iSCSI test vector (32 zero bytes). */
	assert_int_equal(vg_spool_crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(vg_spool_crc32c_portable(0, "123456789", 9), 0xe3069283u);
	uint8_t zeros[32] = { 0 };
	assert_int_equal(vg_spool_crc32c(0, zeros, 32), 0x8a9136aau);
	/* Incremental use gives the same value, and both paths agree. */
	uint8_t buf[1000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint32_t whole = vg_spool_crc32c(0, buf, sizeof(buf));
	assert_int_equal(vg_spool_crc32c(vg_spool_crc32c(0, buf, 333), buf + 333, 667), whole);
	assert_int_equal(vg_spool_crc32c_portable(0, buf, sizeof(buf)), whole);
}

static void test_sequence_continuity(void **state)
{
	struct fixture *f = *state;
	struct vg_spool *s = open_spool(f);
	struct vg_spool_stats st;
	vg_spool_stats(s, &st);
	assert_int_equal(st.last_seq, 0);
	assert_int_equal(st.first_unacked, 1);
	for (uint64_t i = 1; i <= 10; i++)
		append_event(s, i);
	vg_spool_close(s);

	s = open_spool(f);
	assert_int_equal(f->diag.count, 0);
	vg_spool_stats(s, &st);
	assert_int_equal(st.last_seq, 10);
	assert_int_equal(st.appended, 0);
	for (uint64_t i = 1; i <= 10; i++)
		expect_record(s, i);
	expect_end(s);
	append_event(s, 11);
	expect_record(s, 11);
	assert_int_equal(vg_spool_ack(s, 11), VG_OK);
	vg_spool_stats(s, &st);
	assert_int_equal(st.segments, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(count_segments(f->dir), 0);
	vg_spool_close(s);

	/* Everything acknowledged and deleted: the numbering still goes on. */
	s = open_spool(f);
	vg_spool_stats(s, &st);
	assert_int_equal(st.acked, 11);
	assert_int_equal(st.last_seq, 11);
	expect_end(s);
	append_event(s, 12);
	expect_record(s, 12);
	/* An ack that goes back is ignored. */
	assert_int_equal(vg_spool_ack(s, 5), VG_OK);
	vg_spool_stats(s, &st);
	assert_int_equal(st.acked, 11);
	vg_spool_close(s);
}

static void test_ack_past_the_end(void **state)
{
	struct fixture *f = *state;
	struct vg_spool *s = open_spool(f);
	for (uint64_t i = 1; i <= 5; i++)
		append_event(s, i);
	assert_int_equal(vg_spool_discard_after(s, UINT64_MAX), VG_OK);
	assert_int_equal(vg_spool_ack(s, UINT64_MAX), VG_EINVAL);
	/* The manager has processed more than this spool handed out: new
	 * events must not be taken for duplicates. */
	assert_int_equal(vg_spool_ack(s, 1000), VG_OK);
	struct vg_spool_stats st;
	vg_spool_stats(s, &st);
	assert_int_equal(st.segments, 0);
	assert_int_equal(st.last_seq, 1000);
	expect_end(s);
	append_event(s, 1001);
	expect_record(s, 1001);
	vg_spool_close(s);
	s = open_spool(f);
	append_event(s, 1002);
	vg_spool_rewind(s, 0);
	expect_record(s, 1001);
	expect_record(s, 1002);
	expect_end(s);
	vg_spool_close(s);
}

static void test_ack_deletes_segments(void **state)
{
	struct fixture *f = *state;
	f->opts.segment_bytes = 4096;
	struct vg_spool *s = open_spool(f);
	uint64_t total = 0;
	for (uint64_t i = 1; i <= 300; i++) {
		append_event(s, i);
		total += record_size(i);
	}
	assert_int_equal(vg_spool_sync(s), VG_OK);
	struct vg_spool_stats st;
	vg_spool_stats(s, &st);
	assert_int_equal(st.bytes, total);
	assert_true(st.segments >= 5);
	assert_int_equal(count_segments(f->dir), st.segments);

	assert_int_equal(vg_spool_ack(s, 150), VG_OK);
	struct vg_spool_stats after;
	vg_spool_stats(s, &after);
	assert_true(after.segments < st.segments);
	assert_int_equal(count_segments(f->dir), after.segments);
	assert_true(after.bytes < st.bytes);
	assert_int_equal(after.first_unacked, 151);
	/* What is left starts at or before 151 and holds every later record. */
	vg_spool_rewind(s, 1);
	expect_record(s, 151);
	for (uint64_t i = 152; i <= 300; i++)
		expect_record(s, i);
	expect_end(s);
	vg_spool_close(s);

	/* The files on disk hold exactly the unacknowledged records and more
	 * of the partly acknowledged segment. */
	s = open_spool(f);
	assert_int_equal(f->diag.count, 0);
	vg_spool_stats(s, &st);
	assert_int_equal(st.bytes, after.bytes);
	assert_int_equal(st.acked, 150);
	expect_record(s, 151);
	assert_int_equal(vg_spool_ack(s, 300), VG_OK);
	vg_spool_stats(s, &st);
	assert_int_equal(st.segments, 0);
	assert_int_equal(count_segments(f->dir), 0);
	vg_spool_close(s);
}

static void test_max_bytes_and_reserve(void **state)
{
	struct fixture *f = *state;
	f->opts.max_bytes = 20000;
	struct vg_spool *s = open_spool(f);
	uint64_t seq = 0, used = 0;
	int rc;
	char text[160];
	for (;;) {
		size_t len = event_text(seq + 1, text, sizeof(text));
		uint64_t got = 0;
		rc = vg_spool_append(s, 0, "/var/log/auth.log", 17, text, len, &got);
		if (rc != VG_OK)
			break;
		assert_int_equal(got, ++seq);
		used += record_size(seq);
	}
	assert_int_equal(rc, VG_ELIMIT);
	struct vg_spool_stats st;
	vg_spool_stats(s, &st);
	assert_int_equal(st.full_refusals, 1);
	assert_int_equal(st.last_seq, seq);
	assert_int_equal(st.bytes, used);
	assert_true(used <= 20000);
	assert_true(used + record_size(seq + 1) > 20000);
	/* The reserve takes the "spool full" event, and up to 64 KiB more. */
	uint64_t got = 0;
	assert_int_equal(vg_spool_append(s, VG_SPOOL_RESERVE, "vigil", 5, "spool full", 10, &got),
	                 VG_OK);
	assert_int_equal(got, seq + 1);
	static char big[40000];
	memset(big, 'x', sizeof(big));
	assert_int_equal(vg_spool_append(s, VG_SPOOL_RESERVE, "a", 1, big, sizeof(big), &got),
	                 VG_OK);
	assert_int_equal(vg_spool_append(s, VG_SPOOL_RESERVE, "a", 1, big, sizeof(big), &got),
	                 VG_ELIMIT);
	vg_spool_stats(s, &st);
	assert_int_equal(st.last_seq, seq + 2);
	assert_int_equal(st.full_refusals, 2);
	assert_true(st.bytes <= 20000 + VG_SPOOL_RESERVE_BYTES);
	/* Too long for a record at all: refused whatever the room. */
	static char huge[VG_SPOOL_MAX_LOG + 1];
	assert_int_equal(vg_spool_append(s, VG_SPOOL_RESERVE, "a", 1, huge, sizeof(huge), &got),
	                 VG_EINVAL);
	/* Acknowledging everything frees the space. */
	assert_int_equal(vg_spool_ack(s, seq + 2), VG_OK);
	append_event(s, seq + 3);
	vg_spool_stats(s, &st);
	assert_int_equal(st.bytes, record_size(seq + 3));
	vg_spool_close(s);
}

static void test_discard_after(void **state)
{
	struct fixture *f = *state;
	f->opts.segment_bytes = 4096;
	struct vg_spool *s = open_spool(f);
	for (uint64_t i = 1; i <= 200; i++)
		append_event(s, i);
	assert_int_equal(vg_spool_discard_after(s, 500), VG_OK); /* nothing after the end */
	assert_int_equal(vg_spool_discard_after(s, 70), VG_OK);
	struct vg_spool_stats st;
	vg_spool_stats(s, &st);
	assert_int_equal(st.last_seq, 70);
	uint64_t bytes = 0;
	for (uint64_t i = 1; i <= 70; i++)
		bytes += record_size(i);
	assert_int_equal(st.bytes, bytes);
	assert_int_equal(count_segments(f->dir), st.segments);
	/* The same numbers are handed out again. */
	for (uint64_t i = 71; i <= 80; i++)
		append_event(s, i);
	for (uint64_t i = 1; i <= 80; i++)
		expect_record(s, i);
	expect_end(s);
	vg_spool_close(s);

	s = open_spool(f);
	assert_int_equal(f->diag.count, 0);
	for (uint64_t i = 1; i <= 80; i++)
		expect_record(s, i);
	expect_end(s);
	/* Discarding below the acknowledged sequence: the re-read events
	 * that the manager has are numbered but not stored. */
	assert_int_equal(vg_spool_ack(s, 60), VG_OK);
	assert_int_equal(vg_spool_discard_after(s, 55), VG_OK);
	for (uint64_t i = 56; i <= 62; i++)
		append_event(s, i);
	vg_spool_rewind(s, 1);
	expect_record(s, 61);
	expect_record(s, 62);
	expect_end(s);
	vg_spool_close(s);

	s = open_spool(f);
	assert_int_equal(f->diag.count, 0);
	expect_record(s, 61);
	expect_record(s, 62);
	expect_end(s);
	append_event(s, 63);
	vg_spool_close(s);
}

/* Reads a whole file into a malloc'd buffer. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	uint8_t *data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return data;
}

static void spit(const char *path, const uint8_t *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static void test_torn_tail_every_offset(void **state)
{
	struct fixture *f = *state;
	struct vg_spool *s = open_spool(f);
	uint64_t last_off = 0;
	for (uint64_t i = 1; i <= 8; i++) {
		append_event(s, i);
		if (i < 8)
			last_off += record_size(i);
	}
	vg_spool_close(s);
	char path[128];
	seg_path(f, 1, path, sizeof(path));
	size_t len;
	uint8_t *orig = slurp(path, &len);
	assert_int_equal(len, last_off + record_size(8));

	for (size_t cut = last_off; cut < len; cut++) {
		spit(path, orig, cut);
		s = open_spool(f);
		struct vg_spool_stats st;
		vg_spool_stats(s, &st);
		assert_int_equal(st.last_seq, 7);
		assert_int_equal(st.recovered_bytes_dropped, cut - last_off);
		assert_int_equal(f->diag.warnings, cut > last_off ? 1 : 0);
		if (cut > last_off) {
			assert_non_null(strstr(f->diag.msgs[0].file, "00000000000000000001.seg"));
			assert_non_null(strstr(f->diag.msgs[0].text, "offset"));
		}
		for (uint64_t i = 1; i <= 7; i++)
			expect_record(s, i);
		expect_end(s);
		/* The cut record's number is handed out again, and appends
		 * after the repair are read back intact. */
		append_event(s, 8);
		expect_record(s, 8);
		vg_spool_close(s);
		struct stat sb;
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal((size_t)sb.st_size, len);
	}
	/* A file holding only part of its first record goes away whole. */
	spit(path, orig, 7);
	s = open_spool(f);
	struct vg_spool_stats st;
	vg_spool_stats(s, &st);
	assert_int_equal(st.last_seq, 0);
	assert_int_equal(st.segments, 0);
	assert_int_equal(count_segments(f->dir), 0);
	expect_end(s);
	vg_spool_close(s);
	free(orig);
}

static void test_bit_flip(void **state)
{
	struct fixture *f = *state;
	f->opts.segment_bytes = 4096;
	struct vg_spool *s = open_spool(f);
	for (uint64_t i = 1; i <= 150; i++)
		append_event(s, i);
	vg_spool_close(s);
	/* Flip one bit in the log of record 5 of the first segment. */
	char path[128];
	seg_path(f, 1, path, sizeof(path));
	size_t len;
	uint8_t *data = slurp(path, &len);
	size_t off = 0;
	for (uint64_t i = 1; i < 5; i++)
		off += record_size(i);
	data[off + SPOOL_HDR + 17 + 3] ^= 0x10;
	spit(path, data, len);
	free(data);

	s = open_spool(f);
	assert_int_equal(f->diag.warnings, 1);
	assert_non_null(strstr(f->diag.msgs[0].text, "damaged"));
	struct vg_spool_stats st;
	vg_spool_stats(s, &st);
	assert_int_equal(st.last_seq, 150);
	assert_int_equal(st.recovered_bytes_dropped, len - off);
	for (uint64_t i = 1; i <= 4; i++)
		expect_record(s, i);
	/* The rest of that segment is lost; the next segment follows. */
	struct vg_spool_record r;
	assert_int_equal(vg_spool_next(s, &r), 1);
	assert_true(r.seq > 5);
	char second[128];
	seg_path(f, r.seq, second, sizeof(second));
	assert_int_equal(access(second, F_OK), 0);
	for (uint64_t i = r.seq + 1; i <= 150; i++)
		expect_record(s, i);
	expect_end(s);
	vg_spool_close(s);

	/* A flip in the header's sequence is caught as well (checksum). */
	seg_path(f, 1, path, sizeof(path));
	data = slurp(path, &len);
	data[record_size(1) + 8] ^= 0x01;
	spit(path, data, len);
	free(data);
	s = open_spool(f);
	assert_int_equal(f->diag.warnings, 1);
	expect_record(s, 1);
	assert_int_equal(vg_spool_next(s, &r), 1);
	assert_true(r.seq > 5);
	vg_spool_close(s);
}

static void test_cursor_while_appending(void **state)
{
	struct fixture *f = *state;
	f->opts.segment_bytes = 4096;
	struct vg_spool *s = open_spool(f);
	uint64_t next_append = 1, next_read = 1;
	for (int round = 0; round < 40; round++) {
		for (int k = 0; k < 7; k++)
			append_event(s, next_append++);
		for (int k = 0; k < 5 && next_read < next_append; k++)
			expect_record(s, next_read++);
	}
	while (next_read < next_append)
		expect_record(s, next_read++);
	expect_end(s);
	struct vg_spool_stats st;
	vg_spool_stats(s, &st);
	assert_true(st.segments > 3);
	/* Rewinds: back within the segment, back across segments, forward. */
	assert_int_equal(vg_spool_rewind(s, next_append - 3), VG_OK);
	expect_record(s, next_append - 3);
	assert_int_equal(vg_spool_rewind(s, 30), VG_OK);
	expect_record(s, 30);
	expect_record(s, 31);
	assert_int_equal(vg_spool_rewind(s, 200), VG_OK);
	expect_record(s, 200);
	/* Past the end: nothing yet, then the record once it is appended. */
	assert_int_equal(vg_spool_rewind(s, next_append), VG_OK);
	expect_end(s);
	append_event(s, next_append);
	expect_record(s, next_append);
	expect_end(s);
	/* An ack deleting the cursor's segment moves it on. */
	assert_int_equal(vg_spool_rewind(s, 2), VG_OK);
	expect_record(s, 2);
	assert_int_equal(vg_spool_ack(s, 100), VG_OK);
	expect_record(s, 101);
	vg_spool_close(s);
}

static void test_fsync_and_next_syncs(void **state)
{
	struct fixture *f = *state;
	f->opts.fsync = true;
	struct vg_spool *s = open_spool(f);
	append_event(s, 1);
	append_event(s, 2);
	char path[128];
	seg_path(f, 1, path, sizeof(path));
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0); /* still buffered */
	expect_record(s, 1);             /* reading writes it out first */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal((uint64_t)sb.st_size, record_size(1) + record_size(2));
	expect_record(s, 2);
	expect_end(s);
	assert_int_equal(vg_spool_sync(s), VG_OK);
	assert_int_equal(vg_spool_ack(s, 1), VG_OK);
	vg_spool_close(s);
}

static void test_lock_and_arguments(void **state)
{
	struct fixture *f = *state;
	struct vg_spool *s = open_spool(f), *t = NULL;
	assert_int_equal(vg_spool_open(&f->opts, &t, &f->diag), VG_EEXIST);
	assert_null(t);
	assert_true(f->diag.errors >= 1);
	uint64_t seq = 0;
	assert_int_equal(vg_spool_append(s, 0, NULL, 3, "x", 1, &seq), VG_EINVAL);
	static char loc[VG_SPOOL_MAX_LOCATION + 1];
	assert_int_equal(vg_spool_append(s, 0, loc, sizeof(loc), "x", 1, &seq), VG_EINVAL);
	/* Empty location and log are fine. */
	assert_int_equal(vg_spool_append(s, 0, NULL, 0, NULL, 0, &seq), VG_OK);
	assert_int_equal(seq, 1);
	struct vg_spool_record r;
	assert_int_equal(vg_spool_next(s, &r), 1);
	assert_int_equal(r.location_len + r.log_len, 0);
	vg_spool_close(s);
	vg_spool_close(NULL);
	struct vg_spool_opts none = { 0 };
	assert_int_equal(vg_spool_open(&none, &t, NULL), VG_EINVAL);
	/* After close the lock is free again. */
	s = open_spool(f);
	vg_spool_close(s);
}

static void test_foreign_files_and_bad_state(void **state)
{
	struct fixture *f = *state;
	struct vg_spool *s = open_spool(f);
	for (uint64_t i = 1; i <= 5; i++)
		append_event(s, i);
	assert_int_equal(vg_spool_ack(s, 2), VG_OK);
	vg_spool_close(s);
	char path[128];
	snprintf(path, sizeof(path), "%s/notes.txt", f->dir);
	spit(path, (const uint8_t *)"hello", 5);
	snprintf(path, sizeof(path), "%s/00000000000000000000.seg", f->dir);
	spit(path, (const uint8_t *)"zero", 4);
	s = open_spool(f);
	assert_int_equal(f->diag.count, 0);
	expect_record(s, 3);
	vg_spool_close(s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/notes.txt", f->dir);
	unlink(path);

	snprintf(path, sizeof(path), "%s/state", f->dir);
	spit(path, (const uint8_t *)"vigil spool state 1\nacked 1x\n", 29);
	s = open_spool(f);
	assert_int_equal(f->diag.warnings, 1);
	expect_record(s, 1); /* sent again rather than lost */
	vg_spool_close(s);
}

static void test_crash_before_segment_deletion(void **state)
{
	struct fixture *f = *state;
	f->opts.segment_bytes = 4096;
	struct vg_spool *s = open_spool(f);
	for (uint64_t i = 1; i <= 300; i++)
		append_event(s, i);
	vg_spool_close(s);
	unsigned before = count_segments(f->dir);
	/* The state was saved but the covered segments were not deleted yet. */
	char path[128];
	snprintf(path, sizeof(path), "%s/state", f->dir);
	const char *text = "vigil spool state 1\nacked 250\n";
	spit(path, (const uint8_t *)text, strlen(text));
	s = open_spool(f);
	assert_int_equal(f->diag.count, 0);
	unsigned after = count_segments(f->dir);
	assert_true(after < before);
	struct vg_spool_stats st;
	vg_spool_stats(s, &st);
	assert_int_equal(st.segments, after);
	assert_int_equal(st.acked, 250);
	assert_int_equal(st.last_seq, 300);
	for (uint64_t i = 251; i <= 300; i++)
		expect_record(s, i);
	expect_end(s);
	vg_spool_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test_setup_teardown(test_sequence_continuity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_past_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_deletes_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_bytes_and_reserve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_every_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bit_flip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_while_appending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsync_and_next_syncs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_and_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_files_and_bad_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_before_segment_deletion, setup,
		                                teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
