/* SPDX-License-Identifier: MIT */
/* The TCP side: listener, connection queue and a fixed pool of workers serving HTTP keep-alive. */
#ifndef DEMO_SERVER_H
#define DEMO_SERVER_H

#include "handler.h"
#include "reqlog.h"

/* Accepted connections waiting for a worker; more are refused with a 503. */
#define SERVER_QUEUE_MAX 1024

struct server_config {
	int port;		/* 0: the kernel picks one */
	unsigned threads;
	/*
	 * A connection is closed after this many requests (its last response
	 * says "Connection: close"), 0 for no limit: with more keep-alive
	 * connections than workers, the waiting ones get a turn, as with
	 * nginx's keepalive_requests or Apache's MaxKeepAliveRequests.
	 */
	unsigned keepalive_requests;
	unsigned keepalive_timeout_ms;	/* an idle connection is closed after this; 0: never */
	struct handler *handler;	/* borrowed */
	struct reqlog *log;		/* borrowed, may be NULL */
};

/*
 * Listen on 127.0.0.1:cfg->port and start the workers. Call with SIGINT and
 * SIGTERM blocked, so the workers inherit the mask and only the caller sees
 * them. Returns NULL and sets errno.
 */
struct server *server__new(const struct server_config *cfg);

/* The port actually bound. */
int server__port(const struct server *s);

/*
 * Accept connections and hand them to the workers until stop_fd becomes
 * readable (a signalfd), then stop: no new connections, requests in progress
 * finish, idle keep-alive connections are closed. Returns 0 or a negative errno.
 */
int server__run(struct server *s, int stop_fd);

/* Stop (if running), join the workers, close every socket. NULL is fine. */
void server__free(struct server *s);

#endif /* DEMO_SERVER_H */
