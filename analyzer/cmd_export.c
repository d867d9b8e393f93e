// SPDX-License-Identifier: MIT
/* `mslat export`: placeholder until its issue lands; says so and fails. */
#include "cli.h"
#include "log.h"

int cmd_export(int argc, char **argv)
{
	(void)argc, (void)argv;
	log_error("'export' is not implemented yet");
	return EXIT_FAILURE_RT;
}
