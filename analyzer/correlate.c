// SPDX-License-Identifier: MIT
/*
 * Streaming request correlation, exactly as docs/correlation.md states it.
 *
 * State lives in two open-addressing tables: one entry per (host, pid, fd)
 * (the connection's turn-taking state, arrivals not yet consumed, its
 * aggregates) and one per (host, pid, tid) (requests open on the thread, its
 * aggregates). Requests exist from their first receive until delivered.
 *
 * The contract makes a syscall's owner depend on the future: time after a
 * request's last send belongs to it only if it sends again, and the set of
 * requests a syscall is shared among includes those. Such time is kept in a
 * *segment* (a run of syscalls on one thread with the same open requests)
 * until every "maybe" member has either sent again or ended; then it is
 * split. Segments live about one request turn, so memory follows open
 * requests, not events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "correlate.h"

#define DEF_TIMEOUT_NS (60ULL * 1000000000ULL)
#define DEF_BURST_GAP_NS 1000000ULL
#define DEF_STEPS_CAP 64
/* The *_CAP limits below are #ifndef: make fuzz-build sets them tiny (FUZZ_SMALL_CAPS). */
/*
 * Arrivals buffered ahead of their receives: a frame's arrivals are read
 * before its rows (trace_reader's arrivals_first), so a default-sized frame
 * (2 MiB of content) brings at most ~700k at once. Per fd, the oldest make
 * room; in all (16 MiB), every fd drops its older half, so that bytes
 * connections never read cannot crowd out the others'. Counted as matching
 * none.
 */
#ifndef ARRIVALS_FD_CAP
#define ARRIVALS_FD_CAP (1u << 16)
#endif
#define ARRIVALS_FD_MIN (1u << 6)	/* a buffer is not shrunk below this */
#ifndef ARRIVALS_AHEAD_CAP
#define ARRIVALS_AHEAD_CAP (1u << 21)
#endif
#ifndef LATE_WALK_CAP
#define LATE_WALK_CAP 64	/* undelivered requests a late arrival looks back over */
#endif
/*
 * Threads one request is on, at most: each receive and send of it visits
 * them all (a 1.2 KB file had 120,000 threads read one connection: 93 s).
 * A real request is on one to three.
 */
#ifndef REQ_THREADS_CAP
#define REQ_THREADS_CAP 64
#endif
/*
 * QUEUED records (one per accept) kept ahead of their accepts: a frame's
 * come before its rows, and a server closing connections often accepts
 * hundreds of times per fd in one frame. Per fd, the oldest make room; in
 * all, beyond the cap new ones are refused (32 MiB).
 */
#ifndef QUEUED_FD_CAP
#define QUEUED_FD_CAP (1u << 16)
#endif
#ifndef QUEUED_AHEAD_CAP
#define QUEUED_AHEAD_CAP (1u << 21)
#endif
/*
 * Marked requests open at once on one thread. Each marker looks for its id
 * among them and each syscall of the thread is activity for all of them: a
 * hostile trace of BEGINs never ended made that quadratic (150k: 43 s).
 * Beyond, the oldest ends, incomplete (an event loop with more requests in
 * flight on one thread than this loses their ends).
 */
#ifndef MARKER_OPEN_CAP
#define MARKER_OPEN_CAP 1024
#endif
#define TCACHE 256	/* thread cache slots; power of 2 */
#define FCACHE 256	/* fd cache slots; power of 2 */
/*
 * Run-queue intervals kept per thread ahead of its syscalls: a frame's
 * intervals are all read before its rows are replayed, and a busy event
 * loop waits for a CPU tens of thousands of times in a recorder's 1 s frame.
 */
#ifndef RUNQ_CAP
#define RUNQ_CAP (1u << 16)
#endif
/*
 * In all threads (16 bytes each: 16 MiB). Beyond, a thread keeping its share
 * or more gets no more (threads that compute and never make a syscall must
 * not starve the others), and none beyond four times as many (64 MiB).
 */
#ifndef RUNQ_HELD_CAP
#define RUNQ_HELD_CAP (1u << 20)
#endif
/*
 * A thread's intervals come in order of start (one thread waits in one run
 * queue at a time): one that belongs further back than this is a hostile
 * file's, dropped rather than moving the others.
 */
#define RUNQ_BACK_MAX 64
#define RUNQ_WALK_EVERY 4096
/*
 * Distinct threads and distinct (pid, fd) kept, each: a hostile trace can name
 * a new one in every row. Chosen by memory: a key costs ~0.3 KiB here, one
 * open request ~1 KiB, and its rows in the report's tables and JSON ~5 KiB, so
 * the cap keeps `report -f json` under 2 GiB. Beyond it, keys are folded.
 */
#ifndef KEYS_CAP
#define KEYS_CAP (1u << 17)
#endif
/*
 * Segments a thread holds undecided. A request silent after its last send
 * (a keep-alive connection idle while its event loop serves the others)
 * held every later segment of its thread, and every request counted in one,
 * until its next receive or its timeout: a 25 KB trace took 3.5 GB. At the
 * cap, the requests undecided on the older half decide they count in none
 * of it; one that sends again after all has that time as user time.
 */
#ifndef SEG_HELD_CAP
#define SEG_HELD_CAP (1u << 16)
#endif
/* Below this, a row ahead of the clock is never taken for a clock error. */
#define CLOCK_ERROR_MIN_NS 1000000000ULL
/*
 * Rows of a frame kept for its scheduler records (80 bytes each): 80 MiB.
 * mslat record's frames (2 MiB of content, ≥ 5 bytes a row) hold < 420k rows;
 * beyond, the rows so far are replayed before their frame's end.
 */
#ifndef PEND_CAP
#define PEND_CAP (1u << 20)
#endif

enum rstate { RS_RECEIVING, RS_RESPONDING };

struct cthread;
struct cfd;
struct seg;

/*
 * A thread a request is open on, where the request is in that thread's open
 * array, and the first of that thread's segments it has not decided on.
 */
struct rthread {
	struct cthread *th;
	uint32_t oi;
	uint64_t pend_from;
};

/* An open request of a thread, and where the thread is in that request's thread array. */
struct oref {
	struct creq *r;
	uint32_t ri;
};

struct creq {
	struct request pub;
	enum rstate state;
	bool ended;
	bool end_marker;		/* marker mode: END seen */
	bool steps_unsorted;		/* a step began before the one added before it */
	bool decided_early;		/* SEG_HELD_CAP decided it out of segments it was undecided on */
	/*
	 * Begun by a receive under TINY_TURN_BYTES after a response: a
	 * protocol's frame (HTTP/2, WebSocket), unless the next receive on the
	 * connection brings the rest, TINY_TURN_BYTES or more (Go's net/http
	 * reads a request's first byte alone). Counted as a tiny turn when
	 * delivered still set.
	 */
	enum { TINY_NO, TINY_MAYBE, TINY_YES } tiny;
	uint32_t host;
	uint32_t refs;			/* segments that still hold time for it */
	uint64_t low_ns;		/* arrivals must be later than this */
	uint64_t recv0_exit;
	uint64_t first_send_exit, last_send_exit;
	bool headers_behind;		/* headers_first: its second burst began */
	uint64_t last_activity_ns;
	uint64_t pend_ns, pend_calls;	/* failed sends after the last successful one */
	uint64_t pend_runq_ns;		/* run-queue wait after the last send: its own if it sends again */
	uint64_t last_rx_exit;
	/*
	 * The latest UNSENT record after its last send: its response's last
	 * bytes left then, not when the send returned (0: none).
	 */
	uint64_t unsent_ns;
	uint32_t rx_seq;		/* successful receives: segments note it */
	/*
	 * Its times as of its last receive (with what came before that receive
	 * and was resolved since): all that is its own if it never sends, as an
	 * incomplete request has nothing after its last receive. A copy, not a
	 * tail to take back: a sum that saturated could not give it back.
	 */
	uint64_t rx_cat[REQ_CAT__COUNT], rx_shared, rx_runq;
	/*
	 * Its threads' idle calls' time, its own or shared (cat_ns[REQ_CAT_IDLE]
	 * + shared_idle), and of that what came before its last receive (the
	 * client still sending it): the rest is its threads' wait for work done
	 * elsewhere (request.waited_ns), but for the gaps between its sends the
	 * network paced (PACED_IDLE: the idle time from IDLE_SND, the total at
	 * its previous send, to a send after a gap in which a send failed with
	 * EAGAIN or bytes it wrote waited to leave, PACE_PEND: a slow client's
	 * download). The order of processing tells which side of a receive a
	 * segment is on (its stamp against RX_STAMP): one decided by a send
	 * may lie after the last receive or before. A gap's idle time is taken
	 * as of its closing send: a segment distributed later counts unpaced.
	 */
	uint64_t shared_idle, idle_rx, idle_snd, paced_idle;
	uint64_t rx_stamp;
	uint64_t tail_calls;		/* syscalls attributed since its last receive */
	bool pace_pend;
	struct rthread *threads;	/* threads it is open on */
	uint32_t nthreads, capthreads;
	struct req_step *steps;
	uint32_t capsteps;
	struct cthread *home;
	struct cfd *fde;
	struct creq *fd_prev, *fd_next;	/* undelivered requests of FDE, newest first */
	struct creq *lru_prev, *lru_next;	/* open requests of the host by last activity */
	struct creq *free_next;		/* delivered, kept for reuse */
};

/* A request a segment's time counts for: it decided so, or was counted from the start. */
struct seg_yes {
	struct creq *r;
	uint32_t rx_seq;	/* its receives when the segment began */
	bool at_start;		/* counted from the start (markers: a receiving request) */
};

/*
 * Time of a thread while its open set did not change, held until every
 * request open then has decided whether it counts in it (docs/correlation.md,
 * rule 2). Its members are implicit: the requests open on the thread when it
 * began. Only those that count are listed, when they decide: a segment costs
 * the same however many requests are open (an event loop's keep-alive
 * connections each keep their last request open, undecided, until the
 * next one: with a member array, 1000 connections made report 35 times
 * slower per event than 64).
 */
struct seg {
	uint64_t stamp;		/* creation order across threads */
	struct seg *next_free;
	struct seg *all_next;	/* every segment ever made (segments are reused, never freed before the end) */
	uint64_t cat_ns[REQ_CAT__COUNT];
	uint64_t calls;
	struct req_step *steps;
	uint32_t nsteps, capsteps, dropped;
	struct seg_yes *yes;
	uint32_t nyes, capyes;
};

/* Per-thread statistics, compact: the latency histogram exists once a request completed. */
struct tstat {
	uint32_t tid, pid;	/* first, in struct trace_event's order: one 64-bit compare */
	uint32_t host;
	uint64_t syscalls, syscall_ns, idle_ns;
	uint64_t requests, incomplete;
	struct histogram *latency;
};

/* Per-(pid, fd) statistics, as compact. */
struct fstat {
	uint32_t host, pid;
	int32_t fd;
	uint32_t fd_kind;
	uint64_t connections, requests, incomplete;
	uint64_t bytes_in, bytes_out;
	struct histogram *latency;
};

struct cthread {
	struct tstat st;
	struct oref *open;		/* requests open on it, in no order: removal swaps in the last */
	uint32_t nopen, capopen;
	uint32_t nmaybe;	/* open requests in RESPONDING state */
	struct seg *cur;	/* segment accumulating now, while the open set is unchanged */
	/*
	 * Its segments not split yet, ids [seg_h, seg_next), at segs[id & (capsegs
	 * - 1)]; pend[] at the same place counts, for ids [seg_h, seg_next], the
	 * open requests whose first undecided segment is that id. A segment is
	 * split once no open request is undecided on it or an earlier one.
	 */
	struct seg **segs;
	uint32_t *pend;
	uint64_t seg_h, seg_next;
	uint32_t capsegs;		/* 0, or a power of 2 above seg_next - seg_h */
	struct creq *req;	/* thread mode: the thread's request */
	struct runq *rq;	/* run-queue intervals not yet placed, rq[rq_head..nrq), by start */
	uint32_t rq_head, nrq, caprq;
};

struct runq {
	uint64_t start_ns, end_ns;
};

/* A row kept until its frame ends, when the trace has scheduler records. */
struct pend_item {
	enum { P_EVENT, P_MARKER, P_ARRIVAL } type;
	uint32_t host;
	const struct sc_class *cls;	/* event */
	int what;			/* marker */
	uint64_t id;			/* marker */
	union {
		struct trace_event ev;	/* marker: enter_ns is its time, pid and tid */
		struct trace_arrival ar;
	};
};

/* A QUEUED record: the accept's exit it is for (0: not recorded), its bytes' time (0: none). */
struct queued {
	uint64_t accept_ns, t;
};

struct cfd {
	struct fstat st;
	struct creq *req;	/* conn mode: the connection's request */
	bool conn_open;
	bool outbound;		/* connect()ed by the process: replies come here, not requests */
	/*
	 * Made by the process's socket(), not accepted, and nothing received
	 * on it yet: if it sends first, it is the process's own client (a
	 * netlink query of getaddrinfo's), and outbound from then on.
	 */
	bool own;
	uint64_t low_ns;	/* previous request's end, or when the connection began */
	/*
	 * When this connection's file got the number (accept's or socket()'s
	 * exit, connect's enter). close() frees the number as it begins, and may then take
	 * long (a TCP close, a linger): a thread can accept the next connection
	 * under it while another is still in the close, or in a call on the
	 * old file. Calls that began before this are the previous file's.
	 */
	uint64_t born_ns;
	/*
	 * Buffered arrival times: arr[arr_head..narr) in ascending order while
	 * they come in order; after one out of order, arr[0..narr) is a
	 * min-heap until it empties (arr_heap). narr is 0 when none.
	 */
	uint64_t *arr;
	uint32_t arr_head, narr, caparr;
	bool arr_heap;
	/* QUEUED records for accepts of this fd not read yet: queued[qhead..nqueued), oldest first. */
	struct queued *queued;
	uint32_t qhead, nqueued, capqueued;
	struct creq *recent;	/* newest undelivered request started on this fd */
	/*
	 * Thread mode: the end of the last complete response on it (not timed
	 * out), for UNSENT records that come after its thread took another
	 * request; unsent_late: one of them was counted.
	 */
	uint64_t resp_end_ns;
	bool unsent_late;
};

/* An UNSENT record waiting for the rows to reach its time. */
struct unsent {
	uint64_t t;
	uint32_t pid;
	int32_t fd;
};

struct chost {
	uint64_t now_ns;		/* the latest exit time seen */
	/* UNSENT records ahead of the rows: a min-heap by time. */
	struct unsent *uns;
	uint32_t nuns, capuns;
	/*
	 * Nothing expires, and the clock has not jumped, while exits are at most
	 * this: the LRU head's last activity (or now_ns) + timeout. 0 when the
	 * head changed (another may be older).
	 */
	uint64_t check_after_ns;
	struct creq *lru_head, *lru_tail;
	uint32_t pub_host;		/* the host it is reported as */
	uint64_t clock_error_end;	/* the latest end of a row taken for a clock error; 0: none */
};

struct correlator {
	struct correlator_opts o;
	struct kvmap fds, threads;
	struct chost *hosts;
	uint32_t nhosts;
	uint64_t next_id;
	uint64_t arrivals_ahead;	/* buffered in every fd's arr */
	uint64_t queued_total;		/* in every fd's queued */
	struct creq *free_reqs;		/* delivered requests kept for reuse, with their arrays */
	uint32_t nfree;
	struct cthread *tcache[TCACHE];
	struct cfd *fcache[FCACHE];
	struct hist_ring ring;		/* deferred latency bucket increments of threads and fds */
	/* Beyond KEYS_CAP: every further thread, every further (pid, fd), folded into one. */
	struct cthread other_th;
	struct cfd other_fd;
	size_t creq_size;		/* sizeof(struct creq), not a constant to the compiler */
	struct pend_item *pend;		/* with scheduler records: the frame's rows, in order */
	size_t npend, cappend;
	struct seg *free_segs;		/* split segments kept for reuse */
	uint64_t seg_stamp;		/* segments created */
	struct seg *all_segs;		/* every segment, free or in use */
	struct histogram gaps;
	struct correlator_stats st;
	bool oom;
	bool runq_seen;		/* a run-queue interval was ever kept */
	/*
	 * The last row of a batch far ahead of the clock: kept until the row
	 * after it (the next batch's first) tells a clock error from a gap.
	 */
	struct {
		struct trace_event ev;
		struct sc_class cls;	/* a copy: export frees a file's table when it ends */
		uint32_t host;
		bool valid;
	} held;
	bool settling;		/* a held row is being read: it is held no more */
	uint64_t runq_held;	/* intervals kept in every thread */
	uint64_t runq_threads;	/* threads keeping some */
	struct cthread *runq_big;	/* the one that keeps the most, when last looked for */
	uint64_t runq_since_walk;	/* intervals kept since then */
};

static inline uint64_t key1(uint32_t host, uint32_t pid)
{
	return (uint64_t)host << 32 | pid;
}

/* --- small growable arrays -------------------------------------------------- */

static int grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* --- lookups ---------------------------------------------------------------- */

static struct chost *host_grow(struct correlator *c, uint32_t host);

static inline struct chost *host_get(struct correlator *c, uint32_t host)
{
	return host < c->nhosts ? &c->hosts[host] : host_grow(c, host);
}

static struct chost *host_grow(struct correlator *c, uint32_t host)
{
	{
		struct chost *h = realloc(c->hosts, (host + 1) * sizeof(*h));

		if (!h)
			return NULL;
		memset(h + c->nhosts, 0, (host + 1 - c->nhosts) * sizeof(*h));
		for (uint32_t i = c->nhosts; i <= host; i++)
			h[i].pub_host = i;
		c->hosts = h;
		c->nhosts = host + 1;
	}
	return &c->hosts[host];
}

/* The host HOST's requests and tables are reported as of (correlator__host_alias). */
static inline uint32_t pub_host(const struct correlator *c, uint32_t host)
{
	return host < c->nhosts ? c->hosts[host].pub_host : host;
}

int correlator__host_alias(struct correlator *c, uint32_t host, uint32_t pub)
{
	struct chost *h = host_get(c, host);

	if (!h)
		return -ENOMEM;
	h->pub_host = pub;
	return 0;
}

uint64_t correlator__clock_window(const struct correlator *c)
{
	return c->o.request_timeout_ns > CLOCK_ERROR_MIN_NS ? c->o.request_timeout_ns :
							      CLOCK_ERROR_MIN_NS;
}

void correlator__host_ends(const struct correlator *c, uint32_t pub, uint64_t *kept_end,
			   uint64_t *clock_error_end)
{
	*kept_end = *clock_error_end = 0;
	for (uint32_t h = 0; h < c->nhosts; h++) {
		const struct chost *ch = &c->hosts[h];

		if (ch->pub_host != pub)
			continue;
		if (ch->now_ns > *kept_end)
			*kept_end = ch->now_ns;
		if (ch->clock_error_end > *clock_error_end)
			*clock_error_end = ch->clock_error_end;
	}
}

static struct cthread *thread_slow(struct correlator *c, uint32_t host, uint32_t pid, uint32_t tid);

static inline struct cthread *thread_get(struct correlator *c, uint32_t host, uint32_t pid,
					 uint32_t tid)
{
	struct cthread *t = c->tcache[tid & (TCACHE - 1)];

	/* A direct-mapped cache in front of the table: events of a thread come in runs. */
	if (__builtin_expect(t && (((uint64_t)t->st.pid << 32 | t->st.tid) ==
				   ((uint64_t)pid << 32 | tid)) && t->st.host == host, 1))
		return t;
	return thread_slow(c, host, pid, tid);
}

static struct cthread *thread_slow(struct correlator *c, uint32_t host, uint32_t pid, uint32_t tid)
{
	struct cthread **slot = &c->tcache[tid & (TCACHE - 1)];
	struct cthread *t = kvmap__get(&c->threads, key1(host, pid), tid);

	if (t) {
		*slot = t;
		return t;
	}
	if (c->threads.n >= KEYS_CAP) {
		return &c->other_th;	/* statistics only: it starts and joins nothing */
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->st.host = host;
	t->st.pid = pid;
	t->st.tid = tid;
	if (kvmap__put(&c->threads, key1(host, pid), tid, t)) {
		free(t);
		return NULL;
	}
	c->st.threads++;
	*slot = t;
	return t;
}

static struct cfd *fd_find_slow(struct correlator *c, uint32_t host, uint32_t pid, int32_t fd)
{
	struct cfd *f = kvmap__get(&c->fds, key1(host, pid), (uint32_t)fd);

	if (f)
		c->fcache[(uint32_t)fd & (FCACHE - 1)] = f;
	return f;
}

static inline struct cfd *fd_find(struct correlator *c, uint32_t host, uint32_t pid, int32_t fd)
{
	struct cfd *f = c->fcache[(uint32_t)fd & (FCACHE - 1)];

	/* A direct-mapped cache in front of the table: a connection's calls come in runs. */
	if (__builtin_expect(f && f->st.fd == fd && f->st.pid == pid && f->st.host == host, 1))
		return f;
	return fd_find_slow(c, host, pid, fd);
}

static struct cfd *fd_new(struct correlator *c, uint32_t host, uint32_t pid, int32_t fd)
{
	struct cfd *f;

	if (c->fds.n >= KEYS_CAP) {
		return &c->other_fd;	/* never a connection: its rows are ignored */
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->st.host = host;
	f->st.pid = pid;
	f->st.fd = fd;
	if (kvmap__put(&c->fds, key1(host, pid), (uint32_t)fd, f)) {
		free(f);
		return NULL;
	}
	c->st.fds++;
	c->fcache[(uint32_t)fd & (FCACHE - 1)] = f;
	return f;
}

static inline struct cfd *fd_get(struct correlator *c, uint32_t host, uint32_t pid, int32_t fd)
{
	struct cfd *f = fd_find(c, host, pid, fd);

	return f ? f : fd_new(c, host, pid, fd);
}

/* --- steps ------------------------------------------------------------------ */

/* True when the step began before the last one did: the steps then need sorting. */
static inline bool step_add(struct req_step **steps, uint32_t *n, uint32_t *cap, uint32_t *dropped,
		     uint32_t steps_cap, const char *name, uint8_t cat, bool shared,
		     uint64_t enter_ns, uint64_t ns, uint32_t count)
{
	struct req_step *last = *n ? &(*steps)[*n - 1] : NULL;
	bool earlier;

	if (last && last->name == name && last->cat == cat && last->shared == shared) {
		last->count += count;
		last->total_ns = u64_sat_add(last->total_ns, ns);
		return false;
	}
	earlier = last && enter_ns < last->enter_ns;	/* before grow() may move the array */
	if (*n >= steps_cap || grow((void **)steps, cap, *n + 1, sizeof(**steps))) {
		*dropped += count;
		return false;
	}
	(*steps)[(*n)++] = (struct req_step){ .name = name, .enter_ns = enter_ns, .total_ns = ns,
					      .count = count, .cat = cat, .shared = shared };
	return earlier;
}

static inline void req_step(struct correlator *c, struct creq *r, const char *name, uint8_t cat,
		     bool shared, uint64_t enter_ns, uint64_t ns, uint32_t count)
{
	/* Noted here, so that delivery sorts only the few requests that need it. */
	if (step_add(&r->steps, &r->pub.nsteps, &r->capsteps, &r->pub.steps_dropped,
		     c->o.steps_cap, name, cat, shared, enter_ns, ns, count))
		r->steps_unsorted = true;
}

/* --- request life ----------------------------------------------------------- */

static void lru_unlink(struct correlator *c, struct creq *r)
{
	struct chost *h = &c->hosts[r->host];

	if (r->lru_prev) {
		r->lru_prev->lru_next = r->lru_next;
	} else if (h->lru_head == r) {
		h->lru_head = r->lru_next;
		h->check_after_ns = 0;
	} else {
		return;	/* not linked */
	}
	if (r->lru_next)
		r->lru_next->lru_prev = r->lru_prev;
	else
		h->lru_tail = r->lru_prev;
	r->lru_prev = r->lru_next = NULL;
}

static void touch_move(struct correlator *c, struct creq *r)
{
	struct chost *h = &c->hosts[r->host];

	lru_unlink(c, r);
	r->lru_prev = h->lru_tail;
	if (h->lru_tail) {
		h->lru_tail->lru_next = r;
	} else {
		h->lru_head = r;
		h->check_after_ns = 0;
	}
	h->lru_tail = r;
}

/* Activity of R at T: it moves to the tail of its host's LRU, where it usually is already. */
static inline void touch(struct correlator *c, struct creq *r, uint64_t t)
{
	if (t > r->last_activity_ns)
		r->last_activity_ns = t;
	if (c->hosts[r->host].lru_tail != r)
		touch_move(c, r);
}

static void seg_advance_some(struct correlator *c, struct cthread *th);

/* TH's segments that no open request is undecided on any more, split in order. */
static inline void seg_advance(struct correlator *c, struct cthread *th)
{
	if (th->seg_h < th->seg_next && !th->pend[th->seg_h & (th->capsegs - 1)])
		seg_advance_some(c, th);	/* usually none: no call */
}

/*
 * The open set of a thread changes, or a member's state does: the segment
 * accumulating now is closed. One whose members are all decided is split
 * now; the others when their last member is decided.
 */
static inline void thread_changed(struct correlator *c, struct cthread *th)
{
	struct seg *s = th->cur;

	th->cur = NULL;
	if (s)
		seg_advance(c, th);
}

/* TH's count of open requests undecided from segment ID on. */
static inline uint32_t *pend_at(struct cthread *th, uint64_t id)
{
	return &th->pend[id & (th->capsegs - 1)];
}

static int seg_ring_grow(struct cthread *th);

/* Room in TH's ring for ids [seg_h, seg_next + 1]. 0 or -ENOMEM. */
static inline int seg_ring_room(struct cthread *th)
{
	return th->seg_next + 2 - th->seg_h <= th->capsegs ? 0 : seg_ring_grow(th);
}

static int seg_ring_grow(struct cthread *th)
{
	uint64_t need = th->seg_next + 2 - th->seg_h;
	uint32_t cap = th->capsegs ? th->capsegs : 8;
	struct seg **segs;
	uint32_t *pend;

	while (cap < need) {
		if (cap > UINT32_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	segs = calloc(cap, sizeof(*segs));
	pend = calloc(cap, sizeof(*pend));
	if (!segs || !pend) {
		free(segs);
		free(pend);
		return -ENOMEM;
	}
	for (uint64_t id = th->seg_h; th->capsegs && id <= th->seg_next; id++) {
		segs[id & (cap - 1)] = th->segs[id & (th->capsegs - 1)];
		pend[id & (cap - 1)] = *pend_at(th, id);
	}
	free(th->segs);
	free(th->pend);
	th->segs = segs;
	th->pend = pend;
	th->capsegs = cap;
	return 0;
}

static int req_join_other(struct correlator *c, struct creq *r, struct cthread *th);

static inline int req_join(struct correlator *c, struct creq *r, struct cthread *th)
{
	/* Most requests live on one thread: the last joined is checked first, inline. */
	if (r->nthreads && r->threads[r->nthreads - 1].th == th)
		return 0;
	return req_join_other(c, r, th);
}

static int req_join_other(struct correlator *c, struct creq *r, struct cthread *th)
{
	for (uint32_t i = 0; i + 1 < r->nthreads; i++)
		if (r->threads[i].th == th)
			return 0;
	if (r->nthreads == REQ_THREADS_CAP) {
		c->st.threads_capped++;	/* its other syscalls on TH are no part of it */
		return 0;
	}
	if (grow((void **)&r->threads, &r->capthreads, r->nthreads + 1, sizeof(*r->threads)) ||
	    grow((void **)&th->open, &th->capopen, th->nopen + 1, sizeof(*th->open)) ||
	    seg_ring_room(th)) {
		c->oom = true;
		return -ENOMEM;
	}
	thread_changed(c, th);
	/* Undecided from the next segment on: the ones before began without it. */
	(*pend_at(th, th->seg_next))++;
	r->threads[r->nthreads] = (struct rthread){ th, th->nopen, th->seg_next };
	th->open[th->nopen++] = (struct oref){ r, r->nthreads++ };
	if (r->state == RS_RESPONDING)
		th->nmaybe++;
	return 0;
}

static void deliver(struct correlator *c, struct creq *r);

static void maybe_deliver(struct correlator *c, struct creq *r)
{
	if (!r->ended || r->refs)
		return;
	deliver(c, r);
}

/* R's idle time, its own and shared: what its waits are counted against. */
static inline uint64_t req_idle(const struct creq *r)
{
	return u64_sat_add(r->pub.cat_ns[REQ_CAT_IDLE], r->shared_idle);
}

static void seg_distribute(struct correlator *c, struct seg *s)
{
	uint32_t k = s->nyes;
	uint64_t total = 0, idle = s->cat_ns[REQ_CAT_IDLE];

#pragma GCC unroll 16	/* ten categories: no loop counter per request */
	for (int i = 0; i < REQ_CAT__COUNT; i++)
		total = u64_sat_add(total, s->cat_ns[i]);
	for (uint32_t i = 0; i < s->nyes; i++) {
		struct creq *r = s->yes[i].r;
		/* Counted from the start and no receive since: after its last one. */
		bool tail = s->yes[i].at_start && s->yes[i].rx_seq == r->rx_seq;

		if (k == 1) {
			for (int j = 0; j < REQ_CAT__COUNT; j++)
				r->pub.cat_ns[j] = u64_sat_add(r->pub.cat_ns[j], s->cat_ns[j]);
			if (!tail)
				for (int j = 0; j < REQ_CAT__COUNT; j++)
					r->rx_cat[j] = u64_sat_add(r->rx_cat[j], s->cat_ns[j]);
		} else {
			r->pub.shared_ns = u64_sat_add(r->pub.shared_ns, total);
			if (!tail)
				r->rx_shared = u64_sat_add(r->rx_shared, total);
		}
		if (idle) {
			if (k > 1)
				r->shared_idle = u64_sat_add(r->shared_idle, idle);
			if (s->stamp <= r->rx_stamp)
				r->idle_rx = u64_sat_add(r->idle_rx, idle);
		}
		r->pub.syscalls += s->calls;
		if (tail)
			r->tail_calls += s->calls;
		for (uint32_t j = 0; j < s->nsteps; j++)
			req_step(c, r, s->steps[j].name, s->steps[j].cat, k > 1, s->steps[j].enter_ns,
				 s->steps[j].total_ns, s->steps[j].count);
		r->pub.steps_dropped += s->dropped;
		r->refs--;
		maybe_deliver(c, r);
	}
	c->st.segments--;
	s->next_free = c->free_segs;	/* as many as were alive at once */
	c->free_segs = s;
}

static void seg_advance_some(struct correlator *c, struct cthread *th)
{
	while (th->seg_h < th->seg_next && !*pend_at(th, th->seg_h)) {
		struct seg *s = th->segs[th->seg_h & (th->capsegs - 1)];

		if (s == th->cur)
			break;	/* still accumulating */
		th->seg_h++;
		seg_distribute(c, s);
	}
}

/* An empty segment, its arrays reused when possible (the caller sets its stamp). */
static struct seg *seg_alloc(struct correlator *c)
{
	struct seg *s = c->free_segs;

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
		s->all_next = c->all_segs;
		c->all_segs = s;
		return s;
	}
	c->free_segs = s->next_free;
	memset(s->cat_ns, 0, sizeof(s->cat_ns));
	s->calls = 0;
	s->nsteps = s->dropped = s->nyes = 0;
	return s;
}

/* R counts in S (AT_START: from its beginning). */
static void seg_count(struct correlator *c, struct seg *s, struct creq *r, bool at_start)
{
	if (grow((void **)&s->yes, &s->capyes, s->nyes + 1, sizeof(*s->yes))) {
		c->oom = true;	/* then it does not count */
		return;
	}
	s->yes[s->nyes++] = (struct seg_yes){ r, r->rx_seq, at_start };
	r->refs++;
}

/*
 * R decides on the segments of its thread RT it was undecided on: it counts
 * in them (YES: it sent or received again) or not (it ended). From now on it
 * is undecided from the thread's next segment.
 */
static void req_decide_some(struct correlator *c, struct creq *r, struct rthread *rt, bool yes);

/* The decision without the splits it allows (R on several threads: seg_advance_threads). */
static inline bool req_decide(struct correlator *c, struct creq *r, struct rthread *rt, bool yes)
{
	if (rt->pend_from == rt->th->seg_next)
		return false;	/* usually no segment since its last decision */
	req_decide_some(c, r, rt, yes);
	return true;
}

static void req_decide_some(struct correlator *c, struct creq *r, struct rthread *rt, bool yes)
{
	struct cthread *th = rt->th;
	uint64_t to = th->seg_next;

	if (yes && r->decided_early) {
		c->st.decided_early++;	/* it did count in what was decided without it */
		r->decided_early = false;
	}
	if (yes)
		for (uint64_t id = rt->pend_from; id < to; id++)
			seg_count(c, th->segs[id & (th->capsegs - 1)], r, false);
	(*pend_at(th, rt->pend_from))--;
	(*pend_at(th, to))++;
	rt->pend_from = to;
}

/*
 * The segments a request's decision allows to split on its N threads RTS,
 * in the order they began, across the threads: the order its steps were
 * always given in (steps of one name next to each other merge).
 */
static void seg_advance_threads(struct correlator *c, const struct rthread *rts, uint32_t n)
{
	for (;;) {
		struct cthread *next = NULL;
		uint64_t stamp = UINT64_MAX;

		for (uint32_t i = 0; i < n; i++) {
			struct cthread *th = rts[i].th;
			struct seg *s;

			if (th->seg_h == th->seg_next || *pend_at(th, th->seg_h))
				continue;
			s = th->segs[th->seg_h & (th->capsegs - 1)];
			if (s != th->cur && s->stamp < stamp) {
				next = th;
				stamp = s->stamp;
			}
		}
		if (!next)
			return;
		seg_distribute(c, next->segs[next->seg_h++ & (next->capsegs - 1)]);
	}
}

/* R sent or received again (YES), and its threads' current segments are closed. */
static inline void req_resolve(struct correlator *c, struct creq *r, bool yes)
{
	bool moved = false;

	if (r->nthreads == 1) {
		if (req_decide(c, r, &r->threads[0], yes))
			seg_advance(c, r->threads[0].th);
		return;
	}
	for (uint32_t i = 0; i < r->nthreads; i++)
		moved |= req_decide(c, r, &r->threads[i], yes);
	if (moved)
		seg_advance_threads(c, r->threads, r->nthreads);
}

static void req_end(struct correlator *c, struct creq *r, bool timed_out)
{
	if (r->ended)
		return;
	r->ended = true;
	r->pub.timed_out = timed_out;
	r->refs++;	/* splitting segments may drop its last reference: deliver it only at the end */
	for (uint32_t i = 0; i < r->nthreads; i++) {
		struct cthread *th = r->threads[i].th;
		uint32_t oi = r->threads[i].oi;
		struct oref last;

		thread_changed(c, th);
		/* It counts in none of the segments it was undecided on, nor in later ones. */
		(*pend_at(th, r->threads[i].pend_from))--;
		last = th->open[--th->nopen];	/* the last entry takes R's place */
		if (oi != th->nopen) {
			th->open[oi] = last;
			last.r->threads[last.ri].oi = oi;
		}
		if (r->state == RS_RESPONDING)
			th->nmaybe--;
	}
	seg_advance_threads(c, r->threads, r->nthreads);	/* what waited on R: in order */
	r->nthreads = 0;	/* the array is kept for reuse */
	lru_unlink(c, r);
	if (r->fde && r->fde->req == r)
		r->fde->req = NULL;
	if (r->home && r->home->req == r)
		r->home->req = NULL;
	if (c->o.mode == CORRELATE_MARKER) {
		r->pub.complete = r->end_marker;
		if (!r->end_marker)
			r->pub.end_ns = r->last_activity_ns;
	} else if (r->state == RS_RESPONDING) {
		r->pub.complete = true;
		r->pub.end_ns = r->last_send_exit;
		if (r->unsent_ns > r->last_send_exit) {	/* its last bytes left later */
			r->pub.cat_ns[REQ_CAT_UNSENT] = r->unsent_ns - r->last_send_exit;
			r->pub.end_ns = r->unsent_ns;
			c->st.unsent_used++;
		}
		if (c->o.mode == CORRELATE_THREAD && r->fde && !timed_out) {
			r->fde->resp_end_ns = r->pub.end_ns;
			r->fde->unsent_late = false;
		}
	} else {
		r->pub.complete = false;
		r->pub.end_ns = r->last_rx_exit;	/* no end: nothing after its last receive */
	}
	r->refs--;
	maybe_deliver(c, r);
}

static void stable_sort_steps(struct req_step *s, uint32_t n)
{
	/* Insertion sort: steps are few and nearly in order. */
	for (uint32_t i = 1; i < n; i++) {
		struct req_step v;
		uint32_t j = i;

		if (s[i - 1].enter_ns <= s[i].enter_ns)
			continue;	/* the usual case: not a 32-byte copy per step */
		v = s[i];

		while (j > 0 && s[j - 1].enter_ns > v.enter_ns) {
			s[j] = s[j - 1];
			j--;
		}
		s[j] = v;
	}
}

/* Steps of R that began after T (those of an incomplete request after its last receive). */
static void drop_steps_after(struct creq *r, uint64_t t)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < r->pub.nsteps; i++)
		if (r->steps[i].enter_ns < t)
			r->steps[j++] = r->steps[i];
	r->pub.nsteps = j;
}

/* V into *H, a histogram allocated at its first value (most keys never complete a request). */
static inline void hist_lazy_add(struct correlator *c, struct histogram **h, uint64_t v)
{
	if (__builtin_expect(!*h, 0)) {
		*h = calloc(1, sizeof(**h));
		if (!*h) {
			c->oom = true;
			return;
		}
	}
	histogram__add_ring(*h, v, &c->ring);
}

static void deliver(struct correlator *c, struct creq *r)
{
	struct request *p = &r->pub;
	uint64_t covered = 0;

	if (r->tiny)
		c->st.tiny_turns++;

	/* Incomplete: what came after its last receive is not its own (docs/correlation.md). */
	if (!p->complete && c->o.mode != CORRELATE_MARKER) {
		memcpy(p->cat_ns, r->rx_cat, sizeof(p->cat_ns));
		p->shared_ns = r->rx_shared;
		p->runq_ns = r->rx_runq;
		p->syscalls -= r->tail_calls;
		drop_steps_after(r, r->last_rx_exit);
	}

	/*
	 * From the arrival to the starting receive's exit the bytes waited in
	 * the kernel: all of it is queue, and that receive adds nothing else.
	 */
	if (p->queued)
		p->cat_ns[REQ_CAT_QUEUE] = r->recv0_exit - p->start_ns;
	if (p->end_ns < p->start_ns)
		p->end_ns = p->start_ns;
	p->latency_ns = p->end_ns - p->start_ns;
	/* Rows of two threads may come slightly out of order: never a negative time. */
	p->ttfb_ns = p->sends && r->first_send_exit > p->start_ns ? r->first_send_exit - p->start_ns : 0;
#pragma GCC unroll 16	/* ten categories: no loop counter per request */
	for (int i = 0; i < REQ_CAT__COUNT; i++)
		covered = u64_sat_add(covered, p->cat_ns[i]);
	covered = u64_sat_add(covered, p->shared_ns);
	p->user_ns = p->latency_ns > covered ? p->latency_ns - covered : 0;
	/* With scheduler records, user time splits into on CPU and waiting for one. */
	if (p->runq_ns > p->user_ns)
		p->runq_ns = p->user_ns;
	p->user_ns -= p->runq_ns;
	/*
	 * Its threads idle after its last receive, its own or shared, less the
	 * gaps the network paced: each of its threads counts, so at most its
	 * latency. Before that receive the client was still sending it (a slow
	 * upload), not work done elsewhere.
	 */
	if (p->complete && (p->cat_ns[REQ_CAT_IDLE] | r->shared_idle)) {
		uint64_t idle = req_idle(r), after_rx = idle > r->idle_rx ? idle - r->idle_rx : 0;

		p->waited_ns = after_rx > r->paced_idle ? after_rx - r->paced_idle : 0;
		if (p->waited_ns > p->latency_ns)
			p->waited_ns = p->latency_ns;
	}
	if (r->steps_unsorted)
		stable_sort_steps(r->steps, p->nsteps);
	p->steps = r->steps;

	if (r->home) {
		if (p->complete) {
			r->home->st.requests++;
			hist_lazy_add(c, &r->home->st.latency, p->latency_ns);
		} else {
			r->home->st.incomplete++;
		}
	}
	if (r->fde) {
		struct cfd *f = r->fde;

		if (p->complete) {
			f->st.requests++;
			hist_lazy_add(c, &f->st.latency, p->latency_ns);
		} else {
			f->st.incomplete++;
		}
		f->st.bytes_in = u64_sat_add(f->st.bytes_in, p->bytes_in);
		f->st.bytes_out = u64_sat_add(f->st.bytes_out, p->bytes_out);
		if (r->fd_prev)
			r->fd_prev->fd_next = r->fd_next;
		if (r->fd_next)
			r->fd_next->fd_prev = r->fd_prev;
		else if (f->recent == r)
			f->recent = r->fd_prev;
	}
	c->st.requests++;
	c->st.open--;
	if (c->o.on_request)
		c->o.on_request(p, c->o.ctx);
	/* Kept for the next request: the pool is as large as the most requests alive at once. */
	r->free_next = c->free_reqs;
	c->free_reqs = r;
	c->nfree++;
}

/* A zeroed request; its arrays are reused from a delivered one when there is one. */
static struct creq *req_alloc(struct correlator *c)
{
	struct creq *r = c->free_reqs;
	struct req_step *steps;
	struct rthread *threads;
	uint32_t capsteps, capthreads;

	if (!r)
		return calloc(1, sizeof(*r));
	c->free_reqs = r->free_next;
	c->nfree--;
	steps = r->steps;
	capsteps = r->capsteps;
	threads = r->threads;
	capthreads = r->capthreads;
	/* A run-time size: libc's vector memset, not an inlined `rep stos`, slow to start. */
	memset(r, 0, c->creq_size);
	r->steps = steps;
	r->capsteps = capsteps;
	r->threads = threads;
	r->capthreads = capthreads;
	return r;
}

/* The earliest arrival buffered on F, which has some. */
static inline uint64_t arr_first(const struct cfd *f)
{
	return f->arr[f->arr_heap ? 0 : f->arr_head];
}

static void heap_down(uint64_t *h, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		uint64_t v;

		if (l < n && h[l] < h[m])
			m = l;
		if (l + 1 < n && h[l + 1] < h[m])
			m = l + 1;
		if (m == i)
			return;
		v = h[i];
		h[i] = h[m];
		h[m] = v;
		i = m;
	}
}

/* A queue taken from its head, A[*HEAD..*N) of ELEM bytes each, moved to the array's start. */
static void to_front(void *a, uint32_t *head, uint32_t *n, size_t elem)
{
	memmove(a, (char *)a + (size_t)*head * elem, (size_t)(*n - *head) * elem);
	*n -= *head;
	*head = 0;
}

/* F's buffered arrivals moved to the array's start (arr_head 0). */
static void arr_to_front(struct cfd *f)
{
	to_front(f->arr, &f->arr_head, &f->narr, sizeof(*f->arr));
}

/*
 * F's buffer down to half when a quarter of it is used: what caps and
 * halving took out is given back, so memory follows what is buffered, not
 * the most an fd ever held.
 */
static void arr_shrink(struct cfd *f)
{
	uint32_t cap = f->caparr / 2;
	uint64_t *p;

	arr_to_front(f);
	p = realloc(f->arr, cap * sizeof(*f->arr));
	if (p) {	/* else the larger one stays: nothing is lost */
		f->arr = p;
		f->caparr = cap;
	}
}

/* Remove F's earliest buffered arrival. */
static void arr_pop(struct correlator *c, struct cfd *f)
{
	c->arrivals_ahead--;
	if (!f->arr_heap) {
		if (++f->arr_head == f->narr)
			f->arr_head = f->narr = 0;
	} else {
		f->arr[0] = f->arr[--f->narr];
		heap_down(f->arr, f->narr, 0);
		f->arr_heap = f->narr > 0;
	}
	if (f->caparr > ARRIVALS_FD_MIN && f->narr - f->arr_head <= f->caparr / 4)
		arr_shrink(f);
}

static uint64_t arrivals_take_some(struct correlator *c, struct cfd *f, uint64_t low, uint64_t t);

/*
 * Consume the buffered arrivals up to T; return the first one in (LOW, T], or
 * 0. Those up to LOW came during or before the previous response: they
 * matched no request.
 */
static inline uint64_t arrivals_take(struct correlator *c, struct cfd *f, uint64_t low, uint64_t t)
{
	/* None, or none yet (a frame's arrivals wait ahead of their receives): no call. */
	if (!f->narr || arr_first(f) > t)
		return 0;
	return arrivals_take_some(c, f, low, t);
}

static uint64_t arrivals_take_some(struct correlator *c, struct cfd *f, uint64_t low, uint64_t t)
{
	uint64_t first = 0;

	while (f->narr && arr_first(f) <= t) {
		uint64_t a = arr_first(f);

		arr_pop(c, f);
		if (a <= low)
			c->st.arrivals_dropped++;
		else if (!first)
			first = a;
	}
	return first;
}

/* F's N earliest buffered arrivals out, counted as matching none. */
static void arr_drop(struct correlator *c, struct cfd *f, uint32_t n)
{
	c->st.arrivals_dropped += n;
	while (n--)
		arr_pop(c, f);
}

/* Every fd's older half out: room for as many again before the next time. */
static void arrivals_halve(struct correlator *c)
{
	for (size_t i = 0; i < c->fds.cap; i++) {
		struct cfd *f = c->fds.s[i].v;

		if (c->fds.s[i].used && f->narr)
			arr_drop(c, f, (f->narr - f->arr_head + 1) / 2);
	}
#ifdef __GLIBC__
	/*
	 * The buffers shrank (arr_shrink), but glibc keeps the holes they left
	 * between others resident: 1024 fds filled one after the other held
	 * 590 MiB for 34 MiB of buffers. Rare: once per million arrivals at most.
	 */
	malloc_trim(0);
#endif
}

/* Buffer an arrival at T for the receive that will read it. 0 or -ENOMEM. */
static int arrival_keep(struct correlator *c, struct cfd *f, uint64_t t)
{
	uint32_t live, i;

	if (f->narr - f->arr_head >= ARRIVALS_FD_CAP)
		arr_drop(c, f, 1);
	if (c->arrivals_ahead >= ARRIVALS_AHEAD_CAP)
		arrivals_halve(c);
	live = f->narr - f->arr_head;
	/* Out of order: a sorted array is a min-heap already; a hostile order costs log n, not a sort. */
	if (!f->arr_heap && live && t < f->arr[f->narr - 1]) {
		arr_to_front(f);
		f->arr_heap = true;
	}
	/* Taken from the head: slide the rest down before growing, when that frees half. */
	if (f->narr == f->caparr && f->arr_head && live <= f->caparr / 2)
		arr_to_front(f);
	if (grow((void **)&f->arr, &f->caparr, f->narr + 1, sizeof(*f->arr)))
		return -ENOMEM;
	i = f->narr++;
	f->arr[i] = t;
	/* Up the heap: while the parent is later. */
	for (; f->arr_heap && i && f->arr[(i - 1) / 2] > t; i = (i - 1) / 2) {
		f->arr[i] = f->arr[(i - 1) / 2];
		f->arr[(i - 1) / 2] = t;
	}
	c->arrivals_ahead++;
	return 0;
}

/*
 * A QUEUED record: one per accept of a TCP connection, recorded just before
 * the accept that returns fd F, with that accept's exit and the time its
 * first bytes came while it waited in the accept queue (T 0: none came).
 * That time may be before the close of the previous connection on F, which
 * bounds F's arrivals from below (low_ns): so the records wait apart until
 * their accept.
 */
static void queued_pop(struct correlator *c, struct cfd *f, bool unmatched)
{
	uint64_t t = f->queued[f->qhead].t;

	if (++f->qhead == f->nqueued)
		f->qhead = f->nqueued = 0;
	c->queued_total--;
	c->st.arrivals_dropped += unmatched && t;
}

static int queued_keep(struct correlator *c, struct cfd *f, uint64_t t, uint64_t accept_ns)
{
	if (c->queued_total >= QUEUED_AHEAD_CAP) {	/* accepts that never come, on many fds */
		c->st.arrivals_dropped += !!t;
		return 0;
	}
	if (f->nqueued - f->qhead >= QUEUED_FD_CAP)	/* on this fd: the oldest goes */
		queued_pop(c, f, true);
	/* Taken from the head: slide the rest down rather than grow, when that frees half. */
	if (f->nqueued == f->capqueued && f->qhead && f->nqueued - f->qhead <= f->capqueued / 2)
		to_front(f->queued, &f->qhead, &f->nqueued, sizeof(*f->queued));
	if (grow((void **)&f->queued, &f->capqueued, f->nqueued + 1, sizeof(*f->queued)))
		return -ENOMEM;
	f->queued[f->nqueued++] = (struct queued){ .accept_ns = accept_ns, .t = t };
	c->queued_total++;
	return 0;
}

/*
 * An accept returned F at EXIT: its QUEUED record is the one naming that
 * exit. Older ones are of accepts not read (lost, or out of --since/--until);
 * a later one means this accept's own was lost. Records without the
 * accept's exit (written before it was recorded): the oldest, unless its
 * bytes came after this accept.
 */
static int queued_accept(struct correlator *c, struct cfd *f, uint64_t exit)
{
	struct queued *q;
	uint64_t t;

	while (f->nqueued && f->queued[f->qhead].accept_ns && f->queued[f->qhead].accept_ns < exit)
		queued_pop(c, f, true);
	if (!f->nqueued)
		return 0;
	q = &f->queued[f->qhead];
	if (q->accept_ns ? q->accept_ns > exit : q->t > exit)
		return 0;
	t = q->t;
	queued_pop(c, f, false);
	if (!t)
		return 0;	/* no bytes came while it was queued */
	if (t <= f->low_ns)
		f->low_ns = t - 1;	/* earlier arrivals of F are out already (arrivals_take) */
	return arrival_keep(c, f, t);
}

static struct creq *req_start(struct correlator *c, uint32_t host, struct cthread *th, struct cfd *f,
			      const struct trace_event *ev, const struct sc_class *cls, uint8_t cat)
{
	uint64_t exit_ns = u64_sat_add(ev->enter_ns, ev->duration_ns), first;
	struct creq *r = req_alloc(c);

	if (!r) {
		c->oom = true;
		return NULL;
	}
	r->host = host;
	r->home = th;
	r->fde = f;
	f->own = false;	/* it received first: a server's socket (SCTP's one-to-many) */
	r->state = RS_RECEIVING;
	r->pub.id = ++c->next_id;
	r->pub.host = pub_host(c, host);
	r->pub.pid = ev->pid;
	r->pub.tid = ev->tid;
	r->pub.fd = ev->fd;
	r->pub.fd_kind = ev->fd_kind;
	r->pub.start_ns = exit_ns;
	r->pub.end_ns = exit_ns;
	r->recv0_exit = exit_ns;
	r->last_rx_exit = exit_ns;
	r->rx_stamp = c->seg_stamp;
	r->last_activity_ns = exit_ns;
	r->pub.syscalls = 1;
	r->pub.bytes_in = cls->mmsg ? 0 : (uint64_t)ev->ret;
	r->low_ns = f->low_ns;
	first = arrivals_take(c, f, f->low_ns, exit_ns);
	if (first) {
		r->pub.start_ns = first;
		r->pub.queued = true;
		c->st.arrivals_used++;
	}
	if (!f->conn_open) {
		f->conn_open = true;
		f->st.connections++;
	}
	f->st.fd_kind = ev->fd_kind;	/* of its newest connection, whatever order requests end in */
	r->fd_prev = f->recent;
	if (f->recent)
		f->recent->fd_next = r;
	f->recent = r;
	c->st.open++;
	if (c->st.open > c->st.open_peak)
		c->st.open_peak = c->st.open;
	req_step(c, r, cls->name, cat, false, ev->enter_ns, 0, 1);
	touch(c, r, exit_ns);
	req_join(c, r, th);	/* on failure c->oom is set and the caller fails */
	return r;
}

/* R sent for the first time: on its threads it is now "maybe" open (it may send again). */
static void to_responding(struct correlator *c, struct creq *r)
{
	for (uint32_t i = 0; i < r->nthreads; i++) {
		thread_changed(c, r->threads[i].th);	/* before: segments so far saw it receiving */
		r->threads[i].th->nmaybe++;
	}
	req_resolve(c, r, true);	/* it completes: what was held back while receiving is its own */
	r->state = RS_RESPONDING;
}

/* Streaming counters for a successful send (enter E, exit X): bursts and the gaps between them. */
static void count_send(struct correlator *c, struct creq *r, uint64_t e, uint64_t x, uint64_t bytes)
{
	if (!r->pub.sends) {
		r->first_send_exit = x;
		r->pub.bursts = 1;
	} else if (e > u64_sat_add(r->last_send_exit, c->o.burst_gap_ns)) {
		uint64_t gap = e - r->last_send_exit;

		if (c->o.headers_first && !r->headers_behind) {
			/* The headers went first: the body, its first token, starts here. */
			r->headers_behind = true;
			r->first_send_exit = x;
			goto counted;
		}
		r->pub.bursts++;
		r->pub.gap_sum_ns = u64_sat_add(r->pub.gap_sum_ns, gap);
		if (gap > r->pub.gap_max_ns)
			r->pub.gap_max_ns = gap;
		histogram__add(&c->gaps, gap);
	}
counted:
	r->pub.sends++;
	r->pub.bytes_out = u64_sat_add(r->pub.bytes_out, bytes);
	if (x > r->last_send_exit)	/* sends of two threads may come slightly out of order */
		r->last_send_exit = x;
}

/* A successful send of R (enter E, exit X). */
static void req_send(struct correlator *c, struct creq *r, uint64_t e, uint64_t x, uint64_t bytes)
{
	if (r->state == RS_RECEIVING) {	/* its first send */
		to_responding(c, r);
		r->idle_snd = req_idle(r);
	} else {
		uint64_t idle;

		/* It sent again: the time held back since its last send is its own. */
		for (uint32_t i = 0; i < r->nthreads; i++)
			thread_changed(c, r->threads[i].th);
		req_resolve(c, r, true);
		r->pub.cat_ns[REQ_CAT_NET] = u64_sat_add(r->pub.cat_ns[REQ_CAT_NET], r->pend_ns);
		r->pub.syscalls += r->pend_calls;
		r->pub.runq_ns = u64_sat_add(r->pub.runq_ns, r->pend_runq_ns);
		r->pend_ns = r->pend_calls = r->pend_runq_ns = 0;
		idle = req_idle(r);
		if (r->pace_pend && idle > r->idle_snd)	/* the gap since its last send */
			r->paced_idle = u64_sat_add(r->paced_idle, idle - r->idle_snd);
		r->pace_pend = false;
		r->idle_snd = idle;
	}
	count_send(c, r, e, x, bytes);
	r->pub.end_ns = r->last_send_exit;
	/*
	 * The next request's bytes count from this send's start, not its end:
	 * a client that got the response can send again before the send
	 * returns (nginx: 9 requests in 40,000 had their arrival dropped).
	 */
	if (r->fde && e > r->fde->low_ns) {
		r->fde->low_ns = e;
		arrivals_take(c, r->fde, e, e);
	}
}

static void attribute_seg(struct correlator *c, struct cthread *th, const struct sc_class *cls,
			  uint8_t cat, uint64_t enter_ns, uint64_t dur);

/* Rule 2: a syscall that is not a receive/send of a connection, on thread TH. */
static inline __attribute__((always_inline)) void
attribute(struct correlator *c, struct cthread *th, const struct sc_class *cls, uint8_t cat,
	  uint64_t enter_ns, uint64_t dur)
{
	if (!th->nopen)
		return;
	if (!th->nmaybe && th->nopen == 1) {
		struct creq *r = th->open[0].r;

		/* One request open, and receiving: its own, now (rx_cat if it ends incomplete). */
		r->pub.cat_ns[cat] = u64_sat_add(r->pub.cat_ns[cat], dur);
		/* A wait that began before its last receive (on another thread): that part is the client's. */
		if (cat == REQ_CAT_IDLE && enter_ns < r->last_rx_exit)
			r->idle_rx = u64_sat_add(r->idle_rx, r->last_rx_exit - enter_ns < dur ?
						 r->last_rx_exit - enter_ns : dur);
		r->pub.syscalls++;
		r->tail_calls++;
		req_step(c, r, cls->name, cat, false, enter_ns, dur, 1);
		return;
	}
	attribute_seg(c, th, cls, cat, enter_ns, dur);
}

/* SEG_HELD_CAP: the requests undecided on TH's older half of segments count in none of them. */
static void seg_decide_held(struct correlator *c, struct cthread *th)
{
	uint64_t upto = th->seg_h + SEG_HELD_CAP / 2;

	for (uint32_t i = 0; i < th->nopen; i++) {
		struct creq *r = th->open[i].r;
		struct rthread *rt = &r->threads[th->open[i].ri];

		if (rt->pend_from < upto) {	/* out of the older half; the rest stays undecided */
			(*pend_at(th, rt->pend_from))--;
			(*pend_at(th, upto))++;
			rt->pend_from = upto;
			r->decided_early = true;
		}
	}
	seg_advance(c, th);
}

static void attribute_seg(struct correlator *c, struct cthread *th, const struct sc_class *cls,
			  uint8_t cat, uint64_t enter_ns, uint64_t dur)
{
	struct seg *s = th->cur;

	/*
	 * Several, or one that may not send again: into the segment, split when
	 * the open set changes (or its last "maybe" member is decided), so a
	 * syscall costs the same however many requests are open.
	 */
	if (!s) {
		uint64_t id;

		if (th->seg_next - th->seg_h >= SEG_HELD_CAP)
			seg_decide_held(c, th);
		id = th->seg_next;
		if (seg_ring_room(th) || !(s = seg_alloc(c))) {
			c->oom = true;
			return;
		}
		s->stamp = ++c->seg_stamp;
		th->segs[id & (th->capsegs - 1)] = s;
		th->seg_next++;
		/*
		 * Its members, the requests open on TH, are undecided: a responding
		 * one until it sends again, a receiving one until it receives again
		 * or sends (an incomplete request has nothing after its last
		 * receive, and must not make the others' time shared). Markers: a
		 * receiving request is decided, it counts from the start.
		 */
		if (c->o.mode == CORRELATE_MARKER) {
			for (uint32_t i = 0; i < th->nopen; i++) {
				struct creq *r = th->open[i].r;
				struct rthread *rt = &r->threads[th->open[i].ri];

				if (r->state == RS_RESPONDING || rt->pend_from != id)
					continue;
				seg_count(c, s, r, true);
				(*pend_at(th, id))--;
				(*pend_at(th, id + 1))++;
				rt->pend_from = id + 1;
			}
		}
		th->cur = s;
		if (++c->st.segments > c->st.segments_peak)
			c->st.segments_peak = c->st.segments;
	}
	s->cat_ns[cat] = u64_sat_add(s->cat_ns[cat], dur);
	s->calls++;
	step_add(&s->steps, &s->nsteps, &s->capsteps, &s->dropped, c->o.steps_cap, cls->name, cat,
		 false, enter_ns, dur, 1);
}

/* --- timeouts ---------------------------------------------------------------- */

static void expire_some(struct correlator *c, struct chost *h);

/* Requests idle for longer than the timeout at NOW end, oldest first. */
static inline void expire(struct correlator *c, struct chost *h, uint64_t now)
{
	if (now > h->now_ns)
		h->now_ns = now;
	if (h->now_ns > h->check_after_ns)	/* rarely: a call per event costs more than the test */
		expire_some(c, h);
}

enum clock_verdict { CLOCK_OK, CLOCK_ERROR, CLOCK_HOLD };

/*
 * Row EV ends at NOW, further ahead of the clock than both the timeout and
 * CLOCK_ERROR_MIN_NS (rows of two threads come a little out of order): a
 * gap in the server's activity (the rows after it are late too), or a time
 * broken in a hostile or damaged file (the row after it, among EV..LIM of
 * its batch, is back within that much of the clock). Followed, a broken
 * time would time out every open request, or, as a request's activity,
 * keep one from ever timing out. The last row of a batch is held until the
 * next batch's first (CLOCK_HOLD); one being settled without a row after it
 * is a gap.
 */
static enum clock_verdict clock_error(struct correlator *c, struct chost *h, uint64_t now,
				      const struct trace_event *ev, const struct trace_event *lim)
{
	uint64_t win = correlator__clock_window(c);
	uint64_t after;

	if (now <= h->now_ns || now - h->now_ns <= win)
		return CLOCK_OK;
	if (ev + 1 >= lim)
		return c->settling ? CLOCK_OK : CLOCK_HOLD;
	after = u64_sat_add(ev[1].enter_ns, ev[1].duration_ns);
	if (after >= now - win || (h->now_ns && after > u64_sat_add(h->now_ns, win)))
		return CLOCK_OK;	/* the clock moved on */
	if (!c->st.clock_errors++)
		c->st.clock_error_first_ns = now - after;
	if (now > h->clock_error_end)
		h->clock_error_end = now;
	return CLOCK_ERROR;
}

static void expire_some(struct correlator *c, struct chost *h)
{
	/* last activity + timeout < now, without the sum (file values: it may wrap). */
	uint64_t idle_before = h->now_ns > c->o.request_timeout_ns ?
			       h->now_ns - c->o.request_timeout_ns : 0;

	while (h->lru_head && h->lru_head->last_activity_ns < idle_before)
		req_end(c, h->lru_head, true);
	/*
	 * The head's activity only grows until it leaves the head, which resets
	 * this. Any jump of the clock past the timeout must come here too.
	 */
	h->check_after_ns = u64_sat_add(h->now_ns, c->o.request_timeout_ns);
	if (h->lru_head && h->lru_head->last_activity_ns < h->now_ns)
		h->check_after_ns = u64_sat_add(h->lru_head->last_activity_ns,
						c->o.request_timeout_ns);
}

/* --- turn-taking ------------------------------------------------------------ */

static void conn_over(struct correlator *c, struct cfd *f, uint64_t t)
{
	if (f->req)
		req_end(c, f->req, false);
	f->conn_open = false;
	if (t > f->low_ns)
		f->low_ns = t;
	arrivals_take(c, f, f->low_ns, f->low_ns);
}

/*
 * R received again (at X): what was attributed so far is its own whatever
 * follows. Segments accumulating on its threads end here, so that each lies
 * wholly before or after a receive.
 */
static void rx_again(struct correlator *c, struct creq *r, uint64_t x)
{
	r->tail_calls = 0;
	r->rx_seq++;
	if (x > r->last_rx_exit)
		r->last_rx_exit = x;
	for (uint32_t i = 0; i < r->nthreads; i++)
		thread_changed(c, r->threads[i].th);
	req_resolve(c, r, true);	/* held back before this receive: its own */
}

/*
 * A receive on R's connection, while R responds, of fewer bytes than
 * --min-request-bytes: the client's protocol frame, no turn. Like a failed
 * send, it is R's only if R sends again; its arrival starts nothing.
 */
static void protocol_frame(struct correlator *c, struct creq *r, struct cfd *f,
			   const struct trace_event *ev, uint64_t exit_ns)
{
	arrivals_take(c, f, f->low_ns, exit_ns);
	r->pend_ns = u64_sat_add(r->pend_ns, ev->duration_ns);
	r->pend_calls++;
	touch(c, r, exit_ns);
	c->st.frames_skipped++;
}

/*
 * A receive or send on a connection: rule 1 (turn-taking). 0, -ENOMEM, or 1
 * when the fd is an outgoing connection: the call is then like any other
 * syscall of its thread (rule 2).
 */
static int on_conn_io(struct correlator *c, uint32_t host, struct cthread *th,
		      const struct trace_event *ev, const struct sc_class *cls, uint8_t cat)
{
	uint64_t exit_ns = u64_sat_add(ev->enter_ns, ev->duration_ns);
	struct cfd *f = fd_get(c, host, ev->pid, ev->fd);
	struct creq *r;

	if (!f)
		return -ENOMEM;
	if (f == &c->other_fd) {
		c->st.folded_events++;	/* a connection beyond KEYS_CAP: nothing of it is known */
		return 0;
	}
	if (__builtin_expect(ev->enter_ns < f->born_ns, 0))
		return 1;	/* on the previous file of this number (born_ns): like any other call */
	if (__builtin_expect(f->own, 0) && cls->kind == SK_SEND)
		f->outbound = true;	/* sending first on a socket of its own: a client */
	if (f->outbound) {
		/* An upstream's reply, or the call to it: its arrivals start nothing. */
		while (f->narr && arr_first(f) <= exit_ns) {
			arr_pop(c, f);
			c->st.arrivals_outgoing++;
		}
		return 1;
	}
	r = c->o.mode == CORRELATE_THREAD ? th->req : f->req;
	if (cls->kind == SK_RECV) {
		if (ev->ret < 0) {
			if (r) {
				touch(c, r, exit_ns);
				if (r->tiny && r->fde == f)
					r->tiny = TINY_YES;	/* nothing more to read: the frame was all */
			}
			return 0;	/* failed receives start nothing and are not attributed */
		}
		if (ev->ret == 0) {	/* EOF ends the connection, */
			if (r && r->state == RS_RECEIVING && r->fde == f) {
				/* unless the client half-closed after its request (shutdown(SHUT_WR)) */
				touch(c, r, exit_ns);
				return 0;
			}
			if (c->o.mode == CORRELATE_THREAD && r && r->fde == f)
				req_end(c, r, false);
			conn_over(c, f, exit_ns);
			return 0;
		}
		if (r && r->state == RS_RECEIVING) {
			if (__builtin_expect(r->tiny == TINY_MAYBE, 0) && r->fde == f &&
			    (cls->mmsg || (uint64_t)ev->ret >= TINY_TURN_BYTES))	/* mmsg: messages */
				r->tiny = TINY_NO;	/* the rest of a request read in two, not a second frame */
			req_join(c, r, th);
			rx_again(c, r, exit_ns);
			r->pub.cat_ns[cat] = u64_sat_add(r->pub.cat_ns[cat], ev->duration_ns);
			memcpy(r->rx_cat, r->pub.cat_ns, sizeof(r->rx_cat));	/* as of this receive */
			r->rx_shared = r->pub.shared_ns;
			r->idle_rx = req_idle(r);
			r->rx_stamp = c->seg_stamp;
			r->rx_runq = r->pub.runq_ns;
			r->pub.syscalls++;
			r->pub.bytes_in = u64_sat_add(r->pub.bytes_in, cls->mmsg ? 0 : (uint64_t)ev->ret);
			req_step(c, r, cls->name, cat, false, ev->enter_ns, ev->duration_ns, 1);
			touch(c, r, exit_ns);
			return 0;
		}
		bool tiny = false;

		if (r && r->state == RS_RESPONDING && r->fde == f && !cls->mmsg) {
			if ((uint64_t)ev->ret < c->o.min_request_bytes) {
				protocol_frame(c, r, f, ev, exit_ns);
				return 0;
			}
			tiny = (uint64_t)ev->ret < TINY_TURN_BYTES;
		}
		if (r)
			req_end(c, r, false);
		r = req_start(c, host, th, f, ev, cls, cat);
		if (!r)
			return -ENOMEM;
		if (tiny)
			r->tiny = TINY_MAYBE;
		if (c->o.mode == CORRELATE_THREAD)
			th->req = r;
		else
			f->req = r;
		return 0;
	}
	/* A send. */
	if (!r)
		return 0;	/* nothing was asked on this connection: it belongs to no request */
	if (ev->ret <= 0) {
		if (r->state == RS_RECEIVING) {
			req_join(c, r, th);
			/* Segments so far come first in its steps, as they did in time. */
			for (uint32_t i = 0; i < r->nthreads; i++)
				thread_changed(c, r->threads[i].th);
			r->pub.cat_ns[cat] = u64_sat_add(r->pub.cat_ns[cat], ev->duration_ns);
			r->pub.syscalls++;
			r->tail_calls++;
			req_step(c, r, cls->name, cat, false, ev->enter_ns, ev->duration_ns, 1);
		} else {	/* after the last send: counts only if another send follows */
			r->pend_ns = u64_sat_add(r->pend_ns, ev->duration_ns);
			r->pend_calls++;
			r->pace_pend |= ev->ret == -EAGAIN;	/* a full socket: the client's pace */
		}
		touch(c, r, exit_ns);
		return 0;
	}
	req_join(c, r, th);
	req_send(c, r, ev->enter_ns, exit_ns, cls->mmsg ? 0 : (uint64_t)ev->ret);
	r->pub.cat_ns[cat] = u64_sat_add(r->pub.cat_ns[cat], ev->duration_ns);
	r->pub.syscalls++;
	req_step(c, r, cls->name, cat, false, ev->enter_ns, ev->duration_ns, 1);
	touch(c, r, exit_ns);
	return 0;
}

static inline int event_now(struct correlator *c, struct chost *h, uint32_t host,
			    const struct trace_event *ev, const struct trace_event *lim,
			    const struct sc_class *cls, const enum correlate_mode mode,
			    const bool no_runq, const bool no_unsent);
static int event_one(struct correlator *c, uint32_t host, const struct trace_event *ev,
		     const struct trace_event *next, const struct sc_class *cls);
static int settle_held(struct correlator *c, uint32_t host, const struct trace_event *next);
static int marker_now(struct correlator *c, uint32_t host, int what, uint64_t time_ns,
		      uint32_t pid, uint32_t tid, uint64_t id);
static int arrival_now(struct correlator *c, uint32_t host, const struct trace_arrival *a);
static int unsent_keep(struct correlator *c, uint32_t host, const struct trace_arrival *a);
static void unsent_drain(struct correlator *c, struct chost *h, uint32_t host, uint64_t t);

/*
 * Run-queue wait outside syscalls (preemption in user mode) on thread TH over
 * [S, E]: it goes to the requests open on TH, like a syscall would, except
 * that it is never shared: it is part of each one's time outside syscalls.
 */
static void runq_attribute(struct correlator *c, struct cthread *th, uint64_t s, uint64_t e)
{
	c->st.runq_ns = u64_sat_add(c->st.runq_ns, e - s);
	for (uint32_t i = 0; i < th->nopen; i++) {
		struct creq *r = th->open[i].r;
		uint64_t from = s > r->pub.start_ns ? s : r->pub.start_ns;

		if (e <= from)
			continue;
		if (r->state == RS_RESPONDING) {
			r->pend_runq_ns = u64_sat_add(r->pend_runq_ns, e - from);	/* after its last send: only if it sends again */
		} else {
			r->pub.runq_ns = u64_sat_add(r->pub.runq_ns, e - from);
		}
	}
}

/*
 * Place TH's run-queue intervals against its next syscall [ENTER, EXIT]: the
 * part before it was in user mode, the part inside it is the syscall's own
 * (a wakeup), what follows waits for the syscall after.
 */
static void runq_before(struct correlator *c, struct cthread *th, uint64_t enter, uint64_t exit)
{
	uint32_t i = th->rq_head;

	for (; i < th->nrq && th->rq[i].start_ns < exit; i++) {
		struct runq *q = &th->rq[i];

		if (q->start_ns < enter)
			runq_attribute(c, th, q->start_ns, q->end_ns < enter ? q->end_ns : enter);
		if (q->end_ns > exit) {
			q->start_ns = exit;	/* the rest follows the syscall */
			break;
		}
	}
	c->runq_held -= i - th->rq_head;
	th->rq_head = i;
	if (i == th->nrq) {
		th->rq_head = th->nrq = 0;
		c->runq_threads--;
	} else if (i >= 1024 && i >= th->nrq / 2) {	/* placed ones at the front: amortised */
		memmove(th->rq, th->rq + i, (th->nrq - i) * sizeof(*th->rq));
		th->nrq -= i;
		th->rq_head = 0;
	}
}

/*
 * All threads' intervals are at the hard cap: the thread keeping the most,
 * if it keeps more than TH (HELD), drops the older half of its excess for
 * TH's one. It is found by a walk over the threads, at most once per
 * RUNQ_WALK_EVERY intervals kept (a hostile file names 131,072 threads), and
 * kept until it has no excess left. False: TH's is dropped instead.
 */
static bool runq_make_room(struct correlator *c, struct cthread *th, uint32_t held)
{
	struct cthread *big = c->runq_big;
	uint32_t most = big ? big->nrq - big->rq_head : 0, drop;

	c->st.runq_dropped++;
	if (most <= held + 1 && c->runq_since_walk >= RUNQ_WALK_EVERY) {
		c->runq_since_walk = 0;
		for (size_t k = 0; k < c->threads.cap; k++) {
			struct cthread *t = c->threads.s[k].v;

			if (c->threads.s[k].used && t->nrq - t->rq_head > most) {
				big = t;
				most = t->nrq - t->rq_head;
			}
		}
		c->runq_big = big;
	}
	if (!big || big == th || most <= held + 1)
		return false;
	drop = (most - held) / 2;
	c->st.runq_dropped += drop - 1;	/* one was counted: this interval's room */
	c->runq_held -= drop;
	big->rq_head += drop;	/* fewer than it keeps: it keeps some */
	return true;
}

int correlator__sched(struct correlator *c, uint32_t host, const struct trace_sched *sr)
{
	struct cthread *th;
	uint32_t i, held;

	if (sr->what != TRACE_SCHED_RUNQ || !sr->duration_ns)
		return 0;
	th = thread_get(c, host, sr->pid, sr->tid);
	if (!th)
		return -ENOMEM;
	if (th == &c->other_th)
		return 0;
	held = th->nrq - th->rq_head;
	if (held >= RUNQ_CAP ||
	    (c->runq_held >= RUNQ_HELD_CAP && (uint64_t)held * c->runq_threads >= c->runq_held)) {
		c->st.runq_dropped++;
		return 0;
	}
	for (i = th->nrq; i > th->rq_head && th->rq[i - 1].start_ns > sr->start_ns; i--)
		if (th->nrq - i == RUNQ_BACK_MAX) {
			c->st.runq_dropped++;
			return 0;
		}
	if (c->runq_held >= 4 * RUNQ_HELD_CAP && !runq_make_room(c, th, held))
		return 0;
	if (grow((void **)&th->rq, &th->caprq, th->nrq + 1, sizeof(*th->rq)))
		return -ENOMEM;
	memmove(th->rq + i + 1, th->rq + i, (th->nrq - i) * sizeof(*th->rq));
	th->rq[i] = (struct runq){ sr->start_ns, u64_sat_add(sr->start_ns, sr->duration_ns) };
	th->nrq++;
	c->runq_held++;
	c->runq_threads += !held;
	c->runq_since_walk++;
	c->runq_seen = true;
	return 0;
}

static void replay(struct correlator *c);

static int pend_push(struct correlator *c, const struct pend_item *it)
{
	if (c->npend == PEND_CAP) {
		/* A hostile frame: its run-queue intervals may come too late for these rows. */
		c->st.early_replays++;
		replay(c);
		if (c->oom)
			return -ENOMEM;
	}
	if (c->npend == c->cappend) {
		size_t cap = c->cappend ? c->cappend * 2 : 4096;
		struct pend_item *p = realloc(c->pend, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->pend = p;
		c->cappend = cap;
	}
	c->pend[c->npend++] = *it;
	return 0;
}

int correlator__event(struct correlator *c, uint32_t host, const struct trace_event *ev,
		      const struct sc_class *cls)
{
	/* With scheduler records, rows wait for their frame's run-queue intervals. */
	if (c->o.sched)
		return pend_push(c, &(struct pend_item){ .type = P_EVENT, .cls = cls, .host = host,
							  .ev = *ev });
	return event_one(c, host, ev, NULL, cls);
}

int correlator__marker(struct correlator *c, uint32_t host, int what, uint64_t time_ns,
		       uint32_t pid, uint32_t tid, uint64_t id)
{
	if (c->o.sched)
		return pend_push(c, &(struct pend_item){ .type = P_MARKER, .host = host, .what = what,
							  .id = id,
							  .ev = { .enter_ns = time_ns, .pid = pid,
								  .tid = tid } });
	return marker_now(c, host, what, time_ns, pid, tid, id);
}

/* The event after pend[I] on its host, if it comes next: what a clock error is told by. */
static const struct trace_event *replay_next(const struct correlator *c, size_t i)
{
	const struct pend_item *n = i + 1 < c->npend ? &c->pend[i + 1] : NULL;

	return n && n->type == P_EVENT && n->host == c->pend[i].host ? &n->ev : NULL;
}

/* Replay the frame's rows, now that its run-queue intervals are known. */
static void replay(struct correlator *c)
{
	for (size_t i = 0; i < c->npend && !c->oom; i++) {
		const struct pend_item *it = &c->pend[i];
		int err;

		if (it->type == P_EVENT)
			err = event_one(c, it->host, &it->ev, replay_next(c, i), it->cls);
		else if (it->type == P_ARRIVAL)
			err = arrival_now(c, it->host, &it->ar);
		else
			err = marker_now(c, it->host, it->what, it->ev.enter_ns, it->ev.pid,
					 it->ev.tid, it->id);
		if (err)
			c->oom = true;
	}
	c->npend = 0;
}

/* FD begins a connection (accept returned it, or connect): a request on it ended unseen. NULL: ENOMEM. */
static struct cfd *conn_begins(struct correlator *c, uint32_t host, uint32_t pid, int32_t fd)
{
	struct cfd *f = fd_get(c, host, pid, fd);

	if (f && f != &c->other_fd && f->req)
		req_end(c, f->req, false);	/* a close we did not see */
	return f;
}

/*
 * Connections end at close, shutdown and accept (of a reused fd), and begin
 * at accept; connect makes one outgoing, and socket one of the process's own
 * (outgoing if it sends first). Each notes when its file got the number.
 */
static int on_lifecycle(struct correlator *c, uint32_t host, struct cthread *th,
			const struct trace_event *ev, const struct sc_class *cls)
{
	uint64_t exit_ns = u64_sat_add(ev->enter_ns, ev->duration_ns);
	struct cfd *f;

	if ((cls->kind == SK_CLOSE || cls->kind == SK_SHUTDOWN) && ev->fd >= 0) {
		f = fd_find(c, host, ev->pid, ev->fd);
		if (!f)
			return 0;
		if (ev->enter_ns < f->born_ns) {
			/*
			 * The previous file's (born_ns). Thread mode: the request its
			 * thread received on it ends with it; conn mode ended it at
			 * the accept (conn_begins).
			 */
			if (c->o.mode == CORRELATE_THREAD && th->req && !th->req->ended &&
			    th->req->fde == f && th->req->recv0_exit < f->born_ns)
				req_end(c, th->req, false);
			return 0;
		}
		/* Thread mode: the request received on this socket ends with it. */
		if (c->o.mode == CORRELATE_THREAD && f->recent && !f->recent->ended &&
		    f->recent->home && f->recent->home->req == f->recent)
			req_end(c, f->recent, false);
		conn_over(c, f, exit_ns);
		if (cls->kind == SK_CLOSE)
			f->outbound = f->own = false;	/* the number may come back from accept */
	} else if (cls->kind == SK_ACCEPT && ev->ret >= 0 && ev->ret <= INT32_MAX) {
		f = conn_begins(c, host, ev->pid, (int32_t)ev->ret);
		if (!f)
			return -ENOMEM;
		if (f == &c->other_fd)
			return 0;
		/*
		 * Bytes that came while the connection waited in the accept
		 * queue are its first request's (the recorder gives them their
		 * time when accept returns): its arrivals count from the end of
		 * the previous connection on this fd, not from the accept.
		 */
		arrivals_take(c, f, f->low_ns, f->low_ns);
		f->born_ns = exit_ns;
		f->outbound = f->own = false;
		f->conn_open = true;
		f->st.connections++;
		if (f->nqueued && ev->fd_kind == FD_KIND_TCP_LISTEN && queued_accept(c, f, exit_ns))
			return -ENOMEM;
	} else if (cls->kind == SK_CONNECT && ev->fd >= 0 &&
		   (fd_kind__is_conn(ev->fd_kind) || ev->fd_kind == FD_KIND_UNIX_PAIR)) {
		/*
		 * The process's own connection (a reverse proxy's upstream, a
		 * database, another service): what it reads there is a reply to
		 * a request of its own, part of the request it serves. (A unix
		 * socket has no address before its connect returns: unix-pair.)
		 */
		f = conn_begins(c, host, ev->pid, ev->fd);
		if (!f)
			return -ENOMEM;
		if (f != &c->other_fd) {
			f->outbound = true;
			f->born_ns = ev->enter_ns;	/* its socket() came before: a lower bound */
		}
	} else if (cls->kind == SK_SOCKET && ev->ret >= 0 && ev->ret <= INT32_MAX) {
		f = conn_begins(c, host, ev->pid, (int32_t)ev->ret);
		if (!f)
			return -ENOMEM;
		if (f != &c->other_fd) {
			f->born_ns = exit_ns;
			f->outbound = f->conn_open = false;
			f->own = true;
		}
	}
	return 0;
}

static inline __attribute__((always_inline)) int
event_now(struct correlator *c, struct chost *h, uint32_t host, const struct trace_event *ev,
	  const struct trace_event *lim, const struct sc_class *cls, const enum correlate_mode mode,
	  const bool no_runq, const bool no_unsent)
{
	uint64_t exit_ns = u64_sat_add(ev->enter_ns, ev->duration_ns);
	uint8_t cat = sc_class__cat(cls, ev->fd_kind);
	struct cthread *th;
	int err = 0;

	/* A jump of the clock reaches past check_after_ns (at most now_ns + timeout). */
	if (__builtin_expect(exit_ns > h->check_after_ns, 0)) {
		enum clock_verdict v = clock_error(c, h, exit_ns, ev, lim);

		if (v == CLOCK_ERROR)
			return 0;	/* left out: of the requests, the threads' counts, run-queue wait */
		if (v == CLOCK_HOLD) {
			c->held.ev = *ev;
			c->held.cls = *cls;
			c->held.host = host;
			c->held.valid = true;
			return 0;
		}
	}
	/* UNSENT records up to this row's exit first: the receive that ends a response comes after its own. */
	if (!no_unsent && __builtin_expect(h->nuns && exit_ns >= h->uns[0].t, 0))
		unsent_drain(c, h, host, exit_ns);
	th = thread_get(c, host, ev->pid, ev->tid);
	if (!th)
		return -ENOMEM;
	if (!no_runq && th->nrq)
		runq_before(c, th, ev->enter_ns, exit_ns);
	th->st.syscalls++;
	{
		uint64_t *sum = cat == REQ_CAT_IDLE ? &th->st.idle_ns : &th->st.syscall_ns;

		*sum = u64_sat_add(*sum, ev->duration_ns);
	}
	expire(c, h, exit_ns);
	if (th == &c->other_th) {
		c->st.folded_events++;	/* a thread beyond KEYS_CAP: counted, never correlated */
		return 0;
	}

	if (mode != CORRELATE_MARKER && ev->fd >= 0 &&
	    (cls->kind == SK_RECV || cls->kind == SK_SEND) && fd_kind__is_conn(ev->fd_kind)) {
		err = on_conn_io(c, host, th, ev, cls, cat);
		if (__builtin_expect(err <= 0, 1)) {
			if (mode == CORRELATE_THREAD && th->req)
				touch(c, th->req, exit_ns);
			return c->oom ? -ENOMEM : err;
		}
		err = 0;	/* on an outgoing connection: attributed below */
	}
	if (mode != CORRELATE_MARKER) {
		if (cls->kind >= SK_ACCEPT && on_lifecycle(c, host, th, ev, cls))
			return -ENOMEM;
		/* Any syscall on a connection's fd is activity (--request-timeout). */
		if (mode == CORRELATE_CONN && ev->fd >= 0 && fd_kind__is_conn(ev->fd_kind) &&
		    cls->kind != SK_CLOSE && cls->kind != SK_SHUTDOWN) {
			struct cfd *f = fd_find(c, host, ev->pid, ev->fd);

			if (f && f->req)
				touch(c, f->req, exit_ns);
		}
	} else if (th->nopen && ev->ret > 0 && ev->fd >= 0 && fd_kind__is_socket(ev->fd_kind) &&
		   (cls->kind == SK_RECV || cls->kind == SK_SEND)) {
		uint64_t bytes = cls->mmsg ? 0 : (uint64_t)ev->ret;

		/* Markers: bytes and sends of the thread count for what is open on it. */
		for (uint32_t i = 0; i < th->nopen; i++) {
			if (cls->kind == SK_RECV)
				th->open[i].r->pub.bytes_in = u64_sat_add(th->open[i].r->pub.bytes_in, bytes);
			else
				count_send(c, th->open[i].r, ev->enter_ns, exit_ns, bytes);
		}
	}
	if (mode == CORRELATE_MARKER) {
		for (uint32_t i = 0; i < th->nopen; i++)
			touch(c, th->open[i].r, exit_ns);
	} else if (mode == CORRELATE_THREAD && th->req) {
		touch(c, th->req, exit_ns);
	}
	attribute(c, th, cls, cat, ev->enter_ns, ev->duration_ns);
	return c->oom ? -ENOMEM : 0;
}

/* The rows of a batch, event_now inlined: no call per row. */
static inline __attribute__((always_inline)) int
events_loop(struct correlator *c, struct chost *h, uint32_t host, const struct trace_event *rows,
	    const struct sc_class *const *cls, size_t n, const struct trace_event *end,
	    const enum correlate_mode mode, const bool no_runq, const bool no_unsent)
{
	for (size_t i = 0; i < n; i++) {
		int err;

		if (!cls[i])
			continue;
		err = event_now(c, h, host, &rows[i], end, cls[i], mode, no_runq, no_unsent);
		if (__builtin_expect(err, 0))
			return err;
	}
	return 0;
}

int correlator__events(struct correlator *c, uint32_t host, const struct trace_event *rows,
		       const struct sc_class *const *cls, size_t n, const struct trace_event *end)
{
	struct chost *h;
	int err = 0;

	if (c->o.sched) {
		for (size_t i = 0; i < n && !err; i++)
			if (cls[i])
				err = correlator__event(c, host, &rows[i], cls[i]);
		return err;
	}
	if (c->held.valid && n) {	/* by the batch's first row, kept or filtered out, as within a batch */
		err = settle_held(c, host, &rows[0]);
		if (err)
			return err;
	}
	h = host_get(c, host);	/* the host's state does not move during the batch */
	if (!h)
		return -ENOMEM;
	/*
	 * The usual case gets a loop of its own, without a test of the mode, of
	 * run-queue intervals or of UNSENT records per row: conn mode, no
	 * interval ever kept (a trace whose header promised none holds none),
	 * and no UNSENT record waiting (none comes during a batch of rows).
	 */
	if (c->o.mode == CORRELATE_CONN && !c->runq_seen && !h->nuns)
		return events_loop(c, h, host, rows, cls, n, end, CORRELATE_CONN, true, true);
	return events_loop(c, h, host, rows, cls, n, end, c->o.mode, false, false);
}

/* EV of HOST, beside NEXT (the row after it; NULL: none) as in a batch. 0 or -ENOMEM. */
static int event_beside(struct correlator *c, uint32_t host, const struct trace_event *ev,
			const struct trace_event *next, const struct sc_class *cls)
{
	struct chost *h = host_get(c, host);
	struct trace_event two[2];

	if (!h)
		return -ENOMEM;
	if (!next)
		return event_now(c, h, host, ev, ev + 1, cls, c->o.mode, false, false);
	two[0] = *ev;
	two[1] = *next;
	return event_now(c, h, host, two, two + 2, cls, c->o.mode, false, false);
}

/*
 * The held row, now that the row after it, NEXT (of HOST; NULL: none), is
 * known: a clock error or a gap. 0 or -ENOMEM.
 */
static int settle_held(struct correlator *c, uint32_t host, const struct trace_event *next)
{
	int err;

	c->held.valid = false;
	c->settling = true;
	err = event_beside(c, c->held.host, &c->held.ev, host == c->held.host ? next : NULL,
			   &c->held.cls);
	c->settling = false;
	return err;
}

/* EV, then NEXT (the row after it on HOST, or NULL: for clock errors). */
static int event_one(struct correlator *c, uint32_t host, const struct trace_event *ev,
		     const struct trace_event *next, const struct sc_class *cls)
{
	if (__builtin_expect(c->held.valid, 0)) {
		int err = settle_held(c, host, ev);

		if (err)
			return err;
	}
	return event_beside(c, host, ev, next, cls);
}

/*
 * An UNSENT record of HOST: bytes written to A's connection were still unsent
 * when a segment from the client came at A->time_ns. Kept until the rows
 * reach that time. 0 or -ENOMEM.
 */
static int unsent_keep(struct correlator *c, uint32_t host, const struct trace_arrival *a)
{
	struct chost *h = host_get(c, host);
	struct unsent u = { .t = a->time_ns, .pid = a->pid, .fd = a->fd };
	uint32_t i;

	if (!h)
		return -ENOMEM;
	if (h->nuns >= UNSENT_AHEAD_CAP) {
		c->st.unsent_dropped++;
		return 0;
	}
	if (grow((void **)&h->uns, &h->capuns, h->nuns + 1, sizeof(*h->uns)))
		return -ENOMEM;
	/* Up the heap: they come nearly in order, so this rarely moves. */
	for (i = h->nuns++; i && h->uns[(i - 1) / 2].t > u.t; i = (i - 1) / 2)
		h->uns[i] = h->uns[(i - 1) / 2];
	h->uns[i] = u;
	return 0;
}

/* H's earliest UNSENT record, taken out of the heap (H has one). */
static struct unsent unsent_pop(struct chost *h)
{
	struct unsent first = h->uns[0], last = h->uns[--h->nuns];
	uint32_t i = 0;

	if (!h->nuns)
		return first;
	/* Down the heap from the root with the last entry. */
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		uint64_t mt = last.t;

		if (l < h->nuns && h->uns[l].t < mt)
			m = l, mt = h->uns[l].t;
		if (l + 1 < h->nuns && h->uns[l + 1].t < mt)
			m = l + 1;
		if (m == i)
			break;
		h->uns[i] = h->uns[m];
		i = m;
	}
	h->uns[i] = last;
	return first;
}

/*
 * HOST's UNSENT records up to T, in time order: each one after its
 * connection's response's last send returned (while it is open, before
 * the client's next request, within --request-timeout of its last
 * activity) is when that response's last bytes left. One during a send,
 * or on a connection with no response under way, was bytes still to be
 * sent while the server wrote them: nothing to move. In thread mode one
 * after its response ended is counted late (st.unsent_late).
 */
static void unsent_drain(struct correlator *c, struct chost *h, uint32_t host, uint64_t t)
{
	while (h->nuns && h->uns[0].t <= t) {
		struct unsent u = unsent_pop(h);
		struct cfd *f = fd_find(c, host, u.pid, u.fd);
		struct creq *r = f ? f->recent : NULL;

		/*
		 * Thread mode: a pool thread takes its next request before a
		 * delayed ACK comes, which ended the response: counted once per
		 * response, for a warning.
		 */
		if (c->o.mode == CORRELATE_THREAD && f && (!r || r->ended)) {
			if (!f->unsent_late && f->resp_end_ns && u.t > f->resp_end_ns &&
			    u.t - f->resp_end_ns <= c->o.request_timeout_ns) {
				f->unsent_late = true;
				c->st.unsent_late++;
			}
			continue;
		}
		if (!r || r->ended || r->state != RS_RESPONDING || u.t <= r->last_send_exit)
			continue;	/* during a send, or no response under way */
		/*
		 * More than --request-timeout after the request's last activity: it
		 * would have timed out first. A broken time, not its end.
		 */
		if (u.t > r->last_activity_ns && u.t - r->last_activity_ns > c->o.request_timeout_ns)
			continue;
		if (u.t > r->unsent_ns)
			r->unsent_ns = u.t;
		r->pace_pend = true;	/* bytes it wrote waited to leave: the network's pace, if it sends again */
	}
}

int correlator__arrival(struct correlator *c, uint32_t host, const struct trace_arrival *a)
{
	if ((a->what != TRACE_ARRIVAL_DATA && a->what != TRACE_ARRIVAL_QUEUED &&
	     a->what != TRACE_ARRIVAL_UNSENT) || a->fd < 0)
		return 0;
	if (a->what == TRACE_ARRIVAL_UNSENT && c->o.mode == CORRELATE_MARKER)
		return 0;	/* a marked request ends at its END marker */
	if (c->o.mode == CORRELATE_MARKER) {
		/* markers start requests, arrivals do not (a QUEUED record without bytes is none) */
		c->st.arrivals_dropped += a->what == TRACE_ARRIVAL_DATA || a->bytes;
		return 0;
	}
	/* Kept in file order with the rows they precede or follow. */
	if (c->o.sched)
		return pend_push(c, &(struct pend_item){ .type = P_ARRIVAL, .host = host, .ar = *a });
	return arrival_now(c, host, a);
}

static int arrival_now(struct correlator *c, uint32_t host, const struct trace_arrival *a)
{
	struct cfd *f;
	struct creq *r;
	uint32_t k = 0;

	if (a->what == TRACE_ARRIVAL_UNSENT)	/* for a connection the rows will have made */
		return unsent_keep(c, host, a);
	f = fd_get(c, host, a->pid, a->fd);
	if (!f)
		return -ENOMEM;
	if (f == &c->other_fd)
		return 0;
	if (a->what == TRACE_ARRIVAL_QUEUED)
		return queued_keep(c, f, a->bytes ? a->time_ns : 0, a->accept_ns);
	/*
	 * A late arrival: the receive it preceded was already read. Rare: a
	 * frame's arrivals come before its rows (correlate.h); it can still
	 * start a request that is not delivered yet. Requests held back by
	 * segments can pile up on a hostile fd: a bounded look back, after
	 * which the arrival is earlier than f->low_ns and matches none.
	 */
	for (r = f->recent; r && k < LATE_WALK_CAP; r = r->fd_prev, k++) {
		if (a->time_ns > r->recv0_exit)
			break;
		if (a->time_ns > r->low_ns) {
			if (!r->pub.queued || a->time_ns < r->pub.start_ns) {
				if (!r->pub.queued)
					c->st.arrivals_used++;
				r->pub.start_ns = a->time_ns;
				r->pub.queued = true;
			}
			return 0;
		}
	}
	if (a->time_ns <= f->low_ns) {
		c->st.arrivals_dropped++;
		return 0;	/* during or before the previous response */
	}
	return arrival_keep(c, f, a->time_ns);
}

static int marker_now(struct correlator *c, uint32_t host, int what, uint64_t time_ns,
		      uint32_t pid, uint32_t tid, uint64_t id)
{
	struct chost *h = host_get(c, host);
	struct cthread *th;
	struct creq *r;

	/* BEGIN (0) and END (1) only: a value from the file, negative ones too, is no marker of ours */
	if (c->o.mode != CORRELATE_MARKER || (what != 0 && what != 1))
		return 0;
	if (!h)
		return -ENOMEM;
	if (c->held.valid) {	/* before the marker, whose time is the row after */
		struct trace_event at = { .enter_ns = time_ns };

		if (settle_held(c, host, &at))
			return -ENOMEM;
	}
	th = thread_get(c, host, pid, tid);
	if (!th)
		return -ENOMEM;
	if (th == &c->other_th)
		return 0;
	expire(c, h, time_ns);
	for (uint32_t i = 0; i < th->nopen; i++) {
		r = th->open[i].r;
		if (r->pub.marker_id != id)
			continue;
		if (what == 1) {
			r->end_marker = true;
			r->pub.end_ns = time_ns;
		}
		req_end(c, r, false);	/* END, or a BEGIN again: the first never ended */
		break;
	}
	if (what == 1)
		return 0;
	if (th->nopen >= MARKER_OPEN_CAP) {
		struct creq *oldest = th->open[0].r;

		for (uint32_t i = 1; i < th->nopen; i++)
			if (th->open[i].r->pub.start_ns < oldest->pub.start_ns)
				oldest = th->open[i].r;
		c->st.markers_capped++;
		req_end(c, oldest, false);
	}
	r = req_alloc(c);
	if (!r)
		return -ENOMEM;
	r->host = host;
	r->home = th;
	r->state = RS_RECEIVING;
	r->pub.id = ++c->next_id;
	r->pub.host = pub_host(c, host);
	r->pub.pid = pid;
	r->pub.tid = tid;
	r->pub.fd = -1;
	r->pub.marker_id = id;
	r->pub.start_ns = r->pub.end_ns = time_ns;
	r->last_activity_ns = time_ns;
	c->st.open++;
	if (c->st.open > c->st.open_peak)
		c->st.open_peak = c->st.open;
	touch(c, r, time_ns);
	return req_join(c, r, th);
}

int correlator__frame_end(struct correlator *c)
{
	if (c->npend)
		replay(c);
	return c->oom ? -ENOMEM : 0;
}

int correlator__finish(struct correlator *c)
{
	if (c->npend)
		replay(c);
	if (c->held.valid && settle_held(c, UINT32_MAX, NULL))	/* the trace's last row: a gap */
		return -ENOMEM;
	for (uint32_t h = 0; h < c->nhosts; h++)
		unsent_drain(c, &c->hosts[h], h, UINT64_MAX);
	for (uint32_t h = 0; h < c->nhosts; h++)
		while (c->hosts[h].lru_head)
			req_end(c, c->hosts[h].lru_head, false);
	/* Still waiting for a receive, or for an accept, at the end: they matched none. */
	c->st.arrivals_dropped += c->arrivals_ahead;
	c->arrivals_ahead = 0;
	for (size_t i = 0; i < c->fds.cap; i++) {
		struct cfd *f = c->fds.s[i].v;

		while (c->fds.s[i].used && f->nqueued)
			queued_pop(c, f, true);
	}
	return correlator__frame_end(c);
}

struct correlator *correlator__new(const struct correlator_opts *opts)
{
	struct correlator *c = calloc(1, sizeof(*c));

	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->o = *opts;
	*(volatile size_t *)&c->creq_size = sizeof(struct creq);
	if (!c->o.request_timeout_ns)
		c->o.request_timeout_ns = DEF_TIMEOUT_NS;
	if (!c->o.burst_gap_ns)
		c->o.burst_gap_ns = DEF_BURST_GAP_NS;
	if (!c->o.steps_cap)
		c->o.steps_cap = DEF_STEPS_CAP;
	return c;
}

void correlator__stats(const struct correlator *c, struct correlator_stats *st)
{
	*st = c->st;
}

/* The public row of TS; its histogram (chunks included) moves into it. */
static void take_task(struct analysis_task *t, struct tstat *ts)
{
	*t = (struct analysis_task){ .host = ts->host, .pid = ts->pid, .tid = ts->tid,
				     .syscalls = ts->syscalls, .syscall_ns = ts->syscall_ns,
				     .idle_ns = ts->idle_ns, .requests = ts->requests,
				     .incomplete = ts->incomplete };
	if (ts->latency)
		t->latency = *ts->latency;
	free(ts->latency);
	ts->latency = NULL;
}

static void take_conn(struct analysis_conn *f, struct fstat *fs)
{
	*f = (struct analysis_conn){ .host = fs->host, .pid = fs->pid, .fd = fs->fd,
				     .fd_kind = fs->fd_kind, .connections = fs->connections,
				     .requests = fs->requests, .incomplete = fs->incomplete,
				     .bytes_in = fs->bytes_in, .bytes_out = fs->bytes_out };
	if (fs->latency)
		f->latency = *fs->latency;
	free(fs->latency);
	fs->latency = NULL;
}

int correlator__take_tables(struct correlator *c, struct analysis_task **threads, int *nthreads,
			    struct analysis_conn **conns, int *nconns)
{
	struct analysis_task *t = calloc(c->threads.n + 2, sizeof(*t));
	struct analysis_conn *f = calloc(c->fds.n + 1, sizeof(*f));
	int nt = 0, nf = 0;

	histogram__ring_flush(&c->ring);	/* the histograms are handed over */
	if (!t || !f) {
		free(t);
		free(f);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->threads.cap; i++) {
		struct cthread *th = c->threads.s[i].v;

		if (!c->threads.s[i].used)
			continue;
		take_task(&t[nt], &th->st);
		t[nt++].host = pub_host(c, th->st.host);
	}
	if (c->other_th.st.syscalls)	/* the folded threads: pid 0, tid 0 */
		take_task(&t[nt++], &c->other_th.st);
	for (size_t i = 0; i < c->fds.cap; i++) {
		struct cfd *fd = c->fds.s[i].v;

		if (!c->fds.s[i].used)
			continue;
		if (!fd->st.connections && !fd->st.requests && !fd->st.incomplete)
			continue;
		take_conn(&f[nf], &fd->st);
		f[nf++].host = pub_host(c, fd->st.host);
	}
	*threads = t;
	*nthreads = nt;
	*conns = f;
	*nconns = nf;
	return 0;
}

int correlator__take_gaps(struct correlator *c, struct histogram *dst)
{
	return histogram__merge(dst, &c->gaps);
}

static void free_req(struct creq *r)
{
	free(r->threads);
	free(r->steps);
	free(r);
}

void correlator__free(struct correlator *c)
{
	if (!c)
		return;
	histogram__ring_flush(&c->ring);	/* before the histograms are freed */
	/* Whatever was not delivered (an error stopped the run) is dropped. */
	for (uint32_t h = 0; h < c->nhosts; h++) {
		struct creq *r = c->hosts[h].lru_head;

		while (r) {
			struct creq *next = r->lru_next;

			free_req(r);
			r = next;
		}
	}
	/* Free or still referenced by requests (an error stopped the run): all of them. */
	while (c->all_segs) {
		struct seg *s = c->all_segs;

		c->all_segs = s->all_next;
		free(s->steps);
		free(s->yes);
		free(s);
	}
	for (struct creq *r = c->free_reqs; r;) {
		struct creq *next = r->free_next;

		free_req(r);
		r = next;
	}
	for (size_t i = 0; i < c->threads.cap; i++) {
		struct cthread *th = c->threads.s[i].v;

		if (!c->threads.s[i].used)
			continue;
		histogram__reset(th->st.latency);
		free(th->st.latency);
		free(th->open);
		free(th->rq);
		free(th->segs);
		free(th->pend);
		free(th);
	}
	for (size_t i = 0; i < c->fds.cap; i++) {
		struct cfd *f = c->fds.s[i].v;

		if (!c->fds.s[i].used)
			continue;
		histogram__reset(f->st.latency);
		free(f->st.latency);
		free(f->arr);
		free(f->queued);
		free(f);
	}
	free(c->pend);
	kvmap__free(&c->threads);
	kvmap__free(&c->fds);
	for (uint32_t h = 0; h < c->nhosts; h++)
		free(c->hosts[h].uns);
	free(c->hosts);
	histogram__reset(&c->gaps);
	free(c);
}
