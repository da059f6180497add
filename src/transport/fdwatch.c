/*
 * fdwatch.c - a poll-style source in a libevent loop (fdwatch.h).
 *
 * The descriptors go into a private epoll instance, and libevent watches
 * that one descriptor. This matters because sources close descriptors and
 * open new ones between polls, and a new one often gets the number of one
 * just closed: the kernel drops a closed descriptor from every epoll set,
 * so adding "the same" number again registers the new file, where libevent
 * itself, watching numbers, would believe the old registration still held.
 */
#include "vigil/fdwatch.h"

#include <errno.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "vigil/array.h"
#include "vigil/error.h"

struct vg_fdwatch {
	void (*cb)(void *ctx);
	void *ctx;
	int epfd;
	int *fds; /* what the set holds, as far as we know */
	size_t n, cap;
	struct event *ready, *timer;
};

static void fire(evutil_socket_t fd, short what, void *arg)
{
	struct vg_fdwatch *w = arg;
	(void)fd;
	(void)what;
	w->cb(w->ctx);
}

int vg_fdwatch_create(struct event_base *base, void (*cb)(void *ctx), void *ctx,
                      struct vg_fdwatch **out)
{
	struct vg_fdwatch *w = calloc(1, sizeof(*w));
	if (!w)
		return VG_ENOMEM;
	w->cb = cb;
	w->ctx = ctx;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd >= 0) {
		w->ready = event_new(base, w->epfd, EV_READ | EV_PERSIST, fire, w);
		w->timer = evtimer_new(base, fire, w);
	}
	if (!w->ready || !w->timer || event_add(w->ready, NULL) != 0) {
		int rc = w->epfd < 0 ? VG_EIO : VG_ENOMEM;
		vg_fdwatch_destroy(w);
		return rc;
	}
	*out = w;
	return VG_OK;
}

static bool listed(const int *fds, size_t n, int fd)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] == fd)
			return true;
	return false;
}

int vg_fdwatch_sync(struct vg_fdwatch *w, const int *fds, size_t n)
{
	for (size_t i = 0; i < w->n; i++)
		if (!listed(fds, n, w->fds[i]))
			epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->fds[i],
			          NULL); /* may be closed: fine */
	w->n = 0;
	if (vg_grow((void **)&w->fds, &w->cap, n, sizeof(*w->fds), 8) != VG_OK)
		return VG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (fds[i] < 0 || listed(w->fds, w->n, fds[i]))
			continue;
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };
		/* EEXIST: still the registered file. A reused number was dropped
		 * from the set when its old file closed, so ADD takes the new one. */
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fds[i], &ev) != 0 && errno != EEXIST)
			return VG_EIO;
		w->fds[w->n++] = fds[i];
	}
	return VG_OK;
}

void vg_fdwatch_timeout(struct vg_fdwatch *w, int ms)
{
	event_del(w->timer);
	if (ms < 0)
		return;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	event_add(w->timer, &tv);
}

void vg_fdwatch_destroy(struct vg_fdwatch *w)
{
	if (!w)
		return;
	if (w->ready)
		event_free(w->ready);
	if (w->timer)
		event_free(w->timer);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w->fds);
	free(w);
}
