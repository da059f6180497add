/*
 * ruleset_internal.h - the inside of struct vg_ruleset, shared by the
 * engine's files.
 */
#ifndef VIGIL_ENGINE_RULESET_INTERNAL_H
#define VIGIL_ENGINE_RULESET_INTERNAL_H

#include <stdatomic.h>

#include "vigil/engine.h"

struct vg_decoder_set;
struct vg_rule_set;
struct vg_prefilter;

struct vg_ruleset {
	atomic_uint refs;
	struct vg_decoder_set *decoders;
	struct vg_rule_set *rules;
};

#endif
