// SPDX-License-Identifier: MIT
/* `report --format html`: one self-contained page (inline CSS and SVG, no script) of an analysis. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "html.h"
#include "outputs.h"
#include "trace_reader.h"
#include "units.h"

#define TOP_SYSCALLS 15
#define CHART_W 960
#define BINS_PER_DECADE 10

struct page {
	FILE *f;
	const struct analysis *a;
	int err;
};

static void w(struct page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void w(struct page *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(p->f, fmt, ap) < 0 && !p->err)
		p->err = -EIO;
	va_end(ap);
}

/* Untrusted text, escaped. */
static void t(struct page *p, const char *s)
{
	if (html__escape(p->f, s) && !p->err)
		p->err = -EIO;
}

static void chart_done(struct page *p, struct svg_chart *c)
{
	if (svg__end(c) && !p->err)
		p->err = -EIO;
}

static const char *dur(char *buf, uint64_t ns)
{
	return units__duration(buf, ns);
}

/* A duration computed in doubles (a chart's bin edge, a mean): cast saturated. */
static const char *dur_d(char *buf, double ns)
{
	return units__duration(buf, units__u64_of(ns));
}

/* "–" for a statistic with no samples. */
static const char *q_dur(char *buf, const struct histogram *h, double q)
{
	uint64_t v;

	if (!histogram__quantile(h, q, &v))
		return "–";
	return dur(buf, v);
}

static const char *mean_dur(char *buf, const struct histogram *h)
{
	uint64_t v;

	if (!histogram__mean(h, &v))
		return "–";
	return dur(buf, v);
}

/* --- the targets, from the files' headers -------------------------------- */

char *outputs__join(char *const *argv, size_t argc)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (size_t i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static void free_argv(struct output_target *t)
{
	for (size_t j = 0; j < t->argc; j++)
		free(t->argv[j]);
	free(t->argv);
}

void outputs__free_targets(struct output_target *t, size_t n)
{
	if (!t)
		return;
	for (size_t i = 0; i < n; i++)
		free_argv(&t[i]);
	free(t);
}

#define TARGETS_SHOWN 100	/* in the page; the CSV has every process's command line */

/* Appended (grown by doubling: a header may name 200,000 targets); duplicates go after sorting. */
static int add_target(struct output_target **out, size_t *n, size_t *cap, uint32_t host,
		      const Mslat__Target *tg)
{
	struct output_target *nt, *e;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;

		nt = realloc(*out, c * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		*out = nt;
		*cap = c;
	}
	e = &(*out)[*n];
	memset(e, 0, sizeof(*e));
	e->host = host;
	e->pid = tg->pid;
	e->seq = *n;
	e->argv = calloc(tg->n_argv + 1, sizeof(char *));
	if (!e->argv)
		return -ENOMEM;
	(*n)++;
	for (size_t j = 0; j < tg->n_argv; j++) {
		e->argv[j] = strdup(tg->argv[j]);
		if (!e->argv[j])
			return -ENOMEM;
		e->argc++;
	}
	return 0;
}

static int cmp_target(const void *x, const void *y)
{
	const struct output_target *a = x, *b = y;

	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorted by (host, pid), the first of each kept: rotated pieces repeat their targets. */
static size_t sort_unique(struct output_target *t, size_t n)
{
	size_t k = 0;

	if (n < 2)
		return n;	/* and no qsort of NULL when there are none */
	qsort(t, n, sizeof(*t), cmp_target);
	for (size_t i = 0; i < n; i++) {
		if (k && t[k - 1].host == t[i].host && t[k - 1].pid == t[i].pid) {
			free_argv(&t[i]);
			continue;
		}
		t[k++] = t[i];
	}
	return k;
}

const struct output_target *outputs__target_of(const struct output_target *t, size_t n,
					       uint32_t host, uint32_t pid)
{
	struct output_target key = { .host = host, .pid = pid };
	size_t lo = 0, hi = n;

	while (lo < hi) {	/* the first not below (host, pid) */
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].host < key.host || (t[mid].host == key.host && t[mid].pid < key.pid))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && t[lo].host == host && t[lo].pid == pid ? &t[lo] : NULL;
}

int outputs__targets(const struct analysis *a, struct output_target **out, size_t *n)
{
	size_t cap = 0;
	int err = 0;

	*out = NULL;
	*n = 0;
	for (int i = 0; i < a->trace.nfiles && !err; i++) {
		struct trace_reader *r = trace_reader__open(a->trace.files[i], NULL);
		const Mslat__Header *h;

		if (!r)
			continue;
		h = trace_reader__header(r);
		for (size_t j = 0; j < h->n_targets && !err; j++)
			err = add_target(out, n, &cap, (uint32_t)a->trace.file_hosts[i], h->targets[j]);
		trace_reader__close(r);
	}
	if (!err)
		*n = sort_unique(*out, *n);
	if (err) {
		outputs__free_targets(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return err;
}

/* --- page frame ------------------------------------------------------------ */

static const char CSS[] =
	":root{--fg:#1d2330;--muted:#5b6478;--line:#e3e6ec;--bg:#f6f7f9;--card:#fff;"
	"--accent:#2f6fdf;--warn:#c77700;--bad:#c62828}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:var(--bg);color:var(--fg);"
	"font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\n"
	"header.top{background:#1d2330;color:#fff;padding:20px 32px}\n"
	"header.top h1{margin:0;font-size:22px;font-weight:600}\n"
	"header.top p{margin:4px 0 0;color:#b9c0cf}\n"
	"nav{background:#262d3d;padding:6px 32px}nav a{color:#cfd6e4;margin-right:18px;"
	"text-decoration:none;font-size:13px}nav a:hover{color:#fff}\n"
	"main{max-width:1040px;margin:0 auto;padding:16px 24px 48px}\n"
	"section{background:var(--card);border:1px solid var(--line);border-radius:8px;"
	"padding:18px 22px;margin:18px 0}\n"
	"h2{font-size:18px;margin:0 0 4px}h3{font-size:15px;margin:18px 0 6px}\n"
	"p.note,.muted{color:var(--muted)}p.note{margin:2px 0 12px;font-size:13px}\n"
	".cards{display:flex;flex-wrap:wrap;gap:12px;margin:6px 0 0}\n"
	".card{flex:1 1 110px;border:1px solid var(--line);border-radius:6px;padding:10px 14px}\n"
	".card .v{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}\n"
	".card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}\n"
	".card.warn{border-color:var(--warn)}.card.warn .v{color:var(--warn)}\n"
	"table{border-collapse:collapse;width:100%;margin:6px 0;font-size:13px}\n"
	"th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
	"th{color:var(--muted);font-weight:600;font-size:12px;background:#fafbfc}\n"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"table.kv th{width:160px;background:none}\n"
	"code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;"
	"white-space:pre-wrap;word-break:break-all}\n"
	".badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;"
	"font-weight:600;color:#fff}\n"
	".sev0{background:#5b6478}.sev1{background:var(--warn)}.sev2{background:var(--bad)}\n"
	".ok{color:#2e7d32;font-weight:600}.bad{color:var(--bad);font-weight:600}\n"
	"svg.chart{width:100%;height:auto;display:block;margin:4px 0 8px}\n"
	"svg text{font-size:11px;fill:#5b6478;font-family:system-ui,-apple-system,'Segoe UI',Roboto,"
	"Arial,sans-serif}\n"
	"svg .title{font-size:12px;fill:#1d2330}\n"
	"svg .grid{stroke:#e6e8ee;stroke-width:1}svg .grid.minor{stroke:#f1f2f5}\n"
	"svg .base{stroke:#9aa3b5;stroke-width:1}\n"
	"svg .bar{fill:#5b8def}svg .bar:hover{fill:#2f6fdf}\n"
	"svg .line{stroke:#2f6fdf;stroke-width:2}svg .line2{stroke:#e4572e;stroke-width:2}\n"
	"svg .area{fill:#5b8def;fill-opacity:.25;stroke:#2f6fdf;stroke-width:1.5}\n"
	"svg .marker line{stroke:#1d2330;stroke-dasharray:4 3;stroke-width:1}\n"
	"svg .marker text{fill:#1d2330;font-weight:600}\n"
	"svg .m99 line{stroke:#c62828}svg .m99 text{fill:#c62828}\n"
	"svg .m90 line{stroke:#c77700}svg .m90 text{fill:#c77700}\n"
	"svg .lane{fill:#f6f7f9}svg .lanelabel{font-size:11px;fill:#1d2330}\n"
	"svg .dot{fill:#e4572e}\n"
	".c-net{fill:#4e79a7;background:#4e79a7}.c-file{fill:#f28e2b;background:#f28e2b}"
	".c-sync{fill:#e15759;background:#e15759}.c-device{fill:#76b7b2;background:#76b7b2}"
	".c-mem{fill:#59a14f;background:#59a14f}.c-sleep{fill:#edc948;background:#edc948}"
	".c-process{fill:#b07aa1;background:#b07aa1}.c-other{fill:#9c755f;background:#9c755f}"
	".c-idle{fill:#bab0ac;background:#bab0ac}.c-queue{fill:#ff9da7;background:#ff9da7}"
	".c-unsent{fill:#d37295;background:#d37295}"
	".c-user{fill:#c9d3e6;background:#c9d3e6}.c-shared{fill:#8d99ae;background:#8d99ae}\n"
	".sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;"
	"vertical-align:-1px}\n"
	".req{border-top:1px solid var(--line);padding-top:10px;margin-top:14px}\n"
	".req h3{margin:0 0 4px}\n"
	"footer{color:var(--muted);font-size:12px;text-align:center;margin:24px 0}\n"
	"@media print{body{background:#fff}nav{display:none}section{break-inside:avoid}}\n";

static void page_begin(struct page *p)
{
	const struct analysis *a = p->a;
	const char *host = a->trace.nhosts ? a->trace.hosts[0].hostname : NULL;
	char b1[UNITS_BUF], b2[UNITS_BUF], b3[UNITS_BUF];

	w(p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	     /* no script, no network: even a bug in escaping cannot run or fetch anything */
	     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	     "style-src 'unsafe-inline'; img-src data:\">\n"
	     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	     "<meta name=\"generator\" content=\"mslat %s\">\n<title>mslat report: ", MSLAT_VERSION);
	t(p, host && host[0] ? host : "trace");
	w(p, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header class=\"top\"><h1>"
	     "Request latency report", CSS);
	if (host && host[0]) {
		w(p, " &middot; ");
		t(p, host);
		if (a->trace.nhosts > 1)
			w(p, " and %d more hosts", a->trace.nhosts - 1);
	}
	w(p, "</h1><p>%s of recording, %" PRIu64 " requests, p50 %s, p99 %s &middot; mslat %s</p>"
	     "</header>\n", dur(b1, a->trace.duration_ns), a->req.count,
	  q_dur(b2, &a->req.latency, 0.5), q_dur(b3, &a->req.latency, 0.99), MSLAT_VERSION);
	w(p, "<nav><a href=\"#trace\">Trace</a><a href=\"#latency\">Latency</a>"
	     "<a href=\"#time\">Over time</a><a href=\"#breakdown\">Where the time goes</a>"
	     "<a href=\"#syscalls\">Syscalls</a><a href=\"#findings\">Findings</a>"
	     "<a href=\"#slowest\">Slowest requests</a><a href=\"#processes\">Processes</a></nav>\n"
	     "<main>\n");
}

static void page_end(struct page *p)
{
	w(p, "</main>\n<footer>Generated by mslat %s. Times are from the recording host's "
	     "monotonic clock; latencies are server-side, from the first byte read (or, with arrival "
	     "records, received) to the last byte written. This page is self-contained: it loads "
	     "nothing and runs no script.</footer>\n</body>\n</html>\n", MSLAT_VERSION);
}

/* --- the trace ----------------------------------------------------------- */

static void card(struct page *p, const char *k, const char *v, bool warn)
{
	w(p, "<div class=\"card%s\"><div class=\"v\">%s</div><div class=\"k\">%s</div></div>",
	  warn ? " warn" : "", v, k);
}

static void summary_cards(struct page *p)
{
	const struct analysis *a = p->a;
	char b[UNITS_BUF], v[64];

	w(p, "<div class=\"cards\">");
	card(p, "requests", units__count(b, a->req.count), false);
	card(p, "p50 latency", q_dur(b, &a->req.latency, 0.5), false);
	card(p, "p99 latency", q_dur(b, &a->req.latency, 0.99), false);
	card(p, "max latency", q_dur(b, &a->req.latency, 1.0), false);
	if (analysis__span_ns(a)) {
		snprintf(v, sizeof(v), "%.1f/s", (double)a->req.count * 1e9 / (double)analysis__span_ns(a));
		card(p, "throughput", v, false);
	}
	card(p, "incomplete", units__count(b, a->req.incomplete), a->req.incomplete > 0);
	card(p, "lost events", units__count(b, a->trace.lost), a->trace.lost > 0);
	w(p, "</div>\n");
}

static void trace_section(struct page *p, const struct output_target *tg, size_t ntg)
{
	const struct analysis *a = p->a;
	const struct analysis_trace *tr = &a->trace;
	char b1[UNITS_BUF], b2[UNITS_BUF];
	static const char *const modes[] = { "connection turn-taking", "one request per thread",
					     "markers" };

	w(p, "<section id=\"trace\"><h2>The trace</h2>\n");
	summary_cards(p);
	w(p, "<table class=\"kv\">");
	for (int i = 0; i < tr->nhosts; i++) {
		const struct analysis_host *h = &tr->hosts[i];

		w(p, "<tr><th>host</th><td><b>");
		t(p, h->hostname);
		w(p, "</b>, kernel ");
		t(p, h->kernel_release);
		w(p, ", ");
		t(p, h->arch);
		w(p, ", %u CPUs", h->cpu_count);
		if (h->mono_to_realtime_ns)
			w(p, ", started %s",	/* it says UTC */
			  units__wallclock(b1, h->start_ns + (uint64_t)h->mono_to_realtime_ns));
		w(p, "</td></tr>\n");
	}
	for (size_t i = 0; i < ntg && i < TARGETS_SHOWN; i++) {
		w(p, "<tr><th>target</th><td>pid %u", tg[i].pid);
		if (tr->nhosts > 1)
			w(p, " on host %u", tg[i].host);
		w(p, ": <code>");
		for (size_t j = 0; j < tg[i].argc; j++) {
			if (j)
				w(p, " ");
			t(p, tg[i].argv[j]);
		}
		w(p, "</code></td></tr>\n");
	}
	if (ntg > TARGETS_SHOWN)
		w(p, "<tr><th></th><td>and %zu more targets</td></tr>\n", ntg - TARGETS_SHOWN);
	w(p, "<tr><th>files</th><td>");
	for (int i = 0; i < tr->nfiles; i++) {
		w(p, "%s<code>", i ? ", " : "");
		t(p, tr->files[i]);
		w(p, "</code>");
	}
	w(p, "</td></tr>\n<tr><th>duration</th><td>%s</td></tr>\n", dur(b1, tr->duration_ns));
	w(p, "<tr><th>events</th><td>%" PRIu64 " syscalls (%" PRIu64 " analysed), %" PRIu64
	     " scheduler, %" PRIu64 " arrivals, %" PRIu64 " markers, %" PRIu64 " process records"
	     "</td></tr>\n", tr->events, tr->events_analysed, tr->sched, tr->arrivals, tr->markers,
	  tr->processes);
	w(p, "<tr><th>losses</th><td>%s%" PRIu64 " events lost in %" PRIu64 " loss records%s</td></tr>\n",
	  tr->lost ? "<span class=\"bad\">" : "<span class=\"ok\">", tr->lost, tr->losses,
	  tr->lost ? ": requests around them may be missing or wrong</span>" : "</span>");
	w(p, "<tr><th>integrity</th><td>%s", tr->truncated ?
	  "<span class=\"bad\">truncated</span>: a file ends early (the recorder was killed?); "
	  "everything before the cut is analysed" : "<span class=\"ok\">complete</span>");
	if (tr->corrupt_frames)
		w(p, ", <span class=\"bad\">%" PRIu64 " corrupt frames skipped</span>", tr->corrupt_frames);
	w(p, "</td></tr>\n<tr><th>requests found by</th><td>%s; %" PRIu64 " complete, %" PRIu64
	     " incomplete, %" PRIu64 " timed out; %s received, %s sent</td></tr>\n",
	  (unsigned int)tr->mode < 3 ? modes[tr->mode] : "?", a->req.count, a->req.incomplete,
	  a->req.timed_out, units__bytes(b1, a->req.bytes_in), units__bytes(b2, a->req.bytes_out));
	w(p, "</table></section>\n");
}

/* --- latency distribution ------------------------------------------------- */

static void pct_markers(struct svg_chart *c, const struct histogram *h)
{
	static const struct { double q; const char *name, *cls; } m[] = {
		{ 0.5, "p50", "marker" }, { 0.9, "p90", "marker m90" }, { 0.99, "p99", "marker m99" },
	};
	char label[64], b[UNITS_BUF];
	double last_px = -1e9;
	int row = 0;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		uint64_t v;
		double px;

		if (!histogram__quantile(h, m[i].q, &v))
			continue;
		px = svg__px_x(c, (double)v);
		row = px - last_px < 80 ? row + 1 : 0;	/* stagger labels that would collide */
		last_px = px;
		snprintf(label, sizeof(label), "%s %s", m[i].name, dur(b, v));
		svg__vmarker(c, (double)v, label, m[i].cls, row);
	}
}

/* Re-bin H into BINS_PER_DECADE log bins between the axis's decades; returns the max bin. */
static double log_bins(const struct histogram *h, double lo, double *bins, size_t nbins)
{
	double max = 0;

	memset(bins, 0, nbins * sizeof(*bins));
	for (unsigned int b = 0; b < HIST_BUCKETS; b++) {
		uint64_t n = outputs__bucket_count(h, b);
		double mid;
		long k;

		if (!n)
			continue;
		mid = ((double)histogram__bucket_low(b) + (double)histogram__bucket_high(b)) / 2;
		k = mid <= lo ? 0 : (long)floor(log10(mid / lo) * BINS_PER_DECADE);
		if (k >= (long)nbins)
			k = (long)nbins - 1;
		bins[k] += (double)n;
		if (bins[k] > max)
			max = bins[k];
	}
	return max;
}

static void latency_histogram(struct page *p, const struct histogram *h)
{
	struct svg_chart c;
	double bins[20 * BINS_PER_DECADE], max, lo;
	size_t nbins;
	char tip[128], b1[UNITS_BUF], b2[UNITS_BUF];

	svg__init(&c, p->f, CHART_W, 290);
	c.margin_top = 48;	/* room for three staggered percentile labels */
	svg__axis(&c, 'x', SVG_LOG, (double)(h->min ? h->min : 1), (double)h->max + 1,
		  html__label_duration);
	lo = c.x.lo;
	nbins = (size_t)llround(log10(c.x.hi / c.x.lo)) * BINS_PER_DECADE;
	if (nbins > sizeof(bins) / sizeof(bins[0]))
		nbins = sizeof(bins) / sizeof(bins[0]);
	max = log_bins(h, lo, bins, nbins);
	svg__axis(&c, 'y', SVG_LINEAR, 0, max * 1.1, html__label_count);
	svg__begin(&c, "Request latency histogram");
	svg__axes(&c, "request latency (log scale)", "requests");
	for (size_t k = 0; k < nbins; k++) {
		double x0 = lo * pow(10, (double)k / BINS_PER_DECADE);
		double x1 = lo * pow(10, (double)(k + 1) / BINS_PER_DECADE);

		if (!bins[k])
			continue;
		snprintf(tip, sizeof(tip), "%.0f requests between %s and %s", bins[k],
			 dur_d(b1, x0), dur_d(b2, x1));
		svg__bar(&c, x0 * 1.01, x1 / 1.01, 0, bins[k], "bar", tip);
	}
	pct_markers(&c, h);
	chart_done(p, &c);
}

static void latency_cdf(struct page *p, const struct histogram *h)
{
	struct svg_chart c;
	double *xs = NULL, *ys = NULL, cum = 0;
	size_t n = 0;

	xs = malloc(2 * (HIST_BUCKETS + 1) * sizeof(double));
	ys = malloc(2 * (HIST_BUCKETS + 1) * sizeof(double));
	if (!xs || !ys) {
		p->err = -ENOMEM;
		goto out;
	}
	svg__init(&c, p->f, CHART_W, 270);
	c.margin_top = 48;
	svg__axis(&c, 'x', SVG_LOG, (double)(h->min ? h->min : 1), (double)h->max + 1,
		  html__label_duration);
	svg__axis(&c, 'y', SVG_LINEAR, 0, 100, html__label_percent);
	xs[n] = c.x.lo;
	ys[n++] = 0;
	for (unsigned int b = 0; b < HIST_BUCKETS; b++) {
		uint64_t cnt = outputs__bucket_count(h, b);

		if (!cnt)
			continue;
		/* a step: flat up to the bucket, then up at its upper edge */
		xs[n] = (double)histogram__bucket_low(b);
		ys[n++] = 100 * cum / (double)h->count;
		cum += (double)cnt;
		xs[n] = (double)histogram__bucket_high(b) + 1;
		ys[n++] = 100 * cum / (double)h->count;
	}
	xs[n] = c.x.hi;
	ys[n++] = 100;
	svg__begin(&c, "Request latency CDF");
	svg__axes(&c, "request latency (log scale)", "requests at or below");
	svg__polyline(&c, xs, ys, n, "line");
	pct_markers(&c, h);
	chart_done(p, &c);
out:
	free(xs);
	free(ys);
}

static void pct_row(struct page *p, const char *name, const struct histogram *h)
{
	char b[6][UNITS_BUF];

	w(p, "<tr><td>%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s</td>"
	     "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
	     "<td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n", name, h->count,
	  q_dur(b[0], h, 0.5), q_dur(b[1], h, 0.9), q_dur(b[2], h, 0.99), q_dur(b[3], h, 0.999),
	  q_dur(b[4], h, 1.0), mean_dur(b[5], h));
}

static void latency_section(struct page *p)
{
	const struct analysis_requests *r = &p->a->req;

	w(p, "<section id=\"latency\"><h2>Request latency</h2>\n");
	if (!r->latency.count) {
		w(p, "<p class=\"note\">No complete request was found. If the server is not a "
		     "request/response server on sockets, try <code>--correlate thread</code> or "
		     "markers.</p></section>\n");
		return;
	}
	w(p, "<p class=\"note\">How long the server took per request, from its first byte in to "
	     "its last byte out. Logarithmic time axis; dashed lines mark p50, p90 and p99.</p>\n");
	latency_histogram(p, &r->latency);
	latency_cdf(p, &r->latency);
	w(p, "<table><tr><th></th><th class=\"n\">count</th><th class=\"n\">p50</th>"
	     "<th class=\"n\">p90</th><th class=\"n\">p99</th><th class=\"n\">p99.9</th>"
	     "<th class=\"n\">max</th><th class=\"n\">mean</th></tr>\n");
	pct_row(p, "latency", &r->latency);
	if (r->ttfb.count)
		pct_row(p, "time to first byte", &r->ttfb);
	if (r->queue.count)
		pct_row(p, "queue wait", &r->queue);
	if (r->gaps.count)
		pct_row(p, "gap between bursts", &r->gaps);
	w(p, "</table></section>\n");
}

/* --- over time -------------------------------------------------------------- */

static void time_section(struct page *p)
{
	const struct analysis *a = p->a;
	int n = a->nbuckets;
	double *xs, *tp, *p50, *p99, max_tp = 0, max_lat = 0;
	double span;
	struct svg_chart c;
	const char *cls[2] = { "c-net", "c-sync" }, *names[2] = { "p50", "p99" };

	w(p, "<section id=\"time\"><h2>Throughput and latency over time</h2>\n");
	if (n < 1 || !a->interval_ns || !a->req.count) {
		w(p, "<p class=\"note\">No requests to plot.</p></section>\n");
		return;
	}
	xs = calloc((size_t)n, sizeof(double));
	tp = calloc((size_t)n, sizeof(double));
	p50 = calloc((size_t)n, sizeof(double));
	p99 = calloc((size_t)n, sizeof(double));
	if (!xs || !tp || !p50 || !p99) {
		p->err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const struct analysis_bucket *b = &a->buckets[i];
		uint64_t v;

		xs[i] = (double)b->start_ns + (double)a->interval_ns / 2;
		tp[i] = (double)b->requests * 1e9 / (double)a->interval_ns;
		p50[i] = histogram__quantile(&b->latency, 0.5, &v) ? (double)v : NAN;
		p99[i] = histogram__quantile(&b->latency, 0.99, &v) ? (double)v : NAN;
		if (tp[i] > max_tp)
			max_tp = tp[i];
		if (p99[i] > max_lat)
			max_lat = p99[i];
	}
	span = (double)a->buckets[n - 1].start_ns + (double)a->interval_ns;
	w(p, "<p class=\"note\">Per interval of %s, by request end time, from the start of the "
	     "trace.</p>\n", html__label_duration((char[HTML_LABEL_BUF]){ 0 }, (double)a->interval_ns));

	svg__init(&c, p->f, CHART_W, 220);
	svg__axis(&c, 'x', SVG_LINEAR, 0, span, html__label_seconds);
	svg__axis(&c, 'y', SVG_LINEAR, 0, max_tp * 1.15, html__label_rate);
	svg__begin(&c, "Throughput over time");
	svg__axes(&c, "time since the start of the trace", "completed requests");
	if (n == 1) {
		svg__bar(&c, 0, span, 0, tp[0], "bar", NULL);
	} else {
		svg__area(&c, xs, tp, (size_t)n, "area");
	}
	chart_done(p, &c);

	svg__init(&c, p->f, CHART_W, 240);
	svg__axis(&c, 'x', SVG_LINEAR, 0, span, html__label_seconds);
	svg__axis(&c, 'y', SVG_LINEAR, 0, max_lat * 1.15, html__label_duration);
	svg__begin(&c, "p50 and p99 latency over time");
	svg__axes(&c, "time since the start of the trace", "latency");
	/* a line per run of intervals that had requests */
	for (int pass = 0; pass < 2; pass++) {
		const double *ys = pass ? p99 : p50;

		for (int i = 0; i < n;) {
			int j = i;

			while (j < n && !isnan(ys[j]))
				j++;
			if (j - i == 1)
				svg__dot(&c, xs[i], ys[i], pass ? "dot" : "dot", NULL);
			else if (j > i)
				svg__polyline(&c, xs + i, ys + i, (size_t)(j - i), pass ? "line2" : "line");
			i = j + 1;
		}
	}
	svg__legend(&c, cls, names, 2);
	chart_done(p, &c);
out:
	free(xs);
	free(tp);
	free(p50);
	free(p99);
	w(p, "</section>\n");
}

/* --- where the time goes ------------------------------------------------------ */

#define SEGS (REQ_CAT__COUNT + 2)	/* categories, user, shared */

const char *outputs__cat_name(int cat)
{
	static const char *const names[REQ_CAT__COUNT + 2] = {
		[REQ_CAT_NET] = "net", [REQ_CAT_FILE] = "file", [REQ_CAT_SYNC] = "sync",
		[REQ_CAT_DEVICE] = "device", [REQ_CAT_MEM] = "mem", [REQ_CAT_SLEEP] = "sleep",
		[REQ_CAT_PROCESS] = "process", [REQ_CAT_OTHER] = "other", [REQ_CAT_IDLE] = "idle",
		[REQ_CAT_QUEUE] = "queue", [REQ_CAT_UNSENT] = "unsent", [REQ_CAT__COUNT] = "user",
		[REQ_CAT__COUNT + 1] = "shared",
	};

	return cat >= 0 && cat < REQ_CAT__COUNT + 2 ? names[cat] : "?";
}

static const char *seg_name(int i)
{
	return outputs__cat_name(i);
}

static void seg_class(char *buf, size_t len, int i)
{
	snprintf(buf, len, "c-%s", seg_name(i));
}

static void breakdown_section(struct page *p)
{
	const struct analysis_breakdown *bd = &p->a->breakdown;
	double rows[2][SEGS], tot[2] = { 0, 0 }, max;
	uint64_t cnt[2] = { bd->typical_count, bd->slow_count };
	char cls_buf[SEGS][24], tip_buf[2][SEGS][128], b1[UNITS_BUF], b2[UNITS_BUF];
	const char *cls[SEGS], *tips[2][SEGS], *legend_names[SEGS], *legend_cls[SEGS];
	size_t nleg = 0;
	struct svg_chart c;

	w(p, "<section id=\"breakdown\"><h2>Where the time goes</h2>\n");
	if (!bd->valid || !bd->typical_count) {
		w(p, "<p class=\"note\">No complete requests.</p></section>\n");
		return;
	}
	w(p, "<p class=\"note\">Average time per request in each category, for typical requests "
	     "(latency &le; p50 = %s, %" PRIu64 " requests) and slow ones (&ge; p99 = %s, %" PRIu64
	     " requests). <i>user</i> is time outside syscalls (on CPU or waiting for it); "
	     "<i>shared</i> is syscall time while several requests were open on one thread; "
	     "<i>idle</i> is waiting for work (poll, epoll) inside a request's window.</p>\n",
	  dur(b1, bd->p50_ns), bd->typical_count, dur(b2, bd->p99_ns), bd->slow_count);
	for (int r = 0; r < 2; r++) {
		const uint64_t *cat = r ? bd->slow_cat_ns : bd->typical_cat_ns;

		for (int i = 0; i < SEGS; i++) {
			uint64_t v = i < REQ_CAT__COUNT ? cat[i] :
				     i == REQ_CAT__COUNT ? (r ? bd->slow_user_ns : bd->typical_user_ns) :
				     (r ? bd->slow_shared_ns : bd->typical_shared_ns);

			rows[r][i] = cnt[r] ? (double)v / (double)cnt[r] : 0;
			tot[r] += rows[r][i];
			snprintf(tip_buf[r][i], sizeof(tip_buf[r][i]), "%s: %s per %s request", seg_name(i),
				 dur_d(b1, rows[r][i]), r ? "slow" : "typical");
			tips[r][i] = tip_buf[r][i];
		}
	}
	for (int i = 0; i < SEGS; i++) {
		seg_class(cls_buf[i], sizeof(cls_buf[i]), i);
		cls[i] = cls_buf[i];
		if (rows[0][i] > 0 || rows[1][i] > 0) {
			legend_cls[nleg] = cls[i];
			legend_names[nleg++] = seg_name(i);
		}
	}
	max = tot[0] > tot[1] ? tot[0] : tot[1];
	svg__init(&c, p->f, CHART_W, 170);
	c.margin_left = 110;
	c.margin_top = 34;
	svg__axis(&c, 'x', SVG_LINEAR, 0, max > 0 ? max * 1.05 : 1, html__label_duration);
	svg__axis(&c, 'y', SVG_LINEAR, 0, 2, NULL);
	svg__begin(&c, "Average time per request by category, typical vs slow");
	svg__axis_x(&c, "average time per request");
	for (int r = 0; r < 2; r++) {
		double y0 = r ? 0.15 : 1.15, y1 = r ? 0.85 : 1.85;

		svg__hstack(&c, y0, y1, rows[r], SEGS, cls, tips[r]);
		svg__text(&c, c.margin_left - 8, svg__px_y(&c, (y0 + y1) / 2) + 4, "end", "lanelabel",
			  r ? "slow (≥ p99)" : "typical (≤ p50)");
	}
	svg__legend(&c, legend_cls, legend_names, nleg);
	chart_done(p, &c);

	w(p, "<table><tr><th>category</th><th class=\"n\">typical, per request</th>"
	     "<th class=\"n\">slow, per request</th><th class=\"n\">slow − typical</th>"
	     "<th class=\"n\">share of slow latency</th></tr>\n");
	for (int i = 0; i < SEGS; i++) {
		char b3[UNITS_BUF];
		double diff = rows[1][i] - rows[0][i];

		if (rows[0][i] <= 0 && rows[1][i] <= 0)
			continue;
		w(p, "<tr><td><span class=\"sw %s\"></span>%s</td><td class=\"n\">%s</td>"
		     "<td class=\"n\">%s</td><td class=\"n\">%s%s</td><td class=\"n\">%.1f%%</td></tr>\n",
		  cls[i], seg_name(i), dur_d(b1, rows[0][i]), dur_d(b2, rows[1][i]),
		  diff < 0 ? "−" : "+", dur_d(b3, fabs(diff)),
		  tot[1] > 0 ? 100 * rows[1][i] / tot[1] : 0.0);
	}
	w(p, "</table></section>\n");
}

/* --- syscalls ---------------------------------------------------------------- */

static uint64_t total_ns(const struct analysis_syscall *s)
{
	return s->duration.sum;
}

/* Time in the slowest 1% of a syscall's calls (at least one call). */
static uint64_t tail_ns(const struct analysis_syscall *s)
{
	const struct histogram *h = &s->duration;
	uint64_t want = (h->count + 99) / 100, got = 0;
	double sum = 0;

	for (unsigned int b = HIST_BUCKETS; b-- > 0 && got < want;) {
		uint64_t n = outputs__bucket_count(h, b), take;
		double mid;

		if (!n)
			continue;
		take = n < want - got ? n : want - got;
		mid = ((double)histogram__bucket_low(b) + (double)histogram__bucket_high(b)) / 2;
		if (mid > (double)h->max)
			mid = (double)h->max;
		sum += mid * (double)take;
		got += take;
	}
	return units__u64_of(sum);	/* calls near 2^64 ns each: a sum past it */
}

struct sc_rank {
	const struct analysis_syscall *s;
	uint64_t key;
};

static int rank_cmp(const void *x, const void *y)
{
	const struct sc_rank *a = x, *b = y;

	if (a->key != b->key)
		return a->key < b->key ? 1 : -1;
	return strcmp(a->s->name ? a->s->name : "", b->s->name ? b->s->name : "");
}

static void syscall_bars(struct page *p, const struct sc_rank *rk, int n, const char *title,
			 const char *axis)
{
	struct svg_chart c;
	char cls[32], tip[160], b1[UNITS_BUF];
	double max = 1;

	for (int i = 0; i < n; i++)
		if ((double)rk[i].key > max)
			max = (double)rk[i].key;
	svg__init(&c, p->f, CHART_W, 40 + 20.0 * n + 40);
	c.margin_left = 150;
	svg__axis(&c, 'x', SVG_LINEAR, 0, max * 1.05, html__label_duration);
	svg__axis(&c, 'y', SVG_LINEAR, 0, n, NULL);
	svg__begin(&c, title);
	svg__axis_x(&c, axis);
	for (int i = 0; i < n; i++) {
		const struct analysis_syscall *s = rk[i].s;
		double y1 = n - i - 0.15, y0 = n - i - 0.85;
		char lab[96];

		snprintf(cls, sizeof(cls), "c-%s", outputs__cat_name(s->cat));
		snprintf(tip, sizeof(tip), "%s (%s): %s in %" PRIu64 " calls", s->name ? s->name : "?",
			 outputs__cat_name(s->cat), dur(b1, rk[i].key), s->duration.count);
		svg__bar(&c, 0, (double)rk[i].key, y0, y1, cls, tip);
		snprintf(lab, sizeof(lab), "%.20s%s", s->name ? s->name : "?",
			 s->name && strlen(s->name) > 20 ? "…" : "");
		svg__text(&c, c.margin_left - 8, svg__px_y(&c, (y0 + y1) / 2) + 4, "end", "lanelabel",
			  lab);
	}
	chart_done(p, &c);
}

static void syscall_table(struct page *p, const struct sc_rank *rk, int n, bool tail)
{
	char b[6][UNITS_BUF];

	w(p, "<table><tr><th>syscall</th><th>category</th><th class=\"n\">calls</th>"
	     "<th class=\"n\">errors</th><th class=\"n\">%s</th><th class=\"n\">in requests</th>"
	     "<th class=\"n\">mean</th><th class=\"n\">p99</th><th class=\"n\">max</th></tr>\n",
	  tail ? "slowest 1% total" : "total");
	for (int i = 0; i < n; i++) {
		const struct analysis_syscall *s = rk[i].s;

		w(p, "<tr><td><code>");
		t(p, s->name ? s->name : "?");
		w(p, "</code></td><td><span class=\"sw c-%s\"></span>%s</td><td class=\"n\">%" PRIu64
		     "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
		     "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
		  outputs__cat_name(s->cat), outputs__cat_name(s->cat), s->duration.count, s->errors,
		  dur(b[0], rk[i].key), dur(b[1], s->in_requests_ns), mean_dur(b[2], &s->duration),
		  q_dur(b[3], &s->duration, 0.99), q_dur(b[4], &s->duration, 1.0));
	}
	w(p, "</table>\n");
}

static void syscalls_section(struct page *p)
{
	const struct analysis *a = p->a;
	struct sc_rank *rk;
	int n = a->nsyscalls, shown;

	w(p, "<section id=\"syscalls\"><h2>Top syscalls</h2>\n");
	if (n <= 0) {
		w(p, "<p class=\"note\">No syscalls in the trace.</p></section>\n");
		return;
	}
	rk = calloc((size_t)n, sizeof(*rk));
	if (!rk) {
		p->err = -ENOMEM;
		w(p, "</section>\n");
		return;
	}
	shown = n < TOP_SYSCALLS ? n : TOP_SYSCALLS;
	for (int i = 0; i < n; i++)
		rk[i] = (struct sc_rank){ &a->syscalls[i], total_ns(&a->syscalls[i]) };
	qsort(rk, (size_t)n, sizeof(*rk), rank_cmp);
	w(p, "<h3>By total time</h3><p class=\"note\">Every call, inside requests or not "
	     "(idle waits included: they are not latency).</p>\n");
	syscall_bars(p, rk, shown, "Top syscalls by total time", "total time in the syscall");
	syscall_table(p, rk, shown, false);
	for (int i = 0; i < n; i++)
		rk[i].key = tail_ns(rk[i].s);
	qsort(rk, (size_t)n, sizeof(*rk), rank_cmp);
	w(p, "<h3>By tail time</h3><p class=\"note\">Time spent in each syscall's slowest 1%% of "
	     "calls: where rare, long stalls come from.</p>\n");
	syscall_bars(p, rk, shown, "Top syscalls by tail time", "time in the slowest 1% of calls");
	syscall_table(p, rk, shown, true);
	free(rk);
	w(p, "</section>\n");
}

/* --- findings ------------------------------------------------------------------- */

static void findings_section(struct page *p)
{
	const struct analysis *a = p->a;
	static const char *const sev[] = { "info", "warning", "critical" };

	w(p, "<section id=\"findings\"><h2>Findings</h2>\n");
	if (!a->nfindings) {
		w(p, "<p class=\"note\">No hotspot was flagged in this trace.</p></section>\n");
		return;
	}
	w(p, "<table><tr><th>severity</th><th>finding</th><th>evidence</th></tr>\n");
	for (int i = 0; i < a->nfindings; i++) {
		const struct analysis_finding *fd = &a->findings[i];
		int s = fd->severity < 0 ? 0 : fd->severity > 2 ? 2 : fd->severity;

		w(p, "<tr><td><span class=\"badge sev%d\">%s</span></td><td><b>", s, sev[s]);
		t(p, fd->title);
		w(p, "</b><br><span class=\"muted mono\">");
		t(p, fd->id);
		w(p, "</span></td><td>");
		t(p, fd->evidence);
		w(p, "</td></tr>\n");
	}
	w(p, "</table></section>\n");
}

/* --- slowest requests ------------------------------------------------------------- */

static const char *comm_of(const struct analysis *a, uint32_t host, uint32_t pid)
{
	for (int i = 0; i < a->nprocesses; i++)
		if (a->processes[i].host == host && a->processes[i].pid == pid)
			return a->processes[i].comm;
	return NULL;
}

static void request_timeline(struct page *p, const struct request *rq)
{
	int lane_of[REQ_CAT__COUNT + 1], nlanes = 0;
	bool used[REQ_CAT__COUNT + 1] = { false };
	char tip[256], b1[UNITS_BUF], b2[UNITS_BUF], cls[32];
	struct svg_chart c;
	double lat = (double)(rq->latency_ns ? rq->latency_ns : 1);

	for (uint32_t i = 0; i < rq->nsteps; i++)
		used[rq->steps[i].shared ? REQ_CAT__COUNT :
		     rq->steps[i].cat < REQ_CAT__COUNT ? rq->steps[i].cat : REQ_CAT_OTHER] = true;
	if (rq->cat_ns[REQ_CAT_QUEUE])
		used[REQ_CAT_QUEUE] = true;
	if (rq->cat_ns[REQ_CAT_UNSENT])
		used[REQ_CAT_UNSENT] = true;
	for (int i = 0; i <= REQ_CAT__COUNT; i++)
		lane_of[i] = used[i] ? nlanes++ : -1;
	if (!nlanes) {
		w(p, "<p class=\"note\">No syscall was attributed to this request: its time is "
		     "outside syscalls.</p>\n");
		return;
	}
	svg__init(&c, p->f, CHART_W, 30 + 22.0 * nlanes + 44);
	c.margin_left = 90;
	c.margin_top = 16;
	svg__axis(&c, 'x', SVG_LINEAR, 0, lat, html__label_duration);
	svg__axis(&c, 'y', SVG_LINEAR, 0, nlanes, NULL);
	svg__begin(&c, "Syscall timeline of the request");
	for (int i = 0; i <= REQ_CAT__COUNT; i++) {
		double y;

		if (lane_of[i] < 0)
			continue;
		y = nlanes - lane_of[i];
		svg__bar(&c, 0, lat, y - 0.95, y - 0.05, "lane", NULL);
		svg__text(&c, c.margin_left - 8, svg__px_y(&c, y - 0.5) + 4, "end", "lanelabel",
			  i < REQ_CAT__COUNT ? outputs__cat_name(i) : "shared");
	}
	svg__axis_x(&c, "time since the request started");
	if (rq->cat_ns[REQ_CAT_QUEUE]) {
		double y = nlanes - lane_of[REQ_CAT_QUEUE];

		snprintf(tip, sizeof(tip), "queue wait %s", dur(b1, rq->cat_ns[REQ_CAT_QUEUE]));
		svg__bar(&c, 0, (double)rq->cat_ns[REQ_CAT_QUEUE], y - 0.85, y - 0.15, "c-queue", tip);
	}
	if (rq->cat_ns[REQ_CAT_UNSENT]) {	/* the end of the request: its last bytes waiting to leave */
		double y = nlanes - lane_of[REQ_CAT_UNSENT];

		snprintf(tip, sizeof(tip), "last bytes unsent (Nagle, a full window) %s",
			 dur(b1, rq->cat_ns[REQ_CAT_UNSENT]));
		svg__bar(&c, lat - (double)rq->cat_ns[REQ_CAT_UNSENT], lat, y - 0.85, y - 0.15,
			 "c-unsent", tip);
	}
	for (uint32_t i = 0; i < rq->nsteps; i++) {
		const struct req_step *s = &rq->steps[i];
		int cat = s->cat < REQ_CAT__COUNT ? s->cat : REQ_CAT_OTHER;
		int lane = lane_of[s->shared ? REQ_CAT__COUNT : cat];
		double x0 = s->enter_ns > rq->start_ns ? (double)(s->enter_ns - rq->start_ns) : 0;
		double x1 = x0 + (double)s->total_ns, y = nlanes - lane;

		/* keep sub-pixel calls visible */
		if (svg__px_x(&c, x1) - svg__px_x(&c, x0) < 1)
			x1 = x0 + lat / (c.x.px_hi - c.x.px_lo);
		snprintf(cls, sizeof(cls), "c-%s", s->shared ? "shared" : outputs__cat_name(cat));
		snprintf(tip, sizeof(tip), "%s%s at +%s: %s%s", s->name ? s->name : "?",
			 s->count > 1 ? " (folded)" : "", dur_d(b1, x0),
			 dur(b2, s->total_ns), s->shared ? ", shared with other requests" : "");
		if (s->count > 1) {
			size_t l = strlen(tip);

			snprintf(tip + l, sizeof(tip) - l, " in %u calls", s->count);
		}
		svg__bar(&c, x0, x1, y - 0.85, y - 0.15, cls, tip);
	}
	chart_done(p, &c);
	if (rq->steps_dropped)
		w(p, "<p class=\"note\">The timeline shows the first %u steps; %u later ones were "
		     "not kept (their time is in the totals above).</p>\n", rq->nsteps, rq->steps_dropped);
}

static void slowest_section(struct page *p)
{
	const struct analysis *a = p->a;
	char b[6][UNITS_BUF];

	w(p, "<section id=\"slowest\"><h2>Slowest requests</h2>\n");
	if (!a->nslowest) {
		w(p, "<p class=\"note\">No complete requests.</p></section>\n");
		return;
	}
	w(p, "<p class=\"note\">Each with the syscalls attributed to it, one lane per category "
	     "(hover a bar for the syscall, its duration and offset).</p>\n");
	for (int i = 0; i < a->nslowest; i++) {
		const struct request *rq = &a->slowest[i].req;
		const char *comm = comm_of(a, rq->host, rq->pid);

		w(p, "<div class=\"req\"><h3>#%d &middot; %s &middot; request %" PRIu64 "</h3>"
		     "<p class=\"note\">", i + 1, dur(b[0], rq->latency_ns), rq->id);
		w(p, "pid %u", rq->pid);
		if (comm) {
			w(p, " (<code>");
			t(p, comm);
			w(p, "</code>)");
		}
		w(p, ", thread %u", rq->tid);
		if (rq->fd >= 0)
			w(p, ", fd %d (%s)", rq->fd, fd_kind__name(rq->fd_kind));
		w(p, ", started at +%s; %" PRIu64 " syscalls; user %s; %s in, %s out",
		  html__label_seconds((char[HTML_LABEL_BUF]){ 0 },
				      (double)(rq->start_ns > analysis_trace__start_of(&a->trace, rq->host) ?
					       rq->start_ns - analysis_trace__start_of(&a->trace, rq->host) :
					       0)),
		  rq->syscalls, dur(b[1], rq->user_ns), units__bytes(b[2], rq->bytes_in),
		  units__bytes(b[3], rq->bytes_out));
		if (rq->sends > 1)
			w(p, "; %u sends in %u bursts, first byte after %s", rq->sends, rq->bursts,
			  dur(b[4], rq->ttfb_ns));
		w(p, "<br>");
		for (int k = 0, first = 1; k < REQ_CAT__COUNT + 2; k++) {
			uint64_t v = k < REQ_CAT__COUNT ? rq->cat_ns[k] :
				     k == REQ_CAT__COUNT ? rq->user_ns : rq->shared_ns;

			if (!v)
				continue;
			w(p, "%s<span class=\"sw c-%s\"></span>%s %s (%.0f%%)", first ? "" : " &nbsp; ",
			  outputs__cat_name(k), outputs__cat_name(k), dur(b[5], v),
			  rq->latency_ns ? 100.0 * (double)v / (double)rq->latency_ns : 0.0);
			first = 0;
		}
		w(p, "</p>\n");
		request_timeline(p, rq);
		w(p, "</div>\n");
	}
	w(p, "</section>\n");
}

/* --- processes --------------------------------------------------------------------- */

static void processes_section(struct page *p)
{
	const struct analysis *a = p->a;
	char b[4][UNITS_BUF];

	w(p, "<section id=\"processes\"><h2>Processes</h2>\n");
	if (!a->nprocesses) {
		w(p, "<p class=\"note\">None.</p></section>\n");
		return;
	}
	w(p, "<table><tr><th class=\"n\">pid</th><th>command</th><th class=\"n\">syscalls</th>"
	     "<th class=\"n\">syscall time</th><th class=\"n\">idle</th><th class=\"n\">requests</th>"
	     "<th class=\"n\">p50</th><th class=\"n\">p99</th></tr>\n");
	for (int i = 0; i < a->nprocesses; i++) {
		const struct analysis_task *pr = &a->processes[i];

		w(p, "<tr><td class=\"n\">%u</td><td><code>", pr->pid);
		t(p, pr->comm ? pr->comm : "?");
		w(p, "</code></td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s</td>"
		     "<td class=\"n\">%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s</td>"
		     "<td class=\"n\">%s</td></tr>\n", pr->syscalls, dur(b[0], pr->syscall_ns),
		  dur(b[1], pr->idle_ns), pr->requests, q_dur(b[2], &pr->latency, 0.5),
		  q_dur(b[3], &pr->latency, 0.99));
	}
	w(p, "</table></section>\n");
}

int out_html__write(const struct analysis *a, FILE *f)
{
	struct page p = { .f = f, .a = a };
	struct output_target *tg = NULL;
	size_t ntg = 0;

	outputs__targets(a, &tg, &ntg);	/* without them the page only lacks command lines */
	page_begin(&p);
	trace_section(&p, tg, ntg);
	latency_section(&p);
	time_section(&p);
	breakdown_section(&p);
	syscalls_section(&p);
	findings_section(&p);
	slowest_section(&p);
	processes_section(&p);
	page_end(&p);
	outputs__free_targets(tg, ntg);
	if (!p.err && ferror(f))
		p.err = -EIO;
	return p.err;
}
