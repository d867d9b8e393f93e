// SPDX-License-Identifier: MIT
/* `mslat export`: a trace as Chrome trace-event JSON (Perfetto, chrome://tracing), streamed. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis.h"
#include "categories.h"
#include "cli.h"
#include "correlate.h"
#include "file_order.h"
#include "html.h"
#include "log.h"
#include "trace_reader.h"

#define DEFAULT_MIN_DURATION_NS 100000ULL
#define MAX_PIDS 256
#define MSLAT_PID 0	/* a pseudo process for trace-wide events (losses) */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mslat export --format chrome-trace [OPTIONS] FILE... [-o OUT]\n\n"
		"Write traces as Chrome trace-event JSON, which opens in Perfetto's UI\n"
		"(ui.perfetto.dev, offline too) and in chrome://tracing: one track per thread,\n"
		"named from the trace's process records, a slice per syscall that took at\n"
		"least --min-duration (args: fd, fd_kind, ret), a slice per request found as\n"
		"`mslat report` finds them (an async track per connection; args: latency and\n"
		"time per category), an instant per loss record and marker. Times are\n"
		"microseconds from the earliest trace's start.\n"
		"The output is streamed: memory does not grow with the trace.\n\n"
		"Options:\n"
		"  -f, --format FMT        chrome-trace (the only one yet) [default: chrome-trace]\n"
		"  -o, --output FILE       where to write; - is stdout [default: -]\n"
		"  -d, --min-duration D    shortest syscall exported (250us, 1ms, 0 for all)\n"
		"                          [default: 100us]\n"
		"  -p, --pid LIST          only these processes (comma-separated, 256 at most) [default: all]\n"
		"  -c, --correlate MODE    conn, thread or marker, as in mslat report;\n"
		"                          none: no request slices [default: conn]\n"
		"  -v, --verbose           more messages\n"
		"  -q, --quiet             errors only\n"
		"  -h, --help              print this help and exit\n\n"
		"Examples:\n"
		"  mslat export --format chrome-trace run.mslat -o trace.json\n"
		"  mslat export -f chrome-trace -d 1ms --pid 4242 run-*.mslat -o slow.json\n\n"
		"Exit status: 0 ok, 1 unreadable trace or write error, 2 usage.\n");
}

/* The (pid, tid) pairs already named: grows with threads, never with events. */
struct tid_set {
	uint64_t *keys;
	size_t cap, cnt;
	bool has_max;	/* UINT64_MAX, the key that key + 1 would wrap to the empty mark */
};

/* 1 when KEY is new, 0 when it was there, or -ENOMEM. */
static int tid_set__add(struct tid_set *s, uint64_t key)
{
	size_t i;

	if (key == UINT64_MAX) {	/* pid and tid 0xffffffff (a hostile trace) */
		if (s->has_max)
			return 0;
		s->has_max = true;
		return 1;
	}
	key++;	/* 0 marks an empty slot */
	if (2 * (s->cnt + 1) > s->cap) {
		size_t ncap = s->cap ? 2 * s->cap : 256;
		uint64_t *nk = calloc(ncap, sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++) {
			size_t j;

			if (!s->keys[i])
				continue;
			for (j = (s->keys[i] * 0x9e3779b97f4a7c15ULL) >> 20 & (ncap - 1); nk[j];
			     j = (j + 1) & (ncap - 1))
				;
			nk[j] = s->keys[i];
		}
		free(s->keys);
		s->keys = nk;
		s->cap = ncap;
	}
	for (i = (key * 0x9e3779b97f4a7c15ULL) >> 20 & (s->cap - 1); s->keys[i];
	     i = (i + 1) & (s->cap - 1))
		if (s->keys[i] == key)
			return 0;
	s->keys[i] = key;
	s->cnt++;
	return 1;
}

struct exporter {
	FILE *f;
	uint64_t base_ns, min_ns;
	uint32_t pids[MAX_PIDS];
	int n_pids;
	bool first;		/* no event written yet: no comma before the next */
	struct tid_set named;	/* threads with a thread_name event */
	char *sc_json[1024];	/* syscall names of the current file, JSON-encoded */
	uint64_t written, requests;
	bool correlate;
	enum correlate_mode mode;
	struct strtab *names;
	struct correlator *corr;
	/*
	 * Per recording (the correlator's host): its boot's realtime offset, so
	 * that hosts line up by wall clock, and a base added to its pids, so
	 * that two hosts' pid 100 are two tracks. Boot k's pids are k * 10^7 on
	 * (pids stay below 2^22).
	 */
	struct rec_out {
		int64_t rt_off;
		uint32_t pid_base;
	} *recs;
	uint32_t rec;		/* the recording whose rows are being written */
	uint32_t *clock_rec;	/* a recording of each clock (the correlator's hosts: file_clocks) */
	int err;
};

#define HOST_PID_STRIDE 10000000u

/* S as a JSON string literal (malloc'd), whatever bytes S holds. */
static char *json_str(const char *s)
{
	char *clean = html__utf8_dup(s), *out = NULL;
	json_t *j;

	if (!clean)
		return NULL;
	j = json_string(clean);
	if (j)
		out = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	free(clean);
	return out;
}

static void put(struct exporter *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct exporter *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(x->f, fmt, ap) < 0 && !x->err)
		x->err = -EIO;
	va_end(ap);
}

/* T_NS of the recording being written as realtime (saturating: a hostile offset). */
static uint64_t realtime_of(const struct rec_out *r, uint64_t t_ns)
{
	uint64_t back = (uint64_t)0 - (uint64_t)r->rt_off;

	if (r->rt_off >= 0)
		return t_ns > UINT64_MAX - (uint64_t)r->rt_off ? UINT64_MAX : t_ns + (uint64_t)r->rt_off;
	return t_ns > back ? t_ns - back : 0;
}

/* PID of the recording being written, as a track of its host's. */
static uint32_t out_pid(const struct exporter *x, uint32_t pid)
{
	return pid == MSLAT_PID || !x->recs ? pid : pid + x->recs[x->rec].pid_base;
}

/* Start an event REL ns into the trace: the separator and the fields every event has. */
static void begin_at(struct exporter *x, const char *ph, uint64_t rel, uint32_t pid, uint32_t tid)
{
	put(x, "%s\n{\"ph\":\"%s\",\"ts\":%" PRIu64 ".%03u,\"pid\":%u,\"tid\":%u", x->first ? "" : ",",
	    ph, rel / 1000, (unsigned int)(rel % 1000), out_pid(x, pid), tid);
	x->first = false;
	x->written++;
}

/* An event at T_NS on the clock of the recording being written. */
static void begin_event(struct exporter *x, const char *ph, uint64_t t_ns, uint32_t pid,
			uint32_t tid)
{
	uint64_t t = x->recs ? realtime_of(&x->recs[x->rec], t_ns) : t_ns;

	begin_at(x, ph, t > x->base_ns ? t - x->base_ns : 0, pid, tid);
}

static void meta(struct exporter *x, const char *what, uint32_t pid, uint32_t tid, const char *arg,
		 const char *value)
{
	char *v = json_str(value);

	if (!v) {
		x->err = -ENOMEM;
		return;
	}
	begin_at(x, "M", 0, pid, tid);
	put(x, ",\"name\":\"%s\",\"args\":{\"%s\":%s}}", what, arg, v);
	free(v);
}

static bool pid_wanted(const struct exporter *x, uint32_t pid)
{
	if (!x->n_pids)
		return true;
	for (int i = 0; i < x->n_pids; i++)
		if (x->pids[i] == pid)
			return true;
	return false;
}

static void name_thread(struct exporter *x, uint32_t pid, uint32_t tid, const char *name)
{
	int added = tid_set__add(&x->named, (uint64_t)out_pid(x, pid) << 32 | tid);
	char buf[32];

	if (added < 0) {
		x->err = added;
		return;
	}
	if (!added && !name)
		return;
	if (!name) {
		snprintf(buf, sizeof(buf), "%s %u", pid == tid ? "main" : "thread", tid);
		name = buf;
	}
	meta(x, "thread_name", pid, tid, "name", name);
}

static void on_process(struct exporter *x, const Mslat__ProcessInfo *p)
{
	char *cmd = NULL;
	size_t len = 0;

	if (!pid_wanted(x, p->pid) || p->what == MSLAT__PROCESS_INFO__WHAT__EXIT)
		return;
	if (p->tid && p->thread_comm[0])
		name_thread(x, p->pid, p->tid, p->thread_comm);
	/* A FORK of a thread names only the thread. */
	if (p->what == MSLAT__PROCESS_INFO__WHAT__FORK && p->tid && p->tid != p->pid)
		return;
	if (p->comm[0] && x->recs && x->recs[x->rec].pid_base) {
		/* Another host's process: its track says so, and its real pid */
		char *name = NULL;

		if (asprintf(&name, "%s (pid %u, host %u)", p->comm, p->pid,
			     x->recs[x->rec].pid_base / HOST_PID_STRIDE) < 0) {
			x->err = -ENOMEM;
			return;
		}
		meta(x, "process_name", p->pid, 0, "name", name);
		free(name);
	} else if (p->comm[0]) {
		meta(x, "process_name", p->pid, 0, "name", p->comm);
	}
	for (size_t i = 0; i < p->n_cmdline; i++)
		len += strlen(p->cmdline[i]) + 1;
	if (len && (cmd = calloc(1, len))) {
		for (size_t i = 0; i < p->n_cmdline; i++) {
			if (i)
				strcat(cmd, " ");
			strcat(cmd, p->cmdline[i]);
		}
		meta(x, "process_labels", p->pid, 0, "labels", cmd);
		free(cmd);
	}
}

static const char *syscall_json(struct exporter *x, struct trace_reader *r, uint32_t nr)
{
	char buf[32];
	const char *name;

	if (nr >= sizeof(x->sc_json) / sizeof(x->sc_json[0]))
		return "\"syscall\"";
	if (!x->sc_json[nr]) {
		name = trace_reader__syscall_name(r, nr);
		if (!name) {
			snprintf(buf, sizeof(buf), "syscall_%u", nr);
			name = buf;
		}
		x->sc_json[nr] = json_str(name);
		if (!x->sc_json[nr])
			return "\"syscall\"";
	}
	return x->sc_json[nr];
}

static void on_event(struct exporter *x, struct trace_reader *r, const struct trace_event *ev)
{
	if (ev->duration_ns < x->min_ns || !pid_wanted(x, ev->pid))
		return;
	name_thread(x, ev->pid, ev->tid, NULL);
	begin_event(x, "X", ev->enter_ns, ev->pid, ev->tid);
	put(x, ",\"dur\":%" PRIu64 ".%03u,\"cat\":\"syscall\",\"name\":%s,\"args\":{\"ret\":%" PRId64,
	    ev->duration_ns / 1000, (unsigned int)(ev->duration_ns % 1000),
	    syscall_json(x, r, ev->syscall), ev->ret);
	if (ev->fd >= 0)
		put(x, ",\"fd\":%d,\"fd_kind\":\"%s\"", ev->fd, fd_kind__name(ev->fd_kind));
	put(x, "}}");
}

static void on_loss(struct exporter *x, const Mslat__Loss *l)
{
	static const char *const what[] = { "events", "sched", "arrivals", "process" };
	unsigned int w = (unsigned int)l->what;
	uint64_t end = x->recs ? realtime_of(&x->recs[x->rec], l->end_ns) : l->end_ns;

	begin_event(x, "i", l->start_ns, MSLAT_PID, 0);
	put(x, ",\"s\":\"g\",\"cat\":\"loss\",\"name\":\"lost %" PRIu64 " %s\",\"args\":{\"cpu\":%u,"
	       "\"count\":%" PRIu64 ",\"end_us\":%.3f}}",
	    l->count, w < 4 ? what[w] : "records", l->cpu, l->count,
	    end > x->base_ns ? (double)(end - x->base_ns) / 1e3 : 0.0);
}

static void on_marker(struct exporter *x, const Mslat__Marker *m)
{
	static const char *const kinds[] = { "begin", "end", "point" };
	char *name, what[24];

	if (!pid_wanted(x, m->pid))
		return;
	name = json_str(m->name[0] ? m->name : "marker");
	if (!name) {
		x->err = -ENOMEM;
		return;
	}
	name_thread(x, m->pid, m->tid, NULL);
	begin_event(x, "i", m->time_ns, m->pid, m->tid);
	put(x, ",\"s\":\"t\",\"cat\":\"marker\",\"name\":%s,\"args\":{\"id\":%" PRIu64
	       ",\"what\":\"%s\"}}", name, m->id,
	    (unsigned)m->what < 3 ? kinds[m->what] :
	    (snprintf(what, sizeof(what), "unknown(%d)", (int)m->what), what));
	free(name);
}

/* A request as a pair of async events on its connection's track (or its thread's). */
static void on_request(const struct request *rq, void *ctx)
{
	struct exporter *x = ctx;
	const char *name = rq->complete ? "request" : "incomplete request";
	uint32_t rec = x->rec;
	char id[64];

	if (x->err || !pid_wanted(x, rq->pid))
		return;
	x->rec = x->clock_rec[rq->host];	/* its host's clock and pids, whichever file is read */
	if (rq->fd >= 0)
		snprintf(id, sizeof(id), "conn %u:%d", rq->pid, rq->fd);
	else if (x->mode == CORRELATE_MARKER)
		snprintf(id, sizeof(id), "marker %u:%" PRIu64, rq->tid, rq->marker_id);
	else
		snprintf(id, sizeof(id), "thread %u", rq->tid);
	if (x->recs && x->recs[x->rec].pid_base)	/* ids are trace-wide: each host's apart */
		snprintf(id + strlen(id), sizeof(id) - strlen(id), " on host %u",
			 x->recs[x->rec].pid_base / HOST_PID_STRIDE);
	name_thread(x, rq->pid, rq->tid, NULL);
	begin_event(x, "b", rq->start_ns, rq->pid, rq->tid);
	put(x, ",\"cat\":\"request\",\"id\":\"%s\",\"name\":\"%s\",\"args\":{\"request\":%" PRIu64
	       ",\"latency_ns\":%" PRIu64, id, name, rq->id, rq->latency_ns);
	for (int i = 0; i < REQ_CAT__COUNT; i++)
		if (rq->cat_ns[i])
			put(x, ",\"%s_ns\":%" PRIu64, req_category__name((enum req_category)i),
			    rq->cat_ns[i]);
	put(x, ",\"user_ns\":%" PRIu64 ",\"shared_ns\":%" PRIu64 ",\"syscalls\":%" PRIu64
	       ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ",\"sends\":%u}}",
	    rq->user_ns, rq->shared_ns, rq->syscalls, rq->bytes_in, rq->bytes_out, rq->sends);
	begin_event(x, "e", rq->end_ns > rq->start_ns ? rq->end_ns : rq->start_ns, rq->pid, rq->tid);
	put(x, ",\"cat\":\"request\",\"id\":\"%s\",\"name\":\"%s\"}", id, name);
	x->requests++;
	x->rec = rec;
}

static int correlate_item(struct exporter *x, const struct sc_table *sc, uint32_t host,
			  const struct trace_item *it)
{
	switch (it->type) {
	case TRACE_ITEM_EVENT:
		return correlator__event(x->corr, host, &it->event,
					 sc_table__get(sc, it->event.syscall));
	case TRACE_ITEM_ARRIVAL:
		return correlator__arrival(x->corr, host, &it->arrival);
	case TRACE_ITEM_MARKER:
		return correlator__marker(x->corr, host, it->marker->what, it->marker->time_ns,
					  it->marker->pid, it->marker->tid, it->marker->id);
	default:
		return 0;
	}
}

static int export_one(struct exporter *x, struct trace_reader *r, uint32_t host)
{
	const Mslat__Header *h = trace_reader__header(r);
	struct sc_table *sc = NULL;
	uint64_t frame = UINT64_MAX;
	struct trace_item it;
	int ret;

	if (x->corr) {
		sc = sc_table__new(x->names, (const char *const *)h->syscall_names,
				   (uint32_t)h->n_syscall_names);
		if (!sc)
			return x->err = -ENOMEM;
	}

	for (size_t i = 0; i < sizeof(x->sc_json) / sizeof(x->sc_json[0]); i++) {
		free(x->sc_json[i]);	/* syscall tables differ between traces */
		x->sc_json[i] = NULL;
	}
	while ((ret = trace_reader__next(r, &it)) > 0 && !x->err) {
		if (sc) {
			if (it.frame_offset != frame) {
				if (frame != UINT64_MAX)
					correlator__frame_end(x->corr);
				frame = it.frame_offset;
			}
			if (correlate_item(x, sc, host, &it))
				x->err = -ENOMEM;
		}
		switch (it.type) {
		case TRACE_ITEM_EVENT:
			on_event(x, r, &it.event);
			break;
		case TRACE_ITEM_PROCESS:
			on_process(x, it.process);
			break;
		case TRACE_ITEM_LOSS:
			on_loss(x, it.loss);
			break;
		case TRACE_ITEM_MARKER:
			on_marker(x, it.marker);
			break;
		default:
			break;
		}
	}
	if (sc)
		correlator__frame_end(x->corr);
	sc_table__free(sc);
	return ret < 0 ? ret : x->err;
}

/*
 * Traces of one boot (rotated pieces of a recording) share a host: their
 * requests may span pieces. As mslat report groups them: by boot id, a
 * trace without one a host of its own.
 */
static int host_index(struct trace_reader **readers, int i)
{
	const char *boot = trace_reader__header(readers[i])->boot_id;

	for (int j = 0; j < i; j++)
		if (file_order__same_host(trace_reader__header(readers[j])->boot_id, boot))
			return j;	/* the first of its boot */
	return i;
}

static int start_correlation(struct exporter *x)
{
	struct correlator_opts co = { .mode = x->mode, .on_request = on_request, .ctx = x };

	x->names = strtab__new();
	x->corr = x->names ? correlator__new(&co) : NULL;
	if (!x->corr) {
		log_error("out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct exporter *x, const char **out)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "min-duration", required_argument, NULL, 'd' },
		{ "pid", required_argument, NULL, 'p' },
		{ "correlate", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "f:o:d:p:c:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "chrome-trace") && strcmp(optarg, "chrome"))
				return cli__usage_error("--format: '%s' is not chrome-trace", optarg);
			break;
		case 'o':
			if (!*optarg)
				return cli__usage_error("--output: an empty file name");
			*out = optarg;
			break;
		case 'd':
			if (cli__parse_duration_ns(optarg, &x->min_ns))
				return cli__usage_error("--min-duration: '%s' is not a duration", optarg);
			break;
		case 'p':
			x->n_pids = cli__parse_u32_list(optarg, x->pids, MAX_PIDS);
			if (x->n_pids == -E2BIG)
				return cli__usage_error("--pid: more than %d pids", MAX_PIDS);
			if (x->n_pids <= 0)
				return cli__usage_error("--pid: '%s' is not a list of pids", optarg);
			break;
		case 'c':
			if (!strcmp(optarg, "none")) {
				x->correlate = false;
			} else {
				int m = correlate_mode__parse(optarg);

				if (m < 0)
					return cli__usage_error("--correlate: '%s' is not conn, thread, "
								"marker or none", optarg);
				x->mode = (enum correlate_mode)m;
			}
			break;
		case 'v':
			cli__verbose();
			break;
		case 'q':
			cli__quiet();
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli__usage_error("unknown option");
		}
	}
	if (optind == argc)
		return cli__usage_error("no trace file given");
	return 0;
}

int cmd_export(int argc, char **argv)
{
	struct exporter x = { .min_ns = DEFAULT_MIN_DURATION_NS, .first = true, .base_ns = UINT64_MAX,
			      .correlate = true, .mode = CORRELATE_CONN };
	struct trace_reader_opts ropts = { .sz = sizeof(ropts) };
	struct trace_reader **readers;
	struct file_order *order;
	struct file_clocks clocks = { 0 };
	const char *out_path = NULL;
	int rc = EXIT_OK, n, i, err;

	err = parse_args(argc, argv, &x, &out_path);
	if (err)
		return err < 0 ? EXIT_OK : err;
	n = argc - optind;
	if (cli__distinct_files(argv + optind, n))
		return EXIT_USAGE;
	readers = calloc((size_t)n, sizeof(*readers));
	order = calloc((size_t)n, sizeof(*order));
	if (!readers || !order) {
		free(readers);
		free(order);
		log_error("out of memory");
		return EXIT_FAILURE_RT;
	}
	/* Open every trace first: the time origin is the earliest start. */
	ropts.arrivals_first = x.correlate;	/* the correlator's order (correlate.h) */
	for (i = 0; i < n; i++) {
		readers[i] = trace_reader__open(argv[optind + i], &ropts);
		if (!readers[i]) {
			rc = EXIT_FAILURE_RT;
			goto cleanup;
		}
	}
	if (x.correlate && start_correlation(&x)) {
		rc = EXIT_FAILURE_RT;
		goto cleanup;
	}
	x.f = cli__open_output(out_path);
	if (!x.f) {
		rc = EXIT_FAILURE_RT;
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		order[i] = (struct file_order){ .idx = i, .host = host_index(readers, i),
						.h = trace_reader__header(readers[i]) };
	file_order__sort(order, n);	/* as mslat report reads them */
	x.recs = calloc((size_t)n, sizeof(*x.recs));
	x.clock_rec = calloc((size_t)n, sizeof(*x.clock_rec));
	if (!x.recs || !x.clock_rec) {
		log_error("out of memory");
		rc = EXIT_FAILURE_RT;
		goto cleanup;
	}
	/* Hosts line up by wall clock; the time origin is the earliest start. */
	for (i = 0; i < n; i++) {
		static const uint32_t hosts_max = UINT32_MAX / HOST_PID_STRIDE - 1;
		uint32_t k = i && order[i].host != order[i - 1].host ?
			     x.recs[order[i - 1].recording].pid_base / HOST_PID_STRIDE + 1 :
			     i ? x.recs[order[i - 1].recording].pid_base / HOST_PID_STRIDE : 0;
		struct rec_out *r = &x.recs[order[i].recording];
		uint64_t start;

		if (k > hosts_max)
			k = hosts_max;	/* hostile: hundreds of boots share the last pid range */
		/* One clock per boot: the offset its first piece gives */
		*r = (struct rec_out){ .rt_off = i && order[i].host == order[i - 1].host ?
				       x.recs[order[i - 1].recording].rt_off :
				       order[i].h->mono_to_realtime_ns,
				       .pid_base = k * HOST_PID_STRIDE };
		start = realtime_of(r, order[i].h->start_ns);
		if (start < x.base_ns)
			x.base_ns = start;
	}
	put(&x, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"mslat %s\"},"
		"\"traceEvents\":[", MSLAT_VERSION);
	meta(&x, "process_name", MSLAT_PID, 0, "name", "mslat (trace-wide)");
	for (i = 0; i < n && !x.err; i++) {
		struct trace_reader_stats st;
		/* Recordings of one boot at the same time each on a clock of their own, as report */
		int clock = file_clocks__of(&clocks, order, i);

		if (clock < 0) {
			x.err = clock;
			break;
		}
		x.rec = (uint32_t)order[i].recording;
		x.clock_rec[clock] = x.rec;
		err = export_one(&x, readers[order[i].idx], (uint32_t)clock);
		if (err && err != x.err)
			rc = EXIT_FAILURE_RT;	/* the reader logged it; the JSON is still closed */
		trace_reader__stats(readers[order[i].idx], &st);
		file_clocks__end(&clocks, clock, st.max_ns);
	}
	if (x.corr && !x.err)
		correlator__finish(x.corr);	/* the requests still open, through on_request */
	put(&x, "\n]}\n");
	if (x.err == -ENOMEM)
		log_error("out of memory");
	if (cli__close_output(x.f, out_path) || x.err)
		rc = EXIT_FAILURE_RT;
	else
		log_info("%" PRIu64 " trace events written, %" PRIu64 " requests", x.written,
			 x.requests);
cleanup:
	free(x.recs);
	free(x.clock_rec);
	file_clocks__free(&clocks);
	correlator__free(x.corr);
	strtab__free(x.names);
	for (i = 0; i < n; i++)
		trace_reader__close(readers[i]);
	for (i = 0; i < (int)(sizeof(x.sc_json) / sizeof(x.sc_json[0])); i++)
		free(x.sc_json[i]);
	free(x.named.keys);
	free(readers);
	free(order);
	return rc;
}
