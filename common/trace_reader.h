/* SPDX-License-Identifier: MIT */
/* Streams the records and decoded rows of a .mslat trace, safely, from untrusted input. */
#ifndef MSLAT_TRACE_READER_H
#define MSLAT_TRACE_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mslat.pb-c.h"
#include "trace_event.h"

struct trace_reader;

enum trace_item_type {
	TRACE_ITEM_HEADER = 1,
	TRACE_ITEM_EVENT,
	TRACE_ITEM_PROCESS,
	TRACE_ITEM_LOSS,
	TRACE_ITEM_SCHED,
	TRACE_ITEM_ARRIVAL,
	TRACE_ITEM_MARKER,
	TRACE_ITEM_FOOTER,
	TRACE_ITEM_UNKNOWN,	/* a record kind from a newer minor version */
};

/* Pointers inside stay valid until the next call of trace_reader__next(). */
struct trace_item {
	enum trace_item_type type;
	uint64_t frame_offset;	/* file offset of the frame holding it */
	union {
		const Mslat__Header *header;
		struct trace_event event;
		const Mslat__ProcessInfo *process;
		const Mslat__Loss *loss;
		struct trace_sched sched;
		struct trace_arrival arrival;
		const Mslat__Marker *marker;
		const Mslat__Footer *footer;
	};
};

struct trace_reader_opts {
	size_t sz;		/* sizeof(struct trace_reader_opts) */
	bool skip_corrupt;	/* after a corrupt frame, resume at the next frame instead of failing */
	/*
	 * Hand out each frame's arrival batches before its other records. The
	 * writer batches arrivals apart from events, so an arrival often
	 * follows, in file order, the receive that read its bytes; read this
	 * way, it comes before (docs/trace-format.md, Order).
	 */
	bool arrivals_first;
};

struct trace_reader_stats {
	uint64_t file_bytes;		/* bytes read from the file (a mapped one: its size) */
	uint64_t frames;		/* complete frames read */
	uint64_t records;
	uint64_t events;
	uint64_t sched;
	uint64_t arrivals;
	uint64_t processes;
	uint64_t markers;
	uint64_t losses;		/* loss records */
	uint64_t lost;			/* events they count */
	uint64_t unknown_records;
	uint64_t corrupt_frames;	/* skipped with skip_corrupt */
	uint64_t min_ns, max_ns;	/* time range of rows seen (0,0 if none) */
	bool footer;			/* a footer was read */
	uint64_t footer_end_ns;		/* the latest end_ns of a footer read; 0 if none */
	bool truncated;			/* the file ends inside a frame, or has no footer */
	uint64_t truncated_at;		/* offset of the incomplete frame, when it exists */
	uint64_t error_at;		/* after a failed read: the offset of the frame it failed in */
};

/*
 * Open PATH ("-" for stdin) and read its first frame: the header.
 * Returns NULL with errno set and a logged message naming the file:
 * EPROTO not a mslat trace, ENOTSUP newer major version, EBADMSG corrupt,
 * or the open(2) error.
 */
struct trace_reader *trace_reader__open(const char *path, const struct trace_reader_opts *opts);
/*
 * Same on a stream the caller keeps owning; NAME is used in messages. A
 * regular file at offset 0 is read through a mapping (common/file_map.h):
 * if it shrinks meanwhile, the read ends as at a cut (stats.truncated).
 */
struct trace_reader *trace_reader__open_file(FILE *f, const char *name,
					     const struct trace_reader_opts *opts);

/* The header, valid for the reader's life. */
const Mslat__Header *trace_reader__header(const struct trace_reader *r);
/* The name of syscall NR from the header's table, or NULL. */
const char *trace_reader__syscall_name(const struct trace_reader *r, uint32_t nr);
const char *trace_reader__name(const struct trace_reader *r);

/*
 * Next item: 1 with *ITEM filled, 0 at the end (a truncated file ends cleanly
 * after a warning), or a negative errno after a logged error naming the file
 * and byte offset (-EBADMSG corrupt data, -EIO, -ENOMEM).
 * The header is returned first, once.
 */
int trace_reader__next(struct trace_reader *r, struct trace_item *item);

/*
 * Like trace_reader__next, but the rows of an event batch come all at once:
 * returns 2 with *EVENTS pointing at the *N rows left in the current batch
 * (valid until the next call), 1 with *ITEM for any other item, 0 at the end,
 * or a negative errno. The same stream of items as trace_reader__next, without
 * a call per event: for consumers that go through millions of them.
 */
int trace_reader__next_bulk(struct trace_reader *r, struct trace_item *item,
			    const struct trace_event **events, size_t *n);

/*
 * After an arrival (an item of type TRACE_ITEM_ARRIVAL): the rows left in
 * its batch, all at once, *N of them (valid until the next call; 0 and NULL
 * when none is left). The items trace_reader__next would give next, without
 * a call per row.
 */
const struct trace_arrival *trace_reader__rest_of_arrivals(struct trace_reader *r, size_t *n);

void trace_reader__stats(const struct trace_reader *r, struct trace_reader_stats *stats);

/* NULL is a no-op. */
void trace_reader__close(struct trace_reader *r);

#endif
