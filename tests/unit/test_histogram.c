// SPDX-License-Identifier: MIT
/* Histogram tests: quantile error against exact percentiles, merge, empty, bucket edges. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "histogram.h"
#include "test.h"

#define N_SAMPLES 200000

/* A small deterministic generator (xorshift64*), independent of libc's rand(). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static double uniform01(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

enum dist { D_UNIFORM, D_EXP, D_LOGNORMAL, D_BIMODAL, D_SMALL, D_HUGE, D__COUNT };

static uint64_t sample(enum dist d)
{
	double u = uniform01(), v;

	switch (d) {
	case D_UNIFORM:
		return 1000 + rng() % 10000000;
	case D_EXP:
		return (uint64_t)(-log(1 - u) * 250000.0);
	case D_LOGNORMAL:
		v = sqrt(-2 * log(1 - u)) * cos(2 * M_PI * uniform01());
		return (uint64_t)exp(12 + 1.5 * v);
	case D_BIMODAL:	/* 98% fast, 2% a hundred times slower: a p99 in the slow mode */
		return u < 0.98 ? 50000 + rng() % 20000 : 5000000 + rng() % 3000000;
	case D_SMALL:
		return rng() % 600;
	case D_HUGE:
		return (rng() >> 1) | (1ULL << 62);
	default:
		return 0;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t exact_rank(const uint64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

TEST(histogram, quantile_error_within_1pct)
{
	static const double qs[] = { 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999 };
	uint64_t *vals = malloc(N_SAMPLES * sizeof(*vals));

	if (!ASSERT_OK_PTR(vals, "malloc"))
		return;
	for (int d = 0; d < D__COUNT; d++) {
		struct histogram h;
		uint64_t sum = 0, got;

		histogram__init(&h);
		for (size_t i = 0; i < N_SAMPLES; i++) {
			vals[i] = sample(d);
			sum += d == D_HUGE ? 0 : vals[i];
			histogram__add(&h, vals[i]);
		}
		qsort(vals, N_SAMPLES, sizeof(*vals), cmp_u64);
		ASSERT_EQ_U64(h.count, N_SAMPLES, "count");
		ASSERT_EQ_U64(h.min, vals[0], "min exact");
		ASSERT_EQ_U64(h.max, vals[N_SAMPLES - 1], "max exact");
		if (d != D_HUGE)
			ASSERT_EQ_U64(h.sum, sum, "sum exact");
		else
			ASSERT_EQ_U64(h.sum, UINT64_MAX, "sum saturates");
		for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
			uint64_t exact = exact_rank(vals, N_SAMPLES, qs[k]);
			double err;

			if (!ASSERT_TRUE(histogram__quantile(&h, qs[k], &got), "quantile"))
				break;
			err = exact ? fabs((double)got - (double)exact) / (double)exact : (double)got;
			if (!ASSERT_LE(err, 0.01, "relative error"))
				test__check(false, __FILE__, __LINE__, "dist %d q %g: exact %" PRIu64
					    " got %" PRIu64, d, qs[k], exact, got);
		}
		histogram__quantile(&h, 1.0, &got);
		ASSERT_EQ_U64(got, vals[N_SAMPLES - 1], "q=1 is max");
		histogram__quantile(&h, 0.0, &got);
		ASSERT_EQ_U64(got, vals[0], "q=0 is min");
		histogram__reset(&h);
	}
	free(vals);
}

TEST(histogram, merge_equals_combined)
{
	struct histogram a, b, all;
	uint64_t qa, qb;

	histogram__init(&a);
	histogram__init(&b);
	histogram__init(&all);
	for (int i = 0; i < 50000; i++) {
		uint64_t v = sample(i % 2 ? D_LOGNORMAL : D_BIMODAL);

		histogram__add(i % 3 ? &a : &b, v);
		histogram__add(&all, v);
	}
	if (!ASSERT_OK(histogram__merge(&a, &b), "merge"))
		return;
	ASSERT_EQ_U64(a.count, all.count, "count");
	ASSERT_EQ_U64(a.sum, all.sum, "sum");
	ASSERT_EQ_U64(a.min, all.min, "min");
	ASSERT_EQ_U64(a.max, all.max, "max");
	for (unsigned int c = 0; c < HIST_CHUNKS; c++) {
		ASSERT_EQ(!a.chunk[c], !all.chunk[c], "same chunks");
		if (a.chunk[c] && all.chunk[c])
			ASSERT_EQ(memcmp(a.chunk[c], all.chunk[c],
					 histogram__chunk_len(c) * sizeof(uint64_t)), 0,
				  "same buckets");
	}
	for (double q = 0.05; q < 1; q += 0.05) {
		histogram__quantile(&a, q, &qa);
		histogram__quantile(&all, q, &qb);
		ASSERT_EQ_U64(qa, qb, "same quantile");
	}
	/* Merging an empty histogram, and into an empty one, changes nothing. */
	histogram__reset(&b);
	ASSERT_OK(histogram__merge(&a, &b), "merge empty");
	ASSERT_EQ_U64(a.count, all.count, "count after empty merge");
	ASSERT_OK(histogram__merge(&b, &all), "merge into empty");
	ASSERT_EQ_U64(b.min, all.min, "min after merge into empty");
	histogram__reset(&a);
	histogram__reset(&b);
	histogram__reset(&all);
}

TEST(histogram, empty_has_no_samples)
{
	struct histogram h = { 0 };
	uint64_t v = 42;

	ASSERT_FALSE(histogram__quantile(&h, 0.5, &v), "quantile of empty");
	ASSERT_FALSE(histogram__mean(&h, &v), "mean of empty");
	ASSERT_EQ_U64(v, 42, "out untouched");
	histogram__add_n(&h, 7, 0);
	ASSERT_EQ_U64(h.count, 0, "add_n 0 adds nothing");
	histogram__reset(&h);
	histogram__reset(NULL);
}

TEST(histogram, small_values_exact_and_single_value)
{
	struct histogram h = { 0 };
	uint64_t v;

	for (uint64_t i = 0; i < 256; i++)
		histogram__add(&h, i);
	histogram__quantile(&h, 0.5, &v);
	ASSERT_EQ_U64(v, 127, "median of 0..255 by nearest rank");
	histogram__reset(&h);
	histogram__add_n(&h, 123456789, 5);
	histogram__quantile(&h, 0.5, &v);
	ASSERT_EQ_U64(v, 123456789, "single value clamps to min/max");
	histogram__mean(&h, &v);
	ASSERT_EQ_U64(v, 123456789, "mean");
	ASSERT_EQ_U64(h.sum, 5 * 123456789ULL, "sum with add_n");
	histogram__reset(&h);
}

TEST(histogram, bucket_edges)
{
	static const uint64_t vals[] = { 0, 1, 255, 256, 257, 511, 512, 1000, 123456789,
					 (1ULL << 40) + 12345, UINT64_MAX };

	for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
		unsigned int b = histogram__bucket(vals[k]);

		ASSERT_TRUE(b < HIST_BUCKETS, "bucket in range");
		ASSERT_LE(histogram__bucket_low(b), vals[k], "low <= v");
		ASSERT_LE(vals[k], histogram__bucket_high(b), "v <= high");
		if (b + 1 < HIST_BUCKETS)
			ASSERT_EQ_U64(histogram__bucket_high(b) + 1, histogram__bucket_low(b + 1),
				      "buckets are contiguous");
	}
	ASSERT_EQ(histogram__bucket(UINT64_MAX), HIST_BUCKETS - 1, "last bucket");
}

/* Whether A and B hold the same samples: count, sum, min, max and every bucket. */
static bool same_histogram(const struct histogram *a, const struct histogram *b)
{
	if (a->count != b->count || a->sum != b->sum || a->min != b->min || a->max != b->max)
		return false;
	for (unsigned int c = 0; c < HIST_CHUNKS; c++) {
		unsigned int n = histogram__chunk_len(c);

		for (unsigned int i = 0; i < n; i++)
			if ((a->chunk[c] ? a->chunk[c][i] : 0) != (b->chunk[c] ? b->chunk[c][i] : 0))
				return false;
	}
	return true;
}

/*
 * The inline adds (plain, at a computed position, through the ring, small
 * counts pending apart) count exactly what add_n counts one by one,
 * saturating sum and first values of each chunk included.
 */
TEST(histogram, add_paths_agree)
{
	struct histogram ref = { 0 }, plain = { 0 }, at = { 0 }, ring = { 0 }, small = { 0 };
	struct hist_small *pend = calloc(1, sizeof(*pend));
	struct hist_ring r = { 0 };

	if (!ASSERT_OK_PTR(pend, "calloc"))
		return;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 20000; i++) {
			uint64_t v = sample((enum dist)(i % D__COUNT));

			if (round && i % 7 == 0)
				v = i % 300;	/* small values again, after large ones */
			histogram__add_n(&ref, v, 1);
			histogram__add(&plain, v);
			histogram__add_at(&at, v, histogram__pos(v));
			histogram__add_ring(&ring, v, &r);
			histogram__add_small(&small, pend, v);
		}
		histogram__ring_flush(&r);
		histogram__small_flush(&small, pend);
		ASSERT_EQ_U64(ref.sum, UINT64_MAX, "the sum saturated");
		ASSERT_TRUE(same_histogram(&ref, &plain), "histogram__add");
		ASSERT_TRUE(same_histogram(&ref, &at), "histogram__add_at");
		ASSERT_TRUE(same_histogram(&ref, &ring), "histogram__add_ring");
		ASSERT_TRUE(same_histogram(&ref, &small), "histogram__add_small");
	}
	/* Small values only: the flushed counts give the exact sum, min and max. */
	histogram__reset(&ref);
	histogram__reset(&small);
	for (uint64_t v = 3; v < 200; v += 5) {
		histogram__add(&ref, v);
		histogram__add_small(&small, pend, v);
	}
	histogram__small_flush(&small, pend);
	ASSERT_TRUE(same_histogram(&ref, &small), "small values only");
	ASSERT_EQ_U64(small.min, 3, "min");
	ASSERT_EQ_U64(small.max, 198, "max");
	free(pend);
	histogram__reset(&ref);
	histogram__reset(&plain);
	histogram__reset(&at);
	histogram__reset(&ring);
	histogram__reset(&small);
}
