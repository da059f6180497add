/*
 * portmon_diag.c - the port monitor's view of the socket table: a
 * sock_diag netlink dump (SOCK_DIAG_BY_FAMILY with inet_diag_req_v2) of TCP
 * sockets in LISTEN and of UDP sockets in the unconnected state holding a
 * local port, for IPv4 and IPv6, plus the helpers of a sample (a sorted set
 * of sockets, one per protocol, port and address).
 */
#include "collect/portmon_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vigil/array.h"
#include "vigil/error.h"

void vg_port_set_free(struct vg_port_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->items[i].exe);
		free(s->items[i].cmdline);
		free(s->items[i].parent_exe);
		free(s->items[i].parent_cmdline);
	}
	free(s->items);
	memset(s, 0, sizeof(*s));
}

int vg_port_set_add(struct vg_port_set *s, const struct vg_port *p)
{
	void *items = s->items;
	if (vg_grow(&items, &s->cap, s->n + 1, sizeof(*s->items), 32) != VG_OK)
		return VG_ENOMEM;
	s->items = items;
	s->items[s->n] = *p;
	s->items[s->n].exe = s->items[s->n].cmdline = NULL;
	s->items[s->n].parent_exe = s->items[s->n].parent_cmdline = NULL;
	s->n++;
	return VG_OK;
}

int vg_port_cmp(const struct vg_port *a, const struct vg_port *b)
{
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return strcmp(a->ip, b->ip);
}

static int cmp_qsort(const void *a, const void *b)
{
	const struct vg_port *x = a, *y = b;
	int c = vg_port_cmp(x, y);
	if (c)
		return c;
	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

void vg_port_set_sort(struct vg_port_set *s)
{
	if (s->n == 0)
		return;
	qsort(s->items, s->n, sizeof(*s->items), cmp_qsort);
	size_t w = 1;
	for (size_t r = 1; r < s->n; r++) {
		if (vg_port_cmp(&s->items[r], &s->items[w - 1]) == 0) {
			free(s->items[r].exe);
			free(s->items[r].cmdline);
			free(s->items[r].parent_exe);
			free(s->items[r].parent_cmdline);
			continue;
		}
		s->items[w++] = s->items[r];
	}
	s->n = w;
}

const char *vg_port_proto_name(enum vg_port_proto proto)
{
	static const char *const names[] = { "tcp", "tcp6", "udp", "udp6" };
	return (unsigned)proto < 4 ? names[proto] : "?";
}

/* Adds the sockets of one inet_diag_msg to s. */
static int add_msg(struct vg_port_set *s, const struct inet_diag_msg *m, enum vg_port_proto proto)
{
	struct vg_port p;
	memset(&p, 0, sizeof(p));
	p.proto = proto;
	p.port = ntohs(m->id.idiag_sport);
	p.inode = m->idiag_inode;
	p.uid = m->idiag_uid;
	p.pid = p.ppid = -1;
	if (p.port == 0 || p.inode == 0)
		return VG_OK; /* unbound, or no longer owned by a file */
	int af = m->idiag_family == AF_INET6 ? AF_INET6 : AF_INET;
	if (!inet_ntop(af, m->id.idiag_src, p.ip, sizeof(p.ip)))
		return VG_OK;
	return vg_port_set_add(s, &p);
}

/* Reads the replies of one dump request until NLMSG_DONE. */
static int read_dump(int fd, struct vg_port_set *s, enum vg_port_proto proto)
{
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return VG_EIO;
		size_t len = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return VG_OK;
			if (h->nlmsg_type == NLMSG_ERROR)
				return VG_EIO;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				continue;
			int rc = add_msg(s, NLMSG_DATA(h), proto);
			if (rc != VG_OK)
				return rc;
		}
	}
}

static int dump(int fd, int family, int protocol, uint32_t states, struct vg_port_set *s,
                enum vg_port_proto proto)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.req.sdiag_family = (uint8_t)family;
	msg.req.sdiag_protocol = (uint8_t)protocol;
	msg.req.idiag_states = states;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return VG_EIO;
	return read_dump(fd, s, proto);
}

int vg_port_sample(struct vg_port_set *s)
{
	vg_port_set_free(s);
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return VG_EIO;
	int rc = dump(fd, AF_INET, IPPROTO_TCP, 1u << TCP_LISTEN, s, VG_PORT_TCP);
	if (rc == VG_OK)
		rc = dump(fd, AF_INET6, IPPROTO_TCP, 1u << TCP_LISTEN, s, VG_PORT_TCP6);
	if (rc == VG_OK)
		rc = dump(fd, AF_INET, IPPROTO_UDP, 1u << TCP_CLOSE, s, VG_PORT_UDP);
	if (rc == VG_OK)
		rc = dump(fd, AF_INET6, IPPROTO_UDP, 1u << TCP_CLOSE, s, VG_PORT_UDP6);
	close(fd);
	if (rc != VG_OK)
		vg_port_set_free(s);
	else
		vg_port_set_sort(s);
	return rc;
}
