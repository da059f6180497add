/*
 * fim_diff.c - report_changes: a copy of each watched text file is kept
 * under <data_dir>/fim-diff/ (named by the SHA-256 of its path); when the
 * file changes, a unified diff between the copy and the new content is the
 * event's content_changes. The diff is Myers' O(ND) algorithm on lines
 * (common prefix and suffix trimmed first, edit distance bounded). Files in
 * the nodiff list, binary files and files over diff_max_size are never
 * copied and the event says why instead.
 */
#include "fim/fim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil/error.h"
#include "vigil/file.h"

#define DIFF_MAX_D   1000 /* edit distance beyond which no diff is shown */
#define DIFF_CONTEXT 3
#define DIFF_MAX_OUT (64 * 1024)

struct line {
	const char *s;
	size_t len;
	uint32_t h;
};

struct lines {
	struct line *v;
	size_t n;
};

static int split(const char *t, size_t len, struct lines *out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += t[i] == '\n';
	out->v = malloc((n + 1) * sizeof(*out->v));
	out->n = 0;
	if (!out->v)
		return VG_ENOMEM;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(t + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (t + i)) : len - i;
		out->v[out->n++] = (struct line){ t + i, l, fim_path_hash(t + i, l) };
		i += l + 1;
	}
	return VG_OK;
}

static bool same(const struct line *a, const struct line *b)
{
	return a->h == b->h && a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* ops[k]: 0 equal, 1 delete (from a), 2 insert (from b). */
struct script {
	unsigned char *op;
	size_t n;
};

static int myers(const struct line *a, size_t n, const struct line *b, size_t m, struct script *out)
{
	size_t max = n + m;
	long off = (long)max + 1, width = 2 * (long)max + 3;
	long *v = calloc((size_t)width, sizeof(long));
	long **trace = calloc(DIFF_MAX_D + 1, sizeof(*trace));
	int rc = v && trace ? VG_ELIMIT : VG_ENOMEM;
	long d, found = -1;
	for (d = 0; rc == VG_ELIMIT && d <= (long)max && d <= DIFF_MAX_D; d++) {
		trace[d] = malloc((size_t)(2 * d + 1) * sizeof(long));
		if (!trace[d]) {
			rc = VG_ENOMEM;
			break;
		}
		for (long k = -d; k <= d; k += 2) {
			long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
			             ? v[off + k + 1]
			             : v[off + k - 1] + 1;
			long y = x - k;
			while (x < (long)n && y < (long)m && same(&a[x], &b[y]))
				x++, y++;
			v[off + k] = x;
			if (x >= (long)n && y >= (long)m) {
				found = d;
				break;
			}
		}
		memcpy(trace[d], v + off - d, (size_t)(2 * d + 1) * sizeof(long));
		if (found >= 0)
			rc = VG_OK;
	}
	if (rc == VG_OK) {
		out->op = malloc(n + m + 1);
		out->n = 0;
		long x = (long)n, y = (long)m;
		for (long dd = found; out->op && dd > 0; dd--) {
			long *pv = trace[dd - 1] + (dd - 1), k = x - y; /* pv[k], |k| < dd */
			long pk = (k == -dd || (k != dd && pv[k - 1] < pv[k + 1])) ? k + 1 : k - 1;
			long px = pv[pk], py = px - pk;
			while (x > px && y > py)
				out->op[out->n++] = 0, x--, y--;
			out->op[out->n++] = x == px ? 2 : 1;
			x = px, y = py;
		}
		while (out->op && x > 0)
			out->op[out->n++] = 0, x--;
		if (!out->op)
			rc = VG_ENOMEM;
		for (size_t i = 0; out->op && i < out->n / 2; i++) {
			unsigned char t = out->op[i];
			out->op[i] = out->op[out->n - 1 - i];
			out->op[out->n - 1 - i] = t;
		}
	}
	for (long i = 0; trace && i <= DIFF_MAX_D; i++)
		free(trace[i]);
	free(trace);
	free(v);
	return rc;
}

static void emit_line(struct vg_buf *out, char mark, const struct line *l)
{
	vg_buf_addc(out, mark);
	vg_buf_add(out, l->s, l->len);
	vg_buf_addc(out, '\n');
}

/* Writes the hunks of the script (a and b start at line base+1). */
static void hunks(const struct script *s, const struct line *a, const struct line *b, size_t base,
                  struct vg_buf *out)
{
	size_t i = 0, ai = 0, bi = 0;
	while (i < s->n) {
		if (s->op[i] == 0) {
			i++, ai++, bi++;
			continue;
		}
		/* A hunk: back up DIFF_CONTEXT equal lines, run until DIFF_CONTEXT*2 equal. */
		size_t back = 0;
		while (back < DIFF_CONTEXT && back < i && s->op[i - back - 1] == 0)
			back++;
		size_t hs = i - back, has = ai - back, hbs = bi - back, end = i, eq = 0;
		for (size_t j = i; j < s->n; j++) {
			eq = s->op[j] == 0 ? eq + 1 : 0;
			if (eq > 2 * DIFF_CONTEXT)
				break;
			end = j + 1;
		}
		while (end > i && s->op[end - 1] == 0 && eq > DIFF_CONTEXT)
			end--, eq--;
		size_t na = 0, nb = 0;
		for (size_t j = hs; j < end; j++)
			na += s->op[j] != 2, nb += s->op[j] != 1;
		vg_buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", base + has + 1, na, base + hbs + 1,
		              nb);
		size_t x = has, y = hbs;
		for (size_t j = hs; j < end; j++) {
			if (s->op[j] == 0)
				emit_line(out, ' ', &a[x++]), y++;
			else if (s->op[j] == 1)
				emit_line(out, '-', &a[x++]);
			else
				emit_line(out, '+', &b[y++]);
		}
		i = end, ai = x, bi = y;
	}
}

int fim_diff_text(const char *at, size_t alen, const char *bt, size_t blen, struct vg_buf *out)
{
	struct lines a, b;
	int rc = split(at, alen, &a);
	if (rc == VG_OK)
		rc = split(bt, blen, &b);
	else
		b.v = NULL;
	size_t pre = 0, suf = 0;
	while (rc == VG_OK && pre < a.n && pre < b.n && same(&a.v[pre], &b.v[pre]))
		pre++;
	while (rc == VG_OK && suf < a.n - pre && suf < b.n - pre &&
	       same(&a.v[a.n - 1 - suf], &b.v[b.n - 1 - suf]))
		suf++;
	size_t ctx_pre = pre < DIFF_CONTEXT ? pre : DIFF_CONTEXT;
	size_t ctx_suf = suf < DIFF_CONTEXT ? suf : DIFF_CONTEXT;
	struct script s = { 0 };
	if (rc == VG_OK)
		rc = myers(a.v + pre - ctx_pre, a.n - pre - suf + ctx_pre + ctx_suf,
		           b.v + pre - ctx_pre, b.n - pre - suf + ctx_pre + ctx_suf, &s);
	if (rc == VG_OK)
		hunks(&s, a.v + pre - ctx_pre, b.v + pre - ctx_pre, pre - ctx_pre, out);
	free(s.op);
	free(a.v);
	free(b.v);
	return rc;
}

static char *copy_path(struct vg_fim *f, const char *path)
{
	uint8_t md[32];
	char hex[65];
	unsigned mdlen = 0;
	if (!EVP_Digest(path, strlen(path), md, &mdlen, EVP_sha256(), NULL))
		return NULL;
	fim_hex(md, 32, hex);
	struct vg_buf b;
	vg_buf_init(&b, 0);
	vg_buf_printf(&b, "%s/fim-diff", f->data_dir);
	mkdir(vg_buf_str(&b), 0700);
	vg_buf_printf(&b, "/%s", hex);
	return vg_buf_detach(&b);
}

/* Reads at most max+1 bytes of path into a malloc'd buffer. */
static char *slurp(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	char *buf = malloc(max + 2);
	size_t n = 0;
	while (buf && n <= max) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

static bool in_nodiff(const struct vg_fim *f, const char *path)
{
	for (size_t i = 0; i < f->cfg->nnodiff; i++)
		if (strcmp(f->cfg->nodiff[i], path) == 0 ||
		    fnmatch(f->cfg->nodiff[i], path, 0) == 0)
			return true;
	return false;
}

static char *diff_against_copy(const char *cp, const char *cur, size_t clen, size_t max)
{
	size_t olen = 0;
	char *old = slurp(cp, max, &olen);
	if (!old)
		return NULL; /* first sight: the copy is made, nothing to show */
	struct vg_buf out;
	vg_buf_init(&out, DIFF_MAX_OUT + 64);
	int rc = fim_diff_text(old, olen, cur, clen, &out);
	free(old);
	if (rc == VG_ELIMIT) {
		vg_buf_free(&out);
		return strdup("Diff omitted: too many lines changed to show");
	}
	if (out.len > DIFF_MAX_OUT) {
		out.len = DIFF_MAX_OUT;
		out.data[out.len] = '\0';
		vg_buf_addstr(&out, "\n(diff truncated)");
	}
	return out.len ? vg_buf_detach(&out) : NULL;
}

char *fim_diff_file(struct vg_fim *f, const struct fim_root *r, const char *path, bool deleted)
{
	char *cp = copy_path(f, path);
	if (!cp)
		return NULL;
	char *res = NULL;
	size_t max = f->cfg->diff_max_size > 0 ? (size_t)f->cfg->diff_max_size : 1048576;
	if (deleted) {
		unlink(cp);
	} else if (in_nodiff(f, path)) {
		unlink(cp);
		res = strdup("Diff omitted: the file is in the nodiff list, its content is not "
		             "recorded");
	} else {
		size_t len = 0;
		char *cur = slurp(path, max, &len);
		if (!cur) {
			res = NULL;
		} else if (len > max) {
			unlink(cp);
			res = strdup("Diff omitted: the file is larger than diff_max_size");
		} else if (memchr(cur, '\0', len)) {
			unlink(cp);
			res = strdup("Diff omitted: binary file");
		} else {
			res = diff_against_copy(cp, cur, len, max);
			vg_file_replace(cp, cur, len, 0600, false);
		}
		free(cur);
	}
	free(cp);
	return res;
}
