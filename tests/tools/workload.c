// SPDX-License-Identifier: MIT
/* A process with known syscalls, for the recorder's end-to-end tests. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
"Usage: workload known [K M L DIR]   K 1-byte writes and K reads on a TCP pair,\n"
"                                    M writes to a file in DIR, a ~30 ms futex wait,\n"
"                                    a 50 ms nanosleep, a fork whose child calls\n"
"                                    getppid L times [100 50 20 /tmp]\n"
"       workload burst N             N getppid calls as fast as possible\n"
"       workload mixed N             N syscalls: getppid and 1-byte writes to\n"
"                                    /dev/null, alternating (the W1 benchmark)\n"
"       workload sockfd N            N fcntl(F_GETFL) calls on a connected TCP\n"
"                                    socket (the longest fd-kind walk)\n"
"       workload threads N           two threads, N getppid calls each\n"
"       workload early               a connection sends 5 bytes 20 ms before\n"
"                                    it is accepted\n"
"       workload spin                getppid and a 1 ms nanosleep, until killed\n"
"       workload pexit MS            the main thread calls pthread_exit; another\n"
"                                    spins as above for MS ms, then the process\n"
"                                    exits 0\n"
"       workload kinds               one fstat(2) on an fd of each kind: tcp,\n"
"                                    tcp-listen, udp, unix, unix-pair, socket,\n"
"                                    file, pipe, chr, anon, dir, and a closed\n"
"                                    fd (none)\n"
"Prints what it did as key=value lines on stdout (make it a pipe: writes to a\n"
"regular file would count as file writes).\n";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* vDSO: no syscall */
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void tcp_pair(int *a, int *b, int *l)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int one = 1;

	*l = socket(AF_INET, SOCK_STREAM, 0);
	if (*l < 0 || bind(*l, (struct sockaddr *)&sa, sizeof(sa)) || listen(*l, 1) ||
	    getsockname(*l, (struct sockaddr *)&sa, &len))
		die("listen");
	*a = socket(AF_INET, SOCK_STREAM, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
	*b = accept(*l, NULL, NULL);
	if (*b < 0)
		die("accept");
	setsockopt(*a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int known(int k, int m, int l, const char *dir)
{
	char path[4096], buf[64] = { 0 };
	uint32_t futex_word = 0;
	struct timespec ts;
	uint64_t t0, futex_ns, sleep_ns;
	int a, b, lfd, fd, i, status;
	pid_t child;

	tcp_pair(&a, &b, &lfd);
	for (i = 0; i < k; i++) {
		if (syscall(SYS_write, a, "x", 1) != 1)
			die("write tcp");
		if (syscall(SYS_read, b, buf, 1) != 1)
			die("read tcp");
	}
	snprintf(path, sizeof(path), "%s/workload.%d", dir, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die(path);
	for (i = 0; i < m; i++)
		if (syscall(SYS_write, fd, buf, sizeof(buf)) != (long)sizeof(buf))
			die("write file");
	close(fd);
	unlink(path);

	ts = (struct timespec){ 0, 30 * 1000000L };
	t0 = now_ns();
	syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);	/* ETIMEDOUT */
	futex_ns = now_ns() - t0;

	ts = (struct timespec){ 0, 50 * 1000000L };
	t0 = now_ns();
	syscall(SYS_nanosleep, &ts, NULL);
	sleep_ns = now_ns() - t0;

	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		for (i = 0; i < l; i++)
			syscall(SYS_getppid);
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child)
		die("waitpid");
	close(a);
	close(b);
	close(lfd);
	printf("pid=%d\nchild=%d\nk=%d\nm=%d\nl=%d\ntcp_read_fd=%d\nlisten_fd=%d\n"
	       "futex_ns=%llu\nnanosleep_ns=%llu\n",
	       (int)getpid(), (int)child, k, m, l, b, lfd,
	       (unsigned long long)futex_ns, (unsigned long long)sleep_ns);
	return 0;
}

/* A request that arrives before accept(2) returns: its arrival waits for the fd. */
static int early(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	struct timespec ts = { 0, 20 * 1000000L };
	char buf[16];
	int l, a, b;

	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&sa, &len))
		die("listen");
	a = socket(AF_INET, SOCK_STREAM, 0);
	if (a < 0 || connect(a, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
	if (write(a, "hello", 5) != 5)
		die("write");
	syscall(SYS_nanosleep, &ts, NULL);	/* queued 20 ms before accept */
	b = accept(l, NULL, NULL);
	if (b < 0 || read(b, buf, sizeof(buf)) != 5)
		die("accept/read");
	printf("pid=%d\naccepted_fd=%d\nlisten_fd=%d\n", (int)getpid(), b, l);
	return 0;
}

static void *thread_main(void *arg)
{
	long i, n = (long)arg;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (void *)(long)syscall(SYS_gettid);
}

/* Two threads, each calling getppid N times. */
static int threads(long n)
{
	pthread_t t[2];
	void *tid[2];
	int i;

	for (i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, thread_main, (void *)n))
			die("pthread_create");
	for (i = 0; i < 2; i++)
		pthread_join(t[i], &tid[i]);
	printf("pid=%d\ntid1=%ld\ntid2=%ld\n", (int)getpid(), (long)tid[0], (long)tid[1]);
	return 0;
}

static int burst(long n)
{
	uint64_t t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	printf("pid=%d\ngetppid=%ld\nns_per_call=%.1f\n", (int)getpid(), n,
	       (double)(now_ns() - t0) / (double)(n ? n : 1));
	return 0;
}

/* W1's mix: getppid and a 1-byte write to /dev/null, alternating. */
static int mixed(long n)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	uint64_t t0 = now_ns();
	long i;

	if (fd < 0)
		die("/dev/null");
	for (i = 0; i < n; i++) {
		if (i & 1)
			syscall(SYS_write, fd, "x", 1);
		else
			syscall(SYS_getppid);
	}
	printf("pid=%d\nsyscalls=%ld\nns_per_call=%.1f\n", (int)getpid(), n,
	       (double)(now_ns() - t0) / (double)(n ? n : 1));
	return 0;
}

/* A connected unix stream socket to a named (abstract) listener: the client's end. */
static int unix_named(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int l, c;

	/* abstract: a leading NUL, nothing on the filesystem; the pid keeps runs apart */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			  snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "mslat-workload-%d", (int)getpid()));
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&sa, len) || listen(l, 1) ||
	    connect(c, (struct sockaddr *)&sa, len))
		die("unix socket");
	return c;
}

/* One fstat(2) per fd kind, each reported as KIND=FD (the fd kind's trace name). */
static int kinds(void)
{
	struct { const char *name; int fd; } k[12];
	int a, b, l, sv[2], pfd[2], n = 0, i;
	struct stat st;

	tcp_pair(&a, &b, &l);
	k[n++] = (typeof(k[0])){ "tcp", a };
	k[n++] = (typeof(k[0])){ "tcp-listen", l };
	k[n++] = (typeof(k[0])){ "udp", socket(AF_INET, SOCK_DGRAM, 0) };
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(pfd))
		die("socketpair/pipe");
	k[n++] = (typeof(k[0])){ "unix-pair", sv[0] };	/* socketpair: no address at either end */
	k[n++] = (typeof(k[0])){ "unix", unix_named() };
	k[n++] = (typeof(k[0])){ "socket", socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE) };
	k[n++] = (typeof(k[0])){ "file", open("/proc/self/exe", O_RDONLY | O_CLOEXEC) };
	k[n++] = (typeof(k[0])){ "pipe", pfd[0] };
	k[n++] = (typeof(k[0])){ "chr", open("/dev/null", O_RDONLY | O_CLOEXEC) };
	k[n++] = (typeof(k[0])){ "anon", eventfd(0, EFD_CLOEXEC) };
	k[n++] = (typeof(k[0])){ "dir", open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
	k[n++] = (typeof(k[0])){ "none", 1000 };	/* not open */
	for (i = 0; i < n; i++) {
		if (k[i].fd < 0)
			die(k[i].name);
		/* the raw call: glibc's fstat() is newfstatat(fd, "", AT_EMPTY_PATH) */
		syscall(SYS_fstat, k[i].fd, &st);
	}
	printf("pid=%d\n", (int)getpid());
	for (i = 0; i < n; i++)
		printf("%s=%d\n", k[i].name, k[i].fd);
	return 0;
}

/* N cheap calls whose fd is a TCP socket: the recorder's per-fd cost, isolated. */
static int sockfd(long n)
{
	uint64_t t0;
	int a, b, l;
	long i;

	tcp_pair(&a, &b, &l);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		syscall(SYS_fcntl, a, F_GETFL);
	printf("pid=%d\nsyscalls=%ld\nns_per_call=%.1f\n", (int)getpid(), n,
	       (double)(now_ns() - t0) / (double)(n ? n : 1));
	return 0;
}

static int spin(void)
{
	struct timespec ts = { 0, 1000000L };

	for (;;) {
		syscall(SYS_getppid);
		syscall(SYS_nanosleep, &ts, NULL);
	}
	return 0;
}

static void *spin_for(void *arg)
{
	struct timespec ts = { 0, 1000000L };
	uint64_t end = now_ns() + (uint64_t)(uintptr_t)arg * 1000000ULL;

	while (now_ns() < end) {
		syscall(SYS_getppid);
		syscall(SYS_nanosleep, &ts, NULL);
	}
	return NULL;
}

/* /proc shows such a process as a zombie ('Z') while its other thread works. */
static int pexit(long ms)
{
	pthread_t t;

	if (pthread_create(&t, NULL, spin_for, (void *)(uintptr_t)ms))
		return 1;
	pthread_exit(NULL);
}

/*
 * Under a sanitizer build, no leak check at exit: LeakSanitizer forks a
 * tracer that calls getppid and makes the parent sched_yield a varying number
 * of times, and the tests count this process's syscalls exactly.
 */
const char *__asan_default_options(void);
__attribute__((used)) const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "known")) {
		return known(argc > 2 ? atoi(argv[2]) : 100, argc > 3 ? atoi(argv[3]) : 50,
			     argc > 4 ? atoi(argv[4]) : 20, argc > 5 ? argv[5] : "/tmp");
	}
	if (argc == 3 && !strcmp(argv[1], "burst"))
		return burst(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "threads"))
		return threads(atol(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "early"))
		return early();
	if (argc == 3 && !strcmp(argv[1], "mixed"))
		return mixed(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "sockfd"))
		return sockfd(atol(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "kinds"))
		return kinds();
	if (argc == 2 && !strcmp(argv[1], "spin"))
		return spin();
	if (argc == 3 && !strcmp(argv[1], "pexit"))
		return pexit(atol(argv[2]));
	fputs(usage, argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
	return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
