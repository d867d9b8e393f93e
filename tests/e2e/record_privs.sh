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
