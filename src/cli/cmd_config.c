/*
 * cmd_config.c - "vigil config check FILE" validates a configuration file
 * and prints OK or every error as file:line:col; "vigil config default"
 * prints the built-in configuration.
 */
#include "cli/cmd_config.h"

#include <stdio.h>
#include <string.h>

#include "vigil/config.h"
#include "vigil/error.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil config check FILE   validate a configuration file\n"
	           "       vigil config default      print the built-in configuration\n");
}

int vg_cmd_config(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "default") == 0) {
		fputs(vg_config_default_yaml(), stdout);
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "check") != 0) {
		usage(stderr);
		return 2;
	}
	struct vg_diag d;
	struct vg_config cfg;
	vg_diag_init(&d);
	int rc = vg_config_load_file(argv[2], &cfg, &d);
	if (rc == VG_OK) {
		printf("%s: OK\n", argv[2]);
		vg_config_destroy(&cfg);
	} else {
		vg_diag_print(&d, stderr);
		if (d.count == 0)
			fprintf(stderr, "%s: %s\n", argv[2], vg_strerror(rc));
	}
	vg_diag_free(&d);
	return rc == VG_OK ? 0 : 1;
}
