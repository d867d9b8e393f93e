/* SPDX-License-Identifier: MIT */
/* Least privilege: report what the recorder may do, and drop every capability once attached. */
#ifndef MSLAT_RECORD_PRIVS_H
#define MSLAT_RECORD_PRIVS_H

#include <stdbool.h>

/* True when the effective set holds CAP (a CAP_* number). */
bool privs__has(int cap);

/*
 * Drop every capability for good: bounding set (while CAP_SETPCAP is still
 * held), ambient, inheritable, permitted and effective sets, then set
 * no_new_privs so no exec can regain any. Returns 0 or a negative errno.
 */
int privs__drop_all(void);

#endif
