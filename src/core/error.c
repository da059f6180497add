/*
 * error.c - error code texts and the diagnostic list used for messages to
 * people (rule files, configs): each message keeps its file, line and column.
 */
#include "vigil/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/array.h"

const char *vg_strerror(int code)
{
	switch (code) {
	case VG_OK: return "success";
	case VG_ENOMEM: return "out of memory";
	case VG_EINVAL: return "invalid argument";
	case VG_EPARSE: return "malformed input";
	case VG_EIO: return "input/output error";
	case VG_ENOENT: return "not found";
	case VG_ELIMIT: return "limit reached";
	case VG_EUNSUP: return "not supported";
	case VG_EEXIST: return "already exists";
	case VG_ENOMATCH: return "no match";
	default: return "unknown error";
	}
}

void vg_diag_init(struct vg_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void vg_diag_free(struct vg_diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->count; i++) {
		free(d->msgs[i].file);
		free(d->msgs[i].text);
	}
	free(d->msgs);
	memset(d, 0, sizeof(*d));
}

void vg_diag_add(struct vg_diag *d, enum vg_diag_level level, const char *file, unsigned line,
                 unsigned col, const char *fmt, ...)
{
	if (!d)
		return;
	if (vg_grow((void **)&d->msgs, &d->cap, d->count + 1, sizeof(*d->msgs), 16))
		return; /* a lost diagnostic is better than a crash */
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	char *text = malloc((size_t)len + 1);
	if (!text)
		return;
	va_start(ap, fmt);
	vsnprintf(text, (size_t)len + 1, fmt, ap);
	va_end(ap);
	struct vg_diag_msg *m = &d->msgs[d->count++];
	m->level = level;
	m->file = file ? strdup(file) : NULL;
	m->line = line;
	m->col = col;
	m->text = text;
	if (level == VG_DIAG_ERROR)
		d->errors++;
	else if (level == VG_DIAG_WARNING)
		d->warnings++;
}

void vg_diag_print(const struct vg_diag *d, void *stdio_file)
{
	FILE *f = stdio_file;
	static const char *const names[] = { "error", "warning", "note" };

	for (size_t i = 0; i < d->count; i++) {
		const struct vg_diag_msg *m = &d->msgs[i];
		if (m->file && m->line && m->col)
			fprintf(f, "%s:%u:%u: ", m->file, m->line, m->col);
		else if (m->file && m->line)
			fprintf(f, "%s:%u: ", m->file, m->line);
		else if (m->file)
			fprintf(f, "%s: ", m->file);
		fprintf(f, "%s: %s\n", names[m->level], m->text);
	}
}
