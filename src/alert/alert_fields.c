/*
 * alert_fields.c - the pieces of an alert that both formats share: the
 * rule description with $(field) substituted, the alert time and its
 * timestamp text, agent details read from the location, compliance group
 * prefixes and the syslog hostname of predecoder.hostname.
 */
#include "vigil/alert.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "alert/alert_internal.h"
#include "vigil/error.h"

int vg_alert_description(struct vg_buf *out, const char *description, const struct vg_event *ev)
{
	const char *p = description ? description : "";
	int rc = VG_OK;
	while (rc == VG_OK && *p) {
		const char *start = strstr(p, "$(");
		const char *end = start ? strchr(start + 2, ')') : NULL;
		if (!start || !end) {
			rc = vg_buf_addstr(out, p);
			break;
		}
		rc = vg_buf_add(out, p, (size_t)(start - p));
		char name[256];
		size_t n = (size_t)(end - start - 2);
		if (rc == VG_OK && n < sizeof(name)) {
			memcpy(name, start + 2, n);
			name[n] = '\0';
			const char *v = ev ? vg_event_field(ev, name) : NULL;
			if (v)
				rc = vg_buf_addstr(out, v);
		}
		p = end + 1;
	}
	return rc;
}

static const struct {
	const char *prefix, *kind;
} compliance[] = {
	/* Wazuh's test order; no prefix is a prefix of another. */
	{ "pci_dss_", "pci_dss" }, { "cis_", "cis" },     { "gdpr_", "gdpr" },
	{ "gpg13_", "gpg13" },     { "hipaa_", "hipaa" }, { "nist_800_53_", "nist_800_53" },
	{ "tsc_", "tsc" },
};

const char *vg_alert_compliance_kind(const char *group, size_t *prefix_len)
{
	for (size_t i = 0; i < sizeof(compliance) / sizeof(compliance[0]); i++) {
		size_t n = strlen(compliance[i].prefix);
		if (strncmp(group, compliance[i].prefix, n) == 0) {
			*prefix_len = n;
			return compliance[i].kind;
		}
	}
	return NULL;
}

bool vg_alert_agent_ip(const struct vg_event *ev, char *out, size_t len)
{
	const char *ip = ev->agent_ip;
	size_t n = ip ? strlen(ip) : 0;
	if (!ip && ev->location && ev->location[0] == '(') {
		const char *close = strchr(ev->location, ')');
		if (close && close[1] == ' ') {
			ip = close + 2;
			const char *dash = strchr(ip, '-');
			n = dash ? (size_t)(dash - ip) : strlen(ip);
		}
	}
	if (!ip || n == 0 || n >= len || (n == 3 && strncmp(ip, "any", 3) == 0))
		return false;
	memcpy(out, ip, n);
	out[n] = '\0';
	return true;
}

const char *vg_alert_location(const char *location)
{
	if (location[0] != '(')
		return location;
	const char *gt = strchr(location, '>');
	return gt ? gt + 1 : NULL;
}

/* Matches "[A-Z][a-z][a-z] [ 0123][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] " */
static bool syslog_stamp(const char *s)
{
	static const char shape[] = "Aaa Dd dd:dd:dd ";
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok;
		switch (shape[i]) {
		case 'A': ok = isupper(c); break;
		case 'a': ok = islower(c); break;
		case 'D': ok = c == ' ' || (c >= '0' && c <= '3'); break;
		case 'd': ok = isdigit(c); break;
		default: ok = c == (unsigned char)shape[i]; break;
		}
		if (!ok)
			return false;
	}
	return true;
}

bool vg_alert_syslog_host(const char *full_log, char *out, size_t len)
{
	if (strlen(full_log) < 16 || !syslog_stamp(full_log))
		return false;
	const char *h = full_log + 16;
	size_t n = strcspn(h, " ");
	if (n == 0 || n >= len)
		return false;
	memcpy(out, h, n);
	out[n] = '\0';
	return true;
}

struct timespec vg_alert_time(const struct vg_alert_input *in)
{
	if (in->time.tv_sec || in->time.tv_nsec)
		return in->time;
	return in->ev->arrival;
}

void vg_alert_timestamp(const struct vg_alert_input *in, char *out, size_t len)
{
	struct timespec t = vg_alert_time(in);
	struct tm tm;
	char date[32], zone[16];
	localtime_r(&t.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(out, len, "%s.%03ld%s", date, (long)(t.tv_nsec / 1000000), zone);
}
