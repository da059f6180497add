/*
 * fuzz_spool.c - libFuzzer target for the spool's recovery of a damaged
 * segment. The input's first byte is a mode, the rest is written as the
 * segment file 00000000000000000001.seg of a fresh spool directory:
 *   bit 0  recompute the checksum of every record whose header fits, so
 *          that lengths, magic and sequence numbers get explored too;
 *   bit 1  also write a state file acknowledging (mode >> 2).
 * The spool is opened and read: records must come with increasing
 * sequences and lie within the file; one more append must get the next
 * number and read back; and a second open must find nothing to repair and
 * return the same records.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/spool_internal.h"
#include "vigil/error.h"
#include "vigil/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	if (!fp)
		abort();
	if (len && fwrite(data, 1, len, fp) != len)
		abort();
	fclose(fp);
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		char path[384];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void fix_checksums(uint8_t *p, size_t len)
{
	size_t off = 0;
	while (len - off >= SPOOL_HDR) {
		uint8_t *h = p + off;
		size_t log_len =
		    (size_t)h[4] | (size_t)h[5] << 8 | (size_t)h[6] << 16 | (size_t)h[7] << 24;
		size_t rec = SPOOL_HDR + ((size_t)h[16] | (size_t)h[17] << 8) + log_len;
		if (log_len > VG_SPOOL_MAX_LOG || rec > len - off)
			break;
		uint32_t crc = vg_spool_crc32c(0, h + 4, rec - 4);
		for (int i = 0; i < 4; i++)
			h[i] = (uint8_t)(crc >> (8 * i));
		off += rec;
	}
}

/* Reads every record; returns how many, checking their order. */
static uint64_t read_all(struct vg_spool *s, uint64_t *last)
{
	struct vg_spool_record r;
	uint64_t n = 0, prev = 0;
	int rc;
	while ((rc = vg_spool_next(s, &r)) == 1) {
		if (r.seq <= prev || r.location_len > VG_SPOOL_MAX_LOCATION ||
		    r.log_len > VG_SPOOL_MAX_LOG)
			abort();
		prev = r.seq;
		n++;
	}
	if (rc != 0)
		abort();
	*last = prev;
	return n;
}

static void run(const char *dir, int mode)
{
	struct vg_spool_opts o = { .dir = dir, .segment_bytes = 4096 };
	struct vg_spool *s;
	struct vg_diag diag;
	vg_diag_init(&diag);
	if (vg_spool_open(&o, &s, &diag) != VG_OK)
		abort();
	vg_diag_free(&diag);
	struct vg_spool_stats st;
	vg_spool_stats(s, &st);
	uint64_t last, n = read_all(s, &last);
	if (last > st.last_seq || (mode & 2 && st.acked < (uint64_t)(mode >> 2)))
		abort();
	uint64_t seq;
	if (vg_spool_append(s, 0, "fuzz", 4, "appended", 8, &seq) != VG_OK ||
	    seq != st.last_seq + 1)
		abort();
	struct vg_spool_record r;
	if (vg_spool_next(s, &r) != 1 || r.seq != seq || r.log_len != 8 ||
	    memcmp(r.log, "appended", 8) != 0)
		abort();
	vg_spool_close(s);

	vg_diag_init(&diag);
	if (vg_spool_open(&o, &s, &diag) != VG_OK || diag.count != 0)
		abort();
	vg_diag_free(&diag);
	uint64_t last2, n2 = read_all(s, &last2);
	if (n2 != n + 1 || last2 != seq)
		abort();
	vg_spool_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (4u << 20))
		return 0;
	int mode = data[0];
	uint8_t *seg = malloc(size);
	if (!seg)
		return 0;
	memcpy(seg, data + 1, size - 1);
	if (mode & 1)
		fix_checksums(seg, size - 1);
	/* tmpfs when there is one: creating and removing directories on a
	 * disk file system costs milliseconds. */
	char dir[64];
	snprintf(dir, sizeof(dir), "%s/vg_fuzz_spool_XXXXXX",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	write_file(dir, "00000000000000000001.seg", seg, size - 1);
	if (mode & 2) {
		char state[64];
		int len =
		    snprintf(state, sizeof(state), "vigil spool state 1\nacked %d\n", mode >> 2);
		write_file(dir, "state", state, (size_t)len);
	}
	run(dir, mode);
	remove_dir(dir);
	free(seg);
	return 0;
}
