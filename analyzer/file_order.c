// SPDX-License-Identifier: MIT
#include "file_order.h"

#include <stdlib.h>
#include <string.h>

bool file_order__same_host(const char *a, const char *b)
{
	return a && b && *a && !strcmp(a, b);
}

static int cmp_order(const void *x, const void *y)
{
	const struct file_order *a = x, *b = y;

	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	return a->idx - b->idx;
}

void file_order__sort(struct file_order *order, int n)
{
	qsort(order, (size_t)n, sizeof(*order), cmp_order);
}
