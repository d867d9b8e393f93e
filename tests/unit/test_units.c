// SPDX-License-Identifier: MIT
/* units: the conversions the renderers lean on with values from hostile traces. */
#include <math.h>

#include "test.h"
#include "units.h"

TEST(units, u64_of_saturates)
{
	/* Where V is outside 0..2^64, a cast would be undefined (UBSan: float-cast-overflow). */
	static const struct {
		double v;
		uint64_t want;
	} cases[] = {
		{ 0, 0 },
		{ 123.9, 123 },				/* truncates, as the cast did */
		{ 9007199254740992.0, 9007199254740992ULL },	/* 2^53: exact */
		{ -1, 0 },
		{ -1e300, 0 },
		{ 18446744073709549568.0, 18446744073709549568ULL },	/* the largest double below 2^64 */
		{ 18446744073709551616.0, UINT64_MAX },	/* 2^64 */
		{ 3.68214e19, UINT64_MAX },		/* the fuzzer's: a sum of calls of 2^63 ns */
		{ 1e300, UINT64_MAX },
		{ INFINITY, UINT64_MAX },
		{ -INFINITY, 0 },
		{ NAN, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!ASSERT_EQ_U64(units__u64_of(cases[i].v), cases[i].want, "units__u64_of"))
			return;
}

TEST(units, duration_of_the_largest)
{
	char buf[UNITS_BUF];

	/* what a saturated sum prints: a number of minutes, never a wrapped small one */
	if (!ASSERT_STREQ(units__duration(buf, units__u64_of(3.68214e19)), "307445734m33s",
			  "UINT64_MAX ns"))
		return;
}
