// SPDX-License-Identifier: MIT
/* `mslat report` as text: aligned tables with units, made to read in an 80-column terminal. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "trace_event.h"
#include "units.h"

#define TS_ROWS 20	/* time-series rows shown; intervals are merged to fit */
#define STEPS_SHOWN 12	/* steps shown per slow request */
#define TASKS_SHOWN 12	/* threads shown */
#define PROCS_SHOWN 20	/* processes shown */

struct tx {
	FILE *f;
	bool color;
};

static const char *bold(const struct tx *t)
{
	return t->color ? "\033[1m" : "";
}

static const char *red(const struct tx *t)
{
	return t->color ? "\033[31m" : "";
}

static const char *dim(const struct tx *t)
{
	return t->color ? "\033[2m" : "";
}

static const char *off(const struct tx *t)
{
	return t->color ? "\033[0m" : "";
}

/*
 * S right-aligned in W terminal columns: printf's widths count bytes, and
 * "µs" takes two. Returns one of a ring of buffers, enough for one line.
 */
static const char *rj(const char *s, int w)
{
	static char ring[32][64];
	static unsigned int next;
	char *out = ring[next++ % 32];
	int cols = 0, pad;

	for (const char *c = s; *c; c++)
		cols += ((unsigned char)*c & 0xC0) != 0x80;
	pad = w > cols ? w - cols : 0;
	snprintf(out, 64, "%*s%s", pad, "", s);
	return out;
}

/* The same, left-aligned. */
static const char *lj(const char *s, int w)
{
	static char ring[8][64];
	static unsigned int next;
	char *out = ring[next++ % 8];
	int cols = 0, pad;

	for (const char *c = s; *c; c++)
		cols += ((unsigned char)*c & 0xC0) != 0x80;
	pad = w > cols ? w - cols : 0;
	snprintf(out, 64, "%s%*s", s, pad, "");
	return out;
}

static void heading(const struct tx *t, const char *title)
{
	fprintf(t->f, "\n%s%s%s\n", bold(t), title, off(t));
}

/* A duration, or "-" when the statistic has no samples. */
static const char *dur(char *buf, uint64_t ns, bool valid)
{
	if (!valid) {
		strcpy(buf, "-");
		return buf;
	}
	return units__duration(buf, ns);
}

static const char *q(char *buf, const struct histogram *h, double quantile)
{
	uint64_t v = 0;
	bool ok = histogram__quantile(h, quantile, &v);

	return dur(buf, v, ok);
}

static const char *mean(char *buf, const struct histogram *h)
{
	uint64_t v = 0;
	bool ok = histogram__mean(h, &v);

	return dur(buf, v, ok);
}

static void summary(const struct tx *t, const struct analysis *a)
{
	const struct analysis_trace *tr = &a->trace;
	char b1[UNITS_BUF], b2[UNITS_BUF], b3[UNITS_BUF];
	const struct analysis_host *h = tr->nhosts ? &tr->hosts[0] : NULL;

	fprintf(t->f, "%smslat report%s: %d file%s", bold(t), off(t), tr->nfiles, tr->nfiles == 1 ? "" : "s");
	if (h) {
		char host[128], arch[32];

		fprintf(t->f, ", host %s%s (%s)", units__printable(host, sizeof(host), h->hostname),
			tr->nhosts > 1 ? " and others" : "", units__printable(arch, sizeof(arch), h->arch));
	}
	fprintf(t->f, "\n  %s traced", units__duration(b1, tr->duration_ns));
	if (analysis__span_ns(a) != tr->duration_ns)
		fprintf(t->f, " (%s in window)", units__duration(b1, analysis__span_ns(a)));
	fprintf(t->f, ", %s events, %s lost%s, correlation by %s\n", units__count(b2, tr->events),
		units__count(b3, tr->lost), tr->truncated ? ", truncated" : "",
		correlate_mode__name(tr->mode));
	fprintf(t->f, "  %s%" PRIu64 " requests%s", bold(t), a->req.count, off(t));
	fprintf(t->f, ", %" PRIu64 " incomplete, %" PRIu64 " timed out", a->req.incomplete,
		a->req.timed_out);
	if (analysis__span_ns(a) && a->req.count)
		fprintf(t->f, ", %.1f req/s", (double)a->req.count * 1e9 / (double)analysis__span_ns(a));
	fprintf(t->f, "\n  %s received, %s sent%s\n", units__bytes(b1, a->req.bytes_in),
		units__bytes(b2, a->req.bytes_out),
		tr->has_arrivals ? ", queue wait from arrival records" : "");
	if (tr->lost)
		fprintf(t->f, "  %swarning: %" PRIu64 " events lost while recording%s\n", red(t), tr->lost,
			off(t));
}

static void stat_row(const struct tx *t, const char *name, const struct histogram *h)
{
	char b[7][UNITS_BUF];

	fprintf(t->f, "  %-16s %s %s %s %s %s %s\n", name, rj(q(b[0], h, 0.5), 8),
		rj(q(b[1], h, 0.9), 8), rj(q(b[2], h, 0.99), 8), rj(q(b[3], h, 0.999), 8),
		rj(dur(b[4], h->max, h->count > 0), 8), rj(mean(b[5], h), 8));
}

static void latency(const struct tx *t, const struct analysis *a)
{
	heading(t, "Latency");
	fprintf(t->f, "  %-16s %8s %8s %8s %8s %8s %8s\n", "", "p50", "p90", "p99", "p99.9", "max",
		"mean");
	stat_row(t, "request", &a->req.latency);
	if (a->req.ttfb.count)
		stat_row(t, "first byte", &a->req.ttfb);
	if (a->req.queue.count)
		stat_row(t, "queue wait", &a->req.queue);
	if (a->req.gaps.count)
		stat_row(t, "burst gaps", &a->req.gaps);
}

static void share_cell(const struct tx *t, uint64_t sum, uint64_t count, uint64_t latency_sum)
{
	char b[UNITS_BUF];

	if (!count) {
		fprintf(t->f, " %9s %4s", "-", "");
		return;
	}
	fprintf(t->f, " %s %3.0f%%", rj(units__duration(b, sum / count), 9),
		latency_sum ? 100.0 * (double)sum / (double)latency_sum : 0.0);
}

static void breakdown_row(const struct tx *t, const struct analysis *a, const char *name,
			  uint64_t typ, uint64_t slow, uint64_t all)
{
	const struct analysis_breakdown *b = &a->breakdown;

	if (!typ && !slow && !all)
		return;
	fprintf(t->f, "  %-18s", name);
	share_cell(t, typ, b->typical_count, b->typical_latency_ns);
	if (t->color && b->slow_count && b->typical_count && b->slow_latency_ns && b->typical_latency_ns &&
	    (double)slow / (double)b->slow_latency_ns > 1.5 * (double)typ / (double)b->typical_latency_ns &&
	    (double)slow / (double)b->slow_latency_ns > 0.1)
		fputs(red(t), t->f);
	share_cell(t, slow, b->slow_count, b->slow_latency_ns);
	fputs(off(t), t->f);
	share_cell(t, all, a->req.count, a->req.latency_ns);
	fputc('\n', t->f);
}

static void where(const struct tx *t, const struct analysis *a)
{
	const struct analysis_breakdown *b = &a->breakdown;
	char b1[UNITS_BUF], b2[UNITS_BUF];

	heading(t, "Where the time goes (mean per request, share of latency)");
	if (!b->valid) {
		fprintf(t->f, "  no complete requests\n");
		return;
	}
	fprintf(t->f, "  %-18s %14s %14s %14s\n", "", "typical", "slow", "all");
	fprintf(t->f, "  %-18s %14s %14s %14" PRIu64 "\n", "requests",
		(snprintf(b1, sizeof(b1), "%" PRIu64, b->typical_count), b1),
		(snprintf(b2, sizeof(b2), "%" PRIu64, b->slow_count), b2), a->req.count);
	fprintf(t->f, "  %-18s %s %s\n", "latency", rj(dur(b1, b->p50_ns, true), 14),
		rj(dur(b2, b->p99_ns, true), 14));
	fprintf(t->f, "  %-18s %14s %14s\n", "", "(<= p50)", "(>= p99)");
	for (int i = 0; i < REQ_CAT__COUNT; i++) {
		if (i == REQ_CAT_IDLE)
			continue;
		breakdown_row(t, a, req_category__name(i), b->typical_cat_ns[i], b->slow_cat_ns[i],
			      a->req.cat_ns[i]);
	}
	breakdown_row(t, a, "idle (in window)", b->typical_cat_ns[REQ_CAT_IDLE],
		      b->slow_cat_ns[REQ_CAT_IDLE], a->req.cat_ns[REQ_CAT_IDLE]);
	breakdown_row(t, a, "shared", b->typical_shared_ns, b->slow_shared_ns, a->req.shared_ns);
	breakdown_row(t, a, a->trace.has_sched ? "user (on CPU)" : "user (no syscall)",
		      b->typical_user_ns, b->slow_user_ns, a->req.user_ns);
	if (a->trace.has_sched)
		breakdown_row(t, a, "run queue", b->typical_runq_ns, b->slow_runq_ns, a->req.runq_ns);
}

static void syscalls(const struct tx *t, const struct analysis *a, int top)
{
	char b[5][UNITS_BUF], name[32];

	heading(t, "Top syscalls (by total time, idle included)");
	if (!a->nsyscalls) {
		fprintf(t->f, "  no syscalls\n");
		return;
	}
	fprintf(t->f, "  %-24s %8s %6s %8s %8s %8s %8s\n", "syscall (category)", "calls", "errors",
		"total", "mean", "p99", "max");
	for (int i = 0; i < a->nsyscalls && i < top; i++) {
		const struct analysis_syscall *s = &a->syscalls[i];

		char safe[64];

		snprintf(name, sizeof(name), "%.*s (%s)",
			 (int)(21 - strlen(req_category__name(s->cat))),
			 units__printable(safe, sizeof(safe), s->name), req_category__name(s->cat));
		fprintf(t->f, "  %-24s %8s %6" PRIu64 " %s %s %s %s\n", name,
			units__count(b[0], s->duration.count), s->errors,
			rj(units__duration(b[1], s->duration.sum), 8), rj(mean(b[2], &s->duration), 8),
			rj(q(b[3], &s->duration, 0.99), 8),
			rj(dur(b[4], s->duration.max, s->duration.count > 0), 8));
	}
	if (a->nsyscalls > top)
		fprintf(t->f, "  %s… %d more (--format json lists all)%s\n", dim(t), a->nsyscalls - top,
			off(t));
}

static void task_row(const struct tx *t, const struct analysis_task *k, bool thread)
{
	char b[6][UNITS_BUF], name[40], comm[64];

	if (thread)
		snprintf(name, sizeof(name), "  tid %u", k->tid);
	else
		snprintf(name, sizeof(name), "%u %.20s", k->pid,
			 units__printable(comm, sizeof(comm), k->comm));
	fprintf(t->f, "  %-22s %8s %s %s %8s %s %s\n", name, units__count(b[0], k->requests),
		rj(q(b[1], &k->latency, 0.5), 8), rj(q(b[2], &k->latency, 0.99), 8),
		units__count(b[3], k->syscalls), rj(units__duration(b[4], k->syscall_ns), 8),
		rj(units__duration(b[5], k->idle_ns), 8));
}

/*
 * The order the table shows processes and threads in: those that served
 * requests first, then the busiest. A JVM or a Python server has tens of
 * threads that only wait (GC, JIT, an executor's idle workers): listed by
 * tid, they filled the table and hid the threads that did the work.
 */
static int busier(const void *x, const void *y)
{
	const struct analysis_task *a = *(const struct analysis_task *const *)x;
	const struct analysis_task *b = *(const struct analysis_task *const *)y;

	if (a->requests != b->requests)
		return a->requests > b->requests ? -1 : 1;
	if (a->syscalls != b->syscalls)
		return a->syscalls > b->syscalls ? -1 : 1;
	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

/* TASKS (N of them) in busier's order, in *OUT (freed by the caller). -ENOMEM or 0. */
static int by_activity(const struct analysis_task *tasks, int n, const struct analysis_task ***out)
{
	*out = calloc((size_t)n + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		(*out)[i] = &tasks[i];
	qsort(*out, (size_t)n, sizeof(**out), busier);
	return 0;
}

static int tasks(const struct tx *t, const struct analysis *a)
{
	const struct analysis_task **procs, **threads, *shown_threads[TASKS_SHOWN];
	int nprocs = a->nprocesses < PROCS_SHOWN ? a->nprocesses : PROCS_SHOWN;
	int nshown = 0, more = 0;

	if (by_activity(a->processes, a->nprocesses, &procs))
		return -ENOMEM;
	if (by_activity(a->threads, a->nthreads, &threads)) {
		free(procs);
		return -ENOMEM;
	}
	/* The busiest threads of the processes shown, at most TASKS_SHOWN of them (one thread in all: none). */
	for (int j = 0; j < a->nthreads && a->nthreads > 1; j++) {
		const struct analysis_task *k = threads[j];
		bool of_shown = false;

		for (int i = 0; i < nprocs && !of_shown; i++)
			of_shown = procs[i]->host == k->host && procs[i]->pid == k->pid;
		if (!of_shown)
			continue;
		if (nshown < TASKS_SHOWN)
			shown_threads[nshown++] = k;
		else
			more++;
	}
	heading(t, "Processes and threads");
	fprintf(t->f, "  %-22s %8s %8s %8s %8s %8s %8s\n", "pid command", "requests", "p50", "p99",
		"syscalls", "in sys", "idle");
	for (int i = 0; i < nprocs; i++) {
		task_row(t, procs[i], false);
		for (int j = 0; j < nshown; j++)
			if (shown_threads[j]->host == procs[i]->host && shown_threads[j]->pid == procs[i]->pid)
				task_row(t, shown_threads[j], true);
	}
	if (more)
		fprintf(t->f, "  %s… %d more threads (--format json lists all)%s\n", dim(t), more, off(t));
	if (a->nprocesses > PROCS_SHOWN)
		fprintf(t->f, "  %s… %d more processes (--format json lists all)%s\n", dim(t),
			a->nprocesses - PROCS_SHOWN, off(t));
	free(procs);
	free(threads);
	return 0;
}

static int timeseries(const struct tx *t, const struct analysis *a)
{
	char b[4][UNITS_BUF];
	int group, n = a->nbuckets;
	uint64_t width;

	while (n > 1 && !a->buckets[n - 1].requests && !a->buckets[n - 1].incomplete &&
	       !a->buckets[n - 1].events)
		n--;
	if (!n)
		return 0;
	group = (n + TS_ROWS - 1) / TS_ROWS;
	width = a->interval_ns * (uint64_t)group;
	heading(t, "Over time (by request end)");
	fprintf(t->f, "  %-10s %8s %10s %8s %8s %8s\n", "from", "requests", "req/s", "p50", "p99",
		"max");
	for (int i = 0; i < n; i += group) {
		struct histogram h = { 0 };
		uint64_t reqs = 0;
		int err = 0;

		for (int j = i; j < i + group && j < n; j++) {
			reqs += a->buckets[j].requests;
			err |= histogram__merge(&h, &a->buckets[j].latency);
		}
		if (err) {
			histogram__reset(&h);
			return -ENOMEM;
		}
		snprintf(b[0], sizeof(b[0]), "+%s", units__duration(b[3], a->buckets[i].start_ns));
		fprintf(t->f, "  %s %8" PRIu64 " %10.1f %s %s %s\n", lj(b[0], 10), reqs,
			(double)reqs * 1e9 / (double)width, rj(q(b[1], &h, 0.5), 8),
			rj(q(b[2], &h, 0.99), 8), rj(dur(b[3], h.max, h.count > 0), 8));
		histogram__reset(&h);
	}
	return 0;
}

static void slowest(const struct tx *t, const struct analysis *a)
{
	char b[4][UNITS_BUF];

	heading(t, "Slowest requests");
	if (!a->nslowest) {
		fprintf(t->f, "  none\n");
		return;
	}
	for (int i = 0; i < a->nslowest; i++) {
		const struct request *r = &a->slowest[i].req;
		uint64_t t0 = analysis_trace__start_of(&a->trace, r->host);

		fprintf(t->f, "  %s#%d %s%s  pid %u tid %u", bold(t), i + 1,
			units__duration(b[0], r->latency_ns), off(t), r->pid, r->tid);
		if (r->fd >= 0)
			fprintf(t->f, " fd %d (%s)", r->fd, fd_kind__name(r->fd_kind));
		else
			fprintf(t->f, " marker %" PRIu64, r->marker_id);
		fprintf(t->f, "  at +%s\n", units__duration(b[1], r->start_ns > t0 ? r->start_ns - t0 : 0));
		fprintf(t->f, "     %u syscalls, %u send%s in %u burst%s, first byte %s", (unsigned int)r->syscalls,
			r->sends, r->sends == 1 ? "" : "s", r->bursts, r->bursts == 1 ? "" : "s",
			dur(b[2], r->ttfb_ns, r->sends > 0));
		if (r->queued)
			fprintf(t->f, ", queued %s", units__duration(b[3], r->cat_ns[REQ_CAT_QUEUE]));
		fputc('\n', t->f);
		for (uint32_t j = 0; j < r->nsteps && j < STEPS_SHOWN; j++) {
			const struct req_step *s = &r->steps[j];
			char cnt[16] = "", safe[64];

			if (s->count > 1)
				snprintf(cnt, sizeof(cnt), "x%u", s->count);
			snprintf(b[2], sizeof(b[2]), "+%s",
				 units__duration(b[0], s->enter_ns > r->start_ns ? s->enter_ns - r->start_ns : 0));
			fprintf(t->f, "     %s%s%s %-16.16s %-6s %-8s %s\n", dim(t), lj(b[2], 10), off(t),
				units__printable(safe, sizeof(safe), s->name), cnt,
				s->shared ? "shared" : req_category__name(s->cat),
				rj(units__duration(b[1], s->total_ns), 8));
		}
		if (r->nsteps > STEPS_SHOWN || r->steps_dropped)
			fprintf(t->f, "     %s… %u more steps%s\n", dim(t),
				r->nsteps - (r->nsteps > STEPS_SHOWN ? STEPS_SHOWN : r->nsteps) + r->steps_dropped,
				off(t));
	}
}

int out_text__report(FILE *f, const struct analysis *a, bool color)
{
	struct tx t = { .f = f, .color = color };
	int err;

	summary(&t, a);
	latency(&t, a);
	where(&t, a);
	syscalls(&t, a, 10);
	err = tasks(&t, a);
	err = timeseries(&t, a) ?: err;
	slowest(&t, a);
	if (a->nfindings) {
		heading(&t, "Findings");
		for (int i = 0; i < a->nfindings; i++)
			fprintf(f, "  %s\n    %s\n", a->findings[i].title, a->findings[i].evidence);
	}
	if (err)
		return err;
	return ferror(f) ? -EIO : 0;
}
