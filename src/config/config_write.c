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
		if (rc == VG_OK)
			rc = vg_buf_addstr(out, "}\n");
	}
	return rc;
}
