// SPDX-License-Identifier: GPL-2.0 OR MIT
/* mslat-record's kernel side: finished syscalls, arrivals, scheduler and process records of traced tgids. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.h"
#include "fdkind.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set by the recorder before load (.rodata, frozen). */
const volatile bool targ_follow_forks = true;
const volatile bool targ_sched = false;
const volatile bool targ_arrivals = true;
/* Wake the recorder each time pending data crosses a multiple of 1 << targ_wake_shift bytes. */
const volatile __u32 targ_wake_shift = 21;
const volatile __u8 targ_sc_flags[MSLAT_MAX_SYSCALLS] = {};
/*
 * Tracepoint arguments that older kernels do not pass, as the recorder finds
 * them in the kernel's BTF. A false flag leaves the argument's load in a
 * branch the verifier proves dead, so it is never checked.
 */
const volatile bool targ_switch_has_state = true;	/* sched_switch prev_state: 5.18, fa2c3254d7cf */
const volatile bool targ_exit_has_group_dead = true;	/* sched_process_exit group_dead: 2025 */

/* Bumped by the recorder after each read of the drop counters (see events.h). */
__u64 loss_epoch = 1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);	/* --buffer-size */
} rb SEC(".maps");

/* Traced processes: tgid → 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSLAT_MAX_TGIDS);
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

struct task_state {
	__u64 enter_ns;		/* 0: no syscall in flight */
	__u32 nr;
	__s32 fd;
	__u32 fd_kind;
	__u32 pad;
	__u64 last_sk;		/* last TCP socket registered, to skip the map update */
	__u64 off_ns;		/* --sched: blocked since */
	__u64 runq_ns;		/* --sched: runnable since */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_states SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mslat_drops);
} drops SEC(".maps");

struct sock_info {
	__u32 pid;
	__s32 fd;		/* -1 while the connection waits in an accept queue */
	__u64 pending_ns;	/* arrival seen before accept() returned */
	__u32 pending_bytes;
	__u32 pad;
	__u64 unsent_ns;	/* the last UNSENT record's time */
};

/* TCP sockets of traced processes: struct sock * → owner. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MSLAT_MAX_SOCKS);
	__type(key, __u64);
	__type(value, struct sock_info);
} socks SEC(".maps");

struct listener_key {
	__u64 net;		/* struct net * of the socket's namespace */
	__u32 port;		/* local port, host order */
	__u32 pad;
};

/* Listening TCP sockets of traced processes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSLAT_MAX_LISTENERS);
	__type(key, struct listener_key);
	__type(value, struct sock_info);
} listeners SEC(".maps");

#define MSLAT_TCP_SYN_RECV 3
#define MSLAT_TCP_CLOSE 7

static __always_inline bool traced(__u32 tgid)
{
	return bpf_map_lookup_elem(&tgids, &tgid) != NULL;
}

static __always_inline void count_drop(int kind, __u64 now)
{
	struct mslat_drop_counter *c;
	struct mslat_drops *d;
	__u32 zero = 0;

	d = bpf_map_lookup_elem(&drops, &zero);
	if (!d)
		return;
	c = &d->kind[kind];
	if (c->epoch != loss_epoch) {
		c->epoch = loss_epoch;
		c->first_ns = now;
	}
	c->cnt++;
	c->last_ns = now;
}

/* Records submitted on each CPU, for wake-up batching. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} submitted SEC(".maps");

/*
 * Wake the recorder once per 1 << targ_wake_shift bytes of records from a
 * CPU, not per record: a wake-up per event costs the traced process dearly.
 * The recorder also polls on a timer, so nothing waits longer than that.
 * A per-CPU counter (an inlined lookup) is cheaper than asking the ring.
 */
static __always_inline __u64 wake_flags(__u64 rec_bytes)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&submitted, &zero);
	__u64 before;

	if (!n)
		return BPF_RB_NO_WAKEUP;
	before = *n;
	*n = before + rec_bytes + 8;
	if ((before >> targ_wake_shift) != ((before + rec_bytes + 8) >> targ_wake_shift))
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void emit_arrival(__u32 what, __u64 ts, __u32 pid, __s32 fd, __u32 bytes,
					 __u64 accept_ns)
{
	struct mslat_rec_arrival *a;

	a = bpf_ringbuf_reserve(&rb, sizeof(*a), 0);
	if (!a) {
		count_drop(MSLAT_DROP_ARRIVALS, ts);
		return;
	}
	a->type = MSLAT_REC_ARRIVAL;
	a->what = what;
	a->time_ns = ts;
	a->pid = pid;
	a->fd = fd;
	a->bytes = bytes;
	a->pad = 0;
	a->accept_ns = accept_ns;
	bpf_ringbuf_submit(a, wake_flags(sizeof(*a)));
}

/*
 * Remember a TCP socket (or listener) of a traced process for arrival
 * records. ACCEPTED: accept(2) returned it as FD, exiting at NOW.
 */
static __always_inline void watch_sock(struct task_state *st, struct sock *sk, __u32 kind,
				       __u32 tgid, __s32 fd, bool accepted, __u64 now)
{
	struct sock_info info = { .pid = tgid, .fd = fd };
	__u64 key = (__u64)sk, queued_ns = 0;
	__u32 queued_bytes = 0;
	struct sock_info *old;

	if (st->last_sk == key)
		return;
	st->last_sk = key;
	if (kind == MSLAT_FD_TCP_LISTEN) {
		struct listener_key lk = {
			.net = (__u64)mslat_kread(sk, __sk_common.skc_net.net),
			.port = mslat_kread(sk, __sk_common.skc_num),
		};

		bpf_map_update_elem(&listeners, &lk, &info, BPF_ANY);
		return;
	}
	old = bpf_map_lookup_elem(&socks, &key);
	if (!old) {
		bpf_map_update_elem(&socks, &key, &info, BPF_NOEXIST);
	} else {
		/*
		 * Accepted; or used by another process than the one that took
		 * it (a child forked to serve it): its arrivals are for the
		 * process that reads it. A close does not count (watch_sock is
		 * not called for it): the parent closing its copy after the
		 * fork would take it back.
		 */
		if (old->fd < 0 || old->pid != tgid) {
			old->fd = fd;
			old->pid = tgid;
		}
		if (old->pending_ns && accepted) {
			queued_ns = old->pending_ns;
			queued_bytes = old->pending_bytes;
			old->pending_ns = 0;
		} else if (old->pending_ns) {
			/* its accept is not traced (-e, io_uring): as before QUEUED existed */
			emit_arrival(MSLAT_ARRIVAL_DATA, old->pending_ns, tgid, fd, old->pending_bytes, 0);
			old->pending_ns = 0;
		}
	}
	/*
	 * One QUEUED record per accept, ahead of the accept's own record in
	 * the ring, carrying the accept's exit (NOW, the event's exit to the
	 * nanosecond): the analyzer pairs them exactly. With bytes, the time
	 * the first bytes came while the connection waited in the accept queue,
	 * which may be before the previous connection on that fd was closed;
	 * never after NOW (tcp_probe on another CPU may set it meanwhile);
	 * without, none came (or its listener was not known yet).
	 */
	if (accepted)
		emit_arrival(MSLAT_ARRIVAL_QUEUED, queued_ns && queued_ns < now ? queued_ns : now, tgid,
			     fd, queued_bytes, now);
}

/* After accept(2) (a connection to watch) or listen(2) (a listener to watch), exiting at NOW. */
static __always_inline void watch_new_sock(struct task_struct *task, struct task_state *st, long ret,
					   __u64 now)
{
	__u8 flags = targ_sc_flags[st->nr & (MSLAT_MAX_SYSCALLS - 1)];
	struct sock *sk = NULL;
	bool accepted = false;
	__u32 kind;
	int fd;

	if (st->fd_kind == MSLAT_FD_TCP_LISTEN && (flags & MSLAT_SC_ACCEPT)) {
		fd = (int)ret;
		accepted = true;
	} else if (flags & MSLAT_SC_LISTEN) {
		fd = st->fd;
	} else {
		return;
	}
	kind = mslat_fd_kind(task, fd, &sk);
	if (sk && (kind == MSLAT_FD_TCP || kind == MSLAT_FD_TCP_LISTEN)) {
		st->last_sk = 0;
		watch_sock(st, sk, kind, task->tgid, fd, accepted && kind == MSLAT_FD_TCP, now);
	}
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct task_state *st;
	struct sock *sk = NULL;
	__u8 flags;

	if (id < 0 || id >= MSLAT_MAX_SYSCALLS)
		return 0;
	flags = targ_sc_flags[id & (MSLAT_MAX_SYSCALLS - 1)];
	if (!(flags & MSLAT_SC_ENABLED))
		return 0;
	task = bpf_get_current_task_btf();
	/* Traced threads have storage: one lookup. New threads: the tgid filter, then storage. */
	st = bpf_task_storage_get(&task_states, task, NULL, 0);
	if (!st) {
		if (!traced(task->tgid))
			return 0;
		st = bpf_task_storage_get(&task_states, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!st)
			return 0;
	}
	st->nr = id;
	st->fd = -1;
	st->fd_kind = MSLAT_FD_NONE;
	if (flags & MSLAT_SC_FD_FIRST) {
		st->fd = (int)PT_REGS_PARM1(regs);
		st->fd_kind = mslat_fd_kind(task, st->fd, &sk);
		if (targ_arrivals && sk) {
			/*
			 * A new connection's struct sock is often where the last
			 * one closed was (the slab reuses it), and the cache would
			 * take it for that one, whose entry went at its close.
			 */
			if (flags & MSLAT_SC_CONNECT)
				st->last_sk = 0;
			if (!(flags & MSLAT_SC_CLOSE))
				watch_sock(st, sk, st->fd_kind, task->tgid, st->fd, false, 0);
		}
	}
	/* last, so that the fd lookup is not part of the duration */
	st->enter_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mslat_rec_syscall *e;
	struct task_state *st;
	__u64 now;

	/* Only traced tasks have storage: no tgid lookup on the way out. */
	st = bpf_task_storage_get(&task_states, task, NULL, 0);
	if (!st || !st->enter_ns)
		return 0;
	now = bpf_ktime_get_ns();
	/* Before the syscall's record: an accept's queued arrival comes first (trace-format.md). */
	if (targ_arrivals && ret >= 0)
		watch_new_sock(task, st, ret, now);
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count_drop(MSLAT_DROP_EVENTS, now);
		st->enter_ns = 0;
		return 0;
	}
	e->type = MSLAT_REC_SYSCALL;
	e->nr = st->nr;
	e->enter_ns = st->enter_ns;
	e->duration_ns = now - st->enter_ns;
	e->ret = ret;
	e->tid = task->pid;
	e->pid = task->tgid;
	e->fd = st->fd;
	e->fd_kind = st->fd_kind;
	bpf_ringbuf_submit(e, wake_flags(sizeof(*e)));
	st->enter_ns = 0;
	return 0;
}

static __always_inline void emit_proc(__u32 what, struct task_struct *task, __u32 pid, __u32 ppid,
				      __s32 exit_code, struct linux_binprm *bprm)
{
	struct mslat_rec_proc *p;
	__u64 now = bpf_ktime_get_ns();

	p = bpf_ringbuf_reserve(&rb, sizeof(*p), 0);
	if (!p) {
		count_drop(MSLAT_DROP_PROCESS, now);
		return;
	}
	p->type = MSLAT_REC_PROC;
	p->what = what;
	p->time_ns = now;
	p->pid = pid;
	p->ppid = ppid;
	p->tid = task->pid;
	p->exit_code = exit_code;
	bpf_probe_read_kernel_str(p->comm, sizeof(p->comm), task->comm);
	p->filename[0] = 0;
	if (bprm)
		bpf_probe_read_kernel_str(p->filename, sizeof(p->filename), BPF_CORE_READ(bprm, filename));
	/* process records are rare and wanted promptly */
	bpf_ringbuf_submit(p, 0);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (ctgid == ptgid || !targ_follow_forks || !traced(ptgid))
		return 0;
	if (bpf_map_update_elem(&tgids, &ctgid, &one, BPF_ANY)) {
		/* the filter is full: the child goes untraced, and the trace says so */
		count_drop(MSLAT_DROP_PROCESS, bpf_ktime_get_ns());
		return 0;
	}
	emit_proc(MSLAT_PROC_FORK, parent, ctgid, ptgid, 0, NULL);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;

	if (!traced(tgid))
		return 0;
	emit_proc(MSLAT_PROC_EXEC, p, tgid, p->real_parent->tgid, 0, bprm);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	bool group_dead;

	if (targ_exit_has_group_dead)
		group_dead = (bool)ctx[1];
	else	/* do_exit() decremented signal->live before the tracepoint */
		group_dead = p->signal->live.counter == 0;
	/* the tgid's removal elects one exit record should two last threads race */
	if (!group_dead || bpf_map_delete_elem(&tgids, &tgid))
		return 0;
	emit_proc(MSLAT_PROC_EXIT, p, tgid, p->real_parent->tgid, p->exit_code, NULL);
	return 0;
}

/* --- arrivals ------------------------------------------------------------ */

SEC("tp_btf/tcp_probe")
int BPF_PROG(tcp_probe, struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp;
	__u64 key = (__u64)sk;
	struct sock_info *si;
	__u32 len, hdr;
	__u8 doff;
	__u64 now;

	si = bpf_map_lookup_elem(&socks, &key);
	if (!si)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return 0;
	/*
	 * Bytes written and not yet sent when the peer's segment comes: this
	 * ACK (or window update) is what releases them, right after this hook.
	 * A response's last bytes held by Nagle until the client's delayed ACK
	 * show nowhere else: its write returned 40 ms before the client got it.
	 */
	if (si->fd >= 0 && (__s32)(tp->write_seq - tp->snd_nxt) > 0) {
		now = bpf_ktime_get_ns();
		if (now - si->unsent_ns >= MSLAT_UNSENT_EVERY_NS) {
			si->unsent_ns = now;
			emit_arrival(MSLAT_ARRIVAL_UNSENT, now, si->pid, si->fd,
				     tp->write_seq - tp->snd_nxt, 0);
		}
	}
	/* tcp_probe runs before the segment is queued: skb->data is the TCP header */
	if (bpf_probe_read_kernel(&doff, 1, skb->data + 12))
		return 0;
	hdr = (doff >> 4) * 4;
	len = skb->len;
	if (len <= hdr)
		return 0;
	/* Only the first bytes after the reader caught up start an arrival. */
	if (tp->rcv_nxt != tp->copied_seq)
		return 0;
	now = bpf_ktime_get_ns();
	if (si->fd < 0) {
		if (!si->pending_ns) {
			si->pending_ns = now;
			si->pending_bytes = len - hdr;
		}
		return 0;
	}
	emit_arrival(MSLAT_ARRIVAL_DATA, now, si->pid, si->fd, len - hdr, 0);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 key = (__u64)sk;

	if (newstate == MSLAT_TCP_CLOSE) {
		bpf_map_delete_elem(&socks, &key);
		return 0;
	}
	if (newstate == MSLAT_TCP_SYN_RECV && oldstate == MSLAT_TCP_LISTEN) {
		/* a child cloned from a listener: the handshake completed, it is queued */
		struct listener_key lk = {
			.net = (__u64)sk->__sk_common.skc_net.net,
			.port = sk->__sk_common.skc_num,
		};
		struct sock_info *l = bpf_map_lookup_elem(&listeners, &lk);
		struct sock_info info = {};

		if (!l)
			return 0;
		info.pid = l->pid;
		info.fd = -1;
		bpf_map_update_elem(&socks, &key, &info, BPF_ANY);
		emit_arrival(MSLAT_ARRIVAL_CONNECT, bpf_ktime_get_ns(), l->pid, l->fd, 0, 0);
	}
	return 0;
}

/* --- scheduler (--sched) -------------------------------------------------- */

static __always_inline void emit_sched(__u32 what, struct task_struct *t, __u64 start, __u64 now)
{
	struct mslat_rec_sched *s;

	s = bpf_ringbuf_reserve(&rb, sizeof(*s), 0);
	if (!s) {
		count_drop(MSLAT_DROP_SCHED, now);
		return;
	}
	s->type = MSLAT_REC_SCHED;
	s->what = what;
	s->start_ns = start;
	s->duration_ns = now - start;
	s->tid = t->pid;
	s->pid = t->tgid;
	s->cpu = bpf_get_smp_processor_id();
	s->pad = 0;
	bpf_ringbuf_submit(s, wake_flags(sizeof(*s)));
}

/* task_struct's state before 5.14 (2f064a59a11f renamed it __state). */
struct task_struct___pre514 {
	volatile long state;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_state(struct task_struct *t)
{
	struct task_struct___pre514 *old = (void *)t;

	if (bpf_core_field_exists(old->state))
		return BPF_CORE_READ(old, state);
	return BPF_CORE_READ(t, __state);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct task_state *st;
	__u32 prev_state;
	__u64 now;

	if (!targ_sched)
		return 0;
	now = bpf_ktime_get_ns();
	if (traced(prev->tgid)) {
		/* without the argument, the state as it is now: runnable if a wake-up raced */
		prev_state = targ_switch_has_state ? (__u32)ctx[3] : task_state(prev);
		st = bpf_task_storage_get(&task_states, prev, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (st) {
			if (preempt || prev_state == 0)
				st->runq_ns = now;	/* still runnable */
			else
				st->off_ns = now;
		}
	}
	st = bpf_task_storage_get(&task_states, next, NULL, 0);
	if (st && st->runq_ns) {
		if (traced(next->tgid))
			emit_sched(MSLAT_SCHED_RUNQ, next, st->runq_ns, now);
		st->runq_ns = 0;
	}
	return 0;
}

static __always_inline void on_wakeup(struct task_struct *p)
{
	struct task_state *st;
	__u64 now;

	if (!targ_sched)
		return;
	st = bpf_task_storage_get(&task_states, p, NULL, 0);
	if (!st || !st->off_ns)
		return;
	now = bpf_ktime_get_ns();
	if (traced(p->tgid))
		emit_sched(MSLAT_SCHED_OFF_CPU, p, st->off_ns, now);
	st->off_ns = 0;
	st->runq_ns = now;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *p)
{
	struct task_state *st;

	if (!targ_sched || !traced(p->tgid))
		return 0;
	st = bpf_task_storage_get(&task_states, p, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (st)
		st->runq_ns = bpf_ktime_get_ns();
	return 0;
}
