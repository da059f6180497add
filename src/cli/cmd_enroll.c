/*
 * cmd_enroll.c - "vigil enroll": enrolls this host with a manager using a
 * token made by "vigil agents token create", and stores the agent's key,
 * certificate, the manager's CA and the agent id (vg_enroll_client).
 */
#include "cli/commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/enroll.h"
#include "vigil/error.h"

#define DEFAULT_DIR "/var/lib/vigil/agent"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: vigil enroll --manager HOST[:PORT] --token TOKEN [--name NAME]\n"
	        "                    [--dir DIR] [--force]\n"
	        "  --manager HOST[:PORT]  the manager's enrollment address (port %u)\n"
	        "  --token TOKEN          from 'vigil agents token create' on the manager\n"
	        "  --name NAME            agent name (default: this host's name)\n"
	        "  --dir DIR              where to store the identity (default %s)\n"
	        "  --force                replace an existing enrollment\n",
	        VG_ENROLL_PORT, DEFAULT_DIR);
}

/* Splits HOST[:PORT] or [V6]:PORT into host (copied to buf) and port. */
static int split_manager(const char *s, char *buf, size_t cap, unsigned *port)
{
	*port = VG_ENROLL_PORT;
	const char *colon = strrchr(s, ':');
	const char *host = s;
	size_t hlen = strlen(s);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] != '\0' && close[1] != ':'))
			return -1;
		host = s + 1;
		hlen = (size_t)(close - host);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else if (colon && strchr(s, ':') != colon) {
		colon = NULL; /* a bare IPv6 address */
	} else if (colon) {
		hlen = (size_t)(colon - s);
	}
	if (colon) {
		char *end;
		errno = 0;
		long p = strtol(colon + 1, &end, 10);
		if (errno || *end || end == colon + 1 || p < 1 || p > 65535)
			return -1;
		*port = (unsigned)p;
	}
	if (hlen == 0 || hlen >= cap)
		return -1;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	return 0;
}

int vg_cmd_enroll(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "manager", required_argument, NULL, 'm' },
		{ "token", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "dir", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vg_enroll_opts o = { .dir = DEFAULT_DIR };
	const char *manager = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:t:n:d:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': manager = optarg; break;
		case 't': o.token = optarg; break;
		case 'n': o.name = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'f': o.force = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!manager || !o.token || optind != argc) {
		usage(stderr);
		return 2;
	}
	char host[256];
	if (split_manager(manager, host, sizeof(host), &o.port) != 0) {
		fprintf(stderr, "vigil enroll: bad manager address '%s' (HOST[:PORT])\n", manager);
		return 2;
	}
	o.host = host;
	struct vg_diag d;
	vg_diag_init(&d);
	char id[16];
	int rc = vg_enroll_client(&o, id, &d);
	if (rc == VG_OK) {
		printf("%s\n", id);
		fprintf(stderr, "vigil enroll: enrolled as agent %s with %s:%u; identity in %s\n",
		        id, host, o.port, o.dir);
	} else {
		for (size_t i = 0; i < d.count; i++)
			fprintf(stderr, "vigil enroll: %s%s%s\n",
			        d.msgs[i].file ? d.msgs[i].file : "", d.msgs[i].file ? ": " : "",
			        d.msgs[i].text);
		if (d.count == 0)
			fprintf(stderr, "vigil enroll: %s\n", vg_strerror(rc));
	}
	vg_diag_free(&d);
	return rc == VG_OK ? 0 : 1;
}
