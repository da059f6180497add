/*
 * fuzz_sca_rule.c - libFuzzer target for the SCA rule parser and matcher:
 * the input is one rule ("not f:/x -> r:a && !n:b compare > 3"), compiled
 * as OS_Regex and as PCRE2; a compiled content pattern is matched against
 * a few fixed lines. The same bytes also go to the SCA message decoder.
 */
#include <stdlib.h>
#include <string.h>

#include "sca/sca_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void match_lines(const char *rule, bool pcre2)
{
	static const char *const lines[] = { "PermitRootLogin no", "MaxAuthTries 4",
		                             "session required pam_tty_audit.so enable=*", "",
		                             "deny = 3" };
	struct vg_sca_policy p;
	memset(&p, 0, sizeof(p));
	if (!(p.arena = vg_arena_create(0)))
		return;
	struct sca_rule r;
	char err[256];
	if (sca_rule_compile(&p, rule, pcre2, &r, err, sizeof(err), NULL, 0) == VG_OK &&
	    r.has_content) {
		struct sca_ctx c;
		sca_ctx_init(&c, 1);
		for (size_t i = 0; c.scratch && i < sizeof(lines) / sizeof(lines[0]); i++)
			(void)sca_expr_match(&c, &r.content, lines[i]);
		sca_ctx_free(&c);
	}
	for (size_t i = 0; i < p.npats; i++)
		vg_pattern_destroy(p.pats[i]);
	free(p.pats);
	vg_arena_destroy(p.arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (strlen(s) == size) {
		match_lines(s, false);
		match_lines(s, true);
	}
	struct vg_event ev;
	if (vg_event_init(&ev) == VG_OK) {
		(void)vg_sca_decode(&ev, s, size);
		vg_event_destroy(&ev);
	}
	free(s);
	return 0;
}
