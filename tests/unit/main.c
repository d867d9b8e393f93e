// SPDX-License-Identifier: MIT
/* The unit-test runner: runs every registered test (or those matching argv), prints a summary. */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "test.h"

#define MAX_TESTS 1024

struct test_case {
	const char *suite;
	const char *name;
	void (*fn)(void);
};

static struct test_case tests[MAX_TESTS];
static int test_cnt;
static int current_failures;
static char tmpdir[64];
static const char *build_dir = ".";

void test__register(const char *suite, const char *name, void (*fn)(void))
{
	if (test_cnt == MAX_TESTS) {
		fprintf(stderr, "test: too many tests (raise MAX_TESTS)\n");
		exit(1);
	}
	tests[test_cnt++] = (struct test_case){ suite, name, fn };
}

bool test__check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	current_failures++;
	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

const char *test__tmpdir(void)
{
	return tmpdir;
}

const char *test__build_dir(void)
{
	return build_dir;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static bool selected(const struct test_case *t, int argc, char **argv)
{
	char full[256];

	if (argc <= 2)
		return true;
	snprintf(full, sizeof(full), "%s__%s", t->suite, t->name);
	for (int i = 2; i < argc; i++)
		if (strstr(full, argv[i]))
			return true;
	return false;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Usage: unit-tests [BUILD_DIR [FILTER…]] */
int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	if (argc > 1)
		build_dir = argv[1];
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mslat-unit.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	/* Tests that expect messages capture them; the rest would only be noise. */
	if (getenv("TEST_VERBOSE")) {
		log__use_stderr("unit");
		log__set_level(LOG_LEVEL_DEBUG);
	}
	for (int i = 0; i < test_cnt; i++) {
		struct test_case *t = &tests[i];
		double t0;

		if (!selected(t, argc, argv))
			continue;
		current_failures = 0;
		t0 = now_s();
		t->fn();
		if (current_failures) {
			failed++;
			printf("FAIL %s__%s\n", t->suite, t->name);
		} else {
			passed++;
			printf("PASS %s__%s (%.2fs)\n", t->suite, t->name, now_s() - t0);
		}
		fflush(stdout);
	}
	nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
