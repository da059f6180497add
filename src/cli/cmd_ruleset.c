/*
 * cmd_ruleset.c - "vigil ruleset test": runs Wazuh-format .ini test files
 * against a ruleset and ends with "N passed, N failed".
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/ruleset_args.h"
#include "vigil/array.h"
#include "vigil/rtest.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: vigil ruleset test [OPTIONS] FILE.ini|DIR...\n\n"
	        "Runs Wazuh .ini ruleset tests (a DIR means every *.ini in it).\n\n"
	        "options:\n%s"
	        "      --geoip            also run *geoip.ini files (skipped by default)\n"
	        "      --min-rate PCT     succeed when at least PCT%% of the cases pass\n"
	        "  -v, --verbose          print every case, not only failures\n",
	        ruleset_args_usage);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(struct vg_analyzer *a, const char *dir, bool geoip, bool verbose,
                   struct vg_rtest_totals *t)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "vigil: cannot open %s\n", dir);
		return 1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int status = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		if (!geoip && len >= 9 && strcmp(de->d_name + len - 9, "geoip.ini") == 0)
			continue;
		char *name = strdup(de->d_name);
		if (!name || vg_grow((void **)&names, &cap, n + 1, sizeof(*names), 64)) {
			free(name);
			status = 1; /* out of memory: the run is incomplete */
			break;
		}
		names[n++] = name;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (vg_rtest_run_file(a, path, stdout, verbose, t) != VG_OK)
			status = 1;
		free(names[i]);
	}
	free(names);
	return status;
}

static int ruleset_test(int argc, char **argv)
{
	struct ruleset_args ra = { 0 };
	const char *targets[256];
	size_t ntargets = 0;
	bool geoip = false, verbose = false;
	double min_rate = 100.0;
	int status = 2;

	for (int i = 1; i < argc; i++) {
		int r = ruleset_args_parse(&ra, argc, argv, &i);
		if (r < 0)
			goto out;
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--geoip") == 0) {
			geoip = true;
		} else if (strcmp(argv[i], "--min-rate") == 0 && i + 1 < argc) {
			char *end;
			min_rate = strtod(argv[++i], &end);
			if (*end || min_rate < 0 || min_rate > 100) {
				fprintf(stderr, "vigil: --min-rate expects 0-100\n");
				goto out;
			}
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			verbose = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			status = 0;
			goto out;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "vigil: unknown option %s\n", argv[i]);
			usage(stderr);
			goto out;
		} else if (ntargets < 256) {
			targets[ntargets++] = argv[i];
		}
	}
	if (!ntargets) {
		usage(stderr);
		goto out;
	}
	struct vg_ruleset *rs = NULL;
	if (ruleset_args_load(&ra, &rs) != VG_OK) {
		status = 1;
		goto out;
	}
	struct vg_analyzer *a = NULL;
	if (vg_analyzer_create(rs, 3, &a) != VG_OK) {
		vg_ruleset_unref(rs);
		status = 1;
		goto out;
	}
	vg_ruleset_unref(rs);
	struct vg_rtest_totals t = { 0 };
	status = 0;
	for (size_t i = 0; i < ntargets; i++) {
		struct stat st;
		if (stat(targets[i], &st) == 0 && S_ISDIR(st.st_mode))
			status |= run_dir(a, targets[i], geoip, verbose, &t);
		else if (vg_rtest_run_file(a, targets[i], stdout, verbose, &t) != VG_OK)
			status = 1;
	}
	vg_analyzer_destroy(a);
	unsigned total = t.passed + t.failed;
	printf("%u files, %u cases, %.2f%% passed\n", t.files, total,
	       total ? 100.0 * t.passed / total : 0.0);
	printf("%u passed, %u failed\n", t.passed, t.failed);
	if (total == 0 || 100.0 * t.passed / total < min_rate)
		status = 1;
out:
	ruleset_args_free(&ra);
	return status;
}

int vg_cmd_ruleset(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "test") == 0)
		return ruleset_test(argc - 1, argv + 1);
	fprintf(stderr, "usage: vigil ruleset test [OPTIONS] FILE.ini|DIR...\n");
	return 2;
}
