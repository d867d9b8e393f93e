// SPDX-License-Identifier: MIT
/* Ring buffer → trace writer: syscall, arrival, scheduler and process records; drops → loss records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "drain.h"
#include "log.h"
#include "trace_writer.h"

#pragma GCC poison u8 u16 u32 u64

static int on_syscall(struct drain *d, const struct mslat_rec_syscall *r)
{
	struct trace_event ev = {
		.enter_ns = r->enter_ns,
		.duration_ns = r->duration_ns,
		.ret = r->ret,
		.tid = r->tid,
		.pid = r->pid,
		.syscall = r->nr,
		.fd = r->fd,
		.fd_kind = r->fd_kind,
	};

	d->events++;
	return trace_writer__append_event(d->out->w, &ev);
}

static int on_arrival(struct drain *d, const struct mslat_rec_arrival *r)
{
	struct trace_arrival a = {
		.time_ns = r->time_ns,
		.pid = r->pid,
		.fd = r->fd,
		.bytes = r->bytes,
		.what = r->what,
	};

	d->arrivals++;
	return trace_writer__append_arrival(d->out->w, &a);
}

static int on_sched(struct drain *d, const struct mslat_rec_sched *r)
{
	struct trace_sched s = {
		.start_ns = r->start_ns,
		.duration_ns = r->duration_ns,
		.tid = r->tid,
		.pid = r->pid,
		.cpu = r->cpu,
		.what = r->what,
	};

	d->sched++;
	return trace_writer__append_sched(d->out->w, &s);
}

/* Forks and execs: what /proc says now, falling back on what BPF saw. */
static int on_proc(struct drain *d, const struct mslat_rec_proc *r)
{
	Mslat__ProcessInfo__What what;
	struct proc_entry fresh, *e;
	Mslat__ProcessInfo pi;
	char comm[MSLAT_COMM_LEN + 1];
	int err;

	memcpy(comm, r->comm, MSLAT_COMM_LEN);
	comm[MSLAT_COMM_LEN] = '\0';
	d->procs_seen++;
	if (r->what == MSLAT_PROC_EXIT) {
		struct proc_entry gone = { .pid = r->pid, .ppid = r->ppid };

		e = proctab__find(d->procs, r->pid);
		if (!e) {
			snprintf(gone.comm, sizeof(gone.comm), "%s", comm);
			e = &gone;
		}
		proc_entry__to_pb(e, &pi, MSLAT__PROCESS_INFO__WHAT__EXIT, r->time_ns);
		pi.exit_code = r->exit_code;
		pi.tid = r->tid;
		pi.thread_comm = comm;
		err = trace_writer__append_process(d->out->w, &pi);
		proctab__remove(d->procs, r->pid);
		return err;
	}
	what = r->what == MSLAT_PROC_FORK ? MSLAT__PROCESS_INFO__WHAT__FORK : MSLAT__PROCESS_INFO__WHAT__EXEC;
	if (proc_entry__read((pid_t)r->pid, &fresh)) {
		/* already gone: keep what the kernel told us */
		memset(&fresh, 0, sizeof(fresh));
		fresh.pid = r->pid;
		snprintf(fresh.comm, sizeof(fresh.comm), "%s", comm);
	}
	fresh.ppid = r->ppid;
	if (r->what == MSLAT_PROC_EXEC && (!fresh.exe || !*fresh.exe) && r->filename[0]) {
		free(fresh.exe);
		fresh.exe = strndup(r->filename, MSLAT_FILENAME_LEN);
	}
	err = proctab__put(d->procs, &fresh);
	proc_entry__free(&fresh);
	if (err)
		return err;
	e = proctab__find(d->procs, r->pid);
	proc_entry__to_pb(e, &pi, what, r->time_ns);
	pi.tid = r->tid;
	pi.thread_comm = comm;
	return trace_writer__append_process(d->out->w, &pi);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct drain *d = ctx;
	__u32 type;
	int err = 0;

	if (size < sizeof(type))
		return 0;
	type = *(const __u32 *)data;
	switch (type) {
	case MSLAT_REC_SYSCALL:
		if (size >= sizeof(struct mslat_rec_syscall))
			err = on_syscall(d, data);
		break;
	case MSLAT_REC_ARRIVAL:
		if (size >= sizeof(struct mslat_rec_arrival))
			err = on_arrival(d, data);
		break;
	case MSLAT_REC_SCHED:
		if (size >= sizeof(struct mslat_rec_sched))
			err = on_sched(d, data);
		break;
	case MSLAT_REC_PROC:
		if (size >= sizeof(struct mslat_rec_proc))
			err = on_proc(d, data);
		break;
	default:
		log_debug("ignoring ring buffer record of type %u", type);
		break;
	}
	if (err && !d->err)
		d->err = err;
	return err;
}

int drain__init(struct drain *d, int rb_fd, int drops_fd, __u64 *loss_epoch,
		struct output *out, struct proctab *procs)
{
	memset(d, 0, sizeof(*d));
	d->out = out;
	d->procs = procs;
	d->drops_fd = drops_fd;
	d->loss_epoch = loss_epoch;
	d->ncpus = libbpf_num_possible_cpus();
	if (d->ncpus <= 0)
		return d->ncpus ? d->ncpus : -EINVAL;
	d->prev = calloc((size_t)d->ncpus, sizeof(*d->prev));
	d->cur = calloc((size_t)d->ncpus, sizeof(*d->cur));
	if (!d->prev || !d->cur)
		return -ENOMEM;
	d->rb = ring_buffer__new(rb_fd, on_record, d, NULL);
	if (!d->rb)
		return -errno;
	return 0;
}

int drain__poll(struct drain *d, int timeout_ms)
{
	int n, m;

	n = ring_buffer__poll(d->rb, timeout_ms);
	if (n < 0)
		return d->err ? d->err : n;
	/* a timed-out poll consumes nothing: the BPF side wakes us only in batches */
	m = ring_buffer__consume(d->rb);
	if (m < 0)
		return d->err ? d->err : m;
	return n + m;
}

int drain__consume(struct drain *d)
{
	int n = ring_buffer__consume(d->rb);

	return n < 0 && d->err ? d->err : n;
}

int drain__losses(struct drain *d)
{
	static const Mslat__Loss__What whats[MSLAT_DROP__COUNT] = {
		[MSLAT_DROP_EVENTS] = MSLAT__LOSS__WHAT__EVENTS,
		[MSLAT_DROP_SCHED] = MSLAT__LOSS__WHAT__SCHED,
		[MSLAT_DROP_ARRIVALS] = MSLAT__LOSS__WHAT__ARRIVALS,
		[MSLAT_DROP_PROCESS] = MSLAT__LOSS__WHAT__PROCESS,
	};
	__u32 zero = 0;
	int cpu, k, err;

	if (bpf_map_lookup_elem(d->drops_fd, &zero, d->cur))
		return -errno;
	/* after the read: a drop racing with it opens its window no later than it happened */
	__atomic_add_fetch(d->loss_epoch, 1, __ATOMIC_SEQ_CST);
	for (cpu = 0; cpu < d->ncpus; cpu++) {
		for (k = 0; k < MSLAT_DROP__COUNT; k++) {
			const struct mslat_drop_counter *c = &d->cur[cpu].kind[k];
			struct mslat_drop_counter *p = &d->prev[cpu].kind[k];
			Mslat__Loss loss = MSLAT__LOSS__INIT;

			if (c->cnt <= p->cnt)
				continue;
			loss.cpu = (uint32_t)cpu;
			loss.count = c->cnt - p->cnt;
			loss.start_ns = c->first_ns;
			loss.end_ns = c->last_ns;
			loss.what = whats[k];
			*p = *c;
			d->lost += loss.count;
			log_debug("cpu %d lost %llu records of kind %d", cpu,
				  (unsigned long long)loss.count, k);
			err = trace_writer__append_loss(d->out->w, &loss);
			if (err)
				return err;
		}
	}
	return 0;
}

void drain__free(struct drain *d)
{
	ring_buffer__free(d->rb);
	free(d->prev);
	free(d->cur);
	memset(d, 0, sizeof(*d));
}
