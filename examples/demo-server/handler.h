/* SPDX-License-Identifier: MIT */
/* The application: routes /predict and /health, with the cache and the slow path. */
#ifndef DEMO_HANDLER_H
#define DEMO_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "model.h"

struct handler_config {
	const char *weights_path;	/* for messages */
	double slow_fraction;		/* of predictions taking the slow path, 0..1 */
	unsigned slow_ms;		/* least time the slow path holds the cache lock */
	size_t cache_entries;
};

/* What the request log records about a served request. */
struct handler_note {
	uint64_t seq;		/* prediction sequence number, from 1; 0 if none */
	bool slow;
	bool cached;
};

/*
 * The request handler over model m, which it borrows: m must outlive it.
 * Returns NULL and sets errno.
 */
struct handler *handler__new(struct model *m, const struct handler_config *cfg);
void handler__free(struct handler *h);

/*
 * Serve one request whose body[0..req->content_length) has arrived.
 * Thread-safe. Always fills resp, errors included.
 */
void handler__serve(struct handler *h, const struct http_request *req, const char *body,
		    struct http_response *resp, struct handler_note *note);

#endif /* DEMO_HANDLER_H */
