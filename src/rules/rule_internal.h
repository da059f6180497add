/*
 * rule_internal.h - private structures shared by the rules module's files.
 *
 * struct rule_impl wraps the public struct vg_rule with everything needed to
 * match (compiled expressions, lists, time windows), to place the rule in
 * the tree (if_sid/if_group/if_level/category) and to correlate
 * (if_matched_*, same_* / different_* constraints, history slots). The rule
 * set owns every rule, string and pattern; struct vg_rule_state holds the
 * per-worker mutable side.
 */
#ifndef VIGIL_RULE_INTERNAL_H
#define VIGIL_RULE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "vigil/arena.h"
#include "vigil/cdb.h"
#include "vigil/pattern.h"
#include "vigil/rule.h"

#define RULE_MAX_DEPTH      64
#define RULE_MAX_ID         999999u
#define RULE_DEFAULT_TFRAME 360u

/* Wazuh decoder types, as in enum vg_decoder_type of vigil/decoder.h. */
enum rule_category {
	RULE_CAT_SYSLOG = 0,
	RULE_CAT_FIREWALL,
	RULE_CAT_IDS,
	RULE_CAT_WEBLOG,
	RULE_CAT_SQUID,
	RULE_CAT_WINDOWS,
	RULE_CAT_HOSTINFO,
	RULE_CAT_OSSEC,
};
#define RULE_NCATS (RULE_CAT_OSSEC + 1)

enum rule_expr_kind { RX_PATTERN, RX_STRING, RX_IP };

struct rule_net {
	unsigned char addr[16];
	unsigned char mask[16];
	bool v6;
	bool negate;
};

/* One compiled condition on a string. */
struct rule_expr {
	enum rule_expr_kind kind;
	bool negate;
	struct vg_pattern *pat;
	const char *str;
	struct rule_net *nets;
	unsigned nnets;
};

/* The string conditions, in Wazuh's check order. */
enum rule_check {
	RC_PROGRAM_NAME,
	RC_ID,
	RC_SYSTEM_NAME,
	RC_PROTOCOL,
	RC_MATCH,
	RC_REGEX,
	RC_ACTION,
	RC_URL,
	RC_LOCATION,
	/* dynamic <field> checks run here */
	RC_SRCIP,
	RC_DSTIP,
	RC_SRCPORT,
	RC_DSTPORT,
	RC_USER,
	RC_SRCGEOIP,
	RC_DSTGEOIP,
	RC_DATA,
	RC_EXTRA_DATA,
	RC_HOSTNAME,
	RC_STATUS,
	RC_COUNT
};

struct rule_field_check {
	const char *name;
	struct rule_expr expr;
};

/* Event attributes a list lookup or a same_/different_ option reads. */
enum rule_attr {
	RA_FIXED = 0,         /* + enum vg_fixed */
	RA_USER = VG_F_COUNT, /* lists: srcuser, else dstuser */
	RA_HOSTNAME,
	RA_PROGRAM_NAME,
	RA_LOCATION,
	RA_AGENT,
	RA_DYNAMIC,
};

struct rule_list_check {
	int attr; /* enum rule_attr (RA_FIXED + field for fixed fields) */
	const char *dyn_name;
	const char *list_name;
	enum vg_cdb_lookup how;
	const struct vg_cdb *db;
	struct vg_pattern *value;
};

struct rule_same {
	int attr; /* enum rule_attr */
	const char *dyn_name;
	bool different;
	unsigned snap_index; /* RA_DYNAMIC: dyn_name's place in set->snap_fields */
};

enum rule_search { RS_NONE, RS_SID, RS_GROUP, RS_EVENTS };

/* A <compiled_rule> predicate: true when the event passes. */
typedef bool (*rule_compiled_fn)(const struct vg_event *ev);

struct rule_kids; /* rule_index.c */

struct rule_impl {
	struct vg_rule pub;
	unsigned index;         /* load order */
	int sort_level;         /* level when first defined (tree position) */
	bool builtin;           /* from Vigil's built-in ruleset (sorts after user rules) */
	const char *all_groups; /* groups joined with ',' (if_group matching) */

	/* Matching. */
	const char *decoded_as;
	struct rule_expr *checks[RC_COUNT];
	uint32_t check_mask; /* bit c set when checks[c] is; set at finish */
	struct rule_field_check *fields;
	unsigned nfields;
	unsigned maxsize;
	bool has_time, time_negate;
	unsigned time_start, time_end; /* minutes since midnight */
	unsigned weekdays;             /* bit per tm_wday, 0 = no check */
	bool wd_negate;
	bool check_diff, if_fts, never; /* never: unknown compiled_rule */
	rule_compiled_fn compiled;      /* <compiled_rule>, NULL when absent */
	struct rule_list_check *lists;
	unsigned nlists;

	/* Placement in the tree. */
	const char *if_sid; /* raw list text */
	bool if_sid_given;  /* if_sid written in the rule, not implied */
	int if_level;       /* -1 when absent */
	const char *if_group;
	bool has_category;

	/* Correlation. */
	unsigned if_matched_sid;
	const char *if_matched_group;
	struct vg_pattern *if_matched_regex;
	struct rule_same *same;
	unsigned nsame;
	bool global_frequency;
	enum rule_search search;
	int search_slot;   /* history slot searched, -1 none */
	int push_sid_slot; /* slot this rule's events go to (if_matched_sid target) */
	unsigned *push_group_slots;
	unsigned npush_group;

	/* Tree (built by finish). */
	struct rule_impl **children;
	unsigned nchildren, childcap;
	const struct rule_kids *kids; /* children by a key (rule_index.c), or NULL */

	/* A Sigma rule (rule_sigma.c): its compiled detection, owned by the set. */
	struct vg_sigma_rule *sigma;
};

struct rule_list_decl {
	const char *name;
	struct vg_cdb *db;
};

struct vg_rule_set {
	struct vg_arena *arena;
	struct rule_impl **rules; /* load order */
	size_t nrules, rcap;
	struct rule_impl **by_id; /* open addressing on id */
	size_t idslots;
	struct rule_list_decl *lists;
	size_t nlists, lcap;
	struct vg_pattern **pats;
	size_t npats, pcap;
	struct rule_impl **roots;
	unsigned nroots;
	struct rule_impl **cat_roots[RULE_NCATS]; /* roots by category, in order (rule_index.c) */
	unsigned ncat_roots[RULE_NCATS];
	unsigned nslots; /* history slots; slot 0 = every stored event */
	unsigned *slot_cap;
	const char **snap_fields; /* dynamic fields kept for same_field checks */
	unsigned nsnap_fields;
	struct rule_impl **sigma_rules;      /* Sigma rules, level descending (rule_sigma.c) */
	unsigned *sigma_run_end;             /* per position: end of its logsource run */
	struct vg_sigma_index **sigma_index; /* at a run's first position: its gate index */
	unsigned nsigma;
	bool loading_builtin; /* rules loaded now are built-in ones */
	bool finished;
};

/* rule_tree.c */
struct rule_impl *rule_set_lookup(const struct vg_rule_set *set, unsigned id);
int rule_set_keep_pattern(struct vg_rule_set *set, struct vg_pattern *p);
int rule_set_insert(struct vg_rule_set *set, struct rule_impl *r);
const struct vg_cdb *rule_set_list(const struct vg_rule_set *set, const char *name);
int rule_category_lookup(const char *name);
/* rule_index.c */
int rule_index_children(struct vg_rule_set *set);
/* The children of r that can match ev, in sibling order: children a check
 * on the parent's index key (decoded_as, or one field's exact value) would
 * reject are left out. */
struct rule_impl *const *rule_children_for(const struct vg_rule_set *set, const struct rule_impl *r,
                                           const struct vg_event *ev, unsigned *n);

/* rule_expr.c */
int rule_expr_compile(struct vg_rule_set *set, struct rule_expr *x, int kind, const char *src,
                      char *err, size_t errlen);
int rule_expr_add_ip(struct vg_arena *a, struct rule_expr *x, const char *src);
bool rule_expr_match(const struct rule_expr *x, const char *s, struct vg_pattern_scratch *scr);
int rule_time_parse(const char *s, unsigned *start, unsigned *end, bool *negate);
int rule_weekday_parse(const char *s, unsigned *mask, bool *negate);

/* compiled_rules.c: the predicate named name, NULL when unknown. */
rule_compiled_fn rule_compiled_lookup(const char *name);

/* rule_match.c */
const char *rule_event_attr(const struct vg_event *ev, int attr, const char *dyn);
struct vg_rule_state;
bool rule_check_one(const struct rule_impl *r, const struct vg_event *ev,
                    struct vg_pattern_scratch *scr, struct vg_rule_state *st);

/* rule_sigma.c: files a finished set's Sigma rules by level; the
 * highest-level Sigma rule above min_level that matches ev, or NULL. */
int rule_sigma_finish(struct vg_rule_set *set);
const struct rule_impl *rule_sigma_eval(const struct vg_rule_set *set, const struct vg_event *ev,
                                        struct vg_pattern_scratch *scr, int min_level);

/* correlation.c */
bool rule_correlate(const struct rule_impl *r, const struct vg_event *ev, struct vg_rule_state *st);
bool rule_check_diff(const struct rule_impl *r, const struct vg_event *ev,
                     struct vg_rule_state *st);
bool rule_check_fts(const struct vg_event *ev, struct vg_rule_state *st);

#endif
