/* SPDX-License-Identifier: MIT */
/* One HTTP/1.1 client connection: connect, send a request, read one whole response. */
#ifndef LOADGEN_CLIENT_H
#define LOADGEN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define CLIENT_BUF_BYTES (64 * 1024)	/* what of a response is kept: bodies over it are framed, not kept */
#define CLIENT_HEAD_MAX_BYTES 8192

struct client {
	int fd;			/* -1 when not connected */
	size_t len;		/* bytes in buf */
	unsigned long long dropped;	/* body bytes of the response being read, not kept */
	bool head_request;	/* the request was a HEAD: its answer has no body */
	char buf[CLIENT_BUF_BYTES];
};

/* The response at the start of the client's buffer. */
struct http_reply {
	int status;
	size_t bytes;		/* head and body, in the buffer */
	size_t head;		/* of which the head */
	unsigned long long dropped;	/* body bytes on the wire (chunks' framing too) not kept: a body over the buffer */
	bool close;		/* the server closes the connection after it */
};

/* Start unconnected. */
void client__init(struct client *c);

/*
 * Connect to addr with TCP_NODELAY; sends, receives and the connect itself
 * give up after timeout_ms. Returns 0 or a negative errno.
 */
int client__connect(struct client *c, const struct sockaddr *addr, socklen_t addr_len,
		    unsigned timeout_ms);

/* Write all of req. Returns 0 or a negative errno. */
int client__send(struct client *c, const char *req, size_t n);

/*
 * Read until one whole final response (1xx ones are skipped) is buffered,
 * framed by Content-Length, chunked (a streamed response), or by the end of
 * the connection when it has neither. Only the framing is needed: a body
 * that does not fit the buffer is dropped as it is framed (the buffer then
 * holds the head and the last of the body), so a response of any length is
 * read. Returns 0, or a negative errno: -ECONNRESET closed before the
 * response ended, -ETIMEDOUT, -EBADMSG malformed, -EMSGSIZE a length of a
 * terabyte or more.
 */
int client__read_reply(struct client *c, struct http_reply *r);

/* Drop a response read by client__read_reply() from the buffer. */
void client__consume(struct client *c, const struct http_reply *r);

void client__close(struct client *c);

#endif /* LOADGEN_CLIENT_H */
