/*
 * fuzz_positions.c - libFuzzer target for the collector's positions file
 * parser: any input must parse without crashing, and every entry kept must
 * be found again by its path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/positions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct vg_positions p;
	vg_positions_init(&p);
	if (vg_positions_parse(&p, text, "fuzz") == 0) {
		for (size_t i = 0; i < p.count; i++)
			if (vg_positions_find(&p, p.items[i].path) != &p.items[i])
				abort();
	}
	vg_positions_free(&p);
	free(text);
	return 0;
}
