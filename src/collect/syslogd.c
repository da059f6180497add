/*
 * syslogd.c - the manager's remote syslog receiver: sockets, peers and the
 * read loop.
 *
 * One UDP socket and one listening TCP socket, both non-blocking; accepted
 * TCP clients each get a framer (syslogd_frame.c) whose buffer holds at most
 * one maximal message. vg_syslogd_poll() reads what the kernel has, in turns:
 * UDP and TCP alternate which goes first, clients are served round-robin and
 * each reads at most CLIENT_READ_MAX bytes per call, so a sender that floods
 * or sends garbage only spends its own share. When the caller's message
 * budget is reached reading stops, and unread data stays in the kernel,
 * whose full socket buffers push back on TCP senders. Senders outside the
 * allowed list are refused; each address is logged at most once an hour and
 * at most REFUSAL_LOGS_PER_MIN refusals are logged a minute.
 */
#include "vigil/syslogd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collect/syslogd_int.h"
#include "vigil/array.h"
#include "vigil/log.h"

#define DEFAULT_MAX_MESSAGE  ((size_t)64 << 10)
#define LIMIT_MAX_MESSAGE    ((size_t)16 << 20)
#define DEFAULT_MAX_CLIENTS  256u
#define CLIENT_READ_MAX      ((size_t)256 << 10) /* bytes per client per poll */
#define UDP_DATAGRAMS_MAX    4096u               /* datagrams per poll */
#define ACCEPTS_MAX          64u                 /* connections accepted per poll */
#define REFUSAL_SLOTS        64u
#define REFUSAL_REPEAT_S     3600
#define REFUSAL_LOGS_PER_MIN 20u
#define ADDR_TEXT            INET6_ADDRSTRLEN

struct sl_client {
	int fd;
	char addr[ADDR_TEXT];
	struct vg_sl_framer fr;
	bool eof;  /* the peer closed (or reset) the connection */
	bool more; /* the last poll stopped on the budget: messages may be buffered */
};

struct sl_refusal {
	char addr[ADDR_TEXT];
	time_t last;
};

struct vg_syslogd {
	size_t max_message;
	unsigned max_clients;
	bool keep_sd;
	struct vg_sl_net *nets;
	size_t nnets;
	int udp_fd, tcp_fd;
	unsigned udp_port, tcp_port;
	struct sl_client **clients;
	size_t nclients, clients_cap, next_client;
	bool udp_first;
	char *dgram; /* max_message + 1 bytes */
	struct vg_buf line;
	unsigned cur_flags;
	struct sl_refusal refusals[REFUSAL_SLOTS];
	time_t log_window;
	unsigned log_count;
	unsigned long long suppressed;
	struct vg_syslogd_stats st;
};

/* The callback and its budget during one vg_syslogd_poll(). */
struct sl_run {
	vg_collect_cb cb;
	void *ctx;
	size_t budget, done;
};

/* ---- senders ---- */

static bool sender_allowed(const struct vg_syslogd *s, const struct sockaddr *sa)
{
	if (!s->nnets)
		return vg_sl_is_loopback(sa);
	for (size_t i = 0; i < s->nnets; i++)
		if (vg_sl_net_match(&s->nets[i], sa))
			return true;
	return false;
}

/* Whether this refusal may be logged now (rate limits); remembers it. */
static bool refusal_loggable(struct vg_syslogd *s, const char *addr, time_t now)
{
	struct sl_refusal *slot = &s->refusals[0];
	for (unsigned i = 0; i < REFUSAL_SLOTS; i++) {
		struct sl_refusal *r = &s->refusals[i];
		if (strcmp(r->addr, addr) == 0) {
			if (now - r->last < REFUSAL_REPEAT_S)
				return false;
			slot = r;
			break;
		}
		if (r->last < slot->last)
			slot = r; /* the oldest (or an empty) slot */
	}
	if (now - s->log_window >= 60) {
		if (s->suppressed)
			vg_warn("syslogd: %llu more refused senders were not logged",
			        s->suppressed);
		s->log_window = now;
		s->log_count = 0;
		s->suppressed = 0;
	}
	if (s->log_count >= REFUSAL_LOGS_PER_MIN) {
		s->suppressed++;
		return false;
	}
	s->log_count++;
	snprintf(slot->addr, sizeof(slot->addr), "%s", addr);
	slot->last = now;
	return true;
}

static void refuse(struct vg_syslogd *s, const char *addr, const char *what, const char *why)
{
	s->st.refused++;
	if (refusal_loggable(s, addr, time(NULL)))
		vg_warn("syslogd: refused %s from %s: %s", what, addr, why);
}

/* ---- delivery ---- */

static void deliver(struct vg_syslogd *s, struct sl_run *run, const char *addr, const char *msg,
                    size_t len, unsigned flags)
{
	int rc = vg_sl_format(msg, len, s->keep_sd, time(NULL), &s->line);
	if (rc) {
		vg_warn("syslogd: message from %s dropped: %s", addr, vg_strerror(rc));
		s->st.dropped += len;
		return;
	}
	s->cur_flags = flags;
	run->cb(run->ctx, addr, vg_buf_str(&s->line), s->line.len);
	s->cur_flags = 0;
	s->st.messages++;
	s->st.truncated += (flags & VG_SYSLOGD_TRUNCATED) != 0;
	run->done++;
}

static void poll_udp(struct vg_syslogd *s, struct sl_run *run)
{
	for (unsigned n = 0; n < UDP_DATAGRAMS_MAX && run->done < run->budget; n++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t r = recvfrom(s->udp_fd, s->dgram, s->max_message + 1,
		                     MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&peer, &plen);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				vg_warn("syslogd: UDP receive failed: %s", strerror(errno));
			return;
		}
		char addr[ADDR_TEXT];
		vg_sl_addr_text((struct sockaddr *)&peer, addr, sizeof(addr));
		if (!sender_allowed(s, (struct sockaddr *)&peer)) {
			refuse(s, addr, "datagram", "not in the allowed list");
			continue;
		}
		size_t len = (size_t)r;
		unsigned flags = 0;
		if (len > s->max_message) {
			s->st.dropped += len - s->max_message;
			len = s->max_message;
			flags = VG_SYSLOGD_TRUNCATED;
		}
		while (len && (s->dgram[len - 1] == '\n' || s->dgram[len - 1] == '\r' ||
		               s->dgram[len - 1] == '\0'))
			len--;
		if (len)
			deliver(s, run, addr, s->dgram, len, flags);
	}
}

/* ---- TCP clients ---- */

static void client_free(struct sl_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	vg_sl_framer_free(&c->fr);
	free(c);
}

static void add_client(struct vg_syslogd *s, int fd, const char *addr)
{
	struct sl_client *c = calloc(1, sizeof(*c));
	if (!c || vg_sl_framer_init(&c->fr, s->max_message) ||
	    vg_grow((void **)&s->clients, &s->clients_cap, s->nclients + 1, sizeof(*s->clients),
	            16)) {
		vg_warn("syslogd: connection from %s closed: out of memory", addr);
		if (c)
			c->fd = -1;
		client_free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	s->clients[s->nclients++] = c;
	s->st.accepted++;
}

static void accept_clients(struct vg_syslogd *s)
{
	for (unsigned n = 0; n < ACCEPTS_MAX; n++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(s->tcp_fd, (struct sockaddr *)&peer, &plen,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				vg_warn("syslogd: accept failed: %s", strerror(errno));
			return;
		}
		char addr[ADDR_TEXT];
		vg_sl_addr_text((struct sockaddr *)&peer, addr, sizeof(addr));
		if (!sender_allowed(s, (struct sockaddr *)&peer)) {
			refuse(s, addr, "connection", "not in the allowed list");
			close(fd);
		} else if (s->nclients >= s->max_clients) {
			refuse(s, addr, "connection", "too many clients");
			close(fd);
		} else {
			add_client(s, fd, addr);
		}
	}
}

/* Delivers what one client's buffer holds, reading more while allowed. */
static void serve_client(struct vg_syslogd *s, struct sl_client *c, struct sl_run *run)
{
	size_t got = 0;
	uint64_t dropped = c->fr.dropped;
	const char *msg;
	size_t len;
	unsigned flags;
	c->more = false;
	for (;;) {
		while (run->done < run->budget &&
		       vg_sl_framer_next(&c->fr, c->eof, &msg, &len, &flags))
			deliver(s, run, c->addr, msg, len, flags);
		if (run->done >= run->budget) {
			c->more = true;
			break;
		}
		if (c->eof || got >= CLIENT_READ_MAX)
			break;
		size_t avail;
		char *p = vg_sl_framer_space(&c->fr, &avail);
		if (!avail)
			break; /* cannot happen: a full buffer always yields a message */
		ssize_t r = recv(c->fd, p, avail, MSG_DONTWAIT);
		if (r > 0) {
			vg_sl_framer_commit(&c->fr, (size_t)r);
			got += (size_t)r;
		} else if (r == 0) {
			c->eof = true;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else if (errno != EINTR) {
			vg_debug("syslogd: connection from %s: %s", c->addr, strerror(errno));
			c->eof = true;
		}
	}
	s->st.dropped += c->fr.dropped - dropped;
}

static void poll_clients(struct vg_syslogd *s, struct sl_run *run)
{
	size_t n = s->nclients;
	for (size_t k = 0; k < n && run->done < run->budget; k++)
		serve_client(s, s->clients[(s->next_client + k) % n], run);
	if (n)
		s->next_client = (s->next_client + 1) % n;
	size_t kept = 0;
	for (size_t i = 0; i < s->nclients; i++) {
		struct sl_client *c = s->clients[i];
		if (c->eof && !c->more)
			client_free(c);
		else
			s->clients[kept++] = c;
	}
	s->nclients = kept;
	if (s->next_client >= kept)
		s->next_client = 0;
}

int vg_syslogd_poll(struct vg_syslogd *s, vg_collect_cb cb, void *ctx, size_t max_messages)
{
	if (!s || !cb)
		return VG_EINVAL;
	struct sl_run run = { .cb = cb,
		              .ctx = ctx,
		              .budget = max_messages ? max_messages : SIZE_MAX };
	s->udp_first = !s->udp_first;
	if (s->udp_fd >= 0 && s->udp_first)
		poll_udp(s, &run);
	if (s->tcp_fd >= 0) {
		poll_clients(s, &run);
		accept_clients(s);
	}
	if (s->udp_fd >= 0 && !s->udp_first)
		poll_udp(s, &run);
	return run.done > INT32_MAX ? INT32_MAX : (int)run.done;
}

/* ---- set-up ---- */

static int parse_bind(const char *bind, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, bind, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return VG_OK;
	}
	if (inet_pton(AF_INET6, bind, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return VG_OK;
	}
	return VG_EINVAL;
}

/* Opens, binds (and for TCP listens on) one socket; sets *fd and *port. */
static int open_socket(int type, const struct sockaddr_storage *ss, socklen_t sslen, int *fd,
                       unsigned *port, struct vg_diag *d)
{
	const char *what = type == SOCK_STREAM ? "TCP" : "UDP";
	int one = 1, zero = 0;
	int f = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f < 0)
		goto fail;
	if (type == SOCK_STREAM)
		(void)setsockopt(f, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		(void)setsockopt(f, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(f, (const struct sockaddr *)ss, sslen) < 0)
		goto fail;
	if (type == SOCK_STREAM && listen(f, 128) < 0)
		goto fail;
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	if (getsockname(f, (struct sockaddr *)&got, &glen) < 0)
		goto fail;
	*port = ntohs(got.ss_family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port
	                                       : ((struct sockaddr_in6 *)&got)->sin6_port);
	*fd = f;
	return VG_OK;
fail:;
	int e = errno;
	vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "syslog %s socket: %s", what, strerror(e));
	if (f >= 0)
		close(f);
	errno = e;
	return VG_EIO;
}

static int parse_allowed(struct vg_syslogd *s, const struct vg_syslogd_opts *o, struct vg_diag *d)
{
	if (!o->nallowed)
		return VG_OK;
	if (!o->allowed)
		return VG_EINVAL;
	s->nets = calloc(o->nallowed, sizeof(*s->nets));
	if (!s->nets)
		return VG_ENOMEM;
	for (size_t i = 0; i < o->nallowed; i++) {
		if (!o->allowed[i] || vg_sl_net_parse(o->allowed[i], &s->nets[i])) {
			vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0,
			            "syslog allowed sender '%s': expected an IP address or "
			            "CIDR block (10.0.0.0/8, fe80::/10)",
			            o->allowed[i] ? o->allowed[i] : "(null)");
			return VG_EINVAL;
		}
	}
	s->nnets = o->nallowed;
	return VG_OK;
}

static int check_opts(const struct vg_syslogd_opts *o, struct vg_diag *d)
{
	const char *why = NULL;
	if (!o->udp && !o->tcp)
		why = "neither UDP nor TCP is enabled";
	else if (o->port > 65535)
		why = "port above 65535";
	else if (o->max_message > LIMIT_MAX_MESSAGE)
		why = "max_message above 16 MiB";
	if (why)
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "syslog receiver: %s", why);
	return why ? VG_EINVAL : VG_OK;
}

int vg_syslogd_open(const struct vg_syslogd_opts *o, struct vg_syslogd **out, struct vg_diag *d)
{
	if (!out)
		return VG_EINVAL;
	*out = NULL;
	if (!o)
		return VG_EINVAL;
	int rc = check_opts(o, d);
	if (rc)
		return rc;
	struct vg_syslogd *s = calloc(1, sizeof(*s));
	if (!s)
		return VG_ENOMEM;
	s->udp_fd = s->tcp_fd = -1;
	s->max_message = o->max_message ? o->max_message : DEFAULT_MAX_MESSAGE;
	s->max_clients = o->max_clients ? o->max_clients : DEFAULT_MAX_CLIENTS;
	s->keep_sd = o->keep_structured_data;
	vg_buf_init(&s->line, 0);
	struct sockaddr_storage ss;
	socklen_t sslen;
	rc = parse_allowed(s, o, d);
	if (!rc && parse_bind(o->bind ? o->bind : "0.0.0.0", o->port, &ss, &sslen)) {
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0,
		            "syslog bind address '%s': expected an IPv4 or IPv6 address", o->bind);
		rc = VG_EINVAL;
	}
	if (!rc && o->udp) {
		s->dgram = malloc(s->max_message + 1);
		rc = s->dgram ? open_socket(SOCK_DGRAM, &ss, sslen, &s->udp_fd, &s->udp_port, d)
		              : VG_ENOMEM;
	}
	if (!rc && o->tcp)
		rc = open_socket(SOCK_STREAM, &ss, sslen, &s->tcp_fd, &s->tcp_port, d);
	if (rc) {
		vg_syslogd_close(s);
		return rc;
	}
	*out = s;
	return VG_OK;
}

void vg_syslogd_close(struct vg_syslogd *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nclients; i++)
		client_free(s->clients[i]);
	free(s->clients);
	if (s->udp_fd >= 0)
		close(s->udp_fd);
	if (s->tcp_fd >= 0)
		close(s->tcp_fd);
	free(s->nets);
	free(s->dgram);
	vg_buf_free(&s->line);
	free(s);
}

/* ---- queries ---- */

size_t vg_syslogd_fds(const struct vg_syslogd *s, int *fds, size_t cap)
{
	size_t n = 0;
	if (!s)
		return 0;
	if (s->udp_fd >= 0 && n < cap)
		fds[n] = s->udp_fd;
	n += s->udp_fd >= 0;
	if (s->tcp_fd >= 0 && n < cap)
		fds[n] = s->tcp_fd;
	n += s->tcp_fd >= 0;
	for (size_t i = 0; i < s->nclients; i++, n++)
		if (n < cap)
			fds[n] = s->clients[i]->fd;
	return n;
}

int vg_syslogd_timeout_ms(const struct vg_syslogd *s)
{
	for (size_t i = 0; s && i < s->nclients; i++)
		if (s->clients[i]->more || s->clients[i]->eof)
			return 0;
	return -1;
}

unsigned vg_syslogd_msg_flags(const struct vg_syslogd *s)
{
	return s ? s->cur_flags : 0;
}

unsigned vg_syslogd_port(const struct vg_syslogd *s, bool tcp)
{
	if (!s)
		return 0;
	return tcp ? s->tcp_port : s->udp_port;
}

void vg_syslogd_stats(const struct vg_syslogd *s, struct vg_syslogd_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return;
	*out = s->st;
	out->clients = s->nclients;
}
