#!/bin/bash
# SPDX-License-Identifier: MIT
# Every command on every hostile trace (testdata/hostile/): a clean exit (0, or
# 1 with a message), within time and memory bounds, with no sanitizer report.
. "$(dirname "$0")/lib.sh"
B=${1:?usage: test_hostile_traces.sh BUILD_DIR}
cd "$(dirname "$0")/../.." || exit 1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
# ASan reserves terabytes of address space: the memory bound is for the normal build.
limit=2097152
case "${MSLAT_SAN:-0}:$B" in 1:* | *:*/san) limit=unlimited ;; esac
# Generated, each run through every command below:
#   many-targets: 400,000 targets in the header (each looked up against all
#     the others by the HTML and CSV outputs: 200,000 took 28 s);
#   clock-error: one futex ending 2^62 ns late in the middle of 200 requests
#     (every request after it timed out, silently);
#   clock-error-at-end: the same row ending its batch and frame (the
#     reader's time range reached it);
#   clock-error-first: the same row, the trace's first;
#   clock-error-idle-tail: a futex 120 s late in the middle, and the
#     recorder stopped 600 s after the last row (its footer says so);
#   heartbeat: after the requests, a heartbeat every 2 s, each row a gap
#     after the one before (with --request-timeout 1s below).
extra=()
for g in "many-targets -t 400000" "clock-error -j" "clock-error-at-end -J" "clock-error-first -F" "clock-error-idle-tail -k -T" "heartbeat -G"; do
	# shellcheck disable=SC2086
	if "$B/tests/hostile_trace" ${g#* } -o "$TMP/${g%% *}.mslat" 2>"$TMP/err"; then
		extra+=("$TMP/${g%% *}.mslat")
	else
		fail "hostile_trace ${g#* }: $(head -3 "$TMP/err")"
	fi
done
for t in testdata/hostile/*.mslat "${extra[@]}"; do
	for cmd in "info" "dump" "dump -f jsonl" "report" "report -f json" "report -c thread" \
		"report -c marker" "report -f html -o $TMP/r.html" "report -f csv -o $TMP/csv" \
		"export -o $TMP/t.json"; do
		# 30 s and 2 GiB at most: a small file must never cost more.
		# shellcheck disable=SC2086
		( ulimit -v $limit; timeout 30 "$B/mslat" $cmd "$t" ) >/dev/null 2>"$TMP/err"
		rc=$?
		if [ "$rc" -gt 1 ]; then
			fail "$(basename "$t"): mslat $cmd: exit $rc: $(grep -m3 -E 'ERROR|error|Sanitizer' "$TMP/err")"
		elif grep -q -E 'Sanitizer|runtime error' "$TMP/err"; then
			fail "$(basename "$t"): mslat $cmd: $(grep -m2 -E 'Sanitizer|runtime error' "$TMP/err")"
		elif [ "$rc" -eq 1 ] && ! grep -q "^mslat [a-z]*: error: " "$TMP/err"; then
			fail "$(basename "$t"): mslat $cmd: exit 1 without an error message"
		else
			pass "$(basename "$t"): mslat $cmd: exit $rc"
		fi
	done
done
# A clock error: named, and no request timed out on it.
"$B/mslat" report -f json "$TMP/clock-error.mslat" >"$TMP/ce.json" 2>"$TMP/ce.err"
got=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["requests"]; print(r["count"], r["incomplete"], r["timed_out"])' "$TMP/ce.json" 2>&1)
[ "$got" = "200 0 0" ] && pass "clock error: 200 requests, none incomplete or timed out" ||
	fail "clock error: requests count, incomplete, timed out: $got (want 200 0 0)"
grep -q "1 event ended more than --request-timeout (and 1 s) ahead of the event after it (the first by 4611686018 s): a clock error" "$TMP/ce.err" &&
	pass "clock error: warned, with how far ahead" ||
	fail "clock error: no warning: $(head -3 "$TMP/ce.err")"
# A clock error held at a frame's end, settled by a frame of another pid only
# (--pid leaves it empty), and one inside a marked request, before its END.
for c in "--pid 100 testdata/hostile/clock-error-then-other-pid.mslat:200" \
	"-c marker testdata/hostile/clock-error-in-marked-request.mslat:100"; do
	# shellcheck disable=SC2086
	got=$("$B/mslat" report -f json ${c%:*} 2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin)["requests"]; print(r["count"], r["incomplete"])')
	[ "$got" = "${c##*:} 0" ] && pass "clock error: ${c%:*}: ${c##*:} requests, none incomplete" ||
		fail "clock error: ${c%:*}: $got (want ${c##*:} 0)"
done
# A clock error stretches neither the trace nor the time series: the trace
# lasted 86 ms (200.5 ms), and its intervals stay 10 ms wide. Before, one
# point of a day, and 76861433m38s traced at 0.0 req/s; as the trace's
# first row, the series still had one point of a day. With --pid (rows
# left out of the correlator), a clock error ending a batch still stretches
# the trace's duration: the series only.
for c in "$TMP/clock-error.mslat" "$TMP/clock-error-at-end.mslat" "$TMP/clock-error-first.mslat" \
	"testdata/hostile/clock-error-then-other-pid.mslat" "--pid 100 testdata/hostile/clock-error-then-other-pid.mslat"; do
	# shellcheck disable=SC2086
	got=$("$B/mslat" report -f json $c 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
ts = d["timeseries"]
print(d["trace"]["duration_ns"] < 1e9 or "--pid" in sys.argv[1], ts["interval_ns"], len(ts["points"]) > 5,
      sum(p["requests"] for p in ts["points"]))' "$c")
	[ "$got" = "True 10000000 True 200" ] && pass "clock error: $c: trace and time series not stretched" ||
		fail "clock error: $c: duration < 1 s, interval, points > 5, requests: $got (want True 10000000 True 200)"
done
# The first row after --since: the clock error, judged by the row after it
# as the trace's first row is (it widened the series to a day).
got=$("$B/mslat" report -f json --since 43.4195ms "$TMP/clock-error.mslat" 2>/dev/null | python3 -c '
import json, sys
ts = json.load(sys.stdin)["timeseries"]
print(ts["interval_ns"], len(ts["points"]), sum(p["requests"] for p in ts["points"]), sum(p["events"] for p in ts["points"]))')
[ "$got" = "10000000 9 99 399" ] && pass "clock error, the first row after --since: left out of the series" ||
	fail "clock error, the first row after --since: interval, points, requests, events: $got (want 10000000 9 99 399)"
# Host b's first row ends before its start: placed in no interval, it
# must not give b the series clock of host a (b's clock error was placed).
got=$("$B/mslat" report -f json testdata/hostile/first-row-before-start-host-a.mslat \
	testdata/hostile/first-row-before-start-host-b.mslat 2>/dev/null | python3 -c '
import json, sys
ts = json.load(sys.stdin)["timeseries"]
print(ts["interval_ns"], len(ts["points"]), sum(p["events"] for p in ts["points"]))')
[ "$got" = "10000000 2 400" ] && pass "clock error of a second host whose first row is before its start: left out" ||
	fail "clock error of a second host whose first row is before its start: interval, points, events: $got (want 10000000 2 400)"
# A recorder's footer after an idle tail: believed, with a clock error in
# the trace too (a review's: it was 85.0ms traced).
"$B/mslat" report "$TMP/clock-error-idle-tail.mslat" 2>/dev/null | grep -q '10m00s traced, 805 events' &&
	pass "a clock error and an idle tail: 10m00s traced" ||
	fail "a clock error and an idle tail: $("$B/mslat" report "$TMP/clock-error-idle-tail.mslat" 2>&1 | grep traced)"
# A footer whose end the writer took from its rows, the clock error's: not
# believed, with or without --pid (76861433m38s traced).
for o in "" "--pid 10"; do
	# shellcheck disable=SC2086
	"$B/mslat" report $o testdata/hostile/clock-error-first-footer-from-rows.mslat 2>/dev/null |
		grep -q '19.9ms traced, 201 events' &&
		pass "a footer as late as a clock error ($o): 19.9ms traced" ||
		fail "a footer as late as a clock error ($o): $("$B/mslat" report $o testdata/hostile/clock-error-first-footer-from-rows.mslat 2>&1 | grep traced)"
done
# Read with another host's later clock error, it is judged by its own
# host's (it was believed: 76861433m38s traced).
"$B/mslat" report testdata/hostile/clock-error-first-footer-from-rows.mslat "$TMP/clock-error.mslat" 2>/dev/null |
	grep -q '86.0ms traced, 1006 events' &&
	pass "a footer as late as its host's clock error, another host's later: 86.0ms traced" ||
	fail "a footer as late as its host's clock error, another host's later: $("$B/mslat" report testdata/hostile/clock-error-first-footer-from-rows.mslat "$TMP/clock-error.mslat" 2>&1 | grep traced)"
"$B/mslat" report "$TMP/clock-error-at-end.mslat" 2>/dev/null | grep -q '86.0ms traced, 805 events' &&
	pass "clock error at a batch's end: 86.0ms traced" ||
	fail "clock error at a batch's end: $("$B/mslat" report "$TMP/clock-error-at-end.mslat" 2>&1 | grep traced)"
# Forty heartbeats 2 s apart, with a 1 s window: each held, then placed by
# the next, itself held (the statistics pass wrote through a bucket pointer
# that placing had freed: heap-use-after-free under ASan). One in every
# other second of the series.
got=$("$B/mslat" report --request-timeout 1s -f json "$TMP/heartbeat.mslat" 2>"$TMP/hb.err" | python3 -c '
import json, sys
ev = [p["events"] for p in json.load(sys.stdin)["timeseries"]["points"]]
print(len(ev), ev[0], ev[1:] == [0, 1] * 40)')
[ "$got" = "81 804 True" ] && ! grep -q Sanitizer "$TMP/hb.err" && pass "a heartbeat every 2 s: every one in the series" ||
	fail "a heartbeat every 2 s: points, first point's events, the rest alternating: $got (want 81 804 True) $(grep -m1 Sanitizer "$TMP/hb.err")"
# Review reproducers (testdata/hostile/README.md): a gap in one of two
# recordings of a boot read together, a far row after which the clock moved
# on, and filtered reads of a footerless trace with a clock error.
for c in "testdata/hostile/gap-ends-recording-proxy.mslat testdata/hostile/gap-ends-recording-model.mslat:100000001000 201 201" \
	"testdata/hostile/far-row-then-clock-moved.mslat:201000000000 21 21" \
	"testdata/hostile/clock-error-two-pids.mslat:49902001000 601 600" \
	"--pid 100 testdata/hostile/clock-error-two-pids.mslat:49902001000 101 100" \
	"--until 5s testdata/hostile/clock-error-two-pids.mslat:49902001000 101 100"; do
	# shellcheck disable=SC2086
	got=$("$B/mslat" report -f json ${c%%:*} 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
ts = d["timeseries"]
print(d["trace"]["duration_ns"] if d["trace"]["duration_ns"] > 10e9 else ts["interval_ns"],
      d["trace"]["events_analysed"], sum(p["events"] for p in ts["points"]))')
	[ "$got" = "${c##*:}" ] && pass "far rows: ${c%%:*}: duration or interval, events, events in the series: $got" ||
		fail "far rows: ${c%%:*}: $got (want ${c##*:})"
done
# A real gap is not a clock error: 100 s of idleness in the middle, then
# the last row of a trace 100 s after the others, are in the series.
if "$B/tests/hostile_trace" -g -o "$TMP/gap.mslat" 2>"$TMP/err"; then
	got=$("$B/mslat" report -f json "$TMP/gap.mslat" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
ts = d["timeseries"]
print(d["trace"]["duration_ns"] > 100e9, ts["interval_ns"], len(ts["points"]), sum(p["events"] for p in ts["points"]))')
	[ "$got" = "True 1000000000 101 804" ] && pass "a 100 s gap: the series spans it, every row in it" ||
		fail "a 100 s gap: duration > 100 s, interval, points, events: $got (want True 1000000000 101 804)"
else
	fail "hostile_trace -g: $(head -3 "$TMP/err")"
fi
got=$("$B/mslat" report -f json testdata/hostile/ends-in-a-gap.mslat 2>/dev/null | python3 -c '
import json, sys
ts = json.load(sys.stdin)["timeseries"]
print(sum(p["events"] for p in ts["points"]), ts["points"][-1]["start_ns"], ts["points"][-1]["events"])')
[ "$got" = "5 100000000000 1" ] && pass "ends in a gap: its last row in the time series, at 100 s" ||
	fail "ends in a gap: events in the series, last point's start and events: $got (want 5 100000000000 1)"
# pid and tid 0xffffffff: one thread name, not one per event.
"$B/mslat" export -o "$TMP/t.json" testdata/hostile/tid-wrap.mslat 2>/dev/null
n=$(grep -o '"thread_name"' "$TMP/t.json" | wc -l)
[ "$n" = 1 ] && pass "tid-wrap: export names the thread once" ||
	fail "tid-wrap: export wrote $n thread names for one thread"
finish
