/*
 * syslogd_int.h - the pieces of the syslog receiver that work on bytes, not
 * sockets, shared by syslogd.c and the fuzz target: TCP framing
 * (syslogd_frame.c), the rewriting of RFC 5424 headers (syslogd_format.c)
 * and the allowed-sender list (syslogd_acl.c). Not a public interface.
 */
#ifndef VIGIL_SYSLOGD_INT_H
#define VIGIL_SYSLOGD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "vigil/buf.h"
#include "vigil/error.h"

/* Longest octet-count prefix read: ten digits and a space. */
#define VG_SL_PREFIX_MAX 11

/*
 * Splits one TCP stream into messages. Bytes live in buf[start, end); cap is
 * max_message + VG_SL_PREFIX_MAX so that one whole message with its prefix
 * always fits, and the buffer never grows.
 */
struct vg_sl_framer {
	char *buf;
	size_t start, end, cap;
	size_t max_message;
	uint64_t skip;     /* bytes of an oversized counted message still to drop */
	bool discard_line; /* dropping the rest of an oversized line up to '\n' */
	uint64_t dropped;  /* bytes discarded so far */
};

int vg_sl_framer_init(struct vg_sl_framer *f, size_t max_message);
void vg_sl_framer_free(struct vg_sl_framer *f);
/* Where to read into and how many bytes fit (0 when the buffer is full). */
char *vg_sl_framer_space(struct vg_sl_framer *f, size_t *avail);
void vg_sl_framer_commit(struct vg_sl_framer *f, size_t n);
/*
 * Returns true and the next message (inside the buffer, valid until the next
 * call) with its VG_SYSLOGD_* flags, or false when more bytes are needed.
 * With at_eof a partial last line is returned and a partial counted message
 * is dropped.
 */
bool vg_sl_framer_next(struct vg_sl_framer *f, bool at_eof, const char **msg, size_t *len,
                       unsigned *flags);
/* True when buffered bytes may still hold a complete message. */
bool vg_sl_framer_pending(const struct vg_sl_framer *f);

/*
 * Turns one received message (framing removed) into the line handed to the
 * analysis: a valid "<PRI>" prefix is removed; an RFC 5424 header becomes
 * "TIMESTAMP HOST APP[PID]: MSG" (timestamp normalised to a form the
 * pre-decoder reads; a missing one is replaced by now, in UTC); anything else
 * is kept as it is. out is reset first. Returns 0 or VG_ENOMEM/VG_ELIMIT.
 */
int vg_sl_format(const char *msg, size_t len, bool keep_sd, time_t now, struct vg_buf *out);

/* One allowed network. */
struct vg_sl_net {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix;
};

/* Parses "1.2.3.4", "1.2.3.0/24", "::1", "fe80::/10". VG_EINVAL when bad. */
int vg_sl_net_parse(const char *text, struct vg_sl_net *out);
/* Does the address (IPv4-mapped IPv6 read as IPv4) belong to the network? */
bool vg_sl_net_match(const struct vg_sl_net *n, const struct sockaddr *sa);
/* Writes the sender's address as text ("10.0.0.1", "::1"; IPv4-mapped
 * addresses as IPv4). */
void vg_sl_addr_text(const struct sockaddr *sa, char *out, size_t outlen);
/* Loopback (127.0.0.0/8, ::1, or IPv4-mapped loopback)? */
bool vg_sl_is_loopback(const struct sockaddr *sa);

#endif
