/*
 * frame.h - the messages agents and the manager exchange (over TLS).
 *
 * Every message is one frame: a 16-byte header, then the payload.
 *
 *   offset size  field
 *   0      1     version   VG_FRAME_VERSION (1)
 *   1      1     type      enum vg_frame_type
 *   2      2     flags     0 (reserved; a frame with other bits set is refused)
 *   4      4     length    payload bytes, big-endian, at most the receiver's limit
 *   8      8     seq       big-endian; meaning depends on the type (0 when unused)
 *
 * Payloads by type (all integers big-endian; JSON payloads are one object):
 *   HELLO        agent -> manager, JSON {"name","version","config_hash","hostname"}
 *   WELCOME      manager -> agent, seq = last event sequence the manager has
 *                processed for this agent (0: none); JSON {"agent_id","manager"}
 *   EVENTS       agent -> manager, seq = sequence of the first event; payload =
 *                count records, each: u16 location length, location bytes,
 *                u32 log length, log bytes. Event i has sequence seq + i.
 *   ACK          manager -> agent, seq = every event up to this one is processed
 *   CONFIG       manager -> agent, JSON {"hash","groups":[...],"config":"<yaml>"}
 *   CONFIG_ACK   agent -> manager, JSON {"hash","ok":bool,"error":"..."}
 *   PING / PONG  either way, empty; seq echoed
 *   ENROLL_REQ   agent -> manager (enrollment port), JSON
 *   ENROLL_RESP  manager -> agent, JSON
 *   ERROR        either way, JSON {"error":"..."}; the sender closes afterwards
 *
 * The decoder never trusts the peer: a bad version, type, flag or length
 * is an error, and a partial frame is simply "need more bytes".
 */
#ifndef VIGIL_FRAME_H
#define VIGIL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_FRAME_VERSION   1
#define VG_FRAME_HEADER    16
#define VG_FRAME_MAX       (4u << 20) /* default payload limit: 4 MiB */
#define VG_FRAME_MAX_EVENT (1u << 20) /* longest single log in an EVENTS frame */

enum vg_frame_type {
	VG_FRAME_HELLO = 1,
	VG_FRAME_WELCOME = 2,
	VG_FRAME_EVENTS = 3,
	VG_FRAME_ACK = 4,
	VG_FRAME_CONFIG = 5,
	VG_FRAME_CONFIG_ACK = 6,
	VG_FRAME_PING = 7,
	VG_FRAME_PONG = 8,
	VG_FRAME_ENROLL_REQ = 16,
	VG_FRAME_ENROLL_RESP = 17,
	VG_FRAME_ERROR = 31,
};

struct vg_frame {
	uint8_t type;
	uint64_t seq;
	uint32_t length;
	const uint8_t *payload; /* points into the caller's bytes */
};

/* Returns the name of a frame type ("EVENTS"), or NULL when unknown. */
const char *vg_frame_type_name(unsigned type);

/*
 * Reads one frame from the first len bytes of data. Returns the number of
 * bytes the frame takes (header + payload) and fills *out; 0 when more
 * bytes are needed; VG_EPARSE for a malformed header (bad version, unknown
 * type, reserved flags) and VG_ELIMIT for a payload longer than max_payload.
 * Once the header is complete, errors are reported without waiting for the
 * payload, so an oversized frame is refused at once.
 */
long vg_frame_decode(const void *data, size_t len, uint32_t max_payload, struct vg_frame *out);

/* Appends a whole frame to out. VG_ELIMIT when len exceeds VG_FRAME_MAX. */
int vg_frame_encode(struct vg_buf *out, unsigned type, uint64_t seq, const void *payload,
                    size_t len);

/*
 * Building an EVENTS frame: begin, add records, end (which writes the
 * payload length). VG_ELIMIT when a record or the payload would pass the
 * limits; out is then unchanged by the failed add.
 */
int vg_frame_events_begin(struct vg_buf *out, uint64_t first_seq, size_t *mark);
int vg_frame_events_add(struct vg_buf *out, const char *location, size_t location_len,
                        const char *log, size_t log_len);
int vg_frame_events_end(struct vg_buf *out, size_t mark);

/* Iterating the records of an EVENTS payload. */
struct vg_frame_event_iter {
	const uint8_t *p, *end;
};
struct vg_frame_event {
	const char *location; /* not NUL-terminated */
	size_t location_len;
	const char *log; /* not NUL-terminated */
	size_t log_len;
};
void vg_frame_events_iter(struct vg_frame_event_iter *it, const struct vg_frame *f);
/* Returns 1 and fills *ev, 0 at the end, VG_EPARSE on a truncated or
 * oversized record (the rest of the payload is then unusable). */
int vg_frame_events_next(struct vg_frame_event_iter *it, struct vg_frame_event *ev);

#ifdef __cplusplus
}
#endif
#endif
