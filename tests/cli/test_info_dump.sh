#!/bin/bash
# SPDX-License-Identifier: MIT
# `mslat info` and `mslat dump` from the outside: help and usage errors, exit
# codes, clean stdout on error, messages naming the file, JSON that parses,
# --pid/--syscall selecting exactly the events synth wrote (counted in the
# goldens' .truth.json), and golden files that zstd itself checks and opens.
#
#   tests/cli/test_info_dump.sh BUILD_DIR
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
B=$(cd "${1:?usage: tests/cli/test_info_dump.sh BUILD_DIR}" && pwd)
cd "$(dirname "$0")/../.." || exit 1
M=$B/mslat

# run_m NAME ARGS...: mslat's exit status in $rc, its stdout and stderr in files.
run_m() {
	local name=$1
	shift
	"$M" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	rc=$?
}

# pycheck NAME ARGS... <<SCRIPT: PASS when the Python script on stdin succeeds;
# on failure, its last line of stderr (the assertion) follows the FAIL line.
pycheck() {
	local name=$1
	shift
	if python3 - "$@" 2>"$TMP/py.err"; then
		pass "$name"
	else
		fail "$name: $(tail -n 1 "$TMP/py.err" | cut -c1-200)"
	fi
}

# jq-less JSON helpers.
json_get() {	# FILE PYTHON-EXPRESSION-ON-d
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

for cmd in info dump; do
	run_m help "$cmd" --help
	check "$cmd --help exits 0 with usage on stdout" \
		test "$rc" -eq 0 -a -s "$TMP/help.out" -a ! -s "$TMP/help.err"
	check "$cmd --help starts with Usage" grep -q "^Usage: mslat $cmd" "$TMP/help.out"

	run_m bad "$cmd" --no-such-option testdata/threadpool.mslat
	check "$cmd: unknown option exits 2" test "$rc" -eq 2
	check "$cmd: unknown option leaves stdout empty" test ! -s "$TMP/bad.out"
	check "$cmd: unknown option says why on stderr" test -s "$TMP/bad.err"

	run_m none "$cmd"
	check "$cmd: no file exits 2 with stdout empty" test "$rc" -eq 2 -a ! -s "$TMP/none.out"

	run_m missing "$cmd" "$TMP/no-such-trace.mslat"
	check "$cmd: missing file exits 1" test "$rc" -eq 1
	check "$cmd: missing file leaves stdout empty" test ! -s "$TMP/missing.out"
	check "$cmd: missing file is named in the message" grep -q "no-such-trace.mslat" "$TMP/missing.err"

	run_m passwd "$cmd" /etc/passwd
	check "$cmd /etc/passwd exits 1" test "$rc" -eq 1
	check "$cmd /etc/passwd: 'not a mslat trace'" grep -q "not a mslat trace" "$TMP/passwd.err"
	check "$cmd /etc/passwd leaves stdout empty" test ! -s "$TMP/passwd.out"
done

for t in testdata/*.mslat; do
	name=$(basename "$t" .mslat)
	truth=testdata/$name.truth.json
	[ -e "$truth" ] || continue

	check "$name: zstd -t passes" zstd -q -t "$t"
	pycheck "$name: zstd -dc starts with a varint-prefixed header record" "$t" <<'PY'
import subprocess, sys
raw = subprocess.run(["zstd", "-q", "-dc", sys.argv[1]], capture_output=True, check=True).stdout
def varint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1
        v |= (c & 0x7f) << s; s += 7
        if not c & 0x80:
            return v, i
n, i = varint(raw, 0)
assert 0 < n and i + n <= len(raw), "record length"
rec = raw[i:i + n]
assert rec[0] == 0x0a, "Record field 1 (header), length-delimited"
m, j = varint(rec, 1)
assert j + m == len(rec), "header fills the record"
assert rec[j] == 0x0d and rec[j + 1:j + 5] == b"MSLT", "Header.magic first: MSLT"
PY

	run_m infojson info --format json "$t"
	pycheck "$name: info --format json counts match the truth" "$TMP/infojson.out" "$truth" <<'PY'
import json, sys
info = json.load(open(sys.argv[1]))["traces"][0]
t = json.load(open(sys.argv[2]))
for k, tk in (("events", "events"), ("lost", "lost"), ("loss_records", "loss_records"),
              ("processes", "processes"), ("arrivals", "arrival_records")):
    assert info[k] == t[tk], (k, info[k], t[tk])
assert info["complete"] is True
PY

	run_m jsonl dump --format jsonl "$t"
	check "$name: dump --format jsonl exits 0" test "$rc" -eq 0
	pycheck "$name: every jsonl line is JSON, one event line per event" "$TMP/jsonl.out" "$truth" <<'PY'
import json, sys
t = json.load(open(sys.argv[2]))
types = [json.loads(line)["type"] for line in open(sys.argv[1])]
assert types and types[0] == "header" and types[-1] == "footer", "header first, footer last"
assert types.count("event") == t["events"], (types.count("event"), t["events"])
assert types.count("process") == t["processes"]
assert types.count("loss") == t["loss_records"]
assert types.count("arrival") == t["arrival_records"]
PY

	# --pid: each process of the truth, exactly its events (the pid or the tid matches).
	for pid in $(json_get "$truth" '" ".join(d["event_counts"]["by_pid"])'); do
		want=$(json_get "$truth" "d['event_counts']['by_pid']['$pid']")
		run_m pid dump --format jsonl --pid "$pid" "$t"
		got=$(python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] == "event":
        assert sys.argv[2] in (str(o["pid"]), str(o["tid"])), line
        n += 1
    else:
        assert o["type"] in ("process", "arrival", "loss"), line
print(n)' "$TMP/pid.out" "$pid" 2>/dev/null)
		check "$name: dump --pid $pid selects its $want events" test "$rc" -eq 0 -a "$got" = "$want"
	done

	# --syscall: one name, then two; text format; only events, all of them.
	read -r -a names <<<"$(json_get "$truth" '" ".join(sorted(d["event_counts"]["by_syscall"]))')"
	set -- "${names[@]}"
	for sel in "$1" "$1,${2:-$1}"; do
		want=$(json_get "$truth" "sum(d['event_counts']['by_syscall'][s] for s in set('$sel'.split(',')))")
		run_m sys dump --syscall "$sel" "$t"
		got=$(grep -c . "$TMP/sys.out")
		bad=$(awk -v sel=",$sel," '{ n = $3; sub(/\(.*/, "", n); if (index(sel, "," n ",") == 0) print }' \
			"$TMP/sys.out" | head -n 1)
		check "$name: dump --syscall $sel selects its $want events" \
			test "$rc" -eq 0 -a "$got" = "$want" -a -z "$bad"
	done
done

# tests/entropy (the floor bench/format.sh sets beside bytes/event): a floor
# must lie under what the format really takes, and it must see the events.
for t in testdata/threadpool.mslat testdata/eventloop.mslat; do
	name=$(basename "$t" .mslat)
	read -r _ n _ _ _ _ _ _ _ floor _ <<<"$("$B/tests/entropy" "$t")"
	bpe=$(json_get <("$M" info --format json "$t") 'd["traces"][0]["bytes_per_event"]')
	events=$(json_get <("$M" info --format json "$t") 'd["traces"][0]["events"]')
	check "$name: entropy floor $floor B/event is above 0 and under the format's $bpe, over all $events events" \
		awk -v f="$floor" -v b="$bpe" -v n="$n" -v e="$events" 'BEGIN { exit !(f > 0 && f < b && n == e) }'
done
# A --syscall name the trace does not have (a typo): said, rather than an empty dump.
"$M" dump --syscall nosuch,read testdata/threadpool.mslat >"$TMP/out" 2>"$TMP/err"
check "dump --syscall with an unknown name: a warning naming it, the known ones dumped" \
	sh -c "grep -q \"'nosuch' is no syscall of\" '$TMP/err' && grep -q ' read(' '$TMP/out'"
# Loss counts that add up past 2^64 (a hostile file): the total saturates, it does not wrap to 3.
"$M" info testdata/hostile/loss-counts-wrap.mslat >"$TMP/out" 2>/dev/null
check "info: loss counts past 2^64 saturate" grep -q "losses *18446744073709551615 events" "$TMP/out"
# Damaged traces (testdata/damaged/): frames cut out of the middle are found by
# the footer's totals; an unreadable frame is named by its offset.
"$M" info testdata/damaged/frame-removed.mslat >"$TMP/out" 2>/dev/null
check "info: frames removed from the middle: incomplete, by the footer's totals" \
	grep -q "state *incomplete: the footer counts 300 events, 225 were read" "$TMP/out"
"$M" info --format json testdata/damaged/frame-removed.mslat >"$TMP/out" 2>/dev/null
check "info json: frames removed: complete false, the mismatch said" python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["traces"][0]
assert t["complete"] is False and t["readable"] is True and "225 were read" in t["footer_mismatch"]' "$TMP/out"
"$M" info testdata/damaged/corrupt-record.mslat >"$TMP/out" 2>/dev/null
check "info: an unreadable trace names the frame it failed in" \
	grep -q "state *unreadable from the frame at offset 323$" "$TMP/out"
"$M" info testdata/threadpool.mslat >"$TMP/out" 2>/dev/null
check "info: a sound trace is complete" grep -q "state *complete (stopped)" "$TMP/out"
# A host up for a year (3.2e16 ns): dump's times to the nanosecond (a double
# printed 1.000001 ms as 1.000000).
"$(dirname "$M")/tests/hostile_trace" -b 32000000000000000 -o "$TMP/up.mslat" 2>/dev/null
"$M" dump "$TMP/up.mslat" >"$TMP/out" 2>/dev/null
check "dump: times to the nanosecond on a host up for a year" \
	grep -q "^   0.001051001 4242/4243 read(fd=5 tcp)" "$TMP/out"
# Kinds no recorder writes are named by their number, not as known ones
# (a scheduler record of kind 7 showed as off_cpu, an arrival of kind 9 as data).
"$(dirname "$M")/tests/hostile_trace" -u -o "$TMP/uk.mslat" 2>/dev/null
"$M" dump "$TMP/uk.mslat" >"$TMP/out" 2>/dev/null
check "dump: a scheduler record of an unknown kind" grep -q 'sched "what":"unknown(7)"' "$TMP/out"
check "dump: an arrival of an unknown kind" grep -q 'arrival "what":"unknown(9)"' "$TMP/out"
"$M" export -o "$TMP/uk.json" "$TMP/uk.mslat" 2>/dev/null
check "export: a marker of an unknown kind" grep -q '"what":"unknown(5)"' "$TMP/uk.json"
# A process that execs after its snapshot is named after what it became
# (a server started by `sh -c` was called "sh").
"$(dirname "$M")/tests/hostile_trace" -e -o "$TMP/ex.mslat" 2>/dev/null
"$M" report -f json "$TMP/ex.mslat" 2>/dev/null >"$TMP/out"
check "report: a process named after the program it execs" \
	python3 -c 'import json,sys; assert [p["comm"] for p in json.load(open(sys.argv[1]))["processes"]] == ["model-server"]' "$TMP/out"
finish
