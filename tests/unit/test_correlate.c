// SPDX-License-Identifier: MIT
/* Correlation tests: hand-built syscall sequences against docs/correlation.md, to the nanosecond. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "categories.h"
#include "correlate.h"
#include "syscalls.h"
#include "test.h"

#define PID 100
#define MAX_REQS 32
#define US 1000ULL
#define MS 1000000ULL

struct got {
	struct request r[MAX_REQS];
	int n;
};

static void collect(const struct request *req, void *ctx)
{
	struct got *g = ctx;

	if (g->n < MAX_REQS) {
		g->r[g->n] = *req;
		g->r[g->n].steps = NULL;	/* valid only during the call */
		g->n++;
	}
}

struct fx {
	struct strtab *names;
	struct sc_table *tbl;
	struct correlator *c;
	struct got got;
};

static bool fx_headers_first;	/* the next fixture's --headers-first */
/* The modes where connections hold requests, for tests that run in both. */
static const enum correlate_mode conn_and_thread[2] = { CORRELATE_CONN, CORRELATE_THREAD };

/* The fixture, requests going to CB with CTX (collect and &f->got: fx_open). */
static bool fx_open_cb(struct fx *f, enum correlate_mode mode,
		       void (*cb)(const struct request *, void *), void *ctx)
{
	struct correlator_opts o = { .mode = mode, .on_request = cb,
				     .headers_first = fx_headers_first };
	const char *const *t;
	size_t n;

	memset(f, 0, sizeof(*f));
	o.ctx = ctx ? ctx : &f->got;
	o.request_timeout_ns = 100 * MS;
	f->names = strtab__new();
	t = syscall_table__for_arch("x86_64", &n);
	if (!ASSERT_OK_PTR(f->names, "strtab") || !ASSERT_OK_PTR(t, "table"))
		return false;
	f->tbl = sc_table__new(f->names, t, (uint32_t)n);
	f->c = correlator__new(&o);
	return ASSERT_OK_PTR(f->tbl, "sc_table") && ASSERT_OK_PTR(f->c, "correlator");
}

static bool fx_open(struct fx *f, enum correlate_mode mode)
{
	return fx_open_cb(f, mode, collect, NULL);
}

static void fx_close(struct fx *f)
{
	correlator__free(f->c);
	sc_table__free(f->tbl);
	strtab__free(f->names);
}

/* A syscall of thread TID: SC on FD (kind KIND) returning RET, from ENTER for DUR ns. */
static void ev(struct fx *f, uint32_t tid, const char *sc, int32_t fd, uint32_t kind, int64_t ret,
	       uint64_t enter, uint64_t dur)
{
	struct trace_event e = { .enter_ns = enter, .duration_ns = dur, .ret = ret, .tid = tid,
				 .pid = PID, .fd = fd, .fd_kind = kind };
	int nr = syscall__number("x86_64", sc);

	if (!ASSERT_TRUE(nr >= 0, sc))
		return;
	e.syscall = (uint32_t)nr;
	ASSERT_OK(correlator__event(f->c, 0, &e, sc_table__get(f->tbl, e.syscall)), sc);
}

static void tcp(struct fx *f, uint32_t tid, const char *sc, int32_t fd, int64_t ret, uint64_t enter,
		uint64_t dur)
{
	ev(f, tid, sc, fd, FD_KIND_TCP, ret, enter, dur);
}

/* Categories (queue and idle included) + shared + user + run-queue time. */
static uint64_t sum_parts(const struct request *r)
{
	uint64_t sum = r->shared_ns + r->user_ns + r->runq_ns;

	for (int i = 0; i < REQ_CAT__COUNT; i++)
		sum += r->cat_ns[i];
	return sum;
}

static void arrive(struct fx *f, int32_t fd, uint64_t t)
{
	struct trace_arrival a = { .time_ns = t, .pid = PID, .fd = fd, .bytes = 100,
				   .what = TRACE_ARRIVAL_DATA };

	ASSERT_OK(correlator__arrival(f->c, 0, &a), "arrival");
}

/*
 * A QUEUED record (one per accept, before it) for the accept of FD exiting
 * at ACCEPT (0: not recorded, as in older traces): BYTES came at T while
 * its connection was queued.
 */
static void arrive_queued(struct fx *f, int32_t fd, uint64_t t, uint32_t bytes, uint64_t accept)
{
	struct trace_arrival a = { .time_ns = t, .pid = PID, .fd = fd, .bytes = bytes,
				   .what = TRACE_ARRIVAL_QUEUED, .accept_ns = accept };

	ASSERT_OK(correlator__arrival(f->c, 0, &a), "queued arrival");
}

/* An UNSENT record: a segment from the client found bytes of FD's still unsent at T. */
static void unsent(struct fx *f, int32_t fd, uint64_t t)
{
	struct trace_arrival a = { .time_ns = t, .pid = PID, .fd = fd, .bytes = 9,
				   .what = TRACE_ARRIVAL_UNSENT };

	ASSERT_OK(correlator__arrival(f->c, 0, &a), "unsent");
}

/* Categories from the syscall refined by the fd kind (docs/correlation.md, Categories). */
TEST(correlate, categories_by_fd_kind)
{
	static const struct {
		const char *sc;
		uint32_t kind;
		enum req_category want;
	} cases[] = {
		{ "read", FD_KIND_TCP, REQ_CAT_NET },	 { "read", FD_KIND_PIPE, REQ_CAT_FILE },
		{ "read", FD_KIND_TCP_LISTEN, REQ_CAT_IDLE }, { "ioctl", FD_KIND_CHR, REQ_CAT_DEVICE },
		{ "ioctl", FD_KIND_TCP, REQ_CAT_OTHER }, { "close", FD_KIND_FILE, REQ_CAT_FILE },
		{ "close", FD_KIND_TCP, REQ_CAT_NET },	 { "close", FD_KIND_UNIX, REQ_CAT_NET },
		{ "close", FD_KIND_TCP_LISTEN, REQ_CAT_NET }, { "close", FD_KIND_PIPE, REQ_CAT_FILE },
		{ "futex", FD_KIND_NONE, REQ_CAT_SYNC },	 { "epoll_wait", FD_KIND_ANON, REQ_CAT_IDLE },
	};
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int nr = syscall__number("x86_64", cases[i].sc);
		char what[64];

		snprintf(what, sizeof(what), "%s on kind %u", cases[i].sc, cases[i].kind);
		if (ASSERT_TRUE(nr >= 0, what))
			ASSERT_EQ(sc_class__cat(sc_table__get(f.tbl, (uint32_t)nr), cases[i].kind),
				  cases[i].want, what);
	}
	fx_close(&f);
}

TEST(correlate, worker_pool_one_request)
{
	struct fx f;
	const struct request *r;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 0, 1000);	/* idle: no request yet */
	tcp(&f, 1, "read", 5, 120, 2000, 500);			/* start = 2500 */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 3000, 400);		/* sync 400 */
	ev(&f, 1, "ioctl", 9, FD_KIND_CHR, 0, 3500, 1000);		/* device 1000 */
	ev(&f, 1, "ioctl", 10, FD_KIND_TCP, 0, 4600, 100);		/* other: not a char device */
	tcp(&f, 1, "write", 5, 300, 5000, 200);			/* end = 5200 */
	ev(&f, 1, "write", 7, FD_KIND_FILE, 50, 5300, 100);		/* after the last send: nothing */
	tcp(&f, 1, "close", 5, 0, 5500, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 1, "requests"))
		goto out;
	r = &f.got.r[0];
	ASSERT_TRUE(r->complete, "complete");
	ASSERT_EQ_U64(r->start_ns, 2500, "start");
	ASSERT_EQ_U64(r->end_ns, 5200, "end");
	ASSERT_EQ_U64(r->latency_ns, 2700, "latency");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_NET], 200, "net: the starting read counts nothing");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_SYNC], 400, "sync");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_DEVICE], 1000, "device");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_OTHER], 100, "other");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_FILE], 0, "file");
	ASSERT_EQ_U64(r->user_ns, 2700 - 1700, "user");
	ASSERT_EQ_U64(r->bytes_in, 120, "bytes in");
	ASSERT_EQ_U64(r->bytes_out, 300, "bytes out");
	ASSERT_EQ_U64(r->ttfb_ns, 2700, "ttfb");
	ASSERT_EQ(r->syscalls, 5, "syscalls");
	ASSERT_EQ(r->fd, 5, "fd");
out:
	fx_close(&f);
}

TEST(correlate, keep_alive_and_eagain)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, -EAGAIN, 0, 100);		/* starts nothing */
	tcp(&f, 1, "read", 5, 100, 1000, 100);			/* #1 starts 1100 */
	tcp(&f, 1, "read", 5, -EAGAIN, 1200, 100);		/* not attributed */
	tcp(&f, 1, "read", 5, 50, 1400, 100);			/* body: net 100 */
	tcp(&f, 1, "write", 5, 10, 2000, 100);			/* #1 ends 2100 */
	tcp(&f, 1, "read", 5, -EAGAIN, 2200, 100);		/* does not end #1 */
	tcp(&f, 1, "read", 5, 100, 3000, 100);			/* #2 starts 3100 */
	tcp(&f, 1, "sendto", 5, 10, 4000, 100);		/* #2 ends 4100 */
	tcp(&f, 1, "recvfrom", 5, 100, 5000, 100);		/* #3 starts 5100 */
	tcp(&f, 1, "sendmsg", 5, 10, 6000, 100);		/* #3 ends 6100 */
	tcp(&f, 1, "read", 5, 0, 7000, 100);			/* EOF */
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 3, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].start_ns, 1100, "#1 start");
	ASSERT_EQ_U64(f.got.r[0].end_ns, 2100, "#1 end");
	ASSERT_EQ_U64(f.got.r[0].cat_ns[REQ_CAT_NET], 200, "#1 net");
	ASSERT_EQ_U64(f.got.r[0].bytes_in, 150, "#1 bytes in");
	ASSERT_EQ_U64(f.got.r[1].start_ns, 3100, "#2 start");
	ASSERT_EQ_U64(f.got.r[1].end_ns, 4100, "#2 end");
	ASSERT_EQ_U64(f.got.r[2].start_ns, 5100, "#3 start");
	ASSERT_EQ_U64(f.got.r[2].end_ns, 6100, "#3 end");
	for (int i = 0; i < 3; i++)
		ASSERT_TRUE(f.got.r[i].complete, "complete");
out:
	fx_close(&f);
}

TEST(correlate, event_loop_shared_time)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 2, 0, 1000);		/* idle, nothing open */
	tcp(&f, 1, "read", 5, 100, 1000, 100);				/* A starts 1100 */
	tcp(&f, 1, "read", 6, 100, 1200, 100);				/* B starts 1300 */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 1400, 600);		/* A and B open: shared */
	tcp(&f, 1, "write", 5, 10, 2000, 100);				/* A ends 2100 */
	ev(&f, 1, "read", 8, FD_KIND_FILE, 10, 2200, 300);		/* A may send again: held back */
	tcp(&f, 1, "write", 6, 10, 2600, 100);				/* B ends 2700 */
	tcp(&f, 1, "read", 5, 100, 3000, 100);				/* A's connection: new request C */
	tcp(&f, 1, "write", 5, 10, 3200, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 3, "requests"))
		goto out;
	/* A: the file read came after its last send: not A's. */
	ASSERT_EQ_U64(f.got.r[0].shared_ns, 600, "A shared");
	ASSERT_EQ_U64(f.got.r[0].cat_ns[REQ_CAT_FILE], 0, "A file");
	ASSERT_EQ_U64(f.got.r[0].end_ns, 2100, "A end");
	/* B: the file read was B's alone, once A turned out not to send again. */
	ASSERT_EQ_U64(f.got.r[1].shared_ns, 600, "B shared");
	ASSERT_EQ_U64(f.got.r[1].cat_ns[REQ_CAT_FILE], 300, "B file");
	ASSERT_EQ_U64(f.got.r[1].end_ns, 2700, "B end");
	ASSERT_EQ_U64(f.got.r[2].start_ns, 3100, "C start");
out:
	fx_close(&f);
}

/*
 * waited_ns: its threads' idle time after its last receive, its own or
 * shared (warn_work_elsewhere). Before that receive the client was still
 * sending it (a slow upload): not a wait for work done elsewhere.
 */
TEST(correlate, waited_after_the_last_receive_only)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);				/* A starts 100 */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 100, 1000);	/* the client's body comes */
	tcp(&f, 1, "read", 5, 100, 1100, 100);				/* its last receive, 1200 */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 1200, 2000);	/* a pool's work */
	tcp(&f, 1, "write", 5, 10, 3200, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 1, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].latency_ns, 3200, "latency");
	ASSERT_EQ_U64(f.got.r[0].cat_ns[REQ_CAT_IDLE], 3000, "idle");
	ASSERT_EQ_U64(f.got.r[0].waited_ns, 2000, "waited: after the last receive");
out:
	fx_close(&f);
}

TEST(correlate, waited_shared_on_an_event_loop)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 1000, 100);				/* A starts 1100 */
	tcp(&f, 1, "read", 6, 100, 1200, 100);				/* B starts 1300 */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 1400, 600);	/* both open: shared */
	tcp(&f, 1, "write", 5, 10, 2000, 100);
	tcp(&f, 1, "write", 6, 10, 2600, 100);
	tcp(&f, 1, "read", 5, 100, 3000, 100);				/* A ends */
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 3, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].shared_ns, 600, "A shared");
	ASSERT_EQ_U64(f.got.r[0].cat_ns[REQ_CAT_IDLE], 0, "A idle of its own");
	ASSERT_EQ_U64(f.got.r[0].waited_ns, 600, "A waited, in shared time");
	ASSERT_EQ_U64(f.got.r[1].waited_ns, 600, "B waited, in shared time");
out:
	fx_close(&f);
}

TEST(correlate, waited_at_most_the_latency)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);				/* A starts 100 */
	tcp(&f, 2, "write", 5, 10, 200, 100);				/* a sender thread joins A */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 0, 300, 2000);	/* both threads wait */
	ev(&f, 2, "poll", 7, FD_KIND_PIPE, 0, 300, 2000);
	tcp(&f, 2, "write", 5, 10, 2300, 100);				/* A ends 2400 */
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 1, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].latency_ns, 2300, "latency");
	ASSERT_EQ_U64(f.got.r[0].cat_ns[REQ_CAT_IDLE], 4000, "idle, both threads'");
	ASSERT_EQ_U64(f.got.r[0].waited_ns, 2300, "waited: at most the latency");
out:
	fx_close(&f);
}

/*
 * A request on two threads, rows in exit order: thread 1's wait entered
 * before A's last receive on thread 2 (exit 1200) and left after it. The
 * part before that receive is the client's (helper 46's cases).
 */
TEST(correlate, waited_straddling_the_last_receive_alone)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);				/* A starts 100 */
	tcp(&f, 2, "read", 5, 100, 1000, 200);				/* A's last receive, 1200 */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 150, 4850);	/* 150..5000 */
	tcp(&f, 1, "write", 5, 10, 5000, 100);				/* A ends 5100 */
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 1, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].cat_ns[REQ_CAT_IDLE], 4850, "idle");
	ASSERT_EQ_U64(f.got.r[0].waited_ns, 3800, "waited: from the last receive's exit on");
out:
	fx_close(&f);
}

TEST(correlate, waited_segment_after_the_last_receive)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);				/* A starts 100 */
	tcp(&f, 1, "read", 6, 100, 100, 100);				/* B starts 200 */
	tcp(&f, 2, "read", 5, 100, 1000, 200);				/* A's last receive, 1200 */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 5000, 10000);	/* after it: shared with B */
	tcp(&f, 1, "write", 5, 10, 15000, 100);			/* A ends 15100 */
	tcp(&f, 1, "write", 6, 10, 15100, 100);			/* B ends 15200 */
	tcp(&f, 1, "read", 5, 100, 16000, 100);
	tcp(&f, 1, "read", 6, 100, 16100, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 4, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].shared_ns, 10000, "A shared");
	ASSERT_EQ_U64(f.got.r[0].waited_ns, 10000, "A waited: the wait after its last receive");
	ASSERT_EQ_U64(f.got.r[1].waited_ns, 10000, "B waited");
out:
	fx_close(&f);
}

/*
 * A response the network paced: a send failed (EAGAIN, a full socket) and
 * the loop waited for the socket; its waits after the first send are the
 * client's download, not work elsewhere. The wait before it still counts.
 */
TEST(correlate, waited_not_while_the_network_paces_the_response)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);				/* A starts 100 */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 100, 1000);	/* work elsewhere: 1000 */
	tcp(&f, 1, "write", 5, 65536, 1100, 100);			/* the first send */
	tcp(&f, 1, "write", 5, -11, 1200, 100);			/* EAGAIN */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 1300, 5000);	/* the client's pace */
	tcp(&f, 1, "write", 5, 65536, 6300, 100);			/* A ends 6400 */
	tcp(&f, 1, "read", 5, 100, 7000, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 2, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].cat_ns[REQ_CAT_IDLE], 6000, "A idle");
	ASSERT_EQ_U64(f.got.r[0].waited_ns, 1000, "A waited: before its first send only");
out:
	fx_close(&f);
}

/* The same without the failed send: a stream's waits between its sends count (tokens made elsewhere). */
TEST(correlate, waited_between_the_sends_of_a_stream)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 100, 1000);
	tcp(&f, 1, "write", 5, 10, 1100, 100);
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 1200, 5000);
	tcp(&f, 1, "write", 5, 10, 6200, 100);
	tcp(&f, 1, "read", 5, 100, 7000, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 2, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].waited_ns, 6000, "waited: before the first send and between sends");
out:
	fx_close(&f);
}

/* A stream whose tokens come from elsewhere, its last chunk held by Nagle: no gap of its was paced (helper 47). */
TEST(correlate, waited_stream_waits_survive_a_final_unsent)
{
	for (int m = 0; m < 2; m++) {
		struct fx f;

		if (!fx_open(&f, conn_and_thread[m]))
			return;
		tcp(&f, 1, "read", 5, 100, 0, 100);
		ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 100, 1000);
		tcp(&f, 1, "write", 5, 10, 1100, 100);			/* headers */
		ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 1200, 5000);	/* the next token, made elsewhere */
		tcp(&f, 1, "write", 5, 10, 6200, 100);			/* last chunk, exit 6300 */
		correlator__frame_end(f.c);
		unsent(&f, 5, 46300);					/* Nagle held it 40 us */
		tcp(&f, 1, "read", 5, 100, 47000, 100);
		correlator__finish(f.c);
		if (!ASSERT_EQ(f.got.n, 2, "requests"))
			goto next;
		ASSERT_EQ_U64(f.got.r[0].waited_ns, 6000, "waited: between sends still counts");
next:
		fx_close(&f);
	}
}

/* The same, the stream cut by the client (EPIPE on a last send): no pacing either. */
TEST(correlate, waited_stream_waits_survive_an_epipe)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 100, 1000);
	tcp(&f, 1, "write", 5, 10, 1100, 100);
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 1200, 5000);
	tcp(&f, 1, "write", 5, 10, 6200, 100);
	tcp(&f, 1, "write", 5, -32, 6400, 10);				/* EPIPE: the client left */
	tcp(&f, 1, "read", 5, 100, 7000, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 2, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].waited_ns, 6000, "waited: EPIPE is no network pacing");
out:
	fx_close(&f);
}

/* One paced gap of a stream: only its wait is the network's, the others' still count. */
TEST(correlate, waited_one_paced_gap_keeps_the_others)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 100, 1000);	/* work elsewhere */
	tcp(&f, 1, "write", 5, 10, 1100, 100);				/* headers */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 1200, 5000);	/* the next tokens, made elsewhere */
	tcp(&f, 1, "write", 5, 65536, 6200, 100);
	tcp(&f, 1, "write", 5, -11, 6300, 100);			/* EAGAIN */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 6400, 500);	/* the client's pace */
	tcp(&f, 1, "write", 5, 100, 6900, 100);
	tcp(&f, 1, "read", 5, 100, 8000, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 2, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].waited_ns, 6000, "waited: all but the paced gap");
out:
	fx_close(&f);
}

/* Each request's steps as "name@enter[s]" (s: shared), in the order delivered. */
struct step_log {
	char line[8][160];
	int n;
};

static void log_steps(const struct request *req, void *ctx)
{
	struct step_log *l = ctx;
	size_t used = 0;

	if (l->n >= 8)
		return;
	l->line[l->n][0] = 0;
	for (uint32_t i = 0; i < req->nsteps && used < sizeof(l->line[0]); i++)
		used += (size_t)snprintf(l->line[l->n] + used, sizeof(l->line[0]) - used, "%s%s@%llu%s",
					 i ? " " : "", req->steps[i].name,
					 (unsigned long long)req->steps[i].enter_ns,
					 req->steps[i].shared ? "s" : "");
	l->n++;
}

TEST(correlate, steps_in_time_order_when_held_back_time_comes_late)
{
	struct step_log l = { 0 };
	struct fx f;

	if (!fx_open_cb(&f, CORRELATE_CONN, log_steps, &l))
		return;
	/*
	 * The futex is shared by A and B, both receiving: it is split only once
	 * both are decided, when B sends, after A's own write became a step.
	 */
	tcp(&f, 1, "read", 5, 100, 1000, 100);				/* A */
	tcp(&f, 1, "read", 6, 100, 1200, 100);				/* B */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 1400, 600);
	tcp(&f, 1, "write", 5, 10, 2000, 100);				/* A sends */
	tcp(&f, 1, "write", 6, 10, 2600, 100);				/* B sends: the futex splits */
	tcp(&f, 1, "read", 5, 100, 3000, 100);				/* A ends, C starts */
	tcp(&f, 1, "write", 5, 10, 3200, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(l.n, 3, "requests"))
		goto out;
	ASSERT_STREQ(l.line[0], "read@1000 futex@1400s write@2000", "A: the futex before its write");
	ASSERT_STREQ(l.line[1], "read@1200 futex@1400s write@2600", "B");
	ASSERT_STREQ(l.line[2], "read@3000 write@3200", "C");
out:
	fx_close(&f);
}

TEST(correlate, held_back_time_shared_when_both_send)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);			/* A starts 100 */
	tcp(&f, 1, "write", 5, 10, 200, 100);			/* A sent once (300) */
	tcp(&f, 1, "read", 6, 100, 400, 100);			/* B starts 500 */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 600, 1000);	/* A undecided, B open */
	tcp(&f, 1, "write", 5, 10, 1700, 100);			/* A sends again: shared */
	tcp(&f, 1, "write", 6, 10, 1900, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 2, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].shared_ns, 1000, "A shared");
	ASSERT_EQ_U64(f.got.r[1].shared_ns, 1000, "B shared");
	ASSERT_EQ_U64(f.got.r[0].cat_ns[REQ_CAT_SYNC], 0, "A sync");
	ASSERT_EQ_U64(f.got.r[0].end_ns, 1800, "A end");
out:
	fx_close(&f);
}

TEST(correlate, streaming_bursts_and_tail)
{
	struct fx f;
	const struct request *r;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 1000);				/* start 1000 */
	tcp(&f, 1, "write", 5, 10, 2000, 100);				/* first byte 2100 */
	ev(&f, 1, "ioctl", 9, FD_KIND_CHR, 0, 2200, 5 * MS);		/* between sends: held, then kept */
	tcp(&f, 1, "write", 5, 10, 2200 + 5 * MS + 100, 100);		/* gap > 1 ms: burst 2 */
	tcp(&f, 1, "write", 5, 10, 2200 + 5 * MS + 300, 100);		/* same burst */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 6 * MS, 1000);		/* after the last send: nothing */
	tcp(&f, 1, "write", 5, -EAGAIN, 6 * MS + 2000, 100);		/* a failed send at the end: nothing */
	tcp(&f, 1, "close", 5, 0, 7 * MS, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 1, "requests"))
		goto out;
	r = &f.got.r[0];
	ASSERT_EQ_U64(r->start_ns, 1000, "start");
	ASSERT_EQ_U64(r->end_ns, 2200 + 5 * MS + 400, "end: last successful send");
	ASSERT_EQ_U64(r->ttfb_ns, 1100, "ttfb");
	ASSERT_EQ(r->sends, 3, "sends");
	ASSERT_EQ(r->bursts, 2, "bursts");
	ASSERT_EQ_U64(r->gap_max_ns, 2200 + 5 * MS + 100 - 2100, "gap");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_DEVICE], 5 * MS, "device between sends");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_SYNC], 0, "tail not attributed");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_NET], 300, "net");
out:
	fx_close(&f);
}

/*
 * --headers-first: a streaming server that sends its headers before the
 * first token (uvicorn's StreamingResponse: ttfb 0.46 ms where the client's
 * first token came at 31.6 ms, and that wait among the inter-token gaps).
 */
TEST(correlate, streaming_headers_first)
{
	struct histogram gaps = { 0 };
	struct fx f;
	const struct request *r;

	fx_headers_first = true;
	if (!fx_open(&f, CORRELATE_CONN)) {
		fx_headers_first = false;
		return;
	}
	fx_headers_first = false;
	tcp(&f, 1, "read", 5, 100, 0, 1000);				/* start 1000 */
	tcp(&f, 1, "write", 5, 150, 1100, 100);			/* the headers */
	tcp(&f, 1, "write", 5, 60, 31 * MS, 100);			/* first token */
	tcp(&f, 1, "write", 5, 60, 31 * MS + 200, 100);		/* same burst */
	tcp(&f, 1, "write", 5, 60, 33 * MS, 100);			/* second token: a 2 ms gap */
	tcp(&f, 1, "read", 5, 100, 40 * MS, 100);			/* the next request */
	tcp(&f, 1, "write", 5, 500, 41 * MS, 100);			/* answered in one burst */
	tcp(&f, 1, "close", 5, 0, 42 * MS, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 2, "requests"))
		goto out;
	r = &f.got.r[0];
	ASSERT_EQ_U64(r->ttfb_ns, 31 * MS + 100 - 1000, "ttfb: the first token's send");
	ASSERT_EQ(r->bursts, 2, "bursts of tokens");
	ASSERT_EQ(r->sends, 4, "every send");
	ASSERT_EQ_U64(r->bytes_out, 330, "every byte");
	ASSERT_EQ_U64(r->gap_max_ns, 33 * MS - (31 * MS + 300), "the gap between tokens only");
	ASSERT_EQ_U64(r->end_ns, 33 * MS + 100, "end");
	r = &f.got.r[1];
	ASSERT_EQ_U64(r->ttfb_ns, 41 * MS + 100 - (40 * MS + 100), "one burst: ttfb unchanged");
	ASSERT_EQ(r->bursts, 1, "one burst");
	if (ASSERT_OK(correlator__take_gaps(f.c, &gaps), "gaps"))
		ASSERT_EQ(gaps.count, 1, "one gap counted: not the headers' wait");
	histogram__reset(&gaps);
out:
	fx_close(&f);
}

/*
 * A request is followed on 64 threads at most: each of its receives and
 * sends visits them all (120,000 threads reading one connection took 93 s).
 */
TEST(correlate, request_on_at_most_64_threads)
{
	const struct request *r;
	struct correlator_stats st;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	for (uint32_t t = 1; t <= 100; t++)	/* 100 threads read the same request */
		tcp(&f, t, "read", 5, 10, t * 100, 10);
	ev(&f, 64, "futex", -1, FD_KIND_NONE, 0, 20000, 100);	/* the 64th: its own */
	ev(&f, 65, "futex", -1, FD_KIND_NONE, 0, 20200, 200);	/* the 65th: not followed */
	tcp(&f, 100, "write", 5, 10, 20500, 10);
	correlator__stats(f.c, &st);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 1, "one request"))
		goto out;
	r = &f.got.r[0];
	ASSERT_EQ(r->bytes_in, 1000, "every receive counted");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_SYNC], 100, "the futex of a thread it is on");
	ASSERT_EQ(st.threads_capped, 37, "36 receives and a send beyond the 64th thread");
	ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "parts add up");
out:
	fx_close(&f);
}

TEST(correlate, close_eof_incomplete)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);		/* never answered */
	tcp(&f, 1, "close", 5, 0, 500, 100);		/* incomplete */
	tcp(&f, 1, "read", 5, 100, 1000, 100);		/* the fd reused: a new connection */
	tcp(&f, 1, "write", 5, 10, 1200, 100);
	tcp(&f, 1, "shutdown", 5, 0, 1400, 100);	/* ends it: complete */
	tcp(&f, 2, "read", 6, 100, 2000, 100);		/* open at the end of the trace */
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 3, "requests"))
		goto out;
	ASSERT_FALSE(f.got.r[0].complete, "closed before a send: incomplete");
	ASSERT_TRUE(f.got.r[1].complete, "second complete");
	ASSERT_EQ_U64(f.got.r[1].start_ns, 1100, "second start");
	ASSERT_FALSE(f.got.r[2].complete, "receiving at the end: incomplete");
out:
	fx_close(&f);
}

/*
 * A client that sends its request and then shuts its side down
 * (shutdown(SHUT_WR)): the server reads to EOF, then answers. The EOF does
 * not end the request (a half-close protocol had 50 requests, all
 * "incomplete"); in thread mode neither.
 */
TEST(correlate, half_closed_request_answered)
{
	for (int m = 0; m < 2; m++) {
		struct fx f;
		const struct request *r;

		if (!fx_open(&f, m ? CORRELATE_THREAD : CORRELATE_CONN))
			return;
		tcp(&f, 1, "read", 5, 100, 0, 100);		/* the request */
		tcp(&f, 1, "read", 5, 0, 200, 10);		/* EOF: the client is done sending */
		ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 300, 100);
		tcp(&f, 1, "write", 5, 50, 500, 100);		/* the answer */
		tcp(&f, 1, "close", 5, 0, 700, 10);
		tcp(&f, 1, "read", 6, 100, 1000, 100);	/* a client that went away */
		tcp(&f, 1, "read", 6, 0, 1200, 10);
		tcp(&f, 1, "close", 6, 0, 1300, 10);
		correlator__finish(f.c);
		if (ASSERT_EQ(f.got.n, 2, "requests")) {
			r = &f.got.r[0];
			ASSERT_TRUE(r->complete, "answered after the EOF: complete");
			ASSERT_EQ_U64(r->start_ns, 100, "start");
			ASSERT_EQ_U64(r->end_ns, 600, "end at the send");
			ASSERT_EQ_U64(r->cat_ns[REQ_CAT_SYNC], 100, "its futex");
			ASSERT_FALSE(f.got.r[1].complete || f.got.r[1].timed_out,
				     "closed unanswered: incomplete");
		}
		fx_close(&f);
	}
}

/*
 * A client's protocol frames mid-response (a gRPC stream's WINDOW_UPDATE
 * after each message) took turns: each message became a request. With
 * min_request_bytes they are the response's, and their arrivals start
 * nothing; without, receives under 27 bytes are counted for a warning.
 */
static void frames_run(struct fx *f, uint32_t min_bytes)
{
	struct correlator_opts o = { .mode = CORRELATE_CONN, .on_request = collect,
				     .min_request_bytes = min_bytes };

	correlator__free(f->c);
	o.ctx = &f->got;
	f->c = correlator__new(&o);
	if (!ASSERT_OK_PTR(f->c, "correlator"))
		return;
	arrive(f, 5, 900);
	tcp(f, 1, "read", 5, 40, 1000, 100);			/* the call */
	tcp(f, 1, "write", 5, 500, 2000, 100);			/* message 1 */
	arrive(f, 5, 2500);
	tcp(f, 1, "read", 5, 26, 3000, 100);			/* WINDOW_UPDATE */
	tcp(f, 1, "write", 5, 500, 4000, 100);			/* message 2 */
	arrive(f, 5, 4500);
	tcp(f, 1, "read", 5, 13, 5000, 100);			/* PING */
	tcp(f, 1, "write", 5, 500, 6000, 100);			/* message 3, the last */
	arrive(f, 5, 7000);
	tcp(f, 1, "read", 5, 40, 8000, 100);			/* the next call */
	tcp(f, 1, "write", 5, 500, 9000, 100);
	correlator__finish(f->c);
}

/*
 * Go's net/http reads the first byte of the next request alone (its
 * background read), then the rest: a 1-byte turn whose next receive brings
 * the request is no protocol frame. Recorded: 645 of 4,001 requests of a Go
 * server were counted, and the report warned of HTTP/2 frames. A frame is
 * one that the next receive finds nothing after (EAGAIN), or that no
 * receive follows.
 */
TEST(correlate, request_read_in_two_is_no_tiny_turn)
{
	struct correlator_stats st;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 600, 1000, 100);
	tcp(&f, 1, "write", 5, 116, 2000, 100);
	tcp(&f, 2, "read", 5, 1, 3000, 100);			/* Go: the next request's first byte */
	tcp(&f, 3, "read", 5, 599, 3200, 100);			/* and the rest */
	tcp(&f, 3, "write", 5, 116, 4000, 100);
	tcp(&f, 1, "read", 5, 13, 5000, 100);			/* a frame: nothing after it */
	tcp(&f, 1, "read", 5, -11, 5200, 100);
	tcp(&f, 1, "read", 5, 600, 6000, 100);
	tcp(&f, 1, "write", 5, 116, 7000, 100);
	tcp(&f, 1, "read", 5, 8, 8000, 100);			/* a frame answered (PING) */
	tcp(&f, 1, "write", 5, 8, 8200, 100);
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	ASSERT_EQ(f.got.n, 4, "every turn a request");
	ASSERT_EQ_U64(st.tiny_turns, 2, "the 13- and 8-byte turns, not the 1-byte read of a request");
	fx_close(&f);
}

/* Two frames read back to back (WINDOW_UPDATE, then PING) are no request read in two. */
TEST(correlate, two_frames_in_a_row_are_a_tiny_turn)
{
	struct correlator_stats st;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	for (uint64_t t = 1000; t < 40000; t += 10000) {
		tcp(&f, 1, "read", 5, 600, t, 100);
		tcp(&f, 1, "write", 5, 116, t + 1000, 100);
		tcp(&f, 1, "read", 5, 13, t + 2000, 100);	/* WINDOW_UPDATE */
		tcp(&f, 1, "read", 5, 17, t + 2200, 100);	/* PING */
		tcp(&f, 1, "read", 5, -11, t + 2400, 100);
		tcp(&f, 1, "write", 5, 17, t + 3000, 100);	/* PING ACK */
	}
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.tiny_turns, 4, "each pair of frames a tiny turn");
	fx_close(&f);
}

TEST(correlate, protocol_frames_take_no_turn)
{
	struct correlator_stats st;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	frames_run(&f, 0);
	correlator__stats(f.c, &st);
	ASSERT_EQ(f.got.n, 4, "every receive a turn");
	ASSERT_EQ_U64(st.tiny_turns, 2, "the 26- and 13-byte ones counted for the warning");
	f.got.n = 0;
	frames_run(&f, 27);
	correlator__stats(f.c, &st);
	if (!ASSERT_EQ(f.got.n, 2, "two calls"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].start_ns, 900, "first: from its arrival");
	ASSERT_EQ_U64(f.got.r[0].end_ns, 6100, "to its last message");
	ASSERT_EQ(f.got.r[0].sends, 3, "three messages");
	ASSERT_EQ_U64(sum_parts(&f.got.r[0]), f.got.r[0].latency_ns, "its parts add up");
	ASSERT_EQ_U64(f.got.r[1].start_ns, 7000, "second: from its own arrival, not a frame's");
	ASSERT_EQ_U64(st.frames_skipped, 2, "two frames");
	ASSERT_EQ_U64(st.tiny_turns, 0, "none took a turn");
out:
	fx_close(&f);
}

TEST(correlate, request_timeout)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);			/* receiving, then silence */
	tcp(&f, 2, "read", 6, 100, 1000, 100);
	tcp(&f, 2, "write", 6, 10, 2000, 100);			/* responding, then silence */
	ev(&f, 3, "nanosleep", -1, FD_KIND_NONE, 0, 1000, 200 * MS);	/* time passes */
	if (!ASSERT_EQ(f.got.n, 2, "both closed by the timeout before the end"))
		goto out;
	ASSERT_TRUE(f.got.r[0].timed_out && !f.got.r[0].complete, "receiving: incomplete");
	ASSERT_TRUE(f.got.r[1].timed_out && f.got.r[1].complete, "responding: complete");
	ASSERT_EQ_U64(f.got.r[1].end_ns, 2100, "end is the last send");
	tcp(&f, 1, "write", 5, 10, 300 * MS, 100);		/* after the timeout: no request */
	correlator__finish(f.c);
	ASSERT_EQ(f.got.n, 2, "no more requests");
out:
	fx_close(&f);
}

/*
 * The timeout is checked against the oldest request only when it can have
 * passed: when that request leaves, the next one may be older still (rows
 * of two threads out of order) and must expire at the next event.
 */
TEST(correlate, request_timeout_after_the_oldest_leaves)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 50 * MS - 100, 100);		/* A: active at 50 ms */
	tcp(&f, 2, "read", 6, 100, 10 * MS - 100, 100);		/* B: a row out of order, 10 ms */
	ev(&f, 3, "futex", -1, FD_KIND_NONE, 0, 140 * MS - 100, 100);	/* A is first in line: alive */
	ASSERT_EQ(f.got.n, 0, "A has 10 ms left: nothing closed");
	tcp(&f, 1, "close", 5, 0, 145 * MS - 100, 100);		/* A ends: B comes first */
	if (!ASSERT_EQ(f.got.n, 1, "A closed"))
		goto out;
	ASSERT_FALSE(f.got.r[0].timed_out, "A: closed, not timed out");
	ev(&f, 3, "futex", -1, FD_KIND_NONE, 0, 146 * MS - 100, 100);	/* B idle for 136 ms */
	if (!ASSERT_EQ(f.got.n, 2, "B closed by the timeout at the next event"))
		goto out;
	ASSERT_TRUE(f.got.r[1].timed_out && f.got.r[1].fd == 6, "B timed out");
	correlator__finish(f.c);
out:
	fx_close(&f);
}

TEST(correlate, activity_on_the_fd_defers_the_timeout)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);				/* receiving */
	ev(&f, 1, "ioctl", 5, FD_KIND_TCP, 0, 80 * MS, 100);		/* activity on its fd */
	ev(&f, 1, "fcntl", 5, FD_KIND_TCP, 0, 160 * MS, 100);		/* again, < 100 ms later */
	ev(&f, 2, "futex", -1, FD_KIND_NONE, 0, 170 * MS, 100);	/* another thread: not its activity */
	tcp(&f, 1, "write", 5, 10, 240 * MS, 100);
	ASSERT_EQ(f.got.n, 0, "not timed out: its fd was busy");
	ev(&f, 2, "futex", -1, FD_KIND_NONE, 0, 400 * MS, 100);	/* silence on fd 5 */
	if (!ASSERT_EQ(f.got.n, 1, "closed by the timeout after the silence"))
		goto out;
	ASSERT_TRUE(f.got.r[0].complete && f.got.r[0].timed_out, "complete, timed out");
	ASSERT_EQ_U64(f.got.r[0].end_ns, 240 * MS + 100, "end at the send");
	ASSERT_EQ_U64(sum_parts(&f.got.r[0]), f.got.r[0].latency_ns, "parts add up");
out:
	fx_close(&f);
}

TEST(correlate, arrivals_queue)
{
	struct fx f;
	const struct request *r;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	/* A frame's arrivals come first (trace_reader's arrivals_first). */
	arrive(&f, 5, 500);				/* #1 */
	arrive(&f, 5, 600);				/* same request: the first counts */
	arrive(&f, 5, 1950);				/* before #1's response began: ignored */
	tcp(&f, 1, "read", 5, 100, 800, 400);		/* exit 1200: queue 700, net 400 */
	tcp(&f, 1, "write", 5, 10, 2000, 100);		/* end 2100 */
	tcp(&f, 1, "read", 5, 100, 3000, 100);		/* #2, exit 3100 */
	if (!ASSERT_EQ(f.got.n, 1, "#1 delivered when it ended, its frame still being read"))
		goto out;
	arrive(&f, 5, 2500);				/* late, #2 still open: #2 starts here */
	tcp(&f, 1, "write", 5, 10, 4000, 100);
	correlator__frame_end(f.c);
	tcp(&f, 1, "read", 5, 100, 5000, 100);		/* #3, no arrival */
	tcp(&f, 1, "write", 5, 10, 6000, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 3, "requests"))
		goto out;
	r = &f.got.r[0];
	ASSERT_TRUE(r->queued, "#1 queued");
	ASSERT_EQ_U64(r->start_ns, 500, "#1 start at the first arrival");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_QUEUE], 700, "#1 queue");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_NET], 100, "#1 net: the starting receive adds nothing");
	ASSERT_EQ_U64(r->user_ns, 1600 - 700 - 100, "#1 user: queue covers the receive");
	ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "#1 parts add up to the latency");
	r = &f.got.r[1];
	ASSERT_EQ_U64(r->start_ns, 2500, "#2 start from a late arrival");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_QUEUE], 600, "#2 queue");
	ASSERT_EQ_U64(r->ttfb_ns, 4100 - 2500, "#2 ttfb from the arrival");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_NET], 100, "#2 net: the send only");
	ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "#2 parts add up to the latency");
	r = &f.got.r[2];
	ASSERT_FALSE(r->queued, "#3 not queued");
	ASSERT_EQ_U64(r->start_ns, 5100, "#3 start");
out:
	fx_close(&f);
}

/* Requests of arrivals_ahead_many_unsorted: #i must start at 10000 i + 100, queued 1000. */
struct ahead_check {
	uint64_t n, bad;
};

static void ahead_cb(const struct request *r, void *ctx)
{
	struct ahead_check *k = ctx;
	uint64_t i = r->id - 1;

	k->n++;
	k->bad += !r->queued || r->start_ns != 10000 * i + 100 || r->cat_ns[REQ_CAT_QUEUE] != 1000;
}

/* The end of an ahead_cb test: N requests, each from its own arrival, no arrival unmatched. */
static void ahead_finish(struct fx *f, const struct ahead_check *k, uint64_t n)
{
	struct correlator_stats st;

	correlator__finish(f->c);
	ASSERT_EQ_U64(k->n, n, "requests");
	ASSERT_EQ_U64(k->bad, 0, "every request started at its own arrival");
	correlator__stats(f->c, &st);
	ASSERT_EQ_U64(st.arrivals_used, n, "arrivals used");
	ASSERT_EQ_U64(st.arrivals_dropped, 0, "none unmatched (a request's second is its own)");
	fx_close(f);
}

/*
 * A whole frame's arrivals ahead of its rows, for many requests of one
 * connection and out of time order: each request starts at its own, and is
 * delivered when it ends.
 */
TEST(correlate, arrivals_ahead_many_unsorted)
{
	enum { N = 2000 };
	struct ahead_check k = { 0 };
	struct fx f;

	if (!fx_open_cb(&f, CORRELATE_CONN, ahead_cb, &k))
		return;
	for (int i = N - 1; i >= 0; i--)
		arrive(&f, 5, 10000ULL * i + (i % 7 == 0 ? 900 : 100));	/* reversed, some twice */
	for (int i = 0; i < N; i += 7)
		arrive(&f, 5, 10000ULL * i + 100);
	for (int i = 0; i < N; i++) {
		tcp(&f, 1, "read", 5, 100, 10000ULL * i + 1000, 100);	/* exit +1100 */
		tcp(&f, 1, "write", 5, 10, 10000ULL * i + 5000, 100);
	}
	ASSERT_EQ_U64(k.n, N - 1, "each delivered when it ended (the last is still open)");
	ahead_finish(&f, &k, N);
}

/*
 * Each frame's arrivals ahead of its rows, shuffled within the frame: the
 * buffer turns into a heap, is taken from between frames, empties and
 * starts over in order. Every request starts at its own arrival.
 */
TEST(correlate, arrivals_out_of_order_in_frames)
{
	enum { N = 3000, FRAME = 100 };
	struct ahead_check k = { 0 };
	uint64_t seed = 11;
	struct fx f;

	if (!fx_open_cb(&f, CORRELATE_CONN, ahead_cb, &k))
		return;
	for (int at = 0; at < N; at += FRAME) {
		int order[FRAME];

		for (int i = 0; i < FRAME; i++)
			order[i] = i;
		for (int i = FRAME - 1; i > 0; i--) {	/* Fisher-Yates */
			int j = (int)((seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 33) %
				(i + 1), x = order[i];

			order[i] = order[j];
			order[j] = x;
		}
		for (int i = 0; i < FRAME; i++)
			arrive(&f, 5, 10000ULL * (uint64_t)(at + order[i]) + 100);
		for (int i = at; i < at + FRAME; i++) {
			tcp(&f, 1, "read", 5, 100, 10000ULL * i + 1000, 100);
			tcp(&f, 1, "write", 5, 10, 10000ULL * i + 5000, 100);
		}
		correlator__frame_end(f.c);
	}
	ahead_finish(&f, &k, N);
}

/*
 * Bytes on connections the server never reads: each fd keeps at most
 * ARRIVALS_FD_CAP of them, and when all fds together hold the whole
 * budget they drop their older halves; a connection that is read still
 * gets its arrival. At the end every arrival was used or counted unmatched.
 */
TEST(correlate, arrivals_unread_do_not_crowd_out)
{
	enum { FDS = 40, PER_FD = 70000 };
	struct correlator_stats st;
	struct fx f;
	uint64_t fed = 0;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	for (int fd = 7; fd < 7 + FDS; fd++)
		for (int i = 0; i < PER_FD; i++, fed++)
			arrive(&f, fd, 1000 + (uint64_t)i);
	arrive(&f, 5, 900000);
	fed++;
	tcp(&f, 1, "read", 5, 100, 1000000, 100);
	tcp(&f, 1, "write", 5, 10, 2000000, 100);
	correlator__finish(f.c);
	if (ASSERT_EQ(f.got.n, 1, "one request")) {
		ASSERT_TRUE(f.got.r[0].queued, "queued: its arrival was kept");
		ASSERT_EQ_U64(f.got.r[0].start_ns, 900000, "start at its arrival");
	}
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.arrivals_used, 1, "used");
	ASSERT_EQ_U64(st.arrivals_used + st.arrivals_dropped, fed, "every other counted unmatched");
	fx_close(&f);
}

/* This process's resident memory, kB (VmRSS), or -1. */
static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/*
 * Connections filled one after the other and never read: memory follows
 * what stays buffered (the 16 MiB budget), not what each fd once held.
 * 384 fds of 70,000 arrivals: about 200 MiB resident before buffers shrank
 * and glibc gave their holes back.
 */
TEST(correlate, arrivals_unread_memory_bounded)
{
	enum { FDS = 384, PER_FD = 70000 };
	long before, grew;
	struct fx f;

#ifdef __SANITIZE_ADDRESS__
	printf("    skip: arrivals_unread_memory_bounded: resident memory under ASan is its quarantine's\n");
	return;
#endif
	if (!fx_open(&f, CORRELATE_CONN))
		return;
	before = rss_kb();
	for (int fd = 7; fd < 7 + FDS; fd++)
		for (int i = 0; i < PER_FD; i++)
			arrive(&f, fd, 1000 + (uint64_t)i);
	grew = rss_kb() - before;
	if (ASSERT_TRUE(before > 0, "VmRSS read"))
		ASSERT_LE(grew, 96 * 1024, "resident growth, kB");
	fx_close(&f);
}

/* Marker mode starts requests at markers: arrivals are not kept, and counted unmatched. */
TEST(correlate, arrivals_in_marker_mode)
{
	struct correlator_stats st;
	struct fx f;

	if (!fx_open(&f, CORRELATE_MARKER))
		return;
	for (int i = 0; i < 100; i++)
		arrive(&f, 5, 1000 + (uint64_t)i);
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.arrivals_used, 0, "none used");
	ASSERT_EQ_U64(st.arrivals_dropped, 100, "all counted unmatched");
	fx_close(&f);
}

/*
 * Bytes that reached a connection while it waited in the accept queue: the
 * recorder emits their arrival when accept returns, with the time they came.
 * The first request starts then (the backlog wait is queue time), but not
 * with bytes of the previous connection on the same fd number.
 */
TEST(correlate, arrivals_before_accept)
{
	struct fx f;
	const struct request *r;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 100, 100);			/* an old connection on fd 5 */
	tcp(&f, 1, "write", 5, 10, 300, 100);			/* #1 ends at 400 */
	arrive(&f, 5, 500);					/* old connection, after its response */
	tcp(&f, 1, "close", 5, 0, 600, 100);			/* closed at 700 */
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 2000, 100);	/* new connection on fd 5 at 2100 */
	arrive(&f, 5, 1500);					/* its bytes came at 1500, before the accept */
	tcp(&f, 1, "read", 5, 100, 2200, 100);			/* exit 2300: queue 800 */
	tcp(&f, 1, "write", 5, 10, 2500, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 2, "requests"))
		goto out;
	r = &f.got.r[0];
	ASSERT_FALSE(r->queued, "#1 has no arrival");
	r = &f.got.r[1];
	ASSERT_TRUE(r->queued, "#2 queued");
	ASSERT_EQ_U64(r->start_ns, 1500, "#2 starts when its bytes arrived, before the accept");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_QUEUE], 800, "#2 queue: accept backlog and socket wait");
	ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "#2 parts add up to the latency");
out:
	fx_close(&f);
}

/*
 * close() frees the fd number as it begins and can then take long (a TCP
 * close): a thread-per-connection server (Flask's threaded server, recorded)
 * accepted the next connection under that number while the previous
 * connection's thread was still in the close, whose row, emitted at its
 * exit, came after the new connection's first receive. It ended that
 * request unanswered and lost its response: 2 of 2,001 requests. A read
 * blocked on the old file, returning after the accept, is the old file's
 * too. In thread mode the late close ends the request its own thread served
 * there (skipped, it left that one open until the timeout).
 */
TEST(correlate, close_of_the_previous_file_under_a_reused_number)
{
	struct fx f;

	for (size_t m = 0; m < 2; m++) {
		if (!fx_open(&f, conn_and_thread[m]))
			return;
		ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 0, 50);
		tcp(&f, 2, "read", 5, 100, 1000, 100);			/* #1 */
		tcp(&f, 2, "write", 5, 10, 1500, 100);			/* answered at 1600 */
		ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 2050, 20);	/* fd 5 again, at 2070 */
		tcp(&f, 3, "read", 5, 100, 2100, 50);			/* #2 */
		tcp(&f, 2, "close", 5, 0, 2000, 500);			/* #1's close, from 2000 to 2500 */
		tcp(&f, 4, "read", 5, 0, 1900, 700);			/* EOF of the old file, at 2600 */
		tcp(&f, 3, "write", 5, 10, 3000, 100);			/* #2 answered at 3100 */
		tcp(&f, 3, "close", 5, 0, 3200, 10);
		ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 300 * MS, 10);	/* past the timeout */
		correlator__finish(f.c);
		if (ASSERT_EQ(f.got.n, 2, "requests")) {
			const struct request *r = f.got.r;

			ASSERT_TRUE(r[0].complete, "#1 complete");
			ASSERT_FALSE(r[0].timed_out, "#1 ended by its close (thread mode), or the accept");
			ASSERT_EQ_U64(r[0].latency_ns, 500, "#1 latency (from its receive's exit)");
			ASSERT_TRUE(r[1].complete, "#2 complete: the old file's close did not end it");
			ASSERT_FALSE(r[1].timed_out, "#2 ended by its own close");
			ASSERT_EQ_U64(r[1].start_ns, 2150, "#2 start");
			ASSERT_EQ_U64(r[1].latency_ns, 950, "#2 latency: to its own response");
		}
		fx_close(&f);
	}
}

/*
 * getaddrinfo and interface lists query the kernel over netlink sockets
 * (kind "socket"): the process sends, then receives the replies. Recorded
 * from apache2's start: each query was a request, received and never
 * answered (3 incomplete requests). A socket the process made itself and
 * sends on first is its own client; one it made and receives on first (an
 * SCTP one-to-many server's) still holds requests.
 */
TEST(correlate, own_socket_sending_first_is_a_client)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	ev(&f, 1, "socket", -1, FD_KIND_NONE, 3, 0, 10);
	ev(&f, 1, "sendto", 3, FD_KIND_SOCKET_OTHER, 20, 100, 10);
	ev(&f, 1, "recvmsg", 3, FD_KIND_SOCKET_OTHER, 396, 200, 10);
	ev(&f, 1, "recvmsg", 3, FD_KIND_SOCKET_OTHER, 20, 300, 10);
	ev(&f, 1, "close", 3, FD_KIND_SOCKET_OTHER, 0, 400, 10);
	ev(&f, 1, "socket", -1, FD_KIND_NONE, 3, 500, 10);	/* the number again: a server's */
	ev(&f, 1, "recvmsg", 3, FD_KIND_SOCKET_OTHER, 100, 1000, 10);
	ev(&f, 1, "sendmsg", 3, FD_KIND_SOCKET_OTHER, 10, 1200, 10);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 1, "requests: the second socket's only"))
		goto out;
	ASSERT_TRUE(f.got.r[0].complete, "complete");
	ASSERT_EQ_U64(f.got.r[0].start_ns, 1010, "it starts at its receive");
out:
	fx_close(&f);
}

/*
 * A handler that resolves a name while it serves a request: getaddrinfo's
 * netlink query on a socket of its own is part of that request, in thread
 * mode too, where the thread's request would otherwise take the query for
 * its response and the reply for a new request.
 */
TEST(correlate, own_socket_query_inside_a_request)
{
	struct fx f;

	for (size_t m = 0; m < 2; m++) {
		if (!fx_open(&f, conn_and_thread[m]))
			return;
		ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 0, 50);
		tcp(&f, 1, "read", 5, 300, 1000, 100);
		ev(&f, 1, "socket", -1, FD_KIND_NONE, 7, 1200, 10);
		ev(&f, 1, "sendto", 7, FD_KIND_SOCKET_OTHER, 20, 1300, 10);
		ev(&f, 1, "recvmsg", 7, FD_KIND_SOCKET_OTHER, 396, 1400, 10);
		ev(&f, 1, "close", 7, FD_KIND_SOCKET_OTHER, 0, 1500, 10);
		tcp(&f, 1, "write", 5, 100, 2000, 100);
		tcp(&f, 1, "close", 5, 0, 2200, 10);
		correlator__finish(f.c);
		if (ASSERT_EQ(f.got.n, 1, "one request")) {
			const struct request *r = &f.got.r[0];

			ASSERT_TRUE(r->complete, "complete");
			ASSERT_EQ_U64(r->latency_ns, 1000, "from its receive to its response");
			/* the query's socket, sendto, recvmsg and close, and the response */
			ASSERT_EQ_U64(r->cat_ns[REQ_CAT_NET], 140, "the query is its net time");
			ASSERT_EQ(r->syscalls, 6, "its calls, the query's four among them");
		}
		fx_close(&f);
	}
}


/*
 * A server that closes connections (keep-alive limits, Connection: close):
 * the next connection's bytes wait in the accept queue while the previous
 * connection on the same fd number is still being closed. Its QUEUED record
 * (with the reader's arrivals_first, ahead of the frame's events) belongs to
 * the accept, not to the close before it. As DATA, the close's bound dropped
 * it: 53 of 208 reconnections of the demo server lost their queue time.
 */
TEST(correlate, queued_before_previous_close)
{
	struct correlator_stats st;
	const struct request *r;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	arrive_queued(&f, 5, 50, 0, 50);	/* #1's accept: nothing came while it waited */
	arrive_queued(&f, 5, 650, 120, 2100);	/* #2's connection: bytes at 650, fd 5 still open */
	arrive_queued(&f, 5, 3050, 0, 3050);	/* #3's accept: nothing while queued */
	arrive(&f, 5, 3100);			/* #3's bytes, after its accept */
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 0, 50);
	tcp(&f, 1, "read", 5, 100, 100, 100);		/* #1 */
	tcp(&f, 1, "write", 5, 10, 300, 100);
	tcp(&f, 1, "close", 5, 0, 600, 100);		/* closed at 700, after #2's bytes came */
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 2000, 100);	/* #2 on fd 5 at 2100 */
	tcp(&f, 1, "read", 5, 120, 2200, 100);		/* exit 2300 */
	tcp(&f, 1, "write", 5, 10, 2500, 100);
	tcp(&f, 1, "close", 5, 0, 2700, 100);
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 3000, 50);	/* #3 */
	tcp(&f, 1, "read", 5, 100, 3200, 100);
	tcp(&f, 1, "write", 5, 10, 3400, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 3, "requests"))
		goto out;
	r = &f.got.r[0];
	ASSERT_FALSE(r->queued, "#1: no bytes before its read");
	ASSERT_EQ_U64(r->start_ns, 200, "#1 starts at its read");
	r = &f.got.r[1];
	ASSERT_TRUE(r->queued, "#2 queued");
	ASSERT_EQ_U64(r->start_ns, 650, "#2 starts when its bytes came, before #1's close");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_QUEUE], 1650, "#2 queue: backlog and socket wait");
	ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "#2 parts add up to the latency");
	r = &f.got.r[2];
	ASSERT_TRUE(r->queued, "#3 queued");
	ASSERT_EQ_U64(r->start_ns, 3100, "#3: its own bytes, not #2's record");
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.arrivals_used, 2, "two arrivals started requests");
	ASSERT_EQ_U64(st.arrivals_dropped, 0, "none unmatched");
out:
	fx_close(&f);
}

/*
 * A record names its accept's exit, so losing either side shifts nothing:
 * a record whose accept was not read (lost with the ring full, or outside
 * --since) is passed over, and an accept whose record was lost takes none.
 * Pairing by order alone, one missing accept gave every later connection on
 * the fd the previous one's bytes (a review measured an 850 ms request
 * where the client's slowest was 139 ms). Records of fds never accepted
 * are bounded, and count as unmatched at the end.
 */
TEST(correlate, queued_records_paired_by_their_accept)
{
	struct correlator_stats st;
	const struct request *r;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	arrive_queued(&f, 5, 10, 100, 40);	/* an accept at 40 that is not in the trace */
	arrive_queued(&f, 5, 1500, 100, 2100);	/* the second accept's */
	arrive_queued(&f, 5, 2800, 100, 3050);	/* the third's, whose accept row is lost */
	arrive_queued(&f, 5, 3900, 100, 4050);	/* the fourth's */
	for (int i = 0; i < 100; i++)
		arrive_queued(&f, 9, 10 + (uint64_t)i, 100, 20 + (uint64_t)i);	/* fd 9: never accepted */
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 0, 50);		/* exit 50: its record was lost */
	tcp(&f, 1, "read", 5, 100, 100, 100);
	tcp(&f, 1, "write", 5, 10, 300, 100);
	tcp(&f, 1, "close", 5, 0, 600, 100);
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 2000, 100);	/* exit 2100 */
	tcp(&f, 1, "read", 5, 100, 2200, 100);
	tcp(&f, 1, "write", 5, 10, 2500, 100);
	tcp(&f, 1, "close", 5, 0, 2700, 100);
	/* the accept exiting at 3050 is lost; its connection's reads still come */
	tcp(&f, 1, "read", 5, 100, 3100, 100);
	tcp(&f, 1, "write", 5, 10, 3300, 100);
	tcp(&f, 1, "close", 5, 0, 3500, 100);
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 4000, 50);	/* exit 4050 */
	tcp(&f, 1, "read", 5, 100, 4100, 100);
	tcp(&f, 1, "write", 5, 10, 4300, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 4, "requests"))
		goto out;
	r = &f.got.r[0];
	ASSERT_FALSE(r->queued, "#1: the older record is another accept's");
	r = &f.got.r[1];
	ASSERT_EQ_U64(r->start_ns, 1500, "#2 takes its own record, passing over the older one");
	r = &f.got.r[2];
	ASSERT_FALSE(r->queued, "#3: its accept was lost, its record is not taken by #2 or #4");
	r = &f.got.r[3];
	ASSERT_EQ_U64(r->start_ns, 3900, "#4 takes its own, not #3's");
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.arrivals_used, 2, "two records started requests");
	ASSERT_EQ_U64(st.arrivals_dropped, 102, "fd 9's 100 at the end, and the lost accepts' two");
out:
	fx_close(&f);
}

/*
 * A frame's records come before its rows, and a server closing connections
 * accepts many times per fd in one frame (the demo server closing every 3
 * requests: hundreds per fd per frame). With 64 kept per fd, the oldest,
 * the ones needed first, were dropped: 3,656 of 30,000 requests lost their
 * queue time.
 */
TEST(correlate, queued_records_many_per_fd_in_a_frame)
{
	struct correlator_stats st;
	struct fx f;
	int queued = 0;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	f.got.n = MAX_REQS;	/* count without keeping */
	for (uint64_t i = 0; i < 500; i++)
		arrive_queued(&f, 5, 10000 * i + 5, 100, 10000 * i + 50);
	for (uint64_t i = 0; i < 500; i++) {
		ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 10000 * i, 50);
		tcp(&f, 1, "read", 5, 100, 10000 * i + 100, 100);
		tcp(&f, 1, "write", 5, 10, 10000 * i + 300, 100);
		tcp(&f, 1, "close", 5, 0, 10000 * i + 600, 100);
	}
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	queued = (int)st.arrivals_used;
	ASSERT_EQ(queued, 500, "every request starts at its bytes' arrival");
	ASSERT_EQ_U64(st.arrivals_dropped, 0, "none dropped");
	fx_close(&f);
}

/* Records of traces written before they named their accept: taken in order, unless later than the accept. */
TEST(correlate, queued_records_without_their_accept)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	arrive_queued(&f, 5, 1500, 100, 0);	/* for the second accept */
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 0, 50);
	tcp(&f, 1, "read", 5, 100, 100, 100);
	tcp(&f, 1, "write", 5, 10, 300, 100);
	tcp(&f, 1, "close", 5, 0, 600, 100);
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 2000, 100);
	tcp(&f, 1, "read", 5, 100, 2200, 100);
	tcp(&f, 1, "write", 5, 10, 2500, 100);
	correlator__finish(f.c);
	if (ASSERT_EQ(f.got.n, 2, "requests")) {
		ASSERT_FALSE(f.got.r[0].queued, "#1: a record later than its accept is not its own");
		ASSERT_EQ_U64(f.got.r[1].start_ns, 1500, "#2 takes it");
	}
	fx_close(&f);
}

/*
 * An event loop (one thread) serving a connection while its executor's
 * thread wakes it through a socketpair: the loop receives on it, never
 * answers. As a connection (unix) it was a request that shared the real
 * one's time; as unix-pair it is a syscall of the real request, its own.
 */
TEST(correlate, socketpair_is_no_connection)
{
	const struct request *r;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "recvfrom", 5, 100, 0, 100);				/* the request */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 200, 500);		/* idle: its executor works */
	ev(&f, 1, "recvfrom", 9, FD_KIND_UNIX_PAIR, 1, 800, 100);	/* woken */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 1000, 100);
	ev(&f, 1, "recvfrom", 9, FD_KIND_UNIX_PAIR, 1, 1200, 100);	/* woken again */
	tcp(&f, 1, "sendto", 5, 10, 1400, 100);				/* the response */
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 1, "one request, none on the socketpair"))
		goto out;
	r = &f.got.r[0];
	ASSERT_TRUE(r->complete, "complete");
	ASSERT_EQ_U64(r->shared_ns, 0, "nothing shared");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_NET], 300, "its receive, send, and the wake-ups' reads");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_SYNC], 100, "the futex");
	ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "parts add up");
out:
	fx_close(&f);
}

/*
 * The server's own connections (a reverse proxy's upstream, a database):
 * what it sends and reads there is part of the request it serves, never a
 * request (nginx proxying: 396 requests for 200, half of them its reads of
 * the upstream's replies). The fd number is inbound again once accepted.
 */
TEST(correlate, outgoing_connections_are_no_requests)
{
	const struct request *r;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	arrive(&f, 5, 150);
	arrive(&f, 7, 1500);	/* the upstream's reply: arrivals come first in a frame */
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 5, 0, 100);
	tcp(&f, 1, "read", 5, 100, 200, 100);			/* the request, queued from 150 */
	tcp(&f, 1, "connect", 7, -EINPROGRESS, 400, 100);	/* to the upstream */
	tcp(&f, 1, "write", 7, 50, 600, 100);			/* the call */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, 800, 600);	/* waits for the reply */
	tcp(&f, 1, "read", 7, 500, 1600, 100);			/* the reply */
	ev(&f, 1, "connect", 8, FD_KIND_UNIX_PAIR, 0, 1700, 10);	/* a unix one, before its address */
	ev(&f, 1, "write", 8, FD_KIND_UNIX, 20, 1710, 40);
	ev(&f, 1, "read", 8, FD_KIND_UNIX, 30, 1750, 50);
	tcp(&f, 1, "write", 5, 600, 1800, 100);			/* the response: 150..1900 */
	tcp(&f, 1, "close", 7, 0, 2000, 50);
	ev(&f, 1, "accept4", 3, FD_KIND_TCP_LISTEN, 7, 2050, 50);	/* 7 again, a client's */
	tcp(&f, 1, "read", 7, 10, 2200, 100);
	tcp(&f, 1, "write", 7, 10, 2400, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 2, "the client's two requests, none on the upstreams"))
		goto out;
	r = &f.got.r[0];
	ASSERT_EQ(r->fd, 5, "first on fd 5");
	ASSERT_TRUE(r->complete && r->queued, "complete, queued");
	ASSERT_EQ_U64(r->start_ns, 150, "start");
	ASSERT_EQ_U64(r->end_ns, 1900, "end");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_QUEUE], 150, "queue");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_NET], 100 + 100 + 100 + 10 + 40 + 50 + 100,
		      "connects, the upstreams' calls and replies, and its response");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_IDLE], 600, "the wait for the reply");
	ASSERT_EQ(r->syscalls, 9, "syscalls");
	ASSERT_EQ_U64(r->bytes_in, 100, "bytes in: the client's only");
	ASSERT_EQ_U64(r->bytes_out, 600, "bytes out: the client's only");
	ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "parts add up");
	r = &f.got.r[1];
	ASSERT_EQ(r->fd, 7, "then fd 7, accepted");
	ASSERT_TRUE(r->complete, "complete");
	ASSERT_FALSE(r->queued, "the reply's arrival is not its queue time");
	ASSERT_EQ_U64(r->start_ns, 2300, "start");
out:
	fx_close(&f);
}

/*
 * A client that has the response can send its next request before the
 * server's send returns: its bytes arrive during that send, and start the
 * next request (nginx on loopback: 9 of 40,000 requests lost their queue
 * time when the bound was the send's exit).
 */
TEST(correlate, arrival_during_the_last_send)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	arrive(&f, 5, 500);
	arrive(&f, 5, 2050);			/* while #1's write (2000..2100) was returning */
	tcp(&f, 1, "read", 5, 100, 800, 400);
	tcp(&f, 1, "write", 5, 10, 2000, 100);
	tcp(&f, 1, "read", 5, 100, 3000, 100);	/* #2, exit 3100 */
	tcp(&f, 1, "write", 5, 10, 4000, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 2, "requests"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].start_ns, 500, "#1");
	ASSERT_TRUE(f.got.r[1].queued, "#2 queued");
	ASSERT_EQ_U64(f.got.r[1].start_ns, 2050, "#2 starts at the bytes that came during #1's send");
	ASSERT_EQ_U64(f.got.r[1].cat_ns[REQ_CAT_QUEUE], 1050, "#2 queue");
out:
	fx_close(&f);
}

TEST(correlate, thread_mode)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_THREAD))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);		/* request on thread 1 */
	tcp(&f, 1, "write", 7, 10, 300, 100);		/* to a backend: still a send */
	tcp(&f, 1, "read", 7, 100, 500, 100);		/* a receive after a send: a new request */
	tcp(&f, 1, "write", 5, 10, 700, 100);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 2, "requests (the heuristic's known limit)"))
		goto out;
	ASSERT_EQ_U64(f.got.r[0].end_ns, 400, "#1 end");
	ASSERT_EQ_U64(f.got.r[1].start_ns, 600, "#2 start");
out:
	fx_close(&f);
}

TEST(correlate, thread_mode_ends_on_close_and_eof)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_THREAD))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);		/* thread 1's request on fd 5 */
	tcp(&f, 1, "close", 5, 0, 300, 100);		/* its socket closed: incomplete, ended */
	tcp(&f, 2, "read", 6, 100, 1000, 100);		/* thread 2's request on fd 6 */
	tcp(&f, 2, "write", 6, 10, 1200, 100);
	tcp(&f, 2, "read", 6, 0, 1400, 100);		/* EOF: ends it, complete */
	ASSERT_EQ(f.got.n, 2, "both delivered before the end of the trace");
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 2, "requests"))
		goto out;
	ASSERT_FALSE(f.got.r[0].complete || f.got.r[0].timed_out, "closed: incomplete");
	ASSERT_TRUE(f.got.r[1].complete, "EOF after a send: complete");
	ASSERT_EQ_U64(f.got.r[1].end_ns, 1300, "end at the send");
out:
	fx_close(&f);
}

TEST(correlate, failed_sends_and_idle_in_the_window)
{
	struct fx f;
	const struct request *r;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "write", 5, 10, 0, 50);				/* no request: nothing */
	tcp(&f, 1, "read", 5, 100, 100, 100);				/* start 200 */
	tcp(&f, 1, "write", 5, -EAGAIN, 300, 40);			/* receiving: net */
	ev(&f, 1, "epoll_wait", 4, FD_KIND_OTHER, 1, 400, 200);	/* idle, inside: its own */
	tcp(&f, 1, "write", 5, 10, 700, 100);				/* end 800 */
	tcp(&f, 1, "write", 5, -EAGAIN, 900, 30);			/* held back ... */
	tcp(&f, 1, "write", 5, 10, 1000, 100);			/* ... and given: end 1100 */
	tcp(&f, 1, "write", 5, -EAGAIN, 1200, 30);			/* held back, never given */
	tcp(&f, 1, "close", 5, 0, 1300, 10);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 1, "requests"))
		goto out;
	r = &f.got.r[0];
	ASSERT_EQ_U64(r->latency_ns, 900, "latency");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_NET], 40 + 100 + 30 + 100, "net: failed sends that count");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_IDLE], 200, "idle inside the window");
	ASSERT_EQ_U64(r->syscalls, 6, "syscalls");
	ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "parts add up");
out:
	fx_close(&f);
}

TEST(correlate, incomplete_has_nothing_after_its_last_receive)
{
	const struct request *a, *b;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);				/* start 100 */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 200, 100);		/* its own: sync 100 */
	tcp(&f, 1, "read", 5, 100, 400, 100);				/* last receive, exit 500 */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 600, 300);		/* after it: not its own */
	tcp(&f, 1, "close", 5, 0, 1000, 10);
	/* Event loop: B is open with A, which may send again (time held in a segment). */
	tcp(&f, 2, "read", 6, 100, 2000, 100);			/* A starts at 2100 */
	tcp(&f, 2, "write", 6, 10, 2200, 100);			/* A responding */
	tcp(&f, 2, "read", 7, 100, 2400, 100);			/* B starts at 2500 */
	ev(&f, 2, "futex", -1, FD_KIND_NONE, 0, 2600, 100);		/* held: A maybe, B after its receive */
	tcp(&f, 2, "close", 7, 0, 2800, 10);				/* B never sent: incomplete */
	tcp(&f, 2, "write", 6, 10, 2900, 100);			/* A sends again: the futex is A's alone */
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 3, "requests"))
		goto out;
	a = &f.got.r[0];
	ASSERT_FALSE(a->complete, "#1 incomplete");
	ASSERT_EQ_U64(a->end_ns, 500, "#1 no end: its last receive");
	ASSERT_EQ_U64(a->cat_ns[REQ_CAT_SYNC], 100, "#1 sync: before its last receive only");
	ASSERT_EQ_U64(a->cat_ns[REQ_CAT_NET], 100, "#1 net: its second receive");
	ASSERT_EQ_U64(a->syscalls, 3, "#1 syscalls");
	ASSERT_EQ_U64(sum_parts(a), a->latency_ns, "#1 parts add up");
	b = &f.got.r[1];
	a = &f.got.r[2];
	ASSERT_FALSE(b->complete, "B incomplete");
	ASSERT_EQ_U64(b->shared_ns, 0, "B: the held-back time after its receive is not its own");
	ASSERT_EQ_U64(b->syscalls, 1, "B: its receive");
	ASSERT_TRUE(a->complete, "A complete");
	ASSERT_EQ_U64(a->shared_ns, 0, "A: B never made it shared");
	ASSERT_EQ_U64(a->cat_ns[REQ_CAT_SYNC], 100, "A: the futex");
	ASSERT_EQ_U64(sum_parts(a), a->latency_ns, "A parts add up");
out:
	fx_close(&f);
}

TEST(correlate, markers)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_MARKER))
		return;
	ASSERT_OK(correlator__marker(f.c, 0, 0, 1000, PID, 1, 42), "begin");
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 1100, 300);
	tcp(&f, 1, "write", 5, 10, 1500, 100);
	ASSERT_OK(correlator__marker(f.c, 0, 1, 2000, PID, 1, 42), "end");
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 2100, 300);	/* outside */
	ASSERT_OK(correlator__marker(f.c, 0, 1, 2500, PID, 1, 44), "end without begin: ignored");
	ASSERT_OK(correlator__marker(f.c, 0, 0, 3000, PID, 1, 43), "begin, never ended");
	ASSERT_OK(correlator__marker(f.c, 0, 0, 3500, PID, 1, 43), "begin again: the first ends");
	ASSERT_OK(correlator__marker(f.c, 0, 1, 4000, PID, 1, 43), "end of the second");
	ASSERT_OK(correlator__marker(f.c, 0, -5, 4500, PID, 1, 45), "a kind from the file: no BEGIN");
	ASSERT_OK(correlator__marker(f.c, 0, 2, 4600, PID, 1, 46), "a POINT: no BEGIN");
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 3, "requests"))
		goto out;
	ASSERT_FALSE(f.got.r[1].complete, "a second BEGIN ends the first as incomplete");
	ASSERT_EQ_U64(f.got.r[1].start_ns, 3000, "the first");
	ASSERT_TRUE(f.got.r[2].complete, "the second ends with its END");
	ASSERT_EQ_U64(f.got.r[2].latency_ns, 500, "second's latency");
	ASSERT_TRUE(f.got.r[0].complete, "ended");
	ASSERT_EQ_U64(f.got.r[0].latency_ns, 1000, "latency");
	ASSERT_EQ_U64(f.got.r[0].cat_ns[REQ_CAT_SYNC], 300, "sync");
	ASSERT_EQ_U64(f.got.r[0].cat_ns[REQ_CAT_NET], 100, "net");
	ASSERT_EQ(f.got.r[0].marker_id, 42, "id");
out:
	fx_close(&f);
}

/*
 * BEGINs never ended pile up on a thread; each marker and syscall of the
 * thread walked all of them (150,000 in a 341 KB file: 43 s). Beyond 1024
 * open on a thread the oldest ends, incomplete, and the rest are unharmed.
 */
TEST(correlate, markers_open_per_thread_capped)
{
	struct correlator_stats st;
	struct fx f;

	if (!fx_open(&f, CORRELATE_MARKER))
		return;
	for (uint64_t i = 0; i < 1100; i++)
		ASSERT_OK(correlator__marker(f.c, 0, 0, 1000 + i, PID, 1, 100 + i), "begin");
	ASSERT_EQ(f.got.n, 32, "delivered at once (the first 32 kept)");
	for (int i = 0; i < f.got.n; i++) {
		ASSERT_FALSE(f.got.r[i].complete, "ended early: incomplete");
		ASSERT_EQ_U64(f.got.r[i].marker_id, 100 + (uint64_t)i, "the oldest first");
	}
	for (uint64_t i = 1000; i < 1100; i++)
		ASSERT_OK(correlator__marker(f.c, 0, 1, 5000 + i, PID, 1, 100 + i), "end");
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.markers_capped, 76, "the 76 oldest ended early");
	ASSERT_EQ_U64(st.open_peak, 1024, "at most 1024 open");
	ASSERT_EQ_U64(st.requests, 1100, "every BEGIN delivered once");
	fx_close(&f);
}

TEST(correlate, memory_follows_open_requests)
{
	struct correlator_stats st;
	struct fx f;
	uint64_t t = 0;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	f.got.n = MAX_REQS;	/* count without keeping */
	for (int i = 0; i < 20000; i++) {
		int32_t fd = 5 + i % 8;

		tcp(&f, 1 + (uint32_t)(i % 8), "read", fd, 100, t, 100);
		ev(&f, 1 + (uint32_t)(i % 8), "futex", -1, FD_KIND_NONE, 0, t + 200, 100);
		tcp(&f, 1 + (uint32_t)(i % 8), "write", fd, 10, t + 400, 100);
		ev(&f, 1 + (uint32_t)(i % 8), "futex", -1, FD_KIND_NONE, 0, t + 600, 100);
		t += 1000;
	}
	correlator__stats(f.c, &st);
	ASSERT_LE(st.open_peak, 16, "open requests stay bounded");
	ASSERT_LE(st.segments_peak, 16, "held-back segments stay bounded");
	ASSERT_EQ(st.fds, 8, "fd keys");
	ASSERT_EQ(st.threads, 8, "thread keys");
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	ASSERT_EQ(st.requests, 20000, "every request delivered");
	fx_close(&f);
}

/*
 * An event loop with many keep-alive connections: each keeps its last
 * request open, undecided (it may send again), until its next one. The
 * time between them must cost per segment, not per open request: with a
 * member array per segment, 2000 connections held about 500 MB (a 36 KB
 * file of 16,000 such requests: 4.4 GB and 28 s).
 */
static uint64_t sync_sum;

static void sum_sync(const struct request *r, void *ctx)
{
	(void)ctx;
	if (r->complete)
		sync_sum += r->cat_ns[REQ_CAT_SYNC];
	sync_sum += (uint64_t)r->shared_ns << 32;	/* none may be shared */
}

TEST(correlate, keepalive_event_loop_memory_per_segment)
{
	enum { CONNS = 2000 };
	struct correlator_stats st;
	long before, grew = 0;
	uint64_t t = 0;
	struct fx f;

#ifdef __SANITIZE_ADDRESS__
	printf("    skip: keepalive_event_loop_memory_per_segment: resident memory under ASan is its quarantine's\n");
	return;
#endif
	sync_sum = 0;
	if (!fx_open_cb(&f, CORRELATE_CONN, sum_sync, NULL))
		return;
	before = rss_kb();
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < CONNS; i++, t += 1000) {
			tcp(&f, 1, "read", 10 + i, 100, t, 100);		/* ends the connection's last */
			ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, t + 200, 50);	/* its own: the others stay silent */
			ev(&f, 1, "epoll_wait", 4, FD_KIND_ANON, 1, t + 300, 50);
			tcp(&f, 1, "write", 10 + i, 10, t + 400, 100);
		}
		if (rss_kb() - before > grew)
			grew = rss_kb() - before;
	}
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.requests, 2 * CONNS, "every request");
	ASSERT_EQ_U64(sync_sum, 2 * CONNS * 50ULL, "each its own futex, nothing shared");
	if (ASSERT_TRUE(before > 0, "VmRSS read"))
		ASSERT_LE(grew, 48 * 1024, "resident growth, kB");
	fx_close(&f);
}

/*
 * A keep-alive connection answered once and then silent, on a thread that
 * goes on serving another: it may send again, so every later segment of the
 * thread waited for it, and every request counted in one (a 25 KB file of
 * 3M requests: 3.5 GB). The thread now holds at most SEG_HELD_CAP segments.
 */
static struct request fd5_req;
static uint64_t fd6_own, fd6_shared;

static void note_fd5(const struct request *r, void *ctx)
{
	(void)ctx;
	if (r->fd == 5) {
		fd5_req = *r;
		fd5_req.steps = NULL;
	} else if (r->shared_ns) {
		fd6_shared++;
	} else if (r->cat_ns[REQ_CAT_SYNC] == 50) {
		fd6_own++;
	}
}

TEST(correlate, silent_keep_alive_holds_bounded_time)
{
	enum { N = 200000 };
	struct correlator_stats st;
	uint64_t t = 10 * US;
	struct fx f;

	fd6_own = fd6_shared = 0;
	memset(&fd5_req, 0, sizeof(fd5_req));
	if (!fx_open_cb(&f, CORRELATE_CONN, note_fd5, NULL))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);
	tcp(&f, 1, "write", 5, 10, 1000, 100);			/* answered, then silent */
	for (int i = 0; i < N; i++, t += 400) {			/* 80 ms: within the timeout */
		tcp(&f, 1, "read", 6, 100, t, 100);
		ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, t + 150, 50);
		tcp(&f, 1, "write", 6, 10, t + 250, 100);
	}
	correlator__stats(f.c, &st);
	ASSERT_LE(st.open_peak, 70000, "requests held at once (all 200,001 before)");
	ASSERT_EQ_U64(st.decided_early, 0, "none sent again yet");
	tcp(&f, 1, "write", 5, 10, t, 100);			/* fd 5 sends after all */
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.requests, N + 1, "every request");
	ASSERT_EQ_U64(st.decided_early, 1, "fd 5 sent again after it was decided out");
	ASSERT_EQ_U64(fd5_req.end_ns, t + 100, "fd 5 ends at its second send");
	ASSERT_EQ_U64(sum_parts(&fd5_req), fd5_req.latency_ns, "its parts add up");
	/* Shared with fd 5 where it was still undecided when it sent: the last ones only. */
	ASSERT_EQ_U64(fd6_own + fd6_shared, N, "every fd 6 request: its futex own or shared");
	ASSERT_TRUE(fd6_shared > 0 && fd6_shared < 70000, "shared: the last ones");
	fx_close(&f);
}

/*
 * A request on two threads: the held-back time of both is given to it in
 * the order it was spent, across the threads, so that steps of one name
 * merge only when they were next to each other (a review found two futex
 * calls merged around a nanosleep and a close of the other thread).
 */
static char steps_seen[256];

static void note_steps(const struct request *r, void *ctx)
{
	(void)ctx;
	if (r->fd != 10)
		return;
	steps_seen[0] = 0;
	for (uint32_t i = 0; i < r->nsteps; i++)
		snprintf(steps_seen + strlen(steps_seen), sizeof(steps_seen) - strlen(steps_seen),
			 "%s%s x%u", i ? ", " : "", r->steps[i].name, r->steps[i].count);
}

TEST(correlate, steps_of_two_threads_in_time_order)
{
	struct fx f;

	if (!fx_open_cb(&f, CORRELATE_CONN, note_steps, NULL))
		return;
	tcp(&f, 1, "read", 10, 100, 1000, 1000);
	tcp(&f, 1, "write", 10, 10, 3000, 1000);
	tcp(&f, 2, "write", 10, 10, 5000, 1000);		/* on thread 2 too */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 7000, 5000);
	ev(&f, 2, "nanosleep", -1, FD_KIND_NONE, 0, 13000, 7000);
	tcp(&f, 1, "read", 11, 50, 21000, 1000);		/* another request on thread 1 */
	tcp(&f, 2, "close", 11, 0, 23000, 1000);
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 25000, 6000);
	tcp(&f, 1, "write", 10, 10, 32000, 1000);		/* sends again: the time between is its own */
	tcp(&f, 1, "read", 10, 0, 34000, 1000);
	correlator__finish(f.c);
	ASSERT_TRUE(!strcmp(steps_seen, "read x1, write x2, futex x1, nanosleep x1, close x1, "
			    "futex x1, write x1"), steps_seen);
	fx_close(&f);
}

/* Random syscall sequences: no crash, every request delivered once, consistent numbers. */
static uint64_t fuzz_state = 0x2545F4914F6CDD1DULL;

static uint64_t fuzz_rand(void)
{
	fuzz_state ^= fuzz_state << 13;
	fuzz_state ^= fuzz_state >> 7;
	fuzz_state ^= fuzz_state << 17;
	return fuzz_state;
}

static uint64_t fuzz_seen, fuzz_bad;

static void fuzz_cb(const struct request *r, void *ctx)
{
	uint64_t covered = r->shared_ns + r->user_ns + r->runq_ns;

	(void)ctx;
	fuzz_seen++;
	for (int i = 0; i < REQ_CAT__COUNT; i++)
		covered += r->cat_ns[i];
	if (r->end_ns < r->start_ns || r->latency_ns != r->end_ns - r->start_ns ||
	    (r->complete && !r->sends && r->fd >= 0) || (r->sends && r->ttfb_ns > r->latency_ns) ||
	    r->bursts > r->sends || covered < r->latency_ns ||
	    (r->complete && r->user_ns && covered != r->latency_ns)) {
		if (!fuzz_bad && getenv("FUZZ_DEBUG"))
			fprintf(stderr, "bad: start %" PRIu64 " end %" PRIu64 " lat %" PRIu64 " complete %d "
				"sends %u bursts %u ttfb %" PRIu64 " user %" PRIu64 " covered %" PRIu64
				" fd %d\n", r->start_ns, r->end_ns, r->latency_ns, r->complete, r->sends,
				r->bursts, r->ttfb_ns, r->user_ns, covered, r->fd);
		fuzz_bad++;
	}
}

TEST(correlate, fuzz_random_sequences)
{
	static const char *const scs[] = { "read", "write", "recvfrom", "sendto", "writev", "futex",
					   "epoll_wait", "close", "shutdown", "accept4", "ioctl",
					   "openat", "nanosleep", "recvmmsg", "sendmmsg" };
	static const uint32_t kinds[] = { FD_KIND_TCP, FD_KIND_TCP, FD_KIND_UNIX, FD_KIND_FILE,
					  FD_KIND_TCP_LISTEN, FD_KIND_CHR, FD_KIND_NONE, 99 };

	for (int mode = 0; mode < 3; mode++) {
		struct correlator_opts o = { .mode = mode, .on_request = fuzz_cb,
					     .request_timeout_ns = 50 * US, .steps_cap = 4,
					     .sched = mode != CORRELATE_CONN };
		struct correlator_stats st;
		struct strtab *names = strtab__new();
		const char *const *t;
		struct sc_table *tbl;
		struct correlator *c;
		uint64_t now = 1000;
		size_t n;

		t = syscall_table__for_arch("x86_64", &n);
		tbl = names ? sc_table__new(names, t, (uint32_t)n) : NULL;
		c = correlator__new(&o);
		if (!ASSERT_OK_PTR(tbl, "table") || !ASSERT_OK_PTR(c, "correlator"))
			return;
		fuzz_seen = fuzz_bad = 0;
		for (int i = 0; i < 200000; i++) {
			uint64_t r = fuzz_rand();
			uint32_t tid = 1 + r % 6;
			int32_t fd = (int32_t)((r >> 8) % 7) - 1;
			uint64_t dur = (r >> 16) % 5000;
			int what = (int)((r >> 32) % 100);

			now += (r >> 40) % 3000;
			if (what < 8) {
				struct trace_arrival a = { .time_ns = now - (r >> 20) % 4000, .pid = PID,
							   .fd = fd, .what = (r >> 50) & 1 };

				ASSERT_OK(correlator__arrival(c, (r >> 60) & 1, &a), "arrival");
			} else if (what < 12) {
				ASSERT_OK(correlator__marker(c, 0, (int)((r >> 44) % 3), now, PID, tid,
							     (r >> 48) % 3), "marker");
			} else if (what < 14) {
				ASSERT_OK(correlator__frame_end(c), "frame end");
			} else if (what < 18) {
				struct trace_sched sr = { .start_ns = now - (r >> 20) % 8000,
							  .duration_ns = (r >> 36) % 3000, .tid = tid,
							  .pid = PID, .what = (r >> 50) & 1 };

				ASSERT_OK(correlator__sched(c, 0, &sr), "sched");
			} else {
				const char *sc = scs[(r >> 44) % (sizeof(scs) / sizeof(scs[0]))];
				struct trace_event e = {
					.enter_ns = now - ((r >> 12) & 1 ? 0 : (r >> 52) % 2000),
					.duration_ns = dur, .tid = tid, .pid = PID, .fd = fd,
					.fd_kind = kinds[(r >> 56) % (sizeof(kinds) / sizeof(kinds[0]))],
					.ret = (int64_t)((r >> 24) % 400) - 100,
				};

				e.syscall = (uint32_t)syscall__number("x86_64", sc);
				if (!ASSERT_OK(correlator__event(c, (r >> 61) & 1, &e,
								 sc_table__get(tbl, e.syscall)), "event"))
					break;
			}
		}
		ASSERT_OK(correlator__finish(c), "finish");
		correlator__stats(c, &st);
		ASSERT_EQ_U64(fuzz_seen, st.requests, "every request delivered once");
		ASSERT_EQ_U64(st.open, 0, "nothing left open");
		ASSERT_EQ_U64(st.segments, 0, "no segment left");
		ASSERT_EQ_U64(fuzz_bad, 0, "consistent requests");
		ASSERT_LE(1, fuzz_seen, "some requests");
		correlator__free(c);
		sc_table__free(tbl);
		strtab__free(names);
	}
}

TEST(correlate, sched_run_queue_split)
{
	struct correlator_opts o = { .mode = CORRELATE_CONN, .sched = true, .on_request = collect };
	static const struct trace_sched rq[] = {
		{ .start_ns = 1500, .duration_ns = 300, .tid = 1, .pid = PID, .what = TRACE_SCHED_RUNQ },
		{ .start_ns = 2400, .duration_ns = 100, .tid = 1, .pid = PID, .what = TRACE_SCHED_RUNQ },
		{ .start_ns = 2900, .duration_ns = 150, .tid = 1, .pid = PID, .what = TRACE_SCHED_RUNQ },
		{ .start_ns = 3200, .duration_ns = 100, .tid = 1, .pid = PID, .what = TRACE_SCHED_RUNQ },
		{ .start_ns = 1000, .duration_ns = 900, .tid = 1, .pid = PID, .what = TRACE_SCHED_OFF_CPU },
	};
	const struct request *r;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	correlator__free(f.c);
	o.ctx = &f.got;
	f.c = correlator__new(&o);
	if (!ASSERT_OK_PTR(f.c, "correlator"))
		goto out;
	tcp(&f, 1, "read", 5, 100, 500, 500);				/* start 1000 */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 2000, 500);		/* its wakeup waited 100 */
	tcp(&f, 1, "write", 5, 10, 3000, 100);				/* end 3100 */
	tcp(&f, 1, "close", 5, 0, 4000, 100);
	/* The scheduler's batch comes after the events of the frame, as a recorder writes it. */
	for (size_t i = 0; i < sizeof(rq) / sizeof(rq[0]); i++)
		ASSERT_OK(correlator__sched(f.c, 0, &rq[i]), "sched");
	ASSERT_EQ(f.got.n, 0, "rows wait for the end of their frame");
	ASSERT_OK(correlator__frame_end(f.c), "frame end");
	ASSERT_OK(correlator__finish(f.c), "finish");
	if (!ASSERT_EQ(f.got.n, 1, "requests"))
		goto out;
	r = &f.got.r[0];
	ASSERT_EQ_U64(r->latency_ns, 2100, "latency");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_SYNC], 500, "sync, wakeup wait included");
	ASSERT_EQ_U64(r->runq_ns, 300 + 100, "run queue in user mode only, inside the window");
	ASSERT_EQ_U64(r->user_ns, 2100 - 600 - 400, "user on CPU");
out:
	fx_close(&f);
}

struct runq_sum {
	uint64_t n, runq_ns;
};

static void sum_runq(const struct request *req, void *ctx)
{
	struct runq_sum *s = ctx;

	s->n++;
	s->runq_ns += req->runq_ns;
}

/* The fixture with scheduler records (rows wait for their frame), requests summed into SUM. */
static bool fx_open_sched(struct fx *f, struct runq_sum *sum)
{
	struct correlator_opts o = { .mode = CORRELATE_CONN, .sched = true, .on_request = sum_runq,
				     .ctx = sum, .request_timeout_ns = 100 * MS };

	if (!fx_open(f, CORRELATE_CONN))
		return false;
	correlator__free(f->c);
	f->c = correlator__new(&o);
	return ASSERT_OK_PTR(f->c, "correlator");
}

/*
 * A busy event loop's frame: all of its run-queue intervals are read before
 * its rows are replayed. 20,000 in one frame were cut at 4,096 (silently:
 * the report's run-queue wait was 41% of the truth).
 */
TEST(correlate, sched_run_queue_busy_frame)
{
	struct correlator_stats st;
	struct runq_sum sum = { 0 };
	const int n = 20000;
	struct fx f;

	if (!fx_open_sched(&f, &sum))
		goto out;
	for (int i = 0; i < n; i++) {
		uint64_t t = 1 * MS + (uint64_t)i * 100 * US;

		tcp(&f, 1, "read", 5, 100, t, 1000);
		ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, t + 21 * US, 1000);
		tcp(&f, 1, "write", 5, 10, t + 22 * US, 1000);
	}
	for (int i = 0; i < n; i++) {
		struct trace_sched q = { .start_ns = 1 * MS + (uint64_t)i * 100 * US + 5 * US,
					 .duration_ns = 10 * US, .tid = 1, .pid = PID,
					 .what = TRACE_SCHED_RUNQ };

		if (!ASSERT_OK(correlator__sched(f.c, 0, &q), "sched"))
			goto out;
	}
	/* One more, far behind the others: a hostile order, dropped and counted. */
	ASSERT_OK(correlator__sched(f.c, 0, &(struct trace_sched){ .start_ns = 2 * MS,
			.duration_ns = 10, .tid = 1, .pid = PID, .what = TRACE_SCHED_RUNQ }), "sched");
	ASSERT_OK(correlator__frame_end(f.c), "frame end");
	ASSERT_OK(correlator__finish(f.c), "finish");
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(sum.n, n, "requests");
	ASSERT_EQ_U64(sum.runq_ns, n * 10 * US, "every interval placed");
	ASSERT_EQ_U64(st.runq_dropped, 1, "only the one out of order dropped");
out:
	fx_close(&f);
}

/*
 * Threads that compute and never make a syscall keep their run-queue
 * intervals until they do: they must not crowd out a serving thread's
 * (the first cap on all threads did: 0 ns placed where 1 ms was due).
 */
TEST(correlate, sched_compute_threads_do_not_starve_the_server)
{
	struct runq_sum sum = { 0 };
	struct fx f;

	if (!fx_open_sched(&f, &sum))
		goto out;
	for (uint32_t t = 0; t < 80; t++)		/* 80 x 65,536: over every cap on all threads */
		for (uint32_t i = 0; i < 65536; i++) {
			struct trace_sched q = { .start_ns = 1 * MS + i * 20ULL, .duration_ns = 10,
						 .tid = 1000 + t, .pid = PID,
						 .what = TRACE_SCHED_RUNQ };

			if (!ASSERT_OK(correlator__sched(f.c, 0, &q), "sched"))
				goto out;
		}
	for (int i = 0; i < 100; i++) {
		uint64_t t = 2 * MS + (uint64_t)i * 100 * US;
		struct trace_sched q = { .start_ns = t + 5 * US, .duration_ns = 10 * US, .tid = 1,
					 .pid = PID, .what = TRACE_SCHED_RUNQ };

		tcp(&f, 1, "read", 5, 100, t, 1000);
		ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, t + 21 * US, 1000);
		tcp(&f, 1, "write", 5, 10, t + 22 * US, 1000);
		ASSERT_OK(correlator__sched(f.c, 0, &q), "sched");
		ASSERT_OK(correlator__frame_end(f.c), "frame end");
	}
	ASSERT_OK(correlator__finish(f.c), "finish");
	ASSERT_EQ_U64(sum.n, 100, "requests");
	ASSERT_EQ_U64(sum.runq_ns, 100 * 10 * US, "the server's intervals all placed");
out:
	fx_close(&f);
}

/* The request of connection FD among those delivered, or NULL. */
static const struct request *by_fd(const struct fx *f, int32_t fd)
{
	for (int i = 0; i < f->got.n; i++)
		if (f->got.r[i].fd == fd)
			return &f->got.r[i];
	return NULL;
}

TEST(correlate, many_open_on_one_thread)
{
	struct fx f;
	const struct request *r;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	/* 20 connections receive on one event loop: 20 requests open at once. */
	for (int32_t fd = 10; fd < 30; fd++)
		tcp(&f, 1, "read", fd, 10, 1000 + (uint64_t)fd * 100, 10);
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 5000, 100);	/* shared by 20 */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 5200, 100);
	tcp(&f, 1, "write", 15, 10, 6000, 10);			/* one in the middle answers */
	tcp(&f, 1, "close", 15, 0, 6100, 0);			/* and leaves the open set */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 6200, 50);	/* shared by 19 */
	for (int32_t fd = 10; fd < 29; fd++) {
		if (fd == 15)
			continue;
		tcp(&f, 1, "write", fd, 10, 7000 + (uint64_t)fd * 10, 5);
		tcp(&f, 1, "close", fd, 0, 7005 + (uint64_t)fd * 10, 0);
	}
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 9000, 70);	/* the last one's alone */
	tcp(&f, 1, "write", 29, 10, 9100, 10);
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 20, "requests"))
		goto out;
	for (int32_t fd = 10; fd < 30; fd++) {
		r = by_fd(&f, fd);
		if (!ASSERT_OK_PTR(r, "request of fd") || !ASSERT_TRUE(r->complete, "complete"))
			goto out;
		ASSERT_EQ_U64(r->shared_ns, fd == 15 ? 200 : 250, "shared");
		ASSERT_EQ_U64(r->cat_ns[REQ_CAT_SYNC], fd == 29 ? 70 : 0, "sync: alone");
		ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "parts add up");
	}
out:
	fx_close(&f);
}

/*
 * Rows given as one batch, as a trace's frame gives them: a row's clock is
 * judged against the row after it.
 */
struct batch {
	struct trace_event rows[16];
	const struct sc_class *cls[16];
	size_t n;
};

static void brow(struct fx *f, struct batch *b, uint32_t tid, const char *sc, int32_t fd,
		 uint32_t kind, int64_t ret, uint64_t enter, uint64_t dur)
{
	int nr = syscall__number("x86_64", sc);

	b->rows[b->n] = (struct trace_event){ .enter_ns = enter, .duration_ns = dur, .ret = ret,
					      .tid = tid, .pid = PID, .fd = fd, .fd_kind = kind,
					      .syscall = (uint32_t)nr };
	b->cls[b->n] = sc_table__get(f->tbl, (uint32_t)nr);
	b->n++;
}

static void bsend(struct fx *f, struct batch *b)
{
	ASSERT_OK(correlator__events(f->c, 0, b->rows, b->cls, b->n, b->rows + b->n), "events");
	b->n = 0;
}

/*
 * One row whose exit is far ahead of the row after it (a broken time in a
 * hostile or damaged file) must not time out every open request, nor, as a
 * request's activity, keep it from timing out: it is left out. A real gap
 * (the rows after it are late too) times requests out at once, as before:
 * the first row after it joins no stale request.
 */
TEST(correlate, a_clock_error_times_nothing_out)
{
	struct correlator_stats st;
	struct batch b = { .n = 0 };
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	brow(&f, &b, 1, "read", 5, FD_KIND_TCP, 100, 10 * MS, 100);		/* receiving */
	brow(&f, &b, 2, "read", 6, FD_KIND_TCP, 100, 10 * MS, 100);
	brow(&f, &b, 2, "write", 6, FD_KIND_TCP, 10, 11 * MS, 100);		/* responding */
	brow(&f, &b, 1, "fcntl", 5, FD_KIND_TCP, 0, 12 * MS, 1ULL << 62);	/* on fd 5, 2^62 late */
	brow(&f, &b, 3, "futex", -1, FD_KIND_NONE, 0, 13 * MS, 100);		/* back at 13 ms */
	brow(&f, &b, 1, "write", 5, FD_KIND_TCP, 10, 20 * MS, 100);
	brow(&f, &b, 2, "read", 6, FD_KIND_TCP, 100, 30 * MS, 100);		/* fd 6's next */
	bsend(&f, &b);
	if (!ASSERT_EQ(f.got.n, 1, "fd 6's first request ended by its next"))
		goto out;
	ASSERT_TRUE(f.got.r[0].complete && !f.got.r[0].timed_out, "not timed out");
	brow(&f, &b, 2, "write", 6, FD_KIND_TCP, 10, 31 * MS, 100);
	brow(&f, &b, 7, "read", 7, FD_KIND_TCP, 100, 40 * MS, 100);		/* fd 7: never answered */
	brow(&f, &b, 3, "futex", -1, FD_KIND_NONE, 0, 300 * MS, 100);	/* 260 ms of silence */
	brow(&f, &b, 7, "read", 7, FD_KIND_TCP, 100, 301 * MS, 100);		/* fd 7's next request */
	brow(&f, &b, 7, "write", 7, FD_KIND_TCP, 10, 302 * MS, 100);
	bsend(&f, &b);
	if (!ASSERT_EQ(f.got.n, 4, "the silence timed the three out"))
		goto out;
	ASSERT_TRUE(f.got.r[1].fd == 5 && f.got.r[1].complete && f.got.r[1].timed_out, "fd 5's");
	ASSERT_EQ_U64(f.got.r[1].end_ns, 20 * MS + 100, "ends at its send, not at the clock error");
	ASSERT_TRUE(f.got.r[2].fd == 6 && f.got.r[2].complete && f.got.r[2].timed_out, "fd 6's");
	ASSERT_TRUE(f.got.r[3].fd == 7 && !f.got.r[3].complete && f.got.r[3].timed_out,
		    "fd 7's first: incomplete, not joined to its next");
	correlator__finish(f.c);
	if (ASSERT_EQ(f.got.n, 5, "and fd 7's next"))
		ASSERT_EQ_U64(f.got.r[4].latency_ns, 1 * MS + 100 - 100, "from its own receive");
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.clock_errors, 1, "one clock error counted");
	ASSERT_EQ_U64(st.clock_error_first_ns, (1ULL << 62) + 12 * MS - (13 * MS + 100),
		      "ahead of the row after it by");
out:
	fx_close(&f);
}

/*
 * The broken row last in its batch (a frame's end; export gives rows one by
 * one): it waits for the next batch's first row. A real gap there still
 * times requests out before its row is read.
 */
TEST(correlate, a_clock_error_at_a_batch_end)
{
	struct correlator_stats st;
	struct batch b = { .n = 0 };
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	brow(&f, &b, 1, "read", 5, FD_KIND_TCP, 100, 10 * MS, 100);
	brow(&f, &b, 1, "write", 5, FD_KIND_TCP, 10, 11 * MS, 100);
	brow(&f, &b, 1, "fcntl", 5, FD_KIND_TCP, 0, 12 * MS, 1ULL << 62);	/* last of its batch */
	bsend(&f, &b);
	ASSERT_EQ(f.got.n, 0, "held, nothing timed out");
	brow(&f, &b, 1, "read", 5, FD_KIND_TCP, 100, 20 * MS, 100);		/* back near the clock */
	brow(&f, &b, 1, "write", 5, FD_KIND_TCP, 10, 21 * MS, 100);
	bsend(&f, &b);
	if (!ASSERT_EQ(f.got.n, 1, "the first request, ended by the next"))
		goto out;
	ASSERT_FALSE(f.got.r[0].timed_out, "not timed out");
	tcp(&f, 2, "read", 6, 100, 30 * MS, 100);				/* one at a time now */
	ev(&f, 2, "futex", -1, FD_KIND_NONE, 0, 31 * MS, 1ULL << 62);
	ev(&f, 2, "futex", -1, FD_KIND_NONE, 0, 32 * MS, 100);
	tcp(&f, 2, "write", 6, 10, 33 * MS, 100);
	ev(&f, 3, "futex", -1, FD_KIND_NONE, 0, 5000 * MS, 100);	/* a real gap, last of all */
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.clock_errors, 2, "both clock errors");
	if (!ASSERT_EQ(f.got.n, 3, "three requests"))
		goto out;
	ASSERT_TRUE(f.got.r[1].fd == 5 && f.got.r[1].timed_out && f.got.r[1].complete,
		    "fd 5's second: timed out by the real gap");
	ASSERT_TRUE(f.got.r[2].fd == 6 && f.got.r[2].timed_out && f.got.r[2].complete,
		    "fd 6's: timed out by the real gap");
	ASSERT_EQ_U64(f.got.r[2].cat_ns[REQ_CAT_SYNC], 100, "without the broken futex");
out:
	fx_close(&f);
}

TEST(correlate, times_near_the_end_of_the_clock)
{
	const uint64_t t = UINT64_MAX - 50 * MS;	/* a hostile file's timestamps */
	struct fx f;
	const struct request *r;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 10, t, 1000);
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, t + 2000, 100);
	tcp(&f, 1, "write", 5, 10, t + 3000, 100);
	tcp(&f, 1, "write", 5, 10, t + 4 * MS, 100);	/* a second burst: the gap does not wrap */
	ev(&f, 2, "futex", -1, FD_KIND_NONE, 0, UINT64_MAX - 10, 100);	/* exit past the clock's end */
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 1, "requests"))
		goto out;
	r = &f.got.r[0];
	ASSERT_TRUE(r->complete, "complete");
	ASSERT_FALSE(r->timed_out, "the timeout does not wrap");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_SYNC], 100, "sync");
	ASSERT_EQ(r->bursts, 2, "bursts");
	ASSERT_EQ_U64(r->latency_ns, 4 * MS + 100 - 1000, "latency");
out:
	fx_close(&f);
}

TEST(correlate, receiving_requests_hold_back_their_time)
{
	const struct request *a, *b, *c;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	/* Three requests receive on one event loop; B never answers, C receives again. */
	tcp(&f, 1, "read", 5, 100, 0, 100);				/* A starts at 100 */
	tcp(&f, 1, "read", 6, 100, 200, 100);				/* B starts at 300 */
	tcp(&f, 1, "read", 7, 100, 400, 100);				/* C starts at 500 */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 600, 90);		/* A, C (B never sends) */
	tcp(&f, 1, "read", 7, 100, 700, 100);				/* C again: the futex was before it */
	ev(&f, 1, "futex", -1, FD_KIND_NONE, 0, 900, 60);		/* A only: C never sends after */
	tcp(&f, 1, "write", 5, 10, 1000, 100);			/* A complete at 1100 */
	tcp(&f, 1, "close", 5, 0, 1200, 0);
	tcp(&f, 1, "close", 6, 0, 1300, 0);				/* B incomplete */
	tcp(&f, 1, "close", 7, 0, 1400, 0);				/* C incomplete */
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 3, "requests"))
		goto out;
	a = by_fd(&f, 5);
	b = by_fd(&f, 6);
	c = by_fd(&f, 7);
	if (!ASSERT_OK_PTR(a, "A") || !ASSERT_OK_PTR(b, "B") || !ASSERT_OK_PTR(c, "C"))
		goto out;
	ASSERT_TRUE(a->complete, "A complete");
	ASSERT_EQ_U64(a->shared_ns, 90, "A: the first futex, shared with C");
	ASSERT_EQ_U64(a->cat_ns[REQ_CAT_SYNC], 60, "A: the second futex, its own");
	ASSERT_EQ_U64(sum_parts(a), a->latency_ns, "A parts add up");
	ASSERT_FALSE(b->complete, "B incomplete");
	ASSERT_EQ_U64(b->shared_ns + b->cat_ns[REQ_CAT_SYNC], 0, "B: nothing after its receive");
	ASSERT_FALSE(c->complete, "C incomplete");
	ASSERT_EQ_U64(c->shared_ns, 90, "C: the futex before its last receive");
	ASSERT_EQ_U64(c->cat_ns[REQ_CAT_SYNC], 0, "C: nothing after it");
	ASSERT_EQ_U64(c->end_ns, 800, "C: no end, its last receive");
out:
	fx_close(&f);
}

/*
 * A response written in two sends whose second segment Nagle held until the
 * client's delayed ACK, 40 us later here: the request ends when the ACK
 * released it (an UNSENT record), and the wait is its `unsent` time. Records
 * come in a frame before its rows, or in a later frame than the sends; one
 * during a send, one of the next response's and one on a connection with
 * nothing under way move nothing.
 */
TEST(correlate, unsent_last_bytes_end_the_response)
{
	for (int m = 0; m < 2; m++) {
		struct fx f;
		const struct request *r;

		if (!fx_open(&f, conn_and_thread[m]))
			return;
		/* frame 1: arrivals, then rows */
		arrive(&f, 5, 500);
		unsent(&f, 5, 2250);			/* during the second send: nothing */
		unsent(&f, 6, 2260);			/* fd 6 serves nothing */
		tcp(&f, 1, "read", 5, 100, 800, 400);	/* #1, exit 1200 */
		tcp(&f, 1, "write", 5, 50, 2000, 100);	/* headers, exit 2100 */
		tcp(&f, 1, "write", 5, 9, 2200, 100);	/* body, exit 2300: held */
		correlator__frame_end(f.c);
		/* frame 2: the ACK's record comes after the sends it follows */
		unsent(&f, 5, 42300);			/* #1's body leaves */
		arrive(&f, 5, 43000);			/* #2 */
		unsent(&f, 5, 44050);			/* during #2's send */
		tcp(&f, 1, "read", 5, 100, 43100, 100);
		tcp(&f, 1, "write", 5, 59, 44000, 100);	/* exit 44100 */
		correlator__frame_end(f.c);
		correlator__finish(f.c);
		if (!ASSERT_EQ(f.got.n, 2, "requests"))
			goto next;
		r = &f.got.r[0];
		ASSERT_TRUE(r->complete, "#1 complete");
		ASSERT_EQ_U64(r->end_ns, 42300, "#1 ends when its last bytes left");
		ASSERT_EQ_U64(r->latency_ns, 42300 - 500, "#1 latency");
		ASSERT_EQ_U64(r->cat_ns[REQ_CAT_UNSENT], 42300 - 2300, "#1 unsent after its last send");
		ASSERT_EQ_U64(r->ttfb_ns, 2100 - 500, "#1 first byte: its first send");
		ASSERT_EQ_U64(r->cat_ns[REQ_CAT_NET], 200, "#1 net: the sends");
		ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "#1 parts add up to the latency");
		r = &f.got.r[1];
		ASSERT_EQ_U64(r->start_ns, 43000, "#2 from its arrival");
		ASSERT_EQ_U64(r->end_ns, 44100, "#2 ends at its send: the record came during it");
		ASSERT_EQ_U64(r->cat_ns[REQ_CAT_UNSENT], 0, "#2 no unsent time");
		ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "#2 parts add up to the latency");
next:
		fx_close(&f);
	}
}

/* An UNSENT record after the client's next request began is that request's, never the previous one's. */
TEST(correlate, unsent_after_the_next_request_is_not_the_previous_ones)
{
	struct fx f;
	const struct request *r;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);		/* #1 */
	tcp(&f, 1, "write", 5, 10, 1000, 100);		/* exit 1100 */
	unsent(&f, 5, 5000);				/* #2's, its frame read first */
	tcp(&f, 1, "read", 5, 100, 3000, 100);		/* #2, exit 3100, ends #1 */
	tcp(&f, 1, "write", 5, 10, 4000, 100);		/* exit 4100 */
	tcp(&f, 1, "read", 5, 100, 9000, 100);		/* #3 ends #2 */
	correlator__finish(f.c);
	if (!ASSERT_EQ(f.got.n, 3, "requests"))
		goto out;
	r = &f.got.r[0];
	ASSERT_EQ_U64(r->end_ns, 1100, "#1 ends at its send");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_UNSENT], 0, "#1 no unsent time");
	r = &f.got.r[1];
	ASSERT_EQ_U64(r->end_ns, 5000, "#2 ends when its last bytes left");
	ASSERT_EQ_U64(r->cat_ns[REQ_CAT_UNSENT], 900, "#2 unsent");
	ASSERT_EQ_U64(sum_parts(r), r->latency_ns, "#2 parts add up to the latency");
	ASSERT_FALSE(f.got.r[2].complete, "#3 incomplete");
	ASSERT_EQ_U64(f.got.r[2].cat_ns[REQ_CAT_UNSENT], 0, "#3 incomplete: no unsent time");
out:
	fx_close(&f);
}

/* An UNSENT record with a broken time (a damaged file) is no response's end: it made one 584 years long. */
TEST(correlate, unsent_broken_time_is_not_a_response_end)
{
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);
	tcp(&f, 1, "write", 5, 10, 1000, 100);		/* exit 1100 */
	unsent(&f, 5, UINT64_MAX - 5);			/* broken time */
	tcp(&f, 2, "futex", -1, 0, 5000, 100);		/* more rows, any thread */
	correlator__finish(f.c);
	if (ASSERT_EQ(f.got.n, 1, "requests"))
		ASSERT_TRUE(f.got.r[0].latency_ns < 100 * MS, "latency bounded (got ~2^64)");
	fx_close(&f);
}

/*
 * A record 150 ms after the last send (timeout 100 ms) counts for nothing,
 * whether or not an unrelated row of another thread came between (which
 * times the request out first): it once counted only without that row.
 */
TEST(correlate, unsent_past_the_timeout_whatever_rows_come_between)
{
	uint64_t end[2] = { 0, 0 };

	for (int k = 0; k < 2; k++) {
		struct fx f;

		if (!fx_open(&f, CORRELATE_CONN))
			return;
		tcp(&f, 1, "read", 5, 100, 0, 100);
		tcp(&f, 1, "write", 5, 10, 1000, 100);			/* exit 1100 */
		unsent(&f, 5, 150 * MS);
		if (k)
			ev(&f, 2, "futex", -1, FD_KIND_NONE, 0, 120 * MS, 100);	/* unrelated */
		ev(&f, 2, "futex", -1, FD_KIND_NONE, 0, 200 * MS, 100);
		correlator__finish(f.c);
		if (ASSERT_EQ(f.got.n, 1, "requests"))
			end[k] = f.got.r[0].end_ns;
		fx_close(&f);
	}
	ASSERT_EQ_U64(end[0], end[1], "end does not depend on an unrelated row");
}

/*
 * Thread mode, a pool thread serving two connections: it reads fd 7's
 * request before fd 5's delayed ACK comes, which ends fd 5's request at its
 * send (a known limit, docs/correlation.md); the record is counted as late.
 */
TEST(correlate, unsent_thread_mode_pool_thread_counts_it_late)
{
	struct correlator_stats st;
	struct fx f;

	if (!fx_open(&f, CORRELATE_THREAD))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);
	tcp(&f, 1, "write", 5, 50, 1000, 100);
	tcp(&f, 1, "write", 5, 9, 1200, 100);		/* exit 1300, held by Nagle */
	unsent(&f, 5, 40 * MS);
	tcp(&f, 1, "read", 7, 100, 2000, 100);		/* another connection's request */
	tcp(&f, 1, "write", 7, 50, 3000, 100);
	tcp(&f, 1, "read", 5, 100, 41 * MS, 100);	/* fd 5's next request */
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	if (ASSERT_TRUE(f.got.n >= 1, "requests"))
		ASSERT_EQ_U64(f.got.r[0].end_ns, 1300, "fd 5's #1 ends at its send in thread mode");
	ASSERT_EQ_U64(st.unsent_late, 1, "the record came late, and is counted");
	ASSERT_EQ_U64(st.unsent_used, 0, "and used for nothing");
	fx_close(&f);
}

/* With --sched (rows replayed at their frame's end) a record in the next frame still ends #1. */
TEST(correlate, unsent_sched_mode)
{
	struct correlator_opts o = { .mode = CORRELATE_CONN, .sched = true, .on_request = collect,
				     .request_timeout_ns = 100 * MS };
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	correlator__free(f.c);
	o.ctx = &f.got;
	f.c = correlator__new(&o);
	if (!ASSERT_OK_PTR(f.c, "correlator"))
		goto out;
	tcp(&f, 1, "read", 5, 100, 0, 100);
	tcp(&f, 1, "write", 5, 10, 1000, 100);		/* exit 1100 */
	correlator__frame_end(f.c);
	unsent(&f, 5, 40000);
	tcp(&f, 1, "read", 5, 100, 50000, 100);
	tcp(&f, 1, "write", 5, 10, 60000, 100);
	correlator__frame_end(f.c);
	correlator__finish(f.c);
	if (ASSERT_EQ(f.got.n, 2, "requests"))
		ASSERT_EQ_U64(f.got.r[0].end_ns, 40000, "#1 ends at the record");
out:
	fx_close(&f);
}

/* Batches (the fast loop while nothing waits), a held row at a batch's end (a gap), a record between. */
TEST(correlate, unsent_batches_and_held_row)
{
	struct fx f;
	struct batch b = { .n = 0 };

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	brow(&f, &b, 1, "read", 5, FD_KIND_TCP, 100, 0, 100);
	brow(&f, &b, 1, "write", 5, FD_KIND_TCP, 10, 1000, 100);	/* exit 1100 */
	brow(&f, &b, 2, "futex", -1, FD_KIND_NONE, 0, 2000, 3000 * MS);	/* a gap: held */
	bsend(&f, &b);
	correlator__frame_end(f.c);
	unsent(&f, 5, 40 * MS);
	brow(&f, &b, 1, "read", 5, FD_KIND_TCP, 100, 3001 * MS, 100);
	brow(&f, &b, 1, "write", 5, FD_KIND_TCP, 10, 3002 * MS, 100);
	bsend(&f, &b);
	correlator__finish(f.c);
	if (ASSERT_EQ(f.got.n, 2, "requests"))
		ASSERT_EQ_U64(f.got.r[0].end_ns, 40 * MS, "#1 ends at the record");
	fx_close(&f);
}

/*
 * Thread mode: a network-paced response (one send, then a record per ms) on
 * a pool thread that took its next request: one response counted late, not
 * 30 records (which made the warning speak of 30 responses).
 */
TEST(correlate, unsent_late_counts_responses_not_records)
{
	struct correlator_stats st;
	struct fx f;

	if (!fx_open(&f, CORRELATE_THREAD))
		return;
	tcp(&f, 1, "read", 5, 100, 0, 100);
	tcp(&f, 1, "write", 5, 1 << 20, 1000, 100);	/* 1 MiB into the send buffer, exit 1100 */
	tcp(&f, 1, "read", 7, 100, 2000, 100);		/* the pool thread's next request */
	tcp(&f, 1, "write", 7, 50, 3000, 100);
	for (int i = 1; i <= 30; i++)
		unsent(&f, 5, i * MS);			/* the transfer, paced by the network */
	tcp(&f, 1, "read", 7, 100, 40 * MS, 100);
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.unsent_late, 1, "one late response");
	fx_close(&f);
}

/* Thread mode: a connection that never served a request (writes only: a stream begun before the recording) has nothing late. */
TEST(correlate, unsent_late_needs_a_response)
{
	struct correlator_stats st;
	struct fx f;

	if (!fx_open(&f, CORRELATE_THREAD))
		return;
	tcp(&f, 2, "write", 9, 1 << 16, 0, 100);	/* fd 9: writes only */
	tcp(&f, 1, "read", 5, 100, 500, 100);
	tcp(&f, 1, "write", 5, 50, 1000, 100);
	for (int i = 1; i <= 20; i++) {
		unsent(&f, 9, i * MS);
		tcp(&f, 2, "write", 9, 1 << 16, i * MS + 10000, 100);
	}
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	ASSERT_EQ_U64(st.unsent_late, 0, "no request on fd 9: nothing late");
	fx_close(&f);
}

/* An UNSENT record read (frame 1) before the first row of its fd (frame 2, earlier times): it waits, and ends #1. */
TEST(correlate, unsent_before_its_fd_is_known)
{
	for (int m = 0; m < 2; m++) {
		struct fx f;

		if (!fx_open(&f, conn_and_thread[m]))
			return;
		unsent(&f, 5, 42000);
		tcp(&f, 2, "futex", -1, 0, 100, 100);
		correlator__frame_end(f.c);
		tcp(&f, 1, "read", 5, 100, 200, 100);
		tcp(&f, 1, "write", 5, 10, 1000, 100);	/* exit 1100 */
		tcp(&f, 2, "futex", -1, 0, 50000, 100);
		correlator__frame_end(f.c);
		correlator__finish(f.c);
		if (ASSERT_EQ(f.got.n, 1, "requests"))
			ASSERT_EQ_U64(f.got.r[0].end_ns, 42000, "ends at the record");
		fx_close(&f);
	}
}

/*
 * A timeout shorter than the delayed ACK, but activity on the fd (an EAGAIN
 * read) keeps the request open: the bound is from its last activity, not
 * its last send, so the record still ends it.
 */
TEST(correlate, unsent_bound_is_from_the_last_activity)
{
	struct correlator_opts o = { .mode = CORRELATE_CONN, .on_request = collect,
				     .request_timeout_ns = 30 * MS };
	struct correlator_stats st;
	struct fx f;

	if (!fx_open(&f, CORRELATE_CONN))
		return;
	correlator__free(f.c);
	o.ctx = &f.got;
	f.c = correlator__new(&o);
	tcp(&f, 1, "read", 5, 100, 0, 100);
	tcp(&f, 1, "write", 5, 10, 1000, 100);		/* exit 1100 */
	tcp(&f, 1, "read", 5, -11, 20 * MS, 100);	/* EAGAIN: activity */
	unsent(&f, 5, 41 * MS);
	tcp(&f, 1, "read", 5, 100, 45 * MS, 100);
	tcp(&f, 1, "write", 5, 10, 46 * MS, 100);
	correlator__finish(f.c);
	correlator__stats(f.c, &st);
	if (ASSERT_EQ(f.got.n, 2, "requests")) {
		ASSERT_FALSE(f.got.r[0].timed_out, "#1 not timed out");
		ASSERT_EQ_U64(f.got.r[0].end_ns, 41 * MS, "#1 ends at the record");
	}
	ASSERT_EQ_U64(st.unsent_used, 1, "one response ended later");
	fx_close(&f);
}
