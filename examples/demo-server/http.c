// SPDX-License-Identifier: MIT
/* HTTP/1.x request-head parsing and response formatting, strict enough for untrusted clients. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static int refuse(struct http_request *req, int status)
{
	req->status = status;
	switch (status) {
	case 413:
	case 431:
		return -EMSGSIZE;
	case 501:
	case 505:
		return -ENOTSUP;
	default:
		return -EBADMSG;
	}
}

/* RFC 9110 token characters; ctype would depend on the locale. */
static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Field values: visible characters, obs-text, space and tab; no CTLs. */
static bool is_value_char(unsigned char c)
{
	return (c >= 0x20 && c != 0x7f) || c == '\t';
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool equals_ci(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && strncasecmp(s, lit, n) == 0;
}

/* Parse "METHOD SP /target SP HTTP/d.d" in [p, cr), cr pointing at the CR. */
static int parse_request_line(const char *p, const char *cr, struct http_request *req)
{
	const char *start = p, *q;

	while (p < cr && is_tchar(*p))
		p++;
	if (p == start || p == cr || *p != ' ')
		return refuse(req, 400);
	req->method = start;
	req->method_len = p - start;

	start = ++p;
	while (p < cr && (unsigned char)*p > 0x20 && *p != 0x7f)
		p++;
	if (p == start || *start != '/' || p == cr || *p != ' ')
		return refuse(req, 400);
	req->target = start;
	req->target_len = p - start;
	q = memchr(start, '?', req->target_len);
	req->path_len = q ? (size_t)(q - start) : req->target_len;
	if (q) {
		req->query = q + 1;
		req->query_len = p - (q + 1);
	}

	p++;
	if (cr - p != 8 || memcmp(p, "HTTP/", 5) != 0 || !is_digit(p[5]) ||
	    p[6] != '.' || !is_digit(p[7]))
		return refuse(req, 400);
	if (p[5] != '1')
		return refuse(req, 505);
	req->minor_version = p[7] - '0';
	return 0;
}

/* Content-Length is 1*DIGIT; huge values saturate so they are refused as too large. */
static int parse_length(const char *v, size_t n, size_t *out)
{
	size_t x = 0;

	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(v[i]))
			return -EINVAL;
		if (x > (SIZE_MAX - 9) / 10)
			x = SIZE_MAX;
		else
			x = x * 10 + (size_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

struct field_state {
	bool has_length;
	bool has_te;
	bool conn_close;
	bool conn_keep_alive;
	int host_cnt;
};

static void parse_connection(const char *v, size_t n, struct field_state *st)
{
	const char *end = v + n;

	while (v < end) {
		const char *comma = memchr(v, ',', end - v);
		const char *tok_end = comma ? comma : end;
		const char *e = tok_end;

		while (v < e && is_ows(*v))
			v++;
		while (e > v && is_ows(e[-1]))
			e--;
		if (equals_ci(v, e - v, "close"))
			st->conn_close = true;
		else if (equals_ci(v, e - v, "keep-alive"))
			st->conn_keep_alive = true;
		v = comma ? comma + 1 : end;
	}
}

/* One "name: value" line in [p, cr). */
static int parse_field(const char *p, const char *cr, struct http_request *req,
		       struct field_state *st)
{
	const char *name = p, *v, *ve;
	size_t name_len, len;

	/* A leading space (obs-fold) or space before the colon is refused: request smuggling. */
	while (p < cr && is_tchar(*p))
		p++;
	if (p == name || p == cr || *p != ':')
		return refuse(req, 400);
	name_len = p - name;

	v = p + 1;
	while (v < cr && is_ows(*v))
		v++;
	ve = cr;
	while (ve > v && is_ows(ve[-1]))
		ve--;
	for (const char *c = v; c < ve; c++)
		if (!is_value_char(*c))
			return refuse(req, 400);

	if (equals_ci(name, name_len, "content-length")) {
		if (parse_length(v, ve - v, &len))
			return refuse(req, 400);
		if (st->has_length && len != req->content_length)
			return refuse(req, 400);
		st->has_length = true;
		req->content_length = len;
	} else if (equals_ci(name, name_len, "transfer-encoding")) {
		st->has_te = true;
	} else if (equals_ci(name, name_len, "connection")) {
		parse_connection(v, ve - v, st);
	} else if (equals_ci(name, name_len, "host")) {
		st->host_cnt++;
	} else if (equals_ci(name, name_len, "expect")) {
		if (equals_ci(v, ve - v, "100-continue"))
			req->expect_continue = true;
	}
	return 0;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	size_t scan = len < HTTP_HEAD_MAX_BYTES ? len : HTTP_HEAD_MAX_BYTES;
	const char *eol, *head_end, *fields_end, *p;
	struct field_state st = {};
	int err, nfields = 0;

	memset(req, 0, sizeof(*req));

	eol = memchr(buf, '\n', scan);
	if (!eol)
		return scan == HTTP_HEAD_MAX_BYTES ? refuse(req, 431) : 0;
	if (eol == buf || eol[-1] != '\r')
		return refuse(req, 400);
	err = parse_request_line(buf, eol - 1, req);
	if (err)
		return err;

	head_end = memmem(buf, scan, "\r\n\r\n", 4);
	if (!head_end)
		return scan == HTTP_HEAD_MAX_BYTES ? refuse(req, 431) : 0;
	req->head_bytes = head_end + 4 - buf;

	/* Field lines lie between the request line and the blank line, each ending in CRLF. */
	fields_end = head_end + 2;
	for (p = eol + 1; p < fields_end; p = eol + 1) {
		eol = memchr(p, '\n', fields_end - p);
		if (eol == p || eol[-1] != '\r')
			return refuse(req, 400);
		if (++nfields > HTTP_FIELDS_MAX)
			return refuse(req, 431);
		err = parse_field(p, eol - 1, req, &st);
		if (err)
			return err;
	}

	if (st.has_te)
		return refuse(req, st.has_length ? 400 : 501);
	if (req->minor_version >= 1 && st.host_cnt != 1)
		return refuse(req, 400);
	if (req->content_length > HTTP_BODY_MAX_BYTES)
		return refuse(req, 413);
	if (req->minor_version >= 1)
		req->keep_alive = !st.conn_close;
	else
		req->keep_alive = st.conn_keep_alive && !st.conn_close;
	return 1;
}

bool http_method_is(const struct http_request *req, const char *method)
{
	size_t n = strlen(method);

	return req->method_len == n && memcmp(req->method, method, n) == 0;
}

bool http_path_is(const struct http_request *req, const char *path)
{
	size_t n = strlen(path);

	return req->path_len == n && memcmp(req->target, path, n) == 0;
}

bool http_query_param(const struct http_request *req, const char *name,
		      const char **val, size_t *val_len)
{
	const char *p = req->query, *end = req->query + req->query_len;
	size_t n = strlen(name);

	if (!p)
		return false;
	while (p < end) {
		const char *amp = memchr(p, '&', end - p);
		const char *pair_end = amp ? amp : end;

		if ((size_t)(pair_end - p) > n && memcmp(p, name, n) == 0 && p[n] == '=') {
			*val = p + n + 1;
			*val_len = pair_end - (p + n + 1);
			return true;
		}
		p = amp ? amp + 1 : end;
	}
	return false;
}

const char *http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

int http_format_response(char *out, size_t cap, const struct http_response *resp,
			 bool keep_alive, int minor_version)
{
	const char *conn = "";
	int n;

	/* HTTP/1.1 keeps alive by default; 1.0 clients must be told. */
	if (!keep_alive)
		conn = "Connection: close\r\n";
	else if (minor_version == 0)
		conn = "Connection: keep-alive\r\n";

	n = snprintf(out, cap,
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: application/json\r\n"
		     "Content-Length: %zu\r\n"
		     "%s%s%s"
		     "%s\r\n",
		     resp->status, http_reason(resp->status), resp->body_len,
		     resp->allow ? "Allow: " : "", resp->allow ? resp->allow : "",
		     resp->allow ? "\r\n" : "", conn);
	if (n < 0 || (size_t)n >= cap || (size_t)n + resp->body_len > cap)
		return -ENOSPC;
	memcpy(out + n, resp->body, resp->body_len);
	return n + (int)resp->body_len;
}

void http_set_error(struct http_response *resp, int status, const char *msg)
{
	int n;

	resp->status = status;
	resp->allow = NULL;
	n = snprintf(resp->body, sizeof(resp->body), "{\"error\":\"%s\"}\n", msg);
	resp->body_len = n < 0 ? 0 : (size_t)n < sizeof(resp->body) ? (size_t)n : sizeof(resp->body) - 1;
}
