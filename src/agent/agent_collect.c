/*
 * agent_collect.c - the agent's collection side: every record its inputs
 * deliver is appended to the disk spool; after each batch the spool is
 * synced and then the read positions are saved with the spool sequence they
 * cover (the collector's tag), so that after a crash the records spooled
 * beyond the saved positions are discarded and read again with the same
 * numbers. Only committed records are sent. When the spool is full,
 * collection pauses (files simply wait to be read) after one event saying
 * so, and resumes when the manager's acknowledgements free space.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent_internal.h"
#include "vigil/collect.h"
#include "vigil/error.h"
#include "vigil/file.h"
#include "vigil/fdwatch.h"
#include "vigil/inputs.h"
#include "vigil/log.h"
#include "vigil/spool.h"

#define COLLECT_BATCH   2048
#define COLLECT_FDS     256
#define RECORD_MAX      (64u << 10) /* the collector's longest record */
#define RECORD_OVERHEAD 4096u       /* location and spool header, generously */
#define AGENT_LOCATION  "vigil-agent"

struct batch {
	struct agent *a;
	uint64_t last;
	unsigned appended, lost;
};

static void on_record(void *ctx, const char *location, const char *line, size_t len)
{
	struct batch *b = ctx;
	uint64_t seq;
	if (len > VG_SPOOL_MAX_LOG) /* only the first MiB of a giant record is kept */
		len = VG_SPOOL_MAX_LOG;
	int rc = vg_spool_append(b->a->spool, 0, location, strlen(location), line, len, &seq);
	if (rc == VG_ELIMIT) /* a record longer than budgeted: the reserve takes it */
		rc = vg_spool_append(b->a->spool, VG_SPOOL_RESERVE, location, strlen(location),
		                     line, len, &seq);
	if (rc != VG_OK) {
		b->lost++;
		return;
	}
	b->last = seq;
	b->appended++;
}

/* Makes the batch durable, then the positions that produced it. */
static void commit(struct agent *a, uint64_t last)
{
	int rc = vg_spool_sync(a->spool);
	if (rc != VG_OK) {
		vg_err("spool: cannot write: %s", vg_strerror(rc));
		return;
	}
	struct vg_collector *col = vg_inputs_collector(a->inputs);
	vg_collector_set_tag(col, last);
	if (vg_collector_save_positions(col) != VG_OK)
		vg_warn("cannot save read positions: %s", strerror(errno));
	a->committed = last;
	agent_link_kick(a);
}

static void spool_event(struct agent *a, const char *text)
{
	uint64_t seq;
	if (vg_spool_append(a->spool, VG_SPOOL_RESERVE, AGENT_LOCATION, strlen(AGENT_LOCATION),
	                    text, strlen(text), &seq) == VG_OK)
		commit(a, seq);
}

/* How many records surely fit in the spool (each at most RECORD_MAX). */
static size_t budget(struct agent *a)
{
	struct vg_spool_stats st;
	vg_spool_stats(a->spool, &st);
	uint64_t max =
	    a->cfg->agent.spool_max > 0 ? (uint64_t)a->cfg->agent.spool_max : VG_SPOOL_MAX_BYTES;
	uint64_t free_bytes = st.bytes < max ? max - st.bytes : 0;
	uint64_t n = free_bytes / (RECORD_MAX + RECORD_OVERHEAD);
	return n > COLLECT_BATCH ? COLLECT_BATCH : (size_t)n;
}

static void pause_full(struct agent *a)
{
	char text[256];
	struct vg_spool_stats st;
	vg_spool_stats(a->spool, &st);
	a->full = true;
	snprintf(text, sizeof(text),
	         "vigil-agent: spool full: %" PRIu64 " bytes of events not yet acknowledged by "
	         "the manager (limit %lld); collection paused",
	         st.bytes, a->cfg->agent.spool_max);
	vg_warn("%s", text + strlen(AGENT_LOCATION ": "));
	spool_event(a, text);
}

static void inputs_ready(void *arg)
{
	struct agent *a = arg;
	if (!a->inputs)
		return;
	size_t n = budget(a);
	if (n == 0) {
		if (!a->full)
			pause_full(a);
		vg_fdwatch_sync(a->watch, NULL, 0); /* nothing to do until an ACK */
		vg_fdwatch_timeout(a->watch, -1);
		return;
	}
	struct batch b = { .a = a };
	int got = vg_inputs_poll(a->inputs, on_record, &b, n);
	if (got < 0)
		vg_warn("collecting: %s", vg_strerror(got));
	if (b.lost)
		vg_err("spool: %u records could not be written", b.lost);
	if (b.appended) {
		a->collected += b.appended;
		commit(a, b.last);
	}
	int fds[COLLECT_FDS];
	size_t nfds = vg_inputs_fds(a->inputs, fds, COLLECT_FDS);
	vg_fdwatch_sync(a->watch, fds, nfds < COLLECT_FDS ? nfds : COLLECT_FDS);
	vg_fdwatch_timeout(a->watch,
	                   got > 0 && (size_t)got == n ? 0 : vg_inputs_timeout_ms(a->inputs));
}

void agent_collect_resume(struct agent *a)
{
	if (!a->full || budget(a) == 0)
		return;
	a->full = false;
	vg_info("spool has room again; collection resumed");
	spool_event(a, "vigil-agent: spool has room again; collection resumed");
	inputs_ready(a);
}

/* Local inputs followed by those the manager pushed. */
static int open_inputs(struct agent *a)
{
	const struct vg_config *c = a->cfg;
	size_t n = c->ninputs + (a->have_shared ? a->shared.ninputs : 0);
	struct vg_config_input *all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return VG_ENOMEM;
	for (size_t i = 0; i < c->ninputs; i++)
		all[i] = c->inputs[i];
	for (size_t i = c->ninputs; i < n; i++)
		all[i] = a->shared.inputs[i - c->ninputs];
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_inputs_create(all, n, c->data_dir, &a->inputs, &d);
	vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	free(all);
	if (rc != VG_OK)
		vg_err("inputs: %s", vg_strerror(rc));
	else
		vg_info("collecting from %zu inputs (%zu from the manager)", n,
		        a->have_shared ? a->shared.ninputs : 0);
	return rc;
}

static void shared_path(const struct agent *a, char *out, size_t len)
{
	snprintf(out, len, "%s/shared.yml", a->dir);
}

static void load_shared(struct agent *a)
{
	char path[PATH_MAX + 16];
	shared_path(a, path, sizeof(path));
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_config_load_file(path, &a->shared, &d);
	if (rc == VG_OK) {
		a->have_shared = true;
		FILE *f = fopen(path, "r");
		char line[128];
		/* the first line records the hash: "# hash: <hex>" */
		if (f && fgets(line, sizeof(line), f) && strncmp(line, "# hash: ", 8) == 0)
			snprintf(a->shared_hash, sizeof(a->shared_hash), "%.64s", line + 8);
		if (f)
			fclose(f);
	} else if (rc != VG_ENOENT) {
		vg_diag_print(&d, stderr);
		vg_warn("ignoring %s", path);
	}
	vg_diag_free(&d);
}

int agent_collect_start(struct agent *a)
{
	char dir[PATH_MAX + 16];
	snprintf(dir, sizeof(dir), "%s/spool", a->cfg->data_dir);
	struct vg_spool_opts so = {
		.dir = dir,
		.max_bytes = (uint64_t)a->cfg->agent.spool_max,
		.fsync = a->cfg->agent.spool_fsync,
	};
	struct vg_diag d;
	vg_diag_init(&d);
	int rc = vg_spool_open(&so, &a->spool, &d);
	vg_diag_print(&d, stderr);
	vg_diag_free(&d);
	if (rc != VG_OK) {
		vg_err("spool %s: %s", dir, vg_strerror(rc));
		return rc;
	}
	load_shared(a);
	if ((rc = open_inputs(a)) != VG_OK)
		return rc;
	struct vg_spool_stats st;
	vg_spool_stats(a->spool, &st);
	uint64_t tag;
	a->committed = st.last_seq;
	if (vg_collector_saved_tag(vg_inputs_collector(a->inputs), &tag) && tag < st.last_seq &&
	    tag >= st.acked) {
		vg_info("spool: %" PRIu64
		        " events after the saved read positions are dropped; they "
		        "are read again",
		        st.last_seq - tag);
		if (vg_spool_discard_after(a->spool, tag) == VG_OK)
			a->committed = tag;
	}
	if ((rc = vg_fdwatch_create(a->base, inputs_ready, a, &a->watch)) != VG_OK)
		return rc;
	inputs_ready(a);
	return VG_OK;
}

/* Saves where the inputs are (with the spool sequence they cover) and closes them. */
static void close_inputs(struct agent *a)
{
	if (!a->inputs)
		return;
	struct vg_collector *col = vg_inputs_collector(a->inputs);
	vg_collector_set_tag(col, a->committed);
	vg_collector_save_positions(col);
	vg_inputs_destroy(a->inputs);
	a->inputs = NULL;
}

void agent_collect_stop(struct agent *a)
{
	close_inputs(a);
	vg_fdwatch_destroy(a->watch);
	a->watch = NULL;
	vg_spool_close(a->spool);
	a->spool = NULL;
	if (a->have_shared)
		vg_config_destroy(&a->shared);
	a->have_shared = false;
}

static int write_shared(struct agent *a, const char *yaml, const char *hash)
{
	char path[PATH_MAX + 16];
	shared_path(a, path, sizeof(path));
	struct vg_buf b;
	vg_buf_init(&b, 0);
	int rc = vg_buf_printf(&b, "# hash: %s\n%s", hash, yaml);
	if (rc == VG_OK)
		rc = vg_file_replace(path, vg_buf_str(&b), b.len, 0600, true);
	vg_buf_free(&b);
	return rc;
}

int agent_collect_apply(struct agent *a, const char *yaml, const char *hash, const char **why)
{
	struct vg_config fresh;
	struct vg_diag d;
	vg_diag_init(&d);
	int rc =
	    vg_config_load_buffer(yaml, strlen(yaml), "configuration from the manager", &fresh, &d);
	*why = NULL;
	if (rc != VG_OK) {
		vg_diag_print(&d, stderr);
		*why = "configuration has errors";
		vg_diag_free(&d);
		return rc;
	}
	vg_diag_free(&d);
	if (write_shared(a, yaml, hash) != VG_OK)
		vg_warn("cannot keep the manager's configuration: %s", strerror(errno));
	if (a->have_shared)
		vg_config_destroy(&a->shared);
	a->shared = fresh;
	a->have_shared = true;
	snprintf(a->shared_hash, sizeof(a->shared_hash), "%s", hash);
	rc = agent_collect_reopen(a);
	if (rc != VG_OK)
		*why = "inputs could not be opened";
	return rc;
}

int agent_collect_reopen(struct agent *a)
{
	/* Stop the old inputs where they are, then start the new set from there. */
	close_inputs(a);
	int rc = open_inputs(a);
	if (rc == VG_OK)
		inputs_ready(a);
	return rc;
}
