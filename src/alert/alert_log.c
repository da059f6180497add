/*
 * alert_log.c - the alerts.log text block of an alert, laid out as Wazuh's
 * analysisd writes it: "** Alert" header with the groups, date and
 * location, the Rule line, Src/Dst IP and port and User lines, the full
 * log, the dynamic fields and the earlier events, then a blank line.
 */
#include "vigil/alert.h"

#include <string.h>
#include <time.h>

#include "alert/alert_internal.h"
#include "vigil/error.h"

static int add_line(struct vg_buf *out, const char *label, const char *value)
{
	return value ? vg_buf_printf(out, "\n%s: %s", label, value) : VG_OK;
}

static int log_header(struct vg_buf *out, const struct vg_alert_input *in)
{
	const struct vg_event *ev = in->ev;
	const struct vg_rule *r = in->rule;
	struct timespec t = vg_alert_time(in);
	const char *id = in->id ? in->id : "0.0";
	int rc = vg_buf_printf(out, "** Alert %s:%s - ", id,
	                       (r->options & VG_RULE_OPT_ALERT_BY_EMAIL) ? " mail " : "");
	for (unsigned i = 0; rc == VG_OK && i < r->groups.n; i++)
		rc = vg_buf_printf(out, "%s,", r->groups.v[i]);
	struct tm tm;
	char date[32];
	localtime_r(&t.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y %b %d %H:%M:%S", &tm);
	const char *loc = ev->location ? ev->location : "";
	const char *host = ev->hostname ? ev->hostname : in->manager_name;
	if (rc == VG_OK)
		rc = vg_buf_printf(out, "\n%s %s%s%s\n", date, loc[0] != '(' ? host : "",
		                   loc[0] != '(' ? "->" : "", loc);
	return rc;
}

int vg_alert_log(struct vg_buf *out, const struct vg_alert_input *in)
{
	if (!out || !in || !in->ev || !in->rule || !in->manager_name)
		return VG_EINVAL;
	const struct vg_event *ev = in->ev;
	const struct vg_rule *r = in->rule;
	int rc = log_header(out, in);
	if (rc == VG_OK)
		rc = vg_buf_printf(out, "Rule: %u (level %d) -> '", r->id, r->level);
	if (rc == VG_OK)
		rc = vg_alert_description(out, r->description, ev);
	if (rc == VG_OK)
		rc = vg_buf_addc(out, '\'');
	if (rc == VG_OK)
		rc = add_line(out, "Src IP", ev->fixed[VG_F_SRCIP]);
	if (rc == VG_OK)
		rc = add_line(out, "Src Port", ev->fixed[VG_F_SRCPORT]);
	if (rc == VG_OK)
		rc = add_line(out, "Dst IP", ev->fixed[VG_F_DSTIP]);
	if (rc == VG_OK)
		rc = add_line(out, "Dst Port", ev->fixed[VG_F_DSTPORT]);
	if (rc == VG_OK)
		rc = add_line(out, "User", ev->fixed[VG_F_DSTUSER]);
	if (rc == VG_OK)
		rc = vg_buf_printf(out, "\n%s\n", ev->full_log ? ev->full_log : "");
	for (unsigned i = 0; rc == VG_OK && i < ev->ndyn; i++)
		if (ev->dyn[i].value && ev->dyn[i].value[0])
			rc = vg_buf_printf(out, "%s: %s\n", ev->dyn[i].name, ev->dyn[i].value);
	for (unsigned i = 0; rc == VG_OK && in->prev_logs && i < in->nprev; i++)
		rc = vg_buf_printf(out, "%s\n", in->prev_logs[i] ? in->prev_logs[i] : "");
	if (rc == VG_OK)
		rc = vg_buf_addc(out, '\n');
	return rc;
}
