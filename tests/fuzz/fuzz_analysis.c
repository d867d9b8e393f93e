// SPDX-License-Identifier: MIT
/*
 * libFuzzer target (make fuzz): the analysis, not the reader. fuzz_reader
 * feeds the reader bytes, and almost none of them survive its checksums;
 * here the input is a program that writes a well-formed trace (or two: a
 * second recording of the same boot or another host) whose rows are
 * hostile: pids, tids and fds from a small set so that they meet, the
 * syscalls a server makes, return values and fd kinds of every sort, times
 * that jump forward and back by up to 2^63, arrivals, markers, scheduler,
 * process and loss records in any order, any footer. Every subcommand then
 * runs on it in-process (report in each format and correlation mode, with
 * and without --pid/--since/--until; export; info; dump; gnuplot's data and
 * scripts, rendered only with FUZZ_ANALYSIS_GNUPLOT=1), and report's JSON
 * must come out byte-identical when run twice, its totals those of the
 * requests it lists (check_report). A crash, a leak, undefined behaviour,
 * a hang, a difference or a total that is not its requests' fails.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "categories.h"
#include "cli.h"
#include "log.h"
#include "syscalls.h"
#include "trace_writer.h"

#define MAX_RECORDS 3000
/* Files of the current input, in a directory of this process's own (tmpfs: no disk writes). */
static char dir[64], f1[96], f2[96], j1[96], j2[96], out[96], csv[96];

struct in {
	const uint8_t *p, *end;
};

static uint64_t take(struct in *in, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)(in->p < in->end ? *in->p++ : 0) << (8 * i);
	return v;
}

static uint8_t next_byte(struct in *in)
{
	return (uint8_t)take(in, 1);
}

/* The syscalls whose rows the correlator treats apart, by name: numbered per arch. */
static const char *const NAMES[] = {
	"read", "write", "recvfrom", "sendto", "recvmsg", "sendmsg", "readv", "writev",
	"recvmmsg", "sendmmsg", "accept4", "accept", "connect", "close", "shutdown", "epoll_wait",
	"epoll_pwait", "poll", "futex", "nanosleep", "ioctl", "openat", "mmap", "clone",
	"listen", "io_uring_enter", "sendfile", "splice", "select", "pread64",
};
#define NNAMES (sizeof(NAMES) / sizeof(NAMES[0]))
#define NNET 8		/* the first NNET: reads and writes */
#define NI_ACCEPT4 10	/* NAMES' index of accept4 */
#define NI_ACCEPT 11

static const uint32_t PIDS[] = { 100, 101, 102, 4294967295u };
static const int32_t FDS[] = { -1, 0, 3, 4, 5, 6, 7, 2147483647 };

struct gen {
	struct in *in;
	uint64_t now;
	int nr[NNAMES];
	uint32_t kind[8];	/* FDS[i]'s kind in this recording */
};

/*
 * A time step: mostly a few µs to a few ms forward, sometimes none or back
 * (rows of two threads), rarely a jump either way by up to 2^63 (a clock
 * error; the jumps saturate, small steps past 2^64 wrap). Rare, so that
 * requests can form between them.
 */
static uint64_t step(struct gen *g)
{
	uint8_t k = next_byte(g->in);
	uint64_t d;

	if (k < 160)
		return g->now += (uint64_t)(k & 31) * 1000 + (k >> 5) * 1000000;
	if (k < 200)
		return g->now += take(g->in, 2) * 1000;
	if (k < 224)
		return g->now;
	if (k < 248) {
		d = take(g->in, 2) * 100;
		return g->now = g->now > d ? g->now - d : 0;
	}
	if (k < 254) {
		d = 1ULL << (30 + take(g->in, 1) % 34);
		return g->now = u64_sat_add(g->now, d);
	}
	return g->now = take(g->in, 8);
}

static uint64_t duration(struct gen *g)
{
	uint8_t k = next_byte(g->in);

	if (k < 160)
		return (uint64_t)k * 997;
	if (k < 240)
		return take(g->in, 3) * 10;
	if (k < 248)
		return 0;
	if (k < 254)
		return 1ULL << (20 + take(g->in, 1) % 44);
	return take(g->in, 8);
}

static int64_t retval(struct gen *g)
{
	uint8_t k = next_byte(g->in);

	if (k < 128)
		return 1 + k * 8;	/* bytes */
	if (k < 160)
		return 0;
	if (k < 192)
		return -(int64_t)(1 + (k & 31));	/* -errno: EINTR (4), EAGAIN (11)… */
	if (k < 224)
		return 3 + (k & 7);	/* an fd */
	if (k < 254)
		return (int64_t)take(g->in, 4) << (k & 31);
	return (int64_t)take(g->in, 8);
}

static int event(struct gen *g, struct trace_writer *w)
{
	uint8_t a = next_byte(g->in), b = next_byte(g->in), k = next_byte(g->in);
	struct trace_event ev = { 0 };
	unsigned int fdi = (a >> 5) & 7;

	ev.pid = PIDS[a & 3];
	ev.tid = (a >> 2) & 1 ? ev.pid : ev.pid + 1 + ((a >> 3) & 3);
	/* Half of the rows are the reads and writes requests are made of, the rest anything. */
	if (b < 128)
		ev.syscall = g->nr[b % NNET];
	else if (b < 240)
		ev.syscall = g->nr[NNET + b % (NNAMES - NNET)];
	else
		ev.syscall = (uint32_t)take(g->in, 2);	/* anything, past the table too */
	ev.fd = FDS[fdi];
	/* mostly the kind its fd has in this recording: connections that requests can be found on */
	ev.fd_kind = k & 3 ? g->kind[fdi] : k % (FD_KIND__COUNT + 2);
	ev.enter_ns = step(g);
	ev.duration_ns = duration(g);
	ev.ret = retval(g);
	/* an accept's QUEUED record, as the recorder writes it: just before, with its exit */
	if ((ev.syscall == (uint32_t)g->nr[NI_ACCEPT] || ev.syscall == (uint32_t)g->nr[NI_ACCEPT4]) &&
	    ev.ret >= 0 && (k & 0x80)) {
		struct trace_arrival q = { .time_ns = ev.enter_ns - (k & 0x40 ? 5000 : 0), .pid = ev.pid,
					   .fd = (int32_t)ev.ret, .bytes = k & 0x20 ? 100 : 0,
					   .what = TRACE_ARRIVAL_QUEUED,
					   .accept_ns = ev.enter_ns + ev.duration_ns };

		if (trace_writer__append_arrival(w, &q))
			return -1;
	}
	return trace_writer__append_event(w, &ev);
}

static int arrival(struct gen *g, struct trace_writer *w)
{
	uint8_t a = next_byte(g->in);
	struct trace_arrival ar = {
		.time_ns = step(g),
		.pid = PIDS[a & 3],
		.fd = FDS[(a >> 2) & 7],
		.bytes = (uint32_t)take(g->in, 2),
		.what = (a >> 5) % 5,	/* 4: a kind no recorder writes */
	};

	if (ar.what == TRACE_ARRIVAL_QUEUED)
		ar.accept_ns = next_byte(g->in) & 1 ? ar.time_ns + take(g->in, 2) : take(g->in, 8);
	return trace_writer__append_arrival(w, &ar);
}

static int marker(struct gen *g, struct trace_writer *w)
{
	uint8_t a = next_byte(g->in);
	Mslat__Marker m = MSLAT__MARKER__INIT;

	m.what = (Mslat__Marker__What)(a % 4);
	m.pid = PIDS[(a >> 2) & 3];
	m.tid = (a >> 4) & 1 ? m.pid : m.pid + 1 + ((a >> 5) & 3);
	m.id = next_byte(g->in) % 5;
	m.time_ns = step(g);
	m.name = (a >> 7) ? "h<b>\"x\"\n" : "";
	return trace_writer__append_marker(w, &m);
}

static int sched(struct gen *g, struct trace_writer *w)
{
	uint8_t a = next_byte(g->in);
	struct trace_sched s = { .pid = PIDS[a & 3], .cpu = (a >> 2) & 1, .what = (a >> 3) % 3 };

	s.tid = (a >> 5) & 1 ? s.pid : s.pid + 1 + ((a >> 6) & 3);
	s.start_ns = step(g);
	s.duration_ns = duration(g);
	return trace_writer__append_sched(w, &s);
}

static int process(struct gen *g, struct trace_writer *w)
{
	static char *argv[] = { "py", "-m", "a,b\"\n" };
	uint8_t a = next_byte(g->in);
	Mslat__ProcessInfo p = MSLAT__PROCESS_INFO__INIT;

	p.what = (Mslat__ProcessInfo__What)(a % 5);
	p.pid = PIDS[(a >> 3) & 3];
	p.ppid = PIDS[(a >> 5) & 3];
	p.tid = (a >> 7) ? p.pid + 1 : 0;
	p.time_ns = step(g);
	p.comm = (a >> 4) & 1 ? "srv<x>" : "";
	p.thread_comm = (a >> 6) & 1 ? "w\033[1m" : "";
	p.n_cmdline = (a >> 2) & 1 ? 3 : 0;
	p.cmdline = argv;
	p.exit_code = (int32_t)(int8_t)next_byte(g->in);
	return trace_writer__append_process(w, &p);
}

static int loss(struct gen *g, struct trace_writer *w)
{
	Mslat__Loss l = MSLAT__LOSS__INIT;

	l.cpu = next_byte(g->in) % 3;
	l.count = take(g->in, 2) + 1;
	l.start_ns = step(g);
	l.end_ns = next_byte(g->in) & 1 ? l.start_ns + take(g->in, 2) : step(g);
	l.what = (Mslat__Loss__What)(next_byte(g->in) % 5);
	return trace_writer__append_loss(w, &l);
}

static char *target_argv[] = { "python3", "-m", "uvicorn", "app:app" };
static Mslat__Target target = { PROTOBUF_C_MESSAGE_INIT(&mslat__target__descriptor), 100, 4, target_argv };
static Mslat__Target *target_p = &target;

/* FDS[i]'s kinds: a listener, connections, a unix socket, a file; or, one byte in 8, anything. */
static void pick_kinds(struct gen *g)
{
	static const uint32_t usual[8] = { FD_KIND_NONE, FD_KIND_CHR, FD_KIND_TCP_LISTEN, FD_KIND_TCP,
					   FD_KIND_TCP, FD_KIND_TCP, FD_KIND_UNIX, FD_KIND_FILE };
	uint8_t kb = next_byte(g->in);

	for (int i = 0; i < 8; i++)
		g->kind[i] = (kb >> i) & 1 && (next_byte(g->in) & 7) == 0 ?
				     next_byte(g->in) % (FD_KIND__COUNT + 2) : usual[i];
}

/* The header of recording IDX from HB and FB: arch, start (1 s mostly), scheduler flag, table. */
static void make_header(Mslat__Header *h, struct gen *g, uint8_t hb, uint8_t fb, int idx,
			const char *boot)
{
	static char *names[1024];
	const char *arch = hb & 1 ? "aarch64" : "x86_64", *const *table;
	size_t cnt;

	table = syscall_table__for_arch(arch, &cnt);
	if (!table || cnt > sizeof(names) / sizeof(names[0]))
		abort();
	for (size_t i = 0; i < cnt; i++)
		names[i] = (char *)(table[i] ? table[i] : "");
	for (size_t i = 0; i < NNAMES; i++)
		g->nr[i] = syscall__number(arch, NAMES[i]);
	h->hostname = idx ? "b" : "a";
	h->kernel_release = "6.1";
	h->arch = (char *)arch;
	h->recorder_version = "fuzz";
	/* one in 8, a table cut short: rows name numbers past its end */
	h->n_syscall_names = (fb & 0x1c) == 0x1c ? cnt / 2 : cnt;
	h->syscall_names = names;
	h->boot_id = (char *)boot;
	h->cpu_count = 2;
	h->page_size = 4096;
	/* the wall clock: 2026, or anything (HTML and export convert to it) */
	h->mono_to_realtime_ns = (hb >> 6) & 1 ? (int64_t)take(g->in, 8) : 1764000000000000000LL;
	h->n_targets = 1;
	h->targets = &target_p;
	/* a second recording of one boot: the rotated piece after the first, or another recorder */
	h->sequence = idx && (hb >> 7) ? 1 : 0;
	h->sched = (hb >> 2) & 1;
	switch ((hb >> 3) & 7) {
	case 5:
		h->start_ns = 0;
		break;
	case 6:
		h->start_ns = 1ULL << 62;
		break;
	case 7:
		h->start_ns = take(g->in, 8);
		break;
	default:
		h->start_ns = 1000000000ULL;
		break;
	}
	g->now = h->start_ns + ((fb >> 5) & 1 ? 0 : 1000);
}

/* One recording into PATH, from the input until it ends or says "next file". Returns 1: another follows. */
static int one_file(struct in *in, const char *path, int idx, const char *boot)
{
	uint8_t hb = next_byte(in), wb = next_byte(in), fb = next_byte(in);
	struct trace_writer_opts wo = { .sz = sizeof(wo), .force = true, .zstd_level = 1 };
	Mslat__Header h = MSLAT__HEADER__INIT;
	Mslat__Footer f = MSLAT__FOOTER__INIT;
	struct gen g = { .in = in };
	struct trace_writer *w;
	int more = 0, err = 0;

	make_header(&h, &g, hb, fb, idx, boot);
	pick_kinds(&g);
	wo.batch_rows = (size_t)1 << (wb % 15);	/* 1 .. 16384 rows a batch */
	wo.frame_bytes = wb & 0x80 ? 4096 : 0;
	w = trace_writer__open(path, &h, &wo);
	if (!w)
		abort();
	for (int i = 0; i < MAX_RECORDS && in->p < in->end && !err; i++) {
		uint8_t op = next_byte(in);

		if (op % 20 < 15 || op % 20 == 19)
			err = event(&g, w);
		else if (op % 20 == 15)
			err = arrival(&g, w);
		else if (op % 20 == 16)
			err = marker(&g, w);
		else if (op % 20 == 17)
			err = sched(&g, w);
		else if (op & 0x20)
			err = process(&g, w);
		else if (op & 0x40)
			err = loss(&g, w);
		else if (op & 0x80)
			err = trace_writer__flush(w);	/* a frame ends here */
		else if (!idx) {
			more = 1;	/* the second recording's rows follow */
			break;
		}
	}
	if (err)
		abort();	/* valid rows, a regular file: the writer takes them all */
	if ((fb & 3) == 0) {
		trace_writer__abandon(w);	/* no footer: as after SIGKILL */
		return more;
	}
	/* the end as the recorder saw it, a little after, or anything */
	f.end_ns = (fb & 3) == 1 ? g.now : (fb & 3) == 2 ? g.now + take(in, 4) : take(in, 8);
	if (trace_writer__close(w, &f))
		abort();
	return more;
}

static int run(int (*cmd)(int, char **), char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	optind = 0;
	return cmd(argc, argv);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len == cap) {
			char *nb = realloc(buf, cap = cap ? 2 * cap : 65536);

			if (!nb)
				abort();
			buf = nb;
		}
		size_t got = fread(buf + *len, 1, cap - *len, f);

		*len += got;
		if (!got)
			break;
	}
	fclose(f);
	return buf;
}

/* At exit, unless a failure left the files of its input there to read. */
static void remove_dir(void)
{
	DIR *d = opendir(csv);
	struct dirent *e;
	char path[400];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", csv, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(csv);
	unlink(f1);
	unlink(f2);
	unlink(j1);
	unlink(j2);
	unlink(out);
	rmdir(dir);
}

/* Every message formatted (its arguments and escapes are code too), then dropped. */
static void format_and_drop(enum log_level level, const char *fmt, va_list ap)
{
	char buf[4096];

	(void)level;
	vsnprintf(buf, sizeof(buf), fmt, ap);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int null = open("/dev/null", O_WRONLY);

	(void)argc;
	(void)argv;
	log__set_printer(format_and_drop);
	/* info and dump write to stdout: nothing of theirs is wanted here */
	if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
		abort();
	close(null);
	snprintf(dir, sizeof(dir), "/dev/shm/mslat-fuzz-analysis.%d", (int)getpid());
	snprintf(f1, sizeof(f1), "%s/1.mslat", dir);
	snprintf(f2, sizeof(f2), "%s/2.mslat", dir);
	snprintf(j1, sizeof(j1), "%s/1.json", dir);
	snprintf(j2, sizeof(j2), "%s/2.json", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(csv, sizeof(csv), "%s/csv", dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		abort();
	if (!getenv("FUZZ_ANALYSIS_KEEP"))	/* set: an input's trace and outputs stay, to read */
		atexit(remove_dir);
	/* No gnuplot on PATH: report writes its data and scripts, and starts no
	 * program per input. Set, gnuplot renders them: it must accept them all. */
	if (!getenv("FUZZ_ANALYSIS_GNUPLOT") && setenv("PATH", dir, 1))
		abort();
	return 0;
}

/* report's options from O1 and O2 into OPTS (PID: room for the --pid argument). Returns their count. */
static int report_options(uint8_t o1, uint8_t o2, char **opts, char *pid, size_t pid_len)
{
	int n = 0;

	/* one pid, or two */
	snprintf(pid, pid_len, (o2 & 1) ? "%u,%u" : "%u", PIDS[(o1 >> 2) & 3], PIDS[((o1 >> 2) + 1) & 3]);
	if ((o1 >> 4) & 1) {
		opts[n++] = "--pid";
		opts[n++] = pid;
	}
	if ((o1 >> 5) & 1) {
		opts[n++] = "--since";
		opts[n++] = o2 & 2 ? "1ms" : "0.1s";
	}
	if ((o1 >> 6) & 1) {
		opts[n++] = "--until";
		opts[n++] = o2 & 4 ? "200ms" : "1s";	/* after either --since */
	}
	if (o1 >> 7) {
		opts[n++] = "--request-timeout";
		opts[n++] = o2 & 8 ? "1ms" : "100ms";
	}
	if (o2 & 16)
		opts[n++] = "--headers-first";
	if (o2 & 32) {
		opts[n++] = "--min-request-bytes";
		opts[n++] = "27";
	}
	if (o2 & 64) {
		opts[n++] = "--top";
		opts[n++] = "1";
	}
	if ((o1 & 3) == 3) {	/* o1 % 3 is the mode: these share no bit with it that matters */
		opts[n++] = "--interval";
		opts[n++] = o2 & 4 ? "1ms" : "1h";
	}
	if ((o1 & 0x0c) == 0x0c) {
		opts[n++] = "--burst-gap";
		opts[n++] = o2 & 8 ? "1us" : "1s";
	}
	return n;
}

#define FAIL_IF(cond, ...)                                                    \
	do {                                                                  \
		if (cond) {                                                   \
			fprintf(stderr, "fuzz_analysis: %s: ", j1);           \
			fprintf(stderr, __VA_ARGS__);                         \
			fprintf(stderr, "\n");                                \
			abort();                                              \
		}                                                             \
	} while (0)

/* `report -f FMT --correlate MODE -o OUT OPTS... [EXTRA] FILES...` */
static int report(const char *fmt, const char *mode, const char *out_path, char **opts, int nopts,
		  const char *extra, char **files, int nfiles)
{
	char *argv[32] = { "report", "-f", (char *)fmt, "--correlate", (char *)mode, "-o",
			   (char *)out_path };
	int n = 7;

	for (int i = 0; i < nopts; i++)
		argv[n++] = opts[i];
	if (extra)
		argv[n++] = (char *)extra;
	for (int i = 0; i < nfiles; i++)
		argv[n++] = files[i];
	argv[n] = NULL;
	return run(cmd_report, argv);
}

/* report --format json, twice: byte for byte the same, or abort saying where they part. */
static void json_twice(const char *mode, char **opts, int nopts, const char *extra, char **files,
		       int nfiles)
{
	size_t l1, l2, at = 0;
	char *a, *b;

	unlink(j1);
	unlink(j2);
	/* well-formed files and valid options: nothing to fail on */
	FAIL_IF(report("json", mode, j1, opts, nopts, extra, files, nfiles), "report failed");
	FAIL_IF(report("json", mode, j2, opts, nopts, extra, files, nfiles), "report failed again");
	a = slurp(j1, &l1);
	b = slurp(j2, &l2);
	if (!a != !b || l1 != l2 || (a && memcmp(a, b, l1))) {
		while (a && b && at < l1 && at < l2 && a[at] == b[at])
			at++;
		fprintf(stderr, "fuzz_analysis: report --format json --correlate %s differs between "
			"two runs (%zu and %zu bytes), from byte %zu: %s and %s\n", mode, l1, l2, at, j1, j2);
		abort();
	}
	free(a);
	free(b);
}

static uint64_t u64_at(const json_t *o, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(o, key));
}

/*
 * What docs/json-schema.md promises of a report with --requests: the
 * totals are those of the requests listed. Times past 2^63 are written
 * as INT64_MAX (that page says so) and a request past the series' 960
 * points is in none: where those occur, what they touch is not compared.
 */
static void check_report(void)
{
	json_t *d = json_load_file(j1, 0, NULL), *list, *req, *r;
	uint64_t complete = 0, incomplete = 0, timed_out = 0, in = 0, out = 0, lo = UINT64_MAX, hi = 0;
	uint64_t in_series = 0, in_procs = 0, in_conns = 0, in_threads = 0, prev = UINT64_MAX;
	const char *mode = json_string_value(json_object_get(json_object_get(d, "trace"), "correlate"));
	json_t *tr = json_object_get(d, "trace");
	size_t i;

	FAIL_IF(!d, "not JSON");
	req = json_object_get(d, "requests");
	list = json_object_get(d, "requests_list");
	FAIL_IF(!req || !json_is_array(list), "no requests or requests_list");
	json_array_foreach(list, i, r) {
		uint64_t s = u64_at(r, "start_ns"), e = u64_at(r, "end_ns"), l = u64_at(r, "latency_ns");

		FAIL_IF(s != INT64_MAX && e != INT64_MAX && e - s != l,
			"request %" PRIu64 ": end - start %" PRIu64 " != latency %" PRIu64,
			u64_at(r, "id"), e - s, l);
		timed_out += json_is_true(json_object_get(r, "timed_out"));
		if (!json_is_true(json_object_get(r, "complete"))) {
			incomplete++;
			continue;
		}
		complete++;
		in = u64_sat_add(in, u64_at(r, "bytes_in"));
		out = u64_sat_add(out, u64_at(r, "bytes_out"));
		lo = l < lo ? l : lo;
		hi = l > hi ? l : hi;
	}
	FAIL_IF(u64_at(req, "count") != complete, "count %" PRIu64 ", %" PRIu64 " complete listed",
		u64_at(req, "count"), complete);
	FAIL_IF(u64_at(req, "incomplete") != incomplete, "incomplete");
	FAIL_IF(u64_at(req, "timed_out") != timed_out, "timed_out");
	FAIL_IF(complete && (u64_at(json_object_get(req, "latency_ns"), "count") != complete ||
			     u64_at(json_object_get(req, "latency_ns"), "min") != lo ||
			     u64_at(json_object_get(req, "latency_ns"), "max") != hi),
		"latency_ns count, min or max is not the listed requests'");
	/* listed values are clamped too: where their sum reaches the clamp, it may fall short */
	FAIL_IF(in < INT64_MAX && out < INT64_MAX &&
		(u64_at(req, "bytes_in") != in || u64_at(req, "bytes_out") != out),
		"bytes in or out are not the listed requests' sums");
	FAIL_IF((in >= INT64_MAX && u64_at(req, "bytes_in") != INT64_MAX) ||
		(out >= INT64_MAX && u64_at(req, "bytes_out") != INT64_MAX),
		"bytes in or out wrapped: the listed requests' sum is past 2^63");
	FAIL_IF(u64_at(tr, "events_analysed") > u64_at(tr, "events"), "more events analysed than read");
	json_array_foreach(json_object_get(d, "processes"), i, r)
		in_procs += u64_at(r, "requests");
	FAIL_IF(in_procs != complete, "processes hold %" PRIu64 " requests, not %" PRIu64, in_procs,
		complete);
	if (mode && strcmp(mode, "marker")) {	/* requests of connections, on the thread that read them */
		json_array_foreach(json_object_get(d, "connections"), i, r)
			in_conns += u64_at(r, "requests");
		json_array_foreach(json_object_get(d, "threads"), i, r)
			in_threads += u64_at(r, "requests");
		FAIL_IF(in_conns != complete, "connections hold %" PRIu64 " requests, not %" PRIu64,
			in_conns, complete);
		FAIL_IF(in_threads != complete, "threads hold %" PRIu64 " requests, not %" PRIu64,
			in_threads, complete);
	}
	json_array_foreach(json_object_get(json_object_get(d, "timeseries"), "points"), i, r)
		in_series += u64_at(r, "requests");
	FAIL_IF(in_series > complete, "the time series holds %" PRIu64 " requests of %" PRIu64,
		in_series, complete);
	json_array_foreach(json_object_get(d, "slowest"), i, r) {
		FAIL_IF(u64_at(r, "latency_ns") > prev, "slowest: not slowest first");
		FAIL_IF(!i && u64_at(r, "latency_ns") != hi, "slowest: not the slowest");
		prev = u64_at(r, "latency_ns");
	}
	json_decref(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const modes[] = { "conn", "thread", "marker" };
	static const char *const formats[] = { "text", "html", "csv" };
	struct in in = { data, data + size };
	uint8_t o1 = next_byte(&in), o2 = next_byte(&in);
	const char *mode = modes[o1 % 3], *fmt = formats[o2 % 3];
	char pid[16], *files[2] = { f1, NULL }, *opts[24];	/* report_options gives at most 17 */
	int nopts, nfiles = 1;

	if (one_file(&in, f1, 0, "boot-a")) {
		one_file(&in, f2, 1, o2 & 1 ? "boot-a" : "boot-b");
		files[1] = f2;
		nfiles = 2;
		if (o1 & 0x40) {	/* given in either order: the reader orders them */
			files[0] = f2;
			files[1] = f1;
		}
	}
	nopts = report_options(o1, o2, opts, pid, sizeof(pid));
	json_twice(mode, opts, nopts, o2 & 128 ? "--requests" : NULL, files, nfiles);
	if (o2 & 128)
		check_report();
	/* one other format per input */
	FAIL_IF(report(fmt, mode, !strcmp(fmt, "csv") ? csv : out, opts, nopts, NULL, files, nfiles),
		"report -f %s failed", fmt);
	/* gnuplot's files beside csv's: every bit of the options is taken */
	FAIL_IF(!strcmp(fmt, "csv") &&
		report("gnuplot", mode, csv, opts, nopts, NULL, files, nfiles),
		"report -f gnuplot failed");
	{
		char *argv[] = { "export", "-o", out, files[0], files[1], NULL };

		FAIL_IF(run(cmd_export, argv), "export failed");
	}
	{
		char *argv[] = { "info", files[0], files[1], NULL };

		FAIL_IF(run(cmd_info, argv), "info failed");
	}
	{
		char *argv[] = { "dump", "-f", o1 & 1 ? "jsonl" : "text", files[0], NULL };

		FAIL_IF(run(cmd_dump, argv), "dump failed");
	}
	return 0;
}
