/*
 * cmd_config.h - the "vigil config" subcommand (check a configuration file,
 * print the built-in one).
 */
#ifndef VIGIL_CLI_CMD_CONFIG_H
#define VIGIL_CLI_CMD_CONFIG_H

/* argv[0] is "config". Returns the exit status: 0 OK, 1 invalid, 2 usage. */
int vg_cmd_config(int argc, char **argv);

#endif
