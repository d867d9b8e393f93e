/* SPDX-License-Identifier: MIT */
/* Least privilege: report what the recorder may do, and drop every capability once attached. */
#ifndef MSLAT_RECORD_PRIVS_H
#define MSLAT_RECORD_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

/* True when the effective set holds CAP (a CAP_* number). */
bool privs__has(int cap);

/*
 * Drop every capability for good: bounding set (while CAP_SETPCAP is still
 * held), ambient, inheritable, permitted and effective sets, then set
 * no_new_privs so no exec can regain any. When FS_UID is not (uid_t)-1,
 * first switch the filesystem uid and gid to FS_UID:FS_GID and clear the
 * supplementary groups (needs CAP_SETUID and CAP_SETGID): files are then
 * created, opened and removed as that user, while the real and effective
 * uid stay. Returns 0 or a negative errno.
 */
int privs__drop_all(uid_t fs_uid, gid_t fs_gid);

#endif
