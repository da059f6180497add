/*
 * test_frame.c - unit tests of the agent/manager frame codec (frame.h):
 * round trips for every type, the byte layout, "need more bytes" at every
 * cut point, refusal of bad versions, types and flags, the payload limit
 * as soon as the header is in, and the EVENTS builder and iterator,
 * truncated records included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/buf.h"
#include "vigil/error.h"
#include "vigil/frame.h"

static const unsigned all_types[] = {
	VG_FRAME_HELLO,      VG_FRAME_WELCOME,     VG_FRAME_EVENTS, VG_FRAME_ACK,
	VG_FRAME_CONFIG,     VG_FRAME_CONFIG_ACK,  VG_FRAME_PING,   VG_FRAME_PONG,
	VG_FRAME_ENROLL_REQ, VG_FRAME_ENROLL_RESP, VG_FRAME_ERROR,
};
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(vg_frame_type_name(VG_FRAME_EVENTS), "EVENTS");
	assert_string_equal(vg_frame_type_name(VG_FRAME_ENROLL_RESP), "ENROLL_RESP");
	for (size_t i = 0; i < NTYPES; i++)
		assert_non_null(vg_frame_type_name(all_types[i]));
	unsigned known = 0;
	for (unsigned t = 0; t < 256; t++)
		known += vg_frame_type_name(t) != NULL;
	assert_int_equal(known, NTYPES);
}

static void test_round_trip_every_type(void **state)
{
	(void)state;
	const char *payload = "{\"name\":\"web-01\",\"version\":\"0.1.0\"}";
	size_t plen = strlen(payload);
	for (size_t i = 0; i < NTYPES; i++) {
		for (size_t len = 0; len <= plen; len += plen) {
			struct vg_buf b;
			vg_buf_init(&b, 0);
			uint64_t seq = 0x0102030405060708ull + i;
			assert_int_equal(vg_frame_encode(&b, all_types[i], seq, payload, len),
			                 VG_OK);
			assert_int_equal(b.len, VG_FRAME_HEADER + len);
			struct vg_frame fr;
			assert_int_equal(vg_frame_decode(b.data, b.len, VG_FRAME_MAX, &fr),
			                 (long)(VG_FRAME_HEADER + len));
			assert_int_equal(fr.type, all_types[i]);
			assert_int_equal(fr.seq, seq);
			assert_int_equal(fr.length, len);
			assert_memory_equal(fr.payload, payload, len);
			assert_ptr_equal(fr.payload, (const uint8_t *)b.data + VG_FRAME_HEADER);
			vg_buf_free(&b);
		}
	}
}

static void test_layout(void **state)
{
	(void)state;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	assert_int_equal(vg_frame_encode(&b, VG_FRAME_ACK, 0x1122334455667788ull, "abc", 3), VG_OK);
	const uint8_t want[] = { 1,    4,    0,    0,    0,    0,    0,   3,   0x11, 0x22,
		                 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 'a', 'b', 'c' };
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	vg_buf_free(&b);
}

static void test_partial_input_every_cut(void **state)
{
	(void)state;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	char payload[100];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (char)i;
	assert_int_equal(vg_frame_encode(&b, VG_FRAME_CONFIG, 9, payload, sizeof(payload)), VG_OK);
	struct vg_frame fr;
	for (size_t cut = 0; cut < b.len; cut++)
		assert_int_equal(vg_frame_decode(b.data, cut, VG_FRAME_MAX, &fr), 0);
	/* Two frames back to back: each is found in turn. */
	assert_int_equal(vg_frame_encode(&b, VG_FRAME_PING, 77, NULL, 0), VG_OK);
	long n = vg_frame_decode(b.data, b.len, VG_FRAME_MAX, &fr);
	assert_int_equal(n, VG_FRAME_HEADER + sizeof(payload));
	assert_int_equal(fr.type, VG_FRAME_CONFIG);
	assert_int_equal(vg_frame_decode(b.data + n, b.len - (size_t)n, VG_FRAME_MAX, &fr),
	                 VG_FRAME_HEADER);
	assert_int_equal(fr.type, VG_FRAME_PING);
	assert_int_equal(fr.seq, 77);
	vg_buf_free(&b);
}

static void test_bad_headers(void **state)
{
	(void)state;
	uint8_t good[VG_FRAME_HEADER] = {
		1, VG_FRAME_PONG, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5
	};
	struct vg_frame fr;
	assert_int_equal(vg_frame_decode(good, sizeof(good), VG_FRAME_MAX, &fr), VG_FRAME_HEADER);
	assert_int_equal(fr.seq, 5);

	uint8_t h[VG_FRAME_HEADER];
	const uint8_t versions[] = { 0, 2, 0x81, 0xff };
	for (size_t i = 0; i < sizeof(versions); i++) {
		memcpy(h, good, sizeof(h));
		h[0] = versions[i];
		assert_int_equal(vg_frame_decode(h, sizeof(h), VG_FRAME_MAX, &fr), VG_EPARSE);
	}
	for (unsigned t = 0; t < 256; t++) {
		memcpy(h, good, sizeof(h));
		h[1] = (uint8_t)t;
		long rc = vg_frame_decode(h, sizeof(h), VG_FRAME_MAX, &fr);
		assert_int_equal(rc, vg_frame_type_name(t) ? VG_FRAME_HEADER : VG_EPARSE);
	}
	for (unsigned bit = 0; bit < 16; bit++) {
		memcpy(h, good, sizeof(h));
		h[2 + bit / 8] = (uint8_t)(1u << (bit % 8));
		assert_int_equal(vg_frame_decode(h, sizeof(h), VG_FRAME_MAX, &fr), VG_EPARSE);
	}
	/* A bad header with a payload still to come is refused at once. */
	memcpy(h, good, sizeof(h));
	h[0] = 9;
	h[7] = 200;
	assert_int_equal(vg_frame_decode(h, sizeof(h), VG_FRAME_MAX, &fr), VG_EPARSE);
}

static void test_oversize(void **state)
{
	(void)state;
	uint8_t h[VG_FRAME_HEADER] = { 1, VG_FRAME_EVENTS };
	struct vg_frame fr;
	/* Exactly the limit: valid, waits for the payload. */
	h[4] = 0, h[5] = 0, h[6] = 0x10, h[7] = 0x00; /* 4096 */
	assert_int_equal(vg_frame_decode(h, sizeof(h), 4096, &fr), 0);
	/* One byte over: refused with the header alone. */
	h[7] = 0x01;
	assert_int_equal(vg_frame_decode(h, sizeof(h), 4096, &fr), VG_ELIMIT);
	h[4] = 0xff;
	assert_int_equal(vg_frame_decode(h, sizeof(h), VG_FRAME_MAX, &fr), VG_ELIMIT);
	/* The encoder refuses what no receiver takes, leaving the buffer. */
	struct vg_buf b;
	vg_buf_init(&b, 0);
	assert_int_equal(vg_frame_encode(&b, VG_FRAME_PING, 1, NULL, 0), VG_OK);
	char *big = calloc(1, VG_FRAME_MAX + 1);
	assert_non_null(big);
	assert_int_equal(vg_frame_encode(&b, VG_FRAME_CONFIG, 1, big, VG_FRAME_MAX + 1), VG_ELIMIT);
	assert_int_equal(vg_frame_encode(&b, 99, 1, "x", 1), VG_EINVAL);
	assert_int_equal(b.len, VG_FRAME_HEADER);
	free(big);
	vg_buf_free(&b);
}

struct ev {
	const char *loc, *log;
};

static const struct ev sample[] = {
	{ "/var/log/auth.log", "Jan  1 00:00:00 host sshd[1]: Accepted publickey for root" },
	{ "", "no location" },
	{ "journald", "" },
	{ "/var/log/syslog", "x" },
};
#define NSAMPLE (sizeof(sample) / sizeof(sample[0]))

static void build_events(struct vg_buf *b, uint64_t first)
{
	size_t mark;
	assert_int_equal(vg_frame_events_begin(b, first, &mark), VG_OK);
	for (size_t i = 0; i < NSAMPLE; i++)
		assert_int_equal(vg_frame_events_add(b, sample[i].loc, strlen(sample[i].loc),
		                                     sample[i].log, strlen(sample[i].log)),
		                 VG_OK);
	assert_int_equal(vg_frame_events_end(b, mark), VG_OK);
}

static void test_events_round_trip(void **state)
{
	(void)state;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	assert_int_equal(vg_frame_encode(&b, VG_FRAME_PING, 1, NULL, 0), VG_OK); /* mark != 0 */
	build_events(&b, 1000);
	struct vg_frame fr;
	long n =
	    vg_frame_decode(b.data + VG_FRAME_HEADER, b.len - VG_FRAME_HEADER, VG_FRAME_MAX, &fr);
	assert_int_equal(n, b.len - VG_FRAME_HEADER);
	assert_int_equal(fr.type, VG_FRAME_EVENTS);
	assert_int_equal(fr.seq, 1000);
	struct vg_frame_event_iter it;
	struct vg_frame_event ev;
	vg_frame_events_iter(&it, &fr);
	for (size_t i = 0; i < NSAMPLE; i++) {
		assert_int_equal(vg_frame_events_next(&it, &ev), 1);
		assert_int_equal(ev.location_len, strlen(sample[i].loc));
		assert_memory_equal(ev.location, sample[i].loc, ev.location_len);
		assert_int_equal(ev.log_len, strlen(sample[i].log));
		assert_memory_equal(ev.log, sample[i].log, ev.log_len);
	}
	assert_int_equal(vg_frame_events_next(&it, &ev), 0);
	assert_int_equal(vg_frame_events_next(&it, &ev), 0);

	/* An empty EVENTS frame has no records. */
	vg_buf_reset(&b);
	size_t mark;
	assert_int_equal(vg_frame_events_begin(&b, 5, &mark), VG_OK);
	assert_int_equal(vg_frame_events_end(&b, mark), VG_OK);
	assert_int_equal(vg_frame_decode(b.data, b.len, VG_FRAME_MAX, &fr), VG_FRAME_HEADER);
	vg_frame_events_iter(&it, &fr);
	assert_int_equal(vg_frame_events_next(&it, &ev), 0);
	vg_buf_free(&b);
}

static void test_events_limits(void **state)
{
	(void)state;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	size_t mark;
	assert_int_equal(vg_frame_events_begin(&b, 1, &mark), VG_OK);
	static char loc[UINT16_MAX + 1];
	memset(loc, 'l', sizeof(loc));
	char *log = malloc(VG_FRAME_MAX_EVENT + 1);
	assert_non_null(log);
	memset(log, 'g', VG_FRAME_MAX_EVENT + 1);
	size_t before = b.len;
	assert_int_equal(vg_frame_events_add(&b, loc, sizeof(loc), "x", 1), VG_ELIMIT);
	assert_int_equal(vg_frame_events_add(&b, "a", 1, log, VG_FRAME_MAX_EVENT + 1), VG_ELIMIT);
	assert_int_equal(b.len, before);
	/* The longest location and log are accepted... */
	assert_int_equal(vg_frame_events_add(&b, loc, UINT16_MAX, log, VG_FRAME_MAX_EVENT), VG_OK);
	/* ...but a payload past VG_FRAME_MAX is refused at the end. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(vg_frame_events_add(&b, "a", 1, log, VG_FRAME_MAX_EVENT), VG_OK);
	assert_int_equal(vg_frame_events_end(&b, mark), VG_ELIMIT);
	free(log);

	/* A buffer limit makes a failed add leave the buffer as it was. */
	struct vg_buf small;
	vg_buf_init(&small, 64);
	assert_int_equal(vg_frame_events_begin(&small, 1, &mark), VG_OK);
	assert_int_equal(vg_frame_events_add(&small, "loc", 3, "short", 5), VG_OK);
	before = small.len;
	assert_int_not_equal(vg_frame_events_add(&small, "loc", 3, loc, 100), VG_OK);
	assert_int_equal(small.len, before);
	assert_int_equal(vg_frame_events_end(&small, mark), VG_OK);
	vg_buf_free(&small);
	vg_buf_free(&b);
}

static void test_events_truncated(void **state)
{
	(void)state;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	build_events(&b, 1);
	struct vg_frame full;
	assert_true(vg_frame_decode(b.data, b.len, VG_FRAME_MAX, &full) > 0);
	/* Where each record ends in the payload. */
	size_t ends[NSAMPLE], off = 0;
	for (size_t i = 0; i < NSAMPLE; i++) {
		off += 2 + strlen(sample[i].loc) + 4 + strlen(sample[i].log);
		ends[i] = off;
	}
	assert_int_equal(off, full.length);
	for (uint32_t cut = 0; cut < full.length; cut++) {
		struct vg_frame fr = full;
		fr.length = cut;
		size_t whole = 0;
		while (whole < NSAMPLE && ends[whole] <= cut)
			whole++;
		struct vg_frame_event_iter it;
		struct vg_frame_event ev;
		vg_frame_events_iter(&it, &fr);
		for (size_t i = 0; i < whole; i++)
			assert_int_equal(vg_frame_events_next(&it, &ev), 1);
		bool boundary = cut == 0 || (whole > 0 && ends[whole - 1] == cut);
		assert_int_equal(vg_frame_events_next(&it, &ev), boundary ? 0 : VG_EPARSE);
	}
	/* A log length past the per-event limit is refused, even with the bytes. */
	uint8_t rec[2 + 1 + 4] = { 0, 1, 'x', 0x00, 0x10, 0x00, 0x01 }; /* 1 MiB + 1 */
	struct vg_frame fr = { .type = VG_FRAME_EVENTS, .length = sizeof(rec), .payload = rec };
	struct vg_frame_event_iter it;
	struct vg_frame_event ev;
	vg_frame_events_iter(&it, &fr);
	assert_int_equal(vg_frame_events_next(&it, &ev), VG_EPARSE);
	vg_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_round_trip_every_type),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_partial_input_every_cut),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_events_round_trip),
		cmocka_unit_test(test_events_limits),
		cmocka_unit_test(test_events_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
