/*
 * sigma_match.c - evaluates a compiled Sigma rule on one event.
 *
 * The logsource filter runs first, then the condition tree; a search
 * identifier is an OR of maps, a map an AND of items, an item an OR (or,
 * with |all, an AND) of its written values, where the variants one written
 * value expanded into (base64offset, expand) count as one. A field the event
 * lacks fails every value check except null and exists: false. Keywords
 * (items without a field) match the raw log or any field of the event.
 * Literal checks fold ASCII case on the fly, so matching never allocates.
 */
#include "sigma/sigma_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *sg_memcasemem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen == 0)
		return hay;
	if (hlen < nlen)
		return NULL;
	unsigned char first = (unsigned char)needle[0];
	const char *end = hay + hlen - nlen;
	if (!isalpha(first)) { /* no case to fold: memchr finds candidates */
		for (const char *p = hay; p <= end; p++) {
			p = memchr(p, first, (size_t)(end - p) + 1);
			if (!p)
				return NULL;
			size_t i = 1;
			while (i < nlen && tolower((unsigned char)p[i]) == (unsigned char)needle[i])
				i++;
			if (i == nlen)
				return p;
		}
		return NULL;
	}
	for (const char *p = hay; p <= end; p++) {
		if (((unsigned char)*p | 0x20) != first)
			continue;
		size_t i = 1;
		while (i < nlen && tolower((unsigned char)p[i]) == (unsigned char)needle[i])
			i++;
		if (i == nlen)
			return p;
	}
	return NULL;
}

static bool eq_fold(const char *a, const char *lit, size_t n, bool cased)
{
	if (cased)
		return memcmp(a, lit, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) != (unsigned char)lit[i])
			return false;
	return true;
}

static bool lit_match(enum sg_vkind kind, const char *s, size_t slen, const char *lit, size_t n,
                      bool cased)
{
	switch (kind) {
	case SG_EQ: return slen == n && eq_fold(s, lit, n, cased);
	case SG_STARTS: return slen >= n && eq_fold(s, lit, n, cased);
	case SG_ENDS: return slen >= n && eq_fold(s + slen - n, lit, n, cased);
	case SG_CONTAINS:
		return cased ? memmem(s, slen, lit, n) != NULL
		             : sg_memcasemem(s, slen, lit, n) != NULL;
	default: return false;
	}
}

static bool cidr_match(const struct sg_value *v, const char *s)
{
	unsigned char a[16];
	if (inet_pton(v->v6 ? AF_INET6 : AF_INET, s, a) != 1)
		return false;
	for (int i = 0; i < (v->v6 ? 16 : 4); i++)
		if ((a[i] & v->mask[i]) != v->addr[i])
			return false;
	return true;
}

/* The date part of "YYYY-MM-DD[ T]hh:mm..." as a number; false if unreadable. */
static bool date_part(const char *s, enum sg_timepart tp, double *out)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0;
	if (sscanf(s, "%4d-%2d-%2d%*1[ T]%2d:%2d", &y, &mo, &d, &h, &mi) < 3)
		return false;
	switch (tp) {
	case SG_TP_MINUTE: *out = mi; return true;
	case SG_TP_HOUR: *out = h; return true;
	case SG_TP_DAY: *out = d; return true;
	case SG_TP_MONTH: *out = mo; return true;
	case SG_TP_YEAR: *out = y; return true;
	case SG_TP_WEEK: {
		char wk[8];
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = 12;
		if (timegm(&tm) == (time_t)-1 || strftime(wk, sizeof(wk), "%V", &tm) == 0)
			return false;
		*out = strtod(wk, NULL);
		return true;
	}
	default: return false;
	}
}

static bool num_match(const struct sg_value *v, const char *s)
{
	double x;
	if (v->tpart != SG_TP_NONE) {
		if (!date_part(s, v->tpart, &x))
			return false;
		if (v->kind == SG_EQ)
			return x == v->num;
	} else {
		char *end;
		x = strtod(s, &end);
		if (end == s)
			return false;
	}
	switch (v->op) {
	case SG_LT: return x < v->num;
	case SG_LTE: return x <= v->num;
	case SG_GT: return x > v->num;
	default: return x >= v->num;
	}
}

/* One value on a present field value s. */
static bool value_match(const struct sg_value *v, const char *s, size_t slen,
                        struct vg_sigma_view *view, struct vg_pattern_scratch *scr)
{
	switch (v->kind) {
	case SG_EQ:
		if (v->tpart != SG_TP_NONE)
			return num_match(v, s);
		/* fallthrough */
	case SG_STARTS:
	case SG_ENDS:
	case SG_CONTAINS: return lit_match(v->kind, s, slen, v->lit, v->len, v->cased);
	case SG_PATTERN: return vg_pattern_match(v->pat, s, scr, NULL);
	case SG_CIDR: return cidr_match(v, s);
	case SG_NUM: return num_match(v, s);
	case SG_EXISTS: return v->exists;
	case SG_NULL: return *s == '\0';
	case SG_FIELDREF: {
		const char *o = vg_sigma_field(view, v->ref);
		if (!o)
			return false;
		size_t olen = strlen(o);
		if (v->cased)
			return lit_match(v->ref_kind, s, slen, o, olen, true);
		switch (v->ref_kind) {
		case SG_EQ: return slen == olen && strcasecmp(s, o) == 0;
		case SG_STARTS: return slen >= olen && strncasecmp(s, o, olen) == 0;
		case SG_ENDS: return slen >= olen && strcasecmp(s + slen - olen, o) == 0;
		default: return strcasestr(s, o) != NULL;
		}
	}
	}
	return false;
}

/* A value on an absent field. */
static bool value_absent(const struct sg_value *v)
{
	return (v->kind == SG_EXISTS && !v->exists) || v->kind == SG_NULL;
}

/* Keywords: the raw log, then every field of the event. */
static bool keyword_match(const struct sg_value *v, struct vg_sigma_view *view,
                          struct vg_pattern_scratch *scr)
{
	const struct vg_event *ev = view->ev;
	const char *log = ev->full_log ? ev->full_log : ev->log;
	if (log && value_match(v, log, strlen(log), view, scr))
		return true;
	for (unsigned i = 0; i < ev->ndyn; i++) {
		const char *s = ev->dyn[i].value;
		if (s && value_match(v, s, strlen(s), view, scr))
			return true;
	}
	return false;
}

static bool one_value(const struct sg_item *it, const struct sg_value *v, const char *s,
                      size_t slen, struct vg_sigma_view *view, struct vg_pattern_scratch *scr)
{
	if (!it->field)
		return keyword_match(v, view, scr);
	return s ? value_match(v, s, slen, view, scr) : value_absent(v);
}

bool sg_item_match(const struct sg_item *it, struct vg_sigma_view *v,
                   struct vg_pattern_scratch *scr)
{
	const char *s = it->field ? sg_field(v, it->field, it->fhash) : NULL;
	size_t slen = s ? strlen(s) : 0;
	if (it->neq && it->field && !s)
		return false;
	bool any = false;
	if (!it->all) {
		for (size_t i = 0; i < it->nv && !any; i++)
			any = one_value(it, &it->v[i], s, slen, v, scr);
		return it->neq ? !any : any;
	}
	/* |all: every written value (group) must match through one of its variants. */
	for (size_t i = 0; i < it->nv;) {
		unsigned g = it->v[i].group;
		bool ok = false;
		for (; i < it->nv && it->v[i].group == g; i++)
			ok = ok || one_value(it, &it->v[i], s, slen, v, scr);
		if (!ok)
			return it->neq;
	}
	return !it->neq;
}

bool sg_search_match(const struct vg_sigma_rule *r, size_t i, struct vg_sigma_view *v,
                     struct vg_pattern_scratch *scr)
{
	const struct sg_search *s = &r->searches[i];
	for (size_t m = 0; m < s->n; m++) {
		bool ok = true;
		for (size_t k = 0; k < s->maps[m].n && ok; k++)
			ok = sg_item_match(&s->maps[m].items[k], v, scr);
		if (ok)
			return true;
	}
	return false;
}

bool sg_cond_eval(const struct vg_sigma_rule *r, const struct sg_cond *n, struct vg_sigma_view *v,
                  struct vg_pattern_scratch *scr)
{
	switch (n->kind) {
	case SC_ID: return sg_search_match(r, n->ids[0], v, scr);
	case SC_NOT: return !sg_cond_eval(r, n->a, v, scr);
	case SC_AND: return sg_cond_eval(r, n->a, v, scr) && sg_cond_eval(r, n->b, v, scr);
	case SC_OR: return sg_cond_eval(r, n->a, v, scr) || sg_cond_eval(r, n->b, v, scr);
	case SC_ONE_OF:
		for (size_t i = 0; i < n->nids; i++)
			if (sg_search_match(r, n->ids[i], v, scr))
				return true;
		return false;
	case SC_ALL_OF:
		for (size_t i = 0; i < n->nids; i++)
			if (!sg_search_match(r, n->ids[i], v, scr))
				return false;
		return n->nids > 0;
	}
	return false;
}

bool vg_sigma_rule_match(const struct vg_sigma_rule *r, struct vg_sigma_view *v,
                         struct vg_pattern_scratch *scratch)
{
	if (!r || !v || !v->ev || !sg_logsrc_match(&r->ls, v) || !sg_gate_pass(r, v))
		return false;
	return sg_cond_eval(r, r->cond, v, scratch);
}

bool vg_sigma_rule_match_detection(const struct vg_sigma_rule *r, struct vg_sigma_view *v,
                                   struct vg_pattern_scratch *scratch)
{
	return r && v && v->ev && sg_gate_pass(r, v) && sg_cond_eval(r, r->cond, v, scratch);
}

bool vg_sigma_rule_logsource_match(const struct vg_sigma_rule *r, struct vg_sigma_view *v)
{
	return r && v && v->ev && sg_logsrc_match(&r->ls, v);
}

bool vg_sigma_rule_same_logsource(const struct vg_sigma_rule *a, const struct vg_sigma_rule *b)
{
	return sg_logsrc_same(&a->ls, &b->ls);
}

bool vg_sigma_rule_match_ungated(const struct vg_sigma_rule *r, struct vg_sigma_view *v,
                                 struct vg_pattern_scratch *scratch)
{
	if (!r || !v || !v->ev || !sg_logsrc_match(&r->ls, v))
		return false;
	return sg_cond_eval(r, r->cond, v, scratch);
}
