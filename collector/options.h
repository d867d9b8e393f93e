/* SPDX-License-Identifier: MIT */
/* mslat-record's command line: parsed and validated into struct record_opts. */
#ifndef MSLAT_RECORD_OPTIONS_H
#define MSLAT_RECORD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RECORD_DEFAULT_BUFFER_BYTES (16U << 20)
#define RECORD_MIN_BUFFER_BYTES (4096U)
#define RECORD_MAX_BUFFER_BYTES (1U << 30)
#define RECORD_MAX_PIDS 256
#define RECORD_MAX_KEEP 1000000	/* --keep N: pieces kept at most */

/* Exit statuses (design.md): */
#define EXIT_OK 0
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

struct record_opts {
	const char *output;		/* -o */
	pid_t pids[RECORD_MAX_PIDS];	/* -p */
	size_t pid_cnt;
	char **command;			/* after --, NULL-terminated; NULL if none */
	bool follow_forks;
	const char *syscalls;		/* --syscalls LIST; NULL: every syscall */
	bool sched;
	bool arrivals;
	uint64_t duration_ms;		/* 0: until stopped */
	uint32_t flush_interval_ms;
	uint64_t buffer_bytes;		/* ring buffer, a power of 2 */
	uint64_t rotate_bytes;		/* 0: no size rotation */
	uint64_t rotate_ms;		/* 0: no time rotation */
	unsigned int keep;		/* 0: keep every piece */
	bool force;
	int verbosity;			/* -1 quiet, 0 default, 1 -v, 2 -vv */
	int argc;			/* the recorder's own argv, for the header */
	char **argv;
};

/*
 * Parse ARGV into OPTS. Returns -1 to continue, or an exit status:
 * EXIT_OK after --help/--version, EXIT_USAGE after a printed usage error.
 */
int record_opts__parse(struct record_opts *opts, int argc, char **argv);

/* Parse "16M", "64k", "1G", "4096" into bytes. Returns 0 or -EINVAL. */
int parse_size(const char *s, uint64_t *bytes);
/* Parse "500ms", "10s", "5m"/"5min", "2h", "30" (seconds) into ms. Returns 0 or -EINVAL. */
int parse_duration(const char *s, uint64_t *ms);

#endif
