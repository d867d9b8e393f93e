// SPDX-License-Identifier: MIT
/* The listener, the connection queue and the worker pool; each worker serves one connection at a time. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

/* One request head and one body: a request never needs more. */
#define CONN_BUF_BYTES (HTTP_HEAD_MAX_BYTES + HTTP_BODY_MAX_BYTES)
#define OUT_BUF_BYTES (HTTP_RESPONSE_BODY_MAX + 512)
/* On stop, how long requests in progress may take before their sockets are shut. */
#define STOP_GRACE_SEC 2
/* After a refusal, how much of the client's unread data is drained before close. */
#define LINGER_MAX_BYTES (256 * 1024)
#define LINGER_TIMEOUT_US 500000

struct worker {
	struct server *srv;
	pthread_t thread;
	bool started, joined;
	int fd;			/* connection being served, -1 if none; guarded by srv->lock */
	pid_t tid;
	char in[CONN_BUF_BYTES];
	char out[OUT_BUF_BYTES];
	struct http_response resp;
};

struct server {
	int listen_fd;
	int port;
	struct handler *handler;
	struct reqlog *log;
	pthread_mutex_t lock;	/* guards the queue, stopping and every worker's fd */
	pthread_cond_t cond;
	int queue[SERVER_QUEUE_MAX];
	size_t q_head, q_len;
	bool stopping;
	bool stopped;		/* only touched by the thread that runs server__run/free */
	unsigned keepalive_requests, keepalive_timeout_ms;
	unsigned n_workers;
	struct worker *workers;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= w;
	}
	return 0;
}

/* Read what the socket has into the free end of the buffer. Returns read(2)'s result. */
static ssize_t read_more(struct worker *w, int fd, size_t *len)
{
	ssize_t n;

	do
		n = read(fd, w->in + *len, sizeof(w->in) - *len);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		*len += n;
	return n;
}

/*
 * Close after a refusal without losing the answer: closing with unread data
 * makes the kernel send a reset, which can destroy the response in flight.
 */
static void linger_close(int fd)
{
	struct timeval tv = { .tv_usec = LINGER_TIMEOUT_US };
	size_t drained = 0;
	char sink[4096];
	ssize_t n;

	shutdown(fd, SHUT_WR);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (drained < LINGER_MAX_BYTES && (n = read(fd, sink, sizeof(sink))) > 0)
		drained += n;
}

static void log_request(struct worker *w, int fd, uint64_t start_ns,
			const struct http_request *req, int status,
			const struct handler_note *note)
{
	struct reqlog_entry e;

	/* Without a log, no work at all: the traced syscalls must be the server's own. */
	if (!w->srv->log)
		return;
	e = (struct reqlog_entry){
		.seq = note ? note->seq : 0,
		.start_ns = start_ns,
		.end_ns = now_ns(),
		.tid = w->tid,
		.fd = fd,
		.method = req->method,
		.method_len = req->method_len,
		.target = req->target,
		.target_len = req->target_len,
		.status = status,
		.slow = note && note->slow,
		.cached = note && note->cached,
	};

	reqlog__append(w->srv->log, &e);
}

static const char *refusal_message(int status)
{
	switch (status) {
	case 413: return "body larger than 8192 bytes";
	case 431: return "request head larger than 8192 bytes or with more than 64 fields";
	case 501: return "transfer-encoding is not supported; send Content-Length";
	case 505: return "only HTTP/1.0 and HTTP/1.1 are supported";
	default: return "malformed request";
	}
}

/* Answer a request that cannot be framed; the connection cannot be used after it. */
static void refuse(struct worker *w, int fd, uint64_t start_ns, const struct http_request *req)
{
	int n;

	http_set_error(&w->resp, req->status, refusal_message(req->status));
	n = http_format_response(w->out, sizeof(w->out), &w->resp, false, 1);
	if (n > 0 && !write_all(fd, w->out, n))
		log_request(w, fd, start_ns, req, req->status, NULL);
	linger_close(fd);
}

/*
 * Serve requests on fd until the client closes it, asks to, sends something
 * unframeable, stays idle past the keep-alive timeout (its reads time out),
 * or has had its share of requests.
 */
static void serve_connection(struct worker *w, int fd)
{
	unsigned cap = w->srv->keepalive_requests, served = 0;
	struct handler_note note;
	struct http_request req;
	uint64_t start_ns = 0;
	size_t len = 0, total;
	bool continued, last;
	int r, n;

	for (;;) {
		r = http_parse_request(w->in, len, &req);
		if (r == 0) {
			if (read_more(w, fd, &len) <= 0)
				return;
			if (!start_ns)
				start_ns = now_ns();
			continue;
		}
		if (r < 0) {
			refuse(w, fd, start_ns, &req);
			return;
		}

		total = req.head_bytes + req.content_length;
		continued = false;
		while (len < total) {
			/* curl and others wait for this before sending a large body. */
			if (req.expect_continue && !continued) {
				if (write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25))
					return;
				continued = true;
			}
			if (read_more(w, fd, &len) <= 0)
				return;
		}

		handler__serve(w->srv->handler, &req, w->in + req.head_bytes, &w->resp, &note);
		last = cap && ++served >= cap && req.keep_alive;
		n = http_format_response(w->out, sizeof(w->out), &w->resp, req.keep_alive && !last,
					 req.minor_version);
		if (n < 0) {
			http_set_error(&w->resp, 500, "response too large");
			n = http_format_response(w->out, sizeof(w->out), &w->resp,
						 req.keep_alive && !last, req.minor_version);
		}
		if (write_all(fd, w->out, n))
			return;
		log_request(w, fd, start_ns, &req, w->resp.status, &note);
		if (last) {
			/* The client may have sent its next request already: no reset over the response. */
			linger_close(fd);
			return;
		}
		if (!req.keep_alive)
			return;

		/* Keep what the client already sent of its next request. */
		len -= total;
		memmove(w->in, w->in + total, len);
		start_ns = len ? now_ns() : 0;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct server *s = w->srv;
	int fd;

	w->tid = gettid();
	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (!s->q_len && !s->stopping)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->stopping) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		fd = s->queue[s->q_head];
		s->q_head = (s->q_head + 1) % SERVER_QUEUE_MAX;
		s->q_len--;
		w->fd = fd;
		pthread_mutex_unlock(&s->lock);

		serve_connection(w, fd);

		/* Forget the fd before closing it, so a stop never shuts a reused number. */
		pthread_mutex_lock(&s->lock);
		w->fd = -1;
		pthread_mutex_unlock(&s->lock);
		close(fd);
	}
}

static int accept_one(struct server *s)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
				   "Content-Type: application/json\r\nContent-Length: 27\r\n"
				   "Connection: close\r\n\r\n{\"error\":\"server is busy\"}\n";
	int fd, one = 1;

	fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		switch (errno) {
		case EAGAIN:
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
		case ENETDOWN:
		case ENETUNREACH:
		case EHOSTUNREACH:
			return 0;	/* the client gave up, or it's transient: accept(2) */
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			fprintf(stderr, "demo-server: warning: cannot accept: %s\n", strerror(errno));
			/* The connection stays in the backlog: back off instead of spinning. */
			usleep(10000);
			return 0;
		default:
			return -errno;
		}
	}
	/* Responses leave in one write; never hold one back for an ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (s->keepalive_timeout_ms) {
		struct timeval tv = { .tv_sec = s->keepalive_timeout_ms / 1000,
				      .tv_usec = s->keepalive_timeout_ms % 1000 * 1000 };

		/* A read that waits longer fails with EAGAIN, and the worker closes the connection. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}

	pthread_mutex_lock(&s->lock);
	if (s->q_len == SERVER_QUEUE_MAX) {
		pthread_mutex_unlock(&s->lock);
		if (write_all(fd, busy, sizeof(busy) - 1) == 0)
			linger_close(fd);
		close(fd);
		return 0;
	}
	s->queue[(s->q_head + s->q_len) % SERVER_QUEUE_MAX] = fd;
	s->q_len++;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void shut_active(struct server *s, int how)
{
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < s->n_workers; i++)
		if (s->workers[i].fd >= 0)
			shutdown(s->workers[i].fd, how);
	pthread_mutex_unlock(&s->lock);
}

static void join_workers(struct server *s, const struct timespec *deadline)
{
	for (unsigned i = 0; i < s->n_workers; i++) {
		struct worker *w = &s->workers[i];

		if (!w->started || w->joined)
			continue;
		if (deadline ? !pthread_timedjoin_np(w->thread, NULL, deadline)
			     : !pthread_join(w->thread, NULL))
			w->joined = true;
	}
}

/*
 * Shutting down the read side ends idle keep-alive connections (their read
 * returns 0) while a request in progress still gets its response out.
 */
static void stop(struct server *s)
{
	struct timespec deadline;

	if (s->stopped)
		return;
	s->stopped = true;
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		s->listen_fd = -1;
	}

	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	shut_active(s, SHUT_RD);

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += STOP_GRACE_SEC;
	join_workers(s, &deadline);
	/* A client that stopped reading holds its worker in write(): cut it off. */
	shut_active(s, SHUT_RDWR);
	join_workers(s, NULL);

	for (; s->q_len; s->q_len--, s->q_head = (s->q_head + 1) % SERVER_QUEUE_MAX)
		close(s->queue[s->q_head]);
}

static int listen_on(struct server *s, int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t addr_len = sizeof(addr);
	int one = 1;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return -errno;
	if (setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(s->listen_fd, SOMAXCONN) ||
	    getsockname(s->listen_fd, (struct sockaddr *)&addr, &addr_len))
		return -errno;
	s->port = ntohs(addr.sin_port);
	return 0;
}

struct server *server__new(const struct server_config *cfg)
{
	struct server *s;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->listen_fd = -1;
	s->handler = cfg->handler;
	s->log = cfg->log;
	s->keepalive_requests = cfg->keepalive_requests;
	s->keepalive_timeout_ms = cfg->keepalive_timeout_ms;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);

	err = listen_on(s, cfg->port);
	if (err)
		goto err_free;
	s->workers = calloc(cfg->threads, sizeof(*s->workers));
	if (!s->workers) {
		err = -ENOMEM;
		goto err_free;
	}
	s->n_workers = cfg->threads;
	for (unsigned i = 0; i < s->n_workers; i++) {
		s->workers[i].srv = s;
		s->workers[i].fd = -1;
	}
	for (unsigned i = 0; i < s->n_workers; i++) {
		struct worker *w = &s->workers[i];

		err = -pthread_create(&w->thread, NULL, worker_main, w);
		if (err)
			goto err_free;
		w->started = true;
	}
	return s;

err_free:
	server__free(s);
	errno = -err;
	return NULL;
}

int server__port(const struct server *s)
{
	return s->port;
}

int server__run(struct server *s, int stop_fd)
{
	struct pollfd pfd[2] = {
		{ .fd = s->listen_fd, .events = POLLIN },
		{ .fd = stop_fd, .events = POLLIN },
	};
	int err = 0;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (pfd[1].revents)
			break;
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			err = -EIO;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			err = accept_one(s);
			if (err)
				break;
		}
	}
	stop(s);
	return err;
}

void server__free(struct server *s)
{
	if (!s)
		return;
	stop(s);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s->workers);
	free(s);
}
