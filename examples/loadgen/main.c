// SPDX-License-Identifier: MIT
/* loadgen: closed-loop HTTP load over keep-alive connections, writing client-side latency as JSON. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "report.h"
#include "run.h"

#define CONNECTIONS_MAX 1024
#define REQUESTS_MAX 100000000ULL	/* 800 MB of samples */
#define RATE_MAX 1e7
#define RAW_MAX_BYTES (1024 * 1024)

struct options {
	const char *host;
	int port;
	unsigned connections;
	unsigned long long requests;
	const char *path;
	bool post;
	unsigned long long distinct;
	double rate;
	unsigned timeout_ms;
	const char *out;
	bool raw;
	bool quiet;
};

static void usage(FILE *f)
{
	fputs("Usage: loadgen --port P [OPTIONS]\n"
	      "       loadgen --port P --raw < REQUEST\n"
	      "\n"
	      "Send exactly N HTTP/1.1 requests to the demo server (or any HTTP/1.1 server)\n"
	      "over C keep-alive connections, one thread each, closed loop: a connection\n"
	      "sends its next request when the previous response has fully arrived\n"
	      "(Content-Length, chunked, or to the connection's end). Each request is timed\n"
	      "from just before its write() to the last byte of its response, and the run is\n"
	      "written as JSON (requests, ok, errors, exact nearest-rank latency percentiles\n"
	      "in ns, duration): the client-side ground truth mslat's findings are checked\n"
	      "against. POST requests carry 64 comma-separated numbers; GET requests add\n"
	      "?seed=N. A summary line goes to stderr.\n"
	      "\n"
	      "With --raw, send standard input as is on one connection and print the\n"
	      "response: for hand-made and malformed requests.\n"
	      "\n"
	      "Options:\n"
	      "  -p, --port P             server port (required)\n"
	      "  -H, --host HOST          server address [default: 127.0.0.1]\n"
	      "  -c, --connections C      connections, one thread each [default: 4]\n"
	      "  -n, --requests N         requests in total, split evenly [default: 1000]\n"
	      "      --path PATH          request path [default: /predict]\n"
	      "  -X, --method M           POST or GET [default: POST]\n"
	      "      --distinct K         distinct inputs, cycling; 0 for all different\n"
	      "                           [default: 0]\n"
	      "  -r, --rate R             requests per second in total, 0 for as fast as\n"
	      "                           the server answers [default: 0]\n"
	      "      --timeout-ms MS      per connect, write and read [default: 10000]\n"
	      "  -o, --out FILE           write the JSON there instead of to stdout\n"
	      "      --raw                send standard input, print the response\n"
	      "  -q, --quiet              no summary line\n"
	      "  -h, --help               show this help\n"
	      "\n"
	      "Exit status: 0 when every request got a 2xx response, 1 otherwise, 2 for bad\n"
	      "usage.\n"
	      "\n"
	      "Examples:\n"
	      "  loadgen --port 8080 --connections 16 --requests 20000 --out truth.json\n"
	      "  loadgen --port 8080 -X GET --distinct 100 --rate 2000\n"
	      "  printf 'GET /health HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | loadgen --port 8080 --raw\n",
	      f);
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("loadgen: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nSee 'loadgen --help'.\n", stderr);
	return 2;
}

static int parse_ull(const char *s, unsigned long long min, unsigned long long max,
		     unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

/* Returns 0, or the exit status: 2 for bad usage, -1 for --help (exit 0). */
static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_PATH = 256, OPT_DISTINCT, OPT_TIMEOUT, OPT_RAW };
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "connections", required_argument, NULL, 'c' },
		{ "requests", required_argument, NULL, 'n' },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "method", required_argument, NULL, 'X' },
		{ "distinct", required_argument, NULL, OPT_DISTINCT },
		{ "rate", required_argument, NULL, 'r' },
		{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
		{ "out", required_argument, NULL, 'o' },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long long v;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "p:H:c:n:X:r:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_ull(optarg, 1, 65535, &v))
				return usage_error("--port: '%s' is not a port number (1-65535)", optarg);
			o->port = (int)v;
			break;
		case 'H':
			o->host = optarg;
			break;
		case 'c':
			if (parse_ull(optarg, 1, CONNECTIONS_MAX, &v))
				return usage_error("--connections: '%s' is not a number from 1 to %d",
						   optarg, CONNECTIONS_MAX);
			o->connections = (unsigned)v;
			break;
		case 'n':
			if (parse_ull(optarg, 1, REQUESTS_MAX, &o->requests))
				return usage_error("--requests: '%s' is not a number from 1 to %llu",
						   optarg, REQUESTS_MAX);
			break;
		case OPT_PATH:
			if (optarg[0] != '/' || strpbrk(optarg, " \t\r\n"))
				return usage_error("--path: '%s' must start with '/' and have no spaces",
						   optarg);
			o->path = optarg;
			break;
		case 'X':
			if (strcmp(optarg, "POST") && strcmp(optarg, "GET"))
				return usage_error("--method: '%s' is neither POST nor GET", optarg);
			o->post = !strcmp(optarg, "POST");
			break;
		case OPT_DISTINCT:
			if (parse_ull(optarg, 0, ~0ULL, &o->distinct))
				return usage_error("--distinct: '%s' is not a non-negative integer",
						   optarg);
			break;
		case 'r':
			errno = 0;
			o->rate = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->rate >= 0) || o->rate > RATE_MAX)
				return usage_error("--rate: '%s' is not a number from 0 to 1e7", optarg);
			break;
		case OPT_TIMEOUT:
			if (parse_ull(optarg, 1, 3600000, &v))
				return usage_error("--timeout-ms: '%s' is not a number from 1 to 3600000",
						   optarg);
			o->timeout_ms = (unsigned)v;
			break;
		case 'o':
			o->out = optarg;
			break;
		case OPT_RAW:
			o->raw = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			fputs("See 'loadgen --help'.\n", stderr);
			return 2;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->port)
		return usage_error("--port is required");
	return 0;
}

/* Fill cfg's address and Host header from host and port. Returns 0 or exit status 1. */
static int resolve(const struct options *o, struct run_config *cfg, char *host_header, size_t cap)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai;
	char port[8];
	int err;

	snprintf(port, sizeof(port), "%d", o->port);
	err = getaddrinfo(o->host, port, &hints, &ai);
	if (err) {
		fprintf(stderr, "loadgen: error: cannot resolve '%s': %s\n", o->host,
			gai_strerror(err));
		return 1;
	}
	memcpy(&cfg->addr, ai->ai_addr, ai->ai_addrlen);
	cfg->addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	snprintf(host_header, cap, strchr(o->host, ':') ? "[%s]:%d" : "%s:%d", o->host, o->port);
	cfg->host_header = host_header;
	return 0;
}

static int run_raw(const struct run_config *cfg)
{
	struct http_reply reply = { 0 };
	struct client *c;
	char *req;
	size_t n;
	int err, ret = 1;

	c = malloc(sizeof(*c));
	req = malloc(RAW_MAX_BYTES + 1);
	if (!c || !req) {
		fputs("loadgen: error: out of memory\n", stderr);
		goto out_free;
	}
	n = fread(req, 1, RAW_MAX_BYTES + 1, stdin);
	if (ferror(stdin) || !n || n > RAW_MAX_BYTES) {
		fprintf(stderr, "loadgen: error: --raw needs a request of 1 to %d bytes on stdin\n",
			RAW_MAX_BYTES);
		goto out_free;
	}
	client__init(c);
	err = client__connect(c, (const struct sockaddr *)&cfg->addr, cfg->addr_len,
			      cfg->timeout_ms);
	if (err) {
		fprintf(stderr, "loadgen: error: cannot connect to %s: %s\n", cfg->host_header,
			strerror(-err));
		goto out_free;
	}
	c->head_request = n >= 5 && !memcmp(req, "HEAD ", 5);
	err = client__send(c, req, n);
	if (!err)
		err = client__read_reply(c, &reply);
	if (err && reply.dropped) {
		/* What is kept is the head and the body's end: the head only, and the error. */
		fwrite(c->buf, 1, reply.head, stdout);
		fprintf(stderr, "loadgen: error: no complete response from %s after %llu body bytes: %s\n",
			cfg->host_header, reply.dropped + (c->len - reply.head), strerror(-err));
	} else if (err) {
		/* Show what did arrive: it is what the person debugging needs. */
		fwrite(c->buf, 1, c->len, stdout);
		fprintf(stderr, "loadgen: error: no complete response from %s: %s\n",
			cfg->host_header, strerror(-err));
	} else if (reply.dropped) {
		/* Its head, and no broken body: what was kept of it is its end only. */
		fwrite(c->buf, 1, reply.head, stdout);
		fprintf(stderr, "loadgen: the body, %llu bytes on the wire (chunks' framing too), is not "
			"shown: over the %u KiB kept\n",
			reply.dropped + (reply.bytes - reply.head), CLIENT_BUF_BYTES / 1024u);
		ret = 0;
	} else {
		fwrite(c->buf, 1, reply.bytes, stdout);
		ret = 0;
	}
	client__close(c);
out_free:
	free(req);
	free(c);
	return ret;
}

static int write_output(const struct options *o, const struct run_config *cfg,
			const struct run_result *res, const struct latency_summary *s)
{
	FILE *f = stdout;
	int err;

	if (o->out) {
		f = fopen(o->out, "w");
		if (!f) {
			fprintf(stderr, "loadgen: error: cannot create '%s': %s\n", o->out,
				strerror(errno));
			return 1;
		}
	}
	err = report_write_json(f, cfg, res, s);
	if (f != stdout && fclose(f) && !err)
		err = -errno;
	if (err) {
		fprintf(stderr, "loadgen: error: cannot write '%s': %s\n",
			o->out ? o->out : "stdout", strerror(-err));
		return 1;
	}
	return 0;
}

static void print_failure(const struct run_result *res)
{
	fprintf(stderr, "loadgen: error: %llu requests failed; the first: ",
		(unsigned long long)res->errors);
	if (res->first_status)
		fprintf(stderr, "HTTP status %d\n", res->first_status);
	else
		fprintf(stderr, "%s\n", strerror(res->first_errno));
}

int main(int argc, char **argv)
{
	struct options o = {
		.host = "127.0.0.1",
		.connections = 4,
		.requests = 1000,
		.path = "/predict",
		.post = true,
		.timeout_ms = 10000,
	};
	struct latency_summary summary;
	struct run_config cfg = {};
	struct run_result res;
	char host_header[300];
	int ret, err;

	ret = parse_options(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (resolve(&o, &cfg, host_header, sizeof(host_header)))
		return 1;
	cfg.timeout_ms = o.timeout_ms;
	/* A server that hangs up must cost a failed request, not the process. */
	signal(SIGPIPE, SIG_IGN);
	if (o.raw)
		return run_raw(&cfg);

	cfg.path = o.path;
	cfg.post = o.post;
	cfg.requests = o.requests;
	cfg.connections = o.connections < o.requests ? o.connections : (unsigned)o.requests;
	cfg.distinct = o.distinct;
	cfg.rate = o.rate;

	err = run_load(&cfg, &res);
	if (err) {
		fprintf(stderr, "loadgen: error: cannot start the run: %s\n", strerror(-err));
		return 1;
	}
	latency_summarize(res.latency_ns, res.ok, &summary);
	ret = write_output(&o, &cfg, &res, &summary);
	if (!o.quiet)
		report_print_summary(stderr, &cfg, &res, &summary);
	if (res.errors) {
		print_failure(&res);
		ret = 1;
	}
	free(res.latency_ns);

	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "loadgen: error: cannot write to stdout\n");
		ret = 1;
	}
	return ret;
}
