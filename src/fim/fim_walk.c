/*
 * fim_walk.c - walking the watched directories for a scan, on the monitor's
 * worker alone or with a small pool of scan threads. Directories wait in a
 * queue as open descriptors (at most JOBS_QUEUED_MAX; past that a thread
 * walks the subdirectory itself); each thread reads a directory, stats its
 * entries with fstatat() relative to the directory's descriptor and opens
 * and hashes files with openat(), with its own hash contexts, read buffer
 * and regex match data. A file whose size, mtime, ctime, inode, mode and
 * owner match the baseline is only marked seen (its `gen`), never opened;
 * every other file read becomes a result handed to the worker in batches,
 * so the table, the SQLite transaction and the events keep one writer.
 * The table's structure does not change while the threads run: the worker
 * links the new entries once the walk is over.
 */
#include "fim/fim_internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vigil/error.h"

#define JOBS_QUEUED_MAX 64  /* directories waiting with an open descriptor */
#define BATCH_MAX       256 /* results handed to the worker at once */
#define COLLECT_WAKE_MS 50  /* the worker reads the watchers at least this often */

struct job {
	struct job *next;
	struct fim_root *r;
	int fd, depth;
	size_t len;
	char path[];
};

struct batch {
	struct batch *next;
	size_t n;
	struct fim_res v[BATCH_MAX];
};

struct walker {
	struct fim_scan *s;
	struct fim_tools own; /* a scan thread's tools */
	struct fim_tools *t;
	struct batch *b;
	pthread_t thr;
	unsigned long long files, counted;
	char path[FIM_PATH_MAX];
	size_t len;
};

struct fim_scan {
	struct vg_fim *f;
	bool verify;
	unsigned nthreads;
	fim_res_fn fn;
	void *ctx;
	uint64_t t0_ms;
	pthread_mutex_t mu;
	pthread_cond_t jobs_cv, res_cv;
	struct job *jobs;
	size_t njobs, active; /* queued; queued or being walked */
	struct batch *res, *res_tail;
	unsigned long long nfiles; /* atomic: files visited, for the budget */
	bool abort;                /* atomic: the monitor is closing */
};

unsigned fim_scan_threads(void)
{
	const char *env = getenv("VIGIL_FIM_THREADS");
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (*end == '\0' && v >= 0)
			return v > FIM_THREADS_MAX ? FIM_THREADS_MAX : (unsigned)v;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n >= 2 ? 2 : 1;
}

struct fim_scan *fim_scan_new(struct vg_fim *f, bool verify, unsigned nthreads, fim_res_fn fn,
                              void *ctx)
{
	struct fim_scan *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	*s = (struct fim_scan){ .f = f,
		                .verify = verify,
		                .nthreads = nthreads > 1 ? nthreads : 0,
		                .fn = fn,
		                .ctx = ctx,
		                .t0_ms = fim_now_ms() };
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->jobs_cv, NULL);
	pthread_cond_init(&s->res_cv, NULL);
	return s;
}

void fim_scan_free(struct fim_scan *s)
{
	if (!s)
		return;
	while (s->jobs) {
		struct job *j = s->jobs;
		s->jobs = j->next;
		close(j->fd);
		free(j);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->jobs_cv);
	pthread_cond_destroy(&s->res_cv);
	free(s);
}

static int push_job(struct fim_scan *s, struct fim_root *r, int fd, const char *path, size_t len,
                    int depth)
{
	struct job *j = malloc(sizeof(*j) + len + 1);
	if (!j)
		return VG_ENOMEM;
	*j = (struct job){ .r = r, .fd = fd, .depth = depth, .len = len };
	memcpy(j->path, path, len);
	j->path[len] = '\0';
	j->next = s->jobs;
	s->jobs = j;
	s->njobs++;
	s->active++;
	pthread_cond_signal(&s->jobs_cv);
	return VG_OK;
}

int fim_scan_add_dir(struct fim_scan *s, struct fim_root *r, int fd, const char *path, int depth)
{
	pthread_mutex_lock(&s->mu);
	int rc = push_job(s, r, fd, path, strlen(path), depth);
	pthread_mutex_unlock(&s->mu);
	if (rc != VG_OK)
		close(fd);
	return rc;
}

/* Queues a subdirectory for another thread; false when the queue is full. */
static bool try_queue(struct walker *w, struct fim_root *r, int fd, int depth)
{
	struct fim_scan *s = w->s;
	pthread_mutex_lock(&s->mu);
	bool ok = s->njobs < JOBS_QUEUED_MAX && push_job(s, r, fd, w->path, w->len, depth) == VG_OK;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

static void drop_res(struct fim_res *res)
{
	fim_attrs_clear(&res->e->a);
	free(res->e);
	res->e = NULL;
}

/* Hands the thread's batch to the worker. */
static void flush(struct walker *w)
{
	struct fim_scan *s = w->s;
	FIM_COUNT(s->f, files, w->files - w->counted);
	w->counted = w->files;
	struct batch *b = w->b;
	if (!b || !b->n)
		return;
	w->b = NULL;
	b->next = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->res_tail)
		s->res_tail->next = b;
	else
		s->res = b;
	s->res_tail = b;
	pthread_cond_signal(&s->res_cv);
	pthread_mutex_unlock(&s->mu);
}

static void emit(struct walker *w, struct fim_res *res)
{
	struct fim_scan *s = w->s;
	if (!s->nthreads) {
		s->fn(s, res, s->ctx);
		return;
	}
	if (!w->b) {
		w->b = malloc(sizeof(*w->b));
		if (!w->b) {
			drop_res(res);
			return;
		}
		w->b->n = 0;
	}
	w->b->v[w->b->n++] = *res;
	if (w->b->n == BATCH_MAX)
		flush(w);
}

/* Keeps the scan under files_per_second and notices the monitor closing. */
static void budget(struct walker *w)
{
	if (++w->files % 64)
		return;
	struct fim_scan *s = w->s;
	unsigned long long total = __atomic_add_fetch(&s->nfiles, 64, __ATOMIC_RELAXED);
	if (__atomic_load_n(&s->f->stop, __ATOMIC_RELAXED))
		__atomic_store_n(&s->abort, true, __ATOMIC_RELAXED);
	unsigned fps = s->f->cfg->files_per_second;
	if (!fps)
		return;
	uint64_t due = s->t0_ms + total * 1000 / fps;
	uint64_t now = fim_now_ms();
	if (due > now) {
		struct timespec ts = { .tv_sec = (time_t)((due - now) / 1000),
			               .tv_nsec = (long)((due - now) % 1000) * 1000000 };
		nanosleep(&ts, NULL);
	}
}

/* A regular file or link at w->path: marked seen when unchanged, else read. */
static void record(struct walker *w, struct fim_root *r, int dfd, const char *name, int fd,
                   const struct stat *st, struct fim_entry *old)
{
	budget(w);
	if (old && !w->s->verify && !fim_attrs_stat_changed(&old->a, st)) {
		old->gen = w->s->f->gen;
		return;
	}
	struct fim_res res = { .old = old, .r = r };
	res.e = fim_entry_new(w->path, w->len, NULL);
	if (!res.e)
		return;
	if (fim_attrs_read(w->t, r, dfd, name, fd, st, &res.e->a) != VG_OK) {
		drop_res(&res);
		return;
	}
	emit(w, &res);
}

/* A file to read anyway: opened once and stat'ed through its descriptor. */
static void read_new(struct walker *w, struct fim_root *r, int dfd, const char *name,
                     struct fim_entry *old)
{
	struct stat st;
	int fd = fim_open_file(w->t, dfd, name);
	if (fd < 0) {
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			record(w, r, dfd, name, -1, &st, old); /* unreadable: its stat is kept */
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		record(w, r, dfd, name, fd, &st, old);
	close(fd);
}

static void walk_dir(struct walker *w, struct fim_root *r, int dfd, int depth);

static void descend(struct walker *w, struct fim_root *r, int dfd, const char *name, int depth)
{
	int cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return;
	if (w->s->nthreads && try_queue(w, r, cfd, depth))
		return;
	walk_dir(w, r, cfd, depth);
}

/* Whether path belongs to r rather than to a more specific watched path. */
static bool owns(const struct vg_fim *f, const struct fim_root *r, const char *path, size_t len)
{
	return f->nroots == 1 || fim_root_of(f, path, len) == r;
}

/* One entry of a directory; its full path is in w->path. */
static void visit(struct walker *w, struct fim_root *r, int dfd, const char *name,
                  unsigned char dtype, int depth)
{
	const struct vg_fim *f = w->s->f;
	struct fim_entry *old = NULL;
	bool looked = false;
	if (dtype == DT_REG) {
		old = fim_table_get(&f->tab, w->path, w->len);
		looked = true;
		if (!old || w->s->verify) {
			if (owns(f, r, w->path, w->len) &&
			    !fim_root_skips(r, w->t->match, w->path, w->len, false))
				read_new(w, r, dfd, name, old);
			return;
		}
	}
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		if (depth < r->cfg->recursion && fim_root_of(f, w->path, w->len) == r &&
		    !fim_root_skips(r, w->t->match, w->path, w->len, true))
			descend(w, r, dfd, name, depth + 1);
		return;
	}
	if ((!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) || !owns(f, r, w->path, w->len) ||
	    fim_root_skips(r, w->t->match, w->path, w->len, false))
		return;
	if (!looked)
		old = fim_table_get(&f->tab, w->path, w->len);
	record(w, r, dfd, name, -1, &st, old);
}

static void walk_dir(struct walker *w, struct fim_root *r, int dfd, int depth)
{
	const struct vg_fim *f = w->s->f;
	if ((r->cfg->realtime || r->cfg->whodata) && !r->fan && fim_rt_fd(f) >= 0) {
		struct fim_res res = { .r = r, .dir = true };
		res.e = fim_entry_new(w->path, w->len, NULL);
		if (res.e)
			emit(w, &res);
	}
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	size_t base = w->len;
	size_t sep = (base == 1 && w->path[0] == '/') ? 0 : 1;
	struct dirent *de;
	while (!__atomic_load_n(&w->s->abort, __ATOMIC_RELAXED) && (de = readdir(d))) {
		const char *n = de->d_name;
		if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
			continue;
		size_t nl = strlen(n);
		if (base + sep + nl + 1 > sizeof(w->path))
			continue;
		if (sep)
			w->path[base] = '/';
		memcpy(w->path + base + sep, n, nl + 1);
		w->len = base + sep + nl;
		visit(w, r, dfd, n, de->d_type, depth);
		w->len = base;
		w->path[base] = '\0';
	}
	closedir(d);
}

static void run_job(struct walker *w, struct job *j)
{
	memcpy(w->path, j->path, j->len + 1);
	w->len = j->len;
	if (__atomic_load_n(&w->s->abort, __ATOMIC_RELAXED))
		close(j->fd);
	else
		walk_dir(w, j->r, j->fd, j->depth);
	free(j);
	flush(w);
}

/* Takes jobs until none is queued or being walked. */
static void take_jobs(struct walker *w)
{
	struct fim_scan *s = w->s;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->jobs && s->active)
			pthread_cond_wait(&s->jobs_cv, &s->mu);
		if (!s->jobs)
			break;
		struct job *j = s->jobs;
		s->jobs = j->next;
		s->njobs--;
		pthread_mutex_unlock(&s->mu);
		run_job(w, j);
		pthread_mutex_lock(&s->mu);
		if (--s->active == 0) {
			pthread_cond_broadcast(&s->jobs_cv);
			pthread_cond_signal(&s->res_cv);
		}
	}
	pthread_mutex_unlock(&s->mu);
}

static void *thread_main(void *arg)
{
	struct walker *w = arg;
	pthread_setname_np(pthread_self(), "vigil-fim-scan");
	fim_lower_priority(w->s->f);
	take_jobs(w);
	return NULL;
}

/* The worker's side of a threaded walk: applies batches until all is done,
 * and meanwhile reads the real-time watchers (their changes wait in the
 * coalescing queue), so that a long scan does not overflow their queues. */
static void collect(struct fim_scan *s)
{
	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct batch *b = s->res;
		s->res = s->res_tail = NULL;
		bool done = !b && !s->active;
		if (!b && !done) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += COLLECT_WAKE_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&s->res_cv, &s->mu, &ts);
		}
		pthread_mutex_unlock(&s->mu);
		while (b) {
			struct batch *next = b->next;
			for (size_t i = 0; i < b->n; i++)
				s->fn(s, &b->v[i], s->ctx);
			free(b);
			b = next;
		}
		fim_fan_handle(s->f);
		fim_rt_handle(s->f);
		if (done)
			return;
		pthread_mutex_lock(&s->mu);
	}
}

static void run_threads(struct fim_scan *s, struct walker *ws)
{
	unsigned started = 0;
	for (unsigned i = 0; i < s->nthreads; i++) {
		ws[i].s = s;
		ws[i].t = &ws[i].own;
		if (fim_tools_init(&ws[i].own, s->f) != VG_OK ||
		    pthread_create(&ws[i].thr, NULL, thread_main, &ws[i]) != 0) {
			fim_tools_free(&ws[i].own);
			break;
		}
		started++;
	}
	if (started)
		collect(s);
	for (unsigned i = 0; i < started; i++) {
		pthread_join(ws[i].thr, NULL);
		FIM_COUNT(s->f, hashed, ws[i].own.hashed);
		fim_tools_free(&ws[i].own);
	}
	if (!started) { /* no thread: walk here */
		s->nthreads = 0;
		struct walker *w = &ws[0];
		*w = (struct walker){ .s = s, .t = &s->f->tools };
		take_jobs(w);
	}
}

bool fim_scan_run(struct fim_scan *s)
{
	struct walker *ws = calloc(s->nthreads ? s->nthreads : 1, sizeof(*ws));
	if (!ws)
		return true;
	if (s->nthreads) {
		run_threads(s, ws);
	} else {
		ws[0] = (struct walker){ .s = s, .t = &s->f->tools };
		take_jobs(&ws[0]);
	}
	FIM_COUNT(s->f, hashed, s->f->tools.hashed);
	s->f->tools.hashed = 0;
	free(ws);
	return __atomic_load_n(&s->abort, __ATOMIC_RELAXED);
}

int fim_read_one(struct vg_fim *f, struct fim_root *r, int dirfd, const char *name,
                 const char *path, size_t len, const struct stat *st, struct fim_res *res)
{
	res->r = r;
	res->dir = false;
	res->e = fim_entry_new(path, len, NULL);
	if (!res->e)
		return VG_ENOMEM;
	int rc = fim_attrs_read(&f->tools, r, dirfd, name, -1, st, &res->e->a);
	FIM_COUNT(f, hashed, f->tools.hashed);
	f->tools.hashed = 0;
	if (rc != VG_OK)
		drop_res(res);
	return rc;
}
