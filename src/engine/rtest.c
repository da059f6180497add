/*
 * rtest.c - the Wazuh .ini ruleset test runner (see vigil/rtest.h).
 *
 * The reader follows the INI dialect of Python's configparser as Wazuh's
 * runner uses it: "[section]" headers, "key = value" or "key: value" split at
 * the first '=' or ':', keys lower-cased, values trimmed, lines starting
 * with whitespace continue the previous value, ';' and '#' start comment
 * lines, and a key repeated within a section accumulates its values.
 */
#include "vigil/rtest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/array.h"
#include "vigil/buf.h"
#include "vigil/rule.h"

#define RT_MAX_KEYS 128

struct rt_key {
	char *name;
	char **lines; /* the value's lines (a repeated key adds lines) */
	size_t nlines, cap;
	unsigned line; /* where the key first appeared */
};

struct rt_section {
	char *name;
	unsigned line;
	struct rt_key keys[RT_MAX_KEYS];
	unsigned nkeys;
};

static void section_clear(struct rt_section *s)
{
	free(s->name);
	for (unsigned i = 0; i < s->nkeys; i++) {
		for (unsigned j = 0; j < s->keys[i].nlines; j++)
			free(s->keys[i].lines[j]);
		free(s->keys[i].lines);
		free(s->keys[i].name);
	}
	memset(s, 0, sizeof(*s));
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static struct rt_key *section_key(struct rt_section *s, const char *name, unsigned line)
{
	for (unsigned i = 0; i < s->nkeys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	if (s->nkeys == RT_MAX_KEYS)
		return NULL;
	struct rt_key *k = &s->keys[s->nkeys];
	k->name = strdup(name);
	if (!k->name)
		return NULL;
	k->line = line;
	s->nkeys++;
	return k;
}

static int key_add_line(struct rt_key *k, const char *v)
{
	if (vg_grow((void **)&k->lines, &k->cap, k->nlines + 1, sizeof(*k->lines), 4))
		return VG_ENOMEM;
	k->lines[k->nlines] = strdup(v);
	if (!k->lines[k->nlines])
		return VG_ENOMEM;
	k->nlines++;
	return VG_OK;
}

static const char *section_get(const struct rt_section *s, const char *name)
{
	for (unsigned i = 0; i < s->nkeys; i++)
		if (strcmp(s->keys[i].name, name) == 0 && s->keys[i].nlines)
			return s->keys[i].lines[s->keys[i].nlines - 1];
	return NULL;
}

/* Runs the lines of one log key in a fresh session; fills the final triple. */
static int run_case(struct vg_analyzer *a, const struct rt_key *k, const char *location, char *rule,
                    char *level, char *decoder, size_t len)
{
	int rc = vg_analyzer_reset_state(a);
	struct vg_analysis res;
	rule[0] = level[0] = decoder[0] = '\0';
	for (unsigned i = 0; i < k->nlines && rc == VG_OK; i++) {
		/* Each wazuh-logtest call reads the event "now". */
		rc = vg_analyzer_process(a, location, k->lines[i], NULL, &res);
		if (rc != VG_OK)
			break;
		rule[0] = level[0] = '\0';
		snprintf(decoder, len, "%s",
		         res.event->decoder_name ? res.event->decoder_name : "");
		if (res.rule) {
			snprintf(rule, len, "%u", res.rule->id);
			snprintf(level, len, "%d", res.rule->level);
		}
	}
	return rc;
}

bool vg_rtest_same(const char *exp_rule, const char *exp_level, const char *exp_dec,
                   const char *rule, const char *level, const char *dec)
{
	if (!exp_rule || !exp_level || !exp_dec || !*exp_rule || !*exp_level || !*exp_dec || !*dec)
		return false;
	return strcmp(rule, exp_rule) == 0 && strcmp(level, exp_level) == 0 &&
	       strcmp(dec, exp_dec) == 0;
}

static void run_section(struct vg_analyzer *a, const char *path, const struct rt_section *s,
                        FILE *out, bool verbose, struct vg_rtest_totals *t)
{
	const char *exp_rule = section_get(s, "rule");
	const char *exp_level = section_get(s, "alert");
	const char *exp_dec = section_get(s, "decoder");
	/* Vigil's extension: where the lines come from ("syscheck" and "sca"
	 * select the FIM and SCA decoders); Wazuh's files never set it. */
	const char *location = section_get(s, "location");
	char rule[64], level[64], dec[256];

	for (unsigned i = 0; i < s->nkeys; i++) {
		const struct rt_key *k = &s->keys[i];
		if (strncmp(k->name, "log ", 4) != 0)
			continue;
		size_t nl = strlen(k->name);
		bool negate = nl >= 4 && strcmp(k->name + nl - 4, "fail") == 0;
		int rc =
		    run_case(a, k, location ? location : "stdin", rule, level, dec, sizeof(rule));
		bool same =
		    rc == VG_OK && vg_rtest_same(exp_rule, exp_level, exp_dec, rule, level, dec);
		if (same != negate) {
			t->passed++;
			if (verbose && out)
				fprintf(out, "ok   %s:%u [%s] %s\n", path, k->line, s->name,
				        k->name);
			continue;
		}
		t->failed++;
		if (!out)
			continue;
		fprintf(out, "FAIL %s:%u [%s] %s%s\n", path, k->line, s->name, k->name,
		        rc != VG_OK ? " (engine error)" : "");
		fprintf(out, "     expected%s rule=%s level=%s decoder=%s\n", negate ? " not" : "",
		        exp_rule ? exp_rule : "?", exp_level ? exp_level : "?",
		        exp_dec ? exp_dec : "?");
		fprintf(out, "     got      rule=%s level=%s decoder=%s\n", rule[0] ? rule : "-",
		        level[0] ? level : "-", dec[0] ? dec : "-");
	}
}

static int parse_line(struct rt_section *cur, struct rt_key **last, char *line, unsigned lineno,
                      const char *path, FILE *out)
{
	if (line[0] == ' ' || line[0] == '\t') {
		char *v = trim(line);
		if (*v && *last)
			return key_add_line(*last, v);
		return VG_OK;
	}
	char *p = trim(line);
	if (*p == '\0' || *p == ';' || *p == '#')
		return VG_OK;
	size_t klen = strcspn(p, "=:");
	if (p[klen] == '\0') {
		if (out)
			fprintf(out, "%s:%u: expected 'key = value' or '[section]', skipped\n",
			        path, lineno);
		*last = NULL;
		return VG_OK; /* configparser would refuse the file; Wazuh's files have two */
	}
	p[klen] = '\0';
	char *key = trim(p), *val = trim(p + klen + 1);
	for (char *c = key; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	*last = section_key(cur, key, lineno);
	if (!*last)
		return VG_ELIMIT;
	return key_add_line(*last, val);
}

int vg_rtest_run_file(struct vg_analyzer *a, const char *path, FILE *out, bool verbose,
                      struct vg_rtest_totals *t)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (out)
			fprintf(out, "%s: cannot open\n", path);
		return VG_EIO;
	}
	struct rt_section cur = { 0 };
	struct rt_key *last = NULL;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = VG_OK;
	bool in_section = false;

	while (rc == VG_OK && getline(&line, &cap, f) >= 0) {
		lineno++;
		char *p = trim(line);
		if (line[0] == '[' && p[strlen(p) - 1] == ']') {
			if (in_section)
				run_section(a, path, &cur, out, verbose, t);
			section_clear(&cur);
			p[strlen(p) - 1] = '\0';
			cur.name = strdup(p + 1);
			cur.line = lineno;
			in_section = cur.name != NULL;
			last = NULL;
			continue;
		}
		if (!in_section)
			continue;
		rc = parse_line(&cur, &last, line, lineno, path, out);
	}
	if (rc == VG_OK && in_section)
		run_section(a, path, &cur, out, verbose, t);
	section_clear(&cur);
	free(line);
	fclose(f);
	t->files++;
	return rc;
}
