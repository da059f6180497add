/*
 * bench_spool.c - throughput of the agent's disk spool: appends of small
 * events with a sync every batch (without fsync unless asked), then reading
 * them back through the cursor while acknowledging batch by batch.
 * Prints events/s and MiB/s for each phase.
 *
 *   bench_spool [events] [dir] [--fsync]
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vigil/spool.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, uint64_t n, uint64_t bytes, double secs)
{
	printf("%-22s %10" PRIu64 " events %8.3f s %12.0f events/s %8.1f MiB/s\n", what, n, secs,
	       (double)n / secs, (double)bytes / secs / (1 << 20));
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	char dir[256];
	snprintf(dir, sizeof(dir), "%s", argc > 2 ? argv[2] : "/tmp/vg_bench_spool");
	bool fsync_on = argc > 3 && strcmp(argv[3], "--fsync") == 0;
	struct vg_spool_opts o = { .dir = dir, .max_bytes = 4ull << 30, .fsync = fsync_on };
	struct vg_spool *s;
	if (vg_spool_open(&o, &s, NULL) != 0) {
		fprintf(stderr, "cannot open the spool in %s\n", dir);
		return 1;
	}
	struct vg_spool_stats st;
	vg_spool_stats(s, &st);
	vg_spool_ack(s, st.last_seq); /* start empty */
	char log[256];
	const char *loc = "/var/log/auth.log";
	uint64_t bytes = 0, first = st.last_seq + 1;
	double t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		int len = snprintf(log, sizeof(log),
		                   "Jan  1 10:00:%02u web sshd[%" PRIu64
		                   "]: Failed password for invalid user admin from 10.0.%u.%u port "
		                   "%u ssh2",
		                   (unsigned)(i % 60), 1000 + i % 50000, (unsigned)(i % 256),
		                   (unsigned)(i / 256 % 256), (unsigned)(40000 + i % 20000));
		if (vg_spool_append(s, 0, loc, strlen(loc), log, (size_t)len, NULL) != 0) {
			fprintf(stderr, "append failed at %" PRIu64 "\n", i);
			return 1;
		}
		bytes += strlen(loc) + (size_t)len;
		if (i % 1000 == 999 && vg_spool_sync(s) != 0)
			return 1;
	}
	vg_spool_sync(s);
	report(fsync_on ? "append+sync (fsync)" : "append+sync", n, bytes, now() - t0);

	vg_spool_rewind(s, first);
	struct vg_spool_record r;
	uint64_t got = 0;
	t0 = now();
	while (vg_spool_next(s, &r) == 1) {
		if (++got % 10000 == 0)
			vg_spool_ack(s, r.seq);
	}
	vg_spool_ack(s, first + n - 1);
	report("read+ack", got, bytes, now() - t0);
	vg_spool_stats(s, &st);
	printf("left: %" PRIu64 " segments, %" PRIu64 " bytes\n", st.segments, st.bytes);
	vg_spool_close(s);
	return got == n ? 0 : 1;
}
