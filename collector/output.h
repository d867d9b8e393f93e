/* SPDX-License-Identifier: MIT */
/* The trace file(s) being written: header, rotation into numbered pieces, --keep, footer. */
#ifndef MSLAT_RECORD_OUTPUT_H
#define MSLAT_RECORD_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "mslat.pb-c.h"
#include "options.h"
#include "procs.h"
#include "trace_writer.h"

struct output {
	const struct record_opts *opts;
	Mslat__Header hdr;
	Mslat__Target **targets;
	Mslat__Target *target_v;
	size_t target_cnt;
	char **syscall_names;
	char hostname[256];
	char release[65];
	char machine[65];
	char boot_id[64];
	struct trace_writer *w;
	char *path;		/* current piece */
	uint64_t seq;		/* current piece number */
	uint64_t piece_start_ns;
	bool rotate_failed;	/* the next piece could not be created; the current one is intact */
};

/*
 * Fill O's header from the host and OPTS; TARGETS (CNT of them) name the
 * traced processes with their command lines. Returns 0 or a negative errno.
 */
int output__init(struct output *o, const struct record_opts *opts,
		 const struct proc_entry *targets, size_t cnt);

/* Name of piece SEQ of PATH (PATH itself without --rotate); malloc'd. */
char *output__piece_name(const char *path, bool rotating, uint64_t seq);

/*
 * Find the lowest-numbered existing piece that rotating PATH would create.
 * Returns 1 with its malloc'd name in *FOUND, 0 if there is none, or a
 * negative errno (the directory cannot be read).
 */
int output__find_piece(const char *path, char **found);

/*
 * Create the first file (0600, O_NOFOLLOW, not over an existing one without
 * --force) and write the header. Returns 0 or a negative errno (logged).
 */
int output__open(struct output *o, uint64_t start_ns);

/* Write a SNAPSHOT process record for every entry of PROCS. */
int output__snapshot(struct output *o, const struct proctab *procs, uint64_t now_ns);

/* True when the current piece is due for rotation at NOW_NS. */
bool output__rotation_due(const struct output *o, uint64_t now_ns);

/*
 * Create the next piece, then close the current one (footer reason ROTATED),
 * write a snapshot of PROCS to the new one, and delete the piece that falls
 * out of --keep. Returns 0 or a negative errno (logged); when the next piece
 * could not be created, sets O->rotate_failed and the current piece stays
 * open and intact, to be closed with a footer.
 */
int output__rotate(struct output *o, const struct proctab *procs, uint64_t now_ns);

/* Close with a footer. Returns 0 or the writer's first error. */
int output__close(struct output *o, Mslat__Footer__Reason reason, uint64_t end_ns);

/* Free everything; an open file is left without footer. */
void output__free(struct output *o);

#endif
