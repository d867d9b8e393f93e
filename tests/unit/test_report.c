// SPDX-License-Identifier: MIT
/* analysis__run end to end on a written trace: aggregates agree with the requests put in. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "analysis.h"
#include "syscalls.h"
#include "test.h"
#include "trace_reader.h"
#include "trace_util.h"

#define NREQ 1000
#define NTHREADS 8
#define T0 1000000000ULL

static uint64_t lat[NREQ], read_enter[NREQ];

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int put(struct trace_writer *w, uint32_t tid, const char *sc, int32_t fd, uint32_t kind,
	       int64_t ret, uint64_t enter, uint64_t dur)
{
	struct trace_event e = { .enter_ns = enter, .duration_ns = dur, .ret = ret, .tid = tid,
				 .pid = 1000, .fd = fd, .fd_kind = kind };

	e.syscall = (uint32_t)syscall__number("x86_64", sc);
	return trace_writer__append_event(w, &e);
}

/*
 * NREQ requests round-robin on NTHREADS threads, each on its own connection:
 * read, a futex wait of a known length, write. Latency = futex + write + 2 µs.
 */
static const char *write_trace(void)
{
	const char *path = tu__path("report.mslat");
	Mslat__Header h = tu__header();
	struct trace_writer_opts wo = { .sz = sizeof(wo), .force = true };
	struct trace_writer *w = trace_writer__open(path, &h, &wo);
	uint64_t seed = 42, t = T0 + 1000;
	int err = 0;

	if (!w)
		return NULL;
	for (int i = 0; i < NREQ; i++) {
		uint32_t tid = 1000 + (uint32_t)(i % NTHREADS);
		int32_t fd = 10 + i % NTHREADS;
		uint64_t futex = 20000 + tu__rand(&seed) % 2000000;	/* 20 µs .. 2 ms */

		if (i % 97 == 0)
			futex *= 20;	/* a slow tail */
		err |= put(w, tid, "read", fd, FD_KIND_TCP, 200, t, 3000);
		err |= put(w, tid, "futex", -1, FD_KIND_NONE, 0, t + 4000, futex);
		err |= put(w, tid, "write", fd, FD_KIND_TCP, 500, t + 4000 + futex + 1000, 5000);
		lat[i] = 1000 + futex + 1000 + 5000;
		read_enter[i] = t;
		t += 4000 + futex + 1000 + 5000 + 3000;	/* one request at a time */
	}
	if (trace_writer__close(w, NULL) || err)
		return NULL;
	return path;
}

static uint64_t seen;

static void count_cb(const struct request *r, void *ctx)
{
	(void)ctx;
	seen += r->complete;
}

TEST(report, aggregates_agree_with_requests)
{
	const char *path = write_trace();
	struct analysis_opts o = { .sz = sizeof(o), .on_request = count_cb, .top_n = 5 };
	char *files[1];
	struct analysis *a, *b;
	uint64_t v, exact, ts = 0, per_thread = 0;

	if (!ASSERT_OK_PTR(path, "write trace"))
		return;
	files[0] = (char *)path;
	seen = 0;
	a = analysis__run(files, 1, &o);
	if (!ASSERT_OK_PTR(a, "analysis__run"))
		return;
	ASSERT_EQ_U64(a->req.count, NREQ, "requests");
	ASSERT_EQ_U64(seen, NREQ, "callback saw every request");
	ASSERT_EQ_U64(a->req.incomplete, 0, "incomplete");
	qsort(lat, NREQ, sizeof(lat[0]), cmp_u64);
	ASSERT_EQ_U64(a->req.latency.min, lat[0], "min exact");
	ASSERT_EQ_U64(a->req.latency.max, lat[NREQ - 1], "max exact");
	histogram__quantile(&a->req.latency, 0.5, &v);
	exact = lat[NREQ / 2 - 1];
	ASSERT_LE(fabs((double)v - (double)exact) / (double)exact, 0.01, "p50 within 1%");
	histogram__quantile(&a->req.latency, 0.99, &v);
	exact = lat[(int)ceil(0.99 * NREQ) - 1];
	ASSERT_LE(fabs((double)v - (double)exact) / (double)exact, 0.01, "p99 within 1%");
	ASSERT_EQ_U64(a->req.bytes_in, 200ULL * NREQ, "bytes in");
	ASSERT_EQ_U64(a->req.bytes_out, 500ULL * NREQ, "bytes out");

	/* Slowest first, the slowest being the maximum, with steps. */
	if (ASSERT_EQ(a->nslowest, 5, "slowest kept")) {
		ASSERT_EQ_U64(a->slowest[0].req.latency_ns, lat[NREQ - 1], "slowest is the max");
		for (int i = 1; i < 5; i++)
			ASSERT_LE(a->slowest[i].req.latency_ns, a->slowest[i - 1].req.latency_ns, "ordered");
		ASSERT_EQ(a->slowest[0].req.nsteps, 3, "read, futex, write");
	}
	/* Slow vs typical: at least 1% and 50% of the requests, by definition of p99 and p50. */
	ASSERT_TRUE(a->breakdown.valid, "breakdown");
	ASSERT_LE(NREQ / 100, a->breakdown.slow_count, "slow >= 1%");
	ASSERT_LE(NREQ / 2, a->breakdown.typical_count, "typical >= 50%");
	ASSERT_LE(a->breakdown.typical_cat_ns[REQ_CAT_SYNC] / a->breakdown.typical_count,
		  a->breakdown.slow_cat_ns[REQ_CAT_SYNC] / a->breakdown.slow_count, "slow wait longer");

	for (int i = 0; i < a->nbuckets; i++)
		ts += a->buckets[i].requests;
	ASSERT_EQ_U64(ts, NREQ, "time series adds up");
	ASSERT_EQ(a->nthreads, NTHREADS, "threads");
	for (int i = 0; i < a->nthreads; i++)
		per_thread += a->threads[i].requests;
	ASSERT_EQ_U64(per_thread, NREQ, "threads add up");
	if (ASSERT_EQ(a->nprocesses, 1, "processes"))
		ASSERT_EQ_U64(a->processes[0].requests, NREQ, "process requests");
	ASSERT_EQ(a->nconns, NTHREADS, "connections");
	ASSERT_EQ_U64(a->cat[REQ_CAT_SYNC].calls, NREQ, "sync calls");
	ASSERT_EQ_U64(a->cat[REQ_CAT_NET].calls, 2 * NREQ, "net calls");
	ASSERT_EQ(a->nfindings, 0, "no findings yet");

	/* The same again: the same numbers. */
	o.on_request = NULL;
	b = analysis__run(files, 1, &o);
	if (ASSERT_OK_PTR(b, "second run")) {
		ASSERT_EQ_U64(b->req.latency.sum, a->req.latency.sum, "same sum");
		ASSERT_EQ(b->nsyscalls, a->nsyscalls, "same syscalls");
		ASSERT_EQ_U64(b->slowest[4].req.id, a->slowest[4].req.id, "same slowest");
	}
	analysis__free(b);
	analysis__free(a);
}

TEST(report, filters_and_errors)
{
	const char *path = write_trace();
	uint32_t nobody = 1;
	struct analysis_opts o = { .sz = sizeof(o), .pids = &nobody, .npids = 1 };
	char *files[1] = { (char *)path };
	char *missing[1] = { (char *)tu__path("nope.mslat") };
	struct analysis *a;

	if (!ASSERT_OK_PTR(path, "write trace"))
		return;
	a = analysis__run(files, 1, &o);
	if (ASSERT_OK_PTR(a, "run with --pid"))
		ASSERT_EQ_U64(a->req.count, 0, "no requests of pid 1");
	analysis__free(a);

	o.npids = 0;
	o.pids = NULL;
	o.until_ns = 100000000;	/* 100 ms */
	a = analysis__run(files, 1, &o);
	if (ASSERT_OK_PTR(a, "run with --until")) {
		uint64_t want = 0;

		for (int i = 0; i < NREQ; i++)
			want += read_enter[i] <= T0 + o.until_ns;
		ASSERT_EQ_U64(a->req.count + a->req.incomplete, want, "--until keeps what began before");
		ASSERT_LE(1, a->req.count, "some complete");
	}
	analysis__free(a);

	tu__capture_log();
	a = analysis__run(missing, 1, NULL);
	tu__release_log();
	ASSERT_TRUE(!a && errno == ENOENT, "a missing file: NULL, ENOENT");
	analysis__free(NULL);
}

/*
 * Requests whose arrival records follow them in the file: the writer
 * batches arrivals apart from events, so in one frame every arrival comes
 * after the receive that read its bytes. Two connections taking turns,
 * ARR_ROUNDS rounds of 50 µs; every 200th round the first one's request gets
 * no answer and its connection stays silent for ARR_PAUSE rounds, longer than
 * the request timeout: it ends timed out, and its arrival stays its own, not
 * the next request's on that connection.
 */
#define ARR_ROUNDS 3000
#define ARR_PAUSE 120			/* rounds: 6 ms */
#define ARR_TIMEOUT_NS 5000000ULL	/* 5 ms */

struct arr_check {
	uint64_t n, timed_out, bad;
};

static uint64_t arr_requests, arr_unanswered;

static void arr_cb(const struct request *r, void *ctx)
{
	struct arr_check *k = ctx;

	k->n++;
	k->timed_out += r->timed_out;
	/* Each arrival is 7 µs before its receive's exit (read below). */
	k->bad += !r->queued || r->cat_ns[REQ_CAT_QUEUE] != 7000;
}

static const char *write_arrivals_trace(void)
{
	const char *path = tu__path("arrivals.mslat");
	Mslat__Header h = tu__header();
	struct trace_writer_opts wo = { .sz = sizeof(wo), .force = true };
	struct trace_writer *w;
	uint64_t t = T0 + 1000;
	int err = 0, quiet = 0;

	arr_requests = arr_unanswered = 0;
	h.arrivals = true;
	w = trace_writer__open(path, &h, &wo);
	if (!w)
		return NULL;
	for (int i = 0; i < ARR_ROUNDS; i++, t += 50000) {
		for (int c = 0; c < 2; c++) {
			int32_t fd = 10 + c;
			uint64_t at = t + (uint64_t)c * 20000;
			struct trace_arrival a = { .time_ns = at, .pid = 1000, .fd = fd, .bytes = 200 };
			bool unanswered = c == 0 && i % 200 == 199 && i < ARR_ROUNDS - ARR_PAUSE;

			if (c == 0 && quiet > 0) {
				if (--quiet == 0)	/* the answer, after the request timed out: no request's */
					err |= put(w, 1000, "write", fd, FD_KIND_TCP, 500, at, 1000);
				continue;
			}
			err |= trace_writer__append_arrival(w, &a);
			err |= put(w, 1000 + (uint32_t)c, "read", fd, FD_KIND_TCP, 200, at + 5000, 2000);
			arr_requests++;
			if (unanswered) {
				arr_unanswered++;
				quiet = ARR_PAUSE;
				continue;
			}
			err |= put(w, 1000 + (uint32_t)c, "write", fd, FD_KIND_TCP, 500, at + 10000, 1000);
		}
	}
	if (trace_writer__close(w, NULL) || err)
		return NULL;
	return path;
}

TEST(report, arrivals_after_their_receives)
{
	const char *path = write_arrivals_trace();
	struct analysis_opts o = { .sz = sizeof(o), .request_timeout_ns = ARR_TIMEOUT_NS };
	struct arr_check k = { 0 };
	struct trace_reader *r;
	struct trace_item it;
	uint64_t frame = UINT64_MAX, arrivals_after_events = 0;
	bool event_seen = false;
	char *files[1];
	struct analysis *a;

	if (!ASSERT_OK_PTR(path, "write trace"))
		return;
	/* The case in point: in file order, a frame's arrivals after its events. */
	r = trace_reader__open(path, NULL);
	if (!ASSERT_OK_PTR(r, "reader"))
		return;
	while (trace_reader__next(r, &it) > 0) {
		if (it.frame_offset != frame) {
			frame = it.frame_offset;
			event_seen = false;
		}
		event_seen |= it.type == TRACE_ITEM_EVENT;
		arrivals_after_events += it.type == TRACE_ITEM_ARRIVAL && event_seen;
	}
	trace_reader__close(r);
	ASSERT_LE(arr_requests / 2, arrivals_after_events, "most arrivals follow events of their frame");

	files[0] = (char *)path;
	o.on_request = arr_cb;
	o.ctx = &k;
	a = analysis__run(files, 1, &o);
	if (!ASSERT_OK_PTR(a, "analysis__run"))
		return;
	ASSERT_LE(10, arr_unanswered, "some unanswered");
	ASSERT_EQ_U64(k.n, arr_requests, "requests");
	ASSERT_EQ_U64(k.timed_out, arr_unanswered, "timed out: the unanswered");
	ASSERT_EQ_U64(k.bad, 0, "each request queued 7 µs, from its own arrival");
	ASSERT_EQ_U64(a->req.count + a->req.incomplete, arr_requests, "counted");
	analysis__free(a);
}

/*
 * Three requests that each read 2^63 - 1 bytes (a hostile trace's returns):
 * their totals saturate, as docs/json-schema.md says, where they wrapped to
 * 2^63 - 3 before.
 */
TEST(report, byte_totals_saturate)
{
	const char *path = tu__path("huge-reads.mslat");
	Mslat__Header h = tu__header();
	struct trace_writer_opts wo = { .sz = sizeof(wo), .force = true };
	struct trace_writer *w = trace_writer__open(path, &h, &wo);
	struct analysis_opts o = { .sz = sizeof(o) };
	char *files[1] = { (char *)path };
	struct analysis *a;
	uint64_t t = T0 + 1000;
	int err = 0;

	if (!ASSERT_OK_PTR(w, "open"))
		return;
	for (int i = 0; i < 3; i++, t += 100000) {
		err |= put(w, 1000, "read", 10, FD_KIND_TCP, INT64_MAX, t, 1000);
		err |= put(w, 1000, "write", 10, FD_KIND_TCP, INT64_MAX, t + 5000, 1000);
	}
	if (!ASSERT_OK(trace_writer__close(w, NULL) || err, "write trace"))
		return;
	a = analysis__run(files, 1, &o);
	if (!ASSERT_OK_PTR(a, "analysis__run"))
		return;
	ASSERT_EQ_U64(a->req.count, 3, "requests");
	ASSERT_EQ_U64(a->req.bytes_in, UINT64_MAX, "bytes in saturate");
	ASSERT_EQ_U64(a->req.bytes_out, UINT64_MAX, "bytes out saturate");
	ASSERT_EQ(a->nconns, 1, "one connection");
	if (a->nconns == 1) {
		ASSERT_EQ_U64(a->conns[0].bytes_in, UINT64_MAX, "the connection's bytes in saturate");
		ASSERT_EQ_U64(a->conns[0].bytes_out, UINT64_MAX, "the connection's bytes out saturate");
	}
	analysis__free(a);
}

static void keep_request(const struct request *r, void *ctx)
{
	struct request *kept = ctx;

	if (!kept->id)
		*kept = *r;
}

/* A row of thread 1000: SC on FD (KIND) returning RET, AT ns after T0 + 1000, for DUR ns. */
struct row {
	const char *sc;
	int32_t fd;
	uint32_t kind;
	int64_t ret;
	uint64_t at, dur;
};

#define HUGE_NS (1ULL << 62)	/* five of them sum past 2^64 */

/*
 * ROWS written to NAME and analysed, with a timeout no row reaches and the
 * first request delivered copied to *KEPT. NULL (reported) on failure.
 */
static struct analysis *run_rows(const char *name, const struct row *rows, size_t n,
				 struct request *kept)
{
	const char *path = tu__path(name);
	Mslat__Header h = tu__header();
	struct trace_writer_opts wo = { .sz = sizeof(wo), .force = true };
	struct trace_writer *w = trace_writer__open(path, &h, &wo);
	struct analysis_opts o = { .sz = sizeof(o), .on_request = keep_request, .ctx = kept,
				   .request_timeout_ns = UINT64_MAX / 2 };
	char *files[1] = { (char *)path };
	struct analysis *a;
	int err = 0;

	if (!ASSERT_OK_PTR(w, "open"))
		return NULL;
	for (size_t i = 0; i < n; i++)
		err |= put(w, 1000, rows[i].sc, rows[i].fd, rows[i].kind, rows[i].ret,
			   T0 + 1000 + rows[i].at, rows[i].dur);
	if (!ASSERT_OK(trace_writer__close(w, NULL) || err, "write trace"))
		return NULL;
	a = analysis__run(files, 1, &o);
	ASSERT_OK_PTR(a, "analysis__run");
	return a;
}

/*
 * Calls whose durations sum past 2^64 (a hostile trace: they overlap): the
 * request's category time, its time in syscalls' steps, its thread's and its
 * process's syscall time read as the most they can hold, never as the
 * remainder of a wrap (5 x 2^62 would read 2^62).
 */
TEST(report, time_sums_saturate)
{
	static const struct row rows[] = {
		{ "read", 10, FD_KIND_TCP, 100, 0, 1000 },
		{ "futex", -1, FD_KIND_NONE, 0, 2000, HUGE_NS },
		{ "futex", -1, FD_KIND_NONE, 0, 2100, HUGE_NS },
		{ "futex", -1, FD_KIND_NONE, 0, 2200, HUGE_NS },
		{ "futex", -1, FD_KIND_NONE, 0, 2300, HUGE_NS },
		{ "futex", -1, FD_KIND_NONE, 0, 2400, HUGE_NS },
		{ "write", 10, FD_KIND_TCP, 100, 5000, 1000 },
	};
	struct request kept = { 0 };
	struct analysis *a = run_rows("huge-calls.mslat", rows, sizeof(rows) / sizeof(rows[0]), &kept);

	if (!a)
		return;
	ASSERT_EQ_U64(a->req.count, 1, "one request");
	ASSERT_EQ_U64(kept.id ? kept.cat_ns[REQ_CAT_SYNC] : 0, UINT64_MAX, "the request's sync time");
	ASSERT_EQ_U64(kept.user_ns, 0, "no time outside syscalls left");
	ASSERT_EQ_U64(a->req.cat_ns[REQ_CAT_SYNC], UINT64_MAX, "all requests' sync time");
	ASSERT_EQ(a->nthreads, 1, "one thread");
	if (a->nthreads == 1)
		ASSERT_EQ_U64(a->threads[0].syscall_ns, UINT64_MAX, "the thread's syscall time");
	ASSERT_EQ(a->nprocesses, 1, "one process");
	if (a->nprocesses == 1)
		ASSERT_EQ_U64(a->processes[0].syscall_ns, UINT64_MAX, "the process's syscall time");
	for (int i = 0; i < a->nsyscalls; i++)
		if (!strcmp(a->syscalls[i].name, "futex"))
			ASSERT_EQ_U64(a->syscalls[i].in_requests_ns, UINT64_MAX, "futex's time in requests");
	analysis__free(a);
}

/*
 * An incomplete request's time after its last receive is not its own; when
 * that tail saturated (hostile durations), taking it back from a saturated
 * sum left 2^64 - 1 ns of sync time where 500 ns was right. A request now
 * keeps its times as of its last receive.
 */
TEST(report, saturated_tail_of_an_incomplete_request_is_dropped)
{
	static const struct row rows[] = {
		{ "read", 10, FD_KIND_TCP, 100, 0, 100 },
		{ "futex", -1, FD_KIND_NONE, 0, 200, 500 },
		{ "read", 10, FD_KIND_TCP, 50, 800, 100 },	/* its last receive; then no answer */
		{ "futex", -1, FD_KIND_NONE, 0, 1000, HUGE_NS },
		{ "futex", -1, FD_KIND_NONE, 0, 1100, HUGE_NS },
		{ "futex", -1, FD_KIND_NONE, 0, 1200, HUGE_NS },
		{ "futex", -1, FD_KIND_NONE, 0, 1300, HUGE_NS },
		{ "futex", -1, FD_KIND_NONE, 0, 1400, HUGE_NS },
	};
	struct request kept = { 0 };
	struct analysis *a = run_rows("huge-tail.mslat", rows, sizeof(rows) / sizeof(rows[0]), &kept);

	if (!a)
		return;
	ASSERT_EQ_U64(a->req.incomplete, 1, "one incomplete request");
	ASSERT_FALSE(kept.complete, "incomplete");
	ASSERT_EQ_U64(kept.cat_ns[REQ_CAT_SYNC], 500, "its sync time: before its last receive only");
	ASSERT_EQ_U64(kept.latency_ns, 800, "to its last receive");
	analysis__free(a);
}

/*
 * The text report's thread table shows the threads that served requests
 * first: 16 threads that only wait (a JVM's GC and JIT threads, an
 * executor's idle workers) have the lower tids, and listed by tid they
 * filled the table's 12 rows and hid the 4 that did the work.
 */
TEST(report, text_shows_the_threads_that_served_requests)
{
	const char *path = tu__path("many-threads.mslat");
	Mslat__Header h = tu__header();
	struct trace_writer_opts wo = { .sz = sizeof(wo), .force = true };
	struct trace_writer *w = trace_writer__open(path, &h, &wo);
	struct analysis_opts o = { .sz = sizeof(o) };
	char *files[1] = { (char *)path }, *text = NULL, *proc, *first;
	struct analysis *a;
	size_t len = 0;
	uint64_t t = T0 + 1000;
	FILE *f;
	int err = 0;

	if (!ASSERT_OK_PTR(w, "open"))
		return;
	for (uint32_t tid = 2000; tid < 2016; tid++)	/* waiting, a call each */
		err |= put(w, tid, "futex", -1, FD_KIND_NONE, 0, t + tid, 1000000);
	for (int i = 0; i < 40; i++) {			/* 10 requests on each of 4 workers */
		uint32_t tid = 2016 + (uint32_t)(i % 4);
		int32_t fd = 10 + i % 4;

		err |= put(w, tid, "read", fd, FD_KIND_TCP, 100, t + 2000000, 1000);
		err |= put(w, tid, "write", fd, FD_KIND_TCP, 100, t + 2003000, 1000);
		t += 10000;
	}
	if (!ASSERT_OK(trace_writer__close(w, NULL) || err, "write trace"))
		return;
	a = analysis__run(files, 1, &o);
	if (!ASSERT_OK_PTR(a, "analysis__run"))
		return;
	f = open_memstream(&text, &len);
	if (ASSERT_OK_PTR(f, "open_memstream")) {
		ASSERT_OK(out_text__report(f, a, false), "text report");
		fclose(f);
	}
	ASSERT_EQ_U64(a->req.count, 40, "40 requests");
	proc = text ? strstr(text, "Processes and threads") : NULL;
	ASSERT_OK_PTR(proc, "the table is there");
	if (proc && strstr(proc, "\nOver time"))
		*strstr(proc, "\nOver time") = '\0';	/* the table only (slow requests name tids too) */
	if (proc) {
		for (uint32_t tid = 2016; tid < 2020; tid++) {
			char row[32];

			snprintf(row, sizeof(row), "tid %u ", tid);
			ASSERT_OK_PTR(strstr(proc, row), row);
		}
		first = strstr(proc, "tid ");
		ASSERT_TRUE(first && !strncmp(first, "tid 201", 7) && first[7] >= '6',
			    "a thread that served requests is the first row");
		ASSERT_OK_PTR(strstr(proc, "… 8 more threads"), "20 threads, 12 shown");
	}
	free(text);
	analysis__free(a);
}
