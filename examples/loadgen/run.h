/* SPDX-License-Identifier: MIT */
/* The load itself: one thread per keep-alive connection, closed loop, latency per request. */
#ifndef LOADGEN_RUN_H
#define LOADGEN_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define RUN_INPUTS 64	/* numbers in a POST /predict body: the demo model's inputs */

struct run_config {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	const char *host_header;	/* "host:port" */
	const char *path;
	bool post;		/* POST a body of RUN_INPUTS numbers, else GET PATH?seed=N */
	unsigned connections;
	uint64_t requests;	/* in total, split across the connections */
	uint64_t distinct;	/* distinct inputs, 0 for all different */
	double rate;		/* requests per second in total, 0 for as fast as answered */
	unsigned timeout_ms;
};

struct run_result {
	uint64_t ok, errors;
	uint64_t *latency_ns;	/* one per ok request, in no order; caller frees */
	uint64_t duration_ns;	/* first request sent to last response read */
	int first_errno;	/* the first failure: an errno, */
	int first_status;	/* or a non-2xx status */
};

/*
 * Send cfg->requests requests over cfg->connections connections. Failed
 * requests are counted, not fatal. Returns 0, or a negative errno when the
 * run could not be set up.
 */
int run_load(const struct run_config *cfg, struct run_result *res);

#endif /* LOADGEN_RUN_H */
