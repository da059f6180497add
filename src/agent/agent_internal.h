/*
 * agent_internal.h - what the agent's files share.
 */
#ifndef VIGIL_AGENT_INTERNAL_H
#define VIGIL_AGENT_INTERNAL_H

#include <limits.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

#include "vigil/agent.h"
#include "vigil/buf.h"
#include "vigil/config.h"

struct event_base;
struct event;
struct bufferevent;
struct vg_spool;
struct vg_inputs;
struct vg_fdwatch;

struct agent {
	const struct vg_agent_opts *opts;
	const struct vg_config *cfg; /* opts->cfg, or reloaded */
	struct vg_config reloaded;   /* owned: the configuration read on SIGHUP */
	bool have_reloaded;
	struct event_base *base;
	char dir[PATH_MAX]; /* enrollment files */
	char id[16];
	char hostname[256];
	SSL_CTX *tls;

	/* collection (agent_collect.c) */
	struct vg_spool *spool;
	struct vg_inputs *inputs;
	struct vg_fdwatch *watch;
	struct vg_config shared; /* pushed by the manager (inputs only) */
	bool have_shared;
	char shared_hash[65];
	uint64_t committed; /* spooled and covered by the saved read positions */
	bool full;          /* spool full: collection paused */
	unsigned long long collected;

	/* link to the manager (agent_link.c) */
	struct bufferevent *bev;
	size_t mgr_index; /* which of cfg->agent.managers */
	bool welcomed;
	uint64_t next_send, acked;
	unsigned backoff_ms;
	long long last_rx_ms;
	struct event *reconnect_timer, *ping_timer;
	struct vg_buf out;
	unsigned long long sent;
};

/* agent_collect.c */
int agent_collect_start(struct agent *a);
void agent_collect_stop(struct agent *a);
/* Space was freed in the spool: collection may go on. */
void agent_collect_resume(struct agent *a);
/* Applies a configuration pushed by the manager; error text in *why. */
int agent_collect_apply(struct agent *a, const char *yaml, const char *hash, const char **why);
/* Closes the inputs where they are and opens them again from a->cfg and the
 * pushed configuration. */
int agent_collect_reopen(struct agent *a);

/* agent_link.c */
int agent_link_start(struct agent *a);
void agent_link_stop(struct agent *a);
/* New events were committed to the spool: send them if connected. */
void agent_link_kick(struct agent *a);

long long agent_now_ms(void);

#endif
