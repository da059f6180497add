/*
 * commands.c - the table of vigil subcommands.
 */
#include "cli/cli.h"

#include <stddef.h>

const struct vg_cli_command vg_cli_commands[] = {
	{ NULL, NULL, NULL },
};
