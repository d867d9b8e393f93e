/* SPDX-License-Identifier: MIT */
/* Streaming request correlation (docs/correlation.md): rows in, finished requests out through a callback. */
#ifndef MSLAT_CORRELATE_H
#define MSLAT_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "categories.h"
#include "trace_event.h"

#pragma GCC poison u8 u16 u32 u64

struct correlator;

struct correlator_opts {
	enum correlate_mode mode;
	uint64_t request_timeout_ns;	/* 0: 60 s */
	uint64_t burst_gap_ns;		/* 0: 1 ms */
	/*
	 * Each response's first burst is its headers (a streaming server that
	 * sends them before the first token): ttfb, bursts and gaps count from
	 * the second burst of a response that has one.
	 */
	bool headers_first;
	/*
	 * A receive of fewer bytes while a response is under way is a protocol
	 * frame of the client's (HTTP/2 and gRPC WINDOW_UPDATE or PING, a
	 * WebSocket pong), not a request: it takes no turn. 0: every receive.
	 */
	uint32_t min_request_bytes;
	uint32_t steps_cap;		/* 0: 64 */
	/*
	 * The trace has scheduler records (run-queue intervals), which come in
	 * batches of their own: rows are then kept until their frame ends and
	 * replayed with them, so user time splits into on-CPU and run-queue wait.
	 */
	bool sched;
	/* Every request once final, complete or not; REQ is valid during the call. */
	void (*on_request)(const struct request *req, void *ctx);
	void *ctx;
};

/* NULL with errno ENOMEM. */
struct correlator *correlator__new(const struct correlator_opts *opts);
/* NULL is a no-op. Requests still open are dropped without a callback: call __finish first. */
void correlator__free(struct correlator *c);

/*
 * Feed one finished syscall of host HOST, classified by CLS (from the trace's
 * sc_table). Events must come per thread in order, roughly in exit order
 * across threads. 0 or -ENOMEM.
 */
int correlator__event(struct correlator *c, uint32_t host, const struct trace_event *ev,
		      const struct sc_class *cls);
/*
 * The same for N rows of one batch: CLS[i] classifies ROWS[i], NULL skips it
 * (filtered out). ROWS[N] up to END, the rest of the batch, are only read:
 * the row after a row far ahead of the clock tells a clock error from a gap
 * (END = ROWS + N at the batch's end). 0 or -ENOMEM.
 */
int correlator__events(struct correlator *c, uint32_t host, const struct trace_event *rows,
		       const struct sc_class *const *cls, size_t n, const struct trace_event *end);
/*
 * An arrival record (TRACE_ARRIVAL_DATA, _QUEUED and _UNSENT are used). 0 or -ENOMEM.
 * Arrivals must come before the rows of their frame (a trace_reader opened
 * with arrivals_first hands them so): a request is then final, and
 * delivered, when it ends. One that comes after its receive still starts
 * the request if it was not delivered yet.
 */
int correlator__arrival(struct correlator *c, uint32_t host, const struct trace_arrival *a);
/* A marker (WHAT: 0 begin, 1 end, 2 point); used with CORRELATE_MARKER only. 0 or -ENOMEM. */
int correlator__marker(struct correlator *c, uint32_t host, int what, uint64_t time_ns,
		       uint32_t pid, uint32_t tid, uint64_t id);
/* A scheduler record (only TRACE_SCHED_RUNQ is used). 0 or -ENOMEM. */
int correlator__sched(struct correlator *c, uint32_t host, const struct trace_sched *s);
/* The frame being read has ended: run-queue intervals for its rows are known. 0 or -ENOMEM. */
int correlator__frame_end(struct correlator *c);
/* End of the trace: close every request (RESPONDING ones complete) and deliver them. 0 or -ENOMEM. */
int correlator__finish(struct correlator *c);

/*
 * Rows given as HOST are reported as of host PUB (requests' and tables'
 * host): each recording of a boot gets a HOST of its own, a clock of its
 * own, and the boot's PUB. Without a call, HOST is its own. 0 or -ENOMEM.
 */
int correlator__host_alias(struct correlator *c, uint32_t host, uint32_t pub);

/*
 * Of the hosts reported as PUB: the latest exit of the rows taken in, clock
 * errors left out (a row's time far ahead of the rows after it), and the
 * latest end of a row taken for a clock error; 0 if none.
 */
void correlator__host_ends(const struct correlator *c, uint32_t pub, uint64_t *kept_end,
			   uint64_t *clock_error_end);

/*
 * How far ahead of the clock a row must end to be a clock error, when the
 * row after it is back within as much: max(--request-timeout, 1 s).
 */
uint64_t correlator__clock_window(const struct correlator *c);

/*
 * UNSENT records (bytes of a response still unsent when a segment from the
 * client came) wait per host until the rows reach their time: a frame's
 * arrivals come before its rows. At most one per connection per
 * millisecond; beyond this many ahead, counted and dropped.
 * (#ifndef: make fuzz-build sets it tiny.)
 */
#ifndef UNSENT_AHEAD_CAP
#define UNSENT_AHEAD_CAP (1u << 18)
#endif

/* The shortest HTTP/1.1 request: "GET / HTTP/1.1", the Host header it must have, a blank line. */
#define TINY_TURN_BYTES 27u

/* Counters for -v and the benchmark. */
struct correlator_stats {
	uint64_t requests;		/* delivered */
	uint64_t open, open_peak;	/* requests not yet delivered */
	uint64_t segments, segments_peak;	/* deferred attributions (held-back time) */
	uint64_t arrivals_used, arrivals_dropped;
	uint64_t arrivals_outgoing;	/* replies on the process's own connections: no requests */
	uint64_t unsent_used;		/* responses ended later by an UNSENT record */
	uint64_t unsent_dropped;	/* beyond UNSENT_AHEAD_CAP buffered ahead of the rows */
	uint64_t unsent_late;		/* thread mode: responses ended before an UNSENT record of theirs */
	uint64_t fds, threads;		/* distinct keys */
	uint64_t folded_events;		/* rows of threads or fds beyond the cap on distinct keys */
	uint64_t early_replays;		/* frames' rows replayed before their end (too many rows) */
	uint64_t runq_ns;		/* run-queue wait outside syscalls, placed */
	uint64_t runq_dropped;		/* intervals beyond RUNQ_CAP per thread, or the share of all */
	uint64_t markers_capped;	/* marked requests ended early: too many open on a thread */
	uint64_t threads_capped;	/* a request's receives or sends on a thread beyond the 64 it is on */
	uint64_t decided_early;		/* requests that sent again after SEG_HELD_CAP decided them out */
	uint64_t tiny_turns;		/* requests begun by a receive too short for HTTP/1.1 */
	uint64_t frames_skipped;	/* receives under min_request_bytes that took no turn */
	uint64_t clock_errors;		/* exits far ahead of the events after them: not the clock */
	uint64_t clock_error_first_ns;	/* how far ahead the first was */
};
void correlator__stats(const struct correlator *c, struct correlator_stats *st);

/*
 * Per-thread and per-connection aggregates (requests counted at delivery).
 * Arrays are malloc'd and owned by the caller afterwards, as are the
 * histograms' chunks inside; the correlator keeps none. 0 or -ENOMEM.
 */
int correlator__take_tables(struct correlator *c, struct analysis_task **threads, int *nthreads,
			    struct analysis_conn **conns, int *nconns);

/* Gaps between the bursts of every request delivered, merged into DST. 0 or -ENOMEM. */
int correlator__take_gaps(struct correlator *c, struct histogram *dst);

#endif
