/*
 * error.h - Vigil's error codes.
 *
 * Fallible library functions return 0 on success or a negative VG_E* value.
 * vg_strerror() turns a code into a short static message. Errors meant for
 * people (a bad rule file, a bad config line) additionally carry a
 * "file:line:col: what was expected" text through struct vg_diag.
 */
#ifndef VIGIL_ERROR_H
#define VIGIL_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vg_error {
	VG_OK = 0,
	VG_ENOMEM = -1,   /* allocation failed */
	VG_EINVAL = -2,   /* invalid argument */
	VG_EPARSE = -3,   /* malformed input (see the diag text) */
	VG_EIO = -4,      /* read or write failed (errno kept) */
	VG_ENOENT = -5,   /* no such file, field or object */
	VG_ELIMIT = -6,   /* a configured or built-in limit was reached */
	VG_EUNSUP = -7,   /* valid input using something not supported */
	VG_EEXIST = -8,   /* already exists */
	VG_ENOMATCH = -9, /* pattern or rule did not match */
};

/* Returns a static, never-NULL description of code. */
const char *vg_strerror(int code);

/*
 * A diagnostic sink: errors and warnings for people, each with a location.
 * Owned by the caller; the library appends messages with vg_diag_add().
 */
enum vg_diag_level { VG_DIAG_ERROR, VG_DIAG_WARNING, VG_DIAG_INFO };

struct vg_diag_msg {
	enum vg_diag_level level;
	char *file; /* may be NULL */
	unsigned line, col;
	char *text;
};

struct vg_diag {
	struct vg_diag_msg *msgs;
	size_t count, cap;
	size_t errors, warnings;
};

void vg_diag_init(struct vg_diag *d);
/* Frees every message; d can be reused after vg_diag_init(). NULL-safe. */
void vg_diag_free(struct vg_diag *d);
/* Appends a message; file may be NULL, line/col 0 when unknown. */
void vg_diag_add(struct vg_diag *d, enum vg_diag_level level, const char *file, unsigned line,
                 unsigned col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Prints every message as "file:line:col: error: text" to the stream. */
void vg_diag_print(const struct vg_diag *d, void *stdio_file);

#ifdef __cplusplus
}
#endif
#endif
