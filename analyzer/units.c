// SPDX-License-Identifier: MIT
/* Human units for text output, three significant digits. */
#include <stdio.h>
#include <time.h>

#include "units.h"

static const char *scaled(char *buf, double v, const char *unit)
{
	if (v < 10)
		snprintf(buf, UNITS_BUF, "%.2f%s", v, unit);
	else if (v < 100)
		snprintf(buf, UNITS_BUF, "%.1f%s", v, unit);
	else
		snprintf(buf, UNITS_BUF, "%.0f%s", v, unit);
	return buf;
}

const char *units__duration(char *buf, uint64_t ns)
{
	if (ns < 1000) {
		snprintf(buf, UNITS_BUF, "%uns", (unsigned int)ns);
		return buf;
	}
	if (ns < 999500)
		return scaled(buf, ns / 1e3, "µs");
	if (ns < 999500000ULL)
		return scaled(buf, ns / 1e6, "ms");
	if (ns < 60000000000ULL)
		return scaled(buf, ns / 1e9, "s");
	snprintf(buf, UNITS_BUF, "%llum%02llus", (unsigned long long)(ns / 60000000000ULL),
		 (unsigned long long)(ns / 1000000000ULL % 60));
	return buf;
}

const char *units__bytes(char *buf, uint64_t bytes)
{
	if (bytes < 1024) {
		snprintf(buf, UNITS_BUF, "%uB", (unsigned int)bytes);
		return buf;
	}
	if (bytes < (1ULL << 20))
		return scaled(buf, bytes / 1024.0, "KiB");
	if (bytes < (1ULL << 30))
		return scaled(buf, bytes / 1048576.0, "MiB");
	return scaled(buf, bytes / 1073741824.0, "GiB");
}

const char *units__count(char *buf, uint64_t n)
{
	if (n < 10000) {
		snprintf(buf, UNITS_BUF, "%u", (unsigned int)n);
		return buf;
	}
	if (n < 1000000)
		return scaled(buf, n / 1e3, "k");
	if (n < 1000000000)
		return scaled(buf, n / 1e6, "M");
	return scaled(buf, n / 1e9, "G");
}

const char *units__wallclock(char *buf, uint64_t realtime_ns)
{
	time_t secs = (time_t)(realtime_ns / 1000000000ULL);
	struct tm tm;

	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, UNITS_BUF, "?");
		return buf;
	}
	snprintf(buf, UNITS_BUF, "%04d-%02d-%02d %02d:%02d:%02d.%03u UTC", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(realtime_ns / 1000000 % 1000));
	return buf;
}
