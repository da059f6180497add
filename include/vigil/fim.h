/*
 * fim.h - file integrity monitoring: the agent-side monitor, the decoder the
 * engine uses for its events, and the manager-side per-agent FIM state.
 *
 * The monitor keeps a baseline of the watched files (size, permissions,
 * owner, group, mtime, inode, hashes, extended attributes) in memory and in
 * SQLite (<data_dir>/fim.db), compares the disk with it on scheduled scans
 * (walked by a small pool of threads) and in real time (fanotify filesystem
 * marks when allowed, inotify watches otherwise), and queues one JSON line per change
 * carrying Wazuh's syscheck data. The engine decodes these lines with
 * vg_fim_decode() so that Wazuh's FIM rules (550, 553, 554) apply unchanged.
 * The monitor owns one worker thread (plus scan threads during a scan); the
 * caller polls vg_fim_fd() and takes the queued events with vg_fim_poll().
 */
#ifndef VIGIL_FIM_H
#define VIGIL_FIM_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/collect.h"
#include "vigil/config.h"
#include "vigil/error.h"
#include "vigil/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Location of FIM events (the engine routes it to vg_fim_decode()). */
#define VG_FIM_LOCATION "syscheck"

struct vg_fim;

/*
 * Opens the baseline <data_dir>/fim.db (SQLite, WAL), starts real-time
 * watches and the worker thread. The first scan after open compares the disk
 * with the stored baseline, so changes made while Vigil was stopped are
 * reported (mode "scheduled"); a path never baselined before is recorded
 * silently (no flood of "added"). cfg must outlive the monitor. Warnings
 * (no audit, inotify watches exhausted) go to d. *out is the caller's
 * (vg_fim_close). On failure *out is NULL.
 */
int vg_fim_open(const struct vg_config_fim *cfg, const char *data_dir, struct vg_fim **out,
                struct vg_diag *d);
/* Stops the thread, removes the audit rules it added, closes the baseline. NULL-safe. */
void vg_fim_close(struct vg_fim *f);
/* One descriptor to poll for POLLIN (an eventfd), -1 for none. */
int vg_fim_fd(const struct vg_fim *f);
/* Milliseconds until vg_fim_poll() is due without input; -1 (the thread keeps time). */
int vg_fim_timeout_ms(const struct vg_fim *f);
/* Delivers queued events, at most max (0 = all): cb(ctx, "syscheck", json_line, len).
 * Returns the count delivered, or a negative VG_E* value. */
int vg_fim_poll(struct vg_fim *f, vg_collect_cb cb, void *ctx, size_t max);
/*
 * Runs a full scan now and waits for it to finish (used by `vigil fim scan`
 * and tests). When verify is true every file is rehashed. Returns VG_OK or a
 * negative VG_E* value.
 */
int vg_fim_scan_now(struct vg_fim *f, bool verify);

/* Counters for status output and the benchmark (read atomically, any thread). */
struct vg_fim_stats {
	unsigned long long scans, files, hashed, events, dropped;
	unsigned long long watches, watch_failures; /* inotify watches (0 under fanotify) */
	double last_scan_s;
	bool whodata;  /* audit who-data active */
	bool fanotify; /* whole-filesystem real-time marks in use */
};
void vg_fim_stats(struct vg_fim *f, struct vg_fim_stats *out);

/*
 * The decoder of FIM events: parses a JSON line produced by vg_fim_poll()
 * and fills ev the way Wazuh's analysisd does for syscheck events (decoder
 * name syscheck_new_entry / syscheck_integrity_changed / syscheck_deleted,
 * type ossec, "syscheck.*" dynamic fields, Wazuh's full_log text). Strings
 * are allocated from the event's arena. Returns VG_ENOENT when json is not a
 * FIM event, VG_EPARSE when it is broken, VG_ENOMEM.
 */
int vg_fim_decode(struct vg_event *ev, const char *json, size_t len);

/* Manager side: the FIM changes of every agent (SQLite). */
struct vg_fim_store;
int vg_fim_store_open(const char *path, struct vg_fim_store **out, struct vg_diag *d);
void vg_fim_store_close(struct vg_fim_store *s); /* NULL-safe */
/* Records one decoded syscheck event of agent (time = ev->arrival).
 * VG_ENOENT when ev is not a decoded FIM event. */
int vg_fim_store_add(struct vg_fim_store *s, const char *agent, const struct vg_event *ev);
/* Makes the changes added so far durable and visible to other readers: they
 * are kept in one transaction until then, so the manager commits them at its
 * checkpoint, before it acknowledges the events they came from. A crash
 * before the commit replays those events and adds them once; one between the
 * commit and the checkpoint may list them twice; none is lost. NULL-safe. */
int vg_fim_store_sync(struct vg_fim_store *s);
/* Every change on agent (NULL = all) since `since` (epoch seconds), oldest
 * first, as JSON lines to cb. Returns the number of lines or a VG_E* value. */
int vg_fim_store_changes(struct vg_fim_store *s, const char *agent, long long since,
                         void (*cb)(void *ctx, const char *json_line), void *ctx);

#ifdef __cplusplus
}
#endif
#endif
