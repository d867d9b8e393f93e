// SPDX-License-Identifier: MIT
/* Levelled diagnostics with a binary-installed printer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "unsafe_chars.h"

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

/* The length of a valid UTF-8 character at P, or 0. */
static size_t utf8_ok(const unsigned char *p)
{
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;

	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
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
		size_t n = unsafe_char_len(p), k;

		if (n) {
			while (n--)
				fprintf(stderr, "\\x%02x", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(stderr, "\\x%02x", *p++);
		} else if (*p < 0x80) {
			fputc(*p++, stderr);
		} else if ((k = utf8_ok(p))) {
			fwrite(p, 1, k, stderr);
			p += k;
		} else {
			fprintf(stderr, "\\x%02x", *p++);	/* not UTF-8 */
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
