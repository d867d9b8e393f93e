// SPDX-License-Identifier: MIT
/* Helpers every subcommand uses: messages, option parsing, output files. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

static char command[64] = "mslat";

void cli__set_command(const char *name)
{
	if (name)
		snprintf(command, sizeof(command), "mslat %s", name);
	else
		snprintf(command, sizeof(command), "mslat");
	log__use_stderr(command);
}

void cli__verbose(void)
{
	if (log__level() < LOG_LEVEL_DEBUG)
		log__set_level(log__level() + 1);
}

void cli__quiet(void)
{
	log__set_level(LOG_LEVEL_ERROR);
}

int cli__usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nhint: see '%s --help'\n", command);
	return EXIT_USAGE;
}

int cli__bad_option(char **argv)
{
	extern int optind, optopt;
	const char *arg = argv[optind - 1];

	if (optopt && arg && arg[0] == '-' && arg[1] != '-')
		return cli__usage_error("invalid option '-%c' or missing value", optopt);
	return cli__usage_error("invalid option '%s' or missing value", arg ? arg : "?");
}

void cli__hint(const char *fmt, ...)
{
	va_list ap;

	fputs("hint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli__parse_color(const char *arg, enum color_mode *mode)
{
	if (!strcmp(arg, "auto"))
		*mode = COLOR_AUTO;
	else if (!strcmp(arg, "always"))
		*mode = COLOR_ALWAYS;
	else if (!strcmp(arg, "never"))
		*mode = COLOR_NEVER;
	else
		return -EINVAL;
	return 0;
}

bool cli__use_color(enum color_mode mode, FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if (mode == COLOR_ALWAYS)
		return true;
	if (mode == COLOR_NEVER || (nc && *nc))
		return false;
	return isatty(fileno(f));
}

int cli__parse_duration_ns(const char *arg, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "µs", 1e3 }, { "ms", 1e6 },
		{ "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 }, { "", 1e9 },
	};
	char *end;
	double v;

	/* Decimal only: strtod also reads hex ("0x10s" was 16 s), "inf" and "nan". */
	if ((!isdigit((unsigned char)arg[0]) && arg[0] != '.') || strpbrk(arg, "xXpP"))
		return -EINVAL;
	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || !isfinite(v) || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		v *= units[i].mult;
		if (v >= 1.8e19)
			return -EINVAL;
		*ns = (uint64_t)round(v);	/* not llround: past 2^63 its result is unspecified */
		return 0;
	}
	return -EINVAL;
}

int cli__parse_u32_list(const char *arg, uint32_t *out, int max)
{
	const char *p = arg;
	int n = 0;

	while (*p) {
		char *end;
		unsigned long v;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (n == max)
			return -E2BIG;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || v > UINT32_MAX || end == p)
			return -EINVAL;
		out[n++] = (uint32_t)v;
		p = end;
		if (*p == ',' && p[1])	/* a trailing comma names nothing: a typo */
			p++;
		else if (*p)
			return -EINVAL;
	}
	return n ? n : -EINVAL;
}

int cli__distinct_files(char **files, int n)
{
	struct stat *st = calloc((size_t)n, sizeof(*st));
	int ret = 0;

	if (!st)
		return 0;	/* the analysis will say it is out of memory */
	for (int i = 0; i < n; i++)
		if (!strcmp(files[i], "-") || stat(files[i], &st[i]) || !S_ISREG(st[i].st_mode))
			st[i].st_ino = 0;	/* not compared */
	for (int i = 0; i < n && !ret; i++) {
		for (int j = 0; j < i && st[i].st_ino; j++) {
			if (st[j].st_ino == st[i].st_ino && st[j].st_dev == st[i].st_dev) {
				log_error("'%s' is '%s' again: each trace is analysed once (pieces of a "
					  "recording are different files)", files[i], files[j]);
				ret = -1;
				break;
			}
		}
	}
	free(st);
	return ret;
}

/*
 * A regular file that starts like a trace (a zstd frame): `-o` naming the
 * trace being read (or any other) would truncate it before it is read.
 */
static bool holds_trace(const char *path)
{
	unsigned char magic[4];
	struct stat st;
	bool yes = false;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && pread(fd, magic, 4, 0) == 4)
		yes = magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd;
	close(fd);
	return yes;
}

FILE *cli__open_output(const char *path)
{
	FILE *f;
	int fd;

	if (!path || !strcmp(path, "-"))
		return stdout;
	if (holds_trace(path)) {
		log_error("will not write over '%s': it holds a trace (zstd data); choose another output",
			  path);
		return NULL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("cannot create '%s': %s", path, strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		log_error("cannot create '%s': %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

int cli__close_output(FILE *f, const char *path)
{
	static bool stdout_said;	/* main closes stdout after the command did: one message */
	int err = 0;

	if (!f)
		return 0;
	if (fflush(f) || ferror(f))
		err = -(errno ? errno : EIO);
	if (f != stdout) {
		if (fclose(f) && !err)
			err = -(errno ? errno : EIO);
	} else if (err && stdout_said) {
		return err;
	} else if (err) {
		stdout_said = true;
	}
	if (err)
		log_error("cannot write '%s': %s", path && strcmp(path, "-") ? path : "(stdout)",
			  strerror(-err));
	return err;
}
