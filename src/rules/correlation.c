/*
 * correlation.c - rule evaluation with Wazuh's stateful features.
 *
 * vg_rule_eval() walks the rule tree depth-first for one event. The state a
 * worker keeps between events lives here: bounded rings of event snapshots
 * (one per if_matched_sid target, one per if_matched_group searcher, one of
 * every stored event for if_matched_regex), fired counts, ignore timers,
 * check_diff's last logs and the first-time-seen set. A frequency rule needs
 * frequency-1 earlier qualifying events within its timeframe, newest first,
 * same agent unless global_frequency, honouring same_* / different_*; the
 * search stops at an event already used by a rule of this level or higher.
 */
#include "rule_internal.h"

#include "vigil/buf.h"
#include "vigil/decoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PREV_MAX 11
#define MAP_MAX  65536u

/* What correlation remembers of a stored event. */
struct snap {
	unsigned refs;
	int matched; /* level of the correlation rule that used it */
	time_t when;
	int decoder_type;
	char *full_log, *log, *location, *agent;
	char *fixed[VG_F_COUNT];
	char **dyn; /* values of set->snap_fields */
	unsigned ndyn;
};

struct ring {
	struct snap **v;
	unsigned cap, head, n; /* head: next write position */
};

struct kv {
	char *key;
	char *val;
};

struct strmap {
	struct kv *slots;
	size_t n, cap;
};

struct vg_rule_state {
	const struct vg_rule_set *set;
	struct ring *rings;
	unsigned *firedtimes;
	time_t *time_ignored;
	const struct rule_impl **prev_rule;
	struct strmap diff, fts;
	int cur_matched;
	char *prev[PREV_MAX];
	unsigned nprev;
};

static void snap_unref(struct snap *s)
{
	if (!s || --s->refs)
		return;
	free(s->full_log);
	free(s->log);
	free(s->location);
	free(s->agent);
	for (int i = 0; i < VG_F_COUNT; i++)
		free(s->fixed[i]);
	for (unsigned i = 0; s->dyn && i < s->ndyn; i++)
		free(s->dyn[i]);
	free(s->dyn);
	free(s);
}

static char *dup_or_null(const char *s, bool *fail)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

static struct snap *snap_create(const struct vg_rule_set *set, const struct vg_event *ev,
                                int matched)
{
	struct snap *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	bool fail = false;
	s->refs = 1;
	s->matched = matched;
	s->when = ev->arrival.tv_sec;
	s->decoder_type = ev->decoder_type;
	s->full_log = dup_or_null(ev->full_log ? ev->full_log : ev->log, &fail);
	s->log = dup_or_null(ev->log, &fail);
	s->location = dup_or_null(ev->location, &fail);
	s->agent = dup_or_null(ev->agent_id ? ev->agent_id : "000", &fail);
	for (int i = 0; i < VG_F_COUNT; i++)
		s->fixed[i] = dup_or_null(ev->fixed[i], &fail);
	if (set->nsnap_fields) {
		s->dyn = calloc(set->nsnap_fields, sizeof(*s->dyn));
		if (!s->dyn)
			fail = true;
		else
			s->ndyn = set->nsnap_fields;
		for (unsigned i = 0; s->dyn && i < set->nsnap_fields; i++)
			s->dyn[i] = dup_or_null(vg_event_get(ev, set->snap_fields[i]), &fail);
	}
	if (fail) {
		snap_unref(s);
		return NULL;
	}
	return s;
}

static void ring_push(struct ring *r, struct snap *s)
{
	if (!r->cap)
		return;
	if (r->n == r->cap)
		snap_unref(r->v[r->head]);
	else
		r->n++;
	s->refs++;
	r->v[r->head] = s;
	r->head = (r->head + 1) % r->cap;
}

/* i-th newest entry (0 = most recent). */
static struct snap *ring_at(const struct ring *r, unsigned i)
{
	return r->v[(r->head + r->cap - 1 - i) % r->cap];
}

int vg_rule_state_create(const struct vg_rule_set *set, struct vg_rule_state **out)
{
	*out = NULL;
	if (!set || !set->finished)
		return VG_EINVAL;
	struct vg_rule_state *st = calloc(1, sizeof(*st));
	if (!st)
		return VG_ENOMEM;
	st->set = set;
	size_t n = set->nrules ? set->nrules : 1;
	st->rings = calloc(set->nslots ? set->nslots : 1, sizeof(*st->rings));
	st->firedtimes = calloc(n, sizeof(*st->firedtimes));
	st->time_ignored = calloc(n, sizeof(*st->time_ignored));
	st->prev_rule = calloc(n, sizeof(*st->prev_rule));
	bool fail = !st->rings || !st->firedtimes || !st->time_ignored || !st->prev_rule;
	for (unsigned i = 0; !fail && i < set->nslots; i++) {
		st->rings[i].v = calloc(set->slot_cap[i], sizeof(struct snap *));
		st->rings[i].cap = set->slot_cap[i];
		fail = !st->rings[i].v;
	}
	if (fail) {
		vg_rule_state_destroy(st);
		return VG_ENOMEM;
	}
	*out = st;
	return VG_OK;
}

static void map_free(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		free(m->slots[i].key);
		free(m->slots[i].val);
	}
	free(m->slots);
}

static void prev_clear(struct vg_rule_state *st)
{
	for (unsigned i = 0; i < st->nprev; i++)
		free(st->prev[i]);
	st->nprev = 0;
}

void vg_rule_state_destroy(struct vg_rule_state *st)
{
	if (!st)
		return;
	for (unsigned i = 0; st->rings && i < st->set->nslots; i++) {
		struct ring *r = &st->rings[i];
		for (unsigned k = 0; r->v && k < r->n; k++)
			snap_unref(ring_at(r, k));
		free(r->v);
	}
	prev_clear(st);
	map_free(&st->diff);
	map_free(&st->fts);
	free(st->rings);
	free(st->firedtimes);
	free(st->time_ignored);
	free(st->prev_rule);
	free(st);
}

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static struct kv *map_find(const struct strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	size_t j = str_hash(key) & (m->cap - 1);
	while (m->slots[j].key) {
		if (strcmp(m->slots[j].key, key) == 0)
			return &m->slots[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

/* Inserts or replaces key; false when full or out of memory. */
static bool map_put(struct strmap *m, const char *key, const char *val)
{
	struct kv *e = map_find(m, key);
	if (e) {
		char *v = strdup(val);
		if (!v)
			return false;
		free(e->val);
		e->val = v;
		return true;
	}
	if (m->n >= MAP_MAX)
		return false;
	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		struct kv *ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return false;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->slots[i].key)
				continue;
			size_t j = str_hash(m->slots[i].key) & (ncap - 1);
			while (ns[j].key)
				j = (j + 1) & (ncap - 1);
			ns[j] = m->slots[i];
		}
		free(m->slots);
		m->slots = ns;
		m->cap = ncap;
	}
	char *k = strdup(key), *v = strdup(val);
	if (!k || !v) {
		free(k);
		free(v);
		return false;
	}
	size_t j = str_hash(key) & (m->cap - 1);
	while (m->slots[j].key)
		j = (j + 1) & (m->cap - 1);
	m->slots[j] = (struct kv){ k, v };
	m->n++;
	return true;
}

/* check_diff: true only when the log differs from the last one this rule
 * saw for the agent; the first sighting is stored and does not match. */
bool rule_check_diff(const struct rule_impl *r, const struct vg_event *ev, struct vg_rule_state *st)
{
	char key[64];
	snprintf(key, sizeof(key), "%u|%s", r->pub.id, ev->agent_id ? ev->agent_id : "000");
	const char *log = ev->log ? ev->log : "";
	struct kv *e = map_find(&st->diff, key);
	if (e && strcmp(e->val, log) == 0)
		return false;
	bool had = e != NULL;
	map_put(&st->diff, key, log);
	return had;
}

/* Appends " value" to key for one <fts> field name of the decoder. */
static int fts_add(struct vg_buf *key, const struct vg_event *ev, const char *name)
{
	const char *v;
	if (strcmp(name, "name") == 0)
		return VG_OK; /* the decoder name always leads the key */
	if (strcmp(name, "location") == 0)
		v = ev->location;
	else if (vg_fixed_lookup(name) >= 0)
		v = ev->fixed[vg_fixed_lookup(name)];
	else
		v = vg_event_get(ev, name);
	return vg_buf_printf(key, " %s", v ? v : "");
}

/*
 * First time seen, as Wazuh: the key is the decoder name followed by the
 * values of the decoder's <fts> fields; the first event with a key matches
 * and stores it. A decoder without <fts> never satisfies <if_fts>.
 */
bool rule_check_fts(const struct vg_event *ev, struct vg_rule_state *st)
{
	const struct vg_decoder *d = ev->decoder;
	unsigned n = vg_decoder_fts_count(d);
	if (n == 0)
		return false;
	struct vg_buf key;
	vg_buf_init(&key, 8192);
	int rc = vg_buf_addstr(&key, ev->decoder_name ? ev->decoder_name : "");
	for (unsigned i = 0; rc == VG_OK && i < n; i++)
		rc = fts_add(&key, ev, vg_decoder_fts_field(d, i));
	bool first = rc == VG_OK && !map_find(&st->fts, vg_buf_str(&key)) &&
	             map_put(&st->fts, vg_buf_str(&key), "");
	vg_buf_free(&key);
	return first;
}

static const char *snap_attr(const struct snap *s, const struct rule_same *c)
{
	int attr = c->attr;
	if (attr >= RA_FIXED && attr < RA_FIXED + VG_F_COUNT)
		return s->fixed[attr - RA_FIXED];
	if (attr == RA_LOCATION)
		return s->location;
	if (attr == RA_AGENT)
		return s->agent;
	/* snap_index: the field's place in set->snap_fields, set at finish. */
	if (attr == RA_DYNAMIC && c->dyn_name && c->snap_index < s->ndyn)
		return s->dyn[c->snap_index];
	return NULL;
}

/* same_* / different_* constraints between the event and an earlier one. */
static bool same_ok(const struct vg_rule_set *set, const struct rule_impl *r,
                    const struct vg_event *ev, const struct snap *s)
{
	for (unsigned i = 0; i < r->nsame; i++) {
		const struct rule_same *c = &r->same[i];
		const char *a = rule_event_attr(ev, c->attr, c->dyn_name);
		const char *b = snap_attr(s, c);
		if (!a || !b || (strcmp(a, b) == 0) == c->different)
			return false;
	}
	return true;
}

static void prev_add(struct vg_rule_state *st, const struct snap *s)
{
	if (st->nprev < PREV_MAX && s->full_log) {
		char *d = strdup(s->full_log);
		if (d)
			st->prev[st->nprev++] = d;
	}
}

bool rule_correlate(const struct rule_impl *r, const struct vg_event *ev, struct vg_rule_state *st)
{
	if (r->search_slot < 0)
		return false;
	const struct ring *ring = &st->rings[r->search_slot];
	unsigned need = r->pub.frequency ? r->pub.frequency - 1 : 1;
	const char *agent = ev->agent_id ? ev->agent_id : "000";
	unsigned found = 0;
	struct snap *first = NULL;
	prev_clear(st);
	for (unsigned i = 0; i < ring->n; i++) {
		struct snap *s = ring_at(ring, i);
		if (ev->arrival.tv_sec - s->when > (time_t)r->pub.timeframe)
			break;
		if (!r->global_frequency && strcmp(s->agent, agent) != 0)
			continue;
		if (r->search == RS_EVENTS &&
		    (s->decoder_type != ev->decoder_type || !s->log ||
		     (r->if_matched_regex &&
		      !vg_pattern_match(r->if_matched_regex, s->log, NULL, NULL))))
			continue;
		if (!same_ok(st->set, r, ev, s))
			continue;
		if (s->matched >= r->pub.level)
			break;
		prev_add(st, s);
		if (!first)
			first = s;
		if (++found < need)
			continue;
		/*
		 * As Wazuh 4.x: the new event and the newest earlier event
		 * counted are marked used at this level; the completing
		 * (oldest) one is not, and with a single earlier event needed
		 * nothing earlier is marked.
		 */
		st->cur_matched = r->pub.level;
		if (need > 1)
			first->matched = r->pub.level;
		return true;
	}
	prev_clear(st);
	return false;
}

/* Depth-first match of r and its children; the deepest match wins. */
static const struct rule_impl *walk(const struct rule_impl *r, const struct vg_event *ev,
                                    struct vg_pattern_scratch *scr, struct vg_rule_state *st,
                                    unsigned depth)
{
	if (depth > RULE_MAX_DEPTH || !rule_check_one(r, ev, scr, st))
		return NULL;
	/* Only the children that can match (rule_index.c), in sibling order. */
	unsigned nkids;
	struct rule_impl *const *kids = rule_children_for(st->set, r, ev, &nkids);
	for (unsigned i = 0; i < nkids; i++) {
		const struct rule_impl *m = walk(kids[i], ev, scr, st, depth + 1);
		if (m) {
			/* Wazuh remembers the first parent a rule matched under. */
			if (!st->prev_rule[kids[i]->index])
				st->prev_rule[kids[i]->index] = r;
			return m;
		}
	}
	if (r->pub.noalert)
		return NULL;
	st->firedtimes[r->index]++;
	return r;
}

/* Applies ignore=; returns the rule to report or NULL when suppressed. */
static const struct rule_impl *apply_ignore(const struct rule_impl *r, const struct vg_event *ev,
                                            struct vg_rule_state *st)
{
	if (!r->pub.ignore_time)
		return r;
	time_t now = ev->arrival.tv_sec;
	time_t *t = &st->time_ignored[r->index];
	if (*t == 0 || now - *t >= (time_t)r->pub.ignore_time) {
		*t = now;
		return r;
	}
	prev_clear(st);
	return st->prev_rule[r->index];
}

static void store_event(const struct rule_impl *r, const struct vg_event *ev,
                        struct vg_rule_state *st)
{
	const struct vg_rule_set *set = st->set;
	if (r->push_sid_slot < 0 && r->npush_group == 0 && st->rings[0].cap == 0)
		return;
	struct snap *s = snap_create(set, ev, st->cur_matched);
	if (!s)
		return; /* out of memory: correlation forgets this event */
	if (r->push_sid_slot >= 0)
		ring_push(&st->rings[r->push_sid_slot], s);
	else
		for (unsigned i = 0; i < r->npush_group; i++)
			ring_push(&st->rings[r->push_group_slots[i]], s);
	ring_push(&st->rings[0], s);
	snap_unref(s);
}

const struct vg_rule *vg_rule_eval(const struct vg_rule_set *set, struct vg_rule_state *st,
                                   const struct vg_event *ev, struct vg_pattern_scratch *scratch,
                                   struct vg_rule_result *res)
{
	if (res)
		memset(res, 0, sizeof(*res));
	if (!set || !st || !ev || st->set != set)
		return NULL;
	prev_clear(st);
	st->cur_matched = 0;
	const struct rule_impl *r = NULL;
	for (unsigned i = 0; i < set->nroots && !r; i++) {
		if (set->roots[i]->pub.category != ev->decoder_type)
			continue;
		r = walk(set->roots[i], ev, scratch, st, 0);
	}
	if (!r)
		return NULL;
	if (r->pub.level > 0) {
		const struct rule_impl *shown = apply_ignore(r, ev, st);
		if (!shown) {
			if (res)
				res->ignored = true;
			return NULL;
		}
		r = shown;
		store_event(r, ev, st);
	}
	if (res) {
		res->rule = &r->pub;
		res->firedtimes = st->firedtimes[r->index];
		res->prev_logs = (const char *const *)st->prev;
		res->nprev = st->nprev;
	}
	return &r->pub;
}
