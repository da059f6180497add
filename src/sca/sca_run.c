/*
 * sca_run.c - one assessment of a policy: the requirements, then the
 * commands of every check run in parallel (each once), then the checks in
 * order; the report counts passed / failed / not applicable, the score
 * (passed out of passed + failed, in percent) and Wazuh's results hash
 * (SHA-256 of the results ordered by check id, joined by ':').
 */
#include <stdlib.h>
#include <string.h>

#include "sca/sca_internal.h"

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

static int collect_commands(const struct vg_sca_policy *p, struct sca_cmd_cache *cc)
{
	for (size_t i = 0; i < p->nchecks; i++)
		for (size_t j = 0; j < p->checks[i].nrules; j++) {
			const struct sca_rule *r = &p->checks[i].rules[j];
			if (r->type == 'c' && r->has_content) {
				int rc = sca_cmd_cache_add(cc, r->target);
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
	*out = NULL;
	if (!r)
		return VG_ENOMEM;
	sca_ctx_init(&c, timeout);
	int rc = c.scratch ? VG_OK : VG_ENOMEM;
	r->start = time(NULL);
	if (rc == VG_OK && !(r->requirements_met = requirements_met(&c, p, r)))
		goto done;
	if (rc == VG_OK)
		rc = sca_cmd_cache_create(&c.cmds);
	if (rc == VG_OK)
		rc = collect_commands(p, c.cmds);
	if (rc == VG_OK)
		sca_cmd_cache_run(c.cmds, timeout, o ? o->workers : 0);
	if (rc == VG_OK && !(r->checks = calloc(p->nchecks ? p->nchecks : 1, sizeof(*r->checks))))
		rc = VG_ENOMEM;
	for (size_t i = 0; rc == VG_OK && i < p->nchecks; i++) {
		run_check(&c, &p->checks[i], &r->checks[i]);
		r->nchecks = i + 1;
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
	sca_cmd_cache_destroy(c.cmds);
	c.cmds = NULL;
	sca_ctx_free(&c);
	if (rc != VG_OK) {
		vg_sca_report_destroy(r);
		return rc;
	}
	*out = r;
	return VG_OK;
}
