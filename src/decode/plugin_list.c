/*
 * plugin_list.c - the table of plugin decoders named by <plugin_decoder>.
 *
 * JSON_Decoder is implemented in plugin_json.c. The four legacy plugins
 * (OSSECAlert, PF, SymantecWS, SonicWall) are recognised so the stock
 * ruleset loads, but do not extract fields yet: an event they handle is
 * decoded as their decoder with no fields. (In the stock ruleset the
 * SonicWall decoder has children, so Wazuh never runs that plugin either.)
 */
#include <string.h>

#include "decode/decoder_int.h"

struct plugin_entry {
	const char *name;
	vg_dec_plugin_fn fn;
};

static int plugin_no_fields(const struct vg_decoder *d, struct vg_event *ev, const char *input)
{
	(void)d;
	(void)ev;
	(void)input;
	return VG_OK;
}

int vg_dec_plugin_ossecalert(const struct vg_decoder *d, struct vg_event *ev, const char *input)
{
	return plugin_no_fields(d, ev, input);
}

int vg_dec_plugin_pf(const struct vg_decoder *d, struct vg_event *ev, const char *input)
{
	return plugin_no_fields(d, ev, input);
}

int vg_dec_plugin_symantecws(const struct vg_decoder *d, struct vg_event *ev, const char *input)
{
	return plugin_no_fields(d, ev, input);
}

int vg_dec_plugin_sonicwall(const struct vg_decoder *d, struct vg_event *ev, const char *input)
{
	return plugin_no_fields(d, ev, input);
}

static const struct plugin_entry plugins[] = {
	{ "JSON_Decoder", vg_dec_plugin_json },
	{ "OSSECAlert_Decoder", vg_dec_plugin_ossecalert },
	{ "PF_Decoder", vg_dec_plugin_pf },
	{ "SymantecWS_Decoder", vg_dec_plugin_symantecws },
	{ "SonicWall_Decoder", vg_dec_plugin_sonicwall },
};

vg_dec_plugin_fn vg_dec_plugin_lookup(const char *name)
{
	for (size_t i = 0; name && i < sizeof(plugins) / sizeof(plugins[0]); i++)
		if (strcmp(name, plugins[i].name) == 0)
			return plugins[i].fn;
	return NULL;
}
