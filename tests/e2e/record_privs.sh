#!/bin/bash
# SPDX-License-Identifier: MIT
# Least privilege: CAP_BPF + CAP_PERFMON are enough (as an ordinary user), and
# every capability is gone once the recorder is attached.
. "$(dirname "$0")/record_lib"
need_bpf record_privs

# every capability dropped while recording, as root
start_spinner; a=$SPIN_PID
if start_rec "$TMP/c.err" -o "$TMP/c.mslat" -p "$a"; then
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/$REC_PID/status)
	prm=$(awk '/^CapPrm:/ { print $2 }' /proc/$REC_PID/status)
	bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/$REC_PID/status)
	nnp=$(awk '/^NoNewPrivs:/ { print $2 }' /proc/$REC_PID/status)
	kill -INT "$REC_PID"
	wait "$REC_PID"
	rc=$?
	[ "$eff" = 0000000000000000 ] && [ "$prm" = 0000000000000000 ] && [ "$bnd" = 0000000000000000 ] && [ "$nnp" = 1 ] &&
		pass "caps: none left once attached (effective, permitted, bounding; no_new_privs)" ||
		fail "caps: CapEff=$eff CapPrm=$prm CapBnd=$bnd NoNewPrivs=$nnp"
	[ "$rc" -eq 0 ] && [ "$(total "$TMP/c.mslat" events)" -gt 0 ] && pass "caps: the recording goes on without them" || fail "caps: exit $rc"
else
	fail "caps: the recorder did not start: $(cat "$TMP/c.err")"
fi

# root (as under sudo) writing into a user's 0755 directory: the files are
# created, rotated and removed as that user, who owns them (0600)
mkdir -p "$TMP/home" && chown 65534:65534 "$TMP/home" && chmod 755 "$TMP/home"
"$REC" -q -d 1s -o "$TMP/home/run.mslat" -p "$a" 2>"$TMP/home.err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(stat -c %u:%a "$TMP/home/run.mslat" 2>&1)" = 65534:600 ] && [ "$(total "$TMP/home/run.mslat" footer)" = 1 ] &&
	[ "$(total "$TMP/home/run.mslat" events)" -gt 100 ] &&
	pass "owner: root writes into uid 65534's 0755 directory, the file is 65534's, 0600, complete" ||
	fail "owner: exit $rc, $(stat -c %u:%a "$TMP/home/run.mslat" 2>&1): $(cat "$TMP/home.err")"
"$REC" -q --rotate 300ms --keep 2 -d 1500ms -o "$TMP/home/rot.mslat" -p "$a" 2>"$TMP/home-rot.err"
rc=$?
n=$(ls "$TMP"/home/rot.*.mslat 2>/dev/null | wc -l)
ok=1
for f in "$TMP"/home/rot.*.mslat; do
	[ "$(stat -c %u:%a "$f")" = 65534:600 ] && [ "$(total "$f" footer)" = 1 ] || ok=0
done
[ "$rc" -eq 0 ] && [ "$n" -eq 2 ] && [ "$ok" = 1 ] && [ ! -e "$TMP/home/rot.0000.mslat" ] &&
	pass "owner: --rotate and --keep there, pieces 65534's, 0600, complete" ||
	fail "owner: rotate exit $rc, $n pieces: $(ls -ln "$TMP/home") $(cat "$TMP/home-rot.err")"
# a command started as root is still stopped by the recorder (SIGTERM at --duration)
"$REC" -q -d 500ms -o "$TMP/home/cmd.mslat" -- "$W" spin 2>"$TMP/home-cmd.err"
rc=$?
[ "$rc" -eq 143 ] && [ "$(stat -c %u "$TMP/home/cmd.mslat")" = 65534 ] && [ "$(total "$TMP/home/cmd.mslat" footer)" = 1 ] &&
	pass "owner: the root command still gets the recorder's SIGTERM (exit 143)" || fail "owner: command exit $rc: $(cat "$TMP/home-cmd.err")"
# a root-owned directory: the file stays root's
"$REC" -q -d 300ms -o "$TMP/root.mslat" -p "$a" 2>/dev/null
[ "$(stat -c %u:%a "$TMP/root.mslat")" = 0:600 ] && pass "owner: in root's directory the file is root's" || fail "owner: $(stat -c %u:%a "$TMP/root.mslat")"

# an ordinary user with only CAP_BPF and CAP_PERFMON
if setpriv --help 2>/dev/null | grep -q ambient-caps && setpriv --list-caps | grep -qx bpf; then
	mkdir -p "$TMP/u" && chmod 777 "$TMP/u" && chmod 755 "$TMP"
	# The user must reach the programs: the checkout may sit under a 0700 home.
	cp "$REC" "$W" "$TMP/u/" && chmod 755 "$TMP/u/$(basename "$REC")" "$TMP/u/$(basename "$W")"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon \
		"$TMP/u/$(basename "$REC")" -o "$TMP/u/u.mslat" -- "$TMP/u/$(basename "$W")" known 10 5 3 "$TMP/u" \
		2>"$TMP/u.err" | cat >"$TMP/u.out"
	rc=${PIPESTATUS[0]}
	pid=$(kv "$TMP/u.out" pid)
	n=$(count "$TMP/u/u.mslat" "$pid" read tcp)
	m=$(count "$TMP/u/u.mslat" "$(kv "$TMP/u.out" child)" getppid)
	[ "$rc" -eq 0 ] && [ "$n" -eq 10 ] && [ "$m" -eq 3 ] && pass "least privilege: CAP_BPF+CAP_PERFMON as uid 65534 records everything" ||
		fail "least privilege: exit $rc, $n tcp reads, $m getppid: $(cat "$TMP/u.err")"
	[ "$(stat -c %u:%a "$TMP/u/u.mslat")" = 65534:600 ] && pass "least privilege: the file belongs to the user, 0600" || fail "least privilege: $(stat -c %u:%a "$TMP/u/u.mslat")"
else
	skip "least privilege: this setpriv cannot grant ambient CAP_BPF"
fi
finish
