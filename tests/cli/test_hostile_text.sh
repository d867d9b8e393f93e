#!/bin/bash
# SPDX-License-Identifier: MIT
# Strings from a trace never reach a terminal raw: info and dump text escape
# control characters and invalid UTF-8; JSON keeps every field (repaired UTF-8).
. "$(dirname "$0")/lib.sh"
B=${1:?usage: test_hostile_text.sh BUILD_DIR}
"$B/tests/hostile_trace" -o "$TMP/h.mslat" >/dev/null 2>&1 || "$B/tests/hostile_trace" "$TMP/h.mslat" >/dev/null 2>&1
[ -s "$TMP/h.mslat" ] || { fail "hostile trace not written"; finish; }
for cmd in info dump "report --color=never"; do
	# shellcheck disable=SC2086
	"$B/mslat" $cmd "$TMP/h.mslat" >"$TMP/out" 2>/dev/null
	if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$TMP/out"; then
		fail "$cmd: control characters from the trace reach the terminal"
	else
		pass "$cmd: no control characters from the trace in text output"
	fi
done
grep -q 'multi\\x0aline' <("$B/mslat" info "$TMP/h.mslat") && pass "info: a newline in argv shows as \\x0a" ||
	fail "info: a newline in argv shows as \\x0a"
"$B/mslat" dump -f jsonl "$TMP/h.mslat" | grep '"type":"process"' | head -1 >"$TMP/p.json"
python3 - "$TMP/p.json" <<'PY' && pass "dump jsonl: every argv entry kept, invalid UTF-8 repaired" || fail "dump jsonl: argv entries lost"
import json, sys
p = json.loads(open(sys.argv[1]).read())
assert any("utf8" in a and "\ufffd" in a for a in p["cmdline"]), p["cmdline"]
PY
"$B/mslat" info -f json "$TMP/h.mslat" >"$TMP/i.json"
python3 - "$TMP/i.json" <<'PY' && pass "info json: argv entries kept" || fail "info json: argv entries lost"
import json, sys
t = json.load(open(sys.argv[1]))["traces"][0]
assert len(t["targets"][0]["argv"]) == 8, t["targets"][0]["argv"]
PY
# CSV: a field that a spreadsheet would run as a formula starts with ' instead.
root=$(cd "$(dirname "$0")/../.." && pwd)
if "$B/mslat" report -f csv -o "$TMP/csv" "$root/testdata/hostile/csv-formula.mslat" 2>/dev/null; then
	python3 - "$TMP/csv" <<'PY' && pass "csv: no field starts a formula" || fail "csv: a field starts a formula"
import csv, glob, sys
for path in glob.glob(sys.argv[1] + "/*.csv"):
    for row in csv.reader(open(path, newline="")):
        for f in row:
            assert not f or f[0] not in "=+@\t\r" and not (f[0] == "-" and not f[1:2].isdigit()), (path, f)
PY
else
	fail "csv: report of csv-formula.mslat"
fi
finish
