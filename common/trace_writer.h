/* SPDX-License-Identifier: MIT */
/* Writes a .mslat trace: zstd frames of varint-length-prefixed protobuf records. */
#ifndef MSLAT_TRACE_WRITER_H
#define MSLAT_TRACE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mslat.pb-c.h"
#include "trace_event.h"

struct trace_writer;

struct trace_writer_opts {
	size_t sz;			/* sizeof(struct trace_writer_opts), for ABI growth */
	bool force;			/* replace an existing regular file (never a symlink, device or FIFO) */
	uint32_t flush_interval_ms;	/* 0: TRACE_DEFAULT_FLUSH_MS */
	int zstd_level;			/* 0: TRACE_DEFAULT_ZSTD_LEVEL */
	size_t frame_bytes;		/* 0: TRACE_DEFAULT_FRAME_BYTES */
	size_t batch_rows;		/* 0: TRACE_DEFAULT_BATCH_ROWS */
	/* Test hooks: write another format version than this build's. */
	uint32_t version_major;		/* 0: TRACE_VERSION_MAJOR */
	uint32_t version_minor;		/* used only when version_major != 0 */
};

/*
 * Create PATH (0600, O_NOFOLLOW; O_EXCL unless opts->force) and write HEADER
 * as the first frame, alone, so that a reader learns the format version from
 * the first bytes. Magic and version fields of HEADER are filled in by the
 * writer; the rest is copied. OPTS may be NULL.
 * Returns NULL with errno set (EEXIST, ELOOP, ENOENT, ENOSPC…).
 */
struct trace_writer *trace_writer__open(const char *path, const Mslat__Header *header,
					const struct trace_writer_opts *opts);

/*
 * Same, on an fd the caller opened for writing; the writer owns it from then
 * on and closes it. NAME is used in messages.
 */
struct trace_writer *trace_writer__open_fd(int fd, const char *name, const Mslat__Header *header,
					   const struct trace_writer_opts *opts);

/* Rows, buffered into columnar batches. Return 0 or a negative errno (a failed write). */
int trace_writer__append_event(struct trace_writer *w, const struct trace_event *ev);
int trace_writer__append_sched(struct trace_writer *w, const struct trace_sched *s);
int trace_writer__append_arrival(struct trace_writer *w, const struct trace_arrival *a);

/* Single records, written after every row appended before them. */
int trace_writer__append_process(struct trace_writer *w, const Mslat__ProcessInfo *p);
int trace_writer__append_loss(struct trace_writer *w, const Mslat__Loss *loss);
int trace_writer__append_marker(struct trace_writer *w, const Mslat__Marker *m);

/*
 * An already serialized Record (test hook: unknown fields, future record kinds).
 * LEN is bounded by TRACE_MAX_RECORD_BYTES.
 */
int trace_writer__append_raw(struct trace_writer *w, const void *record, size_t len);

/*
 * Close the current frame if its first record is older than the flush
 * interval at NOW_NS (CLOCK_MONOTONIC). Call it from the recorder's loop.
 */
int trace_writer__tick(struct trace_writer *w, uint64_t now_ns);

/* Close the current frame now (buffered rows included) and write it out. */
int trace_writer__flush(struct trace_writer *w);

/* Bytes written to the file so far (for --rotate SIZE). */
uint64_t trace_writer__bytes(const struct trace_writer *w);
/* Rows and records appended so far. */
uint64_t trace_writer__events(const struct trace_writer *w);

/*
 * Flush, write the footer (totals filled in by the writer; end_ns and reason
 * taken from FOOTER, which may be NULL), fsync and close; frees W.
 * Returns 0 or the first error seen during the writer's life. NULL is a no-op.
 */
int trace_writer__close(struct trace_writer *w, const Mslat__Footer *footer);

/* Close the file without a footer (it reads as truncated); frees W. NULL is a no-op. */
void trace_writer__abandon(struct trace_writer *w);

#endif
