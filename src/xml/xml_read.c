/*
 * xml_read.c - the lenient reader for Wazuh ruleset XML files.
 *
 * Accepts what Wazuh's own reader accepts rather than strict XML: any number
 * of root elements, stray text between roots (ignored), comments anywhere
 * (ended by "-->" or, as Wazuh also allows, "!>"), "<?...?>" prologs, a raw
 * '&' (no entity decoding) and "\<" inside text, which is kept with its
 * backslash. Attribute values take "double" or 'single' quotes. A leaf's text
 * is kept byte for byte, as Wazuh does (regexes depend on their spaces); an
 * element that also has children keeps the concatenation of its text pieces
 * with surrounding whitespace trimmed. The parser is iterative with an
 * explicit stack, so depth and sizes are bounded by limits, never by the C
 * stack. Every node and string lives in the document's arena.
 */
#include "vigil/xml.h"
#include "vigil/file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/array.h"
#include "vigil/buf.h"
#include "xml/xml_internal.h"

#define XML_MAX_DEPTH 256
#define XML_MAX_TEXT  ((size_t)1 << 20) /* text of one element */
#define XML_MAX_NAME  1024              /* element and attribute names */
#define XML_MAX_ATTRS 256
#define XML_MAX_FILE  ((size_t)64 << 20)
#define XML_SHOW      48 /* bytes of a name quoted in a message */

struct node_vec {
	struct vg_xml_node *v;
	size_t n, cap;
};

/* One open element. */
struct frame {
	struct vg_xml_node node;
	struct vg_buf text;
	struct node_vec kids;
};

struct reader {
	const char *p, *end;
	unsigned line, col;
	const char *name;
	struct vg_diag *diag;
	struct vg_arena *arena;
	struct frame *stack;
	unsigned depth;
	struct node_vec roots;
	struct vg_xml_attr *attrs; /* scratch for the tag being read */
	unsigned nattrs, attrs_cap;
	bool escaped; /* an odd run of backslashes precedes the current char */
};

static int rd_at(const struct reader *r, size_t k)
{
	return r->p + k < r->end ? (unsigned char)r->p[k] : -1;
}

static bool rd_eof(const struct reader *r)
{
	return r->p >= r->end;
}

static void rd_next(struct reader *r)
{
	if (*r->p == '\n') {
		r->line++;
		r->col = 1;
	} else {
		r->col++;
	}
	r->p++;
}

static void rd_skip(struct reader *r, unsigned n)
{
	while (n-- && !rd_eof(r))
		rd_next(r);
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void rd_skip_spaces(struct reader *r)
{
	while (!rd_eof(r) && is_space(rd_at(r, 0)))
		rd_next(r);
}

__attribute__((format(printf, 4, 5))) static int rd_error(struct reader *r, unsigned line,
                                                          unsigned col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vg_diag_add(r->diag, VG_DIAG_ERROR, r->name, line, col, "%s", msg);
	return VG_EPARSE;
}

static int vec_push(struct node_vec *v, const struct vg_xml_node *n)
{
	if (vg_grow((void **)&v->v, &v->cap, v->n + 1, sizeof(*v->v), 8))
		return VG_ENOMEM;
	v->v[v->n++] = *n;
	return VG_OK;
}

/* Adds a finished element to the open parent, or to the roots. */
static int add_node(struct reader *r, const struct vg_xml_node *n)
{
	if (r->depth)
		return vec_push(&r->stack[r->depth - 1].kids, n);
	return vec_push(&r->roots, n);
}

/* Skips "<!...-->" or "<!...!>"; the reader is at the '<'. */
static int skip_comment(struct reader *r)
{
	unsigned line = r->line, col = r->col;
	rd_skip(r, 2);
	while (!rd_eof(r)) {
		int c = rd_at(r, 0);
		if (c == '-' && rd_at(r, 1) == '-' && rd_at(r, 2) == '>') {
			rd_skip(r, 3);
			return VG_OK;
		}
		if (c == '!' && rd_at(r, 1) == '>') {
			rd_skip(r, 2);
			return VG_OK;
		}
		rd_next(r);
	}
	return rd_error(r, line, col,
	                "end of file inside the comment started here: expected '-->'");
}

/* Skips a "<?...?>" processing instruction such as the XML prolog. */
static int skip_pi(struct reader *r)
{
	unsigned line = r->line, col = r->col;
	rd_skip(r, 2);
	while (!rd_eof(r)) {
		if (rd_at(r, 0) == '?' && rd_at(r, 1) == '>') {
			rd_skip(r, 2);
			return VG_OK;
		}
		rd_next(r);
	}
	return rd_error(r, line, col, "end of file inside '<?': expected '?>'");
}

static int attr_push(struct reader *r, const struct vg_xml_attr *a, const char *tag)
{
	for (unsigned i = 0; i < r->nattrs; i++)
		if (strcmp(r->attrs[i].name, a->name) == 0)
			return rd_error(r, a->line, a->col,
			                "attribute '%.*s' of <%.*s> is defined twice", XML_SHOW,
			                a->name, XML_SHOW, tag);
	if (r->nattrs >= XML_MAX_ATTRS)
		return rd_error(r, a->line, a->col, "more than %d attributes in <%.*s>",
		                XML_MAX_ATTRS, XML_SHOW, tag);
	if (r->nattrs == r->attrs_cap) {
		unsigned ncap = r->attrs_cap ? r->attrs_cap * 2 : 8;
		struct vg_xml_attr *n = realloc(r->attrs, ncap * sizeof(*n));
		if (!n)
			return VG_ENOMEM;
		r->attrs = n;
		r->attrs_cap = ncap;
	}
	r->attrs[r->nattrs++] = *a;
	return VG_OK;
}

/* Reads one name="value" pair; the reader is at the first byte of the name. */
static int read_attr(struct reader *r, const char *tag)
{
	struct vg_xml_attr a = { .line = r->line, .col = r->col };
	const char *start = r->p;
	while (!rd_eof(r)) {
		int c = rd_at(r, 0);
		if (is_space(c) || c == '=' || c == '>' || c == '/' || c == '"' || c == '\'')
			break;
		rd_next(r);
	}
	size_t len = (size_t)(r->p - start);
	if (len == 0)
		return rd_error(
		    r, r->line, r->col,
		    "unexpected '%c' in <%.*s>: expected an attribute name, '>' or '/>'",
		    rd_at(r, 0), XML_SHOW, tag);
	if (len > XML_MAX_NAME)
		return rd_error(r, a.line, a.col, "attribute name longer than %d bytes",
		                XML_MAX_NAME);
	a.name = vg_arena_strndup(r->arena, start, len);
	if (!a.name)
		return VG_ENOMEM;
	rd_skip_spaces(r);
	if (rd_at(r, 0) != '=')
		return rd_error(r, a.line, a.col, "attribute '%.*s' has no value: expected '='",
		                XML_SHOW, a.name);
	rd_next(r);
	rd_skip_spaces(r);
	int q = rd_at(r, 0);
	if (q != '"' && q != '\'')
		return rd_error(r, r->line, r->col,
		                "expected a quote (\" or ') to open the value of attribute '%.*s'",
		                XML_SHOW, a.name);
	unsigned qline = r->line, qcol = r->col;
	rd_next(r);
	start = r->p;
	while (!rd_eof(r) && rd_at(r, 0) != q)
		rd_next(r);
	if (rd_eof(r))
		return rd_error(r, qline, qcol,
		                "end of file inside the value of attribute '%.*s': expected %c",
		                XML_SHOW, a.name, q);
	a.value = vg_arena_strndup(r->arena, start, (size_t)(r->p - start));
	if (!a.value)
		return VG_ENOMEM;
	rd_next(r);
	int c = rd_at(r, 0);
	if (c != -1 && !is_space(c) && c != '>' && c != '/')
		return rd_error(r, r->line, r->col,
		                "expected a space, '>' or '/>' after the value of attribute '%.*s'",
		                XML_SHOW, a.name);
	return attr_push(r, &a, tag);
}

/*
 * Reads the attributes up to and including the tag's '>'. Sets *selfclose
 * when the tag ends with "/>".
 */
static int read_attrs(struct reader *r, const struct vg_xml_node *n, bool *selfclose)
{
	for (;;) {
		rd_skip_spaces(r);
		int c = rd_at(r, 0);
		if (c == -1)
			return rd_error(
			    r, n->line, n->col,
			    "end of file inside the tag <%.*s> started here: expected '>'",
			    XML_SHOW, n->name);
		if (c == '>') {
			rd_next(r);
			return VG_OK;
		}
		if (c == '/') {
			rd_next(r);
			if (rd_at(r, 0) != '>')
				return rd_error(r, r->line, r->col,
				                "expected '>' after '/' in <%.*s>", XML_SHOW,
				                n->name);
			rd_next(r);
			*selfclose = true;
			return VG_OK;
		}
		int rc = read_attr(r, n->name);
		if (rc)
			return rc;
	}
}

/* Copies the scratch attributes of the current tag into the arena. */
static int keep_attrs(struct reader *r, struct vg_xml_node *n)
{
	n->nattrs = r->nattrs;
	n->attrs = NULL;
	if (!r->nattrs)
		return VG_OK;
	n->attrs = vg_arena_alloc(r->arena, r->nattrs * sizeof(*n->attrs));
	if (!n->attrs)
		return VG_ENOMEM;
	memcpy(n->attrs, r->attrs, r->nattrs * sizeof(*n->attrs));
	return VG_OK;
}

static int push_frame(struct reader *r, const struct vg_xml_node *n)
{
	if (r->depth >= XML_MAX_DEPTH)
		return rd_error(r, n->line, n->col, "elements nested deeper than %d levels",
		                XML_MAX_DEPTH);
	struct frame *f = &r->stack[r->depth++];
	memset(f, 0, sizeof(*f));
	f->node = *n;
	vg_buf_init(&f->text, XML_MAX_TEXT);
	return VG_OK;
}

/* Reads "<name attr=...>" or "<name/>"; the reader is at the '<'. */
static int open_tag(struct reader *r)
{
	struct vg_xml_node n = { .line = r->line, .col = r->col, .content = "" };
	rd_next(r);
	const char *start = r->p;
	while (!rd_eof(r) && !is_space(rd_at(r, 0)) && rd_at(r, 0) != '>') {
		if (rd_at(r, 0) == '<')
			return rd_error(r, r->line, r->col,
			                "unexpected '<' in an element name: expected '>'");
		rd_next(r);
	}
	if (rd_eof(r))
		return rd_error(r, n.line, n.col, "end of file inside a tag: expected '>'");
	size_t len = (size_t)(r->p - start);
	bool selfclose = false;
	if (len > 0 && start[len - 1] == '/') {
		selfclose = true;
		len--;
	}
	if (len == 0)
		return rd_error(r, n.line, n.col, "expected an element name after '<'");
	if (len > XML_MAX_NAME)
		return rd_error(r, n.line, n.col, "element name longer than %d bytes",
		                XML_MAX_NAME);
	n.name = vg_arena_strndup(r->arena, start, len);
	if (!n.name)
		return VG_ENOMEM;
	r->nattrs = 0;
	int rc = read_attrs(r, &n, &selfclose);
	if (rc)
		return rc;
	rc = keep_attrs(r, &n);
	if (rc)
		return rc;
	return selfclose ? add_node(r, &n) : push_frame(r, &n);
}

static void trim(const char **s, size_t *len)
{
	while (*len && is_space((unsigned char)(*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* Closes the innermost open element and hands it to its parent. */
static int pop_frame(struct reader *r)
{
	struct frame *f = &r->stack[r->depth - 1];
	struct vg_xml_node n = f->node;
	const char *text = vg_buf_str(&f->text);
	size_t len = f->text.len;
	int rc = VG_ENOMEM;
	if (f->kids.n)
		trim(&text, &len);
	n.content = vg_arena_strndup(r->arena, text, len);
	if (!n.content)
		goto out;
	n.nchildren = f->kids.n;
	if (f->kids.n) {
		n.children = vg_arena_alloc(r->arena, f->kids.n * sizeof(*n.children));
		if (!n.children)
			goto out;
		memcpy(n.children, f->kids.v, f->kids.n * sizeof(*n.children));
	}
	rc = VG_OK;
out:
	free(f->kids.v);
	vg_buf_free(&f->text);
	memset(f, 0, sizeof(*f));
	r->depth--;
	return rc ? rc : add_node(r, &n);
}

/* Reads "</name>"; the reader is at the '<'. */
static int close_tag(struct reader *r)
{
	unsigned line = r->line, col = r->col;
	rd_skip(r, 2);
	const char *start = r->p;
	while (!rd_eof(r) && rd_at(r, 0) != '>' && rd_at(r, 0) != '<')
		rd_next(r);
	if (rd_at(r, 0) != '>')
		return rd_error(r, line, col, "unterminated closing tag: expected '>'");
	const char *name = start;
	size_t len = (size_t)(r->p - start);
	trim(&name, &len);
	rd_next(r);
	if (!r->depth)
		return rd_error(r, line, col, "closing tag </%.*s> without an opening tag",
		                (int)(len < XML_SHOW ? len : XML_SHOW), name);
	const struct vg_xml_node *open = &r->stack[r->depth - 1].node;
	if (strlen(open->name) != len || memcmp(open->name, name, len) != 0)
		return rd_error(r, line, col,
		                "mismatched closing tag </%.*s>: expected </%.*s> for the element "
		                "opened at %u:%u",
		                (int)(len < XML_SHOW ? len : XML_SHOW), name, XML_SHOW, open->name,
		                open->line, open->col);
	return pop_frame(r);
}

/* Handles a '<' seen in text or between elements. */
static int read_markup(struct reader *r)
{
	int n = rd_at(r, 1);
	if (n == '!') /* Wazuh drops comments even right after a backslash */
		return skip_comment(r);
	if (n == '?')
		return skip_pi(r);
	if (r->escaped) { /* "\<" is text, backslash kept; ignored between roots */
		r->escaped = false;
		if (r->depth && vg_buf_addc(&r->stack[r->depth - 1].text, '<'))
			return rd_error(r, r->line, r->col, "element text longer than %zu bytes",
			                XML_MAX_TEXT);
		rd_next(r);
		return VG_OK;
	}
	if (n == '/')
		return close_tag(r);
	return open_tag(r);
}

static int read_all(struct reader *r)
{
	while (!rd_eof(r)) {
		int c = rd_at(r, 0);
		int rc;
		if (c == '<') {
			rc = read_markup(r);
			if (rc)
				return rc;
			continue;
		}
		r->escaped = c == '\\' ? !r->escaped : false;
		if (r->depth) {
			if (vg_buf_addc(&r->stack[r->depth - 1].text, (char)c))
				return rd_error(r, r->line, r->col,
				                "element text longer than %zu bytes", XML_MAX_TEXT);
		}
		rd_next(r);
	}
	if (r->depth) {
		const struct vg_xml_node *open = &r->stack[r->depth - 1].node;
		return rd_error(r, open->line, open->col,
		                "end of file: element <%.*s> opened here is not closed: expected "
		                "</%.*s>",
		                XML_SHOW, open->name, XML_SHOW, open->name);
	}
	return VG_OK;
}

static void reader_release(struct reader *r)
{
	for (unsigned i = 0; i < r->depth; i++) {
		free(r->stack[i].kids.v);
		vg_buf_free(&r->stack[i].text);
	}
	free(r->stack);
	free(r->roots.v);
	free(r->attrs);
}

static int build_doc(struct reader *r, struct vg_xml_doc *doc)
{
	doc->nroots = r->roots.n;
	if (!r->roots.n)
		return VG_OK;
	doc->roots = vg_arena_alloc(r->arena, r->roots.n * sizeof(*doc->roots));
	if (!doc->roots)
		return VG_ENOMEM;
	memcpy(doc->roots, r->roots.v, r->roots.n * sizeof(*doc->roots));
	return VG_OK;
}

int vg_xml_parse_buffer(const char *buf, size_t len, const char *name, struct vg_xml_doc **out,
                        struct vg_diag *diag)
{
	*out = NULL;
	if (!buf && len)
		return VG_EINVAL;
	if (!name)
		name = "<buffer>";
	struct reader r = { .line = 1, .col = 1, .name = name, .diag = diag };
	struct vg_xml_doc *doc = NULL;
	int rc = VG_ENOMEM;
	r.p = buf ? buf : "";
	r.end = r.p + strnlen(r.p, len); /* a NUL ends the text, as in Wazuh */
	r.arena = vg_arena_create(0);
	r.stack = calloc(XML_MAX_DEPTH, sizeof(*r.stack));
	if (!r.arena || !r.stack)
		goto out;
	doc = vg_arena_calloc(r.arena, 1, sizeof(*doc));
	if (!doc)
		goto out;
	doc->arena = r.arena;
	doc->path = vg_arena_strdup(r.arena, name);
	if (!doc->path)
		goto out;
	rc = read_all(&r);
	if (!rc)
		rc = build_doc(&r, doc);
	if (!rc)
		rc = vg_xml_vars_apply(doc, diag);
out:
	if (rc == VG_ENOMEM)
		vg_diag_add(diag, VG_DIAG_ERROR, name, 0, 0, "out of memory reading XML");
	reader_release(&r);
	if (rc) {
		vg_arena_destroy(r.arena);
		return rc;
	}
	*out = doc;
	return VG_OK;
}

/* Reads a whole file into a malloc'd buffer of at most XML_MAX_FILE bytes. */
static int slurp(const char *path, char **data, size_t *len, struct vg_diag *diag)
{
	struct vg_buf b;
	vg_buf_init(&b, XML_MAX_FILE);
	int rc = vg_file_read(path, &b);
	if (rc) {
		vg_diag_add(diag, VG_DIAG_ERROR, path, 0, 0, "cannot read: %s",
		            rc == VG_ELIMIT ? "file larger than 64 MiB" : strerror(errno));
		vg_buf_free(&b);
		return rc;
	}
	*len = b.len;
	*data = vg_buf_detach(&b);
	if (!*data) { /* empty file */
		*data = calloc(1, 1);
		if (!*data)
			return VG_ENOMEM;
	}
	return VG_OK;
}

int vg_xml_parse_file(const char *path, struct vg_xml_doc **out, struct vg_diag *diag)
{
	char *data = NULL;
	size_t len = 0;
	*out = NULL;
	int rc = slurp(path, &data, &len, diag);
	if (rc)
		return rc;
	rc = vg_xml_parse_buffer(data, len, path, out, diag);
	free(data);
	return rc;
}

void vg_xml_doc_destroy(struct vg_xml_doc *doc)
{
	if (doc)
		vg_arena_destroy(doc->arena); /* the doc itself lives in its arena */
}

const char *vg_xml_attr(const struct vg_xml_node *n, const char *name)
{
	if (!n || !name)
		return NULL;
	for (unsigned i = 0; i < n->nattrs; i++)
		if (strcmp(n->attrs[i].name, name) == 0)
			return n->attrs[i].value;
	return NULL;
}
