// SPDX-License-Identifier: GPL-2.0 OR MIT
/* record.bpf.c for kernels without the bpf_rdonly_cast kfunc (before 6.2): the fd walk reads through bpf_probe_read_kernel. */
#define MSLAT_COMPAT 1
#include "record.bpf.c"
