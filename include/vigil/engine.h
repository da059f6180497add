/*
 * engine.h - the analysis engine: a compiled ruleset and the analyzers that
 * run events through it.
 *
 * A struct vg_ruleset bundles decoders, rules and CDB lists compiled from
 * Wazuh-format XML files. It is immutable once built and reference counted:
 * a reload compiles a new one and swaps it in; events already in flight
 * finish on the old one. A struct vg_analyzer owns what one worker thread
 * needs (the event and its arena, pattern scratch, correlation state) and
 * processes one event at a time without locks.
 */
#ifndef VIGIL_ENGINE_H
#define VIGIL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/error.h"
#include "vigil/event.h"

struct vg_rule;
struct vg_rule_result;
struct vg_sigma_opts;

/* A ruleset file given by path, or by name and in-memory text. */
struct vg_ruleset_file {
	const char *name; /* basename: sets the load order and appears in messages */
	const char *path; /* read from here when text is NULL */
	const char *text; /* in-memory XML; NULL to read path */
};

struct vg_list_decl {
	const char *name; /* how rules refer to it, e.g. "etc/lists/audit-keys" */
	const char *path; /* the key:value text source */
};

struct vg_ruleset_opts {
	/* Directories whose *.xml files are loaded (all directories' files together,
	 * sorted by file name). */
	const char *const *decoder_dirs;
	size_t ndecoder_dirs;
	const char *const *rule_dirs;
	size_t nrule_dirs;
	/* Extra single files, sorted together with the directories' files. */
	const struct vg_ruleset_file *decoder_files;
	size_t ndecoder_files;
	const struct vg_ruleset_file *rule_files;
	size_t nrule_files;
	/* File basenames to leave out (like Wazuh's decoder_exclude/rule_exclude). */
	const char *const *exclude;
	size_t nexclude;
	const struct vg_list_decl *lists;
	size_t nlists;
	/* Also load Vigil's built-in ruleset (after the files above). */
	bool builtin;
	/* Sigma rules (vigil/sigma.h): every *.yml / *.yaml below these
	 * directories (recursively, sorted by path), then these files; loaded
	 * after the XML rules as ids VG_SIGMA_FIRST_ID + n. A rule that cannot
	 * be loaded is reported in the diag (with the reason) and skipped. */
	const char *const *sigma_dirs;
	size_t nsigma_dirs;
	const char *const *sigma_files;
	size_t nsigma_files;
	const struct vg_sigma_opts *sigma_opts; /* placeholders; may be NULL */
};

struct vg_ruleset;

/*
 * Compiles a ruleset. Errors and warnings (with file:line) are added to diag.
 * On success *out holds one reference. A file that fails to load makes the
 * whole load fail with VG_EPARSE; skips that Wazuh makes are warnings.
 */
int vg_ruleset_load(const struct vg_ruleset_opts *opts, struct vg_ruleset **out,
                    struct vg_diag *diag);
struct vg_ruleset *vg_ruleset_ref(struct vg_ruleset *rs);
/* Drops a reference; the last one frees the ruleset. NULL-safe. */
void vg_ruleset_unref(struct vg_ruleset *rs);
size_t vg_ruleset_decoder_count(const struct vg_ruleset *rs);
size_t vg_ruleset_rule_count(const struct vg_ruleset *rs);
const struct vg_rule *vg_ruleset_find_rule(const struct vg_ruleset *rs, unsigned id);

/* What one event produced. Valid until the next vg_analyzer_process(). */
struct vg_analysis {
	struct vg_event *event;
	const struct vg_rule *rule;    /* final rule, also at level 0; NULL when none */
	struct vg_rule_result *result; /* firedtimes, previous events of correlation */
	bool alert;                    /* rule level >= the alert threshold and not no_log */
};

struct vg_analyzer;

/* Creates an analyzer on rs (takes its own reference). alert_level is the
 * minimum rule level that makes vg_analysis.alert true (Wazuh default: 3). */
int vg_analyzer_create(struct vg_ruleset *rs, int alert_level, struct vg_analyzer **out);
void vg_analyzer_destroy(struct vg_analyzer *a);
/* Switches to another ruleset; correlation state starts afresh. */
int vg_analyzer_set_ruleset(struct vg_analyzer *a, struct vg_ruleset *rs);
struct vg_ruleset *vg_analyzer_ruleset(const struct vg_analyzer *a);
/* Forgets correlation state (a new logtest session). */
int vg_analyzer_reset_state(struct vg_analyzer *a);

/*
 * Pre-decodes, decodes and evaluates one event. location is "stdin", a file
 * path or an agent location; log is the raw line (no trailing newline).
 * The event's arrival time is now, or *when if when is not NULL.
 */
int vg_analyzer_process(struct vg_analyzer *a, const char *location, const char *log,
                        const struct timespec *when, struct vg_analysis *out);

#endif
