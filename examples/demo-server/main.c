// SPDX-License-Identifier: MIT
/* demo-server: a small MLP model server over HTTP/1.1 keep-alive, the workload mslat's demo records. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "handler.h"
#include "model.h"
#include "reqlog.h"
#include "server.h"

#define THREADS_MAX 1024
#define CACHE_MAX (1 << 20)
#define SLOW_MS_MAX 10000
#define KEEPALIVE_REQUESTS_MAX 1000000000
#define KEEPALIVE_TIMEOUT_MS_MAX 3600000

struct options {
	int port;
	unsigned threads;
	const char *weights;
	size_t cache_entries;
	double slow_fraction;
	unsigned slow_ms;
	unsigned keepalive_requests, keepalive_timeout_ms;
	const char *requests_log;
	const char *write_weights;
	unsigned long long seed;
	bool force;
};

static void usage(FILE *f)
{
	fputs("Usage: demo-server [OPTIONS]\n"
	      "       demo-server --write-weights FILE [--seed N] [--force]\n"
	      "\n"
	      "Serve a small MLP (64 inputs, 128 ReLU hidden units, 10 softmax outputs) over\n"
	      "HTTP/1.1 with keep-alive on 127.0.0.1, from a fixed pool of worker threads that\n"
	      "each serve one connection at a time. Every request takes a lock around a\n"
	      "shared prediction cache, and a known fraction of predictions take a slow path\n"
	      "that re-reads the weights file cold while holding that lock: the latency mslat\n"
	      "should find. Prints 'listening on 127.0.0.1:PORT' once ready; stops on SIGINT\n"
	      "or SIGTERM.\n"
	      "\n"
	      "Endpoints:\n"
	      "  POST /predict            body: 64 comma-separated numbers\n"
	      "  GET  /predict?seed=N     inputs derived from N\n"
	      "  GET  /health\n"
	      "\n"
	      "Options:\n"
	      "  -p, --port N             TCP port, 0 for any free one [default: 8080]\n"
	      "  -t, --threads N          worker threads [default: 4]\n"
	      "  -w, --weights FILE       weights file [default: testdata/model/mlp.bin]\n"
	      "      --cache-size N       cached predictions, 0 for none [default: 1024]\n"
	      "      --slow-fraction F    fraction of predictions on the slow path, every\n"
	      "                           1/F-th in sequence [default: 0.05]\n"
	      "      --slow-ms MS         least time the slow path holds the cache lock\n"
	      "                           [default: 5]\n"
	      "      --keepalive-requests N\n"
	      "                           close a connection after N requests (its last\n"
	      "                           response says so), so that connections waiting\n"
	      "                           for a worker get a turn; 0: no limit [default: 100]\n"
	      "      --keepalive-timeout MS\n"
	      "                           close a connection whose read waits longer;\n"
	      "                           0: never [default: 5000]\n"
	      "      --requests-log FILE  one tab-separated line per request (times,\n"
	      "                           thread, socket, status, slow)\n"
	      "      --write-weights FILE write the deterministic weights file and exit\n"
	      "      --seed N             generator seed for --write-weights [default: 1]\n"
	      "      --force              let --write-weights replace an existing file\n"
	      "  -h, --help               show this help\n"
	      "\n"
	      "Examples:\n"
	      "  demo-server --port 0 --threads 8\n"
	      "  curl -s 'http://127.0.0.1:8080/predict?seed=42'\n"
	      "  demo-server --write-weights testdata/model/mlp.bin --force\n",
	      f);
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("demo-server: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nSee 'demo-server --help'.\n", stderr);
	return 2;
}

static int parse_ull(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

/* Returns 0, or the exit status: 2 for bad usage, -1 for --help (exit 0). */
static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_CACHE = 256, OPT_SLOW_FRACTION, OPT_SLOW_MS, OPT_KA_REQUESTS, OPT_KA_TIMEOUT,
	       OPT_LOG, OPT_WRITE, OPT_SEED, OPT_FORCE };
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "weights", required_argument, NULL, 'w' },
		{ "cache-size", required_argument, NULL, OPT_CACHE },
		{ "slow-fraction", required_argument, NULL, OPT_SLOW_FRACTION },
		{ "slow-ms", required_argument, NULL, OPT_SLOW_MS },
		{ "keepalive-requests", required_argument, NULL, OPT_KA_REQUESTS },
		{ "keepalive-timeout", required_argument, NULL, OPT_KA_TIMEOUT },
		{ "requests-log", required_argument, NULL, OPT_LOG },
		{ "write-weights", required_argument, NULL, OPT_WRITE },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long long v;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "p:t:w:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_ull(optarg, 65535, &v))
				return usage_error("--port: '%s' is not a port number (0-65535)", optarg);
			o->port = (int)v;
			break;
		case 't':
			if (parse_ull(optarg, THREADS_MAX, &v) || !v)
				return usage_error("--threads: '%s' is not a number from 1 to 1024", optarg);
			o->threads = (unsigned)v;
			break;
		case 'w':
			o->weights = optarg;
			break;
		case OPT_CACHE:
			if (parse_ull(optarg, CACHE_MAX, &v))
				return usage_error("--cache-size: '%s' is not a number from 0 to 1048576",
						   optarg);
			o->cache_entries = v;
			break;
		case OPT_SLOW_FRACTION:
			errno = 0;
			o->slow_fraction = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->slow_fraction >= 0) ||
			    o->slow_fraction > 1)
				return usage_error("--slow-fraction: '%s' is not a number from 0 to 1",
						   optarg);
			break;
		case OPT_SLOW_MS:
			if (parse_ull(optarg, SLOW_MS_MAX, &v))
				return usage_error("--slow-ms: '%s' is not a number from 0 to 10000",
						   optarg);
			o->slow_ms = (unsigned)v;
			break;
		case OPT_KA_REQUESTS:
			if (parse_ull(optarg, KEEPALIVE_REQUESTS_MAX, &v))
				return usage_error("--keepalive-requests: '%s' is not a number from 0 to %d",
						   optarg, KEEPALIVE_REQUESTS_MAX);
			o->keepalive_requests = (unsigned)v;
			break;
		case OPT_KA_TIMEOUT:
			if (parse_ull(optarg, KEEPALIVE_TIMEOUT_MS_MAX, &v))
				return usage_error("--keepalive-timeout: '%s' is not a number of milliseconds from 0 to %d",
						   optarg, KEEPALIVE_TIMEOUT_MS_MAX);
			o->keepalive_timeout_ms = (unsigned)v;
			break;
		case OPT_LOG:
			o->requests_log = optarg;
			break;
		case OPT_WRITE:
			o->write_weights = optarg;
			break;
		case OPT_SEED:
			if (parse_ull(optarg, ~0ULL, &o->seed))
				return usage_error("--seed: '%s' is not a non-negative integer", optarg);
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			fputs("See 'demo-server --help'.\n", stderr);
			return 2;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

static int write_weights(const struct options *o)
{
	int err = model__write_weights(o->write_weights, o->seed, o->force);

	if (err) {
		fprintf(stderr, "demo-server: error: cannot write '%s': %s\n", o->write_weights,
			strerror(-err));
		if (err == -EEXIST)
			fputs("hint: add --force to replace it\n", stderr);
		return 1;
	}
	return 0;
}

/* Route SIGINT and SIGTERM to a signalfd the accept loop polls; threads inherit the mask. */
static int block_stop_signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &mask, NULL))
		return -1;
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

int main(int argc, char **argv)
{
	struct options o = {
		.port = 8080,
		.threads = 4,
		.weights = "testdata/model/mlp.bin",
		.cache_entries = 1024,
		.slow_fraction = 0.05,
		.slow_ms = 5,
		.keepalive_requests = 100,
		.keepalive_timeout_ms = 5000,
		.seed = 1,
	};
	struct handler_config hcfg;
	struct server_config scfg;
	struct handler *handler = NULL;
	struct reqlog *log = NULL;
	struct server *srv = NULL;
	struct model *model = NULL;
	char why[256];
	int ret, err, stop_fd = -1;

	ret = parse_options(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (o.write_weights)
		return write_weights(&o);

	ret = 1;
	/*
	 * From here on SIGINT and SIGTERM mean a clean stop, whenever they come;
	 * a client that disconnects early costs an EPIPE, not the process.
	 */
	signal(SIGPIPE, SIG_IGN);
	stop_fd = block_stop_signals();
	if (stop_fd < 0) {
		fprintf(stderr, "demo-server: error: cannot set up signals: %s\n", strerror(errno));
		goto cleanup;
	}
	model = model__load(o.weights, why, sizeof(why));
	if (!model) {
		err = errno;
		fprintf(stderr, "demo-server: error: cannot load weights '%s': %s\n", o.weights, why);
		if (err == ENOENT)
			fputs("hint: run from the source tree, or pass --weights FILE\n", stderr);
		goto cleanup;
	}
	hcfg = (struct handler_config){
		.weights_path = o.weights,
		.slow_fraction = o.slow_fraction,
		.slow_ms = o.slow_ms,
		.cache_entries = o.cache_entries,
	};
	handler = handler__new(model, &hcfg);
	if (!handler) {
		fprintf(stderr, "demo-server: error: cannot create the cache: %s\n", strerror(errno));
		goto cleanup;
	}
	if (o.requests_log) {
		log = reqlog__open(o.requests_log);
		if (!log) {
			fprintf(stderr, "demo-server: error: cannot create '%s': %s\n", o.requests_log,
				strerror(errno));
			goto cleanup;
		}
	}

	scfg = (struct server_config){
		.port = o.port,
		.threads = o.threads,
		.keepalive_requests = o.keepalive_requests,
		.keepalive_timeout_ms = o.keepalive_timeout_ms,
		.handler = handler,
		.log = log,
	};
	srv = server__new(&scfg);
	if (!srv) {
		fprintf(stderr, "demo-server: error: cannot listen on 127.0.0.1:%d: %s\n", o.port,
			strerror(errno));
		goto cleanup;
	}
	printf("listening on 127.0.0.1:%d\n", server__port(srv));
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "demo-server: error: cannot write to stdout: %s\n", strerror(errno));
		goto cleanup;
	}

	ret = server__run(srv, stop_fd);
	if (ret) {
		fprintf(stderr, "demo-server: error: accept loop failed: %s\n", strerror(-ret));
		ret = 1;
	}

cleanup:
	server__free(srv);
	err = reqlog__close(log);
	if (err) {
		fprintf(stderr, "demo-server: error: cannot write '%s': %s\n", o.requests_log,
			strerror(-err));
		ret = 1;
	}
	handler__free(handler);
	model__free(model);
	if (stop_fd >= 0)
		close(stop_fd);
	return ret;
}
