// SPDX-License-Identifier: MIT
/* Percentiles by nearest rank over sorted samples, written as hand-made JSON. */
#include <errno.h>
#include <stdlib.h>

#include "report.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The smallest sample with at least pct percent of all samples at or below it. */
static uint64_t nearest_rank(const uint64_t *sorted, uint64_t n, unsigned pct)
{
	uint64_t rank = (pct * n + 99) / 100;

	return sorted[rank ? rank - 1 : 0];
}

void latency_summarize(uint64_t *samples, uint64_t n, struct latency_summary *s)
{
	uint64_t sum = 0;

	*s = (struct latency_summary){ .n = n };
	if (!n)
		return;
	qsort(samples, n, sizeof(*samples), cmp_u64);
	for (uint64_t i = 0; i < n; i++)
		sum += samples[i];
	s->min = samples[0];
	s->p50 = nearest_rank(samples, n, 50);
	s->p90 = nearest_rank(samples, n, 90);
	s->p99 = nearest_rank(samples, n, 99);
	s->max = samples[n - 1];
	s->mean = sum / n;
}

static void put_stat(FILE *f, const char *name, uint64_t v, uint64_t n, const char *sep)
{
	if (n)
		fprintf(f, "\"%s\": %llu%s", name, (unsigned long long)v, sep);
	else
		fprintf(f, "\"%s\": null%s", name, sep);
}

int report_write_json(FILE *f, const struct run_config *cfg, const struct run_result *res,
		      const struct latency_summary *s)
{
	double secs = res->duration_ns / 1e9;

	fprintf(f, "{\n  \"requests\": %llu,\n  \"ok\": %llu,\n  \"errors\": %llu,\n"
		"  \"connections\": %u,\n  \"latency_ns\": {",
		(unsigned long long)cfg->requests, (unsigned long long)res->ok,
		(unsigned long long)res->errors, cfg->connections);
	put_stat(f, "p50", s->p50, s->n, ", ");
	put_stat(f, "p90", s->p90, s->n, ", ");
	put_stat(f, "p99", s->p99, s->n, ", ");
	put_stat(f, "max", s->max, s->n, ", ");
	put_stat(f, "mean", s->mean, s->n, ", ");
	put_stat(f, "min", s->min, s->n, "");
	fprintf(f, "},\n  \"duration_ns\": %llu,\n  \"throughput_rps\": %.1f\n}\n",
		(unsigned long long)res->duration_ns, secs > 0 ? res->ok / secs : 0.0);
	return ferror(f) ? -EIO : 0;
}

void report_print_summary(FILE *f, const struct run_config *cfg, const struct run_result *res,
			  const struct latency_summary *s)
{
	double secs = res->duration_ns / 1e9;

	fprintf(f, "loadgen: %llu requests on %u connections in %.3f s (%.0f ok/s): "
		"%llu ok, %llu errors",
		(unsigned long long)cfg->requests, cfg->connections, secs,
		secs > 0 ? res->ok / secs : 0.0, (unsigned long long)res->ok,
		(unsigned long long)res->errors);
	if (s->n)
		fprintf(f, "; latency p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms",
			s->p50 / 1e6, s->p90 / 1e6, s->p99 / 1e6, s->max / 1e6);
	fputc('\n', f);
}
