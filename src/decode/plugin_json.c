/*
 * plugin_json.c - the JSON_Decoder plugin: flattens a JSON object into
 * event fields the way Wazuh's analysisd does.
 *
 * Nested objects become dotted names ("win.system.eventID"); strings are
 * unescaped; numbers equal to their (int-saturated) integer value print as
 * integers and others with "%f" (Wazuh's rule, so 1.5 gives "1.500000" and
 * integers beyond 32 bits print as "%f" too); booleans as "true"/"false";
 * null as "null", "" or nothing (<json_null_field>); arrays as compact JSON
 * text (the default) or as the comma-joined scalars (<json_array_structure>
 * csv). Keys naming a fixed field (srcip, dstip, user, action, ...) fill
 * that field. Input that is not valid JSON sets no field at all, as cJSON
 * parses all or nothing; text after the first value is ignored. The scanner
 * is hand-written for speed and allocates only from the event's arena.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decoder_int.h"

#define JSON_MAX_DEPTH 1000 /* cJSON's nesting limit */

/* A growable string in the event arena. */
struct jbuf {
	char *s;
	size_t len, cap;
};

/* A decoded field waiting until the whole input has parsed. */
struct jfield {
	const char *key;
	const char *value;
};

struct jctx {
	const char *p;
	struct vg_arena *a;
	const struct vg_decoder *d;
	char *key; /* current dotted key, reused for every member */
	struct jfield *fields;
	unsigned nfields, cap;
	int depth;
	bool oom;
};

static bool jb_add(struct jctx *c, struct jbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		char *ns = vg_arena_alloc(c->a, ncap);
		if (!ns) {
			c->oom = true;
			return false;
		}
		if (b->len)
			memcpy(ns, b->s, b->len);
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return true;
}

static void skip_ws(struct jctx *c)
{
	while (*c->p && (unsigned char)*c->p <= ' ')
		c->p++;
}

static int hex4(const char *s)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int ch = (unsigned char)s[i], d;
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Decodes "\uXXXX" (and a following low surrogate) at s into UTF-8 at out.
 * Returns the input length consumed, 0 when malformed. */
static size_t unicode_escape(const char *s, char *out, size_t *outlen)
{
	int hi = hex4(s + 2);
	unsigned long cp;
	size_t used = 6;
	if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
		return 0;
	cp = (unsigned long)hi;
	if (hi >= 0xD800 && hi <= 0xDBFF) {
		if (s[6] != '\\' || s[7] != 'u')
			return 0;
		int lo = hex4(s + 8);
		if (lo < 0xDC00 || lo > 0xDFFF)
			return 0;
		cp = 0x10000 + (((unsigned long)hi & 0x3FF) << 10) + ((unsigned long)lo & 0x3FF);
		used = 12;
	}
	size_t n = 0;
	if (cp < 0x80) {
		out[n++] = (char)cp;
	} else if (cp < 0x800) {
		out[n++] = (char)(0xC0 | (cp >> 6));
		out[n++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[n++] = (char)(0xE0 | (cp >> 12));
		out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[n++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[n++] = (char)(0xF0 | (cp >> 18));
		out[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[n++] = (char)(0x80 | (cp & 0x3F));
	}
	*outlen = n;
	return used;
}

/* Parses a string at c->p (on the opening quote) into a new arena string. */
static char *parse_string(struct jctx *c, size_t *lenp)
{
	const char *s = c->p + 1, *q = s + strcspn(s, "\"\\"); /* stops at NUL too */
	if (*q == '"') {                                       /* fast path: nothing to unescape */
		char *r = vg_arena_strndup(c->a, s, (size_t)(q - s));
		if (!r)
			c->oom = true;
		c->p = q + 1;
		*lenp = (size_t)(q - s);
		return r;
	}
	const char *e = q;
	while (*e && *e != '"')
		e += (*e == '\\' && e[1]) ? 2 : 1;
	if (*e != '"')
		return NULL;
	char *r = vg_arena_alloc(c->a, (size_t)(e - s) + 1);
	if (!r) {
		c->oom = true;
		return NULL;
	}
	size_t n = (size_t)(q - s);
	memcpy(r, s, n);
	for (q = s + n; q < e;) {
		if (*q != '\\') {
			r[n++] = *q++;
			continue;
		}
		char ch = q[1];
		size_t used = 2, ulen;
		switch (ch) {
		case 'b': r[n++] = '\b'; break;
		case 'f': r[n++] = '\f'; break;
		case 'n': r[n++] = '\n'; break;
		case 'r': r[n++] = '\r'; break;
		case 't': r[n++] = '\t'; break;
		case '"':
		case '\\':
		case '/': r[n++] = ch; break;
		case 'u':
			used = unicode_escape(q, r + n, &ulen);
			if (!used || q + used > e)
				return NULL;
			n += ulen;
			break;
		default: return NULL;
		}
		q += used;
	}
	r[n] = '\0';
	c->p = e + 1;
	*lenp = n;
	return r;
}

/* Parses a number as cJSON does: the run of [0-9+-.eE] read by strtod. */
static bool parse_number(struct jctx *c, double *out)
{
	char tmp[64];
	size_t n = 0;
	while (n + 1 < sizeof(tmp) && c->p[n] && strchr("0123456789+-.eE", c->p[n]))
		n++;
	memcpy(tmp, c->p, n);
	tmp[n] = '\0';
	char *end;
	*out = strtod(tmp, &end);
	if (end == tmp)
		return false;
	c->p += end - tmp;
	return true;
}

/* cJSON's valueint: the double saturated to int. */
static int json_int(double v)
{
	if (v >= INT_MAX)
		return INT_MAX;
	if (v <= (double)INT_MIN)
		return INT_MIN;
	return (int)v;
}

/* A number as Wazuh's JSON decoder prints a field value. */
static void number_field_text(double v, char *buf, size_t len)
{
	int iv = json_int(v);
	if ((double)iv == v)
		snprintf(buf, len, "%d", iv);
	else
		snprintf(buf, len, "%f", v);
}

/* A number as cJSON_PrintUnformatted writes it (array text). */
static void number_json_text(double v, char *buf, size_t len)
{
	int iv = json_int(v);
	if (isnan(v) || isinf(v)) {
		snprintf(buf, len, "null");
	} else if ((double)iv == v) {
		snprintf(buf, len, "%d", iv);
	} else {
		snprintf(buf, len, "%1.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, len, "%1.17g", v);
	}
}

static bool literal(struct jctx *c, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(c->p, word, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* Appends s escaped as cJSON prints strings. */
static bool jb_add_escaped(struct jctx *c, struct jbuf *b, const char *s, size_t n)
{
	if (!jb_add(c, b, "\"", 1))
		return false;
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 32 && ch != '"' && ch != '\\')
			continue;
		char esc[8];
		const char *e = NULL;
		switch (ch) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default: snprintf(esc, sizeof(esc), "\\u%04x", ch); e = esc;
		}
		if (!jb_add(c, b, s + start, i - start) || !jb_add(c, b, e, strlen(e)))
			return false;
		start = i + 1;
	}
	return jb_add(c, b, s + start, n - start) && jb_add(c, b, "\"", 1);
}

static bool print_value(struct jctx *c, struct jbuf *b);

/* Prints an object or array (c->p on the opening bracket) compactly. */
static bool print_container(struct jctx *c, struct jbuf *b)
{
	bool obj = *c->p == '{';
	char close = obj ? '}' : ']';
	if (++c->depth > JSON_MAX_DEPTH || !jb_add(c, b, c->p, 1))
		return false;
	c->p++;
	skip_ws(c);
	if (*c->p == close) {
		c->p++;
		c->depth--;
		return jb_add(c, b, &close, 1);
	}
	for (;;) {
		skip_ws(c);
		if (obj) {
			size_t klen;
			char *k = *c->p == '"' ? parse_string(c, &klen) : NULL;
			if (!k || !jb_add_escaped(c, b, k, strlen(k)))
				return false;
			skip_ws(c);
			if (*c->p != ':' || !jb_add(c, b, ":", 1))
				return false;
			c->p++;
			skip_ws(c);
		}
		if (!print_value(c, b))
			return false;
		skip_ws(c);
		if (*c->p == ',') {
			c->p++;
			if (!jb_add(c, b, ",", 1))
				return false;
			continue;
		}
		if (*c->p != close)
			return false;
		c->p++;
		c->depth--;
		return jb_add(c, b, &close, 1);
	}
}

static bool print_value(struct jctx *c, struct jbuf *b)
{
	char num[64];
	double v;
	size_t n;
	switch (*c->p) {
	case '"': {
		char *s = parse_string(c, &n);
		return s && jb_add_escaped(c, b, s, strlen(s));
	}
	case '{':
	case '[': return print_container(c, b);
	case 't': return literal(c, "true") && jb_add(c, b, "true", 4);
	case 'f': return literal(c, "false") && jb_add(c, b, "false", 5);
	case 'n': return literal(c, "null") && jb_add(c, b, "null", 4);
	default:
		if (*c->p != '-' && (*c->p < '0' || *c->p > '9'))
			return false;
		if (!parse_number(c, &v))
			return false;
		number_json_text(v, num, sizeof(num));
		return jb_add(c, b, num, strlen(num));
	}
}

/* Queues key=value (key copied from the current key buffer). */
static bool emit(struct jctx *c, size_t keylen, const char *value)
{
	if (c->nfields == c->cap) {
		unsigned ncap = c->cap ? c->cap * 2 : 32;
		struct jfield *nf = vg_arena_alloc(c->a, ncap * sizeof(*nf));
		if (!nf) {
			c->oom = true;
			return false;
		}
		if (c->nfields)
			memcpy(nf, c->fields, c->nfields * sizeof(*nf));
		c->fields = nf;
		c->cap = ncap;
	}
	char *k = vg_arena_strndup(c->a, c->key, keylen);
	if (!k || !value) {
		c->oom = true;
		return false;
	}
	c->fields[c->nfields].key = k;
	c->fields[c->nfields].value = value;
	c->nfields++;
	return true;
}

static const char *null_text(const struct jctx *c)
{
	switch (c->d ? c->d->json_null : VG_JSON_NULL_STRING) {
	case VG_JSON_NULL_EMPTY: return "";
	case VG_JSON_NULL_DISCARD: return NULL;
	default: return "null";
	}
}

/* Reads one array element for CSV output; *text is NULL for elements left
 * out (nested containers, discarded nulls). */
static bool csv_element(struct jctx *c, const char **text, char *num, size_t numlen)
{
	double v;
	size_t n;
	*text = NULL;
	if (*c->p == '"') {
		*text = parse_string(c, &n);
		return *text != NULL;
	}
	if (*c->p == '{' || *c->p == '[') {
		struct jbuf skipped = { 0 };
		return print_value(c, &skipped);
	}
	if (literal(c, "true")) {
		*text = "true";
	} else if (literal(c, "false")) {
		*text = "false";
	} else if (literal(c, "null")) {
		*text = null_text(c);
	} else if ((*c->p == '-' || (*c->p >= '0' && *c->p <= '9')) && parse_number(c, &v)) {
		number_field_text(v, num, numlen);
		*text = num;
	} else {
		return false;
	}
	return true;
}

/* An array as comma-joined scalars (nested containers are left out). */
static bool csv_array(struct jctx *c, size_t keylen)
{
	struct jbuf out = { 0 };
	bool any = false;
	if (++c->depth > JSON_MAX_DEPTH)
		return false;
	c->p++;
	skip_ws(c);
	while (*c->p != ']') {
		char num[64];
		const char *text;
		if (!csv_element(c, &text, num, sizeof(num)))
			return false;
		if (text) {
			if ((any && !jb_add(c, &out, ",", 1)) ||
			    !jb_add(c, &out, text, strlen(text)))
				return false;
			any = true;
		}
		skip_ws(c);
		if (*c->p == ',') {
			c->p++;
			skip_ws(c);
			if (*c->p == ']')
				return false;
			continue;
		}
		if (*c->p != ']')
			return false;
	}
	c->p++;
	c->depth--;
	return out.len == 0 || emit(c, keylen, out.s);
}

static bool flatten_object(struct jctx *c, size_t prefix_len);

/* Reads the value of member key[0..keylen) and queues its field(s). */
static bool flatten_value(struct jctx *c, size_t keylen)
{
	char num[64];
	double v;
	size_t n;
	switch (*c->p) {
	case '"': {
		char *s = parse_string(c, &n);
		return s && emit(c, keylen, s);
	}
	case '{': return flatten_object(c, keylen);
	case '[': {
		if (c->d && c->d->json_array == VG_JSON_ARRAY_CSV)
			return csv_array(c, keylen);
		struct jbuf out = { 0 };
		return print_value(c, &out) && emit(c, keylen, out.s);
	}
	case 't': return literal(c, "true") && emit(c, keylen, "true");
	case 'f': return literal(c, "false") && emit(c, keylen, "false");
	case 'n': {
		if (!literal(c, "null"))
			return false;
		const char *t = null_text(c);
		return !t || emit(c, keylen, t);
	}
	default:
		if (*c->p != '-' && (*c->p < '0' || *c->p > '9'))
			return false;
		if (!parse_number(c, &v))
			return false;
		number_field_text(v, num, sizeof(num));
		return emit(c, keylen, vg_arena_strdup(c->a, num));
	}
}

/* Reads an object (c->p on '{') whose members get the prefix key[0..prefix_len). */
static bool flatten_object(struct jctx *c, size_t prefix_len)
{
	if (++c->depth > JSON_MAX_DEPTH)
		return false;
	c->p++;
	skip_ws(c);
	if (*c->p == '}') {
		c->p++;
		c->depth--;
		return true;
	}
	for (;;) {
		skip_ws(c);
		if (*c->p != '"')
			return false;
		size_t klen;
		char *k = parse_string(c, &klen);
		if (!k)
			return false;
		klen = strlen(k); /* an escaped NUL ends the key, as in C */
		size_t keylen = prefix_len;
		if (prefix_len)
			c->key[keylen++] = '.';
		memcpy(c->key + keylen, k, klen);
		keylen += klen;
		skip_ws(c);
		if (*c->p != ':')
			return false;
		c->p++;
		skip_ws(c);
		if (!flatten_value(c, keylen))
			return false;
		skip_ws(c);
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p != '}')
			return false;
		c->p++;
		c->depth--;
		return true;
	}
}

int vg_dec_plugin_json(const struct vg_decoder *d, struct vg_event *ev, const char *input)
{
	struct jctx c = { 0 };
	c.a = ev->arena;
	c.d = d;
	c.p = input;
	if ((unsigned char)c.p[0] == 0xEF && (unsigned char)c.p[1] == 0xBB &&
	    (unsigned char)c.p[2] == 0xBF)
		c.p += 3;
	skip_ws(&c);
	if (*c.p != '{')
		return VG_OK; /* scalars and arrays have no named members */
	/* A dotted key is never longer than the text it was read from. */
	c.key = vg_arena_alloc(c.a, strlen(c.p) + 1);
	if (!c.key)
		return VG_ENOMEM;
	if (!flatten_object(&c, 0))
		return c.oom ? VG_ENOMEM : VG_OK;
	for (unsigned i = 0; i < c.nfields; i++) {
		const char *k = c.fields[i].key;
		int rc = vg_dec_store(ev, vg_fixed_lookup(k), k, c.fields[i].value);
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}
