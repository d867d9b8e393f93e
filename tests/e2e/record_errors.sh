#!/bin/bash
# SPDX-License-Identifier: MIT
# Clear errors, each with its exit status: usage errors (2), no such pid,
# pid exiting during start-up, not privileged, BPF unavailable, output
# directory missing, output exists without --force, disk full, a PID
# namespace of its own (1).
. "$(dirname "$0")/record_lib"
need_bpf record_errors

# expect NAME STATUS PATTERN COMMAND...: exit status and a stderr line matching PATTERN, stdout empty
expect() {
	local name=$1 want=$2 pat=$3 rc
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$pat" "$TMP/err" && [ ! -s "$TMP/out" ]; then
		pass "$name"
	else
		fail "$name: exit $rc (want $want), stderr: $(head -c 300 "$TMP/err"), stdout: $(head -c 100 "$TMP/out")"
	fi
}

# usage
expect "usage: no output file" 2 "^mslat-record: error: no output file" "$REC" -p 1
expect "usage: nothing to record" 2 "nothing to record" "$REC" -o "$TMP/x.mslat"
expect "usage: -p and a command" 2 "cannot be combined" "$REC" -o "$TMP/x.mslat" -p 1 -- true
expect "usage: bad pid" 2 "invalid process id list 'x1'" "$REC" -o "$TMP/x.mslat" -p x1
expect "usage: unknown syscall" 2 "unknown syscall or category 'nosuch'" "$REC" -o "$TMP/x.mslat" -e read,nosuch -- true
expect "usage: bad buffer size" 2 "invalid buffer size '1Q'" "$REC" -o "$TMP/x.mslat" --buffer-size 1Q -- true
expect "usage: bad rotate" 2 "invalid --rotate '100'" "$REC" -o "$TMP/x.mslat" --rotate 100 -- true
expect "usage: keep without rotate" 2 "--keep needs --rotate" "$REC" -o "$TMP/x.mslat" --keep 3 -- true
expect "usage: unknown option" 2 "unknown option '--nope'" "$REC" --nope
expect "usage: paths unsupported" 2 "--paths is not supported" "$REC" -o "$TMP/x.mslat" --paths -- true
# --keep is a plain count: no size units, no sign, no fraction
expect "usage: --keep 1K is not a count" 2 "invalid --keep '1K'" "$REC" -o "$TMP/x.mslat" --rotate 1h --keep 1K -- true
expect "usage: --keep 0" 2 "invalid --keep '0'" "$REC" -o "$TMP/x.mslat" --rotate 1h --keep 0 -- true
expect "usage: --keep 1.5" 2 "invalid --keep '1.5'" "$REC" -o "$TMP/x.mslat" --rotate 1h --keep 1.5 -- true
# house style: "mslat-record: error: ...", hints, and last "hint: see 'mslat-record --help'" (no period)
"$REC" -o "$TMP/x.mslat" --buffer-size 1Q -- true 2>"$TMP/style.err"
[ "$(head -n 1 "$TMP/style.err")" = "mslat-record: error: invalid buffer size '1Q'" ] &&
	[ "$(tail -n 1 "$TMP/style.err")" = "hint: see 'mslat-record --help'" ] && ! grep -q "^Try\|\.$" "$TMP/style.err" &&
	pass "usage: error line, then hint: see 'mslat-record --help'" || fail "usage: message style: $(cat "$TMP/style.err")"
"$REC" --nope 2>"$TMP/style.err"
[ "$(cat "$TMP/style.err")" = "mslat-record: error: unknown option '--nope'
hint: see 'mslat-record --help'" ] && pass "usage: unknown option, two lines" || fail "usage: unknown option: $(cat "$TMP/style.err")"
"$REC" --help >"$TMP/help" 2>"$TMP/help.err"
[ $? -eq 0 ] && grep -q "^Usage: mslat-record" "$TMP/help" && [ ! -s "$TMP/help.err" ] && pass "usage: --help to stdout, exit 0" || fail "usage: --help"
[ ! -e "$TMP/x.mslat" ] && pass "usage: no file left behind" || fail "usage: a file was created"

# no such pid
sleep 0.01 & gone=$!; wait $gone
expect "no such pid" 1 "no process with pid $gone" "$REC" -o "$TMP/x.mslat" -p "$gone"
[ ! -e "$TMP/x.mslat" ] && pass "no such pid: no file" || fail "no such pid: a file was created"

# the pid exits while the recorder starts (the hook widens the window)
sleep 0.3 & brief=$!
expect "pid exits during start-up" 1 "process $brief exited during start-up" \
	env MSLAT_RECORD_TEST_STARTUP_DELAY_MS=600 "$REC" -o "$TMP/x.mslat" -p "$brief"

# not privileged: an ordinary user
if command -v setpriv >/dev/null; then
	mkdir -p "$TMP/nobody" && chmod 777 "$TMP/nobody"
	expect "unprivileged: error with a hint" 1 "hint: run as root, or grant CAP_BPF and CAP_PERFMON" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$REC" -o "$TMP/nobody/x.mslat" -- true
	[ ! -e "$TMP/nobody/x.mslat" ] && pass "unprivileged: no file" || fail "unprivileged: a file was created"
else
	skip "unprivileged: setpriv is not installed"
fi

# root of a user namespace (a rootless container): no BPF rights at all, and
# "run as root" would mislead; the hint says why
if unshare --user --map-root-user true 2>/dev/null; then
	expect "user namespace: the hint says why" 1 "hint: this root is a user namespace's" \
		unshare --user --map-root-user "$REC" -o "$TMP/userns.mslat" -- true
	[ ! -e "$TMP/userns.mslat" ] && pass "user namespace: no file" || fail "user namespace: a file was created"
else
	skip "user namespace: unshare --user is not allowed here"
fi

# BPF unavailable: bpf(2) fails with ENOSYS, as in a strict container
if [ -x "$B/tests/nobpf" ]; then
	expect "bpf unavailable" 1 "BPF unavailable" "$B/tests/nobpf" "$REC" -o "$TMP/x.mslat" -- true
else
	skip "bpf unavailable: $B/tests/nobpf is not built"
fi

# in a PID namespace of its own (a container's): the kernel's pids are not
# this namespace's, and the trace once stayed empty ("recording 1 process",
# 0 events); now refused, with what to do, and no file. Likewise a command
# that would start in one (`unshare --pid` without --fork).
if command -v unshare >/dev/null; then
	expect "pid namespace: refused" 1 "runs in a PID namespace of its own" \
		timeout 30 unshare --pid --fork "$REC" -o "$TMP/ns.mslat" -- "$W" spin
	grep -q "hint: run it on the host, or in a container that shares the host's PIDs" "$TMP/err" &&
		pass "pid namespace: the hint" || fail "pid namespace: $(cat "$TMP/err")"
	[ ! -e "$TMP/ns.mslat" ] && pass "pid namespace: no file" || fail "pid namespace: a file was created"
	expect "pid namespace of the command's: refused" 1 "would be in a PID namespace of their own" \
		timeout 30 unshare --pid "$REC" -o "$TMP/ns.mslat" -- "$W" spin
else
	skip "pid namespace: unshare is not installed"
fi

# output directory missing
expect "output directory missing" 1 "directory '$TMP/missing' does not exist" "$REC" -o "$TMP/missing/x.mslat" -- true

# output exists: untouched without --force, replaced with it
echo precious >"$TMP/exists.mslat"
expect "output exists" 1 "file exists" "$REC" -o "$TMP/exists.mslat" -- true
grep -q "hint: add --force" "$TMP/err" && [ "$(cat "$TMP/exists.mslat")" = precious ] && pass "output exists: untouched, with a hint" || fail "output exists: changed or no hint"
"$REC" -q -f -o "$TMP/exists.mslat" -- true && [ "$(total "$TMP/exists.mslat" footer)" = 1 ] && pass "output exists: --force replaces it" || fail "output exists: --force"
ln -s "$TMP/target.mslat" "$TMP/link.mslat"
"$REC" -q -f -o "$TMP/link.mslat" -- true 2>/dev/null
[ $? -eq 1 ] && [ ! -e "$TMP/target.mslat" ] && pass "output: a symlink is never followed" || fail "output: followed a symlink"
"$REC" -q -o "$TMP/mode.mslat" -- true && [ "$(stat -c %a "$TMP/mode.mslat")" = 600 ] && pass "output: mode 0600" || fail "output: mode $(stat -c %a "$TMP/mode.mslat")"

# disk full: a small tmpfs; exit 1, the file valid up to its last frame, the target untouched
mkdir -p "$TMP/full"
if mount -t tmpfs -o size=64k tmpfs "$TMP/full" 2>/dev/null; then
	start_spinner; a=$SPIN_PID
	"$REC" --flush-interval 100ms -o "$TMP/full/f.mslat" -p "$a" 2>"$TMP/full.err" &
	r=$!
	if wait_exit "$r" 30; then
		wait "$r"
		rc=$?
		trace "$TMP/full/f.mslat" >"$TMP/full.txt" 2>"$TMP/full.tcerr"
		tc=$?
		n=$(total "$TMP/full/f.mslat" events)
		[ "$rc" -eq 1 ] && grep -q "No space left on device" "$TMP/full.err" && pass "disk full: exit 1, error says no space" ||
			fail "disk full: exit $rc: $(cat "$TMP/full.err")"
		[ "$tc" -eq 0 ] && [ "$n" -gt 0 ] && grep -q "truncated=1" "$TMP/full.txt" && pass "disk full: file readable up to its last frame ($n events)" ||
			fail "disk full: reader exit $tc, $(cat "$TMP/full.tcerr")"
		command -v zstd >/dev/null && { zstd -tq "$TMP/full/f.mslat" && pass "disk full: zstd -t accepts the file" || fail "disk full: zstd -t"; }
		kill -0 "$a" && pass "disk full: the traced process runs on" || fail "disk full: the traced process died"
	else
		kill -9 "$r"
		fail "disk full: the recorder did not stop within 30 s"
	fi
	umount "$TMP/full"
else
	skip "disk full: cannot mount a tmpfs here"
fi
finish
