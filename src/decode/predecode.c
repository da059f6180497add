/*
 * predecode.c - event input framing and location reading.
 *
 * A message reaches the analysis as "<queue>:<location>:<log>"; a ':' inside
 * the location (IPv6 addresses) is escaped as "|:". Locations starting with
 * '[' come from agents: "[001] (name) 10.0.0.1->/var/log/x" gives agent id
 * "001", agent name "name", agent address "10.0.0.1" and the location
 * "(name) 10.0.0.1->/var/log/x"; as in Wazuh the event's hostname is then
 * the agent name, whatever the log header says. Any other location is the
 * local host (agent "000"). The log header itself is read by
 * predecode_time.c.
 */
#include "vigil/predecode.h"

#include <string.h>

#include "decode/predecode_int.h"
#include "vigil/error.h"

/* Fills the agent fields from "[id] (name) ip->where"; loc starts with '['. */
static int agent_location(struct vg_event *ev, const char *loc)
{
	struct vg_arena *a = ev->arena;
	const char *close = strchr(loc, ']');
	ev->agent_id = vg_arena_strndup(a, loc + 1, (size_t)(close - loc - 1));
	/* Wazuh skips "] " blindly: "]x" leaves an empty location too. */
	ev->location = vg_arena_strdup(a, strlen(close) > 1 ? close + 2 : "");
	if (!ev->agent_id || !ev->location)
		return VG_ENOMEM;
	const char *where = ev->location;
	ev->hostname = "";
	ev->agent_name = "";
	if (where[0] != '(')
		return VG_OK;
	const char *end = strchr(where, ')');
	if (!end)
		return VG_OK;
	ev->agent_name = vg_arena_strndup(a, where + 1, (size_t)(end - where - 1));
	if (!ev->agent_name)
		return VG_ENOMEM;
	ev->hostname = ev->agent_name;
	const char *ip = end + 1;
	ip += *ip == ' ';
	const char *arrow = strstr(ip, "->");
	if (arrow && arrow > ip && !(arrow - ip == 3 && strncmp(ip, "any", 3) == 0)) {
		ev->agent_ip = vg_arena_strndup(a, ip, (size_t)(arrow - ip));
		if (!ev->agent_ip)
			return VG_ENOMEM;
	}
	return VG_OK;
}

int vg_predecode(struct vg_event *ev, const char *location, const char *log_text)
{
	const char *host = NULL, *prog = NULL;
	if (!location)
		location = "";
	if (!log_text)
		log_text = "";
	ev->full_log = vg_arena_strdup(ev->arena, log_text);
	if (!ev->full_log)
		return VG_ENOMEM;
	int rc = vg_predecode_header(ev, log_text, &host, &prog);
	if (rc)
		return rc;
	ev->program_name = prog;
	ev->agent_ip = NULL;
	if (location[0] == '[' && strchr(location, ']'))
		return agent_location(ev, location);
	/* A '[' without ']' is malformed; Wazuh drops it, Vigil keeps it local. */
	ev->agent_id = "000";
	ev->agent_name = NULL;
	ev->hostname = host;
	ev->location = vg_arena_strdup(ev->arena, location);
	return ev->location ? VG_OK : VG_ENOMEM;
}

/* Copies [s, end) into the arena, turning each "|:" into ':'. */
static char *unescape_location(struct vg_arena *a, const char *s, const char *end)
{
	char *out = vg_arena_alloc(a, (size_t)(end - s) + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	for (const char *p = s; p < end; p++) {
		if (p[0] == '|' && p + 1 < end && p[1] == ':')
			p++;
		out[n++] = *p;
	}
	out[n] = '\0';
	return out;
}

int vg_predecode_message(struct vg_event *ev, const char *message)
{
	if (!message)
		return VG_EPARSE;
	const char *colon = strchr(message, ':');
	if (!colon || colon == message)
		return VG_EPARSE;
	const char *loc = colon + 1;
	const char *end = loc;
	while (*end && !(end[0] == ':' && (end == loc || end[-1] != '|')))
		end++;
	if (!*end)
		return VG_EPARSE;
	char *location = unescape_location(ev->arena, loc, end);
	if (!location)
		return VG_ENOMEM;
	return vg_predecode(ev, location, end + 1);
}
