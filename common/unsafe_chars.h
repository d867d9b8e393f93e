/* SPDX-License-Identifier: MIT */
/*
 * Characters that must not reach a terminal from a trace or a file name, as
 * UTF-8: the C1 controls (U+0080..U+009F; U+009B is a CSI some terminals act
 * on) and the bidirectional controls (U+061C, U+200E-F, U+202A-E,
 * U+2066-9), which reorder the rest of the line.
 */
#ifndef MSLAT_UNSAFE_CHARS_H
#define MSLAT_UNSAFE_CHARS_H

#include <stddef.h>

/* The length of a C1 or bidi control at P (NUL-terminated), 0 for anything else. */
static inline size_t unsafe_char_len(const unsigned char *p)
{
	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;
	if (p[0] == 0xd8 && p[1] == 0x9c)
		return 2;
	if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae)))
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;
	return 0;
}

/* The code point of the character unsafe_char_len found at P. */
static inline unsigned int unsafe_char_cp(const unsigned char *p)
{
	if (p[0] == 0xc2)
		return p[1];
	if (p[0] == 0xd8)
		return 0x61c;
	return (p[1] == 0x80 ? 0x2000u : 0x2040u) + (p[2] & 0x3fu);
}

#endif
