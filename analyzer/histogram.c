// SPDX-License-Identifier: MIT
/* Log-linear histograms: 128 buckets per power of two, chunks allocated on first use. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "histogram.h"

unsigned int histogram__bucket(uint64_t value)
{
	return histogram__bucket_at(histogram__pos(value));
}

uint64_t histogram__bucket_low(unsigned int b)
{
	unsigned int c, e;

	if (b < 2 * HIST_SUB)
		return b;
	c = (b - 2 * HIST_SUB) / HIST_SUB + 1;
	e = c + HIST_SUB_BITS;
	return (uint64_t)(HIST_SUB + (b - 2 * HIST_SUB) % HIST_SUB) << (e - HIST_SUB_BITS);
}

uint64_t histogram__bucket_high(unsigned int b)
{
	unsigned int c;

	if (b < 2 * HIST_SUB)
		return b;
	c = (b - 2 * HIST_SUB) / HIST_SUB + 1;
	return histogram__bucket_low(b) + ((uint64_t)1 << c) - 1;
}

void histogram__init(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
}

void histogram__reset(struct histogram *h)
{
	if (!h)
		return;
	for (unsigned int c = 0; c < HIST_CHUNKS; c++)
		free(h->chunk[c]);
	memset(h, 0, sizeof(*h));
}

static uint64_t *get_chunk(struct histogram *h, unsigned int c)
{
	if (!h->chunk[c]) {
		h->chunk[c] = calloc(histogram__chunk_len(c), sizeof(uint64_t));
		if (!h->chunk[c])
			h->oom = true;
	}
	return h->chunk[c];
}

void histogram__add_n(struct histogram *h, uint64_t v, uint64_t n)
{
	struct hist_pos pos = histogram__pos(v);
	uint64_t *chunk, total;

	if (!n)
		return;
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count += n;
	if (__builtin_mul_overflow(v, n, &total) || __builtin_add_overflow(h->sum, total, &h->sum))
		h->sum = UINT64_MAX;
	chunk = get_chunk(h, pos.c);
	if (chunk)
		chunk[pos.i] += n;
}

void histogram__add_saturating(struct histogram *h, uint64_t v, uint64_t *ctr)
{
	h->sum = UINT64_MAX;
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	(*ctr)++;
}

void histogram__small_flush(struct histogram *h, struct hist_small *s)
{
	for (unsigned int v = 0; v < 2 * HIST_SUB; v++) {
		histogram__add_n(h, v, s->n[v]);
		s->n[v] = 0;
	}
}

int histogram__merge(struct histogram *dst, const struct histogram *src)
{
	int err = 0;

	if (!src->count)
		return 0;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	if (__builtin_add_overflow(dst->sum, src->sum, &dst->sum))
		dst->sum = UINT64_MAX;
	dst->oom |= src->oom;
	for (unsigned int c = 0; c < HIST_CHUNKS; c++) {
		uint64_t *d;

		if (!src->chunk[c])
			continue;
		d = get_chunk(dst, c);
		if (!d) {
			err = -ENOMEM;
			continue;
		}
		for (unsigned int i = 0; i < histogram__chunk_len(c); i++)
			d[i] += src->chunk[c][i];
	}
	return err;
}

static uint64_t bucket_value(unsigned int c, unsigned int i)
{
	uint64_t low, width;

	if (!c)
		return i;
	low = (uint64_t)(HIST_SUB + i) << c;
	width = (uint64_t)1 << c;
	return low + (width - 1) / 2;
}

bool histogram__quantile(const struct histogram *h, double q, uint64_t *out)
{
	uint64_t rank, seen = 0, v;

	if (!h->count)
		return false;
	if (q <= 0) {
		*out = h->min;
		return true;
	}
	if (q >= 1) {
		*out = h->max;
		return true;
	}
	/* Nearest rank: the ceil(q * count)-th smallest sample. */
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (!rank)
		rank = 1;
	for (unsigned int c = 0; c < HIST_CHUNKS; c++) {
		if (!h->chunk[c])
			continue;
		for (unsigned int i = 0; i < histogram__chunk_len(c); i++) {
			seen += h->chunk[c][i];
			if (seen >= rank) {
				v = bucket_value(c, i);
				if (v < h->min)
					v = h->min;
				if (v > h->max)
					v = h->max;
				*out = v;
				return true;
			}
		}
	}
	*out = h->max;	/* only when chunks were lost to oom */
	return true;
}

bool histogram__mean(const struct histogram *h, uint64_t *out)
{
	if (!h->count)
		return false;
	*out = h->sum / h->count;
	return true;
}
