/*
 * test_gate.c - the log gate of the pattern scratch (pattern_gate.c) and
 * the PCRE2 literal reader it uses (pcre2_literals.c): the gate applies to
 * subjects inside the gated log only, fills its table once and not for a
 * one-literal pattern, really rules patterns out, and - the point - gated
 * matching agrees with plain matching (verdict, end, captures) for OS_Match,
 * OS_Regex and PCRE2 patterns on every suffix of many logs, including the
 * benchmark's logs against Wazuh's decoder and rule patterns when the shared
 * data is present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>

#include "pattern/pattern_internal.h"
#include "vg_test.h"
#include "vigil/buf.h"
#include "vigil/error.h"
#include "vigil/file.h"
#include "vigil/pattern.h"

static struct vg_pattern *compile(enum vg_pattern_kind k, const char *src)
{
	struct vg_pattern *p = NULL;
	char err[128];
	if (vg_pattern_compile(k, src, &p, err, sizeof(err)) != VG_OK)
		fail_msg("'%s': %s", src, err);
	return p;
}

/* Same verdict, end and captures with and without the gate. */
static void agree(struct vg_pattern *p, const char *subj, struct vg_pattern_scratch *gated,
                  struct vg_pattern_scratch *plain)
{
	struct vg_match a, b;
	bool ra = vg_pattern_match(p, subj, gated, &a);
	bool rb = vg_pattern_match(p, subj, plain, &b);
	if (ra != rb)
		fail_msg("'%s' on '%s': gated %d, plain %d", vg_pattern_source(p), subj, ra, rb);
	if (!ra)
		return;
	assert_ptr_equal(a.end, b.end);
	assert_int_equal(a.ngroups, b.ngroups);
	for (unsigned i = 0; i < a.ngroups; i++) {
		assert_ptr_equal(a.groups[i].start, b.groups[i].start);
		assert_int_equal(a.groups[i].len, b.groups[i].len);
	}
}

/* Only subjects inside the log are gated; a missing pair rules out. */
static void test_gate_applies(void **state)
{
	(void)state;
	struct vg_pattern *multi = compile(VG_PAT_OSREGEX, "zq\\d+b|xj\\d+d");
	struct vg_pattern *one = compile(VG_PAT_OSMATCH, "zq1b");
	struct vg_pattern_scratch *s = vg_pattern_scratch_create();
	char log[] = "xx zq1b yy";
	char other[] = "zq1b";

	vg_pattern_scratch_gate(s, log, strlen(log));
	/* A one-literal pattern matches by itself: the table stays empty. */
	assert_true(vg_pattern_match(one, log, s, NULL));
	assert_false(s->gate.filled);
	assert_true(vg_pattern_match(multi, log + 3, s, NULL));
	assert_true(s->gate.filled);
	assert_true(vg_pattern_match(multi, other, s, NULL)); /* outside the log */
	/* The table now rules out what the log cannot hold. */
	struct vg_pattern *absent = compile(VG_PAT_OSMATCH, "qqqq|kkkk");
	assert_false(vg_pattern_match(absent, log, s, NULL));
	vg_pattern_destroy(absent);

	vg_pattern_scratch_gate(s, NULL, 0);
	assert_false(s->gate.filled);
	for (size_t i = 0; i < VG_GATE_WORDS; i++)
		assert_int_equal(s->gate.table[i], 0); /* cleared for the next log */
	assert_true(vg_pattern_match(multi, log + 3, s, NULL));
	vg_pattern_scratch_destroy(s);
	vg_pattern_destroy(multi);
	vg_pattern_destroy(one);
}

/* The gate truly says "absent" (checked on the plan of a real pattern). */
static void test_gate_rejects(void **state)
{
	(void)state;
	struct vg_pattern *p = compile(VG_PAT_OSMATCH, "Failed password|Invalid user");
	struct vg_pattern_scratch *s = vg_pattern_scratch_create();
	struct vg_pattern_scratch *plain = vg_pattern_scratch_create();
	const char *logs[] = { "FAILED PASSWORD for root",
		               "invalid USER bob",
		               "nothing here",
		               "Failed passwor",
		               "",
		               "password failed" };
	for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		vg_pattern_scratch_gate(s, logs[i], strlen(logs[i]));
		for (int k = 0; k < 3; k++)
			agree(p, logs[i], s, plain);
	}
	/* With the table of "nothing here" installed, the gate says no. */
	vg_pattern_scratch_gate(s, logs[2], strlen(logs[2]));
	assert_false(vg_pattern_match(p, logs[2], s, NULL));
	assert_true(s->gate.filled);
	vg_pattern_scratch_gate(s, NULL, 0);
	vg_pattern_scratch_destroy(s);
	vg_pattern_scratch_destroy(plain);
	vg_pattern_destroy(p);
}

static const struct {
	enum vg_pattern_kind k;
	const char *src;
} pats[] = {
	{ VG_PAT_OSMATCH, "Failed password|Accepted publickey" },
	{ VG_PAT_OSMATCH, "session opened$" },
	{ VG_PAT_OSMATCH, "%027|%00|../..|cmd.exe|select%20|union+" },
	{ VG_PAT_OSMATCH, "ipa" },
	{ VG_PAT_OSREGEX, "^Failed \\S+ for (\\S+) from (\\S+)" },
	{ VG_PAT_OSREGEX, "for \\S+ from \\d+.\\d+.\\d+.\\d+ port" },
	{ VG_PAT_OSREGEX, "\\p*\\w+\\s+\\d*\\s\\d+:\\d+:\\d+:\\s+%|^x\\w+ \\d+%" },
	{ VG_PAT_OSREGEX, "user=(\\S+)|uid=(\\d+)" },
	{ VG_PAT_OSREGEX, "ROOT\\s" },
	{ VG_PAT_OSREGEX, "\\)\\p* session \\w+ |^session \\w+ " },
	{ VG_PAT_OSREGEX, "AlertPriority \\d+ SourceIp \\.+ DestinationIP \\.+" },
	{ VG_PAT_OSREGEX,
	  "^(\\S+) \\S+ \\S+ \\.*[\\S+ \\S\\d+] \"(\\w+) (\\S+) HTTP\\S+\" (\\d+) " },
	{ VG_PAT_OSREGEX, "a\\d+b" },
	{ VG_PAT_PCRE2, "[^%]*%FTD-[0-7]-[^:\\s]+[:\\s].*" },
	{ VG_PAT_PCRE2, "\\s\\d+:\\d+:\\d+\\s\\w+:\\s\\S+\\s\\d+.\\d+.\\d+.\\d+" },
	{ VG_PAT_PCRE2, "^\\d+\\/\\d+\\/\\d+\\s\\d+:\\d+:\\d+\\sINFO:\\s\\w+|WARNING:\\s(\\w+)" },
	{ VG_PAT_PCRE2, "sshd(?:\\[\\d+\\])?: Accepted (\\S+) for" },
	{ VG_PAT_PCRE2, "ab+c?d{0}e{2,3}f{1}g" },
	{ VG_PAT_PCRE2, "(?i)failed PASSWORD" },
	{ VG_PAT_PCRE2, "x(*ACCEPT)yz" },
	{ VG_PAT_PCRE2, "\\x41BC|\\QA.B\\E" },
};

static const char *builtin_logs[] = {
	"Failed password for root from 10.0.0.1 port 22 ssh2",
	"FAILED PASSWORD FOR admin FROM 1.2.3.4 PORT 99",
	"pam_unix(sshd:session): session opened for user root",
	"Accepted publickey for deploy from 10.0.0.9 port 5050",
	"%LINK-3-UPDOWN: Interface up",
	"Jan 10 10:00:01: %SYS-5-CONFIG_I: by root ",
	"Mar 1 10:11:12: %FTD-6-302013: Built inbound",
	"2021/04/20 16:00:35 INFO: wazuh 127.0.0.1 \"PUT /agents\"",
	"10.0.0.3 - - [10/Feb/2024:10:11:12 +0000] \"GET /a%20b%00 HTTP/1.1\" 200 512",
	"uid=0 user=root",
	"x",
	"xyz ABC abbbeeefg Abbeefg",
	"",
};

/* Gated and plain matching agree on every pattern, log and suffix. */
static void test_agreement(void **state)
{
	(void)state;
	size_t np = sizeof(pats) / sizeof(pats[0]);
	struct vg_pattern *p[sizeof(pats) / sizeof(pats[0])];
	for (size_t i = 0; i < np; i++)
		p[i] = compile(pats[i].k, pats[i].src);
	struct vg_pattern_scratch *gated = vg_pattern_scratch_create();
	struct vg_pattern_scratch *plain = vg_pattern_scratch_create();
	for (size_t l = 0; l < sizeof(builtin_logs) / sizeof(builtin_logs[0]); l++) {
		const char *log = builtin_logs[l];
		vg_pattern_scratch_gate(gated, log, strlen(log));
		for (size_t off = 0; off <= strlen(log); off += 5)
			for (size_t i = 0; i < np; i++)
				agree(p[i], log + off, gated, plain);
		vg_pattern_scratch_gate(gated, NULL, 0);
	}
	vg_pattern_scratch_destroy(gated);
	vg_pattern_scratch_destroy(plain);
	for (size_t i = 0; i < np; i++)
		vg_pattern_destroy(p[i]);
}

/* ---- Wazuh's own patterns on Wazuh's own test logs ---- */

struct corpus {
	struct vg_pattern **pats;
	size_t npats, pcap;
	char **logs;
	size_t nlogs, lcap;
};

/* Minimal XML text unescaping (in place). */
static void unescape(char *s)
{
	static const struct {
		const char *e;
		char c;
	} ents[] = { { "&lt;", '<' },
		     { "&gt;", '>' },
		     { "&amp;", '&' },
		     { "&quot;", '"' },
		     { "&apos;", '\'' } };
	char *w = s;
	for (char *r = s; *r;) {
		size_t k = 0;
		for (; k < sizeof(ents) / sizeof(ents[0]); k++)
			if (strncmp(r, ents[k].e, strlen(ents[k].e)) == 0)
				break;
		if (k < sizeof(ents) / sizeof(ents[0])) {
			*w++ = ents[k].c;
			r += strlen(ents[k].e);
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Every <tag ...>text</tag> of a file compiled in its dialect (type= or
 * the tag's default); patterns that do not compile are left out. */
static void add_patterns(struct corpus *c, const char *text, const char *tag, int dflt)
{
	char open[32], close[32];
	snprintf(open, sizeof(open), "<%s", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	for (const char *p = text; (p = strstr(p, open)) != NULL; p++) {
		const char *gt = strchr(p, '>'), *end = gt ? strstr(gt, close) : NULL;
		if (!gt || !end || (p[strlen(open)] != '>' && p[strlen(open)] != ' '))
			continue;
		int kind = dflt;
		const char *ty = strstr(p, "type=\"");
		if (ty && ty < gt)
			kind =
			    vg_pattern_kind_lookup(strncmp(ty + 6, "pcre2", 5) == 0     ? "pcre2"
			                           : strncmp(ty + 6, "osmatch", 7) == 0 ? "osmatch"
			                           : strncmp(ty + 6, "osregex", 7) == 0 ? "osregex"
			                                                                : "x");
		if (kind < 0)
			continue;
		char *src = strndup(gt + 1, (size_t)(end - gt - 1));
		assert_non_null(src);
		unescape(src);
		struct vg_pattern *pat = NULL;
		if (vg_pattern_compile((enum vg_pattern_kind)kind, src, &pat, NULL, 0) == VG_OK) {
			if (c->npats == c->pcap) {
				c->pcap = c->pcap ? 2 * c->pcap : 1024;
				c->pats = realloc(c->pats, c->pcap * sizeof(*c->pats));
				assert_non_null(c->pats);
			}
			c->pats[c->npats++] = pat;
		}
		free(src);
	}
}

static char *slurp(const char *path)
{
	struct vg_buf b;
	vg_buf_init(&b, 0);
	if (vg_file_read(path, &b) != VG_OK) {
		vg_buf_free(&b);
		return NULL;
	}
	return vg_buf_detach(&b);
}

/* Calls fn on every file of dir whose name ends with ext. */
static void each_file(const char *dir, const char *ext, struct corpus *c,
                      void (*fn)(struct corpus *, const char *, char *))
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n < strlen(ext) || strcmp(e->d_name + n - strlen(ext), ext) != 0)
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		char *t = slurp(path);
		if (t)
			fn(c, e->d_name, t);
		free(t);
	}
	closedir(d);
}

static void decoder_file(struct corpus *c, const char *name, char *t)
{
	(void)name;
	add_patterns(c, t, "prematch", VG_PAT_OSREGEX);
	add_patterns(c, t, "regex", VG_PAT_OSREGEX);
}

static void rule_file(struct corpus *c, const char *name, char *t)
{
	(void)name;
	add_patterns(c, t, "match", VG_PAT_OSMATCH);
	add_patterns(c, t, "regex", VG_PAT_OSREGEX);
}

/* "log N pass = text" lines of the .ini test files. */
static void ini_file(struct corpus *c, const char *name, char *t)
{
	(void)name;
	for (char *p = t; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		char *eq = strstr(p, " = ");
		if (strncmp(p, "log ", 4) == 0 && eq) {
			if (c->nlogs == c->lcap) {
				c->lcap = c->lcap ? 2 * c->lcap : 1024;
				c->logs = realloc(c->logs, c->lcap * sizeof(*c->logs));
				assert_non_null(c->logs);
			}
			c->logs[c->nlogs] = strdup(eq + 3);
			assert_non_null(c->logs[c->nlogs]);
			c->nlogs++;
		}
		p = nl ? nl + 1 : NULL;
	}
}

/* Every decoder and rule pattern of Wazuh's ruleset, on (a sample of) the
 * logs of its test suite and some of their suffixes: gate and no gate agree. */
static void test_agreement_wazuh(void **state)
{
	(void)state;
	char dec[512], rul[512], ini[512];
	vg_test_require_data(dec, sizeof(dec), "wazuh-ruleset/decoders");
	vg_test_require_data(rul, sizeof(rul), "wazuh-ruleset/rules");
	vg_test_require_data(ini, sizeof(ini), "wazuh-ruleset/testing/tests");
	struct corpus c = { 0 };
	each_file(dec, ".xml", &c, decoder_file);
	each_file(rul, ".xml", &c, rule_file);
	each_file(ini, ".ini", &c, ini_file);
	assert_true(c.npats > 1000);
	assert_true(c.nlogs > 500);
	struct vg_pattern_scratch *gated = vg_pattern_scratch_create();
	struct vg_pattern_scratch *plain = vg_pattern_scratch_create();
	size_t rejected = 0;
	for (size_t l = 0; l < c.nlogs; l += 4) {
		const char *log = c.logs[l];
		size_t len = strlen(log);
		vg_pattern_scratch_gate(gated, log, len);
		for (size_t off = 0; off <= len; off += len / 2 + 1)
			for (size_t i = 0; i < c.npats; i++) {
				agree(c.pats[i], log + off, gated, plain);
				rejected += gated->gate.filled &&
				            !vg_pattern_match(c.pats[i], log + off, plain, NULL);
			}
		vg_pattern_scratch_gate(gated, NULL, 0);
	}
	assert_true(rejected > 0);
	vg_pattern_scratch_destroy(gated);
	vg_pattern_scratch_destroy(plain);
	for (size_t i = 0; i < c.npats; i++)
		vg_pattern_destroy(c.pats[i]);
	for (size_t i = 0; i < c.nlogs; i++)
		free(c.logs[i]);
	free(c.pats);
	free(c.logs);
}

/* The PCRE2 reader: runs it finds, and where it must give up. */
static void test_pcre2_literals(void **state)
{
	(void)state;
	struct {
		const char *src;
		const char *runs; /* alternatives split by '|', runs by ',' */
	} cases[] = {
		{ "[^%]*%FTD-[0-7]-[^:\\s]+[:\\s].*", "%ftd-,-" },
		{ "ab+c?d{0}e{2,3}f{1}g", "ab,e,f,g" },
		{ "^foo\\/bar$|baz\\d", "foo/bar|baz" },
		{ "(group)x(?:y|z)w", "x,w" },
		{ "\\s\\d+:\\d+", ":" },
		{ "(?i)Failed", "failed" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct vg_pcre2_lits *l = vg_pcre2_lits_parse(cases[c].src);
		assert_non_null(l);
		char got[128] = "";
		size_t at = 0;
		for (size_t a = 0; a < vg_pcre2_lits_alts(l); a++) {
			struct vg_lit_run r[16];
			size_t n = vg_pcre2_lits_runs(l, a, r, 16);
			if (a)
				at += (size_t)snprintf(got + at, sizeof(got) - at, "|");
			for (size_t k = 0; k < n; k++)
				at += (size_t)snprintf(got + at, sizeof(got) - at, "%s%.*s",
				                       k ? "," : "", (int)r[k].len,
				                       (const char *)r[k].s);
		}
		assert_string_equal(got, cases[c].runs);
		vg_pcre2_lits_free(l);
	}
	const char *give_up[] = { "x(*ACCEPT)yz", "\\QA.B\\E", "(?x) a b", "\\x41",
		                  "a{b",          "a)b",       "\\p{L}x" };
	for (size_t i = 0; i < sizeof(give_up) / sizeof(give_up[0]); i++)
		assert_null(vg_pcre2_lits_parse(give_up[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate_applies),   cmocka_unit_test(test_gate_rejects),
		cmocka_unit_test(test_agreement),      cmocka_unit_test(test_agreement_wazuh),
		cmocka_unit_test(test_pcre2_literals),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
