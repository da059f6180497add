/*
 * frame.c - encoding and decoding of the agent/manager frames (frame.h).
 */
#include "vigil/frame.h"

#include <string.h>

#include "vigil/error.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

const char *vg_frame_type_name(unsigned type)
{
	switch (type) {
	case VG_FRAME_HELLO: return "HELLO";
	case VG_FRAME_WELCOME: return "WELCOME";
	case VG_FRAME_EVENTS: return "EVENTS";
	case VG_FRAME_ACK: return "ACK";
	case VG_FRAME_CONFIG: return "CONFIG";
	case VG_FRAME_CONFIG_ACK: return "CONFIG_ACK";
	case VG_FRAME_PING: return "PING";
	case VG_FRAME_PONG: return "PONG";
	case VG_FRAME_ENROLL_REQ: return "ENROLL_REQ";
	case VG_FRAME_ENROLL_RESP: return "ENROLL_RESP";
	case VG_FRAME_ERROR: return "ERROR";
	default: return NULL;
	}
}

long vg_frame_decode(const void *data, size_t len, uint32_t max_payload, struct vg_frame *out)
{
	const uint8_t *p = data;
	if (len < VG_FRAME_HEADER)
		return 0;
	if (p[0] != VG_FRAME_VERSION || vg_frame_type_name(p[1]) == NULL || p[2] != 0 || p[3] != 0)
		return VG_EPARSE;
	uint32_t plen = get32(p + 4);
	if (plen > max_payload)
		return VG_ELIMIT;
	if (len - VG_FRAME_HEADER < plen)
		return 0;
	out->type = p[1];
	out->length = plen;
	out->seq = get64(p + 8);
	out->payload = p + VG_FRAME_HEADER;
	return (long)(VG_FRAME_HEADER + plen);
}

static int put_header(struct vg_buf *out, unsigned type, uint64_t seq, size_t len)
{
	uint8_t h[VG_FRAME_HEADER] = { VG_FRAME_VERSION, (uint8_t)type, 0, 0 };
	put32(h + 4, (uint32_t)len);
	put64(h + 8, seq);
	return vg_buf_add(out, h, sizeof h);
}

int vg_frame_encode(struct vg_buf *out, unsigned type, uint64_t seq, const void *payload,
                    size_t len)
{
	if (len > VG_FRAME_MAX || vg_frame_type_name(type) == NULL)
		return len > VG_FRAME_MAX ? VG_ELIMIT : VG_EINVAL;
	size_t old = out->len;
	int rc = put_header(out, type, seq, len);
	if (rc == 0 && len > 0)
		rc = vg_buf_add(out, payload, len);
	if (rc < 0 && out->data != NULL) {
		out->len = old;
		out->data[old] = '\0';
	}
	return rc;
}

int vg_frame_events_begin(struct vg_buf *out, uint64_t first_seq, size_t *mark)
{
	*mark = out->len;
	return put_header(out, VG_FRAME_EVENTS, first_seq, 0);
}

int vg_frame_events_add(struct vg_buf *out, const char *location, size_t location_len,
                        const char *log, size_t log_len)
{
	if (location_len > UINT16_MAX || log_len > VG_FRAME_MAX_EVENT)
		return VG_ELIMIT;
	size_t old = out->len;
	uint8_t l2[2] = { (uint8_t)(location_len >> 8), (uint8_t)location_len };
	uint8_t l4[4];
	put32(l4, (uint32_t)log_len);
	int rc = vg_buf_add(out, l2, 2);
	if (rc == 0)
		rc = vg_buf_add(out, location, location_len);
	if (rc == 0)
		rc = vg_buf_add(out, l4, 4);
	if (rc == 0)
		rc = vg_buf_add(out, log, log_len);
	if (rc < 0 && out->data != NULL) {
		out->len = old;
		out->data[old] = '\0';
	}
	return rc;
}

int vg_frame_events_end(struct vg_buf *out, size_t mark)
{
	size_t plen = out->len - mark - VG_FRAME_HEADER;
	if (plen > VG_FRAME_MAX)
		return VG_ELIMIT;
	put32((uint8_t *)out->data + mark + 4, (uint32_t)plen);
	return 0;
}

void vg_frame_events_iter(struct vg_frame_event_iter *it, const struct vg_frame *f)
{
	it->p = f->payload;
	it->end = f->payload + f->length;
}

int vg_frame_events_next(struct vg_frame_event_iter *it, struct vg_frame_event *ev)
{
	size_t left = (size_t)(it->end - it->p);
	if (left == 0)
		return 0;
	if (left < 2)
		return VG_EPARSE;
	size_t ll = (size_t)it->p[0] << 8 | it->p[1];
	if (left - 2 < ll + 4)
		return VG_EPARSE;
	const uint8_t *q = it->p + 2 + ll;
	size_t gl = get32(q);
	if (gl > VG_FRAME_MAX_EVENT || (size_t)(it->end - q - 4) < gl)
		return VG_EPARSE;
	ev->location = (const char *)it->p + 2;
	ev->location_len = ll;
	ev->log = (const char *)q + 4;
	ev->log_len = gl;
	it->p = q + 4 + gl;
	return 1;
}
