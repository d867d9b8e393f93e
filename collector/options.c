// SPDX-License-Identifier: MIT
/* mslat-record's options: getopt_long, man-page-like help, usage errors exit 2. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <linux/types.h>

#include "events.h"
#include "options.h"
#include "sysfilter.h"

#pragma GCC poison u8 u16 u32 u64

static const char usage_text[] =
"Usage: mslat-record -o FILE [OPTIONS] -p PID[,PID...]\n"
"       mslat-record -o FILE [OPTIONS] -- COMMAND [ARGS...]\n"
"\n"
"Record the finished syscalls of processes into a .mslat trace, with the\n"
"kind of fd each one used, request arrivals on their TCP sockets, their\n"
"forks, execs and exits and, with --sched, their time off CPU. Needs root,\n"
"or CAP_BPF and CAP_PERFMON; every capability is dropped once attached.\n"
"Read the trace with `mslat info`, `mslat report` or `mslat dump`.\n"
"\n"
"Recording starts when this line appears on stderr:\n"
"  mslat-record: recording N processes to 'FILE'\n"
"and stops on SIGINT, SIGTERM or SIGHUP (a normal stop: exit 0), at\n"
"--duration, or when every traced process has exited.\n"
"\n"
"Targets:\n"
"  -p, --pid PID[,PID...]    trace these running processes (all their threads)\n"
"  -- COMMAND [ARGS...]      start COMMAND and trace it; SIGINT/SIGTERM/SIGHUP\n"
"                            are passed on to it, and SIGTERM, once it exited,\n"
"                            to what it started and left running; all have\n"
"                            10 s to exit before SIGKILL; its exit status\n"
"                            becomes ours\n"
"      --follow-forks        trace children forked by traced processes [default]\n"
"      --no-follow-forks     trace only the processes named\n"
"\n"
"What to record:\n"
"  -e, --syscalls LIST       syscalls to record, by name or category, comma-\n"
"                            separated: net, file, io (read/write family, also\n"
"                            implied by net and by file), sync, device, mem,\n"
"                            sleep, process, idle, other, all [default: all]\n"
"      --sched               also record off-CPU and run-queue intervals\n"
"      --no-arrivals         no TCP arrival records (when request bytes or\n"
"                            connections reached a traced socket)\n"
"      --paths               record file paths (not supported yet)\n"
"\n"
"Output:\n"
"  -o, --output FILE         trace file to create, mode 0600 (required)\n"
"  -f, --force               replace FILE if it exists\n"
"  -d, --duration TIME       stop after TIME (e.g. 30s, 5m); a COMMAND still\n"
"                            running then gets SIGTERM\n"
"      --flush-interval TIME longest time data waits before reaching the\n"
"                            file; a killed recorder loses at most this much\n"
"                            [default: 1s]\n"
"      --buffer-size SIZE    kernel ring buffer, rounded up to a power of 2\n"
"                            [default: 16M]; what does not fit is counted\n"
"                            and written as loss records, never dropped silently\n"
"      --rotate SIZE|TIME    start a new file past SIZE (e.g. 100M) or every\n"
"                            TIME (e.g. 10m): FILE.mslat becomes FILE.0000.mslat,\n"
"                            FILE.0001.mslat, ... (M is MiB, m is minutes)\n"
"      --keep N              with --rotate, keep only the newest N files\n"
"\n"
"Messages:\n"
"  -q, --quiet               errors only\n"
"  -v, --verbose             more detail; -vv adds libbpf's debug output\n"
"  -h, --help                this text\n"
"  -V, --version             print the version\n"
"\n"
"Examples:\n"
"  mslat-record -o run.mslat -p $(pgrep -o -f uvicorn)     # a server and its workers\n"
"  mslat-record -o run.mslat -d 60s -p 1234,1240           # one minute of two processes\n"
"  mslat-record -o run.mslat --sched -- python serve.py    # start it, with off-CPU time\n"
"  mslat-record -o run.mslat -e net,futex -p 1234          # network and futex calls only\n"
"  mslat-record -o live.mslat --rotate 1h --keep 24 -p 1234  # continuous, one day kept\n"
"\n"
"Exit status: 0 ok (Ctrl-C included), 1 runtime failure, 2 usage error;\n"
"with a COMMAND, its exit status (128+N if killed by signal N, 127 if it\n"
"could not be started). See mslat-record(1).\n";

enum {
	OPT_FOLLOW_FORKS = 256,
	OPT_NO_FOLLOW_FORKS,
	OPT_SCHED,
	OPT_NO_ARRIVALS,
	OPT_PATHS,
	OPT_FLUSH_INTERVAL,
	OPT_BUFFER_SIZE,
	OPT_ROTATE,
	OPT_KEEP,
};

static const struct option long_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "pid", required_argument, NULL, 'p' },
	{ "follow-forks", no_argument, NULL, OPT_FOLLOW_FORKS },
	{ "no-follow-forks", no_argument, NULL, OPT_NO_FOLLOW_FORKS },
	{ "syscalls", required_argument, NULL, 'e' },
	{ "sched", no_argument, NULL, OPT_SCHED },
	{ "no-arrivals", no_argument, NULL, OPT_NO_ARRIVALS },
	{ "paths", no_argument, NULL, OPT_PATHS },
	{ "duration", required_argument, NULL, 'd' },
	{ "flush-interval", required_argument, NULL, OPT_FLUSH_INTERVAL },
	{ "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },
	{ "rotate", required_argument, NULL, OPT_ROTATE },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "force", no_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* "mslat-record: error: ...", an optional HINT, then where to read more: exit 2. */
__attribute__((format(printf, 2, 3)))
static int usage_error(const char *hint, const char *fmt, ...)
{
	va_list ap;

	fputs("mslat-record: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (hint)
		fprintf(stderr, "hint: %s\n", hint);
	fputs("hint: see 'mslat-record --help'\n", stderr);
	return EXIT_USAGE;
}

/* Parse a number with a unit from TABLE (longest suffixes first); no suffix: DEF_MULT. */
struct unit {
	const char *suffix;
	uint64_t mult;
};

static int parse_units(const char *s, const struct unit *table, uint64_t def_mult, uint64_t *out)
{
	const struct unit *u;
	uint64_t mult = def_mult;
	size_t digits;
	char *end;
	double v;

	/* digits with at most one '.': no sign, exponent, hex or inf */
	digits = strspn(s ? s : "", "0123456789.");
	if (!s || !digits || strchr(s, '.') != strrchr(s, '.') || (s[0] == '.' && digits == 1))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end != s + digits)
		return -EINVAL;
	if (*end) {
		for (u = table; u->suffix && strcmp(end, u->suffix); u++)
			;
		if (!u->suffix)
			return -EINVAL;
		mult = u->mult;
	}
	if (!mult || v * (double)mult >= 18446744073709551615.0)
		return -EINVAL;
	*out = (uint64_t)(v * (double)mult + 0.5);
	return 0;
}

static const struct unit size_units[] = {
	{ "B", 1 },
	{ "k", 1ULL << 10 }, { "K", 1ULL << 10 }, { "KB", 1ULL << 10 }, { "KiB", 1ULL << 10 },
	{ "M", 1ULL << 20 }, { "MB", 1ULL << 20 }, { "MiB", 1ULL << 20 },
	{ "G", 1ULL << 30 }, { "g", 1ULL << 30 }, { "GB", 1ULL << 30 }, { "GiB", 1ULL << 30 },
	{ NULL, 0 },
};

static const struct unit time_units[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "min", 60000 }, { "h", 3600000 },
	{ NULL, 0 },
};

int parse_size(const char *s, uint64_t *bytes)
{
	return parse_units(s, size_units, 1, bytes);
}

int parse_duration(const char *s, uint64_t *ms)
{
	return parse_units(s, time_units, 1000, ms);
}

/* A plain decimal count: digits only, no unit, sign or exponent. */
static int parse_count(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
		return -EINVAL;
	for (; *s; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	*out = v;
	return 0;
}

static int parse_pids(struct record_opts *o, const char *arg)
{
	char *copy = strdup(arg), *tok, *save, *end;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long v;

		errno = 0;
		v = strtol(tok, &end, 10);
		if (errno || end == tok || *end || v <= 0 || v > INT_MAX) {
			err = -EINVAL;
			break;
		}
		if (o->pid_cnt == RECORD_MAX_PIDS) {
			err = -E2BIG;
			break;
		}
		o->pids[o->pid_cnt++] = (pid_t)v;
	}
	free(copy);
	return err;
}

static uint64_t round_pow2(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Rotation: "100M" is a size, "10m" a time; a bare number is ambiguous. */
static int parse_rotate(struct record_opts *o, const char *arg)
{
	uint64_t v;

	if (parse_units(arg, time_units, 0, &v) == 0) {
		o->rotate_ms = v;
		return v ? 0 : -EINVAL;
	}
	if (parse_units(arg, size_units, 0, &v) == 0) {
		o->rotate_bytes = v;
		return v ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static int validate(struct record_opts *o)
{
	struct utsname u;
	uint8_t flags[MSLAT_MAX_SYSCALLS];
	char *bad = NULL;
	int n;

	if (!o->output)
		return usage_error("give one with -o FILE", "no output file");
	if (!o->pid_cnt && !o->command)
		return usage_error("name processes with -p PID, or a command after --",
				   "nothing to record");
	if (o->pid_cnt && o->command)
		return usage_error(NULL, "-p and a command cannot be combined");
	if (o->keep && !o->rotate_bytes && !o->rotate_ms)
		return usage_error(NULL, "--keep needs --rotate");
	uname(&u);
	n = sysfilter__build(o->syscalls, u.machine, flags, sizeof(flags), &bad);
	if (n == -EINVAL) {
		usage_error("categories: net, file, io, sync, device, mem, sleep, process, idle, other, all",
			    "unknown syscall or category '%s' in --syscalls", bad);
		free(bad);
		return EXIT_USAGE;
	}
	if (n == -ENOTSUP)
		return usage_error(NULL, "no syscall table for architecture '%s'", u.machine);
	if (n == 0)
		return usage_error(NULL, "--syscalls selects no syscall");
	return -1;
}

int record_opts__parse(struct record_opts *o, int argc, char **argv)
{
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->follow_forks = true;
	o->arrivals = true;
	o->flush_interval_ms = 1000;
	o->buffer_bytes = RECORD_DEFAULT_BUFFER_BYTES;
	o->argc = argc;
	o->argv = argv;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:o:p:e:d:fqvhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'p':
			if (parse_pids(o, optarg))
				return usage_error("give -p PID[,PID...] with positive numbers",
						   "invalid process id list '%s'", optarg);
			break;
		case OPT_FOLLOW_FORKS:
			o->follow_forks = true;
			break;
		case OPT_NO_FOLLOW_FORKS:
			o->follow_forks = false;
			break;
		case 'e':
			o->syscalls = optarg;
			break;
		case OPT_SCHED:
			o->sched = true;
			break;
		case OPT_NO_ARRIVALS:
			o->arrivals = false;
			break;
		case OPT_PATHS:
			return usage_error(NULL, "--paths is not supported by this version");
		case 'd':
			if (parse_duration(optarg, &o->duration_ms) || !o->duration_ms)
				return usage_error("e.g. 30s, 500ms, 5m, 1h",
						   "invalid duration '%s'", optarg);
			break;
		case OPT_FLUSH_INTERVAL:
			if (parse_duration(optarg, &v) || v < 10 || v > 3600000)
				return usage_error("between 10ms and 1h, e.g. 1s or 200ms",
						   "invalid flush interval '%s'", optarg);
			o->flush_interval_ms = (uint32_t)v;
			break;
		case OPT_BUFFER_SIZE:
			if (parse_size(optarg, &v) || v < RECORD_MIN_BUFFER_BYTES || v > RECORD_MAX_BUFFER_BYTES)
				return usage_error("between 4K and 1G, e.g. 16M",
						   "invalid buffer size '%s'", optarg);
			o->buffer_bytes = round_pow2(v);
			break;
		case OPT_ROTATE:
			if (parse_rotate(o, optarg))
				return usage_error("a size (100M, 1G) or a time (30s, 10m, 1h)",
						   "invalid --rotate '%s'", optarg);
			break;
		case OPT_KEEP:
			if (parse_count(optarg, &v) || !v || v > RECORD_MAX_KEEP)
				return usage_error("a number of files from 1 to 1000000, e.g. --keep 24",
						   "invalid --keep '%s'", optarg);
			o->keep = (unsigned int)v;
			break;
		case 'f':
			o->force = true;
			break;
		case 'q':
			o->verbosity = -1;
			break;
		case 'v':
			if (o->verbosity < 2)
				o->verbosity++;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return fflush(stdout) || ferror(stdout) ? EXIT_RUNTIME : EXIT_OK;
		case 'V':
			printf("mslat-record %s\n", MSLAT_VERSION);
			return fflush(stdout) || ferror(stdout) ? EXIT_RUNTIME : EXIT_OK;
		case ':':
			if (optopt) {
				char opt[3] = { '-', (char)optopt, 0 };

				return usage_error(NULL, "option '%s' needs an argument", opt);
			}
			return usage_error(NULL, "option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt) {
				char opt[3] = { '-', (char)optopt, 0 };

				return usage_error(NULL, "unknown option '%s'", opt);
			}
			return usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->command = &argv[optind];
	return validate(o);
}
