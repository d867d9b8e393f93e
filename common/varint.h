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
