/*
 * prefilter.h - one literal scan of an event's log decides which log
 * patterns can possibly match it.
 *
 * While a ruleset is built, every OS_Match / OS_Regex pattern whose subject
 * is the event's log (or a suffix of it: decoder prematch and regex, rule
 * <match> and <regex>) is added; those with a required-literal set (see
 * vg_pattern_literal_count()) get a prefilter id. Compiling gathers all the
 * literals into one Vectorscan database. Per event, vg_prefilter_scan()
 * runs a single case-insensitive scan of the log and returns a bitset with
 * the bit of every pattern one of whose literals occurs; patterns whose bit
 * is clear cannot match. (The analyzer no longer scans with it: the log
 * gate of the pattern scratch, vg_pattern_scratch_gate(), rules patterns
 * out by the byte pairs of their literals, only for the patterns an event
 * queries; see docs/performance.md.)
 *
 * A compiled prefilter is immutable and shared by all threads; each worker
 * owns a struct vg_prefilter_scratch.
 */
#ifndef VIGIL_PREFILTER_H
#define VIGIL_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/pattern.h"

struct vg_prefilter;
struct vg_prefilter_scratch;

/* Creates an empty prefilter. Returns VG_OK or VG_ENOMEM. */
int vg_prefilter_create(struct vg_prefilter **out);
/* Frees pf (NULL-safe). Patterns keep their ids; do not match them with a
 * gate built from another prefilter. */
void vg_prefilter_destroy(struct vg_prefilter *pf);

/*
 * Adds a pattern whose subject is always the event's log or a suffix of it.
 * A pattern with no required literals, or one added already, is left alone.
 * Otherwise it gets the next prefilter id. Only before vg_prefilter_compile().
 * Returns VG_OK, VG_EINVAL (compiled already) or VG_ENOMEM.
 */
int vg_prefilter_add(struct vg_prefilter *pf, struct vg_pattern *p);
/* Number of patterns added with an id. */
unsigned vg_prefilter_count(const struct vg_prefilter *pf);

/* Builds the literal database. Returns VG_OK, VG_ENOMEM or VG_EINVAL when
 * Vectorscan refuses the literals (the prefilter then lets everything pass). */
int vg_prefilter_compile(struct vg_prefilter *pf);

/* Per-thread scan state for a compiled pf. Returns VG_OK or VG_ENOMEM. */
int vg_prefilter_scratch_create(const struct vg_prefilter *pf, struct vg_prefilter_scratch **out);
void vg_prefilter_scratch_destroy(struct vg_prefilter_scratch *s);

/*
 * Scans log[0..len) and returns the bitset of patterns that may match
 * (owned by s, valid until the next scan with s), or NULL when nothing can
 * be ruled out (no database, or the scan failed).
 */
const uint64_t *vg_prefilter_scan(const struct vg_prefilter *pf, struct vg_prefilter_scratch *s,
                                  const char *log, size_t len);

#endif
