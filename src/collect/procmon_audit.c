/*
 * procmon_audit.c - the audit record assembler of the process monitor.
 *
 * The kernel reports one execve() as several records sharing an event id
 * "audit(<sec>.<msec>:<serial>)": SYSCALL (pid, ppid, uids, tty, exe, ...),
 * EXECVE (argc and the arguments a0..aN, a long one split as a1_len=N
 * a1[0]=.. a1[1]=.., several EXECVE records for many arguments), CWD, PATH
 * (item 0 is the file executed) and PROCTITLE, then an EOE record on
 * netlink (auditd does not write EOE to audit.log). Strings the kernel
 * considers unsafe are hex-encoded and unquoted; safe ones are quoted.
 * This file parses records (from netlink or audit.log lines), keeps a small
 * table of events still being assembled, and completes an event on EOE, on
 * a record of another event after its PROCTITLE (the last record), when it
 * has been quiet for a while, or when the table is full.
 */
#include "collect/procmon_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/array.h"
#include "vigil/error.h"

#define ASM_PENDING    64      /* events assembled at once */
#define ASM_QUEUE_MAX  4096    /* completed events not yet taken */
#define ASM_MAX_ARGS   1024    /* arguments kept per execution */
#define ASM_MAX_CMD    32768   /* bytes of command line kept */
#define ASM_MAX_STR    4096    /* bytes kept of any other string */
#define ASM_MAX_RECORD 1048576 /* longest record parsed */

struct pending {
	bool used, has_syscall, has_execve, has_proctitle;
	uint64_t last_ms;
	struct vg_exec_event ev;
	struct vg_buf *args; /* args[i] is argument i, assembled */
	size_t nargs, argc;
	size_t cmd_bytes;
};

struct vg_audit_asm {
	struct pending pend[ASM_PENDING];
	struct vg_exec_event **queue;
	size_t qhead, qlen, qcap;
	uint64_t dropped;
};

void vg_exec_event_free(struct vg_exec_event *ev)
{
	if (!ev)
		return;
	free(ev->exe);
	free(ev->comm);
	free(ev->cwd);
	free(ev->tty);
	free(ev->key);
	free(ev->path0);
	free(ev->proctitle);
	free(ev->cmdline);
	free(ev);
}

int vg_audit_asm_create(struct vg_audit_asm **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? VG_OK : VG_ENOMEM;
}

static void pending_clear(struct pending *p)
{
	for (size_t i = 0; i < p->nargs; i++)
		vg_buf_free(&p->args[i]);
	free(p->args);
	free(p->ev.exe);
	free(p->ev.comm);
	free(p->ev.cwd);
	free(p->ev.tty);
	free(p->ev.key);
	free(p->ev.path0);
	free(p->ev.proctitle);
	free(p->ev.cmdline);
	memset(p, 0, sizeof(*p));
}

void vg_audit_asm_destroy(struct vg_audit_asm *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < ASM_PENDING; i++)
		pending_clear(&a->pend[i]);
	for (size_t i = 0; i < a->qlen; i++)
		vg_exec_event_free(a->queue[(a->qhead + i) % a->qcap]);
	free(a->queue);
	free(a);
}

/* ---- parsing one record ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_hex(const char *s, size_t n)
{
	if (n == 0 || n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (hexval((unsigned char)s[i]) < 0)
			return false;
	return true;
}

/* A field value as written: quoted (literal) or not (hex for strings). */
struct aval {
	const char *s;
	size_t n;
	bool quoted;
};

/*
 * Appends the decoded string value to b: quoted values as they are,
 * unquoted hex decoded (NUL bytes become spaces, as in a command line),
 * anything else raw. Returns VG_ENOMEM or VG_ELIMIT (b full).
 */
static int aval_append(const struct aval *v, struct vg_buf *b)
{
	if (v->quoted || !is_hex(v->s, v->n))
		return vg_buf_add(b, v->s, v->n);
	int rc = VG_OK;
	for (size_t i = 0; i + 1 < v->n && rc == VG_OK; i += 2) {
		char c = (char)(hexval((unsigned char)v->s[i]) << 4 |
		                hexval((unsigned char)v->s[i + 1]));
		rc = vg_buf_addc(b, c ? c : ' ');
	}
	return rc;
}

/* The decoded string value, malloc'ed; NULL for "(null)", "(none)" or on
 * allocation failure (*rc set). */
static char *aval_str(const struct aval *v, int *rc)
{
	if (!v->quoted && ((v->n == 6 && memcmp(v->s, "(null)", 6) == 0) ||
	                   (v->n == 6 && memcmp(v->s, "(none)", 6) == 0)))
		return NULL;
	struct vg_buf b;
	vg_buf_init(&b, ASM_MAX_STR);
	int r = aval_append(v, &b);
	if (r == VG_ENOMEM) {
		*rc = r;
		vg_buf_free(&b);
		return NULL;
	}
	if (!b.data && vg_buf_addstr(&b, "") != VG_OK) {
		*rc = VG_ENOMEM;
		return NULL;
	}
	return vg_buf_detach(&b);
}

static int64_t aval_int(const struct aval *v, int base)
{
	char tmp[32];
	if (v->n == 0 || v->n >= sizeof(tmp))
		return VG_AUDIT_UNSET;
	memcpy(tmp, v->s, v->n);
	tmp[v->n] = '\0';
	char *end;
	errno = 0;
	long long x = strtoll(tmp, &end, base);
	if (errno || *end)
		return VG_AUDIT_UNSET;
	return x;
}

/*
 * Reads the next key=value at *pos of s[0, n). Values are "quoted",
 * 'single quoted' or run to the next space. Stops at the end or at the
 * 0x1d byte that starts auditd's ENRICHED fields. Returns false at the end.
 */
static bool next_field(const char *s, size_t n, size_t *pos, struct aval *key, struct aval *val)
{
	size_t i = *pos;
	while (i < n && s[i] == ' ')
		i++;
	if (i >= n || s[i] == '\x1d')
		return false;
	key->s = s + i;
	while (i < n && s[i] != '=' && s[i] != ' ' && s[i] != '\x1d')
		i++;
	key->n = (size_t)(s + i - key->s);
	key->quoted = false;
	val->s = s + i;
	val->n = 0;
	val->quoted = false;
	if (i < n && s[i] == '=') {
		i++;
		if (i < n && (s[i] == '"' || s[i] == '\'')) {
			char q = s[i++];
			val->s = s + i;
			while (i < n && s[i] != q)
				i++;
			val->n = (size_t)(s + i - val->s);
			val->quoted = true;
			if (i < n)
				i++;
		} else {
			val->s = s + i;
			while (i < n && s[i] != ' ' && s[i] != '\x1d')
				i++;
			val->n = (size_t)(s + i - val->s);
		}
	}
	*pos = i;
	return true;
}

static bool key_is(const struct aval *k, const char *name)
{
	size_t l = strlen(name);
	return k->n == l && memcmp(k->s, name, l) == 0;
}

/* Parses "audit(<sec>.<msec>:<serial>):" at the start of s; returns the
 * offset after it, 0 when malformed. */
static size_t parse_stamp(const char *s, size_t n, int64_t *sec, int64_t *msec, uint64_t *serial)
{
	if (n < 6 || memcmp(s, "audit(", 6) != 0)
		return 0;
	uint64_t part[3] = { 0, 0, 0 };
	size_t i = 6;
	for (int k = 0; k < 3; k++) {
		const char stop = k == 0 ? '.' : k == 1 ? ':' : ')';
		size_t start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 19)
			part[k] = part[k] * 10 + (uint64_t)(s[i++] - '0');
		if (i == start || i >= n || s[i] != stop)
			return 0;
		i++;
	}
	if (i < n && s[i] == ':')
		i++;
	*sec = (int64_t)part[0];
	*msec = (int64_t)part[1];
	*serial = part[2];
	return i;
}

/* ---- applying records to a pending event ---- */

static int set_str(char **dst, const struct aval *v)
{
	int rc = VG_OK;
	free(*dst);
	*dst = aval_str(v, &rc);
	return rc;
}

static int apply_syscall(struct pending *p, const char *s, size_t n, size_t pos)
{
	struct aval k, v;
	int rc = VG_OK;
	struct vg_exec_event *ev = &p->ev;
	p->has_syscall = true;
	while (rc == VG_OK && next_field(s, n, &pos, &k, &v)) {
		if (key_is(&k, "syscall"))
			ev->syscall = aval_int(&v, 10);
		else if (key_is(&k, "success"))
			ev->success = v.n == 3 && memcmp(v.s, "yes", 3) == 0;
		else if (key_is(&k, "exit"))
			ev->exit = aval_int(&v, 10);
		else if (key_is(&k, "pid"))
			ev->pid = aval_int(&v, 10);
		else if (key_is(&k, "ppid"))
			ev->ppid = aval_int(&v, 10);
		else if (key_is(&k, "uid"))
			ev->uid = aval_int(&v, 10);
		else if (key_is(&k, "auid"))
			ev->auid = aval_int(&v, 10);
		else if (key_is(&k, "ses"))
			ev->ses = aval_int(&v, 10);
		else if (key_is(&k, "tty"))
			rc = set_str(&ev->tty, &v);
		else if (key_is(&k, "comm"))
			rc = set_str(&ev->comm, &v);
		else if (key_is(&k, "exe"))
			rc = set_str(&ev->exe, &v);
		else if (key_is(&k, "key"))
			rc = set_str(&ev->key, &v);
	}
	return rc;
}

/* The argument slot for index idx, created empty; NULL past the limit. */
static struct vg_buf *arg_slot(struct pending *p, size_t idx, int *rc)
{
	if (idx >= ASM_MAX_ARGS)
		return NULL;
	if (idx >= p->nargs) {
		size_t cap = p->nargs;
		void *items = p->args;
		if (vg_grow(&items, &cap, idx + 1, sizeof(*p->args), 8) != VG_OK) {
			*rc = VG_ENOMEM;
			return NULL;
		}
		p->args = items;
		for (size_t i = p->nargs; i <= idx; i++)
			vg_buf_init(&p->args[i], ASM_MAX_CMD);
		p->nargs = idx + 1;
	}
	return &p->args[idx];
}

/* Parses an EXECVE key "a<N>", "a<N>[<k>]" or "a<N>_len"; returns 1 for a
 * whole argument, 2 for a piece, 0 otherwise. */
static int arg_key(const struct aval *k, size_t *idx)
{
	if (k->n < 2 || k->s[0] != 'a')
		return 0;
	size_t i = 1, x = 0;
	while (i < k->n && k->s[i] >= '0' && k->s[i] <= '9' && i < 9)
		x = x * 10 + (size_t)(k->s[i++] - '0');
	if (i == 1)
		return 0;
	*idx = x;
	if (i == k->n)
		return 1;
	return k->s[i] == '[' ? 2 : 0;
}

static int apply_execve(struct pending *p, const char *s, size_t n, size_t pos)
{
	struct aval k, v;
	int rc = VG_OK;
	p->has_execve = true;
	while (rc == VG_OK && next_field(s, n, &pos, &k, &v)) {
		size_t idx;
		int kind = arg_key(&k, &idx);
		if (key_is(&k, "argc")) {
			int64_t c = aval_int(&v, 10);
			if (c > 0)
				p->argc = (size_t)c;
			continue;
		}
		if (!kind)
			continue;
		struct vg_buf *b = arg_slot(p, idx, &rc);
		if (!b || p->cmd_bytes + v.n > 2 * ASM_MAX_CMD)
			continue;
		if (kind == 1)
			vg_buf_reset(b);
		p->cmd_bytes += v.n;
		int r = aval_append(&v, b);
		if (r == VG_ENOMEM)
			rc = r;
	}
	return rc;
}

static int apply_path(struct pending *p, const char *s, size_t n, size_t pos)
{
	struct aval k, v, name = { NULL, 0, false };
	bool item0 = false;
	while (next_field(s, n, &pos, &k, &v)) {
		if (key_is(&k, "item"))
			item0 = v.n == 1 && v.s[0] == '0';
		else if (key_is(&k, "name"))
			name = v;
	}
	if (!item0 || !name.s || p->ev.path0)
		return VG_OK;
	return set_str(&p->ev.path0, &name);
}

static int apply_one(struct pending *p, const char *s, size_t n, size_t pos, const char *key,
                     char **dst)
{
	struct aval k, v;
	while (next_field(s, n, &pos, &k, &v))
		if (key_is(&k, key))
			return set_str(dst, &v);
	return VG_OK;
}

/* ---- the pending table and the completed queue ---- */

static int enqueue(struct vg_audit_asm *a, struct vg_exec_event *ev)
{
	if (a->qlen == ASM_QUEUE_MAX) {
		vg_exec_event_free(a->queue[a->qhead]);
		a->qhead = (a->qhead + 1) % a->qcap;
		a->qlen--;
		a->dropped++;
	}
	if (a->qlen == a->qcap) {
		size_t ncap = a->qcap ? a->qcap * 2 : 16;
		struct vg_exec_event **q = malloc(ncap * sizeof(*q));
		if (!q)
			return VG_ENOMEM;
		for (size_t i = 0; i < a->qlen; i++)
			q[i] = a->queue[(a->qhead + i) % a->qcap];
		free(a->queue);
		a->queue = q;
		a->qcap = ncap;
		a->qhead = 0;
	}
	a->queue[(a->qhead + a->qlen) % a->qcap] = ev;
	a->qlen++;
	return VG_OK;
}

/* Joins the arguments into the command line (argc when known). */
static int join_args(struct pending *p)
{
	struct vg_buf cmd;
	vg_buf_init(&cmd, ASM_MAX_CMD);
	size_t n = p->argc && p->argc < p->nargs ? p->argc : p->nargs;
	int rc = VG_OK;
	for (size_t i = 0; i < n && rc == VG_OK; i++) {
		if (i)
			rc = vg_buf_addc(&cmd, ' ');
		if (rc == VG_OK)
			rc = vg_buf_add(&cmd, vg_buf_str(&p->args[i]), p->args[i].len);
	}
	if (rc == VG_ENOMEM) {
		vg_buf_free(&cmd);
		return rc;
	}
	if (cmd.len == 0) {
		vg_buf_free(&cmd);
		return VG_OK;
	}
	p->ev.cmdline = vg_buf_detach(&cmd);
	return VG_OK;
}

/* Finishes p: a successful execution goes to the queue, anything else is
 * dropped. The slot is freed either way. */
static int complete(struct vg_audit_asm *a, struct pending *p)
{
	int rc = VG_OK;
	if (p->has_syscall && p->has_execve && p->ev.success) {
		rc = join_args(p);
		struct vg_exec_event *ev = rc == VG_OK ? malloc(sizeof(*ev)) : NULL;
		if (ev) {
			*ev = p->ev;
			memset(&p->ev, 0, sizeof(p->ev));
			rc = enqueue(a, ev);
			if (rc != VG_OK)
				vg_exec_event_free(ev);
		} else {
			rc = VG_ENOMEM;
		}
	}
	pending_clear(p);
	return rc;
}

static void pending_init(struct pending *p, uint64_t serial, int64_t sec, int64_t msec)
{
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->ev.serial = serial;
	p->ev.sec = sec;
	p->ev.msec = msec;
	p->ev.pid = p->ev.ppid = p->ev.uid = p->ev.auid = VG_AUDIT_UNSET;
	p->ev.ses = p->ev.exit = p->ev.syscall = VG_AUDIT_UNSET;
}

/*
 * The slot of event serial: found, or a new one. Records of another event
 * complete the events whose PROCTITLE was seen; a full table completes its
 * oldest event.
 */
static struct pending *slot_for(struct vg_audit_asm *a, uint64_t serial, int *rc)
{
	struct pending *free_slot = NULL, *oldest = NULL;
	for (size_t i = 0; i < ASM_PENDING; i++) {
		struct pending *p = &a->pend[i];
		if (p->used && p->ev.serial == serial)
			return p;
	}
	for (size_t i = 0; i < ASM_PENDING; i++) {
		struct pending *p = &a->pend[i];
		if (p->used && p->has_proctitle) {
			int r = complete(a, p);
			if (r != VG_OK)
				*rc = r;
		}
		if (!p->used && !free_slot)
			free_slot = p;
		if (p->used &&
		    (!oldest || p->last_ms < oldest->last_ms ||
		     (p->last_ms == oldest->last_ms && p->ev.serial < oldest->ev.serial)))
			oldest = p;
	}
	if (!free_slot) {
		int r = complete(a, oldest);
		if (r != VG_OK)
			*rc = r;
		free_slot = oldest;
	}
	return free_slot;
}

int vg_audit_asm_add(struct vg_audit_asm *a, int type, const char *text, size_t len,
                     uint64_t now_ms)
{
	int64_t sec, msec;
	uint64_t serial;
	if (len > ASM_MAX_RECORD)
		return VG_EPARSE;
	size_t pos = parse_stamp(text, len, &sec, &msec, &serial);
	if (!pos)
		return VG_EPARSE;
	bool known = type == VG_AUDIT_SYSCALL || type == VG_AUDIT_EXECVE || type == VG_AUDIT_CWD ||
	             type == VG_AUDIT_PATH || type == VG_AUDIT_PROCTITLE || type == VG_AUDIT_EOE;
	if (!known)
		return VG_OK;
	int rc = VG_OK;
	struct pending *p = slot_for(a, serial, &rc);
	if (!p->used)
		pending_init(p, serial, sec, msec);
	p->last_ms = now_ms;
	int r = VG_OK;
	switch (type) {
	case VG_AUDIT_SYSCALL: r = apply_syscall(p, text, len, pos); break;
	case VG_AUDIT_EXECVE: r = apply_execve(p, text, len, pos); break;
	case VG_AUDIT_PATH: r = apply_path(p, text, len, pos); break;
	case VG_AUDIT_CWD: r = apply_one(p, text, len, pos, "cwd", &p->ev.cwd); break;
	case VG_AUDIT_PROCTITLE:
		p->has_proctitle = true;
		r = apply_one(p, text, len, pos, "proctitle", &p->ev.proctitle);
		break;
	case VG_AUDIT_EOE: r = complete(a, p); break;
	}
	return r != VG_OK ? r : rc;
}

static const struct {
	const char *name;
	int type;
} type_names[] = {
	{ "SYSCALL", VG_AUDIT_SYSCALL },
	{ "EXECVE", VG_AUDIT_EXECVE },
	{ "CWD", VG_AUDIT_CWD },
	{ "PATH", VG_AUDIT_PATH },
	{ "PROCTITLE", VG_AUDIT_PROCTITLE },
	{ "EOE", VG_AUDIT_EOE },
};

/* The type of an audit.log "type=" value: a name or "UNKNOWN[<n>]". */
static int type_from_name(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strlen(type_names[i].name) == n && memcmp(type_names[i].name, s, n) == 0)
			return type_names[i].type;
	if (n > 9 && memcmp(s, "UNKNOWN[", 8) == 0 && s[n - 1] == ']') {
		struct aval v = { s + 8, n - 9, false };
		int64_t t = aval_int(&v, 10);
		if (t > 0 && t < 100000)
			return (int)t;
	}
	return VG_AUDIT_OTHER;
}

int vg_audit_asm_add_line(struct vg_audit_asm *a, const char *line, size_t len, uint64_t now_ms)
{
	size_t pos = 0;
	struct aval k, v;
	if (!next_field(line, len, &pos, &k, &v) || !key_is(&k, "type"))
		return VG_EPARSE;
	int type = type_from_name(v.s, v.n);
	if (type == VG_AUDIT_OTHER)
		return VG_OK;
	while (pos < len && line[pos] == ' ')
		pos++;
	if (len - pos < 4 || memcmp(line + pos, "msg=", 4) != 0)
		return VG_EPARSE;
	pos += 4;
	return vg_audit_asm_add(a, type, line + pos, len - pos, now_ms);
}

void vg_audit_asm_flush(struct vg_audit_asm *a, uint64_t now_ms, uint64_t max_age_ms)
{
	for (size_t i = 0; i < ASM_PENDING; i++) {
		struct pending *p = &a->pend[i];
		if (p->used && (max_age_ms == 0 || now_ms - p->last_ms >= max_age_ms))
			(void)complete(a, p);
	}
}

int vg_audit_asm_wait_ms(const struct vg_audit_asm *a, uint64_t now_ms, uint64_t max_age_ms)
{
	int best = -1;
	for (size_t i = 0; i < ASM_PENDING; i++) {
		const struct pending *p = &a->pend[i];
		if (!p->used)
			continue;
		uint64_t age = now_ms - p->last_ms;
		int w = age >= max_age_ms ? 0 : (int)(max_age_ms - age);
		if (best < 0 || w < best)
			best = w;
	}
	return best;
}

struct vg_exec_event *vg_audit_asm_next(struct vg_audit_asm *a)
{
	if (a->qlen == 0)
		return NULL;
	struct vg_exec_event *ev = a->queue[a->qhead];
	a->qhead = (a->qhead + 1) % a->qcap;
	a->qlen--;
	return ev;
}

bool vg_audit_asm_ready(const struct vg_audit_asm *a)
{
	return a->qlen > 0;
}
