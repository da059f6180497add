/*
 * winevt_render.c - writes a Windows event (as an element tree) as the
 * {"win":{"system":{...},"eventdata":{...}}} document Wazuh's analysisd
 * builds from event-channel events, key for key and in the same order.
 *
 * Facts reproduced (Wazuh 4.x, analysisd decoders/winevtchannel.c):
 * - system: Provider's Name/Guid/EventSourceName become providerName,
 *   providerGuid, eventSourceName; TimeCreated's first attribute, when it is
 *   SystemTime, becomes systemTime; Execution's ProcessID/ThreadID become
 *   processID/threadID; Channel is always written (even empty); Level and
 *   Keywords always; Correlation never; any other element with text is
 *   written under its name with the first letter lower-cased. Channel and
 *   Security add userID/securityUserID only when the first attribute's value
 *   is literally "UserID" (a Wazuh bug: in practice never).
 * - severityValue, when both Level and Keywords were seen: level 1..5 gives
 *   CRITICAL, ERROR, WARNING, INFORMATION, VERBOSE; level 0 gives
 *   AUDIT_FAILURE or AUDIT_SUCCESS from keyword bits 0x10../0x20..., else
 *   UNKNOWN. Then message, when the input had one.
 * - eventdata: <Data Name='X'>v</Data> becomes "x": v (first letter
 *   lower-cased) unless v is empty, "-" or "(NULL)"; trailing white space is
 *   trimmed; unnamed <Data> values are joined with ", " into "data" (written
 *   last); other elements are written under their own name. With Level and
 *   Keywords, CategoryId/SubcategoryId (audit policy events) add "category"
 *   and "subcategory" names; AuditPolicyChanges is written as
 *   auditPolicyChangesId and its %%84xx codes named in auditPolicyChanges.
 *   Without any field, eventdata is left out.
 * - any other child of Event (UserData, ...): the children of its children
 *   become one object named after the last such grandchild.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collect/winevt_int.h"
#include "vigil/error.h"

#define AUDIT_FAILURE 0x10000000000000ULL
#define AUDIT_SUCCESS 0x20000000000000ULL

/* An object being written: "{" then "key":"value" pairs. */
struct jobj {
	struct vg_buf *b;
	size_t n;
	int rc;
};

static void obj_open(struct jobj *o, struct vg_buf *b)
{
	o->b = b;
	o->n = 0;
	o->rc = vg_buf_addc(b, '{');
}

/* Writes a key (first letter lower-cased when lcfirst) and its colon. */
static void obj_key(struct jobj *o, const char *key, bool lcfirst)
{
	if (o->rc)
		return;
	if (o->n++)
		o->rc = vg_buf_addc(o->b, ',');
	if (!o->rc)
		o->rc = vg_buf_addc(o->b, '"');
	if (!o->rc && lcfirst && *key) {
		char c = (char)tolower((unsigned char)*key);
		o->rc = vg_buf_add_json_str(o->b, &c, 1);
		key++;
	}
	if (!o->rc)
		o->rc = vg_buf_add_json_str(o->b, key, strlen(key));
	if (!o->rc)
		o->rc = vg_buf_add(o->b, "\":", 2);
}

static void obj_add(struct jobj *o, const char *key, bool lcfirst, const char *val, size_t len)
{
	obj_key(o, key, lcfirst);
	if (!o->rc)
		o->rc = vg_buf_addc(o->b, '"');
	if (!o->rc)
		o->rc = vg_buf_add_json_str(o->b, val, len);
	if (!o->rc)
		o->rc = vg_buf_addc(o->b, '"');
}

static void obj_adds(struct jobj *o, const char *key, bool lcfirst, const char *val)
{
	obj_add(o, key, lcfirst, val, strlen(val));
}

static int obj_close(struct jobj *o)
{
	if (!o->rc)
		o->rc = vg_buf_addc(o->b, '}');
	return o->rc;
}

/* Length of v without trailing white space, keeping at least one byte (as
 * Wazuh's trim does). */
static size_t trimmed(const char *v)
{
	size_t n = strlen(v);
	while (n > 1 && isspace((unsigned char)v[n - 1]))
		n--;
	return n;
}

static bool is_empty_value(const char *v)
{
	return !*v || strcmp(v, "-") == 0 || strcmp(v, "(NULL)") == 0;
}

/* What the system and eventdata passes remember for the later fields. */
struct seen {
	const char *level, *keywords;
	const char *category_id, *subcategory_id, *audit_changes;
	size_t audit_len;
	struct vg_buf data; /* unnamed <Data> values joined with ", " */
};

static void system_field(struct jobj *o, const struct vg_xml_node *n, struct seen *s)
{
	const char *name = n->name;
	const struct vg_xml_attr *a = n->attrs;
	if (strcmp(name, "Provider") == 0 && n->nattrs) {
		for (unsigned i = 0; i < n->nattrs; i++) {
			if (strcmp(a[i].name, "Name") == 0)
				obj_adds(o, "providerName", false, a[i].value);
			else if (strcmp(a[i].name, "Guid") == 0)
				obj_adds(o, "providerGuid", false, a[i].value);
			else if (strcmp(a[i].name, "EventSourceName") == 0)
				obj_adds(o, "eventSourceName", false, a[i].value);
		}
	} else if (strcmp(name, "TimeCreated") == 0 && n->nattrs) {
		if (strcmp(a[0].name, "SystemTime") == 0)
			obj_adds(o, "systemTime", false, a[0].value);
	} else if (strcmp(name, "Execution") == 0 && n->nattrs) {
		for (unsigned i = 0; i < n->nattrs; i++) {
			if (strcmp(a[i].name, "ProcessID") == 0)
				obj_adds(o, "processID", false, a[i].value);
			else if (strcmp(a[i].name, "ThreadID") == 0)
				obj_adds(o, "threadID", false, a[i].value);
		}
	} else if (strcmp(name, "Channel") == 0) {
		obj_adds(o, "channel", false, n->content);
		if (n->nattrs && strcmp(a[0].value, "UserID") == 0)
			obj_adds(o, "userID", false, a[0].value);
	} else if (strcmp(name, "Security") == 0) {
		if (n->nattrs && strcmp(a[0].value, "UserID") == 0)
			obj_adds(o, "securityUserID", false, a[0].value);
	} else if (strcmp(name, "Level") == 0 || strcmp(name, "Keywords") == 0) {
		if (name[0] == 'L')
			s->level = n->content;
		else
			s->keywords = n->content;
		obj_adds(o, name, true, n->content);
	} else if (strcmp(name, "Correlation") != 0 && *n->content) {
		obj_adds(o, name, true, n->content);
	}
}

static const char *severity(const char *level, const char *keywords)
{
	static const char *const names[] = { NULL,      "CRITICAL",    "ERROR",
		                             "WARNING", "INFORMATION", "VERBOSE" };
	long l = strtol(level, NULL, 10);
	unsigned long long k = strtoull(keywords, NULL, 16);
	if (l >= 1 && l <= 5)
		return names[l];
	if (l == 0 && (k & AUDIT_FAILURE))
		return "AUDIT_FAILURE";
	if (l == 0 && (k & AUDIT_SUCCESS))
		return "AUDIT_SUCCESS";
	return "UNKNOWN";
}

/* A named <Data>: Wazuh's loop over its attributes. */
static void named_data(struct jobj *o, const struct vg_xml_node *n, struct seen *s)
{
	if (is_empty_value(n->content))
		return;
	size_t len = trimmed(n->content);
	for (unsigned i = 0; i < n->nattrs; i++) {
		const char *key = n->attrs[i].value;
		if (strcmp(n->attrs[i].name, "Name") != 0) {
			obj_add(o, key, true, n->content, len); /* an unexpected attribute */
			continue;
		}
		/* compared with the first letter lower-cased, as Wazuh does */
		if (*key && strcmp(key + 1, "ategoryId") == 0 &&
		    tolower((unsigned char)*key) == 'c')
			s->category_id = n->content;
		else if (*key && strcmp(key + 1, "ubcategoryId") == 0 &&
		         tolower((unsigned char)*key) == 's')
			s->subcategory_id = n->content;
		if (*key && strcmp(key + 1, "uditPolicyChanges") == 0 &&
		    tolower((unsigned char)*key) == 'a') {
			s->audit_changes = n->content;
			s->audit_len = len;
			obj_add(o, "auditPolicyChangesId", false, n->content, len);
		} else {
			obj_add(o, key, true, n->content, len);
		}
		return;
	}
}

static void eventdata_field(struct jobj *o, const struct vg_xml_node *n, struct seen *s)
{
	bool is_data = strcmp(n->name, "Data") == 0;
	if (is_data && n->nattrs && *n->content) {
		named_data(o, n, s);
		return;
	}
	if (is_empty_value(n->content))
		return;
	size_t len = trimmed(n->content);
	if (!is_data) {
		obj_add(o, n->name, true, n->content, len);
	} else if (!o->rc) {
		if (s->data.len)
			o->rc = vg_buf_add(&s->data, ", ", 2);
		if (!o->rc)
			o->rc = vg_buf_add(&s->data, n->content, len);
	}
}

/* The names Wazuh gives audit policy categories and subcategories. */
struct audit_name {
	long id;
	const char *name;
};

static const struct audit_name categories[] = {
	{ 8272, "System" },
	{ 8273, "Logon/Logoff" },
	{ 8274, "Object Access" },
	{ 8275, "Privilege Use" },
	{ 8276, "Detailed Tracking" },
	{ 8277, "Policy Change" },
	{ 8278, "Account Management" },
	{ 8279, "DS Access" },
	{ 8280, "Account Logon" },
};

static const struct audit_name subcategories[] = {
	{ 12288, "Security State Change" },
	{ 12289, "Security System Extension" },
	{ 12290, "System Integrity" },
	{ 12291, "IPsec Driver" },
	{ 12292, "Other System Events" },
	{ 12544, "Logon" },
	{ 12545, "Logoff" },
	{ 12546, "Account Lockout" },
	{ 12547, "IPsec Main Mode" },
	{ 12548, "Special Logon" },
	{ 12549, "IPSec Extended Mode" },
	{ 12550, "IPSec Quick Mode" },
	{ 12551, "Other Logon/Logoff Events" },
	{ 12552, "Network Policy Server" },
	{ 12553, "User/Device Claims" },
	{ 12554, "Group Membership" },
	{ 12800, "File System" },
	{ 12801, "Registry" },
	{ 12802, "Kernel Object" },
	{ 12803, "SAM" },
	{ 12804, "Other Object Access Events" },
	{ 12805, "Certification Services" },
	{ 12806, "Application Generated" },
	{ 12807, "Handle Manipulation" },
	{ 12808, "File Share" },
	{ 12809, "Filtering Platform Packet Drop" },
	{ 12810, "Filtering Platform Connection" },
	{ 12811, "Detailed File Share" },
	{ 12812, "Removable Storage" },
	{ 12813, "Central Policy Staging" },
	{ 13056, "Sensitive Privilege Use" },
	{ 13057, "Non Sensitive Privilege Use" },
	{ 13058, "Other Privilege Use Events" },
	{ 13312, "Process Creation" },
	{ 13313, "Process Termination" },
	{ 13314, "DPAPI Activity" },
	{ 13315, "RPC Events" },
	{ 13316, "Plug and Play Events" },
	{ 13317, "Token Right Adjusted Events" },
	{ 13568, "Audit Policy Change" },
	{ 13569, "Authentication Policy Change" },
	{ 13570, "Authorization Policy Change" },
	{ 13571, "MPSSVC Rule-Level Policy Change" },
	{ 13572, "Filtering Platform Policy Change" },
	{ 13573, "Other Policy Change Events" },
	{ 13824, "User Account Management" },
	{ 13825, "Computer Account Management" },
	{ 13826, "Security Group Management" },
	{ 13827, "Distribution Group Management" },
	{ 13828, "Application Group Management" },
	{ 13829, "Other Account Management Events" },
	{ 14080, "Directory Service Access" },
	{ 14081, "Directory Service Changes" },
	{ 14082, "Directory Service Replication" },
	{ 14083, "Detailed Directory Service Replication" },
	{ 14336, "Credential Validation" },
	{ 14337, "Kerberos Service Ticket Operations" },
	{ 14338, "Other Account Logon Events" },
	{ 14339, "Kerberos Authentication Service" },
};

/* Reads a number from text with every "%%" removed (as Wazuh does). */
static long percent_number(const char *text, size_t len)
{
	char tmp[32];
	size_t n = 0;
	for (size_t i = 0; i < len && n + 1 < sizeof(tmp); i++) {
		if (text[i] == '%' && i + 1 < len && text[i + 1] == '%') {
			i++;
			continue;
		}
		tmp[n++] = text[i];
	}
	tmp[n] = '\0';
	return strtol(tmp, NULL, 10);
}

static const char *audit_lookup(const struct audit_name *t, size_t n, long id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

static void audit_category(struct jobj *o, const struct seen *s)
{
	long c = percent_number(s->category_id, strlen(s->category_id));
	long sc = percent_number(s->subcategory_id, strlen(s->subcategory_id));
	const char *cat = audit_lookup(categories, sizeof(categories) / sizeof(*categories), c);
	const char *sub = NULL;
	/* a subcategory is named only under its own category (ids 8272.. map
	 * to 12288 + 256 * k) */
	if (cat && sc / 256 - 48 == c - 8272)
		sub =
		    audit_lookup(subcategories, sizeof(subcategories) / sizeof(*subcategories), sc);
	if (cat)
		obj_adds(o, "category", false, cat);
	if (sub)
		obj_adds(o, "subcategory", false, sub);
}

/* "%%8449, %%8451" -> "Success added, Failure added" (at most four codes;
 * the fourth piece holds the rest of the text). */
static void audit_changes(struct jobj *o, const struct seen *s)
{
	static const char *const names[] = { "Success removed", "Success added", "Failure removed",
		                             "Failure added" };
	struct vg_buf b;
	vg_buf_init(&b, 0);
	const char *p = s->audit_changes, *end = p + s->audit_len;
	for (int piece = 0; piece < 4 && p <= end && !o->rc; piece++) {
		const char *comma = piece < 3 ? memchr(p, ',', (size_t)(end - p)) : NULL;
		const char *stop = comma ? comma : end;
		long v = percent_number(p, (size_t)(stop - p));
		if (v >= 8448 && v <= 8451) {
			if (b.len)
				o->rc = vg_buf_add(&b, ", ", 2);
			if (!o->rc)
				o->rc = vg_buf_addstr(&b, names[v - 8448]);
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	if (b.len)
		obj_add(o, "auditPolicyChanges", false, b.data, b.len);
	vg_buf_free(&b);
}

/* The children of every grandchild under Event's unexpected children. */
static void extra_fields(struct jobj *o, const struct vg_xml_node *gc)
{
	for (unsigned h = 0; h < gc->nchildren; h++) {
		const struct vg_xml_node *x = &gc->children[h];
		if (!is_empty_value(x->content))
			obj_add(o, x->name, true, x->content, trimmed(x->content));
	}
}

static bool is_section(const struct vg_xml_node *n, const char *name)
{
	return strcmp(n->name, name) == 0;
}

static int render_system(const struct vg_xml_node *root, const char *message, struct seen *s,
                         struct vg_buf *out)
{
	struct jobj o;
	obj_open(&o, out);
	for (unsigned j = 0; j < root->nchildren; j++)
		if (is_section(&root->children[j], "System"))
			for (unsigned p = 0; p < root->children[j].nchildren; p++)
				system_field(&o, &root->children[j].children[p], s);
	if (s->level && s->keywords)
		obj_adds(&o, "severityValue", false, severity(s->level, s->keywords));
	if (message)
		obj_adds(&o, "message", false, message);
	return obj_close(&o);
}

/* Writes ',"eventdata":{...}' when there is at least one field. */
static int render_eventdata(const struct vg_xml_node *root, struct seen *s, struct vg_buf *out)
{
	size_t mark = out->len;
	struct jobj o;
	int rc = vg_buf_addstr(out, ",\"eventdata\":");
	if (rc)
		return rc;
	obj_open(&o, out);
	for (unsigned j = 0; j < root->nchildren; j++)
		if (is_section(&root->children[j], "EventData"))
			for (unsigned p = 0; p < root->children[j].nchildren; p++)
				eventdata_field(&o, &root->children[j].children[p], s);
	if (s->level && s->keywords && s->category_id && s->subcategory_id)
		audit_category(&o, s);
	if (s->audit_changes)
		audit_changes(&o, s);
	if (s->data.len)
		obj_add(&o, "data", false, s->data.data, s->data.len);
	if (!o.rc && o.n == 0) {
		out->len = mark;
		out->data[mark] = '\0';
		return VG_OK;
	}
	return obj_close(&o);
}

static int render_extra(const struct vg_xml_node *root, struct vg_buf *out)
{
	const char *extra = NULL;
	struct vg_buf body;
	struct jobj o;
	vg_buf_init(&body, 0);
	obj_open(&o, &body);
	for (unsigned j = 0; j < root->nchildren; j++) {
		const struct vg_xml_node *c = &root->children[j];
		if (is_section(c, "System") || is_section(c, "EventData"))
			continue;
		for (unsigned p = 0; p < c->nchildren; p++) {
			extra_fields(&o, &c->children[p]);
			extra = c->children[p].name;
		}
	}
	int rc = obj_close(&o);
	if (!rc && extra) {
		struct jobj w = { .b = out, .n = 1 };
		obj_key(&w, extra, true);
		rc = w.rc ? w.rc : vg_buf_add(out, body.data, body.len);
	}
	vg_buf_free(&body);
	return rc;
}

int vg_winevt_render(const struct vg_xml_node *root, const char *message, struct vg_buf *out)
{
	struct seen s = { 0 };
	vg_buf_init(&s.data, 0);
	int rc = vg_buf_addstr(out, "{\"win\":{\"system\":");
	if (!rc)
		rc = render_system(root, message, &s, out);
	if (!rc)
		rc = render_eventdata(root, &s, out);
	if (!rc)
		rc = render_extra(root, out);
	if (!rc)
		rc = vg_buf_addstr(out, "}}");
	vg_buf_free(&s.data);
	return rc;
}
