// SPDX-License-Identifier: MIT
/* `mslat report`: requests, where their time goes, and the slowest ones, as text or JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis.h"
#include "cli.h"
#include "json_out.h"
#include "log.h"
#include "outputs.h"

#define MAX_PIDS 256

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mslat report [OPTIONS] FILE...\n\n"
		"Find the requests a server handled in one or more traces (rotated pieces,\n"
		"or traces of several hosts, analysed together) and show where their time\n"
		"went: latency percentiles, time per category (net, file, sync, device, mem,\n"
		"sleep, process, other; queue from arrival records; idle apart), the slow\n"
		"requests against typical ones, top syscalls, processes and threads, a time\n"
		"series, and the slowest requests with their syscall sequences.\n\n"
		"Options:\n"
		"  -f, --format FMT         text, json, html (one self-contained page), csv or\n"
		"                           gnuplot (files in the -o directory) [default: text]\n"
		"  -o, --output PATH        the report's file, or directory for csv and gnuplot\n"
		"                           [default: stdout]\n"
		"  -c, --correlate MODE     conn (turn-taking per connection), thread (one\n"
		"                           request per thread) or marker [default: conn]\n"
		"  -p, --pid PID[,PID...]   only these processes (256 at most) [default: all]\n"
		"      --since T            skip what ended before T into the trace (e.g. 2s)\n"
		"      --until T            skip what began after T into the trace\n"
		"      --request-timeout D  close a request after D without activity\n"
		"                           [default: 60s]\n"
		"      --burst-gap D        a pause longer than D between sends starts a new\n"
		"                           burst [default: 1ms]\n"
		"      --headers-first      each response's first burst is its headers (a\n"
		"                           streaming server that sends them before the first\n"
		"                           token): first byte, bursts and gaps from the second\n"
		"      --min-request-bytes N  a receive of fewer bytes during a response is a\n"
		"                           client's protocol frame (gRPC WINDOW_UPDATE: 26),\n"
		"                           not a request [default: 0, every receive]\n"
		"      --interval D         time-series interval, doubled beyond 960 points\n"
		"                           [default: from the length, <= 120 points]\n"
		"  -n, --top N              slowest requests to show [default: 10]\n"
		"      --requests           JSON: list every request (\"requests_list\")\n"
		"      --color WHEN         auto, always or never; NO_COLOR is honoured\n"
		"                           [default: auto]\n"
		"  -v, --verbose            more messages (-vv: debug)\n"
		"  -q, --quiet              errors only\n"
		"  -h, --help               print this help and exit\n\n"
		"Examples:\n"
		"  mslat report run.mslat                     # where does request time go?\n"
		"  mslat report --top 3 -p 4242 run.mslat     # one process, 3 slowest requests\n"
		"  mslat report --correlate thread run.mslat  # a thread-per-request server\n"
		"  mslat report -f json -o r.json run-*.mslat # all pieces of a rotated trace\n"
		"  mslat report -f html -o r.html run.mslat   # one file to attach to a bug\n"
		"  mslat report --since 10s --until 40s run.mslat  # skip warm-up, shutdown\n\n"
		"Exit status: 0 ok, 1 unreadable or corrupt trace or failed write, 2 usage.\n");
}

enum {
	OPT_SINCE = 256,
	OPT_UNTIL,
	OPT_TIMEOUT,
	OPT_BURST_GAP,
	OPT_HEADERS_FIRST,
	OPT_MIN_REQUEST_BYTES,
	OPT_INTERVAL,
	OPT_REQUESTS,
	OPT_COLOR,
};

enum format { FMT_TEXT, FMT_JSON, FMT_HTML, FMT_CSV, FMT_GNUPLOT, FMT__COUNT };
static const char *const format_names[FMT__COUNT] = { "text", "json", "html", "csv", "gnuplot" };

struct report_args {
	struct analysis_opts ao;
	uint32_t pids[MAX_PIDS];
	const char *output;
	enum format format;
	bool list;
	enum color_mode color;
};

static int parse_duration(const char *opt, const char *arg, uint64_t *ns, bool nonzero)
{
	if (cli__parse_duration_ns(arg, ns) || (nonzero && !*ns))
		return cli__usage_error("invalid %s '%s' (e.g. 250ms, 2s)", opt, arg);
	return 0;
}

static int parse_args(int argc, char **argv, struct report_args *ra)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "correlate", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "request-timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "burst-gap", required_argument, NULL, OPT_BURST_GAP },
		{ "headers-first", no_argument, NULL, OPT_HEADERS_FIRST },
		{ "min-request-bytes", required_argument, NULL, OPT_MIN_REQUEST_BYTES },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "top", required_argument, NULL, 'n' },
		{ "requests", no_argument, NULL, OPT_REQUESTS },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct analysis_opts *ao = &ra->ao;
	char *end;
	long v;
	int c, n;

	while ((c = getopt_long(argc, argv, "f:o:c:p:n:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			for (n = 0; n < FMT__COUNT; n++)
				if (!strcmp(optarg, format_names[n]))
					break;
			if (n == FMT__COUNT)
				return cli__usage_error("unknown format '%s' (text, json, html, csv or gnuplot)",
							optarg);
			ra->format = n;
			break;
		case 'o':
			if (!*optarg)
				return cli__usage_error("--output: an empty file name");
			ra->output = optarg;
			break;
		case 'c':
			n = correlate_mode__parse(optarg);
			if (n < 0)
				return cli__usage_error("unknown correlation '%s' (conn, thread or marker)",
							optarg);
			ao->mode = n;
			break;
		case 'p':
			n = cli__parse_u32_list(optarg, ra->pids, MAX_PIDS);
			if (n == -E2BIG)
				return cli__usage_error("--pid: more than %d pids", MAX_PIDS);
			if (n <= 0)
				return cli__usage_error("invalid --pid '%s' (e.g. 4242 or 4242,4243)", optarg);
			ao->pids = ra->pids;
			ao->npids = n;
			break;
		case OPT_SINCE:
			if (parse_duration("--since", optarg, &ao->since_ns, false))
				return EXIT_USAGE;
			break;
		case OPT_UNTIL:
			if (parse_duration("--until", optarg, &ao->until_ns, true))
				return EXIT_USAGE;
			break;
		case OPT_TIMEOUT:
			if (parse_duration("--request-timeout", optarg, &ao->request_timeout_ns, true))
				return EXIT_USAGE;
			break;
		case OPT_BURST_GAP:
			if (parse_duration("--burst-gap", optarg, &ao->burst_gap_ns, true))
				return EXIT_USAGE;
			break;
		case OPT_HEADERS_FIRST:
			ao->headers_first = true;
			break;
		case OPT_MIN_REQUEST_BYTES:
			if (cli__parse_u32_list(optarg, &ao->min_request_bytes, 1) != 1 ||
			    ao->min_request_bytes > 65536)
				return cli__usage_error("--min-request-bytes: '%s' is not a number of bytes "
							"from 0 to 65536", optarg);
			break;
		case OPT_INTERVAL:
			if (parse_duration("--interval", optarg, &ao->interval_ns, true))
				return EXIT_USAGE;
			if (ao->interval_ns < 1000000)
				return cli__usage_error("--interval must be at least 1ms");
			break;
		case 'n':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > 10000)
				return cli__usage_error("invalid --top '%s' (1 to 10000)", optarg);
			ao->top_n = (uint32_t)v;
			break;
		case OPT_REQUESTS:
			ra->list = true;
			break;
		case OPT_COLOR:
			if (cli__parse_color(optarg, &ra->color))
				return cli__usage_error("invalid --color '%s' (auto, always or never)", optarg);
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
			return cli__bad_option(argv);
		}
	}
	if (optind >= argc)
		return cli__usage_error("no trace given");
	if (ao->until_ns && ao->until_ns <= ao->since_ns)
		return cli__usage_error("--until must be later than --since");
	if (ra->list && ra->format != FMT_JSON)
		return cli__usage_error("--requests needs --format json");
	if ((ra->format == FMT_CSV || ra->format == FMT_GNUPLOT) &&
	    (!ra->output || !strcmp(ra->output, "-")))
		return cli__usage_error("--format %s writes several files: give -o DIR",
					format_names[ra->format]);
	return 0;
}

/* Every request, as structs: a JSON object each would take 20 times the memory. */
struct collect {
	struct request *r;
	size_t n, cap;
	bool oom;
};

static void collect_request(const struct request *req, void *ctx)
{
	struct collect *c = ctx;

	if (c->oom)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		struct request *r = cap < SIZE_MAX / sizeof(*r) ? realloc(c->r, cap * sizeof(*r)) : NULL;

		if (!r) {
			c->oom = true;
			return;
		}
		c->r = r;
		c->cap = cap;
	}
	c->r[c->n] = *req;
	c->r[c->n].steps = NULL;	/* valid during the callback only; not listed */
	c->r[c->n].nsteps = 0;
	c->n++;
}

/* Requests in a stable order: by host, start, pid, fd, tid, id. */
static int cmp_req(const void *x, const void *y)
{
	const struct request *a = x, *b = y;

	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->fd != b->fd)
		return a->fd < b->fd ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

int cmd_report(int argc, char **argv)
{
	struct report_args ra = { .ao = { .sz = sizeof(struct analysis_opts) } };
	struct collect col = { 0 };
	struct out_csv *csv = NULL;
	struct analysis *a = NULL;
	FILE *out = NULL;
	int rc, err;

	rc = parse_args(argc, argv, &ra);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (cli__distinct_files(argv + optind, argc - optind))
		return EXIT_USAGE;
	if (ra.list) {
		ra.ao.on_request = collect_request;
		ra.ao.ctx = &col;
	} else if (ra.format == FMT_CSV) {
		/* requests.csv is written while the analysis runs: every request, none kept. */
		csv = out_csv__open(ra.output);
		if (!csv)
			return EXIT_FAILURE_RT;
		ra.ao.on_request = out_csv__on_request;
		ra.ao.ctx = csv;
	}
	a = analysis__run(argv + optind, argc - optind, &ra.ao);
	if (!a) {
		rc = EXIT_FAILURE_RT;
		goto out;
	}
	if (col.oom) {
		log_error("out of memory: --requests keeps every request (%zu so far)", col.n);
		rc = EXIT_FAILURE_RT;
		goto out;
	}
	if (col.n)
		qsort(col.r, col.n, sizeof(*col.r), cmp_req);
	if (a->trace.lost)
		log_warn("%llu events were lost while recording: requests around them may be missing "
			 "or merged", (unsigned long long)a->trace.lost);
	if (ra.format == FMT_CSV || ra.format == FMT_GNUPLOT) {
		/* Those renderers log their own errors, naming the file. */
		if (ra.format == FMT_CSV) {
			err = out_csv__close(csv, a);
			csv = NULL;
		} else {
			err = out_gnuplot__write(a, ra.output);
		}
		rc = err ? EXIT_FAILURE_RT : EXIT_OK;
		goto out;
	}
	out = cli__open_output(ra.output);
	if (!out) {
		rc = EXIT_FAILURE_RT;
		goto out;
	}
	if (ra.format == FMT_JSON)
		err = out_json__report(out, a, ra.list, col.r, col.n);
	else if (ra.format == FMT_HTML)
		err = out_html__write(a, out);
	else
		err = out_text__report(out, a, cli__use_color(ra.color, out));
	if (out != stdout) {
		int cerr = cli__close_output(out, ra.output);	/* logs its own error */

		if (cerr) {
			rc = EXIT_FAILURE_RT;
			goto out;
		}
	}
	/* stdout: closed by main, which says why the stream failed (ENOSPC, not just EIO). */
	if (err && out == stdout && err == -EIO) {
		rc = EXIT_FAILURE_RT;
		goto out;
	}
	if (err) {
		log_error("cannot write the report to '%s': %s",
			  out != stdout ? ra.output : "(stdout)", strerror(-err));
		rc = EXIT_FAILURE_RT;
		goto out;
	}
	rc = EXIT_OK;
out:
	if (csv)
		out_csv__close(csv, NULL);
	free(col.r);
	analysis__free(a);
	return rc;
}
