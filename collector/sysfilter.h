/* SPDX-License-Identifier: MIT */
/* --syscalls LIST → the per-syscall flags the BPF side filters on (targ_sc_flags). */
#ifndef MSLAT_RECORD_SYSFILTER_H
#define MSLAT_RECORD_SYSFILTER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Fill FLAGS[0..CNT) with MSLAT_SC_* bits for ARCH: every syscall when LIST
 * is NULL or "all", else the named syscalls and categories ("net,file,futex").
 * The read/write family (category io) comes with net and with file, since
 * its fd decides which it is. On an unknown name, returns -EINVAL and points
 * *BAD at it (inside a buffer the caller frees with free(*BAD)).
 * Returns the number of enabled syscalls, or a negative errno.
 */
int sysfilter__build(const char *list, const char *arch, uint8_t *flags, size_t cnt, char **bad);

#endif
