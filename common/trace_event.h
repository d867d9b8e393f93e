/* SPDX-License-Identifier: MIT */
/* The decoded, in-memory form of a trace's rows, shared by writer, reader and analyzer. */
#ifndef MSLAT_TRACE_EVENT_H
#define MSLAT_TRACE_EVENT_H

#include <stdint.h>

/* Values are those of proto/mslat.proto's FdKind: they are stored as is. */
enum fd_kind {
	FD_KIND_NONE = 0,
	FD_KIND_TCP = 1,
	FD_KIND_UDP = 2,
	FD_KIND_UNIX = 3,
	FD_KIND_SOCKET_OTHER = 4,
	FD_KIND_FILE = 5,
	FD_KIND_PIPE = 6,
	FD_KIND_CHR = 7,
	FD_KIND_ANON = 8,
	FD_KIND_OTHER = 9,
	FD_KIND_TCP_LISTEN = 10,
	FD_KIND_BLK = 11,
	FD_KIND_DIR = 12,
	FD_KIND_UNIX_PAIR = 13,	/* socketpair(2): no address at either end */
	FD_KIND__COUNT,
};

/* Name of an fd kind as used in every output ("tcp", "file", …); "?" if unknown. */
const char *fd_kind__name(unsigned int kind);

/* One finished syscall. Times are CLOCK_MONOTONIC nanoseconds of the recording host. */
struct trace_event {
	uint64_t enter_ns;
	uint64_t duration_ns;
	int64_t ret;
	uint32_t tid;
	uint32_t pid;
	uint32_t syscall;	/* number on the header's arch */
	int32_t fd;		/* -1 when the first argument is not an fd */
	uint32_t fd_kind;	/* enum fd_kind */
	uint32_t pad;
};

enum trace_arrival_what {
	TRACE_ARRIVAL_DATA = 0,	/* payload reached a connected socket */
	TRACE_ARRIVAL_CONNECT = 1,	/* a connection was queued on a listener */
	/*
	 * Payload that reached a connection while it waited in the accept
	 * queue; fd is the one the next accept on it returns (the record comes
	 * before that accept, maybe before the previous connection on that fd
	 * was closed).
	 */
	TRACE_ARRIVAL_QUEUED = 2,
	/*
	 * A segment from the peer found BYTES the process had written to the
	 * connection still unsent (Nagle's algorithm waiting for that ACK, a
	 * full congestion or receive window): they leave about then. At most
	 * one per connection per millisecond.
	 */
	TRACE_ARRIVAL_UNSENT = 3,
};

/* Request bytes reaching a traced socket, before the server reads them. */
struct trace_arrival {
	uint64_t time_ns;
	uint32_t pid;
	int32_t fd;
	uint32_t bytes;
	uint32_t what;		/* enum trace_arrival_what */
	uint64_t accept_ns;	/* QUEUED: the exit of the accept it is for; 0 unknown */
};

enum trace_sched_what {
	TRACE_SCHED_OFF_CPU = 0,	/* blocked (sleeping) */
	TRACE_SCHED_RUNQ = 1,		/* runnable, waiting for a CPU */
};

/* An interval a traced thread spent off CPU (with --sched). */
struct trace_sched {
	uint64_t start_ns;
	uint64_t duration_ns;
	uint32_t tid;
	uint32_t pid;
	uint32_t cpu;
	uint32_t what;		/* enum trace_sched_what */
};

#endif
