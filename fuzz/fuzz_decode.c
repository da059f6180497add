/*
 * fuzz_decode.c - libFuzzer target for the decoders: a small fixed decoder
 * set (program-name and prematch decoders, children, a sibling chain with
 * after_regex, PCRE2, the JSON plugin) is loaded once from a string; each
 * input is pre-decoded as a log line and decoded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/decoder.h"
#include "vigil/event.h"
#include "vigil/predecode.h"
#include "vigil/xml.h"

static const char decoders_xml[] =
    "<decoder name=\"sshd\"><program_name>^sshd</program_name></decoder>\n"
    "<decoder name=\"sshd-success\"><parent>sshd</parent>\n"
    "  <prematch>^Accepted</prematch>\n"
    "  <regex offset=\"after_prematch\">^ \\S+ for (\\S+) from (\\S+) port (\\d+)</regex>\n"
    "  <order>user, srcip, srcport</order></decoder>\n"
    "<decoder name=\"kv\"><program_name>kv</program_name></decoder>\n"
    "<decoder name=\"kv-f\"><parent>kv</parent><regex>a=(\\w+)</regex><order>a</order>"
    "</decoder>\n"
    "<decoder name=\"kv-f\"><parent>kv</parent><regex offset=\"after_regex\">^ "
    "b=(\\S+)</regex><order>b</order></decoder>\n"
    "<decoder name=\"kv-f\"><parent>kv</parent><regex type=\"pcre2\">c=([0-9]+)?(x*)</regex>"
    "<order>c, extra_data</order></decoder>\n"
    "<decoder name=\"json\"><prematch>^{\\s*\"</prematch>"
    "<plugin_decoder>JSON_Decoder</plugin_decoder></decoder>\n"
    "<decoder name=\"jcsv\"><prematch>^csv:</prematch>"
    "<plugin_decoder offset=\"after_parent\">JSON_Decoder</plugin_decoder>"
    "<json_array_structure>csv</json_array_structure>"
    "<json_null_field>empty</json_null_field></decoder>\n"
    "<decoder name=\"web\"><prematch>^\\d+.\\d+.\\d+.\\d+ </prematch>"
    "<regex>^(\\S+) \\S+ (\\S+) [\\.+] \"(\\w+) (\\S+)</regex>"
    "<order>srcip, user, action, url</order><type>web-log</type></decoder>\n";

struct fuzz_state {
	struct vg_decoder_set *set;
	struct vg_event ev;
	struct vg_pattern_scratch *scratch;
};

static struct fuzz_state *get_state(void)
{
	static struct fuzz_state *st; /* built once, read-only afterwards */
	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	struct vg_xml_doc *doc = NULL;
	if (!st || vg_xml_parse_buffer(decoders_xml, sizeof(decoders_xml) - 1, "fuzz.xml", &doc,
	                               NULL) != VG_OK)
		abort();
	if (vg_decoder_set_create(&st->set) != VG_OK ||
	    vg_decoder_set_load_doc(st->set, doc, NULL) != VG_OK ||
	    vg_decoder_set_finish(st->set, NULL) != VG_OK || vg_event_init(&st->ev) != VG_OK)
		abort();
	vg_xml_doc_destroy(doc);
	st->scratch = vg_pattern_scratch_create();
	if (!st->scratch)
		abort();
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state *st = get_state();
	char *line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	vg_event_reset(&st->ev);
	if (vg_predecode(&st->ev, "stdin", line) == VG_OK)
		(void)vg_decode(st->set, &st->ev, st->scratch);
	free(line);
	return 0;
}
