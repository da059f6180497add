/*
 * manager_internal.h - what the manager's files share: the manager itself,
 * the state kept per agent, and the connections.
 */
#ifndef VIGIL_MANAGER_INTERNAL_H
#define VIGIL_MANAGER_INTERNAL_H

#include <openssl/ssl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vigil/alert.h"
#include "vigil/buf.h"
#include "vigil/config.h"
#include "vigil/manager.h"
#include "vigil/run.h"

struct event_base;
struct event;
struct evconnlistener;
struct bufferevent;
struct vg_registry;
struct vg_pki_ca;
struct vg_ruleset;
struct mgr_session;

#define MGR_ID_MAX 16

/* What the manager remembers of one agent (connected or not). */
struct mgr_agent {
	char id[MGR_ID_MAX];
	char name[128];
	char ip[64];
	char version[32];
	uint64_t last_seq;  /* last event processed (covered by a checkpoint or pending) */
	uint64_t acked_seq; /* last sequence acknowledged to the agent */
	unsigned long long events, duplicates;
	unsigned long long rate_events; /* events at the last rate sample */
	double eps;
	long long last_seen;
	char config_hash[65];        /* what the agent runs */
	char groups[256];            /* from the registry */
	struct mgr_session *session; /* NULL when not connected */
};

struct manager {
	const struct vg_manager_opts *opts;
	const struct vg_config *cfg;
	struct event_base *base;
	SSL_CTX *tls;
	struct evconnlistener *listener;
	struct vg_registry *registry;
	struct vg_pki_ca *ca;
	struct vg_pipeline pipe; /* analyzer, alert writer, counters */
	struct vg_ruleset *ruleset;
	const char *manager_name;
	char state_file[4096];

	struct mgr_agent **agents; /* each allocated alone: sessions point at them */
	size_t nagents, agents_cap;
	struct mgr_session *sessions; /* every open connection (list) */

	bool dirty;                /* events processed since the last checkpoint */
	struct vg_alert_mark mark; /* at the last checkpoint */
	unsigned long long duplicates;

	/* group configurations: name -> YAML; rebuilt on reload */
	struct mgr_groups *groups;

	/* enrollment server thread */
	atomic_int enroll_stop;
	atomic_uint enroll_port;
	atomic_int enroll_failed; /* the enrollment server could not listen */
	bool enroll_running;

	struct mgr_syslog *syslog;
	struct event *ev_checkpoint, *ev_status, *ev_sigterm, *ev_sigint, *ev_sighup, *ev_stop;
};

/* manager_state.c: the checkpoint file. */
int mgr_state_load(struct manager *m);
int mgr_state_checkpoint(struct manager *m);
struct mgr_agent *mgr_agent_find(struct manager *m, const char *id, bool create);

/* manager_session.c: agent connections. */
int mgr_sessions_listen(struct manager *m);
void mgr_sessions_close_all(struct manager *m);
void mgr_session_send_ack(struct mgr_session *s, uint64_t seq);
void mgr_session_push_config(struct manager *m, struct mgr_agent *a);

/* manager_groups.c: central configuration by agent group. */
struct mgr_groups;
int mgr_groups_load(const char *dir, struct mgr_groups **out);
void mgr_groups_free(struct mgr_groups *g);
/* The configuration for an agent in these groups (comma list): YAML text and
 * its SHA-256 (hex). Groups without a file add nothing. */
int mgr_groups_config(const struct mgr_groups *g, const char *groups, struct vg_buf *yaml,
                      char hash[65]);

/* manager_syslog.c: syslog receivers feeding the analysis. */
int mgr_syslog_start(struct manager *m);
void mgr_syslog_stop(struct manager *m);

#endif
