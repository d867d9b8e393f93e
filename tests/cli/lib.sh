# SPDX-License-Identifier: MIT
# Shared by the shell tests: PASS/FAIL/SKIP lines and small checks.
# Usage: . "$(dirname "$0")/lib.sh"; then call `finish` at the end.
set -u
failures=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
skip() { echo "SKIP $*"; }
# check NAME COMMAND...: PASS when the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
finish() { [ "$failures" -eq 0 ]; exit $?; }
TMP=$(mktemp -d /tmp/mslat-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
