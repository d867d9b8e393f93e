/* SPDX-License-Identifier: MIT */
/*
 * A tiny unit-test harness (docs/testing.md says why in-tree): tests register
 * themselves, asserts return bool so a test can stop cleanly, and the run
 * ends with the line "N passed, N failed" that CI reads.
 *
 *	TEST(histogram, merge)
 *	{
 *		if (!ASSERT_EQ(h.count, 10, "count"))
 *			return;
 *	}
 */
#ifndef MSLAT_TEST_H
#define MSLAT_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

void test__register(const char *suite, const char *name, void (*fn)(void));
bool test__check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A scratch directory private to the run (removed at exit). */
const char *test__tmpdir(void);
/* Directory holding the test tools and binaries (argv[1] of the runner). */
const char *test__build_dir(void);

#define TEST(suite, name)                                                   \
	static void test_##suite##__##name(void);                           \
	__attribute__((constructor)) static void reg_##suite##__##name(void) \
	{                                                                   \
		test__register(#suite, #name, test_##suite##__##name);       \
	}                                                                   \
	static void test_##suite##__##name(void)

#define ASSERT_TRUE(cond, what) \
	test__check(!!(cond), __FILE__, __LINE__, "%s: expected true", (what))
#define ASSERT_FALSE(cond, what) \
	test__check(!(cond), __FILE__, __LINE__, "%s: expected false", (what))
#define ASSERT_EQ(a, b, what)                                                       \
	({                                                                          \
		int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                       \
		test__check(a_ == b_, __FILE__, __LINE__, "%s: %" PRId64 " != %" PRId64, \
			    (what), a_, b_);                                        \
	})
#define ASSERT_EQ_U64(a, b, what)                                                   \
	({                                                                          \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                    \
		test__check(a_ == b_, __FILE__, __LINE__, "%s: %" PRIu64 " != %" PRIu64, \
			    (what), a_, b_);                                        \
	})
#define ASSERT_LE(a, b, what)                                                       \
	({                                                                          \
		double a_ = (double)(a), b_ = (double)(b);                          \
		test__check(a_ <= b_, __FILE__, __LINE__, "%s: %g > %g", (what), a_, b_); \
	})
#define ASSERT_OK(err, what)                                                        \
	({                                                                          \
		long e_ = (long)(err);                                              \
		test__check(e_ == 0, __FILE__, __LINE__, "%s: error %ld (%s)", (what), e_, \
			    strerror(e_ < 0 ? (int)-e_ : (int)e_));                 \
	})
#define ASSERT_OK_PTR(p, what) \
	test__check((p) != NULL, __FILE__, __LINE__, "%s: NULL (%s)", (what), strerror(errno))
#define ASSERT_STREQ(a, b, what)                                                    \
	({                                                                          \
		const char *a_ = (a), *b_ = (b);                                    \
		test__check(a_ && b_ && !strcmp(a_, b_), __FILE__, __LINE__,        \
			    "%s: '%s' != '%s'", (what), a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	})

#endif
