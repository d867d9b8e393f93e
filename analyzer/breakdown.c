// SPDX-License-Identifier: MIT
/* analysis__run: read traces once, correlate, and aggregate everything the renderers show. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "categories.h"
#include "correlate.h"
#include "file_order.h"
#include "log.h"
#include "trace_reader.h"

#define DEF_TOP_N 10
#define STEP_BITS 8
#define STEP_SETS (1 << STEP_BITS)	/* step → syscall statistics cache sets, of two ways */
#define MAX_BUCKETS 120	/* time-series intervals before they are merged into wider ones */
#define ROWS_CHUNK 256	/* rows of a batch on_events takes at once: 12 KiB, in L1 */
#ifndef COMM_CAP	/* make fuzz-build sets it tiny: FUZZ_SMALL_CAPS */
#define COMM_CAP (1u << 17)	/* process names kept (correlate.c's KEYS_CAP threads) */
#endif

/* Time-series intervals: each divides the next, so buckets merge exactly. */
static const uint64_t intervals_ns[] = {
	10000000ULL, 20000000ULL, 100000000ULL, 200000000ULL, 1000000000ULL, 2000000000ULL,
	10000000000ULL, 20000000000ULL, 60000000000ULL, 120000000000ULL, 600000000000ULL,
	1200000000000ULL, 3600000000000ULL, 7200000000000ULL, 21600000000000ULL,
	43200000000000ULL, 86400000000000ULL,
};
#define N_INTERVALS (sizeof(intervals_ns) / sizeof(intervals_ns[0]))

/*
 * Sums per latency bucket, for the slow-vs-typical comparison; summed over
 * every cell at the end, they are also the requests' totals (sum_cells). Two
 * whole cache lines: the index is a shift and two prefetches fetch it.
 */
struct bd_cell {
	uint64_t count, latency, user, shared, runq;
	uint64_t cat[REQ_CAT__COUNT];
	uint64_t pad;
} __attribute__((aligned(128)));

/* What a syscall number on an fd kind is, looked up once per event. */
struct sc_entry {
	const struct sc_class *cls;
	struct histogram *dur;		/* its statistics' duration; NULL until first seen */
};

/* The statistics a duration histogram belongs to: its errors are at a fixed offset from it. */
static inline struct analysis_syscall *dur_stat(struct histogram *dur)
{
	return (struct analysis_syscall *)((char *)dur - offsetof(struct analysis_syscall, duration));
}

/* A row's entry is [nr << KIND_BITS | fd kind]: a shift, not a multiply by FD_KIND__COUNT. */
#define KIND_BITS 4
_Static_assert(FD_KIND__COUNT <= 1 << KIND_BITS, "fd kinds fit in KIND_BITS");

struct host_state {
	struct sc_table *sc;		/* of the file being read */
	struct sc_entry *tab;		/* [nr << KIND_BITS | fd kind], nr ≤ sc->n */
	uint32_t n;			/* sc->n: numbers beyond share entry n */
};

struct priv {
	struct analysis a;		/* first: analysis__free casts back */
	struct strtab *names;
	struct correlator *corr;
	uint32_t recording;		/* the correlator's host for the file read: its clock (file_clocks) */
	struct kvmap sc_by_name;	/* (name pointer, cat) → struct analysis_syscall */
	struct analysis_syscall **scs;
	int nscs, capscs;
	struct kvmap comm;		/* (host, pid) → interned comm */
	struct host_state *hs;		/* per host: borrowed from tables */
	struct host_state *tables;	/* every distinct syscall table, owned */
	int ntables, captables;
	struct bd_cell *bd[HIST_CHUNKS];
	int interval_idx;		/* in intervals_ns, -1 when set by the user */
	int capbuckets;
	struct analysis_opts user;	/* as given */
	int err;
	struct analysis_bucket sink;	/* what falls outside the time series */
	uint32_t last_host;		/* bucket_at's cache: [last_lo, last_hi) of last_host */
	uint64_t last_lo, last_hi;
	struct analysis_bucket *last_bucket;
	/*
	 * The time series' own clock: the end of the latest interval the
	 * statistics pass placed a row in (of stat_host), and a row far ahead
	 * of it, not placed until the row after it says whether it is a clock
	 * error (settle_far).
	 */
	uint32_t stat_host, stat_clock;	/* the host, and the recording whose clock it was */
	uint64_t stat_hi;
	bool far_pending;
	bool far_first;			/* held with no series clock of its own to judge it by */
	uint32_t far_host, far_clock;
	uint64_t far_ns;
	struct analysis_syscall *step_cache[2][STEP_SETS];	/* two ways; empty ones hold &no_step */
	struct analysis_syscall no_step;	/* a name no step has */
	struct hist_small syscalls, sends, bursts;	/* pending for q->syscalls, sends, bursts */
	uint64_t slow_floor;		/* the kept slowest' root latency once they are top_n, else 0 */
	const struct sc_class *cls[ROWS_CHUNK];	/* on_events: the class of each row of a chunk */
};

static inline uint64_t key_hp(uint32_t host, uint32_t pid)
{
	return (uint64_t)host << 32 | pid;
}

static int grow_arr(void **arr, int *cap, int need, size_t elem)
{
	int ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* --- time series ------------------------------------------------------------ */

static int bucket_merge_to(struct priv *p, uint64_t interval)
{
	struct analysis *a = &p->a;
	int ratio = (int)(interval / a->interval_ns);
	int n = (a->nbuckets + ratio - 1) / ratio;

	/* Bucket j takes old buckets j*ratio..: none of them is written before it is read. */
	for (int j = 0; j < n; j++) {
		struct analysis_bucket nb = { .start_ns = (uint64_t)j * interval };

		for (int k = j * ratio; k < (j + 1) * ratio && k < a->nbuckets; k++) {
			struct analysis_bucket *src = &a->buckets[k];

			nb.requests += src->requests;
			nb.incomplete += src->incomplete;
			nb.events += src->events;
			if (histogram__merge(&nb.latency, &src->latency)) {
				histogram__reset(&nb.latency);
				return -ENOMEM;
			}
			histogram__reset(&src->latency);
		}
		a->buckets[j] = nb;
	}
	a->nbuckets = n;
	a->interval_ns = interval;
	p->last_hi = 0;
	return 0;
}

static struct analysis_bucket *bucket_slow(struct priv *p, uint32_t host, uint64_t t);

/* Most times fall in the bucket of the previous one. */
static inline struct analysis_bucket *bucket_at(struct priv *p, uint32_t host, uint64_t t)
{
	if (host == p->last_host && t >= p->last_lo && t < p->last_hi)
		return p->last_bucket;
	return bucket_slow(p, host, t);
}

static struct analysis_bucket *bucket_slow(struct priv *p, uint32_t host, uint64_t t)
{
	struct analysis *a = &p->a;
	uint64_t start = a->trace.hosts[host].start_ns;
	uint64_t idx = t > start ? (t - start) / a->interval_ns : 0;

	while (idx >= MAX_BUCKETS && p->interval_idx >= 0 &&
	       p->interval_idx + 1 < (int)N_INTERVALS) {
		if (bucket_merge_to(p, intervals_ns[++p->interval_idx]))
			return NULL;
		idx = t > start ? (t - start) / a->interval_ns : 0;
	}
	/*
	 * --interval: as many points as the user asked for, up to 8 times the
	 * automatic series; beyond, doubled (a warning says so) rather than cut.
	 */
	while (idx >= MAX_BUCKETS * 8 && p->interval_idx < 0 &&
	       a->interval_ns <= intervals_ns[N_INTERVALS - 1] / 2) {
		if (bucket_merge_to(p, a->interval_ns * 2))
			return NULL;
		idx = t > start ? (t - start) / a->interval_ns : 0;
	}
	if (idx >= MAX_BUCKETS * 8)
		return &p->sink;	/* a time far from the trace's: kept out of the series */
	if (idx >= (uint64_t)a->nbuckets) {
		if (grow_arr((void **)&a->buckets, &p->capbuckets, (int)idx + 1, sizeof(*a->buckets)))
			return NULL;
		p->last_hi = 0;
		for (int i = a->nbuckets; i <= (int)idx; i++)
			a->buckets[i] = (struct analysis_bucket){ .start_ns = (uint64_t)i * a->interval_ns };
		a->nbuckets = (int)idx + 1;
	}
	if (t > start) {
		p->last_host = host;
		p->last_lo = start + idx * a->interval_ns;	/* ≤ t */
		p->last_hi = u64_sat_add(p->last_lo, a->interval_ns);
		p->last_bucket = &a->buckets[idx];
	}
	return &a->buckets[idx];
}

/* Rows of HOST on CLOCK (a recording) were placed up to p->last_hi: the series' clock. */
static inline void series_clock_at(struct priv *p, uint32_t host, uint32_t clock)
{
	if (host != p->stat_host || clock != p->stat_clock || p->last_hi > p->stat_hi) {
		p->stat_host = host;
		p->stat_clock = clock;
		p->stat_hi = p->last_hi;
	}
}

/*
 * The row held back as far ahead of the time series' clock, settled by the
 * next row of its host at NEXT_NS (or by none: HAS_NEXT false): the
 * correlator's rule (clock_error), so that one broken time does not widen
 * every interval to a day. Back within the window: a clock error, left out
 * of the series. Otherwise the clock moved on (a gap): placed. A first row
 * (far_first) has no clock to be ahead of: only the row after it judges it,
 * as the correlator judges a host's first row.
 */
static int settle_far(struct priv *p, bool has_next, uint64_t next_ns)
{
	uint64_t win = correlator__clock_window(p->corr);
	struct analysis_bucket *b;

	p->far_pending = false;
	/* Back, and not itself far ahead of the series (then the clock moved on). */
	if (has_next && p->far_ns > win && next_ns < p->far_ns - win &&
	    (p->far_first || next_ns <= u64_sat_add(p->stat_hi, win)))
		return 0;
	b = bucket_at(p, p->far_host, p->far_ns);
	if (!b)
		return -ENOMEM;
	b->events++;
	/* Not a row before the host's start (the sink): last_* are another row's, maybe another host's. */
	if (b == p->last_bucket && p->far_host == p->last_host && p->far_ns >= p->last_lo &&
	    p->far_ns < p->last_hi)
		series_clock_at(p, p->far_host, p->far_clock);
	return 0;
}

/*
 * A row of HOST ending at EXIT_NS, about to be placed in the series: first
 * the held one is settled by it; then it is held itself when it ends more
 * than the clock window past the series' latest interval, or when the
 * series has no clock of this host and recording yet (its first row, of
 * the trace, of a recording, or after --since). 1 when held, 0, or -ENOMEM. Out
 * of line: it runs once per interval and chunk, and the statistics pass's
 * loop stays as small.
 */
static __attribute__((noinline)) int hold_far(struct priv *p, uint32_t host, uint64_t exit_ns)
{
	bool first;

	/* Rows of another recording, even of this host, run on a clock of their own. */
	if (p->far_pending &&
	    settle_far(p, p->far_host == host && p->far_clock == p->recording, exit_ns))
		return -ENOMEM;
	first = host != p->stat_host || p->recording != p->stat_clock || !p->stat_hi;
	if (!first && (exit_ns <= p->stat_hi ||
		       exit_ns - p->stat_hi <= correlator__clock_window(p->corr)))
		return 0;
	p->far_pending = true;
	p->far_first = first;
	p->far_host = host;
	p->far_clock = p->recording;
	p->far_ns = exit_ns;
	return 1;
}

/* --- per-syscall statistics ------------------------------------------------- */

static struct analysis_syscall *sc_stat(struct priv *p, const char *name, uint8_t cat)
{
	struct analysis_syscall *s = kvmap__get(&p->sc_by_name, (uintptr_t)name, cat);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s || grow_arr((void **)&p->scs, &p->capscs, p->nscs + 1, sizeof(*p->scs)) ||
	    kvmap__put(&p->sc_by_name, (uintptr_t)name, cat, s)) {
		free(s);
		return NULL;
	}
	s->name = name;
	s->cat = cat;
	p->scs[p->nscs++] = s;
	return s;
}

/* --- requests ----------------------------------------------------------------- */

/* The slow-vs-typical cell of a latency: one per histogram bucket. */
static struct bd_cell *bd_chunk(struct priv *p, unsigned int c)
{
	size_t sz = histogram__chunk_len(c) * sizeof(struct bd_cell);

	p->bd[c] = aligned_alloc(_Alignof(struct bd_cell), sz);
	if (p->bd[c])
		memset(p->bd[c], 0, sz);
	return p->bd[c];
}

/* At the latency's histogram position, computed once for the cell and the histograms. */
static inline struct bd_cell *bd_cell(struct priv *p, struct hist_pos pos)
{
	struct bd_cell *chunk = p->bd[pos.c];

	if (__builtin_expect(!chunk, 0) && !(chunk = bd_chunk(p, pos.c)))
		return NULL;
	return &chunk[pos.i];
}

static bool slower(const struct request *x, const struct request *y)
{
	return x->latency_ns != y->latency_ns ? x->latency_ns > y->latency_ns : x->id < y->id;
}

static void slow_sift_down(struct analysis_slow *h, int n, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		struct analysis_slow t;

		/* A min-heap on "slower": the root is the fastest of the kept ones. */
		if (l < n && slower(&h[m].req, &h[l].req))
			m = l;
		if (r < n && slower(&h[m].req, &h[r].req))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static int slow_copy(struct analysis_slow *dst, const struct request *req)
{
	struct req_step *steps = NULL;

	if (req->nsteps) {
		steps = malloc(req->nsteps * sizeof(*steps));
		if (!steps)
			return -ENOMEM;
		memcpy(steps, req->steps, req->nsteps * sizeof(*steps));
	}
	dst->req = *req;
	dst->req.steps = steps;
	return 0;
}

static __attribute__((noinline)) int keep_if_slow(struct priv *p, const struct request *req)
{
	struct analysis *a = &p->a;
	struct analysis_slow *h = a->slowest;
	int n = a->nslowest;

	if (n < (int)a->opts.top_n) {
		int i = n;

		if (slow_copy(&h[i], req))
			return -ENOMEM;
		a->nslowest++;
		while (i > 0 && slower(&h[(i - 1) / 2].req, &h[i].req)) {
			struct analysis_slow t = h[i];

			h[i] = h[(i - 1) / 2];
			h[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
		if (a->nslowest == (int)a->opts.top_n)
			p->slow_floor = h[0].req.latency_ns;
		return 0;
	}
	if (!n || !slower(req, &h[0].req))
		return 0;
	free((void *)h[0].req.steps);
	if (slow_copy(&h[0], req)) {
		h[0] = h[--a->nslowest];
		slow_sift_down(h, a->nslowest, 0);
		p->slow_floor = 0;
		return -ENOMEM;
	}
	slow_sift_down(h, n, 0);
	p->slow_floor = h[0].req.latency_ns;
	return 0;
}

/*
 * A step's cache set: a multiplicative hash of name ^ category (names are
 * separate allocations, 16-byte aligned, so the two do not mix; masking
 * low bits would collide, as names lie a few 16-byte units apart).
 */
static inline unsigned int step_set(const struct req_step *st)
{
	return (unsigned int)((((uintptr_t)st->name ^ st->cat) * 0x9E3779B97F4A7C15ULL) >>
			      (64 - STEP_BITS));
}

static inline bool step_is(const struct analysis_syscall *s, const struct req_step *st)
{
	return s->name == st->name && s->cat == st->cat;
}

static inline void step_count(struct analysis_syscall *s, const struct req_step *st)
{
	s->in_requests += st->count;
	s->in_requests_ns = u64_sat_add(s->in_requests_ns, st->total_ns);
}

/*
 * A step not in its set's first way: the second, else the table; what was
 * found takes the first way, which moves to the second.
 */
static __attribute__((noinline)) void step_count_slow(struct priv *p, const struct req_step *st)
{
	unsigned int set = step_set(st);
	struct analysis_syscall *s = p->step_cache[1][set];

	if (!step_is(s, st)) {
		s = kvmap__get(&p->sc_by_name, (uintptr_t)st->name, st->cat);
		if (!s)
			return;
	}
	p->step_cache[1][set] = p->step_cache[0][set];
	p->step_cache[0][set] = s;
	step_count(s, st);
}

/* The steps' calls and time into their syscalls' statistics. */
static inline void count_steps(struct priv *p, const struct req_step *st, uint32_t n)
{
	/* By index: a request without steps has none allocated, and NULL + 0 is undefined. */
	for (uint32_t i = 0; i < n; i++) {
		struct analysis_syscall *s = p->step_cache[0][step_set(&st[i])];

		if (__builtin_expect(step_is(s, &st[i]), 1))
			step_count(s, &st[i]);
		else
			step_count_slow(p, &st[i]);
	}
}

/*
 * VALUE into H, except zeros: every complete request has one value in H, so
 * its zeros are the requests H has not counted, added at the end (add_zeros).
 */
static inline void hist_or_zero(struct histogram *h, uint64_t value)
{
	if (value)
		histogram__add(h, value);
}

/* Every complete request is in one interval of the time series or the sink: their union. */
static int sum_latency(struct priv *p)
{
	struct analysis *a = &p->a;

	for (int i = 0; i < a->nbuckets; i++)
		if (histogram__merge(&a->req.latency, &a->buckets[i].latency))
			return -ENOMEM;
	return histogram__merge(&a->req.latency, &p->sink.latency);
}

/* Add cell C into SUM. */
static void cell_add(struct bd_cell *sum, const struct bd_cell *c)
{
	sum->count += c->count;
	sum->latency = u64_sat_add(sum->latency, c->latency);
	sum->user = u64_sat_add(sum->user, c->user);
	sum->shared = u64_sat_add(sum->shared, c->shared);
	sum->runq = u64_sat_add(sum->runq, c->runq);
	for (int k = 0; k < REQ_CAT__COUNT; k++)
		sum->cat[k] = u64_sat_add(sum->cat[k], c->cat[k]);
}

/*
 * The requests' count and totals: every complete request is in one cell.
 * Sums saturate (a hostile trace's times reach 2^64: docs/json-schema.md
 * says clamped), and a saturating sum of unsigned values does not depend on
 * their order either.
 */
static void sum_cells(struct priv *p)
{
	struct analysis_requests *q = &p->a.req;
	struct bd_cell all = { 0 };

	for (unsigned int c = 0; c < HIST_CHUNKS; c++) {
		for (unsigned int i = 0; p->bd[c] && i < histogram__chunk_len(c); i++)
			cell_add(&all, &p->bd[c][i]);
	}
	q->count += all.count;
	q->latency_ns = u64_sat_add(q->latency_ns, all.latency);
	q->user_ns = u64_sat_add(q->user_ns, all.user);
	q->shared_ns = u64_sat_add(q->shared_ns, all.shared);
	q->runq_ns = u64_sat_add(q->runq_ns, all.runq);
	for (int k = 0; k < REQ_CAT__COUNT; k++)
		q->cat_ns[k] = u64_sat_add(q->cat_ns[k], all.cat[k]);
}

/* Count the zeros hist_or_zero left out, and the pending small counts. */
static void add_zeros(struct priv *p)
{
	struct analysis_requests *q = &p->a.req;

	histogram__small_flush(&q->syscalls, &p->syscalls);
	histogram__small_flush(&q->sends, &p->sends);
	histogram__small_flush(&q->bursts, &p->bursts);

	for (int i = 0; i < REQ_CAT__COUNT + 2; i++) {
		struct histogram *h = i < REQ_CAT__COUNT ? &q->cat[i] :
				      i == REQ_CAT__COUNT ? &q->user : &q->shared;

		if (q->count > h->count)
			histogram__add_n(h, 0, q->count - h->count);
	}
}

static int count_request(struct priv *p, const struct request *r)
{
	struct analysis_requests *q = &p->a.req;
	struct analysis_bucket *b = bucket_at(p, r->host, r->end_ns);
	struct hist_pos pos;
	struct bd_cell *cell;

	if (!b)
		return -ENOMEM;
	if (r->timed_out)
		q->timed_out++;
	if (!r->complete) {
		q->incomplete++;
		b->incomplete++;
		return 0;
	}
	pos = histogram__pos(r->latency_ns);
	cell = bd_cell(p, pos);
	if (!cell)
		return -ENOMEM;
	/* Far in memory: fetched while the histograms below are counted. */
	for (size_t off = 0; off < sizeof(*cell); off += 64)
		__builtin_prefetch((const char *)cell + off, 1, 0);
	b->requests++;
	histogram__add_at(&b->latency, r->latency_ns, pos);	/* q->latency: their sum */
	/* One send: the first byte is the last, at the latency's position. */
	if (r->ttfb_ns == r->latency_ns && r->sends)
		histogram__add_at(&q->ttfb, r->latency_ns, pos);
	else if (r->sends)
		histogram__add(&q->ttfb, r->ttfb_ns);
	if (r->queued)
		histogram__add(&q->queue, r->cat_ns[REQ_CAT_QUEUE]);
	hist_or_zero(&q->user, r->user_ns);
	hist_or_zero(&q->shared, r->shared_ns);
	histogram__add_small(&q->syscalls, &p->syscalls, r->syscalls);
	histogram__add_small(&q->sends, &p->sends, r->sends);
	histogram__add_small(&q->bursts, &p->bursts, r->bursts);
	if (p->a.trace.has_sched)
		histogram__add(&q->runq, r->runq_ns);
	q->bytes_in = u64_sat_add(q->bytes_in, r->bytes_in);
	q->bytes_out = u64_sat_add(q->bytes_out, r->bytes_out);
	q->waited_ns = u64_sat_add(q->waited_ns, r->waited_ns);
	/* One pass over the categories, unrolled: statistics and the breakdown cell (zeros: add_zeros). */
#pragma GCC unroll 16
	for (int i = 0; i < REQ_CAT__COUNT; i++) {
		uint64_t v = r->cat_ns[i];

		if (v) {
			histogram__add(&q->cat[i], v);
			cell->cat[i] = u64_sat_add(cell->cat[i], v);
		}
	}
	count_steps(p, r->steps, r->nsteps);
	cell->count++;
	cell->latency = u64_sat_add(cell->latency, r->latency_ns);
	cell->user = u64_sat_add(cell->user, r->user_ns);
	cell->shared = u64_sat_add(cell->shared, r->shared_ns);
	cell->runq = u64_sat_add(cell->runq, r->runq_ns);
	/* Below the fastest of the kept slowest: not slower than any of them. */
	if (r->latency_ns < p->slow_floor)
		return 0;
	return keep_if_slow(p, r);
}

static void on_request(const struct request *r, void *ctx)
{
	struct priv *p = ctx;

	if (!p->err && count_request(p, r))
		p->err = -ENOMEM;
	if (p->user.on_request)
		p->user.on_request(r, p->user.ctx);
}

/* --- reading ------------------------------------------------------------------ */

static bool pid_wanted(const struct analysis_opts *o, uint32_t pid)
{
	if (!o->pids || o->npids <= 0)
		return true;
	for (int i = 0; i < o->npids; i++)
		if (o->pids[i] == pid)
			return true;
	return false;
}

/* Within --since/--until of HOST, for an interval [T0, T1]. */
static bool in_window(const struct priv *p, uint32_t host, uint64_t t0, uint64_t t1)
{
	uint64_t start = p->a.trace.hosts[host].start_ns;

	if (p->a.opts.since_ns && t1 < u64_sat_add(start, p->a.opts.since_ns))
		return false;
	if (p->a.opts.until_ns && t0 > u64_sat_add(start, p->a.opts.until_ns))
		return false;
	return true;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* The host a file belongs to: traces of one boot share clocks, pids and fds. */
static int host_of(struct priv *p, const Mslat__Header *h)
{
	struct analysis_trace *t = &p->a.trace;
	struct analysis_host *nh;

	for (int i = 0; i < t->nhosts; i++) {
		if (file_order__same_host(t->hosts[i].boot_id, h->boot_id)) {
			if (h->start_ns < t->hosts[i].start_ns)
				t->hosts[i].start_ns = h->start_ns;
			return i;
		}
	}
	nh = realloc(t->hosts, (t->nhosts + 1) * sizeof(*nh));
	if (!nh)
		return -ENOMEM;
	t->hosts = nh;
	nh = &t->hosts[t->nhosts];
	memset(nh, 0, sizeof(*nh));
	nh->hostname = dup_or_empty(h->hostname);
	nh->kernel_release = dup_or_empty(h->kernel_release);
	nh->arch = dup_or_empty(h->arch);
	nh->boot_id = dup_or_empty(h->boot_id);
	if (!nh->hostname || !nh->kernel_release || !nh->arch || !nh->boot_id)
		return -ENOMEM;
	nh->mono_to_realtime_ns = h->mono_to_realtime_ns;
	nh->cpu_count = h->cpu_count;
	nh->start_ns = h->start_ns;
	nh->end_ns = h->start_ns;
	return t->nhosts++;
}

/* T has the same names, in the same order, as U (names are interned: pointers compare). */
static bool same_table(const struct sc_table *t, const struct sc_table *u)
{
	if (t->n != u->n)
		return false;
	for (uint32_t i = 0; i < t->n; i++)
		if (t->cls[i].name != u->cls[i].name)
			return false;
	return true;
}

/*
 * The file's syscall table for HOST. Tables are built once per distinct
 * table and shared by the hosts that have it: a host's costs about 1 MiB
 * with a full table, and a thousand traces of one kernel have one table
 * (1000 small files took 1.39 GB).
 */
static int use_table(struct priv *p, uint32_t host, const Mslat__Header *h)
{
	struct sc_table *t = sc_table__new(p->names, (const char *const *)h->syscall_names,
					   (uint32_t)h->n_syscall_names);
	struct host_state *hs;

	if (!t)
		return -ENOMEM;
	for (int i = 0; i < p->ntables; i++) {
		if (same_table(p->tables[i].sc, t)) {
			sc_table__free(t);
			p->hs[host] = p->tables[i];
			return 0;
		}
	}
	if (grow_arr((void **)&p->tables, &p->captables, p->ntables + 1, sizeof(*p->tables))) {
		sc_table__free(t);
		return -ENOMEM;
	}
	hs = &p->tables[p->ntables];
	/* Built once per table: the class and its statistics per (number, fd kind). */
	hs->tab = calloc((size_t)(t->n + 1) << KIND_BITS, sizeof(*hs->tab));
	if (!hs->tab) {
		sc_table__free(t);
		return -ENOMEM;
	}
	hs->sc = t;
	hs->n = t->n;
	for (uint32_t nr = 0; nr <= t->n; nr++)
		for (uint32_t k = 0; k < FD_KIND__COUNT; k++)
			hs->tab[(size_t)nr << KIND_BITS | k].cls = sc_table__get(t, nr);
	p->hs[host] = p->tables[p->ntables++];
	return 0;
}

/* A row's first sight of its (number, fd kind): its statistics, created on first use. */
static struct histogram *sc_entry_dur(struct priv *p, struct sc_entry *e, uint32_t kind)
{
	struct analysis_syscall *s = sc_stat(p, e->cls->name, sc_class__cat(e->cls, kind));

	e->dur = s ? &s->duration : NULL;
	return e->dur;
}

/*
 * The statistics pass over a batch, specialised on FILTER (--pid, --since,
 * --until) so the common case tests nothing per row and derives the counts
 * per interval from row positions.
 */
static inline __attribute__((always_inline)) int stat_rows(struct priv *p, uint32_t host,
							   const struct trace_event *rows, size_t n,
							   bool filter)
{
	struct host_state *hs = &p->hs[host];
	struct sc_entry *tab = hs->tab;	/* in locals: the stores below may alias them */
	const struct sc_class **cls = p->cls;
	uint32_t nmax = hs->n;
	struct analysis_bucket *b = NULL;
	uint64_t kept = 0, nb = 0, lo = 0, width = 0;
	size_t from = 0;	/* without FILTER, rows from..i-1 are in B */
	int held;

	for (size_t i = 0; i < n; i++) {
		const struct trace_event *ev = &rows[i];
		uint32_t nr = ev->syscall < nmax ? ev->syscall : nmax;
		uint32_t kind = ev->fd_kind < FD_KIND__COUNT ? ev->fd_kind : FD_KIND_OTHER;
		struct sc_entry *e = &tab[(size_t)nr << KIND_BITS | kind];
		struct histogram *dur = e->dur;
		uint64_t exit_ns = u64_sat_add(ev->enter_ns, ev->duration_ns);

		if (filter && (!pid_wanted(&p->a.opts, ev->pid) ||
			       !in_window(p, host, ev->enter_ns, exit_ns))) {
			cls[i] = NULL;
			continue;
		}
		if (__builtin_expect(!dur, 0) && !(dur = sc_entry_dur(p, e, kind)))
			return -ENOMEM;
		cls[i] = e->cls;
		histogram__add(dur, ev->duration_ns);
		if (ev->ret < 0)
			dur_stat(dur)->errors++;
		/* Counted per interval in a register; bucket_at may move the buckets. */
		if (__builtin_expect(exit_ns - lo >= width, 0)) {
			if (b)
				b->events += filter ? nb : i - from;
			nb = 0;
			from = i;
			held = hold_far(p, host, exit_ns);
			if (__builtin_expect(held, 0)) {
				if (held < 0)
					return held;
				/* Placed, or not, once the next row is seen (width 0). */
				from = i + 1;
				width = 0;
				b = NULL;	/* settling the one before may have moved the buckets */
				kept += filter;
				continue;
			}
			b = bucket_at(p, host, exit_ns);
			if (!b)
				return -ENOMEM;
			lo = width = 0;
			if (b == p->last_bucket && host == p->last_host && exit_ns >= p->last_lo &&
			    exit_ns < p->last_hi) {
				lo = p->last_lo;
				width = p->last_hi - lo;
				series_clock_at(p, host, p->recording);
			}
		}
		if (filter) {
			kept++;
			nb++;
		}
	}
	if (b)
		b->events += filter ? nb : n - from;
	p->a.trace.events_analysed += filter ? kept : n;
	return 0;
}

/* --pid, --since or --until: rows are tested one by one. */
static bool filtering(const struct analysis_opts *o)
{
	return (o->pids && o->npids > 0) || o->since_ns || o->until_ns;
}

/* Arrival rows (a batch's, handed out at once): those kept by the filters, to the correlator. */
static int on_arrivals(struct priv *p, uint32_t host, const struct trace_arrival *a, size_t n)
{
	bool filter = filtering(&p->a.opts);
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		if (filter && (!pid_wanted(&p->a.opts, a[i].pid) ||
			       !in_window(p, host, a[i].time_ns, a[i].time_ns)))
			continue;
		err = correlator__arrival(p->corr, p->recording, &a[i]);
	}
	return err;
}

/*
 * The rows of an event batch, without a reader call per row, a chunk at a
 * time: the chunk's statistics, then the correlator's turn over the same
 * rows while they are still in L1 (its requests land in the same time
 * series; where does not depend on when). A whole batch is 768 KiB of rows:
 * a second pass over it would take them from L3 again.
 */
static int on_events(struct priv *p, uint32_t host, const struct trace_event *rows, size_t n)
{
	bool filter = filtering(&p->a.opts);
	int err = 0;

	for (size_t at = 0; at < n && !err; at += ROWS_CHUNK) {
		size_t k = n - at < ROWS_CHUNK ? n - at : ROWS_CHUNK;

		err = filter ? stat_rows(p, host, rows + at, k, true) :
			       stat_rows(p, host, rows + at, k, false);
		if (!err)
			err = correlator__events(p->corr, p->recording, rows + at, p->cls, k, rows + n);
	}
	return err;
}

static int read_file(struct priv *p, struct trace_reader *r, uint32_t host)
{
	uint64_t frame = UINT64_MAX;
	const struct trace_event *rows;
	struct trace_item it;
	size_t nrows;
	int ret, err = 0;

	while ((ret = trace_reader__next_bulk(r, &it, &rows, &nrows)) > 0) {
		if (it.frame_offset != frame) {
			if (frame != UINT64_MAX)
				err = correlator__frame_end(p->corr);
			frame = it.frame_offset;
		}
		if (ret == 2 && !err) {
			err = on_events(p, host, rows, nrows);
			goto check;
		}
		switch (err ? TRACE_ITEM_UNKNOWN : it.type) {
		case TRACE_ITEM_EVENT:	/* the bulk reader hands events out as batches (ret 2) */
			err = on_events(p, host, &it.event, 1);
			break;
		case TRACE_ITEM_ARRIVAL: {
			const struct trace_arrival *rest;
			size_t nrest;

			err = on_arrivals(p, host, &it.arrival, 1);
			/* and the rest of its batch, without a reader call each */
			rest = trace_reader__rest_of_arrivals(r, &nrest);
			if (!err)
				err = on_arrivals(p, host, rest, nrest);
			break;
		}
		case TRACE_ITEM_SCHED:
			if (!pid_wanted(&p->a.opts, it.sched.pid) ||
			    !in_window(p, host, it.sched.start_ns,
				       u64_sat_add(it.sched.start_ns, it.sched.duration_ns)))
				break;
			err = correlator__sched(p->corr, p->recording, &it.sched);
			break;
		case TRACE_ITEM_MARKER:
			if (!pid_wanted(&p->a.opts, it.marker->pid) ||
			    !in_window(p, host, it.marker->time_ns, it.marker->time_ns))
				break;
			err = correlator__marker(p->corr, p->recording, it.marker->what, it.marker->time_ns,
						 it.marker->pid, it.marker->tid, it.marker->id);
			break;
		case TRACE_ITEM_PROCESS: {
			/*
			 * The first name a pid has, or the program it execs (a server
			 * started by `sh -c` was named "sh"). Bounded like the correlator's
			 * keys: a hostile trace names a new pid per row.
			 */
			uint64_t key = key_hp(host, it.process->pid);
			void **had = kvmap__find(&p->comm, key, 0);
			const char *comm;

			if (!it.process->comm || !*it.process->comm ||
			    (had && it.process->what != MSLAT__PROCESS_INFO__WHAT__EXEC) ||
			    (!had && p->comm.n >= COMM_CAP))
				break;
			comm = strtab__intern(p->names, it.process->comm);
			if (!comm)
				err = -ENOMEM;
			else if (had)
				*had = (void *)comm;
			else if (kvmap__put(&p->comm, key, 0, (void *)comm))
				err = -ENOMEM;
			break;
		}
		case TRACE_ITEM_FOOTER:	/* its end_ns: analysis__run, once clock errors are known */
			break;
		default:
			break;
		}
check:
		if (err || p->err) {
			log_error("cannot analyse '%s': %s", trace_reader__name(r),
				  strerror(-(err ? err : p->err)));
			return err ? err : p->err;
		}
	}
	err = correlator__frame_end(p->corr);
	if (err) {
		log_error("cannot analyse '%s': %s", trace_reader__name(r), strerror(-err));
		return err;
	}
	return ret;
}

/* --- results ------------------------------------------------------------------ */

static int cmp_sc(const void *x, const void *y)
{
	const struct analysis_syscall *a = x, *b = y;
	int c;

	if (a->duration.sum != b->duration.sum)
		return a->duration.sum > b->duration.sum ? -1 : 1;
	c = strcmp(a->name, b->name);
	return c ? c : (int)a->cat - (int)b->cat;
}

static int cmp_task(const void *x, const void *y)
{
	const struct analysis_task *a = x, *b = y;

	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static int cmp_conn(const void *x, const void *y)
{
	const struct analysis_conn *a = x, *b = y;

	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->fd < b->fd ? -1 : a->fd > b->fd;
}

static int cmp_slow(const void *x, const void *y)
{
	const struct analysis_slow *a = x, *b = y;

	return slower(&a->req, &b->req) ? -1 : slower(&b->req, &a->req);
}

static int finish_tables(struct priv *p)
{
	struct analysis *a = &p->a;
	int err;

	a->syscalls = calloc(p->nscs + 1, sizeof(*a->syscalls));
	if (!a->syscalls)
		return -ENOMEM;
	for (int i = 0; i < p->nscs; i++) {
		a->syscalls[i] = *p->scs[i];
		free(p->scs[i]);
	}
	a->nsyscalls = p->nscs;
	p->nscs = 0;
	for (int i = 0; i < REQ_CAT__COUNT; i++)	/* the same sum, counted once */
		a->cat[i].in_requests_ns = a->req.cat_ns[i];
	/* A category's calls are its syscalls' (one histogram add per event, not two). */
	for (int i = 0; i < a->nsyscalls; i++) {
		struct analysis_category *ac = &a->cat[a->syscalls[i].cat];

		ac->calls += a->syscalls[i].duration.count;
		ac->total_ns = u64_sat_add(ac->total_ns, a->syscalls[i].duration.sum);
		if (histogram__merge(&ac->duration, &a->syscalls[i].duration))
			return -ENOMEM;
	}
	qsort(a->syscalls, a->nsyscalls, sizeof(*a->syscalls), cmp_sc);

	err = correlator__take_tables(p->corr, &a->threads, &a->nthreads, &a->conns, &a->nconns);
	if (err)
		return err;
	err = correlator__take_gaps(p->corr, &a->req.gaps);
	if (err)
		return err;
	qsort(a->threads, a->nthreads, sizeof(*a->threads), cmp_task);
	qsort(a->conns, a->nconns, sizeof(*a->conns), cmp_conn);

	/* Processes: their threads summed. */
	a->processes = calloc(a->nthreads + 1, sizeof(*a->processes));
	if (!a->processes)
		return -ENOMEM;
	for (int i = 0; i < a->nthreads; i++) {
		struct analysis_task *t = &a->threads[i], *pr;
		const char *comm = kvmap__get(&p->comm, key_hp(t->host, t->pid), 0);

		if (comm) {
			t->comm = strdup(comm);
			if (!t->comm)
				return -ENOMEM;
		}
		if (!a->nprocesses || a->processes[a->nprocesses - 1].pid != t->pid ||
		    a->processes[a->nprocesses - 1].host != t->host) {
			pr = &a->processes[a->nprocesses++];
			pr->host = t->host;
			pr->pid = t->pid;
			if (comm && !(pr->comm = strdup(comm)))
				return -ENOMEM;
		}
		pr = &a->processes[a->nprocesses - 1];
		pr->syscalls += t->syscalls;
		pr->syscall_ns = u64_sat_add(pr->syscall_ns, t->syscall_ns);
		pr->idle_ns = u64_sat_add(pr->idle_ns, t->idle_ns);
		pr->requests += t->requests;
		pr->incomplete += t->incomplete;
		if (histogram__merge(&pr->latency, &t->latency))
			return -ENOMEM;
	}
	qsort(a->slowest, a->nslowest, sizeof(*a->slowest), cmp_slow);
	return 0;
}

/* A sum of cells into the breakdown's fields for one side (typical or slow). */
static void cell_put(const struct bd_cell *c, uint64_t *count, uint64_t *latency, uint64_t *user,
		     uint64_t *shared, uint64_t *runq, uint64_t *cat)
{
	*count = c->count;
	*latency = c->latency;
	*user = c->user;
	*shared = c->shared;
	*runq = c->runq;
	memcpy(cat, c->cat, sizeof(c->cat));
}

static void finish_breakdown(struct priv *p)
{
	struct analysis_breakdown *bd = &p->a.breakdown;
	struct bd_cell typical = { 0 }, slow = { 0 };
	unsigned int b50, b99;

	if (!histogram__quantile(&p->a.req.latency, 0.5, &bd->p50_ns) ||
	    !histogram__quantile(&p->a.req.latency, 0.99, &bd->p99_ns))
		return;
	bd->valid = true;
	b50 = histogram__bucket(bd->p50_ns);
	b99 = histogram__bucket(bd->p99_ns);
	for (unsigned int c = 0; c < HIST_CHUNKS; c++) {
		if (!p->bd[c])
			continue;
		for (unsigned int i = 0; i < histogram__chunk_len(c); i++) {
			unsigned int b = histogram__bucket_at((struct hist_pos){ c, i });
			const struct bd_cell *cell = &p->bd[c][i];

			if (!cell->count)
				continue;
			if (b <= b50)
				cell_add(&typical, cell);
			if (b >= b99)
				cell_add(&slow, cell);
		}
	}
	cell_put(&typical, &bd->typical_count, &bd->typical_latency_ns, &bd->typical_user_ns,
		 &bd->typical_shared_ns, &bd->typical_runq_ns, bd->typical_cat_ns);
	cell_put(&slow, &bd->slow_count, &bd->slow_latency_ns, &bd->slow_user_ns,
		 &bd->slow_shared_ns, &bd->slow_runq_ns, bd->slow_cat_ns);
}

static void finish_trace(struct priv *p, struct trace_reader **readers, int n)
{
	struct analysis_trace *t = &p->a.trace;

	for (int i = 0; i < n; i++) {
		struct trace_reader_stats st;

		trace_reader__stats(readers[i], &st);
		t->events += st.events;
		t->sched += st.sched;
		t->arrivals += st.arrivals;
		t->markers += st.markers;
		t->processes += st.processes;
		t->losses += st.losses;
		t->lost = u64_sat_add(t->lost, st.lost);
		t->corrupt_frames += st.corrupt_frames;
		t->truncated |= st.truncated;
	}
	t->has_arrivals = t->arrivals > 0;
	t->has_sched |= t->sched > 0;
	t->has_markers = t->markers > 0;
	for (int i = 0; i < t->nhosts; i++) {
		struct analysis_host *h = &t->hosts[i];

		if (h->end_ns - h->start_ns > t->duration_ns)
			t->duration_ns = h->end_ns - h->start_ns;
	}
	if (t->nhosts) {
		t->start_ns = t->hosts[0].start_ns;
		t->end_ns = t->hosts[0].end_ns;
	}
}

static void log_stats(struct priv *p)
{
	struct correlator_stats st;

	correlator__stats(p->corr, &st);
	p->a.trace.keys_folded = st.folded_events;
	if (st.early_replays)
		log_warn("a frame holds more than a million rows: they were analysed in parts, and "
			 "run-queue wait may be placed late");
	if (p->interval_idx < 0 && p->a.interval_ns != p->a.opts.interval_ns)
		log_warn("--interval %gms gives more than %d points over this trace: the time series "
			 "is at %gms", (double)p->a.opts.interval_ns / 1e6, MAX_BUCKETS * 8,
			 (double)p->a.interval_ns / 1e6);
	if (st.threads_capped)
		log_warn("%llu receives or sends of requests came from a thread beyond the 64 a request "
			 "is followed on: those threads' other syscalls are not counted in it",
			 (unsigned long long)st.threads_capped);
	if (st.clock_errors)
		log_warn("%llu event%s ended more than --request-timeout (and 1 s) ahead of the event "
			 "after %s (the first by %.0f s): a clock error in the trace, left out of the "
			 "requests and the threads' counts", (unsigned long long)st.clock_errors,
			 st.clock_errors > 1 ? "s" : "", st.clock_errors > 1 ? "each" : "it",
			 (double)st.clock_error_first_ns / 1e9);
	if (st.tiny_turns >= 10 && st.tiny_turns * 20 >= st.requests)
		log_warn("%llu requests began with a receive of under %u bytes after a response, too "
			 "short for an HTTP/1.1 request: if those are a protocol's frames (HTTP/2 or "
			 "gRPC WINDOW_UPDATE and PING, WebSocket pongs) rather than requests, see "
			 "--min-request-bytes and docs/correlation.md",
			 (unsigned long long)st.tiny_turns, TINY_TURN_BYTES);
	/*
	 * Responses whose last bytes waited to leave after the server wrote
	 * them, a tenth of all latency or more: usually Nagle's algorithm, which
	 * a server can turn off; the category name alone would not say so.
	 */
	if (st.unsent_used && p->a.req.cat_ns[REQ_CAT_UNSENT] >= p->a.req.latency_ns / 10)
		log_warn("%llu responses' last bytes left the host after the server's last send "
			 "returned (%.0f%% of all latency, 'unsent'): a small write held by Nagle's "
			 "algorithm until the client's delayed ACK (about 40 ms) is the usual cause; "
			 "TCP_NODELAY on the server's sockets, or one send per response, avoids it",
			 (unsigned long long)st.unsent_used,
			 p->a.req.latency_ns ? 100.0 * (double)p->a.req.cat_ns[REQ_CAT_UNSENT] /
						       (double)p->a.req.latency_ns : 0.0);
	if (st.unsent_dropped)
		log_warn("%llu UNSENT records were dropped (more than %u waiting for the rows to "
			 "reach their time): some responses may end early", (unsigned long long)st.unsent_dropped,
			 UNSENT_AHEAD_CAP);
	if (st.unsent_late >= 10 && st.unsent_late * 20 >= st.requests)
		log_warn("%llu responses' last bytes left the host after their thread had taken its "
			 "next request, which ends a response with --correlate thread: their 'unsent' "
			 "time is not counted; --correlate conn counts it", (unsigned long long)st.unsent_late);
	if (st.frames_skipped)
		log_info("%llu receives under --min-request-bytes took no turn",
			 (unsigned long long)st.frames_skipped);
	if (st.decided_early)
		log_warn("%llu requests sent again after their thread had held %u segments of "
			 "others' time undecided on them: that time, counted as not theirs, shows as "
			 "their user time", (unsigned long long)st.decided_early, 1u << 16);
	if (st.runq_dropped)
		log_warn("%llu run-queue intervals were not placed (a thread had %u waiting for its "
			 "next syscall, all threads over %u, or they came out of order): run-queue "
			 "wait is short by them", (unsigned long long)st.runq_dropped, 1u << 16,
			 1u << 20);
	if (st.markers_capped)
		log_warn("%llu marked requests were ended, incomplete, when a thread had more than "
			 "1024 open: their END markers came later or never", (unsigned long long)st.markers_capped);
	if (st.folded_events)
		log_warn("more distinct threads or connections than the analyzer keeps: %llu events "
			 "of the others are folded into one row (pid 0, tid 0) and start no requests",
			 (unsigned long long)st.folded_events);
	log_info("%llu requests; at most %llu open at once and %llu held-back segments; "
		 "%llu fds, %llu threads", (unsigned long long)st.requests,
		 (unsigned long long)st.open_peak, (unsigned long long)st.segments_peak,
		 (unsigned long long)st.fds, (unsigned long long)st.threads);
	if (st.runq_ns || st.runq_dropped)
		log_info("run-queue wait outside syscalls: %llu ns placed, %llu intervals dropped",
			 (unsigned long long)st.runq_ns, (unsigned long long)st.runq_dropped);
	if (st.arrivals_used || st.arrivals_dropped || st.arrivals_outgoing)
		log_info("arrival records: %llu started requests, %llu matched none, "
			 "%llu were replies on the processes' own connections",
			 (unsigned long long)st.arrivals_used, (unsigned long long)st.arrivals_dropped,
			 (unsigned long long)st.arrivals_outgoing);
}

/*
 * I/O the syscalls do not show. A server whose sockets go through io_uring
 * has no receives or sends to take turns on: it showed 0 requests for 2000,
 * without a word.
 */
static void warn_unseen_io(const struct analysis *a)
{
	for (int i = 0; i < a->nsyscalls; i++)
		if (!strcmp(a->syscalls[i].name, "io_uring_enter") && a->syscalls[i].duration.count)
			log_warn("%llu io_uring_enter calls: I/O submitted through io_uring has no "
				 "syscall of its own, so requests whose receives and sends go through it "
				 "are not found, and its waits count as file time",
				 (unsigned long long)a->syscalls[i].duration.count);
}

/*
 * Requests whose threads waited in idle calls for a quarter of their
 * latency or more after reading them: the work was done where no syscall
 * of theirs shows it (a thread pool, as FastAPI's `def` endpoints use; an
 * upstream process; a timer). The breakdown shows that wait as "idle (in
 * window)" or, with several requests open on an event loop, as "shared":
 * neither says why, nor where to look (docs/correlation.md, "Work on other
 * threads").
 */
static void warn_work_elsewhere(const struct analysis *a)
{
	const struct analysis_requests *q = &a->req;

	if (q->count < 10 || !q->latency_ns || q->waited_ns < q->latency_ns / 4)
		return;
	log_warn("the requests' threads waited in idle calls (epoll_wait, poll, select) for %.0f%% "
		 "of their latency after reading them: the work was done elsewhere, where no syscall "
		 "of theirs shows it: on other threads (a thread pool, as FastAPI's `def` endpoints "
		 "use), in another process (an upstream, a model backend), or a timer's wait. The "
		 "other threads' syscalls are in the per-thread table; see docs/correlation.md, "
		 "\"Work on other threads\"", 100.0 * (double)q->waited_ns / (double)q->latency_ns);
}

static void fill_defaults(struct analysis_opts *o, const struct analysis_opts *in)
{
	memset(o, 0, sizeof(*o));
	if (in)
		memcpy(o, in, in->sz && in->sz < sizeof(*o) ? in->sz : sizeof(*o));
	o->sz = sizeof(*o);
	if (!o->request_timeout_ns)
		o->request_timeout_ns = 60ULL * 1000000000ULL;
	if (!o->burst_gap_ns)
		o->burst_gap_ns = 1000000ULL;
	if (!o->top_n)
		o->top_n = DEF_TOP_N;
	if (!o->steps_cap)
		o->steps_cap = 64;
}

static void priv_free_work(struct priv *p)
{
	correlator__free(p->corr);
	p->corr = NULL;
	for (int i = 0; i < p->nscs; i++) {
		histogram__reset(&p->scs[i]->duration);
		free(p->scs[i]);
	}
	free(p->scs);
	p->scs = NULL;
	p->nscs = 0;	/* runs twice on the error path */
	kvmap__free(&p->sc_by_name);
	kvmap__free(&p->comm);
	for (int i = 0; i < p->ntables; i++) {
		sc_table__free(p->tables[i].sc);
		free(p->tables[i].tab);
	}
	free(p->tables);
	p->tables = NULL;
	p->ntables = 0;
	free(p->hs);
	p->hs = NULL;
	for (unsigned int c = 0; c < HIST_CHUNKS; c++) {
		free(p->bd[c]);
		p->bd[c] = NULL;
	}
	histogram__reset(&p->sink.latency);
}

struct analysis *analysis__run(char **files, int n, const struct analysis_opts *opts)
{
	struct trace_reader_opts ropts = { .sz = sizeof(ropts) };
	struct correlator_opts copts = { 0 };
	struct trace_reader **readers = NULL;
	int *hosts = NULL, err = 0, i;
	struct file_order *order = NULL;
	struct file_clocks clocks = { 0 };
	struct correlator_stats cst;
	struct priv *p = calloc(1, sizeof(*p));
	struct analysis *a;

	if (!p || n <= 0) {
		free(p);
		errno = n <= 0 ? EINVAL : ENOMEM;
		return NULL;
	}
	a = &p->a;
	p->no_step.cat = REQ_CAT__COUNT;	/* matches no step, whatever its name */
	for (i = 0; i < STEP_SETS; i++)
		p->step_cache[0][i] = p->step_cache[1][i] = &p->no_step;
	fill_defaults(&a->opts, opts);
	p->user = a->opts;
	a->opts.on_request = NULL;
	a->opts.ctx = NULL;
	a->trace.mode = a->opts.mode;
	ropts.skip_corrupt = a->opts.skip_corrupt;
	ropts.arrivals_first = true;	/* the correlator's order (correlate.h) */
	p->names = strtab__new();
	readers = calloc(n, sizeof(*readers));
	hosts = calloc(n, sizeof(*hosts));
	a->trace.files = calloc(n, sizeof(*a->trace.files));
	a->trace.file_hosts = hosts;	/* the outputs find each file's targets' host */
	a->slowest = calloc(a->opts.top_n, sizeof(*a->slowest));
	if (!p->names || !readers || !hosts || !a->trace.files || !a->slowest) {
		err = -ENOMEM;
		goto out;
	}
	a->trace.nfiles = n;
	for (i = 0; i < n; i++) {
		a->trace.files[i] = strdup(files[i]);
		if (!a->trace.files[i]) {
			err = -ENOMEM;
			goto out;
		}
	}
	/* Open every file first: hosts, start times and whether scheduler records exist are known before reading. */
	for (i = 0; i < n; i++) {
		const Mslat__Header *h;

		readers[i] = trace_reader__open(files[i], &ropts);
		if (!readers[i]) {
			err = -errno;
			goto out;
		}
		h = trace_reader__header(readers[i]);
		hosts[i] = host_of(p, h);
		copts.sched |= h->sched;
		a->trace.has_sched |= h->sched;
		if (hosts[i] < 0) {
			err = hosts[i];
			goto out;
		}
	}
	p->hs = calloc(a->trace.nhosts, sizeof(*p->hs));
	if (!p->hs) {
		err = -ENOMEM;
		goto out;
	}
	if (a->opts.interval_ns) {
		a->interval_ns = a->opts.interval_ns;
		p->interval_idx = -1;
	} else {
		a->interval_ns = intervals_ns[0];
	}
	copts.mode = a->opts.mode;
	copts.request_timeout_ns = a->opts.request_timeout_ns;
	copts.burst_gap_ns = a->opts.burst_gap_ns;
	copts.headers_first = a->opts.headers_first;
	copts.min_request_bytes = a->opts.min_request_bytes;
	copts.steps_cap = a->opts.steps_cap;
	copts.on_request = on_request;
	copts.ctx = p;
	p->corr = correlator__new(&copts);
	if (!p->corr) {
		err = -ENOMEM;
		goto out;
	}
	/* Pieces of one host in recording order, whatever order the shell's glob gave. */
	order = calloc(n, sizeof(*order));
	if (!order) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		order[i] = (struct file_order){ .idx = i, .host = hosts[i],
						.h = trace_reader__header(readers[i]) };
	file_order__sort(order, n);
	for (int k = 0; k < n; k++) {
		struct trace_reader_stats st;
		int clock = file_clocks__of(&clocks, order, k);

		i = order[k].idx;
		log_debug("reading '%s' (host %d, recording %d on clock %d, piece %llu)", files[i],
			  hosts[i], order[k].recording, clock, (unsigned long long)order[k].h->sequence);
		err = clock < 0 ? clock : use_table(p, hosts[i], trace_reader__header(readers[i]));
		if (!err)
			err = correlator__host_alias(p->corr, (uint32_t)clock, (uint32_t)hosts[i]);
		if (err)
			goto out;
		p->recording = (uint32_t)clock;
		err = read_file(p, readers[i], hosts[i]);
		if (err < 0)
			goto out;
		err = 0;
		trace_reader__stats(readers[i], &st);
		file_clocks__end(&clocks, clock, st.max_ns);
	}
	if (p->far_pending && settle_far(p, false, 0)) {	/* the last row kept: a gap */
		err = -ENOMEM;
		goto out;
	}
	err = correlator__finish(p->corr);
	sum_cells(p);
	add_zeros(p);
	if (!err)
		err = sum_latency(p);
	if (err)
		goto out;
	log_stats(p);
	if (p->err) {
		err = p->err;
		goto out;
	}
	correlator__stats(p->corr, &cst);
	for (i = 0; i < n; i++) {
		struct trace_reader_stats st;
		uint64_t end, kept_end, clock_error_end;

		trace_reader__stats(readers[i], &st);
		correlator__host_ends(p->corr, (uint32_t)hosts[i], &kept_end, &clock_error_end);
		end = st.max_ns;
		/*
		 * A clock error at a batch's end stretched the trace (req/s 0.0):
		 * the end of the rows the correlator took in instead, when it took
		 * in every row (--pid, --since and --until leave some out).
		 */
		if (cst.clock_errors && !filtering(&a->opts) && kept_end &&
		    end > u64_sat_add(kept_end, correlator__clock_window(p->corr)))
			end = kept_end;
		/*
		 * The footer's end: the recorder's clock when it stopped, after an
		 * idle tail too. Not when it is the end of its host's latest clock
		 * error: a writer that took its end from its rows wrote it.
		 */
		if (st.footer_end_ns > end && st.footer_end_ns != clock_error_end)
			end = st.footer_end_ns;
		if (end > a->trace.hosts[hosts[i]].end_ns)
			a->trace.hosts[hosts[i]].end_ns = end;
	}
	finish_trace(p, readers, n);
	err = finish_tables(p);
	if (err)
		goto out;
	finish_breakdown(p);
	warn_unseen_io(a);
	warn_work_elsewhere(a);
out:
	for (i = 0; readers && i < n; i++)
		trace_reader__close(readers[i]);
	free(readers);
	free(order);
	file_clocks__free(&clocks);
	priv_free_work(p);
	if (err) {
		if (err == -ENOMEM)
			log_error("out of memory");
		analysis__free(a);
		errno = -err;
		return NULL;
	}
	return a;
}

void analysis__free(struct analysis *a)
{
	struct priv *p = (struct priv *)a;

	if (!a)
		return;
	priv_free_work(p);
	for (int i = 0; i < a->trace.nfiles; i++)
		free(a->trace.files[i]);
	free(a->trace.files);
	free(a->trace.file_hosts);
	for (int i = 0; i < a->trace.nhosts; i++) {
		free(a->trace.hosts[i].hostname);
		free(a->trace.hosts[i].kernel_release);
		free(a->trace.hosts[i].arch);
		free(a->trace.hosts[i].boot_id);
	}
	free(a->trace.hosts);
	histogram__reset(&a->req.latency);
	histogram__reset(&a->req.ttfb);
	histogram__reset(&a->req.queue);
	histogram__reset(&a->req.user);
	histogram__reset(&a->req.shared);
	histogram__reset(&a->req.runq);
	for (int i = 0; i < REQ_CAT__COUNT; i++) {
		histogram__reset(&a->req.cat[i]);
		histogram__reset(&a->cat[i].duration);
	}
	histogram__reset(&a->req.syscalls);
	histogram__reset(&a->req.sends);
	histogram__reset(&a->req.bursts);
	histogram__reset(&a->req.gaps);
	for (int i = 0; i < a->nsyscalls; i++)
		histogram__reset(&a->syscalls[i].duration);
	free(a->syscalls);
	for (int i = 0; i < a->nprocesses; i++) {
		free(a->processes[i].comm);
		histogram__reset(&a->processes[i].latency);
	}
	free(a->processes);
	for (int i = 0; i < a->nthreads; i++) {
		free(a->threads[i].comm);
		histogram__reset(&a->threads[i].latency);
	}
	free(a->threads);
	for (int i = 0; i < a->nconns; i++)
		histogram__reset(&a->conns[i].latency);
	free(a->conns);
	for (int i = 0; i < a->nbuckets; i++)
		histogram__reset(&a->buckets[i].latency);
	free(a->buckets);
	for (int i = 0; i < a->nslowest; i++)
		free((void *)a->slowest[i].req.steps);
	free(a->slowest);
	for (int i = 0; i < a->nfindings; i++) {
		free(a->findings[i].id);
		free(a->findings[i].title);
		free(a->findings[i].evidence);
	}
	free(a->findings);
	strtab__free(p->names);
	free(p);
}
