/*
 * sca_builtin.c - Vigil's own SCA policies (the YAML files of ruleset/sca), embedded
 * in the library at build time by scripts/embed_files.py.
 */
#include "engine/embedded.h"
#include "vigil/sca.h"

extern const struct vg_embedded_file vg_builtin_sca[];

size_t vg_sca_builtin_count(void)
{
	size_t n = 0;
	while (vg_builtin_sca[n].name)
		n++;
	return n;
}

const char *vg_sca_builtin_name(size_t i)
{
	return i < vg_sca_builtin_count() ? vg_builtin_sca[i].name : NULL;
}

const char *vg_sca_builtin_text(size_t i, size_t *len)
{
	if (i >= vg_sca_builtin_count())
		return NULL;
	if (len)
		*len = vg_builtin_sca[i].len;
	return vg_builtin_sca[i].text;
}
