/*
 * sca_run.c - one assessment of a policy: the requirements, then the
 * checks, evaluated by a few worker threads (each check by one worker,
 * with Wazuh's short-circuit, so a command is run only when a check
 * reaches it; commands of first rules are started ahead); the report
 * counts passed / failed / not applicable, the score (passed out of
 * passed + failed, in percent) and Wazuh's results hash (SHA-256 of the
 * results ordered by check id, joined by ':').
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sca/sca_internal.h"

/* The commands' own CPU bounds a run: one worker per core plus one to
 * cover the waits (3 on 2 cores; more gave nothing there, see docs/sca.md). */
#define SCA_MAX_WORKERS 16

const char *vg_sca_result_name(enum vg_sca_result r)
{
	switch (r) {
	case VG_SCA_PASSED: return "passed";
	case VG_SCA_FAILED: return "failed";
	default: return "not applicable";
	}
}

void vg_sca_report_destroy(struct vg_sca_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nchecks; i++) {
		struct vg_sca_check_result *c = &r->checks[i];
		free(c->reason);
		free(c->file);
		free(c->directory);
		free(c->command);
		free(c->process);
	}
	free(r->checks);
	free(r->requirements_reason);
	free(r);
}

static char *take(const struct vg_buf *b)
{
	return b->len ? strdup(vg_buf_str(b)) : NULL;
}

/* Registers the policy's commands; a check's first rule always runs. */
static int collect_commands(const struct vg_sca_policy *p, struct sca_cmd_cache *cc)
{
	for (size_t i = 0; i < p->nchecks; i++)
		for (size_t j = 0; j < p->checks[i].nrules; j++) {
			const struct sca_rule *r = &p->checks[i].rules[j];
			if (r->type == 'c' && r->has_content) {
				int rc = sca_cmd_cache_add(cc, r->target, j == 0);
				if (rc != VG_OK)
					return rc;
			}
		}
	return VG_OK;
}

static int cmp_id(const void *a, const void *b)
{
	long x = ((const struct vg_sca_check_result *)a)->id;
	long y = ((const struct vg_sca_check_result *)b)->id;
	return x < y ? -1 : x > y;
}

/* Wazuh's integrity hash: results sorted by id, ':'-joined, SHA-256. */
static int results_hash(struct vg_sca_report *r)
{
	struct vg_sca_check_result *sorted =
	    malloc((r->nchecks ? r->nchecks : 1) * sizeof(*sorted));
	if (!sorted)
		return VG_ENOMEM;
	memcpy(sorted, r->checks, r->nchecks * sizeof(*sorted));
	qsort(sorted, r->nchecks, sizeof(*sorted), cmp_id);
	struct vg_buf b;
	vg_buf_init(&b, 0);
	int rc = VG_OK;
	for (size_t i = 0; i < r->nchecks && rc == VG_OK; i++) {
		if (i)
			rc = vg_buf_addc(&b, ':');
		if (rc == VG_OK)
			rc = vg_buf_addstr(&b, vg_sca_result_name(sorted[i].result));
	}
	if (rc == VG_OK)
		sca_sha256_hex(vg_buf_str(&b), b.len, r->hash);
	vg_buf_free(&b);
	free(sorted);
	return rc;
}

static void run_check(struct sca_ctx *c, const struct sca_check *k, struct vg_sca_check_result *out)
{
	sca_ctx_reset_check(c);
	enum sca_found f = sca_check_eval(c, k);
	out->id = k->id;
	out->title = k->title;
	out->result = sca_found_result(k, f);
	if (out->result == VG_SCA_NOT_APPLICABLE)
		out->reason = strdup(c->reason.len ? vg_buf_str(&c->reason) : "Unknown reason");
	out->file = take(&c->file);
	out->directory = take(&c->directory);
	out->command = take(&c->command);
	out->process = take(&c->process);
}

/* One run's work, shared by its workers: first the sure commands (started
 * ahead, costliest first), then the checks, each evaluated by one worker. */
struct run_work {
	const struct vg_sca_policy *p;
	struct vg_sca_report *r;
	struct sca_cmd_cache *cmds;
	unsigned timeout_s;
	size_t nsure;
	atomic_size_t next;    /* next task */
	atomic_size_t checked; /* checks evaluated */
};

static void *run_worker(void *arg)
{
	struct run_work *w = arg;
	struct sca_ctx c;
	sca_ctx_init(&c, w->timeout_s);
	c.cmds = w->cmds;
	while (c.scratch) {
		size_t t = atomic_fetch_add(&w->next, 1);
		if (t < w->nsure) {
			sca_cmd_cache_prefetch(w->cmds, t);
			continue;
		}
		if ((t -= w->nsure) >= w->p->nchecks)
			break;
		run_check(&c, &w->p->checks[t], &w->r->checks[t]);
		atomic_fetch_add(&w->checked, 1);
	}
	c.cmds = NULL;
	sca_ctx_free(&c);
	return NULL;
}

/* Evaluates every check on `workers` threads (the caller is one of them). */
static int run_checks(struct run_work *w, unsigned workers)
{
	pthread_t th[SCA_MAX_WORKERS];
	size_t nth = 0;
	if (workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		workers = n < 2 ? 2 : n > 7 ? 8 : (unsigned)n + 1;
	}
	if (workers > SCA_MAX_WORKERS)
		workers = SCA_MAX_WORKERS;
	w->nsure = sca_cmd_cache_prepare(w->cmds);
	for (unsigned i = 1; i < workers && i < w->nsure + w->p->nchecks; i++)
		if (pthread_create(&th[nth], NULL, run_worker, w) == 0)
			nth++;
	run_worker(w);
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	return atomic_load(&w->checked) == w->p->nchecks ? VG_OK : VG_ENOMEM;
}

static bool requirements_met(struct sca_ctx *c, const struct vg_sca_policy *p,
                             struct vg_sca_report *r)
{
	if (!p->has_requirements)
		return true;
	sca_ctx_reset_check(c);
	enum sca_found f = sca_check_eval(c, &p->requirements);
	if (f == SCA_FOUND)
		return true;
	if (f == SCA_INVALID && c->reason.len)
		r->requirements_reason = strdup(vg_buf_str(&c->reason));
	else
		r->requirements_reason = strdup(p->requirements.title);
	return false;
}

int vg_sca_policy_run(const struct vg_sca_policy *p, const struct vg_sca_run_opts *o,
                      struct vg_sca_report **out)
{
	unsigned timeout = o && o->command_timeout_s ? o->command_timeout_s : 30;
	struct vg_sca_report *r = calloc(1, sizeof(*r));
	struct sca_ctx c;
	struct sca_cmd_cache *cmds = NULL;
	*out = NULL;
	if (!r)
		return VG_ENOMEM;
	sca_ctx_init(&c, timeout);
	int rc = c.scratch ? VG_OK : VG_ENOMEM;
	r->start = time(NULL);
	if (rc == VG_OK && !(r->requirements_met = requirements_met(&c, p, r)))
		goto done;
	if (rc == VG_OK)
		rc = sca_cmd_cache_create(&cmds, timeout);
	if (rc == VG_OK)
		rc = collect_commands(p, cmds);
	if (rc == VG_OK && !(r->checks = calloc(p->nchecks ? p->nchecks : 1, sizeof(*r->checks))))
		rc = VG_ENOMEM;
	if (rc == VG_OK) {
		struct run_work w = { .p = p, .r = r, .cmds = cmds, .timeout_s = timeout };
		rc = run_checks(&w, o ? o->workers : 0);
		r->nchecks = p->nchecks;
	}
	for (size_t i = 0; rc == VG_OK && i < r->nchecks; i++) {
		r->passed += r->checks[i].result == VG_SCA_PASSED;
		r->failed += r->checks[i].result == VG_SCA_FAILED;
		r->invalid += r->checks[i].result == VG_SCA_NOT_APPLICABLE;
	}
	if (rc == VG_OK && r->passed + r->failed)
		r->score = (int)((double)r->passed / (double)(r->passed + r->failed) * 100.0);
	if (rc == VG_OK)
		rc = results_hash(r);
done:
	r->end = time(NULL);
	sca_cmd_cache_destroy(cmds);
	sca_ctx_free(&c);
	if (rc != VG_OK) {
		vg_sca_report_destroy(r);
		return rc;
	}
	*out = r;
	return VG_OK;
}
