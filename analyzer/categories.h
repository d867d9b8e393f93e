/* SPDX-License-Identifier: MIT */
/* What each syscall of a trace is to correlation (receive, send, close…) and its category by fd kind. */
#ifndef MSLAT_CATEGORIES_H
#define MSLAT_CATEGORIES_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis.h"
#include "syscalls.h"
#include "trace_event.h"

#pragma GCC poison u8 u16 u32 u64

/* The role of a syscall in connection turn-taking (docs/correlation.md). */
enum sc_kind {
	SK_OTHER = 0,
	SK_RECV,	/* read, readv, recvfrom, recvmsg, recvmmsg */
	SK_SEND,	/* write, writev, sendto, sendmsg, sendmmsg, sendfile */
	/* From here on, the kinds that begin or end connections (correlate.c tests >= SK_ACCEPT). */
	SK_ACCEPT,	/* accept, accept4: the return value is the new connection's fd */
	SK_CLOSE,	/* close */
	SK_SHUTDOWN,	/* shutdown */
	SK_CONNECT,	/* connect: the traced process's own outgoing connection */
	SK_SOCKET,	/* socket: the return value is a socket the process made itself */
};

/* One syscall number of one trace's architecture. */
struct sc_class {
	const char *name;		/* interned: lives as long as the string table */
	enum syscall_category base;	/* from common/syscalls.c */
	enum sc_kind kind;
	bool mmsg;			/* recvmmsg/sendmmsg: the return value counts messages */
	uint8_t cat[FD_KIND__COUNT];	/* enum req_category by fd kind, precomputed */
};

/*
 * A small open-addressing (linear probing) map from a (uint64, uint32) key to
 * a pointer, for the analyzer's per-key state: (host<<32|pid, fd|tid), or
 * (name pointer, category). No deletion: keys live as long as the map.
 * A zeroed struct kvmap is empty. Not a library's: Debian's choices (glib's
 * GHashTable, uthash) box keys or link glib into a portable analyzer, and
 * this hot path wants inline probing over 24-byte slots.
 */
struct kv_slot {
	uint64_t k1;
	uint32_t k2;
	uint32_t used;
	void *v;
};

struct kvmap {
	struct kv_slot *s;
	size_t cap, n;	/* cap: power of 2 */
};

static inline uint64_t kv_hash(uint64_t k1, uint32_t k2)
{
	uint64_t h = (k1 ^ ((uint64_t)k2 << 29) ^ k2) * 0x9E3779B97F4A7C15ULL;

	return h ^ (h >> 31);
}

/* Where the value of (K1, K2) is kept, to read or replace it; NULL when absent. */
static inline void **kvmap__find(const struct kvmap *m, uint64_t k1, uint32_t k2)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = kv_hash(k1, k2) & (m->cap - 1); m->s[i].used; i = (i + 1) & (m->cap - 1))
		if (m->s[i].k1 == k1 && m->s[i].k2 == k2)
			return &m->s[i].v;
	return NULL;
}

static inline void *kvmap__get(const struct kvmap *m, uint64_t k1, uint32_t k2)
{
	void **v = kvmap__find(m, k1, k2);

	return v ? *v : NULL;
}

/* Insert V under a key known to be absent. 0 or -ENOMEM. */
int kvmap__put(struct kvmap *m, uint64_t k1, uint32_t k2, void *v);
/* Free the table (not the values). */
void kvmap__free(struct kvmap *m);

/* Interned strings (syscall names, comms): one copy each, freed together. */
struct strtab;
struct strtab *strtab__new(void);
/* The interned copy of S; NULL on ENOMEM. */
const char *strtab__intern(struct strtab *t, const char *s);
void strtab__free(struct strtab *t);

/*
 * Classes of every syscall number of a trace, from its header's name table.
 * Numbers without a name get "syscall_NNN". Returns NULL on ENOMEM.
 */
struct sc_table {
	struct sc_class *cls;
	uint32_t n;
};
struct sc_table *sc_table__new(struct strtab *names, const char *const *syscall_names, uint32_t n);
/* The class of NR; numbers beyond the table share one "unknown" class. */
static inline const struct sc_class *sc_table__get(const struct sc_table *t, uint32_t nr)
{
	return nr < t->n ? &t->cls[nr] : &t->cls[t->n];
}
void sc_table__free(struct sc_table *t);

/*
 * A + B, UINT64_MAX when it would wrap: times and durations come from the
 * file, and a hostile one must not turn "later than" into "earlier than".
 */
static inline uint64_t u64_sat_add(uint64_t a, uint64_t b)
{
	uint64_t s;

	return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

/* A connection in the turn-taking sense: a connected stream socket (tcp, unix, other socket). */
static inline bool fd_kind__is_conn(uint32_t kind)
{
	return kind == FD_KIND_TCP || kind == FD_KIND_UNIX || kind == FD_KIND_SOCKET_OTHER;
}

static inline bool fd_kind__is_socket(uint32_t kind)
{
	return kind == FD_KIND_TCP || kind == FD_KIND_UDP || kind == FD_KIND_UNIX ||
	       kind == FD_KIND_SOCKET_OTHER || kind == FD_KIND_TCP_LISTEN ||
	       kind == FD_KIND_UNIX_PAIR;
}

/* The category of a call of CLS on an fd of KIND (docs/correlation.md "Categories"). */
enum req_category categories__of(const struct sc_class *cls, uint32_t fd_kind);
/* The same from the precomputed table. */
static inline uint8_t sc_class__cat(const struct sc_class *cls, uint32_t fd_kind)
{
	return cls->cat[fd_kind < FD_KIND__COUNT ? fd_kind : FD_KIND_OTHER];
}

#endif
