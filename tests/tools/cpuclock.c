// SPDX-License-Identifier: MIT
/*
 * cpuclock: how fast this CPU runs for us right now, for the benchmarks.
 *
 * A chain of dependent one-cycle adds runs one add per cycle on any core of
 * the last fifteen years, so adds per CPU second is the clock the process
 * actually gets. On a shared VM it moves from run to run (another tenant on
 * the core's sibling thread, frequency limits): the benchmarks print it next
 * to their figures so that a slow run can be told from slow code.
 *
 *   cpuclock [-t MS] [-r RUNS]     prints "fastest median" in GHz
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Adds per CPU second over about MS milliseconds, in GHz. */
static double one_run(long ms)
{
	const unsigned long step = 10000000;	/* ~4 ms at 2.5 GHz: the clock is read rarely */
	unsigned long x = 0, n = 0;
	double t0 = cpu_seconds(), t;

	do {
		for (unsigned long i = 0; i < step; i++) {
			/* The empty asm keeps X in a register, one add after another. */
			__asm__ volatile("" : "+r"(x));
			x++;
		}
		n += step;
		t = cpu_seconds() - t0;
	} while (t * 1000 < (double)ms);
	if (x != n)
		abort();
	return (double)n / t / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static long number(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "cpuclock: %s: '%s' is not a number in %ld..%ld\n", opt, s, lo, hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long ms = 100, runs = 1;
	double *ghz;
	int c;

	while ((c = getopt(argc, argv, "t:r:h")) != -1) {
		switch (c) {
		case 't':
			ms = number("-t", optarg, 1, 60000);
			break;
		case 'r':
			runs = number("-r", optarg, 1, 1000);
			break;
		case 'h':
			printf("usage: cpuclock [-t MS] [-r RUNS]\n"
			       "The clock this process gets, from a chain of dependent adds run for MS\n"
			       "CPU milliseconds (100), RUNS times (1); prints the fastest and the\n"
			       "median run in GHz.\n");
			return 0;
		default:
			fprintf(stderr, "usage: cpuclock [-t MS] [-r RUNS]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cpuclock: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	ghz = calloc((size_t)runs, sizeof(*ghz));
	if (!ghz)
		return 1;
	for (long i = 0; i < runs; i++)
		ghz[i] = one_run(ms);
	qsort(ghz, (size_t)runs, sizeof(*ghz), cmp_double);
	printf("%.2f %.2f\n", ghz[runs - 1], ghz[(runs - 1) / 2]);
	free(ghz);
	return 0;
}
