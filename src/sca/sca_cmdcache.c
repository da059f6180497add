/*
 * sca_cmdcache.c - what the workers of one policy run share: every c:
 * command's output, each command run at most once, and the process list.
 * The policy's commands are registered before the run; those of a check's
 * first rule are "sure" (Wazuh always evaluates a check's first rule) and
 * are started ahead, costliest first. The others run only when a check
 * actually reaches their rule, so checks decided earlier cost nothing (in
 * cis_debian12, 35 of 132 commands). A worker that needs a command another
 * worker is running waits for it. Many checks share a command
 * (cis_debian12: "auditctl -l" 33 times, "sshd -T" 22).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sca/sca_internal.h"

enum cmd_state { CMD_PENDING, CMD_RUNNING, CMD_DONE };

struct sca_cmd {
	char *cmd;
	bool sure; /* the first rule of a check: always run */
	enum cmd_state state;
	struct sca_exec_out out;
};

struct sca_cmd_cache {
	pthread_mutex_t lock;
	pthread_cond_t done; /* a command finished */
	struct sca_cmd *v;
	size_t n, cap;
	unsigned timeout_s;
	bool procs_read;
	struct sca_proc_list *procs;
};

int sca_cmd_cache_create(struct sca_cmd_cache **out, unsigned timeout_s)
{
	struct sca_cmd_cache *cc = calloc(1, sizeof(*cc));
	*out = NULL;
	if (!cc)
		return VG_ENOMEM;
	if (pthread_mutex_init(&cc->lock, NULL) != 0) {
		free(cc);
		return VG_ENOMEM;
	}
	if (pthread_cond_init(&cc->done, NULL) != 0) {
		pthread_mutex_destroy(&cc->lock);
		free(cc);
		return VG_ENOMEM;
	}
	cc->timeout_s = timeout_s;
	*out = cc;
	return VG_OK;
}

void sca_cmd_cache_destroy(struct sca_cmd_cache *cc)
{
	if (!cc)
		return;
	for (size_t i = 0; i < cc->n; i++) {
		free(cc->v[i].cmd);
		sca_exec_out_free(&cc->v[i].out);
	}
	free(cc->v);
	sca_proc_list_free(cc->procs);
	pthread_cond_destroy(&cc->done);
	pthread_mutex_destroy(&cc->lock);
	free(cc);
}

static struct sca_cmd *find(const struct sca_cmd_cache *cc, const char *cmd)
{
	for (size_t i = 0; i < cc->n; i++)
		if (strcmp(cc->v[i].cmd, cmd) == 0)
			return &cc->v[i];
	return NULL;
}

int sca_cmd_cache_add(struct sca_cmd_cache *cc, const char *cmd, bool sure)
{
	struct sca_cmd *c = find(cc, cmd);
	if (c) {
		c->sure |= sure;
		return VG_OK;
	}
	if (cc->n == cc->cap) {
		size_t cap = cc->cap ? cc->cap * 2 : 64;
		struct sca_cmd *nv = realloc(cc->v, cap * sizeof(*nv));
		if (!nv)
			return VG_ENOMEM;
		cc->v = nv;
		cc->cap = cap;
	}
	c = &cc->v[cc->n];
	memset(c, 0, sizeof(*c));
	c->out.status = SCA_EXEC_ERROR;
	c->sure = sure;
	if (!(c->cmd = strdup(cmd)))
		return VG_ENOMEM;
	cc->n++;
	return VG_OK;
}

/* Enumerations (systemctl list-*, find) take longest, then shells (often
 * several programs), then single programs. */
static int cost_class(const struct sca_cmd *c)
{
	if (!c->sure)
		return 3;
	if (strncmp(c->cmd, "systemctl list", 14) == 0 || strncmp(c->cmd, "find ", 5) == 0)
		return 0;
	if (strncmp(c->cmd, "sh ", 3) == 0 || strncmp(c->cmd, "bash ", 5) == 0)
		return 1;
	return 2;
}

static int cmp_cost(const void *a, const void *b)
{
	return cost_class(a) - cost_class(b);
}

size_t sca_cmd_cache_prepare(struct sca_cmd_cache *cc)
{
	if (cc->n > 1)
		qsort(cc->v, cc->n, sizeof(*cc->v), cmp_cost);
	size_t sure = 0;
	while (sure < cc->n && cc->v[sure].sure)
		sure++;
	return sure;
}

/* Runs c if no one has; waits while another worker runs it. Lock held. */
static void run_locked(struct sca_cmd_cache *cc, struct sca_cmd *c)
{
	if (c->state == CMD_PENDING) {
		c->state = CMD_RUNNING;
		pthread_mutex_unlock(&cc->lock);
		struct sca_exec_out out;
		sca_exec_run(c->cmd, cc->timeout_s, &out);
		pthread_mutex_lock(&cc->lock);
		c->out = out;
		c->state = CMD_DONE;
		pthread_cond_broadcast(&cc->done);
	}
	while (c->state != CMD_DONE)
		pthread_cond_wait(&cc->done, &cc->lock);
}

void sca_cmd_cache_prefetch(struct sca_cmd_cache *cc, size_t i)
{
	pthread_mutex_lock(&cc->lock);
	if (i < cc->n && cc->v[i].state == CMD_PENDING)
		run_locked(cc, &cc->v[i]);
	pthread_mutex_unlock(&cc->lock);
}

const struct sca_exec_out *sca_cmd_cache_get(struct sca_cmd_cache *cc, const char *cmd)
{
	if (!cc)
		return NULL;
	pthread_mutex_lock(&cc->lock);
	struct sca_cmd *c = find(cc, cmd);
	if (c)
		run_locked(cc, c);
	pthread_mutex_unlock(&cc->lock);
	return c ? &c->out : NULL; /* DONE: no longer written */
}

const struct sca_proc_list *sca_cmd_cache_procs(struct sca_cmd_cache *cc)
{
	pthread_mutex_lock(&cc->lock);
	if (!cc->procs_read) {
		cc->procs = sca_proc_list_read();
		cc->procs_read = true;
	}
	pthread_mutex_unlock(&cc->lock);
	return cc->procs;
}
