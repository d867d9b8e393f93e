// SPDX-License-Identifier: MIT
/* JSON output through jansson, which does the escaping (docs/dependencies.md). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "json_out.h"

int json_out__dump(const json_t *root, FILE *f)
{
	if (json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)))
		return -EIO;
	return fputc('\n', f) == EOF ? -EIO : 0;
}

/* The code point of a bidi or C1 control at P (UTF-8), or 0. */
static unsigned int bidi_at(const unsigned char *p)
{
	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return p[1];
	if (p[0] == 0xd8 && p[1] == 0x9c)
		return 0x61c;
	if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae)))
		return 0x2000 + (p[2] & 0x3f);
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 0x2040 + (p[2] & 0x3f);
	return 0;
}

void json_out__escape_bidi(char **s)
{
	size_t n = 0, len = strlen(*s);
	char *out, *o;

	for (const unsigned char *p = (const unsigned char *)*s; *p; p++)
		n += bidi_at(p) != 0;
	if (!n || !(out = malloc(len + 6 * n + 1)))	/* 2 or 3 bytes become 6 */
		return;
	o = out;
	for (const unsigned char *p = (const unsigned char *)*s; *p;) {
		unsigned int cp = bidi_at(p);

		if (cp) {
			o += sprintf(o, "\\u%04x", cp);
			p += cp < 0x100 || cp == 0x61c ? 2 : 3;
		} else {
			*o++ = (char)*p++;
		}
	}
	*o = '\0';
	free(*s);
	*s = out;
}

json_t *json_out__u64(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

json_t *json_out__ns(uint64_t ns, int valid)
{
	return valid ? json_out__u64(ns) : json_null();
}

json_t *json_out__str(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *clean;

	if (j)
		return j;
	clean = html__utf8_dup(s);
	j = clean ? json_string(clean) : NULL;
	free(clean);
	return j;
}
