// SPDX-License-Identifier: MIT
/* `mslat report`: placeholder until its issue lands; says so and fails. */
#include "cli.h"
#include "log.h"

int cmd_report(int argc, char **argv)
{
	(void)argc, (void)argv;
	log_error("'report' is not implemented yet");
	return EXIT_FAILURE_RT;
}
