// SPDX-License-Identifier: MIT
/* The client side of HTTP/1.1: blocking socket I/O and response framing. */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include "client.h"

void client__init(struct client *c)
{
	c->fd = -1;
	c->len = 0;
	c->head_request = false;
}

int client__connect(struct client *c, const struct sockaddr *addr, socklen_t addr_len,
		    unsigned timeout_ms)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };
	int one = 1, err;

	client__close(c);
	c->fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	/* Linux bounds connect() by the send timeout too. */
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		goto err_close;
	while (connect(c->fd, addr, addr_len)) {
		if (errno != EINTR)
			goto err_close;
	}
	return 0;

err_close:
	err = errno == EINPROGRESS || errno == EAGAIN ? -ETIMEDOUT : -errno;
	client__close(c);
	return err;
}

int client__send(struct client *c, const char *req, size_t n)
{
	while (n) {
		ssize_t w = write(c->fd, req, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		req += w;
		n -= w;
	}
	return 0;
}

/* Read more into the buffer. Returns the count, 0 at end of stream, or a negative errno. */
static ssize_t fill(struct client *c)
{
	ssize_t n;

	if (c->len == sizeof(c->buf))
		return -EMSGSIZE;
	do
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	c->len += n;
	return n;
}

static bool equals_ci(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && strncasecmp(s, lit, n) == 0;
}

static bool has_token(const char *v, size_t n, const char *tok)
{
	const char *end = v + n;

	while (v < end) {
		const char *comma = memchr(v, ',', end - v), *e = comma ? comma : end;

		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (equals_ci(v, e - v, tok))
			return true;
		v = comma ? comma + 1 : end;
	}
	return false;
}

#define CHUNKED (-2LL)	/* parse_head's length of a chunked body */
#define BODY_MAX (1ULL << 40)	/* a terabyte: no body or chunk this client will wait for */
#define CHUNK_LINE_MAX 4096	/* a chunk's size line or a trailer line */

/* The last of the comma-separated tokens of V[0..N) is TOK (Transfer-Encoding's final coding). */
static bool last_token_is(const char *v, size_t n, const char *tok)
{
	const char *end = v + n, *comma = memrchr(v, ',', n), *b = comma ? comma + 1 : v;

	while (b < end && (*b == ' ' || *b == '\t'))
		b++;
	while (end > b && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return equals_ci(b, end - b, tok);
}

/*
 * Parse the head in buf[0..head_len) (ending in the blank line). Sets status
 * and close, and *length to the Content-Length, CHUNKED, or -1 when there is
 * neither (the body runs to the end of the connection).
 */
static int parse_head(const char *buf, size_t head_len, struct http_reply *r, long long *length)
{
	const char *p = buf, *end = buf + head_len - 2, *eol;
	int minor;
	bool te = false;	/* a Transfer-Encoding came: Content-Length is ignored */

	if (head_len < 16 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' ||
	    p[8] != ' ' || p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || (p[12] != ' ' && p[12] != '\r'))
		return -EBADMSG;
	minor = p[7] - '0';
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	r->close = minor == 0;
	*length = -1;

	for (p = memchr(p, '\n', end - p) + 1; p < end; p = eol + 1) {
		const char *colon, *v, *ve;

		eol = memchr(p, '\n', end - p);
		if (!eol || eol == p || eol[-1] != '\r')
			return -EBADMSG;
		colon = memchr(p, ':', eol - p);
		if (!colon)
			return -EBADMSG;
		v = colon + 1;
		ve = eol - 1;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (equals_ci(p, colon - p, "content-length") && !te) {
			long long n = 0;

			if (v == ve)
				return -EBADMSG;
			for (const char *d = v; d < ve; d++) {
				if (*d < '0' || *d > '9')
					return -EBADMSG;
				n = n * 10 + (*d - '0');
				if ((unsigned long long)n >= BODY_MAX)	/* checked per digit: never wraps */
					return -EMSGSIZE;
			}
			if (*length >= 0 && *length != n)	/* two lengths: which frames it? (RFC 9112, 6.3) */
				return -EBADMSG;
			*length = n;
		} else if (equals_ci(p, colon - p, "transfer-encoding")) {
			/*
			 * It wins over any Content-Length (RFC 9112, 6.3); chunked
			 * frames the body only as the last coding, else the body
			 * runs to the end of the connection.
			 */
			te = true;
			*length = last_token_is(v, ve - v, "chunked") ? CHUNKED : -1;
		} else if (equals_ci(p, colon - p, "connection")) {
			if (has_token(v, ve - v, "close"))
				r->close = true;
			else if (has_token(v, ve - v, "keep-alive"))
				r->close = false;
		}
	}
	return 0;
}

/*
 * Only the framing of a body is needed, not its bytes: when the buffer is
 * full, the body bytes before *POS (and those after it that ADVANCE skips)
 * go, from HEAD on, so that a response of any length (a stream of tokens)
 * is read in a buffer of CLIENT_BUF_BYTES.
 */
static void drop_body(struct client *c, size_t head, size_t *pos)
{
	memmove(c->buf + head, c->buf + *pos, c->len - *pos);
	c->len -= *pos - head;
	c->dropped += *pos - head;
	*pos = head;
}

/*
 * Read more of the body, room made first (a full buffer drops the body
 * bytes before *POS). Returns 0 or a negative errno: -ECONNRESET when the
 * peer closed.
 */
static int more(struct client *c, size_t head, size_t *pos)
{
	ssize_t got;

	if (c->len == sizeof(c->buf))
		drop_body(c, head, pos);
	got = fill(c);
	return got > 0 ? 0 : got ? (int)got : -ECONNRESET;
}

/* At least N bytes (at most a line's) buffered from *POS on, reading as needed. */
static int have(struct client *c, size_t head, size_t *pos, size_t n)
{
	int err = 0;

	while (!err && c->len - *pos < n)
		err = more(c, head, pos);
	return err;
}

/* Move *POS N bytes on, reading as needed. Returns 0 or a negative errno. */
static int advance(struct client *c, size_t head, size_t *pos, unsigned long long n)
{
	while (c->len - *pos < n) {
		int err;

		if (c->len == sizeof(c->buf)) {	/* what is buffered is skipped: it may go */
			n -= c->len - *pos;
			*pos = c->len;
		}
		err = more(c, head, pos);
		if (err)
			return err;
	}
	*pos += n;
	return 0;
}

/*
 * The line at *POS: *EOL is the offset of its CR LF. Returns 0 or a
 * negative errno: -EBADMSG for a line over CHUNK_LINE_MAX or ended by a
 * bare LF (refused at once, not waited on until the timeout).
 */
static int line_at(struct client *c, size_t head, size_t *pos, size_t *eol)
{
	for (;;) {
		const char *lf = memchr(c->buf + *pos, '\n', c->len - *pos);
		int err;

		if (lf) {
			if (lf == c->buf + *pos || lf[-1] != '\r')
				return -EBADMSG;
			*eol = lf - 1 - c->buf;
			return *eol - *pos > CHUNK_LINE_MAX ? -EBADMSG : 0;
		}
		if (c->len - *pos > CHUNK_LINE_MAX + 1)	/* its CR may be here, its LF not yet */
			return -EBADMSG;
		err = more(c, head, pos);
		if (err)
			return err;
	}
}

/* A chunked body from HEAD on: its chunks, the last (size 0) and its trailers. Sets r->bytes. */
static int read_chunked(struct client *c, size_t head, struct http_reply *r)
{
	size_t pos = head, eol;
	int err;

	for (;;) {
		unsigned long long size = 0;
		const char *d;
		int digits = 0;

		err = line_at(c, head, &pos, &eol);
		if (err)
			return err;
		for (d = c->buf + pos; d < c->buf + eol && isxdigit((unsigned char)*d); d++, digits++) {
			size = size * 16 + (unsigned long long)(isdigit((unsigned char)*d) ? *d - '0' :
								  (tolower((unsigned char)*d) - 'a' + 10));
			if (size >= BODY_MAX)	/* checked per digit: never wraps */
				return -EMSGSIZE;
		}
		/* after the digits: nothing, or extensions (";name=value"), maybe after blanks */
		while (d < c->buf + eol && (*d == ' ' || *d == '\t'))
			d++;
		if (!digits || (d < c->buf + eol && *d != ';'))
			return -EBADMSG;
		pos = eol + 2;
		if (!size)
			break;
		err = advance(c, head, &pos, size);
		if (!err)	/* the CR LF after the data, kept whole when a full buffer drops the data */
			err = have(c, head, &pos, 2);
		if (err)
			return err;
		if (memcmp(c->buf + pos, "\r\n", 2) != 0)
			return -EBADMSG;
		pos += 2;
	}
	/* trailer fields, then the blank line that ends the message */
	for (;;) {
		err = line_at(c, head, &pos, &eol);
		if (err)
			return err;
		if (eol == pos)
			break;
		pos = eol + 2;
	}
	r->bytes = eol + 2;
	return 0;
}

static int read_reply(struct client *c, struct http_reply *r)
{
	long long length;
	size_t head, pos;
	ssize_t n;
	int err;

	for (;;) {
		size_t scan = c->len < CLIENT_HEAD_MAX_BYTES ? c->len : CLIENT_HEAD_MAX_BYTES;
		const char *head_end = memmem(c->buf, scan, "\r\n\r\n", 4);

		if (!head_end) {
			if (scan == CLIENT_HEAD_MAX_BYTES)
				return -EBADMSG;
			n = fill(c);
			if (n <= 0)
				return n ? n : -ECONNRESET;
			continue;
		}
		head = head_end + 4 - c->buf;
		r->head = head;
		err = parse_head(c->buf, head, r, &length);
		if (err)
			return err;
		if (r->status >= 200 || r->status == 101)	/* 101: the protocol switched, nothing follows */
			break;
		/* 100 Continue and friends: the real response follows. */
		c->len -= head;
		memmove(c->buf, c->buf + head, c->len);
	}

	/* No body, whatever the headers say (RFC 9112, 6.3): a HEAD's answer, 1xx, 204, 304. */
	if (c->head_request || r->status < 200 || r->status == 204 || r->status == 304)
		length = 0;
	if (length == CHUNKED)
		return read_chunked(c, head, r);
	if (length < 0) {
		/* No length: the body runs to the end of the connection (a read of 0, not a reset). */
		do {
			pos = c->len;	/* all of it read: it may go */
			if (c->len == sizeof(c->buf))
				drop_body(c, head, &pos);
		} while ((n = fill(c)) > 0);
		if (n < 0)
			return n;
		r->close = true;
		r->bytes = c->len;
		return 0;
	}
	pos = head;
	err = advance(c, head, &pos, (unsigned long long)length);
	if (err)
		return err;
	r->bytes = pos;
	return 0;
}

int client__read_reply(struct client *c, struct http_reply *r)
{
	int err;

	c->dropped = 0;
	r->head = 0;
	err = read_reply(c, r);
	r->dropped = c->dropped;
	return err;
}

void client__consume(struct client *c, const struct http_reply *r)
{
	c->len -= r->bytes;
	memmove(c->buf, c->buf + r->bytes, c->len);
}

void client__close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}
