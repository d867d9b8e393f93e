#!/bin/bash
# SPDX-License-Identifier: MIT
# The benchmarks' own plumbing: tests/cpuclock (the clock probe beside the
# figures) gives plausible rates and refuses bad options, bench/pairs.py
# prints its ratios and names what went wrong, and bench/report.sh, run on a
# small trace, prints every figure it promises as a number. Timings are not
# checked: the machines are shared.
#
#   tests/cli/test_bench_tools.sh BUILD_DIR
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
B=$(cd "${1:?usage: tests/cli/test_bench_tools.sh BUILD_DIR}" && pwd)
cd "$(dirname "$0")/../.." || exit 1
C=$B/tests/cpuclock

# A dependent add per cycle: a collapsed loop would give thousands of GHz.
out=$("$C" -t 20 -r 3)
rc=$?
read -r fast med extra <<<"$out"
check "cpuclock: exit 0, two numbers ('$out')" \
	test "$rc" -eq 0 -a -n "${med:-}" -a -z "${extra:-}"
check "cpuclock: 0.2 GHz <= median <= fastest <= 10 GHz ('$out')" \
	awk -v f="${fast:-x}" -v m="${med:-x}" 'BEGIN { exit !(m + 0 >= 0.2 && m + 0 <= f + 0 && f + 0 <= 10) }'
"$C" -h >"$TMP/help" 2>&1
check "cpuclock -h: exit 0, usage" grep -q '^usage: cpuclock' "$TMP/help"
for bad in '-r 0' '-r x' '-t 99999999' '-t' 'extra'; do
	# shellcheck disable=SC2086
	"$C" $bad >"$TMP/out" 2>"$TMP/err"
	rc=$?
	check "cpuclock $bad: exit 2, nothing on stdout, a message" \
		test "$rc" -eq 2 -a ! -s "$TMP/out" -a -s "$TMP/err"
done
"$C" -r x 2>"$TMP/err" >/dev/null
check "cpuclock -r x: the message names the option and the value" grep -q "^cpuclock: -r: 'x'" "$TMP/err"

# bench/pairs.py: one build against itself on a golden trace, and its errors.
P=bench/pairs.py
T=testdata/threadpool.mslat
"$P" -n 3 "$B/mslat" "$B/mslat" "$T" -- report -f json >"$TMP/pairs" 2>&1
rc=$?
check "pairs.py: exit 0" test "$rc" -eq 0
check "pairs.py: both builds' times and the ratio's median and quartiles" \
	eval 'grep -Eq "^pairs 3: old median [0-9.]+ s, fastest [0-9.]+ s; new median [0-9.]+ s, fastest [0-9.]+ s$" "$TMP/pairs" &&
	      grep -Eq "^new/old CPU time: median [0-9.]+, quartiles [0-9.]+ [0-9.]+, fastest/fastest [0-9.]+$" "$TMP/pairs"'
"$P" -n 0 "$B/mslat" "$B/mslat" "$T" >"$TMP/out" 2>"$TMP/err"
rc=$?
check "pairs.py -n 0: exit 2, names the option" eval 'test "$rc" -eq 2 && grep -q -- "--pairs: 0" "$TMP/err"'
"$P" "$B/mslat" /nonexistent "$T" >"$TMP/out" 2>"$TMP/err"
rc=$?
check "pairs.py: a build that is not there: exit 2, named" eval 'test "$rc" -eq 2 && grep -q "/nonexistent" "$TMP/err"'
"$P" -n 1 "$B/mslat" "$B/mslat" /etc/hostname >"$TMP/out" 2>"$TMP/err"
rc=$?
check "pairs.py: mslat failing: exit 1, says which build and command" \
	eval 'test "$rc" -eq 1 && grep -q "^pairs: the old build failed" "$TMP/err"'

# bench/report.sh end to end on a small trace, paired with itself as OLD.
EVENTS=2000000 SMALL=1000000 RUNS=3 OLD=$B bash bench/report.sh "$B" >"$TMP/report" 2>&1
rc=$?
check "bench/report.sh: exit 0" test "$rc" -eq 0
number_on() {	# LABEL UNIT: the line starting with LABEL holds a number followed by UNIT
	grep -E "^ *$1 .* [0-9]+(\.[0-9]+)? $2" "$TMP/report" >/dev/null
}
check "bench/report.sh: fastest of 3 in M/s" number_on 'report: events analysed per CPU second, 2000000' 'M/s .*fastest of 3'
check "bench/report.sh: median of 3 in M/s" number_on 'median of 3 runs' 'M/s'
check "bench/report.sh: every run's rate, 3 of them" \
	grep -Eq '^ *every run, fastest first \(M/s\) +([0-9.]+|inf) ([0-9.]+|inf) ([0-9.]+|inf)$' "$TMP/report"
check "bench/report.sh: the probed clock, fastest / median" \
	grep -Eq '^ *clock this process got: fastest / median +[0-9.]+ / [0-9.]+ GHz' "$TMP/report"
check "bench/report.sh: info, analysis per event, RSS, pairs" \
	eval 'number_on "baseline: mslat info" "M/s" && number_on "analysis alone" "ns" &&
	      number_on "report peak RSS, 2000000 events" "MiB" && number_on "this build in the same pair" "M/s" &&
	      grep -Eq "CPU time this/OLD \(median of 3 pairs\) +[0-9.]+" "$TMP/report"'
[ "$failures" -eq 0 ] || sed 's/^/    /' "$TMP/report"
finish
