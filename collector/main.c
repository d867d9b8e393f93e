// SPDX-License-Identifier: MIT
/* mslat-record: parse → validate → open → configure → load → attach → drop caps → loop → cleanup. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfobj.h"
#include "drain.h"
#include "events.h"
#include "log.h"
#include "options.h"
#include "output.h"
#include "privs.h"
#include "procs.h"
#include "sysfilter.h"

#pragma GCC poison u8 u16 u32 u64

#define STOP_WAIT_MS 10000	/* from the stop until a command still running is killed */
#define HOUSEKEEPING_MS 200	/* losses, liveness, flush and rotation checks */
#define KILL_WAIT_MS 1000	/* from the SIGKILLs until the recorder gives up on them */
#define SWEEP_MS 50		/* how often a stop looks in /proc for the command's processes */

static volatile sig_atomic_t stop_signal;	/* SIGINT/SIGTERM/SIGHUP received */
static volatile sig_atomic_t stop_count;
static volatile sig_atomic_t got_sigchld;
static volatile pid_t forward_to;		/* the command, once started */

/* A few pids, looked up by a walk: a stop's bookkeeping, not a hot path. */
struct pidset {
	pid_t *v;
	size_t n, cap;
};

static bool pidset_has(const struct pidset *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == pid)
			return true;
	return false;
}

/* Add PID; on ENOMEM it is not kept, and only asked again (a signal, a warning). */
static void pidset_add(struct pidset *s, pid_t pid)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		pid_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = pid;
}

struct recorder {
	struct record_opts opts;
	struct record_obj bpf;
	struct proctab procs;
	struct output out;
	struct drain drain;
	bool drain_ready;
	pid_t child;			/* the command, or 0 */
	int gate_fd;			/* write end: one byte releases the command */
	int exec_err_fd;		/* read end: errno if exec failed, EOF if it worked */
	int child_status;
	bool child_reaped;
	bool failed;			/* stopped by an error, the file closed with a footer */
	bool rest_stopped;		/* the command has exited: what it left gets SIGTERM */
	bool killing;			/* past the stop's deadline: SIGKILL to what is left */
	bool stop_done;			/* nothing of the command is left, or nothing more to do */
	bool abandoned;			/* the command runs on: it could not be stopped */
	uint64_t swept_ns;		/* when the stop last looked for the command's processes */
	struct pidset unsignallable;	/* the command's that changed user: kill() fails */
	struct pidset termed;		/* the command's that had their SIGTERM */
	uint64_t stop_deadline_ns;	/* set at the stop: the command's one deadline */
	Mslat__Footer__Reason reason;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void hint(const char *text)
{
	if (log__level() >= LOG_LEVEL_ERROR)
		fprintf(stderr, "hint: %s\n", text);
}

/* --- signals --------------------------------------------------------------- */

static void on_stop(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	stop_signal = sig;
	stop_count++;
	/*
	 * A terminal's ^C already reaches the command (same process group);
	 * pass on only what a process sent to us alone (kill, a supervisor).
	 */
	if (forward_to > 0 && (si->si_code == SI_USER || si->si_code == SI_QUEUE)) {
		kill(forward_to, sig);
		kill(forward_to, SIGCONT);	/* a stopped command could not act on it */
	}
}

static void on_sigchld(int sig)
{
	(void)sig;
	got_sigchld = 1;
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/*
 * Handlers for the stop signals, which stay blocked through start-up: one
 * arriving before the command is released is kept pending, then acted on by
 * stop_pending(), never lost and never left to a command already running.
 */
static void setup_signals(void)
{
	struct sigaction sa;
	sigset_t stops;

	stop_signals(&stops);
	sigprocmask(SIG_BLOCK, &stops, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_stop;
	sa.sa_flags = SA_SIGINFO;	/* no SA_RESTART: the poll must return */
	sa.sa_mask = stops;		/* one handler at a time: forward_to stays coherent */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sa.sa_handler = on_sigchld;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* A stop signal arrived during start-up (they are blocked until it ends). */
static bool stop_pending(void)
{
	sigset_t pending;

	if (sigpending(&pending))
		return false;
	return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1 ||
	       sigismember(&pending, SIGHUP) == 1;
}

/* From now on the stop signals are handled (and forwarded) as they come. */
static void take_stop_signals(void)
{
	sigset_t stops;

	stop_signals(&stops);
	sigprocmask(SIG_UNBLOCK, &stops, NULL);
}

/* --- libbpf messages ------------------------------------------------------- */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level mine = level == LIBBPF_WARN ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG;
	char *buf = NULL;
	size_t n;

	if (mine > log__level() || vasprintf(&buf, fmt, ap) < 0)
		return 0;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	/* libbpf's lines already start with "libbpf: " */
	log__msg(mine, "%s", buf);
	free(buf);
	return 0;
}

/* --- validate ---------------------------------------------------------------- */

static int check_output(const struct record_opts *o)
{
	bool rot = o->rotate_bytes || o->rotate_ms;
	char *first = output__piece_name(o->output, rot, 0);
	char *dir_copy = strdup(o->output);
	struct stat st;
	int ret = 0;

	if (!first || !dir_copy) {
		ret = -ENOMEM;
		goto out;
	}
	if (stat(dirname(dir_copy), &st) || !S_ISDIR(st.st_mode)) {
		free(dir_copy);
		dir_copy = strdup(o->output);
		log_error("cannot create '%s': directory '%s' does not exist", first,
			  dir_copy ? dirname(dir_copy) : "?");
		ret = -ENOENT;
		goto out;
	}
	if (o->force)
		goto out;
	if (rot) {
		/* every piece rotation may reach, not only the first */
		char *found = NULL;
		int n = output__find_piece(o->output, &found);

		if (n < 0) {
			log_error("cannot read the directory of '%s': %s", first, strerror(-n));
			ret = n;
		} else if (n > 0) {
			log_error("cannot record to '%s': piece '%s' already exists", first, found);
			hint("add --force to replace the pieces, or choose another name with -o");
			ret = -EEXIST;
		}
		free(found);
	} else if (lstat(first, &st) == 0) {
		log_error("cannot create '%s': file exists", first);
		hint("add --force to replace it, or choose another name with -o");
		ret = -EEXIST;
	}
out:
	free(first);
	free(dir_copy);
	return ret;
}

/*
 * Who the trace's files belong to. As root (sudo), they are written as the
 * owner of the output directory when that is not root: no capability is
 * needed to create them there once every one is dropped, and the user who
 * will analyze them can read them. Else as the recorder's own user.
 */
static void output_owner(const struct record_opts *o, uid_t *uid, gid_t *gid)
{
	char *dir_copy = strdup(o->output);
	struct stat st;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (geteuid() == 0 && dir_copy && stat(dirname(dir_copy), &st) == 0 && st.st_uid != 0) {
		*uid = st.st_uid;
		*gid = st.st_gid;
		log_info("writing files as the output directory's owner, uid %u gid %u",
			 (unsigned int)st.st_uid, (unsigned int)st.st_gid);
	}
	free(dir_copy);
}

/* The initial namespaces' inode numbers (the kernel's PROC_*_INIT_INO, fixed since 3.8). */
#define PID_NS_INIT_INO 0xEFFFFFFCULL
#define USER_NS_INIT_INO 0xEFFFFFFDULL

/* The hint for a refused bpf(2): a user namespace's root has no BPF rights at all. */
static void hint_privileges(void)
{
	struct stat st;

	if (!stat("/proc/self/ns/user", &st) && (unsigned long long)st.st_ino != USER_NS_INIT_INO)
		hint("this root is a user namespace's (a rootless container, unshare --user), "
		     "to which the kernel gives no BPF rights: run it as the host's root, or in "
		     "a container that keeps the host's user namespace");
	else
		hint("run as root, or grant CAP_BPF and CAP_PERFMON "
		     "(e.g. setcap cap_bpf,cap_perfmon+ep mslat-record)");
}

/*
 * The BPF programs see the kernel's process ids. In a PID namespace of its
 * own (a container's), this process's ids are not those: no target would
 * match, and the trace would stay empty without a word. Nor would the ids
 * of a command started in one (`unshare --pid` without --fork), nor those
 * of a /proc mounted for another namespace (`nsenter -m`).
 */
static int check_pid_namespace(bool command)
{
	static const char hint_text[] = "run it on the host, or in a container that shares the "
					"host's PIDs (docker run --pid=host, Kubernetes hostPID: true)";
	struct stat st;
	char self[32];
	ssize_t n;

	if (!stat("/proc/self/ns/pid", &st) && (unsigned long long)st.st_ino != PID_NS_INIT_INO) {
		log_error("mslat-record runs in a PID namespace of its own (pid:[%llu], a "
			  "container's): the kernel's process ids, which the BPF programs see, "
			  "are not this namespace's, and nothing would be recorded",
			  (unsigned long long)st.st_ino);
		hint(hint_text);
		return -EINVAL;
	}
	/* a namespace unshared for the children has no inode to show until its first process */
	if (command && (stat("/proc/self/ns/pid_for_children", &st) ?
			errno == ENOENT && !access("/proc/self/ns/pid", F_OK) :
			(unsigned long long)st.st_ino != PID_NS_INIT_INO)) {
		log_error("the processes mslat-record starts would be in a PID namespace of their "
			  "own (`unshare --pid` without --fork), whose process ids the BPF "
			  "programs do not see");
		hint(hint_text);
		return -EINVAL;
	}
	n = readlink("/proc/self", self, sizeof(self) - 1);
	if (n > 0)
		self[n] = '\0';
	if (n <= 0 || atoi(self) != getpid()) {
		log_error("/proc is not this process's: /proc/self %s (a /proc mounted for another "
			  "PID namespace), so the process ids it lists are not the kernel's",
			  n > 0 ? "names another process" : "is missing");
		hint(hint_text);
		return -EINVAL;
	}
	return 0;
}

static int check_pids(const struct record_opts *o)
{
	size_t i;

	for (i = 0; i < o->pid_cnt; i++) {
		pid_t tgid;

		if (!procs__alive(o->pids[i])) {
			log_error("no process with pid %d", (int)o->pids[i]);
			return -ESRCH;
		}
		if (o->pids[i] == getpid()) {
			log_error("mslat-record cannot record itself (pid %d)", (int)getpid());
			return -EINVAL;
		}
		tgid = procs__tgid(o->pids[i]);
		if (tgid > 0 && tgid != o->pids[i]) {
			log_error("%d is a thread of process %d", (int)o->pids[i], (int)tgid);
			hint("give the process id: every thread of a traced process is recorded");
			return -EINVAL;
		}
	}
	return 0;
}

/* --- the command ------------------------------------------------------------ */

/* Fork COMMAND held at a gate: it execs once the recorder is attached and writing. */
static int start_command(struct recorder *r)
{
	int gate[2], err_pipe[2];
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC)) {
		log_error("cannot create a pipe: %s", strerror(errno));
		return -errno;
	}
	/* what the command starts stays ours when its parent exits: a stop reaches it */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		log_warn("cannot become a subreaper (%s): a stop reaches only the processes "
			 "whose parent is alive", strerror(errno));
	pid = fork();
	if (pid < 0) {
		log_error("cannot fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		sigset_t none;
		char go;
		int e;

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(gate[1]);
		close(err_pipe[0]);
		/* the recorder died before attaching: do not run untraced */
		if (read(gate[0], &go, 1) != 1)
			_exit(127);
		execvp(r->opts.command[0], r->opts.command);
		e = errno;
		if (write(err_pipe[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(e == ENOENT ? 127 : 126);
	}
	close(gate[0]);
	close(err_pipe[1]);
	r->child = pid;
	r->gate_fd = gate[1];
	r->exec_err_fd = err_pipe[0];
	forward_to = pid;
	return 0;
}

static void release_command(struct recorder *r)
{
	int e = 0;
	ssize_t n;

	if (!r->child)
		return;
	if (write(r->gate_fd, "g", 1) != 1)
		log_warn("cannot release the command: %s", strerror(errno));
	close(r->gate_fd);
	r->gate_fd = -1;
	/* EOF once exec succeeded (the pipe is close-on-exec), else its errno */
	do {
		n = read(r->exec_err_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(r->exec_err_fd);
	r->exec_err_fd = -1;
	if (n == sizeof(e)) {
		log_error("cannot run '%s': %s", r->opts.command[0], strerror(e));
		if (e == ENOENT)
			hint("check the command's name and PATH");
	}
}

/*
 * Reap the command when it has exited (BLOCK: wait for it), and every other
 * child that has: as a subreaper the recorder inherits the command's
 * orphans, and their zombies are ours to clear.
 */
static void reap_child(struct recorder *r, bool block)
{
	int status;
	pid_t p;

	got_sigchld = 0;
	if (!r->child)
		return;
	for (;;) {
		p = waitpid(-1, &status, block && !r->child_reaped ? 0 : WNOHANG);
		if (p < 0 && errno == EINTR)
			continue;
		if (p <= 0)
			break;
		if (p == r->child) {
			r->child_status = status;
			r->child_reaped = true;
			forward_to = 0;
		}
	}
}

static bool unsignallable(const struct recorder *r, pid_t pid)
{
	return pidset_has(&r->unsignallable, pid);
}

/* SIG (0: none, a test) to PID, one of the command's: false when it cannot be signalled (said once). */
static bool signal_one(struct recorder *r, pid_t pid, int sig)
{
	if (!kill(pid, sig)) {
		if (sig == SIGTERM)
			kill(pid, SIGCONT);	/* a stopped process could not act on it */
		return true;
	}
	if (errno != EPERM)
		return true;	/* gone meanwhile */
	if (pid == r->child)
		log_warn("cannot signal '%s' (pid %d): its user changed, and no capability is left",
			 r->opts.command[0], (int)pid);
	else
		log_warn("cannot signal pid %d, started by '%s' (its user changed, and no capability "
			 "is left): it runs on", (int)pid, r->opts.command[0]);
	pidset_add(&r->unsignallable, pid);
	return false;
}

/*
 * The command's other processes, those it started: the traced ones (with
 * --follow-forks, every process it forked, orphans and daemons included) and
 * their untraced children, but not the command itself, nor a process the
 * recorder had before it (`helper & exec mslat-record -- CMD`), nor one that
 * changed user (no capability is left to signal it). Sends SIGKILL to all of
 * them; SIGTERM only to those whose parent is not one of them (a master, an
 * orphan), once each: a master stops its own workers; 0 to none. Returns how
 * many there are.
 */
static size_t command_rest(struct recorder *r, int sig)
{
	pid_t *roots, *desc = NULL, *all;
	size_t nroots = 0, nall, left = 0;
	ssize_t n;

	roots = malloc((r->procs.cnt + 1) * sizeof(*roots));
	if (!roots)
		return 0;
	if (!r->child_reaped)
		roots[nroots++] = r->child;	/* ours: its pid is not reused before we reap it */
	for (size_t i = 0; i < r->procs.cnt; i++) {
		const struct proc_entry *e = &r->procs.v[i];

		/* a pid taken since by another process is not the command's (nor 0: gone when seen) */
		if ((pid_t)e->pid != r->child && e->start_ticks &&
		    procs__start_ticks((pid_t)e->pid) == e->start_ticks)
			roots[nroots++] = (pid_t)e->pid;
	}
	n = procs__descendants(roots, nroots, &desc);
	nall = nroots + (n > 0 ? (size_t)n : 0);
	all = n > 0 ? realloc(roots, nall * sizeof(*all)) : roots;
	if (!all) {
		free(roots);
		free(desc);
		return 0;
	}
	if (n > 0)
		memcpy(all + nroots, desc, (size_t)n * sizeof(*desc));
	for (size_t i = 0; i < nall; i++) {
		pid_t pid = all[i], parent;
		bool top;

		if (pid == r->child || unsignallable(r, pid))
			continue;
		parent = procs__live_parent(pid);	/* one read of /proc: alive, and its parent */
		if (parent < 0)
			continue;
		if (sig == SIGKILL && !signal_one(r, pid, sig))
			continue;
		if (sig == SIGTERM) {
			/* under a master out of our reach, and out of it too: nobody stops it */
			if (unsignallable(r, parent) && !signal_one(r, pid, 0))
				continue;
			top = parent != r->child || r->child_reaped;
			for (size_t k = 0; top && k < nall; k++)
				top = all[k] != parent || all[k] == r->child;
			if (top && !pidset_has(&r->termed, pid)) {
				pidset_add(&r->termed, pid);
				if (!signal_one(r, pid, sig))
					continue;
			}
		}
		left++;
	}
	free(desc);
	free(all);
	return left;
}

/*
 * One step of a stop, from the recording loop (forks still followed) and
 * after it, until it returns true: all the command started has exited, or
 * KILL_WAIT_MS passed since the SIGKILLs. Once the command has exited, what
 * it left running gets SIGTERM: not before, for a master stops its own
 * workers its own way (gunicorn, celery, nginx), and a terminal's ^C reached
 * those of our process group already. From the deadline, SIGKILL to all
 * that is left, again each SWEEP_MS while new processes appear.
 */
static bool stop_step(struct recorder *r, uint64_t now)
{
	bool command_over = r->child_reaped;
	size_t left;

	if (r->stop_done)
		return true;
	if (command_over && !r->rest_stopped) {
		r->rest_stopped = true;
		r->swept_ns = now;
		r->stop_done = command_rest(r, SIGTERM) == 0;
		return r->stop_done;
	}
	if (!r->killing && now >= r->stop_deadline_ns) {
		r->killing = true;
		if (!r->child_reaped && !unsignallable(r, r->child)) {
			log_warn("'%s' (pid %d) did not exit: killing it", r->opts.command[0],
				 (int)r->child);
			signal_one(r, r->child, SIGKILL);
		}
		left = command_rest(r, SIGKILL);
		if (left)
			log_warn("%zu process%s started by '%s' did not exit: killing %s", left,
				 left == 1 ? "" : "es", r->opts.command[0], left == 1 ? "it" : "them");
		r->swept_ns = now;
		return false;
	}
	/* while the command stops its own, nothing to look for */
	if ((!command_over && !r->killing) || now - r->swept_ns < SWEEP_MS * 1000000ULL)
		return false;
	r->swept_ns = now;
	/* SIGTERM reaches the workers a master left behind, once it exited */
	left = command_rest(r, r->killing ? SIGKILL : SIGTERM);
	r->stop_done = (command_over && !left) ||
		       (r->killing && now >= r->stop_deadline_ns + KILL_WAIT_MS * 1000000ULL);
	return r->stop_done;
}

/* --- load and attach ----------------------------------------------------------- */

static int log2_u64(uint64_t v)
{
	int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

static int load_bpf(struct recorder *r)
{
	const struct record_opts *o = &r->opts;
	struct utsname u;
	char *bad = NULL;
	int err;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		log_error("BPF unavailable: the kernel has no BTF type information (/sys/kernel/btf/vmlinux: %s)",
			  strerror(errno));
		hint("mslat-record needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (5.11 or later)");
		return -ENOTSUP;
	}
	err = record_obj__open(&r->bpf);
	if (err)
		return err;
	r->bpf.rodata->targ_follow_forks = o->follow_forks;
	r->bpf.rodata->targ_sched = o->sched;
	r->bpf.rodata->targ_arrivals = o->arrivals;
	r->bpf.rodata->targ_wake_shift = (uint32_t)log2_u64(o->buffer_bytes) - 3;
	uname(&u);
	err = sysfilter__build(o->syscalls, u.machine, (uint8_t *)r->bpf.rodata->targ_sc_flags,
			       sizeof(r->bpf.rodata->targ_sc_flags), &bad);
	free(bad);
	if (err < 0)
		return err;
	err = bpf_map__set_max_entries(r->bpf.rb, (uint32_t)o->buffer_bytes);
	if (err)
		return err;
	if (!o->sched) {
		bpf_program__set_autoload(r->bpf.sched_switch, false);
		bpf_program__set_autoload(r->bpf.sched_wakeup, false);
		bpf_program__set_autoload(r->bpf.sched_wakeup_new, false);
	}
	if (!o->arrivals) {
		bpf_program__set_autoload(r->bpf.tcp_probe, false);
		bpf_program__set_autoload(r->bpf.inet_sock_set_state, false);
	}
	err = record_obj__load(&r->bpf);
	if (err == -ENOSYS) {
		log_error("BPF unavailable: bpf(2): %s", strerror(-err));
		hint("a kernel without CONFIG_BPF_SYSCALL, or a seccomp policy (container) that blocks bpf(2)");
		return err;
	}
	if (err) {
		log_error("cannot load the BPF programs: %s", strerror(-err));
		if (err == -EPERM || (err == -EACCES && !privs__has(CAP_BPF) && !privs__has(CAP_SYS_ADMIN)))
			hint_privileges();
		else
			hint("run with -vv to see the kernel verifier's log");
		return err;
	}
	return 0;
}

static int trace_pid(struct recorder *r, pid_t pid)
{
	__u32 key = (__u32)pid;
	__u8 one = 1;

	if (bpf_map_update_elem(bpf_map__fd(r->bpf.tgids), &key, &one, BPF_ANY)) {
		log_error("cannot trace pid %d: %s", (int)pid, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The roots: the processes named with -p, or the command. */
static size_t roots(const struct recorder *r, pid_t *out)
{
	size_t i;

	if (r->child) {
		out[0] = r->child;
		return 1;
	}
	for (i = 0; i < r->opts.pid_cnt; i++)
		out[i] = r->opts.pids[i];
	return r->opts.pid_cnt;
}

/* Put the roots (and, when following forks, their descendants) in the kernel's filter. */
static int add_targets(struct recorder *r)
{
	pid_t root_v[RECORD_MAX_PIDS], *desc = NULL;
	size_t n = roots(r, root_v), i;
	ssize_t dn = 0;
	int err;

	for (i = 0; i < n; i++) {
		err = trace_pid(r, root_v[i]);
		if (err)
			return err;
	}
	if (!r->opts.follow_forks)
		return 0;
	/* after attaching, so that a fork during the scan is seen by one or the other */
	dn = procs__descendants(root_v, n, &desc);
	for (i = 0; dn > 0 && i < (size_t)dn; i++) {
		err = trace_pid(r, desc[i]);
		if (err)
			break;
	}
	free(desc);
	return dn < 0 ? (int)dn : 0;
}

static int attach_bpf(struct recorder *r)
{
	int err = record_obj__attach(&r->bpf);

	if (err) {
		log_error("cannot attach the BPF programs: %s", strerror(-err));
		if (err == -EPERM || err == -EACCES)
			hint_privileges();
	}
	return err;
}

/* /proc's view of every traced process, for the header and the first snapshot. */
static int snapshot(struct recorder *r)
{
	pid_t root_v[RECORD_MAX_PIDS], *desc = NULL;
	size_t n = roots(r, root_v), i;
	struct proc_entry e;
	ssize_t dn = 0;
	int err;

	for (i = 0; i < n; i++) {
		if (r->child) {
			/* still held at the gate: describe what it is about to run */
			memset(&e, 0, sizeof(e));
			e.pid = (uint32_t)r->child;
			e.ppid = (uint32_t)getpid();
			snprintf(e.comm, sizeof(e.comm), "%s", basename(r->opts.command[0]));
			for (e.argc = 0; r->opts.command[e.argc]; e.argc++)
				;
			e.argv = calloc(e.argc, sizeof(char *));
			for (size_t k = 0; e.argv && k < e.argc; k++)
				e.argv[k] = strdup(r->opts.command[k]);
			if (!e.argv)
				e.argc = 0;
			e.exe = strdup("");
			e.cgroup = strdup("");
		} else if (proc_entry__read(root_v[i], &e)) {
			log_error("process %d exited during start-up", (int)root_v[i]);
			return -ESRCH;
		}
		err = proctab__put(&r->procs, &e);
		proc_entry__free(&e);
		if (err)
			return err;
	}
	if (r->opts.follow_forks)
		dn = procs__descendants(root_v, n, &desc);
	for (i = 0; dn > 0 && i < (size_t)dn; i++) {
		if (proc_entry__read(desc[i], &e) == 0) {
			proctab__put(&r->procs, &e);
			proc_entry__free(&e);
		}
	}
	free(desc);
	return 0;
}

/* --- the loop ------------------------------------------------------------------ */

static void drop_dead(struct recorder *r)
{
	size_t i = 0;

	while (i < r->procs.cnt) {
		if (!procs__alive((pid_t)r->procs.v[i].pid)) {
			log_debug("process %u is gone", r->procs.v[i].pid);
			proctab__remove(&r->procs, r->procs.v[i].pid);
		} else {
			i++;
		}
	}
}

static int housekeeping(struct recorder *r, uint64_t now)
{
	int err;

	err = drain__losses(&r->drain);
	if (!err)
		err = trace_writer__tick(r->out.w, now);
	if (!err && output__rotation_due(&r->out, now)) {
		err = output__rotate(&r->out, &r->procs, now);
		if (err && r->out.rotate_failed)
			err = 0;	/* the loop stops; the current piece gets its footer */
	}
	return err;
}

/* Ask the command to stop (signal SIG, 0 if already forwarded): stop_step from now on. */
static void stop_command(struct recorder *r, int sig, uint64_t now)
{
	if (!r->child_reaped)
		signal_one(r, r->child, sig);	/* 0: on_stop sent it, which cannot say it failed */
	if (!r->stop_deadline_ns)
		r->stop_deadline_ns = now + STOP_WAIT_MS * 1000000ULL;
}

static int record_loop(struct recorder *r)
{
	const struct record_opts *o = &r->opts;
	int poll_ms = o->flush_interval_ms / 2 < 100 ? (int)o->flush_interval_ms / 2 : 100;
	uint64_t start = mono_ns(), next_hk = start, now;
	uint64_t end = o->duration_ms ? start + o->duration_ms * 1000000ULL : 0;
	bool stopping = false;
	int n, err;

	r->reason = MSLAT__FOOTER__REASON__STOPPED;
	for (;;) {
		n = drain__poll(&r->drain, poll_ms);
		if (n < 0 && n != -EINTR)
			return n;
		now = mono_ns();
		if (got_sigchld)
			reap_child(r, false);
		if (stop_signal && !stopping) {
			stopping = true;
			r->reason = MSLAT__FOOTER__REASON__STOPPED;
			if (!r->child)
				return 0;
			stop_command(r, 0, now);	/* on_stop forwarded it to the command */
			if (!r->child_reaped)
				log_info("waiting for '%s' to exit", o->command[0]);
		}
		if (stopping && stop_count > 1)
			return 0;	/* asked twice: stop now */
		if (end && now >= end && !stopping) {
			r->reason = MSLAT__FOOTER__REASON__DURATION;
			if (!r->child)
				return 0;
			stopping = true;
			stop_command(r, SIGTERM, now);
		}
		/* the command's processes are recorded to their last syscall */
		if (stopping && r->child_reaped) {
			/* a fork's record may wait in the ring: a SIGCHLD cut the poll short */
			n = drain__consume(&r->drain);
			if (n < 0)
				return n;
		}
		if (stopping && stop_step(r, now))
			return 0;
		if (now >= next_hk) {
			next_hk = now + HOUSEKEEPING_MS * 1000000ULL;
			drop_dead(r);
			err = housekeeping(r, now);
			if (err) {
				r->drain.err = err;	/* the writer has said why */
				return err;
			}
			if (r->out.rotate_failed && !r->failed) {
				/* no next piece: stop as at --duration, but as a failure */
				log_error("cannot rotate: recording stops in '%s'", r->out.path);
				r->failed = true;
				r->reason = MSLAT__FOOTER__REASON__ERROR;
				if (!r->child)
					return 0;
				if (!stopping)
					stop_command(r, SIGTERM, now);
				stopping = true;
			}
		}
		if (!r->procs.cnt) {
			/*
			 * A target forks, then exits, between a drain and drop_dead
			 * (`sh -c 'server &'`): its fork's record, written before the
			 * exit, still waits in the ring buffer and names a live target.
			 */
			n = drain__consume(&r->drain);
			if (n < 0)
				return n;
		}
		if (!r->procs.cnt) {
			if (!stopping)
				r->reason = MSLAT__FOOTER__REASON__TARGETS_EXITED;
			return 0;
		}
	}
}

/* Detach, then take what is still in the ring buffer and the last drop counts. */
static int finish(struct recorder *r)
{
	int err;

	record_obj__detach(&r->bpf);
	err = drain__consume(&r->drain);
	if (err >= 0)
		err = drain__losses(&r->drain);
	return err < 0 ? err : 0;
}

/*
 * The command after the recording: after a stop, the rest of the stop
 * (stop_step); after a failure, or when every target exited by itself, it
 * runs on untraced and untouched until it exits.
 */
static void wait_command(struct recorder *r, bool bounded)
{
	if (bounded && r->stop_deadline_ns) {
		for (;;) {
			reap_child(r, false);
			if (stop_step(r, mono_ns()))
				break;
			usleep(10000);
		}
	}
	if (bounded && !r->child_reaped && unsignallable(r, r->child)) {
		log_warn("'%s' (pid %d) runs on: its user changed, and no capability is left to "
			 "stop it; its exit status is not known", r->opts.command[0], (int)r->child);
		r->abandoned = true;
	} else {
		reap_child(r, true);
	}
	free(r->unsignallable.v);
	free(r->termed.v);
}

static int command_status(const struct recorder *r)
{
	if (r->abandoned)
		return EXIT_RUNTIME;
	if (WIFEXITED(r->child_status))
		return WEXITSTATUS(r->child_status);
	if (WIFSIGNALED(r->child_status))
		return 128 + WTERMSIG(r->child_status);
	return EXIT_RUNTIME;
}

static void announce(const struct recorder *r)
{
	size_t n = r->procs.cnt;

	if (log__level() >= LOG_LEVEL_WARN)
		fprintf(stderr, "mslat-record: recording %zu process%s to '%s'\n", n,
			n == 1 ? "" : "es", r->out.path);
}

/*
 * Start-up is over: announce and release the command, then take stop
 * signals. A stop that came during start-up is taken instead: the command,
 * still held at its gate, gets that signal and never runs. Returns true when
 * the recording goes on.
 */
static bool begin(struct recorder *r)
{
	if (stop_pending()) {
		take_stop_signals();	/* the handler notes it and forwards it */
		log_info("stopped during start-up (%s)", strsignal(stop_signal));
		if (r->child && !r->child_reaped)
			kill(r->child, stop_signal);	/* if on_stop did not: a terminal's signal */
		r->reason = MSLAT__FOOTER__REASON__STOPPED;
		r->stop_deadline_ns = mono_ns() + STOP_WAIT_MS * 1000000ULL;
		return false;
	}
	announce(r);
	release_command(r);
	take_stop_signals();	/* one sent since is forwarded to the running command */
	return true;
}

int main(int argc, char **argv)
{
	struct recorder r = { .gate_fd = -1, .exec_err_fd = -1 };
	uint64_t t0;
	int err, ret;
	const char *delay;
	uid_t fs_uid;
	gid_t fs_gid;

	/* parse */
	log__use_stderr("mslat-record");
	ret = record_opts__parse(&r.opts, argc, argv);
	if (ret >= 0)
		return ret;
	log__set_level(r.opts.verbosity < 0 ? LOG_LEVEL_ERROR :
		       (enum log_level)(LOG_LEVEL_WARN + r.opts.verbosity));
	libbpf_set_print(libbpf_print);
	setup_signals();

	/* validate */
	if (check_pid_namespace(r.opts.command != NULL) || check_output(&r.opts) || check_pids(&r.opts))
		return EXIT_RUNTIME;
	delay = getenv("MSLAT_RECORD_TEST_STARTUP_DELAY_MS");	/* test hook: widen the start-up window */
	if (delay)
		usleep((useconds_t)atoi(delay) * 1000);

	/* open, configure, load */
	ret = EXIT_RUNTIME;
	if (r.opts.command && start_command(&r))
		goto cleanup;
	if (load_bpf(&r))
		goto cleanup;

	/* attach, then learn what is traced */
	if (add_targets(&r) || attach_bpf(&r) || add_targets(&r) || snapshot(&r))
		goto cleanup;

	/* nothing privileged is left to do */
	output_owner(&r.opts, &fs_uid, &fs_gid);
	err = privs__drop_all(fs_uid, fs_gid);
	if (err) {
		log_error("cannot drop capabilities: %s", strerror(-err));
		goto cleanup;
	}

	t0 = mono_ns();
	/* the roots come first in the table: they are the header's targets */
	if (output__init(&r.out, &r.opts, r.procs.v, r.child ? 1 : r.opts.pid_cnt) ||
	    output__open(&r.out, t0))
		goto cleanup;
	err = drain__init(&r.drain, bpf_map__fd(r.bpf.rb), bpf_map__fd(r.bpf.drops),
			  &r.bpf.data->loss_epoch, &r.out, &r.procs);
	if (err) {
		log_error("cannot read the ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	r.drain_ready = true;
	if (output__snapshot(&r.out, &r.procs, t0) || trace_writer__flush(r.out.w))
		goto cleanup;

	/* loop */
	err = begin(&r) ? record_loop(&r) : 0;
	if (!err)
		err = finish(&r);
	if (err) {
		if (!r.drain.err)
			log_error("recording failed: %s", strerror(-err));
		if (err == -ENOSPC || err == -EDQUOT)
			hint("the file is valid up to its last complete frame; free some space, "
			     "or bound it with --rotate and --keep");
		record_obj__detach(&r.bpf);
		goto cleanup;
	}
	err = output__close(&r.out, r.reason, mono_ns());
	if (err)
		goto cleanup;
	log_info("%llu events, %llu lost, %llu processes",
		 (unsigned long long)r.drain.events, (unsigned long long)r.drain.lost,
		 (unsigned long long)r.drain.procs_seen);
	ret = r.failed ? EXIT_RUNTIME : EXIT_OK;

cleanup:
	record_obj__detach(&r.bpf);
	if (r.child) {
		if (r.gate_fd >= 0)
			close(r.gate_fd);	/* never released: it exits without running */
		wait_command(&r, ret == EXIT_OK || r.failed);
		if (ret == EXIT_OK)
			ret = command_status(&r);
	}
	if (r.drain_ready)
		drain__free(&r.drain);
	output__free(&r.out);
	record_obj__destroy(&r.bpf);
	proctab__free(&r.procs);
	return ret;
}
