// SPDX-License-Identifier: MIT
/*
 * hostile_trace: writes a small, valid trace whose strings attack every
 * renderer (HTML tags, CSV commas, quotes and newlines, invalid UTF-8), around
 * a worker serving 200 requests on one keep-alive connection, every 50th slow.
 * With -t N, the header names N more targets (the HTML and CSV outputs
 * looked each one up against all the others: 200,000 took 28 s). With -j,
 * one futex of another thread, in the middle, ends 2^62 ns late (a clock
 * error: every request after it timed out); with -J, the same row ends its
 * batch and frame (the trace's time range then reached 2^62 ns: req/s 0.0).
 * With -F, the trace's first row is that late futex. With -k, as -j, but
 * 120 s late; with -T, the recorder stopped 600 s after the last row (an
 * idle tail: the footer says so).
 * With -g, the server is idle for 100 s there instead: a gap, not an error.
 * With -G, the requests are followed by a heartbeat every 2 s, 40 times:
 * every row a gap after the one before.
 *
 * With -b NS, the recording starts at NS (a host up for a year: 3.2e16).
 * With -u, it also holds a scheduler record, an arrival and a marker of
 * kinds no recorder writes (7, 9, 5): named as such, never as known ones.
 * With -e, the process execs "model-server" after its snapshot (as a server
 * started by `sh -c` does): that is its name.
 *
 *	hostile_trace [-t N] [-j|-J|-F|-k|-g|-G] [-T] [-b NS] -o FILE
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "syscalls.h"
#include "trace_writer.h"

#define PID 4242
#define WORKER 4243
#define REQUESTS 200
#define START_NS 1000000000ULL
#define OTHER 4244

/* The strings every test looks for (tests/cli/test_outputs.sh). */
static char comm[] = "<img src=x onerror=alert(1)>";
/* and a terminal escape, and a right-to-left override (U+202E) that would reorder the line */
static char thread_comm[] = "w\"1\",<b>x</b>\033]0;PWND\007\xe2\x80\xae";
static char exe[] = "/opt/a&b/<i>python3</i>";
static char cgroup[] = "/system.slice/</style><script>alert(3)</script>.service";
static char hostname[] = "host<script>alert(4)</script>";
static char bad_syscall[] = "<svg onload=alert(2)>";
static char *cmdline[] = {
	"python3", "serve.py", "--models=a,b,c", "say \"hi\"", "multi\nline\r\nend",
	"tab\there\033[31m\xe2\x80\xae\xc2\x9b" "2J", "bad\xff\xfe utf8", "'single' & <amp>",
};

static int nr_of(const char *name)
{
	int nr = syscall__number(syscall_table__build_arch(), name);

	if (nr < 0) {
		fprintf(stderr, "hostile_trace: no syscall '%s' on this arch\n", name);
		exit(1);
	}
	return nr;
}

struct gen {
	struct trace_writer *w;
	uint64_t now;
	int err;
};

static void ev(struct gen *g, uint32_t tid, int nr, int32_t fd, uint32_t kind, uint64_t dur,
	       int64_t ret)
{
	struct trace_event e = {
		.enter_ns = g->now, .duration_ns = dur, .ret = ret, .tid = tid, .pid = PID,
		.syscall = (uint32_t)nr, .fd = fd, .fd_kind = kind,
	};

	if (!g->err)
		g->err = trace_writer__append_event(g->w, &e);
	g->now += dur + 1000;
}

static void requests(struct gen *g, int hostile_nr, bool jump, bool jump_ends_batch, bool gap,
		     bool heartbeat, bool jump_first, uint64_t jump_ns)
{
	int r_read = nr_of("read"), r_write = nr_of("write"), r_futex = nr_of("futex");
	int r_pread = nr_of("pread64"), r_accept = nr_of("accept4"), r_close = nr_of("close");

	if (jump_first) {
		uint64_t now = g->now;

		ev(g, OTHER, r_futex, -1, FD_KIND_NONE, jump_ns, 0);
		g->now = now + 1000;
	}
	ev(g, WORKER, r_accept, 3, FD_KIND_TCP_LISTEN, 50000, 5);
	for (int i = 0; i < REQUESTS; i++) {
		bool slow = i % 50 == 49;

		ev(g, WORKER, r_read, 5, FD_KIND_TCP, 200000, 120);
		ev(g, WORKER, r_pread, 7, FD_KIND_FILE, slow ? 4000000 : 30000, 4096);
		ev(g, WORKER, r_futex, -1, FD_KIND_NONE, slow ? 2000000 : 5000, 0);
		if (i == 10)
			ev(g, WORKER, hostile_nr, -1, FD_KIND_NONE, 300000, -22);
		if (jump && i == REQUESTS / 2) {
			uint64_t now = g->now;

			ev(g, OTHER, r_futex, -1, FD_KIND_NONE, jump_ns, 0);
			if (jump_ends_batch && !g->err)
				g->err = trace_writer__flush(g->w);
			g->now = now + 1000;
		}
		if (gap && i == REQUESTS / 2)
			g->now += 100000000000ULL;
		g->now += 40000;	/* user time */
		ev(g, WORKER, r_write, 5, FD_KIND_TCP, 20000, 512);
	}
	ev(g, WORKER, r_read, 5, FD_KIND_TCP, 10000, 0);
	ev(g, WORKER, r_close, 5, FD_KIND_TCP, 2000, 0);
	for (int i = 0; heartbeat && i < 40; i++) {
		g->now += 2000000000ULL;
		ev(g, OTHER, r_futex, -1, FD_KIND_NONE, 3000, 0);
	}
}

int main(int argc, char **argv)
{
	const char *path = NULL, *const *table;
	size_t cnt;
	char **names;
	Mslat__Header h = MSLAT__HEADER__INIT;
	Mslat__Target t = MSLAT__TARGET__INIT, *targets[1] = { &t };
	Mslat__ProcessInfo p = MSLAT__PROCESS_INFO__INIT;
	Mslat__Marker m = MSLAT__MARKER__INIT;
	Mslat__Loss loss = MSLAT__LOSS__INIT;
	Mslat__Footer footer = MSLAT__FOOTER__INIT;
	struct trace_writer_opts wopts = { .sz = sizeof(wopts), .force = true };
	struct gen g = { .now = START_NS + 1000000 };
	uint64_t start = START_NS;
	Mslat__Target *many = NULL, **tlist = targets;
	size_t ntargets = 0;
	bool jump = false, jump_ends_batch = false, gap = false, heartbeat = false, jump_first = false;
	uint64_t jump_ns = 1ULL << 62, tail_ns = 1000000;
	bool unknown = false, exec = false;
	int c, err;

	while ((c = getopt(argc, argv, "o:t:b:jJFkTgGueh")) != -1) {
		if (c == 'o') {
			path = optarg;
		} else if (c == 'e') {
			exec = true;
		} else if (c == 'u') {
			unknown = true;
		} else if (c == 'b') {
			start = strtoull(optarg, NULL, 10);
			g.now = start + 1000001;	/* an odd time: a double would round it */
		} else if (c == 'j') {
			jump = true;
		} else if (c == 'J') {
			jump = jump_ends_batch = true;
		} else if (c == 'k') {
			jump = true;
			jump_ns = 120000000000ULL;
		} else if (c == 'T') {
			tail_ns = 600000000000ULL;
		} else if (c == 'F') {
			jump_first = true;
		} else if (c == 'g') {
			gap = true;
		} else if (c == 'G') {
			heartbeat = true;
		} else if (c == 't') {
			ntargets = strtoul(optarg, NULL, 10);
		} else {
			fprintf(c == 'h' ? stdout : stderr, "Usage: hostile_trace [-t N] [-j|-J|-F|-k|-g|-G] [-T] [-u] [-e] [-b NS] -o FILE\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (!path) {
		fprintf(stderr, "Usage: hostile_trace [-t N] [-j|-J|-F|-k|-g|-G] [-T] [-u] [-e] [-b NS] -o FILE\n");
		return 2;
	}
	log__use_stderr("hostile_trace");

	/* The build arch's table plus one hostile name past its end. */
	table = syscall_table__for_arch(syscall_table__build_arch(), &cnt);
	names = calloc(cnt + 1, sizeof(*names));
	if (!table || !names)
		return 1;
	for (size_t i = 0; i < cnt; i++)
		names[i] = (char *)(table[i] ? table[i] : "");
	names[cnt] = bad_syscall;

	h.hostname = hostname;
	h.kernel_release = "6.1.0-<u>hostile</u>";
	h.arch = (char *)syscall_table__build_arch();
	h.recorder_version = "0.0.0";
	h.n_syscall_names = cnt + 1;
	h.syscall_names = names;
	h.start_ns = start;
	h.mono_to_realtime_ns = 1764000000000000000LL;
	h.cpu_count = 2;
	h.page_size = 4096;
	t.pid = PID;
	t.n_argv = sizeof(cmdline) / sizeof(cmdline[0]);
	t.argv = cmdline;
	h.n_targets = 1;
	h.targets = targets;
	if (ntargets) {	/* the hostile one first, then pids 1..N, some twice */
		many = calloc(ntargets, sizeof(*many));
		tlist = calloc(ntargets + 1, sizeof(*tlist));
		if (!many || !tlist)
			return 1;
		tlist[0] = targets[0];
		for (size_t i = 0; i < ntargets; i++) {
			mslat__target__init(&many[i]);
			many[i].pid = (uint32_t)(i % 7 ? i + 1 : i / 2 + 1);
			tlist[i + 1] = &many[i];
		}
		h.n_targets = ntargets + 1;
		h.targets = tlist;
	}

	g.w = trace_writer__open(path, &h, &wopts);
	if (!g.w) {
		fprintf(stderr, "hostile_trace: cannot create '%s': %s\n", path, strerror(errno));
		return 1;
	}
	p.what = MSLAT__PROCESS_INFO__WHAT__SNAPSHOT;
	p.time_ns = start;
	p.pid = PID;
	p.ppid = 1;
	p.comm = comm;
	p.n_cmdline = sizeof(cmdline) / sizeof(cmdline[0]);
	p.cmdline = cmdline;
	p.exe = exe;
	p.cgroup = cgroup;
	err = trace_writer__append_process(g.w, &p);
	if (exec && !err) {
		Mslat__ProcessInfo e = p;

		e.what = MSLAT__PROCESS_INFO__WHAT__EXEC;
		e.comm = "model-server";
		err = trace_writer__append_process(g.w, &e);
	}
	p.what = MSLAT__PROCESS_INFO__WHAT__FORK;
	p.tid = WORKER;
	p.thread_comm = thread_comm;
	if (!err)
		err = trace_writer__append_process(g.w, &p);

	requests(&g, (int)cnt, jump, jump_ends_batch, gap, heartbeat, jump_first, jump_ns);
	if (unknown && !err) {
		struct trace_sched sr = { .start_ns = g.now, .duration_ns = 1000, .tid = WORKER,
					  .pid = PID, .what = 7 };
		struct trace_arrival ar = { .time_ns = g.now, .pid = PID, .fd = 5, .bytes = 10,
					    .what = 9 };
		Mslat__Marker um = MSLAT__MARKER__INIT;

		um.what = 5;
		um.time_ns = g.now;
		um.pid = PID;
		um.tid = WORKER;
		um.name = "unknown kind";
		err = trace_writer__append_sched(g.w, &sr);
		if (!err)
			err = trace_writer__append_arrival(g.w, &ar);
		if (!err)
			err = trace_writer__append_marker(g.w, &um);
	}

	m.what = MSLAT__MARKER__WHAT__POINT;
	m.time_ns = g.now;
	m.pid = PID;
	m.tid = WORKER;
	m.name = "<marquee>\"marker\",\n</marquee>";
	if (!err)
		err = trace_writer__append_marker(g.w, &m);
	loss.cpu = 1;
	loss.count = 3;
	loss.start_ns = g.now;
	loss.end_ns = g.now + 1000;
	if (!err)
		err = trace_writer__append_loss(g.w, &loss);
	footer.end_ns = g.now + tail_ns;
	footer.reason = MSLAT__FOOTER__REASON__STOPPED;
	if (!err)
		err = g.err;
	if (err) {
		trace_writer__abandon(g.w);
		fprintf(stderr, "hostile_trace: cannot write '%s': %s\n", path, strerror(-err));
		return 1;
	}
	err = trace_writer__close(g.w, &footer);
	free(names);
	free(many);
	if (tlist != targets)
		free(tlist);
	if (err) {
		fprintf(stderr, "hostile_trace: cannot write '%s': %s\n", path, strerror(-err));
		return 1;
	}
	return 0;
}
