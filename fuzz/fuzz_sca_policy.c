/*
 * fuzz_sca_policy.c - libFuzzer target for the SCA policy loader: the
 * input is a policy (YAML) loaded with a variable override, then freed.
 * Policies are not run (their rules would read files and run commands).
 */
#include <stddef.h>
#include <stdint.h>

#include "vigil/sca.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_diag d;
	struct vg_sca_policy *p = NULL;
	struct vg_sca_var var = { "$dir", "/nonexistent" };
	vg_diag_init(&d);
	if (vg_sca_policy_parse((const char *)data, size, "fuzz.yml", &var, 1, &p, &d) == VG_OK) {
		(void)vg_sca_policy_id(p);
		(void)vg_sca_policy_check_count(p);
	}
	vg_sca_policy_destroy(p);
	vg_diag_free(&d);
	return 0;
}
