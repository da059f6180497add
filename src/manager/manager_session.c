/*
 * manager_session.c - one agent connection on the manager: the TLS
 * handshake (mutual: the agent's certificate must come from the manager's
 * CA), the identity check against the registry (unknown, revoked, replaced
 * certificate and duplicate connections are refused and logged), then the
 * frames: HELLO, EVENTS (analysed in order, duplicates dropped by sequence),
 * PING and CONFIG_ACK. A malformed, oversized or out-of-place frame closes
 * that connection only; the others go on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <inttypes.h>
#include <jansson.h>
#include <netdb.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "manager/manager_internal.h"
#include "vigil/error.h"
#include "vigil/frame.h"
#include "vigil/log.h"
#include "vigil/registry.h"
#include "vigil/tls.h"
#include "vigil/version.h"

#define SESSION_HELLO_SECONDS 15
#define SESSION_READ_MAX      (VG_FRAME_MAX + VG_FRAME_HEADER) /* input high watermark */

struct mgr_session {
	struct manager *m;
	struct bufferevent *bev;
	struct mgr_session *next;
	struct event *hello_timer;
	char ip[64];
	char who[256]; /* "agent 001 (name) at ip" once known, else the ip */
	struct mgr_agent *agent;
	bool hello, closing;
	struct vg_buf scratch; /* location and log of the event being analysed */
	struct vg_buf out;     /* frame being encoded */
};

static void session_free(struct mgr_session *s)
{
	struct manager *m = s->m;
	for (struct mgr_session **pp = &m->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	if (s->agent && s->agent->session == s)
		s->agent->session = NULL;
	if (s->hello_timer)
		event_free(s->hello_timer);
	if (s->bev)
		bufferevent_free(s->bev);
	vg_buf_free(&s->scratch);
	vg_buf_free(&s->out);
	free(s);
}

static void send_frame(struct mgr_session *s, unsigned type, uint64_t seq, const char *payload,
                       size_t len)
{
	vg_buf_reset(&s->out);
	if (vg_frame_encode(&s->out, type, seq, payload, len) == VG_OK)
		bufferevent_write(s->bev, s->out.data, s->out.len);
}

/* Sends o (consumed) as a frame's JSON payload. False (nothing sent) when
 * it cannot be formatted (out of memory). */
static bool send_json(struct mgr_session *s, unsigned type, uint64_t seq, json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text)
		send_frame(s, type, seq, text, strlen(text));
	free(text);
	return text != NULL;
}

static void close_when_flushed(struct bufferevent *bev, void *arg)
{
	struct mgr_session *s = arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		session_free(s);
}

/* The peer went away before the ERROR frame was written: free anyway (else
 * the agent would stay "connected" and be refused as a duplicate). */
static void close_on_error(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		session_free(arg);
}

/* Sends an ERROR frame, stops reading and closes once it is written. */
static void session_refuse(struct mgr_session *s, const char *why)
{
	s->closing = true;
	/* Never empty, so that the session is freed by the write callback,
	 * never under the caller's feet. */
	if (!send_json(s, VG_FRAME_ERROR, 0, json_pack("{s:s}", "error", why)))
		send_frame(s, VG_FRAME_ERROR, 0, "{}", 2);
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_setcb(s->bev, NULL, close_when_flushed, close_on_error, s);
	/* and a peer that never reads does not hold the session either */
	struct timeval tv = { 10, 0 };
	bufferevent_set_timeouts(s->bev, NULL, &tv);
}

void mgr_session_send_ack(struct mgr_session *s, uint64_t seq)
{
	if (!s->closing)
		send_frame(s, VG_FRAME_ACK, seq, NULL, 0);
}

void mgr_session_push_config(struct manager *m, struct mgr_agent *a)
{
	struct mgr_session *s = a->session;
	if (!s || !s->hello || s->closing || !m->groups)
		return;
	struct vg_buf yaml;
	char hash[65];
	vg_buf_init(&yaml, 0);
	if (mgr_groups_config(m->groups, a->groups, &yaml, hash) == VG_OK &&
	    strcmp(hash, a->config_hash) != 0) {
		json_t *o = json_pack("{s:s,s:s,s:s}", "hash", hash, "groups", a->groups, "config",
		                      vg_buf_str(&yaml));
		if (send_json(s, VG_FRAME_CONFIG, 0, o))
			vg_info("%s: configuration %.12s sent (groups %s)", s->who, hash,
			        a->groups[0] ? a->groups : "default");
	}
	vg_buf_free(&yaml);
}

/* The agent's certificate names it (CN = id); the registry decides. */
static void session_identify(struct mgr_session *s)
{
	struct manager *m = s->m;
	char cn[64], serial[64];
	SSL *ssl = bufferevent_openssl_get_ssl(s->bev);
	if (vg_tls_peer_identity(ssl, cn, sizeof(cn), serial, sizeof(serial)) != VG_OK) {
		vg_warn("refused %s: no client certificate", s->ip);
		session_refuse(s, "a client certificate is required");
		return;
	}
	struct vg_agent_rec rec;
	int rc = vg_registry_agent_check(m->registry, cn, serial, &rec);
	const char *why = rc == VG_ENOENT     ? "unknown agent"
	                  : rc == VG_EINVAL   ? "agent revoked"
	                  : rc == VG_ENOMATCH ? "certificate is not the agent's current one"
	                  : rc != VG_OK       ? "registry unavailable"
	                                      : NULL;
	struct mgr_agent *a = why ? NULL : mgr_agent_find(m, cn, true);
	if (!why && !a)
		why = "out of memory";
	if (!why && a->session) {
		vg_warn("refused %s: agent %s (%s) is already connected from %s", s->ip, cn,
		        a->name, a->session->ip);
		session_refuse(s, "duplicate connection: this agent is already connected");
		return;
	}
	if (why) {
		vg_warn("refused %s (certificate CN %s, serial %s): %s", s->ip, cn, serial, why);
		session_refuse(s, why);
		return;
	}
	snprintf(a->name, sizeof(a->name), "%s", rec.name);
	snprintf(a->ip, sizeof(a->ip), "%s", s->ip);
	snprintf(a->groups, sizeof(a->groups), "%s", rec.groups);
	snprintf(s->who, sizeof(s->who), "agent %s (%s) at %s", a->id, a->name, s->ip);
	a->session = s;
	a->last_seen = (long long)time(NULL);
	s->agent = a;
	vg_info("%s: connected (TLS %s)", s->who, SSL_get_version(ssl));
}

static void log_tls_failure(struct mgr_session *s)
{
	char msg[256] = "connection closed during the handshake";
	unsigned long e = bufferevent_get_openssl_error(s->bev);
	/* libevent reports a bare SSL_get_error() code when OpenSSL queued none */
	if (e && ERR_GET_LIB(e) != 0)
		ERR_error_string_n(e, msg, sizeof(msg));
	vg_warn("refused %s: TLS handshake failed: %s", s->ip, msg);
}

static int on_hello(struct mgr_session *s, const struct vg_frame *f)
{
	struct mgr_agent *a = s->agent;
	json_error_t jerr;
	json_t *o = json_loadb((const char *)f->payload, f->length, 0, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		vg_warn("%s: HELLO is not a JSON object", s->who);
		return VG_EPARSE;
	}
	const char *version = json_string_value(json_object_get(o, "version"));
	const char *hash = json_string_value(json_object_get(o, "config_hash"));
	snprintf(a->version, sizeof(a->version), "%s", version ? version : "");
	snprintf(a->config_hash, sizeof(a->config_hash), "%s", hash ? hash : "");
	json_decref(o);
	s->hello = true;
	if (s->hello_timer)
		event_del(s->hello_timer);
	json_t *w = json_pack("{s:s,s:s}", "agent_id", a->id, "manager", s->m->manager_name);
	if (!send_json(s, VG_FRAME_WELCOME, a->last_seq, w))
		return VG_ENOMEM;
	vg_info("%s: resuming after event %" PRIu64 " (agent version %s)", s->who, a->last_seq,
	        a->version[0] ? a->version : "unknown");
	mgr_session_push_config(s->m, a);
	return VG_OK;
}

/* Checks the whole payload before anything of it is analysed. */
static int events_valid(const struct vg_frame *f, size_t *count)
{
	struct vg_frame_event_iter it;
	struct vg_frame_event ev;
	int rc;
	*count = 0;
	vg_frame_events_iter(&it, f);
	while ((rc = vg_frame_events_next(&it, &ev)) == 1)
		(*count)++;
	return rc;
}

static int analyse_one(struct mgr_session *s, const struct vg_frame_event *ev)
{
	struct mgr_agent *a = s->agent;
	struct vg_buf *b = &s->scratch;
	vg_buf_reset(b);
	int rc = vg_buf_printf(b, "[%s] (%s) %s->", a->id, a->name, a->ip);
	if (rc == VG_OK)
		rc = vg_buf_add(b, ev->location, ev->location_len);
	size_t loc_end = b->len;
	if (rc == VG_OK)
		rc = vg_buf_addc(b, '\0');
	size_t log_at = b->len;
	if (rc == VG_OK)
		rc = vg_buf_add(b, ev->log, ev->log_len);
	if (rc != VG_OK)
		return rc;
	/* A NUL inside the log ends it, as it would for a local file. */
	(void)loc_end;
	vg_pipeline_process(&s->m->pipe, b->data, b->data + log_at);
	return VG_OK;
}

static int on_events(struct mgr_session *s, const struct vg_frame *f)
{
	struct mgr_agent *a = s->agent;
	size_t count;
	if (f->seq == 0 || events_valid(f, &count) != 0) {
		vg_warn("%s: malformed EVENTS frame (%s); closing", s->who,
		        f->seq == 0 ? "sequence 0" : "truncated record");
		return VG_EPARSE;
	}
	uint64_t seq = f->seq, dup_first = 0, dups = 0;
	if (seq > a->last_seq + 1)
		vg_warn("%s: events %" PRIu64 "..%" PRIu64 " never arrived (the agent lost them)",
		        s->who, a->last_seq + 1, seq - 1);
	struct vg_frame_event_iter it;
	struct vg_frame_event ev;
	vg_frame_events_iter(&it, f);
	while (vg_frame_events_next(&it, &ev) == 1) {
		if (seq <= a->last_seq) {
			dup_first = dups++ ? dup_first : seq;
		} else {
			if (analyse_one(s, &ev) != VG_OK)
				s->m->pipe.errors++;
			a->last_seq = seq;
			a->events++;
			s->m->dirty = true;
		}
		seq++;
	}
	if (dups) {
		a->duplicates += dups;
		s->m->duplicates += dups;
		vg_warn("%s: dropped %" PRIu64 " duplicate events (%" PRIu64 "..%" PRIu64
		        "): already analysed",
		        s->who, dups, dup_first, dup_first + dups - 1);
	}
	a->last_seen = (long long)time(NULL);
	return VG_OK;
}

static int on_config_ack(struct mgr_session *s, const struct vg_frame *f)
{
	json_t *o = json_loadb((const char *)f->payload, f->length, 0, NULL);
	const char *hash = json_string_value(json_object_get(o, "hash"));
	const char *err = json_string_value(json_object_get(o, "error"));
	if (json_is_true(json_object_get(o, "ok")) && hash) {
		snprintf(s->agent->config_hash, sizeof(s->agent->config_hash), "%s", hash);
		vg_info("%s: applied configuration %.12s", s->who, hash);
	} else {
		vg_warn("%s: did not apply the configuration: %s", s->who, err ? err : "no reason");
	}
	json_decref(o);
	return VG_OK;
}

static int on_frame(struct mgr_session *s, const struct vg_frame *f)
{
	if (!s->hello && f->type != VG_FRAME_HELLO) {
		vg_warn("%s: %s frame before HELLO; closing", s->who, vg_frame_type_name(f->type));
		return VG_EPARSE;
	}
	switch (f->type) {
	case VG_FRAME_HELLO:
		if (s->hello) {
			vg_warn("%s: second HELLO; closing", s->who);
			return VG_EPARSE;
		}
		return on_hello(s, f);
	case VG_FRAME_EVENTS: return on_events(s, f);
	case VG_FRAME_PING:
		s->agent->last_seen = (long long)time(NULL);
		send_frame(s, VG_FRAME_PONG, f->seq, NULL, 0);
		return VG_OK;
	case VG_FRAME_PONG: return VG_OK;
	case VG_FRAME_CONFIG_ACK: return on_config_ack(s, f);
	case VG_FRAME_ERROR:
		vg_warn("%s: agent reported an error: %.*s", s->who,
		        (int)(f->length > 200 ? 200 : f->length), (const char *)f->payload);
		return VG_EPARSE;
	default:
		vg_warn("%s: unexpected %s frame; closing", s->who, vg_frame_type_name(f->type));
		return VG_EPARSE;
	}
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct mgr_session *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	while (!s->closing && s->agent) {
		size_t len = evbuffer_get_length(in);
		if (len < VG_FRAME_HEADER)
			return;
		struct vg_frame f;
		const uint8_t *p = evbuffer_pullup(in, VG_FRAME_HEADER);
		long n = vg_frame_decode(p, VG_FRAME_HEADER, VG_FRAME_MAX, &f);
		if (n == 0) {
			uint32_t plen = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
			                (uint32_t)p[6] << 8 | p[7];
			if (len < VG_FRAME_HEADER + (size_t)plen)
				return;
			p = evbuffer_pullup(in, (ssize_t)(VG_FRAME_HEADER + plen));
			n = vg_frame_decode(p, VG_FRAME_HEADER + plen, VG_FRAME_MAX, &f);
		}
		if (n < 0) {
			vg_warn("%s: refused frame: %s; closing", s->who,
			        n == VG_ELIMIT ? "payload longer than 4 MiB" : "malformed header");
			session_refuse(s, n == VG_ELIMIT ? "frame too large" : "malformed frame");
			return;
		}
		int rc = on_frame(s, &f);
		evbuffer_drain(in, (size_t)n);
		if (rc != VG_OK) {
			session_refuse(s, "protocol error");
			return;
		}
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct mgr_session *s = arg;
	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		session_identify(s);
		if (!s->closing && evbuffer_get_length(bufferevent_get_input(s->bev)))
			read_cb(s->bev, s);
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (!s->agent) {
		log_tls_failure(s);
	} else {
		size_t pending = evbuffer_get_length(bufferevent_get_input(s->bev));
		if (pending)
			vg_warn(
			    "%s: connection closed in the middle of a frame (%zu bytes dropped)",
			    s->who, pending);
		vg_info("%s: disconnected", s->who);
	}
	session_free(s);
}

static void hello_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct mgr_session *s = arg;
	(void)fd;
	(void)what;
	vg_warn("%s: no HELLO within %d s; closing", s->who, SESSION_HELLO_SECONDS);
	session_free(s);
}

static void peer_ip(const struct sockaddr *sa, char *out, size_t len)
{
	snprintf(out, len, "?");
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
		          (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		          (socklen_t)len);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int slen,
                      void *arg)
{
	struct manager *m = arg;
	(void)l;
	(void)slen;
	struct mgr_session *s = calloc(1, sizeof(*s));
	SSL *ssl = s ? SSL_new(m->tls) : NULL;
	if (!ssl) {
		vg_err("out of memory accepting a connection");
		free(s);
		evutil_closesocket(fd);
		return;
	}
	s->m = m;
	peer_ip(sa, s->ip, sizeof(s->ip));
	snprintf(s->who, sizeof(s->who), "%s", s->ip);
	vg_buf_init(&s->scratch, 0);
	vg_buf_init(&s->out, 0);
	s->bev = bufferevent_openssl_socket_new(m->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                        BEV_OPT_CLOSE_ON_FREE);
	s->hello_timer = evtimer_new(m->base, hello_timeout, s);
	if (!s->bev || !s->hello_timer) {
		if (!s->bev)
			SSL_free(ssl);
		vg_err("out of memory accepting a connection");
		session_free(s);
		return;
	}
	s->next = m->sessions;
	m->sessions = s;
	bufferevent_openssl_set_allow_dirty_shutdown(s->bev, 1);
	bufferevent_setcb(s->bev, read_cb, NULL, event_cb, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, SESSION_READ_MAX);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	struct timeval tv = { SESSION_HELLO_SECONDS, 0 };
	evtimer_add(s->hello_timer, &tv);
}

int mgr_sessions_listen(struct manager *m)
{
	char port[16];
	snprintf(port, sizeof(port), "%d", m->cfg->manager.port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		                  .ai_socktype = SOCK_STREAM,
		                  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int gai = getaddrinfo(m->cfg->manager.listen, port, &hints, &res);
	if (gai != 0) {
		vg_err("manager.listen %s: %s", m->cfg->manager.listen, gai_strerror(gai));
		return VG_EINVAL;
	}
	m->listener = evconnlistener_new_bind(m->base, accept_cb, m,
	                                      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	                                          LEV_OPT_CLOSE_ON_EXEC,
	                                      128, res->ai_addr, (int)res->ai_addrlen);
	freeaddrinfo(res);
	if (!m->listener) {
		vg_err("cannot listen on %s:%s: %s", m->cfg->manager.listen, port, strerror(errno));
		return VG_EIO;
	}
	return VG_OK;
}

void mgr_sessions_close_all(struct manager *m)
{
	while (m->sessions)
		session_free(m->sessions);
	if (m->listener)
		evconnlistener_free(m->listener);
	m->listener = NULL;
}
