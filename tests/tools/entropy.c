// SPDX-License-Identifier: MIT
/*
 * entropy: how few bytes per event any lossless encoding of a trace's timings
 * and return values could take, estimated from the trace itself, to set
 * beside what the format achieves (mslat info's bytes/event).
 *
 * For each event, three values given its syscall: the duration, the gap since
 * the same thread's previous exit (the time it spent outside syscalls), and
 * the return value. The plug-in estimate of H(value | syscall) over the
 * trace's own empirical distribution is biased low (every value seen once
 * counts as certain), so the sum is a floor: a coder that had to send the
 * tid, syscall, fd and arrival rows too, and its model, needs more.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "trace_reader.h"

#define MAX_EVENTS (64U << 20)	/* keys kept in memory: 3 x 8 bytes each */
#define VALUE_BITS 48
#define VALUE_MASK ((1ULL << VALUE_BITS) - 1)

struct thread_exit {
	uint32_t tid;
	uint64_t exit_ns;
};

/* Open addressing, for the last exit time of each thread. */
struct exits {
	struct thread_exit *slot;
	size_t cap, used;
};

static struct thread_exit *exit_of(struct exits *x, uint32_t tid)
{
	size_t h;

	if (2 * (x->used + 1) > x->cap) {
		struct exits bigger = { calloc(x->cap ? 2 * x->cap : 1024, sizeof(*x->slot)),
					x->cap ? 2 * x->cap : 1024, 0 };

		if (!bigger.slot) {
			fprintf(stderr, "entropy: out of memory\n");
			exit(1);
		}
		for (size_t i = 0; i < x->cap; i++)
			if (x->slot[i].tid)
				*exit_of(&bigger, x->slot[i].tid) = x->slot[i];
		free(x->slot);
		*x = bigger;
	}
	for (h = (tid * 2654435761U) & (x->cap - 1); x->slot[h].tid && x->slot[h].tid != tid;
	     h = (h + 1) & (x->cap - 1))
		;
	if (!x->slot[h].tid) {
		x->slot[h].tid = tid;
		x->used++;
	}
	return &x->slot[h];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* H(value | context) in bits, keys being context << VALUE_BITS | value: H(both) - H(context). */
static double cond_entropy(uint64_t *keys, size_t n)
{
	double joint = 0, ctx = 0;

	qsort(keys, n, sizeof(*keys), cmp_u64);
	for (size_t i = 0, j; i < n; i = j) {
		double p;

		for (j = i; j < n && keys[j] == keys[i]; j++)
			;
		p = (double)(j - i) / (double)n;
		joint -= p * log2(p);
	}
	for (size_t i = 0, j; i < n; i = j) {
		double p;

		for (j = i; j < n && keys[j] >> VALUE_BITS == keys[i] >> VALUE_BITS; j++)
			;
		p = (double)(j - i) / (double)n;
		ctx -= p * log2(p);
	}
	return joint - ctx;
}

static uint64_t key(uint32_t syscall, uint64_t value)
{
	return (uint64_t)(syscall & 0xffff) << VALUE_BITS | (value & VALUE_MASK);
}

int main(int argc, char **argv)
{
	struct exits exits = {};
	uint64_t *dur, *gap, *ret;
	struct trace_reader *r;
	struct trace_item it;
	const struct trace_event *ev;
	size_t rows, n = 0;
	int rc;

	if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr,
			"Usage: entropy TRACE.mslat\n\n"
			"Estimate, from TRACE's own values, the bytes per event below which no lossless\n"
			"encoding of its durations, per-thread gaps and return values can go.\n");
		return argc == 2 ? 0 : 2;
	}
	log__use_stderr("entropy");
	dur = malloc(MAX_EVENTS * sizeof(*dur));
	gap = malloc(MAX_EVENTS * sizeof(*gap));
	ret = malloc(MAX_EVENTS * sizeof(*ret));
	r = trace_reader__open(argv[1], NULL);
	if (!dur || !gap || !ret || !r)
		return 1;
	while ((rc = trace_reader__next_bulk(r, &it, &ev, &rows)) > 0) {
		for (size_t i = 0; rc == 2 && i < rows && n < MAX_EVENTS; i++, n++) {
			const struct trace_event *e = &ev[i];
			struct thread_exit *t = exit_of(&exits, e->tid);
			/* a thread's first event, or one out of order: a value of its own */
			uint64_t g = t->exit_ns && e->enter_ns >= t->exit_ns ? e->enter_ns - t->exit_ns
									     : VALUE_MASK;

			dur[n] = key(e->syscall, e->duration_ns);
			gap[n] = key(e->syscall, g);
			ret[n] = key(e->syscall, (uint64_t)e->ret);
			t->exit_ns = e->enter_ns + e->duration_ns;
		}
	}
	trace_reader__close(r);
	if (rc < 0)
		return 1;
	if (n) {
		double hd = cond_entropy(dur, n) / 8, hg = cond_entropy(gap, n) / 8,
		       hr = cond_entropy(ret, n) / 8;

		printf("events %zu duration %.2f gap %.2f ret %.2f floor %.2f bytes/event\n", n, hd, hg,
		       hr, hd + hg + hr);
	} else {
		printf("events 0\n");
	}
	free(dur);
	free(gap);
	free(ret);
	free(exits.slot);
	return 0;
}
