/*
 * cmd_coverage.c - "vigil coverage": which ATT&CK techniques the loaded rules
 * detect, by tactic, and optionally an ATT&CK Navigator layer file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/ruleset_args.h"
#include "vigil/buf.h"
#include "vigil/coverage.h"
#include "vigil/engine.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: vigil coverage [OPTIONS]\n\n"
	        "Lists the ATT&CK techniques that the rules detect (rules at or above\n"
	        "--min-level naming them), grouped by tactic, with totals.\n\n"
	        "options:\n%s"
	        "      --min-level N      only rules of level N or more (default 1)\n"
	        "      --layer FILE       also write an ATT&CK Navigator layer (JSON)\n"
	        "      --list             one line per technique instead of by tactic\n",
	        ruleset_args_usage);
}

static void print_by_tactic(const struct vg_coverage *c)
{
	static const char *const order[] = {
		"Reconnaissance",  "Resource Development",
		"Initial Access",  "Execution",
		"Persistence",     "Privilege Escalation",
		"Defense Evasion", "Credential Access",
		"Discovery",       "Lateral Movement",
		"Collection",      "Command and Control",
		"Exfiltration",    "Impact",
	};
	for (size_t t = 0; t < sizeof(order) / sizeof(order[0]); t++) {
		unsigned n = 0;
		for (size_t i = 0; i < c->n; i++)
			for (unsigned k = 0; k < c->v[i].ntactics; k++)
				n += strcmp(c->v[i].tactics[k], order[t]) == 0;
		if (!n)
			continue;
		printf("%s (%u)\n", order[t], n);
		for (size_t i = 0; i < c->n; i++)
			for (unsigned k = 0; k < c->v[i].ntactics; k++)
				if (strcmp(c->v[i].tactics[k], order[t]) == 0)
					printf("  %-10s %-50s %3u rule%s, up to level %d\n",
					       c->v[i].id, c->v[i].name, c->v[i].nrules,
					       c->v[i].nrules == 1 ? " " : "s", c->v[i].max_level);
	}
}

static int write_layer(const struct vg_coverage *c, const char *path)
{
	struct vg_buf b;
	vg_buf_init(&b, 0);
	int rc = vg_coverage_layer_json(c, "Vigil coverage", &b);
	FILE *f = rc == 0 ? fopen(path, "w") : NULL;
	bool ok = f && fwrite(b.data, 1, b.len, f) == b.len;
	if (f && fclose(f) != 0)
		ok = false;
	vg_buf_free(&b);
	if (!ok)
		fprintf(stderr, "vigil: cannot write %s\n", path);
	return ok ? 0 : 1;
}

int vg_cmd_coverage(int argc, char **argv)
{
	struct ruleset_args ra;
	const char *layer = NULL;
	bool list = false;
	int min_level = 1, status = 2;
	memset(&ra, 0, sizeof(ra));
	for (int i = 1; i < argc; i++) {
		int r = ruleset_args_parse(&ra, argc, argv, &i);
		if (r < 0)
			goto out;
		if (r > 0)
			continue;
		if (!strcmp(argv[i], "--layer") && i + 1 < argc) {
			layer = argv[++i];
		} else if (!strcmp(argv[i], "--min-level") && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 0 || n > 16) {
				fprintf(stderr, "vigil: --min-level expects 0 to 16\n");
				goto out;
			}
			min_level = (int)n;
		} else if (!strcmp(argv[i], "--list")) {
			list = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			status = 0;
			goto out;
		} else {
			fprintf(stderr, "vigil: unknown option %s\n", argv[i]);
			usage(stderr);
			goto out;
		}
	}
	status = 1;
	struct vg_ruleset *rs = NULL;
	if (ruleset_args_load(&ra, &rs) != 0)
		goto out;
	struct vg_coverage c;
	if (vg_coverage_compute(rs, min_level, &c) != 0) {
		fprintf(stderr, "vigil: out of memory\n");
		vg_ruleset_unref(rs);
		goto out;
	}
	if (list) {
		for (size_t i = 0; i < c.n; i++)
			printf("%s\t%s\t%u\n", c.v[i].id, c.v[i].name, c.v[i].nrules);
	} else {
		print_by_tactic(&c);
	}
	printf("%zu techniques covered of %zu active in ATT&CK (%.1f%%); %zu of %zu rules at "
	       "level >= %d name a technique%s\n",
	       c.n, c.attack_active,
	       c.attack_active ? 100.0 * (double)c.n / (double)c.attack_active : 0,
	       c.rules_with_mitre, c.rules, min_level,
	       c.unknown_ids ? " (some ids unknown to ATT&CK are left out)" : "");
	status = layer ? write_layer(&c, layer) : 0;
	vg_coverage_free(&c);
	vg_ruleset_unref(rs);
out:
	ruleset_args_free(&ra);
	return status;
}
