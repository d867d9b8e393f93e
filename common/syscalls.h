/* SPDX-License-Identifier: MIT */
/* Syscall names per architecture, and what each syscall is (category, fd argument). */
#ifndef MSLAT_SYSCALLS_H
#define MSLAT_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * What a syscall is for, from its name alone. The analyzer refines it with
 * the fd kind (a read on a socket is net, an ioctl on a char device is device,
 * a read on a listening socket is idle).
 */
enum syscall_category {
	SC_CAT_OTHER = 0,
	SC_CAT_NET,
	SC_CAT_FILE,
	SC_CAT_SYNC,	/* futex, locks, semaphores */
	SC_CAT_DEVICE,	/* ioctl on a char device: GPU drivers */
	SC_CAT_MEM,
	SC_CAT_SLEEP,
	SC_CAT_PROCESS,
	SC_CAT_IDLE,	/* waiting for work: epoll_wait, poll, select, accept */
	SC_CAT_IO,	/* read/write family: net or file by fd kind */
	SC_CAT__COUNT,
};

/* "net", "file", … as used in --syscalls and in every output. */
const char *syscall_category__name(enum syscall_category cat);
/* Parse a category name; -1 if none. */
int syscall_category__parse(const char *name);

/* The syscall table of ARCH (uname -m: "x86_64", "aarch64"); NULL if unknown. */
const char *const *syscall_table__for_arch(const char *arch, size_t *count);
/* uname -m of the build target. */
const char *syscall_table__build_arch(void);

/* Number of NAME on ARCH, or -1. */
int syscall__number(const char *arch, const char *name);
/* Category of a syscall by name (independent of arch); SC_CAT_OTHER if unknown. */
enum syscall_category syscall__category(const char *name);
/* True when the syscall's first argument is a file descriptor. */
bool syscall__fd_first(const char *name);

#endif
