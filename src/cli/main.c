/*
 * main.c - the vigil program: picks the subcommand and hands it the rest of
 * the command line. All work happens in libvigil.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "vigil/version.h"

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("vigil %s\n", VG_VERSION);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil COMMAND [ARGS...]\n\ncommands:\n");
	for (const struct vg_cli_command *c = vg_cli_commands; c->name; c++)
		fprintf(f, "  %-14s %s\n", c->name, c->summary);
	fprintf(f, "  %-14s %s\n", "version", "print the version");
	fprintf(f, "\nRun 'vigil COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(name, "version") == 0 || strcmp(name, "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	for (const struct vg_cli_command *c = vg_cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "vigil: unknown command '%s'\n", name);
	usage(stderr);
	return 2;
}
