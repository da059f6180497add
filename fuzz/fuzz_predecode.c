/*
 * fuzz_predecode.c - libFuzzer target for the pre-decoder: any message,
 * framed as "<queue>:<location>:<log>" or passed as a bare log line, must
 * pre-decode without crashing or reading past the end of the text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/event.h"
#include "vigil/predecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct vg_event ev;
	if (vg_event_init(&ev) != VG_OK) {
		free(text);
		return 0;
	}
	if (vg_predecode_message(&ev, text) == VG_OK && (!ev.log || !ev.full_log))
		__builtin_trap();
	vg_event_reset(&ev);
	if (vg_predecode(&ev, "[001] (agent) 10.0.0.1->/var/log/x", text) != VG_OK ||
	    strcmp(ev.full_log, text) != 0 || strlen(ev.log) > strlen(text))
		__builtin_trap();
	vg_event_destroy(&ev);
	free(text);
	return 0;
}
