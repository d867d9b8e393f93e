#!/bin/bash
# SPDX-License-Identifier: MIT
# `make install` honours PREFIX and DESTDIR and installs binaries and man pages.
. "$(dirname "$0")/lib.sh"
B=${1:?usage: test_install.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${MSLAT_SAN:-0}" = 1 ]; then
	skip "make install: checked with the normal build only"
	finish
fi
dest=$TMP/dest
if make -s -C "$root" OUTPUT="$B" install PREFIX=/opt/mslat DESTDIR="$dest" >"$TMP/log" 2>&1; then
	pass "make install runs"
else
	fail "make install runs: $(tail -5 "$TMP/log")"
fi
check "mslat installed under DESTDIR/PREFIX/bin" test -x "$dest/opt/mslat/bin/mslat"
if [ -x "$B/mslat-record" ]; then
	check "mslat-record installed beside it" test -x "$dest/opt/mslat/bin/mslat-record"
fi
check "man pages installed" test -f "$dest/opt/mslat/share/man/man1/mslat.1"
check "installed mslat runs" "$dest/opt/mslat/bin/mslat" --version
finish
