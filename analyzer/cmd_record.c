// SPDX-License-Identifier: MIT
/* `mslat record`: exec the privileged mslat-record installed beside this binary, git-style. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

#define RECORDER "mslat-record"

/* The recorder beside /proc/self/exe, else the first one on PATH. */
static void recorder_path(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		snprintf(buf, len, "%s/%s", dirname(self), RECORDER);
		if (access(buf, X_OK) == 0)
			return;
	}
	snprintf(buf, len, "%s", RECORDER);
}

int cmd_record(int argc, char **argv)
{
	char path[PATH_MAX + sizeof(RECORDER) + 1];

	recorder_path(path, sizeof(path));
	argv[0] = (char *)RECORDER;
	(void)argc;
	execvp(path, argv);
	log_error("cannot run '%s': %s", path, strerror(errno));
	cli__hint("install mslat-record next to mslat (make install does)");
	return EXIT_FAILURE_RT;
}
