/*
 * predecode_int.h - private interface between the pre-decoder's files.
 *
 * predecode.c frames the input and reads the location; predecode_time.c
 * reads the syslog-style header of the log text.
 */
#ifndef VIGIL_PREDECODE_INT_H
#define VIGIL_PREDECODE_INT_H

#include "vigil/event.h"

/*
 * Reads the header of text (copied into ev->arena first): sets
 * ev->timestamp and ev->log, and returns the header's hostname and program
 * name through host and prog (NULL when absent; they point into the arena).
 * Returns VG_ENOMEM or VG_OK; any text is accepted.
 */
int vg_predecode_header(struct vg_event *ev, const char *text, const char **host,
                        const char **prog);

#endif
