/*
 * procmon.c - the process monitor: audit rules, the audit netlink socket
 * (Vigil registered as the audit daemon) or the audit.log fallback, and the
 * delivery of one JSON document per execution with its parent.
 *
 * Opening adds the rules "-a always,exit -F arch=b64|b32 -S execve,execveat
 * -k vigil_exec" (a rule that already exists is left alone and not removed
 * at close, unless the marker file <data_dir>/procmon.rules says this data
 * directory's previous run added it and was killed before it could remove
 * it: then it is taken over), turns auditing on if it was off, and
 * registers the process as the audit daemon unless another live process
 * already is (auditd): then
 * the records reach auditd's audit.log, which is tailed instead. Closing
 * undoes exactly what opening did.
 */
#include "vigil/procmon.h"

#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/procmon_internal.h"
#include "vigil/buf.h"
#include "vigil/log.h"

#define PROCMON_KEY         "vigil_exec"
#define PROCMON_FLUSH_MS    500  /* an event without EOE is complete after this */
#define PROCMON_LOG_TICK    1000 /* audit.log rotation checks, or polling without inotify */
#define PROCMON_SAVE_MS     5000 /* audit.log position saves */
#define PROCMON_READ_BUDGET 4096
#define PROCMON_DEFAULT_LOG "/var/log/audit/audit.log"

struct vg_procmon {
	int ctl_fd;  /* audit netlink socket, -1 without */
	bool is_pid; /* registered as the audit daemon: events arrive on ctl_fd */
	bool enabled_changed;
	uint32_t old_enabled;
	struct audit_rule_data *rules[2]; /* added by us, removed at close */
	char marker[4096];                /* "<data_dir>/procmon.rules" ("" without data_dir) */
	struct vg_auditlog *log;          /* fallback input */
	uint64_t last_save_ms;
	struct vg_audit_asm *as;
	struct vg_lineage *lineage;
	struct vg_buf out;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits up to 1 s for the kernel's answer to an AUDIT_GET request. */
static int read_status(int fd, struct audit_status *st)
{
	if (audit_request_status(fd) < 0)
		return VG_EIO;
	uint64_t deadline = now_ms() + 1000;
	while (now_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		struct audit_reply rep;
		if (audit_get_reply(fd, &rep, GET_REPLY_NONBLOCKING, 0) <= 0)
			continue;
		if (rep.type == AUDIT_GET && rep.status) {
			*st = *rep.status;
			return VG_OK;
		}
		if (rep.type == NLMSG_ERROR && rep.error && rep.error->error)
			return VG_EIO;
	}
	return VG_EIO;
}

/* Sets the syscall bits of name for the rule's arch (the AUDIT_ARCH field). */
static int add_syscall(struct audit_rule_data *r, const char *name)
{
	for (uint32_t i = 0; i < r->field_count; i++) {
		if (r->fields[i] != AUDIT_ARCH)
			continue;
		int machine = audit_elf_to_machine(r->values[i]);
		int nr = machine < 0 ? -1 : audit_name_to_syscall(name, machine);
		if (nr < 0 || nr >= AUDIT_BITMASK_SIZE * 32)
			return VG_EUNSUP;
		r->mask[nr / 32] |= 1u << (nr % 32);
		return VG_OK;
	}
	return VG_EINVAL;
}

/* Appends the filter key field (libaudit only accepts one through its
 * fieldpair parser after auditctl-private state is set). */
static struct audit_rule_data *add_key(struct audit_rule_data *r, const char *key)
{
	size_t kl = strlen(key);
	if (r->field_count >= AUDIT_MAX_FIELDS) {
		audit_rule_free_data(r);
		return NULL;
	}
	struct audit_rule_data *n = realloc(r, sizeof(*r) + r->buflen + kl);
	if (!n) {
		audit_rule_free_data(r);
		return NULL;
	}
	memcpy(n->buf + n->buflen, key, kl);
	n->fields[n->field_count] = AUDIT_FILTERKEY;
	n->values[n->field_count] = (uint32_t)kl;
	n->fieldflags[n->field_count] = AUDIT_EQUAL;
	n->field_count++;
	n->buflen += (uint32_t)kl;
	return n;
}

/* Builds "-a always,exit -F arch=<arch> -S execve,execveat -k vigil_exec". */
static struct audit_rule_data *build_rule(const char *arch)
{
	struct audit_rule_data *r = audit_rule_create_data();
	char pair[32]; /* libaudit writes into the pair text */
	if (!r)
		return NULL;
	snprintf(pair, sizeof(pair), "arch=%s", arch);
	if (audit_rule_fieldpair_data(&r, pair, AUDIT_FILTER_EXIT) != 0 ||
	    add_syscall(r, "execve") != VG_OK || add_syscall(r, "execveat") != VG_OK) {
		audit_rule_free_data(r);
		return NULL;
	}
	return add_key(r, PROCMON_KEY);
}

static void add_rules(struct vg_procmon *p, struct vg_diag *d)
{
	static const char *const arches[2] = { "b64", "b32" };
	bool ours = p->marker[0] && access(p->marker, F_OK) == 0;
	bool added = false;
	for (int i = 0; i < 2; i++) {
		struct audit_rule_data *r = build_rule(arches[i]);
		if (!r)
			continue;
		int rc = audit_add_rule_data(p->ctl_fd, r, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
		if (rc > 0 || (rc == -EEXIST && ours)) {
			p->rules[i] = r;
			added = true;
			continue;
		}
		if (rc != -EEXIST && i == 0 && d)
			vg_diag_add(d, VG_DIAG_WARNING, NULL, 0, 0,
			            "procmon: cannot add the audit rule for %s execve: %s",
			            arches[i], strerror(-rc));
		audit_rule_free_data(r);
	}
	if (added && p->marker[0]) {
		int fd = open(p->marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
}

/* Becomes the audit daemon unless a live process other than us is one.
 * Returns true when events will arrive on ctl_fd. */
static bool take_socket(struct vg_procmon *p, const struct audit_status *st, struct vg_diag *d)
{
	if (st->pid != 0 && (pid_t)st->pid != getpid() &&
	    (kill((pid_t)st->pid, 0) == 0 || errno == EPERM)) {
		if (d)
			vg_diag_add(d, VG_DIAG_WARNING, NULL, 0, 0,
			            "procmon: the audit socket belongs to pid %u (auditd?), "
			            "reading the audit.log instead",
			            st->pid);
		return false;
	}
	if (st->enabled == 0) {
		if (audit_set_enabled(p->ctl_fd, 1) < 0)
			return false;
		p->enabled_changed = true;
		p->old_enabled = 0;
	}
	if (audit_set_pid(p->ctl_fd, (uint32_t)getpid(), WAIT_YES) < 0) {
		if (d)
			vg_diag_add(d, VG_DIAG_WARNING, NULL, 0, 0,
			            "procmon: cannot register as the audit daemon, "
			            "reading the audit.log instead");
		return false;
	}
	p->is_pid = true;
	return true;
}

/* The netlink part of opening; leaves ctl_fd -1 when audit is unusable. */
static void open_netlink(struct vg_procmon *p, const struct vg_procmon_opts *o, struct vg_diag *d)
{
	struct audit_status st;
	p->ctl_fd = audit_open();
	if (p->ctl_fd < 0) {
		if (d)
			vg_diag_add(d, VG_DIAG_WARNING, NULL, 0, 0,
			            "procmon: no audit netlink socket (%s)", strerror(errno));
		return;
	}
	if (read_status(p->ctl_fd, &st) != VG_OK) {
		if (d)
			vg_diag_add(d, VG_DIAG_WARNING, NULL, 0, 0,
			            "procmon: the kernel audit status cannot be read (not root?)");
		audit_close(p->ctl_fd);
		p->ctl_fd = -1;
		return;
	}
	add_rules(p, d);
	if (!o->no_netlink)
		take_socket(p, &st, d);
	else if (st.enabled == 0 && audit_set_enabled(p->ctl_fd, 1) >= 0)
		p->enabled_changed = true;
}

static int open_log(struct vg_procmon *p, const struct vg_procmon_opts *o)
{
	char pos[4096];
	const char *pos_file = NULL;
	if (o->data_dir) {
		snprintf(pos, sizeof(pos), "%s/procmon.pos", o->data_dir);
		pos_file = pos;
	}
	return vg_auditlog_open(o->audit_log ? o->audit_log : PROCMON_DEFAULT_LOG, pos_file,
	                        &p->log);
}

int vg_procmon_open(const struct vg_procmon_opts *o, struct vg_procmon **out, struct vg_diag *d)
{
	static const struct vg_procmon_opts defaults = { false, NULL, NULL };
	*out = NULL;
	if (!o)
		o = &defaults;
	struct vg_procmon *p = calloc(1, sizeof(*p));
	if (!p)
		return VG_ENOMEM;
	p->ctl_fd = -1;
	if (o->data_dir)
		snprintf(p->marker, sizeof(p->marker), "%s/procmon.rules", o->data_dir);
	vg_buf_init(&p->out, 0);
	int rc = vg_audit_asm_create(&p->as);
	if (rc == VG_OK)
		rc = vg_lineage_create(4096, &p->lineage);
	if (rc != VG_OK) {
		vg_procmon_close(p);
		return rc;
	}
	open_netlink(p, o, d);
	if (!p->is_pid && (rc = open_log(p, o)) != VG_OK) {
		vg_procmon_close(p);
		return rc;
	}
	*out = p;
	return VG_OK;
}

void vg_procmon_close(struct vg_procmon *p)
{
	if (!p)
		return;
	if (p->ctl_fd >= 0) {
		for (int i = 0; i < 2; i++)
			if (p->rules[i])
				audit_delete_rule_data(p->ctl_fd, p->rules[i], AUDIT_FILTER_EXIT,
				                       AUDIT_ALWAYS);
		if ((p->rules[0] || p->rules[1]) && p->marker[0])
			unlink(p->marker);
		if (p->is_pid)
			audit_set_pid(p->ctl_fd, 0, WAIT_NO);
		if (p->enabled_changed)
			audit_set_enabled(p->ctl_fd, p->old_enabled);
		audit_close(p->ctl_fd);
	}
	for (int i = 0; i < 2; i++)
		if (p->rules[i])
			audit_rule_free_data(p->rules[i]);
	vg_auditlog_close(p->log);
	vg_audit_asm_destroy(p->as);
	vg_lineage_destroy(p->lineage);
	vg_buf_free(&p->out);
	free(p);
}

int vg_procmon_fd(const struct vg_procmon *p)
{
	return p->is_pid ? p->ctl_fd : vg_auditlog_fd(p->log);
}

const char *vg_procmon_source(const struct vg_procmon *p)
{
	return p->is_pid ? "netlink" : "audit.log";
}

int vg_procmon_timeout_ms(const struct vg_procmon *p)
{
	if (vg_audit_asm_ready(p->as))
		return 0;
	int w = vg_audit_asm_wait_ms(p->as, now_ms(), PROCMON_FLUSH_MS);
	if (p->is_pid)
		return w;
	return w >= 0 && w < PROCMON_LOG_TICK ? w : PROCMON_LOG_TICK;
}

/* Reads the records waiting on the netlink socket into the assembler. */
static int read_netlink(struct vg_procmon *p, uint64_t now)
{
	for (int n = 0; n < PROCMON_READ_BUDGET; n++) {
		struct audit_reply rep;
		int r = audit_get_reply(p->ctl_fd, &rep, GET_REPLY_NONBLOCKING, 0);
		if (r == -EAGAIN || r == 0)
			return VG_OK;
		if (r < 0)
			return r == -EINTR ? VG_OK : VG_EIO;
		if (rep.type < AUDIT_FIRST_EVENT || rep.type > AUDIT_LAST_KERN_ANOM_MSG ||
		    !rep.message)
			continue;
		size_t max = sizeof(rep.msg.data) - (size_t)(rep.message - rep.msg.data);
		size_t len = strnlen(rep.message,
		                     rep.len > 0 && (size_t)rep.len < max ? (size_t)rep.len : max);
		if (vg_audit_asm_add(p->as, rep.type, rep.message, len, now) == VG_ENOMEM)
			return VG_ENOMEM;
	}
	return VG_OK;
}

/* Formats one execution with its parent and hands it to cb. */
static int deliver(struct vg_procmon *p, struct vg_exec_event *ev, vg_collect_cb cb, void *ctx)
{
	struct vg_proc_info parent;
	int rc = vg_lineage_get(p->lineage, ev->ppid, &parent);
	if (rc == VG_ENOMEM)
		return rc;
	vg_buf_reset(&p->out);
	rc = vg_procmon_format(ev, &parent, &p->out);
	vg_proc_info_free(&parent);
	if (rc == VG_OK)
		cb(ctx, VG_PROCMON_LOCATION, vg_buf_str(&p->out), p->out.len);
	else if (rc == VG_ELIMIT)
		rc = VG_OK; /* cannot happen with a 1 GiB limit; dropped */
	if (rc == VG_OK)
		rc = vg_lineage_put(p->lineage, ev->pid, ev->ppid, ev->exe ? ev->exe : ev->path0,
		                    ev->cmdline ? ev->cmdline : ev->proctitle);
	return rc;
}

int vg_procmon_poll(struct vg_procmon *p, vg_collect_cb cb, void *ctx, size_t max_events)
{
	uint64_t now = now_ms();
	int rc = VG_OK;
	if (p->is_pid) {
		rc = read_netlink(p, now);
	} else if (vg_auditlog_read(p->log, p->as, 4u << 20, now) < 0) {
		rc = VG_ENOMEM;
	}
	vg_audit_asm_flush(p->as, now, PROCMON_FLUSH_MS);
	if (p->log && now - p->last_save_ms >= PROCMON_SAVE_MS) {
		p->last_save_ms = now;
		if (vg_auditlog_save(p->log) != VG_OK)
			vg_warn("procmon: cannot save the audit.log position");
	}
	int delivered = 0;
	struct vg_exec_event *ev;
	while ((max_events == 0 || (size_t)delivered < max_events) &&
	       (ev = vg_audit_asm_next(p->as)) != NULL) {
		int r = deliver(p, ev, cb, ctx);
		vg_exec_event_free(ev);
		if (r != VG_OK)
			return r;
		delivered++;
	}
	return rc != VG_OK ? rc : delivered;
}
