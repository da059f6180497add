/*
 * predecode.h - the syslog pre-decoder and event input framing.
 *
 * Input to the analysis is "<queue>:<location>:<log>" (logtest uses
 * "1:stdin:<event>"). The pre-decoder reads the location (agent events look
 * like "[001] (name) 10.0.0.1->/var/log/x"), then the log's header: the
 * timestamp formats Wazuh recognises, the hostname and the program name,
 * leaving the rest in ev->log.
 */
#ifndef VIGIL_PREDECODE_H
#define VIGIL_PREDECODE_H

#include "vigil/event.h"

/*
 * Fills ev from a location and a log text (no queue prefix). Both strings are
 * copied into the event's arena. Sets full_log, location, agent_id/name/ip,
 * timestamp, hostname, program_name and log. Never fails on any input except
 * VG_ENOMEM.
 */
int vg_predecode(struct vg_event *ev, const char *location, const char *log_text);

/*
 * Splits a full "<queue>:<location>:<log>" message and pre-decodes it.
 * Returns VG_EPARSE when the message has no queue or location part.
 */
int vg_predecode_message(struct vg_event *ev, const char *message);

#endif
