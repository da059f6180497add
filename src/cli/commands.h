/*
 * commands.h - entry points of the subcommands (argv[0] is the subcommand).
 */
#ifndef VIGIL_CLI_COMMANDS_H
#define VIGIL_CLI_COMMANDS_H

int vg_cmd_logtest(int argc, char **argv);
int vg_cmd_ruleset(int argc, char **argv);
int vg_cmd_run(int argc, char **argv);
int vg_cmd_reload(int argc, char **argv);
int vg_cmd_manager(int argc, char **argv);
int vg_cmd_agent(int argc, char **argv);
int vg_cmd_coverage(int argc, char **argv);
int vg_cmd_fim(int argc, char **argv);
int vg_cmd_sca(int argc, char **argv);
int vg_cmd_enroll(int argc, char **argv);
int vg_cmd_agents(int argc, char **argv);

#endif
