/*
 * fuzz_winevt.c - libFuzzer target for the Windows event-channel
 * conversion: any line must give 0 (and then a JSON document with a "win"
 * object), VG_ENOENT or VG_EPARSE, never crash or leak.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "vigil/winevt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_buf out;
	struct vg_diag d;
	vg_buf_init(&out, 0);
	vg_diag_init(&d);
	int rc = vg_winevt_convert((const char *)data, size, &out, &d);
	if (rc == 0) {
		json_t *doc = json_loadb(out.data, out.len, 0, NULL);
		if (!doc || !json_is_object(json_object_get(doc, "win")))
			abort();
		json_decref(doc);
	} else if (rc != VG_ENOENT && rc != VG_EPARSE) {
		abort();
	}
	vg_diag_free(&d);
	vg_buf_free(&out);
	return 0;
}
