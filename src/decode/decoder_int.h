/*
 * decoder_int.h - internals shared by the decoder loader, the matcher and
 * the plugin decoders (not part of the public API).
 *
 * A struct vg_decoder is one compiled <decoder> element. Top-level decoders
 * own an ordered array of children; a child that names a parent shared by
 * several top-level decoders is referenced from each of them. Everything a
 * set owns (strings, decoders, arrays) lives in the set's arena, except the
 * compiled patterns, which the set destroys one by one.
 */
#ifndef VIGIL_DECODER_INT_H
#define VIGIL_DECODER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/decoder.h"

/* The offset attribute of <prematch>, <regex> and <plugin_decoder>. */
enum vg_dec_offset {
	VG_OFF_NONE = 0,
	VG_OFF_AFTER_PARENT = 1,
	VG_OFF_AFTER_PREMATCH = 2,
	VG_OFF_AFTER_REGEX = 4,
};

/* <json_null_field>: what the JSON plugin does with a null value. */
enum vg_json_null { VG_JSON_NULL_STRING = 0, VG_JSON_NULL_EMPTY, VG_JSON_NULL_DISCARD };
/* <json_array_structure>: arrays as JSON text (default) or as CSV. */
enum vg_json_array { VG_JSON_ARRAY_JSON = 0, VG_JSON_ARRAY_CSV };

/* One <order> entry: a fixed field index, or -1 and a dynamic field name. */
struct vg_dec_order {
	int fixed;
	const char *name;
};

/*
 * A plugin decoder reads input (the log at the plugin's offset, never NULL)
 * and fills ev. Plugins allocate only from ev->arena. They return VG_OK or
 * VG_ENOMEM; input they cannot read simply sets no fields.
 */
typedef int (*vg_dec_plugin_fn)(const struct vg_decoder *d, struct vg_event *ev, const char *input);

struct vg_decoder {
	const char *name;        /* own name */
	const char *parent_name; /* NULL for a top-level decoder */
	const char *file;
	unsigned line;
	unsigned index; /* load order in the set */

	int type; /* enum vg_decoder_type */
	bool use_own_name;
	bool accumulate;
	bool get_next;         /* another sibling's regex follows this one */
	bool has_program_name; /* <program_name> given (maybe empty: matches all) */

	struct vg_pattern *program_name; /* NULL = any program */
	struct vg_pattern *prematch;
	struct vg_pattern *regex;
	const char *pname_exact; /* program_name is "^literal$": compared directly */
	size_t pname_exact_len;
	unsigned prematch_offset, regex_offset, plugin_offset;

	vg_dec_plugin_fn plugin;
	enum vg_json_null json_null;
	enum vg_json_array json_array;

	struct vg_dec_order *order;
	unsigned norder;
	const char **fts;
	unsigned nfts;
	const char *ftscomment;

	/* Top-level decoders only: children in load order. */
	struct vg_decoder **children;
	unsigned nchildren, children_cap;
};

/* Candidate top-level decoders for a program name (decoder_pname.c). */
#define VG_DEC_PNAME_MAX_LISTS 32
struct vg_dec_pname_index;
struct vg_dec_pname_iter {
	const unsigned *v[VG_DEC_PNAME_MAX_LISTS]; /* sorted positions in top_pn */
	unsigned n[VG_DEC_PNAME_MAX_LISTS];
	unsigned nlists;
};

struct vg_decoder_set {
	struct vg_arena *arena;
	struct vg_decoder **all; /* every decoder in load order */
	size_t count, cap;
	struct vg_decoder **top_pn; /* top-level decoders with <program_name> */
	size_t ntop_pn, top_pn_cap;
	struct vg_decoder **top_nopn; /* top-level decoders without */
	size_t ntop_nopn, top_nopn_cap;
	const struct vg_dec_pname_index *pname_index; /* NULL: try all of top_pn */
	bool finished;
};

/* Builds set->pname_index (at finish). VG_OK or VG_ENOMEM. */
int vg_dec_pname_build(struct vg_decoder_set *set);
/* Starts an iteration over the positions in top_pn of the decoders whose
 * program name can match pname (len bytes), ascending; needs pname_index. */
void vg_dec_pname_candidates(const struct vg_decoder_set *set, const char *pname, size_t len,
                             struct vg_dec_pname_iter *it);
/* The next candidate position, or -1. */
long vg_dec_pname_next(struct vg_dec_pname_iter *it);

/* Does d's <program_name> accept pname (len bytes)? (decoder_match.c) */
bool vg_dec_pname_matches(const struct vg_decoder *d, const char *pname, size_t len,
                          struct vg_pattern_scratch *scratch);
/* Tries top-level decoder d (its program name already accepted): VG_ENOMATCH
 * when its prematch fails, else decodes ev with it (VG_OK or VG_ENOMEM). */
int vg_dec_try_top(const struct vg_decoder *d, struct vg_event *ev,
                   struct vg_pattern_scratch *scratch);

/* Looks a plugin up by its <plugin_decoder> name; NULL when unknown. */
vg_dec_plugin_fn vg_dec_plugin_lookup(const char *name);

/* The plugins (plugin_*.c). */
int vg_dec_plugin_json(const struct vg_decoder *d, struct vg_event *ev, const char *input);
int vg_dec_plugin_ossecalert(const struct vg_decoder *d, struct vg_event *ev, const char *input);
int vg_dec_plugin_pf(const struct vg_decoder *d, struct vg_event *ev, const char *input);
int vg_dec_plugin_symantecws(const struct vg_decoder *d, struct vg_event *ev, const char *input);
int vg_dec_plugin_sonicwall(const struct vg_decoder *d, struct vg_event *ev, const char *input);

/* Stores a decoded value under an <order>/JSON key: fixed fields by name
 * (vg_fixed_lookup), everything else as a dynamic field. value must live in
 * ev->arena. Past the dynamic field limit the value is dropped (VG_OK). */
int vg_dec_store(struct vg_event *ev, int fixed, const char *name, const char *value);

#endif
