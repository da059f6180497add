/*
 * syslogd_acl.c - the syslog receiver's allowed senders: IPv4 and IPv6
 * addresses and CIDR blocks, matched against a peer's socket address. An
 * IPv4 client reaching a dual-stack ("::") socket shows up as an IPv4-mapped
 * IPv6 address (::ffff:10.0.0.1); it is read as the IPv4 address for
 * matching and for the location text, so lists and rules see "10.0.0.1".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/syslogd_int.h"

int vg_sl_net_parse(const char *text, struct vg_sl_net *out)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	if (n == 0 || n >= sizeof(addr))
		return VG_EINVAL;
	memcpy(addr, text, n);
	addr[n] = '\0';
	memset(out, 0, sizeof(*out));
	unsigned bits;
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		bits = 128;
	} else {
		return VG_EINVAL;
	}
	out->prefix = bits;
	if (slash) {
		char *end;
		errno = 0;
		long v = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || v < 0 || (unsigned long)v > bits)
			return VG_EINVAL;
		out->prefix = (unsigned)v;
	}
	return VG_OK;
}

/* The address bytes of sa (4 for IPv4, IPv4-mapped included; 16 for IPv6). */
static int addr_bytes(const struct sockaddr *sa, const uint8_t **bytes)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (sa->sa_family == AF_INET) {
		*bytes = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const uint8_t *a =
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			*bytes = a + 12;
			return AF_INET;
		}
		*bytes = a;
		return AF_INET6;
	}
	return -1;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, whole) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

bool vg_sl_net_match(const struct vg_sl_net *n, const struct sockaddr *sa)
{
	const uint8_t *bytes = NULL;
	int family = addr_bytes(sa, &bytes);
	return family == n->family && prefix_equal(bytes, n->addr, n->prefix);
}

void vg_sl_addr_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	const uint8_t *bytes = NULL;
	int family = addr_bytes(sa, &bytes);
	if (family < 0 || !inet_ntop(family, bytes, out, (socklen_t)outlen))
		snprintf(out, outlen, "unknown");
}

bool vg_sl_is_loopback(const struct sockaddr *sa)
{
	const uint8_t *bytes = NULL;
	int family = addr_bytes(sa, &bytes);
	if (family == AF_INET)
		return bytes[0] == 127;
	return family == AF_INET6 && memcmp(bytes, &in6addr_loopback, 16) == 0;
}
