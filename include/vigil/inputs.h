/*
 * inputs.h - everything a host collects, built from the `inputs` of a
 * configuration: files and the journal (the collector), process executions
 * (procmon) and listening ports (portmon), behind one poll-style interface
 * for `vigil run` and `vigil agent`.
 */
#ifndef VIGIL_INPUTS_H
#define VIGIL_INPUTS_H

#include <stddef.h>

#include "vigil/collect.h"
#include "vigil/config.h"
#include "vigil/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vg_inputs;

/*
 * Opens every input (file positions, the audit position and the port
 * snapshot are kept in data_dir). A journal that cannot be opened and a
 * process monitor that falls back to audit.log are warnings in d; a bad
 * file input is an error. *out is the caller's (vg_inputs_destroy).
 */
int vg_inputs_create(const struct vg_config_input *in, size_t n, const char *data_dir,
                     struct vg_inputs **out, struct vg_diag *d);
/* Closes everything; does not save positions. NULL-safe. */
void vg_inputs_destroy(struct vg_inputs *x);
/* Descriptors to wait on (POLLIN); returns how many there are. */
size_t vg_inputs_fds(const struct vg_inputs *x, int *fds, size_t cap);
/* Milliseconds until vg_inputs_poll() is due without input (-1 = none). */
int vg_inputs_timeout_ms(const struct vg_inputs *x);
/* Delivers at most max records (0 = no limit); returns how many, or <0. */
int vg_inputs_poll(struct vg_inputs *x, vg_collect_cb cb, void *ctx, size_t max);
/* The file and journal collector (positions, tags, statistics). */
struct vg_collector *vg_inputs_collector(struct vg_inputs *x);

#ifdef __cplusplus
}
#endif
#endif
