/*
 * embedded.h - files compiled into the library (Vigil's built-in ruleset).
 * The tables are generated at build time from ruleset/ by
 * scripts/embed_files.py.
 */
#ifndef VIGIL_ENGINE_EMBEDDED_H
#define VIGIL_ENGINE_EMBEDDED_H

#include <stddef.h>

struct vg_embedded_file {
	const char *name; /* basename, NULL ends the table */
	const char *text; /* NUL-terminated */
	size_t len;
};

extern const struct vg_embedded_file vg_builtin_decoders[];
extern const struct vg_embedded_file vg_builtin_rules[];

#endif
