/* SPDX-License-Identifier: MIT */
/* What an fd of the current task is (socket family/type/state, file, pipe…), read through CO-RE. */
#ifndef MSLAT_FDKIND_BPF_H
#define MSLAT_FDKIND_BPF_H

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

/* A kfunc the verifier turns into a plain move: typed, read-only, fault-safe loads without helper calls. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

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
	return bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
}

/*
 * Kind of the socket behind FILE; *SKP receives its struct sock for TCP
 * sockets (arrival tracking), NULL otherwise.
 */
static __always_inline __u32 mslat_sock_kind(struct file *file, struct sock **skp)
{
	struct socket *sock = bpf_rdonly_cast(file->private_data, bpf_core_type_id_kernel(struct socket));
	struct sock *sk = sock->sk;
	__u16 family, type, proto;

	if (!sk)
		return MSLAT_FD_SOCKET_OTHER;
	family = sk->__sk_common.skc_family;
	if (family == MSLAT_AF_UNIX)
		return MSLAT_FD_UNIX;
	if (family != MSLAT_AF_INET && family != MSLAT_AF_INET6)
		return MSLAT_FD_SOCKET_OTHER;
	type = sk->sk_type;
	proto = sk->sk_protocol;
	if (type == MSLAT_SOCK_STREAM && proto == MSLAT_IPPROTO_TCP) {
		*skp = sk;
		if (sk->__sk_common.skc_state == MSLAT_TCP_LISTEN)
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
	__u16 mode;

	*skp = NULL;
	if (!file)
		return MSLAT_FD_NONE;
	mode = file->f_inode->i_mode;
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
