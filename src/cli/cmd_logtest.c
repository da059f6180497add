/*
 * cmd_logtest.c - "vigil logtest": reads events (one per line) from stdin or
 * files and shows what each phase made of them: pre-decoding, decoding with
 * every field, and the rule that matched. One session runs over all lines,
 * so frequency rules can be tried with several lines. -U checks the last
 * event the way wazuh-logtest -U does (exit 0 when rule:level:decoder match).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/ruleset_args.h"
#include "vigil/alert.h"
#include "vigil/buf.h"
#include "vigil/decoder.h"
#include "vigil/rtest.h"
#include "vigil/rule.h"

struct logtest {
	struct vg_analyzer *a;
	bool json;
	bool quiet;
	const char *location;
	const char *ut; /* -U rule:level:decoder */
	/* The last event's rule id, level and decoder name ("" when absent). */
	char rule[16], level[16], decoder[256];
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: vigil logtest [OPTIONS] [FILE...]\n\n"
	        "Reads events, one per line, from FILEs or standard input.\n\n"
	        "options:\n%s"
	        "  -j, --json             one JSON document per event\n"
	        "  -q, --quiet            print nothing; with -U only the exit status\n"
	        "  -U RULE:LEVEL:DECODER  exit 0 when the last event gives this triple\n"
	        "  -L, --location LOC     the event location (default 'stdin')\n",
	        ruleset_args_usage);
}

static void print_text(const struct vg_analysis *r)
{
	const struct vg_event *ev = r->event;
	printf("**Phase 1: Completed pre-decoding.\n");
	printf("\tfull event: '%s'\n", ev->full_log ? ev->full_log : "");
	if (ev->timestamp)
		printf("\ttimestamp: '%s'\n", ev->timestamp);
	if (ev->hostname)
		printf("\thostname: '%s'\n", ev->hostname);
	if (ev->program_name)
		printf("\tprogram_name: '%s'\n", ev->program_name);
	if (!ev->decoder_name) {
		printf("\n**Phase 2: Completed decoding.\n\tNo decoder matched.\n\n");
	} else {
		printf("\n**Phase 2: Completed decoding.\n\tname: '%s'\n", ev->decoder_name);
		if (ev->decoder_parent && strcmp(ev->decoder_parent, ev->decoder_name) != 0)
			printf("\tparent: '%s'\n", ev->decoder_parent);
		for (int f = 0; f < VG_F_COUNT; f++)
			if (ev->fixed[f])
				printf("\t%s: '%s'\n", vg_fixed_name(f), ev->fixed[f]);
		for (unsigned i = 0; i < ev->ndyn; i++)
			printf("\t%s: '%s'\n", ev->dyn[i].name, ev->dyn[i].value);
		printf("\n");
	}
	const struct vg_rule *rule = r->rule;
	if (!rule)
		return;
	printf("**Phase 3: Completed filtering (rules).\n");
	struct vg_buf desc;
	vg_buf_init(&desc, 0);
	vg_alert_description(&desc, rule->description ? rule->description : "", ev);
	printf("\tid: '%u'\n\tlevel: '%d'\n\tdescription: '%s'\n", rule->id, rule->level,
	       vg_buf_str(&desc));
	vg_buf_free(&desc);
	printf("\tgroups: '[");
	for (unsigned i = 0; i < rule->groups.n; i++)
		printf("%s'%s'", i ? ", " : "", rule->groups.v[i]);
	printf("]'\n\tfiredtimes: '%u'\n", r->result ? r->result->firedtimes : 0);
	for (unsigned i = 0; i < rule->mitre_ids.n; i++)
		printf("\tmitre.id: '%s'\n", rule->mitre_ids.v[i]);
	if (r->alert)
		printf("**Alert to be generated.\n");
	printf("\n");
}

static void json_kv(struct vg_buf *b, const char *k, const char *v, bool *first)
{
	vg_buf_addstr(b, *first ? "\"" : ",\"");
	*first = false;
	vg_buf_add_json_str(b, k, strlen(k));
	vg_buf_addstr(b, "\":\"");
	vg_buf_add_json_str(b, v, strlen(v));
	vg_buf_addc(b, '"');
}

/* One JSON document per event: {"alert": bool, "output": {...}}. With a
 * rule, output is the alert document alerts.json would hold; without one,
 * what pre-decoding and decoding produced. */
static void print_json(const struct vg_analysis *r)
{
	const struct vg_event *ev = r->event;
	struct vg_buf b;
	bool first = true;
	vg_buf_init(&b, 0);
	vg_buf_printf(&b, "{\"alert\":%s,\"output\":", r->alert ? "true" : "false");
	if (r->rule) {
		struct vg_alert_input in = {
			.ev = ev,
			.rule = r->rule,
			.firedtimes = r->result ? r->result->firedtimes : 0,
			.manager_name = "logtest",
			.id = "0",
			.prev_logs = r->result ? r->result->prev_logs : NULL,
			.nprev = r->result ? r->result->nprev : 0,
		};
		vg_alert_json(&b, &in);
		vg_buf_addstr(&b, "}");
		puts(vg_buf_str(&b));
		vg_buf_free(&b);
		return;
	}
	vg_buf_addstr(&b, "{\"predecoder\":{");
	if (ev->timestamp)
		json_kv(&b, "timestamp", ev->timestamp, &first);
	if (ev->hostname)
		json_kv(&b, "hostname", ev->hostname, &first);
	if (ev->program_name)
		json_kv(&b, "program_name", ev->program_name, &first);
	vg_buf_addstr(&b, "},\"decoder\":{");
	first = true;
	if (ev->decoder_parent)
		json_kv(&b, "parent", ev->decoder_parent, &first);
	if (ev->decoder_name)
		json_kv(&b, "name", ev->decoder_name, &first);
	vg_buf_addstr(&b, "},\"data\":{");
	first = true;
	for (int f = 0; f < VG_F_COUNT; f++)
		if (ev->fixed[f])
			json_kv(&b, vg_fixed_name(f), ev->fixed[f], &first);
	for (unsigned i = 0; i < ev->ndyn; i++)
		json_kv(&b, ev->dyn[i].name, ev->dyn[i].value, &first);
	vg_buf_addstr(&b, "},");
	first = true;
	json_kv(&b, "full_log", ev->full_log ? ev->full_log : "", &first);
	vg_buf_addc(&b, ',');
	first = true;
	json_kv(&b, "location", ev->location ? ev->location : "", &first);
	vg_buf_addstr(&b, "}}");
	puts(vg_buf_str(&b));
	vg_buf_free(&b);
}

/* -U RULE:LEVEL:DECODER against the last event, as wazuh-logtest -U. */
static bool unit_test(const struct logtest *lt)
{
	char exp[512];
	snprintf(exp, sizeof(exp), "%s", lt->ut);
	char *c1 = strchr(exp, ':');
	char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2)
		return false;
	*c1 = *c2 = '\0';
	return vg_rtest_same(exp, c1 + 1, c2 + 1, lt->rule, lt->level, lt->decoder);
}

static int process_stream(struct logtest *lt, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool tty = isatty(fileno(in)) && !lt->json && !lt->quiet;
	int rc = VG_OK;

	if (tty)
		printf("Type one log per line (Ctrl-D to end)\n\n");
	while ((n = getline(&line, &cap, in)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		struct vg_analysis r;
		rc = vg_analyzer_process(lt->a, lt->location, line, NULL, &r);
		if (rc != VG_OK) {
			fprintf(stderr, "vigil: event not processed: %s\n", vg_strerror(rc));
			continue;
		}
		lt->rule[0] = lt->level[0] = '\0';
		if (r.rule) {
			snprintf(lt->rule, sizeof(lt->rule), "%u", r.rule->id);
			snprintf(lt->level, sizeof(lt->level), "%d", r.rule->level);
		}
		snprintf(lt->decoder, sizeof(lt->decoder), "%s",
		         r.event->decoder_name ? r.event->decoder_name : "");
		if (lt->quiet)
			continue;
		if (lt->json)
			print_json(&r);
		else
			print_text(&r);
		fflush(stdout);
	}
	free(line);
	return VG_OK;
}

static int logtest(int argc, char **argv)
{
	struct ruleset_args ra = { 0 };
	struct logtest lt = { .location = "stdin" };
	const char *files[256];
	size_t nfiles = 0;
	int status = 2;

	for (int i = 1; i < argc; i++) {
		int r = ruleset_args_parse(&ra, argc, argv, &i);
		if (r < 0)
			goto out;
		if (r > 0)
			continue;
		const char *o = argv[i];
		if (strcmp(o, "-j") == 0 || strcmp(o, "--json") == 0) {
			lt.json = true;
		} else if (strcmp(o, "-q") == 0 || strcmp(o, "--quiet") == 0) {
			lt.quiet = true;
		} else if (strcmp(o, "-U") == 0 && i + 1 < argc) {
			lt.ut = argv[++i];
		} else if ((strcmp(o, "-L") == 0 || strcmp(o, "--location") == 0) && i + 1 < argc) {
			lt.location = argv[++i];
		} else if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			usage(stdout);
			status = 0;
			goto out;
		} else if (o[0] == '-' && o[1]) {
			fprintf(stderr, "vigil: unknown option %s\n", o);
			usage(stderr);
			goto out;
		} else if (nfiles < 256) {
			files[nfiles++] = o;
		}
	}
	struct vg_ruleset *rs = NULL;
	status = 1;
	if (ruleset_args_load(&ra, &rs) != VG_OK)
		goto out;
	int rc = vg_analyzer_create(rs, 3, &lt.a);
	vg_ruleset_unref(rs);
	if (rc != VG_OK)
		goto out;
	if (!nfiles)
		process_stream(&lt, stdin);
	for (size_t i = 0; i < nfiles; i++) {
		FILE *f = strcmp(files[i], "-") == 0 ? stdin : fopen(files[i], "r");
		if (!f) {
			fprintf(stderr, "vigil: cannot open %s\n", files[i]);
			goto out;
		}
		process_stream(&lt, f);
		if (f != stdin)
			fclose(f);
	}
	status = 0;
	if (lt.ut)
		status = unit_test(&lt) ? 0 : 1;
out:
	vg_analyzer_destroy(lt.a);
	ruleset_args_free(&ra);
	return status;
}

int vg_cmd_logtest(int argc, char **argv)
{
	return logtest(argc, argv);
}
