/*
 * alert_internal.h - helpers shared by the alert module's files: reading
 * agent details out of a location, the alert timestamp, compliance group
 * prefixes and the syslog hostname Wazuh reports as predecoder.hostname.
 */
#ifndef VIGIL_ALERT_INTERNAL_H
#define VIGIL_ALERT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/alert.h"

/* The compliance key of a group ("pci_dss" for "pci_dss_10.2.4") and the
 * prefix length to drop, or NULL for an ordinary group. */
const char *vg_alert_compliance_kind(const char *group, size_t *prefix_len);
/* The agent IP: ev->agent_ip, else the "ip" of "(name) ip->file"; false
 * when none (or "any"). */
bool vg_alert_agent_ip(const struct vg_event *ev, char *out, size_t len);
/* The location as alerts show it: after the first '>' for agent locations
 * "(name) ip->file", else unchanged. NULL when an agent location has no '>'. */
const char *vg_alert_location(const char *location);
/* The word after a "Mmm dd hh:mm:ss " prefix of full_log; false when the
 * prefix is absent. */
bool vg_alert_syslog_host(const char *full_log, char *out, size_t len);
/* The alert time (in->time or the event's arrival). */
struct timespec vg_alert_time(const struct vg_alert_input *in);
/* "YYYY-MM-DDThh:mm:ss.mmm+zzzz" in local time. */
void vg_alert_timestamp(const struct vg_alert_input *in, char *out, size_t len);

#endif
