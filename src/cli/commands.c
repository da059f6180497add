/*
 * commands.c - the table of vigil subcommands.
 */
#include "cli/cli.h"

#include <stddef.h>

#include "cli/cmd_config.h"
#include "cli/commands.h"

const struct vg_cli_command vg_cli_commands[] = {
	{ "run", "watch this host's logs and write alerts (single host)", vg_cmd_run },
	{ "reload", "make a running 'vigil run' reload its ruleset (SIGHUP)", vg_cmd_reload },
	{ "manager", "analyse what enrolled agents and syslog senders send", vg_cmd_manager },
	{ "agent", "collect this host's events and send them to a manager", vg_cmd_agent },
	{ "enroll", "enroll this host with a manager (agent side)", vg_cmd_enroll },
	{ "agents", "manage enrolled agents and enrollment tokens", vg_cmd_agents },
	{ "logtest", "show how events decode and which rules they match", vg_cmd_logtest },
	{ "ruleset", "ruleset tools: 'ruleset test' runs .ini test files", vg_cmd_ruleset },
	{ "config", "configuration tools: 'config check FILE'", vg_cmd_config },
	{ "coverage", "which ATT&CK techniques the rules detect (and a Navigator layer)",
	  vg_cmd_coverage },
	{ "fim", "file integrity: 'fim scan PATH...', 'fim changes' (what changed, per agent)",
	  vg_cmd_fim },
	{ "sca", "configuration assessment: 'sca scan POLICY...' runs policies once", vg_cmd_sca },
	{ NULL, NULL, NULL },
};
