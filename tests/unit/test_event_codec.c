// SPDX-License-Identifier: MIT
/* The hand-written EventBatch codec speaks protobuf: protobuf-c reads what it writes and vice versa. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event_codec.h"
#include "mslat.pb-c.h"
#include "test.h"
#include "trace_util.h"
#include "varint.h"

TEST(event_codec, protobuf_c_reads_it)
{
	enum { N = 5000 };
	struct trace_event *ev = calloc(N, sizeof(*ev));
	uint8_t *out = malloc(event_codec__max_bytes(N)), *scratch = malloc(event_codec__max_bytes(N));
	Mslat__Record *rec;
	size_t len;
	uint64_t t;
	uint32_t tid = 0, pid = 0;

	for (int i = 0; i < N; i++)
		tu__event(77, (uint64_t)i, &ev[i]);
	ev[17].ret = INT64_MIN;	/* extremes survive zigzag */
	ev[18].duration_ns = UINT64_MAX;
	ev[19].tid = UINT32_MAX;
	len = event_codec__encode(ev, N, out, scratch);
	rec = mslat__record__unpack(NULL, len, out);
	if (!ASSERT_OK_PTR(rec, "protobuf-c unpacks it") ||
	    !ASSERT_EQ(rec->kind_case, MSLAT__RECORD__KIND_EVENTS, "events record"))
		goto out;
	ASSERT_EQ(rec->events->n_enter_delta_ns, N, "rows");
	t = rec->events->base_ns;
	for (int i = 0; i < N; i++) {
		t += (uint64_t)rec->events->enter_delta_ns[i];
		tid += (uint32_t)rec->events->tid_delta[i];
		pid += (uint32_t)rec->events->pid_delta[i];
		if (!ASSERT_EQ_U64(t, ev[i].enter_ns, "enter") || !ASSERT_EQ(tid, ev[i].tid, "tid") ||
		    !ASSERT_EQ(pid, ev[i].pid, "pid") ||
		    !ASSERT_EQ_U64(rec->events->duration_ns[i], ev[i].duration_ns, "duration") ||
		    !ASSERT_EQ(rec->events->ret[i], ev[i].ret, "ret") ||
		    !ASSERT_EQ(rec->events->fd[i], ev[i].fd, "fd"))
			break;
	}
	mslat__record__free_unpacked(rec, NULL);
out:
	free(ev);
	free(out);
	free(scratch);
}

/* A record of three rows as protobuf-c would write it: no fd, no ret column. */
static void three_rows(Mslat__Record *rec, Mslat__EventBatch *b)
{
	static int64_t d[3] = { 0, 10, -4 };
	static uint64_t dur[3] = { 1, 300, 70000 };
	static int32_t tid[3] = { 42, 0, 1 }, pid[3] = { 42, 0, 0 };
	static uint32_t nr[3] = { 0, 1, 202 };

	b->base_ns = 1000;
	b->n_enter_delta_ns = b->n_duration_ns = b->n_tid_delta = b->n_pid_delta = b->n_syscall = 3;
	b->enter_delta_ns = d;
	b->duration_ns = dur;
	b->tid_delta = tid;
	b->pid_delta = pid;
	b->syscall = nr;
	rec->kind_case = MSLAT__RECORD__KIND_EVENTS;
	rec->events = b;
}

TEST(event_codec, reads_protobuf_c_and_unpacked_fields)
{
	Mslat__Record rec = MSLAT__RECORD__INIT;
	Mslat__EventBatch b = MSLAT__EVENT_BATCH__INIT;
	struct event_columns c = {};
	uint8_t buf[512];
	const char *why = NULL;
	size_t n;

	three_rows(&rec, &b);
	n = mslat__record__pack(&rec, buf);
	if (!ASSERT_EQ(event_codec__decode(buf, n, &c, &why), 1, "decodes protobuf-c output"))
		return;
	ASSERT_EQ(c.rows, 3, "rows");
	ASSERT_EQ(c.enter_delta[2], -4, "negative delta");
	ASSERT_EQ(c.duration[2], 70000, "duration");
	ASSERT_EQ(c.syscall[2], 202, "syscall");
	ASSERT_EQ(c.n[6], 0, "no fd column");

	/* The same batch with its syscall column unpacked (one varint field per value). */
	{
		uint8_t inner[256], *p = inner;
		size_t len;

		*p++ = (1 << 3) | 0, *p++ = 5;			/* base_ns 5 */
		*p++ = (2 << 3) | 2, *p++ = 2, *p++ = 0, *p++ = 2;	/* deltas 0, +1 */
		*p++ = (3 << 3) | 2, *p++ = 2, *p++ = 7, *p++ = 8;
		*p++ = (4 << 3) | 2, *p++ = 2, *p++ = 2, *p++ = 0;
		*p++ = (5 << 3) | 2, *p++ = 2, *p++ = 2, *p++ = 0;
		*p++ = (6 << 3) | 0, *p++ = 3;			/* syscall 3, unpacked */
		*p++ = (6 << 3) | 0, *p++ = 4;
		len = (size_t)(p - inner);
		buf[0] = (2 << 3) | 2;
		buf[1] = (uint8_t)len;
		memcpy(buf + 2, inner, len);
		ASSERT_EQ(event_codec__decode(buf, len + 2, &c, &why), 1, "unpacked repeated field");
		ASSERT_EQ(c.rows, 2, "rows");
		ASSERT_EQ(c.syscall[1], 4, "second syscall");
		/* Now make one column short: corrupt, named. */
		buf[1] = (uint8_t)(len - 2);
		ASSERT_EQ(event_codec__decode(buf, len, &c, &why), -EBADMSG, "short column refused");
		ASSERT_TRUE(why && strstr(why, "different lengths"), "says why");
	}
	event_codec__free(&c);
}

/* Encode N events, decode them straight into rows; every field must come back. */
static bool rows_round_trip(struct trace_event *ev, size_t n, const char *what)
{
	uint8_t *out = malloc(event_codec__max_bytes(n)), *scratch = malloc(event_codec__max_bytes(n));
	struct event_rows r = {};
	size_t len = event_codec__encode(ev, n, out, scratch);
	bool ok = ASSERT_EQ(event_codec__decode_rows(out, len, &r), 1, what) &&
		  ASSERT_EQ(r.n, n, "rows");

	for (size_t i = 0; ok && i < n; i++)
		ok = ASSERT_TRUE(!memcmp(&r.rows[i], &ev[i], sizeof(ev[i])), "row equal field for field");
	event_codec__free_rows(&r);
	free(out);
	free(scratch);
	return ok;
}

static void rows_round_trips(struct trace_event *ev)
{
	enum { N = 20000 };

	for (int i = 0; i < N; i++)
		tu__event(99, (uint64_t)i, &ev[i]);
	/* extremes survive, both in the word-at-a-time loop and in the last 8 bytes */
	ev[17].ret = INT64_MIN;
	ev[18].duration_ns = UINT64_MAX;
	ev[19].tid = UINT32_MAX;
	ev[20].enter_ns = UINT64_MAX - 5;
	ev[21].enter_ns = 3;
	ev[N - 1].ret = INT64_MAX;
	ev[N - 1].duration_ns = UINT64_MAX;
	ev[N - 2].fd = INT32_MIN;
	ev[N - 2].syscall = UINT32_MAX;
	rows_round_trip(ev, N, "mixed rows");
	rows_round_trip(ev + 5, 1, "one row");
	for (int i = 0; i < N; i++) {	/* no fd and no return value anywhere: columns left out */
		ev[i].fd = -1;
		ev[i].fd_kind = 0;
		ev[i].ret = 0;
	}
	rows_round_trip(ev, N, "rows without fd and ret columns");
	ev[7].ret = 1;
	rows_round_trip(ev, N, "ret column without fd column");
}

/* Both sets of column decoders: the BMI2 ones where this CPU has them, and the portable ones. */
TEST(event_codec, rows_fast_path_round_trip)
{
	struct trace_event *ev = calloc(20000, sizeof(*ev));

	for (int portable = 0; portable <= 1; portable++) {
		event_codec__force_portable(portable);
		rows_round_trips(ev);
	}
	event_codec__force_portable(-1);
	free(ev);
}

/* N rows whose tid, pid, fd, fd kind and syscall are one-byte values, the same in every row. */
static void one_byte_rows(struct trace_event *ev, size_t n, uint64_t seed, uint32_t id, int32_t fd,
			  uint32_t syscall)
{
	for (size_t i = 0; i < n; i++) {
		tu__event(seed, i, &ev[i]);
		ev[i].tid = ev[i].pid = id;
		ev[i].fd = fd;
		ev[i].fd_kind = FD_KIND_PIPE;
		ev[i].syscall = syscall;
	}
}

/*
 * Runs of eight one-byte values (pid and tid constant: words of zeros), and a
 * value of every length at every offset of them: each column's word loops
 * hand over to the one-value and the last-bytes paths at every alignment.
 */
TEST(event_codec, rows_fast_path_long_values_anywhere)
{
	enum { N = 100 };
	struct trace_event ev[N];
	static const uint64_t big[] = { 0x80, 1ULL << 21, 1ULL << 35, 1ULL << 49, 1ULL << 56,
					1ULL << 63, UINT64_MAX };
	static const uint32_t big32[] = { 0x80, 1U << 14, 1U << 21, 1U << 28, INT32_MAX,
					  1U << 31, UINT32_MAX };
	bool ok = true;

	for (int portable = 0; ok && portable <= 1; portable++) {
		event_codec__force_portable(portable);
		for (size_t at = 0; ok && at < N; at++) {
			for (size_t b = 0; ok && b < sizeof(big) / sizeof(big[0]); b++) {
				one_byte_rows(ev, N, 7, 4321, 5, 1);
				ev[at].enter_ns += big[b];
				ev[at].duration_ns = big[b];
				ev[at].tid += big32[b];
				ev[at].pid -= big32[b];
				ev[at].syscall = big32[b];
				ev[at].fd = (int32_t)big32[b];
				ev[at].fd_kind = big32[b];
				ev[at].ret = (int64_t)big[b];
				ok = rows_round_trip(ev, N, "a long value among one-byte ones") &&
				     rows_round_trip(ev + at, N - at, "the long value first");
			}
		}
	}
	event_codec__force_portable(-1);
}

/*
 * decode_rows takes every column a chunk of rows at a time: a long value on
 * either side of a chunk's edge, and the running tid, pid and time (words
 * of zeros repeat them) carried from one chunk into the next. The rows
 * around each power of two from 8 to 1024 are tried, whatever the chunk.
 */
TEST(event_codec, rows_fast_path_values_across_chunk_edges)
{
	enum { N = 1100 };
	struct trace_event *ev = calloc(N, sizeof(*ev));
	bool ok = true;

	for (int portable = 0; ok && portable <= 1; portable++) {
		event_codec__force_portable(portable);
		for (size_t edge = 8; ok && edge <= 1024; edge *= 2) {
			for (size_t at = edge - 1; ok && at <= edge + 1; at++) {
				one_byte_rows(ev, N, 11, 777, 3, 0);
				ev[at].enter_ns += 1ULL << 40;
				ev[at].duration_ns = UINT64_MAX;
				ev[at].tid = UINT32_MAX;
				ev[at].pid = 1U << 30;
				ev[at].syscall = 1U << 20;
				ev[at].fd = INT32_MIN;
				ev[at].fd_kind = 1U << 16;
				ev[at].ret = INT64_MIN;
				ok = rows_round_trip(ev, N, "a long value at a chunk's edge");
			}
		}
	}
	event_codec__force_portable(-1);
	free(ev);
}

/*
 * Every value of the wide columns 5 to 10 bytes long, lengths mixed: four
 * never fit in 16 bytes, so every value takes the one-at-a-time path after
 * the four-value test, up to the last bytes of each column.
 */
TEST(event_codec, rows_fast_path_all_values_long)
{
	enum { N = 1000 };
	struct trace_event *ev = calloc(N, sizeof(*ev));
	uint64_t seed = 5, t = 1;
	bool ok = true;

	for (size_t i = 0; i < N; i++) {
		unsigned int bits = 28 + (unsigned int)(tu__rand(&seed) % 36);	/* 5..10 bytes */

		tu__event(13, i, &ev[i]);
		t += (1ULL << 35) + tu__rand(&seed) % (1ULL << 34);
		ev[i].enter_ns = t;
		ev[i].duration_ns = (1ULL << (bits - 1)) | (tu__rand(&seed) & ((1ULL << (bits - 1)) - 1));
		ev[i].ret = (i & 1) ? -(int64_t)(ev[i].duration_ns >> 1) : (int64_t)(ev[i].duration_ns >> 1);
		ev[i].syscall = 1U << (28 + i % 4);
	}
	for (int portable = 0; ok && portable <= 1; portable++) {
		event_codec__force_portable(portable);
		ok = rows_round_trip(ev, N, "long values only") &&
		     rows_round_trip(ev + 3, N - 3, "long values only, shifted");
	}
	event_codec__force_portable(-1);
	free(ev);
}

/* Append VAL as a varint, as a 10-byte one (valid protobuf, if no writer's choice) when LONG. */
static uint8_t *put_varint(uint8_t *p, uint64_t val, bool long_form)
{
	if (!long_form)
		return p + varint__put(p, val);
	for (int i = 0; i < 9; i++, val >>= 7)
		*p++ = (uint8_t)(val | 0x80);
	*p++ = (uint8_t)(val & 1);
	return p;
}

/*
 * A batch in the codec's layout with one value, in column LONG_FIELD at row
 * AT, written in 10 bytes: the fast path takes it and agrees with the
 * general decoder, wherever it sits.
 */
static bool ten_byte_value(unsigned int long_field, size_t at)
{
	enum { N = 40 };
	uint8_t col[N * 10], rec[8 * (N * 10 + 8) + 32], *q = rec + 4, *c;
	struct event_rows r = {};
	struct event_columns cols = {};
	const char *why;
	bool ok;

	*q++ = (1 << 3) | 0;
	q += varint__put(q, 123456789);
	for (unsigned int f = 2; f <= 9; f++) {
		c = col;
		for (size_t i = 0; i < N; i++)	/* zigzag or not, small values: one or two bytes */
			c = put_varint(c, (i * 37 + f) % 200, f == long_field && i == at);
		*q++ = (uint8_t)((f << 3) | 2);
		q += varint__put(q, (size_t)(c - col));
		memcpy(q, col, (size_t)(c - col));
		q += c - col;
	}
	/* the record wrapper, in the 4 bytes left in front */
	{
		size_t len = (size_t)(q - rec - 4);
		uint8_t hdr[8];
		size_t h = varint__put(hdr + 1, len) + 1;

		hdr[0] = (2 << 3) | 2;
		memcpy(rec + 4 - h, hdr, h);
		c = rec + 4 - h;
		len += h;
		ok = ASSERT_EQ(event_codec__decode_rows(c, len, &r), 1, "a 10-byte varint taken") &&
		     ASSERT_EQ(event_codec__decode(c, len, &cols, &why), 1, "general decoder too") &&
		     ASSERT_EQ(r.n, N, "rows");
	}
	for (size_t i = 0; ok && i < N; i++) {
		const struct trace_event *e = &r.rows[i];

		ok = ASSERT_EQ_U64(e->duration_ns, cols.duration[i], "duration") &&
		     ASSERT_EQ(e->syscall, cols.syscall[i], "syscall") &&
		     ASSERT_EQ(e->fd, cols.fd[i], "fd") && ASSERT_EQ(e->fd_kind, cols.fd_kind[i], "kind") &&
		     ASSERT_EQ(e->ret, cols.ret[i], "ret") &&
		     ASSERT_EQ(e->tid - (i ? r.rows[i - 1].tid : 0), (uint32_t)cols.tid_delta[i], "tid") &&
		     ASSERT_EQ(e->pid - (i ? r.rows[i - 1].pid : 0), (uint32_t)cols.pid_delta[i], "pid") &&
		     ASSERT_EQ_U64(e->enter_ns - (i ? r.rows[i - 1].enter_ns : cols.base_ns),
				   (uint64_t)cols.enter_delta[i], "enter");
	}
	event_codec__free_rows(&r);
	event_codec__free(&cols);
	return ok;
}

TEST(event_codec, rows_fast_path_takes_ten_byte_varints)
{
	static const size_t rows[] = { 0, 1, 7, 8, 20, 31, 32, 33, 38, 39 };
	bool ok = true;

	for (int portable = 0; ok && portable <= 1; portable++) {
		event_codec__force_portable(portable);
		for (unsigned int f = 2; ok && f <= 9; f++)
			for (size_t k = 0; ok && k < sizeof(rows) / sizeof(rows[0]); k++)
				ok = ten_byte_value(f, rows[k]);
	}
	event_codec__force_portable(-1);
}

TEST(event_codec, rows_fast_path_declines_other_layouts)
{
	Mslat__Record rec = MSLAT__RECORD__INIT;
	Mslat__EventBatch b = MSLAT__EVENT_BATCH__INIT;
	int32_t fd[3] = { 3, 4, 5 };
	struct trace_event ev[3];
	struct event_rows r = {};
	uint8_t buf[512], *out = malloc(event_codec__max_bytes(3)), *scratch = malloc(event_codec__max_bytes(3));
	size_t n;

	/* protobuf-c writes fd without fd_kind here: valid protobuf, not our layout */
	three_rows(&rec, &b);
	b.n_fd = 3;
	b.fd = fd;
	n = mslat__record__pack(&rec, buf);
	ASSERT_EQ(event_codec__decode_rows(buf, n, &r), 0, "fd column without fd_kind: declined");
	ASSERT_EQ(r.n, 0, "no rows left behind");

	/* our own layout, then damaged in ways the general decoder must judge */
	for (int i = 0; i < 3; i++)
		tu__event(5, (uint64_t)i, &ev[i]);
	ev[0].fd = 1;
	ev[0].ret = 7;
	n = event_codec__encode(ev, 3, out, scratch);
	ASSERT_EQ(event_codec__decode_rows(out, n, &r), 1, "own layout taken");
	memcpy(buf, out, n);
	buf[n] = (10 << 3) | 0;	/* a field of a newer minor version after the columns */
	buf[n + 1] = 1;
	buf[1] += 2;
	ASSERT_EQ(event_codec__decode_rows(buf, n + 2, &r), 0, "unknown trailing field: declined");
	memcpy(buf, out, n);
	buf[n - 1] |= 0x80;	/* the last column ends inside a varint */
	ASSERT_EQ(event_codec__decode_rows(buf, n, &r), 0, "damaged column: declined");
	ASSERT_EQ(event_codec__decode_rows(out, n - 1, &r), 0, "record cut short: declined");
	event_codec__free_rows(&r);
	free(out);
	free(scratch);
}

/*
 * The fast path and the general decoder agree: on damaged copies of a real
 * batch (bytes flipped, inserted, cut), whenever the fast path takes a
 * record the general decoder takes it too and yields the same rows.
 */
TEST(event_codec, rows_fast_path_agrees_with_general_decoder)
{
	enum { N = 64, ROUNDS = 200000 };
	struct trace_event ev[N];
	uint8_t *good = malloc(event_codec__max_bytes(N)), *scratch = malloc(event_codec__max_bytes(N));
	uint8_t *buf = malloc(event_codec__max_bytes(N) + 16);
	struct event_rows r = {};
	struct event_columns c = {};
	uint64_t seed = 12345;
	size_t len, taken = 0, declined = 0;
	bool ok = true;

	for (int i = 0; i < N; i++)
		tu__event(3, (uint64_t)i, &ev[i]);
	len = event_codec__encode(ev, N, good, scratch);
	for (int round = 0; ok && round < ROUNDS; round++) {
		event_codec__force_portable(round & 1);
		size_t n = len, flips = 1 + tu__rand(&seed) % 3;
		const char *why;
		int fast, general;
		uint64_t t;
		uint32_t tid, pid;

		memcpy(buf, good, len);
		for (size_t k = 0; k < flips; k++) {
			size_t at = (size_t)(tu__rand(&seed) % n);

			switch (tu__rand(&seed) % 4) {
			case 0: buf[at] ^= (uint8_t)(1 << (tu__rand(&seed) % 8)); break;
			case 1: buf[at] = (uint8_t)tu__rand(&seed); break;
			case 2: n = at + 1; break;	/* cut */
			default:			/* a byte inserted */
				memmove(buf + at + 1, buf + at, n - at);
				buf[at] = (uint8_t)tu__rand(&seed);
				n++;
				break;
			}
		}
		fast = event_codec__decode_rows(buf, n, &r);
		if (fast != 1) {
			declined++;
			ok = ASSERT_EQ(fast, 0, "declined, not failed") && ASSERT_EQ(r.n, 0, "no rows");
			continue;
		}
		taken++;
		general = event_codec__decode(buf, n, &c, &why);
		ok = ASSERT_EQ(general, 1, "the general decoder takes what the fast path takes") &&
		     ASSERT_EQ(c.rows, r.n, "same row count");
		t = c.base_ns;
		tid = pid = 0;
		for (size_t i = 0; ok && i < r.n; i++) {
			t += (uint64_t)c.enter_delta[i];
			tid += (uint32_t)c.tid_delta[i];
			pid += (uint32_t)c.pid_delta[i];
			ok = ASSERT_EQ_U64(r.rows[i].enter_ns, t, "enter") &&
			     ASSERT_EQ_U64(r.rows[i].duration_ns, c.duration[i], "duration") &&
			     ASSERT_EQ(r.rows[i].tid, tid, "tid") && ASSERT_EQ(r.rows[i].pid, pid, "pid") &&
			     ASSERT_EQ(r.rows[i].syscall, c.syscall[i], "syscall") &&
			     ASSERT_EQ(r.rows[i].fd, c.n[6] ? c.fd[i] : -1, "fd") &&
			     ASSERT_EQ(r.rows[i].fd_kind, c.n[6] ? c.fd_kind[i] : 0, "fd kind") &&
			     ASSERT_EQ(r.rows[i].ret, c.n[8] ? c.ret[i] : 0, "ret");
		}
	}
	event_codec__force_portable(-1);
	/* both outcomes must have been exercised for the comparison to mean something */
	ASSERT_TRUE(taken > 1000 && declined > 1000, "damaged batches both taken and declined");
	event_codec__free_rows(&r);
	event_codec__free(&c);
	free(good);
	free(scratch);
	free(buf);
}
