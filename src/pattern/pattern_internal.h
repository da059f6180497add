/*
 * pattern_internal.h - what the three dialect files share with the dispatcher
 * in pattern.c. Each dialect compiles to its own opaque object; pattern.c
 * wraps it in struct vg_pattern, keeps the source text and routes matches.
 * Not installed: only src/pattern/ and the unit tests include it.
 */
#ifndef VIGIL_PATTERN_INTERNAL_H
#define VIGIL_PATTERN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/pattern.h"

/* Longest pattern Wazuh accepts (OS_PATTERN_MAXSIZE); longer ones fail to compile. */
#define VG_PATTERN_MAX_LEN 20480

struct vg_osmatch;
struct vg_osregex;
struct vg_pcre2;

/* Writes a formatted reason into err (when not NULL) and returns VG_EPARSE. */
int vg_pattern_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int vg_osmatch_compile(const char *src, struct vg_osmatch **out, char *err, size_t errlen);
bool vg_osmatch_exec(const struct vg_osmatch *om, const char *subject);
void vg_osmatch_destroy(struct vg_osmatch *om);

int vg_osregex_compile(const char *src, struct vg_osregex **out, char *err, size_t errlen);
/* Fills m (when not NULL) with Wazuh's end pointer and captures. */
bool vg_osregex_exec(const struct vg_osregex *rx, const char *subject, struct vg_match *m);
/* The same without the literal pre-filter (the fuzzer checks both agree). */
bool vg_osregex_exec_nofilter(const struct vg_osregex *rx, const char *subject, struct vg_match *m);
unsigned vg_osregex_groups(const struct vg_osregex *rx);
void vg_osregex_destroy(struct vg_osregex *rx);

int vg_pcre2_compile(const char *src, struct vg_pcre2 **out, char *err, size_t errlen);
bool vg_pcre2_exec(const struct vg_pcre2 *pc, const char *subject, struct vg_pattern_scratch *s,
                   struct vg_match *m);
unsigned vg_pcre2_groups(const struct vg_pcre2 *pc);
void vg_pcre2_destroy(struct vg_pcre2 *pc);

#endif
