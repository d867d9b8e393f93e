/* SPDX-License-Identifier: MIT */
/*
 * ArrivalBatch records as rows. mslat-record writes an arrival for most
 * requests (0.4 per syscall on a recorded server), and protobuf-c's generic
 * unpacking cost a third of what reading one took: the layout protobuf-c
 * itself writes is decoded here by hand, straight into rows; any other
 * layout is left to protobuf-c (trace_reader), with the same rows.
 */
#ifndef MSLAT_ARRIVAL_CODEC_H
#define MSLAT_ARRIVAL_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mslat.pb-c.h"
#include "trace_event.h"

/* The rows of one batch; the array is reused from batch to batch. */
struct arrival_rows {
	struct trace_arrival *rows;
	size_t n, cap;
	uint64_t *vals;		/* a column's values, on their way into the rows */
	size_t vals_cap;
};

/*
 * The Record at P (LEN bytes, without its length prefix), when it is an
 * ArrivalBatch laid out as protobuf-c packs one (fields once each, in
 * order, repeated ones packed) whose columns agree (arrival_codec__sound):
 * 1 with its rows in OUT. 0 when it is not: protobuf-c decides then, and
 * OUT holds no rows. -ENOMEM.
 */
int arrival_codec__decode_rows(const uint8_t *p, size_t len, struct arrival_rows *out);

/* The batch's columns agree: as many pids and fds as times, the optional ones as many or none. */
bool arrival_codec__sound(const Mslat__ArrivalBatch *b);

/* A batch protobuf-c unpacked (and sound) as rows. 0 or -ENOMEM. */
int arrival_codec__rows_from_pb(struct arrival_rows *out, const Mslat__ArrivalBatch *b);

void arrival_codec__free_rows(struct arrival_rows *r);

#endif
