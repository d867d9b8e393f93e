#!/bin/bash
# SPDX-License-Identifier: MIT
# The mslat command line: help, usage errors, exit codes, clean stdout on errors.
. "$(dirname "$0")/lib.sh"
B=${1:?usage: test_cli.sh BUILD_DIR}
M=$B/mslat

# expect NAME WANT_RC [stdout-empty|stdout-nonempty] -- COMMAND...
expect() {
	local name=$1 want=$2 out=$3 rc
	shift 4
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit $rc, want $want ($(head -c 300 "$TMP/err"))"
		return
	fi
	case $out in
	stdout-empty) [ -s "$TMP/out" ] && { fail "$name: stdout not empty"; return; } ;;
	stdout-nonempty) [ -s "$TMP/out" ] || { fail "$name: stdout empty"; return; } ;;
	esac
	pass "$name"
}

expect "help to stdout, exit 0" 0 stdout-nonempty -- "$M" --help
expect "version" 0 stdout-nonempty -- "$M" --version
expect "no command: usage error" 2 stdout-empty -- "$M"
expect "unknown command: usage error" 2 stdout-empty -- "$M" frobnicate
expect "unknown option: usage error" 2 stdout-empty -- "$M" --frobnicate
expect "help COMMAND" 0 stdout-nonempty -- "$M" help info
expect "help of an unknown command" 2 stdout-empty -- "$M" help frobnicate
for cmd in info dump report export; do
	expect "$cmd --help" 0 stdout-nonempty -- "$M" "$cmd" --help
	expect "$cmd: bad option" 2 stdout-empty -- "$M" "$cmd" --no-such-option x.mslat
	expect "$cmd: missing file" 1 stdout-empty -- "$M" "$cmd" "$TMP/nope.mslat"
	grep -q "nope.mslat" "$TMP/err" && pass "$cmd: error names the file" || fail "$cmd: error names the file"
	expect "$cmd: not a trace" 1 stdout-empty -- "$M" "$cmd" /etc/passwd
	grep -q "not a mslat trace" "$TMP/err" && pass "$cmd: says not a trace" || fail "$cmd: says not a trace"
done
"$M" info /etc/passwd 2>&1 >/dev/null | grep -q "^mslat info: error: '/etc/passwd'" &&
	pass "messages: 'mslat CMD: error: …' with the quoted name" || fail "message format"
"$M" info --bogus x 2>&1 >/dev/null | grep -q "^mslat info: error: invalid option '--bogus'" &&
	pass "bad option named in mslat's words" || fail "bad option named in mslat's words"

# A full disk is never reported as success.
if [ -w /dev/full ]; then
	"$M" --help >/dev/full 2>/dev/null
	[ $? -eq 1 ] && pass "write error on stdout: exit 1" || fail "write error on stdout: exit 1"
else
	skip "write error on stdout: no /dev/full"
fi

# Several traces (testdata/multi/): the pieces of a recording in any order,
# and each host's requests timed from its own start.
MU=testdata/multi
"$M" export -o "$TMP/p12.json" "$MU/piece1.mslat" "$MU/piece2.mslat" 2>/dev/null
"$M" export -o "$TMP/p21.json" "$MU/piece2.mslat" "$MU/piece1.mslat" 2>/dev/null
if cmp -s "$TMP/p12.json" "$TMP/p21.json" && grep -q '"latency_ns":2000' "$TMP/p21.json"; then
	pass "export: the pieces of one recording in any order: the same trace, the request complete"
else
	fail "export: the pieces given in reverse order give another trace"
fi
"$M" report "$MU/host-a.mslat" "$MU/host-b.mslat" >"$TMP/hosts.txt" 2>/dev/null
if [ "$(grep -c ' at +1.10µs$' "$TMP/hosts.txt")" = 2 ]; then
	pass "report: each host's requests at their time into its own recording"
else
	fail "report: requests of two hosts: $(grep ' at +' "$TMP/hosts.txt" | tr '\n' ' ')"
fi
"$M" report -f html -o "$TMP/hosts.html" "$MU/host-a.mslat" "$MU/host-b.mslat" 2>/dev/null
if [ "$(grep -o 'started at +[^;]*' "$TMP/hosts.html" | sort -u)" = "started at +1.1µs" ]; then
	pass "html: each host's requests at their time into its own recording"
else
	fail "html: requests of two hosts: $(grep -o 'started at +[^;]*' "$TMP/hosts.html" | tr '\n' ' ')"
fi
# Two hosts: a track each (the same pid 10 on both), lined up by wall clock.
"$M" export -o "$TMP/hosts.json" "$MU/host-a.mslat" "$MU/host-b.mslat" 2>/dev/null
if python3 - "$TMP/hosts.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
b = sorted((e["ts"], e["pid"], e["id"]) for e in ev if e["ph"] == "b")
assert [(p, i) for _, p, i in b] == [(10, "conn 10:5"), (10000010, "conn 10:5 on host 1")], b
# host-b's recording began 57 days and 20h36m40s (wall clock) after host-a's
assert abs(b[1][0] - b[0][0] - 4999000e6) < 10, b
PY
then
	pass "export: two hosts: a track each, lined up by wall clock"
else
	fail "export: two hosts on one track, or not lined up"
fi

# Two recordings of one boot: each keeps its own clock (the second's times went
# back past the first's request timeout: every request "timed out").
# One after the other (a recorder restarted on the same server), they share one:
# a request received in the first and answered in the second is whole.
for set in "concurrent-proxy concurrent-model:35000" "rec1-piece0 rec1-piece1 rec2-piece0:30000" \
	"restart-1 restart-2:3" "after-kept kept-piece5:3" \
	"three-server-again three-proxy three-server:4" "kept5-proxy kept5-model:3500"; do
	files=$(for f in ${set%%:*}; do printf '%s ' "$MU/$f.mslat"; done)
	# shellcheck disable=SC2086
	got=$("$M" report $files 2>/dev/null | grep -o '[0-9]* requests, [0-9]* incomplete, [0-9]* timed out')
	if [ "$got" = "${set##*:} requests, 0 incomplete, 0 timed out" ]; then
		pass "report: two recordings of one boot: $got"
	else
		fail "report: ${set%%:*}: $got (want ${set##*:} requests, 0 incomplete, 0 timed out)"
	fi
done
"$M" export -o "$TMP/two.json" "$MU/concurrent-proxy.mslat" "$MU/concurrent-model.mslat" 2>/dev/null
n=$(grep -c '"incomplete request"' "$TMP/two.json")
"$M" report -f json "$MU/restart-1.mslat" "$MU/restart-2.mslat" 2>/dev/null >"$TMP/restart.json"
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["threads"]) == 1' "$TMP/restart.json" &&
	pass "report: a recorder restarted: one thread, one row" ||
	fail "report: a recorder restarted: a thread split into two rows"
# Loss records' ends on the trace's own clock (export once printed 0.000).
"$M" export -o "$TMP/loss.json" testdata/losses.mslat 2>/dev/null
[ "$(grep -c '"end_us":0.000' "$TMP/loss.json")" = 0 ] && grep -q '"end_us":74759.318' "$TMP/loss.json" &&
	pass "export: loss records end where they end" || fail "export: loss records' end_us"

[ "$n" = 0 ] && pass "export: two recordings of one boot: no incomplete request" ||
	fail "export: two recordings of one boot: $n incomplete requests"

# mslat record runs the mslat-record beside it.
if [ -x "$B/mslat-record" ]; then
	"$M" record --help >"$TMP/rec" 2>&1
	grep -qi "usage: mslat-record" "$TMP/rec" && pass "record execs mslat-record" || fail "record execs mslat-record"
else
	skip "record execs mslat-record: not built"
fi
finish
