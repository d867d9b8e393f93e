// SPDX-License-Identifier: MIT
/* Hand-written protobuf codec for EventBatch, the one record type on the per-event hot path. */
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "event_codec.h"
#include "trace_format.h"
#include "varint.h"

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };
enum { F_BASE = 1, F_ENTER, F_DUR, F_TID, F_PID, F_SYS, F_FD, F_KIND, F_RET };
#define RECORD_EVENTS_TAG ((2 << 3) | WT_LEN)	/* Record.events */

static inline uint64_t zz64(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline uint32_t zz32(int32_t v)
{
	return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

static inline int64_t unzz64(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline int32_t unzz32(uint32_t v)
{
	return (int32_t)(v >> 1) ^ -(int32_t)(v & 1);
}

size_t event_codec__max_bytes(size_t n)
{
	/* 55 bytes of varints per row at worst, plus tags, lengths and the wrapper. */
	return n * 55 + 16 * 11 + 32;
}

/* Append field F as a packed column from the varints in SRC. */
static uint8_t *put_packed(uint8_t *out, unsigned int f, const uint8_t *src, size_t len)
{
	if (!len)
		return out;
	*out++ = (uint8_t)((f << 3) | WT_LEN);
	out += varint__put(out, len);
	memcpy(out, src, len);
	return out + len;
}

#define ENCODE_COLUMN(field, expr)                                  \
	do {                                                        \
		uint8_t *s = scratch;                               \
		for (size_t i = 0; i < n; i++)                      \
			s += varint__put(s, (expr));                \
		b = put_packed(b, (field), scratch, (size_t)(s - scratch)); \
	} while (0)

size_t event_codec__encode(const struct trace_event *ev, size_t n, uint8_t *out, uint8_t *scratch)
{
	/* The batch is built after room for its wrapper, then moved into place. */
	uint8_t *start = out + 1 + VARINT_MAX_BYTES, *b = start;
	bool any_fd = false, any_ret = false;
	size_t len, hdr;

	if (!n)
		return 0;
	if (ev[0].enter_ns) {
		*b++ = (F_BASE << 3) | WT_VARINT;
		b += varint__put(b, ev[0].enter_ns);
	}
	for (size_t i = 0; i < n; i++) {
		any_fd |= ev[i].fd != -1 || ev[i].fd_kind != 0;
		any_ret |= ev[i].ret != 0;
	}
	ENCODE_COLUMN(F_ENTER, zz64((int64_t)(ev[i].enter_ns - (i ? ev[i - 1].enter_ns : ev[0].enter_ns))));
	ENCODE_COLUMN(F_DUR, ev[i].duration_ns);
	ENCODE_COLUMN(F_TID, zz32((int32_t)(ev[i].tid - (i ? ev[i - 1].tid : 0))));
	ENCODE_COLUMN(F_PID, zz32((int32_t)(ev[i].pid - (i ? ev[i - 1].pid : 0))));
	ENCODE_COLUMN(F_SYS, ev[i].syscall);
	if (any_fd) {
		ENCODE_COLUMN(F_FD, zz32(ev[i].fd));
		ENCODE_COLUMN(F_KIND, ev[i].fd_kind);
	}
	if (any_ret)
		ENCODE_COLUMN(F_RET, zz64(ev[i].ret));
	len = (size_t)(b - start);
	out[0] = RECORD_EVENTS_TAG;
	hdr = 1 + varint__put(out + 1, len);
	memmove(out + hdr, start, len);
	return hdr + len;
}

/* Make room for WANT entries in column F. */
static int grow(struct event_columns *c, unsigned int f, size_t want)
{
	static const size_t width[9] = { 8, 8, 4, 4, 4, 4, 4, 8, 0 };
	void **arrays[9] = {
		(void **)&c->enter_delta, (void **)&c->duration, (void **)&c->tid_delta,
		(void **)&c->pid_delta, (void **)&c->syscall, (void **)&c->fd,
		(void **)&c->fd_kind, (void **)&c->ret, NULL,
	};
	unsigned int k = f - 2;	/* columns are fields 2..9 */
	size_t cap;
	void *p;

	if (want <= c->cap[k])
		return 0;
	if (want > TRACE_MAX_BATCH_ROWS)
		return -E2BIG;
	cap = c->cap[k] ? c->cap[k] : 1024;
	while (cap < want)
		cap *= 2;
	if (cap > TRACE_MAX_BATCH_ROWS)
		cap = TRACE_MAX_BATCH_ROWS;
	p = realloc(*arrays[k], cap * width[k]);
	if (!p)
		return -ENOMEM;
	*arrays[k] = p;
	c->cap[k] = cap;
	return 0;
}

static inline void store(struct event_columns *c, unsigned int f, size_t i, uint64_t v)
{
	switch (f) {
	case F_ENTER: c->enter_delta[i] = unzz64(v); break;
	case F_DUR: c->duration[i] = v; break;
	case F_TID: c->tid_delta[i] = unzz32((uint32_t)v); break;
	case F_PID: c->pid_delta[i] = unzz32((uint32_t)v); break;
	case F_SYS: c->syscall[i] = (uint32_t)v; break;
	case F_FD: c->fd[i] = unzz32((uint32_t)v); break;
	case F_KIND: c->fd_kind[i] = (uint32_t)v; break;
	case F_RET: c->ret[i] = unzz64(v); break;
	}
}

#define HIGH_BITS 0x8080808080808080ULL
#define LOW7_BITS 0x7f7f7f7f7f7f7f7fULL

/* The 7-bit groups of X (a varint's bytes, top bits clear, first byte lowest) joined: its value. */
static inline __attribute__((always_inline)) uint64_t join7(uint64_t x)
{
	/* in pairs (the upper one shifted onto the gap), then fours, then all */
	x -= (x & 0x7f007f007f007f00ULL) >> 1;
	x = (x & 0x00003fff00003fffULL) | ((x >> 2) & 0x0fffc0000fffc000ULL);
	return (x & 0x000000000fffffffULL) | ((x >> 4) & 0x00fffffff0000000ULL);
}

/*
 * The varint in the 8 bytes at P (all readable) into *V, without a branch on
 * its length, for columns whose lengths vary from value to value (times,
 * byte counts): there a branch per value mispredicts often. Returns its
 * length, 0 if it is longer than 8 bytes.
 */
static inline unsigned int varint_word_nb(const uint8_t *p, uint64_t *v)
{
	uint64_t w, stop, x;

	memcpy(&w, p, 8);
	stop = ~w & HIGH_BITS;
	if (__builtin_expect(!stop, 0))
		return 0;
	/* every bit up to the first final byte's top bit: the varint's bytes */
	x = w & (stop ^ (stop - 1)) & LOW7_BITS;
	*v = join7(x);
	return (unsigned int)__builtin_ctzll(stop) / 8 + 1;
}

/*
 * The general decoder's loops, one per column type so each stores straight
 * into its array: one-byte values eight at once when a word holds eight, others through the word decoder, the last bytes and varints
 * longer than 8 bytes through varint__get. Returns the new row count, or
 * (size_t)-1 on a varint longer than 10 bytes.
 */
#define DEFINE_DECODER(name, type, conv)                                          \
	static size_t name(type *dst, size_t i, const uint8_t *p, const uint8_t *end) \
	{                                                                         \
		while (end - p >= 8) {                                            \
			unsigned int n;                                           \
			uint64_t v, w;                                            \
			memcpy(&w, p, 8);                                         \
			if (!(w & HIGH_BITS)) {                                   \
				for (int k = 0; k < 8; k++) {                     \
					v = (w >> (8 * k)) & 0x7f;                \
					dst[i++] = conv;                          \
				}                                                 \
				p += 8;                                           \
				continue;                                         \
			}                                                         \
			n = varint_word_nb(p, &v);                                \
			if (__builtin_expect(!n, 0)) {                            \
				int used = varint__get(p, (size_t)(end - p), &v); \
				if (used <= 0)                                    \
					return (size_t)-1;                        \
				n = (unsigned int)used;                           \
			}                                                         \
			p += n;                                                   \
			dst[i++] = conv;                                          \
		}                                                                 \
		while (p < end) {                                                 \
			uint64_t v;                                               \
			int used = varint__get(p, (size_t)(end - p), &v);         \
			if (used <= 0)                                            \
				return (size_t)-1;                                \
			p += used;                                                \
			dst[i++] = conv;                                          \
		}                                                                 \
		return i;                                                         \
	}

DEFINE_DECODER(decode_zz64, int64_t, unzz64(v))
DEFINE_DECODER(decode_u64, uint64_t, v)
DEFINE_DECODER(decode_zz32, int32_t, unzz32((uint32_t)v))
DEFINE_DECODER(decode_u32, uint32_t, (uint32_t)v)

/* Decode a packed column of varints, appending to what the column holds. */
static int decode_packed(struct event_columns *c, unsigned int f, const uint8_t *p, size_t len,
			 const char **why)
{
	const uint8_t *end = p + len;
	size_t count = 0, i = c->n[f - 1];
	int err;

	count = varint__count(p, len);
	if (len && (p[len - 1] & 0x80)) {
		*why = "packed column ends inside a varint";
		return -EBADMSG;
	}
	if (i + count > TRACE_MAX_BATCH_ROWS) {
		*why = "event batch longer than the format allows";
		return -EBADMSG;
	}
	err = grow(c, f, i + count);
	if (err)
		return err;
	switch (f) {
	case F_ENTER: i = decode_zz64(c->enter_delta, i, p, end); break;
	case F_DUR: i = decode_u64(c->duration, i, p, end); break;
	case F_TID: i = decode_zz32(c->tid_delta, i, p, end); break;
	case F_PID: i = decode_zz32(c->pid_delta, i, p, end); break;
	case F_SYS: i = decode_u32(c->syscall, i, p, end); break;
	case F_FD: i = decode_zz32(c->fd, i, p, end); break;
	case F_KIND: i = decode_u32(c->fd_kind, i, p, end); break;
	case F_RET: i = decode_zz64(c->ret, i, p, end); break;
	}
	if (i == (size_t)-1) {
		*why = "bad varint in a packed column";
		return -EBADMSG;
	}
	c->n[f - 1] = i;
	return 0;
}

/* Skip a field of an unknown number; only groups (deprecated) are refused. */
static int skip_field(unsigned int wt, const uint8_t **p, const uint8_t *end)
{
	uint64_t v;
	int used;

	switch (wt) {
	case WT_VARINT:
		used = varint__get(*p, (size_t)(end - *p), &v);
		if (used <= 0)
			return -1;
		*p += used;
		return 0;
	case WT_I64:
		if (end - *p < 8)
			return -1;
		*p += 8;
		return 0;
	case WT_I32:
		if (end - *p < 4)
			return -1;
		*p += 4;
		return 0;
	case WT_LEN:
		used = varint__get(*p, (size_t)(end - *p), &v);
		if (used <= 0 || v > (uint64_t)(end - *p - used))
			return -1;
		*p += (size_t)used + v;
		return 0;
	default:
		return -1;
	}
}

static int decode_batch(const uint8_t *p, const uint8_t *end, struct event_columns *c,
			const char **why)
{
	while (p < end) {
		uint64_t key, v;
		unsigned int f, wt;
		int used, err;

		used = varint__get(p, (size_t)(end - p), &key);
		if (used <= 0 || key >> 32)
			goto bad;
		p += used;
		f = (unsigned int)(key >> 3);
		wt = key & 7;
		if (f == F_BASE && wt == WT_VARINT) {
			used = varint__get(p, (size_t)(end - p), &c->base_ns);
			if (used <= 0)
				goto bad;
			p += used;
		} else if (f >= F_ENTER && f <= F_RET && wt == WT_LEN) {
			used = varint__get(p, (size_t)(end - p), &v);
			if (used <= 0 || v > (uint64_t)(end - p - used))
				goto bad;
			p += used;
			err = decode_packed(c, f, p, (size_t)v, why);
			if (err)
				return err;
			p += v;
		} else if (f >= F_ENTER && f <= F_RET && wt == WT_VARINT) {
			/* A repeated scalar may also come unpacked, one value per field. */
			used = varint__get(p, (size_t)(end - p), &v);
			if (used <= 0)
				goto bad;
			err = grow(c, f, c->n[f - 1] + 1);
			if (err) {
				*why = "event batch longer than the format allows";
				return err == -ENOMEM ? err : -EBADMSG;
			}
			store(c, f, c->n[f - 1]++, v);
			p += used;
		} else if (f >= F_BASE && f <= F_RET) {
			*why = "event batch field of the wrong wire type";
			return -EBADMSG;
		} else if (skip_field(wt, &p, end)) {
			goto bad;
		}
	}
	return 0;
bad:
	*why = "malformed event batch";
	return -EBADMSG;
}

static bool same_rows(const struct event_columns *c)
{
	size_t n = c->n[F_ENTER - 1];

	return c->n[F_DUR - 1] == n && c->n[F_TID - 1] == n && c->n[F_PID - 1] == n &&
	       c->n[F_SYS - 1] == n && (c->n[F_FD - 1] == n || c->n[F_FD - 1] == 0) &&
	       c->n[F_KIND - 1] == c->n[F_FD - 1] && (c->n[F_RET - 1] == n || c->n[F_RET - 1] == 0);
}

int event_codec__decode(const uint8_t *p, size_t len, struct event_columns *c, const char **why)
{
	const uint8_t *end = p + len;
	uint64_t blen;
	int used, err;

	/* The fast path takes the record writers produce: field 2 alone. */
	if (len < 2 || p[0] != RECORD_EVENTS_TAG)
		return 0;
	used = varint__get(p + 1, len - 1, &blen);
	if (used <= 0 || blen != len - 1 - (size_t)used)
		return 0;
	memset(c->n, 0, sizeof(c->n));
	c->base_ns = 0;
	err = decode_batch(p + 1 + used, end, c, why);
	if (err)
		return err;
	if (!same_rows(c)) {
		*why = "event batch columns of different lengths";
		return -EBADMSG;
	}
	c->rows = c->n[F_ENTER - 1];
	return 1;
}

void event_codec__free(struct event_columns *c)
{
	if (!c)
		return;
	free(c->enter_delta);
	free(c->duration);
	free(c->tid_delta);
	free(c->pid_delta);
	free(c->syscall);
	free(c->fd);
	free(c->fd_kind);
	free(c->ret);
	memset(c, 0, sizeof(*c));
}

/* --- the reader's fast path: straight into rows --------------------------- */

#define DECODE_CHUNK_ROWS 256	/* rows of every column at once: 12 KiB of rows, in L1 */

static inline size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * A varint the word decoders leave alone (9 or 10 bytes, or within the last
 * 8 bytes of a column), *P moved past it; false if it is longer than 10
 * bytes or runs past END.
 */
static inline bool long_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	int used = varint__get(*p, (size_t)(end - *p), v);

	if (used <= 0)
		return false;
	*p += used;
	return true;
}


static inline unsigned int varint_word_nb_zz(const uint8_t *p, uint64_t *v)
{
	unsigned int len = varint_word_nb(p, v);

	*v = (uint64_t)unzz64(*v);
	return len;
}

/* fd_kind and the padding after it in one store, pad 0. */
static inline void put_kind(struct trace_event *e, uint32_t kind)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t x = kind;
#else
	uint64_t x = (uint64_t)kind << 32;
#endif

	_Static_assert(offsetof(struct trace_event, pad) == offsetof(struct trace_event, fd_kind) + 4,
		       "pad follows fd_kind");
	memcpy((char *)e + offsetof(struct trace_event, fd_kind), &x, 8);
}

/* unzz7[b]: the one-byte zigzag value b, signed */
#define UNZZ(b) (int8_t)(((b) >> 1) ^ -((b) & 1))
#define UNZZ4(b) UNZZ(b), UNZZ((b) + 1), UNZZ((b) + 2), UNZZ((b) + 3)
#define UNZZ16(b) UNZZ4(b), UNZZ4((b) + 4), UNZZ4((b) + 8), UNZZ4((b) + 12)
#define UNZZ64(b) UNZZ16(b), UNZZ16((b) + 16), UNZZ16((b) + 32), UNZZ16((b) + 48)
static const int8_t unzz7[128] = { UNZZ64(0), UNZZ64(64) };

/* The top bits of the 16 bytes at P, byte i's as bit i. */
static inline __attribute__((always_inline)) uint32_t top_bits16(const uint8_t *p)
{
#if defined(__SSE2__)
	return (uint32_t)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)p));
#else
	uint64_t a, b;

	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	/* each byte's top bit to the bottom of its byte, then all eight gathered in the top byte */
	a = (((a & HIGH_BITS) >> 7) * 0x0102040810204080ULL) >> 56;
	b = (((b & HIGH_BITS) >> 7) * 0x0102040810204080ULL) >> 56;
	return (uint32_t)(a | b << 8);
#endif
}

/*
 * Where the first four values in the 16 bytes at P begin (FROM) and their
 * lengths less one (LESS), found together from the bytes' top bits: the
 * four loads that follow wait on no value's length, where one value at a
 * time waits for the previous one's (load, mask, count: some 10 cycles a
 * value). Returns the bytes the four take, 0 unless four values of at most
 * 8 bytes are there (a missing end, bit 31, makes a length 16 or more).
 */
static inline __attribute__((always_inline)) unsigned int
four_ends(const uint8_t *p, unsigned int from[4], unsigned int less[4])
{
	uint32_t m = ~top_bits16(p) & 0xffffu;
	unsigned int prev = (unsigned int)-1, any = 0;

#pragma GCC unroll 4
	for (int j = 0; j < 4; j++) {
		unsigned int end = (unsigned int)__builtin_ctz(m | 0x80000000u);

		m &= m - 1;
		from[j] = prev + 1;
		less[j] = end - from[j];
		any |= less[j];
		prev = end;
	}
	return any > 7 ? 0 : prev + 1;
}

/* The varint of LESS + 1 bytes at the start of W, zigzag decoded if ZIGZAG: 7-bit groups joined by shifts. */
static inline __attribute__((always_inline)) uint64_t value_join(uint64_t w, unsigned int less,
								 const bool zigzag)
{
	uint64_t x = join7(w & LOW7_BITS & (~0ULL >> (56 - 8 * less)));

	return zigzag ? (uint64_t)unzz64(x) : x;
}

/* NAME: four values from the 16 bytes at P (24 readable) into V, each by VALUE_OF; as four_ends. */
#define DEFINE_FOUR(name, attr, value_of)                                         \
	attr static inline __attribute__((always_inline)) unsigned int            \
	name(const uint8_t *p, uint64_t v[4], const bool zigzag)                  \
	{                                                                         \
		unsigned int from[4], less[4], used = four_ends(p, from, less);   \
		if (!used)                                                        \
			return 0;                                                 \
		_Pragma("GCC unroll 4") for (int j = 0; j < 4; j++) {             \
			uint64_t w;                                               \
			memcpy(&w, p + from[j], 8);                               \
			v[j] = value_of(w, less[j], zigzag);                      \
		}                                                                 \
		return used;                                                      \
	}

DEFINE_FOUR(four_join, , value_join)

/*
 * WIDE columns' first loop: four values at once (FOUR_FN) while four fit in
 * 16 bytes. Where they do not, the next four one at a time (WORD_FN, or
 * varint__get for a value longer than 8 bytes, CONV applied): a column of
 * longer values pays for the failed test once per four values.
 */
#define FOUR_WITH(four_fn, zigzag, word_fn, conv, store)                          \
	while (last - e >= 4 && end - p >= 24) {                                  \
		uint64_t four[4];                                                 \
		unsigned int used = four_fn(p, four, zigzag);                     \
		if (__builtin_expect(used, 1)) {                                  \
			_Pragma("GCC unroll 4") for (int j = 0; j < 4; j++) {     \
				v = four[j];                                      \
				store;                                            \
				e++;                                              \
			}                                                         \
			p += used;                                                \
			continue;                                                 \
		}                                                                 \
		for (int j = 0; j < 4 && end - p >= 8; j++) {                     \
			unsigned int len = word_fn(p, &v);                        \
			if (len) {                                                \
				p += len;                                         \
			} else {                                                  \
				if (!long_varint(&p, end, &v))                    \
					return false;                             \
				v = conv;                                         \
			}                                                         \
			store;                                                    \
			e++;                                                      \
		}                                                                 \
	}

/*
 * Decode the next N values of a packed column, from *PP to at most END, into
 * a field of the N rows at E, row i from value i: no intermediate array.
 * *STATEP carries a running sum across values (the delta-coded columns);
 * both are left for the next chunk. True when N varints of at most 10 bytes
 * were there (the caller checks that nothing follows the column's last).
 */
#define ROWS_TAIL(conv, store)                                                   \
	while (e < last && p < end) {                                            \
		if (!long_varint(&p, end, &v))                                   \
			return false;                                            \
		v = conv;                                                        \
		store;                                                           \
		e++;                                                             \
	}                                                                        \
	*pp = p;                                                                 \
	*statep = state;                                                         \
	return e == last;

#define WIDE_ONE(word_fn, store)                                                  \
	do {                                                                      \
		unsigned int len = word_fn(p, &v);                                \
		if (__builtin_expect(!len, 0))                                    \
			goto long_value;                                          \
		p += len;                                                         \
		store;                                                            \
		e++;                                                              \
	} while (0)

/*
 * WIDE columns: lengths vary from value to value. First four at a time
 * (FOUR_FN, zigzag decoded if ZIGZAG: FOUR_WITH); then WORD_FN reads 8
 * bytes at each value and yields it with CONV applied (CONV: of a raw varint
 * in V, for the long ones). Rather than checking the end at each value, the
 * rows are taken in runs that cannot reach it: k values with 8k bytes left,
 * as each value WORD_FN takes is at most 8 bytes long. A longer one ends the run.
 */
#define DEFINE_WIDE_ROWS(name, row_t, attr, word_fn, conv, store, four_fn, zigzag) \
	attr static bool name(row_t *e, size_t n, const uint8_t **pp,             \
			      const uint8_t *end, uint64_t *statep)               \
	{                                                                         \
		row_t *last = e + n;                                              \
		const uint8_t *p = *pp;                                           \
		uint64_t state = *statep;                                         \
		size_t left;                                                      \
		uint64_t v;                                                       \
		FOUR_WITH(four_fn, zigzag, word_fn, conv, store)                  \
		left = (size_t)(last - e);                                        \
		while (left) {                                                    \
			size_t k = min_size(left, (size_t)(end - p) / 8);        \
			if (!k)                                                   \
				break;                                            \
			left -= k;                                                \
			for (; k >= 4; k -= 4) {                                  \
				WIDE_ONE(word_fn, store);                         \
				WIDE_ONE(word_fn, store);                         \
				WIDE_ONE(word_fn, store);                         \
				WIDE_ONE(word_fn, store);                         \
			}                                                         \
			for (; k; k--)                                            \
				WIDE_ONE(word_fn, store);                         \
			continue;                                                 \
long_value:                                                                       \
			if (!long_varint(&p, end, &v))                            \
				return false;                                     \
			v = conv;                                                 \
			store;                                                    \
			e++;                                                      \
			left = (size_t)(last - e);                                \
		}                                                                 \
		ROWS_TAIL(conv, store)                                            \
	}

/*
 * NARROW columns: mostly one-byte values, taken eight at once by EIGHT (the
 * word in W, the rows from E) whenever a word holds eight of them. A run of
 * such words needs no other check: each takes 8 bytes and 8 rows.
 */
#define DEFINE_NARROW_ROWS(name, conv, store, eight)                              \
	static bool name(struct trace_event *e, size_t n, const uint8_t **pp,     \
			 const uint8_t *end, uint64_t *statep)                    \
	{                                                                         \
		struct trace_event *last = e + n;                                 \
		const uint8_t *p = *pp;                                           \
		uint64_t state = *statep;                                         \
		uint64_t v, w;                                                    \
		for (;;) {                                                        \
			size_t words = min_size((size_t)(last - e), (size_t)(end - p)) / 8; \
			for (; words; words--) {                                  \
				memcpy(&w, p, 8);                                 \
				if (w & HIGH_BITS)                                \
					break;                                    \
				eight;                                            \
				p += 8;                                           \
				e += 8;                                           \
			}                                                         \
			if (end - p < 8 || e >= last)                             \
				break;                                            \
			if (!(p[0] & 0x80)) {                                     \
				v = p[0];                                         \
				p++;                                              \
			} else {                                                  \
				unsigned int len = varint_word_nb(p, &v);       \
				if (!len && !long_varint(&p, end, &v))            \
					return false;                             \
				p += len;                                         \
			}                                                         \
			v = conv;                                                 \
			store;                                                    \
			e++;                                                      \
		}                                                                 \
		ROWS_TAIL(conv, store)                                            \
	}

#define EACH_OF_EIGHT _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++)

/*
 * Delta-coded 32-bit fields (tid, pid): a word of zeros is eight repeats of
 * the running value, the usual case for pid and for a thread's own tid.
 */
#define DELTA_EIGHT(field)                                                       \
	do {                                                                     \
		uint32_t s = (uint32_t)state;                                    \
		if (!w) {                                                        \
			EACH_OF_EIGHT e[k].field = s;                            \
		} else {                                                         \
			EACH_OF_EIGHT {                                          \
				s += (uint32_t)unzz7[p[k]];                      \
				e[k].field = s;                                  \
			}                                                        \
			state = s;                                               \
		}                                                                \
	} while (0)

#define FD_EIGHT                                                                 \
	do {                                                                     \
		EACH_OF_EIGHT e[k].fd = unzz7[p[k]];                             \
	} while (0)

#define KIND_EIGHT                                                               \
	do {                                                                     \
		EACH_OF_EIGHT put_kind(&e[k], p[k]);                             \
	} while (0)

#define ZZ32 (uint64_t)(uint32_t)unzz32((uint32_t)v)
#define ZZ64 (uint64_t)unzz64(v)
#define ENTER_STORE (state += v, e->enter_ns = state)

#define EV struct trace_event

DEFINE_WIDE_ROWS(rows_enter, EV, , varint_word_nb_zz, ZZ64, ENTER_STORE, four_join, true)
DEFINE_WIDE_ROWS(rows_duration, EV, , varint_word_nb, (uint64_t)v, e->duration_ns = v, four_join,
		 false)
DEFINE_NARROW_ROWS(rows_tid, ZZ32, (state += v, e->tid = (uint32_t)state), DELTA_EIGHT(tid))
DEFINE_NARROW_ROWS(rows_pid, ZZ32, (state += v, e->pid = (uint32_t)state), DELTA_EIGHT(pid))
DEFINE_WIDE_ROWS(rows_syscall, EV, , varint_word_nb, (uint64_t)v, e->syscall = (uint32_t)v,
		 four_join, false)
DEFINE_NARROW_ROWS(rows_fd, ZZ32, e->fd = (int32_t)(uint32_t)v, FD_EIGHT)
DEFINE_NARROW_ROWS(rows_fd_kind, (uint64_t)(uint32_t)v, put_kind(e, (uint32_t)v), KIND_EIGHT)
DEFINE_WIDE_ROWS(rows_ret, EV, , varint_word_nb_zz, ZZ64, e->ret = (int64_t)v, four_join, true)

/* A plain column of values: the rows of another codec's batches (event_codec__values). */
struct column_value {
	uint64_t v;
};

DEFINE_WIDE_ROWS(values_join, struct column_value, , varint_word_nb, (uint64_t)v, e->v = v,
		 four_join, false)

#if defined(__x86_64__)
#include <cpuid.h>

#define BMI2_FN __attribute__((target("bmi,bmi2")))

/*
 * The word decoders with BMI2's pext gathering the 7-bit groups in one
 * instruction. Only where pext is fast: AMD before Zen 3 (and Hygon) run it
 * in microcode, tens to hundreds of cycles.
 */
/* The value of a varint's BYTES (nothing after them), zigzag decoded if ZIGZAG. */
BMI2_FN static inline __attribute__((always_inline)) uint64_t groups_pext(uint64_t bytes,
									  const bool zigzag)
{
	/* Zigzag-decoded on the way: pext leaves out the sign bit, giving v >> 1. */
	return zigzag ? _pext_u64(bytes, LOW7_BITS & ~1ULL) ^ -(bytes & 1) :
			_pext_u64(bytes, LOW7_BITS);
}

BMI2_FN static inline __attribute__((always_inline)) unsigned int
varint_word_pext_any(const uint8_t *p, uint64_t *v, const bool zigzag)
{
	uint64_t w, stop;

	memcpy(&w, p, 8);
	stop = ~w & HIGH_BITS;
	if (__builtin_expect(!stop, 0))
		return 0;
	*v = groups_pext(w & (stop ^ (stop - 1)), zigzag);
	return (unsigned int)__builtin_ctzll(stop) / 8 + 1;
}

BMI2_FN static inline unsigned int varint_word_pext(const uint8_t *p, uint64_t *v)
{
	return varint_word_pext_any(p, v, false);
}

BMI2_FN static inline unsigned int varint_word_pext_zz(const uint8_t *p, uint64_t *v)
{
	return varint_word_pext_any(p, v, true);
}

static bool fast_pext(void)
{
	unsigned int a, b, c, d, family;

	if (!__builtin_cpu_supports("bmi") || !__builtin_cpu_supports("bmi2") ||
	    !__get_cpuid(0, &a, &b, &c, &d))
		return false;
	/* "AuthenticAMD" / "HygonGenuine": ebx holds "Auth" / "Hygo" */
	if (b != 0x68747541 && b != 0x6f677948)
		return true;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	family = (a >> 8) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	return family >= 0x19;
}

/* The varint of LESS + 1 bytes at the start of W, zigzag decoded if ZIGZAG: its groups by pext. */
BMI2_FN static inline __attribute__((always_inline)) uint64_t value_pext(uint64_t w, unsigned int less,
									 const bool zigzag)
{
	return groups_pext(_bzhi_u64(w, (less + 1) * 8), zigzag);
}

DEFINE_FOUR(four_pext, BMI2_FN, value_pext)

DEFINE_WIDE_ROWS(rows_enter_bmi2, EV, BMI2_FN, varint_word_pext_zz, ZZ64, ENTER_STORE, four_pext,
		 true)
DEFINE_WIDE_ROWS(rows_duration_bmi2, EV, BMI2_FN, varint_word_pext, (uint64_t)v,
		 e->duration_ns = v, four_pext, false)
DEFINE_WIDE_ROWS(rows_syscall_bmi2, EV, BMI2_FN, varint_word_pext, (uint64_t)v,
		 e->syscall = (uint32_t)v, four_pext, false)
DEFINE_WIDE_ROWS(rows_ret_bmi2, EV, BMI2_FN, varint_word_pext_zz, ZZ64, e->ret = (int64_t)v,
		 four_pext, true)
DEFINE_WIDE_ROWS(values_pext, struct column_value, BMI2_FN, varint_word_pext, (uint64_t)v,
		 e->v = v, four_pext, false)
#endif

typedef bool (*row_decoder)(struct trace_event *, size_t, const uint8_t **, const uint8_t *,
			    uint64_t *);

static int force_portable = -1;	/* -1: as MSLAT_NO_BMI2 says */

void event_codec__force_portable(int on)
{
	force_portable = on;
}

/* pext is fast here, and MSLAT_NO_BMI2 or event_codec__force_portable do not say otherwise. */
static bool use_pext(void)
{
#if defined(__x86_64__)
	static int use_bmi2 = -1;	/* a benign race: every thread finds the same */

	if (use_bmi2 < 0)
		use_bmi2 = fast_pext() && !getenv("MSLAT_NO_BMI2");
	return force_portable >= 0 ? !force_portable && fast_pext() : use_bmi2;
#else
	return false;
#endif
}

/* The column decoders for this CPU. */
static const row_decoder *row_decoders(void)
{
	static const row_decoder generic[] = {
		[F_ENTER] = rows_enter, [F_DUR] = rows_duration, [F_TID] = rows_tid,
		[F_PID] = rows_pid, [F_SYS] = rows_syscall, [F_FD] = rows_fd,
		[F_KIND] = rows_fd_kind, [F_RET] = rows_ret,
	};
#if defined(__x86_64__)
	static const row_decoder bmi2[] = {
		[F_ENTER] = rows_enter_bmi2, [F_DUR] = rows_duration_bmi2, [F_TID] = rows_tid,
		[F_PID] = rows_pid, [F_SYS] = rows_syscall_bmi2, [F_FD] = rows_fd,
		[F_KIND] = rows_fd_kind, [F_RET] = rows_ret_bmi2,
	};

	if (use_pext())
		return bmi2;
#endif
	return generic;
}

bool event_codec__values(uint64_t *dst, size_t n, const uint8_t **p, const uint8_t *end)
{
	_Static_assert(sizeof(struct column_value) == sizeof(uint64_t), "a value per row");
	uint64_t state = 0;

#if defined(__x86_64__)
	if (use_pext())
		return values_pext((struct column_value *)(void *)dst, n, p, end, &state);
#endif
	return values_join((struct column_value *)(void *)dst, n, p, end, &state);
}

/* A batch laid out as this codec writes it: its columns by field number. */
struct batch_layout {
	uint64_t base;
	const uint8_t *col[F_RET + 1], *col_end[F_RET + 1];
};

/* Field F's packed column at *P, if it is the next field and not empty. */
static bool next_packed(const uint8_t **p, const uint8_t *end, unsigned int f,
			struct batch_layout *l)
{
	uint64_t len;
	int used;

	if (*p >= end || **p != ((f << 3) | WT_LEN))
		return false;
	used = varint__get(*p + 1, (size_t)(end - *p - 1), &len);
	if (used <= 0 || !len || len > (uint64_t)(end - *p - 1 - used))
		return false;
	l->col[f] = *p + 1 + used;
	l->col_end[f] = l->col[f] + len;
	*p = l->col_end[f];
	return true;
}

static bool next_is(const uint8_t *p, const uint8_t *end, unsigned int f)
{
	return p < end && *p == ((f << 3) | WT_LEN);
}

/* Find the columns of the record at P: fields in order, each once, fd and fd_kind together. */
static bool batch_layout(const uint8_t *p, size_t len, struct batch_layout *l)
{
	const uint8_t *end = p + len;
	uint64_t blen;
	int used;

	if (len < 2 || p[0] != RECORD_EVENTS_TAG)
		return false;
	used = varint__get(p + 1, len - 1, &blen);
	if (used <= 0 || blen != len - 1 - (size_t)used)
		return false;
	p += 1 + used;
	l->base = 0;
	if (p < end && *p == ((F_BASE << 3) | WT_VARINT)) {
		used = varint__get(p + 1, (size_t)(end - p - 1), &l->base);
		if (used <= 0)
			return false;
		p += 1 + used;
	}
	for (unsigned int f = F_ENTER; f <= F_SYS; f++)
		if (!next_packed(&p, end, f, l))
			return false;
	l->col[F_FD] = l->col[F_KIND] = l->col[F_RET] = NULL;
	if (next_is(p, end, F_FD) &&
	    (!next_packed(&p, end, F_FD, l) || !next_packed(&p, end, F_KIND, l)))
		return false;
	if (next_is(p, end, F_RET) && !next_packed(&p, end, F_RET, l))
		return false;
	return p == end;
}

/*
 * The row count: the varints of the column with the fewest bytes (every
 * column must hold as many; the decoders check that each does).
 */
static size_t batch_rows(const struct batch_layout *l)
{
	unsigned int best = F_ENTER;

	for (unsigned int f = F_DUR; f <= F_RET; f++)
		if (l->col[f] && l->col_end[f] - l->col[f] < l->col_end[best] - l->col[best])
			best = f;
	return varint__count(l->col[best], (size_t)(l->col_end[best] - l->col[best]));
}

int event_codec__decode_rows(const uint8_t *p, size_t len, struct event_rows *r)
{
	const row_decoder *decoders = row_decoders();
	uint64_t state[F_RET + 1] = { 0 };
	struct batch_layout l;
	struct trace_event *e;
	size_t n;

	r->n = 0;
	if (!batch_layout(p, len, &l))
		return 0;
	n = batch_rows(&l);
	if (n > TRACE_MAX_BATCH_ROWS)
		return 0;
	if (n > r->cap) {
		e = realloc(r->rows, n * sizeof(*e));
		if (!e)
			return -ENOMEM;
		r->rows = e;
		r->cap = n;
	}
	e = r->rows;
	state[F_ENTER] = l.base;
	/*
	 * Every column a chunk of rows at a time: the chunk's rows stay in L1
	 * while eight decoders fill in their fields, where column after column
	 * over the whole batch (16384 rows, 768 KiB) would take each row's
	 * cache line from L3 eight times. The whole batch is decoded and checked
	 * before any of it is handed out, as before.
	 */
	for (size_t at = 0; at < n; at += DECODE_CHUNK_ROWS) {
		size_t k = min_size(n - at, DECODE_CHUNK_ROWS);

		for (unsigned int f = F_ENTER; f <= F_RET; f++)
			if (l.col[f] && !decoders[f](e + at, k, &l.col[f], l.col_end[f], &state[f]))
				return 0;
	}
	for (unsigned int f = F_ENTER; f <= F_RET; f++)
		if (l.col[f] && l.col[f] != l.col_end[f])
			return 0;	/* more than N values */
	if (!l.col[F_FD])
		for (size_t i = 0; i < n; i++) {
			e[i].fd = -1;
			put_kind(&e[i], FD_KIND_NONE);
		}
	if (!l.col[F_RET])
		for (size_t i = 0; i < n; i++)
			e[i].ret = 0;
	r->n = n;
	return 1;
}

void event_codec__free_rows(struct event_rows *r)
{
	if (!r)
		return;
	free(r->rows);
	memset(r, 0, sizeof(*r));
}
