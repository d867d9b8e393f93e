/* SPDX-License-Identifier: MIT */
/* JSON output shared by every command: one versioned schema (docs/json-schema.md), stable key order. */
#ifndef MSLAT_JSON_OUT_H
#define MSLAT_JSON_OUT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Bumped on an incompatible change of any command's JSON. */
#define JSON_FORMAT_VERSION 1

/* Write ROOT to F, indented, keys in insertion order, newline-terminated. 0 or -EIO. */
int json_out__dump(const json_t *root, FILE *f);
/* An integer nanosecond value, or null when there are no samples (VALID false). */
json_t *json_out__ns(uint64_t ns, int valid);
/*
 * A JSON string of any text from a trace: invalid UTF-8 becomes U+FFFD
 * instead of a missing value (jansson refuses invalid UTF-8). NULL gives "".
 */
json_t *json_out__str(const char *s);
/*
 * In JSON text *S (malloc'd), C1 controls (U+0080-9F) and bidirectional
 * controls (U+061C, U+200E-F, U+202A-E, U+2066-9), which only strings
 * hold, become \uXXXX escapes: the
 * same JSON, but a terminal showing it does not reorder the line. *S may be
 * replaced; on failure it is left as it was.
 */
void json_out__escape_bidi(char **s);
/* Above INT64_MAX (only in hostile traces: 292 years of uptime): clamped, not wrapped (docs/json-schema.md). */
json_t *json_out__u64(uint64_t v);

#endif
