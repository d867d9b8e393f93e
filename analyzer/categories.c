// SPDX-License-Identifier: MIT
/* Syscall classes for correlation, categories refined by fd kind, and a string interner. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "categories.h"

static const char *const cat_names[REQ_CAT__COUNT] = {
	[REQ_CAT_NET] = "net",
	[REQ_CAT_FILE] = "file",
	[REQ_CAT_SYNC] = "sync",
	[REQ_CAT_DEVICE] = "device",
	[REQ_CAT_MEM] = "mem",
	[REQ_CAT_SLEEP] = "sleep",
	[REQ_CAT_PROCESS] = "process",
	[REQ_CAT_OTHER] = "other",
	[REQ_CAT_IDLE] = "idle",
	[REQ_CAT_QUEUE] = "queue",
	[REQ_CAT_UNSENT] = "unsent",
};

const char *req_category__name(enum req_category cat)
{
	return (unsigned int)cat < REQ_CAT__COUNT ? cat_names[cat] : "?";
}

static const char *const mode_names[] = { "conn", "thread", "marker" };

const char *correlate_mode__name(enum correlate_mode mode)
{
	return (unsigned int)mode < 3 ? mode_names[mode] : "?";
}

int correlate_mode__parse(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, mode_names[i]))
			return i;
	return -1;
}

/* --- key → pointer map ------------------------------------------------------ */

#ifndef KV_INIT_CAP	/* make fuzz-build sets it tiny (FUZZ_SMALL_CAPS), so that tables grow */
#define KV_INIT_CAP 256
#endif

static int kv_grow(struct kvmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : KV_INIT_CAP;
	struct kv_slot *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->s[i].used)
			continue;
		for (j = kv_hash(m->s[i].k1, m->s[i].k2) & (cap - 1); s[j].used; j = (j + 1) & (cap - 1))
			;
		s[j] = m->s[i];
	}
	free(m->s);
	m->s = s;
	m->cap = cap;
	return 0;
}

int kvmap__put(struct kvmap *m, uint64_t k1, uint32_t k2, void *v)
{
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3 && kv_grow(m))
		return -ENOMEM;
	for (i = kv_hash(k1, k2) & (m->cap - 1); m->s[i].used; i = (i + 1) & (m->cap - 1))
		;
	m->s[i] = (struct kv_slot){ .k1 = k1, .k2 = k2, .used = 1, .v = v };
	m->n++;
	return 0;
}

void kvmap__free(struct kvmap *m)
{
	free(m->s);
	m->s = NULL;
	m->cap = m->n = 0;
}

/* --- string interner: open addressing on FNV-1a ----------------------------- */

struct strtab {
	char **slot;
	size_t cap, n;	/* cap: power of 2 */
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

struct strtab *strtab__new(void)
{
	struct strtab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = 256;
	t->slot = calloc(t->cap, sizeof(*t->slot));
	if (!t->slot) {
		free(t);
		return NULL;
	}
	return t;
}

static int strtab_grow(struct strtab *t)
{
	size_t cap = t->cap * 2;
	char **slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->slot[i])
			continue;
		for (j = fnv1a(t->slot[i]) & (cap - 1); slot[j]; j = (j + 1) & (cap - 1))
			;
		slot[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return 0;
}

const char *strtab__intern(struct strtab *t, const char *s)
{
	size_t j;

	if ((t->n + 1) * 2 > t->cap && strtab_grow(t))
		return NULL;
	for (j = fnv1a(s) & (t->cap - 1); t->slot[j]; j = (j + 1) & (t->cap - 1))
		if (!strcmp(t->slot[j], s))
			return t->slot[j];
	t->slot[j] = strdup(s);
	if (!t->slot[j])
		return NULL;
	t->n++;
	return t->slot[j];
}

void strtab__free(struct strtab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->slot[i]);
	free(t->slot);
	free(t);
}

/* --- syscall classes -------------------------------------------------------- */

static enum sc_kind kind_of(const char *name, bool *mmsg)
{
	static const struct {
		const char *name;
		enum sc_kind kind;
		bool mmsg;
	} kinds[] = {
		{ "read", SK_RECV, false },	{ "readv", SK_RECV, false },
		{ "recvfrom", SK_RECV, false }, { "recvmsg", SK_RECV, false },
		{ "recvmmsg", SK_RECV, true },	{ "write", SK_SEND, false },
		{ "writev", SK_SEND, false },	{ "sendto", SK_SEND, false },
		{ "sendmsg", SK_SEND, false },	{ "sendmmsg", SK_SEND, true },
		{ "sendfile", SK_SEND, false }, { "accept", SK_ACCEPT, false },
		{ "accept4", SK_ACCEPT, false }, { "close", SK_CLOSE, false },
		{ "shutdown", SK_SHUTDOWN, false }, { "connect", SK_CONNECT, false },
		{ "socket", SK_SOCKET, false },
	};

	*mmsg = false;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(name, kinds[i].name)) {
			*mmsg = kinds[i].mmsg;
			return kinds[i].kind;
		}
	}
	return SK_OTHER;
}

struct sc_table *sc_table__new(struct strtab *names, const char *const *syscall_names, uint32_t n)
{
	struct sc_table *t = calloc(1, sizeof(*t));
	char buf[32];

	if (!t)
		return NULL;
	t->n = n;
	t->cls = calloc((size_t)n + 1, sizeof(*t->cls));	/* + the shared "unknown" class */
	if (!t->cls)
		goto err;
	for (uint32_t nr = 0; nr <= n; nr++) {
		struct sc_class *c = &t->cls[nr];
		const char *name = nr < n ? syscall_names[nr] : NULL;

		if (!name || !*name) {
			if (nr < n)
				snprintf(buf, sizeof(buf), "syscall_%u", nr);
			else
				snprintf(buf, sizeof(buf), "syscall_unknown");
			name = buf;
		}
		c->name = strtab__intern(names, name);
		if (!c->name)
			goto err;
		c->base = syscall__category(name);
		c->kind = kind_of(name, &c->mmsg);
		for (uint32_t k = 0; k < FD_KIND__COUNT; k++)
			c->cat[k] = (uint8_t)categories__of(c, k);
	}
	return t;
err:
	sc_table__free(t);
	errno = ENOMEM;
	return NULL;
}

void sc_table__free(struct sc_table *t)
{
	if (!t)
		return;
	free(t->cls);
	free(t);
}

enum req_category categories__of(const struct sc_class *cls, uint32_t fd_kind)
{
	/* Waiting for a connection on a listening socket is waiting for work. */
	if (fd_kind == FD_KIND_TCP_LISTEN && cls->kind == SK_RECV)
		return REQ_CAT_IDLE;
	/* Closing a socket is network teardown (a proxy's upstream: 21 ms of "file" before). */
	if (cls->kind == SK_CLOSE && fd_kind__is_socket(fd_kind))
		return REQ_CAT_NET;
	switch (cls->base) {
	case SC_CAT_IO:
		return fd_kind__is_socket(fd_kind) ? REQ_CAT_NET : REQ_CAT_FILE;
	case SC_CAT_DEVICE:
		return fd_kind == FD_KIND_CHR ? REQ_CAT_DEVICE : REQ_CAT_OTHER;
	case SC_CAT_NET: return REQ_CAT_NET;
	case SC_CAT_FILE: return REQ_CAT_FILE;
	case SC_CAT_SYNC: return REQ_CAT_SYNC;
	case SC_CAT_MEM: return REQ_CAT_MEM;
	case SC_CAT_SLEEP: return REQ_CAT_SLEEP;
	case SC_CAT_PROCESS: return REQ_CAT_PROCESS;
	case SC_CAT_IDLE: return REQ_CAT_IDLE;
	default: return REQ_CAT_OTHER;
	}
}
