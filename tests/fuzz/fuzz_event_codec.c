// SPDX-License-Identifier: MIT
/*
 * libFuzzer target (make fuzz): one record, differentially. Whenever the
 * reader's fast path decodes a record into rows, the general decoder must
 * take the same record and give the same rows; the fast path otherwise
 * declines, leaving no rows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_rows r;
	static struct event_columns c;
	uint8_t *buf = malloc(size ? size : 1);	/* exact size: ASan sees any overread */
	const char *why;
	int fast;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	fast = event_codec__decode_rows(buf, size, &r);
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
			    e->ret != (c.n[8] ? c.ret[i] : 0))
				abort();
		}
	} else if (fast != 0 || r.n) {
		abort();
	}
	free(buf);
	return 0;
}
