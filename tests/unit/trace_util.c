// SPDX-License-Identifier: MIT
/* Test helpers: reproducible events, temp paths, whole-file I/O, log capture. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "syscalls.h"
#include "test.h"
#include "trace_util.h"

uint64_t tu__rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void tu__event(uint64_t seed, uint64_t i, struct trace_event *ev)
{
	uint64_t s = seed ^ (i * 0x2545f4914f6cdd1dULL);
	uint64_t r1 = tu__rand(&s), r2 = tu__rand(&s);

	memset(ev, 0, sizeof(*ev));
	ev->enter_ns = 1000000000ULL + i * 5000 + (r1 & 4095);
	ev->duration_ns = (r1 >> 12) & 0xfffff;
	ev->tid = 1000 + (uint32_t)(r2 % 8);
	ev->pid = 1000 + (uint32_t)(r2 % 8) / 4;
	ev->syscall = (uint32_t)((r2 >> 8) % 300);
	ev->fd = (r2 >> 20) % 3 ? (int32_t)((r2 >> 24) % 64) : -1;
	ev->fd_kind = ev->fd >= 0 ? (uint32_t)((r2 >> 32) % FD_KIND__COUNT) : 0;
	ev->ret = (r2 >> 40) % 5 ? (int64_t)((r2 >> 44) % 70000) : -11;
}

Mslat__Header tu__header(void)
{
	static char *targv[] = { "python3", "-m", "uvicorn", "app:main" };
	static Mslat__Target target = MSLAT__TARGET__INIT;
	static Mslat__Target *targets[] = { &target };
	Mslat__Header h = MSLAT__HEADER__INIT;
	size_t n;

	target.pid = 1000;
	target.n_argv = 4;
	target.argv = targv;
	h.recorder_version = "test";
	h.hostname = "unit-host";
	h.kernel_release = "6.1.0-test";
	h.arch = "x86_64";
	h.syscall_names = (char **)syscall_table__for_arch("x86_64", &n);
	h.n_syscall_names = n;
	/* Holes in the table are NULL; protobuf-c needs strings: send a copy with "" there. */
	h.start_ns = 1000000000ULL;
	h.mono_to_realtime_ns = 1700000000000000000LL;
	h.page_size = 4096;
	h.cpu_count = 2;
	h.n_targets = 1;
	h.targets = targets;
	return h;
}

const char *tu__path(const char *name)
{
	static char buf[4][256];
	static int which;

	which = (which + 1) % 4;
	snprintf(buf[which], sizeof(buf[which]), "%s/%s", test__tmpdir(), name);
	return buf[which];
}

uint8_t *tu__read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*len = (size_t)n;
out:
	fclose(f);
	return buf;
}

int tu__write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f)
		return -errno;
	if (len && fwrite(buf, 1, len, f) != len)
		err = -EIO;
	if (fclose(f) && !err)
		err = -EIO;
	return err;
}

static char captured[8192];
static size_t captured_len;
static log_print_fn saved_printer;
static enum log_level saved_level;

static void capture(enum log_level level, const char *fmt, va_list ap)
{
	int n;

	(void)level;
	if (captured_len >= sizeof(captured) - 1)
		return;
	n = vsnprintf(captured + captured_len, sizeof(captured) - captured_len, fmt, ap);
	if (n > 0)
		captured_len += (size_t)n < sizeof(captured) - captured_len ? (size_t)n
									     : sizeof(captured) - captured_len - 1;
	if (captured_len < sizeof(captured) - 1)
		captured[captured_len++] = '\n';
	captured[captured_len] = '\0';
}

void tu__capture_log(void)
{
	captured_len = 0;
	captured[0] = '\0';
	saved_printer = log__set_printer(capture);
	saved_level = log__level();
	log__set_level(LOG_LEVEL_DEBUG);
}

const char *tu__captured(void)
{
	return captured;
}

void tu__release_log(void)
{
	log__set_printer(saved_printer);
	log__set_level(saved_level);
}
