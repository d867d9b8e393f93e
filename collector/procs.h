/* SPDX-License-Identifier: MIT */
/* The traced processes: what /proc says about them, and which are still alive. */
#ifndef MSLAT_RECORD_PROCS_H
#define MSLAT_RECORD_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mslat.pb-c.h"

struct proc_entry {
	uint32_t pid;
	uint32_t ppid;
	char comm[17];
	char **argv;		/* cmdline split at NULs; argc entries */
	size_t argc;
	char *exe;		/* "" when unreadable */
	char *cgroup;		/* cgroup v2 path, "" when unknown */
	/* when it started (clock ticks since boot): its pid is its own only while this matches; 0 unknown */
	unsigned long long start_ticks;
};

/* Live traced processes, by pid. */
struct proctab {
	struct proc_entry *v;
	size_t cnt, cap;
};

/*
 * Read /proc/PID/{stat,cmdline,exe,cgroup} into E (which the caller frees
 * with proc_entry__free). Missing parts are left empty. Returns 0, or
 * -ENOENT when the process is gone (or a zombie).
 */
int proc_entry__read(pid_t pid, struct proc_entry *e);
void proc_entry__free(struct proc_entry *e);

/*
 * Point PI's fields into E (no copies: E must outlive PI's use). WHAT and
 * TIME_NS fill the record's kind and time.
 */
void proc_entry__to_pb(const struct proc_entry *e, Mslat__ProcessInfo *pi,
		       Mslat__ProcessInfo__What what, uint64_t time_ns);

struct proc_entry *proctab__find(struct proctab *t, uint32_t pid);
/* Add E (moved in: E is cleared), replacing an entry of the same pid. Returns 0 or -ENOMEM. */
int proctab__put(struct proctab *t, struct proc_entry *e);
/* Forget PID; no-op if absent. */
void proctab__remove(struct proctab *t, uint32_t pid);
void proctab__free(struct proctab *t);

/*
 * Every live descendant of the ROOTS (not the roots themselves, never the
 * calling process), by a scan of /proc. *OUT is malloc'd. Returns the count
 * or a negative errno.
 */
ssize_t procs__descendants(const pid_t *roots, size_t root_cnt, pid_t **out);

/* The process (thread group) PID belongs to, from /proc/PID/status; -1 if unknown. */
pid_t procs__tgid(pid_t pid);

/* The parent of PID while it is alive (as procs__alive says), or -1. */
pid_t procs__live_parent(pid_t pid);

/* When PID started, in clock ticks since boot (/proc/PID/stat field 22); 0 if gone. */
unsigned long long procs__start_ticks(pid_t pid);

/* True while PID exists and is not a zombie (a main thread's pthread_exit is not its end). */
bool procs__alive(pid_t pid);

#endif
