/* SPDX-License-Identifier: MIT */
/* The order several traces are read in, by mslat report and mslat export alike. */
#ifndef MSLAT_FILE_ORDER_H
#define MSLAT_FILE_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "mslat.pb-c.h"

#pragma GCC poison u8 u16 u32 u64

/* Trace IDX (its place on the command line), of host HOST, with header H. */
struct file_order {
	int idx, host;
	const Mslat__Header *h;
	/*
	 * Set by file_order__sort: the recording it is a piece of, numbered
	 * from 0 in reading order. Two recordings of one boot may run at the
	 * same time (a proxy's and a model server's): read one after the other
	 * on one clock, the second's times would go back past the first's
	 * request timeout (file_clocks).
	 */
	int recording;
	uint64_t rec_start;	/* file_order__sort's: when its recording's first piece began */
	bool continued;		/* file_order__sort's: a later piece continues it */
};

/*
 * Two traces of boot ids A and B are of one host (pieces of one recording,
 * or recordings of one boot: one clock, one pid and fd space). A trace
 * without a boot id is a host of its own.
 */
bool file_order__same_host(const char *a, const char *b);

/*
 * Sort the N traces into reading order, recording after recording, each
 * recording's pieces in order whatever order the shell's glob gave. A piece
 * continues a recording of its host whose last piece is the one before it
 * (sequence), began no later, and had the same recorder command line and
 * targets; a piece 0, or one that continues none, begins a recording.
 */
void file_order__sort(struct file_order *order, int n);

/*
 * The clocks (the correlator's hosts) of the recordings read so far. A
 * recording that begins after one of its host's clocks last moved continues
 * that clock, with its pids and connections (a recorder restarted on the same
 * server); one that overlaps every one of them gets a clock of its own.
 */
struct file_clocks {
	struct file_clock {
		int host;
		uint64_t end_ns;	/* the latest time read on it */
	} *c;
	int n;
	int cur;		/* the clock of the recording being read */
};

/*
 * The clock of ORDER[K] (file_order__sort's order, read from 0 to K): its
 * recording's, picked when its first piece is read. The index, or -ENOMEM.
 */
int file_clocks__of(struct file_clocks *fc, const struct file_order *order, int k);
/* A trace read on clock I reached END_NS. */
void file_clocks__end(struct file_clocks *fc, int i, uint64_t end_ns);
void file_clocks__free(struct file_clocks *fc);

#endif
