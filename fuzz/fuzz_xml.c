/*
 * fuzz_xml.c - libFuzzer target for the lenient XML reader: any input must
 * either parse into a document or fail with a diagnostic, never crash, leak
 * or read out of bounds. A parsed document is walked to touch every node.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vigil/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct vg_xml_node *n, unsigned depth)
{
	size_t sum = strlen(n->name) + strlen(n->content) + n->line + depth;
	for (unsigned i = 0; i < n->nattrs; i++)
		sum += strlen(n->attrs[i].value);
	(void)vg_xml_attr(n, "name");
	for (unsigned i = 0; i < n->nchildren; i++)
		sum += walk(&n->children[i], depth + 1);
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_xml_doc *doc = NULL;
	struct vg_diag diag;
	vg_diag_init(&diag);
	int rc = vg_xml_parse_buffer((const char *)data, size, "fuzz.xml", &doc, &diag);
	if (rc == VG_OK) {
		size_t sum = 0;
		for (unsigned i = 0; i < doc->nroots; i++)
			sum += walk(&doc->roots[i], 0);
		(void)sum;
		vg_xml_doc_destroy(doc);
	} else if (rc == VG_EPARSE && diag.errors == 0) {
		__builtin_trap(); /* every syntax error must say why */
	}
	vg_diag_free(&diag);
	return 0;
}
