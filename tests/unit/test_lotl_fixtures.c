/*
 * test_lotl_fixtures.c - how much living-off-the-land activity Vigil's rules
 * see: LOLBAS, GTFOBins and Atomic Red Team commands as process events.
 *
 * Every Windows command of $VIGIL_SHARED/data/lolbas/commands.jsonl becomes a
 * Sysmon event 1 in Wazuh's {"win":{"system":..,"eventdata":..}} form (values
 * with doubled backslashes, location "EventChannel"); every line of every
 * GTFOBins example and of every Linux sh/bash Atomic test becomes a Vigil
 * procmon document (location "vigil-procmon"). Each fixture is analyzed with
 * the built-in ruleset and with the built-in ruleset plus SigmaHQ's rules; a
 * fixture counts as detected when one of its events ends on a rule of level
 * >= 7. The test prints a table of the shares per source and ruleset and the
 * binaries missed most often. It asserts that every fixture became events
 * that the analyzer processed; the 80% goal on LOLBAS Execute/Download/AWL
 * bypass (built-in ruleset) fails the test only with VIGIL_LOTL_STRICT=1.
 * docs/lotl-fixtures.md describes the event forms and the figures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/engine.h"
#include "vigil/rule.h"
#include "vg_test.h"

#define DETECT_LEVEL 7
#define GOAL_PERCENT 80
#define TOP_MISSED   20

enum source { SRC_LOLBAS, SRC_GTFOBINS, SRC_ATOMIC, SRC_COUNT };
enum ruleset_kind { RS_BUILTIN, RS_SIGMA, RS_COUNT };

static const char *const source_file[SRC_COUNT] = { "lolbas/commands.jsonl",
	                                            "gtfobins/commands.jsonl",
	                                            "atomic/commands.jsonl" };
static const char *const ruleset_name[RS_COUNT] = { "built-in", "built-in+Sigma" };

/* One analyzed line. */
struct event {
	char *line;
	const char *location;
	char *binary; /* basename of the image, for the missed-binaries list */
};

/* One command of a source: one event (Windows) or one per line (Linux). */
struct fixture {
	enum source src;
	char *name;     /* LOLBAS name, GTFOBins binary, Atomic technique */
	char *category; /* LOLBAS category; NULL otherwise */
	char *function; /* GTFOBins function (shell, file-read...); NULL otherwise */
	char *contexts; /* GTFOBins contexts, comma-separated; NULL otherwise */
	size_t first, nevents;
	int level[RS_COUNT]; /* highest final rule level over its events, -1 none */
};

struct tally {
	char *name;
	unsigned count;
};

struct corpus {
	bool loaded;
	struct event *ev;
	size_t nev, evcap;
	struct fixture *fx;
	size_t nfx, fxcap;
	size_t expected[SRC_COUNT]; /* fixtures counted straight from the files */
	size_t decoded[SRC_COUNT];  /* events a decoder took (built-in ruleset) */
	unsigned pid;
};

/* ---- small helpers ---- */

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	assert_non_null(d);
	return d;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	assert_non_null(d);
	return d;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* The text after the last '/' or '\'. */
static const char *base_name(const char *path)
{
	const char *b = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	return b;
}

/* s with every backslash doubled, as Wazuh's event-channel decoding leaves it. */
static char *double_backslashes(const char *s)
{
	size_t n = 0;
	for (const char *p = s; *p; p++)
		n += *p == '\\' ? 2 : 1;
	char *d = malloc(n + 1), *o = d;
	assert_non_null(d);
	for (const char *p = s; *p; p++) {
		*o++ = *p;
		if (*p == '\\')
			*o++ = '\\';
	}
	*o = '\0';
	return d;
}

static void set_str(json_t *obj, const char *key, const char *val)
{
	assert_int_equal(json_object_set_new(obj, key, json_string(val)), 0);
}

static size_t add_event(struct corpus *c, json_t *doc, const char *location, const char *image)
{
	char *line = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(line);
	json_decref(doc);
	if (c->nev == c->evcap) {
		c->evcap = c->evcap ? c->evcap * 2 : 1024;
		c->ev = realloc(c->ev, c->evcap * sizeof(*c->ev));
		assert_non_null(c->ev);
	}
	c->ev[c->nev] = (struct event){ line, location, xstrdup(base_name(image)) };
	return c->nev++;
}

static struct fixture *add_fixture(struct corpus *c, enum source src, const char *name,
                                   const char *category)
{
	if (c->nfx == c->fxcap) {
		c->fxcap = c->fxcap ? c->fxcap * 2 : 1024;
		c->fx = realloc(c->fx, c->fxcap * sizeof(*c->fx));
		assert_non_null(c->fx);
	}
	struct fixture *f = &c->fx[c->nfx++];
	*f = (struct fixture){ .src = src,
		               .name = xstrdup(name),
		               .category = category ? xstrdup(category) : NULL,
		               .first = c->nev,
		               .level = { -1, -1 } };
	return f;
}

/* ---- Windows: LOLBAS -> Sysmon event 1 ---- */

/* The image of a LOLBAS command: the binary's first documented path (or
 * System32), or for a DLL / script entry the program its command starts. */
static char *lolbas_image(const char *name, json_t *paths, const char *command)
{
	const char *first = json_string_value(json_array_get(paths, 0));
	char buf[512];
	if (ends_with_ci(name, ".exe")) {
		if (first && isalpha((unsigned char)first[0]) && first[1] == ':')
			return xstrdup(first);
		snprintf(buf, sizeof(buf), "C:\\Windows\\System32\\%s", name);
		return xstrdup(buf);
	}
	size_t n = strcspn(command, " \t");
	char word[256];
	snprintf(word, sizeof(word), "%.*s", (int)(n < 255 ? n : 255), command);
	const char *w = base_name(word);
	if (strncasecmp(w, "powershell", 10) == 0)
		return xstrdup("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
	if (ends_with_ci(w, ".vbs") || ends_with_ci(w, ".js") || strcasecmp(w, "winrm") == 0)
		return xstrdup("C:\\Windows\\System32\\cscript.exe");
	if (ends_with_ci(w, ".exe") || strcasecmp(w, "rundll32") == 0 ||
	    strcasecmp(w, "cscript") == 0) {
		snprintf(buf, sizeof(buf), "C:\\Windows\\System32\\%s%s", w,
		         ends_with_ci(w, ".exe") ? "" : ".exe");
		return xstrdup(buf);
	}
	return xstrdup("C:\\Windows\\System32\\cmd.exe"); /* cmd built-ins, .bat */
}

static json_t *sysmon_system(unsigned record)
{
	char rec[32];
	snprintf(rec, sizeof(rec), "%u", record);
	json_t *s = json_object();
	set_str(s, "providerName", "Microsoft-Windows-Sysmon");
	set_str(s, "providerGuid", "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}");
	set_str(s, "eventID", "1");
	set_str(s, "version", "5");
	set_str(s, "level", "4");
	set_str(s, "task", "1");
	set_str(s, "opcode", "0");
	set_str(s, "keywords", "0x8000000000000000");
	set_str(s, "systemTime", "2025-03-04T10:15:02.1234567Z");
	set_str(s, "eventRecordID", rec);
	set_str(s, "processID", "2516");
	set_str(s, "threadID", "3644");
	set_str(s, "channel", "Microsoft-Windows-Sysmon/Operational");
	set_str(s, "computer", "ws01.corp.example");
	set_str(s, "severityValue", "INFORMATION");
	return s;
}

/* Adds one raw (single-backslash) value to eventdata, doubled. */
static void set_win(json_t *ed, const char *key, const char *raw)
{
	char *v = double_backslashes(raw);
	set_str(ed, key, v);
	free(v);
}

/* The value a LOLBAS placeholder ("{REMOTEURL:.exe}", "{PATH_ABSOLUTE}",
 * "{CMD}" ...) stands for: neutral names ("report"), a TEST-NET address for
 * remote places, and the placeholder's extension; NULL for an unknown one. */
static const char *placeholder_value(const char *name, size_t n, const char *ext, size_t elen,
                                     char *out, size_t cap)
{
	static const struct {
		const char *name, *base;
	} paths[] = {
		{ "REMOTEURL", "https://203.0.113.9/report" },
		{ "PATH_ABSOLUTE", "C:\\Users\\alice\\Documents\\report" },
		{ "PATH_SMB", "\\\\203.0.113.9\\share\\report" },
		{ "PATH", "report" },
	};
	static const struct {
		const char *name, *value;
	} fixed[] = {
		{ "CMD", "calc.exe" },
		{ "PID", "4242" },
		{ "LSASS_PID", "668" },
		{ "GUID", "{3E5FC7F9-9A51-4367-9063-A120244FBEC7}" },
		{ "CLSID", "{3E5FC7F9-9A51-4367-9063-A120244FBEC7}" },
		{ "ExistingServiceName", "Spooler" },
		{ "process_name", "notepad.exe" },
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (strlen(paths[i].name) == n && strncmp(paths[i].name, name, n) == 0) {
			bool folder = elen == 6 && strncmp(ext, "folder", 6) == 0;
			snprintf(out, cap, "%s%.*s", paths[i].base, folder ? 0 : (int)elen, ext);
			return out;
		}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strlen(fixed[i].name) == n && strncmp(fixed[i].name, name, n) == 0)
			return fixed[i].value;
	return NULL;
}

/* cmd with its placeholders filled in (placeholder_value); unknown ones stay. */
static char *lolbas_fill(const char *cmd)
{
	size_t cap = strlen(cmd) * 4 + 256, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	for (const char *p = cmd; *p;) {
		const char *end = p[0] == '{' ? strchr(p, '}') : NULL;
		char val[256];
		const char *v = NULL;
		if (end) {
			const char *colon = memchr(p + 1, ':', (size_t)(end - p - 1));
			size_t n = (size_t)((colon ? colon : end) - p - 1);
			const char *ext = colon ? colon + 1 : end;
			v = placeholder_value(p + 1, n, ext, (size_t)(end - ext), val, sizeof(val));
		}
		size_t add = v ? strlen(v) : 1;
		if (len + add + 1 > cap) {
			cap = (len + add + 1) * 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		memcpy(out + len, v ? v : p, add);
		len += add;
		p = v ? end + 1 : p + 1;
	}
	out[len] = '\0';
	return out;
}

static void lolbas_event(struct corpus *c, json_t *entry)
{
	const char *name = json_string_value(json_object_get(entry, "name"));
	const char *raw = json_string_value(json_object_get(entry, "command"));
	assert_non_null(raw);
	char *filled = lolbas_fill(raw);
	const char *cmd = filled;
	const char *cat = json_string_value(json_object_get(entry, "category"));
	const char *priv = json_string_value(json_object_get(entry, "privileges"));
	assert_non_null(name);
	assert_non_null(cmd);
	struct fixture *f = add_fixture(c, SRC_LOLBAS, name, cat ? cat : "");
	char *image = lolbas_image(name, json_object_get(entry, "full_paths"), cmd);
	char pid[32];
	snprintf(pid, sizeof(pid), "%u", ++c->pid);
	json_t *ed = json_object();
	set_str(ed, "utcTime", "2025-03-04 10:15:02.123");
	set_str(ed, "processGuid", "{4dc16835-eaa5-612f-d04e-830000000000}");
	set_str(ed, "processId", pid);
	set_win(ed, "image", image);
	set_str(ed, "originalFileName", base_name(image));
	set_win(ed, "commandLine", cmd);
	set_win(ed, "currentDirectory", "C:\\Users\\alice\\");
	set_win(ed, "user", "CORP\\alice");
	set_str(ed, "integrityLevel", priv && strcasecmp(priv, "User") != 0 ? "High" : "Medium");
	set_str(ed, "parentProcessId", "4012");
	set_win(ed, "parentImage", "C:\\Windows\\System32\\cmd.exe");
	set_win(ed, "parentCommandLine", "\"C:\\Windows\\system32\\cmd.exe\" ");
	json_t *win = json_object();
	assert_int_equal(json_object_set_new(win, "system", sysmon_system(c->pid)), 0);
	assert_int_equal(json_object_set_new(win, "eventdata", ed), 0);
	json_t *doc = json_object();
	assert_int_equal(json_object_set_new(doc, "win", win), 0);
	add_event(c, doc, "EventChannel", image);
	f->nevents = 1;
	free(image);
	free(filled);
}

/* ---- Linux: GTFOBins / Atomic -> procmon documents ---- */

static const char *const sbin_tools[] = { "useradd",  "userdel",  "usermod", "groupadd",
	                                  "chpasswd", "iptables", "insmod",  "modprobe",
	                                  "rmmod",    "setcap",   "getcap",  "chroot",
	                                  "visudo",   "tcpdump",  "sshd",    "cron",
	                                  "ldconfig", "capsh",    "service", "sysctl" };

static const char *const shell_builtins[] = {
	"echo",     "cd",   "export", "if",    "for",    "while", "do",     "done",   "then",
	"fi",       "else", "set",    "read",  "source", ".",     "eval",   "printf", "test",
	"[",        "[[",   ":",      "unset", "ulimit", "umask", "trap",   "wait",   "alias",
	"function", "case", "esac",   "}",     "{",      "local", "return", "exit",   "history"
};

static bool in_list(const char *w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return true;
	return false;
}

/* Is tok a shell assignment NAME=value? */
static bool is_assignment(const char *tok, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)tok[0]) || tok[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (tok[i] == '=')
			return true;
		if (!isalnum((unsigned char)tok[i]) && tok[i] != '_')
			return false;
	}
	return false;
}

/* The program a shell line starts: leading assignments and "exec" skipped,
 * a path as written (relative to /tmp), a bare name in /usr/bin (a few
 * in /usr/sbin); a shell built-in or an assignment alone runs in the shell. */
static char *resolve_image(const char *line)
{
	const char *p = line;
	char word[256], buf[512];
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '(' || *p == '!')
			p++;
		size_t n = strcspn(p, " \t;|&()<>");
		if (n == 0)
			return xstrdup("/usr/bin/bash");
		if (is_assignment(p, n) || (n == 4 && strncmp(p, "exec", 4) == 0)) {
			p += n;
			continue;
		}
		snprintf(word, sizeof(word), "%.*s", (int)(n < 255 ? n : 255), p);
		break;
	}
	if (word[0] == '"' || word[0] == '\'' || word[0] == '$' || word[0] == '`')
		return xstrdup("/usr/bin/bash");
	if (word[0] == '/')
		return xstrdup(word);
	if (strchr(word, '/')) {
		snprintf(buf, sizeof(buf), "/tmp/%s",
		         strncmp(word, "./", 2) == 0 ? word + 2 : word);
		return xstrdup(buf);
	}
	if (in_list(word, shell_builtins, sizeof(shell_builtins) / sizeof(*shell_builtins)))
		return xstrdup("/usr/bin/bash");
	bool sbin = in_list(word, sbin_tools, sizeof(sbin_tools) / sizeof(*sbin_tools));
	snprintf(buf, sizeof(buf), "/usr/%s/%s", sbin ? "sbin" : "bin", word);
	return xstrdup(buf);
}

static void procmon_event(struct corpus *c, const char *cmdline, bool root)
{
	char *image = resolve_image(cmdline);
	json_t *vig = json_object();
	set_str(vig, "module", "procmon");
	set_str(vig, "event", "process_creation");
	json_t *parent = json_object();
	set_str(parent, "image", "/usr/bin/bash");
	set_str(parent, "command_line", "-bash");
	json_object_set_new(parent, "pid", json_integer(4000));
	json_object_set_new(parent, "ppid", json_integer(3990));
	json_t *proc = json_object();
	json_object_set_new(proc, "pid", json_integer(++c->pid));
	json_object_set_new(proc, "ppid", json_integer(4000));
	set_str(proc, "image", image);
	set_str(proc, "command_line", cmdline);
	set_str(proc, "current_directory", "/tmp");
	json_object_set_new(proc, "uid", json_integer(root ? 0 : 1000));
	set_str(proc, "user", root ? "root" : "alice");
	json_object_set_new(proc, "auid", json_integer(1000));
	set_str(proc, "audit_user", "alice");
	set_str(proc, "tty", "pts0");
	json_object_set_new(proc, "session", json_integer(3));
	json_object_set_new(proc, "exit", json_integer(0));
	json_object_set_new(proc, "parent", parent);
	json_t *doc = json_object();
	json_object_set_new(doc, "vigil", vig);
	json_object_set_new(doc, "process", proc);
	add_event(c, doc, "vigil-procmon", image);
	free(image);
}

/* One event per command line of a shell script: lines ending in '\' are
 * joined with the next, blank lines and comments are skipped. */
static void script_events(struct corpus *c, struct fixture *f, const char *script, bool root)
{
	char *joined = NULL;
	const char *p = script;
	while (*p) {
		size_t n = strcspn(p, "\n");
		const char *next = p[n] ? p + n + 1 : p + n;
		while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		bool cont = n && p[n - 1] == '\\';
		char *piece = xstrndup(p, cont ? n - 1 : n);
		if (joined) {
			size_t a = strlen(joined), b = strlen(piece);
			joined = realloc(joined, a + b + 1);
			assert_non_null(joined);
			memcpy(joined + a, piece, b + 1);
			free(piece);
		} else {
			joined = piece;
		}
		if (!cont || !*next) {
			const char *t = joined + strspn(joined, " \t");
			if (*t && *t != '#') {
				procmon_event(c, t, root);
				f->nevents++;
			}
			free(joined);
			joined = NULL;
		}
		p = next;
	}
	free(joined);
}

/* The strings of a JSON array joined with ',' ("" when none). */
static char *join_strings(json_t *arr)
{
	size_t i, n = 1;
	json_t *v;
	json_array_foreach(arr, i, v) n += json_is_string(v) ? strlen(json_string_value(v)) + 1 : 0;
	char *d = calloc(1, n), *o = d;
	assert_non_null(d);
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v))
			continue;
		size_t m = strlen(json_string_value(v));
		if (o != d)
			*o++ = ',';
		memcpy(o, json_string_value(v), m + 1);
		o += m;
	}
	return d;
}

static void gtfobins_fixture(struct corpus *c, json_t *entry)
{
	const char *bin = json_string_value(json_object_get(entry, "binary"));
	const char *code = json_string_value(json_object_get(entry, "code"));
	assert_non_null(bin);
	assert_non_null(code);
	struct fixture *f = add_fixture(c, SRC_GTFOBINS, bin, NULL);
	const char *fn = json_string_value(json_object_get(entry, "function"));
	f->function = xstrdup(fn ? fn : "?");
	f->contexts = join_strings(json_object_get(entry, "contexts"));
	script_events(c, f, code, false);
}

static bool has_linux(json_t *platforms)
{
	size_t i;
	json_t *v;
	json_array_foreach(platforms, i,
	                   v) if (json_is_string(v) &&
	                          strcmp(json_string_value(v), "linux") == 0) return true;
	return false;
}

static bool atomic_selected(json_t *entry)
{
	const char *ex = json_string_value(json_object_get(entry, "executor"));
	return has_linux(json_object_get(entry, "platforms")) && ex &&
	       (strcmp(ex, "sh") == 0 || strcmp(ex, "bash") == 0);
}

static void atomic_fixture(struct corpus *c, json_t *entry)
{
	if (!atomic_selected(entry))
		return;
	const char *tech = json_string_value(json_object_get(entry, "technique"));
	const char *cmd = json_string_value(json_object_get(entry, "command_default_args"));
	struct fixture *f = add_fixture(c, SRC_ATOMIC, tech ? tech : "?", NULL);
	script_events(c, f, cmd ? cmd : "",
	              json_is_true(json_object_get(entry, "elevation_required")));
}

/* ---- loading the sources ---- */

static void load_source(struct corpus *c, enum source src, const char *path)
{
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		json_error_t err;
		json_t *entry = json_loads(line, 0, &err);
		if (!entry) {
			printf("%s:%d: %s\n", path, err.line, err.text);
			c->expected[src]++; /* counted, but no fixture: the count check fails */
			continue;
		}
		if (src == SRC_LOLBAS) {
			c->expected[src]++;
			lolbas_event(c, entry);
		} else if (src == SRC_GTFOBINS) {
			c->expected[src]++;
			gtfobins_fixture(c, entry);
		} else {
			c->expected[src] += atomic_selected(entry);
			atomic_fixture(c, entry);
		}
		json_decref(entry);
	}
	free(line);
	fclose(fp);
}

/* ---- analysis ---- */

static struct vg_ruleset *load_ruleset(enum ruleset_kind kind, const char *sigma_dir)
{
	const char *dirs[] = { sigma_dir };
	struct vg_ruleset_opts o = { .builtin = true };
	if (kind == RS_SIGMA) {
		o.sigma_dirs = dirs;
		o.nsigma_dirs = 1;
	}
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_ruleset *rs = NULL;
	int rc = vg_ruleset_load(&o, &rs, &diag);
	if (rc != VG_OK)
		vg_diag_print(&diag, stdout);
	vg_diag_free(&diag);
	assert_int_equal(rc, VG_OK);
	printf("%s ruleset: %zu decoders, %zu rules\n", ruleset_name[kind],
	       vg_ruleset_decoder_count(rs), vg_ruleset_rule_count(rs));
	return rs;
}

/* Runs every fixture through rs; a fixture is a session of its own. */
static void analyze(struct corpus *c, enum ruleset_kind kind, struct vg_ruleset *rs)
{
	struct vg_analyzer *a = NULL;
	assert_int_equal(vg_analyzer_create(rs, 3, &a), VG_OK);
	for (size_t i = 0; i < c->nfx; i++) {
		struct fixture *f = &c->fx[i];
		assert_int_equal(vg_analyzer_reset_state(a), VG_OK);
		for (size_t e = f->first; e < f->first + f->nevents; e++) {
			struct vg_analysis r;
			int rc = vg_analyzer_process(a, c->ev[e].location, c->ev[e].line, NULL, &r);
			if (rc != VG_OK)
				printf("not processed (%d): %s\n", rc, c->ev[e].line);
			assert_int_equal(rc, VG_OK);
			if (kind == RS_BUILTIN && r.event && r.event->decoder_name)
				c->decoded[f->src]++;
			if (r.rule && r.rule->level > f->level[kind])
				f->level[kind] = r.rule->level;
		}
	}
	vg_analyzer_destroy(a);
}

static void corpus_free(struct corpus *c)
{
	for (size_t i = 0; i < c->nev; i++) {
		free(c->ev[i].line);
		free(c->ev[i].binary);
	}
	for (size_t i = 0; i < c->nfx; i++) {
		free(c->fx[i].name);
		free(c->fx[i].category);
		free(c->fx[i].function);
		free(c->fx[i].contexts);
	}
	free(c->ev);
	free(c->fx);
	memset(c, 0, sizeof(*c));
}

/* With VIGIL_LOTL_DUMP=DIR, writes each source's events to DIR/<source>.log
 * (one line each) to replay with "vigil logtest -L <location>". */
static void dump_events(const struct corpus *c)
{
	static const char *const dump_name[SRC_COUNT] = { "lolbas.log", "gtfobins.log",
		                                          "atomic.log" };
	const char *dir = getenv("VIGIL_LOTL_DUMP");
	if (!dir || !*dir)
		return;
	for (int s = 0; s < SRC_COUNT; s++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, dump_name[s]);
		FILE *fp = fopen(path, "w");
		if (!fp) {
			printf("cannot write %s\n", path);
			continue;
		}
		for (size_t i = 0; i < c->nfx; i++)
			for (size_t e = 0; c->fx[i].src == (enum source)s && e < c->fx[i].nevents;
			     e++)
				fprintf(fp, "%s\n", c->ev[c->fx[i].first + e].line);
		fclose(fp);
		printf("events written to %s\n", path);
	}
}

/* Builds the fixtures and analyzes them with both rulesets (once). */
static struct corpus *corpus_get(void **state)
{
	struct corpus *c = *state;
	char path[4096];
	for (int s = 0; s < SRC_COUNT; s++)
		vg_test_require_data(path, sizeof(path), source_file[s]);
	vg_test_require_data(path, sizeof(path), "sigma/rules");
	if (c->loaded)
		return c;
	c->loaded = true; /* once, even when an assertion below fails */
	c->pid = 4100;
	for (int s = 0; s < SRC_COUNT; s++) {
		vg_test_data_path(path, sizeof(path), source_file[s]);
		load_source(c, (enum source)s, path);
	}
	dump_events(c);
	vg_test_data_path(path, sizeof(path), "sigma/rules");
	for (int k = 0; k < RS_COUNT; k++) {
		struct vg_ruleset *rs = load_ruleset((enum ruleset_kind)k, path);
		analyze(c, (enum ruleset_kind)k, rs);
		vg_ruleset_unref(rs);
	}
	return c;
}

/* ---- report ---- */

enum row {
	ROW_LOLBAS,
	ROW_EXECUTE,
	ROW_DOWNLOAD,
	ROW_AWL,
	ROW_GOAL,
	ROW_GTFOBINS,
	ROW_ATOMIC,
	ROW_COUNT
};

static const char *const row_name[ROW_COUNT] = { "LOLBAS, all",           "LOLBAS Execute",
	                                         "LOLBAS Download",       "LOLBAS AWL Bypass",
	                                         "LOLBAS Exec+Downl+AWL", "GTFOBins",
	                                         "Atomic Linux sh/bash" };

static bool cat_is(const struct fixture *f, const char *cat)
{
	return f->category && strcasecmp(f->category, cat) == 0;
}

static bool in_row(const struct fixture *f, enum row r)
{
	switch (r) {
	case ROW_LOLBAS: return f->src == SRC_LOLBAS;
	case ROW_EXECUTE: return f->src == SRC_LOLBAS && cat_is(f, "Execute");
	case ROW_DOWNLOAD: return f->src == SRC_LOLBAS && cat_is(f, "Download");
	case ROW_AWL: return f->src == SRC_LOLBAS && cat_is(f, "AWL Bypass");
	case ROW_GOAL:
		return f->src == SRC_LOLBAS &&
		       (cat_is(f, "Execute") || cat_is(f, "Download") || cat_is(f, "AWL Bypass"));
	case ROW_GTFOBINS: return f->src == SRC_GTFOBINS;
	case ROW_ATOMIC: return f->src == SRC_ATOMIC;
	case ROW_COUNT: break;
	}
	return false;
}

struct row_stats {
	size_t fixtures, events, detected[RS_COUNT];
};

static struct row_stats row_stats(const struct corpus *c, enum row r)
{
	struct row_stats st = { 0 };
	for (size_t i = 0; i < c->nfx; i++) {
		const struct fixture *f = &c->fx[i];
		if (!in_row(f, r))
			continue;
		st.fixtures++;
		st.events += f->nevents;
		for (int k = 0; k < RS_COUNT; k++)
			st.detected[k] += f->level[k] >= DETECT_LEVEL;
	}
	return st;
}

static double pct(size_t n, size_t d)
{
	return d ? 100.0 * (double)n / (double)d : 0.0;
}

static void print_table(const struct corpus *c)
{
	printf("\nLOTL fixtures: share whose final rule level is >= %d\n", DETECT_LEVEL);
	printf("%-22s %8s %7s | %-16s | %-16s\n", "source", "fixtures", "events", ruleset_name[0],
	       ruleset_name[1]);
	for (int r = 0; r < ROW_COUNT; r++) {
		struct row_stats st = row_stats(c, (enum row)r);
		printf("%-22s %8zu %7zu | %5zu  %6.1f%%   | %5zu  %6.1f%%\n", row_name[r],
		       st.fixtures, st.events, st.detected[RS_BUILTIN],
		       pct(st.detected[RS_BUILTIN], st.fixtures), st.detected[RS_SIGMA],
		       pct(st.detected[RS_SIGMA], st.fixtures));
	}
	static const char *const src_label[SRC_COUNT] = { "Windows (LOLBAS)", "GTFOBins",
		                                          "Atomic Linux" };
	for (int s = 0; s < SRC_COUNT; s++) {
		size_t total = 0;
		for (size_t i = 0; i < c->nfx; i++)
			total += c->fx[i].src == (enum source)s ? c->fx[i].nevents : 0;
		printf("events a decoder took, %s: %zu of %zu\n", src_label[s], c->decoded[s],
		       total);
	}
}

static void tally_add(struct tally **t, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcasecmp((*t)[i].name, name) == 0) {
			(*t)[i].count++;
			return;
		}
	}
	*t = realloc(*t, (*n + 1) * sizeof(**t));
	assert_non_null(*t);
	(*t)[(*n)++] = (struct tally){ xstrdup(name), 1 };
}

static int tally_cmp(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcasecmp(x->name, y->name);
}

/* The binaries of the fixtures of src that kind missed, most frequent first:
 * the LOLBAS / GTFOBins binary, for Atomic every program its lines run. */
static void print_missed(const struct corpus *c, enum source src, enum ruleset_kind kind,
                         const char *label)
{
	struct tally *t = NULL;
	size_t n = 0, missed = 0;
	for (size_t i = 0; i < c->nfx; i++) {
		const struct fixture *f = &c->fx[i];
		if (f->src != src || f->level[kind] >= DETECT_LEVEL)
			continue;
		missed++;
		if (src != SRC_ATOMIC) {
			tally_add(&t, &n, f->name);
			continue;
		}
		for (size_t e = f->first; e < f->first + f->nevents; e++) {
			bool seen = false;
			for (size_t p = f->first; p < e && !seen; p++)
				seen = strcmp(c->ev[p].binary, c->ev[e].binary) == 0;
			if (!seen)
				tally_add(&t, &n, c->ev[e].binary);
		}
	}
	if (n)
		qsort(t, n, sizeof(*t), tally_cmp);
	printf("\nmost missed, %s, %s ruleset (%zu fixtures missed):\n ", label, ruleset_name[kind],
	       missed);
	for (size_t i = 0; i < n && i < TOP_MISSED; i++)
		printf(" %s (%u)%s", t[i].name, t[i].count,
		       i + 1 < n && i + 1 < TOP_MISSED ? "," : "");
	printf("\n");
	for (size_t i = 0; i < n; i++)
		free(t[i].name);
	free(t);
}

/* ---- breakdowns: GTFOBins by function and context, Atomic by tactic and technique ---- */

/* One row of a breakdown: a key and its fixtures' detection counts. */
struct group_row {
	char *key;
	size_t fixtures, detected[RS_COUNT];
};

struct breakdown {
	struct group_row *rows;
	size_t n;
};

static void breakdown_add(struct breakdown *b, const char *key, const struct fixture *f)
{
	struct group_row *r = NULL;
	for (size_t i = 0; i < b->n && !r; i++)
		if (strcmp(b->rows[i].key, key) == 0)
			r = &b->rows[i];
	if (!r) {
		b->rows = realloc(b->rows, (b->n + 1) * sizeof(*b->rows));
		assert_non_null(b->rows);
		r = &b->rows[b->n++];
		*r = (struct group_row){ .key = xstrdup(key) };
	}
	r->fixtures++;
	for (int k = 0; k < RS_COUNT; k++)
		r->detected[k] += f->level[k] >= DETECT_LEVEL;
}

/* Adds f under every comma-separated key of list. */
static void breakdown_add_list(struct breakdown *b, const char *list, const struct fixture *f)
{
	const char *p = list && *list ? list : "(none)";
	while (*p) {
		size_t n = strcspn(p, ",");
		char *key = xstrndup(p, n);
		breakdown_add(b, key, f);
		free(key);
		p += n + (p[n] == ',');
	}
}

static int group_row_cmp(const void *a, const void *b)
{
	const struct group_row *x = a, *y = b;
	if (x->fixtures != y->fixtures)
		return x->fixtures < y->fixtures ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Prints the rows, most fixtures first, then frees them. */
static void breakdown_print(struct breakdown *b, const char *title)
{
	if (b->n)
		qsort(b->rows, b->n, sizeof(*b->rows), group_row_cmp);
	printf("\n%s\n%-40s %8s | %-16s | %-16s\n", title, "", "fixtures", ruleset_name[0],
	       ruleset_name[1]);
	for (size_t i = 0; i < b->n; i++) {
		const struct group_row *r = &b->rows[i];
		assert_true(r->detected[RS_BUILTIN] <= r->fixtures);
		assert_true(r->detected[RS_SIGMA] <= r->fixtures);
		printf("%-40.40s %8zu | %5zu  %6.1f%%   | %5zu  %6.1f%%\n", r->key, r->fixtures,
		       r->detected[RS_BUILTIN], pct(r->detected[RS_BUILTIN], r->fixtures),
		       r->detected[RS_SIGMA], pct(r->detected[RS_SIGMA], r->fixtures));
		free(r->key);
	}
	free(b->rows);
	*b = (struct breakdown){ 0 };
}

/* An ATT&CK technique and its tactics, from attack/techniques.tsv. */
struct technique {
	char *id, *name, *tactics;
};

struct attack_table {
	struct technique *t;
	size_t n;
};

/* Field i (0-based) of a tab-separated line, copied. */
static char *tsv_field(const char *line, int i)
{
	const char *p = line;
	for (; i > 0 && p; i--) {
		p = strchr(p, '\t');
		p = p ? p + 1 : NULL;
	}
	return xstrndup(p ? p : "", p ? strcspn(p, "\t\r\n") : 0);
}

/* Loads the technique table; an empty table when the file is absent. */
static struct attack_table attack_load(void)
{
	struct attack_table a = { 0 };
	char path[4096];
	if (vg_test_data_path(path, sizeof(path), "attack/techniques.tsv") != 0)
		return a;
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	char *line = NULL;
	size_t cap = 0;
	bool header = true;
	while (getline(&line, &cap, fp) > 0) {
		if (header) {
			header = false;
			continue;
		}
		a.t = realloc(a.t, (a.n + 1) * sizeof(*a.t));
		assert_non_null(a.t);
		a.t[a.n++] = (struct technique){ tsv_field(line, 0), tsv_field(line, 1),
			                         tsv_field(line, 5) };
	}
	free(line);
	fclose(fp);
	return a;
}

static const struct technique *attack_find(const struct attack_table *a, const char *id)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->t[i].id, id) == 0)
			return &a->t[i];
	return NULL;
}

static void attack_free(struct attack_table *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->t[i].id);
		free(a->t[i].name);
		free(a->t[i].tactics);
	}
	free(a->t);
	*a = (struct attack_table){ 0 };
}

/* Atomic fixtures by tactic (a technique counts under each of its tactics)
 * and by parent technique. */
static void print_atomic_breakdown(const struct corpus *c)
{
	struct attack_table a = attack_load();
	struct breakdown tactic = { 0 }, tech = { 0 };
	for (size_t i = 0; i < c->nfx; i++) {
		const struct fixture *f = &c->fx[i];
		if (f->src != SRC_ATOMIC)
			continue;
		char parent[32], key[160];
		snprintf(parent, sizeof(parent), "%.*s", (int)strcspn(f->name, "."), f->name);
		const struct technique *t = attack_find(&a, f->name);
		const struct technique *pt = attack_find(&a, parent);
		if (!t)
			t = pt;
		breakdown_add_list(&tactic, t ? t->tactics : "(unknown tactic)", f);
		snprintf(key, sizeof(key), "%s %s", parent, pt ? pt->name : "");
		breakdown_add(&tech, key, f);
	}
	if (!a.n)
		printf("\n(attack/techniques.tsv not found: tactics unknown)\n");
	breakdown_print(&tactic, "Atomic Linux sh/bash by ATT&CK tactic");
	breakdown_print(&tech, "Atomic Linux sh/bash by ATT&CK technique");
	attack_free(&a);
}

/* GTFOBins fixtures by function and by context (sudo, suid...). */
static void print_gtfobins_breakdown(const struct corpus *c)
{
	struct breakdown fn = { 0 }, ctx = { 0 };
	size_t total = 0, in_rows = 0;
	for (size_t i = 0; i < c->nfx; i++) {
		const struct fixture *f = &c->fx[i];
		if (f->src != SRC_GTFOBINS)
			continue;
		total++;
		breakdown_add(&fn, f->function, f);
		breakdown_add_list(&ctx, f->contexts, f);
	}
	for (size_t i = 0; i < fn.n; i++)
		in_rows += fn.rows[i].fixtures;
	assert_int_equal(in_rows, total); /* one function per fixture */
	breakdown_print(&fn, "GTFOBins by function");
	breakdown_print(&ctx, "GTFOBins by context (a fixture counts under each of its contexts)");
}

/* ---- tests ---- */

/* Every command of every source became events the analyzer processed, and
 * the built-in procmon decoder took every Linux event. */
static void test_every_fixture_is_an_event(void **state)
{
	struct corpus *c = corpus_get(state);
	size_t have[SRC_COUNT] = { 0 }, linux_events = 0;
	for (size_t i = 0; i < c->nfx; i++) {
		const struct fixture *f = &c->fx[i];
		have[f->src]++;
		if (f->nevents == 0)
			printf("no command line in %s fixture %s\n", source_file[f->src], f->name);
		assert_true(f->nevents >= 1);
		if (f->src != SRC_LOLBAS)
			linux_events += f->nevents;
		else
			assert_int_equal(f->nevents, 1);
	}
	for (int s = 0; s < SRC_COUNT; s++) {
		printf("%s: %zu fixtures of %zu\n", source_file[s], have[s], c->expected[s]);
		assert_true(c->expected[s] > 0);
		assert_int_equal(have[s], c->expected[s]);
	}
	assert_int_equal(c->decoded[SRC_GTFOBINS] + c->decoded[SRC_ATOMIC], linux_events);
}

/* Prints the table; Sigma rules only ever raise a fixture's level (a Sigma
 * rule replaces the tree's choice only when its level is higher). */
static void test_shares_reported(void **state)
{
	struct corpus *c = corpus_get(state);
	print_table(c);
	print_missed(c, SRC_LOLBAS, RS_BUILTIN, "LOLBAS");
	print_missed(c, SRC_LOLBAS, RS_SIGMA, "LOLBAS");
	print_missed(c, SRC_GTFOBINS, RS_BUILTIN, "GTFOBins");
	print_missed(c, SRC_GTFOBINS, RS_SIGMA, "GTFOBins");
	print_missed(c, SRC_ATOMIC, RS_BUILTIN, "Atomic Linux");
	print_missed(c, SRC_ATOMIC, RS_SIGMA, "Atomic Linux");
	for (int r = 0; r < ROW_COUNT; r++)
		assert_true(row_stats(c, (enum row)r).fixtures > 0);
	for (size_t i = 0; i < c->nfx; i++) {
		const struct fixture *f = &c->fx[i];
		if (f->level[RS_SIGMA] < f->level[RS_BUILTIN])
			printf("Sigma lowered %s %s: %d -> %d\n", source_file[f->src], f->name,
			       f->level[RS_BUILTIN], f->level[RS_SIGMA]);
		assert_true(f->level[RS_SIGMA] >= f->level[RS_BUILTIN]);
	}
}

/* Prints the per-function (GTFOBins) and per-tactic/technique (Atomic)
 * shares; each row's detections never exceed its fixtures. */
static void test_breakdowns_reported(void **state)
{
	struct corpus *c = corpus_get(state);
	print_gtfobins_breakdown(c);
	print_atomic_breakdown(c);
}

/* The goal: >= 80% of LOLBAS Execute/Download/AWL bypass with the built-in
 * ruleset. Enforced only with VIGIL_LOTL_STRICT=1. */
static void test_lolbas_goal(void **state)
{
	struct corpus *c = corpus_get(state);
	struct row_stats st = row_stats(c, ROW_GOAL);
	const char *strict = getenv("VIGIL_LOTL_STRICT");
	bool enforce = strict && strcmp(strict, "1") == 0;
	for (int k = 0; k < RS_COUNT; k++) {
		double share = pct(st.detected[k], st.fixtures);
		printf("\ngoal >= %d%% on LOLBAS Execute/Download/AWL bypass, %s: %.1f%% (%zu of "
		       "%zu): %s\n",
		       GOAL_PERCENT, ruleset_name[k], share, st.detected[k], st.fixtures,
		       share >= GOAL_PERCENT ? "met" : "NOT met");
	}
	if (enforce)
		assert_true(st.detected[RS_BUILTIN] * 100 >= (size_t)GOAL_PERCENT * st.fixtures);
	else
		printf("(set VIGIL_LOTL_STRICT=1 to fail the test when the built-in goal is not "
		       "met)\n");
}

int main(void)
{
	struct corpus c = { 0 };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_every_fixture_is_an_event, &c),
		cmocka_unit_test_prestate(test_shares_reported, &c),
		cmocka_unit_test_prestate(test_breakdowns_reported, &c),
		cmocka_unit_test_prestate(test_lolbas_goal, &c),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	corpus_free(&c);
	return vg_test_result(failed);
}
