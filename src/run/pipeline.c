/*
 * pipeline.c - one event through the analysis and, when it alerts, into the
 * alert files: the step `vigil run` and `vigil manager` share. Windows
 * event-channel events in the shippers' raw forms are first turned into the
 * `{"win":...}` document Wazuh's rules expect (winevt.h).
 */
#include "vigil/run.h"

#include <stdio.h>
#include <string.h>

#include "vigil/alert.h"
#include "vigil/engine.h"
#include "vigil/fim.h"
#include "vigil/log.h"
#include "vigil/rule.h"
#include "vigil/winevt.h"

/* The converted form of a raw event-channel line, or line itself. */
static const char *windows_form(struct vg_pipeline *p, const char *line)
{
	/* Wazuh's own form and Vigil's documents are the common JSON lines:
	 * they need no conversion and no scan of the whole line. */
	if (line[0] != '{' || strncmp(line, "{\"win\":", 7) == 0 ||
	    strncmp(line, "{\"vigil\":", 9) == 0 || !strstr(line, "\"Event\""))
		return line;
	if (p->scratch.limit == 0) /* zeroed: the first use sets it up */
		vg_buf_init(&p->scratch, 0);
	vg_buf_reset(&p->scratch);
	int rc = vg_winevt_convert(line, strlen(line), &p->scratch, NULL);
	if (rc == VG_OK)
		return vg_buf_str(&p->scratch);
	if (rc != VG_ENOENT)
		p->errors++; /* broken (or out of memory): analysed as it came */
	return line;
}

int vg_pipeline_process(struct vg_pipeline *p, const char *location, const char *line)
{
	struct vg_analysis res;
	p->events++;
	line = windows_form(p, line);
	int rc = vg_analyzer_process(p->analyzer, location, line, NULL, &res);
	if (rc != VG_OK) {
		p->errors++;
		return rc;
	}
	const char *dn = res.event->decoder_name;
	if (p->fim_store && dn && strncmp(dn, "syscheck_", 9) == 0 &&
	    vg_fim_store_add(p->fim_store, res.event->agent_name ? res.event->agent_name : "000",
	                     res.event) != VG_OK)
		p->errors++;
	if (!res.alert)
		return VG_OK;
	struct vg_alert_input in = {
		.ev = res.event,
		.rule = res.rule,
		.firedtimes = res.result ? res.result->firedtimes : 0,
		.manager_name = p->manager_name,
		.prev_logs = res.result ? res.result->prev_logs : NULL,
		.nprev = res.result ? res.result->nprev : 0,
	};
	rc = vg_alert_writer_write(p->writer, &in);
	if (rc != VG_OK) {
		p->errors++;
		return rc;
	}
	p->alerts++;
	if (p->verbose)
		vg_info("alert: rule %u (level %d) %s: %s", res.rule->id, res.rule->level, location,
		        line);
	return VG_OK;
}

void vg_pipeline_open_fim_store(struct vg_pipeline *p, const char *data_dir)
{
	char path[4096];
	struct vg_diag d;
	vg_diag_init(&d);
	int n = snprintf(path, sizeof(path), "%s/fim-changes.db", data_dir);
	if (n > 0 && (size_t)n < sizeof(path) &&
	    vg_fim_store_open(path, &p->fim_store, &d) != VG_OK) {
		vg_diag_print(&d, stderr);
		vg_warn("FIM changes are not kept: %s cannot be opened", path);
		p->fim_store = NULL;
	}
	vg_diag_free(&d);
}

void vg_pipeline_free(struct vg_pipeline *p)
{
	vg_buf_free(&p->scratch);
	vg_fim_store_close(p->fim_store);
	p->fim_store = NULL;
}
