/*
 * vg_test.h - helpers shared by the cmocka unit tests.
 *
 * Third-party data lives in $VIGIL_SHARED/data (default ../shared beside the
 * source tree). A test that needs it and does not find it is skipped by
 * cmocka (the other tests of the program still run), the reason is printed,
 * and the program then exits 77, which CTest reports as skipped. Include
 * this header after <cmocka.h>.
 */
#ifndef VG_TEST_H
#define VG_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define VG_TEST_SKIP 77

/* Set when a test was skipped for want of data (tests only, one program). */
static int vg_test_missing_data __attribute__((unused));

/* Writes "$VIGIL_SHARED/data/<rel>" into out; returns 0 if it exists. */
static inline int vg_test_data_path(char *out, size_t outlen, const char *rel)
{
	const char *shared = getenv("VIGIL_SHARED");
	if (!shared || !*shared)
		shared = "../shared";
	snprintf(out, outlen, "%s/data/%s", shared, rel);
	return access(out, R_OK) == 0 ? 0 : -1;
}

/* Skips the calling test (cmocka) when the data file is absent. */
#define vg_test_require_data(out, outlen, rel)                                                     \
	do {                                                                                       \
		if (vg_test_data_path((out), (outlen), (rel)) != 0) {                              \
			printf("SKIP: %s not found (set VIGIL_SHARED to the shared data "          \
			       "directory)\n",                                                     \
			       (out));                                                             \
			vg_test_missing_data = 1;                                                  \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/* The program's exit status: failures first, then 77 when data was missing. */
static inline int vg_test_result(int failed)
{
	return failed ? failed : vg_test_missing_data ? VG_TEST_SKIP : 0;
}

#endif
