/*
 * rule.h - Wazuh rules: loading, the rule tree, evaluation and correlation.
 *
 * A rule set is built from Wazuh rule XML files (loaded in the order the
 * caller gives, which should be sorted by file name across all rule dirs)
 * plus the CDB lists the configuration declares. vg_rule_set_finish() builds
 * the tree exactly as Wazuh does (templates by category, children under
 * if_sid / if_level / if_group parents, siblings ordered level 0 first then
 * by level descending) and makes the set immutable: it may then be shared by
 * every worker. The mutable part of correlation (frequency windows,
 * if_matched_* history, fired counts, ignore timers) lives in a separate
 * struct vg_rule_state that one worker owns.
 */
#ifndef VIGIL_RULE_H
#define VIGIL_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/error.h"
#include "vigil/event.h"
#include "vigil/pattern.h"

/* <options> bits. */
enum vg_rule_option {
	VG_RULE_OPT_ALERT_BY_EMAIL = 1u << 0,
	VG_RULE_OPT_NO_EMAIL_ALERT = 1u << 1,
	VG_RULE_OPT_LOG_ALERT = 1u << 2,
	VG_RULE_OPT_NO_LOG = 1u << 3,
	VG_RULE_OPT_NO_AR = 1u << 4,
	VG_RULE_OPT_NO_FULL_LOG = 1u << 5,
	VG_RULE_OPT_NO_COUNTER = 1u << 6,
};

/* Compliance groups, split out of the groups as Wazuh's alert does
 * ("pci_dss_10.2.4" -> pci_dss "10.2.4"). */
enum vg_rule_compliance {
	VG_RC_PCI_DSS,
	VG_RC_GDPR,
	VG_RC_HIPAA,
	VG_RC_NIST_800_53,
	VG_RC_TSC,
	VG_RC_GPG13,
	VG_RC_CIS,
	VG_RC_COUNT
};

/* Alert key of a compliance group ("pci_dss" ...). */
const char *vg_rule_compliance_name(enum vg_rule_compliance c);

/* A string list owned by the rule set. */
struct vg_strv {
	const char **v;
	unsigned n;
};

/* A loaded rule. Read-only once the set is finished; everything it points
 * to is owned by the rule set. */
struct vg_rule {
	unsigned id;
	int level;
	const char *description;                /* raw, "$(field)" references left in */
	struct vg_strv groups;                  /* in Wazuh's order, compliance groups included */
	struct vg_strv compliance[VG_RC_COUNT]; /* prefix removed */
	struct vg_strv mitre_ids;               /* technique ids */
	struct vg_strv mitre_tactics;           /* tactic ids given with <mitre><tactic..> */
	const char *info;                       /* <info> text (last non-cve), NULL when none */
	const char *info_type;                  /* its type= ("text", "link"...), NULL = text */
	const char *cve;                        /* <cve> or <info type="cve">, NULL when none */
	unsigned frequency;                     /* 0 = not a frequency rule */
	unsigned timeframe;                     /* seconds */
	unsigned ignore_time;                   /* ignore= seconds, 0 = none */
	unsigned options;                       /* enum vg_rule_option bits */
	bool noalert;
	bool overwritten; /* replaced by an overwrite="yes" rule */
	int category;     /* enum vg_decoder_type, -1 when none */
	const char *file; /* file the (final) definition came from */
	unsigned line;
};

struct vg_rule_set;
struct vg_rule_state;

/* Creates an empty set. Returns VG_ENOMEM on failure (*out NULL). */
int vg_rule_set_create(struct vg_rule_set **out);
void vg_rule_set_destroy(struct vg_rule_set *set);

/*
 * Declares the CDB list that rules reference as name (e.g.
 * "etc/lists/audit-keys") and reads it from the text file path. Lists must
 * be declared before the rule files that use them are finished. Errors are
 * reported to diag (may be NULL); the set is unchanged on failure.
 */
int vg_rule_set_add_list(struct vg_rule_set *set, const char *name, const char *path,
                         struct vg_diag *diag);

/*
 * Loads every rule of one XML file (or buffer). Errors ("file:line: ...")
 * and warnings go to diag. A rule with an error is dropped and loading goes
 * on; the function then returns VG_EPARSE after loading what it could.
 * Returns VG_EIO/VG_ENOENT when the file cannot be read.
 */
int vg_rule_set_load_file(struct vg_rule_set *set, const char *path, struct vg_diag *diag);
int vg_rule_set_load_buffer(struct vg_rule_set *set, const char *buf, size_t len, const char *name,
                            struct vg_diag *diag);

/*
 * Marks the rules loaded from now on as built-in (true) or the user's
 * (false, the default). Among siblings of the same level, the user's rules
 * are tried before built-in ones, whatever the load order.
 */
void vg_rule_set_loading_builtin(struct vg_rule_set *set, bool builtin);

struct vg_sigma_rule;

/*
 * Adds a compiled Sigma rule (vigil/sigma.h) as rule id, taking ownership of
 * sr (freed with the set, or at once on failure). Its level, description
 * (the title), groups ("sigma", logsource, tactics, "sigma_<uuid>"), MITRE
 * ids and info (the Sigma id) come from the Sigma metadata. Sigma rules sit
 * beside the tree: after the tree has chosen its rule for an event, the
 * Sigma rules of higher level are tried, highest first, and the first that
 * matches replaces it. VG_EEXIST when id is taken; VG_EINVAL after finish.
 */
int vg_rule_set_add_sigma(struct vg_rule_set *set, struct vg_sigma_rule *sr, unsigned id,
                          struct vg_diag *diag);

/*
 * Builds the rule tree: resolves if_sid/if_group/if_level/category parents,
 * sorts siblings, compiles correlation indexes. Unknown if_sid parents are
 * warnings (as Wazuh). After this call the set is read-only; loading more
 * files fails with VG_EINVAL.
 */
int vg_rule_set_finish(struct vg_rule_set *set, struct vg_diag *diag);

/* The rule with this id, NULL when none. */
const struct vg_rule *vg_rule_set_find(const struct vg_rule_set *set, unsigned id);
/* Number of rules loaded (templates included, overwritten ones counted once). */
size_t vg_rule_set_count(const struct vg_rule_set *set);
/*
 * Calls fn on every <match> and <regex> pattern (their subject is the
 * event's log), for the prefilter. Only between finish and the first
 * evaluation. Returns VG_OK or fn's first non-zero result.
 */
int vg_rule_set_log_patterns(const struct vg_rule_set *set, vg_pattern_visit_fn fn, void *ctx);
/* The i-th rule in load order (i < count), for listings. */
const struct vg_rule *vg_rule_set_at(const struct vg_rule_set *set, size_t i);

/*
 * Mutable per-worker correlation state for a finished set (VG_EINVAL when
 * the set is not finished). Remembered events are bounded per history slot
 * (64 to 16384, from the rules' frequencies).
 */
int vg_rule_state_create(const struct vg_rule_set *set, struct vg_rule_state **out);
void vg_rule_state_destroy(struct vg_rule_state *st);

/* What an evaluation produced beside the rule. Pointers are owned by the
 * state and stay valid until the next vg_rule_eval() on it. */
struct vg_rule_result {
	const struct vg_rule *rule; /* same as the return value */
	unsigned firedtimes;        /* times this rule fired so far, this one included */
	bool ignored;               /* suppressed by an ignore timer (rule is NULL then) */
	/* Full logs of the earlier events that satisfied a frequency rule, most
	 * recent first (alert previous_output). */
	const char *const *prev_logs;
	unsigned nprev;
};

/*
 * Evaluates the rule tree on a decoded event and returns the final rule
 * (reported even at level 0 or noalert, as Wazuh's logtest does) or NULL when
 * no rule matched. ev->arrival drives timeframes and ignore timers. scratch
 * is the worker's pattern scratch (needed for PCRE2 rules). res may be NULL.
 * Records the event in the correlation state when its rule has level > 0.
 */
const struct vg_rule *vg_rule_eval(const struct vg_rule_set *set, struct vg_rule_state *st,
                                   const struct vg_event *ev, struct vg_pattern_scratch *scratch,
                                   struct vg_rule_result *res);

#endif
