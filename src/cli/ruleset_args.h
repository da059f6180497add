/*
 * ruleset_args.h - the ruleset options shared by the subcommands that load
 * a ruleset from the command line (logtest, ruleset test):
 *   -d, --decoders DIR     a decoder directory (repeatable)
 *   -r, --rules DIR        a rule directory (repeatable)
 *   -l, --list NAME=PATH   a CDB list as rules name it (repeatable)
 *   -w, --wazuh DIR        a Wazuh ruleset root: DIR/decoders, DIR/rules, DIR/lists
 *       --wazuh-testing    with --wazuh: also load DIR/testing/ruleset/test_* and
 *                          prepare rule 60000 as Wazuh's test runner does
 *       --no-builtin       leave out Vigil's built-in ruleset
 *   -s, --sigma DIR        Sigma rules (*.yml below DIR, recursively; repeatable)
 */
#ifndef VIGIL_CLI_RULESET_ARGS_H
#define VIGIL_CLI_RULESET_ARGS_H

#include <stdbool.h>

#include "vigil/ruleset_spec.h"

struct ruleset_args {
	struct vg_ruleset_spec spec;
	const char *wazuh_root;
	bool wazuh_testing;
};

/* Consumes argv[*i] (and its value) when it is a ruleset option: returns 1
 * when consumed, 0 when not a ruleset option, -1 on a usage error. */
int ruleset_args_parse(struct ruleset_args *ra, int argc, char **argv, int *i);
/* Builds and loads the ruleset; prints diagnostics to stderr. */
int ruleset_args_load(struct ruleset_args *ra, struct vg_ruleset **out);
void ruleset_args_free(struct ruleset_args *ra);
/* Usage text of the options above. */
extern const char ruleset_args_usage[];

#endif
