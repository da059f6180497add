/*
 * agent.c - `vigil agent`: reads the enrollment (id, key, certificate, the
 * manager's CA), opens the spool and the inputs, connects to a manager and
 * runs the loop until stopped; on the way out it saves the read positions
 * with the spool sequence they cover.
 */
#include "vigil/agent.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "agent/agent_internal.h"
#include "vigil/error.h"
#include "vigil/log.h"
#include "vigil/tls.h"

static void reload(struct agent *a)
{
	struct vg_config fresh;
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_config_load_file(a->opts->config_path, &fresh, &d);
	vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	if (rc != VG_OK) {
		vg_err("reload: configuration has errors; keeping the running one");
		return;
	}
	if (fresh.agent.managers.n == 0) {
		vg_err("reload: no manager in the new configuration; keeping the running one");
		vg_config_destroy(&fresh);
		return;
	}
	if (a->have_reloaded)
		vg_config_destroy(&a->reloaded);
	a->reloaded = fresh;
	a->have_reloaded = true;
	a->cfg = &a->reloaded;
	if (a->mgr_index >= a->cfg->agent.managers.n)
		a->mgr_index = 0;
	vg_info("reload: %s", agent_collect_reopen(a) == VG_OK ? "inputs reopened"
	                                                       : "inputs could not be opened");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct agent *a = arg;
	(void)what;
	if (sig == SIGHUP) {
		if (a->opts->config_path) {
			sd_notify(0, "RELOADING=1");
			reload(a);
			sd_notify(0, "READY=1");
		}
		return;
	}
	vg_info("stopping (signal %d)", (int)sig);
	event_base_loopbreak(a->base);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(((struct agent *)arg)->base);
}

static int read_id(struct agent *a)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/agent.id", a->dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		vg_err("not enrolled: %s missing; run 'vigil enroll --manager HOST --token TOKEN' "
		       "first",
		       path);
		return VG_ENOENT;
	}
	bool ok = fgets(a->id, sizeof(a->id), f) != NULL;
	fclose(f);
	a->id[strcspn(a->id, "\r\n")] = '\0';
	if (!ok || !a->id[0]) {
		vg_err("%s is empty", path);
		return VG_EPARSE;
	}
	return VG_OK;
}

static int open_tls(struct agent *a)
{
	char ca[PATH_MAX + 16], crt[PATH_MAX + 16], key[PATH_MAX + 16];
	snprintf(ca, sizeof(ca), "%s/ca.crt", a->dir);
	snprintf(crt, sizeof(crt), "%s/agent.crt", a->dir);
	snprintf(key, sizeof(key), "%s/agent.key", a->dir);
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_tls_client_ctx(ca, crt, key, &a->tls, &d);
	vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	if (rc != VG_OK)
		vg_err("cannot load the agent's certificate from %s: %s", a->dir, vg_strerror(rc));
	return rc;
}

static int start(struct agent *a)
{
	const struct vg_config *cfg = a->cfg;
	if (cfg->agent.managers.n == 0) {
		vg_err("no manager configured: set agent.managers in the configuration");
		return VG_EINVAL;
	}
	if (cfg->agent.dir)
		snprintf(a->dir, sizeof(a->dir), "%s", cfg->agent.dir);
	else
		snprintf(a->dir, sizeof(a->dir), "%s/agent", cfg->data_dir);
	if (gethostname(a->hostname, sizeof(a->hostname) - 1) != 0)
		snprintf(a->hostname, sizeof(a->hostname), "localhost");
	if (cfg->agent.name)
		snprintf(a->hostname, sizeof(a->hostname), "%s", cfg->agent.name);
	if (mkdir(cfg->data_dir, 0750) != 0 && errno != EEXIST) {
		vg_err("cannot create %s: %s", cfg->data_dir, strerror(errno));
		return VG_EIO;
	}
	int rc = read_id(a);
	if (rc == VG_OK)
		rc = open_tls(a);
	if (rc == VG_OK && !(a->base = event_base_new()))
		rc = VG_ENOMEM;
	if (rc == VG_OK)
		rc = agent_collect_start(a);
	if (rc == VG_OK)
		rc = agent_link_start(a);
	return rc;
}

int vg_agent_run(const struct vg_agent_opts *o)
{
	struct agent a = { .opts = o, .cfg = o->cfg };
	struct event *evs[4] = { NULL };
	signal(SIGPIPE, SIG_IGN);
	int rc = start(&a);
	if (rc == VG_OK) {
		evs[0] = evsignal_new(a.base, SIGTERM, on_signal, &a);
		evs[1] = evsignal_new(a.base, SIGINT, on_signal, &a);
		evs[2] = evsignal_new(a.base, SIGHUP, on_signal, &a);
		for (int i = 0; i < 3; i++)
			if (evs[i])
				event_add(evs[i], NULL);
		if (o->max_seconds) {
			evs[3] = evtimer_new(a.base, on_deadline, &a);
			struct timeval tv = { (time_t)o->max_seconds, 0 };
			if (evs[3])
				event_add(evs[3], &tv);
		}
		vg_info("agent %s (%s) started; managers: %zu", a.id, a.hostname,
		        a.cfg->agent.managers.n);
		sd_notify(0, "READY=1");
		event_base_dispatch(a.base);
		sd_notify(0, "STOPPING=1");
		vg_info("agent stopped: %llu events collected, %llu sent, last acknowledged %llu",
		        a.collected, a.sent, (unsigned long long)a.acked);
	}
	agent_link_stop(&a);
	agent_collect_stop(&a);
	for (int i = 0; i < 4; i++)
		if (evs[i])
			event_free(evs[i]);
	if (a.base)
		event_base_free(a.base);
	SSL_CTX_free(a.tls);
	if (a.have_reloaded)
		vg_config_destroy(&a.reloaded);
	return rc;
}
