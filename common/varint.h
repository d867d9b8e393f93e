/* SPDX-License-Identifier: MIT */
/* Protobuf-style base-128 varints: the record length prefix of the .mslat format. */
#ifndef MSLAT_VARINT_H
#define MSLAT_VARINT_H

#include <stddef.h>
#include <stdint.h>

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

#endif
