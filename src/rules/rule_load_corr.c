/*
 * rule_load_corr.c - the rule elements that compare an event with others or
 * with a list: <list> (CDB lookups) and the same_* / different_* /
 * not_same_* correlation constraints.
 */
#include "rule_internal.h"
#include "rule_load_internal.h"

#include <ctype.h>
#include <string.h>

#include "vigil/cdb.h"
#include "vigil/xml.h"

/* Maps a field name of <list field=> / same_field to an event attribute. */
static int attr_lookup(const char *name, bool list)
{
	if (strcmp(name, "user") == 0)
		return list ? RA_USER : RA_FIXED + VG_F_DSTUSER;
	if (strcmp(name, "hostname") == 0)
		return RA_HOSTNAME;
	if (strcmp(name, "program_name") == 0)
		return RA_PROGRAM_NAME;
	if (strcmp(name, "location") == 0)
		return RA_LOCATION;
	int f = vg_fixed_lookup(name);
	return f >= 0 ? RA_FIXED + f : RA_DYNAMIC;
}

int rule_load_list(struct load_ctx *c, const struct vg_xml_node *e)
{
	const char *field = vg_xml_attr(e, "field");
	const char *lookup = vg_xml_attr(e, "lookup");
	const char *check = vg_xml_attr(e, "check_value");
	if (!field || !*field)
		return rule_lerr(c, e->line, "<list>: missing field attribute"), VG_EPARSE;
	int how = lookup ? vg_cdb_lookup_kind(lookup) : VG_CDB_MATCH_KEY;
	if (how < 0)
		return rule_lerr(c, e->line,
		                 "<list>: unknown lookup '%s': expected match_key, "
		                 "not_match_key, match_key_value, address_match_key, "
		                 "not_address_match_key or address_match_key_value",
		                 lookup),
		       VG_EPARSE;
	const struct vg_cdb *db = rule_set_list(c->set, e->content);
	if (!db) {
		rule_lwarn(c, e->line,
		           "list '%s' is not declared in the configuration; rule skipped",
		           e->content);
		return RULE_SKIP;
	}
	struct rule_impl *r = c->r;
	struct rule_list_check *l = vg_arena_alloc(c->set->arena, (r->nlists + 1) * sizeof(*l));
	if (!l)
		return VG_ENOMEM;
	if (r->nlists)
		memcpy(l, r->lists, r->nlists * sizeof(*l));
	struct rule_list_check *nl = &l[r->nlists];
	memset(nl, 0, sizeof(*nl));
	nl->attr = attr_lookup(field, true);
	nl->dyn_name = vg_arena_strdup(c->set->arena, field);
	nl->list_name = vg_arena_strdup(c->set->arena, e->content);
	nl->how = (enum vg_cdb_lookup)how;
	nl->db = db;
	if (check && (how == VG_CDB_MATCH_KEY_VALUE || how == VG_CDB_ADDRESS_MATCH_KEY_VALUE)) {
		int kind = rule_elem_kind(e, VG_PAT_OSMATCH);
		char err[256] = "";
		if (kind < 0)
			kind = VG_PAT_OSMATCH;
		int rc = vg_pattern_compile((enum vg_pattern_kind)kind, check, &nl->value, err,
		                            sizeof(err));
		if (rc == VG_ENOMEM)
			return rc;
		if (rc)
			return rule_lerr(c, e->line, "<list>: bad check_value '%s': %s", check,
			                 err),
			       VG_EPARSE;
		if (rule_set_keep_pattern(c->set, nl->value))
			return VG_ENOMEM;
	}
	r->lists = l;
	r->nlists++;
	return VG_OK;
}

/* same_X / different_X / not_same_X option names -> event attribute. */
static int same_attr(const char *what)
{
	static const struct {
		const char *name;
		int attr;
	} map[] = {
		{ "source_ip", RA_FIXED + VG_F_SRCIP },
		{ "srcip", RA_FIXED + VG_F_SRCIP },
		{ "dstip", RA_FIXED + VG_F_DSTIP },
		{ "srcport", RA_FIXED + VG_F_SRCPORT },
		{ "src_port", RA_FIXED + VG_F_SRCPORT }, /* Wazuh's spelling of different_ */
		{ "dstport", RA_FIXED + VG_F_DSTPORT },
		{ "dst_port", RA_FIXED + VG_F_DSTPORT },
		{ "protocol", RA_FIXED + VG_F_PROTOCOL },
		{ "action", RA_FIXED + VG_F_ACTION },
		{ "id", RA_FIXED + VG_F_ID },
		{ "url", RA_FIXED + VG_F_URL },
		{ "data", RA_FIXED + VG_F_DATA },
		{ "extra_data", RA_FIXED + VG_F_EXTRA_DATA },
		{ "status", RA_FIXED + VG_F_STATUS },
		{ "system_name", RA_FIXED + VG_F_SYSTEM_NAME },
		{ "srcuser", RA_FIXED + VG_F_SRCUSER },
		{ "user", RA_FIXED + VG_F_DSTUSER },
		{ "dstuser", RA_FIXED + VG_F_DSTUSER },
		{ "location", RA_LOCATION },
		{ "agent", RA_AGENT },
		{ "srcgeoip", RA_DYNAMIC },
		{ "dstgeoip", RA_DYNAMIC },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(what, map[i].name) == 0)
			return map[i].attr;
	return -1;
}

static int add_same(struct load_ctx *c, int attr, const char *dyn, bool different)
{
	struct rule_impl *r = c->r;
	struct rule_same *s = vg_arena_alloc(c->set->arena, (r->nsame + 1) * sizeof(*s));
	if (!s)
		return VG_ENOMEM;
	if (r->nsame)
		memcpy(s, r->same, r->nsame * sizeof(*s));
	s[r->nsame] = (struct rule_same){ .attr = attr, .dyn_name = dyn, .different = different };
	r->same = s;
	r->nsame++;
	return VG_OK;
}

/* Handles same_* / different_* / not_same_* / global_frequency; 1 = not one of them. */
int rule_load_same(struct load_ctx *c, const struct vg_xml_node *e)
{
	const char *n = e->name;
	bool different;
	if (strncmp(n, "same_", 5) == 0) {
		n += 5;
		different = false;
	} else if (strncmp(n, "different_", 10) == 0) {
		n += 10;
		different = true;
	} else if (strncmp(n, "not_same_", 9) == 0) {
		n += 9;
		different = true;
	} else {
		return 1;
	}
	if (strcmp(n, "field") == 0) {
		const char *name = e->content;
		while (isspace((unsigned char)*name))
			name++;
		size_t len = strlen(name);
		while (len && isspace((unsigned char)name[len - 1]))
			len--;
		if (!len)
			return rule_lerr(c, e->line, "<%s>: expected a field name", e->name),
			       VG_EPARSE;
		char *dyn = vg_arena_strndup(c->set->arena, name, len);
		if (!dyn)
			return VG_ENOMEM;
		return add_same(c, RA_DYNAMIC, dyn, different);
	}
	int attr = same_attr(n);
	if (attr < 0)
		return 1;
	const char *dyn = NULL;
	if (attr == RA_DYNAMIC) {
		/* n points into the XML document, which is freed after loading. */
		dyn = vg_arena_strdup(c->set->arena, n);
		if (!dyn)
			return VG_ENOMEM;
	}
	return add_same(c, attr, dyn, different);
}
