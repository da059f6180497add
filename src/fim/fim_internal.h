/*
 * fim_internal.h - the inside of the file integrity monitor, shared by the
 * files of src/fim/: the recorded state of a file, the in-memory baseline
 * (a chained hash table keyed by path), the compiled watched paths, the
 * SQLite baseline, the real-time watcher, who-data and the diff store.
 * Everything here is touched by the monitor's worker thread only, except
 * the event queue (qlock), the scan request (lock/cond), the counters
 * (atomics) and, during a full scan, what the scan threads of fim_walk.c
 * read (the table's structure, frozen while they run) or write (the `gen`
 * of the unchanged entries they find).
 */
#ifndef VIGIL_FIM_INTERNAL_H
#define VIGIL_FIM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "vigil/buf.h"
#include "vigil/fim.h"

struct sqlite3;
struct sqlite3_stmt;
struct pcre2_real_code_8;
struct pcre2_real_match_data_8;

#define FIM_PATH_MAX      4096
#define FIM_QUEUE_MAX     100000 /* events queued before the worker waits for the caller */
#define FIM_COALESCE_MS   3      /* quiet time before a real-time change is checked */
#define FIM_WHO_WAIT_MS   60     /* how long a whodata change waits for its audit records */
#define FIM_XATTR_MAX     4096   /* bytes of extended attributes kept per file */
#define FIM_READ_CHUNK    (256 * 1024)
#define FIM_THREADS_MAX   8     /* scan threads at most (nproc capped) */
#define FIM_RESCAN_GAP_MS 10000 /* an overflow rescan waits this long after the last scan */

/* Which hashes an entry holds (its `hashed` bits). */
enum { FIM_H_MD5 = 1, FIM_H_SHA1 = 2, FIM_H_SHA256 = 4 };

/* The recorded state of one file. */
struct fim_attrs {
	uint64_t size, ino, dev;
	int64_t mtime_ns, ctime_ns;
	uint32_t mode, uid, gid;
	unsigned hashed;
	uint8_t md5[16], sha1[20], sha256[32];
	char *xattr; /* "name=hexvalue,..." (malloc), NULL when none */
};

/* One file of the baseline. */
struct fim_entry {
	struct fim_entry *next;
	uint32_t hash;
	uint32_t gen; /* last scan that saw it */
	struct fim_attrs a;
	size_t len;
	char path[];
};

struct fim_table {
	struct fim_entry **buckets;
	size_t nbuckets, count;
};

/* A watched path, compiled. */
struct fim_root {
	const struct vg_config_fim_path *cfg;
	char *path; /* without trailing '/' ("/" stays "/") */
	size_t len;
	struct pcre2_real_code_8 **ignore_re, **restrict_re;
	size_t nignore_re, nrestrict_re;
	bool baselined;    /* recorded in the baseline before: changes are reported */
	bool rt_failed;    /* real-time watches ran out: scheduled scans only */
	bool warned_limit; /* file_limit reached, said once */
	bool fan;          /* real time by a fanotify filesystem mark (no inotify watches) */
};

/* What one thread needs to read files: hash contexts, a read buffer and
 * regex match data, all created once. */
struct fim_tools {
	EVP_MD_CTX *md[3]; /* md5, sha1, sha256 */
	EVP_MD *const *alg;
	unsigned char *rbuf;
	struct pcre2_real_match_data_8 *match;
	unsigned long long hashed; /* files hashed, added to the counters by the owner */
	unsigned noatime_denied;   /* O_NOATIME refused (not the owner), up to FIM_NOATIME_TRIES */
};
#define FIM_NOATIME_TRIES 8

/* Counters, updated with atomics (scan threads and the worker), read by
 * vg_fim_stats(). */
struct fim_counters {
	unsigned long long scans, files, hashed, events, dropped, watches, watch_failures;
	unsigned long long last_scan_us;
};
#define FIM_COUNT(f, field, n) __atomic_fetch_add(&(f)->ctr.field, (n), __ATOMIC_RELAXED)

/* Who made a change (from audit). */
struct fim_who {
	char path[FIM_PATH_MAX];
	uint64_t when_ms;
	long pid, ppid;
	long uid, gid, auid, euid;
	char comm[64], exe[FIM_PATH_MAX / 4], cwd[FIM_PATH_MAX / 4], parent[FIM_PATH_MAX / 4];
};

struct fim_whodata; /* fim_who.c */
struct fim_rt;      /* fim_rt.c */
struct fim_fan;     /* fim_fan.c */
struct fim_names;   /* fim_event.c */

/* A change being assembled into an event. */
struct fim_change {
	const char *path;
	const struct fim_root *root;
	const char *mode;                  /* "scheduled", "realtime", "whodata" */
	const char *type;                  /* "added", "modified", "deleted" */
	const struct fim_attrs *old, *cur; /* old NULL for added, cur NULL for deleted */
	const char *diff;                  /* content_changes, NULL when none */
	const struct fim_who *who;
};

struct vg_fim {
	const struct vg_config_fim *cfg;
	char *data_dir;
	struct fim_root *roots;
	size_t nroots;
	struct fim_table tab;
	uint32_t gen;

	struct sqlite3 *db;
	struct sqlite3_stmt *st_put, *st_del, *st_root;
	bool in_txn;

	EVP_MD *alg[3];          /* md5, sha1, sha256, fetched once */
	struct fim_tools tools;  /* the worker's own */
	unsigned nthreads;       /* scan threads (0: scans run on the worker alone) */
	struct fim_names *names; /* uid/gid names cache (fim_event.c) */

	/* Events for the caller. */
	pthread_mutex_t qlock;
	pthread_cond_t qspace; /* the caller took events (vg_fim_poll) or the monitor stops */
	int sync_waiters;      /* callers inside vg_fim_scan_now(): nobody polls meanwhile */
	char **q;
	size_t *qlen_of, qhead, qlen, qcap;
	int evfd;

	/* The worker. */
	pthread_t thr;
	bool thr_started;
	int wakefd;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	uint64_t req_seq;  /* scan requests made (vg_fim_scan_now) */
	uint64_t done_seq; /* requests served by a finished scan */
	bool req_verify;
	int scan_rc;     /* result of the last scan */
	bool rescan_due; /* a real-time queue overflowed */
	uint64_t last_scan_end_ms;
	unsigned nscans;
	uint64_t next_scan_ms;

	struct fim_rt *rt;
	struct fim_fan *fan;
	struct fim_whodata *who;
	struct fim_counters ctr;
	bool whodata_on; /* audit who-data active */
	bool silent;     /* current scan records without reporting (first baseline) */
	const char *scan_mode;
};

/* fim_table.c */
uint32_t fim_path_hash(const char *path, size_t len);
struct fim_entry *fim_table_get(const struct fim_table *t, const char *path, size_t len);
/* A new entry for path, not in any table yet (attrs moved in when a is not NULL). */
struct fim_entry *fim_entry_new(const char *path, size_t len, struct fim_attrs *a);
/* Links e (from fim_entry_new) into t. VG_ENOMEM (e left alone). */
int fim_table_link(struct fim_table *t, struct fim_entry *e);
/* Inserts a new entry for path (attrs moved in). NULL on ENOMEM. */
struct fim_entry *fim_table_put(struct fim_table *t, const char *path, size_t len,
                                struct fim_attrs *a);
void fim_table_del(struct fim_table *t, struct fim_entry *e);
void fim_table_free(struct fim_table *t);
void fim_attrs_clear(struct fim_attrs *a);

/* fim_attrs.c: reading a file's state. */
int fim_tools_init(struct fim_tools *t, const struct vg_fim *f);
void fim_tools_free(struct fim_tools *t);
/* Fills a from st and, for regular files, the hashes and xattrs the root
 * wants, reading fd when it is >= 0 (left open), else opening name relative
 * to dirfd. A file that cannot be opened (permissions) keeps its stat
 * fields only. Returns VG_OK, VG_ENOENT when the file went away, VG_EIO. */
int fim_attrs_read(struct fim_tools *t, const struct fim_root *r, int dirfd, const char *name,
                   int fd, const struct stat *st, struct fim_attrs *a);
/* Opens a file for reading without following links, and without updating
 * its atime while the kernel allows it (owner or CAP_FOWNER). */
int fim_open_file(struct fim_tools *t, int dirfd, const char *name);
/* Comma list of the attributes (Wazuh's names) that differ, into out. */
void fim_attrs_diff(const struct fim_root *r, const struct fim_attrs *o, const struct fim_attrs *n,
                    struct vg_buf *out);
/* Whether st differs from a in size, mtime, ctime or inode (a rehash is due). */
bool fim_attrs_stat_changed(const struct fim_attrs *a, const struct stat *st);
void fim_hex(const uint8_t *b, size_t n, char *out);

/* fim_event.c */
int fim_event_emit(struct vg_fim *f, const struct fim_change *c);
void fim_queue_push(struct vg_fim *f, char *line, size_t len);
/* Ends the baseline transaction of a scan or of real-time changes: commits
 * once every event it produced has been taken by vg_fim_poll() (so a change
 * is never in the baseline without its event having left the monitor), or
 * rolls back when the monitor stops first (the change is found again at the
 * next start). Without a polling caller (vg_fim_scan_now) it commits at once. */
void fim_db_finish(struct vg_fim *f);
/* Rolls back the open baseline transaction. */
void fim_db_rollback(struct vg_fim *f);
/* Steps a write statement once and resets it for the next use: VG_OK when
 * it is done, VG_EIO otherwise (the baseline and the manager's store). */
int fim_sql_step(struct sqlite3_stmt *st);

/* fim_db.c */
int fim_db_open(struct vg_fim *f, struct vg_diag *d);
void fim_db_close(struct vg_fim *f);
int fim_db_put(struct vg_fim *f, const struct fim_entry *e);
int fim_db_del(struct vg_fim *f, const char *path);
void fim_db_begin(struct vg_fim *f);
void fim_db_commit(struct vg_fim *f);
int fim_db_mark_root(struct vg_fim *f, const char *path);

/* fim_scan.c: the worker's side of scans (recording, reporting, sweeping). */
int fim_scan_all(struct vg_fim *f, bool verify);
/* Checks one path now (real time): added, modified or deleted; a directory
 * that appeared is scanned. */
void fim_check_path(struct vg_fim *f, const char *path, const char *mode,
                    const struct fim_who *who);
const struct fim_root *fim_root_of(const struct vg_fim *f, const char *path, size_t len);
bool fim_root_skips(const struct fim_root *r, struct pcre2_real_match_data_8 *md, const char *path,
                    size_t len, bool is_dir);
bool fim_path_under(const char *path, size_t len, const char *dir, size_t dlen);

/* fim_walk.c: walking directories, on the worker alone or with a pool of
 * scan threads that hand what they read to the worker in batches. */
struct fim_scan; /* one walk: its directory queue, threads and results */
/* A file read by a walk: e is its new state (path, attrs; unlinked), old
 * the baseline entry it replaces (NULL when new). A directory to watch has
 * dir set (e holds its path only). */
struct fim_res {
	struct fim_entry *e, *old;
	struct fim_root *r;
	bool dir;
};
/* Called on the worker for each result of the walk (it owns res->e). */
typedef void (*fim_res_fn)(struct fim_scan *s, struct fim_res *res, void *ctx);
struct fim_scan *fim_scan_new(struct vg_fim *f, bool verify, unsigned nthreads, fim_res_fn fn,
                              void *ctx);
/* Queues directory path (open as fd, taken) of root r at depth for the walk. */
int fim_scan_add_dir(struct fim_scan *s, struct fim_root *r, int fd, const char *path, int depth);
/* Walks everything queued; results are handed to fn on the calling thread.
 * Returns true when the walk was cut short (the monitor is closing). */
bool fim_scan_run(struct fim_scan *s);
void fim_scan_free(struct fim_scan *s);
/* Reads one file's state with the worker's tools into a result (for files
 * named directly). VG_OK, VG_ENOENT, VG_EIO, VG_ENOMEM. */
int fim_read_one(struct vg_fim *f, struct fim_root *r, int dirfd, const char *name,
                 const char *path, size_t len, const struct stat *st, struct fim_res *res);
/* Scan threads to use: VIGIL_FIM_THREADS, else nproc capped at 2 (1 means
 * the worker alone). */
unsigned fim_scan_threads(void);

/* fim_rt.c: real-time watches (inotify) and the coalescing of changes. */
int fim_rt_open(struct vg_fim *f, struct vg_diag *d);
/* Queues path to be checked at due_ms (the earliest due time wins). */
void fim_rt_pend(struct vg_fim *f, const char *path, size_t len, uint64_t due_ms);
void fim_rt_close(struct vg_fim *f);
int fim_rt_fd(const struct vg_fim *f);
/* Watches a directory of a real-time root (during scans). */
void fim_rt_watch_dir(struct vg_fim *f, struct fim_root *r, const char *path);
/* Reads the watch events, then checks the paths whose quiet time is over. */
void fim_rt_handle(struct vg_fim *f);
/* Milliseconds until pending changes are due, -1 none. */
int fim_rt_timeout_ms(const struct vg_fim *f);
void fim_rt_flush(struct vg_fim *f);

/* fim_fan.c: real time with fanotify filesystem marks (root, kernel with
 * FAN_REPORT_DFID_NAME); roots it marks get r->fan. VIGIL_FIM_INOTIFY=1
 * turns it off. */
int fim_fan_open(struct vg_fim *f, struct vg_diag *d);
void fim_fan_close(struct vg_fim *f);
int fim_fan_fd(const struct vg_fim *f);
void fim_fan_handle(struct vg_fim *f);

/* fim_event.c: uid/gid names cache. */
void fim_names_free(struct vg_fim *f);

/* fim_who.c: who-data from the audit multicast. */
int fim_who_open(struct vg_fim *f, struct vg_diag *d);
void fim_who_close(struct vg_fim *f);
int fim_who_fd(const struct vg_fim *f);
void fim_who_handle(struct vg_fim *f);
/* The latest who-record for path seen since since_ms, NULL when none. */
const struct fim_who *fim_who_find(const struct vg_fim *f, const char *path, uint64_t since_ms);

/* fim_diff.c */
/* Unified diff between two texts (a/b line arrays), into out. Returns VG_OK
 * or VG_ELIMIT when the edit distance is too large to show. */
int fim_diff_text(const char *a, size_t alen, const char *b, size_t blen, struct vg_buf *out);
/* report_changes: compares the file with its stored copy, stores the new
 * copy, and returns the text for content_changes (malloc) or NULL. */
char *fim_diff_file(struct vg_fim *f, const struct fim_root *r, const char *path, bool deleted);

uint64_t fim_now_ms(void);
/* fim.c: the configured nice and idle I/O class for the calling thread. */
void fim_lower_priority(const struct vg_fim *f);

#endif
