/*
 * fuzz_engine.c - libFuzzer target for the whole analysis of log lines:
 * pre-decoding, decoding and rule matching with correlation. The ruleset is
 * Vigil's built-in one, plus Wazuh's when VIGIL_FUZZ_WAZUH names a Wazuh
 * ruleset root (its ~1,600 decoders and ~4,500 rules are the richest
 * surface). Each input is split at newlines into events that run through one
 * analyzer, so frequency and if_matched rules see several events.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/engine.h"
#include "vigil/ruleset_spec.h"

struct fuzz_state {
	struct vg_ruleset_spec spec;
	struct vg_analyzer *a;
};

static struct fuzz_state *get_state(void)
{
	static struct fuzz_state *st; /* built once, read-only afterwards */
	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	if (!st)
		abort();
	const char *wazuh = getenv("VIGIL_FUZZ_WAZUH");
	if (wazuh && vg_ruleset_spec_add_wazuh(&st->spec, wazuh, VG_WAZUH_WINDOWS_AS_JSON) != VG_OK)
		abort();
	struct vg_ruleset *rs = NULL;
	struct vg_diag diag;
	vg_diag_init(&diag);
	if (vg_ruleset_spec_load(&st->spec, &rs, &diag) != VG_OK ||
	    vg_analyzer_create(rs, 3, &st->a) != VG_OK)
		abort();
	vg_diag_free(&diag);
	vg_ruleset_unref(rs);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state *st = get_state();
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct timespec t = { 1700000000, 0 };
	char *line = text;
	while (line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		struct vg_analysis res;
		vg_analyzer_process(st->a, "fuzz", line, &t, &res);
		t.tv_sec += 1;
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	return 0;
}
