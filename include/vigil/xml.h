/*
 * xml.h - the lenient XML reader for Wazuh ruleset files.
 *
 * Reads what Wazuh's own reader accepts, not strict XML: several root
 * elements, a raw '&' (no entity decoding), "\<" inside text (the backslash
 * is kept), comments anywhere, and <var name="X">value</var> definitions
 * whose $X references are substituted in later attribute values and texts.
 * Every node records the line and column where it starts so loaders can
 * report "file:line:col: expected ...".
 */
#ifndef VIGIL_XML_H
#define VIGIL_XML_H

#include <stddef.h>

#include "vigil/arena.h"
#include "vigil/error.h"

struct vg_xml_attr {
	const char *name;
	const char *value;
	unsigned line, col;
};

struct vg_xml_node {
	const char *name;
	const char *content; /* text directly inside the element, "" when none */
	struct vg_xml_attr *attrs;
	unsigned nattrs;
	struct vg_xml_node *children; /* array of nchildren nodes */
	unsigned nchildren;
	unsigned line, col;
};

/* A parsed file; all strings and nodes live in its arena. */
struct vg_xml_doc {
	struct vg_arena *arena;
	const char *path;
	struct vg_xml_node *roots; /* array of nroots top-level elements (<var> included) */
	unsigned nroots;
};

/*
 * Parses a file or a buffer (name is used in messages). On success *out owns
 * the document (free with vg_xml_doc_destroy()). On a syntax error returns
 * VG_EPARSE with a diagnostic "name:line:col: expected ..." added to diag
 * (which may be NULL), and *out is NULL.
 */
int vg_xml_parse_file(const char *path, struct vg_xml_doc **out, struct vg_diag *diag);
int vg_xml_parse_buffer(const char *buf, size_t len, const char *name, struct vg_xml_doc **out,
                        struct vg_diag *diag);
void vg_xml_doc_destroy(struct vg_xml_doc *doc);

/* Attribute value by name (exact, case-sensitive), NULL when absent. */
const char *vg_xml_attr(const struct vg_xml_node *n, const char *name);

#endif
