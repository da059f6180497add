/*
 * compiled_rules.c - the built-in checks a rule names with <compiled_rule>.
 *
 * Wazuh ships a handful of C predicates that rules can call by name; the
 * stock ruleset uses is_simple_http_request (a URL without a query string)
 * and is_valid_crawler (a web log line from a known search-engine address
 * block). Each check here reproduces the documented behaviour of the Wazuh
 * function of the same name, written against struct vg_event. The rule
 * loader resolves the name once; rule_match.c calls the predicate after the
 * address and port checks, where Wazuh evaluates it.
 */
#include "rule_internal.h"

#include <stdbool.h>
#include <string.h>

/* Passes when srcuser and dstuser are equal, or when either is missing. */
static bool same_src_dst_user(const struct vg_event *ev)
{
	const char *src = ev->fixed[VG_F_SRCUSER], *dst = ev->fixed[VG_F_DSTUSER];
	return !src || !dst || strcmp(src, dst) == 0;
}

/* Passes when the id field is present and at least 10 characters long. */
static bool long_id(const struct vg_event *ev)
{
	const char *id = ev->fixed[VG_F_ID];
	return id && strlen(id) >= 10;
}

/* Points after the ':' that follows label in log, NULL when absent. */
static const char *value_after(const char *log, const char *label)
{
	const char *p = strstr(log, label);
	if (!p)
		return NULL;
	p = strchr(p, ':');
	return p ? p + 1 : NULL;
}

/*
 * Old Windows security logs: passes when the "Target Account Name" and
 * "Caller User Name" values differ. A value ends at a tab or at two spaces;
 * the comparison stops there, as in Wazuh.
 */
static bool mswin_target_caller_differ(const struct vg_event *ev)
{
	const char *log = ev->log ? ev->log : "";
	const char *target = value_after(log, "Target Account Name");
	const char *caller = value_after(log, "Caller User Name");
	if (!target || !caller)
		return false;
	for (; *target; target++, caller++) {
		if (*target != *caller)
			return true;
		if (*target == '\t' || (*target == ' ' && target[1] == ' '))
			break;
	}
	return false;
}

/* Passes for a request without a query string ("/" or no '?' in the URL). */
static bool simple_http_request(const struct vg_event *ev)
{
	const char *url = ev->fixed[VG_F_URL];
	return url && strchr(url, '?') == NULL;
}

/* Passes when the log starts with a Google, Bing/MSN or Yahoo crawler prefix. */
static bool known_crawler(const struct vg_event *ev)
{
	static const char *const prefixes[] = {
		"66.249.", /* Google */
		"72.14.",  /* Feedfetcher-Google */
		"209.85.", /* Feedfetcher-Google */
		"65.55.",  /* MSN / Bing */
		"207.46.", /* MSN / Bing */
		"74.6.",   /* Yahoo */
		"72.30.",  /* Yahoo */
		"67.195.", /* Yahoo */
	};
	const char *log = ev->log ? ev->log : "";
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(log, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

rule_compiled_fn rule_compiled_lookup(const char *name)
{
	static const struct {
		const char *name;
		rule_compiled_fn fn;
	} table[] = {
		{ "comp_srcuser_dstuser", same_src_dst_user },
		{ "check_id_size", long_id },
		{ "comp_mswin_targetuser_calleruser_diff", mswin_target_caller_differ },
		{ "is_simple_http_request", simple_http_request },
		{ "is_valid_crawler", known_crawler },
	};
	for (size_t i = 0; name && i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(name, table[i].name) == 0)
			return table[i].fn;
	return NULL;
}
