/*
 * manager.c - `vigil manager`: start-up (ruleset, checkpoint recovery,
 * alert files, registry, CA, TLS, listeners, enrollment thread, syslog
 * receivers, group configurations), the event loop with its timers, reload
 * on SIGHUP, and an orderly stop that acknowledges what was analysed.
 */
#include "vigil/manager.h"

#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "manager/manager_internal.h"
#include "vigil/engine.h"
#include "vigil/enroll.h"
#include "vigil/error.h"
#include "vigil/log.h"
#include "vigil/pki.h"
#include "vigil/registry.h"
#include "vigil/tls.h"

#define CHECKPOINT_MS  100 /* how often analysed events are made durable and acknowledged */
#define STATUS_SECONDS 2   /* live status written to the registry */

static int make_dirs(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return VG_ELIMIT;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return VG_EIO;
		*p = '/';
	}
	return mkdir(tmp, mode) == 0 || errno == EEXIST ? VG_OK : VG_EIO;
}

static void on_checkpoint(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	mgr_state_checkpoint(arg);
}

/* Live status for `vigil agents`, and group changes made there. */
static void on_status(evutil_socket_t fd, short what, void *arg)
{
	struct manager *m = arg;
	(void)fd;
	(void)what;
	struct vg_agent_status *st = calloc(m->nagents ? m->nagents : 1, sizeof(*st));
	if (!st)
		return;
	size_t n = 0;
	for (size_t i = 0; i < m->nagents; i++) {
		struct mgr_agent *a = m->agents[i];
		a->eps = (double)(a->events - a->rate_events) / STATUS_SECONDS;
		a->rate_events = a->events;
		if (!a->session)
			continue;
		st[n++] = (struct vg_agent_status){ a->id,      1,         a->last_seen,
			                            a->version, a->events, a->eps };
		struct vg_agent_rec rec;
		if (vg_registry_agent_get(m->registry, a->id, &rec) == VG_OK &&
		    strcmp(rec.groups, a->groups) != 0) {
			snprintf(a->groups, sizeof(a->groups), "%s", rec.groups);
			mgr_session_push_config(m, a);
		}
	}
	if (n && vg_registry_agent_status_many(m->registry, st, n) != VG_OK)
		vg_warn("cannot write agent status to the registry");
	free(st);
}

static void reload(struct manager *m)
{
	struct vg_config fresh;
	const struct vg_config *cfg = m->cfg;
	struct vg_diag diag;
	bool have_fresh = false;
	vg_diag_init(&diag);
	if (m->opts->config_path) {
		if (vg_config_load_file(m->opts->config_path, &fresh, &diag) != VG_OK) {
			vg_diag_print(&diag, stderr);
			vg_err("reload: configuration has errors; keeping the running one");
			goto out;
		}
		cfg = &fresh;
		have_fresh = true;
	}
	struct vg_ruleset *rs = NULL;
	int rc = vg_run_load_ruleset(cfg, &rs, &diag);
	vg_diag_print(&diag, stderr);
	if (rc == VG_OK) {
		rc = vg_analyzer_set_ruleset(m->pipe.analyzer, rs);
		vg_info("reload: %zu decoders, %zu rules", vg_ruleset_decoder_count(rs),
		        vg_ruleset_rule_count(rs));
		vg_ruleset_unref(rs);
	} else {
		vg_err("reload: ruleset has errors (%s); keeping the running one", vg_strerror(rc));
	}
	struct mgr_groups *g = NULL;
	if (mgr_groups_load(cfg->manager.groups_dir, &g) == VG_OK) {
		mgr_groups_free(m->groups);
		m->groups = g;
		for (size_t i = 0; i < m->nagents; i++)
			mgr_session_push_config(m, m->agents[i]);
	} else {
		mgr_groups_free(g);
	}
	vg_alert_writer_request_reopen(m->pipe.writer);
out:
	if (have_fresh)
		vg_config_destroy(&fresh);
	vg_diag_free(&diag);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct manager *m = arg;
	(void)what;
	if (sig == SIGHUP) {
		sd_notify(0, "RELOADING=1");
		reload(m);
		sd_notify(0, "READY=1");
		return;
	}
	vg_info("stopping (signal %d)", (int)sig);
	event_base_loopbreak(m->base);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(((struct manager *)arg)->base);
}

static void *enroll_thread(void *arg)
{
	struct manager *m = arg;
	struct vg_registry *reg = NULL;
	struct vg_diag d;
	vg_diag_init(&d);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/registry.db", m->cfg->data_dir);
	/* Its own connection: SQLite handles are used by one thread each. */
	if (vg_registry_open(path, &reg, &d) == VG_OK) {
		struct vg_enroll_server_opts o = {
			.host = m->cfg->manager.listen,
			.port = (unsigned)m->cfg->manager.enroll_port,
			.registry = reg,
			.ca = m->ca,
			.stop = &m->enroll_stop,
			.bound_port = &m->enroll_port,
			.diag = &d,
		};
		if (vg_enroll_server_run(&o) != VG_OK) {
			vg_err("enrollment server stopped");
			atomic_store(&m->enroll_failed, 1);
		}
	} else {
		atomic_store(&m->enroll_failed, 1);
	}
	vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	vg_registry_close(reg);
	return NULL;
}

/* Enrollment is part of the service: not being able to listen is fatal. */
static int wait_enrollment(struct manager *m)
{
	for (int i = 0; i < 1000; i++) {
		if (atomic_load(&m->enroll_port) != 0)
			return VG_OK;
		if (!m->enroll_running || atomic_load(&m->enroll_failed))
			break;
		usleep(10000);
	}
	vg_err("cannot serve enrollment on %s port %d", m->cfg->manager.listen,
	       m->cfg->manager.enroll_port);
	return VG_EIO;
}

static struct event *add_timer(struct manager *m, event_callback_fn fn, unsigned ms, bool persist)
{
	struct event *ev = event_new(m->base, -1, persist ? EV_PERSIST : 0, fn, m);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	if (ev)
		event_add(ev, &tv);
	return ev;
}

static struct event *add_signal(struct manager *m, int sig)
{
	struct event *ev = evsignal_new(m->base, sig, on_signal, m);
	if (ev)
		event_add(ev, NULL);
	return ev;
}

/* Alert files cut back to the last checkpoint: what came after it was not
 * acknowledged and will be analysed again. */
static int recover(struct manager *m)
{
	snprintf(m->state_file, sizeof(m->state_file), "%s/manager.state", m->cfg->data_dir);
	int rc = mgr_state_load(m);
	if (rc != VG_OK)
		return rc;
	unsigned long long cut = 0;
	rc = vg_alert_files_rewind(m->cfg->log_dir, &m->mark, &cut);
	if (rc != VG_OK)
		vg_err("cannot cut the alert files back to the checkpoint: %s", strerror(errno));
	else if (cut)
		vg_info("recovery: %llu bytes of alerts after the last checkpoint removed (their "
		        "events will be analysed again)",
		        cut);
	return rc;
}

static int open_security(struct manager *m)
{
	char path[PATH_MAX];
	struct vg_diag d;
	vg_diag_init(&d);
	snprintf(path, sizeof(path), "%s/registry.db", m->cfg->data_dir);
	int rc = vg_registry_open(path, &m->registry, &d);
	if (rc == VG_OK)
		rc = vg_registry_agent_disconnect_all(m->registry);
	snprintf(path, sizeof(path), "%s/pki", m->cfg->data_dir);
	if (rc == VG_OK)
		rc = vg_pki_ca_open(path, m->manager_name, &m->ca, &d);
	if (rc == VG_OK)
		rc =
		    vg_tls_server_ctx(vg_pki_server_cert_path(m->ca), vg_pki_server_key_path(m->ca),
		                      vg_pki_ca_cert_path(m->ca), &m->tls, &d);
	vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	if (rc != VG_OK)
		vg_err("cannot set up the registry, CA or TLS: %s", vg_strerror(rc));
	return rc;
}

static int start(struct manager *m)
{
	const struct vg_config *cfg = m->cfg;
	struct vg_diag d;
	if (make_dirs(cfg->data_dir, 0750) != VG_OK || make_dirs(cfg->log_dir, 0750) != VG_OK) {
		vg_err("cannot create %s or %s: %s", cfg->data_dir, cfg->log_dir, strerror(errno));
		return VG_EIO;
	}
	vg_diag_init(&d);
	int rc = vg_run_load_ruleset(cfg, &m->ruleset, &d);
	vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	if (rc != VG_OK) {
		vg_err("ruleset not loaded: %s", vg_strerror(rc));
		return rc;
	}
	if ((rc = recover(m)) != VG_OK)
		return rc;
	rc = vg_analyzer_create(m->ruleset, cfg->alerts.log_level, &m->pipe.analyzer);
	if (rc == VG_OK)
		rc = vg_alert_writer_open(cfg->log_dir, cfg->alerts.json, cfg->alerts.log,
		                          &m->pipe.writer);
	if (rc == VG_OK) {
		vg_pipeline_open_fim_store(&m->pipe, cfg->data_dir);
		/* A first checkpoint before any event: alerts written from now on
		 * are always after a mark, even if the manager dies before its
		 * first periodic checkpoint. */
		m->dirty = true;
		rc = mgr_state_checkpoint(m);
	}
	if (rc == VG_OK)
		rc = open_security(m);
	if (rc == VG_OK && !(m->base = event_base_new()))
		rc = VG_ENOMEM;
	if (rc == VG_OK)
		rc = mgr_sessions_listen(m);
	if (rc == VG_OK)
		rc = mgr_groups_load(cfg->manager.groups_dir, &m->groups);
	if (rc == VG_OK)
		rc = mgr_syslog_start(m);
	return rc;
}

static void stop(struct manager *m, pthread_t *enroll)
{
	if (m->enroll_running) {
		atomic_store(&m->enroll_stop, 1);
		pthread_join(*enroll, NULL);
	}
	if (m->pipe.writer) {
		m->dirty = true; /* a last checkpoint, so nothing is analysed twice */
		mgr_state_checkpoint(m);
	}
	mgr_sessions_close_all(m);
	mgr_syslog_stop(m);
	if (m->registry)
		vg_registry_agent_disconnect_all(m->registry);
	struct event *evs[] = { m->ev_checkpoint, m->ev_status, m->ev_sigterm,
		                m->ev_sigint,     m->ev_sighup, m->ev_stop };
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
	for (size_t i = 0; i < m->nagents; i++)
		free(m->agents[i]);
	free(m->agents);
	mgr_groups_free(m->groups);
	if (m->base)
		event_base_free(m->base);
	SSL_CTX_free(m->tls);
	vg_pki_ca_close(m->ca);
	vg_registry_close(m->registry);
	vg_alert_writer_close(m->pipe.writer);
	vg_analyzer_destroy(m->pipe.analyzer);
	vg_pipeline_free(&m->pipe);
	vg_ruleset_unref(m->ruleset);
}

int vg_manager_run(const struct vg_manager_opts *o)
{
	static char host[256]; /* read-only after start; names the manager in alerts */
	struct manager m = { .opts = o, .cfg = o->cfg, .pipe.verbose = o->verbose };
	pthread_t enroll;
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	m.manager_name = o->cfg->manager_name ? o->cfg->manager_name : host;
	m.pipe.manager_name = m.manager_name;
	signal(SIGPIPE, SIG_IGN);
	int rc = start(&m);
	if (rc == VG_OK && o->cfg->manager.port == o->cfg->manager.enroll_port) {
		vg_err("manager.port and manager.enroll_port are both %d", o->cfg->manager.port);
		rc = VG_EINVAL;
	}
	if (rc == VG_OK && pthread_create(&enroll, NULL, enroll_thread, &m) == 0)
		m.enroll_running = true;
	if (rc == VG_OK)
		rc = wait_enrollment(&m);
	m.ev_checkpoint =
	    add_timer(&m, on_checkpoint, (unsigned)o->cfg->manager.checkpoint_ms, true);
	m.ev_status = add_timer(&m, on_status, STATUS_SECONDS * 1000, true);
	m.ev_sigterm = add_signal(&m, SIGTERM);
	m.ev_sigint = add_signal(&m, SIGINT);
	m.ev_sighup = add_signal(&m, SIGHUP);
	if (o->max_seconds && rc == VG_OK)
		m.ev_stop = add_timer(&m, on_deadline, o->max_seconds * 1000, false);
	if (rc == VG_OK && (!m.ev_checkpoint || !m.ev_status || !m.ev_sigterm))
		rc = VG_ENOMEM;
	if (rc == VG_OK) {
		vg_info(
		    "manager %s listening on %s port %d (agents), %d (enrollment); %zu decoders, "
		    "%zu rules; CA in %s/pki",
		    m.manager_name, o->cfg->manager.listen, o->cfg->manager.port,
		    o->cfg->manager.enroll_port, vg_ruleset_decoder_count(m.ruleset),
		    vg_ruleset_rule_count(m.ruleset), o->cfg->data_dir);
		sd_notify(0, "READY=1");
		event_base_dispatch(m.base);
		sd_notify(0, "STOPPING=1");
	}
	stop(&m, &enroll);
	if (rc == VG_OK)
		vg_info("manager stopped: %llu events, %llu alerts, %llu duplicates dropped, %llu "
		        "errors",
		        m.pipe.events, m.pipe.alerts, m.duplicates, m.pipe.errors);
	return rc;
}
