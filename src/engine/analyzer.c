/*
 * analyzer.c - runs one event at a time through pre-decoding, decoding and
 * the rule tree of a ruleset. An analyzer belongs to one worker thread: it
 * owns the event (and its arena), the pattern scratch
 * and the correlation state, so processing takes no lock and allocates
 * nothing per event beyond the arena. Each event's log is installed as the
 * scratch's log gate (see vg_pattern_scratch_gate()): the byte pairs it
 * holds rule out the log patterns of decoders and rules whose literals it
 * lacks, for that event only.
 */
#include "vigil/engine.h"

#include <stdlib.h>
#include <string.h>

#include "decode/decoder_cache.h"
#include "engine/ruleset_internal.h"
#include "vigil/decoder.h"
#include "vigil/fim.h"
#include "vigil/pattern.h"
#include "vigil/predecode.h"
#include "vigil/rule.h"
#include "vigil/sca.h"

struct vg_analyzer {
	struct vg_ruleset *rs;
	struct vg_rule_state *state;
	struct vg_pattern_scratch *scratch;
	struct vg_dec_cache *dec_cache; /* decoders by program name */
	struct vg_event ev;
	struct vg_rule_result res;
	int alert_level;
};

int vg_analyzer_create(struct vg_ruleset *rs, int alert_level, struct vg_analyzer **out)
{
	*out = NULL;
	struct vg_analyzer *a = calloc(1, sizeof(*a));
	if (!a)
		return VG_ENOMEM;
	a->alert_level = alert_level;
	int rc = vg_event_init(&a->ev);
	if (rc == VG_OK) {
		a->scratch = vg_pattern_scratch_create();
		if (!a->scratch)
			rc = VG_ENOMEM;
	}
	if (rc == VG_OK)
		rc = vg_dec_cache_create(&a->dec_cache);
	if (rc == VG_OK)
		rc = vg_analyzer_set_ruleset(a, rs);
	if (rc != VG_OK) {
		vg_analyzer_destroy(a);
		return rc;
	}
	*out = a;
	return VG_OK;
}

void vg_analyzer_destroy(struct vg_analyzer *a)
{
	if (!a)
		return;
	vg_rule_state_destroy(a->state);
	vg_ruleset_unref(a->rs);
	vg_pattern_scratch_destroy(a->scratch);
	vg_dec_cache_destroy(a->dec_cache);
	vg_event_destroy(&a->ev);
	free(a);
}

int vg_analyzer_set_ruleset(struct vg_analyzer *a, struct vg_ruleset *rs)
{
	struct vg_rule_state *st = NULL;
	int rc = vg_rule_state_create(rs->rules, &st);
	if (rc != VG_OK)
		return rc;
	/* Take the new reference first: rs may be the ruleset already held. */
	vg_ruleset_ref(rs);
	vg_rule_state_destroy(a->state);
	vg_ruleset_unref(a->rs);
	a->rs = rs;
	a->state = st;
	return VG_OK;
}

struct vg_ruleset *vg_analyzer_ruleset(const struct vg_analyzer *a)
{
	return a->rs;
}

int vg_analyzer_reset_state(struct vg_analyzer *a)
{
	return vg_analyzer_set_ruleset(a, a->rs);
}

/* Gates the log patterns of decoders and rules by the byte pairs of the
 * text they read as "log" (with the same fallback they use). */
static void gate_log(struct vg_analyzer *a, const struct vg_event *ev)
{
	const char *log = ev->log ? ev->log : ev->full_log;
	vg_pattern_scratch_gate(a->scratch, log, log ? strlen(log) : 0);
}

/* FIM and SCA events (location "syscheck" / "sca", after the agent's
 * "(name) ip->" prefix) go to their built-in decoders, as Wazuh's analysisd
 * routes its syscheck and SCA queues; VG_ENOENT for every other event. A
 * line those decoders reject is decoded as an ordinary log. */
static int decode_internal(struct vg_event *ev, const char *log)
{
	if (log[0] != '{') /* both are JSON: most logs stop here */
		return VG_ENOENT;
	const char *loc = ev->location ? ev->location : "";
	const char *arrow = strstr(loc, "->");
	const char *src = arrow ? arrow + 2 : loc;
	if (strcmp(src, "syscheck") == 0)
		return vg_fim_decode(ev, log, strlen(log)) == VG_OK ? VG_OK : VG_ENOENT;
	if (strcmp(src, "sca") == 0)
		return vg_sca_decode(ev, log, strlen(log)) == VG_OK ? VG_OK : VG_ENOENT;
	return VG_ENOENT;
}

int vg_analyzer_process(struct vg_analyzer *a, const char *location, const char *log,
                        const struct timespec *when, struct vg_analysis *out)
{
	struct vg_event *ev = &a->ev;
	vg_event_reset(ev);
	memset(out, 0, sizeof(*out));
	memset(&a->res, 0, sizeof(a->res));
	if (when)
		ev->arrival = *when;
	else
		clock_gettime(CLOCK_REALTIME, &ev->arrival);

	int rc = vg_predecode(ev, location, log);
	if (rc == VG_OK) {
		gate_log(a, ev);
		if (decode_internal(ev, log) != VG_OK)
			rc = vg_decode_cached(a->rs->decoders, ev, a->scratch, a->dec_cache);
	}
	if (rc != VG_OK) {
		vg_pattern_scratch_gate(a->scratch, NULL, 0);
		return rc;
	}
	const struct vg_rule *rule = vg_rule_eval(a->rs->rules, a->state, ev, a->scratch, &a->res);
	/* The verdict is for this log only: the arena reuses its memory. */
	vg_pattern_scratch_gate(a->scratch, NULL, 0);
	out->event = ev;
	out->rule = rule;
	out->result = &a->res;
	out->alert = rule && rule->level >= a->alert_level && rule->level > 0 &&
	             !(rule->options & VG_RULE_OPT_NO_LOG);
	return VG_OK;
}
