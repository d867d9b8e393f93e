/* SPDX-License-Identifier: MIT */
/* Diagnostics from common/ go through a printer the binary installs, never to stdio directly. */
#ifndef MSLAT_LOG_H
#define MSLAT_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,	/* default verbosity */
	LOG_LEVEL_INFO = 2,	/* -v */
	LOG_LEVEL_DEBUG = 3,	/* -vv */
};

typedef void (*log_print_fn)(enum log_level level, const char *fmt, va_list ap);

/* Install the printer (NULL silences everything). Returns the previous one. */
log_print_fn log__set_printer(log_print_fn fn);
/* Messages above this level are dropped before formatting. */
void log__set_level(enum log_level level);
enum log_level log__level(void);

void log__msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log__msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log__msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log__msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log__msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/*
 * A printer for command-line binaries: "PROG: error: MESSAGE" on stderr.
 * PROG is kept by reference ("mslat report", "mslat-record").
 */
void log__use_stderr(const char *prog);

#endif
