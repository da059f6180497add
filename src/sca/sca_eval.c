/*
 * sca_eval.c - evaluates checks with Wazuh's semantics. A rule is found,
 * not found or invalid; "not" swaps found and not found. `all` stops at
 * the first rule not found, `any` and `none` at the first found; an
 * invalid rule makes the check invalid (not applicable) unless a later
 * rule decides it; `none` inverts the result. File rules read lines
 * (content of a missing file is invalid: "Could not open file"),
 * directory rules walk the tree recursively matching file names, command
 * rules read the output (first 255 lines, the rest as one), process rules
 * look at the running processes.
 */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sca/sca_internal.h"

#define SCA_DIR_MAX_DEPTH 64
#define SCA_CMD_MAX_LINES 256

void sca_ctx_init(struct sca_ctx *c, unsigned timeout_s)
{
	memset(c, 0, sizeof(*c));
	c->timeout_s = timeout_s;
	c->scratch = vg_pattern_scratch_create();
	vg_buf_init(&c->reason, 4096);
	vg_buf_init(&c->file, 65536);
	vg_buf_init(&c->directory, 65536);
	vg_buf_init(&c->command, 65536);
	vg_buf_init(&c->process, 65536);
}

void sca_ctx_free(struct sca_ctx *c)
{
	vg_pattern_scratch_destroy(c->scratch);
	sca_proc_list_free(c->procs);
	vg_buf_free(&c->reason);
	vg_buf_free(&c->file);
	vg_buf_free(&c->directory);
	vg_buf_free(&c->command);
	vg_buf_free(&c->process);
	memset(c, 0, sizeof(*c));
}

void sca_ctx_reset_check(struct sca_ctx *c)
{
	vg_buf_reset(&c->reason);
	vg_buf_reset(&c->file);
	vg_buf_reset(&c->directory);
	vg_buf_reset(&c->command);
	vg_buf_reset(&c->process);
}

static void reason(struct sca_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Keeps the first reason of a check, as Wazuh does. */
static void reason(struct sca_ctx *c, const char *fmt, ...)
{
	if (c->reason.len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vg_buf_vprintf(&c->reason, fmt, ap);
	va_end(ap);
}

static void note(struct vg_buf *b, const char *s)
{
	if (b->len)
		vg_buf_addc(b, ',');
	vg_buf_addstr(b, s);
}

static enum sca_found numeric(struct sca_ctx *c, const struct sca_term *t, const char *line)
{
	struct vg_match m;
	if (t->invalid) {
		reason(c, "%s", t->invalid);
		return SCA_INVALID;
	}
	if (!vg_pattern_match(t->pat, line, c->scratch, &m))
		return SCA_NOT_FOUND;
	if (m.ngroups == 0) {
		reason(c, "Regex '%s' matched, but no string was captured by it",
		       vg_pattern_source(t->pat));
		return SCA_INVALID;
	}
	char num[64];
	size_t n = m.groups[0].len < sizeof(num) - 1 ? m.groups[0].len : sizeof(num) - 1;
	memcpy(num, m.groups[0].start, n);
	num[n] = '\0';
	errno = 0;
	char *end;
	long v = strtol(num, &end, 10);
	if (errno != 0 || end == num) {
		reason(c, "Conversion error. Cannot convert '%s' to integer", num);
		return SCA_INVALID;
	}
	bool r;
	switch (t->op) {
	case SCA_OP_EQ: r = v == t->value; break;
	case SCA_OP_NE: r = v != t->value; break;
	case SCA_OP_LE: r = v <= t->value; break;
	case SCA_OP_GE: r = v >= t->value; break;
	case SCA_OP_LT: r = v < t->value; break;
	default: r = v > t->value; break;
	}
	return r ? SCA_FOUND : SCA_NOT_FOUND;
}

static enum sca_found term(struct sca_ctx *c, const struct sca_term *t, const char *line)
{
	switch (t->kind) {
	case SCA_TERM_REGEX:
		return t->pat && vg_pattern_match(t->pat, line, c->scratch, NULL) ? SCA_FOUND
		                                                                  : SCA_NOT_FOUND;
	case SCA_TERM_NUMERIC: return numeric(c, t, line);
	default: return strcasecmp(t->literal, line) == 0 ? SCA_FOUND : SCA_NOT_FOUND;
	}
}

enum sca_found sca_expr_match(struct sca_ctx *c, const struct sca_expr *e, const char *line)
{
	bool zero = false, invalid = false;
	for (size_t i = 0; i < e->n; i++) {
		enum sca_found f = term(c, &e->t[i], line);
		if (f != SCA_INVALID && e->t[i].neg)
			f = f == SCA_FOUND ? SCA_NOT_FOUND : SCA_FOUND;
		zero |= f == SCA_NOT_FOUND;
		invalid |= f == SCA_INVALID;
	}
	return zero ? SCA_NOT_FOUND : invalid ? SCA_INVALID : SCA_FOUND;
}

static enum sca_found resolve(struct sca_ctx *c, const char *path, char *real)
{
	if (realpath(path, real))
		return SCA_FOUND;
	if (errno == ENOENT)
		return SCA_NOT_FOUND;
	reason(c, "Could not resolve the real path of '%s': %s", path, strerror(errno));
	return SCA_INVALID;
}

static enum sca_found file_exists(struct sca_ctx *c, const char *path)
{
	char real[PATH_MAX];
	enum sca_found f = resolve(c, path, real);
	if (f != SCA_FOUND)
		return f;
	struct stat st;
	if (lstat(real, &st) != 0) {
		if (errno == ENOENT)
			return SCA_NOT_FOUND;
		reason(c, "Could not open '%s': %s", path, strerror(errno));
		return SCA_INVALID;
	}
	if (S_ISREG(st.st_mode))
		return SCA_FOUND;
	reason(c, "'%s' is not a regular file", path);
	return SCA_INVALID;
}

static enum sca_found file_contents(struct sca_ctx *c, const char *path, const struct sca_expr *e)
{
	char real[PATH_MAX];
	if (resolve(c, path, real) != SCA_FOUND) {
		reason(c, "Could not open file '%s'", path);
		return SCA_INVALID;
	}
	FILE *f = fopen(real, "r");
	if (!f) {
		reason(c, "Could not open file '%s': %s", path, strerror(errno));
		return SCA_INVALID;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	enum sca_found r = SCA_NOT_FOUND;
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		r = sca_expr_match(c, e, line);
		if (r != SCA_NOT_FOUND)
			break;
	}
	free(line);
	fclose(f);
	return r;
}

/* One file of a list: existence, or contents (a missing file is invalid). */
static enum sca_found one_file(struct sca_ctx *c, const char *path, const struct sca_expr *e)
{
	if (!e)
		return file_exists(c, path);
	if (file_exists(c, path) != SCA_FOUND) {
		reason(c, "Could not open file '%s'", path);
		return SCA_INVALID;
	}
	return file_contents(c, path, e);
}

static enum sca_found file_list(struct sca_ctx *c, const char *list, const struct sca_expr *e)
{
	char *copy = strdup(list), *save = NULL;
	enum sca_found acc = SCA_NOT_FOUND;
	if (!copy)
		return SCA_INVALID;
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		enum sca_found r = one_file(c, f, e);
		if (r == SCA_FOUND) {
			acc = SCA_FOUND;
			break;
		}
		if (r == SCA_INVALID)
			acc = SCA_INVALID;
	}
	free(copy);
	return acc;
}

static enum sca_found dir_walk(struct sca_ctx *c, const char *dir, const struct sca_rule *r,
                               unsigned depth)
{
	char real[PATH_MAX];
	if (depth > SCA_DIR_MAX_DEPTH || resolve(c, dir, real) != SCA_FOUND) {
		reason(c, "Could not open dir '%s'", dir);
		return SCA_INVALID;
	}
	DIR *d = opendir(real);
	if (!d) {
		reason(c, "Could not open '%s': %s", dir, strerror(errno));
		return SCA_INVALID;
	}
	enum sca_found acc = SCA_NOT_FOUND;
	struct dirent *e;
	char path[PATH_MAX + 2];
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct stat st;
		enum sca_found f;
		if (lstat(path, &st) != 0) {
			reason(c, "Cannot check directory entry '%s'", path);
			acc = SCA_INVALID;
			continue;
		}
		if (S_ISDIR(st.st_mode))
			f = dir_walk(c, path, r, depth + 1);
		else if (r->name_pat && vg_pattern_match(r->name_pat, e->d_name, c->scratch, NULL))
			f = one_file(c, path, r->has_content ? &r->content : NULL);
		else
			continue;
		if (f == SCA_FOUND) {
			acc = SCA_FOUND;
			break;
		}
		if (f == SCA_INVALID)
			acc = SCA_INVALID;
	}
	closedir(d);
	return acc;
}

static enum sca_found dir_exists(struct sca_ctx *c, const char *dir)
{
	char real[PATH_MAX];
	enum sca_found f = resolve(c, dir, real);
	if (f != SCA_FOUND)
		return f;
	DIR *d = opendir(real);
	if (d) {
		closedir(d);
		return SCA_FOUND;
	}
	if (errno == ENOENT)
		return SCA_NOT_FOUND;
	reason(c, "Could not check directory existence for '%s': %s", dir, strerror(errno));
	return SCA_INVALID;
}

static enum sca_found dir_list(struct sca_ctx *c, const struct sca_rule *r)
{
	char *copy = strdup(r->target), *save = NULL;
	enum sca_found found = SCA_NOT_FOUND;
	if (!copy)
		return SCA_INVALID;
	for (char *d = strtok_r(copy, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		enum sca_found f = r->has_name ? dir_walk(c, d, r, 0) : dir_exists(c, d);
		note(&c->directory, d);
		if (f == SCA_FOUND) {
			found = SCA_FOUND;
			break;
		}
		if (f == SCA_INVALID)
			found = SCA_INVALID;
	}
	free(copy);
	return found;
}

/* Matches the output line by line as Wazuh's agent splits it (OS_StrBreak
 * on '\n', at most 256 pieces, the last holding the rest): a newline after
 * a backslash joins (the backslash is dropped), the newline that ends the
 * output leaves one empty last line and an empty output is one empty line.
 * The first line found decides, else the last line's result stands. */
static enum sca_found output_match(struct sca_ctx *c, const struct sca_expr *e, const char *out)
{
	char *buf = malloc(strlen(out) + 1), *line = buf, *w = buf;
	if (!buf)
		return SCA_INVALID;
	enum sca_found r = SCA_NOT_FOUND;
	for (unsigned pieces = 0;; out++) {
		bool split = *out == '\n' && pieces < SCA_CMD_MAX_LINES - 1;
		if (split && w > line && w[-1] == '\\') {
			w[-1] = '\n';
			continue;
		}
		if (*out && !split) {
			*w++ = *out;
			continue;
		}
		*w = '\0';
		while (w > line && (w[-1] == '\n' || w[-1] == '\r'))
			*--w = '\0';
		r = sca_expr_match(c, e, line);
		pieces++;
		if (r == SCA_FOUND || !*out)
			break;
		line = w = w + 1;
	}
	free(buf);
	return r;
}

static enum sca_found command(struct sca_ctx *c, const struct sca_rule *r)
{
	note(&c->command, r->target);
	if (!r->has_content)
		return SCA_FOUND; /* Wazuh does not even run it */
	struct sca_exec_out own;
	const struct sca_exec_out *o = sca_cmd_cache_get(c->cmds, r->target);
	if (!o) {
		sca_exec_run(r->target, c->timeout_s, &own);
		o = &own;
	}
	enum sca_found f = SCA_INVALID;
	if (o->status == SCA_EXEC_NOEXEC)
		reason(c, "Invalid path or wrong permissions to run command '%s'", r->target);
	else if (o->status == SCA_EXEC_TIMEOUT)
		reason(c, "Timeout overtaken running command '%s'", r->target);
	else if (o->status != SCA_EXEC_OK)
		reason(c, "Failed to run command '%s'", r->target);
	else
		f = output_match(c, &r->content, o->out ? o->out : "");
	if (o == &own)
		sca_exec_out_free(&own);
	return f;
}

static enum sca_found process(struct sca_ctx *c, const struct sca_rule *r)
{
	note(&c->process, r->target);
	const struct sca_proc_list *pl;
	if (c->cmds) {
		pl = sca_cmd_cache_procs(c->cmds);
	} else {
		if (!c->procs)
			c->procs = sca_proc_list_read();
		pl = c->procs;
	}
	if (!pl || sca_proc_list_count(pl) == 0) {
		reason(c, "Process list is empty.");
		return SCA_INVALID;
	}
	for (size_t i = 0; i < sca_proc_list_count(pl); i++) {
		size_t n;
		const char *const *names = sca_proc_names(pl, i, &n);
		for (size_t j = 0; j < n; j++)
			if (sca_expr_match(c, &r->content, names[j]) == SCA_FOUND)
				return SCA_FOUND;
	}
	return SCA_NOT_FOUND;
}

static enum sca_found rule_eval(struct sca_ctx *c, const struct sca_rule *r)
{
	switch (r->type) {
	case 'f': {
		note(&c->file, r->target);
		enum sca_found f = file_list(c, r->target, r->has_content ? &r->content : NULL);
		return f;
	}
	case 'd': return dir_list(c, r);
	case 'c': return command(c, r);
	case 'p': return process(c, r);
	default:
		reason(c, "Registry rules are only evaluated on Windows ('%s')", r->target);
		return SCA_INVALID;
	}
}

enum sca_found sca_check_eval(struct sca_ctx *c, const struct sca_check *k)
{
	enum sca_found g = k->cond == SCA_COND_ALL ? SCA_FOUND : SCA_NOT_FOUND;
	for (size_t i = 0; i < k->nrules; i++) {
		enum sca_found f = rule_eval(c, &k->rules[i]);
		if (f != SCA_INVALID && k->rules[i].negated)
			f = f == SCA_FOUND ? SCA_NOT_FOUND : SCA_FOUND;
		if ((k->cond == SCA_COND_ALL && f == SCA_NOT_FOUND) ||
		    (k->cond != SCA_COND_ALL && f == SCA_FOUND)) {
			g = f;
			break;
		}
		if (f == SCA_INVALID)
			g = SCA_INVALID;
	}
	if (k->cond == SCA_COND_NONE && g != SCA_INVALID)
		g = g == SCA_FOUND ? SCA_NOT_FOUND : SCA_FOUND;
	return g;
}

enum vg_sca_result sca_found_result(const struct sca_check *k, enum sca_found f)
{
	(void)k;
	return f == SCA_FOUND       ? VG_SCA_PASSED
	       : f == SCA_NOT_FOUND ? VG_SCA_FAILED
	                            : VG_SCA_NOT_APPLICABLE;
}
