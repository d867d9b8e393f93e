/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 as the outputs need it: which characters of text from a trace or a
 * file name may reach a terminal as they are. Not: the C0 controls and DEL,
 * invalid UTF-8, the C1 controls (U+0080..U+009F; U+009B is a CSI some
 * terminals act on) and the bidirectional controls (U+061C, U+200E-F,
 * U+202A-E, U+2066-9), which reorder the rest of the line.
 */
#ifndef MSLAT_UTF8_H
#define MSLAT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the valid UTF-8 character at P (NUL-terminated), its code point in *CP; 0 if invalid. */
static inline size_t utf8__decode(const unsigned char *p, uint32_t *cp)
{
	size_t n;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, *cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, *cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, *cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((n == 2 && *cp < 0x80) || (n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff) || *cp > 0x10ffff)
		return 0;
	return n;
}

/* A C1 or bidirectional control. */
static inline bool utf8__unsafe_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Length of the character at P if it may reach a terminal as it is, else 0. */
static inline size_t utf8__printable_len(const unsigned char *p)
{
	uint32_t cp;
	size_t n = utf8__decode(p, &cp);

	return n && cp >= 0x20 && cp != 0x7f && !utf8__unsafe_cp(cp) ? n : 0;
}

/* Length of a C1 or bidirectional control at P (valid UTF-8), its code point in *CP; else 0. */
static inline size_t utf8__unsafe_len(const unsigned char *p, uint32_t *cp)
{
	size_t n = utf8__decode(p, cp);

	return n > 1 && utf8__unsafe_cp(*cp) ? n : 0;
}

#endif
