// SPDX-License-Identifier: MIT
/*
 * libFuzzer target (make fuzz): a whole .mslat file from a stranger. The
 * reader must end with an item stream or an error, never a crash, a leak or
 * undefined behaviour, with and without skip_corrupt, through both APIs,
 * from memory (read as a stream) and from a file (read through a mapping),
 * in file order and with each frame's arrivals read ahead.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "trace_reader.h"

/* DATA as a regular file (memfd), at offset 0: the reader maps it. */
static FILE *as_file(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0 ||
	    !(f = fdopen(fd, "rb"))) {
		close(fd);
		return NULL;
	}
	return f;
}

static void read_all(const uint8_t *data, size_t size, bool skip_corrupt, bool bulk, bool file,
		     bool ahead)
{
	struct trace_reader_opts opts = { .sz = sizeof(opts), .skip_corrupt = skip_corrupt,
					  .arrivals_first = ahead };
	FILE *f = file ? as_file(data, size) : fmemopen((void *)data, size, "rb");
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
	read_all(data, size, false, true, false, true);
	read_all(data, size, true, false, false, false);
	read_all(data, size, true, true, true, true);
	return 0;
}
