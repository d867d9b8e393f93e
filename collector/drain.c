// SPDX-License-Identifier: MIT
/* Ring buffer → trace writer: syscall, arrival, scheduler and process records; drops → loss records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
		.accept_ns = r->accept_ns,
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

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * A record too short for its type, or of no known type: it cannot be
 * written, so it is a loss like a drop in the kernel, of the kind its type
 * says (events when unknown), reported by the next drain__losses().
 */
static void on_bad(struct drain *d, __u32 type, size_t size)
{
	int kind = type == MSLAT_REC_SCHED ? MSLAT_DROP_SCHED :
		   type == MSLAT_REC_ARRIVAL ? MSLAT_DROP_ARRIVALS :
		   type == MSLAT_REC_PROC ? MSLAT_DROP_PROCESS : MSLAT_DROP_EVENTS;
	uint64_t now = mono_ns();

	log_debug("unusable ring buffer record: type %u, %zu bytes", type, size);
	if (!d->bad[kind].cnt)
		d->bad[kind].first_ns = d->drained_ns;	/* it was not there at the last pass */
	d->bad[kind].cnt++;
	d->bad[kind].last_ns = now;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct drain *d = ctx;
	__u32 type = 0;
	int err = 0;

	if (size < sizeof(type)) {
		on_bad(d, 0, size);
		return 0;
	}
	memcpy(&type, data, sizeof(type));
	switch (type) {
	case MSLAT_REC_SYSCALL:
		if (size < sizeof(struct mslat_rec_syscall))
			goto bad;
		err = on_syscall(d, data);
		break;
	case MSLAT_REC_ARRIVAL:
		if (size < sizeof(struct mslat_rec_arrival))
			goto bad;
		err = on_arrival(d, data);
		break;
	case MSLAT_REC_SCHED:
		if (size < sizeof(struct mslat_rec_sched))
			goto bad;
		err = on_sched(d, data);
		break;
	case MSLAT_REC_PROC:
		if (size < sizeof(struct mslat_rec_proc))
			goto bad;
		err = on_proc(d, data);
		break;
	default:
		goto bad;
	}
	if (err && !d->err)
		d->err = err;
	return err;
bad:
	on_bad(d, type, size);
	return 0;
}

/*
 * Test hook: MSLAT_RECORD_TEST_BAD_RECORDS=N passes N unusable records
 * (short, truncated, of an unknown type, in turn) through the consumer.
 */
static void inject_bad_records(struct drain *d)
{
	const char *v = getenv("MSLAT_RECORD_TEST_BAD_RECORDS");
	__u32 rec[4] = { MSLAT_REC_SYSCALL, 0, 0, 0 };
	int n = v ? atoi(v) : 0;

	for (int i = 0; i < n; i++) {
		rec[0] = i % 3 == 2 ? 99 : MSLAT_REC_SYSCALL;
		on_record(d, rec, i % 3 == 0 ? 2 : sizeof(rec));
	}
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
	d->drained_ns = mono_ns();
	inject_bad_records(d);
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
	d->drained_ns = mono_ns();
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

	for (k = 0; k < MSLAT_DROP__COUNT; k++) {
		Mslat__Loss loss = MSLAT__LOSS__INIT;

		if (!d->bad[k].cnt)
			continue;
		loss.cpu = MSLAT_LOSS_CPU_UNKNOWN;
		loss.count = d->bad[k].cnt;
		loss.start_ns = d->bad[k].first_ns;
		loss.end_ns = d->bad[k].last_ns;
		loss.what = whats[k];
		d->lost += loss.count;
		d->bad[k].cnt = 0;
		err = trace_writer__append_loss(d->out->w, &loss);
		if (err)
			return err;
	}
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
