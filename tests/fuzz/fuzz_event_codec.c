// SPDX-License-Identifier: MIT
/*
 * libFuzzer target (make fuzz): one record, differentially. Whenever the
 * reader's fast path decodes a record into rows, the general decoder must
 * take the same record and give the same rows; the fast path otherwise
 * declines, leaving no rows. Both sets of column decoders are tried: the
 * BMI2 ones (where this CPU has them) and the portable ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_codec.h"

static void check(const uint8_t *buf, size_t size)
{
	static struct event_rows r;
	static struct event_columns c;
	const char *why;
	int fast = event_codec__decode_rows(buf, size, &r);

	if (fast == 1) {
		uint64_t t;
		uint32_t tid = 0, pid = 0;

		if (event_codec__decode(buf, size, &c, &why) != 1 || c.rows != r.n)
			abort();
		t = c.base_ns;
		for (size_t i = 0; i < r.n; i++) {
			const struct trace_event *e = &r.rows[i];

			t += (uint64_t)c.enter_delta[i];
			tid += (uint32_t)c.tid_delta[i];
			pid += (uint32_t)c.pid_delta[i];
			if (e->enter_ns != t || e->duration_ns != c.duration[i] || e->tid != tid ||
			    e->pid != pid || e->syscall != c.syscall[i] ||
			    e->fd != (c.n[6] ? c.fd[i] : -1) ||
			    e->fd_kind != (c.n[6] ? c.fd_kind[i] : 0) ||
			    e->ret != (c.n[8] ? c.ret[i] : 0) || e->pad)
				abort();
		}
	} else if (fast != 0 || r.n) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);	/* exact size: ASan sees any overread */

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	for (int portable = 0; portable <= 1; portable++) {
		event_codec__force_portable(portable);
		check(buf, size);
	}
	free(buf);
	return 0;
}
