/*
 * fuzz_fim_decode.c - libFuzzer target for the FIM event decoder
 * (vg_fim_decode): any bytes must give VG_OK, VG_ENOENT or VG_EPARSE and
 * never crash; a decoded event must carry its path and decoder name.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vigil/fim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_event ev;
	if (vg_event_init(&ev) != VG_OK)
		return 0;
	int rc = vg_fim_decode(&ev, (const char *)data, size);
	if (rc == VG_OK &&
	    (!vg_event_get(&ev, "syscheck.path") || !ev.decoder_name || !ev.full_log))
		abort();
	if (rc != VG_OK && rc != VG_ENOENT && rc != VG_EPARSE && rc != VG_ENOMEM)
		abort();
	vg_event_destroy(&ev);
	return 0;
}
