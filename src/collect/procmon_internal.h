/*
 * procmon_internal.h - the pieces behind the process and port monitors
 * (private to the collect module): the audit record assembler that turns
 * the SYSCALL, EXECVE, CWD, PATH and PROCTITLE records of one audit event
 * into one execution, the bounded pid -> (image, command line) lineage
 * cache, the /proc readers shared with the port monitor, and the JSON
 * writers of the documents both monitors emit.
 */
#ifndef VIGIL_COLLECT_PROCMON_INTERNAL_H
#define VIGIL_COLLECT_PROCMON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"

/* Audit record types used (linux/audit.h numbers, also used on netlink). */
enum vg_audit_type {
	VG_AUDIT_OTHER = 0,
	VG_AUDIT_SYSCALL = 1300,
	VG_AUDIT_PATH = 1302,
	VG_AUDIT_CWD = 1307,
	VG_AUDIT_EXECVE = 1309,
	VG_AUDIT_EOE = 1320,
	VG_AUDIT_PROCTITLE = 1327,
};

/* Unknown numeric fields hold this value (and are left out of the JSON). */
#define VG_AUDIT_UNSET INT64_MIN

/* One successful execution, as assembled from its audit records. Strings
 * are NUL-terminated, owned by the event, NULL when the records lacked them. */
struct vg_exec_event {
	uint64_t serial;
	int64_t sec, msec; /* event time */
	int64_t pid, ppid, uid, auid, ses, exit, syscall;
	bool success;
	char *exe, *comm, *cwd, *tty, *key, *path0, *proctitle;
	char *cmdline; /* argv joined with spaces, from EXECVE */
};

void vg_exec_event_free(struct vg_exec_event *ev);

struct vg_audit_asm;

/* Creates an assembler; *out is the caller's (vg_audit_asm_destroy).
 * Returns VG_ENOMEM. */
int vg_audit_asm_create(struct vg_audit_asm **out);
/* Frees the assembler and every event it holds. NULL-safe. */
void vg_audit_asm_destroy(struct vg_audit_asm *a);

/*
 * Adds one record as the kernel sends it on netlink: type and the text
 * "audit(<sec>.<msec>:<serial>): key=value ...". now_ms is a monotonic
 * clock. Malformed records are dropped (returns VG_EPARSE); VG_ENOMEM.
 */
int vg_audit_asm_add(struct vg_audit_asm *a, int type, const char *text, size_t len,
                     uint64_t now_ms);

/* Adds one audit.log line "type=<NAME> msg=audit(...): key=value ..."
 * (auditd's RAW or ENRICHED format). Same returns as vg_audit_asm_add. */
int vg_audit_asm_add_line(struct vg_audit_asm *a, const char *line, size_t len, uint64_t now_ms);

/* Completes the events that got no record for max_age_ms (0: all of them). */
void vg_audit_asm_flush(struct vg_audit_asm *a, uint64_t now_ms, uint64_t max_age_ms);

/* Milliseconds until the oldest pending event will be flushed by an age of
 * max_age_ms, -1 when none is pending. */
int vg_audit_asm_wait_ms(const struct vg_audit_asm *a, uint64_t now_ms, uint64_t max_age_ms);

/* Takes the next completed execution (the caller frees it with
 * vg_exec_event_free), or NULL when there is none. Events that are not
 * successful executions are never returned. */
struct vg_exec_event *vg_audit_asm_next(struct vg_audit_asm *a);

/* Whether completed executions wait to be taken. */
bool vg_audit_asm_ready(const struct vg_audit_asm *a);

/* What is known of a process; strings owned by the holder, NULL unknown. */
struct vg_proc_info {
	int64_t pid, ppid, uid;
	char *exe, *cmdline;
};

void vg_proc_info_free(struct vg_proc_info *pi);

/* Reads /proc/<pid>/{exe,cmdline,status} into pi (fields it cannot read
 * are left unknown). Returns 0, or VG_ENOENT when the process is gone,
 * VG_ENOMEM. */
int vg_proc_read(int64_t pid, struct vg_proc_info *pi);

/* Writes the user name of uid into out ("" when unknown). */
void vg_proc_user_name(int64_t uid, char *out, size_t outlen);

/* The bounded lineage cache: the latest execution seen for each pid. */
struct vg_lineage;

int vg_lineage_create(size_t slots, struct vg_lineage **out);
void vg_lineage_destroy(struct vg_lineage *l);
/* Remembers pid's image and command line (copied). Returns VG_ENOMEM. */
int vg_lineage_put(struct vg_lineage *l, int64_t pid, int64_t ppid, const char *exe,
                   const char *cmdline);
/* Fills pi (copies) from the cache, else from /proc. Returns 0 or VG_ENOENT
 * (pi then only holds the pid), VG_ENOMEM. */
int vg_lineage_get(struct vg_lineage *l, int64_t pid, struct vg_proc_info *pi);

/*
 * Writes the procmon "process_creation" JSON document of ev (one line, no
 * newline) to out, with parent (NULL or partly unknown). Returns VG_ENOMEM
 * or VG_ELIMIT.
 */
int vg_procmon_format(const struct vg_exec_event *ev, const struct vg_proc_info *parent,
                      struct vg_buf *out);

/* Appends ,"name":"value" (value JSON-escaped) when value is not NULL. */
int vg_json_add_str(struct vg_buf *out, bool *first, const char *name, const char *value);
/* Appends ,"name":value when value is not VG_AUDIT_UNSET. */
int vg_json_add_int(struct vg_buf *out, bool *first, const char *name, int64_t value);

/*
 * The audit.log tailer of the fallback mode: reads complete lines from the
 * saved position (or the end at the very first start), follows rotation
 * (inode change) and truncation, and feeds the lines to an assembler.
 */
struct vg_auditlog;

/* pos_file may be NULL (no position kept). Returns VG_ENOMEM. */
int vg_auditlog_open(const char *path, const char *pos_file, struct vg_auditlog **out);
/* Saves the position and frees. NULL-safe. */
void vg_auditlog_close(struct vg_auditlog *t);
/* inotify descriptor on the log's directory, or -1. */
int vg_auditlog_fd(const struct vg_auditlog *t);
/* Feeds at most max_bytes of new lines to a; returns the bytes consumed
 * (0 = nothing new) or VG_ENOMEM. */
long vg_auditlog_read(struct vg_auditlog *t, struct vg_audit_asm *a, size_t max_bytes,
                      uint64_t now_ms);
/* Writes the position file now. Returns 0 or VG_EIO. */
int vg_auditlog_save(struct vg_auditlog *t);

#endif
