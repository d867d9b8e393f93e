// SPDX-License-Identifier: MIT
/* The per-request log: one tab-separated line per response, written through a large buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "reqlog.h"

/* Large, so workers rarely pay for a write(2) to the log inside a request. */
#define REQLOG_BUF_BYTES (256 * 1024)

struct reqlog {
	FILE *f;
	char *buf;		/* glibc ignores setvbuf's size unless given the buffer */
	int err;		/* first write error, as a negative errno */
};

struct reqlog *reqlog__open(const char *path)
{
	struct reqlog *log;
	int fd;

	log = calloc(1, sizeof(*log));
	if (!log)
		return NULL;
	log->buf = malloc(REQLOG_BUF_BYTES);
	if (!log->buf)
		goto err_free;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		goto err_free;
	log->f = fdopen(fd, "w");
	if (!log->f) {
		int err = errno;

		close(fd);
		errno = err;
		goto err_free;
	}
	setvbuf(log->f, log->buf, _IOFBF, REQLOG_BUF_BYTES);
	fputs("# seq\tstart_ns\tend_ns\ttid\tfd\tmethod\ttarget\tstatus\tslow\tcached\n", log->f);
	return log;

err_free:
	free(log->buf);
	free(log);
	return NULL;
}

void reqlog__append(struct reqlog *log, const struct reqlog_entry *e)
{
	int n;

	if (!log)
		return;
	/* One line per locked call: lines from workers never interleave. */
	flockfile(log->f);
	n = fprintf(log->f, "%llu\t%llu\t%llu\t%d\t%d\t%.*s\t%.*s\t%d\t%d\t%d\n",
		    (unsigned long long)e->seq, (unsigned long long)e->start_ns,
		    (unsigned long long)e->end_ns, (int)e->tid, e->fd,
		    e->method ? (int)e->method_len : 1, e->method ? e->method : "-",
		    e->target ? (int)e->target_len : 1, e->target ? e->target : "-",
		    e->status, e->slow, e->cached);
	if (n < 0 && !log->err)
		log->err = -errno;
	funlockfile(log->f);
}

int reqlog__close(struct reqlog *log)
{
	int err;

	if (!log)
		return 0;
	err = log->err;
	if (!err && ferror(log->f))
		err = -EIO;
	if (fclose(log->f) && !err)
		err = -errno;
	free(log->buf);
	free(log);
	return err;
}
