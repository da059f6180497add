/*
 * decoder_load.c - reads Wazuh <decoder> elements into a decoder set.
 *
 * Each <decoder> is checked the way Wazuh's analysisd checks it (a name,
 * one of prematch/parent/program_name, regex and order together, valid
 * offsets, no regex beside a plugin), its patterns are compiled, and it is
 * appended in load order: to one of the two top-level lists (with or without
 * <program_name>) or to the children of every top-level decoder already
 * loaded under its parent's name. A child with the same name as an earlier
 * child of that parent continues that sibling chain. A decoder with an error
 * is reported with file:line and left out; the rest of the file still loads.
 */
#include "vigil/decoder.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/decoder_int.h"
#include "vigil/buf.h"

static const char *const type_names[VG_DT_COUNT] = {
	"syslog", "firewall", "ids", "web-log", "squid", "windows", "host-information", "ossec",
};

int vg_decoder_type_lookup(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < VG_DT_COUNT; i++)
		if (strcmp(name, type_names[i]) == 0)
			return i;
	return -1;
}

const char *vg_decoder_type_name(int type)
{
	return type >= 0 && type < VG_DT_COUNT ? type_names[type] : NULL;
}

int vg_decoder_set_create(struct vg_decoder_set **out)
{
	struct vg_decoder_set *set = calloc(1, sizeof(*set));
	if (!set)
		return VG_ENOMEM;
	set->arena = vg_arena_create(1 << 16);
	if (!set->arena) {
		free(set);
		return VG_ENOMEM;
	}
	*out = set;
	return VG_OK;
}

void vg_decoder_set_destroy(struct vg_decoder_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->count; i++) {
		struct vg_decoder *d = set->all[i];
		vg_pattern_destroy(d->program_name);
		vg_pattern_destroy(d->prematch);
		vg_pattern_destroy(d->regex);
		free(d->children);
	}
	free(set->all);
	free(set->top_pn);
	free(set->top_nopn);
	vg_arena_destroy(set->arena);
	free(set);
}

size_t vg_decoder_set_count(const struct vg_decoder_set *set)
{
	return set ? set->count : 0;
}

/* Appends p to a malloc'ed pointer array, doubling its capacity. */
static int ptr_push(void ***arr, size_t *n, size_t *cap, void *p)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void **na = realloc(*arr, ncap * sizeof(*na));
		if (!na)
			return VG_ENOMEM;
		*arr = na;
		*cap = ncap;
	}
	(*arr)[(*n)++] = p;
	return VG_OK;
}

/* What one <decoder> element holds while it is being read. */
struct dec_text {
	struct vg_buf parent, prematch, regex, pname;
	bool has_parent, has_prematch, has_regex, has_pname, has_order, has_fts;
	int prematch_kind, regex_kind, pname_kind; /* -1 = dialect default */
	unsigned prematch_line, regex_line, pname_line;
	const char *order_text, *fts_text;
	unsigned line;
	const char *file;
	struct vg_diag *diag;
	bool failed;
};

#define LOAD_ERR(t, ln, ...)                                                                       \
	do {                                                                                       \
		vg_diag_add((t)->diag, VG_DIAG_ERROR, (t)->file, (ln), 0, __VA_ARGS__);            \
		(t)->failed = true;                                                                \
	} while (0)

/* Reads an offset= attribute value; returns -1 on a bad value. */
static int parse_offset(const char *v)
{
	if (!v)
		return VG_OFF_NONE;
	if (strcmp(v, "after_parent") == 0)
		return VG_OFF_AFTER_PARENT;
	if (strcmp(v, "after_prematch") == 0)
		return VG_OFF_AFTER_PREMATCH;
	if (strcmp(v, "after_regex") == 0)
		return VG_OFF_AFTER_REGEX;
	return -1;
}

/* Checks the attributes of a pattern element: offset= and type=. */
static void pattern_attrs(struct dec_text *t, const struct vg_xml_node *el, unsigned *offset,
                          int *kind, bool first, const char *dname)
{
	for (unsigned i = 0; i < el->nattrs; i++) {
		const struct vg_xml_attr *a = &el->attrs[i];
		if (strcmp(a->name, "offset") == 0 && offset) {
			int off = parse_offset(a->value);
			if (off < 0) {
				LOAD_ERR(t, a->line,
				         "decoder '%s': bad offset '%s' (expected after_parent, "
				         "after_prematch or after_regex)",
				         dname, a->value);
			} else if (!first && off) {
				LOAD_ERR(t, a->line,
				         "decoder '%s': only the first <%s> may have an offset",
				         dname, el->name);
			} else if (off) {
				*offset = (unsigned)off;
			}
		} else if (strcmp(a->name, "type") == 0) {
			int k = vg_pattern_kind_lookup(a->value);
			if (k < 0)
				LOAD_ERR(
				    t, a->line,
				    "decoder '%s': bad type '%s' (expected osmatch, osregex or "
				    "pcre2)",
				    dname, a->value);
			else
				*kind = k;
		} else {
			LOAD_ERR(t, a->line, "decoder '%s': invalid attribute '%s' in <%s>", dname,
			         a->name, el->name);
		}
	}
}

static void add_text(struct dec_text *t, struct vg_buf *b, const char *s)
{
	if (vg_buf_addstr(b, s) != VG_OK)
		LOAD_ERR(t, t->line, "out of memory");
}

/* Number of items in a comma-separated list (an empty text is one item). */
static unsigned list_count(const char *text)
{
	unsigned n = 1;
	for (const char *p = text; *p; p++)
		n += *p == ',';
	return n;
}

/* The next item of a comma-separated list at *p: leading bytes of ws are
 * skipped and the item ends at the first ws byte or comma. Sets *w to the
 * item, returns its length and moves *p past the comma. */
static size_t list_next(const char **p, const char *ws, const char **w)
{
	const char *end = strchr(*p, ',');
	if (!end)
		end = *p + strlen(*p);
	const char *s = *p;
	while (s < end && strchr(ws, *s))
		s++;
	size_t len = strcspn(s, ws);
	if (s + len > end)
		len = (size_t)(end - s);
	*w = s;
	*p = *end ? end + 1 : end;
	return len;
}

/* Reads the <order> list; "user" is dstuser, unknown names are dynamic. */
static void parse_order(struct vg_decoder_set *set, struct dec_text *t, struct vg_decoder *d,
                        const char *text)
{
	unsigned n = list_count(text);
	if (n > VG_EVENT_MAX_DYNAMIC) {
		LOAD_ERR(t, t->line, "decoder '%s': <order> has %u fields (at most %d)", d->name, n,
		         VG_EVENT_MAX_DYNAMIC);
		return;
	}
	d->order = vg_arena_calloc(set->arena, n, sizeof(*d->order));
	if (!d->order) {
		LOAD_ERR(t, t->line, "out of memory");
		return;
	}
	const char *p = text;
	for (unsigned i = 0; i < n; i++) {
		const char *w;
		size_t len = list_next(&p, " ", &w);
		if (len == 0) {
			LOAD_ERR(t, t->line, "decoder '%s': empty field name in <order>", d->name);
			return;
		}
		char *word = vg_arena_strndup(set->arena, w, len);
		if (!word) {
			LOAD_ERR(t, t->line, "out of memory");
			return;
		}
		d->order[i].fixed = vg_fixed_lookup(word);
		d->order[i].name = d->order[i].fixed >= 0 ? vg_fixed_name(d->order[i].fixed) : word;
	}
	d->norder = n;
}

/* Reads the <fts> list: name, location, fixed fields or dynamic order fields. */
static void parse_fts(struct vg_decoder_set *set, struct dec_text *t, struct vg_decoder *d,
                      const char *text)
{
	unsigned n = list_count(text);
	d->fts = vg_arena_calloc(set->arena, n, sizeof(*d->fts));
	if (!d->fts) {
		LOAD_ERR(t, t->line, "out of memory");
		return;
	}
	const char *p = text;
	for (unsigned i = 0; i < n; i++) {
		const char *w;
		size_t len = list_next(&p, " \t\n", &w);
		char *word = vg_arena_strndup(set->arena, w, len);
		if (!word) {
			LOAD_ERR(t, t->line, "out of memory");
			return;
		}
		int f = len ? vg_fixed_lookup(word) : -1;
		const char *name = NULL;
		if (f >= 0)
			name = vg_fixed_name(f);
		else if (strcmp(word, "name") == 0 || strcmp(word, "location") == 0)
			name = word;
		for (unsigned k = 0; !name && len && k < d->norder; k++)
			if (d->order[k].fixed < 0 && strcasecmp(d->order[k].name, word) == 0)
				name = d->order[k].name;
		if (!name) {
			LOAD_ERR(t, t->line, "decoder '%s': wrong field '%s' in <fts>", d->name,
			         word);
			return;
		}
		d->fts[d->nfts++] = name;
	}
}

/* Reads the content of a flag-like or enumerated element. */
static void read_simple(struct vg_decoder_set *set, struct dec_text *t, struct vg_decoder *d,
                        const struct vg_xml_node *el)
{
	const char *c = el->content;
	if (strcasecmp(el->name, "use_own_name") == 0) {
		if (strcmp(c, "true") == 0)
			d->use_own_name = true;
	} else if (strcasecmp(el->name, "accumulate") == 0) {
		d->accumulate = true;
	} else if (strcasecmp(el->name, "ftscomment") == 0) {
		d->ftscomment = vg_arena_strdup(set->arena, c);
	} else if (strcmp(el->name, "type") == 0) {
		int ty = vg_decoder_type_lookup(c);
		if (ty < 0)
			LOAD_ERR(t, el->line, "decoder '%s': invalid decoder type '%s'", d->name,
			         c);
		else
			d->type = ty;
	} else if (strcasecmp(el->name, "json_null_field") == 0) {
		if (strcmp(c, "discard") == 0)
			d->json_null = VG_JSON_NULL_DISCARD;
		else if (strcmp(c, "empty") == 0)
			d->json_null = VG_JSON_NULL_EMPTY;
		else if (strcmp(c, "string") == 0)
			d->json_null = VG_JSON_NULL_STRING;
		else
			LOAD_ERR(t, el->line,
			         "decoder '%s': bad json_null_field '%s' (expected discard, empty "
			         "or string)",
			         d->name, c);
	} else if (strcasecmp(el->name, "json_array_structure") == 0) {
		if (strcmp(c, "csv") == 0)
			d->json_array = VG_JSON_ARRAY_CSV;
		else if (strcmp(c, "array") == 0)
			d->json_array = VG_JSON_ARRAY_JSON;
		else
			LOAD_ERR(t, el->line,
			         "decoder '%s': bad json_array_structure '%s' (expected array or "
			         "csv)",
			         d->name, c);
	} else {
		LOAD_ERR(t, el->line, "decoder '%s': invalid element <%s>", d->name, el->name);
	}
}

/* Reads one child element of <decoder>. */
static void read_element(struct vg_decoder_set *set, struct dec_text *t, struct vg_decoder *d,
                         const struct vg_xml_node *el)
{
	const char *c = el->content ? el->content : "";
	t->line = el->line;
	if (strcasecmp(el->name, "parent") == 0) {
		add_text(t, &t->parent, c);
		t->has_parent = true;
	} else if (strcasecmp(el->name, "regex") == 0) {
		pattern_attrs(t, el, &d->regex_offset, &t->regex_kind, !t->has_regex, d->name);
		if (!t->has_regex)
			t->regex_line = el->line;
		add_text(t, &t->regex, c);
		t->has_regex = true;
	} else if (strcasecmp(el->name, "prematch") == 0) {
		pattern_attrs(t, el, &d->prematch_offset, &t->prematch_kind, !t->has_prematch,
		              d->name);
		if (!t->has_prematch)
			t->prematch_line = el->line;
		add_text(t, &t->prematch, c);
		t->has_prematch = true;
	} else if (strcasecmp(el->name, "program_name") == 0) {
		pattern_attrs(t, el, NULL, &t->pname_kind, true, d->name);
		if (!t->has_pname)
			t->pname_line = el->line;
		add_text(t, &t->pname, c);
		t->has_pname = true;
	} else if (strcasecmp(el->name, "plugin_decoder") == 0) {
		int dummy = -1;
		pattern_attrs(t, el, &d->plugin_offset, &dummy, true, d->name);
		d->plugin = vg_dec_plugin_lookup(c);
		if (!d->plugin)
			LOAD_ERR(t, el->line,
			         "decoder '%s': unknown plugin '%s' (expected JSON_Decoder, "
			         "OSSECAlert_Decoder, PF_Decoder, SymantecWS_Decoder or "
			         "SonicWall_Decoder)",
			         d->name, c);
	} else if (strcasecmp(el->name, "order") == 0) {
		t->order_text = c;
		t->has_order = true;
	} else if (strcasecmp(el->name, "fts") == 0) {
		t->fts_text = c;
		t->has_fts = true;
	} else {
		read_simple(set, t, d, el);
	}
}

/* Checks the combination of elements and offsets, as analysisd does. */
static void check_decoder(struct dec_text *t, struct vg_decoder *d)
{
	unsigned ln = t->line;
	if (!t->has_prematch && !t->has_parent && !t->has_pname)
		LOAD_ERR(t, ln, "decoder '%s': expected <prematch>, <parent> or <program_name>",
		         d->name);
	if (t->has_regex && !t->has_order)
		LOAD_ERR(t, ln, "decoder '%s': <regex> without <order>", d->name);
	if (!t->has_regex && (t->has_order || t->has_fts))
		LOAD_ERR(t, ln, "decoder '%s': <%s> without <regex>", d->name,
		         t->has_order ? "order" : "fts");
	if (d->plugin && (t->has_regex || t->has_order))
		LOAD_ERR(t, ln, "decoder '%s': <plugin_decoder> excludes <regex> and <order>",
		         d->name);
	if ((d->regex_offset & VG_OFF_AFTER_PARENT) && !t->has_parent)
		LOAD_ERR(t, ln, "decoder '%s': offset after_parent needs a <parent>", d->name);
	if (d->regex_offset & VG_OFF_AFTER_PREMATCH) {
		/* Wazuh: a top-level decoder's after_prematch means after_parent. */
		if (!t->has_parent)
			d->regex_offset = VG_OFF_AFTER_PARENT;
		else if (!t->has_prematch)
			LOAD_ERR(t, ln, "decoder '%s': offset after_prematch needs a <prematch>",
			         d->name);
	}
	if ((d->regex_offset & VG_OFF_AFTER_REGEX) && (!t->has_parent || !t->has_regex))
		LOAD_ERR(t, ln, "decoder '%s': offset after_regex needs a <parent>", d->name);
	if (d->prematch_offset && (d->prematch_offset != VG_OFF_AFTER_PARENT || !t->has_parent))
		LOAD_ERR(t, ln,
		         "decoder '%s': a <prematch> offset must be after_parent, with a <parent>",
		         d->name);
	if (d->plugin_offset == VG_OFF_AFTER_REGEX)
		LOAD_ERR(t, ln,
		         "decoder '%s': a plugin offset must be after_parent or "
		         "after_prematch",
		         d->name);
}

static struct vg_pattern *compile(struct dec_text *t, struct vg_decoder *d, int kind,
                                  enum vg_pattern_kind def, const struct vg_buf *src,
                                  const char *what, unsigned line)
{
	char err[256] = "";
	struct vg_pattern *p = NULL;
	enum vg_pattern_kind k = kind >= 0 ? (enum vg_pattern_kind)kind : def;
	int rc = vg_pattern_compile(k, vg_buf_str(src), &p, err, sizeof(err));
	if (rc != VG_OK) {
		LOAD_ERR(t, line, "decoder '%s': cannot compile %s '%s': %s", d->name, what,
		         vg_buf_str(src), rc == VG_ENOMEM ? "out of memory" : err);
		return NULL;
	}
	return p;
}

/* Notes "^literal$" program names so the matcher can compare them directly. */
static void note_exact_pname(struct vg_decoder_set *set, struct vg_decoder *d, int kind,
                             const char *src)
{
	size_t len = strlen(src);
	if (kind >= 0 && kind != VG_PAT_OSMATCH)
		return;
	if (len < 3 || src[0] != '^' || src[len - 1] != '$')
		return;
	for (size_t i = 1; i + 1 < len; i++)
		if (strchr("|!^$", src[i]))
			return;
	d->pname_exact = vg_arena_strndup(set->arena, src + 1, len - 2);
	d->pname_exact_len = d->pname_exact ? len - 2 : 0;
}

static void compile_patterns(struct vg_decoder_set *set, struct dec_text *t, struct vg_decoder *d)
{
	if (t->has_prematch)
		d->prematch = compile(t, d, t->prematch_kind, VG_PAT_OSREGEX, &t->prematch,
		                      "prematch", t->prematch_line);
	if (t->has_regex) {
		d->regex =
		    compile(t, d, t->regex_kind, VG_PAT_OSREGEX, &t->regex, "regex", t->regex_line);
		if (d->regex && vg_pattern_groups(d->regex) == 0 &&
		    vg_pattern_kind_of(d->regex) != VG_PAT_OSMATCH)
			LOAD_ERR(t, t->regex_line, "decoder '%s': regex '%s' has no capture group",
			         d->name, vg_buf_str(&t->regex));
	}
	if (t->has_pname) {
		d->has_program_name = true;
		/* An empty <program_name/> matches every program (an empty OS_Match). */
		if (t->pname.len > 0) {
			d->program_name = compile(t, d, t->pname_kind, VG_PAT_OSMATCH, &t->pname,
			                          "program_name", t->pname_line);
			note_exact_pname(set, d, t->pname_kind, vg_buf_str(&t->pname));
		}
	}
	if (t->has_parent)
		d->parent_name = vg_arena_strdup(set->arena, vg_buf_str(&t->parent));
}

/*
 * Adds child to one parent's children. A child named like an earlier child
 * of that parent extends its sibling chain: siblings need a regex and may
 * not have a prematch or fts. after_regex needs such an earlier sibling.
 */
static int check_child(struct dec_text *t, const struct vg_decoder *parent,
                       const struct vg_decoder *child)
{
	bool has_prev = false;
	for (unsigned i = 0; i < parent->nchildren; i++) {
		struct vg_decoder *c = parent->children[i];
		if (strcmp(c->name, child->name) != 0)
			continue;
		if ((c->prematch || c->regex) && child->regex_offset)
			has_prev = true;
		if (child->prematch) {
			LOAD_ERR(t, child->line,
			         "decoder '%s': only the first of decoders sharing a name may have "
			         "<prematch>",
			         child->name);
			return VG_EPARSE;
		}
		if (child->nfts) {
			LOAD_ERR(t, child->line,
			         "decoder '%s': only the first of decoders sharing a name may have "
			         "<fts>",
			         child->name);
			return VG_EPARSE;
		}
		/* Wazuh 4.x lets a plugin sibling start the chain (0010-active-response). */
		if (!(c->regex || c->plugin) || !(child->regex || child->plugin)) {
			LOAD_ERR(t, child->line,
			         "decoder '%s': decoders sharing a name and parent need a <regex> "
			         "or <plugin_decoder> each",
			         child->name);
			return VG_EPARSE;
		}
	}
	if (!has_prev && (child->regex_offset & VG_OFF_AFTER_REGEX)) {
		LOAD_ERR(t, child->line,
		         "decoder '%s': offset after_regex needs an earlier decoder of the same "
		         "name",
		         child->name);
		return VG_EPARSE;
	}
	return VG_OK;
}

/* Appends child to parent and marks get_next on earlier same-named children. */
static int push_child(struct vg_decoder *parent, struct vg_decoder *child)
{
	size_t n = parent->nchildren, cap = parent->children_cap;
	int rc = ptr_push((void ***)&parent->children, &n, &cap, child);
	parent->nchildren = (unsigned)n;
	parent->children_cap = (unsigned)cap;
	if (rc != VG_OK)
		return rc;
	for (unsigned i = 0; i + 1 < parent->nchildren; i++)
		if (strcmp(parent->children[i]->name, child->name) == 0)
			parent->children[i]->get_next = true;
	return VG_OK;
}

static int link_child(struct vg_decoder_set *set, struct dec_text *t, struct vg_decoder *d)
{
	struct vg_decoder **lists[2] = { set->top_pn, set->top_nopn };
	size_t counts[2] = { set->ntop_pn, set->ntop_nopn };
	bool added = false;
	/* Check against every parent first so a failure leaves nothing half-linked. */
	for (int pass = 0; pass < 2; pass++) {
		for (int l = 0; l < 2; l++) {
			for (size_t i = 0; i < counts[l]; i++) {
				struct vg_decoder *p = lists[l][i];
				if (strcmp(p->name, d->parent_name) != 0)
					continue;
				int rc = pass ? push_child(p, d) : check_child(t, p, d);
				if (rc != VG_OK)
					return rc;
				added = true;
			}
		}
		if (!added)
			break;
	}
	if (!added) {
		LOAD_ERR(t, d->line,
		         "decoder '%s': parent decoder '%s' not found (a parent must "
		         "be a top-level decoder loaded earlier)",
		         d->name, d->parent_name);
		return VG_EPARSE;
	}
	return VG_OK;
}

static int append_decoder(struct vg_decoder_set *set, struct dec_text *t, struct vg_decoder *d)
{
	int rc;
	if (d->parent_name) {
		rc = link_child(set, t, d);
	} else if (d->has_program_name) {
		rc = ptr_push((void ***)&set->top_pn, &set->ntop_pn, &set->top_pn_cap, d);
	} else {
		rc = ptr_push((void ***)&set->top_nopn, &set->ntop_nopn, &set->top_nopn_cap, d);
	}
	if (rc != VG_OK)
		return rc;
	d->index = (unsigned)set->count;
	return ptr_push((void ***)&set->all, &set->count, &set->cap, d);
}

static void dec_text_init(struct dec_text *t, const char *file, unsigned line, struct vg_diag *diag)
{
	memset(t, 0, sizeof(*t));
	vg_buf_init(&t->parent, 0);
	vg_buf_init(&t->prematch, 0);
	vg_buf_init(&t->regex, 0);
	vg_buf_init(&t->pname, 0);
	t->prematch_kind = t->regex_kind = t->pname_kind = -1;
	t->file = file;
	t->line = line;
	t->diag = diag;
}

static void dec_text_free(struct dec_text *t)
{
	vg_buf_free(&t->parent);
	vg_buf_free(&t->prematch);
	vg_buf_free(&t->regex);
	vg_buf_free(&t->pname);
}

static void drop_decoder(struct vg_decoder *d)
{
	vg_pattern_destroy(d->program_name);
	vg_pattern_destroy(d->prematch);
	vg_pattern_destroy(d->regex);
	d->program_name = d->prematch = d->regex = NULL;
}

/* Reads, checks, compiles and appends one <decoder>. */
static int load_decoder(struct vg_decoder_set *set, const char *file,
                        const struct vg_xml_node *node, struct vg_diag *diag)
{
	struct dec_text t;
	dec_text_init(&t, file, node->line, diag);
	const char *name = vg_xml_attr(node, "name");
	if (!name || !*name) {
		LOAD_ERR(&t, node->line, "<decoder> without a name attribute");
		dec_text_free(&t);
		return VG_EPARSE;
	}
	struct vg_decoder *d = vg_arena_calloc(set->arena, 1, sizeof(*d));
	if (!d || !(d->name = vg_arena_strdup(set->arena, name))) {
		dec_text_free(&t);
		return VG_ENOMEM;
	}
	d->file = file;
	d->line = node->line;
	for (unsigned i = 0; i < node->nchildren; i++)
		read_element(set, &t, d, &node->children[i]);
	t.line = node->line;
	check_decoder(&t, d);
	if (!t.failed && t.has_order)
		parse_order(set, &t, d, t.order_text);
	if (!t.failed && t.has_fts)
		parse_fts(set, &t, d, t.fts_text);
	if (!t.failed)
		compile_patterns(set, &t, d);
	t.line = node->line;
	int rc = t.failed ? VG_EPARSE : append_decoder(set, &t, d);
	if (rc != VG_OK)
		drop_decoder(d);
	dec_text_free(&t);
	return rc;
}

int vg_decoder_set_load_doc(struct vg_decoder_set *set, const struct vg_xml_doc *doc,
                            struct vg_diag *diag)
{
	if (!set || !doc || set->finished)
		return VG_EINVAL;
	const char *file = vg_arena_strdup(set->arena, doc->path ? doc->path : "(buffer)");
	if (!file)
		return VG_ENOMEM;
	int result = VG_OK;
	for (unsigned i = 0; i < doc->nroots; i++) {
		const struct vg_xml_node *n = &doc->roots[i];
		int rc;
		if (strcasecmp(n->name, "var") == 0)
			continue;
		if (strcasecmp(n->name, "decoder") != 0) {
			vg_diag_add(diag, VG_DIAG_ERROR, file, n->line, n->col,
			            "invalid element <%s> (expected <decoder>)", n->name);
			rc = VG_EPARSE;
		} else {
			rc = load_decoder(set, file, n, diag);
		}
		if (rc == VG_ENOMEM)
			return rc;
		if (rc != VG_OK)
			result = rc;
	}
	return result;
}

int vg_decoder_set_load_file(struct vg_decoder_set *set, const char *path, struct vg_diag *diag)
{
	struct vg_xml_doc *doc = NULL;
	if (!set || !path || set->finished)
		return VG_EINVAL;
	int rc = vg_xml_parse_file(path, &doc, diag);
	if (rc != VG_OK)
		return rc;
	rc = vg_decoder_set_load_doc(set, doc, diag);
	vg_xml_doc_destroy(doc);
	return rc;
}

int vg_decoder_set_finish(struct vg_decoder_set *set, struct vg_diag *diag)
{
	(void)diag;
	if (!set || set->finished)
		return VG_EINVAL;
	int rc = vg_dec_pname_build(set);
	if (rc != VG_OK)
		return rc;
	set->finished = true;
	return VG_OK;
}

int vg_decoder_set_log_patterns(const struct vg_decoder_set *set, vg_pattern_visit_fn fn, void *ctx)
{
	for (size_t i = 0; set && i < set->count; i++) {
		struct vg_decoder *d = set->all[i];
		int rc = d->prematch ? fn(ctx, d->prematch) : VG_OK;
		if (rc == VG_OK && d->regex)
			rc = fn(ctx, d->regex);
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}

const struct vg_decoder *vg_decoder_set_find(const struct vg_decoder_set *set, const char *name)
{
	for (size_t i = 0; set && i < set->count; i++)
		if (strcmp(set->all[i]->name, name) == 0)
			return set->all[i];
	return NULL;
}

const char *vg_decoder_name(const struct vg_decoder *d)
{
	return d ? d->name : NULL;
}

const char *vg_decoder_parent_name(const struct vg_decoder *d)
{
	return d ? d->parent_name : NULL;
}

int vg_decoder_type(const struct vg_decoder *d)
{
	return d ? d->type : VG_DT_SYSLOG;
}

bool vg_decoder_accumulate(const struct vg_decoder *d)
{
	return d && d->accumulate;
}

unsigned vg_decoder_fts_count(const struct vg_decoder *d)
{
	return d ? d->nfts : 0;
}

const char *vg_decoder_fts_field(const struct vg_decoder *d, unsigned i)
{
	return d && i < d->nfts ? d->fts[i] : NULL;
}

const char *vg_decoder_ftscomment(const struct vg_decoder *d)
{
	return d ? d->ftscomment : NULL;
}
