/* SPDX-License-Identifier: MIT */
/* What an fd of the current task is (socket family/type/state, file, pipe…), read through CO-RE. */
#ifndef MSLAT_FDKIND_BPF_H
#define MSLAT_FDKIND_BPF_H

#include <bpf/bpf_core_read.h>

#include "events.h"

#ifndef S_IFMT
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#endif

#define MSLAT_AF_UNIX 1
#define MSLAT_AF_INET 2
#define MSLAT_AF_INET6 10
#define MSLAT_SOCK_STREAM 1
#define MSLAT_SOCK_DGRAM 2
#define MSLAT_IPPROTO_TCP 6
#define MSLAT_IPPROTO_UDP 17
#define MSLAT_TCP_LISTEN 10

/*
 * The struct file is reached through an array of pointers, which the
 * verifier types as a scalar. Two ways on from there, one per build of
 * record.bpf.c (the recorder loads the first the kernel accepts):
 *  - fast: the kfunc bpf_rdonly_cast (6.2, commit a35b9af4ec2c) types the
 *    pointer again; later fields are plain, fault-safe loads without
 *    helper calls;
 *  - compat (record_compat.bpf.c, MSLAT_COMPAT): every field behind the
 *    file is a bpf_probe_read_kernel (BPF_CORE_READ), as in libbpf-tools;
 *    works back to 5.11, the recorder's floor.
 * mslat_kread(p, f) reads p->f either way; mslat_cast(p, type) retypes p.
 */
#ifdef MSLAT_COMPAT
#define mslat_kread(ptr, field) BPF_CORE_READ(ptr, field)
#define mslat_cast(ptr, type) ((type *)(ptr))
#else
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define mslat_kread(ptr, field) ((ptr)->field)
#define mslat_cast(ptr, type) ((type *)bpf_rdonly_cast(ptr, bpf_core_type_id_kernel(type)))
#endif

/*
 * sk's family and state, then its type and protocol. Each pair is adjacent
 * (sk_protocol is a __u16 beside sk_type since 5.6, bf9765145b85), so the
 * compat build reads each pair with one helper call instead of two; the
 * offsets are CO-RE relocations, and the verifier drops the branch not taken.
 */
#ifdef MSLAT_COMPAT
static __always_inline void mslat_sk_family_state(struct sock *sk, __u16 *family, __u8 *state)
{
	__u32 off = bpf_core_field_offset(sk->__sk_common.skc_family);
	struct { __u16 family; __u8 state; __u8 pad; } b = {};	/* the kernel's layout */

	if (bpf_core_field_offset(sk->__sk_common.skc_state) == off + 2) {
		bpf_probe_read_kernel(&b, 3, (void *)sk + off);
		*family = b.family;
		*state = b.state;
		return;
	}
	*family = BPF_CORE_READ(sk, __sk_common.skc_family);
	*state = BPF_CORE_READ(sk, __sk_common.skc_state);
}

static __always_inline void mslat_sk_type_proto(struct sock *sk, __u16 *type, __u16 *proto)
{
	__u32 off = bpf_core_field_offset(sk->sk_type);
	__u16 b[2] = {};

	if (bpf_core_field_offset(sk->sk_protocol) == off + 2) {
		bpf_probe_read_kernel(b, 4, (void *)sk + off);
		*type = b[0];
		*proto = b[1];
		return;
	}
	*type = BPF_CORE_READ(sk, sk_type);
	*proto = BPF_CORE_READ(sk, sk_protocol);
}
#else
static __always_inline void mslat_sk_family_state(struct sock *sk, __u16 *family, __u8 *state)
{
	*family = sk->__sk_common.skc_family;
	*state = sk->__sk_common.skc_state;
}

static __always_inline void mslat_sk_type_proto(struct sock *sk, __u16 *type, __u16 *proto)
{
	*type = sk->sk_type;
	*proto = sk->sk_protocol;
}
#endif

/* The struct file behind FD in TASK's table, or NULL. */
static __always_inline struct file *mslat_fd_file(struct task_struct *task, int fd)
{
	struct file *file = NULL;
	struct fdtable *fdt;
	struct file **fds;

	if (fd < 0)
		return NULL;
	/* Direct (BTF) loads: no helper call for the walk to the fd array. */
	fdt = task->files->fdt;
	if (!fdt || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	/* an array of pointers is a scalar to the verifier: one read, then typed again */
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	return mslat_cast(file, struct file);
}

/*
 * A unix socket with no address at either end is one of a socketpair(2): an
 * internal channel (asyncio's wake-ups, nginx's master-worker messages), not
 * a client's connection. A server's accepted socket carries its listener's
 * address, a client's has the server's as its peer's.
 */
static __always_inline __u32 mslat_unix_kind(struct sock *sk)
{
	struct unix_sock *u = mslat_cast(sk, struct unix_sock);
	struct sock *peer;

	if (mslat_kread(u, addr))
		return MSLAT_FD_UNIX;
	peer = mslat_kread(u, peer);
	if (peer && mslat_kread(mslat_cast(peer, struct unix_sock), addr))
		return MSLAT_FD_UNIX;
	return MSLAT_FD_UNIX_PAIR;
}

/*
 * Kind of the socket behind FILE; *SKP receives its struct sock for TCP
 * sockets (arrival tracking), NULL otherwise.
 */
static __always_inline __u32 mslat_sock_kind(struct file *file, struct sock **skp)
{
	void *priv = mslat_kread(file, private_data);
	struct socket *sock = mslat_cast(priv, struct socket);
	struct sock *sk = mslat_kread(sock, sk);
	__u16 family, type, proto;
	__u8 state;

	if (!sk)
		return MSLAT_FD_SOCKET_OTHER;
	mslat_sk_family_state(sk, &family, &state);
	if (family == MSLAT_AF_UNIX)
		return mslat_unix_kind(sk);
	if (family != MSLAT_AF_INET && family != MSLAT_AF_INET6)
		return MSLAT_FD_SOCKET_OTHER;
	mslat_sk_type_proto(sk, &type, &proto);
	if (type == MSLAT_SOCK_STREAM && proto == MSLAT_IPPROTO_TCP) {
		*skp = sk;
		if (state == MSLAT_TCP_LISTEN)
			return MSLAT_FD_TCP_LISTEN;
		return MSLAT_FD_TCP;
	}
	if (type == MSLAT_SOCK_DGRAM && proto == MSLAT_IPPROTO_UDP)
		return MSLAT_FD_UDP;
	return MSLAT_FD_SOCKET_OTHER;
}

/* Kind of FD in the current task (MSLAT_FD_*); MSLAT_FD_NONE if it is not open. */
static __always_inline __u32 mslat_fd_kind(struct task_struct *task, int fd, struct sock **skp)
{
	struct file *file = mslat_fd_file(task, fd);
	struct inode *inode;
	__u16 mode;

	*skp = NULL;
	if (!file)
		return MSLAT_FD_NONE;
	inode = mslat_kread(file, f_inode);
	mode = mslat_kread(inode, i_mode);
	switch (mode & S_IFMT) {
	case S_IFREG:
		return MSLAT_FD_FILE;
	case S_IFSOCK:
		return mslat_sock_kind(file, skp);
	case S_IFIFO:
		return MSLAT_FD_PIPE;
	case S_IFCHR:
		return MSLAT_FD_CHR;
	case S_IFDIR:
		return MSLAT_FD_DIR;
	case S_IFBLK:
		return MSLAT_FD_BLK;
	case 0:
		/* anon_inode_inode has no type bits: eventfd, epoll, timerfd, signalfd… */
		return MSLAT_FD_ANON;
	default:
		return MSLAT_FD_OTHER;
	}
}

#endif
