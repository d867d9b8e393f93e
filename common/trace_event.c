// SPDX-License-Identifier: MIT
/* Names of the trace's enumerations, shared by every output. */
#include "trace_event.h"

const char *fd_kind__name(unsigned int kind)
{
	static const char *const names[FD_KIND__COUNT] = {
		[FD_KIND_NONE] = "none",     [FD_KIND_TCP] = "tcp",
		[FD_KIND_UDP] = "udp",	     [FD_KIND_UNIX] = "unix",
		[FD_KIND_SOCKET_OTHER] = "socket", [FD_KIND_FILE] = "file",
		[FD_KIND_PIPE] = "pipe",     [FD_KIND_CHR] = "chr",
		[FD_KIND_ANON] = "anon",     [FD_KIND_OTHER] = "other",
		[FD_KIND_TCP_LISTEN] = "tcp-listen", [FD_KIND_BLK] = "blk",
		[FD_KIND_DIR] = "dir",	     [FD_KIND_UNIX_PAIR] = "unix-pair",
	};

	return kind < FD_KIND__COUNT ? names[kind] : "?";
}
