// SPDX-License-Identifier: MIT
/* `report --format csv -o DIR`: one row per request (streamed) and summary tables, quoted by libcsv. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <csv.h>

#include "analysis.h"
#include "cli.h"
#include "html.h"
#include "utf8.h"
#include "log.h"
#include "outputs.h"
#include "trace_event.h"

struct csv_file {
	FILE *f;
	char *path;
	int err;
};

struct out_csv {
	char *dir;
	struct csv_file requests;
	uint64_t rows;
	int err;
};

static int csv_file__open(struct csv_file *cf, const char *dir, const char *name)
{
	if (asprintf(&cf->path, "%s/%s", dir, name) < 0) {
		cf->path = NULL;
		log_error("out of memory");
		return -ENOMEM;
	}
	cf->f = cli__open_output(cf->path);
	if (!cf->f)
		return -(errno ? errno : EIO);
	return 0;
}

/* Close, checking that every byte reached the disk; logs and returns the first error. */
static int csv_file__close(struct csv_file *cf)
{
	int err = 0;

	if (cf->f) {
		err = cli__close_output(cf->f, cf->path);
		if (!err && cf->err) {
			log_error("cannot write '%s': %s", cf->path, strerror(-cf->err));
			err = cf->err;
		}
	}
	free(cf->path);
	memset(cf, 0, sizeof(*cf));
	return err;
}

static void put(struct csv_file *cf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct csv_file *cf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(cf->f, fmt, ap) < 0 && !cf->err)
		cf->err = -EIO;
	va_end(ap);
}

/*
 * A text field, always quoted by libcsv: commas, quotes and newlines survive.
 * Invalid UTF-8 from a trace becomes U+FFFD so that CSV readers accept the file.
 * A field a spreadsheet would take for a formula (= + - @ tab CR first) gets a
 * leading ' (OWASP's rule): a process named "=HYPERLINK(…)" stays text.
 * Control characters but tab, CR and LF become U+FFFD too, as in the HTML
 * page: `cat requests.csv` must not run a terminal escape from a trace.
 */
/* Bytes at P of a character to replace (a control, C1 or bidi; S is valid UTF-8), or 0. */
static size_t control_len(const unsigned char *p)
{
	uint32_t cp;

	if ((*p < 0x20 && !strchr("\t\r\n", *p)) || *p == 0x7f)
		return 1;
	return utf8__unsafe_len(p, &cp);
}

static char *without_controls(char *s)
{
	size_t n = 0, len = strlen(s), k;
	char *out, *o;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += control_len(p) != 0;
	if (!n)
		return s;
	out = malloc(len + 2 * n + 1);	/* a byte becomes three at most */
	if (out) {
		o = out;
		for (const unsigned char *p = (const unsigned char *)s; *p;) {
			if ((k = control_len(p))) {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				p += k;
			} else {
				*o++ = (char)*p++;
			}
		}
		*o = '\0';
	}
	free(s);
	return out;
}

static void str(struct csv_file *cf, const char *s)
{
	char *clean = html__utf8_dup(s);

	if (clean)
		clean = without_controls(clean);
	if (!clean) {
		cf->err = cf->err ?: -ENOMEM;
		return;
	}
	if (strchr("=+-@\t\r", clean[0]) && clean[0]) {
		char *quoted = malloc(strlen(clean) + 2);

		if (!quoted) {
			free(clean);
			cf->err = cf->err ?: -ENOMEM;
			return;
		}
		quoted[0] = '\'';
		strcpy(quoted + 1, clean);
		free(clean);
		clean = quoted;
	}
	if (csv_fwrite(cf->f, clean, strlen(clean)) && !cf->err)
		cf->err = -EIO;
	free(clean);
}

static void sep(struct csv_file *cf)
{
	put(cf, ",");
}

static void eol(struct csv_file *cf)
{
	put(cf, "\r\n");
}

/* A header row from a NULL-terminated list. */
static void header(struct csv_file *cf, const char *const *cols)
{
	for (size_t i = 0; cols[i]; i++)
		put(cf, "%s%s", i ? "," : "", cols[i]);
	eol(cf);
}

static void num(struct csv_file *cf, uint64_t v)
{
	put(cf, ",%" PRIu64, v);
}

/* A quantile, or an empty field (JSON's null) when H has no samples. */
static void quant(struct csv_file *cf, const struct histogram *h, double q)
{
	uint64_t v;

	if (histogram__quantile(h, q, &v))
		put(cf, ",%" PRIu64, v);
	else
		put(cf, ",");
}

static void mean(struct csv_file *cf, const struct histogram *h)
{
	uint64_t v;

	if (histogram__mean(h, &v))
		put(cf, ",%" PRIu64, v);
	else
		put(cf, ",");
}

static void stat_cols(struct csv_file *cf, const struct histogram *h)
{
	mean(cf, h);
	quant(cf, h, 0.5);
	quant(cf, h, 0.9);
	quant(cf, h, 0.99);
	quant(cf, h, 0.999);
	quant(cf, h, 1.0);
}

#define STAT_HEADER(p) p "mean_ns", p "p50_ns", p "p90_ns", p "p99_ns", p "p999_ns", p "max_ns"

/* --- requests.csv ----------------------------------------------------------------- */

static const char *const request_cols[] = {
	"id", "host", "pid", "tid", "fd", "fd_kind", "complete", "timed_out", "queued",
	"start_ns", "end_ns", "latency_ns",
	"queue_ns", "net_ns", "file_ns", "sync_ns", "device_ns", "mem_ns", "sleep_ns",
	"process_ns", "other_ns", "user_ns", "shared_ns",
	"syscalls", "bytes_in", "bytes_out", "ttfb_ns", "sends", "bursts", "gap_max_ns",
	"gap_sum_ns", "marker_id", "unsent_ns", NULL
};

/* Category columns of requests.csv, in header order. */
static const enum req_category request_cats[] = {
	REQ_CAT_QUEUE, REQ_CAT_NET, REQ_CAT_FILE, REQ_CAT_SYNC, REQ_CAT_DEVICE, REQ_CAT_MEM,
	REQ_CAT_SLEEP, REQ_CAT_PROCESS, REQ_CAT_OTHER,
};

/* Decimal digits of V at P; returns the end. */
static char *fmt_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *fmt_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return fmt_u64(p, -(uint64_t)v);
	}
	return fmt_u64(p, (uint64_t)v);
}

/* One row per request, possibly millions: formatted by hand into one buffer, one fwrite. */
void out_csv__on_request(const struct request *r, void *ctx)
{
	struct out_csv *c = ctx;
	struct csv_file *cf = &c->requests;
	const uint64_t tail[] = {
		r->user_ns, r->shared_ns, r->syscalls, r->bytes_in, r->bytes_out, r->ttfb_ns,
		r->sends, r->bursts, r->gap_max_ns, r->gap_sum_ns, r->marker_id,
		r->cat_ns[REQ_CAT_UNSENT],	/* last: added after the others, columns keep their place */
	};
	char row[64 * 24], *p = row;
	const char *kind = fd_kind__name(r->fd_kind);

	if (!cf->f || cf->err)
		return;
	p = fmt_u64(p, r->id);
	*p++ = ',';
	p = fmt_u64(p, r->host);
	*p++ = ',';
	p = fmt_u64(p, r->pid);
	*p++ = ',';
	p = fmt_u64(p, r->tid);
	*p++ = ',';
	p = fmt_i64(p, r->fd);
	*p++ = ',';
	p = stpcpy(p, kind);	/* a fixed name: no quoting needed */
	*p++ = ',';
	*p++ = r->complete ? '1' : '0';
	*p++ = ',';
	*p++ = r->timed_out ? '1' : '0';
	*p++ = ',';
	*p++ = r->queued ? '1' : '0';
	*p++ = ',';
	p = fmt_u64(p, r->start_ns);
	*p++ = ',';
	p = fmt_u64(p, r->end_ns);
	*p++ = ',';
	p = fmt_u64(p, r->latency_ns);
	for (size_t i = 0; i < sizeof(request_cats) / sizeof(request_cats[0]); i++) {
		*p++ = ',';
		p = fmt_u64(p, r->cat_ns[request_cats[i]]);
	}
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++) {
		*p++ = ',';
		p = fmt_u64(p, tail[i]);
	}
	*p++ = '\r';
	*p++ = '\n';
	if (fwrite(row, 1, (size_t)(p - row), cf->f) != (size_t)(p - row) && !cf->err)
		cf->err = -EIO;
	c->rows++;
}

struct out_csv *out_csv__open(const char *dir)
{
	struct out_csv *c;
	int err;

	if (!dir || !strcmp(dir, "-")) {
		log_error("--format csv writes several files: give a directory with -o DIR");
		errno = EINVAL;
		return NULL;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = errno;
		log_error("cannot create directory '%s': %s", dir, strerror(err));
		errno = err;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->dir = strdup(dir))) {
		free(c);
		log_error("out of memory");
		errno = ENOMEM;
		return NULL;
	}
	err = csv_file__open(&c->requests, dir, "requests.csv");
	if (err) {
		csv_file__close(&c->requests);
		free(c->dir);
		free(c);
		errno = -err;
		return NULL;
	}
	setvbuf(c->requests.f, NULL, _IOFBF, 1 << 20);	/* a row per request */
	header(&c->requests, request_cols);
	return c;
}

/* --- summary tables ------------------------------------------------------------------ */

static void write_syscalls(struct csv_file *cf, const struct analysis *a)
{
	static const char *const cols[] = {
		"syscall", "category", "calls", "errors", "total_ns", "in_requests_calls",
		"in_requests_ns", "min_ns", STAT_HEADER(""), NULL
	};

	header(cf, cols);
	for (int i = 0; i < a->nsyscalls; i++) {
		const struct analysis_syscall *s = &a->syscalls[i];

		str(cf, s->name);
		sep(cf);
		str(cf, outputs__cat_name(s->cat));
		num(cf, s->duration.count);
		num(cf, s->errors);
		num(cf, s->duration.sum);
		num(cf, s->in_requests);
		num(cf, s->in_requests_ns);
		if (s->duration.count)
			num(cf, s->duration.min);
		else
			sep(cf);
		stat_cols(cf, &s->duration);
		eol(cf);
	}
}

/* Per category: every call, and per request (complete requests), typical vs slow. */
static void write_categories(struct csv_file *cf, const struct analysis *a)
{
	static const char *const cols[] = {
		"category", "calls", "total_ns", "in_requests_ns", "call_mean_ns", "call_p50_ns",
		"call_p99_ns", "call_max_ns", "requests_total_ns", "request_mean_ns",
		"request_p50_ns", "request_p99_ns", "request_max_ns", "typical_mean_ns",
		"slow_mean_ns", NULL
	};
	const struct analysis_breakdown *bd = &a->breakdown;

	header(cf, cols);
	for (int i = 0; i < REQ_CAT__COUNT + 2; i++) {
		bool cat = i < REQ_CAT__COUNT;
		const struct histogram *rh = cat ? &a->req.cat[i] : i == REQ_CAT__COUNT ?
					     &a->req.user : &a->req.shared;
		uint64_t typ = cat ? bd->typical_cat_ns[i] : i == REQ_CAT__COUNT ?
			       bd->typical_user_ns : bd->typical_shared_ns;
		uint64_t slow = cat ? bd->slow_cat_ns[i] : i == REQ_CAT__COUNT ? bd->slow_user_ns :
				bd->slow_shared_ns;

		str(cf, outputs__cat_name(i));
		if (cat) {
			const struct analysis_category *c = &a->cat[i];

			num(cf, c->calls);
			num(cf, c->total_ns);
			num(cf, c->in_requests_ns);
			mean(cf, &c->duration);
			quant(cf, &c->duration, 0.5);
			quant(cf, &c->duration, 0.99);
			quant(cf, &c->duration, 1.0);
			num(cf, a->req.cat_ns[i]);
		} else {
			put(cf, ",,,,,,,");	/* user and shared time are not syscalls */
			num(cf, i == REQ_CAT__COUNT ? a->req.user_ns : a->req.shared_ns);
		}
		mean(cf, rh);
		quant(cf, rh, 0.5);
		quant(cf, rh, 0.99);
		quant(cf, rh, 1.0);
		if (bd->valid && bd->typical_count)
			num(cf, typ / bd->typical_count);
		else
			sep(cf);
		if (bd->valid && bd->slow_count)
			num(cf, slow / bd->slow_count);
		else
			sep(cf);
		eol(cf);
	}
}

static void write_timeseries(struct csv_file *cf, const struct analysis *a)
{
	static const char *const cols[] = {
		"start_ns", "interval_ns", "requests", "incomplete", "events", "requests_per_s",
		"p50_ns", "p99_ns", "max_ns", NULL
	};

	header(cf, cols);
	for (int i = 0; i < a->nbuckets; i++) {
		const struct analysis_bucket *b = &a->buckets[i];

		put(cf, "%" PRIu64, b->start_ns);
		num(cf, a->interval_ns);
		num(cf, b->requests);
		num(cf, b->incomplete);
		num(cf, b->events);
		put(cf, ",%.3f", a->interval_ns ? (double)b->requests * 1e9 / (double)a->interval_ns : 0.0);
		quant(cf, &b->latency, 0.5);
		quant(cf, &b->latency, 0.99);
		quant(cf, &b->latency, 1.0);
		eol(cf);
	}
}

static void write_processes(struct csv_file *cf, const struct analysis *a)
{
	static const char *const cols[] = {
		"host", "pid", "comm", "cmdline", "syscalls", "syscall_ns", "idle_ns", "requests",
		"incomplete", "latency_p50_ns", "latency_p99_ns", "latency_max_ns", NULL
	};
	struct output_target *tg = NULL;
	size_t ntg = 0;

	outputs__targets(a, &tg, &ntg);	/* command lines of the targets, when readable */
	header(cf, cols);
	for (int i = 0; i < a->nprocesses; i++) {
		const struct analysis_task *p = &a->processes[i];
		const struct output_target *t = outputs__target_of(tg, ntg, p->host, p->pid);
		char *cmd = t ? outputs__join(t->argv, t->argc) : NULL;
		put(cf, "%u,%u,", p->host, p->pid);
		str(cf, p->comm);
		sep(cf);
		str(cf, cmd);
		free(cmd);
		num(cf, p->syscalls);
		num(cf, p->syscall_ns);
		num(cf, p->idle_ns);
		num(cf, p->requests);
		num(cf, p->incomplete);
		quant(cf, &p->latency, 0.5);
		quant(cf, &p->latency, 0.99);
		quant(cf, &p->latency, 1.0);
		eol(cf);
	}
	outputs__free_targets(tg, ntg);
}

static int write_table(const char *dir, const char *name, const struct analysis *a,
		       void (*fn)(struct csv_file *, const struct analysis *))
{
	struct csv_file cf = {};
	int err = csv_file__open(&cf, dir, name);

	if (!err)
		fn(&cf, a);
	return csv_file__close(&cf) ?: err;
}

int out_csv__close(struct out_csv *c, const struct analysis *a)
{
	int err, e;

	if (!c)
		return 0;
	err = csv_file__close(&c->requests);
	if (a) {
		e = write_table(c->dir, "syscalls.csv", a, write_syscalls);
		err = err ?: e;
		e = write_table(c->dir, "categories.csv", a, write_categories);
		err = err ?: e;
		e = write_table(c->dir, "timeseries.csv", a, write_timeseries);
		err = err ?: e;
		e = write_table(c->dir, "processes.csv", a, write_processes);
		err = err ?: e;
		if (!err)
			log_info("wrote %" PRIu64 " requests and 4 summary tables to '%s'", c->rows,
				 c->dir);
	}
	free(c->dir);
	free(c);
	return err;
}
