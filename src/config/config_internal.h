/*
 * config_internal.h - shared between the config module's files: the
 * built-in values that keys left out of a file take.
 */
#ifndef VIGIL_CONFIG_INTERNAL_H
#define VIGIL_CONFIG_INTERNAL_H

#include "vigil/config.h"

/* Sets every scalar to its built-in default (strings are static). */
void vg_config_set_builtin(struct vg_config *cfg);

#endif
