/*
 * sca_internal.h - what the SCA files share: the compiled policy (checks,
 * rules, match terms), the per-run evaluation context and the helpers
 * between the loader, the rule compiler, the evaluator, the command runner,
 * the result store and the message builder.
 */
#ifndef VIGIL_SCA_INTERNAL_H
#define VIGIL_SCA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/arena.h"
#include "vigil/buf.h"
#include "vigil/pattern.h"
#include "vigil/sca.h"

/* Rule outcomes, as Wazuh's RETURN_NOT_FOUND / RETURN_FOUND / RETURN_INVALID. */
enum sca_found { SCA_NOT_FOUND = 0, SCA_FOUND = 1, SCA_INVALID = 2 };

enum sca_cond { SCA_COND_ALL, SCA_COND_ANY, SCA_COND_NONE };

enum sca_term_kind { SCA_TERM_REGEX, SCA_TERM_NUMERIC, SCA_TERM_LITERAL };

enum sca_op { SCA_OP_EQ, SCA_OP_NE, SCA_OP_LE, SCA_OP_GE, SCA_OP_LT, SCA_OP_GT };

/* One "minterm" of a content pattern: r:REGEX, n:REGEX compare OP N, or a literal line. */
struct sca_term {
	bool neg;
	enum sca_term_kind kind;
	struct vg_pattern *pat; /* NULL: did not compile (regex: never matches) */
	const char *literal;    /* SCA_TERM_LITERAL */
	enum sca_op op;         /* SCA_TERM_NUMERIC */
	long value;
	const char *invalid; /* numeric term that can only be invalid, and why */
};

/* Terms joined by " && ": a line matches when every term holds. */
struct sca_expr {
	struct sca_term *t;
	size_t n;
};

/* One rule after compilation. */
struct sca_rule {
	const char *text;            /* as written in the policy */
	bool negated;                /* "not " prefix */
	char type;                   /* 'f', 'd', 'c', 'p', 'r' */
	const char *target;          /* file/dir list or command, variables substituted */
	bool has_name;               /* d: a file-name filter follows the directory list */
	struct vg_pattern *name_pat; /* OS_Regex for "r:", OS_Match otherwise */
	bool has_content;            /* f:, c:, d: "-> pattern" */
	struct sca_expr content;     /* p: the process expression */
};

struct sca_compliance {
	const char *key;
	const char *value; /* comma-joined */
};

struct sca_check {
	long id;
	const char *title, *description, *rationale, *remediation, *references;
	const char *condition_text;
	enum sca_cond cond;
	struct sca_compliance *comp;
	size_t ncomp;
	struct sca_rule *rules;
	size_t nrules;
	bool pcre2;
	unsigned line;
};

struct vg_sca_policy {
	struct vg_arena *arena;
	struct vg_pattern **pats; /* every compiled pattern, destroyed with the policy */
	size_t npats, cappats;
	const char *path, *file, *id, *name, *description, *references;
	bool has_requirements;
	struct sca_check requirements;
	struct sca_check *checks;
	size_t nchecks;
	char hash_file[65]; /* sha256 of the policy text */
};

/* sca_rule.c: compiles rule text (variables already substituted) into r. On
 * failure returns VG_EPARSE with the reason in err. Compiled patterns are
 * appended to p->pats. Regex compile failures are reported through warn
 * (may be NULL) and make the term never match, as in Wazuh. */
int sca_rule_compile(struct vg_sca_policy *p, const char *text, bool pcre2, struct sca_rule *r,
                     char *err, size_t errlen, char *warn, size_t warnlen);

/* sca_exec.c: runs a command line (split on blanks, quotes group) with a
 * timeout, capturing stdout and stderr together. */
enum sca_exec_status { SCA_EXEC_OK, SCA_EXEC_NOEXEC, SCA_EXEC_TIMEOUT, SCA_EXEC_ERROR };
struct sca_exec_out {
	enum sca_exec_status status;
	int code;  /* exit status (SCA_EXEC_OK) */
	char *out; /* NUL-terminated, malloc'd; may be NULL */
	size_t len;
};
void sca_exec_run(const char *cmd, unsigned timeout_s, struct sca_exec_out *o);
void sca_exec_out_free(struct sca_exec_out *o);

/* sca_eval.c: evaluation context of one run. */
struct sca_cmd_cache;
struct sca_proc_list;
struct sca_ctx {
	struct vg_pattern_scratch *scratch;
	struct sca_cmd_cache *cmds;  /* shared by the run's workers; NULL: run commands here */
	struct sca_proc_list *procs; /* without cmds: read on first p: rule */
	unsigned timeout_s;
	/* Filled while a check is evaluated. */
	struct vg_buf reason; /* first reason recorded (empty = none) */
	struct vg_buf file, directory, command, process;
};
void sca_ctx_init(struct sca_ctx *c, unsigned timeout_s);
void sca_ctx_free(struct sca_ctx *c);
void sca_ctx_reset_check(struct sca_ctx *c);
/* Evaluates one check: its rules aggregated by its condition. */
enum sca_found sca_check_eval(struct sca_ctx *c, const struct sca_check *k);
enum vg_sca_result sca_found_result(const struct sca_check *k, enum sca_found f);
/* Matches a line against an expression: FOUND, NOT_FOUND or INVALID. */
enum sca_found sca_expr_match(struct sca_ctx *c, const struct sca_expr *e, const char *line);

/* sca_cmdcache.c: what the workers of one run share: the commands (each
 * run at most once, when first needed or ahead when sure) and the process
 * list. sure: the command is in a check's first rule, so it always runs. */
int sca_cmd_cache_create(struct sca_cmd_cache **out, unsigned timeout_s);
void sca_cmd_cache_destroy(struct sca_cmd_cache *cc);
int sca_cmd_cache_add(struct sca_cmd_cache *cc, const char *cmd, bool sure);
/* Orders the commands for the run; returns how many are sure (the first
 * ones, costliest first), which sca_cmd_cache_prefetch(cc, i) starts. */
size_t sca_cmd_cache_prepare(struct sca_cmd_cache *cc);
void sca_cmd_cache_prefetch(struct sca_cmd_cache *cc, size_t i);
/* The output of a registered command (run now, or waited for); NULL when
 * cc is NULL or the command was not registered. */
const struct sca_exec_out *sca_cmd_cache_get(struct sca_cmd_cache *cc, const char *cmd);
/* The process list, read on first use. */
const struct sca_proc_list *sca_cmd_cache_procs(struct sca_cmd_cache *cc);

/* sca_proc.c: the running processes' names. */
struct sca_proc_list *sca_proc_list_read(void);
void sca_proc_list_free(struct sca_proc_list *pl);
size_t sca_proc_list_count(const struct sca_proc_list *pl);
/* The i-th process's candidate names (argv[0], its basename, comm). */
const char *const *sca_proc_names(const struct sca_proc_list *pl, size_t i, size_t *n);

/* sca_hash.c: sha256 as 64 hex digits + NUL. */
void sca_sha256_hex(const void *data, size_t len, char out[65]);

/* sca_message.c: Wazuh's agent messages. */
int sca_message_check(struct vg_buf *b, const struct vg_sca_policy *p, const struct sca_check *k,
                      const struct vg_sca_check_result *r, long scan_id, const char *previous);
int sca_message_summary(struct vg_buf *b, const struct vg_sca_policy *p,
                        const struct vg_sca_report *r, long scan_id, bool force_alert);

/* sca_store.c: results kept across restarts (SQLite). */
struct sca_store;
int sca_store_open(const char *path, struct sca_store **out);
void sca_store_close(struct sca_store *st);
/* *found false when the check has no stored result. */
int sca_store_get_result(struct sca_store *st, const char *policy, long id, char *buf, size_t len,
                         bool *found);
int sca_store_put_result(struct sca_store *st, const char *policy, long id, const char *result);
int sca_store_get_scan(struct sca_store *st, const char *policy, char hash[65], bool *found);
int sca_store_put_scan(struct sca_store *st, const char *policy, long scan_id, const char *hash);
int sca_store_begin(struct sca_store *st);
int sca_store_commit(struct sca_store *st);

#endif
