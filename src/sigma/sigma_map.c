/*
 * sigma_map.c - logsources and field-mapping profiles.
 *
 * A rule's logsource (product, category, service) resolves at load time to
 * the events it accepts: (channel, event id) pairs for Windows and Sysmon
 * (process_creation = Sysmon 1 or Security 4688; the other Sysmon
 * categories by their event ids; services by channel), Vigil's own process
 * events by category, Linux audit records, or syslog events of one program.
 * A logsource with no such mapping is refused (VG_EUNSUP).
 *
 * Per event, vg_sigma_view_init() recognises the layout (evtx_dump JSON,
 * Wazuh's event-channel JSON, Vigil process events, Wazuh-decoded audit
 * records) and vg_sigma_field() maps a Sigma field name onto it. Security
 * 4688 events name Image NewProcessName and ParentImage ParentProcessName.
 */
#include "sigma/sigma_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#define SYSMON_WIN   "Microsoft-Windows-Sysmon/Operational"
#define SYSMON_LINUX "Linux-Sysmon/Operational"

struct sysmon_cat {
	const char *category;
	int eids[4]; /* 0-terminated */
	const char *event_types[3];
};

static const struct sysmon_cat sysmon_cats[] = {
	{ "process_creation", { 1 }, { NULL } },
	{ "file_change", { 2 }, { NULL } },
	{ "network_connection", { 3 }, { NULL } },
	{ "sysmon_status", { 4, 16 }, { NULL } },
	{ "process_termination", { 5 }, { NULL } },
	{ "driver_load", { 6 }, { NULL } },
	{ "image_load", { 7 }, { NULL } },
	{ "create_remote_thread", { 8 }, { NULL } },
	{ "raw_access_thread", { 9 }, { NULL } },
	{ "process_access", { 10 }, { NULL } },
	{ "file_event", { 11 }, { NULL } },
	{ "registry_event", { 12, 13, 14 }, { NULL } },
	{ "registry_add", { 12 }, { "CreateKey" } },
	{ "registry_delete", { 12 }, { "DeleteKey", "DeleteValue" } },
	{ "registry_set", { 13 }, { NULL } },
	{ "registry_rename", { 14 }, { NULL } },
	{ "create_stream_hash", { 15 }, { NULL } },
	{ "pipe_created", { 17, 18 }, { NULL } },
	{ "wmi_event", { 19, 20, 21 }, { NULL } },
	{ "dns_query", { 22 }, { NULL } },
	{ "file_delete", { 23, 26 }, { NULL } },
	{ "clipboard_change", { 24 }, { NULL } },
	{ "process_tampering", { 25 }, { NULL } },
	{ "file_delete_detected", { 26 }, { NULL } },
	{ "file_block_executable", { 27 }, { NULL } },
	{ "file_block_shredding", { 28 }, { NULL } },
	{ "file_executable_detected", { 29 }, { NULL } },
	{ "sysmon_error", { 255 }, { NULL } },
};

/* Windows categories outside Sysmon. */
static const struct sg_ls_pair ls_security_4688[] = { { "Security", 4688, NULL } };
static const struct sg_ls_pair ls_ps_module[] = { { "Microsoft-Windows-PowerShell/Operational",
	                                            4103, NULL },
	                                          { "PowerShellCore/Operational", 4103, NULL } };
static const struct sg_ls_pair ls_ps_script[] = { { "Microsoft-Windows-PowerShell/Operational",
	                                            4104, NULL },
	                                          { "PowerShellCore/Operational", 4104, NULL } };
static const struct sg_ls_pair ls_ps_classic_start[] = { { "Windows PowerShell", 400, NULL } };
static const struct sg_ls_pair ls_ps_classic_provider[] = { { "Windows PowerShell", 600, NULL } };
static const struct sg_ls_pair ls_ps_classic_script[] = { { "Windows PowerShell", 800, NULL } };

struct named_pairs {
	const char *name;
	const struct sg_ls_pair *pairs;
	size_t n;
};

#define NP(name, arr)                                                                              \
	{                                                                                          \
		name, arr, sizeof(arr) / sizeof(arr[0])                                            \
	}
static const struct named_pairs windows_cats[] = {
	NP("ps_module", ls_ps_module),
	NP("ps_script", ls_ps_script),
	NP("ps_classic_start", ls_ps_classic_start),
	NP("ps_classic_provider_start", ls_ps_classic_provider),
	NP("ps_classic_script", ls_ps_classic_script),
};

/* Windows services and their channels. */
static const struct {
	const char *service;
	const char *channel;
} windows_services[] = {
	{ "security", "Security" },
	{ "system", "System" },
	{ "application", "Application" },
	{ "sysmon", SYSMON_WIN },
	{ "powershell", "Microsoft-Windows-PowerShell/Operational" },
	{ "powershell-classic", "Windows PowerShell" },
	{ "taskscheduler", "Microsoft-Windows-TaskScheduler/Operational" },
	{ "wmi", "Microsoft-Windows-WMI-Activity/Operational" },
	{ "windefend", "Microsoft-Windows-Windows Defender/Operational" },
	{ "ntlm", "Microsoft-Windows-NTLM/Operational" },
	{ "bits-client", "Microsoft-Windows-Bits-Client/Operational" },
	{ "codeintegrity-operational", "Microsoft-Windows-CodeIntegrity/Operational" },
	{ "firewall-as", "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall" },
	{ "msexchange-management", "MSExchange Management" },
	{ "printservice-admin", "Microsoft-Windows-PrintService/Admin" },
	{ "printservice-operational", "Microsoft-Windows-PrintService/Operational" },
	{ "smbclient-security", "Microsoft-Windows-SmbClient/Security" },
	{ "smbclient-connectivity", "Microsoft-Windows-SmbClient/Connectivity" },
	{ "smbserver-connectivity", "Microsoft-Windows-SMBServer/Connectivity" },
	{ "terminalservices-localsessionmanager",
	  "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational" },
	{ "openssh", "OpenSSH/Operational" },
	{ "dns-client", "Microsoft-Windows-DNS-Client/Operational" },
	{ "shell-core", "Microsoft-Windows-Shell-Core/Operational" },
	{ "appxdeployment-server", "Microsoft-Windows-AppXDeploymentServer/Operational" },
	{ "appxpackaging-om", "Microsoft-Windows-AppxPackaging/Operational" },
	{ "bitlocker", "Microsoft-Windows-BitLocker/BitLocker Management" },
	{ "dhcp", "Microsoft-Windows-DHCP-Server/Operational" },
	{ "diagnosis-scripted", "Microsoft-Windows-Diagnosis-Scripted/Operational" },
	{ "vhdmp", "Microsoft-Windows-VHDMP/Operational" },
	{ "lsa-server", "Microsoft-Windows-LSA/Operational" },
	{ "capi2", "Microsoft-Windows-CAPI2/Operational" },
	{ "kernel-shimengine", "Microsoft-Windows-Kernel-ShimEngine/Operational" },
	{ "sense", "Microsoft-Windows-SENSE/Operational" },
	{ "ntfs", "Microsoft-Windows-Ntfs/Operational" },
	{ "ldap", "Microsoft-Windows-LDAP-Client/Debug" },
};

/* Linux services logged through syslog, and their program names. */
static const struct {
	const char *service;
	const char *program;
} linux_services[] = {
	{ "sshd", "sshd" },     { "cron", "cron" },    { "sudo", "sudo" },
	{ "vsftpd", "vsftpd" }, { "clamav", "clamd" }, { "guacamole", "guacd" },
	{ "auth", NULL },       { "syslog", NULL },    { "su", "su" },
};

static int sysmon_pairs(struct sg_ctx *c, const struct sysmon_cat *sc, const char *channel,
                        bool with_4688, struct sg_logsrc *ls)
{
	size_t n = 0;
	struct sg_ls_pair *p = vg_arena_calloc(c->r->arena, 8, sizeof(*p));
	if (!p)
		return VG_ENOMEM;
	for (size_t i = 0; i < 4 && sc->eids[i]; i++) {
		for (size_t k = 0; k < 3 && (k == 0 || sc->event_types[k]); k++)
			if (n < 7)
				p[n++] =
				    (struct sg_ls_pair){ channel, sc->eids[i], sc->event_types[k] };
	}
	if (with_4688)
		p[n++] = ls_security_4688[0];
	ls->pairs = p;
	ls->npairs = n;
	return VG_OK;
}

static const struct sysmon_cat *sysmon_lookup(const char *category)
{
	for (size_t i = 0; i < sizeof(sysmon_cats) / sizeof(sysmon_cats[0]); i++)
		if (strcmp(sysmon_cats[i].category, category) == 0)
			return &sysmon_cats[i];
	return NULL;
}

static int resolve_windows(struct sg_ctx *c, struct sg_logsrc *ls)
{
	if (*ls->category) {
		const struct sysmon_cat *sc = sysmon_lookup(ls->category);
		if (sc)
			ls->category = sc->category;
		if (sc)
			return sysmon_pairs(c, sc, SYSMON_WIN,
			                    strcmp(ls->category, "process_creation") == 0, ls);
		for (size_t i = 0; i < sizeof(windows_cats) / sizeof(windows_cats[0]); i++)
			if (strcmp(windows_cats[i].name, ls->category) == 0) {
				ls->category = windows_cats[i].name;
				ls->pairs = windows_cats[i].pairs;
				ls->npairs = windows_cats[i].n;
				return VG_OK;
			}
		sg_fail(c, VG_EUNSUP, "logsource category '%s' (windows) has no event mapping",
		        ls->category);
		return c->rc;
	}
	for (size_t i = 0;
	     *ls->service && i < sizeof(windows_services) / sizeof(windows_services[0]); i++)
		if (strcmp(windows_services[i].service, ls->service) == 0) {
			ls->service = windows_services[i].service;
			struct sg_ls_pair *p = vg_arena_calloc(c->r->arena, 1, sizeof(*p));
			if (!p)
				return VG_ENOMEM;
			*p = (struct sg_ls_pair){ windows_services[i].channel, -1, NULL };
			ls->pairs = p;
			ls->npairs = 1;
			return VG_OK;
		}
	sg_fail(c, VG_EUNSUP, "logsource service '%s' (windows) has no event mapping",
	        *ls->service ? ls->service : "(none)");
	return c->rc;
}

static int resolve_linux(struct sg_ctx *c, struct sg_logsrc *ls)
{
	if (*ls->category) {
		const struct sysmon_cat *sc = sysmon_lookup(ls->category);
		if (!sc) {
			sg_fail(c, VG_EUNSUP,
			        "logsource category '%s' (linux) has no event mapping",
			        ls->category);
			return c->rc;
		}
		ls->category = ls->vigil_category = sc->category;
		return sysmon_pairs(c, sc, SYSMON_LINUX, false, ls);
	}
	if (strcmp(ls->service, "auditd") == 0) {
		ls->service = "auditd";
		ls->audit = true;
		return VG_OK;
	}
	ls->syslog = true;
	if (!*ls->service)
		return VG_OK;
	for (size_t i = 0; i < sizeof(linux_services) / sizeof(linux_services[0]); i++)
		if (strcmp(linux_services[i].service, ls->service) == 0) {
			ls->service = linux_services[i].service;
			ls->program = linux_services[i].program;
			return VG_OK;
		}
	sg_fail(c, VG_EUNSUP, "logsource service '%s' (linux) has no event mapping", ls->service);
	return c->rc;
}

int sg_logsrc_resolve(struct sg_ctx *c, struct sg_logsrc *ls)
{
	ls->key = sg_name_hash(ls->product) * 31u + sg_name_hash(ls->category) * 7u +
	          sg_name_hash(ls->service);
	if (!*ls->category)
		ls->category = "";
	if (!*ls->service)
		ls->service = "";
	if (strcmp(ls->product, "windows") == 0) {
		ls->product = "windows";
		return resolve_windows(c, ls);
	}
	if (strcmp(ls->product, "linux") == 0) {
		ls->product = "linux";
		return resolve_linux(c, ls);
	}
	sg_fail(c, VG_EUNSUP, "logsource product '%s' has no event mapping",
	        *ls->product ? ls->product : "(none)");
	return c->rc;
}

static bool logsrc_test(const struct sg_logsrc *ls, const struct vg_sigma_view *v)
{
	if (v->profile == VG_SIGMA_PROFILE_EVTX || v->profile == VG_SIGMA_PROFILE_WAZUH) {
		if (!v->channel)
			return false;
		for (size_t i = 0; i < ls->npairs; i++) {
			const struct sg_ls_pair *p = &ls->pairs[i];
			if ((p->eid < 0 || p->eid == v->event_id) &&
			    strcasecmp(p->channel, v->channel) == 0 &&
			    (!p->event_type ||
			     (v->event_type && strcasecmp(p->event_type, v->event_type) == 0)))
				return true;
		}
		return false;
	}
	if (v->profile == VG_SIGMA_PROFILE_VIGIL)
		return ls->vigil_category && v->category &&
		       strcmp(ls->vigil_category, v->category) == 0;
	if (v->profile == VG_SIGMA_PROFILE_AUDIT)
		return ls->audit;
	if (!ls->syslog)
		return false;
	return !ls->program ||
	       (v->ev->program_name && strcasecmp(ls->program, v->ev->program_name) == 0);
}

/* Resolved logsources use the tables' strings (canonical): equal pointers
 * mean the same logsource. */
bool sg_logsrc_same(const struct sg_logsrc *a, const struct sg_logsrc *b)
{
	return a == b || (a->key == b->key && a->product == b->product &&
	                  a->category == b->category && a->service == b->service);
}

/* Rules of one logsource give one answer per event: memoised by key. */
bool sg_logsrc_match(const struct sg_logsrc *ls, struct vg_sigma_view *v)
{
	struct vg_sigma_lsmemo *m = &v->lsmemo[ls->key % 16];
	if (m->ls && sg_logsrc_same(m->ls, ls))
		return m->ok;
	m->ls = ls;
	m->ok = logsrc_test(ls, v);
	return m->ok;
}

/* ---- views and fields ---- */

/* Looks up the field named p1 p2 p3 (concatenated). */
static const char *getf(const struct vg_event *ev, char *buf, size_t len, const char *p1,
                        const char *p2, const char *p3)
{
	size_t l1 = strlen(p1), l2 = strlen(p2), l3 = strlen(p3);
	if (l1 + l2 + l3 >= len)
		return NULL;
	memcpy(buf, p1, l1);
	memcpy(buf + l1, p2, l2);
	memcpy(buf + l1 + l2, p3, l3 + 1);
	return vg_event_get(ev, buf);
}

void vg_sigma_view_init(struct vg_sigma_view *v, const struct vg_event *ev)
{
	/* Everything but the bigram sets, which are only read once named. */
	memset(v, 0, offsetof(struct vg_sigma_view, bgmemo));
	for (unsigned i = 0; i < VG_SIGMA_BGMEMO; i++)
		v->bgmemo[i].name = NULL;
	v->ev = ev;
	v->event_id = -1;
	const char *eid = NULL;
	if ((eid = vg_event_get(ev, "Event.System.EventID")) != NULL ||
	    (eid = vg_event_get(ev, "Event.System.EventID.#text")) != NULL) {
		v->profile = VG_SIGMA_PROFILE_EVTX;
		v->channel = vg_event_get(ev, "Event.System.Channel");
		v->event_type = vg_event_get(ev, "Event.EventData.EventType");
	} else if ((eid = vg_event_get(ev, "win.system.eventID")) != NULL) {
		v->profile = VG_SIGMA_PROFILE_WAZUH;
		v->channel = vg_event_get(ev, "win.system.channel");
		v->event_type = vg_event_get(ev, "win.eventdata.eventType");
	} else if (vg_event_get(ev, "vigil.module")) {
		v->profile = VG_SIGMA_PROFILE_VIGIL;
		v->category = vg_event_get(ev, "vigil.event");
		v->product = "linux";
		return;
	} else if (vg_event_get(ev, "audit.type")) {
		v->profile = VG_SIGMA_PROFILE_AUDIT;
		v->product = "linux";
		return;
	} else {
		return;
	}
	char *end;
	long id = strtol(eid, &end, 10);
	if (end != eid && *end == '\0')
		v->event_id = id;
	v->product = v->channel && strncasecmp(v->channel, "Linux-", 6) == 0 ? "linux" : "windows";
}

/* Security 4688 names some process fields differently. */
static const char *security_4688_name(const struct vg_sigma_view *v, const char *name)
{
	if (v->event_id != 4688 || !v->channel || strcasecmp(v->channel, "Security") != 0)
		return name;
	if (strcmp(name, "Image") == 0)
		return "NewProcessName";
	if (strcmp(name, "ParentImage") == 0)
		return "ParentProcessName";
	return name;
}

/* evtx_dump layout: EventData, then System (Provider_Name is the Name
 * attribute of System/Provider), then UserData. */
static const char *field_evtx(const struct vg_sigma_view *v, const char *name)
{
	char buf[256];
	const struct vg_event *ev = v->ev;
	const char *f = security_4688_name(v, name), *val;
	if ((val = getf(ev, buf, sizeof(buf), "Event.EventData.", f, "")) ||
	    (val = getf(ev, buf, sizeof(buf), "Event.System.", f, "")) ||
	    (val = getf(ev, buf, sizeof(buf), "Event.System.", f, ".#text")))
		return val;
	const char *us = strchr(f, '_');
	if (us && (size_t)(us - f) < 64) {
		char tag[64];
		memcpy(tag, f, (size_t)(us - f));
		tag[us - f] = '\0';
		char pre[96];
		snprintf(pre, sizeof(pre), "Event.System.%s.#attributes.", tag);
		if ((val = getf(ev, buf, sizeof(buf), pre, us + 1, "")))
			return val;
	}
	size_t flen = strlen(f);
	for (unsigned i = 0; i < ev->ndyn; i++) {
		const char *n = ev->dyn[i].name;
		size_t nlen = strlen(n);
		if (nlen > flen + 16 && strncmp(n, "Event.UserData.", 15) == 0 &&
		    n[nlen - flen - 1] == '.' && strcasecmp(n + nlen - flen, f) == 0)
			return ev->dyn[i].value;
	}
	return NULL;
}

/* Wazuh's event channel: win.eventdata.<name> and win.system.<name> (the
 * case of the first letter does not matter: lookups ignore case). */
static const char *field_wazuh(const struct vg_sigma_view *v, const char *name)
{
	char buf[256], flat[128];
	const char *f = security_4688_name(v, name), *val;
	if ((val = getf(v->ev, buf, sizeof(buf), "win.eventdata.", f, "")) ||
	    (val = getf(v->ev, buf, sizeof(buf), "win.system.", f, "")))
		return val;
	size_t n = 0; /* Provider_Name -> providerName */
	for (const char *s = f; *s && n + 1 < sizeof(flat); s++)
		if (*s != '_')
			flat[n++] = *s;
	flat[n] = '\0';
	return getf(v->ev, buf, sizeof(buf), "win.system.", flat, "");
}

static const struct {
	const char *sigma, *vigil;
} vigil_fields[] = {
	{ "Image", "process.image" },
	{ "CommandLine", "process.command_line" },
	{ "ParentImage", "process.parent.image" },
	{ "ParentCommandLine", "process.parent.command_line" },
	{ "CurrentDirectory", "process.current_directory" },
	{ "User", "process.user" },
	{ "ProcessId", "process.pid" },
	{ "ParentProcessId", "process.ppid" },
	{ "LogonId", "process.session" },
	{ "TerminalSessionId", "process.session" },
};

static const char *field_vigil(const struct vg_sigma_view *v, const char *name)
{
	for (size_t i = 0; i < sizeof(vigil_fields) / sizeof(vigil_fields[0]); i++)
		if (strcasecmp(vigil_fields[i].sigma, name) == 0)
			return vg_event_get(v->ev, vigil_fields[i].vigil);
	return vg_event_get(v->ev, name);
}

static const struct {
	const char *sigma, *wazuh;
} audit_fields[] = {
	{ "comm", "audit.command" },   { "SYSCALL", "audit.syscall" },
	{ "name", "audit.file.name" }, { "nametype", "audit.file.nametype" },
	{ "key", "audit.key" },
};

static const char *field_audit(const struct vg_sigma_view *v, const char *name)
{
	char buf[128];
	for (size_t i = 0; i < sizeof(audit_fields) / sizeof(audit_fields[0]); i++)
		if (strcmp(audit_fields[i].sigma, name) == 0)
			return vg_event_get(v->ev, audit_fields[i].wazuh);
	const char *val;
	if (name[0] == 'a' && name[1] >= '0' && name[1] <= '9' &&
	    (val = getf(v->ev, buf, sizeof(buf), "audit.execve.", name, "")))
		return val;
	if ((val = getf(v->ev, buf, sizeof(buf), "audit.", name, "")))
		return val;
	return vg_event_get(v->ev, name);
}

uint32_t sg_name_hash(const char *name)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ (uint32_t)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p)) * 16777619u;
	return h;
}

const char *sg_field(struct vg_sigma_view *v, const char *name, uint32_t hash)
{
	struct vg_sigma_cached *c = &v->cache[hash % VG_SIGMA_CACHE];
	if (c->name && c->hash == hash && strcasecmp(c->name, name) == 0)
		return c->value;
	c->hash = hash;
	c->name = name;
	c->value = sg_field_lookup(v, name);
	return c->value;
}

const char *vg_sigma_field(struct vg_sigma_view *v, const char *name)
{
	return sg_field(v, name, sg_name_hash(name));
}

const char *sg_field_lookup(const struct vg_sigma_view *v, const char *name)
{
	switch (v->profile) {
	case VG_SIGMA_PROFILE_EVTX: return field_evtx(v, name);
	case VG_SIGMA_PROFILE_WAZUH: return field_wazuh(v, name);
	case VG_SIGMA_PROFILE_VIGIL: return field_vigil(v, name);
	case VG_SIGMA_PROFILE_AUDIT: return field_audit(v, name);
	default: return vg_event_field(v->ev, name);
	}
}
