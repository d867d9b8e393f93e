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
for cmd in info dump "report --color=never"; do
	# shellcheck disable=SC2086
	"$B/mslat" $cmd "$TMP/h.mslat" >"$TMP/out" 2>/dev/null
	if grep -q "$(printf '\342\200\256')" "$TMP/out"; then
		fail "$cmd: a bidi override (U+202E) from the trace reaches the terminal"
	elif grep -q "$(printf '\302\233')" "$TMP/out"; then
		fail "$cmd: a C1 control (U+009B, CSI) from the trace reaches the terminal"
	else
		pass "$cmd: bidi and C1 controls from the trace are escaped in text output"
	fi
done
# CSV files end up on terminals too (cat): no control characters but tab, CR, LF,
# no C1 or bidi controls.
if "$B/mslat" report -f csv -o "$TMP/hcsv" "$TMP/h.mslat" 2>/dev/null &&
	! cat "$TMP"/hcsv/*.csv | LC_ALL=C grep -q "$(printf '[\001-\010\013\014\016-\037\177]')" &&
	! cat "$TMP"/hcsv/*.csv | grep -q "$(printf '\342\200\256\|\302\233')"; then
	pass "csv: control characters from the trace are replaced"
else
	fail "csv: control characters from the trace reach the CSV files"
fi
# Messages name files: a file name with a terminal escape is written escaped
# (ESC here; C1 CSI, U+009B, in the next).
bad="$TMP/x$(printf '\033')[2Jy.mslat"
printf 'not a trace' >"$bad"
"$B/mslat" info "$bad" >/dev/null 2>"$TMP/err"
if [ -s "$TMP/err" ] && ! LC_ALL=C grep -q "$(printf '\033')" "$TMP/err" && grep -q 'x\\x1b\[2Jy' "$TMP/err"; then
	pass "messages: a file name's terminal escape is written as \\x1b"
else
	fail "messages: a file name's escape reaches the terminal: $(cat -v "$TMP/err")"
fi
bad="$TMP/x$(printf '\302\233')2Jy.mslat"
printf 'not a trace' >"$bad"
"$B/mslat" info "$bad" >/dev/null 2>"$TMP/err"
if [ -s "$TMP/err" ] && ! grep -q "$(printf '\302\233')" "$TMP/err" && grep -q 'x\\xc2\\x9b2Jy' "$TMP/err"; then
	pass "messages: a C1 control in a file name is written as \\xc2\\x9b"
else
	fail "messages: a C1 control in a file name reaches the terminal: $(cat -v "$TMP/err")"
fi
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
