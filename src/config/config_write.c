/*
 * config_write.c - writes inputs back as YAML: the manager sends each agent
 * the inputs of its groups as one configuration text, which the agent reads
 * with the same loader (and the same checks) as a local file.
 */
#include "vigil/config.h"

#include <string.h>

#include "vigil/buf.h"

static int add_quoted(struct vg_buf *b, const char *key, const char *value)
{
	int rc = vg_buf_printf(b, ", %s: \"", key);
	if (rc == VG_OK)
		rc = vg_buf_add_json_str(b, value, strlen(value));
	return rc == VG_OK ? vg_buf_addc(b, '"') : rc;
}

static int add_list(struct vg_buf *b, const char *key, const char *const *v, size_t n)
{
	int rc = vg_buf_printf(b, ", %s: [", key);
	for (size_t i = 0; rc == VG_OK && i < n; i++) {
		rc = vg_buf_addstr(b, i ? ", \"" : "\"");
		if (rc == VG_OK)
			rc = vg_buf_add_json_str(b, v[i], strlen(v[i]));
		if (rc == VG_OK)
			rc = vg_buf_addc(b, '"');
	}
	return rc == VG_OK ? vg_buf_addc(b, ']') : rc;
}

static int add_fim_path(struct vg_buf *b, const struct vg_config_fim_path *p)
{
	static const char *const attr_names[] = { "size",   "permissions", "owner", "group",
		                                  "mtime",  "inode",       "md5",   "sha1",
		                                  "sha256", "xattrs" };
	const char *attrs[sizeof(attr_names) / sizeof(attr_names[0])];
	size_t na = 0;
	for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++)
		if (p->attrs & (1u << i))
			attrs[na++] = attr_names[i];
	int rc = vg_buf_addstr(b, "{path: \"");
	if (rc == VG_OK)
		rc = vg_buf_add_json_str(b, p->path, strlen(p->path));
	if (rc == VG_OK)
		rc = vg_buf_printf(
		    b, "\", realtime: %s, whodata: %s, report_changes: %s, recursion: %d",
		    p->realtime ? "true" : "false", p->whodata ? "true" : "false",
		    p->report_changes ? "true" : "false", p->recursion);
	if (rc == VG_OK)
		rc = add_list(b, "attributes", attrs, na);
	if (rc == VG_OK && p->nignore)
		rc = add_list(b, "ignore", p->ignore, p->nignore);
	if (rc == VG_OK && p->nignore_regex)
		rc = add_list(b, "ignore_regex", p->ignore_regex, p->nignore_regex);
	if (rc == VG_OK && p->nrestrict_regex)
		rc = add_list(b, "restrict", p->restrict_regex, p->nrestrict_regex);
	if (rc == VG_OK && p->tags)
		rc = add_quoted(b, "tags", p->tags);
	return rc == VG_OK ? vg_buf_addc(b, '}') : rc;
}

static int add_fim(struct vg_buf *b, const struct vg_config_fim *f)
{
	int rc = vg_buf_addstr(b, ", paths: [");
	for (size_t i = 0; rc == VG_OK && i < f->npaths; i++) {
		if (i)
			rc = vg_buf_addstr(b, ", ");
		if (rc == VG_OK)
			rc = add_fim_path(b, &f->paths[i]);
	}
	if (rc == VG_OK)
		rc = vg_buf_printf(b,
		                   "], scan_interval: %u, verify_every: %u, files_per_second: %u, "
		                   "file_limit: %u, diff_max_size: %lld, nice: %d, ionice_idle: %s",
		                   f->scan_interval_s, f->verify_every, f->files_per_second,
		                   f->file_limit, f->diff_max_size, f->nice,
		                   f->ionice_idle ? "true" : "false");
	if (rc == VG_OK && f->nnodiff)
		rc = add_list(b, "nodiff", f->nodiff, f->nnodiff);
	return rc;
}

static int add_sca(struct vg_buf *b, const struct vg_config_sca *s)
{
	int rc = vg_buf_printf(b, ", builtin: %s, interval: %u, command_timeout: %u",
	                       s->builtin ? "true" : "false", s->interval_s, s->command_timeout_s);
	if (rc == VG_OK && s->npolicies)
		rc = add_list(b, "policies", s->policies, s->npolicies);
	return rc;
}

int vg_config_inputs_yaml(const struct vg_config_input *in, size_t n, struct vg_buf *out)
{
	int rc = vg_buf_addstr(out, n ? "inputs:\n" : "inputs: []\n");
	for (size_t i = 0; rc == VG_OK && i < n; i++) {
		const struct vg_config_input *x = &in[i];
		rc = vg_buf_printf(out, "  - {type: %s", vg_input_type_name(x->type));
		if (rc == VG_OK && x->type == VG_INPUT_FILE) {
			rc = add_quoted(out, "path", x->path);
			if (rc == VG_OK)
				rc = vg_buf_printf(out, ", format: %s",
				                   vg_input_format_name(x->format));
			if (rc == VG_OK && x->multiline_regex)
				rc = add_quoted(out, "multiline_regex", x->multiline_regex);
		}
		if (rc == VG_OK && x->type == VG_INPUT_PORTS && x->interval_ms)
			rc = vg_buf_printf(out, ", interval: %u", x->interval_ms / 1000u);
		if (rc == VG_OK && x->type == VG_INPUT_FIM)
			rc = add_fim(out, x->fim);
		if (rc == VG_OK && x->type == VG_INPUT_SCA)
			rc = add_sca(out, x->sca);
		if (rc == VG_OK)
			rc = vg_buf_addstr(out, "}\n");
	}
	return rc;
}
