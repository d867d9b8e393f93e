/* SPDX-License-Identifier: MIT */
/*
 * A file read through a read-only mapping: no copy into a buffer of ours.
 * A mapping has one hazard a read() does not: if the file shrinks while it
 * is mapped, touching a page past its new end raises SIGBUS. Reads of the
 * mapping therefore run inside file_map__call, which turns that signal into
 * an error return; a SIGBUS anywhere else keeps its default effect.
 */
#ifndef MSLAT_FILE_MAP_H
#define MSLAT_FILE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct file_map {
	const uint8_t *data;	/* NULL when not mapped */
	size_t len;		/* the file's size when it was mapped */
	size_t released;	/* pages before this offset are dropped from the process */
};

/*
 * Map the regular file FD, LEN bytes from offset 0, for one pass from start
 * to end. 0, or a negative errno (not a regular file, empty, no address
 * space): read the file with read() instead.
 */
int file_map__open(int fd, struct file_map *m);
/* Unmap. A zeroed struct file_map is a no-op. */
void file_map__close(struct file_map *m);

/*
 * Drop the pages wholly before offset UPTO from this process: what was read
 * stays in the page cache, but not in the reader's RSS, which then follows
 * the part being read, not the file's size.
 */
void file_map__release(struct file_map *m, size_t upto);

/*
 * FN(ARG), with reads of M's pages guarded: FN's return value; or, when a
 * read of M faulted (the file is now shorter, or its page could not be
 * read in), *FAULTED set and -EFAULT. FN was then stopped where it read: it
 * must keep nothing that needs cleaning up (locks, allocations not yet
 * reachable) across its reads of M. Calls do not nest. The guard is the
 * process's SIGBUS handler from the first file_map__open on; a handler
 * installed later over it takes the guard away.
 */
int file_map__call(const struct file_map *m, int (*fn)(void *arg), void *arg, bool *faulted);

#endif
