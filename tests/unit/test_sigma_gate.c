/*
 * test_sigma_gate.c - the literal gate never changes a Sigma rule's answer.
 *
 * Loads every SigmaHQ rule (sigma/rules*) and checks, for every event of
 * SigmaHQ's regression data (evtx_dump JSON) and one event per LOLBAS
 * command (Sysmon process creation, Wazuh event-channel names) and per
 * GTFOBins command (Vigil procmon process event), that each rule answers
 * vg_sigma_rule_match() (gated) exactly as vg_sigma_rule_match_ungated(),
 * and that the gate index over all of them (vg_sigma_index_mark()) marks
 * every rule that matches.
 * The rule-set order with logsource runs is covered by the regression and
 * LOTL fixture tests; this one compares rule by rule, which is stricter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vigil/sigma.h"
#include "vg_test.h"

struct rules {
	struct vg_sigma_rule **v;
	size_t n, cap;
	struct vg_sigma_index *idx; /* over all of them */
};

struct tally {
	unsigned long events, checks, matches, nomatch, logsrc_ok, mismatches;
	unsigned long marked, unmarked_matches;
};

static void rules_add(struct rules *rs, struct vg_sigma_rule *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 512;
		rs->v = realloc(rs->v, rs->cap * sizeof(*rs->v));
		assert_non_null(rs->v);
	}
	rs->v[rs->n++] = r;
}

/* Every file below dir ending in suffix: rules loaded, or fn called. */
static void walk(const char *dir, const char *suffix, void (*fn)(const char *, void *), void *arg)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue; /* no data path is that long */
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		size_t n = strlen(de->d_name), sl = strlen(suffix);
		if (S_ISDIR(st.st_mode))
			walk(path, suffix, fn, arg);
		else if (n >= sl && strcmp(de->d_name + n - sl, suffix) == 0)
			fn(path, arg);
	}
	closedir(d);
}

static void load_rule(const char *path, void *arg)
{
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_sigma_rule *r = NULL;
	if (vg_sigma_rule_load_file(path, NULL, &r, &diag) == VG_OK)
		rules_add(arg, r);
	vg_diag_free(&diag);
}

/* Adds name = value, both copied into the event's arena. */
static void set(struct vg_event *ev, const char *name, const char *value)
{
	const char *n = vg_arena_strdup(ev->arena, name), *v = vg_arena_strdup(ev->arena, value);
	assert_non_null(n);
	assert_non_null(v);
	assert_int_equal(vg_event_set(ev, n, v), VG_OK);
}

/* JSON as the JSON decoder names it: nested keys joined by '.'. */
static void flatten(struct vg_event *ev, const char *prefix, json_t *j)
{
	char name[1024];
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v)
		{
			snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", k);
			flatten(ev, name, v);
		}
	} else if (json_is_string(j)) {
		set(ev, prefix, json_string_value(j));
	} else if (json_is_integer(j)) {
		snprintf(name, sizeof(name), "%lld", (long long)json_integer_value(j));
		set(ev, prefix, name);
	} else if (json_is_boolean(j)) {
		set(ev, prefix, json_is_true(j) ? "true" : "false");
	}
}

/* Every rule, gated and not, on one event. */
static void compare(const struct rules *rs, json_t *doc, struct tally *t)
{
	struct vg_event ev;
	assert_int_equal(vg_event_init(&ev), VG_OK);
	flatten(&ev, "", doc);
	char *raw = json_dumps(doc, JSON_COMPACT);
	assert_non_null(raw);
	ev.full_log = vg_arena_strdup(ev.arena, raw);
	free(raw);
	struct vg_pattern_scratch *scr = vg_pattern_scratch_create();
	struct vg_sigma_view gated, plain, indexed;
	vg_sigma_view_init(&gated, &ev);
	vg_sigma_view_init(&plain, &ev);
	vg_sigma_view_init(&indexed, &ev);
	uint64_t mark[VG_SIGMA_INDEX_MAX / 64];
	vg_sigma_index_mark(rs->idx, &indexed, mark);
	for (size_t i = 0; i < rs->n; i++) {
		bool a = vg_sigma_rule_match(rs->v[i], &gated, scr);
		bool marked = mark[i / 64] >> (i % 64) & 1;
		t->marked += marked;
		if (a && !marked) {
			t->unmarked_matches++;
			printf("UNMARKED: '%s' matches but the index left it out on %s\n",
			       vg_sigma_rule_meta(rs->v[i])->title, ev.full_log);
		}
		bool b = vg_sigma_rule_match_ungated(rs->v[i], &plain, scr);
		bool ls = vg_sigma_rule_logsource_match(rs->v[i], &plain);
		t->checks++;
		t->matches += b;
		t->logsrc_ok += ls;
		t->nomatch += ls && !a && !b;
		if (a != b) {
			t->mismatches++;
			printf("MISMATCH: '%s' gated %d ungated %d on %s\n",
			       vg_sigma_rule_meta(rs->v[i])->title, a, b, ev.full_log);
		}
	}
	t->events++;
	vg_pattern_scratch_destroy(scr);
	vg_event_destroy(&ev);
}

struct walk_ctx {
	const struct rules *rs;
	struct tally *t;
};

/* A regression file: evtx_dump JSON objects, possibly back to back. */
static void regression_file(const char *path, void *arg)
{
	struct walk_ctx *w = arg;
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	json_error_t err;
	json_t *doc;
	while ((doc = json_loadf(fp, JSON_DISABLE_EOF_CHECK, &err)) != NULL) {
		if (json_is_object(doc))
			compare(w->rs, doc, w->t);
		json_decref(doc);
	}
	fclose(fp);
}

static json_t *sysmon_doc(const char *image, const char *cmd)
{
	const char *base = strrchr(image, '\\');
	return json_pack("{s:{s:{s:s,s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s}}}", "win", "system",
	                 "eventID", "1", "channel", "Microsoft-Windows-Sysmon/Operational",
	                 "providerName", "Microsoft-Windows-Sysmon", "eventdata", "image", image,
	                 "originalFileName", base ? base + 1 : image, "commandLine", cmd,
	                 "currentDirectory", "C:\\Users\\alice\\", "user", "CORP\\alice",
	                 "parentImage", "C:\\Windows\\System32\\cmd.exe", "parentCommandLine",
	                 "\"C:\\Windows\\system32\\cmd.exe\" ");
}

static json_t *procmon_doc(const char *bin, const char *cmd)
{
	char image[512];
	snprintf(image, sizeof(image), "/usr/bin/%s", bin);
	return json_pack("{s:{s:s,s:s},s:{s:s,s:s,s:s,s:s,s:{s:s,s:s}}}", "vigil", "module",
	                 "procmon", "event", "process_creation", "process", "image", image,
	                 "command_line", cmd, "current_directory", "/tmp", "user", "alice",
	                 "parent", "image", "/usr/bin/bash", "command_line", "-bash");
}

/* One event per line of a commands.jsonl (LOLBAS or GTFOBins). */
static void commands(const char *path, bool lolbas, const struct rules *rs, struct tally *t)
{
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, fp) > 0) {
		json_error_t err;
		json_t *e = json_loads(line, 0, &err);
		if (!e)
			continue;
		json_t *doc = NULL;
		if (lolbas) {
			const char *name = json_string_value(json_object_get(e, "name"));
			const char *cmd = json_string_value(json_object_get(e, "command"));
			const char *p =
			    json_string_value(json_array_get(json_object_get(e, "full_paths"), 0));
			char image[512];
			snprintf(image, sizeof(image), "%s", p && strchr(p, '\\') ? p : "");
			if (!*image)
				snprintf(image, sizeof(image), "C:\\Windows\\System32\\%s",
				         name ? name : "x.exe");
			if (cmd)
				doc = sysmon_doc(image, cmd);
		} else {
			const char *bin = json_string_value(json_object_get(e, "binary"));
			const char *code = json_string_value(json_object_get(e, "code"));
			if (bin && code)
				doc = procmon_doc(bin, code);
		}
		if (doc)
			compare(rs, doc, t);
		json_decref(doc);
		json_decref(e);
	}
	free(line);
	fclose(fp);
}

static void report(const char *what, const struct tally *t)
{
	printf("%s: %lu events, %lu rule checks, %lu matches, %lu in logsource (%lu of "
	       "them not matching), %lu mismatches; the index marked %lu rule checks, "
	       "left out %lu matches\n",
	       what, t->events, t->checks, t->matches, t->logsrc_ok, t->nomatch, t->mismatches,
	       t->marked, t->unmarked_matches);
}

static void test_gate_is_exact(void **state)
{
	(void)state;
	char dir[4096], lol[4096], gtfo[4096], reg[4096];
	vg_test_require_data(dir, sizeof(dir), "sigma");
	vg_test_require_data(reg, sizeof(reg), "sigma/regression_data");
	vg_test_require_data(lol, sizeof(lol), "lolbas/commands.jsonl");
	vg_test_require_data(gtfo, sizeof(gtfo), "gtfobins/commands.jsonl");
	struct rules rs = { 0 };
	static const char *const sub[] = { "rules", "rules-emerging-threats",
		                           "rules-threat-hunting" };
	for (size_t i = 0; i < 3; i++) {
		char d[4200];
		snprintf(d, sizeof(d), "%s/%s", dir, sub[i]);
		walk(d, ".yml", load_rule, &rs);
	}
	printf("%zu Sigma rules\n", rs.n);
	assert_true(rs.n > 1000 && rs.n <= VG_SIGMA_INDEX_MAX);
	assert_int_equal(
	    vg_sigma_index_build((const struct vg_sigma_rule *const *)rs.v, rs.n, &rs.idx), VG_OK);
	assert_non_null(rs.idx);
	struct tally treg = { 0 }, tlol = { 0 }, tgtfo = { 0 };
	struct walk_ctx w = { &rs, &treg };
	walk(reg, ".json", regression_file, &w);
	commands(lol, true, &rs, &tlol);
	commands(gtfo, false, &rs, &tgtfo);
	report("regression data", &treg);
	report("LOLBAS", &tlol);
	report("GTFOBins", &tgtfo);
	vg_sigma_index_free(rs.idx);
	for (size_t i = 0; i < rs.n; i++)
		vg_sigma_rule_destroy(rs.v[i]);
	free(rs.v);
	assert_int_equal(treg.mismatches + tlol.mismatches + tgtfo.mismatches, 0);
	assert_int_equal(treg.unmarked_matches + tlol.unmarked_matches + tgtfo.unmarked_matches, 0);
	/* ... and it leaves most rules out (otherwise it would not be worth having). */
	assert_true(tlol.marked * 4 < tlol.checks);
	/* The data exercises both answers on many rules of the events' logsources. */
	assert_true(treg.events > 100 && tlol.events > 300 && tgtfo.events > 500);
	assert_true(treg.matches > 100 && tlol.matches > 50 && tgtfo.matches > 20);
	assert_true(tlol.nomatch > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate_is_exact),
	};
	return vg_test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
