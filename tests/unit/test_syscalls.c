// SPDX-License-Identifier: MIT
/* Unit tests of the syscall tables, categories and fd-first flags (common/syscalls.c). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "syscalls.h"
#include "test.h"

struct known_nr {
	const char *name;
	int nr;
};

/* From the kernel's syscall_64.tbl and strace's aarch64 table, not from our generator. */
static const struct known_nr x86_64_nrs[] = {
	{ "read", 0 }, { "write", 1 }, { "open", 2 }, { "close", 3 }, { "fstat", 5 },
	{ "mmap", 9 }, { "ioctl", 16 }, { "accept", 43 }, { "clone", 56 }, { "fork", 57 },
	{ "futex", 202 }, { "epoll_wait", 232 }, { "newfstatat", 262 }, { "accept4", 288 },
	{ "recvmmsg", 299 }, { "io_uring_enter", 426 }, { "clone3", 435 },
	{ "futex_waitv", 449 },
};

static const struct known_nr aarch64_nrs[] = {
	{ "epoll_pwait", 22 }, { "fcntl", 25 }, { "ioctl", 29 }, { "renameat", 38 },
	{ "nfsservctl", 42 }, { "statfs", 43 }, { "fstatfs", 44 }, { "truncate", 45 },
	{ "ftruncate", 46 }, { "openat", 56 }, { "close", 57 }, { "lseek", 62 },
	{ "read", 63 }, { "write", 64 }, { "sendfile", 71 }, { "newfstatat", 79 },
	{ "fstat", 80 }, { "futex", 98 }, { "nanosleep", 101 }, { "getrlimit", 163 },
	{ "setrlimit", 164 }, { "clone", 220 }, { "execve", 221 }, { "mmap", 222 },
	{ "fadvise64", 223 }, { "accept4", 242 }, { "recvmmsg", 243 }, { "wait4", 260 },
	{ "clone3", 435 }, { "memfd_secret", 447 }, { "futex_waitv", 449 },
};

static void check_numbers(const char *arch, const struct known_nr *nrs, size_t cnt)
{
	const char *const *table;
	size_t table_cnt;

	table = syscall_table__for_arch(arch, &table_cnt);
	if (!ASSERT_OK_PTR(table, arch))
		return;
	for (size_t i = 0; i < cnt; i++) {
		if (!ASSERT_EQ(syscall__number(arch, nrs[i].name), nrs[i].nr, nrs[i].name))
			return;
		if (!ASSERT_LE(nrs[i].nr + 1, table_cnt, "table size"))
			return;
		if (!ASSERT_STREQ(table[nrs[i].nr], nrs[i].name, nrs[i].name))
			return;
	}
}

TEST(syscalls, x86_64_numbers)
{
	check_numbers("x86_64", x86_64_nrs, sizeof(x86_64_nrs) / sizeof(x86_64_nrs[0]));
}

TEST(syscalls, aarch64_numbers)
{
	check_numbers("aarch64", aarch64_nrs, sizeof(aarch64_nrs) / sizeof(aarch64_nrs[0]));
}

/* aarch64 only has the *at, 64-bit and non-deprecated calls of the generic table. */
TEST(syscalls, aarch64_absent)
{
	static const char *const absent[] = {
		"open", "stat", "lstat", "fork", "vfork", "epoll_wait", "poll", "select",
		"fcntl64", "fstat64", "mmap2", "llseek", "sync_file_range2", "clock_gettime64",
	};

	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (!ASSERT_EQ(syscall__number("aarch64", absent[i]), -1, absent[i]))
			return;
}

TEST(syscalls, arch_names)
{
	size_t cnt = 12345;

	if (!ASSERT_TRUE(syscall_table__for_arch("arm64", NULL) ==
			 syscall_table__for_arch("aarch64", NULL), "arm64 alias"))
		return;
	if (!ASSERT_TRUE(syscall_table__for_arch("amd64", NULL) ==
			 syscall_table__for_arch("x86_64", NULL), "amd64 alias"))
		return;
	if (!ASSERT_TRUE(syscall_table__for_arch("riscv64", &cnt) == NULL, "riscv64 table"))
		return;
	if (!ASSERT_EQ(cnt, 0, "riscv64 count"))
		return;
	cnt = 12345;
	if (!ASSERT_TRUE(syscall_table__for_arch(NULL, &cnt) == NULL, "NULL arch table"))
		return;
	if (!ASSERT_EQ(cnt, 0, "NULL arch count"))
		return;
	if (!ASSERT_TRUE(syscall_table__for_arch("X86_64", NULL) == NULL, "names are exact"))
		return;
	if (!ASSERT_EQ(syscall__number("riscv64", "read"), -1, "unknown arch"))
		return;
	if (!ASSERT_EQ(syscall__number(NULL, "read"), -1, "NULL arch"))
		return;
}

TEST(syscalls, build_arch)
{
	const char *arch = syscall_table__build_arch();

	if (!ASSERT_OK_PTR(arch, "build arch"))
		return;
#if defined(__x86_64__)
	ASSERT_STREQ(arch, "x86_64", "build arch");
#elif defined(__aarch64__)
	ASSERT_STREQ(arch, "aarch64", "build arch");
#else
	ASSERT_STREQ(arch, "unknown", "build arch");
#endif
#if defined(__x86_64__) || defined(__aarch64__)
	ASSERT_OK_PTR(syscall_table__for_arch(arch, NULL), "build arch table");
#endif
}

static void check_holes(const char *arch, size_t first, size_t last)
{
	const char *const *table;
	size_t cnt;

	table = syscall_table__for_arch(arch, &cnt);
	if (!ASSERT_OK_PTR(table, arch))
		return;
	if (!ASSERT_LE(last + 2, cnt, "table extends past the hole"))
		return;
	if (!ASSERT_OK_PTR(table[first - 1], "before the hole"))
		return;
	if (!ASSERT_OK_PTR(table[last + 1], "after the hole"))
		return;
	for (size_t nr = first; nr <= last; nr++)
		if (!ASSERT_TRUE(table[nr] == NULL, "hole"))
			return;
	/* The last slot is a syscall: the array ends where the numbering does. */
	ASSERT_OK_PTR(table[cnt - 1], "last entry");
}

/* x86_64 jumps from 334 (rseq) to 424 (pidfd_send_signal), where numbering unified. */
TEST(syscalls, x86_64_holes)
{
	check_holes("x86_64", 335, 423);
}

/* 244..259 are reserved for arch-specific calls, which arm64 has none of. */
TEST(syscalls, aarch64_holes)
{
	check_holes("aarch64", 244, 259);
}

/* Every name maps back to its own number, NULL slots are skipped, names are unique. */
static void check_round_trip(const char *arch)
{
	const char *const *table;
	size_t cnt, named = 0;

	table = syscall_table__for_arch(arch, &cnt);
	if (!ASSERT_OK_PTR(table, arch))
		return;
	for (size_t nr = 0; nr < cnt; nr++) {
		if (!table[nr])
			continue;
		named++;
		if (!ASSERT_EQ(syscall__number(arch, table[nr]), nr, table[nr]))
			return;
		if (!ASSERT_LE(syscall__category(table[nr]), SC_CAT__COUNT - 1, table[nr]))
			return;
	}
	ASSERT_LE(300, named, "named syscalls");
}

TEST(syscalls, round_trip)
{
	check_round_trip("x86_64");
	check_round_trip("aarch64");
}

struct expected {
	const char *name;
	enum syscall_category cat;
	bool fd_first;
};

/*
 * Representative names, with the reasoning the analyzer depends on spelled
 * out: these are the decisions, the full table below only guards the lookup.
 */
static const struct expected representative[] = {
	{ "read", SC_CAT_IO, true },		/* net or file by fd kind */
	{ "writev", SC_CAT_IO, true },
	{ "sendfile", SC_CAT_IO, true },	/* out fd first */
	{ "recvfrom", SC_CAT_NET, true },
	{ "sendmsg", SC_CAT_NET, true },
	{ "socket", SC_CAT_NET, false },
	{ "connect", SC_CAT_NET, true },
	{ "epoll_wait", SC_CAT_IDLE, true },
	{ "epoll_pwait", SC_CAT_IDLE, true },
	{ "accept4", SC_CAT_IDLE, true },
	{ "poll", SC_CAT_IDLE, false },
	{ "rt_sigtimedwait", SC_CAT_IDLE, false },
	{ "openat", SC_CAT_FILE, false },	/* dirfd, not an I/O target */
	{ "newfstatat", SC_CAT_FILE, false },
	{ "statx", SC_CAT_FILE, false },
	{ "fstat", SC_CAT_FILE, true },
	{ "close", SC_CAT_FILE, true },
	{ "io_getevents", SC_CAT_FILE, false },
	{ "io_uring_enter", SC_CAT_FILE, true },
	{ "epoll_ctl", SC_CAT_FILE, true },
	{ "fcntl", SC_CAT_FILE, true },
	{ "futex", SC_CAT_SYNC, false },
	{ "futex_wake", SC_CAT_SYNC, false },	/* newer than the tables */
	{ "flock", SC_CAT_SYNC, true },		/* a lock, even if on a file */
	{ "sched_yield", SC_CAT_SYNC, false },
	{ "ioctl", SC_CAT_DEVICE, true },
	{ "mmap", SC_CAT_MEM, false },		/* fd is the 5th argument */
	{ "memfd_create", SC_CAT_MEM, false },
	{ "brk", SC_CAT_MEM, false },
	{ "nanosleep", SC_CAT_SLEEP, false },
	{ "clock_nanosleep", SC_CAT_SLEEP, false },
	{ "clone3", SC_CAT_PROCESS, false },
	{ "wait4", SC_CAT_PROCESS, false },
	{ "rt_sigaction", SC_CAT_PROCESS, false },
	{ "clock_gettime", SC_CAT_OTHER, false },
	{ "getrandom", SC_CAT_OTHER, false },
	{ "rseq", SC_CAT_OTHER, false },
	{ "readahead", SC_CAT_FILE, true },
};

static void check_expected(const struct expected *e, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++) {
		if (!ASSERT_EQ(syscall__category(e[i].name), e[i].cat, e[i].name))
			return;
		if (!ASSERT_EQ(syscall__fd_first(e[i].name), e[i].fd_first, e[i].name))
			return;
	}
}

TEST(syscalls, categories)
{
	check_expected(representative, sizeof(representative) / sizeof(representative[0]));
}

/* Every entry of the table in syscalls.c: a typo or a break in its order fails here. */
static const struct expected every_entry[] = {
	{ "accept", SC_CAT_IDLE, true },
	{ "accept4", SC_CAT_IDLE, true },
	{ "access", SC_CAT_FILE, false },
	{ "alarm", SC_CAT_SLEEP, false },
	{ "arch_prctl", SC_CAT_PROCESS, false },
	{ "bind", SC_CAT_NET, true },
	{ "brk", SC_CAT_MEM, false },
	{ "cachestat", SC_CAT_FILE, true },
	{ "capget", SC_CAT_PROCESS, false },
	{ "capset", SC_CAT_PROCESS, false },
	{ "chdir", SC_CAT_FILE, false },
	{ "chmod", SC_CAT_FILE, false },
	{ "chown", SC_CAT_FILE, false },
	{ "clock_nanosleep", SC_CAT_SLEEP, false },
	{ "clone", SC_CAT_PROCESS, false },
	{ "clone3", SC_CAT_PROCESS, false },
	{ "close", SC_CAT_FILE, true },
	{ "close_range", SC_CAT_FILE, false },
	{ "connect", SC_CAT_NET, true },
	{ "copy_file_range", SC_CAT_IO, true },
	{ "creat", SC_CAT_FILE, false },
	{ "dup", SC_CAT_FILE, true },
	{ "dup2", SC_CAT_FILE, true },
	{ "dup3", SC_CAT_FILE, true },
	{ "epoll_create", SC_CAT_FILE, false },
	{ "epoll_create1", SC_CAT_FILE, false },
	{ "epoll_ctl", SC_CAT_FILE, true },
	{ "epoll_pwait", SC_CAT_IDLE, true },
	{ "epoll_pwait2", SC_CAT_IDLE, true },
	{ "epoll_wait", SC_CAT_IDLE, true },
	{ "eventfd", SC_CAT_FILE, false },
	{ "eventfd2", SC_CAT_FILE, false },
	{ "execve", SC_CAT_PROCESS, false },
	{ "execveat", SC_CAT_PROCESS, false },
	{ "exit", SC_CAT_PROCESS, false },
	{ "exit_group", SC_CAT_PROCESS, false },
	{ "faccessat", SC_CAT_FILE, false },
	{ "faccessat2", SC_CAT_FILE, false },
	{ "fadvise64", SC_CAT_FILE, true },
	{ "fallocate", SC_CAT_FILE, true },
	{ "fanotify_init", SC_CAT_FILE, false },
	{ "fanotify_mark", SC_CAT_FILE, true },
	{ "fchdir", SC_CAT_FILE, true },
	{ "fchmod", SC_CAT_FILE, true },
	{ "fchmodat", SC_CAT_FILE, false },
	{ "fchmodat2", SC_CAT_FILE, false },
	{ "fchown", SC_CAT_FILE, true },
	{ "fchownat", SC_CAT_FILE, false },
	{ "fcntl", SC_CAT_FILE, true },
	{ "fdatasync", SC_CAT_FILE, true },
	{ "fgetxattr", SC_CAT_FILE, true },
	{ "flistxattr", SC_CAT_FILE, true },
	{ "flock", SC_CAT_SYNC, true },
	{ "fork", SC_CAT_PROCESS, false },
	{ "fremovexattr", SC_CAT_FILE, true },
	{ "fsetxattr", SC_CAT_FILE, true },
	{ "fstat", SC_CAT_FILE, true },
	{ "fstatfs", SC_CAT_FILE, true },
	{ "fsync", SC_CAT_FILE, true },
	{ "ftruncate", SC_CAT_FILE, true },
	{ "futex", SC_CAT_SYNC, false },
	{ "futex_requeue", SC_CAT_SYNC, false },
	{ "futex_wait", SC_CAT_SYNC, false },
	{ "futex_waitv", SC_CAT_SYNC, false },
	{ "futex_wake", SC_CAT_SYNC, false },
	{ "futimesat", SC_CAT_FILE, false },
	{ "get_mempolicy", SC_CAT_MEM, false },
	{ "get_robust_list", SC_CAT_SYNC, false },
	{ "getcwd", SC_CAT_FILE, false },
	{ "getdents", SC_CAT_FILE, true },
	{ "getdents64", SC_CAT_FILE, true },
	{ "getegid", SC_CAT_PROCESS, false },
	{ "geteuid", SC_CAT_PROCESS, false },
	{ "getgid", SC_CAT_PROCESS, false },
	{ "getgroups", SC_CAT_PROCESS, false },
	{ "getitimer", SC_CAT_SLEEP, false },
	{ "getpeername", SC_CAT_NET, true },
	{ "getpgid", SC_CAT_PROCESS, false },
	{ "getpgrp", SC_CAT_PROCESS, false },
	{ "getpid", SC_CAT_PROCESS, false },
	{ "getppid", SC_CAT_PROCESS, false },
	{ "getpriority", SC_CAT_PROCESS, false },
	{ "getresgid", SC_CAT_PROCESS, false },
	{ "getresuid", SC_CAT_PROCESS, false },
	{ "getrlimit", SC_CAT_PROCESS, false },
	{ "getrusage", SC_CAT_PROCESS, false },
	{ "getsid", SC_CAT_PROCESS, false },
	{ "getsockname", SC_CAT_NET, true },
	{ "getsockopt", SC_CAT_NET, true },
	{ "gettid", SC_CAT_PROCESS, false },
	{ "getuid", SC_CAT_PROCESS, false },
	{ "getxattr", SC_CAT_FILE, false },
	{ "getxattrat", SC_CAT_FILE, false },
	{ "inotify_add_watch", SC_CAT_FILE, true },
	{ "inotify_init", SC_CAT_FILE, false },
	{ "inotify_init1", SC_CAT_FILE, false },
	{ "inotify_rm_watch", SC_CAT_FILE, true },
	{ "io_cancel", SC_CAT_FILE, false },
	{ "io_destroy", SC_CAT_FILE, false },
	{ "io_getevents", SC_CAT_FILE, false },
	{ "io_pgetevents", SC_CAT_FILE, false },
	{ "io_setup", SC_CAT_FILE, false },
	{ "io_submit", SC_CAT_FILE, false },
	{ "io_uring_enter", SC_CAT_FILE, true },
	{ "io_uring_register", SC_CAT_FILE, true },
	{ "io_uring_setup", SC_CAT_FILE, false },
	{ "ioctl", SC_CAT_DEVICE, true },
	{ "ioprio_get", SC_CAT_PROCESS, false },
	{ "ioprio_set", SC_CAT_PROCESS, false },
	{ "kcmp", SC_CAT_PROCESS, false },
	{ "kill", SC_CAT_PROCESS, false },
	{ "lchown", SC_CAT_FILE, false },
	{ "lgetxattr", SC_CAT_FILE, false },
	{ "link", SC_CAT_FILE, false },
	{ "linkat", SC_CAT_FILE, false },
	{ "listen", SC_CAT_NET, true },
	{ "listxattr", SC_CAT_FILE, false },
	{ "listxattrat", SC_CAT_FILE, false },
	{ "llistxattr", SC_CAT_FILE, false },
	{ "lremovexattr", SC_CAT_FILE, false },
	{ "lseek", SC_CAT_FILE, true },
	{ "lsetxattr", SC_CAT_FILE, false },
	{ "lstat", SC_CAT_FILE, false },
	{ "madvise", SC_CAT_MEM, false },
	{ "map_shadow_stack", SC_CAT_MEM, false },
	{ "mbind", SC_CAT_MEM, false },
	{ "membarrier", SC_CAT_SYNC, false },
	{ "memfd_create", SC_CAT_MEM, false },
	{ "memfd_secret", SC_CAT_MEM, false },
	{ "migrate_pages", SC_CAT_MEM, false },
	{ "mincore", SC_CAT_MEM, false },
	{ "mkdir", SC_CAT_FILE, false },
	{ "mkdirat", SC_CAT_FILE, false },
	{ "mknod", SC_CAT_FILE, false },
	{ "mknodat", SC_CAT_FILE, false },
	{ "mlock", SC_CAT_MEM, false },
	{ "mlock2", SC_CAT_MEM, false },
	{ "mlockall", SC_CAT_MEM, false },
	{ "mmap", SC_CAT_MEM, false },
	{ "move_pages", SC_CAT_MEM, false },
	{ "mprotect", SC_CAT_MEM, false },
	{ "mq_getsetattr", SC_CAT_SYNC, false },
	{ "mq_notify", SC_CAT_SYNC, false },
	{ "mq_open", SC_CAT_SYNC, false },
	{ "mq_timedreceive", SC_CAT_SYNC, false },
	{ "mq_timedsend", SC_CAT_SYNC, false },
	{ "mq_unlink", SC_CAT_SYNC, false },
	{ "mremap", SC_CAT_MEM, false },
	{ "mseal", SC_CAT_MEM, false },
	{ "msgctl", SC_CAT_SYNC, false },
	{ "msgget", SC_CAT_SYNC, false },
	{ "msgrcv", SC_CAT_SYNC, false },
	{ "msgsnd", SC_CAT_SYNC, false },
	{ "msync", SC_CAT_MEM, false },
	{ "munlock", SC_CAT_MEM, false },
	{ "munlockall", SC_CAT_MEM, false },
	{ "munmap", SC_CAT_MEM, false },
	{ "name_to_handle_at", SC_CAT_FILE, false },
	{ "nanosleep", SC_CAT_SLEEP, false },
	{ "newfstatat", SC_CAT_FILE, false },
	{ "open", SC_CAT_FILE, false },
	{ "open_by_handle_at", SC_CAT_FILE, false },
	{ "openat", SC_CAT_FILE, false },
	{ "openat2", SC_CAT_FILE, false },
	{ "pause", SC_CAT_IDLE, false },
	{ "personality", SC_CAT_PROCESS, false },
	{ "pidfd_getfd", SC_CAT_PROCESS, false },
	{ "pidfd_open", SC_CAT_PROCESS, false },
	{ "pidfd_send_signal", SC_CAT_PROCESS, false },
	{ "pipe", SC_CAT_FILE, false },
	{ "pipe2", SC_CAT_FILE, false },
	{ "pkey_alloc", SC_CAT_MEM, false },
	{ "pkey_free", SC_CAT_MEM, false },
	{ "pkey_mprotect", SC_CAT_MEM, false },
	{ "poll", SC_CAT_IDLE, false },
	{ "ppoll", SC_CAT_IDLE, false },
	{ "prctl", SC_CAT_PROCESS, false },
	{ "pread64", SC_CAT_IO, true },
	{ "preadv", SC_CAT_IO, true },
	{ "preadv2", SC_CAT_IO, true },
	{ "prlimit64", SC_CAT_PROCESS, false },
	{ "process_madvise", SC_CAT_MEM, false },
	{ "process_mrelease", SC_CAT_MEM, false },
	{ "process_vm_readv", SC_CAT_MEM, false },
	{ "process_vm_writev", SC_CAT_MEM, false },
	{ "pselect6", SC_CAT_IDLE, false },
	{ "ptrace", SC_CAT_PROCESS, false },
	{ "pwrite64", SC_CAT_IO, true },
	{ "pwritev", SC_CAT_IO, true },
	{ "pwritev2", SC_CAT_IO, true },
	{ "read", SC_CAT_IO, true },
	{ "readahead", SC_CAT_FILE, true },
	{ "readlink", SC_CAT_FILE, false },
	{ "readlinkat", SC_CAT_FILE, false },
	{ "readv", SC_CAT_IO, true },
	{ "recvfrom", SC_CAT_NET, true },
	{ "recvmmsg", SC_CAT_NET, true },
	{ "recvmsg", SC_CAT_NET, true },
	{ "remap_file_pages", SC_CAT_MEM, false },
	{ "removexattr", SC_CAT_FILE, false },
	{ "removexattrat", SC_CAT_FILE, false },
	{ "rename", SC_CAT_FILE, false },
	{ "renameat", SC_CAT_FILE, false },
	{ "renameat2", SC_CAT_FILE, false },
	{ "rmdir", SC_CAT_FILE, false },
	{ "rt_sigaction", SC_CAT_PROCESS, false },
	{ "rt_sigpending", SC_CAT_PROCESS, false },
	{ "rt_sigprocmask", SC_CAT_PROCESS, false },
	{ "rt_sigqueueinfo", SC_CAT_PROCESS, false },
	{ "rt_sigreturn", SC_CAT_PROCESS, false },
	{ "rt_sigsuspend", SC_CAT_IDLE, false },
	{ "rt_sigtimedwait", SC_CAT_IDLE, false },
	{ "rt_tgsigqueueinfo", SC_CAT_PROCESS, false },
	{ "sched_get_priority_max", SC_CAT_PROCESS, false },
	{ "sched_get_priority_min", SC_CAT_PROCESS, false },
	{ "sched_getaffinity", SC_CAT_PROCESS, false },
	{ "sched_getattr", SC_CAT_PROCESS, false },
	{ "sched_getparam", SC_CAT_PROCESS, false },
	{ "sched_getscheduler", SC_CAT_PROCESS, false },
	{ "sched_rr_get_interval", SC_CAT_PROCESS, false },
	{ "sched_setaffinity", SC_CAT_PROCESS, false },
	{ "sched_setattr", SC_CAT_PROCESS, false },
	{ "sched_setparam", SC_CAT_PROCESS, false },
	{ "sched_setscheduler", SC_CAT_PROCESS, false },
	{ "sched_yield", SC_CAT_SYNC, false },
	{ "seccomp", SC_CAT_PROCESS, false },
	{ "select", SC_CAT_IDLE, false },
	{ "semctl", SC_CAT_SYNC, false },
	{ "semget", SC_CAT_SYNC, false },
	{ "semop", SC_CAT_SYNC, false },
	{ "semtimedop", SC_CAT_SYNC, false },
	{ "sendfile", SC_CAT_IO, true },
	{ "sendmmsg", SC_CAT_NET, true },
	{ "sendmsg", SC_CAT_NET, true },
	{ "sendto", SC_CAT_NET, true },
	{ "set_mempolicy", SC_CAT_MEM, false },
	{ "set_mempolicy_home_node", SC_CAT_MEM, false },
	{ "set_robust_list", SC_CAT_SYNC, false },
	{ "set_tid_address", SC_CAT_PROCESS, false },
	{ "setfsgid", SC_CAT_PROCESS, false },
	{ "setfsuid", SC_CAT_PROCESS, false },
	{ "setgid", SC_CAT_PROCESS, false },
	{ "setgroups", SC_CAT_PROCESS, false },
	{ "setitimer", SC_CAT_SLEEP, false },
	{ "setns", SC_CAT_PROCESS, false },
	{ "setpgid", SC_CAT_PROCESS, false },
	{ "setpriority", SC_CAT_PROCESS, false },
	{ "setregid", SC_CAT_PROCESS, false },
	{ "setresgid", SC_CAT_PROCESS, false },
	{ "setresuid", SC_CAT_PROCESS, false },
	{ "setreuid", SC_CAT_PROCESS, false },
	{ "setrlimit", SC_CAT_PROCESS, false },
	{ "setsid", SC_CAT_PROCESS, false },
	{ "setsockopt", SC_CAT_NET, true },
	{ "setuid", SC_CAT_PROCESS, false },
	{ "setxattr", SC_CAT_FILE, false },
	{ "setxattrat", SC_CAT_FILE, false },
	{ "shmat", SC_CAT_MEM, false },
	{ "shmctl", SC_CAT_MEM, false },
	{ "shmdt", SC_CAT_MEM, false },
	{ "shmget", SC_CAT_MEM, false },
	{ "shutdown", SC_CAT_NET, true },
	{ "sigaltstack", SC_CAT_PROCESS, false },
	{ "signalfd", SC_CAT_FILE, false },
	{ "signalfd4", SC_CAT_FILE, false },
	{ "sigsuspend", SC_CAT_IDLE, false },
	{ "socket", SC_CAT_NET, false },
	{ "socketpair", SC_CAT_NET, false },
	{ "splice", SC_CAT_IO, true },
	{ "stat", SC_CAT_FILE, false },
	{ "statfs", SC_CAT_FILE, false },
	{ "statx", SC_CAT_FILE, false },
	{ "symlink", SC_CAT_FILE, false },
	{ "symlinkat", SC_CAT_FILE, false },
	{ "sync", SC_CAT_FILE, false },
	{ "sync_file_range", SC_CAT_FILE, true },
	{ "syncfs", SC_CAT_FILE, true },
	{ "sysinfo", SC_CAT_PROCESS, false },
	{ "tee", SC_CAT_IO, true },
	{ "tgkill", SC_CAT_PROCESS, false },
	{ "timerfd_create", SC_CAT_FILE, false },
	{ "timerfd_gettime", SC_CAT_FILE, true },
	{ "timerfd_settime", SC_CAT_FILE, true },
	{ "times", SC_CAT_PROCESS, false },
	{ "tkill", SC_CAT_PROCESS, false },
	{ "truncate", SC_CAT_FILE, false },
	{ "umask", SC_CAT_FILE, false },
	{ "uname", SC_CAT_PROCESS, false },
	{ "unlink", SC_CAT_FILE, false },
	{ "unlinkat", SC_CAT_FILE, false },
	{ "unshare", SC_CAT_PROCESS, false },
	{ "userfaultfd", SC_CAT_MEM, false },
	{ "utime", SC_CAT_FILE, false },
	{ "utimensat", SC_CAT_FILE, false },
	{ "utimes", SC_CAT_FILE, false },
	{ "vfork", SC_CAT_PROCESS, false },
	{ "vmsplice", SC_CAT_IO, true },
	{ "wait4", SC_CAT_PROCESS, false },
	{ "waitid", SC_CAT_PROCESS, false },
	{ "write", SC_CAT_IO, true },
	{ "writev", SC_CAT_IO, true },
};

TEST(syscalls, every_entry)
{
	check_expected(every_entry, sizeof(every_entry) / sizeof(every_entry[0]));
}

TEST(syscalls, unknown_names)
{
	static const char *const unknown[] = { "", "no_such_syscall", "READ", "read ", "zzz", "a" };

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		if (!ASSERT_EQ(syscall__category(unknown[i]), SC_CAT_OTHER, unknown[i]))
			return;
		if (!ASSERT_FALSE(syscall__fd_first(unknown[i]), unknown[i]))
			return;
		if (!ASSERT_EQ(syscall__number("x86_64", unknown[i]), -1, unknown[i]))
			return;
	}
	if (!ASSERT_EQ(syscall__category(NULL), SC_CAT_OTHER, "NULL category"))
		return;
	if (!ASSERT_FALSE(syscall__fd_first(NULL), "NULL fd_first"))
		return;
	ASSERT_EQ(syscall__number("x86_64", NULL), -1, "NULL name");
}

TEST(syscalls, category_names)
{
	static const char *const names[SC_CAT__COUNT] = {
		"other", "net", "file", "sync", "device", "mem", "sleep", "process", "idle", "io",
	};

	for (int cat = 0; cat < SC_CAT__COUNT; cat++) {
		if (!ASSERT_STREQ(syscall_category__name(cat), names[cat], "name"))
			return;
		if (!ASSERT_EQ(syscall_category__parse(names[cat]), cat, names[cat]))
			return;
	}
	if (!ASSERT_TRUE(syscall_category__name(SC_CAT__COUNT) == NULL, "name of __COUNT"))
		return;
	if (!ASSERT_TRUE(syscall_category__name((enum syscall_category)-1) == NULL, "name of -1"))
		return;
	if (!ASSERT_EQ(syscall_category__parse("NET"), -1, "case matters"))
		return;
	if (!ASSERT_EQ(syscall_category__parse("queue"), -1, "queue is not a syscall category"))
		return;
	if (!ASSERT_EQ(syscall_category__parse(""), -1, "empty"))
		return;
	ASSERT_EQ(syscall_category__parse(NULL), -1, "NULL");
}
