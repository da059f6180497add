/*
 * pcre2.c - the type="pcre2" dialect and the per-thread match scratch.
 *
 * Patterns are compiled with no options, exactly as Wazuh does, so they are
 * case-sensitive; JIT compilation is attempted and silently skipped when
 * unavailable. The ovector lives in struct vg_pattern_scratch, sized for the
 * most groups a pattern may have, so a match never allocates. The end
 * pointer and captures follow Wazuh's w_expression_match(): end is the
 * offset after the whole match and groups are those PCRE2 reports set.
 * (The scratch's layout is in pattern_internal.h: pattern.c reads its
 * log gate.)
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pattern/pattern_internal.h"

#include <pcre2.h>
#include <stdlib.h>

#include "vigil/error.h"

struct vg_pcre2 {
	pcre2_code *code;
	unsigned ngroups;
};

int vg_pcre2_compile(const char *src, struct vg_pcre2 **out, char *err, size_t errlen)
{
	int errcode = 0;
	PCRE2_SIZE erroff = 0;
	uint32_t ncap = 0;
	struct vg_pcre2 *pc;

	*out = NULL;
	pcre2_code *code =
	    pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff, NULL);
	if (!code) {
		PCRE2_UCHAR msg[128];
		if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
			msg[0] = '\0';
		return vg_pattern_fail(err, errlen, "pcre2: %s at offset %zu", (const char *)msg,
		                       (size_t)erroff);
	}
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (ncap > VG_PATTERN_MAX_GROUPS) {
		pcre2_code_free(code);
		return vg_pattern_fail(err, errlen, "too many groups (%u, at most %d)",
		                       (unsigned)ncap, VG_PATTERN_MAX_GROUPS);
	}
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* optional speed-up */
	pc = malloc(sizeof(*pc));
	if (!pc) {
		pcre2_code_free(code);
		return VG_ENOMEM;
	}
	pc->code = code;
	pc->ngroups = ncap;
	*out = pc;
	return 0;
}

void vg_pcre2_destroy(struct vg_pcre2 *pc)
{
	if (!pc)
		return;
	pcre2_code_free(pc->code);
	free(pc);
}

unsigned vg_pcre2_groups(const struct vg_pcre2 *pc)
{
	return pc->ngroups;
}

struct vg_pattern_scratch *vg_pattern_scratch_create(void)
{
	struct vg_pattern_scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->md = pcre2_match_data_create(VG_PATTERN_MAX_GROUPS + 1, NULL);
	if (!s->md) {
		free(s);
		return NULL;
	}
	return s;
}

void vg_pattern_scratch_destroy(struct vg_pattern_scratch *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	free(s);
}

static void pc_fill(const char *subject, const PCRE2_SIZE *ov, int rc, struct vg_match *m)
{
	m->end = subject + ov[1];
	m->last = ov[1] > 0 ? subject + ov[1] - 1 : subject;
	m->ngroups = 0;
	/* rc counts the groups up to the highest one set; unset ones are empty. */
	for (int i = 1; i < rc; i++) {
		struct vg_capture *c = &m->groups[m->ngroups++];
		if (ov[2 * i] == PCRE2_UNSET || ov[2 * i + 1] < ov[2 * i]) {
			c->start = subject;
			c->len = 0;
		} else {
			c->start = subject + ov[2 * i];
			c->len = ov[2 * i + 1] - ov[2 * i];
		}
	}
}

bool vg_pcre2_exec(const struct vg_pcre2 *pc, const char *subject, struct vg_pattern_scratch *s,
                   struct vg_match *m)
{
	struct vg_pattern_scratch *own = NULL;
	bool ok = false;
	int rc;

	if (!s) {
		/* Callers should pass a scratch; without one we pay an allocation. */
		own = vg_pattern_scratch_create();
		if (!own)
			return false;
		s = own;
	}
	rc = pcre2_match(pc->code, (PCRE2_SPTR)subject, PCRE2_ZERO_TERMINATED, 0, 0, s->md, NULL);
	if (rc > 0) {
		ok = true;
		if (m)
			pc_fill(subject, pcre2_get_ovector_pointer(s->md), rc, m);
	}
	vg_pattern_scratch_destroy(own);
	return ok;
}
