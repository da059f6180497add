/*
 * rule_match.c - does one rule match one decoded event.
 *
 * Runs a rule's own conditions in Wazuh's order (decoded_as, program_name,
 * id, system_name, protocol, match, regex, action, url, location, dynamic
 * fields, addresses and ports, compiled_rule, user, geoip, maxsize, time,
 * weekday, data, extra_data, hostname, status, check_diff, first-time-seen,
 * lists) and then its correlation. A condition on a field the event lacks fails, negate or
 * not. Children are walked by the evaluator in correlation.c.
 */
#include "rule_internal.h"

#include <string.h>
#include <time.h>

const char *rule_event_attr(const struct vg_event *ev, int attr, const char *dyn)
{
	if (attr >= RA_FIXED && attr < RA_FIXED + VG_F_COUNT)
		return ev->fixed[attr - RA_FIXED];
	switch (attr) {
	case RA_USER:
		return ev->fixed[VG_F_SRCUSER] ? ev->fixed[VG_F_SRCUSER] : ev->fixed[VG_F_DSTUSER];
	case RA_HOSTNAME: return ev->hostname;
	case RA_PROGRAM_NAME: return ev->program_name;
	case RA_LOCATION: return ev->location;
	case RA_AGENT: return ev->agent_id ? ev->agent_id : "000";
	default: return dyn ? vg_event_get(ev, dyn) : NULL;
	}
}

/* The event value a string check reads; NULL when the event lacks it. */
static const char *check_value(const struct vg_event *ev, enum rule_check c)
{
	static const signed char fixed[RC_COUNT] = {
		[RC_PROGRAM_NAME] = -1,
		[RC_ID] = VG_F_ID,
		[RC_SYSTEM_NAME] = VG_F_SYSTEM_NAME,
		[RC_PROTOCOL] = VG_F_PROTOCOL,
		[RC_MATCH] = -1,
		[RC_REGEX] = -1,
		[RC_ACTION] = VG_F_ACTION,
		[RC_URL] = VG_F_URL,
		[RC_LOCATION] = -1,
		[RC_SRCIP] = VG_F_SRCIP,
		[RC_DSTIP] = VG_F_DSTIP,
		[RC_SRCPORT] = VG_F_SRCPORT,
		[RC_DSTPORT] = VG_F_DSTPORT,
		[RC_USER] = -1,
		[RC_SRCGEOIP] = -1,
		[RC_DSTGEOIP] = -1,
		[RC_DATA] = VG_F_DATA,
		[RC_EXTRA_DATA] = VG_F_EXTRA_DATA,
		[RC_HOSTNAME] = -1,
		[RC_STATUS] = VG_F_STATUS,
	};
	switch (c) {
	case RC_PROGRAM_NAME: return ev->program_name;
	case RC_MATCH:
	case RC_REGEX: return ev->log ? ev->log : (ev->full_log ? ev->full_log : "");
	case RC_LOCATION: return ev->location;
	case RC_USER:
		return ev->fixed[VG_F_DSTUSER] ? ev->fixed[VG_F_DSTUSER] : ev->fixed[VG_F_SRCUSER];
	case RC_SRCGEOIP: return vg_event_get(ev, "srcgeoip");
	case RC_DSTGEOIP: return vg_event_get(ev, "dstgeoip");
	case RC_HOSTNAME: return ev->hostname;
	default: return (unsigned)c < RC_COUNT && fixed[c] >= 0 ? ev->fixed[(int)fixed[c]] : NULL;
	}
}

/* The rule's string checks from .. to, in order (check_mask, rule_index.c). */
static inline bool check_range(const struct rule_impl *r, const struct vg_event *ev, int from,
                               int to, struct vg_pattern_scratch *scr)
{
	uint32_t todo = (r->check_mask >> from) & ((UINT32_C(2) << (to - from)) - 1);
	while (todo) {
		int c = from + __builtin_ctz(todo);
		todo &= todo - 1;
		const struct rule_expr *x = r->checks[c];
		const char *v = check_value(ev, (enum rule_check)c);
		if (!v || rule_expr_match(x, v, scr) == x->negate)
			return false;
	}
	return true;
}

static bool check_fields(const struct rule_impl *r, const struct vg_event *ev,
                         struct vg_pattern_scratch *scr)
{
	for (unsigned i = 0; i < r->nfields; i++) {
		const char *v = vg_event_get(ev, r->fields[i].name);
		if (!v || rule_expr_match(&r->fields[i].expr, v, scr) == r->fields[i].expr.negate)
			return false;
	}
	return true;
}

static bool check_clock(const struct rule_impl *r, const struct vg_event *ev)
{
	if (!r->has_time && !r->weekdays)
		return true;
	struct tm tm;
	time_t t = ev->arrival.tv_sec;
	if (!localtime_r(&t, &tm))
		return false;
	if (r->has_time) {
		unsigned now = (unsigned)(tm.tm_hour * 60 + tm.tm_min);
		bool in = r->time_start <= r->time_end ? now >= r->time_start && now < r->time_end
		                                       : now >= r->time_start || now < r->time_end;
		if (in == r->time_negate)
			return false;
	}
	if (r->weekdays) {
		bool in = (r->weekdays >> tm.tm_wday) & 1u;
		if (in == r->wd_negate)
			return false;
	}
	return true;
}

static bool check_lists(const struct rule_impl *r, const struct vg_event *ev,
                        struct vg_pattern_scratch *scr)
{
	for (unsigned i = 0; i < r->nlists; i++) {
		const struct rule_list_check *l = &r->lists[i];
		const char *v = rule_event_attr(ev, l->attr, l->dyn_name);
		if (!v || !vg_cdb_check(l->db, l->how, v, l->value, scr))
			return false;
	}
	return true;
}

bool rule_check_one(const struct rule_impl *r, const struct vg_event *ev,
                    struct vg_pattern_scratch *scr, struct vg_rule_state *st)
{
	if (r->never)
		return false;
	if (r->decoded_as && (!ev->decoder_name || strcmp(r->decoded_as, ev->decoder_name) != 0))
		return false;
	if (!check_range(r, ev, RC_PROGRAM_NAME, RC_LOCATION, scr) || !check_fields(r, ev, scr))
		return false;
	if (!check_range(r, ev, RC_SRCIP, RC_DSTPORT, scr))
		return false;
	/* Wazuh runs a <compiled_rule> between the port and the user checks. */
	if (r->compiled && !r->compiled(ev))
		return false;
	if (!check_range(r, ev, RC_USER, RC_DSTGEOIP, scr))
		return false;
	if (r->maxsize) {
		const char *log = ev->log ? ev->log : "";
		if (strlen(log) < r->maxsize)
			return false;
	}
	if (!check_clock(r, ev) || !check_range(r, ev, RC_DATA, RC_STATUS, scr))
		return false;
	if (r->check_diff && !rule_check_diff(r, ev, st))
		return false;
	if (r->if_fts && !rule_check_fts(ev, st))
		return false;
	if (!check_lists(r, ev, scr))
		return false;
	return r->search == RS_NONE || rule_correlate(r, ev, st);
}
