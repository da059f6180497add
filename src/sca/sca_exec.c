/*
 * sca_exec.c - runs the command of a c: rule as Wazuh's agent does: the
 * line is split on blanks (single or double quotes group words and are
 * removed), the program is looked up in PATH and run directly (no shell),
 * stdin is /dev/null and stdout and stderr are captured together. A
 * command runs in a session of its own (no controlling terminal, as
 * Wazuh's setsid()); still running at the timeout, it is killed with its
 * process group.
 * A program that cannot be started, or that exits with status 127 (the
 * shell's "command not found", which Wazuh's agent cannot tell from its
 * own exec failure), is reported as not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sca/sca_internal.h"

#define SCA_EXEC_MAX_OUTPUT (8u << 20)
#define SCA_EXEC_MAX_ARGS   256
#define SCA_EXEC_NOT_RUN    127 /* exit status: the program could not be run */

extern char **environ;

/* Splits cmd into argv (pointers into buf, which must hold strlen(cmd)+1). */
static size_t split_args(const char *cmd, char *buf, char **argv, size_t max)
{
	size_t n = 0;
	const char *s = cmd;
	char *o = buf;
	while (*s && n + 1 < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		argv[n++] = o;
		char quote = 0;
		for (; *s; s++) {
			if (quote) {
				if (*s == quote)
					quote = 0;
				else
					*o++ = *s;
			} else if (*s == '\'' || *s == '"') {
				quote = *s;
			} else if (*s == ' ' || *s == '\t') {
				break;
			} else {
				*o++ = *s;
			}
		}
		*o++ = '\0';
	}
	argv[n] = NULL;
	return n;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int spawn(char **argv, int wfd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dflt;
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGCHLD);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGHUP);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return ENOMEM;
	if (posix_spawnattr_init(&at) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return ENOMEM;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, wfd, 1);
	posix_spawn_file_actions_adddup2(&fa, wfd, 2);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
	                                  POSIX_SPAWN_SETSID);
	int rc = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* Reads the child's output until EOF or the deadline; false on timeout. */
static bool collect(int rfd, long long deadline, struct vg_buf *b)
{
	char chunk[16384];
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return false;
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		int r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t n = read(rfd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		if (b->len < SCA_EXEC_MAX_OUTPUT)
			vg_buf_add(b, chunk, (size_t)n);
	}
}

void sca_exec_run(const char *cmd, unsigned timeout_s, struct sca_exec_out *o)
{
	memset(o, 0, sizeof(*o));
	o->status = SCA_EXEC_ERROR;
	size_t len = strlen(cmd);
	char *buf = malloc(len + 1);
	char *argv[SCA_EXEC_MAX_ARGS];
	if (!buf)
		return;
	if (split_args(cmd, buf, argv, SCA_EXEC_MAX_ARGS) == 0) {
		free(buf);
		o->status = SCA_EXEC_NOEXEC;
		return;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		free(buf);
		return;
	}
	pid_t pid;
	int rc = spawn(argv, fds[1], &pid);
	close(fds[1]);
	free(buf);
	if (rc != 0) {
		close(fds[0]);
		o->status = (rc == ENOENT || rc == EACCES || rc == ENOEXEC || rc == ENOTDIR)
		                ? SCA_EXEC_NOEXEC
		                : SCA_EXEC_ERROR;
		return;
	}
	struct vg_buf b;
	vg_buf_init(&b, SCA_EXEC_MAX_OUTPUT + 16384);
	bool done = collect(fds[0], now_ms() + (long long)(timeout_s ? timeout_s : 30) * 1000, &b);
	close(fds[0]);
	if (!done)
		kill(-pid, SIGKILL);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!done) {
		vg_buf_free(&b);
		o->status = SCA_EXEC_TIMEOUT;
		return;
	}
	o->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	/* Wazuh's child exits 127 when execvp fails and the agent takes any
	 * exit status 127 for that ("sh -c" with a missing program too). */
	if (WIFEXITED(st) && WEXITSTATUS(st) == SCA_EXEC_NOT_RUN) {
		vg_buf_free(&b);
		o->status = SCA_EXEC_NOEXEC;
		return;
	}
	o->status = SCA_EXEC_OK;
	o->len = b.len;
	o->out = vg_buf_detach(&b);
}

void sca_exec_out_free(struct sca_exec_out *o)
{
	free(o->out);
	o->out = NULL;
	o->len = 0;
}
