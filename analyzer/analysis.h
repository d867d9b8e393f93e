/* SPDX-License-Identifier: MIT */
/* The result of analysing traces: what every renderer (text, JSON, HTML, CSV, gnuplot, Chrome trace) reads. */
#ifndef MSLAT_ANALYSIS_H
#define MSLAT_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "histogram.h"

#pragma GCC poison u8 u16 u32 u64

/*
 * Where a request's time goes (docs/correlation.md "Categories"). The order
 * is the order of every output. IDLE is reported apart and never counted as
 * latency; QUEUE comes from arrival records only.
 */
enum req_category {
	REQ_CAT_NET = 0,
	REQ_CAT_FILE,
	REQ_CAT_SYNC,
	REQ_CAT_DEVICE,
	REQ_CAT_MEM,
	REQ_CAT_SLEEP,
	REQ_CAT_PROCESS,
	REQ_CAT_OTHER,
	REQ_CAT_IDLE,
	REQ_CAT_QUEUE,
	/*
	 * After its last send returned, until a segment from the client let
	 * the kernel send its last bytes (arrival records of kind UNSENT):
	 * Nagle's algorithm waiting for a delayed ACK, a full window.
	 */
	REQ_CAT_UNSENT,
	REQ_CAT__COUNT,
};

/* "net", "file", …, "queue"; "?" when out of range. */
const char *req_category__name(enum req_category cat);

enum correlate_mode {
	CORRELATE_CONN = 0,	/* connection turn-taking per (pid, socket fd): the default */
	CORRELATE_THREAD,	/* one request per thread at a time */
	CORRELATE_MARKER,	/* BEGIN/END marker records */
};

/* "conn", "thread", "marker"; parse returns -1 for anything else. */
const char *correlate_mode__name(enum correlate_mode mode);
int correlate_mode__parse(const char *name);

/*
 * One step of a request's syscall sequence. Consecutive calls of the same
 * syscall in the same category are folded into one step (COUNT > 1).
 */
struct req_step {
	const char *name;	/* syscall name; lives as long as the analysis */
	uint64_t enter_ns;	/* enter time of the first call of the step */
	uint64_t total_ns;	/* time attributed to the request (clipped, shared included) */
	uint32_t count;		/* calls folded into this step */
	uint8_t cat;		/* enum req_category */
	bool shared;		/* time went to shared_ns: another request was open on the thread */
	uint8_t pad[2];
};

/*
 * A request (docs/correlation.md). All times are CLOCK_MONOTONIC ns of the
 * recording host. An incomplete request has no end: END_NS is its last
 * receive's exit (with markers, its last activity), and nothing after it is
 * attributed to it.
 */
struct request {
	uint64_t id;		/* 1, 2, … in order of the request's start event in the trace */
	uint32_t host;		/* index in analysis.trace.hosts: traces of one boot share one */
	uint32_t pid;
	uint32_t tid;		/* the thread that did its first receive (or BEGIN marker) */
	int32_t fd;		/* the connection's fd; -1 with markers */
	uint32_t fd_kind;	/* enum fd_kind of the connection */
	bool complete;		/* at least one successful send (or an END marker) */
	bool timed_out;		/* closed by --request-timeout */
	bool queued;		/* START_NS comes from an arrival record */
	uint8_t pad;
	uint64_t marker_id;	/* with markers */

	uint64_t start_ns;	/* first receive's exit, or its first bytes' arrival */
	uint64_t end_ns;	/* last send's exit */
	uint64_t latency_ns;	/* end_ns - start_ns */
	uint64_t cat_ns[REQ_CAT__COUNT];	/* time per category; cat_ns[REQ_CAT_QUEUE] is the queue wait */
	uint64_t shared_ns;	/* syscall time while other requests were open on the same thread */
	uint64_t user_ns;	/* latency not covered by syscalls, queue or shared time */
	/*
	 * Complete requests: time its threads spent in idle calls (epoll_wait,
	 * poll...) after its last receive (but not in gaps between its sends
	 * that the network paced), its own or shared, at most its
	 * latency: waiting for work done elsewhere (another thread, process, a
	 * timer). Not an addend of latency: part of the idle or shared time.
	 */
	uint64_t waited_ns;
	uint64_t syscalls;	/* syscalls attributed (shared ones included) */
	uint64_t bytes_in, bytes_out;

	/* Streaming responses. */
	uint64_t ttfb_ns;	/* first send's exit - start_ns; 0 when incomplete */
	uint32_t sends;		/* successful sends */
	uint32_t bursts;	/* runs of sends separated by more than --burst-gap */
	uint64_t gap_max_ns;	/* longest gap between bursts (0 with one burst) */
	uint64_t gap_sum_ns;	/* sum of the bursts-1 gaps */

	/*
	 * With scheduler records (mslat record --sched): the part of the time
	 * outside syscalls spent waiting for a CPU (run queue, preempted in user
	 * mode); user_ns is then the on-CPU part. 0 without them.
	 */
	uint64_t runq_ns;

	/* The syscall sequence by enter time, at most analysis_opts.steps_cap steps; valid during the callback. */
	const struct req_step *steps;
	uint32_t nsteps;
	uint32_t steps_dropped;	/* steps beyond the cap */
};

/* Called once per request (complete or not) as soon as it is final; REQ is valid during the call. */
typedef void (*analysis_request_fn)(const struct request *req, void *ctx);

struct analysis_opts {
	size_t sz;			/* sizeof(struct analysis_opts) */
	enum correlate_mode mode;
	const uint32_t *pids;		/* only these processes (NULL: all) */
	int npids;
	uint64_t since_ns;		/* skip what ends before trace start + since_ns (0: from the start) */
	uint64_t until_ns;		/* skip what begins after trace start + until_ns (0: to the end) */
	uint64_t request_timeout_ns;	/* 0: 60 s */
	uint64_t burst_gap_ns;		/* 0: 1 ms */
	uint64_t interval_ns;		/* time-series interval; 0: chosen from the trace's length */
	uint32_t top_n;			/* slowest requests kept; 0: 10 */
	uint32_t steps_cap;		/* steps kept per request; 0: 64 */
	bool skip_corrupt;		/* resume after a corrupt frame instead of failing */
	bool headers_first;		/* --headers-first (correlator_opts) */
	uint32_t min_request_bytes;	/* --min-request-bytes (correlator_opts) */
	analysis_request_fn on_request;	/* may be NULL */
	void *ctx;
};

/* A recording host (one boot): traces of one host share a clock and keys. */
struct analysis_host {
	char *hostname, *kernel_release, *arch, *boot_id;
	int64_t mono_to_realtime_ns;
	uint32_t cpu_count;
	uint64_t start_ns, end_ns;	/* monotonic: earliest header start, latest row or footer end */
};

struct analysis_trace {
	char **files;			/* as given */
	int nfiles;
	int *file_hosts;		/* files[i]'s host, an index in hosts */
	struct analysis_host *hosts;
	int nhosts;
	uint64_t start_ns, end_ns;	/* of host 0 (hosts[0]), monotonic */
	uint64_t duration_ns;		/* longest host's end - start */
	uint64_t events, sched, arrivals, markers, processes;
	uint64_t losses;		/* loss records */
	uint64_t lost;			/* events they count */
	uint64_t events_analysed;	/* after --pid/--since/--until */
	uint64_t corrupt_frames;
	bool truncated;			/* some file lacks its footer or ends inside a frame */
	/*
	 * Rows of threads or connections beyond the cap on distinct keys (a
	 * hostile trace): counted in the syscall table and in one thread row of
	 * pid 0, tid 0, never correlated. 0 normally.
	 */
	uint64_t keys_folded;
	bool has_arrivals, has_sched, has_markers;
	enum correlate_mode mode;
};

/* Where HOST's recording began: a request's times are on its host's clock. */
static inline uint64_t analysis_trace__start_of(const struct analysis_trace *t, uint32_t host)
{
	return host < (uint32_t)t->nhosts ? t->hosts[host].start_ns : t->start_ns;
}

/* Statistics over requests (complete requests only, unless named otherwise). */
struct analysis_requests {
	uint64_t count;			/* complete requests */
	uint64_t incomplete;		/* never sent anything before their connection/the trace ended */
	uint64_t timed_out;		/* closed by --request-timeout (complete or not) */
	struct histogram latency;	/* end - start */
	struct histogram ttfb;		/* time to first byte (first send) */
	struct histogram queue;		/* queue wait; only requests with arrival records */
	struct histogram user;
	struct histogram shared;
	struct histogram cat[REQ_CAT__COUNT];	/* per-request time in each category */
	struct histogram syscalls;	/* syscalls per request */
	struct histogram sends;		/* sends per request */
	struct histogram bursts;	/* bursts per request */
	struct histogram gaps;		/* every gap between bursts */
	uint64_t bytes_in, bytes_out;
	uint64_t cat_ns[REQ_CAT__COUNT];	/* totals over complete requests */
	uint64_t shared_ns, user_ns, latency_ns;
	uint64_t waited_ns;		/* their request.waited_ns (warn_work_elsewhere) */
	struct histogram runq;		/* run-queue wait outside syscalls (with scheduler records) */
	uint64_t runq_ns;
};

/* One syscall name in one category ("read" on sockets is net, on files file). */
struct analysis_syscall {
	const char *name;
	enum req_category cat;
	uint64_t errors;		/* return value < 0 */
	uint64_t in_requests;		/* calls attributed to complete requests (from their steps) */
	uint64_t in_requests_ns;	/* their attributed time (steps past steps_cap are not counted) */
	struct histogram duration;	/* every call, in or out of requests */
};

/* Every syscall of a category, in or out of requests. */
struct analysis_category {
	uint64_t calls;
	uint64_t total_ns;		/* sum of durations */
	uint64_t in_requests_ns;	/* attributed to complete requests */
	struct histogram duration;	/* per call */
};

/* Per process (pid) or thread (pid, tid); TID is 0 in the process table. */
struct analysis_task {
	uint32_t host, pid, tid;
	char *comm;			/* from process records; NULL if none */
	uint64_t syscalls;
	uint64_t syscall_ns;		/* outside idle */
	uint64_t idle_ns;
	uint64_t requests, incomplete;	/* requests started by this process/thread */
	struct histogram latency;
};

/* Per connection key (pid, fd): every connection that used that fd number. */
struct analysis_conn {
	uint32_t host, pid;
	int32_t fd;
	uint32_t fd_kind;
	uint64_t connections;		/* accepted/started on this fd */
	uint64_t requests, incomplete;
	uint64_t bytes_in, bytes_out;
	struct histogram latency;
};

/*
 * One interval of the time series, relative to its host's start: requests by
 * end time, events by exit time. Intervals merge as the trace grows (at most
 * 120 of them), unless analysis_opts.interval_ns fixed one.
 */
struct analysis_bucket {
	uint64_t start_ns;		/* offset from trace.start_ns */
	uint64_t requests, incomplete;
	uint64_t events;		/* syscalls that ended in the interval */
	struct histogram latency;
};

/* A slow request kept whole, with its steps (owned by the analysis). */
struct analysis_slow {
	struct request req;
};

/*
 * What slow requests (latency ≥ p99) spend their time on versus typical ones
 * (≤ p50). Thresholds are histogram bucket edges, so membership near them is
 * exact to 1/128 of the value. Averages per request: divide by the counts.
 */
struct analysis_breakdown {
	uint64_t p50_ns, p99_ns;
	uint64_t slow_count, typical_count;
	uint64_t slow_cat_ns[REQ_CAT__COUNT], typical_cat_ns[REQ_CAT__COUNT];
	uint64_t slow_user_ns, typical_user_ns;
	uint64_t slow_shared_ns, typical_shared_ns;
	uint64_t slow_latency_ns, typical_latency_ns;
	uint64_t slow_runq_ns, typical_runq_ns;
	bool valid;			/* there were complete requests */
};

/* A hotspot with its evidence (none are detected yet: the list is empty). */
struct analysis_finding {
	char *id;			/* stable machine name, e.g. "blocking-file-io-on-event-loop" */
	char *title;			/* one line for humans */
	char *evidence;			/* the numbers it rests on */
	int severity;			/* 0 info, 1 warning, 2 critical */
};

struct analysis {
	struct analysis_opts opts;	/* with defaults filled in */
	struct analysis_trace trace;
	struct analysis_requests req;

	struct analysis_syscall *syscalls;	/* sorted by total time, descending */
	int nsyscalls;
	struct analysis_category cat[REQ_CAT__COUNT];
	struct analysis_task *processes;	/* sorted by pid */
	int nprocesses;
	struct analysis_task *threads;		/* sorted by (pid, tid) */
	int nthreads;
	struct analysis_conn *conns;		/* sorted by (pid, fd) */
	int nconns;

	uint64_t interval_ns;
	struct analysis_bucket *buckets;
	int nbuckets;

	struct analysis_slow *slowest;	/* slowest first */
	int nslowest;

	struct analysis_breakdown breakdown;

	struct analysis_finding *findings;
	int nfindings;
};

/*
 * The time the requests were counted over: the longest host's recording,
 * cut to --since and --until (a rate over the whole trace understated a
 * window's by its share of the trace).
 */
static inline uint64_t analysis__span_ns(const struct analysis *a)
{
	uint64_t d = a->trace.duration_ns, from = a->opts.since_ns, to = a->opts.until_ns;

	if (!to || to > d)
		to = d;
	if (from > to)
		from = to;
	return to - from;
}

/*
 * Analyse FILES (N of them) together, streaming: memory follows open
 * requests and distinct keys, not the number of events. OPTS may be NULL.
 * Returns NULL with errno set after a logged error (an unreadable or corrupt
 * trace: EPROTO, ENOTSUP, EBADMSG, ENOENT…, or ENOMEM).
 */
struct analysis *analysis__run(char **files, int n, const struct analysis_opts *opts);
/* NULL is a no-op. */
void analysis__free(struct analysis *a);

/* Renderers (out_text.c, out_json.c): 0 or -errno from a failed write. */
struct json_t;
int out_text__report(FILE *f, const struct analysis *a, bool color);
/*
 * With LIST, REQUESTS are every request (kept by the caller from
 * analysis_opts.on_request, without their steps), in the order to list
 * them: written as "requests_list", one object at a time, so that memory
 * holds the requests as structs, not as JSON (3.2M requests: 14.9 GB).
 */
int out_json__report(FILE *f, const struct analysis *a, bool list, const struct request *requests,
		     size_t nrequests);
/* One request as a JSON object (new reference), as in "slowest" and "requests_list". */
struct json_t *out_json__request(const struct request *req, bool steps);

#endif
