/*
 * buf.c - bounded growable byte buffer, the project's safe string builder.
 */
#include "vigil/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"

#define BUF_DEFAULT_LIMIT ((size_t)1 << 30)

void vg_buf_init(struct vg_buf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit ? limit : BUF_DEFAULT_LIMIT;
}

void vg_buf_free(struct vg_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void vg_buf_reset(struct vg_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_reserve(struct vg_buf *b, size_t extra)
{
	if (extra > b->limit || b->len > b->limit - extra)
		return VG_ELIMIT;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return VG_OK;
	size_t ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	char *n = realloc(b->data, ncap);
	if (!n)
		return VG_ENOMEM;
	b->data = n;
	b->cap = ncap;
	return VG_OK;
}

int vg_buf_add(struct vg_buf *b, const void *data, size_t len)
{
	int rc = buf_reserve(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return VG_OK;
}

int vg_buf_addstr(struct vg_buf *b, const char *s)
{
	return vg_buf_add(b, s, strlen(s));
}

int vg_buf_addc(struct vg_buf *b, char c)
{
	return vg_buf_add(b, &c, 1);
}

int vg_buf_vprintf(struct vg_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0)
		return VG_EINVAL;
	int rc = buf_reserve(b, (size_t)len);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)len + 1, fmt, ap);
	b->len += (size_t)len;
	return VG_OK;
}

int vg_buf_printf(struct vg_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vg_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int vg_buf_add_json_str(struct vg_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0;
	int rc = VG_OK;

	for (size_t i = 0; i < len && rc == VG_OK; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			if (c < 0x20) {
				u[0] = '\\';
				u[1] = 'u';
				u[2] = '0';
				u[3] = '0';
				u[4] = hex[c >> 4];
				u[5] = hex[c & 15];
				u[6] = '\0';
				esc = u;
			}
		}
		if (!esc)
			continue;
		rc = vg_buf_add(b, s + start, i - start);
		if (rc == VG_OK)
			rc = vg_buf_addstr(b, esc);
		start = i + 1;
	}
	if (rc == VG_OK)
		rc = vg_buf_add(b, s + start, len - start);
	return rc;
}

const char *vg_buf_str(const struct vg_buf *b)
{
	return b->data ? b->data : "";
}

char *vg_buf_detach(struct vg_buf *b)
{
	char *d = b->data;
	if (!d)
		d = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}
