/*
 * sigma_value.c - compiles one "Field|modifier|...: values" item of a Sigma
 * detection.
 *
 * A written value is first read into tokens (literal bytes and the `*` and
 * `?` wildcards, with `\` escapes as the specification defines), then the
 * transforming modifiers run in the order written (expand, windash, wide /
 * utf16*, base64, base64offset; one value may become several), then the
 * match modifiers (contains, startswith, endswith) add wildcards. The result
 * becomes the cheapest form that matches it: an exact, prefix, suffix or
 * substring literal (ASCII case folded unless cased), else a PCRE2 pattern.
 * re, cidr, lt/lte/gt/gte, exists, fieldref, neq and the date parts are
 * compiled directly. Unknown modifiers are refused with VG_EUNSUP.
 */
#include "sigma/sigma_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/buf.h"

/* Token marks beside each byte. */
enum { TK_LIT = 0, TK_STAR, TK_QMARK, TK_WINDASH };

struct sg_tokens {
	struct vg_buf b; /* bytes */
	struct vg_buf w; /* marks */
};

enum sg_mod {
	M_CONTAINS = 1u << 0,
	M_STARTS = 1u << 1,
	M_ENDS = 1u << 2,
	M_ALL = 1u << 3,
	M_RE = 1u << 4,
	M_CIDR = 1u << 5,
	M_EXISTS = 1u << 6,
	M_CASED = 1u << 7,
	M_FIELDREF = 1u << 8,
	M_NEQ = 1u << 9,
	M_RE_I = 1u << 10,
	M_RE_M = 1u << 11,
	M_RE_S = 1u << 12,
};

/* Transforming modifiers, kept in written order. */
enum sg_xform { X_BASE64, X_BASE64OFF, X_UTF16LE, X_UTF16BE, X_UTF16, X_WINDASH, X_EXPAND };

struct sg_mods {
	unsigned flags;
	enum sg_xform x[8];
	size_t nx;
	int numop; /* -1 none, else enum sg_numop */
	enum sg_timepart tpart;
};

static void tk_init(struct sg_tokens *t)
{
	vg_buf_init(&t->b, 1u << 20);
	vg_buf_init(&t->w, 1u << 20);
}

static void tk_free(struct sg_tokens *t)
{
	vg_buf_free(&t->b);
	vg_buf_free(&t->w);
}

static int tk_add(struct sg_tokens *t, char c, char mark)
{
	return vg_buf_addc(&t->b, c) || vg_buf_addc(&t->w, mark) ? VG_ENOMEM : VG_OK;
}

static const char *tk_bytes(const struct sg_tokens *t)
{
	return t->b.data ? t->b.data : "";
}

static const char *tk_marks(const struct sg_tokens *t)
{
	return t->w.data ? t->w.data : "";
}

/* Reads a written value: `*` and `?` are wildcards, `\` escapes `*`, `?`
 * and itself; any other backslash is literal. */
static int tk_read(struct sg_tokens *t, const char *s)
{
	for (; *s; s++) {
		int rc;
		if (*s == '\\' && (s[1] == '*' || s[1] == '?' || s[1] == '\\')) {
			rc = tk_add(t, s[1], TK_LIT);
			s++;
		} else if (*s == '*' || *s == '?') {
			rc = tk_add(t, *s, *s == '*' ? TK_STAR : TK_QMARK);
		} else {
			rc = tk_add(t, *s, TK_LIT);
		}
		if (rc)
			return rc;
	}
	return VG_OK;
}

static bool tk_has_wild(const struct sg_tokens *t)
{
	for (size_t i = 0; i < t->w.len; i++)
		if (tk_marks(t)[i] != TK_LIT)
			return true;
	return false;
}

static int parse_mods(struct sg_ctx *c, char **parts, size_t nparts, struct sg_mods *m)
{
	static const struct {
		const char *name;
		unsigned flag;
	} flags[] = { { "contains", M_CONTAINS },
		      { "startswith", M_STARTS },
		      { "endswith", M_ENDS },
		      { "all", M_ALL },
		      { "re", M_RE },
		      { "cidr", M_CIDR },
		      { "exists", M_EXISTS },
		      { "cased", M_CASED },
		      { "fieldref", M_FIELDREF },
		      { "neq", M_NEQ },
		      { "i", M_RE_I },
		      { "ignorecase", M_RE_I },
		      { "m", M_RE_M },
		      { "multiline", M_RE_M },
		      { "s", M_RE_S },
		      { "dotall", M_RE_S } };
	static const char *const xforms[] = { "base64", "base64offset", "utf16le", "utf16be",
		                              "utf16",  "windash",      "expand" };
	static const char *const nums[] = { "lt", "lte", "gt", "gte" };
	static const char *const tparts[] = {
		"", "minute", "hour", "day", "week", "month", "year"
	};
	memset(m, 0, sizeof(*m));
	m->numop = -1;
	for (size_t i = 0; i < nparts; i++) {
		const char *p = parts[i];
		bool known = false;
		for (size_t k = 0; !known && k < sizeof(flags) / sizeof(flags[0]); k++)
			if (strcmp(p, flags[k].name) == 0) {
				m->flags |= flags[k].flag;
				known = true;
			}
		const char *xp = strcmp(p, "wide") == 0 ? "utf16le" : p;
		for (size_t k = 0; !known && k < sizeof(xforms) / sizeof(xforms[0]); k++)
			if (strcmp(xp, xforms[k]) == 0 && m->nx < 8) {
				m->x[m->nx++] = (enum sg_xform)k;
				known = true;
			}
		for (size_t k = 0; !known && k < 4; k++)
			if (strcmp(p, nums[k]) == 0) {
				m->numop = (int)k;
				known = true;
			}
		for (size_t k = 1; !known && k < 7; k++)
			if (strcmp(p, tparts[k]) == 0) {
				m->tpart = (enum sg_timepart)k;
				known = true;
			}
		if (!known) {
			sg_fail(c, VG_EUNSUP, "unsupported modifier '%s'", p);
			return c->rc;
		}
	}
	if ((m->flags & (M_RE_I | M_RE_M | M_RE_S)) && !(m->flags & M_RE)) {
		sg_fail(c, VG_EPARSE, "regular expression flags without 're'");
		return c->rc;
	}
	return VG_OK;
}

/* ---- transformations ---- */

static int xf_utf16(struct sg_tokens *t, enum sg_xform x)
{
	struct sg_tokens o;
	tk_init(&o);
	int rc = VG_OK;
	if (x == X_UTF16)
		rc = tk_add(&o, (char)0xff, TK_LIT) || tk_add(&o, (char)0xfe, TK_LIT);
	const unsigned char *s = (const unsigned char *)tk_bytes(t);
	size_t n = t->b.len;
	for (size_t i = 0; i < n && rc == VG_OK;) {
		/* Decode one UTF-8 code point (BMP, invalid bytes as Latin-1). */
		unsigned cp = s[i], len = 1;
		if (cp >= 0xe0 && cp < 0xf0 && i + 2 < n) {
			cp = ((cp & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
			len = 3;
		} else if (cp >= 0xc0 && cp < 0xe0 && i + 1 < n) {
			cp = ((cp & 0x1fu) << 6) | (s[i + 1] & 0x3fu);
			len = 2;
		}
		char hi = (char)(cp >> 8), lo = (char)(cp & 0xff);
		if (x == X_UTF16BE)
			rc = tk_add(&o, hi, TK_LIT) || tk_add(&o, lo, TK_LIT);
		else
			rc = tk_add(&o, lo, TK_LIT) || tk_add(&o, hi, TK_LIT);
		i += len;
	}
	tk_free(t);
	*t = o;
	return rc ? VG_ENOMEM : VG_OK;
}

static int b64_encode(struct vg_buf *out, const unsigned char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		char q[4] = { tab[(v >> 18) & 63], tab[(v >> 12) & 63],
			      i + 1 < n ? tab[(v >> 6) & 63] : '=', i + 2 < n ? tab[v & 63] : '=' };
		if (vg_buf_add(out, q, 4))
			return VG_ENOMEM;
	}
	return VG_OK;
}

/* Base64 of the value shifted by off bytes (0..2), with the characters the
 * unknown neighbours influence cut away; off < 0: plain base64. */
static int xf_base64(struct sg_tokens *t, int off)
{
	struct vg_buf in, enc;
	vg_buf_init(&in, 0);
	vg_buf_init(&enc, 0);
	int rc = VG_OK;
	for (int i = 0; i < off && rc == VG_OK; i++)
		rc = vg_buf_addc(&in, ' ');
	if (rc == VG_OK && t->b.len)
		rc = vg_buf_add(&in, tk_bytes(t), t->b.len);
	if (rc == VG_OK)
		rc = b64_encode(&enc, (const unsigned char *)(in.data ? in.data : ""), in.len);
	struct sg_tokens o;
	tk_init(&o);
	if (rc == VG_OK) {
		static const size_t start[3] = { 0, 2, 3 };
		static const size_t cut_end[3] = { 0, 3, 2 };
		size_t from = 0, to = enc.len;
		if (off >= 0) {
			from = start[off];
			size_t cut = cut_end[(t->b.len + (size_t)off) % 3];
			to = enc.len > cut ? enc.len - cut : 0;
		}
		for (size_t i = from; i < to && rc == VG_OK; i++)
			rc = tk_add(&o, enc.data[i], TK_LIT);
	}
	vg_buf_free(&in);
	vg_buf_free(&enc);
	tk_free(t);
	*t = o;
	return rc ? VG_ENOMEM : VG_OK;
}

static bool word_char(unsigned char c)
{
	return isalnum(c) || c == '_';
}

/* Marks each '-' or '/' that starts a command-line flag (after a non-word
 * character or the start, before a word character). */
static void xf_windash(struct sg_tokens *t)
{
	char *b = t->b.data, *w = t->w.data;
	for (size_t i = 0; b && i < t->b.len; i++) {
		if (w[i] != TK_LIT || (b[i] != '-' && b[i] != '/'))
			continue;
		bool before_ok =
		    i == 0 || w[i - 1] != TK_LIT || !word_char((unsigned char)b[i - 1]);
		bool after_ok =
		    i + 1 < t->b.len && w[i + 1] == TK_LIT && word_char((unsigned char)b[i + 1]);
		if (before_ok && after_ok)
			w[i] = TK_WINDASH;
	}
}

/* ---- building values ---- */

static int keep_lit(struct sg_ctx *c, struct sg_value *v, const char *s, size_t n, bool cased)
{
	char *d = vg_arena_strndup(c->r->arena, s, n);
	if (!d)
		return VG_ENOMEM;
	for (size_t i = 0; !cased && i < n; i++)
		d[i] = (char)tolower((unsigned char)d[i]);
	v->lit = d;
	v->len = n;
	return VG_OK;
}

static int add_pattern(struct sg_ctx *c, struct sg_value *v, const char *src)
{
	struct vg_pattern *p = NULL;
	char err[160];
	int rc = vg_pattern_compile(VG_PAT_PCRE2, src, &p, err, sizeof(err));
	if (rc == VG_ENOMEM)
		return rc;
	if (rc != VG_OK) {
		sg_fail(c, VG_EUNSUP, "regular expression not supported by PCRE2: %s", err);
		return c->rc;
	}
	v->kind = SG_PATTERN;
	v->pat = p;
	return sg_keep_pattern(c, p);
}

/* A token string with wildcards as an anchored PCRE2 pattern. */
static int tokens_to_pattern(struct sg_ctx *c, const struct sg_tokens *t, bool cased,
                             struct sg_value *v)
{
	struct vg_buf re;
	vg_buf_init(&re, 0);
	int rc = vg_buf_addstr(&re, cased ? "(?s)\\A" : "(?si)\\A");
	const char *b = tk_bytes(t), *w = tk_marks(t);
	for (size_t i = 0; i < t->b.len && rc == VG_OK; i++) {
		unsigned char ch = (unsigned char)b[i];
		switch (w[i]) {
		case TK_STAR: rc = vg_buf_addstr(&re, ".*"); break;
		case TK_QMARK: rc = vg_buf_addc(&re, '.'); break;
		case TK_WINDASH:
			rc = vg_buf_addstr(&re, "(?:-|/|\xe2\x80\x93|\xe2\x80\x94|\xe2\x80\x95)");
			break;
		default:
			rc = isalnum(ch) ? vg_buf_addc(&re, (char)ch)
			                 : vg_buf_printf(&re, "\\x{%02x}", ch);
			break;
		}
	}
	if (rc == VG_OK)
		rc = vg_buf_addstr(&re, "\\z");
	if (rc == VG_OK)
		rc = add_pattern(c, v, vg_buf_str(&re));
	vg_buf_free(&re);
	return rc ? (rc == VG_ENOMEM ? VG_ENOMEM : c->rc) : VG_OK;
}

/* The cheapest form of a token string: literal kinds when the only
 * wildcards are a leading and/or trailing '*'. */
static int tokens_compile(struct sg_ctx *c, struct sg_tokens *t, bool cased, struct sg_value *v)
{
	const char *b = tk_bytes(t), *w = tk_marks(t);
	size_t n = t->b.len, from = 0, to = n;
	bool lead = n && w[0] == TK_STAR, trail = n > 1 && w[n - 1] == TK_STAR;
	if (lead)
		from = 1;
	if (trail)
		to = n - 1;
	bool inner_wild = false;
	for (size_t i = from; i < to; i++)
		inner_wild |= w[i] != TK_LIT;
	v->cased = cased;
	if (inner_wild)
		return tokens_to_pattern(c, t, cased, v);
	if (n == 1 && lead) { /* "*": anything, the field present */
		v->kind = SG_CONTAINS;
		return keep_lit(c, v, "", 0, cased);
	}
	v->kind = lead && trail ? SG_CONTAINS : lead ? SG_ENDS : trail ? SG_STARTS : SG_EQ;
	return keep_lit(c, v, b + from, to - from, cased);
}

static int tk_prepend_star(struct sg_tokens *t)
{
	struct sg_tokens o;
	tk_init(&o);
	int rc = tk_add(&o, '*', TK_STAR);
	if (rc == VG_OK && t->b.len)
		rc = vg_buf_add(&o.b, tk_bytes(t), t->b.len) ||
		     vg_buf_add(&o.w, tk_marks(t), t->w.len);
	tk_free(t);
	*t = o;
	return rc ? VG_ENOMEM : VG_OK;
}

/* Applies the transformations from step i on and emits each resulting
 * value into the item. */
static int emit_values(struct sg_ctx *c, const struct sg_mods *m, struct sg_tokens *t, size_t i,
                       struct sg_item *it, unsigned group);

static int grow_values(struct sg_ctx *c, struct sg_item *it)
{
	struct sg_value *nv = vg_arena_calloc(c->r->arena, it->nv + 1, sizeof(*nv));
	if (!nv)
		return VG_ENOMEM;
	if (it->nv)
		memcpy(nv, it->v, it->nv * sizeof(*nv));
	it->v = nv;
	it->nv++;
	return VG_OK;
}

static int emit_final(struct sg_ctx *c, const struct sg_mods *m, struct sg_tokens *t,
                      struct sg_item *it, unsigned group)
{
	int rc = VG_OK;
	const char *w = tk_marks(t);
	if ((m->flags & (M_CONTAINS | M_ENDS)) && (!t->w.len || w[0] != TK_STAR))
		rc = tk_prepend_star(t);
	w = tk_marks(t);
	if (rc == VG_OK && (m->flags & (M_CONTAINS | M_STARTS)) &&
	    (!t->w.len || w[t->w.len - 1] != TK_STAR))
		rc = tk_add(t, '*', TK_STAR);
	if (rc == VG_OK)
		rc = grow_values(c, it);
	if (rc != VG_OK)
		return rc;
	struct sg_value *v = &it->v[it->nv - 1];
	v->group = group;
	return tokens_compile(c, t, (m->flags & M_CASED) != 0, v);
}

static const struct vg_sigma_placeholder *find_placeholder(const struct sg_ctx *c, const char *name,
                                                           size_t len)
{
	for (size_t i = 0; c->opts && i < c->opts->nplaceholders; i++) {
		const char *pn = c->opts->placeholders[i].name;
		if (strlen(pn) == len && strncmp(pn, name, len) == 0)
			return &c->opts->placeholders[i];
	}
	return NULL;
}

/* expand: the first %name% placeholder is replaced by each configured value
 * (the rest of the string is expanded recursively). */
static int xf_expand(struct sg_ctx *c, const struct sg_mods *m, struct sg_tokens *t, size_t i,
                     struct sg_item *it, unsigned group)
{
	const char *b = tk_bytes(t);
	size_t n = t->b.len, open = n, close = n;
	for (size_t k = 0; k < n; k++) {
		if (b[k] == '%' && (k == 0 || b[k - 1] != '\\')) {
			if (open == n) {
				open = k;
			} else {
				close = k;
				break;
			}
		}
	}
	if (close == n)
		return emit_values(c, m, t, i + 1, it, group);
	const struct vg_sigma_placeholder *ph = find_placeholder(c, b + open + 1, close - open - 1);
	if (!ph || !ph->nvalues) {
		sg_fail(c, VG_EUNSUP, "placeholder %%%.*s%% has no configured value",
		        (int)(close - open - 1), b + open + 1);
		return c->rc;
	}
	int rc = VG_OK;
	for (size_t k = 0; k < ph->nvalues && rc == VG_OK; k++) {
		struct sg_tokens o;
		tk_init(&o);
		rc = open ? (vg_buf_add(&o.b, b, open) || vg_buf_add(&o.w, tk_marks(t), open))
		          : VG_OK;
		if (rc == VG_OK)
			rc = tk_read(&o, ph->values[k]);
		if (rc == VG_OK && close + 1 < n)
			rc = vg_buf_add(&o.b, b + close + 1, n - close - 1) ||
			     vg_buf_add(&o.w, tk_marks(t) + close + 1, n - close - 1);
		if (rc == VG_OK)
			rc = xf_expand(c, m, &o, i, it, group);
		tk_free(&o);
		rc = rc > 0 ? VG_ENOMEM : rc;
	}
	return rc;
}

static int emit_values(struct sg_ctx *c, const struct sg_mods *m, struct sg_tokens *t, size_t i,
                       struct sg_item *it, unsigned group)
{
	if (i == m->nx)
		return emit_final(c, m, t, it, group);
	enum sg_xform x = m->x[i];
	if (x == X_EXPAND)
		return xf_expand(c, m, t, i, it, group);
	if (x == X_WINDASH) {
		xf_windash(t);
		return emit_values(c, m, t, i + 1, it, group);
	}
	if (tk_has_wild(t)) {
		sg_fail(c, VG_EUNSUP, "wildcards in a value that is encoded");
		return c->rc;
	}
	if (x == X_BASE64OFF) {
		int rc = VG_OK;
		for (int off = 0; off < 3 && rc == VG_OK; off++) {
			struct sg_tokens o;
			tk_init(&o);
			rc = t->b.len ? (vg_buf_add(&o.b, tk_bytes(t), t->b.len) ||
			                 vg_buf_add(&o.w, tk_marks(t), t->w.len))
			              : VG_OK;
			rc = rc ? VG_ENOMEM : xf_base64(&o, off);
			if (rc == VG_OK && o.b.len)
				rc = emit_values(c, m, &o, i + 1, it, group);
			tk_free(&o);
		}
		return rc;
	}
	int rc = x == X_BASE64 ? xf_base64(t, -1) : xf_utf16(t, x);
	return rc == VG_OK ? emit_values(c, m, t, i + 1, it, group) : rc;
}

/* ---- the other kinds ---- */

static int compile_cidr(struct sg_ctx *c, const char *s, struct sg_value *v)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen >= sizeof(addr))
		goto bad;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	v->kind = SG_CIDR;
	v->v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v->v6 ? AF_INET6 : AF_INET, addr, v->addr) != 1)
		goto bad;
	long bits = v->v6 ? 128 : 32;
	if (slash) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || b < 0 || b > bits)
			goto bad;
		bits = b;
	}
	for (long i = 0; i < (v->v6 ? 16 : 4); i++) {
		long left = bits - i * 8;
		v->mask[i] = left >= 8 ? 0xff : left <= 0 ? 0 : (unsigned char)(0xff << (8 - left));
		v->addr[i] &= v->mask[i];
	}
	return VG_OK;
bad:
	sg_fail(c, VG_EPARSE, "invalid network '%s'", s);
	return c->rc;
}

static int compile_re(struct sg_ctx *c, const struct sg_mods *m, const char *s, struct sg_value *v)
{
	struct vg_buf re;
	vg_buf_init(&re, 0);
	int rc = VG_OK;
	if (m->flags & (M_RE_I | M_RE_M | M_RE_S))
		rc = vg_buf_printf(&re, "(?%s%s%s)", m->flags & M_RE_I ? "i" : "",
		                   m->flags & M_RE_M ? "m" : "", m->flags & M_RE_S ? "s" : "");
	if (rc == VG_OK)
		rc = vg_buf_addstr(&re, s);
	if (rc == VG_OK)
		rc = add_pattern(c, v, vg_buf_str(&re));
	vg_buf_free(&re);
	return rc;
}

static int compile_one(struct sg_ctx *c, const struct sg_mods *m, const struct sy_node *n,
                       struct sg_item *it, unsigned group)
{
	if (n->kind != SY_SCALAR) {
		sg_fail(c, VG_EPARSE, "line %u: a value must be a scalar", n->line);
		return c->rc;
	}
	const char *s = n->str;
	bool simple = m->flags & (M_RE | M_CIDR | M_EXISTS | M_FIELDREF) || m->numop >= 0 ||
	              m->tpart != SG_TP_NONE || sy_is_null(n);
	if (!simple) {
		struct sg_tokens t;
		tk_init(&t);
		int rc = tk_read(&t, s);
		if (rc == VG_OK)
			rc = emit_values(c, m, &t, 0, it, group);
		tk_free(&t);
		return rc;
	}
	int rc = grow_values(c, it);
	if (rc != VG_OK)
		return rc;
	struct sg_value *v = &it->v[it->nv - 1];
	v->group = group;
	v->tpart = m->tpart;
	if (m->flags & M_RE)
		return compile_re(c, m, s, v);
	if (m->flags & M_CIDR)
		return compile_cidr(c, s, v);
	if (m->flags & M_EXISTS) {
		v->kind = SG_EXISTS;
		v->exists = strcmp(s, "true") == 0 || strcmp(s, "yes") == 0;
		return VG_OK;
	}
	if (m->flags & M_FIELDREF) {
		v->kind = SG_FIELDREF;
		v->ref = vg_arena_strdup(c->r->arena, s);
		v->ref_kind = m->flags & M_CONTAINS ? SG_CONTAINS
		              : m->flags & M_STARTS ? SG_STARTS
		              : m->flags & M_ENDS   ? SG_ENDS
		                                    : SG_EQ;
		v->cased = (m->flags & M_CASED) != 0;
		return v->ref ? VG_OK : VG_ENOMEM;
	}
	if (sy_is_null(n) && m->numop < 0 && m->tpart == SG_TP_NONE) {
		v->kind = SG_NULL;
		return VG_OK;
	}
	char *end;
	v->num = strtod(s, &end);
	if (end == s || *end) {
		sg_fail(c, VG_EPARSE, "line %u: '%s' is not a number", n->line, s);
		return c->rc;
	}
	v->kind = m->numop >= 0 ? SG_NUM : SG_EQ;
	v->op = m->numop >= 0 ? (enum sg_numop)m->numop : SG_LT;
	return keep_lit(c, v, s, strlen(s), false);
}

int sg_item_compile(struct sg_ctx *c, const char *key, const struct sy_node *val,
                    struct sg_item *out)
{
	memset(out, 0, sizeof(*out));
	char *k = vg_arena_strdup(c->r->arena, key);
	if (!k)
		return VG_ENOMEM;
	char *parts[16];
	size_t nparts = 0;
	char *bar = strchr(k, '|');
	if (bar)
		*bar = '\0';
	out->field = *k ? k : NULL;
	out->fhash = out->field ? sg_name_hash(out->field) : 0;
	for (char *p = bar ? bar + 1 : NULL; p && nparts < 16;) {
		parts[nparts++] = p;
		p = strchr(p, '|');
		if (p)
			*p++ = '\0';
	}
	struct sg_mods m;
	int rc = parse_mods(c, parts, nparts, &m);
	if (rc != VG_OK)
		return rc;
	/* Keywords search the whole event: a plain keyword is a substring. */
	if (!out->field && !(m.flags & (M_STARTS | M_ENDS | M_RE | M_CIDR | M_EXISTS | M_FIELDREF)))
		m.flags |= M_CONTAINS;
	out->all = (m.flags & M_ALL) != 0;
	out->neq = (m.flags & M_NEQ) != 0;
	if (val->kind == SY_MAP) {
		sg_fail(c, VG_EPARSE, "line %u: field '%s' has a map as value", val->line, key);
		return c->rc;
	}
	if (val->kind == SY_SCALAR)
		return compile_one(c, &m, val, out, 0);
	for (size_t i = 0; i < val->n && rc == VG_OK; i++)
		rc = compile_one(c, &m, val->items[i], out, (unsigned)i);
	if (rc == VG_OK && val->n == 0) {
		sg_fail(c, VG_EPARSE, "line %u: field '%s' has an empty list", val->line, key);
		return c->rc;
	}
	return rc;
}
