/*
 * bench_fim.c - file integrity monitoring figures on a generated tree:
 * 100,000 small files (0.1-4 KiB, random content) in 100 directories are
 * written to a temporary directory (or the directory given), then the
 * program reports the baseline time (first scan with SHA-256, stored in
 * SQLite), the rescan time with nothing changed, the real-time detection
 * latency (write to event, median and p99 over 200 single-file writes),
 * files/s and peak RSS. Usage: bench_fim [DIR] [FILES]. The generated tree
 * is removed afterwards unless DIR was given.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vigil/fim.h"

#define NDIRS   100
#define NWRITES 200

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int generate(const char *tree, long nfiles)
{
	char p[1024], buf[4096];
	unsigned seed = 12345;
	for (int d = 0; d < NDIRS; d++) {
		snprintf(p, sizeof(p), "%s/d%03d", tree, d);
		if (mkdir(p, 0755) != 0)
			return d == 0 && errno == EEXIST ? 1
			                                 : -1; /* 1: a tree from an earlier run */
	}
	for (long i = 0; i < nfiles; i++) {
		size_t len = 100 + (size_t)(rand_r(&seed) % 3997);
		for (size_t j = 0; j < len; j++)
			buf[j] = (char)('a' + rand_r(&seed) % 26);
		snprintf(p, sizeof(p), "%s/d%03ld/f%06ld", tree, i % NDIRS, i);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

struct wait {
	const char *needle;
	int found;
};

static void on_event(void *ctx, const char *loc, const char *line, size_t len)
{
	struct wait *w = ctx;
	if (strstr(line, w->needle))
		w->found = 1;
}

/* CPU seconds (user + system) used by the process so far. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void latency(struct vg_fim *f, const char *tree, long nfiles)
{
	double lat[NWRITES];
	int n = 0;
	for (int i = 0; i < NWRITES; i++) {
		long k = (i * 7919L) % nfiles;
		char p[1024];
		snprintf(p, sizeof(p), "%s/d%03ld/f%06ld", tree, k % NDIRS, k);
		struct wait w = { .needle = p + strlen(tree) };
		double t0 = now_s();
		int fd = open(p, O_WRONLY | O_APPEND);
		if (fd < 0 || write(fd, "change\n", 7) != 7)
			perror(p);
		if (fd >= 0)
			close(fd);
		while (!w.found && now_s() - t0 < 5) {
			struct pollfd pf = { .fd = vg_fim_fd(f), .events = POLLIN };
			poll(&pf, 1, 100);
			vg_fim_poll(f, on_event, &w, 0);
		}
		if (w.found)
			lat[n++] = (now_s() - t0) * 1000.0;
		usleep(2000);
	}
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	if (n)
		printf("realtime latency: median %.2f ms, p99 %.2f ms (%d/%d writes seen)\n",
		       lat[n / 2], lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], n, NWRITES);
}

int main(int argc, char **argv)
{
	long nfiles = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
	char base[] = "/tmp/vg_bench_fim_XXXXXX", tree[512], data[512];
	if (!mkdtemp(base))
		return 1;
	snprintf(tree, sizeof(tree), "%s", argc > 1 ? argv[1] : base);
	snprintf(data, sizeof(data), "%s/.vigil-data", base);
	if (mkdir(data, 0700) != 0)
		return 1;
	if (argc > 1)
		mkdir(tree, 0755);
	double t = now_s();
	int g = generate(tree, nfiles);
	if (g < 0) {
		fprintf(stderr, "cannot generate the tree in %s\n", tree);
		return 1;
	}
	if (g == 0)
		printf("generated %ld files in %.2f s\n", nfiles, now_s() - t);
	else
		printf("using the tree already in %s\n", tree);
	sync();

	const char *ignore[] = { data };
	struct vg_config_fim_path path = { .path = tree,
		                           .attrs = VG_FIM_ATTR_DEFAULT,
		                           .recursion = 256,
		                           .realtime = true,
		                           .ignore = ignore,
		                           .nignore = 1 };
	struct vg_config_fim cfg = {
		.paths = &path, .npaths = 1, .scan_interval_s = 86400, .file_limit = 10000000
	};
	struct vg_fim *f = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	t = now_s();
	double c0 = cpu_s();
	if (vg_fim_open(&cfg, data, &f, &d) != VG_OK) {
		vg_diag_print(&d, stderr);
		return 1;
	}
	struct vg_fim_stats st;
	do {
		usleep(1000);
		vg_fim_stats(f, &st);
	} while (st.scans < 1);
	double base_s = now_s() - t;
	printf("baseline: %.3f s (scan %.3f s, cpu %.3f s), %.0f files/s, %llu hashed\n", base_s,
	       st.last_scan_s, cpu_s() - c0, (double)nfiles / base_s, st.hashed);
	c0 = cpu_s();
	vg_fim_scan_now(f, false);
	vg_fim_stats(f, &st);
	printf("unchanged rescan: %.3f s (cpu %.3f s), %.0f files/s\n", st.last_scan_s,
	       cpu_s() - c0, (double)nfiles / st.last_scan_s);
	latency(f, tree, nfiles);
	vg_fim_stats(f, &st);
	printf("real time: %s (%llu inotify watches), events: %llu, dropped: %llu\n",
	       st.fanotify ? "fanotify" : "inotify", st.watches, st.events, st.dropped);
	vg_fim_close(f);
	vg_diag_free(&d);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS: %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", base);
	return 0;
}
