/*
 * sca.c - the SCA input of `vigil run`: loads the configured policies and
 * Vigil's own, scans them on a worker thread every interval, compares each
 * check's result with the one stored in <data_dir>/sca.db and queues
 * Wazuh's messages - every check on a policy's first scan, afterwards only
 * the checks whose result changed (with previous_result) - and a summary.
 * The caller polls an eventfd and collects the messages with vg_sca_poll().
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sca/sca_internal.h"
#include "vigil/log.h"

#define SCA_NICE 10 /* niceness of scheduled scans and their commands */

struct vg_sca {
	struct vg_sca_policy **pol;
	size_t npol;
	struct sca_store *store;
	struct vg_sca_run_opts run;
	unsigned interval_s, first_delay_ms;
	long scan_seq;
	int efd;
	pthread_mutex_t qlock; /* the queue */
	char **q;
	size_t qhead, qlen, qcap;
	pthread_mutex_t scanlock; /* one scan at a time */
	pthread_mutex_t lock;     /* stop flag + cond */
	pthread_cond_t cond;
	bool stop, thread_started;
	pthread_t th;
};

static int enqueue(struct vg_sca *s, const char *line)
{
	char *c = strdup(line);
	if (!c)
		return VG_ENOMEM;
	pthread_mutex_lock(&s->qlock);
	if (s->qhead + s->qlen == s->qcap) {
		if (s->qhead) {
			memmove(s->q, s->q + s->qhead, s->qlen * sizeof(*s->q));
			s->qhead = 0;
		}
		if (s->qlen == s->qcap) {
			size_t cap = s->qcap ? s->qcap * 2 : 256;
			char **nq = realloc(s->q, cap * sizeof(*nq));
			if (!nq) {
				pthread_mutex_unlock(&s->qlock);
				free(c);
				return VG_ENOMEM;
			}
			s->q = nq;
			s->qcap = cap;
		}
	}
	s->q[s->qhead + s->qlen++] = c;
	pthread_mutex_unlock(&s->qlock);
	uint64_t one = 1;
	if (s->efd >= 0 && write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vg_debug("sca: eventfd write failed: %s", strerror(errno));
	return VG_OK;
}

/* Queues the changed checks (all of them on the first scan) and records the results. */
static int report_checks(struct vg_sca *s, const struct vg_sca_policy *p,
                         const struct vg_sca_report *r, long scan_id, bool first)
{
	struct vg_buf b;
	vg_buf_init(&b, 0);
	int rc = VG_OK;
	for (size_t i = 0; i < r->nchecks && rc == VG_OK; i++) {
		const struct vg_sca_check_result *c = &r->checks[i];
		const char *now = vg_sca_result_name(c->result);
		char prev[32];
		bool found = false;
		rc = sca_store_get_result(s->store, p->id, c->id, prev, sizeof(prev), &found);
		if (rc != VG_OK)
			break;
		bool changed = found && strcmp(prev, now) != 0;
		if (first || !found || changed) {
			rc = sca_message_check(&b, p, &p->checks[i], c, scan_id,
			                       changed ? prev : NULL);
			if (rc == VG_OK)
				rc = enqueue(s, vg_buf_str(&b));
		}
		if (rc == VG_OK && (!found || changed))
			rc = sca_store_put_result(s->store, p->id, c->id, now);
	}
	vg_buf_free(&b);
	return rc;
}

static int scan_policy(struct vg_sca *s, const struct vg_sca_policy *p)
{
	struct vg_sca_report *r;
	int rc = vg_sca_policy_run(p, &s->run, &r);
	if (rc != VG_OK)
		return rc;
	if (!r->requirements_met) {
		vg_info("sca: policy '%s' skipped: requirements not met (%s)", p->id,
		        r->requirements_reason ? r->requirements_reason : "");
		vg_sca_report_destroy(r);
		return VG_OK;
	}
	long scan_id = ((long)time(NULL) & 0x3fffffff) + ++s->scan_seq;
	char old_hash[65];
	bool seen = false;
	rc = sca_store_get_scan(s->store, p->id, old_hash, &seen);
	if (rc == VG_OK)
		rc = sca_store_begin(s->store);
	if (rc == VG_OK) {
		rc = report_checks(s, p, r, scan_id, !seen);
		if (rc == VG_OK)
			rc = sca_store_put_scan(s->store, p->id, scan_id, r->hash);
		int crc = sca_store_commit(s->store);
		rc = rc == VG_OK ? crc : rc;
	}
	struct vg_buf b;
	vg_buf_init(&b, 0);
	if (rc == VG_OK)
		rc =
		    sca_message_summary(&b, p, r, scan_id, !seen || strcmp(old_hash, r->hash) != 0);
	if (rc == VG_OK)
		rc = enqueue(s, vg_buf_str(&b));
	vg_buf_free(&b);
	vg_info("sca: policy '%s': %u passed, %u failed, %u not applicable, score %d%%", p->id,
	        r->passed, r->failed, r->invalid, r->score);
	vg_sca_report_destroy(r);
	return rc;
}

int vg_sca_scan_now(struct vg_sca *s)
{
	int rc = VG_OK;
	pthread_mutex_lock(&s->scanlock);
	for (size_t i = 0; i < s->npol; i++) {
		int prc = scan_policy(s, s->pol[i]);
		if (prc != VG_OK) {
			vg_warn("sca: policy '%s': scan failed: %s", s->pol[i]->id,
			        vg_strerror(prc));
			rc = prc;
		}
	}
	pthread_mutex_unlock(&s->scanlock);
	return rc;
}

/* Waits ms or until stopped; true when stopped. */
static bool wait_stop(struct vg_sca *s, unsigned long long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->lock);
	while (!s->stop && pthread_cond_timedwait(&s->cond, &s->lock, &ts) != ETIMEDOUT)
		;
	bool stop = s->stop;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

static void *worker(void *arg)
{
	struct vg_sca *s = arg;
	/* Scheduled scans run at nice 10, as Wazuh's modules do by default; the
	 * evaluation threads and the commands they start inherit it. */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), SCA_NICE);
	unsigned long long delay = s->first_delay_ms;
	while (!wait_stop(s, delay)) {
		vg_sca_scan_now(s);
		delay = (unsigned long long)s->interval_s * 1000ULL;
	}
	return NULL;
}

static int add_policy(struct vg_sca *s, struct vg_sca_policy *p, struct vg_diag *d)
{
	for (size_t i = 0; i < s->npol; i++)
		if (strcmp(s->pol[i]->id, p->id) == 0) {
			vg_diag_add(d, VG_DIAG_ERROR, p->path, 0, 0,
			            "policy id '%s' is already used by %s", p->id, s->pol[i]->path);
			vg_sca_policy_destroy(p);
			return VG_EPARSE;
		}
	struct vg_sca_policy **np = realloc(s->pol, (s->npol + 1) * sizeof(*np));
	if (!np) {
		vg_sca_policy_destroy(p);
		return VG_ENOMEM;
	}
	s->pol = np;
	s->pol[s->npol++] = p;
	return VG_OK;
}

static int load_policies(struct vg_sca *s, const struct vg_config_sca *cfg,
                         const struct vg_sca_opts *o, struct vg_diag *d)
{
	const struct vg_sca_var *vars = o ? o->vars : NULL;
	size_t nvars = o ? o->nvars : 0;
	for (size_t i = 0; cfg && i < cfg->npolicies; i++) {
		struct vg_sca_policy *p;
		int rc = vg_sca_policy_load(cfg->policies[i], vars, nvars, &p, d);
		if (rc == VG_OK)
			rc = add_policy(s, p, d);
		if (rc != VG_OK)
			return rc;
	}
	for (size_t i = 0; (!cfg || cfg->builtin) && i < vg_sca_builtin_count(); i++) {
		size_t len;
		const char *text = vg_sca_builtin_text(i, &len);
		struct vg_sca_policy *p;
		int rc = vg_sca_policy_parse(text, len, vg_sca_builtin_name(i), vars, nvars, &p, d);
		if (rc == VG_OK)
			rc = add_policy(s, p, d);
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}

int vg_sca_open_ex(const struct vg_config_sca *cfg, const char *data_dir,
                   const struct vg_sca_opts *o, struct vg_sca **out, struct vg_diag *d)
{
	*out = NULL;
	struct vg_sca *s = calloc(1, sizeof(*s));
	if (!s)
		return VG_ENOMEM;
	s->efd = -1;
	pthread_mutex_init(&s->qlock, NULL);
	pthread_mutex_init(&s->scanlock, NULL);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->run.command_timeout_s = cfg && cfg->command_timeout_s ? cfg->command_timeout_s : 30;
	s->interval_s = cfg && cfg->interval_s ? cfg->interval_s : 43200;
	s->first_delay_ms = o && o->first_delay_ms ? o->first_delay_ms : 5000;
	int rc = load_policies(s, cfg, o, d);
	char path[4096];
	if (rc == VG_OK) {
		snprintf(path, sizeof(path), "%s/sca.db", data_dir ? data_dir : ".");
		rc = sca_store_open(path, &s->store);
		if (rc != VG_OK)
			vg_diag_add(d, VG_DIAG_ERROR, path, 0, 0,
			            "cannot open the SCA results database");
	}
	if (rc == VG_OK && (s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		rc = VG_EIO;
	if (rc == VG_OK && !(o && o->no_thread)) {
		if (pthread_create(&s->th, NULL, worker, s) != 0)
			rc = VG_ENOMEM;
		else
			s->thread_started = true;
	}
	if (rc != VG_OK) {
		vg_sca_close(s);
		return rc;
	}
	*out = s;
	return VG_OK;
}

int vg_sca_open(const struct vg_config_sca *cfg, const char *data_dir, struct vg_sca **out,
                struct vg_diag *d)
{
	return vg_sca_open_ex(cfg, data_dir, NULL, out, d);
}

void vg_sca_close(struct vg_sca *s)
{
	if (!s)
		return;
	if (s->thread_started) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->th, NULL);
	}
	for (size_t i = 0; i < s->npol; i++)
		vg_sca_policy_destroy(s->pol[i]);
	free(s->pol);
	for (size_t i = 0; i < s->qlen; i++)
		free(s->q[s->qhead + i]);
	free(s->q);
	sca_store_close(s->store);
	if (s->efd >= 0)
		close(s->efd);
	pthread_mutex_destroy(&s->qlock);
	pthread_mutex_destroy(&s->scanlock);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

int vg_sca_fd(const struct vg_sca *s)
{
	return s ? s->efd : -1;
}

int vg_sca_timeout_ms(const struct vg_sca *s)
{
	(void)s;
	return -1;
}

int vg_sca_poll(struct vg_sca *s, vg_collect_cb cb, void *ctx, size_t max)
{
	uint64_t cnt;
	if (s->efd >= 0 && read(s->efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		vg_debug("sca: eventfd read failed: %s", strerror(errno));
	int n = 0;
	for (;;) {
		pthread_mutex_lock(&s->qlock);
		char *line = NULL;
		if (s->qlen && (max == 0 || (size_t)n < max)) {
			line = s->q[s->qhead++];
			s->qlen--;
			if (!s->qlen)
				s->qhead = 0;
		}
		bool more = s->qlen > 0;
		pthread_mutex_unlock(&s->qlock);
		if (!line) {
			uint64_t one = 1;
			if (more && s->efd >= 0 && write(s->efd, &one, sizeof(one)) < 0)
				vg_debug("sca: eventfd write failed");
			return n;
		}
		cb(ctx, VG_SCA_LOCATION, line, strlen(line));
		free(line);
		n++;
	}
}
