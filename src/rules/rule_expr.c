/*
 * rule_expr.c - the small value checks a rule is made of.
 *
 * A rule condition is a pattern in one of the three dialects, an exact
 * string (the default of <action>) or a list of IP networks (<srcip>,
 * <dstip>), each optionally negated. This file compiles and evaluates them,
 * and parses the <time> and <weekday> windows.
 */
#include "rule_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int rule_expr_compile(struct vg_rule_set *set, struct rule_expr *x, int kind, const char *src,
                      char *err, size_t errlen)
{
	if (kind < 0) {
		x->kind = RX_STRING;
		x->str = vg_arena_strdup(set->arena, src);
		return x->str ? VG_OK : VG_ENOMEM;
	}
	struct vg_pattern *p = NULL;
	int rc = vg_pattern_compile((enum vg_pattern_kind)kind, src, &p, err, errlen);
	if (rc)
		return rc;
	rc = rule_set_keep_pattern(set, p);
	if (rc)
		return rc;
	x->kind = RX_PATTERN;
	x->pat = p;
	return VG_OK;
}

/* Builds a mask of bits leading ones in n bytes. */
static void net_mask(unsigned char *mask, size_t n, unsigned bits)
{
	for (size_t i = 0; i < n; i++) {
		unsigned b = bits >= 8 ? 8 : bits;
		mask[i] = (unsigned char)(b ? 0xffu << (8 - b) : 0);
		bits -= b;
	}
}

/* Parses "[!]addr[/bits|/netmask]" into net. */
static int ip_parse(const char *src, struct rule_net *net)
{
	char buf[128];
	while (isspace((unsigned char)*src))
		src++;
	memset(net, 0, sizeof(*net));
	if (*src == '!') {
		net->negate = true;
		src++;
	}
	size_t len = strlen(src);
	while (len && isspace((unsigned char)src[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return VG_EPARSE;
	memcpy(buf, src, len);
	buf[len] = '\0';
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	net->v6 = strchr(buf, ':') != NULL;
	size_t n = net->v6 ? 16 : 4;
	if (inet_pton(net->v6 ? AF_INET6 : AF_INET, buf, net->addr) != 1)
		return VG_EPARSE;
	if (!slash) {
		net_mask(net->mask, n, (unsigned)n * 8);
	} else if (!net->v6 && strchr(slash, '.')) {
		if (inet_pton(AF_INET, slash, net->mask) != 1)
			return VG_EPARSE;
	} else {
		char *end;
		long bits = strtol(slash, &end, 10);
		if (end == slash || *end || bits < 0 || bits > (long)n * 8)
			return VG_EPARSE;
		net_mask(net->mask, n, (unsigned)bits);
	}
	/* Bytes past n are zero in both (memset above), so mask them all. */
	for (size_t i = 0; i < sizeof(net->addr); i++)
		net->addr[i] &= net->mask[i];
	return VG_OK;
}

int rule_expr_add_ip(struct vg_arena *a, struct rule_expr *x, const char *src)
{
	struct rule_net net;
	int rc = ip_parse(src, &net);
	if (rc)
		return rc;
	struct rule_net *nets = vg_arena_alloc(a, (x->nnets + 1) * sizeof(*nets));
	if (!nets)
		return VG_ENOMEM;
	if (x->nnets)
		memcpy(nets, x->nets, x->nnets * sizeof(*nets));
	nets[x->nnets++] = net;
	x->nets = nets;
	x->kind = RX_IP;
	return VG_OK;
}

/*
 * Wazuh's rule for a list of networks: the first entry containing the
 * address decides (true unless that entry is negated); when none contains
 * it, the answer is true only if a negated entry was seen.
 */
static bool ip_match(const struct rule_expr *x, const char *s)
{
	unsigned char addr[16];
	bool v6 = strchr(s, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, s, addr) != 1)
		return false;
	bool saw_negated = false;
	for (unsigned i = 0; i < x->nnets; i++) {
		const struct rule_net *n = &x->nets[i];
		if (n->negate)
			saw_negated = true;
		if (n->v6 != v6)
			continue;
		size_t len = v6 ? 16 : 4;
		size_t j = 0;
		while (j < len && (addr[j] & n->mask[j]) == n->addr[j])
			j++;
		if (j == len)
			return !n->negate;
	}
	return saw_negated;
}

bool rule_expr_match(const struct rule_expr *x, const char *s, struct vg_pattern_scratch *scr)
{
	switch (x->kind) {
	case RX_PATTERN: return vg_pattern_match(x->pat, s, scr, NULL);
	case RX_STRING: return strcmp(x->str, s) == 0;
	case RX_IP: return ip_match(x, s);
	}
	return false;
}

/* Parses "H[:MM] [am|pm]" at *p; returns minutes or -1. */
static int time_of_day(const char **p)
{
	const char *s = *p;
	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	int h = 0, m = 0;
	while (isdigit((unsigned char)*s) && h < 100)
		h = h * 10 + (*s++ - '0');
	if (*s == ':') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s) && m < 100)
			m = m * 10 + (*s++ - '0');
	}
	while (isspace((unsigned char)*s))
		s++;
	if (strncasecmp(s, "pm", 2) == 0 || strncasecmp(s, "am", 2) == 0) {
		bool pm = tolower((unsigned char)*s) == 'p';
		if (h < 1 || h > 12)
			return -1;
		h = (h % 12) + (pm ? 12 : 0);
		s += 2;
	}
	if (h > 24 || m > 59)
		return -1;
	*p = s;
	return h * 60 + m;
}

int rule_time_parse(const char *s, unsigned *start, unsigned *end, bool *negate)
{
	while (isspace((unsigned char)*s))
		s++;
	*negate = false;
	if (*s == '!') {
		*negate = true;
		s++;
	}
	int a = time_of_day(&s);
	while (isspace((unsigned char)*s))
		s++;
	if (a < 0 || *s++ != '-')
		return VG_EPARSE;
	int b = time_of_day(&s);
	while (isspace((unsigned char)*s))
		s++;
	if (b < 0 || *s)
		return VG_EPARSE;
	*start = (unsigned)a;
	*end = (unsigned)b;
	return VG_OK;
}

int rule_weekday_parse(const char *s, unsigned *mask, bool *negate)
{
	static const char *const days[] = { "sunday",   "monday", "tuesday", "wednesday",
		                            "thursday", "friday", "saturday" };
	*mask = 0;
	*negate = false;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '!') {
		*negate = true;
		s++;
	}
	while (*s) {
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		size_t n = 0;
		while (s[n] && s[n] != ',' && !isspace((unsigned char)s[n]))
			n++;
		unsigned bit = 0;
		if (n == 8 && strncasecmp(s, "weekdays", 8) == 0)
			bit = 0x3e;
		else if (n == 8 && strncasecmp(s, "weekends", 8) == 0)
			bit = 0x41;
		for (unsigned d = 0; d < 7 && !bit; d++)
			if ((n == 3 || n == strlen(days[d])) && strncasecmp(s, days[d], n) == 0)
				bit = 1u << d;
		if (!bit)
			return VG_EPARSE;
		*mask |= bit;
		s += n;
	}
	return *mask ? VG_OK : VG_EPARSE;
}
