/* SPDX-License-Identifier: MIT */
/* The optional per-request log: server-side ground truth for checking mslat's correlation. */
#ifndef DEMO_REQLOG_H
#define DEMO_REQLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct reqlog;

struct reqlog_entry {
	uint64_t seq;		/* prediction sequence number, 0 for other requests */
	uint64_t start_ns;	/* CLOCK_MONOTONIC: first byte of the request read */
	uint64_t end_ns;	/* CLOCK_MONOTONIC: last byte of the response written */
	pid_t tid;
	int fd;			/* the connection's socket */
	const char *method;	/* not NUL-terminated; NULL when unparsed */
	size_t method_len;
	const char *target;
	size_t target_len;
	int status;
	bool slow;
	bool cached;
};

/*
 * Create (or truncate) path and write the header line. Returns NULL and sets
 * errno on failure.
 */
struct reqlog *reqlog__open(const char *path);

/* Append one line. Thread-safe; NULL log is a no-op. */
void reqlog__append(struct reqlog *log, const struct reqlog_entry *e);

/* Flush and close. Returns 0 or a negative errno (e.g. a full disk). NULL is fine. */
int reqlog__close(struct reqlog *log);

#endif /* DEMO_REQLOG_H */
