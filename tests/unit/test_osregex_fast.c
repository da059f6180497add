/*
 * test_osregex_fast.c - the OS_Regex matcher's shortcuts change nothing.
 *
 * vg_osregex_exec() jumps to the places where an alternative's leading
 * literal occurs and skips over runs a repeating class would take one byte
 * at a time; vg_osregex_exec_nofilter() is the plain byte-by-byte matcher.
 * Both must agree on every case of Wazuh's execution suite and on cases
 * written to reach the shortcuts' edges (restarts inside the leading
 * literal, case folding, group marks next to repeats, subjects that end
 * mid-pattern): same verdict, same end, same last byte, same captures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "pattern/pattern_internal.h"
#include "vg_test.h"

/* Runs both matchers on one case; returns the number of matches (0 or 1). */
static unsigned agree(const char *pat, const char *subj)
{
	struct vg_osregex *rx;
	struct vg_match a, b;
	if (vg_osregex_compile(pat, &rx, NULL, 0) != 0)
		return 0;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	bool ra = vg_osregex_exec(rx, subj, &a);
	bool rb = vg_osregex_exec_nofilter(rx, subj, &b);
	vg_osregex_destroy(rx);
	if (ra != rb)
		fail_msg("'%s' on '%s': fast %d, reference %d", pat, subj, ra, rb);
	if (!ra)
		return 0;
	if (a.end != b.end || a.last != b.last || a.ngroups != b.ngroups)
		fail_msg("'%s' on '%s': end/last/groups differ", pat, subj);
	for (unsigned g = 0; g < a.ngroups; g++)
		if (a.groups[g].start != b.groups[g].start || a.groups[g].len != b.groups[g].len)
			fail_msg("'%s' on '%s': group %u differs", pat, subj, g);
	return 1;
}

static void test_edges(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "by (\\S+)\\(uid=(\\d+)\\)",
		  "session opened for user root(uid=0) by deploy(uid=1005)" },
		{ "by (\\S+)\\(uid=(\\d+)\\)", "bby b by BY x(uid=1)" },
		{ "abab(\\d+)", "abaabababab12" },
		{ "TTY=(\\S+)", "tty=pts/0 TTY=" },
		{ "tty=", "xx tty=" },
		{ "foo$", "foo foo" },
		{ "port (\\S+)", "Port 22 port" },
		{ "a0=\"(\\S+)\"", "a0=\"7f\" a0=\"x" },
		{ "\\S+\\s(\\w+)x", "ab cd efx" },
		{ "\\.+x\\d+", "qqqqx1x22" },
		{ "\\w+ \\d+:(\\d+)", "Feb 10 10:11:12 host" },
		{ "\\S+\\p\\d+%", "a.%" },
		{ "(\\w+)\\s+(\\S*)", "user   " },
		{ "\\d+(\\.+)$", "123abc" },
		{ "x\\w*y", "xaaaay xy" },
		{ "\\p*\\w+\\s+\\d*\\s\\d+:\\d+:\\d+:\\s+%", "GET /a?q=1%20b HTTP/1.1\" 404 90" },
		{ "\\p*\\w+\\s+\\d*\\s\\d+:\\d+:\\d+:\\s+%", "*Mar  1 18:48:50: %SYS-5-CONFIG_I" },
	};
	unsigned matched = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		matched += agree(cases[i][0], cases[i][1]);
	/* The set holds both matching and failing cases. */
	assert_true(matched > 5);
	assert_true(matched < sizeof(cases) / sizeof(cases[0]));
}

/* Compares both matchers on one compiled pattern (as agree()). */
static unsigned agree_rx(const struct vg_osregex *rx, const char *pat, const char *subj)
{
	struct vg_match a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	bool ra = vg_osregex_exec(rx, subj, &a);
	bool rb = vg_osregex_exec_nofilter(rx, subj, &b);
	if (ra != rb)
		fail_msg("'%s' on '%s': fast %d, reference %d", pat, subj, ra, rb);
	if (ra && (a.end != b.end || a.last != b.last || a.ngroups != b.ngroups))
		fail_msg("'%s' on '%s': end/last/groups differ", pat, subj);
	return ra;
}

/*
 * Windows (two literals with classes between, checked before an
 * unanchored alternative runs): every subject of up to five bytes over an
 * alphabet of the patterns' bytes, on patterns whose windows sit at the
 * start, the middle and the end, after zero-width repeats, next to group
 * marks, and one whose last byte may go unconsumed (no window there).
 */
static void test_windows(void **state)
{
	(void)state;
	static const char *const pats[] = {
		"\\p*\\w+\\s+\\d*\\s\\d+:\\s+%",
		"\\w+:\\s+%",
		"%\\d*;\\w+",
		"a\\s\\d+%b",
		"(\\w+)%\\s*(\\d+);",
		"\\d+:\\s%",
		";\\p+%",
		"x\\S+%\\s+\\d+:|%\\d+;",
	};
	static const char alpha[] = "a1 :%;";
	const size_t na = sizeof(alpha) - 1;
	unsigned matched = 0, runs = 0;
	for (size_t p = 0; p < sizeof(pats) / sizeof(pats[0]); p++) {
		struct vg_osregex *rx;
		assert_int_equal(vg_osregex_compile(pats[p], &rx, NULL, 0), 0);
		for (size_t len = 0; len <= 5; len++) {
			size_t total = 1;
			for (size_t k = 0; k < len; k++)
				total *= na;
			for (size_t code = 0; code < total; code++) {
				char subj[8];
				size_t c = code;
				for (size_t k = 0; k < len; k++, c /= na)
					subj[k] = alpha[c % na];
				subj[len] = '\0';
				matched += agree_rx(rx, pats[p], subj);
				runs++;
			}
		}
		vg_osregex_destroy(rx);
	}
	printf("os_regex windows: %u subjects, %u matches, all agree\n", runs, matched);
	assert_true(matched > 100 && matched < runs);
}

static void test_wazuh_suite(void **state)
{
	(void)state;
	char path[1024];
	json_error_t jerr;
	unsigned n = 0, matched = 0;

	vg_test_require_data(path, sizeof(path), "os_regex/test_os_regex_execute.json");
	json_t *root = json_load_file(path, 0, &jerr);
	assert_non_null(root);
	size_t i, j;
	json_t *suite, *c;
	json_array_foreach(root, i, suite)
	{
		json_array_foreach(json_object_get(suite, "batch_test"), j, c)
		{
			const char *pat = json_string_value(json_object_get(c, "pattern"));
			const char *log = json_string_value(json_object_get(c, "log"));
			if (!pat || !log)
				continue;
			matched += agree(pat, log);
			n++;
		}
	}
	json_decref(root);
	printf("os_regex fast paths: %u cases, %u matches, all agree\n", n, matched);
	assert_true(n > 0 && matched > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_wazuh_suite),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
