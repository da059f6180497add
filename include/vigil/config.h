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
 *             {type: journald}, {type: process}, {type: ports, interval: SECONDS}...]
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
};
enum vg_input_format { VG_FORMAT_SYSLOG, VG_FORMAT_JSON, VG_FORMAT_MULTILINE };

struct vg_config_input {
	enum vg_input_type type;
	const char *path; /* glob, file inputs only; NULL otherwise */
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
