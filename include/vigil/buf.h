/*
 * buf.h - bounded, growable byte buffer (always NUL-terminated).
 *
 * The replacement for sprintf/strcat: append with vg_buf_add*(); a buffer
 * refuses to grow past its limit and reports VG_ELIMIT instead.
 */
#ifndef VIGIL_BUF_H
#define VIGIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct vg_buf {
	char *data; /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
	size_t limit; /* maximum len; 0 = 1 GiB */
};

void vg_buf_init(struct vg_buf *b, size_t limit);
void vg_buf_free(struct vg_buf *b);
/* Sets len to 0, keeping memory. */
void vg_buf_reset(struct vg_buf *b);
int vg_buf_add(struct vg_buf *b, const void *data, size_t len);
int vg_buf_addstr(struct vg_buf *b, const char *s);
int vg_buf_addc(struct vg_buf *b, char c);
int vg_buf_printf(struct vg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vg_buf_vprintf(struct vg_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Appends s as the inside of a JSON string (no surrounding quotes). */
int vg_buf_add_json_str(struct vg_buf *b, const char *s, size_t len);
/* Returns the data (never NULL: "" when empty); the buffer keeps ownership. */
const char *vg_buf_str(const struct vg_buf *b);
/* Hands the data to the caller (free() it) and resets the buffer. */
char *vg_buf_detach(struct vg_buf *b);

#endif
