// SPDX-License-Identifier: MIT
/* Connection threads: pace, build each request, time it from write() to the response's last byte. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "run.h"

/* Big enough for the head and RUN_INPUTS numbers of at most 7 characters and a comma. */
#define REQUEST_BUF_BYTES (4096 + RUN_INPUTS * 8)

/* Holds every connection until all are connected, so the clock measures requests only. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned ready;
	int state;		/* 0 wait, 1 go, -1 abort */
};

struct conn {
	const struct run_config *cfg;
	struct gate *gate;
	pthread_t thread;
	unsigned index;
	uint64_t share;		/* requests this connection sends */
	uint64_t *samples;
	uint64_t ok, errors;
	int first_errno, first_status;
	struct client client;
};

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

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* RUN_INPUTS numbers in [-1, 1] with 4 decimals, derived from seed; no printf per number. */
static size_t format_inputs(char *out, uint64_t seed)
{
	uint64_t state = seed;
	char *p = out;

	for (int i = 0; i < RUN_INPUTS; i++) {
		int v = (int)(splitmix64(&state) % 20001) - 10000;	/* ten-thousandths */

		if (i)
			*p++ = ',';
		if (v < 0) {
			*p++ = '-';
			v = -v;
		}
		*p++ = '0' + v / 10000;
		*p++ = '.';
		for (int d = 1000; d; d /= 10)
			*p++ = '0' + v / d % 10;
	}
	return p - out;
}

static int build_request(const struct run_config *cfg, uint64_t seed, char *out, size_t cap)
{
	char body[RUN_INPUTS * 8];
	size_t body_len;
	int n;

	if (!cfg->post)
		n = snprintf(out, cap, "GET %s%cseed=%llu HTTP/1.1\r\nHost: %s\r\n"
			     "User-Agent: mslat-loadgen\r\n\r\n",
			     cfg->path, strchr(cfg->path, '?') ? '&' : '?',
			     (unsigned long long)seed, cfg->host_header);
	else {
		body_len = format_inputs(body, seed);
		n = snprintf(out, cap, "POST %s HTTP/1.1\r\nHost: %s\r\n"
			     "User-Agent: mslat-loadgen\r\nContent-Type: text/csv\r\n"
			     "Content-Length: %zu\r\n\r\n%.*s",
			     cfg->path, cfg->host_header, body_len, (int)body_len, body);
	}
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

static void fail(struct conn *cn, int err, int status)
{
	cn->errors++;
	if (!cn->first_errno && !cn->first_status) {
		cn->first_errno = err;
		cn->first_status = status;
	}
}

/* One request, timed from just before its write to the end of its response. */
static void one_request(struct conn *cn, const char *req, size_t n)
{
	const struct run_config *cfg = cn->cfg;
	struct http_reply reply;
	uint64_t t0, t1;
	int err;

	if (cn->client.fd < 0) {
		err = client__connect(&cn->client, (const struct sockaddr *)&cfg->addr,
				      cfg->addr_len, cfg->timeout_ms);
		if (err) {
			fail(cn, -err, 0);
			return;
		}
	}
	t0 = now_ns();
	err = client__send(&cn->client, req, n);
	if (!err)
		err = client__read_reply(&cn->client, &reply);
	t1 = now_ns();
	if (err) {
		/* The stream cannot be trusted after a failure: start a new connection. */
		client__close(&cn->client);
		fail(cn, -err, 0);
		return;
	}
	client__consume(&cn->client, &reply);
	if (reply.status >= 200 && reply.status < 300)
		cn->samples[cn->ok++] = t1 - t0;
	else
		fail(cn, 0, reply.status);
	if (reply.close)
		client__close(&cn->client);
}

static int gate_pass(struct gate *g)
{
	int state;

	pthread_mutex_lock(&g->lock);
	g->ready++;
	pthread_cond_broadcast(&g->cond);
	while (!g->state)
		pthread_cond_wait(&g->cond, &g->lock);
	state = g->state;
	pthread_mutex_unlock(&g->lock);
	return state;
}

/* Open the gate once all n threads wait at it (state 1), or send them home (-1). */
static void gate_open(struct gate *g, unsigned n, int state)
{
	pthread_mutex_lock(&g->lock);
	while (state > 0 && g->ready < n)
		pthread_cond_wait(&g->cond, &g->lock);
	g->state = state;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static void *conn_main(void *arg)
{
	struct conn *cn = arg;
	const struct run_config *cfg = cn->cfg;
	char req[REQUEST_BUF_BYTES];
	uint64_t start_ns;
	int n;

	/* Connect before the clock starts; a failure is retried by the first request. */
	client__connect(&cn->client, (const struct sockaddr *)&cfg->addr, cfg->addr_len,
			cfg->timeout_ms);
	if (gate_pass(cn->gate) < 0) {
		client__close(&cn->client);
		return NULL;
	}
	start_ns = now_ns();

	for (uint64_t k = 0; k < cn->share; k++) {
		/* Requests are numbered across connections, round robin. */
		uint64_t g = k * cfg->connections + cn->index;

		if (cfg->rate > 0)
			sleep_until_ns(start_ns + (uint64_t)((double)g * 1e9 / cfg->rate));
		n = build_request(cfg, cfg->distinct ? g % cfg->distinct : g, req, sizeof(req));
		if (n < 0) {
			fail(cn, -n, 0);
			continue;
		}
		one_request(cn, req, n);
	}
	client__close(&cn->client);
	return NULL;
}

static void merge(struct conn *conns, unsigned n_conns, struct run_result *res)
{
	for (unsigned i = 0; i < n_conns; i++) {
		struct conn *cn = &conns[i];

		memcpy(res->latency_ns + res->ok, cn->samples, cn->ok * sizeof(uint64_t));
		res->ok += cn->ok;
		res->errors += cn->errors;
		if (!res->first_errno && !res->first_status) {
			res->first_errno = cn->first_errno;
			res->first_status = cn->first_status;
		}
	}
}

int run_load(const struct run_config *cfg, struct run_result *res)
{
	struct gate gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
	unsigned n_conns = cfg->connections, started = 0;
	struct conn *conns;
	uint64_t t0;
	int err = 0;

	memset(res, 0, sizeof(*res));
	conns = calloc(n_conns, sizeof(*conns));
	res->latency_ns = malloc(cfg->requests * sizeof(uint64_t));
	if (!conns || !res->latency_ns) {
		err = -ENOMEM;
		goto out_free;
	}
	for (unsigned i = 0; i < n_conns; i++) {
		struct conn *cn = &conns[i];

		cn->cfg = cfg;
		cn->gate = &gate;
		cn->index = i;
		cn->share = cfg->requests / n_conns + (i < cfg->requests % n_conns);
		cn->samples = malloc((cn->share ? cn->share : 1) * sizeof(uint64_t));
		client__init(&cn->client);
		if (!cn->samples) {
			err = -ENOMEM;
			goto out_free;
		}
	}

	for (; started < n_conns; started++) {
		err = -pthread_create(&conns[started].thread, NULL, conn_main, &conns[started]);
		if (err)
			break;
	}
	gate_open(&gate, n_conns, err ? -1 : 1);
	t0 = now_ns();
	for (unsigned i = 0; i < started; i++)
		pthread_join(conns[i].thread, NULL);
	res->duration_ns = now_ns() - t0;
	if (!err)
		merge(conns, n_conns, res);

out_free:
	for (unsigned i = 0; conns && i < n_conns; i++)
		free(conns[i].samples);
	free(conns);
	if (err) {
		free(res->latency_ns);
		res->latency_ns = NULL;
	}
	return err;
}
