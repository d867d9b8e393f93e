// SPDX-License-Identifier: MIT
/* readbench: how fast the trace reader decodes every item of a trace, and in how much memory. */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "log.h"
#include "trace_reader.h"

#pragma GCC poison u8 u16 u32 u64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct trace_reader *r;
	struct trace_item it;
	const struct trace_event *rows;
	size_t n;
	bool bulk = true;
	const char *path;
	struct rusage ru;
	uint64_t events = 0, items = 0, sum = 0;
	double t0, c0, wall, cpu;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "--items")) {
		bulk = false;
		argc--;
		argv++;
	}
	if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr,
			"Usage: readbench [--items] TRACE.mslat\n\n"
			"Decode every record and event of TRACE with common/trace_reader and print\n"
			"one line: events, seconds (wall and CPU), events per CPU second, peak RSS.\n"
			"Events come a batch at a time (trace_reader__next_bulk, as mslat's commands\n"
			"read them); with --items, one call per event (trace_reader__next).\n");
		return argc == 2 ? 0 : 2;
	}
	path = argv[1];
	log__use_stderr("readbench");
	t0 = now_s();
	c0 = cpu_s();
	r = trace_reader__open(path, NULL);
	if (!r)
		return 1;
	while (bulk && (ret = trace_reader__next_bulk(r, &it, &rows, &n)) > 0) {
		if (ret == 1) {
			items++;
			continue;
		}
		items += n;
		events += n;
		for (size_t i = 0; i < n; i++)
			sum += rows[i].duration_ns;	/* touch every row, as a consumer would */
	}
	while (!bulk && (ret = trace_reader__next(r, &it)) > 0) {
		items++;
		if (it.type == TRACE_ITEM_EVENT) {
			events++;
			sum += it.event.duration_ns;	/* touch the row, as a consumer would */
		}
	}
	trace_reader__close(r);
	wall = now_s() - t0;
	cpu = cpu_s() - c0;
	if (ret < 0)
		return 1;
	getrusage(RUSAGE_SELF, &ru);
	printf("api %s events %" PRIu64 " items %" PRIu64 " wall_s %.3f cpu_s %.3f events_per_s %.0f "
	       "peak_rss_kb %ld checksum %" PRIu64 "\n",
	       bulk ? "bulk" : "items", events, items, wall, cpu, cpu > 0 ? (double)events / cpu : 0.0, ru.ru_maxrss, sum);
	return 0;
}
