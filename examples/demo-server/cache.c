// SPDX-License-Identifier: MIT
/* The prediction cache: a chained hash table over a fixed entry array, with an LRU list. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

#define NONE (-1)

struct cache_entry {
	uint64_t hash;
	int next;		/* in the bucket chain */
	int lru_prev, lru_next;	/* towards most / least recently used */
	struct prediction pred;
};

struct cache {
	pthread_mutex_t lock;
	unsigned n_in;
	size_t capacity, count;
	size_t n_buckets;	/* power of 2 */
	int *buckets;		/* first entry index, or NONE */
	struct cache_entry *entries;
	float *keys;		/* capacity * n_in: the inputs, to rule out hash collisions */
	int lru_head, lru_tail;	/* most / least recently used */
};

static uint64_t hash_input(const float *x, unsigned n)
{
	const unsigned char *p = (const unsigned char *)x;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n * sizeof(float); i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void reset(struct cache *c)
{
	c->count = 0;
	c->lru_head = c->lru_tail = NONE;
	for (size_t i = 0; i < c->n_buckets; i++)
		c->buckets[i] = NONE;
}

struct cache *cache__new(size_t capacity, unsigned n_in)
{
	struct cache *c;

	if (capacity > 1 << 20) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->n_in = n_in;
	c->capacity = capacity;
	c->n_buckets = 1;
	while (c->n_buckets < capacity)
		c->n_buckets <<= 1;
	c->buckets = calloc(c->n_buckets, sizeof(*c->buckets));
	c->entries = calloc(capacity ? capacity : 1, sizeof(*c->entries));
	c->keys = calloc(capacity ? capacity * n_in : 1, sizeof(*c->keys));
	if (!c->buckets || !c->entries || !c->keys) {
		cache__free(c);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	reset(c);
	return c;
}

void cache__free(struct cache *c)
{
	if (!c)
		return;
	if (c->buckets && c->entries && c->keys)
		pthread_mutex_destroy(&c->lock);
	free(c->buckets);
	free(c->entries);
	free(c->keys);
	free(c);
}

static void lru_unlink(struct cache *c, int i)
{
	struct cache_entry *e = &c->entries[i];

	if (e->lru_prev != NONE)
		c->entries[e->lru_prev].lru_next = e->lru_next;
	else
		c->lru_head = e->lru_next;
	if (e->lru_next != NONE)
		c->entries[e->lru_next].lru_prev = e->lru_prev;
	else
		c->lru_tail = e->lru_prev;
}

static void lru_push_front(struct cache *c, int i)
{
	struct cache_entry *e = &c->entries[i];

	e->lru_prev = NONE;
	e->lru_next = c->lru_head;
	if (c->lru_head != NONE)
		c->entries[c->lru_head].lru_prev = i;
	else
		c->lru_tail = i;
	c->lru_head = i;
}

static int find(struct cache *c, uint64_t h, const float *x)
{
	for (int i = c->buckets[h & (c->n_buckets - 1)]; i != NONE; i = c->entries[i].next)
		if (c->entries[i].hash == h &&
		    memcmp(&c->keys[(size_t)i * c->n_in], x, c->n_in * sizeof(float)) == 0)
			return i;
	return NONE;
}

static void bucket_remove(struct cache *c, int i)
{
	int *link = &c->buckets[c->entries[i].hash & (c->n_buckets - 1)];

	while (*link != i)
		link = &c->entries[*link].next;
	*link = c->entries[i].next;
}

bool cache__lookup(struct cache *c, const float *x, struct prediction *out)
{
	uint64_t h = hash_input(x, c->n_in);
	int i;

	pthread_mutex_lock(&c->lock);
	i = find(c, h, x);
	if (i != NONE) {
		lru_unlink(c, i);
		lru_push_front(c, i);
		*out = c->entries[i].pred;
	}
	pthread_mutex_unlock(&c->lock);
	return i != NONE;
}

void cache__insert(struct cache *c, const float *x, const struct prediction *p)
{
	uint64_t h = hash_input(x, c->n_in);
	int i;

	if (!c->capacity) {
		/* Take the lock all the same: capacity must not change who waits on whom. */
		pthread_mutex_lock(&c->lock);
		pthread_mutex_unlock(&c->lock);
		return;
	}
	pthread_mutex_lock(&c->lock);
	/* Another worker may have computed the same input meanwhile. */
	i = find(c, h, x);
	if (i != NONE) {
		lru_unlink(c, i);
	} else {
		if (c->count < c->capacity) {
			i = (int)c->count++;
		} else {
			i = c->lru_tail;
			lru_unlink(c, i);
			bucket_remove(c, i);
		}
		c->entries[i].hash = h;
		c->entries[i].next = c->buckets[h & (c->n_buckets - 1)];
		c->buckets[h & (c->n_buckets - 1)] = i;
		memcpy(&c->keys[(size_t)i * c->n_in], x, c->n_in * sizeof(float));
	}
	c->entries[i].pred = *p;
	lru_push_front(c, i);
	pthread_mutex_unlock(&c->lock);
}

int cache__revalidate(struct cache *c, int (*check)(void *arg), void *arg)
{
	int ret;

	pthread_mutex_lock(&c->lock);
	ret = check(arg);
	if (ret > 0)
		reset(c);
	pthread_mutex_unlock(&c->lock);
	return ret;
}
