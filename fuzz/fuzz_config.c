/*
 * fuzz_config.c - libFuzzer target for the YAML configuration loader: any
 * input must either load or fail with diagnostics, without leaks or crashes.
 */
#include <stddef.h>
#include <stdint.h>

#include "vigil/config.h"
#include "vigil/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_config cfg;
	struct vg_diag d;
	vg_diag_init(&d);
	if (vg_config_load_buffer((const char *)data, size, "fuzz", &cfg, &d) == VG_OK)
		vg_config_destroy(&cfg);
	vg_diag_free(&d);
	return 0;
}
