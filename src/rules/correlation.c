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
 * Snapshots are recycled through a free list and keep their string buffer,
 * so storing an event allocates nothing once the rings have filled; every
 * value a search compares carries a hash, so most comparisons are integer
 * ones.
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
/* A recycled snapshot buffer larger than this is trimmed to what it needs. */
#define SNAP_BUF_KEEP 16384u

/* Value slots of a snapshot: the fixed fields, then these, then the
 * dynamic fields of set->snap_fields. */
enum { SV_LOCATION = VG_F_COUNT, SV_AGENT, SV_LOG, SV_FULL_LOG, SV_DYN };

/* One stored string: NULL when the event lacked it. head holds its first
 * (up to) 8 bytes, zero-padded, so short values compare as integers. */
struct sval {
	const char *s;
	uint32_t len;
	uint32_t hash;
	uint64_t head;
};

/* What correlation remembers of a stored event. */
struct snap {
	unsigned refs;
	int matched; /* level of the correlation rule that used it */
	time_t when;
	int decoder_type;
	struct snap *next_free;
	char *buf; /* every value, NUL-terminated, back to back */
	size_t bufcap;
	struct sval v[]; /* SV_DYN + set->nsnap_fields */
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
	struct snap *free_snaps; /* recycled snapshots */
	unsigned nvals;          /* value slots per snapshot */
	const char **src;        /* snap_create's scratch: nvals values ... */
	uint32_t *len;           /* ... and their lengths */
	struct sval *same_ev;    /* rule_correlate's scratch: the event's side ... */
	unsigned *same_idx;      /* ... and the snapshot slot of each constraint */
	int cur_matched;
	const char *prev[PREV_MAX]; /* full logs of prev_snap (result prev_logs) */
	struct snap *prev_snap[PREV_MAX];
	unsigned nprev;
};

/* Hash of a value, 8 bytes at a time (equal strings, equal hashes). */
static uint32_t val_hash(const char *s, size_t len)
{
	uint64_t h = len * 0x9e3779b97f4a7c15u, w;
	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, s, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	return (uint32_t)(h ^ (h >> 32));
}

/* Describes s, which holds len bytes (hashed only when hashed is set). */
static struct sval sval_make(const char *s, uint32_t len, bool hashed)
{
	struct sval v = { s, len, hashed ? val_hash(s, len) : 0, 0 };
	memcpy(&v.head, s, len < 8 ? len : 8);
	return v;
}

static struct sval sval_of(const char *s)
{
	if (!s)
		return (struct sval){ NULL, 0, 0, 0 };
	size_t len = strlen(s);
	return sval_make(s, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len, true);
}

static bool sval_equal(const struct sval *a, const struct sval *b)
{
	if (a->len != b->len || a->head != b->head)
		return false;
	if (a->len <= 8)
		return true; /* head is the whole value */
	return a->hash == b->hash && memcmp(a->s + 8, b->s + 8, a->len - 8) == 0;
}

static void snap_unref(struct vg_rule_state *st, struct snap *s)
{
	if (!s || --s->refs)
		return;
	s->next_free = st->free_snaps;
	st->free_snaps = s;
}

static void snap_free(struct snap *s)
{
	if (s) {
		free(s->buf);
		free(s);
	}
}

/* A snapshot with room for need bytes of values, recycled when possible. */
static struct snap *snap_get(struct vg_rule_state *st, size_t need)
{
	struct snap *s = st->free_snaps;
	if (s) {
		st->free_snaps = s->next_free;
	} else {
		s = calloc(1, sizeof(*s) + st->nvals * sizeof(s->v[0]));
		if (!s)
			return NULL;
	}
	if (need > s->bufcap || (s->bufcap > SNAP_BUF_KEEP && need <= SNAP_BUF_KEEP)) {
		char *b = realloc(s->buf, need);
		if (!b) {
			snap_free(s);
			return NULL;
		}
		s->buf = b;
		s->bufcap = need;
	}
	return s;
}

/* The event's value for each snapshot slot. */
static void snap_sources(const struct vg_rule_set *set, const struct vg_event *ev, const char **src)
{
	for (int i = 0; i < VG_F_COUNT; i++)
		src[i] = ev->fixed[i];
	src[SV_LOCATION] = ev->location;
	src[SV_AGENT] = ev->agent_id ? ev->agent_id : "000";
	src[SV_LOG] = ev->log;
	src[SV_FULL_LOG] = ev->full_log ? ev->full_log : ev->log;
	for (unsigned i = 0; i < set->nsnap_fields; i++)
		src[SV_DYN + i] = vg_event_get(ev, set->snap_fields[i]);
}

static struct snap *snap_create(struct vg_rule_state *st, const struct vg_event *ev, int matched)
{
	const char **src = st->src;
	uint32_t *len = st->len;
	size_t need = 1;
	snap_sources(st->set, ev, src);
	for (unsigned i = 0; i < st->nvals; i++) {
		size_t n = src[i] ? strlen(src[i]) : 0;
		if (n >= UINT32_MAX)
			return NULL;
		len[i] = (uint32_t)n;
		need += src[i] ? n + 1 : 0;
	}
	struct snap *s = snap_get(st, need);
	if (!s)
		return NULL;
	s->refs = 1;
	s->matched = matched;
	s->when = ev->arrival.tv_sec;
	s->decoder_type = ev->decoder_type;
	char *p = s->buf;
	for (unsigned i = 0; i < st->nvals; i++) {
		if (!src[i]) {
			s->v[i] = (struct sval){ NULL, 0, 0, 0 };
			continue;
		}
		memcpy(p, src[i], len[i] + 1);
		s->v[i] = sval_make(p, len[i], i != SV_LOG && i != SV_FULL_LOG);
		p += len[i] + 1;
	}
	return s;
}

static void ring_push(struct vg_rule_state *st, struct ring *r, struct snap *s)
{
	if (!r->cap)
		return;
	if (r->n == r->cap)
		snap_unref(st, r->v[r->head]);
	else
		r->n++;
	s->refs++;
	r->v[r->head] = s;
	r->head = (r->head + 1) % r->cap;
}

/* i-th newest entry (0 = most recent), i < r->n <= r->cap. */
static struct snap *ring_at(const struct ring *r, unsigned i)
{
	unsigned k = r->head + r->cap - 1 - i;
	return r->v[k >= r->cap ? k - r->cap : k];
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
	st->nvals = SV_DYN + set->nsnap_fields;
	size_t n = set->nrules ? set->nrules : 1;
	st->rings = calloc(set->nslots ? set->nslots : 1, sizeof(*st->rings));
	st->firedtimes = calloc(n, sizeof(*st->firedtimes));
	st->time_ignored = calloc(n, sizeof(*st->time_ignored));
	st->prev_rule = calloc(n, sizeof(*st->prev_rule));
	unsigned maxsame = 1;
	for (size_t i = 0; i < set->nrules; i++)
		if (set->rules[i]->nsame > maxsame)
			maxsame = set->rules[i]->nsame;
	st->src = calloc(st->nvals, sizeof(*st->src));
	st->len = calloc(st->nvals, sizeof(*st->len));
	st->same_ev = calloc(maxsame, sizeof(*st->same_ev));
	st->same_idx = calloc(maxsame, sizeof(*st->same_idx));
	bool fail = !st->rings || !st->firedtimes || !st->time_ignored || !st->prev_rule ||
	            !st->src || !st->len || !st->same_ev || !st->same_idx;
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
		snap_unref(st, st->prev_snap[i]);
	st->nprev = 0;
}

void vg_rule_state_destroy(struct vg_rule_state *st)
{
	if (!st)
		return;
	for (unsigned i = 0; st->rings && i < st->set->nslots; i++) {
		struct ring *r = &st->rings[i];
		for (unsigned k = 0; r->v && k < r->n; k++)
			snap_unref(st, ring_at(r, k));
		free(r->v);
	}
	prev_clear(st);
	while (st->free_snaps) {
		struct snap *s = st->free_snaps;
		st->free_snaps = s->next_free;
		snap_free(s);
	}
	map_free(&st->diff);
	map_free(&st->fts);
	free(st->rings);
	free(st->firedtimes);
	free(st->time_ignored);
	free(st->prev_rule);
	free(st->src);
	free(st->len);
	free(st->same_ev);
	free(st->same_idx);
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

/* The snapshot slot holding a same_* / different_* attribute, -1 none. */
static int same_slot(const struct rule_same *c, unsigned nsnap_fields)
{
	if (c->attr >= RA_FIXED && c->attr < RA_FIXED + VG_F_COUNT)
		return c->attr - RA_FIXED;
	if (c->attr == RA_LOCATION)
		return SV_LOCATION;
	if (c->attr == RA_AGENT)
		return SV_AGENT;
	/* snap_index: the field's place in set->snap_fields, set at finish. */
	if (c->attr == RA_DYNAMIC && c->dyn_name && c->snap_index < nsnap_fields)
		return SV_DYN + (int)c->snap_index;
	return -1;
}

/*
 * Reads the event's side of r's same_* / different_* constraints into
 * st->same_ev / st->same_idx. False when one of them can never hold (the
 * event lacks the value, or snapshots never keep it).
 */
static bool same_prepare(struct vg_rule_state *st, const struct rule_impl *r,
                         const struct vg_event *ev)
{
	for (unsigned i = 0; i < r->nsame; i++) {
		const struct rule_same *c = &r->same[i];
		int slot = same_slot(c, st->set->nsnap_fields);
		const char *a = rule_event_attr(ev, c->attr, c->dyn_name);
		if (slot < 0 || !a)
			return false;
		st->same_idx[i] = (unsigned)slot;
		st->same_ev[i] = sval_of(a);
	}
	return true;
}

/* same_* / different_* constraints between the event and an earlier one. */
static bool same_ok(const struct vg_rule_state *st, const struct rule_impl *r, const struct snap *s)
{
	for (unsigned i = 0; i < r->nsame; i++) {
		const struct sval *b = &s->v[st->same_idx[i]];
		if (!b->s || sval_equal(&st->same_ev[i], b) == r->same[i].different)
			return false;
	}
	return true;
}

static void prev_add(struct vg_rule_state *st, struct snap *s)
{
	if (st->nprev < PREV_MAX && s->v[SV_FULL_LOG].s) {
		s->refs++;
		st->prev_snap[st->nprev] = s;
		st->prev[st->nprev++] = s->v[SV_FULL_LOG].s;
	}
}

/* Can stored event s count for r's search? */
static bool snap_qualifies(const struct vg_rule_state *st, const struct rule_impl *r,
                           const struct vg_event *ev, const struct sval *agent,
                           const struct snap *s)
{
	if (!r->global_frequency && !sval_equal(&s->v[SV_AGENT], agent))
		return false;
	if (r->search == RS_EVENTS &&
	    (s->decoder_type != ev->decoder_type || !s->v[SV_LOG].s ||
	     (r->if_matched_regex &&
	      !vg_pattern_match(r->if_matched_regex, s->v[SV_LOG].s, NULL, NULL))))
		return false;
	return same_ok(st, r, s);
}

bool rule_correlate(const struct rule_impl *r, const struct vg_event *ev, struct vg_rule_state *st)
{
	if (r->search_slot < 0)
		return false;
	prev_clear(st);
	if (!same_prepare(st, r, ev))
		return false; /* no stored event can satisfy the constraints */
	const struct ring *ring = &st->rings[r->search_slot];
	unsigned need = r->pub.frequency ? r->pub.frequency - 1 : 1;
	struct sval agent = sval_of(ev->agent_id ? ev->agent_id : "000");
	unsigned found = 0;
	struct snap *first = NULL;
	/* Newest first: from the slot before head, wrapping around. */
	unsigned k = ring->head;
	for (unsigned i = 0; i < ring->n; i++) {
		k = (k ? k : ring->cap) - 1;
		struct snap *s = ring->v[k];
		if (ev->arrival.tv_sec - s->when > (time_t)r->pub.timeframe)
			break;
		if (!snap_qualifies(st, r, ev, &agent, s))
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
	if (r->push_sid_slot < 0 && r->npush_group == 0 && st->rings[0].cap == 0)
		return;
	struct snap *s = snap_create(st, ev, st->cur_matched);
	if (!s)
		return; /* out of memory: correlation forgets this event */
	if (r->push_sid_slot >= 0)
		ring_push(st, &st->rings[r->push_sid_slot], s);
	else
		for (unsigned i = 0; i < r->npush_group; i++)
			ring_push(st, &st->rings[r->push_group_slots[i]], s);
	ring_push(st, &st->rings[0], s);
	snap_unref(st, s);
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
	/* The roots of the event's category (all roots, filtered, for a type
	 * outside the known ones). */
	bool known = ev->decoder_type >= 0 && ev->decoder_type < RULE_NCATS;
	struct rule_impl *const *roots = known ? set->cat_roots[ev->decoder_type] : set->roots;
	unsigned nroots = known ? set->ncat_roots[ev->decoder_type] : set->nroots;
	const struct rule_impl *r = NULL;
	for (unsigned i = 0; i < nroots && !r; i++) {
		if (roots[i]->pub.category != ev->decoder_type)
			continue;
		r = walk(roots[i], ev, scratch, st, 0);
	}
	/* Sigma rules above the tree's choice replace it (rule_sigma.c). */
	if (set->nsigma) {
		const struct rule_impl *s =
		    rule_sigma_eval(set, ev, scratch, r ? r->pub.level : -1);
		if (s) {
			if (r)
				st->firedtimes[r->index]--; /* counted by walk(), not reported */
			st->firedtimes[s->index]++;
			r = s;
		}
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
		res->prev_logs = st->prev;
		res->nprev = st->nprev;
	}
	return &r->pub;
}
