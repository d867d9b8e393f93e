// SPDX-License-Identifier: MIT
#include "file_order.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool file_order__same_host(const char *a, const char *b)
{
	return a && b && *a && !strcmp(a, b);
}

static int cmp_piece(const void *x, const void *y)
{
	const struct file_order *a = x, *b = y;

	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->h->sequence != b->h->sequence)
		return a->h->sequence < b->h->sequence ? -1 : 1;
	if (a->h->start_ns != b->h->start_ns)
		return a->h->start_ns < b->h->start_ns ? -1 : 1;
	return a->idx - b->idx;
}

/* Recordings by their first start, so that a clock's end is known before a later one picks it. */
static int cmp_reading(const void *x, const void *y)
{
	const struct file_order *a = x, *b = y;

	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->rec_start != b->rec_start)
		return a->rec_start < b->rec_start ? -1 : 1;
	if (a->recording != b->recording)
		return a->recording < b->recording ? -1 : 1;
	return cmp_piece(x, y);
}

/* The pieces of one recording: one recorder's command line and targets (rotation keeps both). */
static bool same_recorder(const Mslat__Header *a, const Mslat__Header *b)
{
	if (a->n_options != b->n_options || a->n_targets != b->n_targets)
		return false;
	for (size_t i = 0; i < a->n_options; i++)
		if (strcmp(a->options[i], b->options[i]))
			return false;
	for (size_t i = 0; i < a->n_targets; i++)
		if (a->targets[i]->pid != b->targets[i]->pid)
			return false;
	return true;
}

void file_order__sort(struct file_order *order, int n)
{
	int recordings = 0;

	qsort(order, (size_t)n, sizeof(*order), cmp_piece);
	for (int i = 0; i < n; i++) {
		const Mslat__Header *h = order[i].h;
		int best = -1;

		/* Earlier pieces of its host come before it: the latest-started that it can continue. */
		for (int j = i - 1; h->sequence && j >= 0 && order[j].host == order[i].host; j--) {
			const Mslat__Header *p = order[j].h;

			if (!order[j].continued && p->sequence + 1 == h->sequence &&
			    p->start_ns <= h->start_ns &&
			    (best < 0 || p->start_ns > order[best].h->start_ns) && same_recorder(p, h))
				best = j;
		}
		if (best >= 0) {
			order[best].continued = true;
			order[i].recording = order[best].recording;
			order[i].rec_start = order[best].rec_start;	/* pieces come in start order */
		} else {
			order[i].recording = recordings++;
			order[i].rec_start = h->start_ns;
		}
	}
	qsort(order, (size_t)n, sizeof(*order), cmp_reading);
	for (int i = 0, k = -1, prev = -1; i < n; i++) {	/* numbered again in reading order */
		int was = order[i].recording;

		order[i].recording = i && was == prev ? k : ++k;
		prev = was;
	}
}

static int file_clocks__pick(struct file_clocks *fc, int host, uint64_t start_ns)
{
	struct file_clock *c;
	int best = -1;

	/* The one that ended last before it began: the recording it follows. */
	for (int i = 0; i < fc->n; i++)
		if (fc->c[i].host == host && fc->c[i].end_ns <= start_ns &&
		    (best < 0 || fc->c[i].end_ns > fc->c[best].end_ns))
			best = i;
	if (best >= 0)
		return best;
	c = realloc(fc->c, (size_t)(fc->n + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	fc->c = c;
	fc->c[fc->n] = (struct file_clock){ .host = host, .end_ns = 0 };
	return fc->n++;
}

int file_clocks__of(struct file_clocks *fc, const struct file_order *order, int k)
{
	if (!k || order[k].recording != order[k - 1].recording)
		fc->cur = file_clocks__pick(fc, order[k].host, order[k].h->start_ns);
	return fc->cur;
}

void file_clocks__end(struct file_clocks *fc, int i, uint64_t end_ns)
{
	if (end_ns > fc->c[i].end_ns)
		fc->c[i].end_ns = end_ns;
}

void file_clocks__free(struct file_clocks *fc)
{
	free(fc->c);
	fc->c = NULL;
	fc->n = 0;
}
