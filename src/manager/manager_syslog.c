/*
 * manager_syslog.c - the manager's syslog receivers (manager.syslog in the
 * configuration): each message is analysed like a local log line, with the
 * sender's address as its location, as Wazuh does for remote syslog.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager/manager_internal.h"
#include "vigil/error.h"
#include "vigil/fdwatch.h"
#include "vigil/log.h"
#include "vigil/syslogd.h"

#define SYSLOG_BATCH 4096
#define SYSLOG_FDS   512

struct mgr_syslog_rx {
	struct manager *m;
	struct vg_syslogd *d;
	struct vg_fdwatch *w;
};

struct mgr_syslog {
	struct mgr_syslog_rx *rx;
	size_t n;
};

static void on_message(void *ctx, const char *location, const char *line, size_t len)
{
	struct manager *m = ctx;
	(void)len;
	vg_pipeline_process(&m->pipe, location, line);
	m->dirty = true; /* its alerts are written at the next checkpoint */
}

static void rx_ready(void *arg)
{
	struct mgr_syslog_rx *r = arg;
	int got = vg_syslogd_poll(r->d, on_message, r->m, SYSLOG_BATCH);
	if (got < 0)
		vg_warn("syslog receiver: %s", vg_strerror(got));
	int fds[SYSLOG_FDS];
	size_t n = vg_syslogd_fds(r->d, fds, SYSLOG_FDS);
	vg_fdwatch_sync(r->w, fds, n < SYSLOG_FDS ? n : SYSLOG_FDS);
	vg_fdwatch_timeout(r->w, got == SYSLOG_BATCH ? 0 : vg_syslogd_timeout_ms(r->d));
}

static int start_one(struct manager *m, const struct vg_config_syslog *c, struct mgr_syslog_rx *r)
{
	struct vg_syslogd_opts o = {
		.bind = c->bind,
		.port = (unsigned)c->port,
		.udp = c->udp,
		.tcp = c->tcp,
		.allowed = c->allowed.v,
		.nallowed = c->allowed.n,
	};
	struct vg_diag d;
	vg_diag_init(&d);
	r->m = m;
	int rc = vg_syslogd_open(&o, &r->d, &d);
	vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	if (rc == VG_OK)
		rc = vg_fdwatch_create(m->base, rx_ready, r, &r->w);
	if (rc != VG_OK) {
		vg_err("syslog receiver %s:%d: %s", c->bind, c->port, vg_strerror(rc));
		return rc;
	}
	vg_info("syslog receiver on %s port %d (%s%s%s)", c->bind, c->port, c->udp ? "udp" : "",
	        c->udp && c->tcp ? "+" : "", c->tcp ? "tcp" : "");
	rx_ready(r);
	return VG_OK;
}

int mgr_syslog_start(struct manager *m)
{
	if (m->cfg->manager.nsyslog == 0)
		return VG_OK;
	m->syslog = calloc(1, sizeof(*m->syslog));
	if (m->syslog)
		m->syslog->rx = calloc(m->cfg->manager.nsyslog, sizeof(*m->syslog->rx));
	if (!m->syslog || !m->syslog->rx)
		return VG_ENOMEM;
	for (size_t i = 0; i < m->cfg->manager.nsyslog; i++) {
		int rc = start_one(m, &m->cfg->manager.syslog[i], &m->syslog->rx[i]);
		m->syslog->n = i + 1;
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}

void mgr_syslog_stop(struct manager *m)
{
	if (!m->syslog)
		return;
	for (size_t i = 0; i < m->syslog->n; i++) {
		vg_fdwatch_destroy(m->syslog->rx[i].w);
		vg_syslogd_close(m->syslog->rx[i].d);
	}
	free(m->syslog->rx);
	free(m->syslog);
	m->syslog = NULL;
}
