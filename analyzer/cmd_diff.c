// SPDX-License-Identifier: MIT
/* `mslat diff`: placeholder until its issue lands; says so and fails. */
#include "cli.h"
#include "log.h"

int cmd_diff(int argc, char **argv)
{
	(void)argc, (void)argv;
	log_error("'diff' is not implemented yet");
	return EXIT_FAILURE_RT;
}
