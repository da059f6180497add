/*
 * fuzz_frame.c - libFuzzer target for the agent/manager frame codec: the
 * input is a byte stream decoded frame after frame, as a receiver does.
 * Every frame decoded must lie within the input and encode back to the
 * same bytes; the records of an EVENTS payload are iterated, and when they
 * all parse, building the payload again gives the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/buf.h"
#include "vigil/error.h"
#include "vigil/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_events(const struct vg_frame *fr)
{
	struct vg_buf b;
	vg_buf_init(&b, 0);
	size_t mark;
	if (vg_frame_events_begin(&b, fr->seq, &mark) != VG_OK)
		goto out;
	struct vg_frame_event_iter it;
	struct vg_frame_event ev;
	vg_frame_events_iter(&it, fr);
	int rc;
	while ((rc = vg_frame_events_next(&it, &ev)) == 1) {
		const char *end = (const char *)fr->payload + fr->length;
		if (ev.location < (const char *)fr->payload ||
		    ev.location + ev.location_len > end || ev.log < ev.location ||
		    ev.log + ev.log_len > end || ev.log_len > VG_FRAME_MAX_EVENT)
			abort();
		if (vg_frame_events_add(&b, ev.location, ev.location_len, ev.log, ev.log_len) !=
		    VG_OK)
			abort();
	}
	if (rc == 0) {
		if (vg_frame_events_end(&b, mark) != VG_OK)
			abort();
		if (b.len != VG_FRAME_HEADER + fr->length ||
		    memcmp(b.data + VG_FRAME_HEADER, fr->payload, fr->length) != 0)
			abort();
	} else if (rc != VG_EPARSE) {
		abort();
	}
out:
	vg_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first byte picks the receiver's payload limit. */
	if (size < 1)
		return 0;
	uint32_t limit = data[0] & 1 ? VG_FRAME_MAX : (uint32_t)data[0] * 16;
	data++;
	size--;
	size_t off = 0;
	while (off < size) {
		struct vg_frame fr;
		long n = vg_frame_decode(data + off, size - off, limit, &fr);
		if (n == 0 || n == VG_EPARSE || n == VG_ELIMIT)
			break;
		if (n < VG_FRAME_HEADER || (size_t)n > size - off || fr.length > limit ||
		    (size_t)n != VG_FRAME_HEADER + fr.length || vg_frame_type_name(fr.type) == NULL)
			abort();
		struct vg_buf b;
		vg_buf_init(&b, 0);
		if (vg_frame_encode(&b, fr.type, fr.seq, fr.payload, fr.length) != VG_OK ||
		    b.len != (size_t)n || memcmp(b.data, data + off, (size_t)n) != 0)
			abort();
		vg_buf_free(&b);
		if (fr.type == VG_FRAME_EVENTS)
			check_events(&fr);
		off += (size_t)n;
	}
	return 0;
}
