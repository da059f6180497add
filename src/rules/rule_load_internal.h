/*
 * rule_load_internal.h - what the rule loader's files share: the state of
 * loading one rule, and the message helpers that prefix "rule N:".
 */
#ifndef VIGIL_RULE_LOAD_INTERNAL_H
#define VIGIL_RULE_LOAD_INTERNAL_H

#include "rule_internal.h"
#include "vigil/buf.h"
#include "vigil/xml.h"

#define RULE_SKIP 2 /* rule dropped with a warning only */

/* Text gathered for one string check before it is compiled. */
struct pend {
	struct vg_buf text;
	int kind; /* pattern kind, -1 = exact string */
	bool negate;
	bool set;
	unsigned line;
};

struct load_ctx {
	struct vg_rule_set *set;
	const char *file;
	struct vg_diag *diag;
	struct rule_impl *r;
	const struct vg_xml_node *node;
	struct pend pend[RC_COUNT];
	struct vg_buf groups, description, info, cve, if_sid;
	const char **mitre, **tactics;
	unsigned nmitre, ntactics;
	int errors;
};

/* "file:line: rule N: ..." error (counted) or warning. */
void rule_lerr(struct load_ctx *c, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rule_lwarn(struct load_ctx *c, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends s to the string array *v of *n items (rule set arena). */
int rule_load_push_str(struct load_ctx *c, const char ***v, unsigned *n, const char *s);

/* The pattern kind of a check element's type= attribute: dflt when absent,
 * -1 for "string" (exact compare), -2 when unknown. */
int rule_elem_kind(const struct vg_xml_node *e, int dflt);

/* rule_load_corr.c */
int rule_load_list(struct load_ctx *c, const struct vg_xml_node *e);
/* Returns 1 when e is not a same_* / different_* / not_same_* element. */
int rule_load_same(struct load_ctx *c, const struct vg_xml_node *e);

#endif
