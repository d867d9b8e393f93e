// SPDX-License-Identifier: MIT
/*
 * synth: deterministic synthetic .mslat traces of model servers, with their
 * exact ground truth (docs/synth.md). The truth comes from what each scenario
 * meant to generate, never from correlating the events it wrote.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "syscalls.h"
#include "trace_writer.h"

#pragma GCC poison u8 u16 u32 u64

#define US 1000ULL
#define MS 1000000ULL
#define SEC 1000000000ULL

#define ARCH "x86_64"
#define START_NS (1000000ULL * SEC)		/* CLOCK_MONOTONIC at "attach": ~11.6 days of uptime */
#define REALTIME_AT_START_NS 1767225600000000000ULL	/* 2026-01-01 00:00:00 UTC */
#define BURST_GAP_NS MS				/* docs/correlation.md --burst-gap default */
#define CPU_COUNT 8U
#define EAGAIN_RET (-11)
#define EINTR_RET (-4)

/* --- deterministic randomness: xoshiro256**, seeded by splitmix64 --------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* One independent stream per actor, so a thread's story never depends on interleaving. */
static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline __attribute__((always_inline)) uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in [lo, hi]; integer arithmetic only, so every machine agrees. */
static inline __attribute__((always_inline)) uint64_t rnd(struct rng *r, uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo + 1;

	if (hi <= lo)
		return lo;
	if (!span)
		return rng_next(r);
	return lo + (uint64_t)(((unsigned __int128)rng_next(r) * span) >> 64);
}

static inline __attribute__((always_inline)) bool chance(struct rng *r, unsigned int per_mille)
{
	return rnd(r, 0, 999) < per_mille;
}

/*
 * Roughly log-uniform in [lo, hi]: a power-of-two octave, then uniform in it,
 * folded back into [lo, hi] at the edges. No libm, one draw (the octave from
 * the high half, the offset from the low); inlined, so that constant bounds
 * fold away in the hot paths of the bench scenario.
 */
static inline __attribute__((always_inline)) uint64_t logu(struct rng *r, uint64_t lo, uint64_t hi)
{
	uint64_t x, v;
	unsigned int a, b, k;

	if (lo < 1)
		lo = 1;
	if (hi <= lo)
		return lo;
	x = rng_next(r);
	a = 63U - (unsigned int)__builtin_clzll(lo);
	b = 63U - (unsigned int)__builtin_clzll(hi);
	k = a + (unsigned int)(((x >> 32) * (uint64_t)(b - a + 1)) >> 32);
	v = (1ULL << k) | (uint64_t)(((unsigned __int128)(x & 0xffffffffULL) << k) >> 32);
	if (v < lo)
		v = lo + (lo - v);
	if (v > hi)
		v = hi - (v - hi) % (hi - lo + 1);
	return v;
}

/* --- the syscalls synth uses, and what docs/correlation.md makes of them --- */

enum cat { CAT_NET, CAT_FILE, CAT_SYNC, CAT_DEVICE, CAT_MEM, CAT_SLEEP, CAT_PROCESS, CAT_OTHER,
	   CAT_IDLE, CAT__COUNT };

static const char *const cat_names[CAT__COUNT] = {
	"net", "file", "sync", "device", "mem", "sleep", "process", "other", "idle",
};

enum sc {
	SC_READ, SC_WRITE, SC_WRITEV, SC_RECVFROM, SC_SENDTO, SC_ACCEPT4, SC_CLOSE, SC_OPENAT,
	SC_FSTAT, SC_FUTEX, SC_MMAP, SC_MUNMAP, SC_IOCTL, SC_EPOLL_WAIT, SC_EPOLL_CTL, SC_POLL,
	SC_SELECT, SC_SETSOCKOPT, SC_SOCKET, SC_BIND, SC_LISTEN, SC_GETRANDOM, SC_NANOSLEEP,
	SC_GETRUSAGE, SC_CLONE, SC_WAIT4, SC_FCHMOD, SC_PREAD64, SC__COUNT,
};

/*
 * IO: the read/write family, net on a socket and file otherwise. The base
 * category of every other entry must equal common/syscalls.c's (checked at
 * start-up, so the truth cannot silently drift from the analyzer's table).
 */
#define IO (-1)
static const struct {
	const char *name;
	int cat;	/* enum cat, or IO */
	bool fd;	/* first argument is an fd */
} sc_info[SC__COUNT] = {
	[SC_READ] = { "read", IO, true },
	[SC_WRITE] = { "write", IO, true },
	[SC_WRITEV] = { "writev", IO, true },
	[SC_RECVFROM] = { "recvfrom", CAT_NET, true },
	[SC_SENDTO] = { "sendto", CAT_NET, true },
	[SC_ACCEPT4] = { "accept4", CAT_IDLE, true },
	[SC_CLOSE] = { "close", CAT_FILE, true },
	[SC_OPENAT] = { "openat", CAT_FILE, false },
	[SC_FSTAT] = { "fstat", CAT_FILE, true },
	[SC_FUTEX] = { "futex", CAT_SYNC, false },
	[SC_MMAP] = { "mmap", CAT_MEM, false },
	[SC_MUNMAP] = { "munmap", CAT_MEM, false },
	[SC_IOCTL] = { "ioctl", CAT_DEVICE, true },
	[SC_EPOLL_WAIT] = { "epoll_wait", CAT_IDLE, true },
	[SC_EPOLL_CTL] = { "epoll_ctl", CAT_FILE, true },
	[SC_POLL] = { "poll", CAT_IDLE, false },
	[SC_SELECT] = { "select", CAT_IDLE, false },
	[SC_SETSOCKOPT] = { "setsockopt", CAT_NET, true },
	[SC_SOCKET] = { "socket", CAT_NET, false },
	[SC_BIND] = { "bind", CAT_NET, true },
	[SC_LISTEN] = { "listen", CAT_NET, true },
	[SC_GETRANDOM] = { "getrandom", CAT_OTHER, false },
	[SC_NANOSLEEP] = { "nanosleep", CAT_SLEEP, false },
	[SC_GETRUSAGE] = { "getrusage", CAT_PROCESS, false },
	[SC_CLONE] = { "clone", CAT_PROCESS, false },
	[SC_WAIT4] = { "wait4", CAT_PROCESS, false },
	[SC_FCHMOD] = { "fchmod", CAT_FILE, true },
	[SC_PREAD64] = { "pread64", IO, true },
};

static bool kind_is_socket(uint32_t kind)
{
	return kind == FD_KIND_TCP || kind == FD_KIND_UDP || kind == FD_KIND_UNIX ||
	       kind == FD_KIND_SOCKET_OTHER;
}

/* The category docs/correlation.md gives a call of SC on an fd of KIND. */
static enum cat category(enum sc sc, uint32_t kind)
{
	int c = sc_info[sc].cat;

	if (c == IO)
		return kind_is_socket(kind) ? CAT_NET : CAT_FILE;
	if (sc == SC_CLOSE)	/* of a socket, listening or not: network teardown */
		return kind_is_socket(kind) || kind == FD_KIND_TCP_LISTEN ? CAT_NET : CAT_FILE;
	if (sc == SC_IOCTL)
		return kind == FD_KIND_CHR ? CAT_DEVICE : CAT_OTHER;
	return (enum cat)c;
}

/* --- the model: threads, their events, requests, and the other records ---- */

struct item {
	uint64_t key;		/* when the recorder sees it: exit time */
	uint64_t seq;		/* generation order: the tie-break */
	struct trace_event ev;
};

struct thr {
	uint32_t pid, tid;
	uint64_t now;		/* the thread's clock, in user space between syscalls */
	struct rng rng;
	struct item *q;		/* its events, in its own (exit) order */
	size_t q_len, q_cap, q_head;
};

enum misc_type { MISC_ARRIVAL, MISC_PROCESS, MISC_LOSS };

struct misc {
	uint64_t key, seq;
	enum misc_type type;
	struct trace_arrival ar;
	size_t idx;		/* into procs[] or losses[] */
};

struct proc_rec {
	int what;		/* Mslat__ProcessInfo__What */
	uint64_t time_ns;
	uint32_t pid, ppid, tid;
	int32_t exit_code;
};

/* Events of TID leaving the kernel in [start_ns, end_ns] are lost, as when a ring buffer is full. */
struct loss_win {
	uint32_t what;		/* Mslat__Loss__What; ARRIVALS windows are counted as generated */
	uint32_t tid, cpu;
	uint64_t start_ns, end_ns;
	uint64_t count;		/* counted while writing */
};

/* One request as the scenario means it (docs/correlation.md vocabulary). */
struct req {
	uint32_t pid, tid;
	int32_t fd;
	uint64_t arrival_ns;		/* the client's first bytes reached the socket */
	uint64_t rx_exit_ns;		/* exit of the receive that delivered them; 0 before */
	uint64_t start_ns, end_ns, first_send_ns, last_send_ns;
	uint64_t queue_ns, shared_ns, bytes_in, bytes_out;
	uint32_t sends, bursts;
	uint64_t cat_ns[CAT__COUNT];
	uint64_t pend_cat[CAT__COUNT], pend_shared;	/* since the last send: held back */
	bool lost;
};

struct gen {
	const char *scenario;
	uint64_t seed;
	uint32_t requests, connections, threads;
	uint64_t events_target;
	bool arrivals, bench;
	bool drop_arrivals;	/* inside a loss window: arrival records are lost too */
	uint64_t dropped_arrivals;
	struct rng rng;
	uint32_t nr[SC__COUNT];
	uint64_t seq;

	struct thr **thrs;
	size_t n_thrs, cap_thrs;
	struct misc *misc;	/* a min-heap on (key, seq) */
	size_t n_misc, cap_misc;
	struct proc_rec *procs;
	size_t n_procs, cap_procs;
	struct loss_win losses[16];
	size_t n_losses;
	struct req **req_blocks;	/* REQ_BLOCK requests each: pointers to them stay valid */
	size_t n_reqs, cap_blocks;
	struct req scratch;	/* bench: requests are not kept */

	uint32_t target_pid;
	const char *const *target_argv;
	const char *comm, *exe;
	uint64_t end_ns;	/* footer end; 0: last event + 1 ms */

	struct trace_writer *w;
	uint64_t n_events, n_lost, n_arrivals, n_written_procs;
	uint64_t by_sc[SC__COUNT];		/* events written, per syscall */
	uint32_t by_pid_pid[64];		/* and per process */
	uint64_t by_pid_cnt[64];
	size_t n_by_pid;
	uint64_t last_key;
	int err;
};

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	q = realloc(p, n * elem);
	if (!q) {
		fprintf(stderr, "synth: error: out of memory\n");
		exit(1);
	}
	*cap = n;
	return q;
}

static struct thr *thr_new(struct gen *g, uint32_t pid, uint32_t tid, uint64_t now)
{
	struct thr *t = calloc(1, sizeof(*t));

	if (!t) {
		fprintf(stderr, "synth: error: out of memory\n");
		exit(1);
	}
	t->pid = pid;
	t->tid = tid;
	t->now = now;
	rng_seed(&t->rng, g->seed, ((uint64_t)pid << 32) | tid);
	g->thrs = grow(g->thrs, &g->cap_thrs, g->n_thrs + 1, sizeof(*g->thrs));
	g->thrs[g->n_thrs++] = t;
	return t;
}

static bool misc_less(const struct misc *a, const struct misc *b)
{
	return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void misc_push(struct gen *g, struct misc m)
{
	size_t i;

	m.seq = g->seq++;
	g->misc = grow(g->misc, &g->cap_misc, g->n_misc + 1, sizeof(*g->misc));
	i = g->n_misc++;
	while (i && misc_less(&m, &g->misc[(i - 1) / 2])) {
		g->misc[i] = g->misc[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	g->misc[i] = m;
}

static struct misc misc_pop(struct gen *g)
{
	struct misc top = g->misc[0], last = g->misc[--g->n_misc];
	size_t i = 0, n = g->n_misc;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && misc_less(&g->misc[c + 1], &g->misc[c]))
			c++;
		if (!misc_less(&g->misc[c], &last))
			break;
		g->misc[i] = g->misc[c];
		i = c;
	}
	if (n)
		g->misc[i] = last;
	return top;
}

static void arrival(struct gen *g, uint32_t pid, int32_t fd, uint64_t t, uint32_t bytes, uint32_t what)
{
	struct misc m = { .key = t, .type = MISC_ARRIVAL };

	if (!g->arrivals)
		return;
	if (g->drop_arrivals) {
		g->dropped_arrivals++;
		return;
	}
	m.ar = (struct trace_arrival){ .time_ns = t, .pid = pid, .fd = fd, .bytes = bytes, .what = what };
	misc_push(g, m);
}

static void process_rec(struct gen *g, int what, uint64_t t, uint32_t pid, uint32_t ppid,
			int32_t exit_code)
{
	struct misc m = { .key = t, .type = MISC_PROCESS, .idx = g->n_procs };

	g->procs = grow(g->procs, &g->cap_procs, g->n_procs + 1, sizeof(*g->procs));
	g->procs[g->n_procs++] = (struct proc_rec){ .what = what, .time_ns = t, .pid = pid,
						    .ppid = ppid, .tid = pid, .exit_code = exit_code };
	misc_push(g, m);
}

/* One finished syscall on T over [enter, exit]; T's clock moves to its exit. */
static uint64_t ev_at(struct gen *g, struct thr *t, enum sc sc, int32_t fd, uint32_t kind,
		      int64_t ret, uint64_t enter, uint64_t exit)
{
	struct item *it;

	if (enter <= t->now || exit <= enter) {
		fprintf(stderr, "synth: bug: %s on tid %" PRIu32 " at %" PRIu64 "..%" PRIu64
			" overlaps the thread's clock %" PRIu64 "\n", sc_info[sc].name, t->tid, enter,
			exit, t->now);
		abort();
	}
	if (t->q_len == t->q_cap)
		t->q = grow(t->q, &t->q_cap, t->q_len + 1, sizeof(*t->q));
	it = &t->q[t->q_len++];
	it->key = exit;
	it->seq = g->seq++;
	it->ev = (struct trace_event){
		.enter_ns = enter, .duration_ns = exit - enter, .ret = ret, .tid = t->tid,
		.pid = t->pid, .syscall = g->nr[sc], .fd = sc_info[sc].fd ? fd : -1,
		.fd_kind = sc_info[sc].fd ? kind : FD_KIND_NONE,
	};
	t->now = exit;
	return exit;
}

/* GAP of user time, then a syscall of DUR. */
static uint64_t ev(struct gen *g, struct thr *t, enum sc sc, int32_t fd, uint32_t kind, int64_t ret,
		   uint64_t gap, uint64_t dur)
{
	return ev_at(g, t, sc, fd, kind, ret, t->now + (gap ? gap : 1), t->now + (gap ? gap : 1) + dur);
}

/* A blocking call entered after GAP that returns WAKE after READY_NS (or after MIN_DUR). */
static uint64_t ev_wait(struct gen *g, struct thr *t, enum sc sc, int32_t fd, uint32_t kind,
			int64_t ret, uint64_t gap, uint64_t ready_ns, uint64_t wake, uint64_t min_dur)
{
	uint64_t enter = t->now + (gap ? gap : 1);
	uint64_t exit = ready_ns + wake;

	if (exit < enter + min_dur)
		exit = enter + min_dur;
	return ev_at(g, t, sc, fd, kind, ret, enter, exit);
}

static void user(struct thr *t, uint64_t ns)
{
	t->now += ns;
}

#define REQ_BLOCK 4096

static struct req *req_at(const struct gen *g, size_t i)
{
	return &g->req_blocks[i / REQ_BLOCK][i % REQ_BLOCK];
}

static struct req *req_new(struct gen *g, struct thr *t, int32_t fd, uint64_t arrival_ns)
{
	struct req *r;

	if (g->bench) {
		r = &g->scratch;
	} else {
		if (g->n_reqs % REQ_BLOCK == 0) {
			size_t b = g->n_reqs / REQ_BLOCK;

			g->req_blocks = grow(g->req_blocks, &g->cap_blocks, b + 1, sizeof(*g->req_blocks));
			g->req_blocks[b] = malloc(REQ_BLOCK * sizeof(struct req));
			if (!g->req_blocks[b]) {
				fprintf(stderr, "synth: error: out of memory\n");
				exit(1);
			}
		}
		r = req_at(g, g->n_reqs++);
	}
	memset(r, 0, sizeof(*r));
	r->pid = t->pid;
	r->tid = t->tid;
	r->fd = fd;
	r->arrival_ns = arrival_ns;
	return r;
}

/* A successful receive of request R on its connection (docs/correlation.md rule 1). */
static uint64_t rx_at(struct gen *g, struct thr *t, struct req *r, enum sc sc, uint32_t bytes,
		      uint64_t enter, uint64_t exit)
{
	ev_at(g, t, sc, r->fd, FD_KIND_TCP, bytes, enter, exit);
	r->bytes_in += bytes;
	if (!r->rx_exit_ns) {
		/* The starting receive: its time before the start waited for work. */
		r->rx_exit_ns = exit;
		r->start_ns = g->arrivals ? r->arrival_ns : exit;
		r->queue_ns = g->arrivals ? exit - r->arrival_ns : 0;
		if (r->start_ns > r->rx_exit_ns) {
			fprintf(stderr, "synth: bug: arrival after its receive\n");
			abort();
		}
		/* Its time after an arrival is queue: it contributes nothing else. */
	} else {
		r->pend_cat[CAT_NET] += exit - enter;
	}
	return exit;
}

static uint64_t rx(struct gen *g, struct thr *t, struct req *r, enum sc sc, uint32_t bytes,
		   uint64_t gap, uint64_t dur)
{
	return rx_at(g, t, r, sc, bytes, t->now + gap, t->now + gap + dur);
}

/* A successful send of R: the request's end so far; held-back time becomes R's. */
static uint64_t tx(struct gen *g, struct thr *t, struct req *r, enum sc sc, uint32_t bytes,
		   uint64_t gap, uint64_t dur)
{
	uint64_t enter = t->now + gap, exit = enter + dur;

	ev_at(g, t, sc, r->fd, FD_KIND_TCP, bytes, enter, exit);
	for (int c = 0; c < CAT__COUNT; c++) {
		r->cat_ns[c] += r->pend_cat[c];
		r->pend_cat[c] = 0;
	}
	r->shared_ns += r->pend_shared;
	r->pend_shared = 0;
	r->cat_ns[CAT_NET] += exit - enter;
	if (!r->sends) {
		r->bursts = 1;
		r->first_send_ns = exit;
	} else if (enter - r->last_send_ns > BURST_GAP_NS) {
		r->bursts++;
	}
	r->sends++;
	r->last_send_ns = r->end_ns = exit;
	r->bytes_out += bytes;
	return exit;
}

/*
 * Any other syscall on T while the requests OPEN[0..n) are open on T
 * (received, more sends to come): its time is theirs, or shared among them.
 */
static uint64_t work_at(struct gen *g, struct thr *t, struct req *const *open, size_t n, enum sc sc,
			int32_t fd, uint32_t kind, int64_t ret, uint64_t enter, uint64_t exit)
{
	ev_at(g, t, sc, fd, kind, ret, enter, exit);
	if (n == 1)
		open[0]->pend_cat[category(sc, kind)] += exit - enter;
	else
		for (size_t i = 0; i < n; i++)
			open[i]->pend_shared += exit - enter;
	return exit;
}

static uint64_t work(struct gen *g, struct thr *t, struct req *r, enum sc sc, int32_t fd,
		     uint32_t kind, int64_t ret, uint64_t gap, uint64_t dur)
{
	return work_at(g, t, &r, r ? 1 : 0, sc, fd, kind, ret, t->now + gap, t->now + gap + dur);
}

/* --- the thread pool family: threadpool, keepalive, streaming, losses, open-at-end, bench --- */

#define TP_LISTEN_FD 3
#define TP_LOG_FD 5
#define TP_GPU_FD 10
#define TP_MODEL_FD 11		/* a model file opened at start-up, read with pread64 */

struct tp_conf {
	uint32_t keep_lo, keep_hi;		/* requests per connection (bench) */
	uint64_t think_lo, think_hi;		/* client time between response and next request */
	uint64_t connect_lo, connect_hi;	/* until the next connection comes */
	unsigned int body_pm, lock_pm, slow_pm, gpu_pm, mem_pm, tail_pm, misc_pm, split_pm;
	unsigned int preexisting_pm;		/* first connection already open at attach */
	bool streaming;
};

struct worker {
	struct thr *t;
	int32_t conn_fd, file_fd;
	uint32_t *plan;			/* keep-alive count of each of its connections */
	size_t n_plan, i_plan;
	bool endless;			/* bench: connections forever */
	bool in_conn, poll_style, writev_style;
	uint32_t reqs_left;
	uint64_t next_arrival;		/* when the client's next request reaches the socket */
	uint32_t serial;		/* requests begun */
	uint32_t lose_from, lose_to;	/* serials [from, to) are lost (losses) */
	struct loss_win *loss;
	uint64_t mmap_base;
};

static const struct tp_conf tp_default = {
	.keep_lo = 1, .keep_hi = 12,
	.think_lo = 200 * US, .think_hi = 40 * MS,
	.connect_lo = 50 * US, .connect_hi = 30 * MS,
	.body_pm = 150, .lock_pm = 350, .slow_pm = 100, .gpu_pm = 450, .mem_pm = 200,
	.tail_pm = 300, .misc_pm = 120, .split_pm = 250, .preexisting_pm = 500,
};

static void tp_accept(struct gen *g, struct worker *w, const struct tp_conf *c)
{
	struct thr *t = w->t;
	struct rng *r = &t->rng;
	uint64_t connect_ns = t->now + logu(r, c->connect_lo, c->connect_hi);

	arrival(g, t->pid, TP_LISTEN_FD, connect_ns, 0, TRACE_ARRIVAL_CONNECT);
	ev_wait(g, t, SC_ACCEPT4, TP_LISTEN_FD, FD_KIND_TCP_LISTEN, w->conn_fd, rnd(r, 300, 3000),
		connect_ns, logu(r, 4 * US, 40 * US), 2 * US);
	ev(g, t, SC_SETSOCKOPT, w->conn_fd, FD_KIND_TCP, 0, rnd(r, 200, 2000), rnd(r, 600, 2500));
	/* The client sends once the connection is accepted: its bytes never predate it. */
	w->next_arrival = t->now + logu(r, 15 * US, 400 * US);
}

/* The client closes: the blocked read returns 0, then the worker closes its side. */
static void tp_hangup(struct gen *g, struct worker *w)
{
	struct thr *t = w->t;
	struct rng *r = &t->rng;
	uint64_t fin_ns = w->next_arrival;

	if (w->poll_style) {
		ev_wait(g, t, SC_POLL, -1, 0, 1, rnd(r, 300, 2000), fin_ns, logu(r, 3 * US, 30 * US),
			US);
		ev(g, t, SC_READ, w->conn_fd, FD_KIND_TCP, 0, rnd(r, 200, 900), rnd(r, 700, 2000));
	} else {
		ev_wait(g, t, SC_READ, w->conn_fd, FD_KIND_TCP, 0, rnd(r, 300, 2000), fin_ns,
			logu(r, 3 * US, 30 * US), 2 * US);
	}
	ev(g, t, SC_CLOSE, w->conn_fd, FD_KIND_TCP, 0, rnd(r, 300, 3000), rnd(r, 2 * US, 9 * US));
	w->in_conn = false;
}

/* The request's bytes are read: one blocking read, or poll then a short read. */
static void tp_receive(struct gen *g, struct worker *w, struct req *q, uint32_t bytes)
{
	struct thr *t = w->t;
	struct rng *r = &t->rng;
	uint64_t a = q->arrival_ns;

	if (w->poll_style) {
		/* IDLE state: the poll belongs to nothing. */
		ev_wait(g, t, SC_POLL, -1, 0, 1, rnd(r, 300, 2000), a, logu(r, 3 * US, 40 * US), US);
		rx(g, t, q, SC_READ, bytes, rnd(r, 200, 900), rnd(r, 2 * US, 8 * US));
	} else {
		uint64_t enter = t->now + rnd(r, 300, 2000);
		uint64_t exit = a + logu(r, 3 * US, 40 * US) + rnd(r, 500, 3000);

		if (exit < enter + 2 * US)
			exit = enter + 2 * US + rnd(r, 0, 3000);
		rx_at(g, t, q, SC_READ, bytes, enter, exit);
	}
}

/* An upload in a second segment: non-blocking servers see EAGAIN and poll inside the request. */
static void tp_body(struct gen *g, struct worker *w, struct req *q)
{
	struct thr *t = w->t;
	struct rng *r = &t->rng;
	uint64_t a2 = q->arrival_ns + logu(r, 40 * US, 900 * US);
	uint32_t bytes = (uint32_t)logu(r, 1000, 60000);

	if (a2 <= t->now + 3 * US) {
		arrival(g, t->pid, w->conn_fd, a2, bytes, TRACE_ARRIVAL_DATA);
		rx(g, t, q, SC_READ, bytes, rnd(r, 300, 2000), rnd(r, 2 * US, 12 * US));
		return;
	}
	arrival(g, t->pid, w->conn_fd, a2, bytes, TRACE_ARRIVAL_DATA);
	if (w->poll_style) {
		ev(g, t, SC_READ, w->conn_fd, FD_KIND_TCP, EAGAIN_RET, rnd(r, 300, 1500),
		   rnd(r, 700, 2500));	/* a failed receive: attributed to nothing */
		work_at(g, t, &q, 1, SC_POLL, -1, 0, 1, t->now + rnd(r, 300, 1500),
			(a2 > t->now + 3 * US ? a2 : t->now + 3 * US) + logu(r, 3 * US, 30 * US));
		rx(g, t, q, SC_READ, bytes, rnd(r, 200, 900), rnd(r, 2 * US, 12 * US));
	} else {
		uint64_t enter = t->now + rnd(r, 300, 1500);

		rx_at(g, t, q, SC_READ, bytes, enter, a2 + logu(r, 3 * US, 30 * US) + 2 * US);
	}
}

/* What a model server does between reading a request and answering it. */
static void tp_work(struct gen *g, struct worker *w, struct req *q, const struct tp_conf *c)
{
	struct thr *t = w->t;
	struct rng *r = &t->rng;
	bool mapped = false;

	user(t, logu(r, 5 * US, 80 * US));	/* parse */
	if (chance(r, c->lock_pm))		/* the shared cache's lock */
		work(g, t, q, SC_FUTEX, -1, 0, chance(r, 150) ? EAGAIN_RET : 0, rnd(r, 200, 3000),
		     logu(r, US, 1500 * US));
	if (chance(r, c->mem_pm)) {
		mapped = true;
		work(g, t, q, SC_MMAP, -1, 0, (int64_t)(w->mmap_base + 4096 * rnd(r, 0, 4095)),
		     rnd(r, 300, 3000), logu(r, 2 * US, 40 * US));
	}
	if (chance(r, c->slow_pm)) {		/* the slow path: a cold file read */
		int n = (int)rnd(r, 1, 3);

		work(g, t, q, SC_OPENAT, -1, 0, w->file_fd, rnd(r, 500, 3000), logu(r, 3 * US, 200 * US));
		work(g, t, q, SC_FSTAT, w->file_fd, FD_KIND_FILE, 0, rnd(r, 200, 900),
		     rnd(r, 600, 2000));
		for (int i = 0; i < n; i++)
			work(g, t, q, SC_READ, w->file_fd, FD_KIND_FILE,
			     i == n - 1 ? (int64_t)rnd(r, 1, 65536) : 65536, rnd(r, 300, 2000),
			     logu(r, 20 * US, 6 * MS));
		work(g, t, q, SC_CLOSE, w->file_fd, FD_KIND_FILE, 0, rnd(r, 300, 2000),
		     rnd(r, 700, 3000));
	} else if (chance(r, 200)) {		/* a warm read of the model file */
		work(g, t, q, SC_PREAD64, TP_MODEL_FD, FD_KIND_FILE, 4096 * (int64_t)rnd(r, 1, 16),
		     rnd(r, 300, 2000), logu(r, 2 * US, 30 * US));
	}
	if (chance(r, c->misc_pm)) {
		switch (rnd(r, 0, 2)) {
		case 0:
			work(g, t, q, SC_GETRANDOM, -1, 0, 16, rnd(r, 300, 2000), rnd(r, 700, 3000));
			break;
		case 1:
			work(g, t, q, SC_GETRUSAGE, -1, 0, 0, rnd(r, 300, 2000), rnd(r, 900, 3000));
			break;
		default:			/* a retry backoff */
			work(g, t, q, SC_NANOSLEEP, -1, 0, 0, rnd(r, 300, 2000), logu(r, 55 * US, MS));
			break;
		}
	}
	user(t, logu(r, 50 * US, 4 * MS));	/* inference on the CPU */
	if (chance(r, c->gpu_pm)) {
		int n = (int)rnd(r, 1, 3);

		for (int i = 0; i < n; i++)
			work(g, t, q, SC_IOCTL, TP_GPU_FD, FD_KIND_CHR, 0, logu(r, 2 * US, 60 * US),
			     logu(r, 80 * US, 6 * MS));
	}
	if (mapped)
		work(g, t, q, SC_MUNMAP, -1, 0, 0, rnd(r, 300, 3000), logu(r, 2 * US, 25 * US));
	user(t, logu(r, 5 * US, 60 * US));	/* serialize */
}

static void tp_respond(struct gen *g, struct worker *w, struct req *q, const struct tp_conf *c)
{
	struct thr *t = w->t;
	struct rng *r = &t->rng;
	enum sc sc = w->writev_style ? SC_WRITEV : SC_WRITE;
	uint32_t body = (uint32_t)logu(r, 200, 60000);

	if (chance(r, c->split_pm)) {		/* headers, then body: two sends, one burst */
		tx(g, t, q, SC_WRITE, (uint32_t)rnd(r, 120, 400), rnd(r, 300, 2000),
		   logu(r, 3 * US, 30 * US));
		tx(g, t, q, sc, body, logu(r, US, 40 * US), logu(r, 3 * US, 80 * US));
	} else {
		tx(g, t, q, sc, body, rnd(r, 300, 2000), logu(r, 3 * US, 80 * US));
	}
}

/* LLM-style: prefill, then bursts of token chunks separated by decode steps on the GPU. */
static void tp_stream(struct gen *g, struct worker *w, struct req *q, uint64_t stop_ns)
{
	struct thr *t = w->t;
	struct rng *r = &t->rng;
	uint32_t bursts = (uint32_t)rnd(r, 4, 40);

	work(g, t, q, SC_FUTEX, -1, 0, 0, rnd(r, 300, 3000), logu(r, US, 300 * US));
	work(g, t, q, SC_IOCTL, TP_GPU_FD, FD_KIND_CHR, 0, logu(r, 2 * US, 60 * US),
	     logu(r, 3 * MS, stop_ns ? 8 * MS : 60 * MS));	/* prefill: short prompts near the stop */
	for (uint32_t b = 0; b < bursts; b++) {
		uint32_t sends = (uint32_t)rnd(r, 1, 3) + (b == 0) + (b == bursts - 1);

		if (b) {
			uint64_t dur = logu(r, 4 * MS, 30 * MS);

			if (stop_ns && t->now + 3 * MS + dur >= stop_ns)
				return;		/* still decoding when the recording stops */
			work(g, t, q, SC_IOCTL, TP_GPU_FD, FD_KIND_CHR, 0, logu(r, 5 * US, 200 * US),
			     dur);
			if (chance(r, 300))
				work(g, t, q, SC_FUTEX, -1, 0, 1, rnd(r, 300, 3000), rnd(r, US, 6 * US));
		}
		if (stop_ns && t->now + (uint64_t)sends * 500 * US >= stop_ns)
			return;
		for (uint32_t s = 0; s < sends; s++)
			tx(g, t, q, SC_WRITE, (uint32_t)rnd(r, 40, 400),
			   s ? logu(r, 2 * US, 120 * US) : logu(r, 10 * US, 300 * US),
			   logu(r, 3 * US, 40 * US));
	}
}

/* The lost requests' events: from just before the first one to the last send of the last. */
static void tp_loss_mark(struct gen *g, struct worker *w, struct req *q, bool last)
{
	struct loss_win *l = w->loss;

	q->lost = true;
	if (last) {
		struct misc m = { .type = MISC_LOSS, .idx = (size_t)(l - g->losses) };

		l->end_ns = q->end_ns;
		m.key = l->end_ns + rnd(&w->t->rng, 20 * US, 900 * US);	/* noticed at the next drain */
		misc_push(g, m);
		if (g->dropped_arrivals) {	/* the same ring buffer held the arrivals */
			struct loss_win *a = &g->losses[g->n_losses++];

			*a = *l;
			a->what = MSLAT__LOSS__WHAT__ARRIVALS;
			a->tid = 0;
			a->count = g->dropped_arrivals;
			g->dropped_arrivals = 0;
			m.idx = (size_t)(a - g->losses);
			misc_push(g, m);
		}
	}
}

static void tp_request(struct gen *g, struct worker *w, const struct tp_conf *c)
{
	struct thr *t = w->t;
	struct rng *r = &t->rng;
	uint32_t bytes = (uint32_t)logu(r, 150, 1500);
	struct req *q = req_new(g, t, w->conn_fd, w->next_arrival);
	bool lost = w->loss && w->serial >= w->lose_from && w->serial < w->lose_to;

	if (lost && w->serial == w->lose_from)
		w->loss->start_ns = t->now + 1;
	g->drop_arrivals = lost;
	arrival(g, t->pid, w->conn_fd, q->arrival_ns, bytes, TRACE_ARRIVAL_DATA);
	tp_receive(g, w, q, bytes);
	if (chance(r, c->body_pm))
		tp_body(g, w, q);
	if (c->streaming) {
		tp_stream(g, w, q, 0);
	} else {
		tp_work(g, w, q, c);
		tp_respond(g, w, q, c);
	}
	g->drop_arrivals = false;
	if (lost)
		tp_loss_mark(g, w, q, w->serial + 1 == w->lose_to);
	w->serial++;
	if (chance(r, c->tail_pm)) {		/* after the last send: belongs to nothing */
		if (chance(r, 500))
			ev(g, t, SC_FUTEX, -1, 0, 1, rnd(r, 300, 3000), rnd(r, US, 6 * US));
		else
			ev(g, t, SC_WRITE, TP_LOG_FD, FD_KIND_FILE, (int64_t)rnd(r, 80, 200),
			   rnd(r, 500, 5000), logu(r, 3 * US, 90 * US));
	}
	/* The client reads the response, thinks, sends the next request (or hangs up). */
	w->next_arrival = q->end_ns + rnd(r, 20 * US, 80 * US) + logu(r, c->think_lo, c->think_hi);
}

/* The worker's next request, with the accept before it and the hang-up after it. */
static bool tp_chunk(struct gen *g, struct worker *w, const struct tp_conf *c)
{
	struct rng *r = &w->t->rng;

	if (!w->in_conn) {
		if (w->endless)
			w->reqs_left = (uint32_t)rnd(r, c->keep_lo, c->keep_hi);
		else if (w->i_plan < w->n_plan)
			w->reqs_left = w->plan[w->i_plan++];
		else
			return false;
		w->in_conn = true;
		if (w->i_plan == 1 && !w->serial && chance(r, c->preexisting_pm))
			w->next_arrival = w->t->now + logu(r, 10 * US, 20 * MS);
		else
			tp_accept(g, w, c);
	}
	tp_request(g, w, c);
	if (!--w->reqs_left)
		tp_hangup(g, w);
	return true;
}

static void worker_init(struct gen *g, struct worker *w, uint32_t pid, uint32_t idx)
{
	w->t = thr_new(g, pid, pid + 1 + idx, START_NS + 1 + rnd(&g->rng, 0, 400 * US));
	w->conn_fd = (int32_t)(16 + 2 * idx);
	w->file_fd = (int32_t)(17 + 2 * idx);
	w->poll_style = chance(&w->t->rng, 400);
	w->writev_style = chance(&w->t->rng, 500);
	w->mmap_base = 0x7f0000000000ULL + ((uint64_t)idx << 32);
}

/* Spread REQUESTS over CONNS connections (each ≥ 1), connection i to worker i % threads. */
static struct worker *tp_workers(struct gen *g, uint32_t pid, uint32_t threads, uint32_t conns,
				 uint32_t requests)
{
	struct worker *ws = calloc(threads, sizeof(*ws));
	uint32_t *counts = calloc(conns, sizeof(*counts));

	if (!ws || !counts) {
		fprintf(stderr, "synth: error: out of memory\n");
		exit(1);
	}
	for (uint32_t i = 0; i < conns; i++)
		counts[i] = 1;
	for (uint32_t i = conns; i < requests; i++)
		counts[rnd(&g->rng, 0, conns - 1)]++;
	for (uint32_t k = 0; k < threads; k++) {
		struct worker *w = &ws[k];

		worker_init(g, w, pid, k);
		w->plan = calloc(conns / threads + 1, sizeof(*w->plan));
		if (!w->plan) {
			fprintf(stderr, "synth: error: out of memory\n");
			exit(1);
		}
		for (uint32_t i = k; i < conns; i += threads)
			w->plan[w->n_plan++] = counts[i];
	}
	free(counts);
	return ws;
}

static void tp_free(struct worker *ws, uint32_t n)
{
	for (uint32_t i = 0; ws && i < n; i++)
		free(ws[i].plan);
	free(ws);
}

static const char *const tp_argv[] = { "/opt/model/bin/model-server", "--threads", "8", "--port",
				       "8080", "--model", "/opt/model/weights.bin", NULL };
static const char *const stream_argv[] = { "/usr/bin/python3", "-m", "llm_server", "--stream",
					   "--port", "8000", NULL };

static void tp_target(struct gen *g, uint32_t pid, const char *const *argv, const char *comm)
{
	g->target_pid = pid;
	g->target_argv = argv;
	g->comm = comm;
	g->exe = argv[0];
	process_rec(g, MSLAT__PROCESS_INFO__WHAT__SNAPSHOT, START_NS, pid, 1, 0);
}

static void tp_run(struct gen *g, const struct tp_conf *c, struct worker *ws, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		while (tp_chunk(g, &ws[k], c))
			;
}

static int scn_threadpool(struct gen *g)
{
	uint32_t pid = 4100;
	struct worker *ws;

	tp_target(g, pid, tp_argv, "model-server");
	ws = tp_workers(g, pid, g->threads, g->connections, g->requests);
	tp_run(g, &tp_default, ws, g->threads);
	tp_free(ws, g->threads);
	return 0;
}

static int scn_keepalive(struct gen *g)
{
	struct tp_conf c = tp_default;
	uint32_t pid = 4200;
	struct worker *ws;

	c.think_lo = 30 * US;
	c.think_hi = 3 * MS;
	c.preexisting_pm = 1000;
	tp_target(g, pid, tp_argv, "model-server");
	ws = tp_workers(g, pid, g->threads, g->connections, g->requests);
	tp_run(g, &c, ws, g->threads);
	tp_free(ws, g->threads);
	return 0;
}

static int scn_streaming(struct gen *g)
{
	struct tp_conf c = tp_default;
	uint32_t pid = 4300;
	struct worker *ws;

	c.streaming = true;
	c.body_pm = 300;
	tp_target(g, pid, stream_argv, "python3");
	ws = tp_workers(g, pid, g->threads, g->connections, g->requests);
	tp_run(g, &c, ws, g->threads);
	tp_free(ws, g->threads);
	return 0;
}

static int scn_losses(struct gen *g)
{
	static const struct { uint32_t worker, from, to; } plan[] = {
		{ 1, 3, 5 }, { 4, 7, 8 }, { 6, 2, 5 },
	};
	uint32_t pid = 4400;
	struct worker *ws;

	tp_target(g, pid, tp_argv, "model-server");
	ws = tp_workers(g, pid, g->threads, g->connections, g->requests);
	for (size_t i = 0; i < sizeof(plan) / sizeof(plan[0]); i++) {
		struct worker *w = &ws[plan[i].worker % g->threads];
		struct loss_win *l;

		if (w->loss)
			continue;
		l = &g->losses[g->n_losses++];
		l->tid = w->t->tid;
		l->cpu = w->t->tid % CPU_COUNT;
		w->loss = l;
		w->lose_from = plan[i].from;
		w->lose_to = plan[i].to;
	}
	tp_run(g, &tp_default, ws, g->threads);
	for (size_t i = 0; i < g->n_losses; i++)
		if (!g->losses[i].end_ns) {
			fprintf(stderr, "synth: error: losses needs more requests per thread "
					"(--requests)\n");
			tp_free(ws, g->threads);
			return -EINVAL;
		}
	tp_free(ws, g->threads);
	return 0;
}

/*
 * Every worker serves one keep-alive connection until shortly before the
 * recording stops; then each is left in one of three states: blocked waiting
 * for a request (nothing open), RECEIVING (request read, blocked on the GPU:
 * incomplete), or RESPONDING (streaming, some tokens sent: complete).
 */
static int scn_open_at_end(struct gen *g)
{
	struct tp_conf c = tp_default;
	uint32_t pid = 4500, per = g->requests / g->threads;
	uint64_t cut = 0;
	struct worker *ws;

	c.preexisting_pm = 1000;
	c.tail_pm = 0;
	tp_target(g, pid, stream_argv, "python3");
	ws = tp_workers(g, pid, g->threads, g->threads, per * g->threads);
	for (uint32_t k = 0; k < g->threads; k++) {
		struct worker *w = &ws[k];

		w->plan[0]++;		/* never hang up: the final request comes on it */
		while (w->plan[0] > 1) {
			tp_chunk(g, w, &c);
			w->plan[0]--;
		}
		if (w->t->now > cut)
			cut = w->t->now;
	}
	cut += 80 * MS;
	g->end_ns = cut;
	for (uint32_t k = 0; k < g->threads; k++) {
		struct worker *w = &ws[k];
		struct thr *t = w->t;
		struct rng *r = &t->rng;
		struct req *q;
		uint32_t bytes = (uint32_t)logu(r, 150, 1500);

		switch (k % 3) {
		case 0:		/* idle: the client's next request comes after the end */
			break;
		case 1:		/* RECEIVING: read, then in a GPU call that outlives the recording */
			q = req_new(g, t, w->conn_fd, cut - rnd(r, 2 * MS, 40 * MS));
			arrival(g, t->pid, w->conn_fd, q->arrival_ns, bytes, TRACE_ARRIVAL_DATA);
			tp_receive(g, w, q, bytes);
			break;
		default:	/* RESPONDING: streaming when the recording stops */
			q = req_new(g, t, w->conn_fd, cut - rnd(r, 60 * MS, 75 * MS));
			arrival(g, t->pid, w->conn_fd, q->arrival_ns, bytes, TRACE_ARRIVAL_DATA);
			tp_receive(g, w, q, bytes);
			tp_stream(g, w, q, cut);
			if (!q->sends) {
				fprintf(stderr, "synth: bug: open-at-end stream sent nothing\n");
				abort();
			}
			break;
		}
	}
	tp_free(ws, g->threads);
	return 0;
}

/* --- eventloop: one thread, many connections, work handed to executor threads --- */

#define EL_LISTEN_FD 3
#define EL_EPOLL_FD 4
#define EL_PIPE_R 5
#define EL_PIPE_W 6
#define EL_GPU_FD 7
#define EL_FILE_FD 8
#define EL_CONN_FD 10
#define EL_MAX_CONNS 1024

struct el_conn {
	bool open;
	bool fin;		/* the next thing to arrive is the client's FIN */
	bool done;		/* the client sends nothing more */
	uint64_t next_ns;	/* when the next request (or FIN) arrives; UINT64_MAX: none */
	uint32_t bytes;
};


struct el_done {
	uint64_t time_ns;	/* the executor's pipe write returned */
	struct req *q;
	uint32_t conn;
};

struct el {
	struct gen *g;
	struct thr *loop;
	struct thr *exec[64];
	uint32_t n_exec;
	struct el_conn conns[EL_MAX_CONNS];
	uint32_t n_conns;
	struct req **open;	/* received, not yet answered: open on the loop thread */
	size_t n_open, cap_open;
	struct el_done *done;	/* finished jobs the loop has not answered, by time */
	size_t n_done, cap_done;
	uint32_t issued;
};

static uint64_t el_work(struct el *e, enum sc sc, int32_t fd, uint32_t kind, int64_t ret,
			uint64_t gap, uint64_t dur)
{
	struct thr *t = e->loop;

	return work_at(e->g, t, e->open, e->n_open, sc, fd, kind, ret, t->now + gap,
		       t->now + gap + dur);
}

/* The client's next request, AFTER its previous response (closed loop), or nothing more. */
static void el_next_request(struct el *e, struct el_conn *c, uint64_t after)
{
	struct rng *r = &e->g->rng;

	c->fin = false;
	if (e->issued >= e->g->requests) {
		c->done = true;
		c->next_ns = UINT64_MAX;
		return;
	}
	e->issued++;
	c->next_ns = after + logu(r, 100 * US, 25 * MS);
	c->bytes = (uint32_t)logu(r, 150, 3000);
}

/* An executor thread takes the job at SUBMIT_NS, runs it on the GPU and wakes the loop. */
static void el_execute(struct el *e, struct req *q, uint32_t conn, uint64_t submit_ns)
{
	struct gen *g = e->g;
	struct thr *t = e->exec[0];
	struct rng *r;
	uint64_t start;
	size_t i;
	int n;

	for (uint32_t k = 1; k < e->n_exec; k++)
		if (e->exec[k]->now < t->now)
			t = e->exec[k];
	r = &t->rng;
	start = submit_ns + logu(r, 5 * US, 50 * US);
	if (start < t->now + 5 * US)
		start = t->now + 5 * US + rnd(r, 0, 3 * US);
	ev_at(g, t, SC_FUTEX, -1, 0, 0, t->now + rnd(r, 300, 2000), start);
	n = (int)rnd(r, 1, 3);
	for (int k = 0; k < n; k++)
		ev(g, t, SC_IOCTL, EL_GPU_FD, FD_KIND_CHR, 0, logu(r, 3 * US, 300 * US),
		   logu(r, 200 * US, 8 * MS));
	if (chance(r, 200))
		ev(g, t, SC_MMAP, -1, 0, (int64_t)(0x7f5500000000ULL + 4096 * rnd(r, 0, 65535)),
		   rnd(r, 300, 3000), logu(r, 2 * US, 40 * US));
	ev(g, t, SC_WRITE, EL_PIPE_W, FD_KIND_PIPE, 8, rnd(r, 300, 3000), rnd(r, 2 * US, 9 * US));
	e->done = grow(e->done, &e->cap_done, e->n_done + 1, sizeof(*e->done));
	for (i = e->n_done; i && e->done[i - 1].time_ns > t->now; i--)
		e->done[i] = e->done[i - 1];
	e->done[i] = (struct el_done){ .time_ns = t->now, .q = q, .conn = conn };
	e->n_done++;
}

static void el_open_add(struct el *e, struct req *q)
{
	e->open = grow(e->open, &e->cap_open, e->n_open + 1, sizeof(*e->open));
	e->open[e->n_open++] = q;
}

static void el_open_remove(struct el *e, struct req *q)
{
	for (size_t i = 0; i < e->n_open; i++)
		if (e->open[i] == q) {
			memmove(&e->open[i], &e->open[i + 1], (e->n_open - i - 1) * sizeof(*e->open));
			e->n_open--;
			return;
		}
}

static void el_read_request(struct el *e, uint32_t i)
{
	struct gen *g = e->g;
	struct thr *t = e->loop;
	struct rng *r = &g->rng;
	struct el_conn *c = &e->conns[i];
	int32_t fd = (int32_t)(EL_CONN_FD + i);
	struct req *q = req_new(g, t, fd, c->next_ns);

	arrival(g, t->pid, fd, c->next_ns, c->bytes, TRACE_ARRIVAL_DATA);
	rx(g, t, q, SC_READ, c->bytes, rnd(r, 300, 3000), logu(r, 2 * US, 15 * US));
	c->next_ns = UINT64_MAX;
	if (chance(r, 150))	/* drained to EAGAIN: a failed receive, attributed to nothing */
		ev(g, t, SC_READ, fd, FD_KIND_TCP, EAGAIN_RET, rnd(r, 300, 1500), rnd(r, 700, 2500));
	el_open_add(e, q);
	user(t, logu(r, 10 * US, 120 * US));	/* parse, validate */
	if (chance(r, 40)) {			/* blocking file I/O on the loop: a hotspot */
		el_work(e, SC_OPENAT, -1, 0, EL_FILE_FD, rnd(r, 300, 2000), logu(r, 3 * US, 100 * US));
		el_work(e, SC_READ, EL_FILE_FD, FD_KIND_FILE, (int64_t)rnd(r, 1, 65536),
			rnd(r, 300, 2000), logu(r, 50 * US, 4 * MS));
		el_work(e, SC_CLOSE, EL_FILE_FD, FD_KIND_FILE, 0, rnd(r, 300, 2000), rnd(r, US, 3 * US));
	}
	el_work(e, SC_FUTEX, -1, 0, 1, rnd(r, 300, 2000), rnd(r, US, 6 * US));	/* hand to executor */
	el_execute(e, q, i, t->now);
}

static void el_respond(struct el *e, const struct el_done *d)
{
	struct gen *g = e->g;
	struct thr *t = e->loop;
	struct rng *r = &g->rng;
	struct el_conn *c = &e->conns[d->conn];

	if (chance(r, 200)) {
		tx(g, t, d->q, SC_WRITE, (uint32_t)rnd(r, 120, 300), rnd(r, 300, 3000),
		   logu(r, 3 * US, 20 * US));
		tx(g, t, d->q, SC_WRITE, (uint32_t)logu(r, 100, 30000), logu(r, 500, 20 * US),
		   logu(r, 3 * US, 40 * US));
	} else {
		tx(g, t, d->q, chance(r, 500) ? SC_WRITEV : SC_WRITE, (uint32_t)logu(r, 200, 30000),
		   rnd(r, 300, 3000), logu(r, 3 * US, 40 * US));
	}
	el_open_remove(e, d->q);
	if (chance(r, 30) && e->issued < g->requests) {	/* the client hangs up */
		c->fin = true;
		c->next_ns = t->now + logu(r, 200 * US, 10 * MS);
	} else {
		el_next_request(e, c, t->now + rnd(r, 20 * US, 80 * US));
	}
}

/* The client's FIN: read returns 0, the loop closes; the client reconnects later. */
static void el_hangup(struct el *e, uint32_t i)
{
	struct gen *g = e->g;
	struct thr *t = e->loop;
	struct rng *r = &g->rng;
	struct el_conn *c = &e->conns[i];
	int32_t fd = (int32_t)(EL_CONN_FD + i);

	ev(g, t, SC_READ, fd, FD_KIND_TCP, 0, rnd(r, 300, 3000), rnd(r, US, 4 * US));
	el_work(e, SC_CLOSE, fd, FD_KIND_TCP, 0, rnd(r, 300, 2000), rnd(r, 2 * US, 9 * US));
	c->open = false;
	c->fin = false;
	c->next_ns = t->now + logu(r, 300 * US, 20 * MS);	/* reconnect */
	arrival(g, t->pid, EL_LISTEN_FD, c->next_ns, 0, TRACE_ARRIVAL_CONNECT);
}

static void el_accept(struct el *e, uint32_t i)
{
	struct gen *g = e->g;
	struct thr *t = e->loop;
	struct rng *r = &g->rng;
	int32_t fd = (int32_t)(EL_CONN_FD + i);

	el_work(e, SC_ACCEPT4, EL_LISTEN_FD, FD_KIND_TCP_LISTEN, fd, rnd(r, 300, 2000),
		rnd(r, 3 * US, 12 * US));
	el_work(e, SC_EPOLL_CTL, EL_EPOLL_FD, FD_KIND_ANON, 0, rnd(r, 300, 2000), rnd(r, US, 3 * US));
	el_work(e, SC_SETSOCKOPT, fd, FD_KIND_TCP, 0, rnd(r, 300, 2000), rnd(r, 600, 2500));
	e->conns[i].open = true;
	el_next_request(e, &e->conns[i], t->now);
}

static uint64_t el_next_ready(const struct el *e)
{
	uint64_t t = e->n_done ? e->done[0].time_ns : UINT64_MAX;

	for (uint32_t i = 0; i < e->n_conns; i++)
		if (e->conns[i].next_ns < t)
			t = e->conns[i].next_ns;
	return t;
}

static const char *const el_argv[] = { "/usr/bin/python3", "/usr/local/bin/uvicorn", "app:app",
				       "--host", "0.0.0.0", "--port", "8000", NULL };

/*
 * uvicorn/node style: one thread multiplexes every connection with epoll;
 * inference runs on executor threads, which wake the loop through a pipe.
 * Requests overlap on the loop thread: its other syscalls are shared time.
 */
static int scn_eventloop(struct gen *g)
{
	struct el *e = calloc(1, sizeof(*e));
	uint32_t pid = 2210;
	struct thr *t;
	struct rng *r = &g->rng;

	if (!e)
		return -ENOMEM;
	e->g = g;
	e->n_conns = g->connections;
	e->n_exec = g->threads;
	tp_target(g, pid, el_argv, "uvicorn");
	t = e->loop = thr_new(g, pid, pid, START_NS + rnd(r, 10 * US, 300 * US));
	for (uint32_t k = 0; k < e->n_exec; k++)
		e->exec[k] = thr_new(g, pid, pid + 1 + k, START_NS + rnd(r, 10 * US, 300 * US));
	for (uint32_t i = 0; i < e->n_conns; i++) {
		e->conns[i].open = true;	/* connected before the recording began */
		el_next_request(e, &e->conns[i], START_NS);
	}
	for (;;) {
		uint64_t ready = el_next_ready(e), exit, enter = t->now + rnd(r, 300, 3000);
		int64_t n = 0;

		if (ready == UINT64_MAX)
			break;	/* blocked in epoll_wait for good */
		exit = ready + logu(r, 3 * US, 30 * US);
		if (exit < enter + US)
			exit = enter + US + rnd(r, 0, 2 * US);
		for (uint32_t i = 0; i < e->n_conns; i++)
			n += e->conns[i].next_ns < exit;
		n += e->n_done && e->done[0].time_ns < exit;
		work_at(g, t, e->open, e->n_open, SC_EPOLL_WAIT, EL_EPOLL_FD, FD_KIND_ANON, n, enter, exit);
		for (uint32_t i = 0; i < e->n_conns; i++) {
			struct el_conn *c = &e->conns[i];

			if (c->next_ns >= exit)
				continue;
			if (!c->open)
				el_accept(e, i);
			else if (c->fin)
				el_hangup(e, i);
			else
				el_read_request(e, i);
		}
		if (e->n_done && e->done[0].time_ns < exit) {
			size_t k = 0, m;
			uint64_t rd_enter = t->now + rnd(r, 300, 3000);

			while (k < e->n_done && e->done[k].time_ns < rd_enter)
				k++;
			work_at(g, t, e->open, e->n_open, SC_READ, EL_PIPE_R, FD_KIND_PIPE,
				8 * (int64_t)k, rd_enter, rd_enter + rnd(r, US, 4 * US));
			for (m = 0; m < k; m++)
				el_respond(e, &e->done[m]);
			memmove(e->done, e->done + k, (e->n_done - k) * sizeof(*e->done));
			e->n_done -= k;
		}
		if (chance(r, 20))	/* the allocator grows or trims a buffer */
			el_work(e, chance(r, 500) ? SC_MMAP : SC_MUNMAP, -1, 0,
				(int64_t)(chance(r, 500) ? 0 : 0x7f6600000000ULL), rnd(r, 300, 3000),
				logu(r, 2 * US, 30 * US));
	}
	free(e->open);
	free(e->done);
	free(e);
	return 0;
}

/* --- forks: a gunicorn master forking sync workers, one of them recycled --- */

#define GU_LISTEN_FD 3
#define GU_CONF_FD 5
#define GU_TMP_FD 6
#define GU_CONN_FD 7
#define GU_GPU_FD 8

static const char *const gu_argv[] = { "/usr/bin/python3", "/usr/local/bin/gunicorn", "-w", "4",
				       "--max-requests", "40", "-b", "0.0.0.0:8000", "app:app",
				       NULL };

/* A sync worker: accept, one request, close, for NREQ connections; then exit or wait. */
static void gu_worker(struct gen *g, struct thr *t, uint32_t nreq)
{
	struct rng *r = &t->rng;

	ev(g, t, SC_GETRANDOM, -1, 0, 32, rnd(r, 20 * US, 200 * US), rnd(r, US, 3 * US));
	for (uint32_t k = 0; k < nreq; k++) {
		uint64_t connect_ns;
		uint32_t bytes = (uint32_t)logu(r, 150, 2000);
		struct req *q;

		ev(g, t, SC_FCHMOD, GU_TMP_FD, FD_KIND_FILE, 0, rnd(r, 2 * US, 20 * US),
		   rnd(r, US, 4 * US));	/* the arbiter's heartbeat */
		connect_ns = t->now + logu(r, 50 * US, 40 * MS);
		arrival(g, t->pid, GU_LISTEN_FD, connect_ns, 0, TRACE_ARRIVAL_CONNECT);
		ev_wait(g, t, SC_ACCEPT4, GU_LISTEN_FD, FD_KIND_TCP_LISTEN, GU_CONN_FD,
			rnd(r, 300, 3000), connect_ns, logu(r, 4 * US, 40 * US), 2 * US);
		q = req_new(g, t, GU_CONN_FD, t->now + logu(r, 15 * US, 300 * US));
		arrival(g, t->pid, GU_CONN_FD, q->arrival_ns, bytes, TRACE_ARRIVAL_DATA);
		rx_at(g, t, q, SC_RECVFROM, bytes, t->now + rnd(r, 300, 2000),
		      q->arrival_ns + logu(r, 3 * US, 40 * US) + 2 * US);
		if (chance(r, 200)) {
			uint64_t a2 = q->arrival_ns + logu(r, 40 * US, 600 * US);
			uint32_t b2 = (uint32_t)logu(r, 1000, 30000);
			uint64_t enter = t->now + rnd(r, 300, 2000);

			arrival(g, t->pid, GU_CONN_FD, a2, b2, TRACE_ARRIVAL_DATA);
			rx_at(g, t, q, SC_RECVFROM, b2, enter,
			      (a2 > enter ? a2 : enter) + logu(r, 3 * US, 30 * US));
		}
		user(t, logu(r, 30 * US, 400 * US));
		if (chance(r, 150)) {
			work(g, t, q, SC_OPENAT, -1, 0, GU_CONF_FD, rnd(r, 300, 2000),
			     logu(r, 3 * US, 100 * US));
			work(g, t, q, SC_READ, GU_CONF_FD, FD_KIND_FILE, (int64_t)rnd(r, 100, 65536),
			     rnd(r, 300, 2000), logu(r, 20 * US, 5 * MS));
			work(g, t, q, SC_CLOSE, GU_CONF_FD, FD_KIND_FILE, 0, rnd(r, 300, 2000),
			     rnd(r, US, 3 * US));
		}
		if (chance(r, 250))
			work(g, t, q, SC_MMAP, -1, 0, (int64_t)(0x7f7700000000ULL + 4096 * rnd(r, 0, 4095)),
			     rnd(r, 300, 3000), logu(r, 2 * US, 40 * US));
		user(t, logu(r, 100 * US, 5 * MS));
		if (chance(r, 500))
			work(g, t, q, SC_IOCTL, GU_GPU_FD, FD_KIND_CHR, 0, logu(r, 3 * US, 60 * US),
			     logu(r, 100 * US, 8 * MS));
		if (chance(r, 60))
			work(g, t, q, SC_GETRUSAGE, -1, 0, 0, rnd(r, 300, 3000), rnd(r, US, 3 * US));
		tx(g, t, q, SC_SENDTO, (uint32_t)rnd(r, 120, 300), rnd(r, 2 * US, 30 * US),
		   logu(r, 3 * US, 30 * US));
		tx(g, t, q, SC_SENDTO, (uint32_t)logu(r, 100, 40000), logu(r, US, 30 * US),
		   logu(r, 3 * US, 60 * US));
		ev(g, t, SC_CLOSE, GU_CONN_FD, FD_KIND_TCP, 0, rnd(r, 2 * US, 20 * US),
		   rnd(r, 2 * US, 9 * US));
	}
}

static struct thr *gu_fork(struct gen *g, struct thr *m, uint32_t child)
{
	struct rng *r = &m->rng;
	uint64_t enter = m->now + rnd(r, 5 * US, 60 * US), dur = logu(r, 60 * US, 400 * US);

	ev_at(g, m, SC_CLONE, -1, 0, child, enter, enter + dur);
	process_rec(g, MSLAT__PROCESS_INFO__WHAT__FORK, enter + dur / 2, child, m->pid, 0);
	return thr_new(g, child, child, enter + dur / 2 + rnd(r, 10 * US, 80 * US));
}

/* The arbiter sleeps in select (1 s timeout) until UNTIL; a SIGCHLD interrupts it at SIGCHLD_NS. */
static void gu_arbiter_wait(struct gen *g, struct thr *m, uint64_t until, uint64_t sigchld_ns)
{
	struct rng *r = &m->rng;

	for (;;) {
		uint64_t enter = m->now + rnd(r, 20 * US, 200 * US), exit = enter + SEC + rnd(r, 50 * US, 400 * US);

		if (sigchld_ns && sigchld_ns < exit) {
			ev_at(g, m, SC_SELECT, -1, 0, EINTR_RET, enter,
			      (sigchld_ns > enter ? sigchld_ns : enter) + logu(r, 5 * US, 40 * US));
			return;
		}
		if (exit > until)
			return;
		ev_at(g, m, SC_SELECT, -1, 0, 0, enter, exit);
	}
}

static int scn_forks(struct gen *g)
{
	uint32_t master = 3100, n = g->threads, next_pid = master + 1;
	uint32_t per = g->requests / n, extra = g->requests % n, first_life;
	struct thr *m, *w0, *repl;
	struct rng *r = &g->rng;
	uint64_t end = 0, exit_ns;

	if (per < 2) {
		fprintf(stderr, "synth: error: forks needs at least 2 requests per worker\n");
		return -EINVAL;
	}
	g->target_pid = master;
	g->target_argv = gu_argv;
	g->comm = "gunicorn";
	g->exe = gu_argv[0];
	process_rec(g, MSLAT__PROCESS_INFO__WHAT__EXEC, START_NS + rnd(r, 1 * US, 20 * US), master,
		    master - 2, 0);
	m = thr_new(g, master, master, START_NS + 40 * US);
	ev(g, m, SC_OPENAT, -1, 0, GU_CONF_FD, rnd(r, 100 * US, 900 * US), logu(r, 5 * US, 40 * US));
	ev(g, m, SC_FSTAT, GU_CONF_FD, FD_KIND_FILE, 0, rnd(r, 2 * US, 9 * US), rnd(r, US, 3 * US));
	ev(g, m, SC_READ, GU_CONF_FD, FD_KIND_FILE, 1337, rnd(r, 2 * US, 9 * US), logu(r, 5 * US, 40 * US));
	ev(g, m, SC_CLOSE, GU_CONF_FD, FD_KIND_FILE, 0, rnd(r, 2 * US, 9 * US), rnd(r, US, 3 * US));
	ev(g, m, SC_SOCKET, -1, 0, GU_LISTEN_FD, rnd(r, 50 * US, 300 * US), rnd(r, 3 * US, 12 * US));
	ev(g, m, SC_SETSOCKOPT, GU_LISTEN_FD, FD_KIND_TCP, 0, rnd(r, 2 * US, 9 * US), rnd(r, US, 3 * US));
	ev(g, m, SC_BIND, GU_LISTEN_FD, FD_KIND_TCP, 0, rnd(r, 2 * US, 9 * US), rnd(r, 3 * US, 12 * US));
	ev(g, m, SC_LISTEN, GU_LISTEN_FD, FD_KIND_TCP, 0, rnd(r, 2 * US, 9 * US), rnd(r, 2 * US, 8 * US));
	ev(g, m, SC_OPENAT, -1, 0, GU_TMP_FD, rnd(r, 20 * US, 90 * US), logu(r, 5 * US, 40 * US));

	/* Worker 0 is recycled half-way (--max-requests): it exits, the master forks a new one. */
	first_life = (per + extra) / 2;
	w0 = gu_fork(g, m, next_pid++);
	gu_worker(g, w0, first_life);
	exit_ns = w0->now + logu(r, 50 * US, 900 * US);
	process_rec(g, MSLAT__PROCESS_INFO__WHAT__EXIT, exit_ns, w0->pid, master, 0);
	for (uint32_t k = 1; k < n; k++) {
		struct thr *w = gu_fork(g, m, next_pid++);

		gu_worker(g, w, per);
		if (w->now > end)
			end = w->now;
	}
	gu_arbiter_wait(g, m, UINT64_MAX, exit_ns);
	ev(g, m, SC_WAIT4, -1, 0, w0->pid, rnd(r, 5 * US, 40 * US), rnd(r, 2 * US, 9 * US));
	ev(g, m, SC_WAIT4, -1, 0, 0, rnd(r, 2 * US, 9 * US), rnd(r, US, 4 * US));	/* WNOHANG: no more */
	repl = gu_fork(g, m, next_pid++);
	gu_worker(g, repl, per + extra - first_life);
	if (repl->now > end)
		end = repl->now;
	g->end_ns = end + rnd(r, 2 * MS, 30 * MS);
	gu_arbiter_wait(g, m, g->end_ns, 0);
	return 0;
}

/* --- writing: everything in the order a recorder sees it ------------------ */

static int put_misc(struct gen *g, const struct misc *m)
{
	const struct proc_rec *p;
	Mslat__ProcessInfo pi = MSLAT__PROCESS_INFO__INIT;
	Mslat__Loss loss = MSLAT__LOSS__INIT;
	const struct loss_win *l;

	switch (m->type) {
	case MISC_ARRIVAL:
		g->n_arrivals++;
		return trace_writer__append_arrival(g->w, &m->ar);
	case MISC_PROCESS:
		p = &g->procs[m->idx];
		pi.what = p->what;
		pi.time_ns = p->time_ns;
		pi.pid = p->pid;
		pi.ppid = p->ppid;
		pi.tid = p->tid;
		pi.comm = (char *)g->comm;
		pi.thread_comm = (char *)g->comm;
		pi.exe = (char *)g->exe;
		pi.cgroup = (char *)"/system.slice/model-server.service";
		for (pi.n_cmdline = 0; g->target_argv[pi.n_cmdline]; pi.n_cmdline++)
			;
		pi.cmdline = (char **)g->target_argv;
		pi.exit_code = p->exit_code;
		g->n_written_procs++;
		return trace_writer__append_process(g->w, &pi);
	case MISC_LOSS:
		l = &g->losses[m->idx];
		loss.cpu = l->cpu;
		loss.count = l->count;
		loss.start_ns = l->start_ns;
		loss.end_ns = l->end_ns;
		loss.what = l->what;
		g->n_lost += l->count;
		return trace_writer__append_loss(g->w, &loss);
	}
	return -EINVAL;
}

static int drain_misc(struct gen *g, uint64_t upto)
{
	int err = 0;

	while (!err && g->n_misc && g->misc[0].key <= upto) {
		struct misc m = misc_pop(g);

		err = put_misc(g, &m);
	}
	return err;
}

/* What was written, per syscall and per process: for tests of dump's filters. */
static void count_event(struct gen *g, const struct trace_event *ev)
{
	size_t i;

	for (int k = 0; k < SC__COUNT; k++)
		if (g->nr[k] == ev->syscall) {
			g->by_sc[k]++;
			break;
		}
	for (i = 0; i < g->n_by_pid && g->by_pid_pid[i] != ev->pid; i++)
		;
	if (i == g->n_by_pid) {
		if (i == sizeof(g->by_pid_pid) / sizeof(g->by_pid_pid[0]))
			return;
		g->by_pid_pid[g->n_by_pid++] = ev->pid;
		g->by_pid_cnt[i] = 0;
	}
	g->by_pid_cnt[i]++;
}

static int put_event(struct gen *g, const struct item *it)
{
	int err;

	for (size_t i = 0; i < g->n_losses; i++) {
		struct loss_win *l = &g->losses[i];

		if (l->what == MSLAT__LOSS__WHAT__EVENTS && it->ev.tid == l->tid && it->key >= l->start_ns && it->key <= l->end_ns) {
			l->count++;
			return 0;
		}
	}
	err = drain_misc(g, it->key);
	if (err)
		return err;
	g->n_events++;
	g->last_key = it->key;
	if (!g->bench)
		count_event(g, &it->ev);
	return trace_writer__append_event(g->w, &it->ev);
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Golden scenarios: everything was generated; merge the threads by exit time and write. */
static int write_sorted(struct gen *g)
{
	struct item *all;
	size_t n = 0, k = 0;
	int err = 0;

	for (size_t i = 0; i < g->n_thrs; i++)
		n += g->thrs[i]->q_len;
	all = malloc((n ? n : 1) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < g->n_thrs; i++) {
		if (!g->thrs[i]->q_len)
			continue;
		memcpy(all + k, g->thrs[i]->q, g->thrs[i]->q_len * sizeof(*all));
		k += g->thrs[i]->q_len;
	}
	qsort(all, n, sizeof(*all), item_cmp);
	if (g->end_ns && n && all[n - 1].key > g->end_ns) {
		fprintf(stderr, "synth: bug: an event ends after the recording stopped\n");
		abort();
	}
	for (size_t i = 0; !err && i < n; i++)
		err = put_event(g, &all[i]);
	if (!err)
		err = drain_misc(g, UINT64_MAX);
	free(all);
	return err;
}

/* --- bench: thread-pool traffic generated and written as a stream --------- */

struct bench_worker {
	struct worker w;
	size_t chunk_start;	/* index of the first event of the last chunk generated */
};

/* The merge heap holds each worker's next event's (key, seq): one cache line per level. */
struct bench_slot {
	uint64_t key;
	struct bench_worker *b;
};

/* Keys only: equal exit times are rare and still merged the same way on every run. */
static inline bool slot_less(const struct bench_slot *x, const struct bench_slot *y)
{
	return x->key < y->key;
}

static void bw_sift(struct bench_slot *h, size_t n, size_t i)
{
	struct bench_slot v = h[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && slot_less(&h[c + 1], &h[c]))
			c++;
		if (!slot_less(&h[c], &v))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = v;
}

/*
 * A worker's next chunk is generated when the first event of its last one is
 * written: every record a chunk adds (arrivals) is then later than anything
 * already written, so the stream stays in recorder order without buffering.
 */
static void bw_advance(struct gen *g, struct bench_worker *b)
{
	struct thr *t = b->w.t;

	t->q_head++;
	if (t->q_head - 1 != b->chunk_start)
		return;
	if (t->q_head > 1024 && t->q_head * 2 > t->q_len) {
		memmove(t->q, t->q + t->q_head, (t->q_len - t->q_head) * sizeof(*t->q));
		t->q_len -= t->q_head;
		t->q_head = 0;
	}
	b->chunk_start = t->q_len;
	tp_chunk(g, &b->w, &tp_default);
}

static void bw_slot(struct bench_slot *s, struct bench_worker *b)
{
	const struct item *it = &b->w.t->q[b->w.t->q_head];

	s->key = it->key;
	s->b = b;
}

static int scn_bench_write(struct gen *g)
{
	uint32_t pid = 4600, n = g->threads;
	struct bench_worker *bw = calloc(n, sizeof(*bw));
	struct bench_slot *heap = calloc(n, sizeof(*heap));
	int err = 0;

	if (!bw || !heap) {
		free(bw);
		free(heap);
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < n; k++) {
		worker_init(g, &bw[k].w, pid, k);
		bw[k].w.endless = true;
		tp_chunk(g, &bw[k].w, &tp_default);
		bw_slot(&heap[k], &bw[k]);
	}
	for (size_t i = n / 2 + 1; i-- > 0;)
		bw_sift(heap, n, i);
	while (!err && g->n_events < g->events_target) {
		struct bench_worker *b = heap[0].b;

		/* Written before the next chunk exists: its records all come later (see bw_advance). */
		err = put_event(g, &b->w.t->q[b->w.t->q_head]);
		bw_advance(g, b);
		bw_slot(&heap[0], b);
		bw_sift(heap, n, 0);
	}
	if (!err)
		err = drain_misc(g, g->last_key);
	g->n_misc = 0;	/* the rest would come after the recording stopped */
	for (uint32_t k = 0; k < n; k++)
		free(bw[k].w.plan);
	free(bw);
	free(heap);
	return err;
}

static int scn_bench(struct gen *g)
{
	tp_target(g, 4600, tp_argv, "model-server");
	return 0;
}

/* --- the ground truth -------------------------------------------------------- */

static int req_cmp(const void *a, const void *b)
{
	const struct req *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->fd != y->fd)
		return x->fd < y->fd ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static void put_u64_or_null(FILE *f, const char *name, bool have, uint64_t v)
{
	if (have)
		fprintf(f, "\"%s\":%" PRIu64, name, v);
	else
		fprintf(f, "\"%s\":null", name);
}

static void write_req(FILE *f, const struct req *q)
{
	bool complete = q->sends > 0;

	fprintf(f, "    {\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"fd\":%" PRId32 ",\"start_ns\":%" PRIu64 ",",
		q->pid, q->tid, q->fd, q->start_ns);
	put_u64_or_null(f, "end_ns", complete, q->end_ns);
	fputc(',', f);
	put_u64_or_null(f, "latency_ns", complete, q->end_ns - q->start_ns);
	fprintf(f, ",\"queue_ns\":%" PRIu64 ",", q->queue_ns);
	put_u64_or_null(f, "ttfb_ns", complete, q->first_send_ns - q->start_ns);
	fprintf(f, ",\"sends\":%" PRIu32 ",\"bursts\":%" PRIu32 ",\"bytes_in\":%" PRIu64
		",\"bytes_out\":%" PRIu64 ",\"shared_ns\":%" PRIu64 ",\"categories_ns\":{",
		q->sends, q->bursts, q->bytes_in, q->bytes_out, q->shared_ns);
	for (int c = 0; c < CAT__COUNT; c++)
		fprintf(f, "%s\"%s\":%" PRIu64, c ? "," : "", cat_names[c], complete ? q->cat_ns[c] : 0);
	fprintf(f, "},\"complete\":%s}", complete ? "true" : "false");
}

static int write_truth(struct gen *g, const char *path, bool force)
{
	size_t n = 0, incomplete = 0, lost = 0, i, k;
	struct req *list;
	FILE *f;
	int fd;

	list = malloc((g->n_reqs ? g->n_reqs : 1) * sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (i = 0; i < g->n_reqs; i++) {
		const struct req *q = req_at(g, i);

		if (q->lost) {
			lost++;
			continue;
		}
		list[n++] = *q;
		incomplete += !q->sends;
	}
	qsort(list, n, sizeof(*list), req_cmp);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL), 0644);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		free(list);
		return err;
	}
	fprintf(f, "{\n  \"scenario\":\"%s\",\n  \"seed\":%" PRIu64 ",\n  \"arrivals\":%s,\n",
		g->scenario, g->seed, g->arrivals ? "true" : "false");
	fprintf(f, "  \"events\":%" PRIu64 ",\n  \"lost\":%" PRIu64 ",\n  \"loss_records\":%zu,\n"
		"  \"processes\":%" PRIu64 ",\n  \"arrival_records\":%" PRIu64 ",\n",
		g->n_events, g->n_lost, g->n_losses, g->n_written_procs, g->n_arrivals);
	fprintf(f, "  \"start_ns\":%" PRIu64 ",\n  \"end_ns\":%" PRIu64 ",\n", (uint64_t)START_NS, g->end_ns);
	fputs("  \"event_counts\":{\"by_pid\":{", f);
	for (i = 0; i < g->n_by_pid; i++)
		fprintf(f, "%s\"%" PRIu32 "\":%" PRIu64, i ? "," : "", g->by_pid_pid[i], g->by_pid_cnt[i]);
	fputs("},\"by_syscall\":{", f);
	for (i = 0, k = 0; i < SC__COUNT; i++)
		if (g->by_sc[i])
			fprintf(f, "%s\"%s\":%" PRIu64, k++ ? "," : "", sc_info[i].name, g->by_sc[i]);
	fputs("}},\n", f);
	fprintf(f, "  \"requests\":{\"count\":%zu,\"incomplete\":%zu,\"lost\":%zu},\n  \"list\":[\n",
		n - incomplete, incomplete, lost);
	for (k = 0; k < n; k++) {
		write_req(f, &list[k]);
		fputs(k + 1 < n ? ",\n" : "\n", f);
	}
	fputs("  ]\n}\n", f);
	free(list);
	if (fflush(f) || ferror(f)) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

/* --- the header, the command line ---------------------------------------- */

struct scenario {
	const char *name;
	int (*run)(struct gen *g);
	uint32_t requests, connections, threads;
	const char *summary;
};

static const struct scenario scenarios[] = {
	{ "threadpool", scn_threadpool, 300, 48, 8, "worker pool, blocking keep-alive connections" },
	{ "eventloop", scn_eventloop, 400, 64, 4, "one epoll thread interleaving connections" },
	{ "keepalive", scn_keepalive, 400, 4, 4, "many requests on few connections" },
	{ "streaming", scn_streaming, 40, 8, 4, "LLM token streaming: bursts of sends" },
	{ "open-at-end", scn_open_at_end, 120, 0, 8, "requests still open when the trace ends" },
	{ "losses", scn_losses, 300, 48, 8, "thread pool with events lost mid-trace" },
	{ "forks", scn_forks, 200, 0, 4, "gunicorn master forking sync workers" },
	{ "bench", scn_bench, 0, 0, 16, "huge thread-pool trace of --events N, fast" },
};

static int check_syscalls(struct gen *g)
{
	for (int i = 0; i < SC__COUNT; i++) {
		const char *name = sc_info[i].name;
		enum syscall_category sc = syscall__category(name);
		int nr = syscall__number(ARCH, name);
		bool same;

		if (nr < 0) {
			fprintf(stderr, "synth: error: no syscall '%s' on %s\n", name, ARCH);
			return -ENOENT;
		}
		g->nr[i] = (uint32_t)nr;
		if (sc_info[i].cat == IO)
			same = sc == SC_CAT_IO;
		else
			same = !strcmp(syscall_category__name(sc), cat_names[sc_info[i].cat]);
		if (!same || syscall__fd_first(name) != sc_info[i].fd) {
			fprintf(stderr, "synth: error: common/syscalls.c changed '%s' (category '%s'); "
					"update synth's table and its truth\n", name,
				syscall_category__name(sc));
			return -EPROTO;
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: synth --scenario NAME [OPTIONS] -o OUT.mslat [--truth TRUTH.json]\n\n"
		"Write a deterministic synthetic trace of a model server and, with --truth,\n"
		"the exact requests it holds (docs/synth.md, docs/correlation.md). The same\n"
		"arguments give the same bytes on every machine.\n\n"
		"Options:\n"
		"  -s, --scenario NAME     see below\n"
		"      --seed N            PRNG seed [default: 1]\n"
		"  -n, --requests N        requests the clients send [default: per scenario]\n"
		"  -c, --connections N     client connections [default: per scenario]\n"
		"  -t, --threads N         worker (or executor) threads [default: per scenario]\n"
		"  -e, --events N          bench: events to write [default: 20000000]\n"
		"      --arrivals          write arrival records (queue time)\n"
		"  -f, --force             replace existing output files\n"
		"  -o, --output FILE       the trace to write\n"
		"      --truth FILE        the ground truth to write, as JSON\n"
		"  -h, --help              print this help and exit\n\n"
		"Scenarios:\n");
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(f, "  %-12s %s\n", scenarios[i].name, scenarios[i].summary);
	fprintf(f, "\nExamples:\n"
		   "  synth -s threadpool -o tp.mslat --truth tp.truth.json\n"
		   "  synth -s bench -e 50000000 -o big.mslat\n\n"
		   "Exit status: 0 ok, 1 runtime failure, 2 usage.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "synth: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nhint: see 'synth --help'\n");
	return 2;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	if (!s || !*s || *s == '-')
		return false;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

/* The header of a plausible recording; OPTIONS are synth's normalized arguments. */
static Mslat__Header make_header(struct gen *g, char **opts, size_t n_opts, char **names,
				 Mslat__Target *tg, Mslat__Target **tgs, char *boot_id)
{
	Mslat__Header h = MSLAT__HEADER__INIT;

	h.recorder_version = (char *)"synth";
	h.hostname = (char *)"synth";
	h.kernel_release = (char *)"6.0.0-synth";
	h.arch = (char *)ARCH;
	h.syscall_names = names;
	h.boot_id = boot_id;
	h.mono_to_realtime_ns = (int64_t)(REALTIME_AT_START_NS - START_NS);
	h.page_size = 4096;
	h.cpu_count = CPU_COUNT;
	tg->pid = g->target_pid;
	for (tg->n_argv = 0; g->target_argv[tg->n_argv]; tg->n_argv++)
		;
	tg->argv = (char **)g->target_argv;
	tgs[0] = tg;
	h.targets = tgs;
	h.n_targets = 1;
	h.options = opts;
	h.n_options = n_opts;
	h.start_ns = START_NS;
	h.follow_forks = true;
	h.arrivals = g->arrivals;
	return h;
}

static void gen_free(struct gen *g)
{
	for (size_t i = 0; i < g->n_thrs; i++) {
		free(g->thrs[i]->q);
		free(g->thrs[i]);
	}
	free(g->thrs);
	free(g->misc);
	free(g->procs);
	for (size_t i = 0; i * REQ_BLOCK < g->n_reqs; i++)
		free(g->req_blocks[i]);
	free(g->req_blocks);
}

/* Generate, write, close, then the truth. Returns the exit status. */
static int run(struct gen *g, const struct scenario *scn, const char *out, const char *truth,
	       const struct trace_writer_opts *wopts, char **opts, size_t n_opts, char *boot_id)
{
	Mslat__Footer footer = MSLAT__FOOTER__INIT;
	Mslat__Target tg = MSLAT__TARGET__INIT, *tgs[1];
	const char *const *table;
	char **names = NULL;
	Mslat__Header h;
	size_t n_names;
	int err, rc = 1;

	table = syscall_table__for_arch(ARCH, &n_names);
	names = calloc(n_names ? n_names : 1, sizeof(*names));
	if (!names)
		return 1;
	for (size_t i = 0; i < n_names; i++)
		names[i] = (char *)(table[i] ? table[i] : "");
	rng_seed(&g->rng, g->seed, 0);
	log__use_stderr("synth");

	err = scn->run(g);
	if (err == -EINVAL) {		/* the scenario said why */
		rc = 2;
		goto out_free;
	}
	if (err) {
		fprintf(stderr, "synth: error: scenario '%s' failed: %s\n", g->scenario, strerror(-err));
		goto out_free;
	}
	h = make_header(g, opts, n_opts, names, &tg, tgs, boot_id);
	h.n_syscall_names = n_names;
	g->w = trace_writer__open(out, &h, wopts);
	if (!g->w) {
		fprintf(stderr, "synth: error: cannot create '%s': %s\n", out, strerror(errno));
		if (errno == EEXIST)
			fprintf(stderr, "hint: --force replaces it\n");
		goto out_free;
	}
	err = g->bench ? scn_bench_write(g) : write_sorted(g);
	footer.end_ns = g->end_ns ? g->end_ns : g->last_key + MS;
	g->end_ns = footer.end_ns;
	footer.reason = MSLAT__FOOTER__REASON__STOPPED;
	if (err) {
		trace_writer__abandon(g->w);
		fprintf(stderr, "synth: error: cannot write '%s': %s\n", out, strerror(-err));
		goto out_free;
	}
	err = trace_writer__close(g->w, &footer);
	if (err) {
		fprintf(stderr, "synth: error: cannot write '%s': %s\n", out, strerror(-err));
		goto out_free;
	}
	if (truth) {
		err = write_truth(g, truth, wopts->force);
		if (err) {
			fprintf(stderr, "synth: error: cannot write '%s': %s\n", truth, strerror(-err));
			goto out_free;
		}
	}
	rc = 0;
out_free:
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "requests", required_argument, NULL, 'n' },
		{ "connections", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 't' },
		{ "events", required_argument, NULL, 'e' },
		{ "arrivals", no_argument, NULL, 'A' },
		{ "force", no_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "truth", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct gen g = { .seed = 1 };
	const struct scenario *scn = NULL;
	const char *out = NULL, *truth = NULL;
	uint64_t req = 0, conns = 0, threads = 0, events = 20000000, v;
	bool events_given = false;
	struct trace_writer_opts wopts = { .sz = sizeof(wopts) };
	char *opts[16], nbuf[6][32], boot_id[40];
	size_t n_opts = 0;
	int c, err, rc;

	while ((c = getopt_long(argc, argv, "s:n:c:t:e:fo:h", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
				if (!strcmp(optarg, scenarios[i].name))
					scn = &scenarios[i];
			if (!scn)
				return usage_error("unknown scenario '%s'", optarg);
			break;
		case 'S':
			if (!parse_u64(optarg, &g.seed))
				return usage_error("--seed: '%s' is not a number", optarg);
			break;
		case 'n':
		case 'c':
		case 't':
		case 'e':
			if (!parse_u64(optarg, &v) || !v || (c != 'e' && v > 1000000000))
				return usage_error("'%s' is not a positive number in range", optarg);
			*(c == 'n' ? &req : c == 'c' ? &conns : c == 't' ? &threads : &events) = v;
			events_given |= c == 'e';
			break;
		case 'A':
			g.arrivals = true;
			break;
		case 'f':
			wopts.force = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'T':
			truth = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return usage_error("%s", "bad usage");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!scn)
		return usage_error("%s", "no --scenario given");
	if (!out)
		return usage_error("%s", "no output file given (-o)");
	g.scenario = scn->name;
	g.bench = scn->run == scn_bench;
	g.requests = (uint32_t)(req ? req : scn->requests);
	g.connections = (uint32_t)(conns ? conns : scn->connections);
	g.threads = (uint32_t)(threads ? threads : scn->threads);
	g.events_target = events;
	if (g.bench && truth)
		return usage_error("%s", "--truth is not available for the bench scenario");
	if (events_given && !g.bench)
		return usage_error("%s", "--events is for the bench scenario (the others take --requests)");
	if (conns && !scn->connections)
		return usage_error("scenario '%s' takes no --connections", scn->name);
	if (req && g.bench)
		return usage_error("%s", "bench takes --events, not --requests");
	if (!g.bench && g.connections > g.requests && scn->connections)
		return usage_error("%s", "--connections must not exceed --requests");
	if (scn->run == scn_eventloop && (g.connections > EL_MAX_CONNS || g.threads > 64))
		return usage_error("%s", "eventloop: at most 1024 connections and 64 threads");
	if (scn->run == scn_open_at_end && g.requests < g.threads)
		return usage_error("%s", "open-at-end: --requests must be at least --threads");
	if (scn->run == scn_forks && g.requests < 2 * g.threads)
		return usage_error("%s", "forks: --requests must be at least twice --threads");
	if (g.threads > 100000)
		return usage_error("%s", "--threads: too many");

	/* Normalized, so that equivalent command lines write identical files. */
	opts[n_opts++] = (char *)"synth";
	opts[n_opts++] = (char *)"--scenario";
	opts[n_opts++] = (char *)g.scenario;
	snprintf(nbuf[0], sizeof(nbuf[0]), "%" PRIu64, g.seed);
	opts[n_opts++] = (char *)"--seed";
	opts[n_opts++] = nbuf[0];
	if (g.bench) {
		snprintf(nbuf[1], sizeof(nbuf[1]), "%" PRIu64, g.events_target);
		opts[n_opts++] = (char *)"--events";
		opts[n_opts++] = nbuf[1];
	} else {
		snprintf(nbuf[1], sizeof(nbuf[1]), "%" PRIu32, g.requests);
		opts[n_opts++] = (char *)"--requests";
		opts[n_opts++] = nbuf[1];
		if (scn->connections) {
			snprintf(nbuf[2], sizeof(nbuf[2]), "%" PRIu32, g.connections);
			opts[n_opts++] = (char *)"--connections";
			opts[n_opts++] = nbuf[2];
		}
	}
	snprintf(nbuf[3], sizeof(nbuf[3]), "%" PRIu32, g.threads);
	opts[n_opts++] = (char *)"--threads";
	opts[n_opts++] = nbuf[3];
	if (g.arrivals)
		opts[n_opts++] = (char *)"--arrivals";
	snprintf(boot_id, sizeof(boot_id), "5f1e7a2c-0000-4000-8000-%012" PRIx64,
		 (uint64_t)(g.seed & 0xffffffffffffULL));

	err = check_syscalls(&g);
	if (err)
		return 1;
	rc = run(&g, scn, out, truth, &wopts, opts, n_opts, boot_id);
	gen_free(&g);
	return rc;
}
