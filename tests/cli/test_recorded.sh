#!/bin/bash
# SPDX-License-Identifier: MIT
# A real recording (testdata/recorded/) replayed against its expected outputs.
. "$(dirname "$0")/lib.sh"
B=${1:?usage: test_recorded.sh BUILD_DIR}
cd "$(dirname "$0")/../.." || exit 1
for t in testdata/recorded/*.mslat; do
	n=${t%.mslat}
	"$B/mslat" info "$t" >"$TMP/info" 2>"$TMP/err" && cmp -s "$TMP/info" "$n.info.expected" &&
		pass "$t: info as expected" || fail "$t: info differs: $(diff "$TMP/info" "$n.info.expected" | head -5)"
	NO_COLOR=1 "$B/mslat" report "$t" >"$TMP/rep" 2>"$TMP/err" && cmp -s "$TMP/rep" "$n.report.expected" &&
		pass "$t: report as expected" || fail "$t: report differs: $(diff "$TMP/rep" "$n.report.expected" | head -5)"
	"$B/mslat" report --format json "$t" >"$TMP/json" 2>"$TMP/err" && cmp -s "$TMP/json" "$n.report.json.expected" &&
		pass "$t: json report as expected" || fail "$t: json report differs: $(diff "$TMP/json" "$n.report.json.expected" | head -5)"
	if [ -f "$n.stderr.expected" ]; then	# the report's warnings, as expected
		cmp -s "$TMP/err" "$n.stderr.expected" && pass "$t: warnings as expected" ||
			fail "$t: warnings differ: $(diff "$TMP/err" "$n.stderr.expected" | head -5)"
	else
		[ ! -s "$TMP/err" ] && pass "$t: nothing on stderr" || fail "$t: stderr: $(head -3 "$TMP/err")"
	fi
done
finish
