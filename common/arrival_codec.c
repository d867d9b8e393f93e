// SPDX-License-Identifier: MIT
#include "arrival_codec.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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

static int reserve(struct arrival_rows *out, size_t n)
{
	struct trace_arrival *a;

	if (n <= out->cap)
		return 0;
	a = realloc(out->rows, n * sizeof(*a));
	if (!a)
		return -ENOMEM;
	out->rows = a;
	out->cap = n;
	return 0;
}

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

	if (reserve(out, n))
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

/* Values in a packed column [P, END): its bytes that end one (a column cut short is found decoding it). */
static size_t count_values(const uint8_t *p, const uint8_t *end)
{
	size_t n = 0;

	for (; p < end; p++)
		n += !(*p & 0x80);
	return n;
}

/*
 * The next value of a packed column, as protobuf-c reads it: at most 10
 * bytes (it refuses longer ones), the bits beyond 64 dropped. A longer
 * value (a time), where 8 bytes are left: its end is found in a word and
 * its 7-bit groups joined without a branch per byte.
 */
static inline bool next_value(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t w, stop;
	int k;

	if (*p == end)
		return false;	/* a column shorter than the times */
	if (**p < 0x80) {	/* pids, fds, kinds: mostly one byte */
		*v = *(*p)++;
		return true;
	}
	if (end - *p >= 8) {
		memcpy(&w, *p, 8);	/* little-endian: the first byte is the lowest */
		stop = ~w & 0x8080808080808080ULL;
		if (stop) {
			unsigned int bits = (unsigned int)__builtin_ctzll(stop) + 1;

			if (bits < 64)
				w &= (1ULL << bits) - 1;
			w = (w & 0x007f007f007f007fULL) | ((w & 0x7f007f007f007f00ULL) >> 1);
			w = (w & 0x00003fff00003fffULL) | ((w & 0x3fff00003fff0000ULL) >> 2);
			w = (w & 0x000000000fffffffULL) | ((w & 0x0fffffff00000000ULL) >> 4);
			*v = w;
			*p += bits / 8;
			return true;
		}
	}
	k = varint__get(*p, (size_t)(end - *p), v);
	if (k <= 0)
		return false;
	*p += k;
	return true;
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
 * Column F's N values into the rows, as arrival_codec__rows_from_pb stores
 * them; false unless [P, END) holds exactly N values. Inline: F folds.
 */
static inline __attribute__((always_inline)) bool decode_column(unsigned int f, const uint8_t *p, const uint8_t *end, uint64_t base,
			  struct trace_arrival *a, size_t n)
{
	uint64_t v, t = base;

	for (size_t i = 0; i < n; i++) {
		if (!next_value(&p, end, &v))
			return false;
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
	return p == end;
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
	n = count_values(col[F_TIME], col_end[F_TIME]);
	if (!n || n > TRACE_MAX_BATCH_ROWS)
		return 0;
	if (reserve(out, n))
		return -ENOMEM;
#define COLUMN(f) (!col[f] || decode_column(f, col[f], col_end[f], base, out->rows, n))
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
	r->rows = NULL;
	r->n = r->cap = 0;
}
