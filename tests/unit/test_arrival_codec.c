// SPDX-License-Identifier: MIT
/*
 * The hand decoder of arrival batches against protobuf-c: on the layout
 * protobuf-c writes it gives protobuf-c's rows; on anything else, damaged
 * or laid out otherwise, it declines (protobuf-c then decides) and never
 * gives other rows.
 */
#include <errno.h>
#include <stdlib.h>

#include "arrival_codec.h"
#include "test.h"
#include "trace_util.h"
#include "varint.h"

enum { MAX_ROWS = 3000 };

struct columns {
	size_t n;
	uint64_t base;
	int64_t time[MAX_ROWS];
	uint32_t pid[MAX_ROWS], bytes[MAX_ROWS], what[MAX_ROWS];
	int32_t fd[MAX_ROWS];
	uint64_t wait[MAX_ROWS];
	bool has_bytes, has_what, has_wait;
};

/* Values from small to extreme: the lengths of every varint, and wrapping sums. */
static uint64_t any(uint64_t *seed)
{
	uint64_t v = tu__rand(seed);

	switch (v % 5) {
	case 0:
		return v >> 60;
	case 1:
		return v >> 40;
	case 2:
		return v >> 20;
	case 3:
		return ~(v >> 50);	/* near the top: negative as signed */
	default:
		return v;
	}
}

static void random_columns(struct columns *c, uint64_t *seed, size_t n)
{
	c->n = n;
	c->base = tu__rand(seed) % 3 ? any(seed) : 0;
	c->has_bytes = tu__rand(seed) % 4;
	c->has_what = tu__rand(seed) % 4;
	c->has_wait = tu__rand(seed) % 2;
	for (size_t i = 0; i < n; i++) {
		c->time[i] = (int64_t)any(seed);
		c->pid[i] = (uint32_t)any(seed);
		c->fd[i] = tu__rand(seed) % 8 ? (int32_t)(any(seed) % 4096) : (int32_t)any(seed);
		c->bytes[i] = (uint32_t)any(seed);
		c->what[i] = tu__rand(seed) % 8 ? (uint32_t)(tu__rand(seed) % 4) : (uint32_t)any(seed);
		c->wait[i] = any(seed);
	}
}

/* C packed by protobuf-c, as the writer packs a batch: Record{arrivals}. Returns its length. */
static size_t pack(const struct columns *c, uint8_t *out)
{
	Mslat__Record rec = MSLAT__RECORD__INIT;
	Mslat__ArrivalBatch b = MSLAT__ARRIVAL_BATCH__INIT;

	b.base_ns = c->base;
	b.n_time_delta_ns = c->n;
	b.time_delta_ns = (int64_t *)c->time;
	b.n_pid = c->n;
	b.pid = (uint32_t *)c->pid;
	b.n_fd = c->n;
	b.fd = (int32_t *)c->fd;
	b.n_bytes = c->has_bytes ? c->n : 0;
	b.bytes = (uint32_t *)c->bytes;
	b.n_what = c->has_what ? c->n : 0;
	b.what = (uint32_t *)c->what;
	b.n_accept_wait_ns = c->has_wait ? c->n : 0;
	b.accept_wait_ns = (uint64_t *)c->wait;
	rec.kind_case = MSLAT__RECORD__KIND_ARRIVALS;
	rec.arrivals = &b;
	return mslat__record__pack(&rec, out);
}

/* protobuf-c's reading of P: 1 with its rows, 0 when it is no sound arrival batch. */
static int reference(const uint8_t *p, size_t len, struct arrival_rows *out)
{
	Mslat__Record *rec = mslat__record__unpack(NULL, len, p);
	int ok = rec && rec->kind_case == MSLAT__RECORD__KIND_ARRIVALS &&
		 arrival_codec__sound(rec->arrivals);

	if (ok && arrival_codec__rows_from_pb(out, rec->arrivals))
		ok = -1;
	if (rec)
		mslat__record__free_unpacked(rec, NULL);
	return ok;
}

static bool same_rows(const struct arrival_rows *a, const struct arrival_rows *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct trace_arrival *x = &a->rows[i], *y = &b->rows[i];

		if (x->time_ns != y->time_ns || x->pid != y->pid || x->fd != y->fd ||
		    x->bytes != y->bytes || x->what != y->what || x->accept_ns != y->accept_ns)
			return false;
	}
	return true;
}

static uint8_t buf[MAX_ROWS * 64 + 64];

TEST(arrival_codec, protobuf_c_layout_gives_its_rows)
{
	static struct columns c;
	struct arrival_rows fast = { 0 }, ref = { 0 };
	uint64_t seed = 11;
	int bad = 0, queued_saturated = 0;

	for (int round = 0; round < 300; round++) {
		size_t len;

		random_columns(&c, &seed, round % 10 ? 1 + tu__rand(&seed) % 200 : MAX_ROWS);
		len = pack(&c, buf);
		if (!ASSERT_EQ(reference(buf, len, &ref), 1, "protobuf-c reads it") ||
		    !ASSERT_EQ(arrival_codec__decode_rows(buf, len, &fast), 1, "decoded by hand"))
			break;
		bad += !same_rows(&fast, &ref);
		for (size_t i = 0; i < ref.n; i++)
			queued_saturated += ref.rows[i].accept_ns == UINT64_MAX;
	}
	ASSERT_EQ(bad, 0, "the same rows");
	ASSERT_LE(1, queued_saturated, "saturated accepts were among them");
	arrival_codec__free_rows(&fast);
	arrival_codec__free_rows(&ref);
}

/* Every byte changed, cut or doubled: decoded by hand only where protobuf-c gives the same rows. */
TEST(arrival_codec, damage_never_gives_other_rows)
{
	static struct columns c;
	static uint8_t m[sizeof(buf) + 1];
	struct arrival_rows fast = { 0 }, ref = { 0 };
	uint8_t *exact = NULL;
	uint64_t seed = 5;
	int disagree = 0, taken = 0, declined = 0, left_rows = 0;

	for (int round = 0; round < 60; round++) {
		size_t len;

		random_columns(&c, &seed, 1 + tu__rand(&seed) % 6);
		len = pack(&c, buf);
		for (size_t at = 0; at < len; at++) {
			for (int how = 0; how < 4; how++) {
				size_t mlen = len;
				int f, r;

				memcpy(m, buf, len);
				if (how == 0) {
					m[at] = (uint8_t)tu__rand(&seed);
				} else if (how == 1) {
					m[at] ^= 0x80;	/* a varint's continuation */
				} else if (how == 2) {
					mlen = at;	/* cut */
				} else {
					memmove(m + at + 1, m + at, len - at);	/* a byte doubled */
					mlen = len + 1;
				}
				/* exact size: the sanitizers' build sees any read past it */
				exact = realloc(exact, mlen ? mlen : 1);
				if (!ASSERT_OK_PTR(exact, "copy"))
					goto out;
				memcpy(exact, m, mlen);
				f = arrival_codec__decode_rows(exact, mlen, &fast);
				r = reference(exact, mlen, &ref);
				if (f == 1) {
					taken++;
					disagree += r != 1 || !same_rows(&fast, &ref);
				} else {
					declined++;
					left_rows += fast.n != 0;
				}
			}
		}
	}
	ASSERT_EQ(disagree, 0, "where decoded by hand, protobuf-c has the same rows");
	ASSERT_EQ(left_rows, 0, "a declined record leaves no rows");
	ASSERT_LE(1000, taken, "many damaged records are still batches");
	ASSERT_LE(1000, declined, "and many are declined");
out:
	free(exact);
	arrival_codec__free_rows(&fast);
	arrival_codec__free_rows(&ref);
}

/* Tag (one byte) and a varint into P. */
static size_t put_tag_varint(uint8_t *p, unsigned int tag, uint64_t v)
{
	p[0] = (uint8_t)tag;
	return 1 + varint__put(p + 1, v);
}

/*
 * Layouts protobuf-c reads but does not write: unpacked columns, fields out
 * of order or twice, unknown fields, a tag in two bytes. Declined, so that
 * the reader gives them to protobuf-c (test_trace_format's
 * format__arrival_batches_of_other_layouts reads them through a trace).
 */
TEST(arrival_codec, other_layouts_declined)
{
	struct arrival_rows fast = { 0 }, ref = { 0 };
	uint8_t body[64], rec[80];
	const char *what[] = { "unpacked pid", "fields out of order", "unknown field",
			       "base twice", "two-byte tag" };

	for (int k = 0; k < 5; k++) {
		size_t n = 0, r = 0;

		if (k == 4) {
			body[n++] = 0x88;	/* field 1, varint, its tag in two bytes */
			body[n++] = 0x00;
			body[n++] = 7;
		} else {
			n += put_tag_varint(body + n, 0x08, 1000);	/* base */
		}
		if (k == 3)
			n += put_tag_varint(body + n, 0x08, 2000);
		if (k == 1) {
			body[n++] = 0x22, body[n++] = 1, body[n++] = 6;	/* fd 3 before the times */
		}
		body[n++] = 0x12, body[n++] = 1, body[n++] = 4;	/* time delta +2 */
		if (k == 0)
			n += put_tag_varint(body + n, 0x18, 77);	/* pid, not packed */
		else
			body[n++] = 0x1a, body[n++] = 1, body[n++] = 77;
		if (k != 1)
			body[n++] = 0x22, body[n++] = 1, body[n++] = 6;
		if (k == 2)
			n += put_tag_varint(body + n, 0x78, 5);	/* field 15 */
		rec[r++] = 0x42;
		r += varint__put(rec + r, n);
		memcpy(rec + r, body, n);
		r += n;
		if (!ASSERT_EQ(reference(rec, r, &ref), 1, what[k]))
			continue;
		ASSERT_EQ(ref.n, 1, what[k]);
		ASSERT_EQ(ref.rows[0].pid, 77, what[k]);
		ASSERT_EQ(ref.rows[0].fd, 3, what[k]);
		ASSERT_EQ(arrival_codec__decode_rows(rec, r, &fast), 0, what[k]);
	}
	/* A length in 6 bytes (padded): protobuf-c refuses it, so must this decoder. */
	{
		static struct columns c = { .n = 2, .base = 9, .time = { 1, 2 }, .pid = { 3, 4 },
					    .fd = { 5, 6 } };
		size_t len = pack(&c, buf), r = 0;

		if (!ASSERT_TRUE(buf[1] < 0x80 && len + 5 <= sizeof(rec), "a one-byte length"))
			goto out;
		rec[r++] = buf[0];
		rec[r++] = 0x80 | buf[1];
		for (int i = 0; i < 4; i++)
			rec[r++] = 0x80;
		rec[r++] = 0;
		memcpy(rec + r, buf + 2, len - 2);
		r += len - 2;
		ASSERT_EQ(reference(rec, r, &ref), 0, "padded length refused by protobuf-c");
		ASSERT_EQ(arrival_codec__decode_rows(rec, r, &fast), 0, "and declined here");
		/* the same padded to 5 bytes: read by both */
		memmove(rec + 6, rec + 7, r - 7);
		rec[5] = 0;
		ASSERT_EQ(reference(rec, r - 1, &ref), 1, "5-byte length read by protobuf-c");
		ASSERT_EQ(arrival_codec__decode_rows(rec, r - 1, &fast), 1, "and here");
		ASSERT_TRUE(same_rows(&fast, &ref), "the same rows");
	}
out:
	arrival_codec__free_rows(&fast);
	arrival_codec__free_rows(&ref);
}
