/*
 * ruleset_args.c - turns ruleset command-line options into a ruleset spec
 * and loads it, printing the diagnostics.
 */
#include "cli/ruleset_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char ruleset_args_usage[] =
    "  -d, --decoders DIR     load the decoders in DIR (repeatable)\n"
    "  -r, --rules DIR        load the rules in DIR (repeatable)\n"
    "  -l, --list NAME=PATH   declare a CDB list as rules name it (repeatable)\n"
    "  -w, --wazuh DIR        a Wazuh ruleset root (DIR/decoders, DIR/rules, DIR/lists)\n"
    "      --wazuh-testing    with --wazuh, prepare it as Wazuh's test runner does\n"
    "      --no-builtin       leave out Vigil's built-in ruleset\n"
    "  -s, --sigma DIR        load the Sigma rules below DIR (repeatable)\n";

static bool is(const char *opt, const char *shrt, const char *lng)
{
	return strcmp(opt, shrt) == 0 || strcmp(opt, lng) == 0;
}

int ruleset_args_parse(struct ruleset_args *ra, int argc, char **argv, int *i)
{
	const char *opt = argv[*i];
	const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	struct vg_ruleset_spec *s = &ra->spec;
	int rc = VG_OK;

	if (strcmp(opt, "--wazuh-testing") == 0) {
		ra->wazuh_testing = true;
		return 1;
	}
	if (strcmp(opt, "--no-builtin") == 0) {
		s->no_builtin = true;
		return 1;
	}
	if (!is(opt, "-d", "--decoders") && !is(opt, "-r", "--rules") && !is(opt, "-l", "--list") &&
	    !is(opt, "-w", "--wazuh") && !is(opt, "-s", "--sigma"))
		return 0;
	if (!val) {
		fprintf(stderr, "vigil: option %s needs a value\n", opt);
		return -1;
	}
	(*i)++;
	if (is(opt, "-d", "--decoders")) {
		rc = vg_ruleset_spec_add_decoder_dir(s, val);
	} else if (is(opt, "-r", "--rules")) {
		rc = vg_ruleset_spec_add_rule_dir(s, val);
	} else if (is(opt, "-w", "--wazuh")) {
		ra->wazuh_root = val;
	} else if (is(opt, "-s", "--sigma")) {
		rc = vg_ruleset_spec_add_sigma_dir(s, val);
	} else {
		const char *eq = strchr(val, '=');
		if (!eq || eq == val || !eq[1]) {
			fprintf(stderr, "vigil: --list expects NAME=PATH, got '%s'\n", val);
			return -1;
		}
		char *name = strndup(val, (size_t)(eq - val));
		if (!name || s->nowned == sizeof(s->owned) / sizeof(s->owned[0])) {
			free(name);
			rc = VG_ENOMEM;
		} else {
			s->owned[s->nowned++] = name;
			rc = vg_ruleset_spec_add_list(s, name, eq + 1);
		}
	}
	if (rc != VG_OK) {
		fprintf(stderr, "vigil: %s %s: %s\n", opt, val, vg_strerror(rc));
		return -1;
	}
	return 1;
}

int ruleset_args_load(struct ruleset_args *ra, struct vg_ruleset **out)
{
	struct vg_diag diag;
	int rc = VG_OK;

	if (ra->wazuh_root) {
		unsigned flags =
		    ra->wazuh_testing ? VG_WAZUH_TEST_RULESET | VG_WAZUH_WINDOWS_AS_JSON : 0;
		rc = vg_ruleset_spec_add_wazuh(&ra->spec, ra->wazuh_root, flags);
		if (rc != VG_OK) {
			fprintf(stderr, "vigil: %s: not a usable Wazuh ruleset root: %s\n",
			        ra->wazuh_root, vg_strerror(rc));
			return rc;
		}
	}
	vg_diag_init(&diag);
	rc = vg_ruleset_spec_load(&ra->spec, out, &diag);
	vg_diag_print(&diag, stderr);
	if (rc != VG_OK)
		fprintf(stderr, "vigil: ruleset not loaded: %s (%zu errors)\n", vg_strerror(rc),
		        diag.errors);
	vg_diag_free(&diag);
	return rc;
}

void ruleset_args_free(struct ruleset_args *ra)
{
	vg_ruleset_spec_free(&ra->spec);
}
