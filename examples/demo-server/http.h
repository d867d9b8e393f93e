/* SPDX-License-Identifier: MIT */
/* HTTP/1.x request-head parsing and response formatting for the demo server. */
#ifndef DEMO_HTTP_H
#define DEMO_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Limits on what a client may send. A connection buffer holds one head and
 * one body, so it is HTTP_HEAD_MAX_BYTES + HTTP_BODY_MAX_BYTES long.
 */
#define HTTP_HEAD_MAX_BYTES 8192	/* request line + headers, else 431 */
#define HTTP_BODY_MAX_BYTES 8192	/* Content-Length, else 413 */
#define HTTP_FIELDS_MAX 64		/* header fields, else 431 */
#define HTTP_RESPONSE_BODY_MAX 4096

/* A parsed request head. Pointers point into the caller's buffer. */
struct http_request {
	const char *method;	/* not NUL-terminated: use the _len fields */
	size_t method_len;
	const char *target;	/* path and query, as sent */
	size_t target_len;
	size_t path_len;	/* target[0..path_len) is the path */
	const char *query;	/* after '?', or NULL */
	size_t query_len;
	int minor_version;	/* HTTP/1.<minor> */
	size_t head_bytes;	/* request line through the blank line */
	size_t content_length;
	bool keep_alive;
	bool expect_continue;
	int status;		/* when refused: the status to answer */
};

struct http_response {
	int status;
	const char *allow;	/* Allow header value for 405, or NULL */
	char body[HTTP_RESPONSE_BODY_MAX];	/* JSON */
	size_t body_len;
};

/*
 * Parse the request head at the start of buf[0..len). Returns 1 when a
 * complete head is in *req, 0 when more bytes are needed, or a negative errno
 * when the request must be refused; req->status then holds the status to
 * answer (400, 413, 431, 501 or 505) and the connection cannot be reused.
 * A bad request line is refused as soon as it is complete.
 */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

/* Exact, case-sensitive comparisons of the method and of the path. */
bool http_method_is(const struct http_request *req, const char *method);
bool http_path_is(const struct http_request *req, const char *path);

/*
 * Find NAME=VALUE in the query string. Returns true and points *val into the
 * request buffer (not NUL-terminated) when found.
 */
bool http_query_param(const struct http_request *req, const char *name,
		      const char **val, size_t *val_len);

/* The reason phrase of a status this server sends, e.g. "Not Found". */
const char *http_reason(int status);

/*
 * Format a whole JSON response (status line, headers, body) into out[0..cap),
 * so it leaves in one write. Returns its length, or -ENOSPC.
 */
int http_format_response(char *out, size_t cap, const struct http_response *resp,
			 bool keep_alive, int minor_version);

/* Set resp to status with body {"error":"MSG"}; msg must need no escaping. */
void http_set_error(struct http_response *resp, int status, const char *msg);

#endif /* DEMO_HTTP_H */
