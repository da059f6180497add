/*
 * fuzz_rules.c - libFuzzer target for the rule loader and evaluator.
 *
 * The input is a rules XML file: it is loaded after the category templates,
 * the set is finished, and one fixed sshd-like event is evaluated three
 * times (so correlation state is exercised) before everything is freed.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vigil/rule.h"

static const char templates[] = "<group name=\"syslog,\"><rule id=\"1\" level=\"0\" noalert=\"1\">"
                                "<category>syslog</category><description>t</description></rule>"
                                "</group>";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_rule_set *set = NULL;
	struct vg_diag diag;
	vg_diag_init(&diag);
	if (vg_rule_set_create(&set) != VG_OK)
		return 0;
	vg_rule_set_load_buffer(set, templates, sizeof(templates) - 1, "tpl.xml", &diag);
	vg_rule_set_load_buffer(set, (const char *)data, size, "fuzz.xml", &diag);
	if (vg_rule_set_finish(set, &diag) == VG_OK) {
		struct vg_rule_state *st = NULL;
		struct vg_pattern_scratch *scr = vg_pattern_scratch_create();
		struct vg_event ev;
		if (vg_rule_state_create(set, &st) == VG_OK && scr && vg_event_init(&ev) == VG_OK) {
			for (int i = 0; i < 3; i++) {
				ev.log = ev.full_log =
				    "Failed password for root from 10.0.0.1 port 22";
				ev.location = "/var/log/auth.log";
				ev.agent_id = "000";
				ev.program_name = "sshd";
				ev.hostname = "web01";
				ev.decoder_name = "sshd";
				ev.fixed[VG_F_SRCIP] = "10.0.0.1";
				ev.fixed[VG_F_DSTUSER] = "root";
				ev.arrival.tv_sec = 1000 + i;
				vg_event_set(&ev, "audit.key", "exec");
				struct vg_rule_result res;
				vg_rule_eval(set, st, &ev, scr, &res);
				vg_event_reset(&ev);
			}
			vg_event_destroy(&ev);
		}
		vg_pattern_scratch_destroy(scr);
		vg_rule_state_destroy(st);
	}
	vg_rule_set_destroy(set);
	vg_diag_free(&diag);
	return 0;
}
