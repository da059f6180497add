/*
 * decoder_match.c - applies a finished decoder set to a pre-decoded event.
 *
 * Wazuh's decoding order: the event's program name picks one of the two
 * top-level lists; the first top-level decoder whose program name and
 * prematch match wins (no fallback to later ones). Its children are tried in
 * load order and the first whose prematch matches, or the first without a
 * prematch, is chosen; when none matches the event is decoded as the parent
 * with no fields. A decoder with no children runs its own regex or plugin.
 * A chain of same-named siblings runs each regex in turn: a failing regex is
 * skipped except the last one's, which ends decoding. Captures go to the
 * <order> fields; every value is copied into the event's arena.
 */
#include "vigil/decoder.h"

#include <string.h>
#include <strings.h>

#include "decode/decoder_int.h"

int vg_dec_store(struct vg_event *ev, int fixed, const char *name, const char *value)
{
	if (fixed >= 0 && fixed < VG_F_COUNT) {
		ev->fixed[fixed] = value;
		return VG_OK;
	}
	int rc = vg_event_set(ev, name, value);
	return rc == VG_ENOMEM ? rc : VG_OK; /* past the limit Wazuh drops the field */
}

bool vg_dec_pname_matches(const struct vg_decoder *d, const char *pname, size_t pname_len,
                          struct vg_pattern_scratch *scratch)
{
	if (d->pname_exact)
		return d->pname_exact_len == pname_len && strcasecmp(d->pname_exact, pname) == 0;
	if (!d->program_name)
		return true;
	return vg_pattern_match(d->program_name, pname, scratch, NULL);
}

/* The decoding positions of one event (Wazuh's pmatch / cmatch / prev regex). */
struct dec_pos {
	const char *log;
	const char *after_parent;
	const char *after_prematch;
	const char *after_regex;
};

/* Runs d's regex on the text its offset selects and stores the captures.
 * Returns VG_OK on a match, VG_ENOMATCH, or VG_ENOMEM. */
static int run_regex(const struct vg_decoder *d, struct vg_event *ev, struct dec_pos *pos,
                     struct vg_pattern_scratch *scratch)
{
	const char *subject = pos->log;
	if (d->regex_offset & VG_OFF_AFTER_PARENT)
		subject = pos->after_parent;
	else if (d->regex_offset & VG_OFF_AFTER_PREMATCH)
		subject = pos->after_prematch;
	else if (d->regex_offset & VG_OFF_AFTER_REGEX)
		subject = pos->after_regex ? pos->after_regex : pos->after_prematch;
	if (!subject)
		return VG_ENOMATCH;

	struct vg_match m;
	if (!vg_pattern_match(d->regex, subject, scratch, &m))
		return VG_ENOMATCH;
	pos->after_regex = m.end;
	if (ev->ndyn >= VG_EVENT_MAX_DYNAMIC)
		return VG_OK;
	for (unsigned i = 0; i < m.ngroups && i < d->norder; i++) {
		if (!m.groups[i].start)
			continue;
		char *v = vg_arena_strndup(ev->arena, m.groups[i].start, m.groups[i].len);
		if (!v)
			return VG_ENOMEM;
		int rc = vg_dec_store(ev, d->order[i].fixed, d->order[i].name, v);
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}

static const char *plugin_input(const struct vg_decoder *d, const struct dec_pos *pos)
{
	if (d->plugin_offset == VG_OFF_AFTER_PARENT)
		return pos->after_parent;
	if (d->plugin_offset == VG_OFF_AFTER_PREMATCH)
		return pos->after_prematch;
	return pos->log;
}

/* Runs the regex (or plugin) chain starting at children[i] of top (or top
 * itself when it has no children). */
static int run_chain(const struct vg_decoder *top, unsigned i, struct vg_event *ev,
                     struct dec_pos *pos, struct vg_pattern_scratch *scratch)
{
	const struct vg_decoder *d = top->nchildren ? top->children[i] : top;
	for (;;) {
		if (d->plugin) {
			const char *in = plugin_input(d, pos);
			int rc = in ? d->plugin(d, ev, in) : VG_OK;
			if (rc != VG_OK)
				return rc;
		} else if (d->regex) {
			int rc = run_regex(d, ev, pos, scratch);
			if (rc == VG_ENOMEM)
				return rc;
			if (rc == VG_ENOMATCH && !d->get_next)
				return VG_OK;
		} else {
			return VG_OK;
		}
		if (!d->get_next || !top->nchildren || i + 1 >= top->nchildren)
			return VG_OK;
		d = top->children[++i];
	}
}

/* Picks the child of top to decode with; returns its index or -1 for none. */
static int pick_child(const struct vg_decoder *top, struct dec_pos *pos,
                      struct vg_pattern_scratch *scratch)
{
	unsigned i = 0;
	while (i < top->nchildren) {
		const struct vg_decoder *c = top->children[i];
		if (!c->prematch) {
			pos->after_prematch = pos->after_parent;
			return (int)i;
		}
		const char *subject =
		    (c->prematch_offset & VG_OFF_AFTER_PARENT) ? pos->after_parent : pos->log;
		struct vg_match m;
		if (vg_pattern_match(c->prematch, subject, scratch, &m)) {
			pos->after_prematch = m.end;
			return (int)i;
		}
		/* A failed sibling chain head skips the whole chain. */
		if (c->get_next) {
			while (i < top->nchildren && top->children[i]->get_next)
				i++;
		}
		i++;
	}
	return -1;
}

static int decode_with(const struct vg_decoder *top, struct vg_event *ev, struct dec_pos *pos,
                       struct vg_pattern_scratch *scratch)
{
	const struct vg_decoder *chosen = top;
	int ci = -1;
	if (top->nchildren) {
		ci = pick_child(top, pos, scratch);
		if (ci >= 0)
			chosen = top->children[ci];
	}
	ev->decoder = chosen;
	ev->decoder_type = chosen->type;
	ev->decoder_parent = top->name;
	ev->decoder_name = chosen->use_own_name ? chosen->name : top->name;
	if (top->nchildren && ci < 0)
		return VG_OK; /* decoded as the parent, no fields */
	return run_chain(top, ci < 0 ? 0 : (unsigned)ci, ev, pos, scratch);
}

/* Tries top-level decoder d at pos->log (see vg_dec_try_top()). */
static inline __attribute__((always_inline)) int try_top(const struct vg_decoder *d,
                                                         struct vg_event *ev, struct dec_pos *pos,
                                                         struct vg_pattern_scratch *scratch)
{
	pos->after_parent = pos->log;
	if (d->prematch) {
		struct vg_match m;
		if (!vg_pattern_match(d->prematch, pos->log, scratch, &m))
			return VG_ENOMATCH;
		pos->after_parent = m.end;
	}
	pos->after_prematch = pos->after_parent;
	return decode_with(d, ev, pos, scratch);
}

int vg_dec_try_top(const struct vg_decoder *d, struct vg_event *ev,
                   struct vg_pattern_scratch *scratch)
{
	struct dec_pos pos = { 0 };
	pos.log = ev->log ? ev->log : ev->full_log;
	return try_top(d, ev, &pos, scratch);
}

int vg_decode(const struct vg_decoder_set *set, struct vg_event *ev,
              struct vg_pattern_scratch *scratch)
{
	if (!set || !ev)
		return VG_EINVAL;
	struct dec_pos pos = { 0 };
	pos.log = ev->log ? ev->log : ev->full_log;
	if (!pos.log)
		return VG_OK;
	const char *pname = ev->program_name;
	size_t pname_len = pname ? strlen(pname) : 0;
	struct vg_decoder *const *list = pname ? set->top_pn : set->top_nopn;
	size_t n = pname ? set->ntop_pn : set->ntop_nopn;
	/* With a program name, only the decoders whose program_name can match
	 * it are visited (in list order); see decoder_pname.c. */
	struct vg_dec_pname_iter it;
	bool indexed = pname && set->pname_index;
	if (indexed)
		vg_dec_pname_candidates(set, pname, pname_len, &it);

	for (long i = indexed ? vg_dec_pname_next(&it) : 0; i >= 0 && (size_t)i < n;
	     i = indexed ? vg_dec_pname_next(&it) : i + 1) {
		const struct vg_decoder *d = list[i];
		if (pname && !vg_dec_pname_matches(d, pname, pname_len, scratch))
			continue;
		int rc = try_top(d, ev, &pos, scratch);
		if (rc != VG_ENOMATCH)
			return rc;
	}
	return VG_OK;
}
