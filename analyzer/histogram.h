/* SPDX-License-Identifier: MIT */
/* Mergeable log-linear (HDR-style) histograms of nanosecond values: ≤ 0.4% relative error. */
#ifndef MSLAT_HISTOGRAM_H
#define MSLAT_HISTOGRAM_H

#include <stdbool.h>
#include <stdint.h>

#pragma GCC poison u8 u16 u32 u64

/*
 * Values below 2 * HIST_SUB (256) are counted exactly. Above, every power of
 * two [2^e, 2^(e+1)) is cut into HIST_SUB equal buckets, so a bucket is at
 * most 1/128 of its values wide and its midpoint is within 0.4% of any value
 * in it. Buckets live in one chunk per power of two, allocated on first use:
 * memory is bounded (≤ 58 KiB) and follows the dynamic range actually seen
 * (a latency histogram spanning 10µs..1s holds 17 chunks, ~17 KiB).
 */
#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)	/* buckets per power of two; power of 2 */
#define HIST_CHUNKS (64 - HIST_SUB_BITS)	/* chunk 0: values 0..255; chunk c: [2^(c+7), 2^(c+8)) */

struct histogram {
	uint64_t count;		/* exact */
	uint64_t sum;		/* exact (saturates at UINT64_MAX) */
	uint64_t min, max;	/* exact; 0 when count == 0 */
	uint64_t *chunk[HIST_CHUNKS];	/* NULL until a value falls in it */
	bool oom;		/* a chunk could not be allocated: quantiles are approximate */
};

/* A zeroed struct histogram is a valid empty histogram; so is one after __init. */
void histogram__init(struct histogram *h);
/* Free the chunks; H is empty and reusable afterwards. NULL is a no-op. */
void histogram__reset(struct histogram *h);

/* Count VALUE N times. */
void histogram__add_n(struct histogram *h, uint64_t value, uint64_t n);

/*
 * The inline add's sum wrapped: saturate it and count V, at bucket counter
 * CTR, in the rest. Out of line and the whole add, so the inline one is an
 * add to memory and a jump, with nothing live across the call.
 */
void histogram__add_saturating(struct histogram *h, uint64_t v, uint64_t *ctr) __attribute__((cold));

/* The chunk of V >= 2 * HIST_SUB: its power of two's exponent, less HIST_SUB_BITS. */
static inline __attribute__((always_inline)) unsigned int histogram__chunk_of(uint64_t v)
{
	return 63 - HIST_SUB_BITS - (unsigned int)__builtin_clzll(v);
}

/* Where a value is counted: chunk C, index I in it; computed once, reusable for several histograms. */
struct hist_pos {
	unsigned int c;
	uint64_t i;
};

static inline __attribute__((always_inline)) struct hist_pos histogram__pos(uint64_t v)
{
	struct hist_pos pos = { 0, v };

	if (__builtin_expect(v >= 2 * HIST_SUB, 1)) {
		pos.c = histogram__chunk_of(v);
		pos.i = (v >> pos.c) - HIST_SUB;
	}
	return pos;
}

/* Entries of chunk C: chunk 0 holds the exact values 0..2 * HIST_SUB - 1, the others HIST_SUB buckets. */
static inline unsigned int histogram__chunk_len(unsigned int c)
{
	return c ? HIST_SUB : 2 * HIST_SUB;
}

/* The bucket number (as histogram__bucket gives it) of position POS. */
static inline unsigned int histogram__bucket_at(struct hist_pos pos)
{
	return pos.c ? 2 * HIST_SUB + (pos.c - 1) * HIST_SUB + (unsigned int)pos.i : (unsigned int)pos.i;
}

/*
 * The inline adds' common part: count V (at POS) in count, sum, min and
 * max and return its bucket counter to increment; or NULL when V is counted
 * already: its chunk does not exist yet (histogram__add_n counts it all and
 * allocates the chunk) or the sum saturated (histogram__add_saturating). A
 * chunk exists only once something was counted, so min needs no test of
 * count.
 */
static inline __attribute__((always_inline)) uint64_t *histogram__count_at(struct histogram *h, uint64_t v,
									  struct hist_pos pos)
{
	uint64_t *chunk = h->chunk[pos.c];

	if (__builtin_expect(!chunk, 0)) {
		histogram__add_n(h, v, 1);
		return NULL;
	}
	if (__builtin_add_overflow(h->sum, v, &h->sum)) {
		histogram__add_saturating(h, v, &chunk[pos.i]);
		return NULL;
	}
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	return &chunk[pos.i];
}

static inline __attribute__((always_inline)) uint64_t *histogram__count_head(struct histogram *h, uint64_t v)
{
	return histogram__count_at(h, v, histogram__pos(v));
}

/* Count VALUE once: inline, as it runs for every event. */
static inline void histogram__add(struct histogram *h, uint64_t v)
{
	uint64_t *ctr = histogram__count_head(h, v);

	if (ctr)
		(*ctr)++;
}

/* The same at a position already computed for V (a value counted in several histograms). */
static inline void histogram__add_at(struct histogram *h, uint64_t v, struct hist_pos pos)
{
	uint64_t *ctr = histogram__count_at(h, v, pos);

	if (ctr)
		(*ctr)++;
}

/*
 * Small counts pending apart (syscalls, sends, bursts per request): below
 * 2 * HIST_SUB a histogram is exact, so counting such values per value and
 * adding each value's count at the end (histogram__small_flush) gives the
 * same count, sum (it saturates the same whatever the order), min, max and
 * buckets, for one increment per sample. Larger values are added at once.
 */
struct hist_small {
	uint64_t n[2 * HIST_SUB];
};

static inline void histogram__add_small(struct histogram *h, struct hist_small *s, uint64_t v)
{
	if (__builtin_expect(v < 2 * HIST_SUB, 1))
		s->n[v]++;
	else
		histogram__add(h, v);
}

/* Count what S holds into H and empty S. */
void histogram__small_flush(struct histogram *h, struct hist_small *s);

/*
 * Deferred bucket increments: the hot loops touch a bucket counter far in
 * memory for every sample. histogram__add_ring updates count, sum, min and
 * max now, prefetches the counter and increments it HIST_RING samples later,
 * so the cache miss overlaps other work. Flush the ring before reading,
 * merging or resetting any histogram it was used with.
 */
#define HIST_RING 16	/* power of 2 */
struct hist_ring {
	uint64_t *slot[HIST_RING];
	unsigned int pos;
};

static inline void histogram__add_ring(struct histogram *h, uint64_t v, struct hist_ring *r)
{
	uint64_t **s, *ctr = histogram__count_head(h, v);

	/* Latencies: small values are rare, so they take the ring too rather than a test each. */
	if (!ctr)
		return;
	__builtin_prefetch(ctr, 1, 0);
	s = &r->slot[r->pos++ & (HIST_RING - 1)];
	if (*s)
		(**s)++;
	*s = ctr;
}

static inline void histogram__ring_flush(struct hist_ring *r)
{
	for (unsigned int k = 0; k < HIST_RING; k++) {
		if (r->slot[k])
			(*r->slot[k])++;
		r->slot[k] = NULL;
	}
}

/* Add every sample of SRC into DST. 0 or -ENOMEM (DST then holds a partial merge, marked oom). */
int histogram__merge(struct histogram *dst, const struct histogram *src);

/*
 * The value at quantile Q (0..1) by nearest rank (the ceil(Q*count)-th
 * smallest sample), within 0.4% and clamped to [min, max]; q <= 0 gives min,
 * q >= 1 gives max. Returns false when H has no samples (*OUT untouched).
 */
bool histogram__quantile(const struct histogram *h, double q, uint64_t *out);
/* sum / count rounded down; false when empty. */
bool histogram__mean(const struct histogram *h, uint64_t *out);

/* Bucket arithmetic, exposed for the slow-vs-typical breakdown and for tests. */
unsigned int histogram__bucket(uint64_t value);		/* 0 .. HIST_BUCKETS-1 */
uint64_t histogram__bucket_low(unsigned int bucket);	/* smallest value in it */
uint64_t histogram__bucket_high(unsigned int bucket);	/* largest value in it */
#define HIST_BUCKETS (2 * HIST_SUB + (HIST_CHUNKS - 1) * HIST_SUB)

#endif
