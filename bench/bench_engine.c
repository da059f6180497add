/*
 * bench_engine.c - analysis throughput of the engine over a whole ruleset.
 *
 * Loads a ruleset (Wazuh's with -w, with rule 60000 taking Windows events
 * as flattened JSON as Wazuh's test runner prepares it, plus Vigil's
 * built-in one unless --no-builtin), reads each input file into memory (one event per line;
 * a .tsv file gives "location<TAB>line"), then runs every event through
 * pre-decoding, decoding and the rule tree: once on one thread, then on
 * N threads (default: all cores), each with its own analyzer over the same
 * immutable ruleset. Prints events/s, alerts and the peak RSS.
 *
 * With -d DUMP it instead runs each file once on one thread and writes one
 * line per event to DUMP (decoder, rule, level, fired times, previous logs,
 * header and every field), the arrival clock starting at a fixed time and
 * advancing by -c NANOSECONDS per event (default 1 ms), so that two builds
 * can be compared byte for byte.
 *
 * usage: bench_engine [-w WAZUH_DIR] [--no-builtin] [-t THREADS] [-r REPEAT]
 *                     [-d DUMP [-c NS]] FILE...
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "vigil/array.h"
#include "vigil/buf.h"
#include "vigil/engine.h"
#include "vigil/rule.h"
#include "vigil/ruleset_spec.h"

struct input {
	char *text;
	char **lines;
	char **locs;
	size_t n;
};

struct worker {
	struct vg_ruleset *rs;
	const struct input *in;
	size_t from, to;
	unsigned repeat;
	unsigned long long alerts, events;
	int rc;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_input(const char *path, struct input *in)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	struct vg_buf b;
	vg_buf_init(&b, 0);
	char chunk[1 << 16];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (vg_buf_add(&b, chunk, got) != VG_OK)
			break;
	fclose(f);
	in->text = vg_buf_detach(&b);
	size_t lcap = 0, ocap = 0;
	bool tsv = strlen(path) > 4 && strcmp(path + strlen(path) - 4, ".tsv") == 0;
	for (char *p = in->text; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (vg_grow((void **)&in->lines, &lcap, in->n + 1, sizeof(char *), 1024) ||
		    vg_grow((void **)&in->locs, &ocap, in->n + 1, sizeof(char *), 1024))
			return -1;
		char *tab = tsv ? strchr(p, '\t') : NULL;
		if (tab) {
			*tab = '\0';
			in->locs[in->n] = p;
			in->lines[in->n] = tab + 1;
		} else {
			in->locs[in->n] = "bench";
			in->lines[in->n] = p;
		}
		if (*in->lines[in->n])
			in->n++;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct vg_analyzer *a = NULL;
	w->rc = vg_analyzer_create(w->rs, 3, &a);
	if (w->rc != VG_OK)
		return NULL;
	struct vg_analysis res;
	for (unsigned r = 0; r < w->repeat; r++) {
		for (size_t i = w->from; i < w->to; i++) {
			if (vg_analyzer_process(a, w->in->locs[i], w->in->lines[i], NULL, &res) ==
			    VG_OK) {
				w->events++;
				w->alerts += res.alert;
			}
		}
	}
	vg_analyzer_destroy(a);
	return NULL;
}

static double run(struct vg_ruleset *rs, const struct input *in, unsigned nthreads, unsigned repeat,
                  unsigned long long *alerts)
{
	struct worker w[64];
	pthread_t th[64];
	double t0 = now_s();
	unsigned long long events = 0;
	*alerts = 0;
	for (unsigned i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .rs = rs,
			                .in = in,
			                .from = in->n * i / nthreads,
			                .to = in->n * (i + 1) / nthreads,
			                .repeat = repeat };
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		events += w[i].events;
		*alerts += w[i].alerts;
	}
	double dt = now_s() - t0;
	return dt > 0 ? (double)events / dt : 0;
}

static void dump_str(FILE *out, const char *key, const char *v)
{
	if (!v)
		return;
	fprintf(out, "\t%s=", key);
	for (; *v; v++)
		fputc(*v == '\t' || *v == '\n' ? ' ' : *v, out);
}

static void dump_event(FILE *out, size_t i, const struct vg_analysis *r)
{
	const struct vg_event *ev = r->event;
	fprintf(out, "%zu", i);
	dump_str(out, "ts", ev->timestamp);
	dump_str(out, "host", ev->hostname);
	dump_str(out, "prog", ev->program_name);
	dump_str(out, "dparent", ev->decoder_parent);
	dump_str(out, "dname", ev->decoder_name);
	for (int f = 0; f < VG_F_COUNT; f++)
		dump_str(out, vg_fixed_name((enum vg_fixed)f), ev->fixed[f]);
	for (unsigned k = 0; k < ev->ndyn; k++)
		dump_str(out, ev->dyn[k].name, ev->dyn[k].value);
	if (r->rule)
		fprintf(out, "\trule=%u level=%d fired=%u alert=%d", r->rule->id, r->rule->level,
		        r->result ? r->result->firedtimes : 0, (int)r->alert);
	if (r->result && r->result->ignored)
		fprintf(out, "\tignored");
	for (unsigned k = 0; r->result && k < r->result->nprev; k++)
		dump_str(out, "prev", r->result->prev_logs[k]);
	fputc('\n', out);
}

/* One pass over in with a simulated clock, one line per event into out. */
static int dump(struct vg_ruleset *rs, const struct input *in, long long step_ns, FILE *out)
{
	struct vg_analyzer *a = NULL;
	int rc = vg_analyzer_create(rs, 3, &a);
	if (rc != VG_OK)
		return rc;
	unsigned long long alerts = 0;
	long long t = 1700000000LL * 1000000000LL;
	struct vg_analysis res;
	for (size_t i = 0; i < in->n; i++, t += step_ns) {
		struct timespec when = { .tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL };
		if (vg_analyzer_process(a, in->locs[i], in->lines[i], &when, &res) != VG_OK) {
			fprintf(out, "%zu\terror\n", i);
			continue;
		}
		alerts += res.alert;
		dump_event(out, i, &res);
	}
	fprintf(out, "alerts=%llu\n", alerts);
	printf("dumped %zu events, %llu alerts\n", in->n, alerts);
	vg_analyzer_destroy(a);
	return VG_OK;
}

int main(int argc, char **argv)
{
	const char *dump_path = NULL;
	long long step_ns = 1000000;
	const char *wazuh = NULL;
	bool builtin = true;
	unsigned threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN), repeat = 1;
	int first = argc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-w") && i + 1 < argc)
			wazuh = argv[++i];
		else if (!strcmp(argv[i], "--no-builtin"))
			builtin = false;
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			threads = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			repeat = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-d") && i + 1 < argc)
			dump_path = argv[++i];
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			step_ns = strtoll(argv[++i], NULL, 10);
		else {
			first = i;
			break;
		}
	}
	if (first >= argc || threads < 1 || threads > 64 || repeat < 1) {
		fprintf(stderr, "usage: bench_engine [-w WAZUH_DIR] [--no-builtin] [-t THREADS] "
		                "[-r REPEAT] [-d DUMP [-c NS]] FILE...\n");
		return 2;
	}
	struct vg_ruleset_spec spec = { .no_builtin = !builtin };
	if (wazuh && vg_ruleset_spec_add_wazuh(&spec, wazuh, VG_WAZUH_WINDOWS_AS_JSON) != VG_OK) {
		fprintf(stderr, "%s: not a Wazuh ruleset root\n", wazuh);
		return 1;
	}
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_ruleset *rs = NULL;
	double t0 = now_s();
	int rc = vg_ruleset_spec_load(&spec, &rs, &diag);
	if (rc != VG_OK) {
		vg_diag_print(&diag, stderr);
		return 1;
	}
	printf("ruleset: %zu decoders, %zu rules, %zu warnings, loaded in %.2f s\n",
	       vg_ruleset_decoder_count(rs), vg_ruleset_rule_count(rs), diag.warnings,
	       now_s() - t0);
	vg_diag_free(&diag);
	FILE *dump_out = NULL;
	if (dump_path && !(dump_out = fopen(dump_path, "w"))) {
		fprintf(stderr, "cannot write %s\n", dump_path);
		return 1;
	}
	for (int i = first; i < argc; i++) {
		struct input in = { 0 };
		if (read_input(argv[i], &in) != 0) {
			fprintf(stderr, "cannot read %s\n", argv[i]);
			return 1;
		}
		if (dump_out) {
			dump(rs, &in, step_ns, dump_out);
			free(in.lines);
			free(in.locs);
			free(in.text);
			continue;
		}
		unsigned long long a1, an;
		double one = run(rs, &in, 1, repeat, &a1);
		double all = run(rs, &in, threads, repeat, &an);
		printf("%s: %zu events x%u, 1 thread: %.0f events/s (%llu alerts), %u threads: "
		       "%.0f events/s\n",
		       argv[i], in.n, repeat, one, a1, threads, all);
		free(in.lines);
		free(in.locs);
		free(in.text);
	}
	if (dump_out)
		fclose(dump_out);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS: %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
	vg_ruleset_unref(rs);
	vg_ruleset_spec_free(&spec);
	return 0;
}
