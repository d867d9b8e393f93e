// SPDX-License-Identifier: MIT
/* Human units for text output, three significant digits. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "units.h"
#include "utf8.h"

uint64_t units__u64_of(double v)
{
	if (!(v > 0))	/* and NaN */
		return 0;
	if (v >= 18446744073709551616.0)	/* 2^64 */
		return UINT64_MAX;
	return (uint64_t)v;
}

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

const char *units__printable(char *buf, size_t len, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0;

	while (*p) {
		size_t n = utf8__printable_len(p);
		char tmp[8];
		size_t k;

		if (n) {
			memcpy(tmp, p, n);
			k = n;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
			k = 4;
			n = 1;
		}
		if (o + k + sizeof("…") > len) {
			if (len >= sizeof("…"))
				memcpy(buf + (o < len - sizeof("…") ? o : len - sizeof("…")), "…", sizeof("…"));
			else if (len)
				buf[0] = '\0';
			return buf;
		}
		memcpy(buf + o, tmp, k);
		o += k;
		p += n;
	}
	if (len)
		buf[o] = '\0';
	return buf;
}
