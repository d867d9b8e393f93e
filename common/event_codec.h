/* SPDX-License-Identifier: MIT */
/*
 * The hot path of the format: EventBatch records encoded and decoded by hand,
 * byte-compatible with protobuf (proto/mslat.proto), because protobuf-c's
 * generic (un)packing costs more than everything else the recorder and the
 * reader do per event. Every other record goes through protobuf-c.
 */
#ifndef MSLAT_EVENT_CODEC_H
#define MSLAT_EVENT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_event.h"

/* Bytes an encoded Record{events} of N rows may take, at most (without its length prefix). */
size_t event_codec__max_bytes(size_t n);

/*
 * Encode N events as a Record holding one EventBatch into OUT (room for
 * event_codec__max_bytes(n)); SCRATCH needs the same room. Returns the bytes written.
 */
size_t event_codec__encode(const struct trace_event *ev, size_t n, uint8_t *out, uint8_t *scratch);

/* Decoded columns of one batch; the arrays are reused from batch to batch. */
struct event_columns {
	uint64_t base_ns;
	size_t rows;		/* after event_codec__decode: the row count */
	size_t n[9];		/* entries per column, indexed by field number - 1 */
	int64_t *enter_delta;
	uint64_t *duration;
	int32_t *tid_delta, *pid_delta;
	uint32_t *syscall;
	int32_t *fd;
	uint32_t *fd_kind;
	int64_t *ret;
	size_t cap[9];
};

/*
 * Decode the Record at P (LEN bytes) when it holds exactly one EventBatch and
 * nothing protobuf-c would treat differently. Returns 1 decoded, 0 not such a
 * record (use protobuf-c), or a negative errno (-EBADMSG malformed: WHY set
 * to a static description; -ENOMEM). Columns are checked for equal lengths.
 */
int event_codec__decode(const uint8_t *p, size_t len, struct event_columns *c, const char **why);

void event_codec__free(struct event_columns *c);

/* A batch's rows, decoded straight from the record; the array is reused. */
struct event_rows {
	struct trace_event *rows;
	size_t n, cap;
};

/*
 * The reader's fast path: decode the Record at P (LEN bytes) straight into
 * rows, when it is laid out as this codec writes it (fields in order, each
 * column once, of equal lengths). Returns 1 decoded, 0 anything else (use
 * event_codec__decode, which also says what is wrong), -ENOMEM.
 */
int event_codec__decode_rows(const uint8_t *p, size_t len, struct event_rows *r);

void event_codec__free_rows(struct event_rows *r);

/*
 * For tests: 1 makes decode_rows use its portable varint decoders even where
 * BMI2's are chosen, 0 the BMI2 ones where the CPU has them, -1 back to what
 * the CPU and MSLAT_NO_BMI2 say.
 */
void event_codec__force_portable(int on);

/*
 * The next N varints of a packed column, from *P to at most END, into DST,
 * with the row decoders' loops (four values at once): true when N values of
 * at most 10 bytes were there; *P is then after the last. For the columns
 * of other batches (arrival_codec).
 */
bool event_codec__values(uint64_t *dst, size_t n, const uint8_t **p, const uint8_t *end);

#endif
