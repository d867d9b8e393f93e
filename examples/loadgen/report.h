/* SPDX-License-Identifier: MIT */
/* Exact latency percentiles of a run, and the ground-truth JSON and summary line. */
#ifndef LOADGEN_REPORT_H
#define LOADGEN_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "run.h"

struct latency_summary {
	uint64_t n;		/* samples; the rest is meaningless when 0 */
	uint64_t min, p50, p90, p99, max, mean;
};

/* Sort samples[0..n) in place and take nearest-rank percentiles: exact, no interpolation. */
void latency_summarize(uint64_t *samples, uint64_t n, struct latency_summary *s);

/*
 * Write the run as JSON (docs/demo.md): request counts, latency_ns
 * percentiles (null without samples), duration_ns. Returns 0 or -EIO.
 */
int report_write_json(FILE *f, const struct run_config *cfg, const struct run_result *res,
		      const struct latency_summary *s);

/* One human-readable line for stderr. */
void report_print_summary(FILE *f, const struct run_config *cfg, const struct run_result *res,
			  const struct latency_summary *s);

#endif /* LOADGEN_REPORT_H */
