#!/bin/bash
# SPDX-License-Identifier: MIT
# `report --format html` (and csv, gnuplot) against `report --format json` on
# the same generated trace of EVENTS events (default 10M), best of RUNS runs
# each: the renderers must cost less than the analysis (issue 5: html < 2x json).
#
#   bench/outputs.sh BUILD_DIR        EVENTS=10000000 RUNS=3
set -u
B=$(cd "${1:?usage: bench/outputs.sh BUILD_DIR}" && pwd)
events=${EVENTS:-10000000}
runs=${RUNS:-3}
tmp=$(mktemp -d /tmp/mslat-bench-outputs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! "$B/tests/synth" --scenario bench --events "$events" -o "$tmp/bench.mslat" >/dev/null; then
	echo "outputs: cannot generate the trace (build/tests/synth)" >&2
	exit 1
fi
echo "trace: $events events, $(du -h "$tmp/bench.mslat" | cut -f1)"

# best FORMAT OUT: the best wall time of RUNS runs, in ms.
best() {
	local fmt=$1 out=$2 best= t0 t1 ms i
	for ((i = 0; i < runs; i++)); do
		rm -rf "$out"
		t0=$(date +%s%N)
		if ! "$B/mslat" report --format "$fmt" -o "$out" "$tmp/bench.mslat" 2>"$tmp/err"; then
			echo "outputs: report --format $fmt failed:" >&2
			cat "$tmp/err" >&2
			return 1
		fi
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	echo "$best"
}

json=$(best json "$tmp/r.json") || exit 1
html=$(best html "$tmp/r.html") || exit 1
printf '%-8s %8s ms  %s\n' json "$json" "(baseline)"
ratio=$(awk -v a="$html" -v b="$json" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r < 2 ? "ok: under 2x" : "SLOW: 2x or more") }')
printf '%-8s %8s ms  html/json = %s  %s\n' html "$html" "$ratio" "$verdict"
for fmt in csv gnuplot; do
	t=$(best "$fmt" "$tmp/out-$fmt") || continue
	printf '%-8s %8s ms  %s/json = %s\n' "$fmt" "$t" "$fmt" \
		"$(awk -v a="$t" -v b="$json" 'BEGIN { printf "%.2f", b ? a / b : 0 }')"
done
echo "html size: $(du -h "$tmp/r.html" | cut -f1)"
