/*
 * fim.c - the file integrity monitor's life cycle: compiling the watched
 * paths, the worker thread (scheduled scans, real-time changes and audit
 * records on one epoll, at the configured nice and idle I/O class), the
 * scan-now request and the poll interface that hands queued events to the
 * caller.
 */
#include "fim/fim_internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vigil/error.h"
#include "vigil/log.h"

#define IOPRIO_CLASS_IDLE_VALUE (3 << 13)
#define IOPRIO_WHO_PROCESS_ID   1

static int compile_list(const char **pats, size_t n, pcre2_code ***out, const char *path,
                        struct vg_diag *d)
{
	if (!n)
		return VG_OK;
	pcre2_code **v = calloc(n, sizeof(*v));
	if (!v)
		return VG_ENOMEM;
	*out = v;
	for (size_t i = 0; i < n; i++) {
		int err;
		PCRE2_SIZE off;
		v[i] =
		    pcre2_compile((PCRE2_SPTR)pats[i], PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
		if (!v[i]) {
			vg_diag_add(d, VG_DIAG_ERROR, NULL, 0, 0, "fim: %s: bad regex '%s' at %zu",
			            path, pats[i], (size_t)off);
			return VG_EINVAL;
		}
	}
	return VG_OK;
}

static int compile_roots(struct vg_fim *f, struct vg_diag *d)
{
	f->roots = calloc(f->cfg->npaths ? f->cfg->npaths : 1, sizeof(*f->roots));
	if (!f->roots)
		return VG_ENOMEM;
	for (size_t i = 0; i < f->cfg->npaths; i++) {
		const struct vg_config_fim_path *p = &f->cfg->paths[i];
		struct fim_root *r = &f->roots[f->nroots];
		if (!p->path || p->path[0] != '/') {
			vg_diag_add(d, VG_DIAG_ERROR, NULL, p->line, 0,
			            "fim: path must be absolute: %s", p->path ? p->path : "(none)");
			return VG_EINVAL;
		}
		size_t len = strlen(p->path);
		while (len > 1 && p->path[len - 1] == '/')
			len--;
		r->cfg = p;
		r->path = strndup(p->path, len);
		r->len = len;
		f->nroots++;
		if (!r->path)
			return VG_ENOMEM;
		int rc = compile_list(p->ignore_regex, p->nignore_regex,
		                      (pcre2_code ***)&r->ignore_re, r->path, d);
		r->nignore_re = p->nignore_regex;
		if (rc == VG_OK)
			rc = compile_list(p->restrict_regex, p->nrestrict_regex,
			                  (pcre2_code ***)&r->restrict_re, r->path, d);
		r->nrestrict_re = p->nrestrict_regex;
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}

static void free_roots(struct vg_fim *f)
{
	for (size_t i = 0; i < f->nroots; i++) {
		struct fim_root *r = &f->roots[i];
		for (size_t j = 0; r->ignore_re && j < r->nignore_re; j++)
			pcre2_code_free((pcre2_code *)r->ignore_re[j]);
		for (size_t j = 0; r->restrict_re && j < r->nrestrict_re; j++)
			pcre2_code_free((pcre2_code *)r->restrict_re[j]);
		free(r->ignore_re);
		free(r->restrict_re);
		free(r->path);
	}
	free(f->roots);
}

void fim_lower_priority(const struct vg_fim *f)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	if (f->cfg->nice > 0)
		setpriority(PRIO_PROCESS, (id_t)tid, f->cfg->nice);
	if (f->cfg->ionice_idle)
		syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS_ID, tid, IOPRIO_CLASS_IDLE_VALUE);
}

static void epoll_add(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	if (fd >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int wait_ms(struct vg_fim *f)
{
	uint64_t now = fim_now_ms();
	int t = f->next_scan_ms > now ? (int)(f->next_scan_ms - now) : 0;
	int rt = fim_rt_timeout_ms(f);
	if (rt >= 0 && rt < t)
		t = rt;
	if (f->rescan_due) {
		uint64_t at = f->last_scan_end_ms + FIM_RESCAN_GAP_MS;
		int o = at > now ? (int)(at - now) : 0;
		if (o < t)
			t = o;
	}
	return t;
}

static void run_scan(struct vg_fim *f)
{
	pthread_mutex_lock(&f->lock);
	uint64_t serve = f->req_seq;
	bool verify =
	    f->req_verify || (f->cfg->verify_every && (f->nscans + 1) % f->cfg->verify_every == 0);
	f->req_verify = false;
	pthread_mutex_unlock(&f->lock);
	int rc = fim_scan_all(f, verify);
	f->nscans++;
	f->rescan_due = false;
	f->last_scan_end_ms = fim_now_ms();
	uint64_t every = f->cfg->scan_interval_s ? f->cfg->scan_interval_s : 43200;
	f->next_scan_ms = fim_now_ms() + every * 1000;
	pthread_mutex_lock(&f->lock);
	f->scan_rc = rc;
	f->done_seq = serve;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static void *worker(void *arg)
{
	struct vg_fim *f = arg;
	pthread_setname_np(pthread_self(), "vigil-fim");
	fim_lower_priority(f);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	epoll_add(ep, f->wakefd);
	epoll_add(ep, fim_rt_fd(f));
	epoll_add(ep, fim_fan_fd(f));
	epoll_add(ep, fim_who_fd(f));
	run_scan(f);
	for (;;) {
		struct epoll_event evs[8];
		int n = epoll_wait(ep, evs, 8, wait_ms(f));
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == f->wakefd) {
				eventfd_t v;
				eventfd_read(f->wakefd, &v);
			} else if (evs[i].data.fd == fim_who_fd(f)) {
				fim_who_handle(f);
			} else if (evs[i].data.fd == fim_fan_fd(f)) {
				fim_fan_handle(f);
			} else {
				fim_rt_handle(f);
			}
		}
		fim_rt_flush(f);
		pthread_mutex_lock(&f->lock);
		bool stop = f->stop;
		bool req = f->req_seq > f->done_seq;
		pthread_mutex_unlock(&f->lock);
		if (stop)
			break;
		uint64_t now = fim_now_ms();
		bool overflow = f->rescan_due && now >= f->last_scan_end_ms + FIM_RESCAN_GAP_MS;
		if (req || overflow || now >= f->next_scan_ms)
			run_scan(f);
	}
	close(ep);
	return NULL;
}

static int init_tools(struct vg_fim *f)
{
	static const char *const names[3] = { "MD5", "SHA1", "SHA256" };
	for (int i = 0; i < 3; i++)
		if (!(f->alg[i] = EVP_MD_fetch(NULL, names[i], NULL)))
			return VG_ENOMEM;
	f->nthreads = fim_scan_threads();
	if (f->nthreads < 2)
		f->nthreads = 0;
	f->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	f->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->evfd < 0 || f->wakefd < 0)
		return VG_ENOMEM;
	return fim_tools_init(&f->tools, f);
}

int vg_fim_open(const struct vg_config_fim *cfg, const char *data_dir, struct vg_fim **out,
                struct vg_diag *d)
{
	*out = NULL;
	struct vg_fim *f = calloc(1, sizeof(*f));
	if (!f)
		return VG_ENOMEM;
	f->cfg = cfg;
	f->evfd = f->wakefd = -1;
	pthread_mutex_init(&f->qlock, NULL);
	pthread_cond_init(&f->qspace, NULL);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->data_dir = strdup(data_dir ? data_dir : ".");
	int rc = f->data_dir ? init_tools(f) : VG_ENOMEM;
	if (rc == VG_OK)
		rc = compile_roots(f, d);
	if (rc == VG_OK)
		rc = fim_db_open(f, d);
	if (rc == VG_OK)
		rc = fim_fan_open(f, d);
	if (rc == VG_OK)
		rc = fim_rt_open(f, d);
	if (rc == VG_OK)
		rc = fim_who_open(f, d);
	if (rc == VG_OK) {
		rc = pthread_create(&f->thr, NULL, worker, f) == 0 ? VG_OK : VG_ENOMEM;
		f->thr_started = rc == VG_OK;
	}
	if (rc != VG_OK) {
		vg_fim_close(f);
		return rc;
	}
	*out = f;
	return VG_OK;
}

void vg_fim_close(struct vg_fim *f)
{
	if (!f)
		return;
	if (f->thr_started) {
		pthread_mutex_lock(&f->lock);
		__atomic_store_n(&f->stop, true, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&f->lock);
		pthread_mutex_lock(&f->qlock); /* a worker waiting for the caller wakes up */
		pthread_cond_broadcast(&f->qspace);
		pthread_mutex_unlock(&f->qlock);
		eventfd_write(f->wakefd, 1);
		pthread_join(f->thr, NULL);
	}
	fim_who_close(f);
	fim_fan_close(f);
	fim_rt_close(f);
	if (f->db)
		fim_db_close(f);
	fim_table_free(&f->tab);
	free_roots(f);
	for (size_t i = 0; i < f->qlen; i++)
		free(f->q[(f->qhead + i) % f->qcap]);
	free(f->q);
	free(f->qlen_of);
	fim_tools_free(&f->tools);
	for (int i = 0; i < 3; i++)
		EVP_MD_free(f->alg[i]);
	fim_names_free(f);
	if (f->evfd >= 0)
		close(f->evfd);
	if (f->wakefd >= 0)
		close(f->wakefd);
	pthread_mutex_destroy(&f->qlock);
	pthread_cond_destroy(&f->qspace);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f->data_dir);
	free(f);
}

int vg_fim_fd(const struct vg_fim *f)
{
	return f ? f->evfd : -1;
}

int vg_fim_timeout_ms(const struct vg_fim *f)
{
	return -1;
}

int vg_fim_poll(struct vg_fim *f, vg_collect_cb cb, void *ctx, size_t max)
{
	eventfd_t v;
	eventfd_read(f->evfd, &v);
	int n = 0;
	for (;;) {
		pthread_mutex_lock(&f->qlock);
		if (!f->qlen || (max && (size_t)n >= max)) {
			bool more = f->qlen > 0;
			pthread_mutex_unlock(&f->qlock);
			if (more)
				eventfd_write(f->evfd, 1);
			return n;
		}
		char *line = f->q[f->qhead];
		size_t len = f->qlen_of[f->qhead];
		f->qhead = (f->qhead + 1) % f->qcap;
		f->qlen--;
		pthread_mutex_unlock(&f->qlock);
		cb(ctx, VG_FIM_LOCATION, line, len);
		free(line);
		n++;
		/* Taken (the callback has kept it): the worker may go on or commit. */
		pthread_mutex_lock(&f->qlock);
		pthread_cond_broadcast(&f->qspace);
		pthread_mutex_unlock(&f->qlock);
	}
}

int vg_fim_scan_now(struct vg_fim *f, bool verify)
{
	__atomic_add_fetch(&f->sync_waiters, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&f->qlock); /* nobody polls while this caller waits */
	pthread_cond_broadcast(&f->qspace);
	pthread_mutex_unlock(&f->qlock);
	pthread_mutex_lock(&f->lock);
	uint64_t mine = ++f->req_seq;
	f->req_verify |= verify;
	pthread_mutex_unlock(&f->lock);
	eventfd_write(f->wakefd, 1);
	pthread_mutex_lock(&f->lock);
	while (f->done_seq < mine && !f->stop)
		pthread_cond_wait(&f->cond, &f->lock);
	int rc = f->scan_rc;
	pthread_mutex_unlock(&f->lock);
	__atomic_sub_fetch(&f->sync_waiters, 1, __ATOMIC_RELAXED);
	return rc;
}

#define LOAD(field) __atomic_load_n(&f->ctr.field, __ATOMIC_RELAXED)

void vg_fim_stats(struct vg_fim *f, struct vg_fim_stats *out)
{
	*out = (struct vg_fim_stats){ .scans = LOAD(scans),
		                      .files = LOAD(files),
		                      .hashed = LOAD(hashed),
		                      .events = LOAD(events),
		                      .dropped = LOAD(dropped),
		                      .watches = LOAD(watches),
		                      .watch_failures = LOAD(watch_failures),
		                      .last_scan_s = (double)LOAD(last_scan_us) / 1e6,
		                      .whodata = __atomic_load_n(&f->whodata_on, __ATOMIC_RELAXED),
		                      .fanotify = f->fan != NULL };
}
