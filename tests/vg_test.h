/*
 * vg_test.h - helpers shared by the cmocka unit tests.
 *
 * Third-party data lives in $VIGIL_SHARED/data (default ../shared beside the
 * source tree). A test that needs it and does not find it exits with 77,
 * which CTest reports as skipped, after printing the reason.
 */
#ifndef VG_TEST_H
#define VG_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define VG_TEST_SKIP 77

/* Writes "$VIGIL_SHARED/data/<rel>" into out; returns 0 if it exists. */
static inline int vg_test_data_path(char *out, size_t outlen, const char *rel)
{
	const char *shared = getenv("VIGIL_SHARED");
	if (!shared || !*shared)
		shared = "../shared";
	snprintf(out, outlen, "%s/data/%s", shared, rel);
	return access(out, R_OK) == 0 ? 0 : -1;
}

/* Exits with the skip code when the data file is absent. */
static inline void vg_test_require_data(char *out, size_t outlen, const char *rel)
{
	if (vg_test_data_path(out, outlen, rel) != 0) {
		printf("SKIP: %s not found (set VIGIL_SHARED to the shared data directory)\n", out);
		exit(VG_TEST_SKIP);
	}
}

#endif
