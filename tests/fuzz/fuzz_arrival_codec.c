// SPDX-License-Identifier: MIT
/*
 * libFuzzer target (make fuzz): one record, differentially. Whenever the
 * hand decoder of arrival batches takes a record, protobuf-c must read it as
 * a sound arrival batch with the same rows; otherwise it declines, leaving
 * no rows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arrival_codec.h"

static void check(const uint8_t *buf, size_t size)
{
	static struct arrival_rows fast, ref;
	int took = arrival_codec__decode_rows(buf, size, &fast);
	Mslat__Record *rec;

	if (took != 1) {
		if (took != 0 || fast.n)
			abort();
		return;
	}
	rec = mslat__record__unpack(NULL, size, buf);
	if (!rec || rec->kind_case != MSLAT__RECORD__KIND_ARRIVALS ||
	    !arrival_codec__sound(rec->arrivals) || arrival_codec__rows_from_pb(&ref, rec->arrivals) ||
	    ref.n != fast.n)
		abort();
	for (size_t i = 0; i < fast.n; i++) {
		const struct trace_arrival *x = &fast.rows[i], *y = &ref.rows[i];

		if (x->time_ns != y->time_ns || x->pid != y->pid || x->fd != y->fd ||
		    x->bytes != y->bytes || x->what != y->what || x->accept_ns != y->accept_ns)
			abort();
	}
	mslat__record__free_unpacked(rec, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);	/* exact size: ASan sees any overread */

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	check(buf, size);
	free(buf);
	return 0;
}
