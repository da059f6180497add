/*
 * manager_state.c - the manager's checkpoint: for every agent the last event
 * sequence analysed, and where the alert files ended at that moment. It is
 * written (atomically: temporary file, fsync, rename, fsync of the directory)
 * before anything is acknowledged, and read at start, when the alert files
 * are cut back to it. Together this makes every acknowledged event appear in
 * the alerts exactly once, and every unacknowledged one be analysed again.
 *
 *   # vigil manager state v1
 *   M <alerts.json inode> <size> <alerts.log inode> <size>
 *   A <agent id> <last sequence>
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manager/manager_internal.h"
#include "vigil/array.h"
#include "vigil/error.h"
#include "vigil/file.h"
#include "vigil/fim.h"
#include "vigil/log.h"

#define STATE_HEADER "# vigil manager state v1\n"

struct mgr_agent *mgr_agent_find(struct manager *m, const char *id, bool create)
{
	for (size_t i = 0; i < m->nagents; i++)
		if (strcmp(m->agents[i]->id, id) == 0)
			return m->agents[i];
	if (!create || strlen(id) >= MGR_ID_MAX)
		return NULL;
	if (vg_grow((void **)&m->agents, &m->agents_cap, m->nagents + 1, sizeof(*m->agents), 16) !=
	    VG_OK)
		return NULL;
	/* Agents are allocated one by one: sessions keep pointers to them. */
	struct mgr_agent *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	snprintf(a->id, sizeof(a->id), "%s", id);
	m->agents[m->nagents++] = a;
	return a;
}

static int parse_line(struct manager *m, const char *line)
{
	unsigned long long a, b, c, d;
	char id[MGR_ID_MAX + 1];
	if (sscanf(line, "M %llu %llu %llu %llu", &a, &b, &c, &d) == 4) {
		m->mark = (struct vg_alert_mark){ a, b, c, d };
		return VG_OK;
	}
	if (sscanf(line, "A %16s %llu", id, &a) == 2 && strlen(id) < MGR_ID_MAX) {
		struct mgr_agent *ag = mgr_agent_find(m, id, true);
		if (!ag)
			return VG_ENOMEM;
		ag->last_seq = ag->acked_seq = a;
		return VG_OK;
	}
	return VG_EPARSE;
}

int mgr_state_load(struct manager *m)
{
	FILE *f = fopen(m->state_file, "r");
	if (!f)
		return errno == ENOENT ? VG_OK : VG_EIO;
	char line[512];
	unsigned n = 0;
	int rc = VG_OK;
	while (rc != VG_ENOMEM && fgets(line, sizeof(line), f)) {
		n++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		rc = parse_line(m, line);
		if (rc == VG_EPARSE)
			vg_warn("%s:%u: unreadable line ignored", m->state_file, n);
	}
	fclose(f);
	return rc == VG_ENOMEM ? rc : VG_OK;
}

/*
 * Makes everything analysed so far durable, then acknowledges it: alert
 * files flushed (and synced), state file replaced, ACK frames sent.
 */
int mgr_state_checkpoint(struct manager *m)
{
	if (!m->dirty)
		return VG_OK;
	struct vg_alert_mark mark;
	int rc = vg_alert_writer_mark(m->pipe.writer, m->cfg->manager.fsync, &mark);
	if (rc != VG_OK) {
		vg_err("checkpoint: writing alerts failed: %s; nothing acknowledged",
		       strerror(errno));
		return rc;
	}
	/* FIM changes before the state that acknowledges their events: a crash
	 * in between replays those events (a change may then be listed twice),
	 * never loses one. */
	if (vg_fim_store_sync(m->pipe.fim_store) != VG_OK) {
		vg_err("checkpoint: FIM changes cannot be committed; nothing acknowledged");
		return VG_EIO;
	}
	struct vg_buf b;
	vg_buf_init(&b, 0);
	rc = vg_buf_addstr(&b, STATE_HEADER);
	if (rc == VG_OK)
		rc = vg_buf_printf(&b, "M %llu %llu %llu %llu\n", mark.json_ino, mark.json_size,
		                   mark.log_ino, mark.log_size);
	for (size_t i = 0; rc == VG_OK && i < m->nagents; i++)
		rc = vg_buf_printf(&b, "A %s %" PRIu64 "\n", m->agents[i]->id,
		                   m->agents[i]->last_seq);
	if (rc == VG_OK)
		rc = vg_file_replace(m->state_file, vg_buf_str(&b), b.len, 0600,
		                     m->cfg->manager.fsync);
	vg_buf_free(&b);
	if (rc != VG_OK) {
		vg_err("checkpoint: cannot write %s: %s; nothing acknowledged", m->state_file,
		       strerror(errno));
		return rc;
	}
	m->mark = mark;
	m->dirty = false;
	for (size_t i = 0; i < m->nagents; i++) {
		struct mgr_agent *a = m->agents[i];
		if (a->session && a->last_seq != a->acked_seq) {
			mgr_session_send_ack(a->session, a->last_seq);
			a->acked_seq = a->last_seq;
		}
	}
	return VG_OK;
}
