/*
 * fim_internal.h - the inside of the file integrity monitor, shared by the
 * files of src/fim/: the recorded state of a file, the in-memory baseline
 * (a chained hash table keyed by path), the compiled watched paths, the
 * SQLite baseline, the real-time watcher, who-data and the diff store.
 * Everything here is touched by the monitor's worker thread only, except
 * the event queue (qlock) and the scan request (lock/cond).
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

#define FIM_PATH_MAX    4096
#define FIM_QUEUE_MAX   100000 /* events queued before new ones are dropped */
#define FIM_COALESCE_MS 3      /* quiet time before a real-time change is checked */
#define FIM_WHO_WAIT_MS 60     /* how long a whodata change waits for its audit records */
#define FIM_XATTR_MAX   4096   /* bytes of extended attributes kept per file */
#define FIM_READ_CHUNK  (256 * 1024)

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
};

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

	EVP_MD_CTX *md[3]; /* md5, sha1, sha256, reused for every file */
	EVP_MD *alg[3];
	unsigned char *rbuf; /* FIM_READ_CHUNK bytes for reading files */

	/* Events for the caller. */
	pthread_mutex_t qlock;
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
	unsigned nscans;
	uint64_t next_scan_ms;

	struct fim_rt *rt;
	struct fim_whodata *who;
	struct vg_fim_stats stats;
	bool silent; /* current scan records without reporting (first baseline) */
	const char *scan_mode;
};

/* fim_table.c */
uint32_t fim_path_hash(const char *path, size_t len);
struct fim_entry *fim_table_get(const struct fim_table *t, const char *path, size_t len);
/* Inserts a new entry for path (attrs moved in). NULL on ENOMEM. */
struct fim_entry *fim_table_put(struct fim_table *t, const char *path, size_t len,
                                struct fim_attrs *a);
void fim_table_del(struct fim_table *t, struct fim_entry *e);
void fim_table_free(struct fim_table *t);
void fim_attrs_clear(struct fim_attrs *a);

/* fim_attrs.c: reading a file's state. */
/* Fills a from st and, for regular files, the hashes and xattrs the root
 * wants, reading fd when it is >= 0 (left open), else opening name relative
 * to dirfd. Returns VG_OK, VG_ENOENT when the file went away, VG_EIO. */
int fim_attrs_read(struct vg_fim *f, const struct fim_root *r, int dirfd, const char *name, int fd,
                   const struct stat *st, struct fim_attrs *a);
/* Opens a file for reading without following links or updating atime. */
int fim_open_file(int dirfd, const char *name);
/* Comma list of the attributes (Wazuh's names) that differ, into out. */
void fim_attrs_diff(const struct fim_root *r, const struct fim_attrs *o, const struct fim_attrs *n,
                    struct vg_buf *out);
/* Whether st differs from a in size, mtime, ctime or inode (a rehash is due). */
bool fim_attrs_stat_changed(const struct fim_attrs *a, const struct stat *st);
void fim_hex(const uint8_t *b, size_t n, char *out);

/* fim_event.c */
int fim_event_emit(struct vg_fim *f, const struct fim_change *c);
void fim_queue_push(struct vg_fim *f, char *line, size_t len);

/* fim_db.c */
int fim_db_open(struct vg_fim *f, struct vg_diag *d);
void fim_db_close(struct vg_fim *f);
int fim_db_put(struct vg_fim *f, const struct fim_entry *e);
int fim_db_del(struct vg_fim *f, const char *path);
void fim_db_begin(struct vg_fim *f);
void fim_db_commit(struct vg_fim *f);
int fim_db_mark_root(struct vg_fim *f, const char *path);

/* fim_scan.c */
int fim_scan_all(struct vg_fim *f, bool verify);
/* Checks one path now (real time): added, modified or deleted; a directory
 * that appeared is scanned. */
void fim_check_path(struct vg_fim *f, const char *path, const char *mode,
                    const struct fim_who *who);
const struct fim_root *fim_root_of(const struct vg_fim *f, const char *path, size_t len);
bool fim_root_skips(const struct fim_root *r, const char *path, size_t len, bool is_dir);

/* fim_rt.c: real-time watches (inotify). */
int fim_rt_open(struct vg_fim *f, struct vg_diag *d);
void fim_rt_close(struct vg_fim *f);
int fim_rt_fd(const struct vg_fim *f);
/* Watches a directory of a real-time root (during scans). */
void fim_rt_watch_dir(struct vg_fim *f, struct fim_root *r, const char *path);
/* Reads the watch events, then checks the paths whose quiet time is over. */
void fim_rt_handle(struct vg_fim *f);
/* Milliseconds until pending changes are due, -1 none. */
int fim_rt_timeout_ms(const struct vg_fim *f);
void fim_rt_flush(struct vg_fim *f);

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

#endif
