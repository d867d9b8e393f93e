// SPDX-License-Identifier: MIT
/* Levelled diagnostics with a binary-installed printer. */
#include <stdio.h>

#include "log.h"

static log_print_fn printer;
static enum log_level max_level = LOG_LEVEL_WARN;
static const char *stderr_prog = "mslat";

log_print_fn log__set_printer(log_print_fn fn)
{
	log_print_fn old = printer;

	printer = fn;
	return old;
}

void log__set_level(enum log_level level)
{
	max_level = level;
}

enum log_level log__level(void)
{
	return max_level;
}

void log__msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!printer || level > max_level)
		return;
	va_start(ap, fmt);
	printer(level, fmt, ap);
	va_end(ap);
}

static void stderr_printer(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	fprintf(stderr, "%s: %s: ", stderr_prog, names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log__use_stderr(const char *prog)
{
	stderr_prog = prog;
	printer = stderr_printer;
}
