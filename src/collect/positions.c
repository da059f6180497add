/*
 * positions.c - loading and atomically saving the collector's read
 * positions. The file is plain text, one record a line:
 *
 *   # vigil collector positions v1
 *   F <dev> <inode> <offset> <path>
 *   J <journal cursor>
 *
 * The path comes last so it may hold spaces; paths holding a newline are
 * never written. Saving writes "<file>.tmp", syncs it, renames it over the
 * old file and syncs the directory, so a crash leaves either the old or
 * the new positions, never a torn file.
 */
#include "collect/positions.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigil/array.h"
#include "vigil/buf.h"
#include "vigil/error.h"
#include "vigil/file.h"
#include "vigil/log.h"

#define POS_HEADER   "# vigil collector positions v1\n"
#define POS_MAX_FILE (64u << 20)

void vg_positions_init(struct vg_positions *p)
{
	memset(p, 0, sizeof(*p));
}

void vg_positions_free(struct vg_positions *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->count; i++)
		free(p->items[i].path);
	free(p->items);
	free(p->journal_cursor);
	vg_positions_init(p);
}

const struct vg_position *vg_positions_find(const struct vg_positions *p, const char *path)
{
	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->items[i].path, path) == 0)
			return &p->items[i];
	return NULL;
}

int vg_positions_set(struct vg_positions *p, const char *path, uint64_t dev, uint64_t ino,
                     int64_t offset)
{
	struct vg_position *e = (struct vg_position *)vg_positions_find(p, path);
	if (!e) {
		if (vg_grow((void **)&p->items, &p->cap, p->count + 1, sizeof(*p->items), 16))
			return VG_ENOMEM;
		char *copy = strdup(path);
		if (!copy)
			return VG_ENOMEM;
		e = &p->items[p->count++];
		e->path = copy;
	}
	e->dev = dev;
	e->ino = ino;
	e->offset = offset;
	return VG_OK;
}

void vg_positions_remove(struct vg_positions *p, const char *path)
{
	struct vg_position *e = (struct vg_position *)vg_positions_find(p, path);
	if (!e)
		return;
	free(e->path);
	*e = p->items[--p->count];
}

int vg_positions_set_cursor(struct vg_positions *p, const char *cursor)
{
	char *copy = NULL;
	if (cursor && !(copy = strdup(cursor)))
		return VG_ENOMEM;
	free(p->journal_cursor);
	p->journal_cursor = copy;
	return VG_OK;
}

/* Parses an unsigned decimal number ending at a space; advances *s past it. */
static int parse_u64(const char **s, uint64_t *out)
{
	char *end;
	if (**s < '0' || **s > '9')
		return VG_EPARSE;
	errno = 0;
	unsigned long long v = strtoull(*s, &end, 10);
	if (errno || *end != ' ')
		return VG_EPARSE;
	*out = v;
	*s = end + 1;
	return VG_OK;
}

static int parse_line(struct vg_positions *p, const char *line)
{
	if (line[0] == 'J' && line[1] == ' ' && line[2])
		return vg_positions_set_cursor(p, line + 2);
	if (line[0] == 'S' && line[1] == ' ') {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(line + 2, &end, 10);
		if (errno || *end || end == line + 2)
			return VG_EPARSE;
		p->tag = v;
		p->has_tag = true;
		return VG_OK;
	}
	if (line[0] != 'F' || line[1] != ' ')
		return VG_EPARSE;
	const char *s = line + 2;
	uint64_t dev, ino, off;
	if (parse_u64(&s, &dev) || parse_u64(&s, &ino) || parse_u64(&s, &off) || !*s ||
	    off > INT64_MAX)
		return VG_EPARSE;
	return vg_positions_set(p, s, dev, ino, (int64_t)off);
}

static int read_whole(const char *file, struct vg_buf *b)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? VG_ENOENT : VG_EIO;
	int rc = VG_OK;
	char chunk[8192];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = VG_EIO;
			break;
		}
		if (n == 0)
			break;
		if ((rc = vg_buf_add(b, chunk, (size_t)n)) != VG_OK)
			break;
	}
	close(fd);
	return rc;
}

int vg_positions_parse(struct vg_positions *p, char *text, const char *name)
{
	char *s = text;
	unsigned lineno = 0;
	while (*s) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		if (*s && *s != '#') {
			int rc = parse_line(p, s);
			if (rc == VG_ENOMEM)
				return rc;
			if (rc != VG_OK)
				vg_warn("%s:%u: malformed position line skipped", name, lineno);
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return VG_OK;
}

int vg_positions_load(struct vg_positions *p, const char *file)
{
	struct vg_buf b;
	vg_buf_init(&b, POS_MAX_FILE);
	int rc = read_whole(file, &b);
	if (rc == VG_ENOENT) {
		rc = VG_OK;
	} else if (rc == VG_OK) {
		p->existed = true;
		if (b.data)
			rc = vg_positions_parse(p, b.data, file);
	}
	vg_buf_free(&b);
	return rc;
}

static int format_all(const struct vg_positions *p, struct vg_buf *b)
{
	int rc = vg_buf_addstr(b, POS_HEADER);
	for (size_t i = 0; rc == VG_OK && i < p->count; i++) {
		const struct vg_position *e = &p->items[i];
		if (strchr(e->path, '\n'))
			continue;
		rc = vg_buf_printf(b, "F %" PRIu64 " %" PRIu64 " %" PRId64 " %s\n", e->dev, e->ino,
		                   e->offset, e->path);
	}
	if (rc == VG_OK && p->journal_cursor && !strchr(p->journal_cursor, '\n'))
		rc = vg_buf_printf(b, "J %s\n", p->journal_cursor);
	if (rc == VG_OK && p->has_tag)
		rc = vg_buf_printf(b, "S %" PRIu64 "\n", p->tag);
	return rc;
}

int vg_positions_save(const struct vg_positions *p, const char *file)
{
	struct vg_buf text;
	vg_buf_init(&text, POS_MAX_FILE);
	int rc = format_all(p, &text);
	if (rc == VG_OK) {
		rc = vg_file_replace(file, vg_buf_str(&text), text.len, 0600, true);
		if (rc != VG_OK)
			vg_warn("cannot save positions to %s: %s", file, strerror(errno));
	}
	vg_buf_free(&text);
	return rc == VG_OK || rc == VG_ENOMEM ? rc : VG_EIO;
}
