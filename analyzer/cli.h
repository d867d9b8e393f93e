/* SPDX-License-Identifier: MIT */
/* What every analyzer subcommand shares: its entry point, option values, output files. */
#ifndef MSLAT_CLI_H
#define MSLAT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#pragma GCC poison u8 u16 u32 u64

/* Exit codes of every mslat command (docs: EXIT STATUS). */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_RT = 1,	/* runtime failure */
	EXIT_USAGE = 2,
	EXIT_REGRESSION = 3,	/* diff found a regression past --fail-on */
};

/* A subcommand: ARGV[0] is its name; returns an exit code. */
struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* Set by `mslat [-v|-q] …` and each command's own -v/-q; "mslat CMD" for messages. */
void cli__set_command(const char *name);
void cli__verbose(void);
void cli__quiet(void);

/* Print "mslat CMD: error: …" plus "hint: see 'mslat CMD --help'" and return EXIT_USAGE. */
int cli__usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For getopt_long's '?': names the offending argument (opterr is off in mslat). */
int cli__bad_option(char **argv);
/* A hint line under an error ("hint: run as root"). */
void cli__hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Colour on stdout: auto (a terminal without NO_COLOR), always, never. */
enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
int cli__parse_color(const char *arg, enum color_mode *mode);
bool cli__use_color(enum color_mode mode, FILE *f);

/*
 * Durations: "250ms", "1.5s", "30us", "100ns", "2m", "1h", plain numbers are
 * seconds. Returns 0 or -EINVAL.
 */
int cli__parse_duration_ns(const char *arg, uint64_t *ns);
/* A list of numbers separated by commas. Returns the count, -E2BIG beyond MAX, or -EINVAL. */
int cli__parse_u32_list(const char *arg, uint32_t *out, int max);

/*
 * Every regular file of FILES is a different one (not the same trace given
 * twice, which would count it twice). 0, or -1 after a logged error.
 */
int cli__distinct_files(char **files, int n);

/*
 * Open -o OUT for writing ("-" or NULL: stdout). Files are created 0644
 * without following a final symlink; a file holding a trace (zstd data) is
 * refused, never truncated. Returns NULL after a logged error.
 */
FILE *cli__open_output(const char *path);
/* Close OUT, checking that everything reached it (a full disk is an error). 0 or -errno. */
int cli__close_output(FILE *f, const char *path);

#endif
