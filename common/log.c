// SPDX-License-Identifier: MIT
/* Levelled diagnostics with a binary-installed printer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * the message. Into OUT (room for 4 bytes per byte of S); returns the length.
 */
static size_t escape_into(char *out, const char *s)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8__printable_len(p);

		if (n) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		} else {
			o += (size_t)sprintf(out + o, "\\x%02x", *p++);
		}
	}
	return o;
}

/* One write per message: stderr is unbuffered, and a write per byte made a flood of warnings slow. */
static void stderr_printer(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char *msg = NULL, *line = NULL;
	size_t n;
	va_list again;

	va_copy(again, ap);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;	/* undefined after a failure */
	if (!msg || !(line = malloc(strlen(stderr_prog) + strlen(names[level]) + 4 * strlen(msg) + 8))) {
		/* No memory (the usual reason for this message): on the stack, cut at 512 bytes. */
		char small[512], esc[4 * sizeof(small) + 1];

		vsnprintf(small, sizeof(small), fmt, again);
		esc[escape_into(esc, small)] = 0;
		fprintf(stderr, "%s: %s: %s\n", stderr_prog, names[level], esc);
		free(msg);
		va_end(again);
		return;
	}
	va_end(again);
	n = (size_t)sprintf(line, "%s: %s: ", stderr_prog, names[level]);
	n += escape_into(line + n, msg);
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
	free(line);
	free(msg);
}

void log__use_stderr(const char *prog)
{
	stderr_prog = prog;
	printer = stderr_printer;
}
