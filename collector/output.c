// SPDX-License-Identifier: MIT
/* The trace file(s): a header describing host and recording, numbered pieces with --rotate. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "output.h"
#include "syscalls.h"

#pragma GCC poison u8 u16 u32 u64

static int64_t mono_to_realtime_ns(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return ((int64_t)real.tv_sec - (int64_t)mono.tv_sec) * 1000000000LL +
	       ((int64_t)real.tv_nsec - (int64_t)mono.tv_nsec);
}

static void read_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

int output__init(struct output *o, const struct record_opts *opts,
		 const struct proc_entry *targets, size_t cnt)
{
	const char *const *names;
	struct utsname u;
	size_t n, i;
	long cpus;

	memset(o, 0, sizeof(*o));
	o->opts = opts;
	mslat__header__init(&o->hdr);
	uname(&u);
	snprintf(o->hostname, sizeof(o->hostname), "%s", u.nodename);
	snprintf(o->release, sizeof(o->release), "%s", u.release);
	snprintf(o->machine, sizeof(o->machine), "%s", u.machine);
	read_boot_id(o->boot_id, sizeof(o->boot_id));

	names = syscall_table__for_arch(o->machine, &n);
	o->syscall_names = calloc(n ? n : 1, sizeof(char *));
	o->targets = calloc(cnt ? cnt : 1, sizeof(*o->targets));
	o->target_v = calloc(cnt ? cnt : 1, sizeof(*o->target_v));
	if (!o->syscall_names || !o->targets || !o->target_v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		o->syscall_names[i] = (char *)(names[i] ? names[i] : "");
	/* copies: the process table forgets a target when it exits, a rotation still names it */
	for (i = 0; i < cnt; i++) {
		Mslat__Target *t = &o->target_v[i];

		mslat__target__init(t);
		t->pid = targets[i].pid;
		t->argv = calloc(targets[i].argc ? targets[i].argc : 1, sizeof(char *));
		if (!t->argv)
			return -ENOMEM;
		for (t->n_argv = 0; t->n_argv < targets[i].argc; t->n_argv++) {
			t->argv[t->n_argv] = strdup(targets[i].argv[t->n_argv]);
			if (!t->argv[t->n_argv])
				return -ENOMEM;
		}
		o->targets[i] = t;
	}
	o->target_cnt = cnt;
	cpus = sysconf(_SC_NPROCESSORS_CONF);

	o->hdr.recorder_version = (char *)MSLAT_VERSION;
	o->hdr.hostname = o->hostname;
	o->hdr.kernel_release = o->release;
	o->hdr.arch = o->machine;
	o->hdr.n_syscall_names = n;
	o->hdr.syscall_names = o->syscall_names;
	o->hdr.boot_id = o->boot_id;
	o->hdr.page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	o->hdr.cpu_count = cpus > 0 ? (uint32_t)cpus : 1;
	o->hdr.n_targets = cnt;
	o->hdr.targets = o->targets;
	o->hdr.n_options = (size_t)opts->argc;
	o->hdr.options = opts->argv;
	o->hdr.flush_interval_ms = opts->flush_interval_ms;
	o->hdr.follow_forks = opts->follow_forks;
	o->hdr.sched = opts->sched;
	o->hdr.arrivals = opts->arrivals;
	return 0;
}

static bool rotating(const struct record_opts *opts)
{
	return opts->rotate_bytes || opts->rotate_ms;
}

char *output__piece_name(const char *path, bool rot, uint64_t seq)
{
	static const char ext[] = ".mslat";
	size_t len = strlen(path), el = sizeof(ext) - 1;
	char *res;

	if (!rot)
		return strdup(path);
	if (len > el && !strcmp(path + len - el, ext)) {
		if (asprintf(&res, "%.*s.%04llu%s", (int)(len - el), path, (unsigned long long)seq, ext) < 0)
			return NULL;
	} else if (asprintf(&res, "%s.%04llu", path, (unsigned long long)seq) < 0) {
		return NULL;
	}
	return res;
}

/*
 * Create piece SEQ with its header. The current piece, if any, stays open:
 * when the next cannot be created it can still be closed with a footer.
 */
static int open_piece(struct output *o, uint64_t seq, uint64_t now_ns)
{
	struct trace_writer_opts wo = {
		.sz = sizeof(wo),
		.force = o->opts->force,
		.flush_interval_ms = o->opts->flush_interval_ms,
	};
	struct trace_writer *w;
	char *path;
	int err;

	path = output__piece_name(o->opts->output, rotating(o->opts), seq);
	if (!path)
		return -ENOMEM;
	o->hdr.sequence = seq;
	o->hdr.start_ns = now_ns;
	o->hdr.mono_to_realtime_ns = mono_to_realtime_ns();
	w = trace_writer__open(path, &o->hdr, &wo);
	if (!w) {
		err = -errno;
		log_error("cannot create '%s': %s", path, strerror(errno));
		free(path);
		return err;
	}
	if (o->w) {
		err = output__close(o, MSLAT__FOOTER__REASON__ROTATED, now_ns);
		if (err) {
			trace_writer__abandon(w);
			unlink(path);	/* empty but for its header: not a piece */
			free(path);
			return err;
		}
	}
	free(o->path);
	o->path = path;
	o->w = w;
	o->seq = seq;
	o->piece_start_ns = now_ns;
	return 0;
}

int output__open(struct output *o, uint64_t start_ns)
{
	return open_piece(o, 0, start_ns);
}

int output__find_piece(const char *path, char **found)
{
	char *dir_copy = strdup(path), *base_copy = strdup(path);
	uint64_t best = UINT64_MAX;
	size_t stem_len, blen;
	struct dirent *de;
	const char *base;
	DIR *d;
	int ret = 0;

	*found = NULL;
	if (!dir_copy || !base_copy) {
		ret = -ENOMEM;
		goto out;
	}
	base = basename(base_copy);
	blen = strlen(base);
	/* the pieces of NAME.mslat are NAME.NNNN.mslat, those of FILE are FILE.NNNN */
	stem_len = blen > 6 && !strcmp(base + blen - 6, ".mslat") ? blen - 6 : blen;
	d = opendir(dirname(dir_copy));
	if (!d) {
		ret = -errno;
		goto out;
	}
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t i = stem_len + 1, nd = 0;
		uint64_t seq = 0;
		char *want;

		if (strncmp(name, base, stem_len) || name[stem_len] != '.')
			continue;
		for (; name[i] >= '0' && name[i] <= '9' && nd < 19; i++, nd++)
			seq = seq * 10 + (uint64_t)(name[i] - '0');
		if (nd < 4 || seq >= best)
			continue;
		/* exactly the name rotation gives that number (0042, not 00042) */
		want = output__piece_name(base, true, seq);
		if (want && !strcmp(want, name))
			best = seq;
		free(want);
	}
	closedir(d);
	if (best != UINT64_MAX) {
		*found = output__piece_name(path, true, best);
		ret = *found ? 1 : -ENOMEM;
	}
out:
	free(dir_copy);
	free(base_copy);
	return ret;
}

int output__snapshot(struct output *o, const struct proctab *procs, uint64_t now_ns)
{
	Mslat__ProcessInfo pi;
	size_t i;
	int err;

	for (i = 0; i < procs->cnt; i++) {
		proc_entry__to_pb(&procs->v[i], &pi, MSLAT__PROCESS_INFO__WHAT__SNAPSHOT, now_ns);
		err = trace_writer__append_process(o->w, &pi);
		if (err)
			return err;
	}
	return 0;
}

bool output__rotation_due(const struct output *o, uint64_t now_ns)
{
	if (!o->w || o->rotate_failed)
		return false;
	if (o->opts->rotate_bytes && trace_writer__bytes(o->w) >= o->opts->rotate_bytes)
		return true;
	return o->opts->rotate_ms && now_ns - o->piece_start_ns >= o->opts->rotate_ms * 1000000ULL;
}

int output__rotate(struct output *o, const struct proctab *procs, uint64_t now_ns)
{
	int err;

	err = open_piece(o, o->seq + 1, now_ns);
	if (err) {
		/* the current piece is intact unless closing it failed */
		o->rotate_failed = o->w != NULL;
		return err;
	}
	log_info("rotated to '%s'", o->path);
	if (o->opts->keep && o->seq >= o->opts->keep) {
		char *old = output__piece_name(o->opts->output, true, o->seq - o->opts->keep);

		if (old && unlink(old) && errno != ENOENT)
			log_warn("cannot remove '%s': %s", old, strerror(errno));
		free(old);
	}
	return output__snapshot(o, procs, now_ns);
}

int output__close(struct output *o, Mslat__Footer__Reason reason, uint64_t end_ns)
{
	Mslat__Footer f = MSLAT__FOOTER__INIT;
	int err;

	if (!o->w)
		return 0;
	f.reason = reason;
	f.end_ns = end_ns;
	err = trace_writer__close(o->w, &f);
	o->w = NULL;
	return err;
}

void output__free(struct output *o)
{
	trace_writer__abandon(o->w);
	o->w = NULL;
	free(o->path);
	free(o->syscall_names);
	for (size_t i = 0; o->target_v && i < o->target_cnt; i++) {
		for (size_t k = 0; k < o->target_v[i].n_argv; k++)
			free(o->target_v[i].argv[k]);
		free(o->target_v[i].argv);
	}
	free(o->targets);
	free(o->target_v);
	memset(o, 0, sizeof(*o));
}
