/* SPDX-License-Identifier: MIT */
/* Human units for text output: durations, byte sizes, counts, wall-clock times. */
#ifndef MSLAT_UNITS_H
#define MSLAT_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNITS_BUF 48

/* "850ns", "12.3µs", "4.56ms", "1.23s", "2m03s"; writes into BUF (UNITS_BUF bytes), returns it. */
const char *units__duration(char *buf, uint64_t ns);
/* "512B", "1.5KiB", "3.2MiB", "1.1GiB". */
const char *units__bytes(char *buf, uint64_t bytes);
/* "1234", "12.3k", "4.56M". */
const char *units__count(char *buf, uint64_t n);
/*
 * (uint64_t)V, saturated to 0..UINT64_MAX: the cast of a double out of that
 * range is undefined, and charts and labels compute with doubles from
 * values that reach it (calls of 2^63 ns in a hostile trace). NaN gives 0.
 */
uint64_t units__u64_of(double v);
/* UTC "2026-11-25 18:40:53.123" from realtime nanoseconds since the epoch. */
const char *units__wallclock(char *buf, uint64_t realtime_ns);

/*
 * S made safe for a terminal, into BUF (LEN bytes, truncated with "…"):
 * control characters (C0, DEL, C1) and invalid UTF-8 become \xNN, so a
 * process name from a trace cannot move the cursor, set the title or write
 * the clipboard. NULL S gives "". Returns BUF.
 */
const char *units__printable(char *buf, size_t len, const char *s);

#endif
