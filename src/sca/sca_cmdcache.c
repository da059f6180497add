/*
 * sca_cmdcache.c - the commands of one policy run, each executed once.
 * Before a run the checks' c: commands are collected; they then run on a
 * few threads at once (most are short: dpkg-query, findmnt, systemctl,
 * sshd -T) and the evaluator reads their output from here. Many checks
 * share a command (cis_debian12: "auditctl -l" 33 times, "sshd -T" 22).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sca/sca_internal.h"

struct sca_cmd {
	char *cmd;
	struct sca_exec_out out;
};

struct sca_cmd_cache {
	struct sca_cmd *v;
	size_t n, cap;
	atomic_size_t next; /* next command a worker takes */
	unsigned timeout_s;
};

int sca_cmd_cache_create(struct sca_cmd_cache **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? VG_OK : VG_ENOMEM;
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
	free(cc);
}

static struct sca_cmd *find(const struct sca_cmd_cache *cc, const char *cmd)
{
	for (size_t i = 0; i < cc->n; i++)
		if (strcmp(cc->v[i].cmd, cmd) == 0)
			return &cc->v[i];
	return NULL;
}

int sca_cmd_cache_add(struct sca_cmd_cache *cc, const char *cmd)
{
	if (find(cc, cmd))
		return VG_OK;
	if (cc->n == cc->cap) {
		size_t cap = cc->cap ? cc->cap * 2 : 64;
		struct sca_cmd *nv = realloc(cc->v, cap * sizeof(*nv));
		if (!nv)
			return VG_ENOMEM;
		cc->v = nv;
		cc->cap = cap;
	}
	struct sca_cmd *c = &cc->v[cc->n];
	memset(c, 0, sizeof(*c));
	c->out.status = SCA_EXEC_ERROR;
	if (!(c->cmd = strdup(cmd)))
		return VG_ENOMEM;
	cc->n++;
	return VG_OK;
}

static void *worker(void *arg)
{
	struct sca_cmd_cache *cc = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&cc->next, 1);
		if (i >= cc->n)
			return NULL;
		sca_exec_run(cc->v[i].cmd, cc->timeout_s, &cc->v[i].out);
	}
}

/* Commands that enumerate (systemctl list-*, find, shell pipelines) usually
 * take longest; starting them first shortens the whole run. */
static int cost_class(const char *cmd)
{
	if (strncmp(cmd, "systemctl list", 14) == 0 || strncmp(cmd, "find ", 5) == 0)
		return 0;
	if (strncmp(cmd, "sh ", 3) == 0 || strncmp(cmd, "bash ", 5) == 0)
		return 1;
	return 2;
}

static int cmp_cost(const void *a, const void *b)
{
	int x = cost_class(((const struct sca_cmd *)a)->cmd);
	int y = cost_class(((const struct sca_cmd *)b)->cmd);
	return x - y;
}

void sca_cmd_cache_run(struct sca_cmd_cache *cc, unsigned timeout_s, unsigned workers)
{
	if (cc->n > 1)
		qsort(cc->v, cc->n, sizeof(*cc->v), cmp_cost);
	pthread_t th[16];
	size_t nth = 0;
	cc->timeout_s = timeout_s;
	atomic_store(&cc->next, 0);
	if (workers == 0)
		workers = 8;
	if (workers > 16)
		workers = 16;
	for (unsigned i = 1; i < workers && i < cc->n; i++)
		if (pthread_create(&th[nth], NULL, worker, cc) == 0)
			nth++;
	worker(cc); /* the caller works too */
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
}

const struct sca_exec_out *sca_cmd_cache_get(const struct sca_cmd_cache *cc, const char *cmd)
{
	struct sca_cmd *c = cc ? find(cc, cmd) : NULL;
	return c ? &c->out : NULL;
}
