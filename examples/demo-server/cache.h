/* SPDX-License-Identifier: MIT */
/* An LRU cache of predictions keyed by input vector, shared by all workers under one mutex. */
#ifndef DEMO_CACHE_H
#define DEMO_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

struct cache;

/*
 * A cache of at most capacity predictions for inputs of n_in floats.
 * Capacity 0 stores nothing, but every call still takes the lock, so the
 * server's locking behaviour stays the same. Returns NULL and sets errno.
 */
struct cache *cache__new(size_t capacity, unsigned n_in);
void cache__free(struct cache *c);

/* Copy the prediction cached for x into *out and mark it most recent. Returns true on a hit. */
bool cache__lookup(struct cache *c, const float *x, struct prediction *out);

/* Store p for x, evicting the least recently used entry when full. */
void cache__insert(struct cache *c, const float *x, const struct prediction *p);

/*
 * Run check(arg) holding the cache lock, so no worker can read an entry
 * that the check may invalidate; empty the cache when it returns > 0.
 * Returns what check returned.
 */
int cache__revalidate(struct cache *c, int (*check)(void *arg), void *arg);

#endif /* DEMO_CACHE_H */
