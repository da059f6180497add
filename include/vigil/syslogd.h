/*
 * syslogd.h - the manager's remote syslog receiver (UDP and TCP).
 *
 * Network devices and hosts without an agent send syslog to the manager. The
 * receiver owns no thread: the caller waits on vg_syslogd_fds() for reading
 * (the set changes as TCP clients come and go), with vg_syslogd_timeout_ms()
 * as the timeout, then calls vg_syslogd_poll(), which reads what is ready
 * without blocking and hands each complete message to a callback. The
 * location is the sender's IP address, as Wazuh's remote syslog does; the
 * line is the message without its transport framing and without the <PRI>
 * prefix. RFC 5424 messages are rewritten into the header form the
 * pre-decoder reads ("TIMESTAMP HOST APP[PID]: MSG"); RFC 3164 lines pass
 * unchanged. TCP takes octet-counted ("LEN SP MSG", RFC 6587) and newline
 * delimited messages, detected per message. Senders not in the allowed list
 * are refused. See docs/syslogd.md.
 */
#ifndef VIGIL_SYSLOGD_H
#define VIGIL_SYSLOGD_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/collect.h"
#include "vigil/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vg_syslogd_opts {
	const char *bind; /* address to listen on; NULL = "0.0.0.0" ("::" = dual stack) */
	unsigned port;    /* 514 is the usual; 0 = any free port (tests) */
	bool udp, tcp;    /* which transports to open (at least one) */
	/* Senders allowed: IPv4/IPv6 addresses or CIDR blocks ("10.0.0.0/8",
	 * "fe80::/10"). Empty = only loopback (127.0.0.0/8, ::1). */
	const char *const *allowed;
	size_t nallowed;
	size_t max_message;        /* longest message delivered whole; 0 = 64 KiB */
	unsigned max_clients;      /* TCP connections at once; 0 = 256 */
	bool keep_structured_data; /* RFC 5424: append the SD to the message */
};

/* Flags returned by vg_syslogd_msg_flags() during a callback. */
#define VG_SYSLOGD_TRUNCATED 0x1u /* the message was cut at max_message */

struct vg_syslogd;

/*
 * Opens the sockets. On success *out is owned by the caller (close with
 * vg_syslogd_close). On failure *out is NULL, a message is added to d (which
 * may be NULL) and VG_EINVAL (bad option or allowed entry), VG_EIO (socket,
 * bind or listen failed; errno kept) or VG_ENOMEM is returned.
 */
int vg_syslogd_open(const struct vg_syslogd_opts *o, struct vg_syslogd **out, struct vg_diag *d);

/* Closes every socket and frees s. NULL-safe. Not from inside a callback. */
void vg_syslogd_close(struct vg_syslogd *s);

/* Writes up to cap descriptors to wait on for reading and returns how many
 * there are (which may exceed cap). */
size_t vg_syslogd_fds(const struct vg_syslogd *s, int *fds, size_t cap);

/* 0 when messages are already buffered (call vg_syslogd_poll() without
 * waiting), else -1 (wait for the descriptors only). */
int vg_syslogd_timeout_ms(const struct vg_syslogd *s);

/*
 * Reads what is ready (never blocks) and calls cb for each complete message,
 * at most max_messages of them (0 = no limit). When the budget is reached it
 * stops reading: data waits in the kernel and in at most one bounded buffer
 * per client. location and line are valid only during the call; line is
 * NUL-terminated at len. Returns the number of messages delivered.
 */
int vg_syslogd_poll(struct vg_syslogd *s, vg_collect_cb cb, void *ctx, size_t max_messages);

/* During a callback: VG_SYSLOGD_TRUNCATED or 0. */
unsigned vg_syslogd_msg_flags(const struct vg_syslogd *s);

/* The port actually bound for TCP (tcp = true) or UDP; 0 when not open. */
unsigned vg_syslogd_port(const struct vg_syslogd *s, bool tcp);

struct vg_syslogd_stats {
	unsigned long long messages;  /* delivered */
	unsigned long long truncated; /* delivered cut at max_message */
	unsigned long long dropped;   /* bytes discarded (oversized remainders, broken frames) */
	unsigned long long refused;   /* datagrams and connections from senders not allowed */
	unsigned long long accepted;  /* TCP connections accepted */
	size_t clients;               /* TCP connections open now */
};
void vg_syslogd_stats(const struct vg_syslogd *s, struct vg_syslogd_stats *out);

#ifdef __cplusplus
}
#endif
#endif
