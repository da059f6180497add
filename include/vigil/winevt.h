/*
 * winevt.h - Windows event-channel events from shippers, turned into the
 * {"win":{"system":{...},"eventdata":{...}}} JSON document that Wazuh's
 * analysisd builds and Wazuh's Windows rules are written against.
 *
 * Accepted inputs, one JSON object per line:
 *  - the agent's raw form {"Message":"...","Event":"<Event xmlns=...>...</Event>"};
 *  - evtx_dump's JSON form {"Event":{"System":{...},"EventData":{...}}}.
 * A line already in the {"win":...} form, or any other line, is not an
 * event-channel event and passes unchanged. See docs/winevt.md.
 */
#ifndef VIGIL_WINEVT_H
#define VIGIL_WINEVT_H

#include <stddef.h>

#include "vigil/buf.h"
#include "vigil/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Converts one line. On success out is reset and holds the {"win":...}
 * document and 0 is returned. VG_ENOENT: the line is not an event-channel
 * event (use it unchanged; out untouched). VG_EPARSE: it is one but broken
 * (bad JSON around an "Event" key, unreadable XML); a message goes to d
 * (which may be NULL). Also VG_ENOMEM, or VG_ELIMIT when out's limit is hit.
 */
int vg_winevt_convert(const char *line, size_t len, struct vg_buf *out, struct vg_diag *d);

#ifdef __cplusplus
}
#endif
#endif
