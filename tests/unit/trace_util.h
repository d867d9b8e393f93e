/* SPDX-License-Identifier: MIT */
/* Helpers for unit tests that write and read traces. */
#ifndef MSLAT_TEST_TRACE_UTIL_H
#define MSLAT_TEST_TRACE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "trace_event.h"
#include "trace_writer.h"

/* A deterministic pseudo-random stream (splitmix64). */
uint64_t tu__rand(uint64_t *state);
/* Event I of a reproducible sequence: varied tids, pids, syscalls, fds, rets. */
void tu__event(uint64_t seed, uint64_t i, struct trace_event *ev);
/* A header like a real recording's. The strings are static. */
Mslat__Header tu__header(void);
/* "<tmpdir>/NAME" in a static buffer. */
const char *tu__path(const char *name);
/* Read a whole file into a malloc'd buffer. Returns NULL on error. */
uint8_t *tu__read_file(const char *path, size_t *len);
int tu__write_file(const char *path, const void *buf, size_t len);

/* Start/stop capturing log messages (all levels) into a buffer. */
void tu__capture_log(void);
const char *tu__captured(void);
void tu__release_log(void);

#endif
