// SPDX-License-Identifier: MIT
/* JSON output through jansson, which does the escaping (docs/dependencies.md). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "json_out.h"
#include "utf8.h"

int json_out__dump(const json_t *root, FILE *f)
{
	if (json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)))
		return -EIO;
	return fputc('\n', f) == EOF ? -EIO : 0;
}

void json_out__escape_bidi(char **s)
{
	size_t n = 0, len = strlen(*s);
	char *out, *o;
	uint32_t cp;

	for (const unsigned char *p = (const unsigned char *)*s; *p; p++)
		n += utf8__unsafe_len(p, &cp) != 0;
	if (!n || !(out = malloc(len + 6 * n + 1)))	/* 2 or 3 bytes become 6 */
		return;
	o = out;
	for (const unsigned char *p = (const unsigned char *)*s; *p;) {
		size_t k = utf8__unsafe_len(p, &cp);

		if (k) {
			o += sprintf(o, "\\u%04x", cp);
			p += k;
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
