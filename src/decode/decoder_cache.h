/*
 * decoder_cache.h - a worker's memory of which top-level decoders each
 * program name selects (private to the engine: the analyzer owns one).
 *
 * Whether a decoder's <program_name> matches depends on the program name
 * alone, and a worker sees few distinct names, so the list of decoders a
 * name selects is worked out once per name and reused. Decoding with the
 * cache gives the same result as vg_decode(), which tests every candidate.
 */
#ifndef VIGIL_DECODER_CACHE_H
#define VIGIL_DECODER_CACHE_H

#include "vigil/decoder.h"

struct vg_dec_cache;

/* Creates an empty cache. Returns VG_OK or VG_ENOMEM (*out NULL). */
int vg_dec_cache_create(struct vg_dec_cache **out);
/* Frees the cache. NULL-safe. */
void vg_dec_cache_destroy(struct vg_dec_cache *c);

/*
 * vg_decode() remembering, in cache, the top-level decoders each program
 * name selects. The cache belongs to one thread and is tied to the last set
 * it was used with: a different set empties it. When a name cannot be
 * remembered (out of memory) decoding goes on without the cache.
 */
int vg_decode_cached(const struct vg_decoder_set *set, struct vg_event *ev,
                     struct vg_pattern_scratch *scratch, struct vg_dec_cache *cache);

#endif
