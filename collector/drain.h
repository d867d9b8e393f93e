/* SPDX-License-Identifier: MIT */
/* Drains the BPF ring buffer into the trace writer, and turns drop counters into loss records. */
#ifndef MSLAT_RECORD_DRAIN_H
#define MSLAT_RECORD_DRAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

#include "events.h"
#include "output.h"
#include "procs.h"

struct ring_buffer;

/* Loss.cpu of records lost in user space (unusable ring-buffer records): no CPU known. */
#define MSLAT_LOSS_CPU_UNKNOWN 0xffffffffU

struct drain {
	struct ring_buffer *rb;
	struct output *out;
	struct proctab *procs;
	int drops_fd;			/* per-CPU array of struct mslat_drops */
	__u64 *loss_epoch;		/* in the BPF object's mmapped .data */
	int ncpus;
	struct mslat_drops *prev;	/* per CPU, as last reported */
	struct mslat_drops *cur;
	struct {			/* unusable ring-buffer records, per MSLAT_DROP_* kind */
		uint64_t cnt;		/* since the last loss record */
		uint64_t first_ns, last_ns;
	} bad[MSLAT_DROP__COUNT];
	uint64_t drained_ns;		/* end of the last pass over the ring buffer */
	uint64_t events, sched, arrivals, procs_seen, lost;
	int err;			/* first write error; the drain stops on it */
};

/*
 * Set up D on the ring buffer RB_FD and the drop counters DROPS_FD.
 * OUT and PROCS are borrowed. Returns 0 or a negative errno.
 */
int drain__init(struct drain *d, int rb_fd, int drops_fd, __u64 *loss_epoch,
		struct output *out, struct proctab *procs);

/*
 * Wait up to TIMEOUT_MS for a wake-up, then consume everything pending.
 * Returns records consumed, or a negative errno (-EINTR on a signal;
 * D->err after a failed write).
 */
int drain__poll(struct drain *d, int timeout_ms);

/* Consume everything pending without waiting. */
int drain__consume(struct drain *d);

/*
 * Write a loss record for every CPU and kind whose drop counter grew, and one
 * per kind for the records the consumer could not use since the last call
 * (cpu MSLAT_LOSS_CPU_UNKNOWN). Returns 0 or an error.
 */
int drain__losses(struct drain *d);

void drain__free(struct drain *d);

#endif
