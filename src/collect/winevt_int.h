/*
 * winevt_int.h - shared by the two halves of the Windows event-channel
 * conversion: winevt.c reads the input line (the agent's {"Message","Event"}
 * JSON with the event XML, or evtx_dump's JSON) into an element tree, and
 * winevt_render.c writes the tree as Wazuh's {"win":{...}} document. Not a
 * public interface.
 */
#ifndef VIGIL_WINEVT_INT_H
#define VIGIL_WINEVT_INT_H

#include <stdbool.h>

#include "vigil/buf.h"
#include "vigil/xml.h"

/*
 * Appends {"win":{"system":{...},"eventdata":{...}}} for the <Event> element
 * root. Every content and attribute value in the tree is already in the form
 * Wazuh's decoder sees (the XML text JSON-escaped once, see winevt.c);
 * message is the system.message value ("\"text\"") or NULL for none.
 * Returns 0, VG_ENOMEM or VG_ELIMIT.
 */
int vg_winevt_render(const struct vg_xml_node *root, const char *message, struct vg_buf *out);

#endif
