// SPDX-License-Identifier: MIT
/*
 * Read-only file mappings, and the SIGBUS guard their reads need (see
 * file_map.h). The handler is installed once, before the first mapping; it
 * acts only on a fault inside the mapping being read by a guarded call on
 * the same thread, and otherwise does what the previous disposition did.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_map.h"

struct guard {
	sigjmp_buf jb;
	const uint8_t *lo, *hi;
};

static __thread struct guard *active;	/* the guarded call running on this thread */
static struct sigaction previous;
static pthread_once_t installed = PTHREAD_ONCE_INIT;
static int install_err;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	struct guard *g = active;
	const uint8_t *a = si->si_addr;

	if (g && a >= g->lo && a < g->hi) {
		active = NULL;
		siglongjmp(g->jb, 1);
	}
	if (previous.sa_flags & SA_SIGINFO) {
		previous.sa_sigaction(sig, si, uc);
		return;
	}
	if (previous.sa_handler == SIG_IGN && si->si_code <= 0)
		return;	/* sent by a process, and ignored before us */
	if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
		previous.sa_handler(sig);
		return;
	}
	/*
	 * Not a read of ours: the default action, delivered as the handler
	 * returns (the kernel's own for a fault, even where SIGBUS was ignored).
	 */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &previous))
		install_err = -errno;
}

int file_map__open(int fd, struct file_map *m)
{
	struct stat st;
	void *p;

	memset(m, 0, sizeof(*m));
	pthread_once(&installed, install);
	if (install_err)
		return install_err;	/* no guard, no mapping */
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0)
		return -EINVAL;
	/* A 32-bit address space: a large file mapped whole would crowd out the heap. */
	if ((uint64_t)st.st_size > (SIZE_MAX > UINT32_MAX ? SIZE_MAX : SIZE_MAX / 8))
		return -EFBIG;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* One pass, front to back: read ahead, and let what was read go first. */
	madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	m->data = p;
	m->len = (size_t)st.st_size;
	return 0;
}

void file_map__close(struct file_map *m)
{
	if (m->data)
		munmap((void *)m->data, m->len);
	memset(m, 0, sizeof(*m));
}

void file_map__release(struct file_map *m, size_t upto)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t end = upto < m->len ? upto - upto % page : m->len;

	if (!m->data || end <= m->released)
		return;
	/* A private read-only file mapping: dropping pages loses nothing; a later read maps them again. */
	if (!madvise((void *)(m->data + m->released), end - m->released, MADV_DONTNEED))
		m->released = end;
}

int file_map__call(const struct file_map *m, int (*fn)(void *arg), void *arg, bool *faulted)
{
	struct guard g;
	int ret;

	*faulted = false;
	g.lo = m->data;
	g.hi = m->data + m->len;
	/* Saving the signal mask: the handler leaves by siglongjmp with SIGBUS possibly blocked. */
	if (sigsetjmp(g.jb, 1)) {
		*faulted = true;
		return -EFAULT;
	}
	active = &g;
	ret = fn(arg);
	active = NULL;
	return ret;
}
