// SPDX-License-Identifier: MIT
/* Chooses and opens the BPF object variant (fast or compat) the running kernel can load. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfobj.h"
#include "log.h"
#include "record.skel.h"
#include "record_compat.skel.h"

#pragma GCC poison u8 u16 u32 u64

/*
 * Both skeletons come from one source; the recorder writes the fast one's
 * .rodata/.data layout into either. A stale build of one would differ here.
 */
#define SAME_MEMBER(s, m)                                                          \
	_Static_assert(offsetof(struct record_bpf__##s, m) ==                      \
			       offsetof(struct record_compat_bpf__##s, m) &&       \
		       sizeof(((struct record_bpf__##s *)0)->m) ==                 \
			       sizeof(((struct record_compat_bpf__##s *)0)->m),    \
		       "record_compat.bpf.c differs from record.bpf.c: " #m)
SAME_MEMBER(rodata, targ_follow_forks);
SAME_MEMBER(rodata, targ_sched);
SAME_MEMBER(rodata, targ_arrivals);
SAME_MEMBER(rodata, targ_wake_shift);
SAME_MEMBER(rodata, targ_sc_flags);
SAME_MEMBER(rodata, targ_switch_has_state);
SAME_MEMBER(rodata, targ_exit_has_group_dead);
SAME_MEMBER(data, loss_epoch);
_Static_assert(sizeof(struct record_bpf__rodata) == sizeof(struct record_compat_bpf__rodata),
	       "record_compat.bpf.c differs from record.bpf.c: .rodata");
_Static_assert(sizeof(struct record_bpf__data) == sizeof(struct record_compat_bpf__data),
	       "record_compat.bpf.c differs from record.bpf.c: .data");

static void destroy_fast(void *skel)
{
	record_bpf__destroy(skel);
}

static void destroy_compat(void *skel)
{
	record_compat_bpf__destroy(skel);
}

/* One body for both skeleton types: member names are the same. */
#define GATHER(o, sk, name, destroy_fn)                                            \
	do {                                                                       \
		(o)->variant = (name);                                             \
		(o)->skel = (sk);                                                  \
		(o)->skeleton = (sk)->skeleton;                                    \
		(o)->rodata = (struct record_bpf__rodata *)(void *)(sk)->rodata;   \
		(o)->data = (struct record_bpf__data *)(void *)(sk)->data;         \
		(o)->rb = (sk)->maps.rb;                                           \
		(o)->tgids = (sk)->maps.tgids;                                     \
		(o)->drops = (sk)->maps.drops;                                     \
		(o)->sched_switch = (sk)->progs.sched_switch;                      \
		(o)->sched_wakeup = (sk)->progs.sched_wakeup;                      \
		(o)->sched_wakeup_new = (sk)->progs.sched_wakeup_new;              \
		(o)->tcp_probe = (sk)->progs.tcp_probe;                            \
		(o)->inet_sock_set_state = (sk)->progs.inet_sock_set_state;        \
		(o)->destroy = (destroy_fn);                                       \
	} while (0)

/* Arguments of tracepoint TP as BPF sees them (btf_trace_TP's prototype without __data), or -1. */
static int tp_arg_cnt(const struct btf *btf, const char *tp)
{
	const struct btf_type *t;
	char name[128];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - 1;
}

struct kernel_caps {
	bool rdonly_cast;		/* kfunc bpf_rdonly_cast: 6.2 */
	bool switch_has_state;		/* sched_switch(preempt, prev, next, prev_state): 5.18 */
	bool exit_has_group_dead;	/* sched_process_exit(p, group_dead) */
};

/* What the kernel offers, from its BTF: exactly what libbpf and the verifier will check. */
static int probe_kernel(struct kernel_caps *c)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int err;

	if (!btf) {
		err = -errno;
		log_error("cannot read the kernel's BTF: %s", strerror(-err));
		return err;
	}
	c->rdonly_cast = btf__find_by_name_kind(btf, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;
	c->switch_has_state = tp_arg_cnt(btf, "sched_switch") >= 4;
	c->exit_has_group_dead = tp_arg_cnt(btf, "sched_process_exit") >= 2;
	btf__free(btf);
	return 0;
}

int record_obj__open(struct record_obj *o)
{
	const char *force = getenv("MSLAT_RECORD_FORCE_COMPAT");	/* test hook */
	struct kernel_caps caps = { 0 };
	int err;

	memset(o, 0, sizeof(*o));
	err = probe_kernel(&caps);
	if (err)
		return err;
	o->why = caps.rdonly_cast ? "the kernel has the bpf_rdonly_cast kfunc"
				  : "the kernel has no bpf_rdonly_cast kfunc";
	if (force && !strcmp(force, "1")) {
		caps = (struct kernel_caps){ 0 };
		o->why = "forced by MSLAT_RECORD_FORCE_COMPAT=1, with the oldest tracepoints' paths";
	}
	if (caps.rdonly_cast) {
		struct record_bpf *s = record_bpf__open();

		if (s)
			GATHER(o, s, "fast", destroy_fast);
	} else {
		struct record_compat_bpf *s = record_compat_bpf__open();

		if (s)
			GATHER(o, s, "compat", destroy_compat);
	}
	if (!o->skel) {
		err = -errno;
		log_error("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	o->rodata->targ_switch_has_state = caps.switch_has_state;
	o->rodata->targ_exit_has_group_dead = caps.exit_has_group_dead;
	log_debug("kernel tracepoints: sched_switch %s prev_state, sched_process_exit %s group_dead",
		  caps.switch_has_state ? "with" : "without",
		  caps.exit_has_group_dead ? "with" : "without");
	return 0;
}

int record_obj__load(struct record_obj *o)
{
	int err = bpf_object__load_skeleton(o->skeleton);

	if (!err)
		log_info("BPF variant: %s (%s)", o->variant, o->why);
	return err;
}

int record_obj__attach(struct record_obj *o)
{
	return bpf_object__attach_skeleton(o->skeleton);
}

void record_obj__detach(struct record_obj *o)
{
	if (o->skeleton)
		bpf_object__detach_skeleton(o->skeleton);
}

void record_obj__destroy(struct record_obj *o)
{
	if (o->skel)
		o->destroy(o->skel);
	memset(o, 0, sizeof(*o));
}
