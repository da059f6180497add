/*
 * positions.h - the collector's saved read positions (private to collect).
 *
 * A small text file in the data directory records, for every tailed file,
 * the device, inode and byte offset after the last delivered record, keyed
 * by path, and the journal cursor. It is replaced atomically: written to a
 * temporary file, fsync'ed, renamed over the old one.
 */
#ifndef VIGIL_COLLECT_POSITIONS_H
#define VIGIL_COLLECT_POSITIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_position {
	char *path;
	uint64_t dev, ino;
	int64_t offset;
};

struct vg_positions {
	struct vg_position *items;
	size_t count, cap;
	char *journal_cursor; /* NULL when none */
	uint64_t tag;         /* the caller's mark ("S <tag>"), e.g. a spool sequence */
	bool has_tag;
	bool existed; /* a positions file was found when loading */
};

/* Empties p (no allocation). */
void vg_positions_init(struct vg_positions *p);
/* Frees everything p holds; p can be reused after vg_positions_init(). */
void vg_positions_free(struct vg_positions *p);

/*
 * Reads file into p (which must be freshly initialised). A missing file
 * leaves p empty with existed = false and returns 0. Malformed lines are
 * skipped with a warning. Returns VG_EIO when the file cannot be read,
 * VG_ENOMEM.
 */
int vg_positions_load(struct vg_positions *p, const char *file);

/* Parses the text of a positions file (modified in place; name is used in
 * warnings). Malformed lines are skipped. Returns VG_ENOMEM or 0. */
int vg_positions_parse(struct vg_positions *p, char *text, const char *name);

/* Writes p to file atomically. Paths holding a newline are not saved.
 * Returns VG_EIO (the old file is left in place), VG_ENOMEM. */
int vg_positions_save(const struct vg_positions *p, const char *file);

/* The entry for path, or NULL. */
const struct vg_position *vg_positions_find(const struct vg_positions *p, const char *path);

/* Adds or replaces the entry for path. Returns VG_ENOMEM. */
int vg_positions_set(struct vg_positions *p, const char *path, uint64_t dev, uint64_t ino,
                     int64_t offset);

/* Drops the entry for path, if any. */
void vg_positions_remove(struct vg_positions *p, const char *path);

/* Replaces the journal cursor (NULL clears it). Returns VG_ENOMEM. */
int vg_positions_set_cursor(struct vg_positions *p, const char *cursor);

#endif
