// SPDX-License-Identifier: MIT
/* Capabilities through raw capget/capset/prctl: no libcap needed. */
#include <errno.h>
#include <string.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "privs.h"

#pragma GCC poison u8 u16 u32 u64

static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	memset(data, 0, 2 * sizeof(*data));
	return syscall(SYS_capget, &hdr, data) ? -errno : 0;
}

bool privs__has(int cap)
{
	struct __user_cap_data_struct data[2];

	if (cap < 0 || cap > 63 || caps_get(data))
		return false;
	return data[cap / 32].effective & (1U << (cap % 32));
}

/*
 * Files from now on as UID:GID, with no supplementary group. Only the
 * filesystem ids change: the real and effective uid stay, so the recorder may
 * still signal the command it started (as root), while the owner of the files
 * may not signal or ptrace it (a change of fsuid also clears "dumpable").
 */
static int act_on_files_as(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL))
		return -errno;
	setfsgid(gid);
	setfsuid(uid);
	/* both return the previous id: asking again tells whether it took */
	if ((gid_t)setfsgid(gid) != gid || (uid_t)setfsuid(uid) != uid)
		return -EPERM;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return -errno;
	return 0;
}

int privs__drop_all(uid_t fs_uid, gid_t fs_gid)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	int cap, err;

	/* The bounding set needs CAP_SETPCAP: without it there is nothing to regain anyway. */
	if (privs__has(CAP_SETPCAP)) {
		for (cap = 0; cap <= 63; cap++) {
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL)
				break;
		}
	}
	/* CAP_SETUID and CAP_SETGID are still effective: the bounding set does not change that */
	if (fs_uid != (uid_t)-1) {
		err = act_on_files_as(fs_uid, fs_gid);
		if (err)
			return err;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	err = caps_get(data);
	if (err)
		return err;
	if (data[0].effective | data[0].permitted | data[1].effective | data[1].permitted)
		return -EPERM;
	return 0;
}
