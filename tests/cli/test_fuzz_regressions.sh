#!/bin/bash
# SPDX-License-Identifier: MIT
# The fuzzers' past finds, replayed: each input under
# tests/fuzz/regressions/TARGET/ once crashed TARGET (a sanitizer report,
# a failed check); it must now run clean. The targets are built with
# clang, whose UBSan sees what gcc's does not (a double cast past 2^64,
# NULL + 0), so these are the tests of those fixes.
#
#   tests/cli/test_fuzz_regressions.sh BUILD_DIR
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
B=$(cd "${1:?usage: tests/cli/test_fuzz_regressions.sh BUILD_DIR}" && pwd)
cd "$(dirname "$0")/../.." || exit 1

srcs=()
for d in tests/fuzz/regressions/*/; do
	srcs+=("tests/fuzz/$(basename "$d").c")
done
# Into the build's own fuzz/ directory (build/san/fuzz for the sanitizer pass).
if ! make -s --no-print-directory fuzz-build OUTPUT="$B" FUZZ_SRCS="${srcs[*]}" FUZZ_CAPS=0 >"$TMP/build.log" 2>&1; then
	fail "building ${srcs[*]}: $(tail -n 3 "$TMP/build.log")"
	finish
fi
for d in tests/fuzz/regressions/*/; do
	target=$B/fuzz/$(basename "$d")
	for input in "$d"*; do
		# one run of one input; its traces go to a directory of its own, removed at exit
		if timeout 120 "$target" -runs=1 "$input" >"$TMP/out" 2>&1; then
			pass "$(basename "$d") $(basename "$input"): runs clean"
		else
			fail "$(basename "$d") $(basename "$input"): $(grep -m2 -E 'runtime error|ERROR|fuzz_analysis:' "$TMP/out")"
		fi
	done
done
finish
