// SPDX-License-Identifier: MIT
/* Levelled diagnostics with a binary-installed printer. */
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "utf8.h"

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

/*
 * Messages name files and things from traces: control bytes, C1 and bidi
 * controls and bytes that are not UTF-8 are written escaped (\xNN), so that
 * a file named with a terminal escape cannot drive the terminal that reads
 * the message.
 */
static void put_escaped(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8__printable_len(p);

		if (n) {
			fwrite(p, 1, n, stderr);
			p += n;
		} else {
			fprintf(stderr, "\\x%02x", *p++);
		}
	}
}

static void stderr_printer(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char *msg = NULL;

	fprintf(stderr, "%s: %s: ", stderr_prog, names[level]);
	if (vasprintf(&msg, fmt, ap) < 0)
		fputs(fmt, stderr);	/* out of memory: the format at least */
	else
		put_escaped(msg);
	free(msg);
	fputc('\n', stderr);
}

void log__use_stderr(const char *prog)
{
	stderr_prog = prog;
	printer = stderr_printer;
}
