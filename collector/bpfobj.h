/* SPDX-License-Identifier: MIT */
/* The recorder's BPF object in the variant this kernel can load, behind one handle. */
#ifndef MSLAT_RECORD_BPFOBJ_H
#define MSLAT_RECORD_BPFOBJ_H

#include <stdbool.h>
#include <linux/types.h>

#include "record.skel.h"

/*
 * bpf/record.bpf.c is built twice: record_bpf (fast: the bpf_rdonly_cast
 * kfunc, 6.2 or later) and record_compat_bpf (the same programs with the fd
 * walk on bpf_probe_read_kernel, 5.11 or later). Both have the same maps,
 * programs and globals; the recorder works on these pointers and never on a
 * skeleton type.
 */
struct record_obj {
	const char *variant;		/* "fast" or "compat" */
	const char *why;		/* the reason for that choice, for -v */
	void *skel;			/* struct record_bpf or struct record_compat_bpf */
	struct bpf_object_skeleton *skeleton;
	/* the same layout in both variants (checked at compile time) */
	struct record_bpf__rodata *rodata;	/* set before record_obj__load */
	struct record_bpf__data *data;		/* mmapped after load */
	struct bpf_map *rb, *tgids, *drops;
	struct bpf_program *sched_switch, *sched_wakeup, *sched_wakeup_new;
	struct bpf_program *tcp_probe, *inet_sock_set_state;
	void (*destroy)(void *skel);
};

/*
 * Open the variant that this kernel can load into O: the fast one when its
 * BTF has the kfunc bpf_rdonly_cast, else the compat one. Also sets the
 * .rodata flags for tracepoint arguments older kernels do not pass.
 * MSLAT_RECORD_FORCE_COMPAT=1 in the environment (tests only) takes the
 * compat variant and the older tracepoints' paths on any kernel.
 * Returns 0 or a negative errno; on error O holds nothing to destroy.
 */
int record_obj__open(struct record_obj *o);

/* Load (verify) the programs; 0 or a negative errno. */
int record_obj__load(struct record_obj *o);
/* Attach every autoloaded program; 0 or a negative errno. */
int record_obj__attach(struct record_obj *o);
/* Detach them; safe to repeat. */
void record_obj__detach(struct record_obj *o);
/* Free O's object; O may be unopened (zeroed). */
void record_obj__destroy(struct record_obj *o);

#endif
