/*
 * decoder.h - Wazuh XML decoders: load, compile and apply them to events.
 *
 * A decoder set is built by loading decoder files in order (each file's
 * decoders are appended in load order), then finished once: parents are
 * linked to their children, sibling chains are formed and the two top-level
 * lists (with and without <program_name>) are built. A finished set is
 * immutable and may be shared by any number of worker threads; each worker
 * passes its own pattern scratch to vg_decode(). Decoding allocates only from
 * the event's arena.
 */
#ifndef VIGIL_DECODER_H
#define VIGIL_DECODER_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/error.h"
#include "vigil/event.h"
#include "vigil/pattern.h"
#include "vigil/xml.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Decoder <type> values; rule <category> names map to the same values. */
enum vg_decoder_type {
	VG_DT_SYSLOG = 0,
	VG_DT_FIREWALL,
	VG_DT_IDS,
	VG_DT_WEBLOG,
	VG_DT_SQUID,
	VG_DT_WINDOWS,
	VG_DT_HOSTINFO,
	VG_DT_OSSEC,
	VG_DT_COUNT
};

/* Maps "syslog", "firewall", "ids", "web-log", "squid", "windows",
 * "host-information", "ossec" to a type; -1 for anything else. */
int vg_decoder_type_lookup(const char *name);
/* The name of a type ("syslog" ...), NULL when out of range. */
const char *vg_decoder_type_name(int type);

struct vg_decoder;     /* one compiled <decoder>; ev->decoder points at one */
struct vg_decoder_set; /* all decoders; immutable after vg_decoder_set_finish() */

/* Creates an empty set. *out is owned by the caller (vg_decoder_set_destroy()). */
int vg_decoder_set_create(struct vg_decoder_set **out);

/*
 * Appends the decoders of one file (or parsed document) in load order.
 * Errors and warnings go to diag (may be NULL) as "file:line:col: text".
 * Returns VG_EPARSE when the file had errors (decoders with errors are not
 * added; the others are), VG_EIO/VG_ENOENT when the file cannot be read,
 * VG_EINVAL after finish. The document is not kept: strings are copied.
 */
int vg_decoder_set_load_file(struct vg_decoder_set *set, const char *path, struct vg_diag *diag);
int vg_decoder_set_load_doc(struct vg_decoder_set *set, const struct vg_xml_doc *doc,
                            struct vg_diag *diag);

/* Links children to parents, forms sibling chains and the top-level lists.
 * A child whose parent is unknown is dropped with an error. Call once. */
int vg_decoder_set_finish(struct vg_decoder_set *set, struct vg_diag *diag);
/* Frees the set and every decoder. NULL-safe. */
void vg_decoder_set_destroy(struct vg_decoder_set *set);
/* Number of <decoder> elements loaded (siblings counted one by one). */
size_t vg_decoder_set_count(const struct vg_decoder_set *set);
/*
 * Calls fn on every pattern whose subject is the event's log or a suffix
 * of it (prematch and regex of every decoder; not program_name), for the
 * prefilter. Only between finish and the first decode. Returns VG_OK or
 * fn's first non-zero result.
 */
int vg_decoder_set_log_patterns(const struct vg_decoder_set *set, vg_pattern_visit_fn fn,
                                void *ctx);

/*
 * Decodes a pre-decoded event: sets ev->decoder_name, decoder_parent,
 * decoder_type, decoder and the fixed and dynamic fields. Returns VG_OK
 * whether or not a decoder matched (decoder_name is NULL when none did);
 * VG_ENOMEM only when the event arena is exhausted. scratch is the calling
 * thread's pattern scratch (needed for PCRE2 decoders). The set must be
 * finished.
 */
int vg_decode(const struct vg_decoder_set *set, struct vg_event *ev,
              struct vg_pattern_scratch *scratch);

/* Finds a decoder by name (the first loaded with that name); NULL if none. */
const struct vg_decoder *vg_decoder_set_find(const struct vg_decoder_set *set, const char *name);

/*
 * Accessors of one decoder (e.g. ev->decoder). Strings belong to the set.
 *   name          - the decoder's own <decoder name=>
 *   parent_name   - its parent's name, NULL for a top-level decoder
 *   type          - enum vg_decoder_type
 *   accumulate    - <accumulate/> present
 *   fts_count/fts_field - the <fts> field names in order ("name", "srcuser",
 *                   "location", "dstuser", ... or dynamic field names);
 *                   first-time-seen state itself is kept by the rule engine
 *   ftscomment    - <ftscomment> text, NULL when absent
 */
const char *vg_decoder_name(const struct vg_decoder *d);
const char *vg_decoder_parent_name(const struct vg_decoder *d);
int vg_decoder_type(const struct vg_decoder *d);
bool vg_decoder_accumulate(const struct vg_decoder *d);
unsigned vg_decoder_fts_count(const struct vg_decoder *d);
const char *vg_decoder_fts_field(const struct vg_decoder *d, unsigned i);
const char *vg_decoder_ftscomment(const struct vg_decoder *d);

#ifdef __cplusplus
}
#endif
#endif
