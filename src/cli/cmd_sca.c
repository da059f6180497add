/*
 * cmd_sca.c - "vigil sca scan": runs SCA policies once and prints, per
 * check, its id, title, result and reason, then a summary (readable, or
 * one JSON object per policy with --json).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vigil/sca.h"

int vg_cmd_sca(int argc, char **argv);

#define MAX_VARS 64

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil sca scan [--json] [--var NAME=VALUE]... [--timeout S] "
	           "[--builtin] POLICY...\n\n"
	           "Runs Wazuh SCA policies (YAML) once and prints every check's result.\n"
	           "  --json            one JSON object per policy\n"
	           "  --var NAME=VALUE  override a policy variable ($NAME)\n"
	           "  --timeout S       command timeout (default 30)\n"
	           "  --builtin         also run Vigil's own policies\n");
}

static void print_text(const struct vg_sca_policy *p, const struct vg_sca_report *r, double secs)
{
	printf("policy %s: %s\n", vg_sca_policy_id(p), vg_sca_policy_name(p));
	if (!r->requirements_met) {
		printf("  requirements not met: %s\n\n",
		       r->requirements_reason ? r->requirements_reason : "");
		return;
	}
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct vg_sca_check_result *c = &r->checks[i];
		printf("  %-6ld %-15s %s", c->id, vg_sca_result_name(c->result), c->title);
		if (c->reason)
			printf(" (%s)", c->reason);
		printf("\n");
	}
	printf("  passed %u, failed %u, not applicable %u, score %d%%, %.3f s\n\n", r->passed,
	       r->failed, r->invalid, r->score, secs);
}

static void print_json(const struct vg_sca_policy *p, const struct vg_sca_report *r)
{
	json_t *o = json_object(), *a = json_array();
	json_object_set_new(o, "policy_id", json_string(vg_sca_policy_id(p)));
	json_object_set_new(o, "policy", json_string(vg_sca_policy_name(p)));
	json_object_set_new(o, "requirements_met", json_boolean(r->requirements_met));
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct vg_sca_check_result *c = &r->checks[i];
		json_t *x = json_object();
		json_object_set_new(x, "id", json_integer(c->id));
		json_object_set_new(x, "title", json_string(c->title));
		json_object_set_new(x, "result", json_string(vg_sca_result_name(c->result)));
		if (c->reason)
			json_object_set_new(x, "reason", json_string(c->reason));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "checks", a);
	json_object_set_new(o, "passed", json_integer(r->passed));
	json_object_set_new(o, "failed", json_integer(r->failed));
	json_object_set_new(o, "not_applicable", json_integer(r->invalid));
	json_object_set_new(o, "score", json_integer(r->score));
	json_object_set_new(o, "hash", json_string(r->hash));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s)
		puts(s);
	free(s);
	json_decref(o);
}

static int run_one(struct vg_sca_policy *p, const struct vg_sca_run_opts *ro, bool json)
{
	struct vg_sca_report *r;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int rc = vg_sca_policy_run(p, ro, &r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (rc != VG_OK) {
		fprintf(stderr, "vigil sca: %s: %s\n", vg_sca_policy_id(p), vg_strerror(rc));
		return 1;
	}
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	if (json)
		print_json(p, r);
	else
		print_text(p, r, secs);
	vg_sca_report_destroy(r);
	return 0;
}

static int scan(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
		                              { "var", required_argument, NULL, 'v' },
		                              { "timeout", required_argument, NULL, 't' },
		                              { "builtin", no_argument, NULL, 'b' },
		                              { "help", no_argument, NULL, 'h' },
		                              { NULL, 0, NULL, 0 } };
	struct vg_sca_var vars[MAX_VARS];
	size_t nvars = 0;
	bool json = false, builtin = false;
	struct vg_sca_run_opts ro = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jv:t:bh", opts, NULL)) != -1) {
		char *eq, *end;
		switch (c) {
		case 'j': json = true; break;
		case 'b': builtin = true; break;
		case 'v':
			eq = strchr(optarg, '=');
			if (!eq || nvars == MAX_VARS) {
				fprintf(stderr, "vigil sca: --var expects NAME=VALUE\n");
				return 2;
			}
			*eq = '\0';
			vars[nvars].name = optarg;
			vars[nvars++].value = eq + 1;
			break;
		case 't':
			ro.command_timeout_s = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !ro.command_timeout_s) {
				fprintf(stderr, "vigil sca: --timeout expects seconds\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc && !builtin) {
		usage(stderr);
		return 2;
	}
	int status = 0;
	for (int i = optind; i < argc + (builtin ? (int)vg_sca_builtin_count() : 0); i++) {
		struct vg_diag d;
		struct vg_sca_policy *p;
		vg_diag_init(&d);
		int rc;
		if (i < argc) {
			rc = vg_sca_policy_load(argv[i], vars, nvars, &p, &d);
		} else {
			size_t k = (size_t)(i - argc), len;
			const char *text = vg_sca_builtin_text(k, &len);
			rc = vg_sca_policy_parse(text, len, vg_sca_builtin_name(k), vars, nvars, &p,
			                         &d);
		}
		vg_diag_print(&d, stderr);
		vg_diag_free(&d);
		if (rc != VG_OK) {
			status = 1;
			continue;
		}
		status |= run_one(p, &ro, json);
		vg_sca_policy_destroy(p);
	}
	return status;
}

int vg_cmd_sca(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "scan") == 0)
		return scan(argc - 1, argv + 1);
	fprintf(stderr, "vigil sca: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
