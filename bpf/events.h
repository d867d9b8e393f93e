/* SPDX-License-Identifier: MIT */
/* The kernel↔user ABI of mslat-record: records on its one ring buffer, config and loss counters. */
#ifndef MSLAT_BPF_EVENTS_H
#define MSLAT_BPF_EVENTS_H

/*
 * Included by bpf/record.bpf.c (with vmlinux.h) and by collector/ (with
 * <linux/types.h>). Fixed-width types only, explicit padding, no pointers:
 * both compilers must agree on every offset.
 */

/* Syscall numbers indexed in targ_sc_flags[]; power of 2 (the index is masked). */
#define MSLAT_MAX_SYSCALLS 1024
/* Bytes of a path or comm carried in a process record. */
#define MSLAT_COMM_LEN 16
#define MSLAT_FILENAME_LEN 128
/* Traced processes (tgids) at once. */
#define MSLAT_MAX_TGIDS 8192
/* Sockets of traced processes watched for arrivals (LRU). */
#define MSLAT_MAX_SOCKS 65536
/* Listening sockets of traced processes watched for new connections. */
#define MSLAT_MAX_LISTENERS 1024

/* targ_sc_flags[nr] bits. */
#define MSLAT_SC_ENABLED 0x1	/* record this syscall */
#define MSLAT_SC_FD_FIRST 0x2	/* its first argument is a file descriptor */
#define MSLAT_SC_LISTEN 0x4	/* listen(2): its fd becomes a listener to watch */
#define MSLAT_SC_CONNECT 0x8	/* connect(2): its fd is a new connection to watch */
#define MSLAT_SC_ACCEPT 0x10	/* accept(2), accept4(2): the fd it returns is one */
#define MSLAT_SC_CLOSE 0x20	/* close(2): its socket is not watched for it */

/* Values are those of enum fd_kind (common/trace_event.h) and proto FdKind. */
#define MSLAT_FD_NONE 0
#define MSLAT_FD_TCP 1
#define MSLAT_FD_UDP 2
#define MSLAT_FD_UNIX 3
#define MSLAT_FD_SOCKET_OTHER 4
#define MSLAT_FD_FILE 5
#define MSLAT_FD_PIPE 6
#define MSLAT_FD_CHR 7
#define MSLAT_FD_ANON 8
#define MSLAT_FD_OTHER 9
#define MSLAT_FD_TCP_LISTEN 10
#define MSLAT_FD_BLK 11
#define MSLAT_FD_DIR 12
#define MSLAT_FD_UNIX_PAIR 13	/* a unix socket with no address at either end: socketpair(2) */

/* Every ring-buffer record starts with a __u32 type; the consumer switches on it. */
enum mslat_rec_type {
	MSLAT_REC_SYSCALL = 1,
	MSLAT_REC_PROC = 2,
	MSLAT_REC_ARRIVAL = 3,
	MSLAT_REC_SCHED = 4,
};

/* One finished syscall. 48 bytes. */
struct mslat_rec_syscall {
	__u32 type;		/* MSLAT_REC_SYSCALL */
	__u32 nr;
	__u64 enter_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 duration_ns;
	__s64 ret;
	__u32 tid;
	__u32 pid;		/* tgid */
	__s32 fd;		/* -1 when the first argument is not an fd */
	__u32 fd_kind;		/* MSLAT_FD_* */
};

enum mslat_proc_what {
	MSLAT_PROC_FORK = 1,
	MSLAT_PROC_EXEC = 2,
	MSLAT_PROC_EXIT = 3,
};

/* A traced process forked, exec'd or exited. */
struct mslat_rec_proc {
	__u32 type;		/* MSLAT_REC_PROC */
	__u32 what;		/* enum mslat_proc_what */
	__u64 time_ns;
	__u32 pid;		/* the process (child for FORK) */
	__u32 ppid;		/* parent process (real_parent's tgid) */
	__u32 tid;		/* thread that forked / exec'd / exited last */
	__s32 exit_code;	/* EXIT: wait status as the kernel reports it */
	char comm[MSLAT_COMM_LEN];	/* thread's comm */
	char filename[MSLAT_FILENAME_LEN];	/* EXEC: path given to execve, NUL-terminated */
};

enum mslat_arrival_what {
	MSLAT_ARRIVAL_DATA = 0,		/* payload reached a connected socket (idle before) */
	MSLAT_ARRIVAL_CONNECT = 1,	/* a connection was queued on a traced listener */
	MSLAT_ARRIVAL_QUEUED = 2,	/* payload came while it waited in the accept queue */
	/*
	 * A segment from the peer found bytes the process had written still
	 * unsent (bytes: how many): Nagle's algorithm waiting for this ACK, a
	 * full congestion window, or the peer's full receive window. At most
	 * one per socket per MSLAT_UNSENT_EVERY_NS.
	 */
	MSLAT_ARRIVAL_UNSENT = 3,
};

#define MSLAT_UNSENT_EVERY_NS 1000000ULL

/* Bytes reaching a traced socket before the process reads them. 40 bytes. */
struct mslat_rec_arrival {
	__u32 type;		/* MSLAT_REC_ARRIVAL */
	__u32 what;		/* enum mslat_arrival_what */
	__u64 time_ns;
	__u32 pid;
	__s32 fd;
	__u32 bytes;		/* payload of the first segment */
	__u32 pad;
	__u64 accept_ns;	/* QUEUED: the exit time of the accept it is for */
};

enum mslat_sched_what {
	MSLAT_SCHED_OFF_CPU = 0,	/* blocked (sleeping) */
	MSLAT_SCHED_RUNQ = 1,		/* runnable, waiting for a CPU */
};

/* A traced thread's interval off CPU (with --sched). 40 bytes. */
struct mslat_rec_sched {
	__u32 type;		/* MSLAT_REC_SCHED */
	__u32 what;		/* enum mslat_sched_what */
	__u64 start_ns;
	__u64 duration_ns;
	__u32 tid;
	__u32 pid;
	__u32 cpu;		/* CPU it ran on next (RUNQ) or it left (OFF_CPU) */
	__u32 pad;
};

/* Indexes of struct mslat_drops.kind[]; match proto Loss.What. */
enum mslat_drop_kind {
	MSLAT_DROP_EVENTS = 0,
	MSLAT_DROP_SCHED = 1,
	MSLAT_DROP_ARRIVALS = 2,
	MSLAT_DROP_PROCESS = 3,
	MSLAT_DROP__COUNT = 4,
};

/*
 * Records that could not be reserved, per CPU (a per-CPU array of one
 * element). The recorder reads the counters, then bumps the global
 * loss_epoch; the next drop on a CPU whose epoch is stale starts a new window
 * (first_ns), so every reported window contains the drops it counts.
 */
struct mslat_drop_counter {
	__u64 cnt;		/* cumulative */
	__u64 first_ns;		/* first drop of the current window */
	__u64 last_ns;		/* latest drop */
	__u64 epoch;		/* loss_epoch when first_ns was set */
};

struct mslat_drops {
	struct mslat_drop_counter kind[MSLAT_DROP__COUNT];
};

#endif
