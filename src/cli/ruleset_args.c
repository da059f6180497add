/*
 * ruleset_args.c - turns ruleset command-line options into a loaded
 * ruleset, including the preparation Wazuh's test runner makes of its own
 * ruleset (test_* files added, rule 60000 taking Windows events as JSON).
 */
#include "cli/ruleset_args.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vigil/buf.h"

const char ruleset_args_usage[] =
    "  -d, --decoders DIR     load the decoders in DIR (repeatable)\n"
    "  -r, --rules DIR        load the rules in DIR (repeatable)\n"
    "  -l, --list NAME=PATH   declare a CDB list as rules name it (repeatable)\n"
    "  -w, --wazuh DIR        a Wazuh ruleset root (DIR/decoders, DIR/rules, DIR/lists)\n"
    "      --wazuh-testing    with --wazuh, prepare it as Wazuh's test runner does\n"
    "      --no-builtin       leave out Vigil's built-in ruleset\n";

static char *own(struct ruleset_args *ra, char *s)
{
	if (s && ra->nowned < sizeof(ra->owned) / sizeof(ra->owned[0]))
		ra->owned[ra->nowned++] = s;
	else if (s) {
		free(s);
		s = NULL;
	}
	return s;
}

static char *joinpath(struct ruleset_args *ra, const char *a, const char *b)
{
	struct vg_buf buf;
	vg_buf_init(&buf, 0);
	if (vg_buf_printf(&buf, "%s/%s", a, b) != VG_OK) {
		vg_buf_free(&buf);
		return NULL;
	}
	return own(ra, vg_buf_detach(&buf));
}

int ruleset_args_parse(struct ruleset_args *ra, int argc, char **argv, int *i)
{
	const char *opt = argv[*i];
	const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	bool takes = true;

	if (strcmp(opt, "--wazuh-testing") == 0) {
		ra->wazuh_testing = true;
		takes = false;
	} else if (strcmp(opt, "--no-builtin") == 0) {
		ra->no_builtin = true;
		takes = false;
	} else if (strcmp(opt, "-d") && strcmp(opt, "--decoders") && strcmp(opt, "-r") &&
	           strcmp(opt, "--rules") && strcmp(opt, "-l") && strcmp(opt, "--list") &&
	           strcmp(opt, "-w") && strcmp(opt, "--wazuh")) {
		return 0;
	}
	if (!takes)
		return 1;
	if (!val) {
		fprintf(stderr, "vigil: option %s needs a value\n", opt);
		return -1;
	}
	(*i)++;
	if (opt[1] == 'd' || strcmp(opt, "--decoders") == 0) {
		if (ra->ndec < RA_MAX)
			ra->decoder_dirs[ra->ndec++] = val;
	} else if (opt[1] == 'r' || strcmp(opt, "--rules") == 0) {
		if (ra->nrul < RA_MAX)
			ra->rule_dirs[ra->nrul++] = val;
	} else if (opt[1] == 'w' || strcmp(opt, "--wazuh") == 0) {
		ra->wazuh_root = val;
	} else {
		const char *eq = strchr(val, '=');
		if (!eq || eq == val || !eq[1]) {
			fprintf(stderr, "vigil: --list expects NAME=PATH, got '%s'\n", val);
			return -1;
		}
		char *name = own(ra, strndup(val, (size_t)(eq - val)));
		if (name && ra->nlists < RA_MAX) {
			ra->lists[ra->nlists].name = name;
			ra->lists[ra->nlists].path = eq + 1;
			ra->nlists++;
		}
	}
	return 1;
}

/* Declares every list file under root/lists as "etc/lists/<relative path>",
 * the names Wazuh's rules use. */
static void add_wazuh_lists(struct ruleset_args *ra, const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && ra->nlists < RA_MAX) {
		if (de->d_name[0] == '.' || strstr(de->d_name, ".cdb"))
			continue;
		char *path = joinpath(ra, dir, de->d_name);
		char *name = joinpath(ra, rel, de->d_name);
		struct stat st;
		if (!path || !name || stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			add_wazuh_lists(ra, path, name);
		} else if (S_ISREG(st.st_mode)) {
			ra->lists[ra->nlists].name = name;
			ra->lists[ra->nlists].path = path;
			ra->nlists++;
		}
	}
	closedir(d);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	char chunk[65536];
	size_t n;
	int rc = VG_OK;
	while (rc == VG_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = vg_buf_add(&b, chunk, n);
	fclose(f);
	if (rc != VG_OK) {
		vg_buf_free(&b);
		return NULL;
	}
	return vg_buf_detach(&b);
}

/* Rule 60000 as Wazuh's runner prepares it: no <category>, decoded as json. */
static char *prepare_win_base(const char *text)
{
	const char *start = strstr(text, "<rule id=\"60000\"");
	const char *end = start ? strstr(start, "</rule>") : NULL;
	if (!end)
		return NULL;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	vg_buf_add(&b, text, (size_t)(start - text));
	const char *p = start;
	while (p < end) {
		const char *cat = strstr(p, "<category>");
		const char *dec = strstr(p, "<decoded_as>");
		const char *next = NULL;
		if (cat && cat < end && (!dec || cat < dec)) {
			vg_buf_add(&b, p, (size_t)(cat - p));
			const char *ce = strstr(cat, "</category>");
			next = ce ? ce + strlen("</category>") : end;
		} else if (dec && dec < end) {
			vg_buf_add(&b, p, (size_t)(dec - p));
			vg_buf_addstr(&b, "<decoded_as>json</decoded_as>");
			const char *de = strstr(dec, "</decoded_as>");
			next = de ? de + strlen("</decoded_as>") : end;
		} else {
			vg_buf_add(&b, p, (size_t)(end - p));
			next = end;
		}
		p = next;
	}
	vg_buf_addstr(&b, end);
	return vg_buf_detach(&b);
}

static void add_testing_files(struct ruleset_args *ra, const char *root)
{
	char *dir = joinpath(ra, root, "testing/ruleset");
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		if (strncmp(n, "test_", 5) != 0 || len < 5 || strcmp(n + len - 4, ".xml") != 0)
			continue;
		char *path = joinpath(ra, dir, n);
		char *name = own(ra, strdup(n));
		struct vg_ruleset_file f = { .name = name, .path = path, .text = NULL };
		if (!path || !name)
			continue;
		if (len > 13 && strcmp(n + len - 13, "_decoders.xml") == 0 && ra->ndecf < RA_MAX)
			ra->decoder_files[ra->ndecf++] = f;
		else if (len > 10 && strcmp(n + len - 10, "_rules.xml") == 0 && ra->nrulf < RA_MAX)
			ra->rule_files[ra->nrulf++] = f;
	}
	closedir(d);
	char *rules = joinpath(ra, root, "rules/0575-win-base_rules.xml");
	char *text = rules ? read_text(rules) : NULL;
	char *prepared = text ? own(ra, prepare_win_base(text)) : NULL;
	free(text);
	if (prepared && ra->nrulf < RA_MAX && ra->nexcl < RA_MAX) {
		ra->exclude[ra->nexcl++] = "0575-win-base_rules.xml";
		struct vg_ruleset_file f = { .name = "0575-win-base_rules.xml",
			                     .path = rules,
			                     .text = prepared };
		ra->rule_files[ra->nrulf++] = f;
	}
}

int ruleset_args_load(struct ruleset_args *ra, struct vg_ruleset **out)
{
	if (ra->wazuh_root) {
		const char *r = ra->wazuh_root;
		char *dec = joinpath(ra, r, "decoders"), *rul = joinpath(ra, r, "rules");
		if (dec && ra->ndec < RA_MAX)
			ra->decoder_dirs[ra->ndec++] = dec;
		if (rul && ra->nrul < RA_MAX)
			ra->rule_dirs[ra->nrul++] = rul;
		char *lists = joinpath(ra, r, "lists");
		if (lists)
			add_wazuh_lists(ra, lists, "etc/lists");
		if (ra->wazuh_testing)
			add_testing_files(ra, r);
	}
	struct vg_ruleset_opts o = {
		.decoder_dirs = ra->decoder_dirs,
		.ndecoder_dirs = ra->ndec,
		.rule_dirs = ra->rule_dirs,
		.nrule_dirs = ra->nrul,
		.decoder_files = ra->decoder_files,
		.ndecoder_files = ra->ndecf,
		.rule_files = ra->rule_files,
		.nrule_files = ra->nrulf,
		.exclude = ra->exclude,
		.nexclude = ra->nexcl,
		.lists = ra->lists,
		.nlists = ra->nlists,
		.builtin = !ra->no_builtin,
	};
	struct vg_diag diag;
	vg_diag_init(&diag);
	int rc = vg_ruleset_load(&o, out, &diag);
	vg_diag_print(&diag, stderr);
	if (rc != VG_OK)
		fprintf(stderr, "vigil: ruleset not loaded: %s (%zu errors)\n", vg_strerror(rc),
		        diag.errors);
	vg_diag_free(&diag);
	return rc;
}

void ruleset_args_free(struct ruleset_args *ra)
{
	for (size_t i = 0; i < ra->nowned; i++)
		free(ra->owned[i]);
	ra->nowned = 0;
}
