/*
 * cmd_fim.c - "vigil fim": what changed on the watched files. `fim changes`
 * lists the changes the manager recorded per agent since a time (the store
 * the pipeline writes, <data_dir>/fim-changes.db, data_dir taken from -c
 * CONFIG or the built-in configuration); `fim scan`
 * scans paths once into a baseline (a temporary one, or --db DIR to compare
 * with the previous run of the same directory) and prints what changed.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vigil/buf.h"
#include "vigil/config.h"
#include "vigil/fim.h"

#define FIM_STORE_NAME "fim-changes.db"

/* Declared in commands.h by the command table; repeated for the prototype check. */
int vg_cmd_fim(int argc, char **argv);

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil fim changes [-c CONFIG | --db FILE] [--agent NAME] [--since TIME] "
	           "[--json]\n"
	           "       vigil fim scan [--db DIR] [--verify] [--json] PATH...\n\n"
	           "changes: the file changes the manager recorded, oldest first (default db\n"
	           "  <data_dir>/" FIM_STORE_NAME ", data_dir from CONFIG or the built-in\n"
	           "  configuration). TIME is epoch seconds, YYYY-MM-DD[THH:MM[:SS]] (local time)\n"
	           "  or an age such as 30m, 2h, 1d (default: everything).\n"
	           "scan: scans PATH... once and prints what changed since the previous scan\n"
	           "  of the same --db directory (without --db, a temporary baseline: nothing\n"
	           "  is reported on the first run).\n");
}

/* Parses TIME into epoch seconds; -1 when malformed. */
static long long parse_time(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end != s && *end == '\0')
		return v;
	if (end != s && end[1] == '\0' && v >= 0) {
		long long unit = *end == 's'   ? 1
		                 : *end == 'm' ? 60
		                 : *end == 'h' ? 3600
		                 : *end == 'd' ? 86400
		                               : 0;
		if (unit)
			return (long long)time(NULL) - v * unit;
	}
	struct tm tm = { 0 };
	const char *rest = strptime(s, "%Y-%m-%d", &tm);
	if (rest && (*rest == 'T' || *rest == ' '))
		rest = strptime(rest + 1, "%H:%M", &tm);
	if (rest && *rest == ':')
		rest = strptime(rest + 1, "%S", &tm);
	if (!rest || *rest)
		return -1;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm);
}

struct out {
	bool json;
};

static void print_change(void *ctx, const char *line)
{
	const struct out *o = ctx;
	if (o->json) {
		printf("%s\n", line);
		return;
	}
	json_t *j = json_loads(line, 0, NULL);
	if (!j)
		return;
	time_t t = (time_t)json_integer_value(json_object_get(j, "time"));
	char when[32];
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
	const char *ch = json_string_value(json_object_get(j, "changed_attributes"));
	const char *user = json_string_value(json_object_get(j, "audit.user.name"));
	const char *proc = json_string_value(json_object_get(j, "audit.process.name"));
	printf("%s  %-10s %-9s %s", when, json_string_value(json_object_get(j, "agent")),
	       json_string_value(json_object_get(j, "event")),
	       json_string_value(json_object_get(j, "path")));
	if (ch)
		printf("  [%s]", ch);
	if (user || proc)
		printf("  by %s (%s)", user ? user : "?", proc ? proc : "?");
	printf("\n");
	json_decref(j);
}

/* <data_dir>/fim-changes.db of the configuration at path (NULL: built in), into out. */
static int store_path(const char *config, char *out, size_t cap)
{
	struct vg_config cfg;
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = config ? vg_config_load_file(config, &cfg, &d) : vg_config_default(&cfg);
	vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	if (rc != VG_OK) {
		fprintf(stderr, "vigil fim: cannot load %s: %s\n",
		        config ? config : "the default configuration", vg_strerror(rc));
		vg_config_destroy(&cfg);
		return rc;
	}
	const char *dir = cfg.data_dir && *cfg.data_dir ? cfg.data_dir : ".";
	int n = snprintf(out, cap, "%s/" FIM_STORE_NAME, dir);
	vg_config_destroy(&cfg);
	return n < 0 || (size_t)n >= cap ? VG_ELIMIT : VG_OK;
}

static int cmd_changes(int argc, char **argv)
{
	const char *db = NULL, *config = NULL, *agent = NULL;
	char dbpath[4096];
	long long since = 0;
	struct out o = { 0 };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o.json = true;
		} else if (i + 1 < argc && strcmp(argv[i], "--db") == 0) {
			db = argv[++i];
		} else if (i + 1 < argc &&
		           (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0)) {
			config = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--agent") == 0) {
			agent = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--since") == 0) {
			since = parse_time(argv[++i]);
			if (since < 0) {
				fprintf(stderr, "vigil fim: bad --since '%s'\n", argv[i]);
				return 2;
			}
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!db) {
		if (store_path(config, dbpath, sizeof(dbpath)) != VG_OK)
			return 1;
		db = dbpath;
	}
	if (access(db, R_OK) != 0) {
		fprintf(stderr, "vigil fim: no FIM store at %s\n", db);
		return 1;
	}
	struct vg_fim_store *s = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_fim_store_open(db, &s, &d);
	vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	if (rc != VG_OK)
		return 1;
	rc = vg_fim_store_changes(s, agent, since, print_change, &o);
	vg_fim_store_close(s);
	return rc < 0 ? 1 : 0;
}

static void print_event(void *ctx, const char *loc, const char *line, size_t len)
{
	const struct out *o = ctx;
	if (o->json) {
		printf("%s\n", line);
		return;
	}
	struct vg_event ev;
	if (vg_event_init(&ev) != VG_OK)
		return;
	if (vg_fim_decode(&ev, line, len) == VG_OK) {
		const char *ch = vg_event_get(&ev, "syscheck.changed_attributes");
		printf("%-9s %s%s%s%s\n", vg_event_get(&ev, "syscheck.event"),
		       vg_event_get(&ev, "syscheck.path"), ch ? "  [" : "", ch ? ch : "",
		       ch ? "]" : "");
	}
	vg_event_destroy(&ev);
}

static int cmd_scan(int argc, char **argv)
{
	const char *db = NULL;
	bool verify = false;
	struct out o = { 0 };
	struct vg_config_fim_path *paths = calloc((size_t)argc, sizeof(*paths));
	struct vg_config_fim cfg = { .paths = paths,
		                     .scan_interval_s = 86400 * 365,
		                     .file_limit = 10000000,
		                     .diff_max_size = 1 << 20 };
	for (int i = 1; paths && i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			free(paths);
			return 0;
		}
		if (strcmp(argv[i], "--json") == 0)
			o.json = true;
		else if (strcmp(argv[i], "--verify") == 0)
			verify = true;
		else if (i + 1 < argc && strcmp(argv[i], "--db") == 0)
			db = argv[++i];
		else if (argv[i][0] == '/')
			paths[cfg.npaths++] = (struct vg_config_fim_path){
				.path = argv[i], .attrs = VG_FIM_ATTR_DEFAULT, .recursion = 256
			};
		else {
			fprintf(stderr, "vigil fim scan: %s: give absolute paths\n", argv[i]);
			free(paths);
			return 2;
		}
	}
	if (!paths || !cfg.npaths) {
		usage(stderr);
		free(paths);
		return 2;
	}
	char tmp[] = "/tmp/vigil-fim-XXXXXX", base[4200];
	if (!db && !(db = mkdtemp(tmp))) {
		perror("vigil fim scan: mkdtemp");
		free(paths);
		return 1;
	}
	if (db != tmp && mkdir(db, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "vigil fim scan: cannot create %s: %s\n", db, strerror(errno));
		free(paths);
		return 1;
	}
	snprintf(base, sizeof(base), "%s/fim.db", db);
	bool first = access(base, F_OK) != 0;
	struct vg_fim *f = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_fim_open(&cfg, db, &f, &d);
	vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	if (rc == VG_OK)
		rc = vg_fim_scan_now(f, verify);
	int changes = rc == VG_OK ? vg_fim_poll(f, print_event, &o, 0) : 0;
	if (changes < 0)
		rc = changes;
	if (rc == VG_OK) {
		struct vg_fim_stats st;
		vg_fim_stats(f, &st);
		fprintf(stderr, "vigil fim scan: %llu file(s), %llu hashed, %.2f s; %s\n", st.files,
		        st.hashed, st.last_scan_s,
		        first
		            ? (db == tmp ? "a one-off baseline: give --db DIR to compare later runs"
		                         : "baseline recorded; the next run shows what changed")
		        : changes ? "changes since the previous run above"
		                  : "nothing changed since the previous run");
	}
	vg_fim_close(f);
	if (db == tmp) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "vigil fim scan: could not remove %s\n", tmp);
	}
	free(paths);
	if (rc < 0)
		fprintf(stderr, "vigil fim scan: %s\n", vg_strerror(rc));
	return rc < 0 ? 1 : 0;
}

int vg_cmd_fim(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "changes") == 0)
		return cmd_changes(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "scan") == 0)
		return cmd_scan(argc - 1, argv + 1);
	usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
	return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
}
