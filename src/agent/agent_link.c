/*
 * agent_link.c - the agent's connection to a manager: mutual TLS to the
 * first manager of the list that answers (the next one on failure, with a
 * growing pause after a whole round fails), HELLO, then EVENTS frames from
 * the spool within a window of unacknowledged events, ACKs that free the
 * spool, CONFIG frames applied on the spot, and PINGs that find a dead link.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent_internal.h"
#include "vigil/error.h"
#include "vigil/frame.h"
#include "vigil/log.h"
#include "vigil/spool.h"
#include "vigil/version.h"

#define LINK_WINDOW       20000u       /* events sent and not yet acknowledged */
#define LINK_FRAME_EVENTS 1000u        /* events in one EVENTS frame, at most */
#define LINK_FRAME_BYTES  (256u << 10) /* and bytes */
#define LINK_OUT_HIGH     (1u << 20)   /* stop filling the socket buffer here */
#define LINK_PING_SECONDS 20
#define LINK_DEAD_SECONDS 60
#define LINK_BACKOFF_MIN  500
#define LINK_BACKOFF_MAX  30000

long long agent_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void connect_next(struct agent *a);

static const char *manager_name(const struct agent *a)
{
	return a->cfg->agent.managers.v[a->mgr_index];
}

static void send_frame(struct agent *a, unsigned type, uint64_t seq, const char *payload,
                       size_t len)
{
	vg_buf_reset(&a->out);
	if (vg_frame_encode(&a->out, type, seq, payload, len) == VG_OK)
		bufferevent_write(a->bev, a->out.data, a->out.len);
}

static void send_json(struct agent *a, unsigned type, json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (text)
		send_frame(a, type, 0, text, strlen(text));
	free(text);
	json_decref(o);
}

/* Closes the link and tries again: the same manager after a pause when it
 * had worked, else the next one (a pause after each whole round). */
static void drop_link(struct agent *a, bool had_worked)
{
	if (a->bev)
		bufferevent_free(a->bev);
	a->bev = NULL;
	a->welcomed = false;
	event_del(a->ping_timer);
	size_t n = a->cfg->agent.managers.n;
	if (!had_worked) {
		a->mgr_index = (a->mgr_index + 1) % n;
		if (a->mgr_index == 0)
			a->backoff_ms = a->backoff_ms ? a->backoff_ms * 2 : LINK_BACKOFF_MIN;
	} else {
		a->backoff_ms = LINK_BACKOFF_MIN;
	}
	if (a->backoff_ms > LINK_BACKOFF_MAX)
		a->backoff_ms = LINK_BACKOFF_MAX;
	unsigned ms = a->mgr_index == 0 || had_worked ? a->backoff_ms : 0;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	event_add(a->reconnect_timer, &tv);
}

/* Adds a record to the frame being built; a record that cannot be framed
 * is replaced by a note, so that event i of the frame stays first + i. */
static int frame_add(struct agent *a, const struct vg_spool_record *r)
{
	if (vg_frame_events_add(&a->out, r->location, r->location_len, r->log, r->log_len) == VG_OK)
		return VG_OK;
	static const char loc[] = "vigil-agent";
	char text[128];
	int tl = snprintf(text, sizeof(text), "vigil-agent: event %" PRIu64 " too large to send",
	                  r->seq);
	vg_err("%s", text);
	return vg_frame_events_add(&a->out, loc, sizeof(loc) - 1, text, (size_t)tl);
}

/*
 * One EVENTS frame of committed records starting at next_send; returns how
 * many. Sequence numbers inside a frame are consecutive: a gap in the spool
 * (a damaged segment was cut at start) ends the frame, and the next one
 * starts after the gap.
 */
static unsigned build_frame(struct agent *a)
{
	struct vg_spool_record r;
	size_t mark = 0;
	unsigned count = 0;
	vg_buf_reset(&a->out);
	while (count < LINK_FRAME_EVENTS && a->out.len < LINK_FRAME_BYTES &&
	       a->next_send <= a->committed) {
		if (vg_spool_next(a->spool, &r) != 1)
			break;
		if (r.seq < a->next_send)
			continue; /* already sent */
		if (r.seq != a->next_send) {
			if (count) { /* close this frame; the next starts at r.seq */
				vg_spool_rewind(a->spool, r.seq);
				break;
			}
			vg_warn("spool: events %" PRIu64 "..%" PRIu64 " are missing (damaged)",
			        a->next_send, r.seq - 1);
			a->next_send = r.seq;
			if (r.seq > a->committed)
				break;
		}
		if (count == 0 && vg_frame_events_begin(&a->out, r.seq, &mark) != VG_OK)
			break;
		if (frame_add(a, &r) != VG_OK)
			break;
		a->next_send++;
		count++;
	}
	if (count)
		vg_frame_events_end(&a->out, mark);
	return count;
}

/* Fills the socket from the spool: committed events, within the window. */
void agent_link_kick(struct agent *a)
{
	if (!a->bev || !a->welcomed)
		return;
	struct evbuffer *outb = bufferevent_get_output(a->bev);
	while (a->next_send <= a->committed && a->next_send - a->acked <= LINK_WINDOW &&
	       evbuffer_get_length(outb) < LINK_OUT_HIGH) {
		unsigned count = build_frame(a);
		if (count == 0)
			return;
		bufferevent_write(a->bev, a->out.data, a->out.len);
		a->sent += count;
	}
}

static void on_welcome(struct agent *a, const struct vg_frame *f)
{
	struct vg_spool_stats st;
	vg_spool_stats(a->spool, &st);
	uint64_t done = f->seq;
	if (done > st.last_seq)
		vg_warn("manager %s has analysed events up to %" PRIu64
		        " from this agent, but this "
		        "agent's spool only reached %" PRIu64 " (its state was reset): numbering "
		        "goes on after %" PRIu64,
		        manager_name(a), done, st.last_seq, done);
	/* An ack past the spool's end moves its numbering past it too. */
	if (done > st.acked && vg_spool_ack(a->spool, done) != VG_OK)
		vg_warn("spool: cannot record the acknowledgement of %" PRIu64, done);
	vg_spool_stats(a->spool, &st);
	a->acked = st.acked;
	a->next_send = st.acked + 1;
	vg_spool_rewind(a->spool, a->next_send);
	a->welcomed = true;
	a->backoff_ms = LINK_BACKOFF_MIN;
	vg_info("connected to manager %s as agent %s; sending from event %" PRIu64, manager_name(a),
	        a->id, a->next_send);
	agent_collect_resume(a);
	agent_link_kick(a);
}

static void on_ack(struct agent *a, uint64_t seq)
{
	if (seq <= a->acked)
		return;
	if (seq >= a->next_send) {
		vg_warn("manager acknowledged %" PRIu64 ", beyond what was sent; ignored", seq);
		return;
	}
	if (vg_spool_ack(a->spool, seq) != VG_OK)
		vg_warn("spool: cannot record the acknowledgement of %" PRIu64, seq);
	a->acked = seq;
	agent_collect_resume(a);
	agent_link_kick(a);
}

static void on_config(struct agent *a, const struct vg_frame *f)
{
	json_t *o = json_loadb((const char *)f->payload, f->length, 0, NULL);
	const char *hash = json_string_value(json_object_get(o, "hash"));
	const char *yaml = json_string_value(json_object_get(o, "config"));
	const char *why = "CONFIG frame without hash or config";
	int rc = VG_EPARSE;
	if (hash && yaml && strlen(hash) < 65) {
		rc = agent_collect_apply(a, yaml, hash, &why);
		if (rc == VG_OK)
			vg_info("applied configuration %.12s from the manager", hash);
		else
			vg_err("configuration %.12s from the manager not applied: %s", hash, why);
	}
	send_json(a, VG_FRAME_CONFIG_ACK,
	          rc == VG_OK ? json_pack("{s:s,s:b}", "hash", hash, "ok", 1)
	                      : json_pack("{s:s?,s:b,s:s}", "hash", hash, "ok", 0, "error", why));
	json_decref(o);
}

/* Returns false when the link was dropped. */
static bool on_frame(struct agent *a, const struct vg_frame *f)
{
	if (!a->welcomed && f->type != VG_FRAME_WELCOME && f->type != VG_FRAME_ERROR) {
		vg_warn("manager %s: %s before WELCOME", manager_name(a),
		        vg_frame_type_name(f->type));
		drop_link(a, false);
		return false;
	}
	switch (f->type) {
	case VG_FRAME_WELCOME: on_welcome(a, f); return true;
	case VG_FRAME_ACK: on_ack(a, f->seq); return true;
	case VG_FRAME_CONFIG: on_config(a, f); return true;
	case VG_FRAME_PING: send_frame(a, VG_FRAME_PONG, f->seq, NULL, 0); return true;
	case VG_FRAME_PONG: return true;
	case VG_FRAME_ERROR:
		vg_err("manager %s refused this agent: %.*s", manager_name(a),
		       (int)(f->length > 300 ? 300 : f->length), (const char *)f->payload);
		drop_link(a, false);
		return false;
	default:
		vg_warn("manager %s: unexpected %s frame", manager_name(a),
		        vg_frame_type_name(f->type));
		return true;
	}
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct agent *a = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	a->last_rx_ms = agent_now_ms();
	for (;;) {
		size_t len = evbuffer_get_length(in);
		struct vg_frame f;
		const uint8_t *p =
		    evbuffer_pullup(in, (ssize_t)(len < VG_FRAME_MAX + VG_FRAME_HEADER
		                                      ? len
		                                      : VG_FRAME_MAX + VG_FRAME_HEADER));
		long n = p ? vg_frame_decode(p, len, VG_FRAME_MAX, &f) : 0;
		if (n == 0)
			return;
		if (n < 0) {
			vg_err("manager %s sent a malformed frame; reconnecting", manager_name(a));
			drop_link(a, true);
			return;
		}
		bool alive = on_frame(a, &f);
		if (!alive)
			return;
		evbuffer_drain(in, (size_t)n);
	}
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	agent_link_kick(arg);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct agent *a = arg;
	if (what & BEV_EVENT_CONNECTED) {
		json_t *o =
		    json_pack("{s:s,s:s,s:s,s:s}", "name", a->hostname, "version", VG_VERSION,
		              "config_hash", a->shared_hash, "hostname", a->hostname);
		send_json(a, VG_FRAME_HELLO, o);
		a->last_rx_ms = agent_now_ms();
		struct timeval tv = { LINK_PING_SECONDS, 0 };
		event_add(a->ping_timer, &tv);
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	char msg[256] = "connection closed";
	unsigned long e = bufferevent_get_openssl_error(bev);
	/* libevent reports a bare SSL_get_error() code when OpenSSL queued none */
	if (e && ERR_GET_LIB(e) != 0)
		ERR_error_string_n(e, msg, sizeof(msg));
	else if (e)
		snprintf(msg, sizeof(msg), "connection closed during the TLS exchange");
	else if (what & BEV_EVENT_ERROR)
		snprintf(msg, sizeof(msg), "%s",
		         evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	bool worked = a->welcomed;
	vg_warn("manager %s: %s%s", manager_name(a), msg,
	        worked ? "; reconnecting" : "; trying the next manager");
	drop_link(a, worked);
}

static void on_ping(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	(void)fd;
	(void)what;
	if (!a->bev)
		return;
	if (agent_now_ms() - a->last_rx_ms > LINK_DEAD_SECONDS * 1000) {
		vg_warn("manager %s silent for %d s; reconnecting", manager_name(a),
		        LINK_DEAD_SECONDS);
		drop_link(a, true);
		return;
	}
	send_frame(a, VG_FRAME_PING, (uint64_t)agent_now_ms(), NULL, 0);
	struct timeval tv = { LINK_PING_SECONDS, 0 };
	event_add(a->ping_timer, &tv);
}

/* "host", "host:port", "[v6]:port" */
static int split_manager(const char *spec, char *host, size_t hlen, int *port)
{
	*port = VG_AGENT_PORT;
	const char *colon;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close)
			return VG_EINVAL;
		snprintf(host, hlen, "%.*s", (int)(close - spec - 1), spec + 1);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strrchr(spec, ':');
		snprintf(host, hlen, "%.*s", (int)(colon ? colon - spec : (long)strlen(spec)),
		         spec);
	}
	if (colon) {
		char *end;
		long p = strtol(colon + 1, &end, 10);
		if (*end || p < 1 || p > 65535)
			return VG_EINVAL;
		*port = (int)p;
	}
	return host[0] ? VG_OK : VG_EINVAL;
}

static void connect_next(struct agent *a)
{
	char host[256];
	int port;
	const char *spec = manager_name(a);
	if (split_manager(spec, host, sizeof(host), &port) != VG_OK) {
		vg_err("agent.managers: '%s' is not host[:port]", spec);
		drop_link(a, false);
		return;
	}
	SSL *ssl = SSL_new(a->tls);
	a->bev = ssl ? bufferevent_openssl_socket_new(a->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
	                                              BEV_OPT_CLOSE_ON_FREE)
	             : NULL;
	if (!a->bev) {
		SSL_free(ssl);
		vg_err("out of memory connecting to %s", spec);
		drop_link(a, false);
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(a->bev, 1);
	bufferevent_setcb(a->bev, read_cb, write_cb, event_cb, a);
	bufferevent_setwatermark(a->bev, EV_WRITE, LINK_OUT_HIGH / 2, 0);
	bufferevent_enable(a->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect_hostname(a->bev, NULL, AF_UNSPEC, host, port) != 0) {
		vg_warn("manager %s: cannot connect", spec);
		drop_link(a, false);
	}
}

static void on_reconnect(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	connect_next(arg);
}

int agent_link_start(struct agent *a)
{
	a->reconnect_timer = evtimer_new(a->base, on_reconnect, a);
	a->ping_timer = evtimer_new(a->base, on_ping, a);
	if (!a->reconnect_timer || !a->ping_timer)
		return VG_ENOMEM;
	vg_buf_init(&a->out, 0);
	connect_next(a);
	return VG_OK;
}

void agent_link_stop(struct agent *a)
{
	if (a->bev) {
		/* let what is queued go (the manager will acknowledge next time) */
		bufferevent_free(a->bev);
		a->bev = NULL;
	}
	if (a->reconnect_timer)
		event_free(a->reconnect_timer);
	if (a->ping_timer)
		event_free(a->ping_timer);
	a->reconnect_timer = a->ping_timer = NULL;
	vg_buf_free(&a->out);
}
