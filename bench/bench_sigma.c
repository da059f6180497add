/*
 * bench_sigma.c - measures Sigma evaluation speed through the engine.
 *
 * Loads the built-in ruleset plus every Sigma rule below a directory
 * (default $VIGIL_SHARED/data/sigma/rules), then sends events through one
 * analyzer and prints events per second. Events are lines of a file
 * ("bench_sigma [-s DIR] [-n ROUNDS] [-L LOCATION] FILE", one raw event per
 * line, location EventChannel by default) or, without a file, one Sysmon
 * process-creation event in Wazuh's event-channel JSON form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vigil/engine.h"
#include "vigil/error.h"
#include "vigil/rule.h"

static const char default_event[] =
    "{\"win\":{\"system\":{\"providerName\":\"Microsoft-Windows-Sysmon\","
    "\"eventID\":\"1\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\","
    "\"computer\":\"ws01.corp.local\"},\"eventdata\":{\"utcTime\":\"2025-03-04 10:15:02.123\","
    "\"processGuid\":\"{4dc16835-eaa5-612f-d04e-830000000000}\",\"processId\":\"4242\","
    "\"image\":\"C:\\\\Windows\\\\System32\\\\certutil.exe\","
    "\"originalFileName\":\"CertUtil.exe\","
    "\"commandLine\":\"certutil.exe -urlcache -split -f http://example.org/a.txt a.txt\","
    "\"currentDirectory\":\"C:\\\\Users\\\\alice\\\\\",\"user\":\"CORP\\\\alice\","
    "\"integrityLevel\":\"Medium\",\"parentProcessId\":\"4012\","
    "\"parentImage\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\","
    "\"parentCommandLine\":\"\\\"C:\\\\Windows\\\\system32\\\\cmd.exe\\\" \"}}}";

struct lines {
	char **v;
	size_t n, cap;
};

static int lines_add(struct lines *l, const char *s, size_t n)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return VG_ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	char *d = malloc(n + 1);
	if (!d)
		return VG_ENOMEM;
	memcpy(d, s, n);
	d[n] = '\0';
	l->v[l->n++] = d;
	return VG_OK;
}

static int lines_read(struct lines *l, const char *path)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return VG_EIO;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = VG_OK;
	while (rc == VG_OK && (n = getline(&line, &cap, fp)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n > 0)
			rc = lines_add(l, line, (size_t)n);
	}
	free(line);
	fclose(fp);
	return rc;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct vg_ruleset *load(const char *dir)
{
	const char *dirs[] = { dir };
	struct vg_ruleset_opts o = { .builtin = true, .sigma_dirs = dirs, .nsigma_dirs = 1 };
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_ruleset *rs = NULL;
	int rc = vg_ruleset_load(&o, &rs, &diag);
	if (rc != VG_OK)
		vg_diag_print(&diag, stderr);
	vg_diag_free(&diag);
	return rc == VG_OK ? rs : NULL;
}

static int run(struct vg_ruleset *rs, const struct lines *ev, const char *loc, long rounds)
{
	struct vg_analyzer *a = NULL;
	if (vg_analyzer_create(rs, 3, &a) != VG_OK)
		return 1;
	unsigned long alerts = 0, total = 0;
	double t0 = now();
	for (long r = 0; r < rounds; r++)
		for (size_t i = 0; i < ev->n; i++) {
			struct vg_analysis res;
			if (vg_analyzer_process(a, loc, ev->v[i], NULL, &res) != VG_OK) {
				vg_analyzer_destroy(a);
				return 1;
			}
			alerts += res.rule && res.rule->level >= 3;
			total++;
		}
	double dt = now() - t0;
	vg_analyzer_destroy(a);
	printf("%lu events in %.3f s: %.0f events/s, %.1f us/event, %lu with a rule\n", total, dt,
	       (double)total / dt, dt * 1e6 / (double)total, alerts);
	return 0;
}

int main(int argc, char **argv)
{
	const char *shared = getenv("VIGIL_SHARED");
	char defdir[4096];
	snprintf(defdir, sizeof(defdir), "%s/data/sigma/rules", shared ? shared : "/work/shared");
	const char *dir = defdir, *loc = "EventChannel";
	long rounds = 0;
	int c;
	while ((c = getopt(argc, argv, "s:n:L:")) != -1) {
		if (c == 's')
			dir = optarg;
		else if (c == 'n')
			rounds = strtol(optarg, NULL, 10);
		else if (c == 'L')
			loc = optarg;
		else {
			fprintf(stderr,
			        "usage: bench_sigma [-s DIR] [-n ROUNDS] [-L LOCATION] [FILE]\n");
			return 2;
		}
	}
	struct lines ev = { 0 };
	int rc = optind < argc ? lines_read(&ev, argv[optind])
	                       : lines_add(&ev, default_event, strlen(default_event));
	if (rc != VG_OK) {
		fprintf(stderr, "bench_sigma: cannot read events\n");
		return 1;
	}
	if (rounds <= 0)
		rounds = ev.n >= 2000 ? 1 : (long)(2000 / ev.n) + 1;
	struct vg_ruleset *rs = load(dir);
	int ret = 1;
	if (rs) {
		ret = run(rs, &ev, loc, rounds);
		vg_ruleset_unref(rs);
	}
	for (size_t i = 0; i < ev.n; i++)
		free(ev.v[i]);
	free(ev.v);
	return ret;
}
