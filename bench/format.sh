#!/bin/bash
# SPDX-License-Identifier: MIT
# The trace format's numbers (issue 2): compressed bytes per event, how fast
# synth writes and the reader decodes a big trace, and that the reader's
# memory does not grow with the trace. Side by side, as a baseline: `zstd -dc`
# of the same file, the floor under any reader of a zstd-framed format.
# Numbers, not a test: the machines are shared and noisy; best of RUNS.
#
#   bench/format.sh BUILD_DIR        EVENTS=20000000 SMALL=5000000 RUNS=3
set -u
B=$(cd "${1:?usage: bench/format.sh BUILD_DIR}" && pwd)
events=${EVENTS:-20000000}
small=${SMALL:-5000000}
runs=${RUNS:-3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mslat-bench-format.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for tool in "$B/tests/synth" "$B/tests/readbench" "$B/tests/entropy" "$B/mslat"; do
	[ -x "$tool" ] || { echo "format: no '$tool' (make it first)" >&2; exit 1; }
done

# timed OUT CMD...: run CMD, its stdout to OUT; prints "wall_s cpu_s maxrss_kb".
timed() {
	local out=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$out" || return 1
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$tmp/time"
}

# best N CMD...: the run with the least CPU of N ("wall_s cpu_s maxrss_kb").
best() {
	local n=$1 i line bestline='' c bc=''
	shift
	for ((i = 0; i < n; i++)); do
		line=$(timed "$tmp/best.out" "$@") || return 1
		c=${line#* }; c=${c%% *}
		if [ -z "$bestline" ] || awk -v a="$c" -v b="$bc" 'BEGIN { exit !(a < b) }'; then
			bestline=$line bc=$c
		fi
	done
	echo "$bestline"
}

rate() {	# EVENTS SECONDS -> millions of events per second
	awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.1f", n / s / 1e6; else print "inf" }'
}

bpe() {	# TRACE -> compressed bytes per event, as mslat info reports it
	"$B/mslat" info --format json "$1" | python3 -c \
		'import json,sys; print("%.2f" % json.load(sys.stdin)["traces"][0]["bytes_per_event"])'
}

floor() {	# TRACE -> tests/entropy's floor, bytes/event
	"$B/tests/entropy" "$1" | awk '{ print $10 }'
}

echo "generating: synth bench, $events and $small events; threadpool at ~1M events"
gen=$(timed /dev/null "$B/tests/synth" --scenario bench --events "$events" -o "$tmp/big.mslat") || exit 1
"$B/tests/synth" --scenario bench --events "$small" -o "$tmp/small.mslat" >/dev/null || exit 1
"$B/tests/synth" --scenario threadpool --requests 160000 --connections 16000 \
	-o "$tmp/tp.mslat" >/dev/null || exit 1
tp_events=$("$B/mslat" info --format json "$tmp/tp.mslat" | python3 -c \
	'import json,sys; print(json.load(sys.stdin)["traces"][0]["events"])')

read_big=$(best "$runs" "$B/tests/readbench" "$tmp/big.mslat") || exit 1
read_small=$(best 1 "$B/tests/readbench" "$tmp/small.mslat") || exit 1
read_items=$(best "$runs" "$B/tests/readbench" --items "$tmp/big.mslat") || exit 1
info_big=$(best "$runs" "$B/mslat" info "$tmp/big.mslat") || exit 1
zstd_big=$(best "$runs" zstd -q -dc "$tmp/big.mslat") || exit 1

read -r gen_wall gen_cpu _ <<<"$gen"
read -r rb_wall rb_cpu rb_rss <<<"$read_big"
read -r _ _ rs_rss <<<"$read_small"
read -r _ ri_cpu _ <<<"$read_items"
read -r _ ib_cpu ib_rss <<<"$info_big"
read -r _ zb_cpu _ <<<"$zstd_big"

printf '\n%-46s %16s   %s\n' "measure" "value" "target"
printf '%-46s %16s   %s\n' "bytes/event, threadpool scenario ($tp_events ev)" "$(bpe "$tmp/tp.mslat")" "<= 4"
printf '%-46s %16s   %s\n' "  floor: entropy of duration+gap+ret | syscall" "$(floor "$tmp/tp.mslat")" "(no lossless encoding goes under)"
printf '%-46s %16s   %s\n' "bytes/event, bench trace ($events ev)" "$(bpe "$tmp/big.mslat")" ""
printf '%-46s %16s   %s\n' "  floor: entropy of duration+gap+ret | syscall" "$(floor "$tmp/small.mslat")" "(on the $small-event trace)"
printf '%-46s %13s M/s   %s\n' "synth bench: events written per CPU second" "$(rate "$events" "$gen_cpu")" ">= 5M/s"
printf '%-46s %13s M/s   %s\n' "  (per wall second, fsync included)" "$(rate "$events" "$gen_wall")" ""
printf '%-46s %13s M/s   %s\n' "reader (readbench): events per CPU second" "$(rate "$events" "$rb_cpu")" ">= 20M/s, one core"
printf '%-46s %13s M/s   %s\n' "  (per wall second)" "$(rate "$events" "$rb_wall")" ""
printf '%-46s %13s M/s   %s\n' "  (one call per event: readbench --items)" "$(rate "$events" "$ri_cpu")" ""
printf '%-46s %13s M/s   %s\n' "mslat info: events per CPU second" "$(rate "$events" "$ib_cpu")" ""
printf '%-46s %13s M/s   %s\n' "baseline: zstd -dc alone, events per CPU s" "$(rate "$events" "$zb_cpu")" "(the floor)"
printf '%-46s %13s MiB   %s\n' "reader peak RSS, $small events" "$(awk -v k="$rs_rss" 'BEGIN { printf "%.1f", k / 1024 }')" ""
printf '%-46s %13s MiB   %s\n' "reader peak RSS, $events events" "$(awk -v k="$rb_rss" 'BEGIN { printf "%.1f", k / 1024 }')" "same as above"
printf '%-46s %13s MiB   %s\n' "mslat info peak RSS, $events events" "$(awk -v k="$ib_rss" 'BEGIN { printf "%.1f", k / 1024 }')" ""
