/*
 * config_default.c - the configuration compiled into Vigil (used when no
 * file is given: the system logs, process executions, listening ports, FIM
 * of the places configuration changes hide and Vigil's own SCA policies),
 * the built-in values of keys a file leaves out, and the
 * names of the enumerations.
 */
#include "vigil/config.h"

#include <string.h>

#include "config/config_internal.h"

static const char default_yaml[] =
    "# Vigil built-in configuration: used when no configuration file is given.\n"
    "data_dir: /var/lib/vigil\n"
    "log_dir: /var/log/vigil\n"
    "alerts:\n"
    "  log_level: 3\n"
    "  json: true\n"
    "  log: true\n"
    "ruleset:\n"
    "  include_builtin: true\n"
    "  decoder_dirs: []\n"
    "  rule_dirs: []\n"
    "  lists: []\n"
    "  exclude_files: []\n"
    "inputs:\n"
    "  - type: file\n"
    "    path: /var/log/auth.log\n"
    "    format: syslog\n"
    "  - type: file\n"
    "    path: /var/log/syslog\n"
    "    format: syslog\n"
    "  - type: journald\n"
    "  - type: process\n"
    "  - type: ports\n"
    "  - type: fim\n"
    "    paths:\n"
    "      - {path: /etc, ignore: [/etc/mtab, /etc/adjtime, /etc/ld.so.cache],\n"
    "         ignore_regex: ['\\.sw[a-p]$', '~$']}\n"
    "      - {path: /usr/bin, realtime: false}\n"
    "      - {path: /usr/sbin, realtime: false}\n"
    "      - {path: /usr/local, recursion: 3}\n"
    "      - {path: /var/spool/cron}\n"
    "      - {path: /root, recursion: 3, tags: home,\n"
    "         restrict: ['/\\.ssh/', '/\\.(bashrc|bash_profile|bash_login|profile|zshrc)$']}\n"
    "      - {path: /home, recursion: 4, tags: home,\n"
    "         restrict: ['/\\.ssh/authorized_keys2?$', "
    "'/\\.(bashrc|bash_profile|bash_login|profile|zshrc)$', '/\\.config/systemd/']}\n"
    "    scan_interval: 12h\n"
    "    nodiff: [/etc/shadow, /etc/gshadow]\n"
    "  - type: sca\n"
    "    builtin: true\n"
    "    interval: 12h\n";

const char *vg_config_default_yaml(void)
{
	return default_yaml;
}

int vg_config_default(struct vg_config *cfg)
{
	return vg_config_load_buffer(default_yaml, sizeof(default_yaml) - 1, "<built-in>", cfg,
	                             NULL);
}

void vg_config_set_builtin(struct vg_config *cfg)
{
	cfg->data_dir = "/var/lib/vigil";
	cfg->log_dir = "/var/log/vigil";
	cfg->manager_name = NULL;
	cfg->alerts.log_level = VG_CONFIG_DEFAULT_LOG_LEVEL;
	cfg->alerts.json = true;
	cfg->alerts.log = true;
	cfg->ruleset.include_builtin = true;
	cfg->manager.listen = "0.0.0.0";
	cfg->manager.port = 1514;
	cfg->manager.enroll_port = 1515;
	cfg->manager.groups_dir = "/etc/vigil/groups";
	cfg->manager.fsync = true;
	cfg->manager.checkpoint_ms = 100;
	cfg->agent.spool_max = 256LL << 20;
	cfg->agent.spool_fsync = true;
}

void vg_config_destroy(struct vg_config *cfg)
{
	if (!cfg)
		return;
	vg_arena_destroy(cfg->arena);
	memset(cfg, 0, sizeof(*cfg));
}

const char *vg_input_type_name(enum vg_input_type t)
{
	switch (t) {
	case VG_INPUT_FILE: return "file";
	case VG_INPUT_JOURNALD: return "journald";
	case VG_INPUT_PROCESS: return "process";
	case VG_INPUT_PORTS: return "ports";
	case VG_INPUT_FIM: return "fim";
	case VG_INPUT_SCA: return "sca";
	}
	return "?";
}

const char *vg_input_format_name(enum vg_input_format f)
{
	switch (f) {
	case VG_FORMAT_SYSLOG: return "syslog";
	case VG_FORMAT_JSON: return "json";
	case VG_FORMAT_MULTILINE: return "multiline";
	}
	return "?";
}
