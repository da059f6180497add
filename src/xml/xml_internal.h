/*
 * xml_internal.h - private interface between the XML reader's files.
 *
 * xml_read.c builds the node tree; xml_vars.c then applies Wazuh's
 * <var name="X">value</var> substitution to it. Nothing here is public API.
 */
#ifndef VIGIL_XML_INTERNAL_H
#define VIGIL_XML_INTERNAL_H

#include "vigil/xml.h"

/* Longest variable name Wazuh accepts (XML_VARIABLE_MAXSIZE - 1). */
#define VG_XML_VAR_NAME_MAX 255

/*
 * Collects every <var> of doc in document order and replaces "$NAME"
 * references in the contents and attribute values that follow each
 * definition, as Wazuh's OS_ApplyVariables() does. New strings are
 * allocated from doc->arena. Returns VG_EPARSE (with a diagnostic) on an
 * unknown variable or a malformed <var>, VG_ENOMEM on allocation failure.
 */
int vg_xml_vars_apply(struct vg_xml_doc *doc, struct vg_diag *diag);

#endif
