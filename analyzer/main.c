// SPDX-License-Identifier: MIT
/* mslat: the unprivileged, offline analyzer; dispatches to one subcommand per cmd_*.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

static const struct cli_cmd commands[] = {
	{ "record", cmd_record, "Record a process's syscalls into a trace (runs mslat-record)" },
	{ "info", cmd_info, "Header, time range, counts and losses of a trace" },
	{ "report", cmd_report, "Requests, latency breakdown and hotspots" },
	{ "export", cmd_export, "Write a trace as a Chrome trace (Perfetto), …" },
	{ "dump", cmd_dump, "Print every event" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: mslat [OPTIONS] COMMAND [ARGS]\n\n"
		   "Find where a model server's request time goes, from a trace of its syscalls.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nOptions:\n"
		   "  -v, --verbose    more messages (-vv: debug)\n"
		   "  -q, --quiet      errors only\n"
		   "  -V, --version    print the version and exit\n"
		   "  -h, --help       print this help and exit\n"
		   "\nSee 'mslat help COMMAND', 'mslat COMMAND --help' or mslat-COMMAND(1).\n");
}

static const struct cli_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int run(const struct cli_cmd *cmd, int argc, char **argv)
{
	int rc;

	cli__set_command(cmd->name);
	optind = 0;	/* each command runs its own getopt_long loop */
	opterr = 0;	/* and reports bad options in mslat's own words */
	rc = cmd->fn(argc, argv);
	if (cli__close_output(stdout, NULL) && rc == EXIT_OK)
		rc = EXIT_FAILURE_RT;
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const struct cli_cmd *cmd;
	int c;

	cli__set_command(NULL);
	/* '+': stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+vqVh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			cli__verbose();
			break;
		case 'q':
			cli__quiet();
			break;
		case 'V':
			printf("mslat %s\n", MSLAT_VERSION);
			return cli__close_output(stdout, NULL) ? EXIT_FAILURE_RT : EXIT_OK;
		case 'h':
			usage(stdout);
			return cli__close_output(stdout, NULL) ? EXIT_FAILURE_RT : EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		char *help_argv[] = { argv[optind + 1], "--help", NULL };

		if (optind + 1 == argc) {
			usage(stdout);
			return cli__close_output(stdout, NULL) ? EXIT_FAILURE_RT : EXIT_OK;
		}
		cmd = find_command(argv[optind + 1]);
		if (!cmd)
			return cli__usage_error("unknown command '%s'", argv[optind + 1]);
		return run(cmd, 2, help_argv);
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return cli__usage_error("unknown command '%s'", argv[optind]);
	return run(cmd, argc - optind, argv + optind);
}
