/*
 * cmd_agents.c - "vigil agents": the manager's agent registry from the
 * command line. Lists, shows, revokes and removes agents, sets their
 * groups, and creates, lists and revokes enrollment tokens (creating the
 * manager's CA in <data_dir>/pki when needed, since tokens carry its pin).
 */
#include "cli/commands.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vigil/enroll.h"
#include "vigil/error.h"
#include "vigil/pki.h"
#include "vigil/registry.h"

#define DEFAULT_DATA_DIR "/var/lib/vigil"

struct ctx {
	const char *data_dir;
	struct vg_registry *r;
	int json;
	json_t *array; /* --json: the rows */
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: vigil agents [-D DATA_DIR] COMMAND\n"
	        "  list [--json]                  every agent and its status\n"
	        "  show ID [--json]               one agent\n"
	        "  revoke ID                      refuse the agent's certificate from now on\n"
	        "  remove ID                      forget the agent (its id is not reused)\n"
	        "  groups ID G1,G2                set the agent's groups\n"
	        "  token create [--ttl 24h] [--uses N] [--groups G1,G2]\n"
	        "                                 a token for 'vigil enroll' (uses 0 = unlimited)\n"
	        "  token list [--json]            every token\n"
	        "  token revoke TOKEN_ID          stop a token from enrolling more agents\n"
	        "DATA_DIR defaults to %s (registry.db and pki/ live there).\n",
	        DEFAULT_DATA_DIR);
}

static void print_diag(const struct vg_diag *d, int rc)
{
	for (size_t i = 0; i < d->count; i++)
		fprintf(stderr, "vigil agents: %s%s%s\n", d->msgs[i].file ? d->msgs[i].file : "",
		        d->msgs[i].file ? ": " : "", d->msgs[i].text);
	if (d->count == 0)
		fprintf(stderr, "vigil agents: %s\n", vg_strerror(rc));
}

static void fmt_time(long long t, char *out, size_t cap)
{
	if (t <= 0) {
		snprintf(out, cap, "-");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

static const char *agent_status(const struct vg_agent_rec *a)
{
	if (a->revoked)
		return "revoked";
	if (a->connected)
		return "connected";
	return a->last_seen ? "disconnected" : "never";
}

static json_t *agent_json(const struct vg_agent_rec *a)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:f}", "id", a->id,
	                 "name", a->name, "ip", a->ip, "status", agent_status(a), "version",
	                 a->version, "groups", a->groups, "cert_serial", a->cert_serial,
	                 "registered", (json_int_t)a->registered, "last_seen",
	                 (json_int_t)a->last_seen, "events", (json_int_t)a->events, "eps", a->eps);
}

static int print_agent_row(void *vctx, const struct vg_agent_rec *a)
{
	struct ctx *c = vctx;
	if (c->json)
		return json_array_append_new(c->array, agent_json(a)) == 0 ? 0 : VG_ENOMEM;
	char seen[32];
	fmt_time(a->last_seen, seen, sizeof(seen));
	printf("%-6s %-24s %-16s %-12s %-19s %-10s %-16s %.1f\n", a->id, a->name,
	       a->ip[0] ? a->ip : "-", agent_status(a), seen, a->version[0] ? a->version : "-",
	       a->groups[0] ? a->groups : "-", a->eps);
	return 0;
}

static int print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	if (!s)
		return VG_ENOMEM;
	printf("%s\n", s);
	free(s);
	return VG_OK;
}

static int cmd_list(struct ctx *c)
{
	if (c->json)
		c->array = json_array();
	else
		printf("%-6s %-24s %-16s %-12s %-19s %-10s %-16s %s\n", "ID", "NAME", "IP",
		       "STATUS", "LAST-SEEN", "VERSION", "GROUPS", "EVENTS/S");
	int rc = vg_registry_agent_list(c->r, print_agent_row, c);
	if (c->json)
		rc = rc == VG_OK ? print_json(c->array) : (json_decref(c->array), rc);
	return rc;
}

static int cmd_show(struct ctx *c, const char *id)
{
	struct vg_agent_rec a;
	int rc = vg_registry_agent_get(c->r, id, &a);
	if (rc != VG_OK)
		return rc;
	if (c->json)
		return print_json(agent_json(&a));
	char reg[32], seen[32];
	fmt_time(a.registered, reg, sizeof(reg));
	fmt_time(a.last_seen, seen, sizeof(seen));
	printf("id:          %s\nname:        %s\nip:          %s\nstatus:      %s\n"
	       "groups:      %s\nversion:     %s\ncert serial: %s\nregistered:  %s\n"
	       "last seen:   %s\nevents:      %llu\nevents/s:    %.1f\n",
	       a.id, a.name, a.ip, agent_status(&a), a.groups, a.version, a.cert_serial, reg, seen,
	       a.events, a.eps);
	return VG_OK;
}

/* Parses "90", "90s", "15m", "24h", "7d" into seconds; -1 when malformed. */
static long parse_duration(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || v <= 0)
		return -1;
	long mul = 1;
	if (*end == 'm')
		mul = 60;
	else if (*end == 'h')
		mul = 3600;
	else if (*end == 'd')
		mul = 86400;
	else if (*end != 's' && *end != '\0')
		return -1;
	if (*end && end[1])
		return -1;
	return v > 10L * 365 * 86400 / mul ? -1 : v * mul;
}

struct token_opts {
	long ttl;
	unsigned uses;
	const char *groups;
};

static int token_opts_parse(int argc, char **argv, struct token_opts *t)
{
	*t = (struct token_opts){ .ttl = 86400, .uses = 0, .groups = NULL };
	/* every option takes a value: they come in pairs */
	for (int i = 0; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return -1;
		if (strcmp(argv[i], "--ttl") == 0) {
			t->ttl = parse_duration(v);
			if (t->ttl < 0)
				return -1;
		} else if (strcmp(argv[i], "--uses") == 0) {
			char *end;
			errno = 0;
			long n = strtol(v, &end, 10);
			if (errno || *end || end == v || n < 0 || n > 1000000)
				return -1;
			t->uses = (unsigned)n;
		} else if (strcmp(argv[i], "--groups") == 0) {
			t->groups = v;
		} else {
			return -1;
		}
	}
	return 0;
}

static int token_create(struct ctx *c, const struct token_opts *t)
{
	char host[256] = "localhost", pki[4200], pin[33];
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(pki, sizeof(pki), "%s/pki", c->data_dir);
	struct vg_pki_ca *ca;
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_pki_ca_open(pki, host, &ca, &d);
	if (rc != VG_OK) {
		print_diag(&d, rc);
		vg_diag_free(&d);
		return 1; /* reported */
	}
	vg_diag_free(&d);
	vg_pki_ca_pin(ca, pin);
	vg_pki_ca_close(ca);
	struct vg_buf tok;
	vg_buf_init(&tok, 0);
	rc = vg_registry_token_create(c->r, t->ttl, t->uses, t->groups, pin, &tok);
	if (rc == VG_OK) {
		char exp[32], uses[32];
		fmt_time((long long)time(NULL) + t->ttl, exp, sizeof(exp));
		snprintf(uses, sizeof(uses), "%u", t->uses);
		printf("token:   %s\nexpires: %s\nuses:    %s\ngroups:  %s\n\n"
		       "On each agent host, run:\n  vigil enroll --manager %s:%u --token %s\n",
		       vg_buf_str(&tok), exp, t->uses ? uses : "unlimited",
		       t->groups && *t->groups ? t->groups : "-", host, VG_ENROLL_PORT,
		       vg_buf_str(&tok));
	}
	vg_buf_free(&tok);
	return rc;
}

static int print_token_row(void *vctx, const char *id, long long expires, unsigned uses_left,
                           const char *groups, int revoked)
{
	struct ctx *c = vctx;
	const char *status = revoked                            ? "revoked"
	                     : expires <= (long long)time(NULL) ? "expired"
	                     : uses_left == 0                   ? "used-up"
	                                                        : "valid";
	char exp[32], uses[16];
	fmt_time(expires, exp, sizeof(exp));
	if (uses_left == VG_REGISTRY_UNLIMITED)
		snprintf(uses, sizeof(uses), "unlimited");
	else
		snprintf(uses, sizeof(uses), "%u", uses_left);
	if (c->json) {
		json_t *left = uses_left == VG_REGISTRY_UNLIMITED
		                   ? json_null()
		                   : json_integer((json_int_t)uses_left);
		json_t *o =
		    json_pack("{s:s, s:I, s:o, s:s, s:s}", "id", id, "expires", (json_int_t)expires,
		              "uses_left", left, "groups", groups, "status", status);
		return json_array_append_new(c->array, o) == 0 ? 0 : VG_ENOMEM;
	}
	printf("%-9s %-19s %-10s %-8s %s\n", id, exp, uses, status, groups[0] ? groups : "-");
	return 0;
}

static int cmd_token(struct ctx *c, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "create") == 0) {
		struct token_opts t;
		if (token_opts_parse(argc - 1, argv + 1, &t) != 0)
			return -100;
		return token_create(c, &t);
	}
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if (c->json)
			c->array = json_array();
		else
			printf("%-9s %-19s %-10s %-8s %s\n", "ID", "EXPIRES", "USES-LEFT", "STATUS",
			       "GROUPS");
		int rc = vg_registry_token_list(c->r, print_token_row, c);
		if (c->json)
			rc = rc == VG_OK ? print_json(c->array) : (json_decref(c->array), rc);
		return rc;
	}
	if (argc == 2 && strcmp(argv[0], "revoke") == 0) {
		int rc = vg_registry_token_revoke(c->r, argv[1]);
		if (rc == VG_OK)
			printf("token %s revoked\n", argv[1]);
		return rc;
	}
	return -100;
}

/* Runs the command in argv[0..argc); -100 means a usage error. */
static int dispatch(struct ctx *c, int argc, char **argv)
{
	const char *cmd = argv[0];
	int rc;
	if (strcmp(cmd, "list") == 0 && argc == 1)
		return cmd_list(c);
	if (strcmp(cmd, "show") == 0 && argc == 2)
		return cmd_show(c, argv[1]);
	if (strcmp(cmd, "token") == 0)
		return cmd_token(c, argc - 1, argv + 1);
	if (strcmp(cmd, "revoke") == 0 && argc == 2) {
		if ((rc = vg_registry_agent_revoke(c->r, argv[1])) == VG_OK)
			printf("agent %s revoked\n", argv[1]);
		return rc;
	}
	if (strcmp(cmd, "remove") == 0 && argc == 2) {
		if ((rc = vg_registry_agent_remove(c->r, argv[1])) == VG_OK)
			printf("agent %s removed\n", argv[1]);
		return rc;
	}
	if (strcmp(cmd, "groups") == 0 && argc == 3) {
		rc = vg_registry_agent_set_groups(c->r, argv[1], argv[2]);
		if (rc == VG_EINVAL)
			fprintf(stderr, "vigil agents: groups are names of [A-Za-z0-9_.-] "
			                "separated by commas\n");
		else if (rc == VG_OK)
			printf("agent %s groups: %s\n", argv[1], argv[2]);
		return rc;
	}
	return -100;
}

/* Drops --json from argv (anywhere), setting c->json. Returns the new argc. */
static int take_json_flag(struct ctx *c, int argc, char **argv)
{
	int n = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			c->json = 1;
		else
			argv[n++] = argv[i];
	}
	return n;
}

int vg_cmd_agents(int argc, char **argv)
{
	struct ctx c = { .data_dir = DEFAULT_DATA_DIR };
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-D") == 0 || strcmp(argv[i], "--data-dir") == 0) &&
		    i + 1 < argc) {
			c.data_dir = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			c.json = 1;
		} else {
			usage(stderr);
			return 2;
		}
	}
	int n = take_json_flag(&c, argc - i, argv + i);
	if (n == 0) {
		usage(stderr);
		return 2;
	}
	/* The manager creates the data directory; a token may be made before it ran. */
	if (strcmp(argv[i], "token") == 0 && mkdir(c.data_dir, 0700) != 0 && errno != EEXIST)
		fprintf(stderr, "vigil agents: cannot create %s: %s\n", c.data_dir,
		        strerror(errno));
	char path[4200];
	snprintf(path, sizeof(path), "%s/registry.db", c.data_dir);
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_registry_open(path, &c.r, &d);
	if (rc == VG_OK)
		rc = dispatch(&c, n, argv + i);
	if (rc == -100) {
		usage(stderr);
		vg_registry_close(c.r);
		vg_diag_free(&d);
		return 2;
	}
	if (rc == VG_ENOENT && d.count == 0)
		fprintf(stderr, "vigil agents: no such agent or token\n");
	else if (rc != VG_OK && rc != 1)
		print_diag(&d, rc);
	vg_registry_close(c.r);
	vg_diag_free(&d);
	return rc == VG_OK ? 0 : 1;
}
