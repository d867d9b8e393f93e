// SPDX-License-Identifier: MIT
#include "arrival_codec.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "event_codec.h"
#include "trace_format.h"
#include "varint.h"

#define WT_VARINT 0
#define WT_LEN 2
#define RECORD_ARRIVALS_TAG ((MSLAT__RECORD__KIND_ARRIVALS << 3) | WT_LEN)
enum { F_BASE = 1, F_TIME, F_PID, F_FD, F_BYTES, F_WHAT, F_WAIT, F__COUNT };

static bool col_ok(size_t n, size_t rows, bool optional)
{
	return n == rows || (optional && n == 0);
}

bool arrival_codec__sound(const Mslat__ArrivalBatch *b)
{
	size_t n = b->n_time_delta_ns;

	return n <= TRACE_MAX_BATCH_ROWS && col_ok(b->n_pid, n, false) && col_ok(b->n_fd, n, false) &&
	       col_ok(b->n_bytes, n, true) && col_ok(b->n_what, n, true) &&
	       col_ok(b->n_accept_wait_ns, n, true);
}

/* Room for N elements of SIZE bytes in *ARR, which holds *CAP. */
static int reserve(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n <= *cap)
		return 0;
	p = realloc(*arr, n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

#define RESERVE(out, field, capf, n) \
	reserve((void **)&(out)->field, &(out)->capf, (n), sizeof(*(out)->field))

/* A QUEUED arrival's accept, saturating: a hostile wait must not wrap to an earlier accept. */
static inline uint64_t accept_at(uint32_t what, uint64_t t, uint64_t wait)
{
	if (what != TRACE_ARRIVAL_QUEUED)
		return 0;
	return t + wait < t ? UINT64_MAX : t + wait;
}

int arrival_codec__rows_from_pb(struct arrival_rows *out, const Mslat__ArrivalBatch *b)
{
	size_t n = b->n_time_delta_ns;
	uint64_t t = b->base_ns;

	if (RESERVE(out, rows, cap, n))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint32_t what = b->n_what ? (uint32_t)b->what[i] : TRACE_ARRIVAL_DATA;

		t += (uint64_t)b->time_delta_ns[i];
		out->rows[i] = (struct trace_arrival){
			.time_ns = t, .pid = b->pid[i], .fd = b->fd[i],
			.bytes = b->n_bytes ? b->bytes[i] : 0,
			.what = what,
			.accept_ns = b->n_accept_wait_ns ? accept_at(what, t, b->accept_wait_ns[i]) : 0,
		};
	}
	out->n = n;
	return 0;
}

/* Only tags protobuf-c writes: one byte. A length: at most 5 bytes and INT_MAX, as protobuf-c reads one. */
static bool next_len(const uint8_t **p, const uint8_t *end, uint64_t *len)
{
	int k = varint__get(*p, (size_t)(end - *p), len);

	if (k <= 0 || k > 5 || *len > INT_MAX || *len > (uint64_t)(end - *p - k))
		return false;
	*p += k;
	return true;
}

/*
 * Column F, [P, END), into the N rows at A, as arrival_codec__rows_from_pb
 * stores them, by way of VALS (room for N), decoded as event columns are:
 * false unless it holds exactly N values of at most 10 bytes. Inline: F
 * folds.
 */
static inline __attribute__((always_inline)) bool decode_column(unsigned int f, const uint8_t *p,
								const uint8_t *end, uint64_t base,
								struct trace_arrival *a,
								uint64_t *vals, size_t n)
{
	uint64_t t = base;

	if (!event_codec__values(vals, n, &p, end) || p != end)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = vals[i];

		switch (f) {
		case F_TIME:
			t += (uint64_t)((int64_t)(v >> 1) ^ -(int64_t)(v & 1));
			a[i] = (struct trace_arrival){ .time_ns = t, .what = TRACE_ARRIVAL_DATA };
			break;
		case F_PID:
			a[i].pid = (uint32_t)v;
			break;
		case F_FD:
			a[i].fd = (int32_t)((uint32_t)v >> 1) ^ -(int32_t)(v & 1);
			break;
		case F_BYTES:
			a[i].bytes = (uint32_t)v;
			break;
		case F_WHAT:
			a[i].what = (uint32_t)v;
			break;
		case F_WAIT:
			a[i].accept_ns = accept_at(a[i].what, a[i].time_ns, v);
			break;
		}
	}
	return true;
}

int arrival_codec__decode_rows(const uint8_t *p, size_t len, struct arrival_rows *out)
{
	const uint8_t *end = p + len, *col[F__COUNT] = { 0 }, *col_end[F__COUNT] = { 0 };
	uint64_t base = 0, blen;
	unsigned int last = 0;
	size_t n;

	out->n = 0;
	/* The Record: its arrivals field and nothing else. */
	if (!len || *p++ != RECORD_ARRIVALS_TAG || !next_len(&p, end, &blen) ||
	    blen != (uint64_t)(end - p))
		return 0;
	/* Its batch: each field once, in order; base a varint, the columns packed and not empty. */
	while (p < end) {
		unsigned int tag = *p++, f = tag >> 3;
		uint64_t flen;

		if (tag & 0x80 || f <= last || f >= F__COUNT)
			return 0;
		last = f;
		if (f == F_BASE) {
			int k;

			if ((tag & 7) != WT_VARINT || (k = varint__get(p, (size_t)(end - p), &base)) <= 0)
				return 0;
			p += k;
			continue;
		}
		if ((tag & 7) != WT_LEN || !next_len(&p, end, &flen) || !flen)
			return 0;
		col[f] = p;
		col_end[f] = p + flen;
		p += flen;
	}
	if (!col[F_TIME] || !col[F_PID] || !col[F_FD])
		return 0;
	n = varint__count(col[F_TIME], (size_t)(col_end[F_TIME] - col[F_TIME]));
	if (!n || n > TRACE_MAX_BATCH_ROWS)
		return 0;
	if (RESERVE(out, rows, cap, n) || RESERVE(out, vals, vals_cap, n))
		return -ENOMEM;
#define COLUMN(f) (!col[f] || decode_column(f, col[f], col_end[f], base, out->rows, out->vals, n))
	/*
	 * In field order: the times first (they start each row), WHAT before
	 * WAIT. Each column must hold N values exactly (decode_column); if one
	 * does not, protobuf-c's path says what is wrong.
	 */
	if (!COLUMN(F_TIME) || !COLUMN(F_PID) || !COLUMN(F_FD) || !COLUMN(F_BYTES) ||
	    !COLUMN(F_WHAT) || !COLUMN(F_WAIT))
		return 0;
#undef COLUMN
	out->n = n;
	return 1;
}

void arrival_codec__free_rows(struct arrival_rows *r)
{
	free(r->rows);
	free(r->vals);
	r->rows = NULL;
	r->vals = NULL;
	r->n = r->cap = r->vals_cap = 0;
}
