/*
 * alert.h - Wazuh-compatible alert documents (one alerts.json line, one
 * alerts.log block) and the writer that appends them to the alert files.
 *
 * The input bundles what Wazuh's analysisd knows when it writes an alert:
 * the decoded event, the final rule, how often it fired, the earlier events
 * of a frequency rule, and the agent/manager names. Keys, their order, the
 * timestamp format and the alerts.log layout follow Wazuh 4.x (see
 * docs/alerts.md for the details and the deliberate differences).
 */
#ifndef VIGIL_ALERT_H
#define VIGIL_ALERT_H

#include <stdbool.h>
#include <time.h>

#include "vigil/buf.h"
#include "vigil/event.h"
#include "vigil/rule.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vg_alert_input {
	const struct vg_event *ev;    /* required */
	const struct vg_rule *rule;   /* required */
	unsigned firedtimes;          /* written unless the rule has no_counter */
	const char *manager_name;     /* required: manager.name, agent.name of agent 000 */
	const char *cluster_name;     /* NULL = no "cluster" object (single host) */
	const char *id;               /* "<epoch>.<counter>"; NULL = made by the writer */
	struct timespec time;         /* alert time; {0,0} = ev->arrival */
	const char *const *prev_logs; /* earlier events of a frequency rule, most recent first */
	unsigned nprev;
};

/*
 * Appends one alerts.json document (no trailing newline) to out. The rule
 * description has its $(field) references replaced (missing fields become
 * empty). Returns VG_EINVAL for a missing ev/rule/manager_name, VG_ENOMEM or
 * VG_ELIMIT from the buffer; out may then hold a partial document.
 */
int vg_alert_json(struct vg_buf *out, const struct vg_alert_input *in);

/* Appends one alerts.log block (ending with its blank line) to out. */
int vg_alert_log(struct vg_buf *out, const struct vg_alert_input *in);

/* Appends the rule description with $(field) references substituted. */
int vg_alert_description(struct vg_buf *out, const char *description, const struct vg_event *ev);

/*
 * The alert file writer: appends whole alerts to <dir>/alerts.json and/or
 * <dir>/alerts.log (files opened O_APPEND, created 0640). Alerts are kept
 * in memory until vg_alert_writer_flush() or until 64 KiB are pending, then
 * written with write(2) calls holding only whole lines.
 */
struct vg_alert_writer;

/* Opens (creating) the files that json/log select. *out is NULL on failure. */
int vg_alert_writer_open(const char *dir, bool json, bool log, struct vg_alert_writer **out);
/* Formats and queues one alert. When in->id is NULL the id is
 * "<alert time seconds>.<alerts.log size>", as Wazuh's. */
int vg_alert_writer_write(struct vg_alert_writer *w, const struct vg_alert_input *in);
/* Writes every queued alert. VG_EIO on a write error (errno kept). */
int vg_alert_writer_flush(struct vg_alert_writer *w);
/* Asks for the files to be reopened before the next write (after log
 * rotation). Only sets a flag: safe to call from a signal handler. */
void vg_alert_writer_request_reopen(struct vg_alert_writer *w);
/* Flushes, closes and reopens the files now. */
int vg_alert_writer_reopen(struct vg_alert_writer *w);
/*
 * Where the alert files end, for exactly-once output: the manager records
 * a mark together with what it has processed, and after a crash cuts the
 * files back to the mark before processing the rest again.
 */
struct vg_alert_mark {
	unsigned long long json_ino, json_size, log_ino, log_size; /* ino 0: file not written */
};
/* Flushes (and with sync, fdatasyncs) the files and reports their ends. */
int vg_alert_writer_mark(struct vg_alert_writer *w, bool sync, struct vg_alert_mark *out);
/* Before a writer is opened on dir: truncates each alert file that is still
 * the one the mark names (same inode) and longer than the mark. *cut (may be
 * NULL) gets the number of bytes removed. VG_EIO when a file cannot be cut. */
int vg_alert_files_rewind(const char *dir, const struct vg_alert_mark *m, unsigned long long *cut);

/* Flushes and closes. NULL-safe. */
void vg_alert_writer_close(struct vg_alert_writer *w);

#ifdef __cplusplus
}
#endif
#endif
