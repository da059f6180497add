/*
 * cli.h - the subcommands of the vigil program. Each takes the arguments
 * after its own name (argv[0] is the subcommand) and returns the exit status.
 */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

struct vg_cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

/* The table of subcommands, terminated by an entry with a NULL name. */
extern const struct vg_cli_command vg_cli_commands[];

#endif
