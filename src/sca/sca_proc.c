/*
 * sca_proc.c - the running processes for p: rules, read from /proc once
 * per run. Each process is known by its command's first word (argv[0]),
 * that word's basename and the kernel's comm name; a p: rule matches when
 * any of them matches (Wazuh compares the process path).
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sca/sca_internal.h"

#define NAMES 3

struct sca_proc {
	const char *names[NAMES];
	size_t n;
};

struct sca_proc_list {
	struct vg_arena *arena;
	struct sca_proc *v;
	size_t n, cap;
};

static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static void add_name(struct sca_proc_list *pl, struct sca_proc *p, const char *s, size_t len)
{
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	if (!len || p->n == NAMES)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (strlen(p->names[i]) == len && memcmp(p->names[i], s, len) == 0)
			return;
	const char *c = vg_arena_strndup(pl->arena, s, len);
	if (c)
		p->names[p->n++] = c;
}

static void read_one(struct sca_proc_list *pl, const char *pid)
{
	char path[64], buf[4096];
	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 256;
		struct sca_proc *nv = realloc(pl->v, cap * sizeof(*nv));
		if (!nv)
			return;
		pl->v = nv;
		pl->cap = cap;
	}
	struct sca_proc *p = &pl->v[pl->n];
	memset(p, 0, sizeof(*p));
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	ssize_t n = read_small(path, buf, sizeof(buf));
	if (n > 0) {
		size_t a0 = strnlen(buf, (size_t)n);
		add_name(pl, p, buf, a0);
		const char *slash = memrchr(buf, '/', a0);
		if (slash)
			add_name(pl, p, slash + 1, a0 - (size_t)(slash + 1 - buf));
	}
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	n = read_small(path, buf, sizeof(buf));
	if (n > 0)
		add_name(pl, p, buf, (size_t)n);
	if (p->n)
		pl->n++;
}

struct sca_proc_list *sca_proc_list_read(void)
{
	struct sca_proc_list *pl = calloc(1, sizeof(*pl));
	if (!pl || !(pl->arena = vg_arena_create(0))) {
		free(pl);
		return NULL;
	}
	DIR *d = opendir("/proc");
	if (!d)
		return pl;
	struct dirent *e;
	while ((e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]))
			read_one(pl, e->d_name);
	closedir(d);
	return pl;
}

void sca_proc_list_free(struct sca_proc_list *pl)
{
	if (!pl)
		return;
	free(pl->v);
	vg_arena_destroy(pl->arena);
	free(pl);
}

size_t sca_proc_list_count(const struct sca_proc_list *pl)
{
	return pl ? pl->n : 0;
}

const char *const *sca_proc_names(const struct sca_proc_list *pl, size_t i, size_t *n)
{
	*n = pl->v[i].n;
	return pl->v[i].names;
}
