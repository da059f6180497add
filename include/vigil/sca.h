/*
 * sca.h - Security Configuration Assessment: Wazuh SCA policies (YAML) run
 * unchanged, with their results stored and reported as Wazuh's agent does.
 *
 * A policy holds checks; each check combines rules (f: file, d: directory,
 * c: command, p: process, r: registry) with all / any / none, and is
 * passed, failed or not applicable (with a reason). vg_sca_policy_load()
 * and vg_sca_policy_run() assess a policy once (the CLI and tests use them).
 * struct vg_sca is the running input: it loads the configured policies (and
 * Vigil's own), rescans them on a worker thread, keeps the results in
 * <data_dir>/sca.db and queues Wazuh's SCA messages - every check on the
 * first scan, later only the checks whose result changed - plus a summary.
 * vg_sca_decode() is the manager-side decoder that turns those messages into
 * the sca.* fields Wazuh's rules 19000-19015 read.
 */
#ifndef VIGIL_SCA_H
#define VIGIL_SCA_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "vigil/collect.h"
#include "vigil/config.h"
#include "vigil/error.h"
#include "vigil/event.h"

#ifdef __cplusplus
extern "C" {
#endif

enum vg_sca_result {
	VG_SCA_PASSED,
	VG_SCA_FAILED,
	VG_SCA_NOT_APPLICABLE,
};

/* "passed", "failed", "not applicable". */
const char *vg_sca_result_name(enum vg_sca_result r);

/* A policy variable override: name with or without the leading '$'. */
struct vg_sca_var {
	const char *name;
	const char *value;
};

struct vg_sca_policy;

/*
 * Loads a policy file. vars override (or add to) the policy's `variables`.
 * Errors go to d as "file:line:col: what was expected"; regular expressions
 * Wazuh would fail to compile at scan time are warnings (those terms never
 * match, as in Wazuh). On success *out is owned by the caller
 * (vg_sca_policy_destroy); on failure it is NULL.
 */
int vg_sca_policy_load(const char *path, const struct vg_sca_var *vars, size_t nvars,
                       struct vg_sca_policy **out, struct vg_diag *d);
/* Same from memory; name is used in messages and as the policy's file name. */
int vg_sca_policy_parse(const char *text, size_t len, const char *name,
                        const struct vg_sca_var *vars, size_t nvars, struct vg_sca_policy **out,
                        struct vg_diag *d);
void vg_sca_policy_destroy(struct vg_sca_policy *p);
const char *vg_sca_policy_id(const struct vg_sca_policy *p);
const char *vg_sca_policy_name(const struct vg_sca_policy *p);
size_t vg_sca_policy_check_count(const struct vg_sca_policy *p);

struct vg_sca_run_opts {
	unsigned command_timeout_s; /* c: rules; 0 = 30 */
	unsigned workers;           /* checks evaluated in parallel; 0 = cores + 1 (2-8) */
};

struct vg_sca_check_result {
	long id;
	const char *title; /* points into the policy */
	enum vg_sca_result result;
	char *reason; /* not applicable only, else NULL */
	char *file;   /* comma-joined locations the rules looked at, or NULL */
	char *directory;
	char *command;
	char *process;
};

struct vg_sca_report {
	bool requirements_met; /* false: no check ran (checks empty) */
	char *requirements_reason;
	struct vg_sca_check_result *checks;
	size_t nchecks;
	unsigned passed, failed, invalid;
	int score;     /* passed * 100 / (passed + failed), 0 when both are 0 */
	char hash[65]; /* sha256 of the results ordered by check id, ':'-joined */
	time_t start, end;
};

/*
 * Runs a policy once: the requirements first (a report with
 * requirements_met false when they do not pass), then every check. Commands
 * run on a small pool, each at most once per run. *out is owned by the
 * caller (vg_sca_report_destroy).
 */
int vg_sca_policy_run(const struct vg_sca_policy *p, const struct vg_sca_run_opts *o,
                      struct vg_sca_report **out);
void vg_sca_report_destroy(struct vg_sca_report *r);

/*
 * Parses and compiles one rule ("not f:/etc/x -> r:^a && !r:b") without
 * running it, as the policy loader does. Returns VG_OK, or VG_EPARSE with
 * the reason in err. Used by the fuzzer and by `vigil sca`.
 */
int vg_sca_rule_check(const char *rule, bool pcre2, char *err, size_t errlen);

/* Vigil's own policies (the YAML files of ruleset/sca, compiled into the library). */
size_t vg_sca_builtin_count(void);
const char *vg_sca_builtin_name(size_t i);
const char *vg_sca_builtin_text(size_t i, size_t *len);

struct vg_sca;

/* Extra options of vg_sca_open_ex(); zeroed = vg_sca_open()'s behaviour. */
struct vg_sca_opts {
	bool no_thread;                /* no worker: the caller runs vg_sca_scan_now() */
	unsigned first_delay_ms;       /* first scan after open; 0 = 5000 */
	const struct vg_sca_var *vars; /* variable overrides for every policy */
	size_t nvars;
};

/* Loads cfg->policies (+ Vigil's embedded policies when cfg->builtin); a
 * policy that does not load is an error naming file:line and what was
 * expected. Results kept in <data_dir>/sca.db (SQLite). Scans run on a
 * worker thread every cfg->interval_s (first one soon after open); a policy
 * whose `requirements` are not met is skipped with an info log. */
int vg_sca_open(const struct vg_config_sca *cfg, const char *data_dir, struct vg_sca **out,
                struct vg_diag *d);
int vg_sca_open_ex(const struct vg_config_sca *cfg, const char *data_dir,
                   const struct vg_sca_opts *o, struct vg_sca **out, struct vg_diag *d);
void vg_sca_close(struct vg_sca *s);   /* NULL-safe */
int vg_sca_fd(const struct vg_sca *s); /* descriptor to poll for POLLIN (eventfd), -1 none */
int vg_sca_timeout_ms(const struct vg_sca *s); /* -1 none */
/* Scans every policy now, in the calling thread (serialised with the
 * worker); the messages are queued for vg_sca_poll(). */
int vg_sca_scan_now(struct vg_sca *s);
/* Delivers queued events (at most max, 0 = all): cb(ctx, "sca", json_line, len): Wazuh's agent
 * SCA messages ("type":"check" with policy, policy_id, check{id,title,description,rationale,
 * remediation,compliance,rules,condition,file/command/..., result, reason, previous_result when
 * it changed}; "type":"summary" with policy, scan_id, passed, failed, invalid(=not applicable),
 * total_checks, score, hash, start/end time). After the first scan of a policy only checks whose
 * result changed are sent (plus the summary). Returns the number delivered. */
int vg_sca_poll(struct vg_sca *s, vg_collect_cb cb, void *ctx, size_t max);

/* Location of SCA events. */
#define VG_SCA_LOCATION "sca"

/* Internal decoder the engine calls for events whose location is "sca": sets decoder name
 * "sca", ev->decoder_type = VG_DT_OSSEC and the dynamic fields Wazuh's analysisd sets
 * (sca.type, sca.scan_id, sca.policy, sca.policy_id, sca.file, sca.description, sca.passed,
 * sca.failed, sca.invalid, sca.total_checks, sca.score for summaries; sca.check.* for checks).
 * VG_ENOENT when not an SCA event, VG_EPARSE when broken (never crashes). */
int vg_sca_decode(struct vg_event *ev, const char *json, size_t len);

#ifdef __cplusplus
}
#endif
#endif
