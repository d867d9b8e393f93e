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

# mslat record runs the mslat-record beside it.
if [ -x "$B/mslat-record" ]; then
	"$M" record --help >"$TMP/rec" 2>&1
	grep -qi "usage: mslat-record" "$TMP/rec" && pass "record execs mslat-record" || fail "record execs mslat-record"
else
	skip "record execs mslat-record: not built"
fi
finish
