/* SPDX-License-Identifier: MIT */
/* Constants of the .mslat format that writer, reader and tests agree on (docs/trace-format.md). */
#ifndef MSLAT_TRACE_FORMAT_H
#define MSLAT_TRACE_FORMAT_H

#define TRACE_MAGIC 0x544c534dU		/* "MSLT" as a little-endian fixed32 */
#define TRACE_VERSION_MAJOR 1U
#define TRACE_VERSION_MINOR 0U

/*
 * Bounds a reader enforces before allocating anything; a writer stays well
 * inside them. A frame is decompressed whole (so that its checksum is
 * verified before any record in it is believed), hence the frame bound.
 */
#define TRACE_MAX_FRAME_BYTES (64U << 20)	/* decompressed content of one frame */
#define TRACE_MAX_RECORD_BYTES (8U << 20)	/* one length-prefixed record */
#define TRACE_MAX_BATCH_ROWS (1U << 20)		/* rows in one event/sched/arrival batch */
#define TRACE_MAX_SYSCALLS 4096U		/* entries of the header's syscall table */
#define TRACE_MAX_WINDOW_LOG 27			/* zstd window: 128 MiB */

/* Writer defaults. */
#define TRACE_DEFAULT_FRAME_BYTES (2U << 20)	/* close a frame past this much content */
#define TRACE_DEFAULT_BATCH_ROWS 16384U	/* rows per columnar batch */
#define TRACE_DEFAULT_FLUSH_MS 1000U
#define TRACE_DEFAULT_ZSTD_LEVEL 1	/* mslat-record's; frames of mostly literals: choose_literals */

#endif
