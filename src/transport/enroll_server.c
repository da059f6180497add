/*
 * enroll_server.c - the manager's enrollment listener (enroll.h): accepts
 * TLS connections on the enrollment port one at a time, reads one
 * ENROLL_REQ frame under a 5-second deadline, answers with the result of
 * vg_enroll_handle() and closes. Meant to run in its own thread until the
 * caller sets the stop flag.
 */
#include "vigil/enroll.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vigil/frame.h"
#include "vigil/log.h"
#include "vigil/pki.h"
#include "vigil/tls.h"

#include "transport/pki_internal.h"

#define CONN_DEADLINE_MS 5000
#define POLL_MS          200

/* Logs what vg_enroll_handle() or the connection put in d, then empties it. */
static void log_diag(struct vg_diag *d, int internal)
{
	for (size_t i = 0; i < d->count; i++) {
		const struct vg_diag_msg *m = &d->msgs[i];
		if (m->level == VG_DIAG_INFO)
			vg_info("%s", m->text);
		else if (internal)
			vg_err("%s", m->text);
		else
			vg_warn("%s", m->text);
	}
	vg_diag_free(d);
	vg_diag_init(d);
}

static int answer(SSL *ssl, struct vg_enroll_server_opts *o, const char *ip,
                  const struct vg_frame *f, long long deadline, struct vg_diag *d)
{
	struct vg_buf resp, out;
	vg_buf_init(&resp, 256 << 10);
	vg_buf_init(&out, 0);
	unsigned type = VG_FRAME_ERROR;
	int rc;
	if (f->type != VG_FRAME_ENROLL_REQ) {
		rc = vg_buf_addstr(&resp, "{\"error\":\"expected an ENROLL_REQ frame\"}");
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "enrollment from %s: unexpected %s frame",
		            ip, vg_frame_type_name(f->type));
	} else {
		rc = vg_enroll_handle(o->registry, o->ca, ip, f->payload, f->length, &type, &resp,
		                      d);
	}
	int internal = rc == VG_ENOMEM || rc == VG_EIO;
	log_diag(d, internal);
	if (vg_frame_encode(&out, type, 0, resp.data ? resp.data : "", resp.len) == VG_OK)
		rc = vg_tls_write_all(ssl, out.data, out.len, deadline, d);
	vg_buf_free(&resp);
	vg_buf_free(&out);
	return rc;
}

static void serve(struct vg_enroll_server_opts *o, SSL_CTX *ctx, int fd, const char *ip)
{
	struct vg_diag d;
	vg_diag_init(&d);
	long long deadline = vg_tls_now_ms() + CONN_DEADLINE_MS;
	SSL *ssl = SSL_new(ctx);
	struct vg_buf in;
	vg_buf_init(&in, VG_FRAME_HEADER + VG_ENROLL_MAX_REQ);
	struct vg_frame f;
	if (!ssl || !SSL_set_fd(ssl, fd)) {
		vg_err("enrollment: cannot create a TLS session");
		goto out;
	}
	SSL_set_accept_state(ssl);
	if (vg_tls_handshake(ssl, deadline, &d) != VG_OK ||
	    vg_tls_read_frame(ssl, &in, VG_ENROLL_MAX_REQ, &f, deadline, &d) != VG_OK) {
		for (size_t i = 0; i < d.count; i++)
			vg_warn("enrollment connection from %s: %s", ip, d.msgs[i].text);
		goto out;
	}
	answer(ssl, o, ip, &f, deadline, &d);
	log_diag(&d, 1);
	SSL_shutdown(ssl); /* best effort: the socket is non-blocking */
out:
	vg_buf_free(&in);
	SSL_free(ssl);
	vg_diag_free(&d);
}

static int listen_on(const char *host, unsigned port, struct vg_diag *d)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		                  .ai_socktype = SOCK_STREAM,
		                  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char ports[16];
	snprintf(ports, sizeof(ports), "%u", port);
	int e = getaddrinfo(host && *host ? host : NULL, ports, &hints, &res);
	if (e != 0) {
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "enrollment: %s: %s", host,
		            gai_strerror(e));
		return VG_EINVAL;
	}
	int fd = -1, err = 0;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 64) != 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "enrollment: cannot listen on %s:%u: %s",
		            host && *host ? host : "*", port, strerror(err));
		return VG_EIO;
	}
	return fd;
}

static unsigned local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void peer_ip(const struct sockaddr_storage *ss, char *ip, size_t cap)
{
	const void *a = ss->ss_family == AF_INET
	                    ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
	                    : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (!inet_ntop(ss->ss_family, a, ip, (socklen_t)cap))
		snprintf(ip, cap, "?");
	if (strncmp(ip, "::ffff:", 7) == 0 && strchr(ip, '.'))
		memmove(ip, ip + 7, strlen(ip + 7) + 1);
}

static void accept_loop(struct vg_enroll_server_opts *o, SSL_CTX *ctx, int lfd)
{
	while (!atomic_load(o->stop)) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		if (poll(&p, 1, POLL_MS) <= 0)
			continue;
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		char ip[INET6_ADDRSTRLEN];
		peer_ip(&ss, ip, sizeof(ip));
		serve(o, ctx, fd, ip);
		close(fd);
	}
}

int vg_enroll_server_run(struct vg_enroll_server_opts *o)
{
	if (!o || !o->registry || !o->ca || !o->stop || o->port > 65535)
		return VG_EINVAL;
	SSL_CTX *ctx;
	int rc = vg_tls_server_ctx(vg_pki_server_cert_path(o->ca), vg_pki_server_key_path(o->ca),
	                           NULL, &ctx, o->diag);
	if (rc != VG_OK)
		return rc;
	int lfd = listen_on(o->host, o->port, o->diag);
	if (lfd < 0) {
		SSL_CTX_free(ctx);
		return lfd;
	}
	unsigned port = local_port(lfd);
	vg_info("enrollment: listening on %s:%u", o->host && *o->host ? o->host : "*", port);
	if (o->bound_port)
		atomic_store(o->bound_port, port);
	sigset_t old;
	vg_tls_sigpipe_block(&old);
	accept_loop(o, ctx, lfd);
	vg_tls_sigpipe_restore(&old);
	close(lfd);
	SSL_CTX_free(ctx);
	return VG_OK;
}
