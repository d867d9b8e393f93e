// SPDX-License-Identifier: MIT
/* Process information from /proc, and the table of live traced processes. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procs.h"

#pragma GCC poison u8 u16 u32 u64

#define CMDLINE_MAX_BYTES (64U << 10)
#define CGROUP_MAX_BYTES (16U << 10)

/* Read at most MAX-1 bytes of PATH into a malloc'd, NUL-terminated buffer. */
static char *read_small(const char *path, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *p;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			if (cap >= max)
				break;
			cap *= 2;
			p = realloc(buf, cap);
			if (!p)
				break;
			buf = p;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* "pid (comm) S ppid ...": comm may hold spaces and parentheses. */
static int read_stat_start(pid_t pid, char *comm, size_t comm_len, uint32_t *ppid, char *state,
			   unsigned long long *start)
{
	char path[64], *buf, *open_p, *close_p;
	int ppid_v;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	buf = read_small(path, 4096, NULL);
	if (!buf)
		return -ENOENT;
	open_p = strchr(buf, '(');
	close_p = strrchr(buf, ')');
	if (!open_p || !close_p || close_p < open_p || sscanf(close_p + 1, " %c %d", state, &ppid_v) != 2) {
		free(buf);
		return -EBADMSG;
	}
	/* field 22, after the 17 from pgrp to itrealvalue */
	if (start && sscanf(close_p + 1, " %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			    "%*s %*s %*s %*s %llu", start) != 1)
		*start = 0;
	if (comm) {
		size_t n = (size_t)(close_p - open_p - 1);

		if (n >= comm_len)
			n = comm_len - 1;
		memcpy(comm, open_p + 1, n);
		comm[n] = '\0';
	}
	*ppid = (uint32_t)ppid_v;
	free(buf);
	return 0;
}

static int read_stat(pid_t pid, char *comm, size_t comm_len, uint32_t *ppid, char *state)
{
	return read_stat_start(pid, comm, comm_len, ppid, state, NULL);
}

static long threads(pid_t pid);

/* A process in STATE is over: a zombie main thread with others at work is not (pthread_exit). */
static bool ended(pid_t pid, char state)
{
	return state == 'X' || (state == 'Z' && threads(pid) <= 1);
}

static void read_cmdline(pid_t pid, struct proc_entry *e)
{
	char path[64], *buf;
	size_t len, i, n = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	buf = read_small(path, CMDLINE_MAX_BYTES, &len);
	if (!buf)
		return;
	for (i = 0; i < len; i++)
		if (!buf[i])
			n++;
	if (len && buf[len - 1])
		n++;	/* unterminated last argument (truncated) */
	e->argv = calloc(n ? n : 1, sizeof(*e->argv));
	if (!e->argv) {
		free(buf);
		return;
	}
	for (i = 0; i < len && e->argc < n; i += strlen(buf + i) + 1)
		e->argv[e->argc++] = strdup(buf + i);
	free(buf);
}

static char *read_exe(pid_t pid)
{
	char path[64], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return strdup("");
	target[n] = '\0';
	return strdup(target);
}

/* The cgroup v2 path ("0::/path"), else the first hierarchy's path. */
static char *read_cgroup(pid_t pid)
{
	char path[64], *buf, *line, *save, *found = NULL, *res;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	buf = read_small(path, CGROUP_MAX_BYTES, NULL);
	if (!buf)
		return strdup("");
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strchr(line, ':');

		p = p ? strchr(p + 1, ':') : NULL;
		if (!p)
			continue;
		if (!strncmp(line, "0::", 3)) {
			found = p + 1;
			break;
		}
		if (!found)
			found = p + 1;
	}
	res = strdup(found ? found : "");
	free(buf);
	return res;
}

int proc_entry__read(pid_t pid, struct proc_entry *e)
{
	char state = 0;
	int err;

	memset(e, 0, sizeof(*e));
	e->pid = (uint32_t)pid;
	err = read_stat_start(pid, e->comm, sizeof(e->comm), &e->ppid, &state, &e->start_ticks);
	if (err)
		return err;
	if (ended(pid, state))
		return -ENOENT;
	read_cmdline(pid, e);
	e->exe = read_exe(pid);
	e->cgroup = read_cgroup(pid);
	return 0;
}

void proc_entry__free(struct proc_entry *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->argc; i++)
		free(e->argv[i]);
	free(e->argv);
	free(e->exe);
	free(e->cgroup);
	memset(e, 0, sizeof(*e));
}

void proc_entry__to_pb(const struct proc_entry *e, Mslat__ProcessInfo *pi,
		       Mslat__ProcessInfo__What what, uint64_t time_ns)
{
	mslat__process_info__init(pi);
	pi->what = what;
	pi->time_ns = time_ns;
	pi->pid = e->pid;
	pi->ppid = e->ppid;
	pi->comm = (char *)e->comm;
	pi->n_cmdline = e->argc;
	pi->cmdline = e->argv;
	pi->exe = e->exe ? e->exe : (char *)"";
	pi->cgroup = e->cgroup ? e->cgroup : (char *)"";
	pi->tid = e->pid;
}

struct proc_entry *proctab__find(struct proctab *t, uint32_t pid)
{
	size_t i;

	for (i = 0; i < t->cnt; i++)
		if (t->v[i].pid == pid)
			return &t->v[i];
	return NULL;
}

int proctab__put(struct proctab *t, struct proc_entry *e)
{
	struct proc_entry *old = proctab__find(t, e->pid);

	if (old) {
		proc_entry__free(old);
		*old = *e;
		memset(e, 0, sizeof(*e));
		return 0;
	}
	if (t->cnt == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct proc_entry *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->cnt++] = *e;
	memset(e, 0, sizeof(*e));
	return 0;
}

void proctab__remove(struct proctab *t, uint32_t pid)
{
	struct proc_entry *e = proctab__find(t, pid);

	if (!e)
		return;
	proc_entry__free(e);
	*e = t->v[--t->cnt];
}

void proctab__free(struct proctab *t)
{
	size_t i;

	for (i = 0; i < t->cnt; i++)
		proc_entry__free(&t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* Its threads, from /proc/PID/status: 1 for a zombie, 0 if unknown. */
static long threads(pid_t pid)
{
	char path[64], *buf, *p;
	long n = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	buf = read_small(path, 8192, NULL);
	if (!buf)
		return 0;
	p = strstr(buf, "\nThreads:");
	if (p)
		n = atol(p + 9);
	free(buf);
	return n;
}

struct pid_pair {
	pid_t pid, ppid;
};

static bool contains(const pid_t *v, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

ssize_t procs__descendants(const pid_t *roots, size_t root_cnt, pid_t **out)
{
	struct pid_pair *all = NULL, *np;
	size_t all_cnt = 0, all_cap = 0, cnt = 0, i;
	pid_t *res = NULL, *nr;
	struct dirent *de;
	bool grew = true;
	DIR *d;

	*out = NULL;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		uint32_t ppid;
		char state;
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		/* never ourselves: `-p $$` from a shell must not trace the recorder's own writes */
		if (pid == getpid() || read_stat(pid, NULL, 0, &ppid, &state) ||
		    ended(pid, state))
			continue;
		if (all_cnt == all_cap) {
			all_cap = all_cap ? all_cap * 2 : 256;
			np = realloc(all, all_cap * sizeof(*all));
			if (!np)
				goto err_nomem;
			all = np;
		}
		all[all_cnt++] = (struct pid_pair){ pid, (pid_t)ppid };
	}
	closedir(d);
	d = NULL;
	/* grow the set until no process has a parent in it */
	while (grew) {
		grew = false;
		for (i = 0; i < all_cnt; i++) {
			pid_t pid = all[i].pid, ppid = all[i].ppid;

			if (contains(res, cnt, pid) || contains(roots, root_cnt, pid))
				continue;
			if (!contains(roots, root_cnt, ppid) && !contains(res, cnt, ppid))
				continue;
			nr = realloc(res, (cnt + 1) * sizeof(*res));
			if (!nr)
				goto err_nomem;
			res = nr;
			res[cnt++] = pid;
			grew = true;
		}
	}
	free(all);
	*out = res;
	return (ssize_t)cnt;

err_nomem:
	if (d)
		closedir(d);
	free(all);
	free(res);
	return -ENOMEM;
}

pid_t procs__live_parent(pid_t pid)
{
	uint32_t ppid;
	char state = 0;

	if (read_stat(pid, NULL, 0, &ppid, &state) || ended(pid, state))
		return -1;
	return (pid_t)ppid;
}

unsigned long long procs__start_ticks(pid_t pid)
{
	unsigned long long start = 0;
	uint32_t ppid;
	char state;

	if (read_stat_start(pid, NULL, 0, &ppid, &state, &start))
		return 0;
	return start;
}

bool procs__alive(pid_t pid)
{
	return procs__live_parent(pid) >= 0;
}

pid_t procs__tgid(pid_t pid)
{
	char path[64], *buf, *p;
	pid_t tgid = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	buf = read_small(path, 8192, NULL);
	if (!buf)
		return -1;
	p = strstr(buf, "\nTgid:");
	if (p)
		tgid = (pid_t)atoi(p + 6);
	free(buf);
	return tgid;
}
