/* SPDX-License-Identifier: MIT */
/*
 * Protobuf-style base-128 varints: the record length prefix of the .mslat
 * format, and the packed columns of its batches.
 */
#ifndef MSLAT_VARINT_H
#define MSLAT_VARINT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define VARINT_MAX_BYTES 10

/* Write V at P (room for VARINT_MAX_BYTES); returns the bytes written. */
static inline size_t varint__put(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/*
 * Read a varint from P (at most LEN bytes) into *V. Returns the bytes used,
 * 0 if the input ends first, or -1 if it is longer than 10 bytes.
 */
static inline int varint__get(const uint8_t *p, size_t len, uint64_t *v)
{
	uint64_t x = 0;

	for (size_t i = 0; i < len && i < VARINT_MAX_BYTES; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = x;
			return (int)i + 1;
		}
	}
	return len >= VARINT_MAX_BYTES ? -1 : 0;
}

#define VARINT_HIGH_BITS 0x8080808080808080ULL
#define VARINT_LOW7_BITS 0x7f7f7f7f7f7f7f7fULL

/* The 7-bit groups of X (a varint's bytes, top bits clear, first byte lowest) joined: its value. */
static inline __attribute__((always_inline)) uint64_t varint__join7(uint64_t x)
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
static inline unsigned int varint__word(const uint8_t *p, uint64_t *v)
{
	uint64_t w, stop, x;

	memcpy(&w, p, 8);
	stop = ~w & VARINT_HIGH_BITS;
	if (__builtin_expect(!stop, 0))
		return 0;
	/* every bit up to the first final byte's top bit: the varint's bytes */
	x = w & (stop ^ (stop - 1)) & VARINT_LOW7_BITS;
	*v = varint__join7(x);
	return (unsigned int)__builtin_ctzll(stop) / 8 + 1;
}

/*
 * VARINT_DEFINE_PACKED(name, type, conv) defines a decoder of a packed
 * column: name(dst, i, p, end) stores the varints of [P, END) from DST[I]
 * on, CONV of each (of V), and returns the new count, or (size_t)-1 on a
 * varint longer than 10 bytes. One-byte values go eight at once when a word
 * holds eight, others through varint__word, the last bytes and varints
 * longer than 8 bytes through varint__get. DST must have room for
 * varint__count's count; a column whose last byte does not end a varint
 * gives (size_t)-1 too. Nothing past END is read.
 */
#define VARINT_DEFINE_PACKED(name, type, conv)                                          \
	static size_t name(type *dst, size_t i, const uint8_t *p, const uint8_t *end) \
	{                                                                         \
		while (end - p >= 8) {                                            \
			unsigned int n;                                           \
			uint64_t v, w;                                            \
			memcpy(&w, p, 8);                                         \
			if (!(w & VARINT_HIGH_BITS)) {                                   \
				for (int k = 0; k < 8; k++) {                     \
					v = (w >> (8 * k)) & 0x7f;                \
					dst[i++] = conv;                          \
				}                                                 \
				p += 8;                                           \
				continue;                                         \
			}                                                         \
			n = varint__word(p, &v);                                \
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

/*
 * Varints in a packed column: its bytes less those with the continuation
 * bit, 8 at a time. The bits are summed in byte lanes (255 words at most,
 * before a lane could overflow), the lanes added up once per run.
 */
static inline size_t varint__count(const uint8_t *p, size_t len)
{
	size_t more = 0, k = 0;

	while (len - k >= 8) {
		size_t stop = k + (len - k < 255 * 8 ? (len - k) & ~(size_t)7 : 255 * 8);
		uint64_t lanes = 0;

		for (; k < stop; k += 8) {
			uint64_t w;

			memcpy(&w, p + k, 8);
			lanes += (w >> 7) & 0x0101010101010101ULL;
		}
		lanes = (lanes & 0x00ff00ff00ff00ffULL) + ((lanes >> 8) & 0x00ff00ff00ff00ffULL);
		more += (size_t)((lanes * 0x0001000100010001ULL) >> 48);
	}
	for (; k < len; k++)
		more += p[k] >> 7;
	return len - more;
}

#endif
