/*
 * sigma_internal.h - private structures of the Sigma module.
 *
 * A compiled rule holds its metadata, its search identifiers (each an OR of
 * maps, each map an AND of field items, each item an OR - or with |all an
 * AND - of compiled values), the condition as a small expression tree and
 * the logsource filter. Everything lives in the rule's arena except the
 * PCRE2 patterns, which the rule keeps in a list and destroys with it. The
 * YAML reader builds a plain tree (scalars, sequences, maps) first, in the
 * same arena.
 */
#ifndef VIGIL_SIGMA_INTERNAL_H
#define VIGIL_SIGMA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/arena.h"
#include "vigil/sigma.h"

/* ---- YAML tree (sigma_yaml.c) ---- */

enum sy_kind { SY_SCALAR, SY_SEQ, SY_MAP };

struct sy_node {
	enum sy_kind kind;
	const char *str; /* SY_SCALAR */
	bool plain;      /* an unquoted scalar (null / ~ are nulls only then) */
	unsigned line;
	struct sy_node **items; /* SY_SEQ: values; SY_MAP: key, value, key, value ... */
	size_t n;               /* items (for a map: 2 x pairs) */
};

int sy_parse(struct vg_arena *a, const char *text, size_t len, struct sy_node **root, char *err,
             size_t errlen);
/* The value of key in a map, NULL when absent or node is not a map. */
const struct sy_node *sy_get(const struct sy_node *map, const char *key);
bool sy_is_null(const struct sy_node *n);

/* ---- compiled values (sigma_value.c) ---- */

enum sg_vkind {
	SG_EQ,       /* whole value (ASCII case folded unless cased) */
	SG_CONTAINS, /* substring */
	SG_STARTS,
	SG_ENDS,
	SG_PATTERN, /* PCRE2: wildcards in the middle, windash, re */
	SG_CIDR,
	SG_NUM,    /* lt/lte/gt/gte */
	SG_EXISTS, /* exists: true/false */
	SG_NULL,   /* null: absent or empty */
	SG_FIELDREF,
};

enum sg_numop { SG_LT, SG_LTE, SG_GT, SG_GTE };
enum sg_timepart {
	SG_TP_NONE,
	SG_TP_MINUTE,
	SG_TP_HOUR,
	SG_TP_DAY,
	SG_TP_WEEK,
	SG_TP_MONTH,
	SG_TP_YEAR
};

struct sg_value {
	enum sg_vkind kind;
	bool cased;
	const char *lit; /* literal (lower-cased unless cased) */
	size_t len;
	struct vg_pattern *pat;
	unsigned char addr[16], mask[16];
	bool v6;
	enum sg_numop op;
	double num;
	bool exists;
	const char *ref;        /* SG_FIELDREF: other field */
	enum sg_vkind ref_kind; /* how the other field's value compares (EQ/CONTAINS/...) */
	enum sg_timepart tpart; /* SG_NUM/SG_EQ on a date part */
	unsigned group;         /* values expanded from one written value share it */
};

struct sg_item {
	const char *field; /* NULL: keyword (whole log) */
	uint32_t fhash;    /* sg_name_hash(field) */
	bool all;          /* values ANDed */
	bool neq;          /* field differs from every value */
	struct sg_value *v;
	size_t nv;
};

struct sg_map {
	struct sg_item *items; /* ANDed */
	size_t n;
};

struct sg_search {
	const char *name;
	struct sg_map *maps; /* ORed */
	size_t n;
};

/* ---- condition (sigma_cond.c) ---- */

enum sg_ckind { SC_ID, SC_AND, SC_OR, SC_NOT, SC_ONE_OF, SC_ALL_OF };

struct sg_cond {
	enum sg_ckind kind;
	struct sg_cond *a, *b;
	size_t *ids; /* SC_ID: one; SC_*_OF: the searches covered */
	size_t nids;
};

/* ---- logsource (sigma_map.c) ---- */

struct sg_ls_pair {
	const char *channel;    /* compared without ASCII case */
	int eid;                /* -1: any event of the channel */
	const char *event_type; /* Sysmon registry EventType, NULL = any */
};

struct sg_logsrc {
	const char *product, *category, *service;
	const struct sg_ls_pair *pairs; /* Windows / Sysmon events accepted */
	size_t npairs;
	const char *vigil_category; /* Vigil process events of this category */
	bool audit;                 /* Linux auditd records */
	bool syslog;                /* Linux syslog events ... */
	const char *program;        /* ... of this program only, NULL = any */
	uint32_t key;               /* hash of product, category, service (memo slot) */
};

/* ---- gate (sigma_gate.c) ---- */

#define SG_GATE_BIGRAMS 8
/* One necessary literal: field's value must contain it (ASCII case folded);
 * kept as up to SG_GATE_BIGRAMS distinct bigram positions in a view's set. */
struct sg_gate_lit {
	const char *field;
	uint32_t fhash;
	uint16_t bg[SG_GATE_BIGRAMS];
	unsigned nbg;
	unsigned group_end; /* index past the last literal on the same field */
	/* At the start of a large group: the set of its literals' first bigrams
	 * (VG_SIGMA_BGBITS bits), NULL otherwise. */
	const uint64_t *group_firsts;
};

/* ---- the rule ---- */

struct vg_sigma_rule {
	struct vg_arena *arena;
	struct vg_sigma_meta meta;
	struct sg_search *searches;
	size_t nsearches;
	struct sg_cond *cond;
	struct sg_logsrc ls;
	struct vg_pattern **pats;
	size_t npats, pcap;
	const struct sg_gate_lit *gate; /* necessary literals (sigma_gate.c), NULL: none */
	const uint16_t *gate_first;     /* each literal's first bigram, packed */
	size_t ngate;
};

/* Load context used by the value and condition compilers. */
struct sg_ctx {
	struct vg_sigma_rule *r;
	const struct vg_sigma_opts *opts;
	char err[256];
	int rc; /* VG_EPARSE / VG_EUNSUP / VG_ENOMEM of the first error */
};

void sg_fail(struct sg_ctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int sg_keep_pattern(struct sg_ctx *c, struct vg_pattern *p);

/* Compiles one "field|mod|mod: values" item (field may be "" for keywords). */
int sg_item_compile(struct sg_ctx *c, const char *key, const struct sy_node *val,
                    struct sg_item *out);
bool sg_item_match(const struct sg_item *it, struct vg_sigma_view *v,
                   struct vg_pattern_scratch *scr);

int sg_cond_parse(struct sg_ctx *c, const char *text, struct sg_cond **out);
bool sg_cond_eval(const struct vg_sigma_rule *r, const struct sg_cond *n, struct vg_sigma_view *v,
                  struct vg_pattern_scratch *scr);
bool sg_search_match(const struct vg_sigma_rule *r, size_t i, struct vg_sigma_view *v,
                     struct vg_pattern_scratch *scr);

int sg_logsrc_resolve(struct sg_ctx *c, struct sg_logsrc *ls);
bool sg_logsrc_match(const struct sg_logsrc *ls, struct vg_sigma_view *v);
/* Same resolved logsource (so the same answer for every event). */
bool sg_logsrc_same(const struct sg_logsrc *a, const struct sg_logsrc *b);

/* Derives r->gate from r->searches and r->cond (none when unsound). */
int sg_gate_build(struct vg_sigma_rule *r);
/* False only when the rule cannot match the event (no gated literal fits). */
bool sg_gate_pass(const struct vg_sigma_rule *r, struct vg_sigma_view *v);
/* The bigram set of a field's value in this event (memoised in the view);
 * NULL when the event lacks the field. */
const uint64_t *sg_field_bigrams(struct vg_sigma_view *v, const char *name, uint32_t hash);

/* Field names: ASCII-case-insensitive hash, and the memoised lookup. */
uint32_t sg_name_hash(const char *name);
const char *sg_field(struct vg_sigma_view *v, const char *name, uint32_t hash);
/* The unmemoised mapping of a Sigma field onto the view's event. */
const char *sg_field_lookup(const struct vg_sigma_view *v, const char *name);

/* Case-insensitive (ASCII) search of needle (already lower-case) in hay. */
const char *sg_memcasemem(const char *hay, size_t hlen, const char *needle, size_t nlen);

#endif
