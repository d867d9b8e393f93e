// SPDX-License-Identifier: MIT
/*
 * libFuzzer target (make fuzz): a whole .mslat file from a stranger. The
 * reader must end with an item stream or an error, never a crash, a leak or
 * undefined behaviour, with and without skip_corrupt, through both APIs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "trace_reader.h"

static void read_all(const uint8_t *data, size_t size, bool skip_corrupt, bool bulk)
{
	struct trace_reader_opts opts = { .sz = sizeof(opts), .skip_corrupt = skip_corrupt };
	FILE *f = fmemopen((void *)data, size, "rb");
	struct trace_reader *r;
	struct trace_item it;
	const struct trace_event *rows;
	size_t n;
	volatile uint64_t sum = 0;

	if (!f)
		return;
	r = trace_reader__open_file(f, "fuzz", &opts);
	if (r) {
		int ret;

		while ((ret = bulk ? trace_reader__next_bulk(r, &it, &rows, &n)
				   : trace_reader__next(r, &it)) > 0) {
			if (ret == 2)	/* every row is read, as consumers do */
				for (size_t i = 0; i < n; i++)
					sum += rows[i].enter_ns ^ rows[i].duration_ns;
		}
		trace_reader__close(r);
	}
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	log__set_printer(NULL);
	read_all(data, size, false, true);
	read_all(data, size, true, false);
	return 0;
}
