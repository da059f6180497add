/*
 * rule_load.c - reads Wazuh rule XML into rules of a rule set.
 *
 * Each <group name="..."> holds <rule> elements; every rule attribute and
 * element Wazuh knows is read here into a struct rule_impl: string checks are
 * compiled in their dialect (OS_Match unless type= says otherwise, OS_Regex
 * for <regex> and <field>, exact string for <action>), repeated elements are
 * concatenated as Wazuh does, groups are split into plain and compliance
 * groups. A rule with an error is reported as "file:line: ..." and dropped;
 * overwrite="yes" replaces an earlier rule's contents in place.
 */
#include "rule_internal.h"
#include "rule_load_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigil/buf.h"
#include "vigil/xml.h"

static const char *const check_names[RC_COUNT] = {
	[RC_PROGRAM_NAME] = "program_name",
	[RC_ID] = "id",
	[RC_SYSTEM_NAME] = "system_name",
	[RC_PROTOCOL] = "protocol",
	[RC_MATCH] = "match",
	[RC_REGEX] = "regex",
	[RC_ACTION] = "action",
	[RC_URL] = "url",
	[RC_LOCATION] = "location",
	[RC_SRCIP] = "srcip",
	[RC_DSTIP] = "dstip",
	[RC_SRCPORT] = "srcport",
	[RC_DSTPORT] = "dstport",
	[RC_USER] = "user",
	[RC_SRCGEOIP] = "srcgeoip",
	[RC_DSTGEOIP] = "dstgeoip",
	[RC_DATA] = "data",
	[RC_EXTRA_DATA] = "extra_data",
	[RC_HOSTNAME] = "hostname",
	[RC_STATUS] = "status",
};

static const char *const compliance_prefix[VG_RC_COUNT] = {
	[VG_RC_PCI_DSS] = "pci_dss_", [VG_RC_GDPR] = "gdpr_",
	[VG_RC_HIPAA] = "hipaa_",     [VG_RC_NIST_800_53] = "nist_800_53_",
	[VG_RC_TSC] = "tsc_",         [VG_RC_GPG13] = "gpg13_",
	[VG_RC_CIS] = "cis_",
};

const char *vg_rule_compliance_name(enum vg_rule_compliance c)
{
	static const char *const names[VG_RC_COUNT] = { "pci_dss", "gdpr",  "hipaa", "nist_800_53",
		                                        "tsc",     "gpg13", "cis" };
	return (unsigned)c < VG_RC_COUNT ? names[c] : "";
}

static void lmsg(struct load_ctx *c, enum vg_diag_level level, unsigned line, const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));

static void lmsg(struct load_ctx *c, enum vg_diag_level level, unsigned line, const char *fmt,
                 va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	vg_diag_add(c->diag, level, c->file, line, 0, "rule %u: %s", c->r ? c->r->pub.id : 0, msg);
	if (level == VG_DIAG_ERROR)
		c->errors++;
}

void rule_lerr(struct load_ctx *c, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lmsg(c, VG_DIAG_ERROR, line, fmt, ap);
	va_end(ap);
}

void rule_lwarn(struct load_ctx *c, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lmsg(c, VG_DIAG_WARNING, line, fmt, ap);
	va_end(ap);
}

/* Parses a whole unsigned decimal of at most maxdigits digits. */
static int parse_uint(const char *s, unsigned maxdigits, unsigned *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > maxdigits)
		return VG_EPARSE;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return VG_EPARSE;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	*out = (unsigned)v;
	return VG_OK;
}

static bool yes_attr(const struct vg_xml_node *n, const char *name)
{
	const char *v = vg_xml_attr(n, name);
	return v && strcmp(v, "yes") == 0;
}

static int load_attrs(struct load_ctx *c, const struct vg_xml_node *n, bool *overwrite)
{
	struct rule_impl *r = c->r;
	bool have_id = false, have_level = false;
	for (unsigned i = 0; i < n->nattrs; i++) {
		const char *a = n->attrs[i].name, *v = n->attrs[i].value ? n->attrs[i].value : "";
		unsigned u = 0;
		if (strcasecmp(a, "id") == 0) {
			if (parse_uint(v, 6, &u))
				return rule_lerr(c, n->line,
				                 "invalid id '%s': expected at most 6 digits", v),
				       VG_EPARSE;
			r->pub.id = u;
			have_id = true;
		} else if (strcasecmp(a, "level") == 0) {
			if (parse_uint(v, 2, &u) || u > 16)
				return rule_lerr(c, n->line, "invalid level '%s': expected 0 to 16",
				                 v),
				       VG_EPARSE;
			r->pub.level = (int)u;
			have_level = true;
		} else if (strcasecmp(a, "frequency") == 0) {
			if (parse_uint(v, 4, &u) || u < 2)
				return rule_lerr(c, n->line,
				                 "invalid frequency '%s': expected 2 to 9999", v),
				       VG_EPARSE;
			r->pub.frequency = u;
		} else if (strcasecmp(a, "timeframe") == 0) {
			if (parse_uint(v, 5, &u))
				return rule_lerr(c, n->line,
				                 "invalid timeframe '%s': expected seconds", v),
				       VG_EPARSE;
			r->pub.timeframe = u;
		} else if (strcasecmp(a, "ignore") == 0) {
			if (parse_uint(v, 6, &u))
				return rule_lerr(c, n->line,
				                 "invalid ignore '%s': expected seconds", v),
				       VG_EPARSE;
			r->pub.ignore_time = u;
		} else if (strcasecmp(a, "maxsize") == 0) {
			if (parse_uint(v, 4, &u))
				return rule_lerr(c, n->line, "invalid maxsize '%s'", v), VG_EPARSE;
			r->maxsize = u;
		} else if (strcasecmp(a, "accuracy") == 0) {
			if (parse_uint(v, 4, &u))
				return rule_lerr(c, n->line, "invalid accuracy '%s'", v), VG_EPARSE;
		} else if (strcasecmp(a, "noalert") == 0) {
			/* As Wazuh: only "0" and "1" count; anything else is
			 * ignored with a warning (the rule alerts). */
			if (strcmp(v, "0") == 0 || strcmp(v, "1") == 0)
				r->pub.noalert = v[0] == '1';
			else
				rule_lwarn(c, n->line,
				           "invalid noalert '%s': expected 0 or 1; ignored", v);
		} else if (strcasecmp(a, "overwrite") == 0) {
			if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
				return rule_lerr(c, n->line,
				                 "invalid overwrite '%s': expected yes or no", v),
				       VG_EPARSE;
			*overwrite = strcmp(v, "yes") == 0;
		} else {
			return rule_lerr(c, n->line,
			                 "unknown attribute '%s': expected id, level, frequency, "
			                 "timeframe, "
			                 "ignore, maxsize, accuracy, noalert or overwrite",
			                 a),
			       VG_EPARSE;
		}
	}
	if (!have_id)
		return rule_lerr(c, n->line, "missing id attribute"), VG_EPARSE;
	if (!have_level)
		return rule_lerr(c, n->line, "missing level attribute"), VG_EPARSE;
	return VG_OK;
}

/* Reads the type= attribute of a check; dflt when absent, -2 when invalid. */
int rule_elem_kind(const struct vg_xml_node *e, int dflt)
{
	const char *t = vg_xml_attr(e, "type");
	if (!t)
		return dflt;
	if (strcmp(t, "string") == 0)
		return -1;
	int k = vg_pattern_kind_lookup(t);
	return k < 0 ? -2 : k;
}

static int add_check_text(struct load_ctx *c, const struct vg_xml_node *e, enum rule_check rc)
{
	struct pend *p = &c->pend[rc];
	int dflt = rc == RC_REGEX ? VG_PAT_OSREGEX : rc == RC_ACTION ? -1 : VG_PAT_OSMATCH;
	int kind = rule_elem_kind(e, dflt);
	if (kind == -2)
		return rule_lerr(c, e->line,
		                 "<%s>: unknown type '%s': expected osmatch, osregex or pcre2",
		                 e->name, vg_xml_attr(e, "type")),
		       VG_EPARSE;
	if (rc == RC_SRCIP || rc == RC_DSTIP) {
		if (!c->r->checks[rc]) {
			c->r->checks[rc] =
			    vg_arena_calloc(c->set->arena, 1, sizeof(struct rule_expr));
			if (!c->r->checks[rc])
				return VG_ENOMEM;
		}
		c->r->checks[rc]->negate = yes_attr(e, "negate");
		if (rule_expr_add_ip(c->set->arena, c->r->checks[rc], e->content))
			return rule_lerr(c, e->line,
			                 "<%s>: invalid address '%s': expected IP, IP/bits or "
			                 "IP/netmask",
			                 e->name, e->content),
			       VG_EPARSE;
		return VG_OK;
	}
	p->kind = kind;
	p->negate = yes_attr(e, "negate");
	p->set = true;
	p->line = e->line;
	return vg_buf_addstr(&p->text, e->content);
}

static int compile_pending(struct load_ctx *c)
{
	char err[256];
	for (int i = 0; i < RC_COUNT; i++) {
		struct pend *p = &c->pend[i];
		if (!p->set)
			continue;
		struct rule_expr *x = vg_arena_calloc(c->set->arena, 1, sizeof(*x));
		if (!x)
			return VG_ENOMEM;
		err[0] = '\0';
		int rc =
		    rule_expr_compile(c->set, x, p->kind, vg_buf_str(&p->text), err, sizeof(err));
		if (rc == VG_ENOMEM)
			return rc;
		if (rc)
			return rule_lerr(c, p->line, "<%s>: bad pattern '%s': %s", check_names[i],
			                 vg_buf_str(&p->text), err),
			       VG_EPARSE;
		x->negate = p->negate;
		c->r->checks[i] = x;
	}
	return VG_OK;
}

static int add_field(struct load_ctx *c, const struct vg_xml_node *e)
{
	const char *name = vg_xml_attr(e, "name");
	if (!name || !*name)
		return rule_lerr(c, e->line, "<field>: missing name attribute"), VG_EPARSE;
	int kind = rule_elem_kind(e, VG_PAT_OSREGEX);
	if (kind == -2)
		return rule_lerr(c, e->line, "<field>: unknown type '%s'", vg_xml_attr(e, "type")),
		       VG_EPARSE;
	struct rule_impl *r = c->r;
	struct rule_field_check *f = vg_arena_alloc(c->set->arena, (r->nfields + 1) * sizeof(*f));
	if (!f)
		return VG_ENOMEM;
	if (r->nfields)
		memcpy(f, r->fields, r->nfields * sizeof(*f));
	struct rule_field_check *nf = &f[r->nfields];
	memset(nf, 0, sizeof(*nf));
	nf->name = vg_arena_strdup(c->set->arena, name);
	char err[256] = "";
	int rc = rule_expr_compile(c->set, &nf->expr, kind, e->content, err, sizeof(err));
	if (rc == VG_ENOMEM || !nf->name)
		return VG_ENOMEM;
	if (rc)
		return rule_lerr(c, e->line, "<field name=\"%s\">: bad pattern '%s': %s", name,
		                 e->content, err),
		       VG_EPARSE;
	nf->expr.negate = yes_attr(e, "negate");
	r->fields = f;
	r->nfields++;
	return VG_OK;
}

static int load_options(struct load_ctx *c, const struct vg_xml_node *e)
{
	static const struct {
		const char *name;
		unsigned bit;
	} opts[] = {
		{ "alert_by_email", VG_RULE_OPT_ALERT_BY_EMAIL },
		{ "no_email_alert", VG_RULE_OPT_NO_EMAIL_ALERT },
		{ "log_alert", VG_RULE_OPT_LOG_ALERT },
		{ "no_log", VG_RULE_OPT_NO_LOG },
		{ "no_ar", VG_RULE_OPT_NO_AR },
		{ "no_full_log", VG_RULE_OPT_NO_FULL_LOG },
		{ "no_counter", VG_RULE_OPT_NO_COUNTER },
	};
	const char *s = e->content;
	while (*s) {
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		size_t n = 0;
		while (s[n] && s[n] != ',' && !isspace((unsigned char)s[n]))
			n++;
		if (!n)
			break;
		size_t i;
		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
			if (strlen(opts[i].name) == n && strncmp(s, opts[i].name, n) == 0)
				break;
		if (i == sizeof(opts) / sizeof(opts[0]))
			return rule_lerr(c, e->line, "<options>: unknown option '%.*s'", (int)n, s),
			       VG_EPARSE;
		c->r->pub.options |= opts[i].bit;
		s += n;
	}
	return VG_OK;
}

int rule_load_push_str(struct load_ctx *c, const char ***v, unsigned *n, const char *s)
{
	const char **nv = vg_arena_alloc(c->set->arena, (*n + 1) * sizeof(*nv));
	char *d = vg_arena_strdup(c->set->arena, s);
	if (!nv || !d)
		return VG_ENOMEM;
	if (*n)
		memcpy(nv, *v, *n * sizeof(*nv));
	nv[(*n)++] = d;
	*v = nv;
	return VG_OK;
}

static int load_mitre(struct load_ctx *c, const struct vg_xml_node *e)
{
	for (unsigned i = 0; i < e->nchildren; i++) {
		const struct vg_xml_node *m = &e->children[i];
		int rc;
		if (strcmp(m->name, "id") == 0 || strcmp(m->name, "technique") == 0 ||
		    strcmp(m->name, "techniqueID") == 0)
			rc = rule_load_push_str(c, &c->mitre, &c->nmitre, m->content);
		else if (strcmp(m->name, "tactic") == 0 || strcmp(m->name, "tacticID") == 0)
			rc = rule_load_push_str(c, &c->tactics, &c->ntactics, m->content);
		else
			return rule_lerr(c, m->line, "<mitre>: unknown element <%s>: expected <id>",
			                 m->name),
			       VG_EPARSE;
		if (rc)
			return rc;
	}
	return VG_OK;
}

static int load_info(struct load_ctx *c, const struct vg_xml_node *e)
{
	const char *type = vg_xml_attr(e, "type");
	if (type && strcmp(type, "text") && strcmp(type, "link") && strcmp(type, "cve") &&
	    strcmp(type, "osvdb"))
		return rule_lerr(c, e->line,
		                 "<info>: unknown type '%s': expected text, link, cve or "
		                 "osvdb",
		                 type),
		       VG_EPARSE;
	if (type && strcmp(type, "cve") == 0)
		return vg_buf_addstr(&c->cve, e->content);
	if (type)
		c->r->pub.info_type = vg_arena_strdup(c->set->arena, type);
	return vg_buf_addstr(&c->info, e->content);
}

static int load_time(struct load_ctx *c, const struct vg_xml_node *e)
{
	struct rule_impl *r = c->r;
	if (strcmp(e->name, "time") == 0) {
		if (rule_time_parse(e->content, &r->time_start, &r->time_end, &r->time_negate))
			return rule_lerr(c, e->line,
			                 "<time>: invalid '%s': expected 'hh[:mm] [am|pm] - "
			                 "hh[:mm] [am|pm]'",
			                 e->content),
			       VG_EPARSE;
		r->has_time = true;
		return VG_OK;
	}
	if (rule_weekday_parse(e->content, &r->weekdays, &r->wd_negate))
		return rule_lerr(c, e->line,
		                 "<weekday>: invalid '%s': expected day names, weekdays or "
		                 "weekends",
		                 e->content),
		       VG_EPARSE;
	return VG_OK;
}

static int check_lookup(const char *name)
{
	for (int i = 0; i < RC_COUNT; i++)
		if (strcmp(name, check_names[i]) == 0)
			return i;
	return -1;
}

/* Text of an element with surrounding blanks removed, in the set's arena. */
static char *trimmed(struct load_ctx *c, const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return vg_arena_strndup(c->set->arena, s, n);
}

static int load_placement(struct load_ctx *c, const struct vg_xml_node *e)
{
	struct rule_impl *r = c->r;
	const char *n = e->name;
	unsigned u;
	char *t = trimmed(c, e->content);
	if (!t)
		return VG_ENOMEM;
	if (strcmp(n, "if_sid") == 0) {
		r->if_sid_given = true;
		return vg_buf_addstr(&c->if_sid, e->content);
	}
	if (strcmp(n, "if_level") == 0) {
		if (parse_uint(t, 2, &u) || u > 16)
			return rule_lerr(c, e->line, "<if_level>: invalid '%s': expected 0 to 16",
			                 t),
			       VG_EPARSE;
		r->if_level = (int)u;
	} else if (strcmp(n, "if_group") == 0) {
		r->if_group = t;
	} else if (strcmp(n, "if_matched_sid") == 0) {
		if (parse_uint(t, 6, &u))
			return rule_lerr(c, e->line,
			                 "<if_matched_sid>: invalid '%s': expected a rule id", t),
			       VG_EPARSE;
		r->if_matched_sid = u;
	} else if (strcmp(n, "if_matched_group") == 0) {
		r->if_matched_group = t;
	} else if (strcmp(n, "category") == 0) {
		int cat = rule_category_lookup(t);
		if (cat < 0)
			return rule_lerr(c, e->line,
			                 "<category>: unknown '%s': expected syslog, firewall, "
			                 "ids, web-log, squid, windows, host-information or ossec",
			                 t),
			       VG_EPARSE;
		r->pub.category = cat;
		r->has_category = true;
	} else {
		return 1;
	}
	return VG_OK;
}

static int load_misc(struct load_ctx *c, const struct vg_xml_node *e)
{
	struct rule_impl *r = c->r;
	const char *n = e->name;
	if (strcmp(n, "description") == 0)
		return vg_buf_addstr(&c->description, e->content);
	if (strcmp(n, "group") == 0)
		return vg_buf_addstr(&c->groups, e->content);
	if (strcmp(n, "decoded_as") == 0)
		return (r->decoded_as = trimmed(c, e->content)) ? VG_OK : VG_ENOMEM;
	if (strcmp(n, "options") == 0)
		return load_options(c, e);
	if (strcmp(n, "mitre") == 0)
		return load_mitre(c, e);
	if (strcmp(n, "info") == 0)
		return load_info(c, e);
	if (strcmp(n, "cve") == 0)
		return vg_buf_addstr(&c->cve, e->content);
	if (strcmp(n, "field") == 0)
		return add_field(c, e);
	if (strcmp(n, "list") == 0)
		return rule_load_list(c, e);
	if (strcmp(n, "time") == 0 || strcmp(n, "weekday") == 0)
		return load_time(c, e);
	if (strcmp(n, "check_diff") == 0)
		r->check_diff = true;
	else if (strcmp(n, "if_fts") == 0)
		r->if_fts = true;
	else if (strcmp(n, "global_frequency") == 0)
		r->global_frequency = true;
	else if (strcmp(n, "compiled_rule") == 0) {
		char *name = trimmed(c, e->content);
		if (!name)
			return VG_ENOMEM;
		r->compiled = rule_compiled_lookup(name);
		if (!r->compiled) {
			rule_lwarn(c, e->line, "unknown compiled rule '%s'; the rule never matches",
			           name);
			r->never = true;
		}
	} else if (strcmp(n, "ignore") == 0 || strcmp(n, "check_if_ignored") == 0) {
		/* Field-based ignore lists are accepted but not enforced. */
	} else if (strcmp(n, "if_matched_regex") == 0) {
		char err[256] = "";
		int rc = vg_pattern_compile(VG_PAT_OSREGEX, e->content, &r->if_matched_regex, err,
		                            sizeof(err));
		if (rc == VG_ENOMEM)
			return rc;
		if (rc)
			return rule_lerr(c, e->line, "<if_matched_regex>: bad pattern '%s': %s",
			                 e->content, err),
			       VG_EPARSE;
		return rule_set_keep_pattern(c->set, r->if_matched_regex);
	} else {
		return 1;
	}
	return VG_OK;
}

static int load_element(struct load_ctx *c, const struct vg_xml_node *e)
{
	int rc, ck = check_lookup(e->name);
	if (ck >= 0)
		return add_check_text(c, e, (enum rule_check)ck);
	rc = load_placement(c, e);
	if (rc != 1)
		return rc;
	rc = load_misc(c, e);
	if (rc != 1)
		return rc;
	rc = rule_load_same(c, e);
	if (rc != 1)
		return rc;
	return rule_lerr(c, e->line, "unknown element <%s>", e->name), VG_EPARSE;
}

/* Splits the comma separated groups; compliance ones are also listed by kind. */
static int split_groups(struct load_ctx *c, const char *all)
{
	struct rule_impl *r = c->r;
	const char *s = all;
	while (*s) {
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		size_t n = 0;
		while (s[n] && s[n] != ',')
			n++;
		size_t len = n;
		while (len && isspace((unsigned char)s[len - 1]))
			len--;
		if (len) {
			char *g = vg_arena_strndup(c->set->arena, s, len);
			if (!g)
				return VG_ENOMEM;
			/* groups keeps every group in order (as Wazuh's group string,
			 * which if_group and alerts read); compliance ones are also
			 * listed by kind without their prefix. */
			int rc = rule_load_push_str(c, &r->pub.groups.v, &r->pub.groups.n, g);
			for (int k = 0; k < VG_RC_COUNT && rc == VG_OK; k++) {
				size_t pl = strlen(compliance_prefix[k]);
				if (len > pl && strncmp(g, compliance_prefix[k], pl) == 0) {
					struct vg_strv *v = &r->pub.compliance[k];
					rc = rule_load_push_str(c, &v->v, &v->n, g + pl);
					break;
				}
			}
			if (rc)
				return rc;
		}
		s += n;
	}
	return VG_OK;
}

/* Wazuh accepts an if_sid list made only of digits, commas and spaces. */
static bool if_sid_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != ',' && *s != ' ')
			return false;
	return true;
}

static const char *buf_dup(struct load_ctx *c, const struct vg_buf *b)
{
	return b->len ? vg_arena_strdup(c->set->arena, vg_buf_str(b)) : NULL;
}

static int finalize_rule(struct load_ctx *c, const char *group_name)
{
	struct rule_impl *r = c->r;
	struct vg_buf all;
	vg_buf_init(&all, 0);
	int rc = vg_buf_addstr(&all, group_name ? group_name : "");
	if (!rc)
		rc = vg_buf_addstr(&all, vg_buf_str(&c->groups));
	if (!rc)
		rc = split_groups(c, vg_buf_str(&all));
	r->all_groups = rc ? NULL : vg_arena_strdup(c->set->arena, vg_buf_str(&all));
	vg_buf_free(&all);
	if (rc || !r->all_groups)
		return VG_ENOMEM;
	r->pub.description = buf_dup(c, &c->description);
	r->pub.info = buf_dup(c, &c->info);
	r->pub.cve = buf_dup(c, &c->cve);
	r->pub.mitre_ids = (struct vg_strv){ c->mitre, c->nmitre };
	r->pub.mitre_tactics = (struct vg_strv){ c->tactics, c->ntactics };
	if (r->if_sid_given && !if_sid_valid(vg_buf_str(&c->if_sid))) {
		rule_lwarn(c, r->pub.line,
		           "invalid if_sid '%s': expected rule ids separated by commas or spaces; "
		           "rule skipped",
		           vg_buf_str(&c->if_sid));
		return RULE_SKIP;
	}
	r->if_sid = buf_dup(c, &c->if_sid);
	if (!r->pub.description)
		r->pub.description = "";
	if (r->pub.timeframe == 0)
		r->pub.timeframe = RULE_DEFAULT_TFRAME;
	/* if_matched_* alone implies the matching if_*. */
	if (r->if_matched_sid && !r->if_sid)
		r->if_sid = vg_arena_printf(c->set->arena, "%u", r->if_matched_sid);
	if (r->if_matched_group && !r->if_group)
		r->if_group = r->if_matched_group;
	if (r->if_matched_sid)
		r->search = RS_SID;
	else if (r->if_matched_group)
		r->search = RS_GROUP;
	else if (r->if_matched_regex)
		r->search = RS_EVENTS;
	r->pub.file = vg_arena_strdup(c->set->arena, c->file);
	return compile_pending(c);
}

static void ctx_free(struct load_ctx *c)
{
	for (int i = 0; i < RC_COUNT; i++)
		vg_buf_free(&c->pend[i].text);
	vg_buf_free(&c->groups);
	vg_buf_free(&c->description);
	vg_buf_free(&c->info);
	vg_buf_free(&c->cve);
	vg_buf_free(&c->if_sid);
}

static bool str_differs(const char *a, const char *b)
{
	return !a || !b || strcmp(a, b) != 0;
}

/* As Wazuh: warns for each placement or correlation option the overwriting
 * rule tries to change; the original value stays. */
static void warn_kept_options(struct load_ctx *c, const struct rule_impl *target,
                              const struct rule_impl *r)
{
	static const char fmt[] = "overwrite cannot change <%s>; the original value is kept";
	if (r->if_sid_given && !r->if_matched_sid && str_differs(target->if_sid, r->if_sid))
		rule_lwarn(c, r->pub.line, fmt, "if_sid");
	if (r->if_group && !r->if_matched_group && str_differs(target->if_group, r->if_group))
		rule_lwarn(c, r->pub.line, fmt, "if_group");
	if (r->if_level >= 0 && target->if_level != r->if_level)
		rule_lwarn(c, r->pub.line, fmt, "if_level");
	if (r->if_matched_group && str_differs(target->if_matched_group, r->if_matched_group))
		rule_lwarn(c, r->pub.line, fmt, "if_matched_group");
	if (r->if_matched_sid && target->if_matched_sid != r->if_matched_sid)
		rule_lwarn(c, r->pub.line, fmt, "if_matched_sid");
}

/*
 * Replaces target's contents with r's, keeping its place in the tree. As in
 * Wazuh the tree position (if_sid, if_group, if_level, category) and the
 * correlation search (which earlier events it reads: if_matched_sid,
 * if_matched_group, and whether it searches at all) stay those of the
 * original; everything else, frequency and same_* included, is replaced.
 */
static void overwrite_rule(struct load_ctx *c, struct rule_impl *target, const struct rule_impl *r)
{
	warn_kept_options(c, target, r);
	struct rule_impl keep = *target;
	*target = *r;
	target->index = keep.index;
	target->sort_level = keep.sort_level;
	target->if_sid = keep.if_sid;
	target->if_sid_given = keep.if_sid_given;
	target->if_level = keep.if_level;
	target->if_group = keep.if_group;
	target->has_category = keep.has_category;
	target->pub.category = keep.pub.category;
	target->if_matched_sid = keep.if_matched_sid;
	target->if_matched_group = keep.if_matched_group;
	target->search = keep.search;
	target->pub.overwritten = true;
}

static int load_rule(struct load_ctx *c, const struct vg_xml_node *n, const char *group_name)
{
	struct rule_impl *r = vg_arena_calloc(c->set->arena, 1, sizeof(*r));
	if (!r)
		return VG_ENOMEM;
	memset(c->pend, 0, sizeof(c->pend));
	for (int i = 0; i < RC_COUNT; i++)
		vg_buf_init(&c->pend[i].text, 0);
	vg_buf_init(&c->groups, 0);
	vg_buf_init(&c->description, 0);
	vg_buf_init(&c->info, 0);
	vg_buf_init(&c->cve, 0);
	vg_buf_init(&c->if_sid, 0);
	c->mitre = c->tactics = NULL;
	c->nmitre = c->ntactics = 0;
	c->r = r;
	r->if_level = -1;
	r->pub.category = RULE_CAT_SYSLOG;
	r->pub.line = n->line;
	r->search_slot = r->push_sid_slot = -1;
	bool overwrite = false;
	int rc = load_attrs(c, n, &overwrite);
	for (unsigned i = 0; !rc && i < n->nchildren; i++)
		rc = load_element(c, &n->children[i]);
	if (!rc)
		rc = finalize_rule(c, group_name);
	ctx_free(c);
	if (rc == RULE_SKIP)
		return VG_OK;
	if (rc)
		return rc;
	r->sort_level = r->pub.level;
	r->builtin = c->set->loading_builtin;
	struct rule_impl *old = rule_set_lookup(c->set, r->pub.id);
	/* As Wazuh: overwrite of an unknown rule loads it as a new one, and a
	 * duplicate id without overwrite is skipped; both with a warning. */
	if (overwrite && old) {
		overwrite_rule(c, old, r);
		return VG_OK;
	}
	if (overwrite)
		rule_lwarn(c, n->line, "overwrite=\"yes\" but no rule %u was loaded before; added",
		           r->pub.id);
	/* Category templates (ids < 10) come with Vigil's built-in ruleset and
	 * with Wazuh's 0010-rules_config.xml: the same template defined again
	 * is expected, so the first definition stays without a warning. */
	if (old && r->pub.id < 10 && old->pub.category == r->pub.category)
		return VG_OK;
	if (old) {
		rule_lwarn(c, n->line, "duplicate rule id (first defined at %s:%u), skipped",
		           old->pub.file, old->pub.line);
		return VG_OK;
	}
	return rule_set_insert(c->set, r);
}

static int load_group(struct load_ctx *c, const struct vg_xml_node *g)
{
	const char *name = vg_xml_attr(g, "name");
	int rc = VG_OK;
	if (!name) {
		vg_diag_add(c->diag, VG_DIAG_ERROR, c->file, g->line, g->col,
		            "<group> without a name attribute");
		c->errors++;
		return VG_OK;
	}
	for (unsigned i = 0; i < g->nchildren; i++) {
		const struct vg_xml_node *n = &g->children[i];
		c->r = NULL;
		if (strcmp(n->name, "rule") != 0) {
			vg_diag_add(c->diag, VG_DIAG_ERROR, c->file, n->line, n->col,
			            "unknown element <%s> in <group>: expected <rule>", n->name);
			c->errors++;
			continue;
		}
		rc = load_rule(c, n, name);
		if (rc == VG_ENOMEM)
			return rc;
	}
	return VG_OK;
}

static int load_doc(struct vg_rule_set *set, const struct vg_xml_doc *doc, const char *file,
                    struct vg_diag *diag)
{
	struct load_ctx c = { .set = set, .file = file, .diag = diag };
	for (unsigned i = 0; i < doc->nroots; i++) {
		const struct vg_xml_node *n = &doc->roots[i];
		if (strcmp(n->name, "var") == 0)
			continue;
		if (strcmp(n->name, "group") != 0) {
			vg_diag_add(diag, VG_DIAG_ERROR, file, n->line, n->col,
			            "unknown top-level element <%s>: expected <group>", n->name);
			c.errors++;
			continue;
		}
		int rc = load_group(&c, n);
		if (rc)
			return rc;
	}
	return c.errors ? VG_EPARSE : VG_OK;
}

int vg_rule_set_load_buffer(struct vg_rule_set *set, const char *buf, size_t len, const char *name,
                            struct vg_diag *diag)
{
	if (!set || set->finished)
		return VG_EINVAL;
	struct vg_xml_doc *doc = NULL;
	int rc = vg_xml_parse_buffer(buf, len, name, &doc, diag);
	if (rc)
		return rc;
	rc = load_doc(set, doc, name, diag);
	vg_xml_doc_destroy(doc);
	return rc;
}

int vg_rule_set_load_file(struct vg_rule_set *set, const char *path, struct vg_diag *diag)
{
	if (!set || set->finished)
		return VG_EINVAL;
	struct vg_xml_doc *doc = NULL;
	int rc = vg_xml_parse_file(path, &doc, diag);
	if (rc)
		return rc;
	rc = load_doc(set, doc, path, diag);
	vg_xml_doc_destroy(doc);
	return rc;
}
