// SPDX-License-Identifier: MIT
/* `mslat report --format json`: the schema of docs/json-schema.md, keys in a fixed order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis.h"
#include "categories.h"
#include "json_out.h"
#include "trace_event.h"

/* json_object_set_new that records a failure instead of losing it. */
static int set(json_t *o, const char *k, json_t *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_set_new(o, k, v) ? -ENOMEM : 0;
}

static int append(json_t *arr, json_t *v)
{
	if (!v)
		return -ENOMEM;
	return json_array_append_new(arr, v) ? -ENOMEM : 0;
}

/* {count, min, mean, p50, p90, p99, p999, max}: nulls when there are no samples. */
static json_t *stat(const struct histogram *h)
{
	static const struct {
		const char *k;
		double q;
	} qs[] = { { "p50", 0.5 }, { "p90", 0.9 }, { "p99", 0.99 }, { "p999", 0.999 } };
	json_t *o = json_object();
	uint64_t v = 0;
	bool any = h->count > 0;
	int err = 0;

	if (!o)
		return NULL;
	err |= set(o, "count", json_out__u64(h->count));
	err |= set(o, "min", json_out__ns(h->min, any));
	histogram__mean(h, &v);
	err |= set(o, "mean", json_out__ns(v, any));
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		v = 0;
		histogram__quantile(h, qs[i].q, &v);
		err |= set(o, qs[i].k, json_out__ns(v, any));
	}
	err |= set(o, "max", json_out__ns(h->max, any));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_out__str(s) : json_null();
}

json_t *out_json__request(const struct request *r, bool steps)
{
	json_t *o = json_object(), *cats = json_object(), *arr = NULL;
	int err = 0;

	if (!o || !cats)
		goto fail;
	err |= set(o, "id", json_out__u64(r->id));
	err |= set(o, "host", json_out__u64(r->host));
	err |= set(o, "pid", json_out__u64(r->pid));
	err |= set(o, "tid", json_out__u64(r->tid));
	err |= set(o, "fd", json_integer(r->fd));
	err |= set(o, "fd_kind", r->fd >= 0 ? json_string(fd_kind__name(r->fd_kind)) : json_null());
	err |= set(o, "marker_id", r->fd < 0 ? json_out__u64(r->marker_id) : json_null());
	err |= set(o, "complete", json_boolean(r->complete));
	err |= set(o, "timed_out", json_boolean(r->timed_out));
	err |= set(o, "start_ns", json_out__u64(r->start_ns));
	err |= set(o, "end_ns", json_out__u64(r->end_ns));
	err |= set(o, "latency_ns", json_out__u64(r->latency_ns));
	err |= set(o, "queue_ns", json_out__ns(r->cat_ns[REQ_CAT_QUEUE], r->queued));
	err |= set(o, "ttfb_ns", json_out__ns(r->ttfb_ns, r->sends > 0));
	for (int i = 0; i < REQ_CAT__COUNT; i++)
		err |= set(cats, req_category__name(i), json_out__u64(r->cat_ns[i]));
	err |= set(o, "categories_ns", cats);
	cats = NULL;
	err |= set(o, "shared_ns", json_out__u64(r->shared_ns));
	err |= set(o, "user_ns", json_out__u64(r->user_ns));
	err |= set(o, "runq_ns", json_out__u64(r->runq_ns));
	err |= set(o, "syscalls", json_out__u64(r->syscalls));
	err |= set(o, "bytes_in", json_out__u64(r->bytes_in));
	err |= set(o, "bytes_out", json_out__u64(r->bytes_out));
	err |= set(o, "sends", json_out__u64(r->sends));
	err |= set(o, "bursts", json_out__u64(r->bursts));
	err |= set(o, "gap_max_ns", json_out__ns(r->gap_max_ns, r->bursts > 1));
	err |= set(o, "gap_sum_ns", json_out__u64(r->gap_sum_ns));
	if (steps) {
		arr = json_array();
		if (!arr)
			goto fail;
		for (uint32_t i = 0; i < r->nsteps; i++) {
			const struct req_step *s = &r->steps[i];
			json_t *so = json_object();

			if (!so)
				goto fail;
			err |= set(so, "syscall", json_out__str(s->name));
			err |= set(so, "category", json_string(req_category__name(s->cat)));
			err |= set(so, "count", json_out__u64(s->count));
			err |= set(so, "enter_ns", json_out__u64(s->enter_ns));
			err |= set(so, "total_ns", json_out__u64(s->total_ns));
			err |= set(so, "shared", json_boolean(s->shared));
			err |= append(arr, so);
		}
		err |= set(o, "steps", arr);
		arr = NULL;
		err |= set(o, "steps_dropped", json_out__u64(r->steps_dropped));
	}
	if (err)
		goto fail;
	return o;
fail:
	json_decref(arr);
	json_decref(cats);
	json_decref(o);
	return NULL;
}

static json_t *trace_json(const struct analysis *a)
{
	const struct analysis_trace *t = &a->trace;
	json_t *o = json_object(), *files = json_array(), *hosts = json_array();
	int err = 0;

	if (!o || !files || !hosts) {
		json_decref(o);
		json_decref(files);
		json_decref(hosts);
		return NULL;
	}
	for (int i = 0; i < t->nfiles; i++)
		err |= append(files, json_out__str(t->files[i]));
	for (int i = 0; i < t->nhosts; i++) {
		const struct analysis_host *h = &t->hosts[i];
		json_t *ho = json_object();

		if (!ho) {
			err = -ENOMEM;
			break;
		}
		err |= set(ho, "hostname", json_out__str(h->hostname));
		err |= set(ho, "kernel_release", json_out__str(h->kernel_release));
		err |= set(ho, "arch", json_out__str(h->arch));
		err |= set(ho, "boot_id", json_out__str(h->boot_id));
		err |= set(ho, "cpu_count", json_out__u64(h->cpu_count));
		err |= set(ho, "mono_to_realtime_ns", json_integer(h->mono_to_realtime_ns));
		err |= set(ho, "start_ns", json_out__u64(h->start_ns));
		err |= set(ho, "end_ns", json_out__u64(h->end_ns));
		err |= append(hosts, ho);
	}
	err |= set(o, "files", files);
	err |= set(o, "hosts", hosts);
	err |= set(o, "start_ns", json_out__u64(t->start_ns));
	err |= set(o, "end_ns", json_out__u64(t->end_ns));
	err |= set(o, "duration_ns", json_out__u64(t->duration_ns));
	err |= set(o, "events", json_out__u64(t->events));
	err |= set(o, "events_analysed", json_out__u64(t->events_analysed));
	err |= set(o, "sched", json_out__u64(t->sched));
	err |= set(o, "arrivals", json_out__u64(t->arrivals));
	err |= set(o, "markers", json_out__u64(t->markers));
	err |= set(o, "process_records", json_out__u64(t->processes));
	err |= set(o, "losses", json_out__u64(t->losses));
	err |= set(o, "lost", json_out__u64(t->lost));
	err |= set(o, "corrupt_frames", json_out__u64(t->corrupt_frames));
	err |= set(o, "truncated", json_boolean(t->truncated));
	if (t->keys_folded)	/* only then: a hostile trace's mark */
		err |= set(o, "keys_folded", json_out__u64(t->keys_folded));
	err |= set(o, "correlate", json_string(correlate_mode__name(t->mode)));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *options_json(const struct analysis *a)
{
	const struct analysis_opts *op = &a->opts;
	json_t *o = json_object(), *pids = op->npids > 0 ? json_array() : json_null();
	int err = 0;

	if (!o || !pids) {
		json_decref(o);
		json_decref(pids);
		return NULL;
	}
	for (int i = 0; i < op->npids; i++)
		err |= append(pids, json_out__u64(op->pids[i]));
	err |= set(o, "pids", pids);
	err |= set(o, "since_ns", json_out__ns(op->since_ns, op->since_ns > 0));
	err |= set(o, "until_ns", json_out__ns(op->until_ns, op->until_ns > 0));
	err |= set(o, "request_timeout_ns", json_out__u64(op->request_timeout_ns));
	err |= set(o, "burst_gap_ns", json_out__u64(op->burst_gap_ns));
	err |= set(o, "headers_first", json_boolean(op->headers_first));
	if (op->min_request_bytes)	/* only then: older readers see the options they know */
		err |= set(o, "min_request_bytes", json_out__u64(op->min_request_bytes));
	err |= set(o, "top", json_out__u64(op->top_n));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *requests_json(const struct analysis *a)
{
	const struct analysis_requests *q = &a->req;
	json_t *o = json_object(), *cats = json_object();
	int err = 0;

	if (!o || !cats) {
		json_decref(o);
		json_decref(cats);
		return NULL;
	}
	err |= set(o, "count", json_out__u64(q->count));
	err |= set(o, "incomplete", json_out__u64(q->incomplete));
	err |= set(o, "timed_out", json_out__u64(q->timed_out));
	err |= set(o, "latency_ns", stat(&q->latency));
	err |= set(o, "ttfb_ns", stat(&q->ttfb));
	err |= set(o, "queue_ns", stat(&q->queue));
	err |= set(o, "user_ns", stat(&q->user));
	err |= set(o, "shared_ns", stat(&q->shared));
	err |= set(o, "runq_ns", stat(&q->runq));
	for (int i = 0; i < REQ_CAT__COUNT; i++)
		err |= set(cats, req_category__name(i), stat(&q->cat[i]));
	err |= set(o, "categories_ns", cats);
	err |= set(o, "syscalls", stat(&q->syscalls));
	err |= set(o, "sends", stat(&q->sends));
	err |= set(o, "bursts", stat(&q->bursts));
	err |= set(o, "burst_gaps_ns", stat(&q->gaps));
	err |= set(o, "bytes_in", json_out__u64(q->bytes_in));
	err |= set(o, "bytes_out", json_out__u64(q->bytes_out));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *syscalls_json(const struct analysis *a)
{
	json_t *arr = json_array();
	int err = 0;

	if (!arr)
		return NULL;
	for (int i = 0; i < a->nsyscalls && !err; i++) {
		const struct analysis_syscall *s = &a->syscalls[i];
		json_t *o = json_object();

		if (!o) {
			err = -ENOMEM;
			break;
		}
		err |= set(o, "name", json_out__str(s->name));
		err |= set(o, "category", json_string(req_category__name(s->cat)));
		err |= set(o, "calls", json_out__u64(s->duration.count));
		err |= set(o, "errors", json_out__u64(s->errors));
		err |= set(o, "total_ns", json_out__u64(s->duration.sum));
		err |= set(o, "in_requests", json_out__u64(s->in_requests));
		err |= set(o, "in_requests_ns", json_out__u64(s->in_requests_ns));
		err |= set(o, "duration_ns", stat(&s->duration));
		err |= append(arr, o);
	}
	if (err) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *categories_json(const struct analysis *a)
{
	json_t *arr = json_array();
	int err = 0;

	if (!arr)
		return NULL;
	for (int i = 0; i < REQ_CAT__COUNT; i++) {
		const struct analysis_category *c = &a->cat[i];
		json_t *o = json_object();

		if (!o) {
			err = -ENOMEM;
			break;
		}
		err |= set(o, "name", json_string(req_category__name(i)));
		err |= set(o, "calls", json_out__u64(c->calls));
		err |= set(o, "total_ns", json_out__u64(c->total_ns));
		err |= set(o, "in_requests_ns", json_out__u64(a->req.cat_ns[i]));
		err |= set(o, "per_request_ns", stat(&a->req.cat[i]));
		err |= set(o, "duration_ns", stat(&c->duration));
		err |= append(arr, o);
	}
	if (err) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *group_json(uint64_t count, uint64_t latency, const uint64_t *cat, uint64_t user,
			  uint64_t shared, uint64_t runq)
{
	json_t *o = json_object(), *cats = json_object();
	int err = 0;

	if (!o || !cats) {
		json_decref(o);
		json_decref(cats);
		return NULL;
	}
	/* Means per request, so slow and typical compare directly. */
	err |= set(o, "count", json_out__u64(count));
	err |= set(o, "latency_ns", json_out__ns(count ? latency / count : 0, count > 0));
	for (int i = 0; i < REQ_CAT__COUNT; i++)
		err |= set(cats, req_category__name(i), json_out__ns(count ? cat[i] / count : 0, count > 0));
	err |= set(o, "categories_ns", cats);
	err |= set(o, "user_ns", json_out__ns(count ? user / count : 0, count > 0));
	err |= set(o, "shared_ns", json_out__ns(count ? shared / count : 0, count > 0));
	err |= set(o, "runq_ns", json_out__ns(count ? runq / count : 0, count > 0));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *breakdown_json(const struct analysis *a)
{
	const struct analysis_breakdown *b = &a->breakdown;
	json_t *o = json_object();
	int err = 0;

	if (!o)
		return NULL;
	err |= set(o, "p50_ns", json_out__ns(b->p50_ns, b->valid));
	err |= set(o, "p99_ns", json_out__ns(b->p99_ns, b->valid));
	err |= set(o, "typical", group_json(b->typical_count, b->typical_latency_ns, b->typical_cat_ns,
					    b->typical_user_ns, b->typical_shared_ns, b->typical_runq_ns));
	err |= set(o, "slow", group_json(b->slow_count, b->slow_latency_ns, b->slow_cat_ns,
					 b->slow_user_ns, b->slow_shared_ns, b->slow_runq_ns));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *tasks_json(const struct analysis_task *t, int n, bool threads)
{
	json_t *arr = json_array();
	int err = 0;

	if (!arr)
		return NULL;
	for (int i = 0; i < n && !err; i++) {
		json_t *o = json_object();

		if (!o) {
			err = -ENOMEM;
			break;
		}
		err |= set(o, "host", json_out__u64(t[i].host));
		err |= set(o, "pid", json_out__u64(t[i].pid));
		if (threads)
			err |= set(o, "tid", json_out__u64(t[i].tid));
		err |= set(o, "comm", str_or_null(t[i].comm));
		err |= set(o, "syscalls", json_out__u64(t[i].syscalls));
		err |= set(o, "syscall_ns", json_out__u64(t[i].syscall_ns));
		err |= set(o, "idle_ns", json_out__u64(t[i].idle_ns));
		err |= set(o, "requests", json_out__u64(t[i].requests));
		err |= set(o, "incomplete", json_out__u64(t[i].incomplete));
		err |= set(o, "latency_ns", stat(&t[i].latency));
		err |= append(arr, o);
	}
	if (err) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *conns_json(const struct analysis *a)
{
	json_t *arr = json_array();
	int err = 0;

	if (!arr)
		return NULL;
	for (int i = 0; i < a->nconns && !err; i++) {
		const struct analysis_conn *c = &a->conns[i];
		json_t *o = json_object();

		if (!o) {
			err = -ENOMEM;
			break;
		}
		err |= set(o, "host", json_out__u64(c->host));
		err |= set(o, "pid", json_out__u64(c->pid));
		err |= set(o, "fd", json_integer(c->fd));
		err |= set(o, "fd_kind", json_string(fd_kind__name(c->fd_kind)));
		err |= set(o, "connections", json_out__u64(c->connections));
		err |= set(o, "requests", json_out__u64(c->requests));
		err |= set(o, "incomplete", json_out__u64(c->incomplete));
		err |= set(o, "bytes_in", json_out__u64(c->bytes_in));
		err |= set(o, "bytes_out", json_out__u64(c->bytes_out));
		err |= set(o, "latency_ns", stat(&c->latency));
		err |= append(arr, o);
	}
	if (err) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *timeseries_json(const struct analysis *a)
{
	json_t *o = json_object(), *pts = json_array();
	int err = 0;

	if (!o || !pts) {
		json_decref(o);
		json_decref(pts);
		return NULL;
	}
	for (int i = 0; i < a->nbuckets && !err; i++) {
		const struct analysis_bucket *b = &a->buckets[i];
		json_t *p = json_object();
		uint64_t v = 0;
		bool any = b->latency.count > 0;

		if (!p) {
			err = -ENOMEM;
			break;
		}
		err |= set(p, "start_ns", json_out__u64(b->start_ns));
		err |= set(p, "requests", json_out__u64(b->requests));
		err |= set(p, "incomplete", json_out__u64(b->incomplete));
		err |= set(p, "events", json_out__u64(b->events));
		err |= set(p, "throughput_rps", json_real((double)b->requests * 1e9 / (double)a->interval_ns));
		histogram__quantile(&b->latency, 0.5, &v);
		err |= set(p, "p50_ns", json_out__ns(v, any));
		histogram__quantile(&b->latency, 0.99, &v);
		err |= set(p, "p99_ns", json_out__ns(v, any));
		err |= set(p, "max_ns", json_out__ns(b->latency.max, any));
		err |= append(pts, p);
	}
	err |= set(o, "interval_ns", json_out__u64(a->interval_ns));
	err |= set(o, "points", pts);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *slowest_json(const struct analysis *a)
{
	json_t *arr = json_array();
	int err = 0;

	if (!arr)
		return NULL;
	for (int i = 0; i < a->nslowest && !err; i++)
		err |= append(arr, out_json__request(&a->slowest[i].req, true));
	if (err) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *findings_json(const struct analysis *a)
{
	json_t *arr = json_array();
	int err = 0;

	if (!arr)
		return NULL;
	for (int i = 0; i < a->nfindings && !err; i++) {
		const struct analysis_finding *f = &a->findings[i];
		json_t *o = json_object();

		if (!o) {
			err = -ENOMEM;
			break;
		}
		err |= set(o, "id", json_string(f->id));
		err |= set(o, "severity", json_integer(f->severity));
		err |= set(o, "title", json_string(f->title));
		err |= set(o, "evidence", json_string(f->evidence));
		err |= append(arr, o);
	}
	if (err) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/*
 * JSON of ROOT without its closing brace, then "requests_list" streamed:
 * the bytes json_out__dump would give with the array in ROOT (each request
 * indented one level deeper than alone).
 */
static int dump_with_list(json_t *root, FILE *f, const struct request *reqs, size_t n)
{
	const size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6);
	char *s = json_dumps(root, flags);
	size_t len = s ? strlen(s) : 0;
	int err = 0;

	if (len < 2 || s[len - 1] != '}') {
		free(s);
		return -ENOMEM;
	}
	/* "{}" when ROOT is empty; else it ends with "\n}". */
	if (fwrite(s, 1, len - (s[len - 2] == '\n' ? 2 : 1), f) != len - (s[len - 2] == '\n' ? 2 : 1))
		err = -EIO;
	free(s);
	if (!err && fputs(n ? ",\n  \"requests_list\": [" : ",\n  \"requests_list\": []", f) == EOF)
		err = -EIO;
	for (size_t i = 0; i < n && !err; i++) {
		json_t *o = out_json__request(&reqs[i], false);
		char *r = o ? json_dumps(o, flags) : NULL;

		json_decref(o);
		if (!r)
			return -ENOMEM;
		if (fputs(i ? ",\n    " : "\n    ", f) == EOF)
			err = -EIO;
		for (const char *p = r; *p && !err; p++)
			if (fputc(*p, f) == EOF || (*p == '\n' && fputs("    ", f) == EOF))
				err = -EIO;
		free(r);
	}
	if (!err && fputs(n ? "\n  ]\n}\n" : "\n}\n", f) == EOF)
		err = -EIO;
	return err;
}

int out_json__report(FILE *f, const struct analysis *a, bool list, const struct request *requests,
		     size_t nrequests)
{
	json_t *root = json_object();
	int err = 0;

	if (!root)
		return -ENOMEM;
	err |= set(root, "format_version", json_integer(JSON_FORMAT_VERSION));
	err |= set(root, "command", json_string("report"));
	err |= set(root, "trace", trace_json(a));
	err |= set(root, "options", options_json(a));
	err |= set(root, "requests", requests_json(a));
	err |= set(root, "breakdown", breakdown_json(a));
	err |= set(root, "categories", categories_json(a));
	err |= set(root, "syscalls", syscalls_json(a));
	err |= set(root, "processes", tasks_json(a->processes, a->nprocesses, false));
	err |= set(root, "threads", tasks_json(a->threads, a->nthreads, true));
	err |= set(root, "connections", conns_json(a));
	err |= set(root, "timeseries", timeseries_json(a));
	err |= set(root, "slowest", slowest_json(a));
	err |= set(root, "findings", findings_json(a));
	if (!err)
		err = list ? dump_with_list(root, f, requests, nrequests) : json_out__dump(root, f);
	json_decref(root);
	return err ? (err == -EIO ? -EIO : -ENOMEM) : 0;
}
