/*
 * config.h - Vigil's configuration: one YAML file for the single-host
 * `vigil run` (where state and alerts go, the alert outputs, which rule set
 * to load, which logs to read).
 *
 * Schema (every key optional; see docs/config.md):
 *   data_dir: /var/lib/vigil          log_dir: /var/log/vigil
 *   manager_name: NAME                (default: the host name, chosen by the caller)
 *   alerts:  { log_level: 0..16 (3), json: bool (true), log: bool (true) }
 *   ruleset: { decoder_dirs: [DIR...], rule_dirs: [DIR...],
 *              lists: [{name: NAME, path: FILE}...], include_builtin: bool (true),
 *              exclude_files: [FILE...], sigma_dirs: [DIR...] }
 *   inputs:  [{type: file, path: GLOB, format: syslog|json|multiline, multiline_regex: RE},
 *             {type: journald}, {type: process}, {type: ports, interval: SECONDS},
 *             {type: fim, paths: [{path: DIR, realtime, whodata, report_changes, recursion,
 *                                  attributes: [...], ignore: [...], ignore_regex: [...],
 *                                  restrict: [...], tags: "a,b"}...],
 *              scan_interval, verify_every, files_per_second, file_limit, diff_max_size,
 *              nodiff: [...], nice, ionice_idle},
 *             {type: sca, policies: [FILE...], builtin: bool, interval, command_timeout}...]
 *   manager: { listen: ADDR, port: N, enroll_port: N, groups_dir: DIR, fsync: bool,
 *              checkpoint_ms: 10..60000 (100),
 *              syslog: [{bind: ADDR, port: N, protocol: udp|tcp|both, allowed_ips: [CIDR...]}] }
 *   agent:   { managers: ["host[:port]"...], name: NAME, dir: DIR, spool_max: BYTES[K|M|G],
 *              spool_fsync: bool }
 * Every error names its place as "file:line:col: expected ...". Unknown keys
 * are errors (with the list of known ones) so that typos never pass silently.
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/arena.h"
#include "vigil/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum vg_input_type {
	VG_INPUT_FILE,
	VG_INPUT_JOURNALD,
	VG_INPUT_PROCESS, /* process executions with lineage (kernel audit) */
	VG_INPUT_PORTS,   /* listening ports opened and closed */
	VG_INPUT_FIM,     /* file integrity monitoring (fim.h) */
	VG_INPUT_SCA,     /* security configuration assessment (sca.h) */
};
enum vg_input_format { VG_FORMAT_SYSLOG, VG_FORMAT_JSON, VG_FORMAT_MULTILINE };

/* What FIM records of a file (a path's `attributes`). */
enum vg_fim_attr {
	VG_FIM_SIZE = 1u << 0,
	VG_FIM_PERM = 1u << 1,
	VG_FIM_OWNER = 1u << 2, /* uid and user name */
	VG_FIM_GROUP = 1u << 3, /* gid and group name */
	VG_FIM_MTIME = 1u << 4,
	VG_FIM_INODE = 1u << 5, /* inode and device */
	VG_FIM_MD5 = 1u << 6,
	VG_FIM_SHA1 = 1u << 7,
	VG_FIM_SHA256 = 1u << 8,
	VG_FIM_XATTR = 1u << 9, /* extended attributes, file capabilities included */
};
#define VG_FIM_ATTR_DEFAULT                                                                        \
	(VG_FIM_SIZE | VG_FIM_PERM | VG_FIM_OWNER | VG_FIM_GROUP | VG_FIM_MTIME | VG_FIM_INODE |   \
	 VG_FIM_SHA256 | VG_FIM_XATTR)

/* One watched path of a FIM input. */
struct vg_config_fim_path {
	const char *path;
	unsigned attrs;      /* enum vg_fim_attr bits */
	int recursion;       /* directory levels below path (default 256; 0 = its entries only) */
	bool realtime;       /* changes reported as they happen (default true) */
	bool whodata;        /* who made the change, from the audit subsystem (default false) */
	bool report_changes; /* unified diff of text files (default false) */
	const char **ignore; /* paths (themselves and below) that are skipped */
	size_t nignore;
	const char **ignore_regex; /* PCRE2 on the full path: matches are skipped */
	size_t nignore_regex;
	const char **restrict_regex; /* PCRE2: when given, only matching files are reported */
	size_t nrestrict_regex;
	const char *tags; /* comma-separated, copied into every event of the path */
	unsigned line;
};

/* `{type: fim, ...}`: the watched paths and the cost controls. */
struct vg_config_fim {
	struct vg_config_fim_path *paths;
	size_t npaths;
	unsigned scan_interval_s; /* scheduled full scan (default 43200) */
	unsigned verify_every; /* every Nth scan rehashes unchanged files too (default 0 = never) */
	unsigned files_per_second; /* scan budget (default 0 = unlimited) */
	unsigned file_limit;       /* files kept in the baseline (default 1000000) */
	long long diff_max_size;   /* report_changes: larger files are not diffed (default 1 MiB) */
	const char **nodiff;       /* files whose content is never shown (secrets) */
	size_t nnodiff;
	int nice;         /* scan thread niceness 0..19 (default 10) */
	bool ionice_idle; /* idle I/O class for scans (default true) */
};

/* `{type: sca, ...}`: the policies to assess and how often. */
struct vg_config_sca {
	const char **policies; /* Wazuh SCA policy files */
	size_t npolicies;
	bool builtin;               /* also Vigil's own policies (default true) */
	unsigned interval_s;        /* between scans (default 43200) */
	unsigned command_timeout_s; /* c: rules (default 30) */
};

struct vg_config_input {
	enum vg_input_type type;
	const struct vg_config_fim *fim; /* type fim */
	const struct vg_config_sca *sca; /* type sca */
	const char *path;                /* glob, file inputs only; NULL otherwise */
	enum vg_input_format format;
	const char *multiline_regex; /* PCRE2 that starts a record (format multiline) */
	unsigned interval_ms;        /* ports: sampling interval (0 = default) */
	unsigned line;               /* where it was declared (0 for built-ins) */
};

/* A CDB list: name is how rules refer to it (e.g. "etc/lists/audit-keys"). */
struct vg_config_list {
	const char *name;
	const char *path;
};

struct vg_config_strv {
	const char **v;
	size_t n;
};

/* A syslog receiver of the manager. */
struct vg_config_syslog {
	const char *bind; /* address to listen on */
	int port;
	bool udp, tcp;
	struct vg_config_strv allowed; /* IPs or CIDRs allowed to send */
};

#define VG_CONFIG_DEFAULT_LOG_LEVEL 3

struct vg_config {
	const char *data_dir;
	const char *log_dir;
	const char *manager_name; /* NULL = use the host name */
	struct {
		int log_level; /* minimum rule level written, 0..16 */
		bool json;     /* write alerts.json */
		bool log;      /* write alerts.log */
	} alerts;
	struct {
		struct vg_config_strv decoder_dirs;
		struct vg_config_strv rule_dirs;
		struct vg_config_list *lists;
		size_t nlists;
		bool include_builtin;                /* load the ruleset compiled into vigil */
		struct vg_config_strv exclude_files; /* file names to skip */
		struct vg_config_strv sigma_dirs;    /* Sigma rules (*.yml, recursively) */
	} ruleset;
	struct vg_config_input *inputs;
	size_t ninputs;

	/* `vigil manager`: where agents connect and enroll, the agent groups'
	 * configurations, the syslog receivers. */
	struct {
		const char *listen;     /* address (default 0.0.0.0) */
		int port;               /* agents, mutual TLS (default 1514) */
		int enroll_port;        /* enrollment with a token (default 1515) */
		const char *groups_dir; /* <group>.yml pushed to the group's agents */
		bool fsync;             /* alerts and state synced before acknowledging */
		int checkpoint_ms;      /* how often analysed events are made durable and acked */
		struct vg_config_syslog *syslog;
		size_t nsyslog;
	} manager;
	/* `vigil agent`: the managers to send to (in order of preference) and
	 * the disk spool. */
	struct {
		struct vg_config_strv managers; /* "host[:port]" */
		const char *name;               /* NULL = the host name */
		const char *dir;                /* enrollment files; NULL = <data_dir>/agent */
		long long spool_max;            /* bytes of unacknowledged events on disk */
		bool spool_fsync;
	} agent;

	struct vg_arena *arena; /* owns every string and array above */
};

/*
 * Parses YAML text (len bytes; name is used in messages, may be NULL).
 * Keys absent from the text keep the built-in defaults (see above), except
 * inputs, which are empty unless given. On success fills *cfg, which the
 * caller releases with vg_config_destroy(). On failure returns VG_EPARSE
 * (details in diag, which may be NULL) or VG_ENOMEM, and *cfg is left
 * zeroed (destroying it is harmless).
 */
int vg_config_load_buffer(const char *text, size_t len, const char *name, struct vg_config *cfg,
                          struct vg_diag *diag);
/* Reads and parses a file. VG_EIO/VG_ENOENT when it cannot be read. */
int vg_config_load_file(const char *path, struct vg_config *cfg, struct vg_diag *diag);
/* The embedded configuration used when none is given (watches
 * /var/log/auth.log, /var/log/syslog and the journal, process executions
 * and listening ports). */
int vg_config_default(struct vg_config *cfg);
/* The YAML text of the embedded configuration (static). */
const char *vg_config_default_yaml(void);
/* Frees everything cfg owns and zeroes it. NULL-safe. */
void vg_config_destroy(struct vg_config *cfg);

/* Appends "inputs:" and one flow mapping per input, in a form that
 * vg_config_load_buffer() reads back to the same inputs. VG_ENOMEM. */
struct vg_buf;
int vg_config_inputs_yaml(const struct vg_config_input *in, size_t n, struct vg_buf *out);

const char *vg_input_type_name(enum vg_input_type t);
const char *vg_input_format_name(enum vg_input_format f);

#ifdef __cplusplus
}
#endif
#endif
