// SPDX-License-Identifier: MIT
/* Request routing, input parsing, the cached prediction path and the deliberate slow path. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "handler.h"

#define PPM 1000000ULL

struct handler {
	struct model *model;
	struct cache *cache;
	const char *weights_path;
	uint64_t slow_ppm;		/* slow fraction in parts per million */
	unsigned slow_ms;
	atomic_uint_fast64_t seq;	/* predictions started */
	atomic_uint_fast64_t slow_cnt;
	atomic_bool warned;
};

struct handler *handler__new(struct model *m, const struct handler_config *cfg)
{
	struct handler *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->cache = cache__new(cfg->cache_entries, model__n_in(m));
	if (!h->cache) {
		free(h);
		return NULL;
	}
	h->model = m;
	h->weights_path = cfg->weights_path;
	h->slow_ppm = (uint64_t)llround(cfg->slow_fraction * PPM);
	h->slow_ms = cfg->slow_ms;
	return h;
}

void handler__free(struct handler *h)
{
	if (!h)
		return;
	cache__free(h->cache);
	free(h);
}

/*
 * Request seq is slow when it carries the running count of slow requests
 * over an integer: exactly slow_fraction of them, evenly spread and the same
 * in every run (0.05 makes every 20th slow).
 */
static bool is_slow(const struct handler *h, uint64_t seq)
{
	return seq * h->slow_ppm / PPM > (seq - 1) * h->slow_ppm / PPM;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_until_ns(uint64_t t)
{
	struct timespec ts = { .tv_sec = t / 1000000000ULL, .tv_nsec = t % 1000000000ULL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * The slow path, run under the cache lock because a changed model would
 * invalidate every cached prediction. It is the classic mistake mslat is
 * meant to find: storage I/O under a lock every worker needs. The cold
 * re-read shows as file reads in the slow request, and the lock as futex
 * waits in the requests of every other worker.
 */
static int check_weights(void *arg)
{
	struct handler *h = arg;
	uint64_t deadline = now_ns() + (uint64_t)h->slow_ms * 1000000ULL;
	int ret = model__check_file(h->model);

	/*
	 * A local disk answers a 38 KiB read in well under a millisecond; wait
	 * out the rest of --slow-ms as a network disk would keep us waiting.
	 */
	sleep_until_ns(deadline);

	if (ret && !atomic_exchange(&h->warned, true)) {
		if (ret > 0)
			fprintf(stderr, "demo-server: warning: '%s' changed on disk; "
				"still serving the weights loaded at start-up\n", h->weights_path);
		else
			fprintf(stderr, "demo-server: warning: cannot re-read '%s': %s\n",
				h->weights_path, strerror(-ret));
	}
	return ret;
}

static void append(struct http_response *resp, const char *fmt, ...)
{
	size_t room = sizeof(resp->body) - resp->body_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(resp->body + resp->body_len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		resp->body_len += (size_t)n < room ? (size_t)n : room - 1;
}

/* The body: n_in finite numbers separated by commas; whitespace around them is fine. */
static int parse_inputs(const char *body, size_t len, float *x, unsigned n)
{
	char buf[HTTP_BODY_MAX_BYTES + 1], *p = buf, *end;
	unsigned i = 0;

	if (len > HTTP_BODY_MAX_BYTES)
		return -EMSGSIZE;
	memcpy(buf, body, len);
	buf[len] = '\0';
	for (;;) {
		float v = strtof(p, &end);

		if (end == p || !isfinite(v) || i == n)
			return -EINVAL;
		x[i++] = v;
		p = end + strspn(end, " \t\r\n");
		if (*p != ',')
			break;
		p++;
	}
	/* A NUL inside the body must not hide what follows it. */
	return i == n && p == buf + len ? 0 : -EINVAL;
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n || n > 20)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int read_inputs(struct handler *h, const struct http_request *req, const char *body,
		       float *x, struct http_response *resp)
{
	unsigned n_in = model__n_in(h->model);
	const char *val;
	size_t len;
	uint64_t seed;

	if (http_method_is(req, "POST")) {
		if (parse_inputs(body, req->content_length, x, n_in)) {
			char msg[96];

			snprintf(msg, sizeof(msg),
				 "body must be %u comma-separated finite numbers", n_in);
			http_set_error(resp, 400, msg);
			return -EINVAL;
		}
		return 0;
	}
	if (http_method_is(req, "GET")) {
		if (!http_query_param(req, "seed", &val, &len) || parse_u64(val, len, &seed)) {
			http_set_error(resp, 400, "GET /predict needs ?seed=N, N a decimal integer");
			return -EINVAL;
		}
		model__input_from_seed(h->model, seed, x);
		return 0;
	}
	http_set_error(resp, 405, "use POST with a body, or GET with ?seed=N");
	resp->allow = "GET, POST";
	return -EINVAL;
}

static void serve_predict(struct handler *h, const struct http_request *req, const char *body,
			  struct http_response *resp, struct handler_note *note)
{
	float x[MODEL_INPUTS_MAX];
	struct prediction p;

	if (read_inputs(h, req, body, x, resp))
		return;

	note->seq = atomic_fetch_add(&h->seq, 1) + 1;
	note->slow = is_slow(h, note->seq);
	if (note->slow) {
		atomic_fetch_add(&h->slow_cnt, 1);
		cache__revalidate(h->cache, check_weights, h);
	}
	note->cached = cache__lookup(h->cache, x, &p);
	if (!note->cached) {
		model__predict(h->model, x, &p);
		cache__insert(h->cache, x, &p);
	}

	resp->status = 200;
	append(resp, "{\"class\":%u,\"probabilities\":[", p.cls);
	for (unsigned k = 0; k < p.n_out; k++)
		append(resp, "%s%.6f", k ? "," : "", p.probs[k]);
	append(resp, "],\"cached\":%s}\n", note->cached ? "true" : "false");
}

static void serve_health(struct handler *h, const struct http_request *req,
			 struct http_response *resp)
{
	if (!http_method_is(req, "GET")) {
		http_set_error(resp, 405, "use GET");
		resp->allow = "GET";
		return;
	}
	resp->status = 200;
	append(resp, "{\"status\":\"ok\",\"inputs\":%u,\"hidden\":%u,\"outputs\":%u,"
	       "\"predictions\":%llu,\"slow\":%llu}\n",
	       model__n_in(h->model), model__n_hidden(h->model), model__n_out(h->model),
	       (unsigned long long)atomic_load(&h->seq),
	       (unsigned long long)atomic_load(&h->slow_cnt));
}

void handler__serve(struct handler *h, const struct http_request *req, const char *body,
		    struct http_response *resp, struct handler_note *note)
{
	memset(note, 0, sizeof(*note));
	resp->allow = NULL;
	resp->body_len = 0;
	if (http_path_is(req, "/predict"))
		serve_predict(h, req, body, resp, note);
	else if (http_path_is(req, "/health"))
		serve_health(h, req, resp);
	else
		http_set_error(resp, 404, "no such path; try /predict or /health");
}
