/*
 * sigma.h - Sigma rules (SigmaHQ YAML, specification v2) compiled for
 * Vigil's engine.
 *
 * vg_sigma_rule_parse() reads one Sigma rule document: its metadata (title,
 * id, status, level, tags, logsource) and its detection (search identifiers
 * with every value modifier of the specification, and the condition
 * grammar). Values compile into fast forms: case-insensitive literal search
 * for plain, contains, startswith and endswith values, PCRE2 (JIT) for
 * wildcards in the middle, windash and re. A rule using something Vigil
 * cannot evaluate is refused with VG_EUNSUP and the reason in the diag;
 * nothing is dropped silently.
 *
 * Matching reads events through a field-mapping profile chosen per event
 * (struct vg_sigma_view): evtx_dump JSON (Event.System / Event.EventData),
 * Wazuh's Windows event-channel JSON (win.system / win.eventdata) or Vigil's
 * process events (process.*). The rule's logsource decides which events it
 * sees (process_creation = Sysmon event 1 or Security 4688 or a Vigil
 * process event, ...). A compiled rule is immutable and may be shared by
 * threads.
 */
#ifndef VIGIL_SIGMA_H
#define VIGIL_SIGMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/error.h"
#include "vigil/event.h"
#include "vigil/pattern.h"

/* Rule ids given to Sigma rules in a rule set: VG_SIGMA_FIRST_ID + load order. */
#define VG_SIGMA_FIRST_ID 400000u

/* A value for an expand placeholder, e.g. name "Administrators". */
struct vg_sigma_placeholder {
	const char *name; /* without the '%' */
	const char *const *values;
	size_t nvalues;
};

struct vg_sigma_opts {
	const struct vg_sigma_placeholder *placeholders;
	size_t nplaceholders;
};

/* What a rule says about itself. Strings are owned by the rule. */
struct vg_sigma_meta {
	const char *title;
	const char *id;     /* the Sigma UUID, "" when absent */
	const char *status; /* "" when absent */
	const char *level_name;
	int level; /* Wazuh level: informational 3, low 5, medium 8, high 12, critical 15 */
	const char *description;
	const char *product, *category, *service; /* logsource, "" when absent */
	const char **tags;
	size_t ntags;
	const char **mitre_ids; /* "T1059.001" from attack.t1059.001 */
	size_t nmitre_ids;
	const char **tactics; /* "TA0002" from attack.execution */
	size_t ntactics;
	const char *file;
};

struct vg_sigma_rule;

/*
 * Compiles one Sigma rule from YAML text (name is used in messages). On
 * success *out owns the rule (vg_sigma_rule_destroy()). On failure *out is
 * NULL, a message "name: ..." is in diag and the result is VG_EPARSE
 * (malformed), VG_EUNSUP (something Vigil does not evaluate: the message
 * names it) or VG_ENOMEM. opts may be NULL.
 */
int vg_sigma_rule_parse(const char *text, size_t len, const char *name,
                        const struct vg_sigma_opts *opts, struct vg_sigma_rule **out,
                        struct vg_diag *diag);
/* Same, read from a file (VG_EIO / VG_ENOENT when it cannot be read). */
int vg_sigma_rule_load_file(const char *path, const struct vg_sigma_opts *opts,
                            struct vg_sigma_rule **out, struct vg_diag *diag);
void vg_sigma_rule_destroy(struct vg_sigma_rule *r);
const struct vg_sigma_meta *vg_sigma_rule_meta(const struct vg_sigma_rule *r);

/* Wazuh level of a Sigma level name; -1 when unknown. */
int vg_sigma_level(const char *name);

/* Field-mapping profiles. */
enum vg_sigma_profile {
	VG_SIGMA_PROFILE_NONE,  /* no known layout: only keywords can match */
	VG_SIGMA_PROFILE_EVTX,  /* evtx_dump JSON: Event.System.*, Event.EventData.* */
	VG_SIGMA_PROFILE_WAZUH, /* Wazuh event channel: win.system.*, win.eventdata.* */
	VG_SIGMA_PROFILE_VIGIL, /* Vigil process events: process.* */
	VG_SIGMA_PROFILE_AUDIT, /* Linux audit records decoded by Wazuh: audit.* */
};

/* Memo slots of a view (internal: field values and logsource results). */
#define VG_SIGMA_CACHE 64
struct vg_sigma_cached {
	uint32_t hash;
	const char *name; /* NULL: empty slot */
	const char *value;
};
struct vg_sigma_lsmemo {
	const void *ls; /* the logsource that produced ok, NULL: empty */
	bool ok;
};

/* Bigram sets of field values (internal: the rules' literal gates). */
#define VG_SIGMA_BGMEMO 16
#define VG_SIGMA_BGBITS 4096
struct vg_sigma_bgmemo {
	const char *name; /* NULL: empty slot */
	uint32_t hash;
	bool present;
	uint64_t bits[VG_SIGMA_BGBITS / 64];
};

/* One event as Sigma rules see it; compute once per event (it memoises
 * field lookups and logsource tests, so it is not const while matching). */
struct vg_sigma_view {
	const struct vg_event *ev;
	enum vg_sigma_profile profile;
	long event_id;          /* Windows EventID, -1 when none */
	const char *channel;    /* Windows channel, NULL when none */
	const char *category;   /* Vigil: process_creation ..., NULL when none */
	const char *product;    /* "windows", "linux" or NULL */
	const char *event_type; /* Sysmon EventType (registry events), NULL when none */
	struct vg_sigma_cached cache[VG_SIGMA_CACHE];
	struct vg_sigma_lsmemo lsmemo[16];
	struct vg_sigma_bgmemo bgmemo[VG_SIGMA_BGMEMO];
};

void vg_sigma_view_init(struct vg_sigma_view *v, const struct vg_event *ev);

/*
 * True when the event (through its view) belongs to the rule's logsource
 * and satisfies its condition. scratch is the worker's pattern scratch.
 */
bool vg_sigma_rule_match(const struct vg_sigma_rule *r, struct vg_sigma_view *v,
                         struct vg_pattern_scratch *scratch);

/*
 * Whether the event belongs to the rule's logsource (memoised in the view).
 * Rules of one logsource give one answer per event.
 */
bool vg_sigma_rule_logsource_match(const struct vg_sigma_rule *r, struct vg_sigma_view *v);
bool vg_sigma_rule_same_logsource(const struct vg_sigma_rule *a, const struct vg_sigma_rule *b);

/*
 * An index over the gates of a run of rules (sigma_index.c): for an event,
 * vg_sigma_index_mark() sets in mark (vg_sigma_index_words(n) words) the bit
 * of every rule of the run that may pass its gate; an unmarked rule cannot
 * match. Built for runs of at most VG_SIGMA_INDEX_MAX rules (*out stays NULL
 * for longer or empty ones); immutable, may be shared by threads.
 */
#define VG_SIGMA_INDEX_MAX 8192
struct vg_sigma_index;
int vg_sigma_index_build(const struct vg_sigma_rule *const *rules, size_t n,
                         struct vg_sigma_index **out);
void vg_sigma_index_free(struct vg_sigma_index *x);
size_t vg_sigma_index_words(size_t nrules);
void vg_sigma_index_mark(const struct vg_sigma_index *x, struct vg_sigma_view *v, uint64_t *mark);

/* vg_sigma_rule_match() for a caller that has already found the event in
 * the rule's logsource (vg_sigma_rule_logsource_match()). */
bool vg_sigma_rule_match_detection(const struct vg_sigma_rule *r, struct vg_sigma_view *v,
                                   struct vg_pattern_scratch *scratch);

/*
 * The same without the rule's literal gate (a precomputed necessary
 * condition that lets vg_sigma_rule_match() skip most non-matching rules
 * cheaply): always the same answer, only slower. For tests and benchmarks.
 */
bool vg_sigma_rule_match_ungated(const struct vg_sigma_rule *r, struct vg_sigma_view *v,
                                 struct vg_pattern_scratch *scratch);

/*
 * The value of Sigma field name (e.g. "CommandLine") in the event, mapped
 * through the view's profile and logsource; NULL when absent.
 */
const char *vg_sigma_field(struct vg_sigma_view *v, const char *name);

#endif
