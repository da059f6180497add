/*
 * fuzz_syslogd.c - libFuzzer target for the syslog receiver's byte handling:
 * arbitrary bytes go through the TCP framer (message size limit and read
 * chunk size taken from the first two bytes) and every message through the
 * RFC 3164/5424 header rewriting. Messages never exceed the limit, every
 * input byte is delivered or counted as dropped at most once, and the
 * rewritten line is a string of exactly its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/syslogd_int.h"
#include "vigil/syslogd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *msg, size_t len, bool keep_sd, struct vg_buf *out)
{
	if (vg_sl_format(msg, len, keep_sd, 1700000000, out) != 0)
		abort();
	if (strlen(vg_buf_str(out)) != out->len || out->len > len + 64)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t max = 1 + data[0] % 200;
	size_t chunk = 1 + data[1] % 64;
	bool keep_sd = data[1] & 0x80;
	data += 2;
	size -= 2;
	struct vg_sl_framer f;
	struct vg_buf out;
	if (vg_sl_framer_init(&f, max))
		return 0;
	vg_buf_init(&out, 0);
	size_t off = 0, delivered = 0;
	for (;;) {
		const char *m;
		size_t len;
		unsigned flags;
		bool eof = off == size;
		while (vg_sl_framer_next(&f, eof, &m, &len, &flags)) {
			if (len == 0 || len > max || (flags & ~VG_SYSLOGD_TRUNCATED))
				abort();
			delivered += len;
			check_line(m, len, keep_sd, &out);
		}
		if (eof)
			break;
		size_t avail;
		char *p = vg_sl_framer_space(&f, &avail);
		if (!avail)
			abort(); /* a full buffer must always yield a message */
		size_t k = size - off < chunk ? size - off : chunk;
		k = k < avail ? k : avail;
		memcpy(p, data + off, k);
		vg_sl_framer_commit(&f, k);
		off += k;
	}
	if (delivered + f.dropped > size)
		abort();
	/* the whole input as one datagram, as UDP delivers it */
	check_line((const char *)data, size, keep_sd, &out);
	vg_buf_free(&out);
	vg_sl_framer_free(&f);
	return 0;
}
