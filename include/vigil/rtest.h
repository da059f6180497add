/*
 * rtest.h - runs ruleset test files in Wazuh's .ini format.
 *
 * A file holds one [section] per case group with keys "rule", "alert"
 * (level) and "decoder", and one or more "log N pass|fail = <line>" keys.
 * Each distinct log key is one case; a key repeated inside a section feeds
 * its lines, in order, to one session and only the last line's result is
 * compared (this is how frequency rules are tested). A "pass" case passes
 * when the final (rule id, level, decoder name) equals the expected triple;
 * a "fail" case passes when it differs. This is the contract of Wazuh's own
 * runtests.py with wazuh-logtest -U.
 */
#ifndef VIGIL_RTEST_H
#define VIGIL_RTEST_H

#include <stdbool.h>
#include <stdio.h>

#include "vigil/engine.h"

/*
 * The comparison of wazuh-logtest -U: true when the result (rule id, level,
 * decoder name as text; "" when absent) equals the expected triple. An
 * event no decoder matched never equals, and neither does an expected
 * triple with an empty part. NULL expected parts count as empty.
 */
bool vg_rtest_same(const char *exp_rule, const char *exp_level, const char *exp_dec,
                   const char *rule, const char *level, const char *dec);

struct vg_rtest_totals {
	unsigned passed;
	unsigned failed;
	unsigned files;
};

/*
 * Runs every case of the .ini file at path with analyzer a (its state is reset
 * for each case). Each failure is printed to out (may be NULL) with expected
 * vs got; totals are added to *t. Returns VG_EIO when the file cannot be read
 * and VG_EPARSE when a line is malformed (reported to out, cases before it
 * still counted).
 */
int vg_rtest_run_file(struct vg_analyzer *a, const char *path, FILE *out, bool verbose,
                      struct vg_rtest_totals *t);

#endif
