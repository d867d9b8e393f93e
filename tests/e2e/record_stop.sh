#!/bin/bash
# SPDX-License-Identifier: MIT
# Targets and stopping: -p records only that process; SIGINT/SIGTERM close the
# file with a footer; SIGKILL leaves a truncated but readable file; --duration;
# every target exited; a command's exit status and signals are passed on.
. "$(dirname "$0")/record_lib"
need_bpf record_stop

# -p records only that process, though another is just as busy
start_spinner; a=$SPIN_PID
start_spinner; b=$SPIN_PID
"$REC" -q -d 1s -o "$TMP/p.mslat" -p "$a" 2>"$TMP/p.err"
rc=$?
trace "$TMP/p.mslat" >"$TMP/p.txt"
na=$(awk -F'\t' -v p="$a" '$1=="E" && $2==p' "$TMP/p.txt" | wc -l)
nother=$(awk -F'\t' -v p="$a" '$1=="E" && $2!=p' "$TMP/p.txt" | wc -l)
[ "$rc" -eq 0 ] && [ "$na" -gt 100 ] && [ "$nother" -eq 0 ] && pass "pid: only pid $a recorded ($na events, none of $b)" ||
	fail "pid: exit $rc, $na events of $a, $nother of others: $(cat "$TMP/p.err")"
grep -qP "^F\t1\t" "$TMP/p.txt" && pass "duration: footer with reason duration" || fail "duration: $(grep -P '^[FT]\t' "$TMP/p.txt")"
grep -qP "^P\tsnapshot\t$a\t" "$TMP/p.txt" && pass "pid: snapshot process record" || fail "pid: no snapshot record for $a"
kill -0 "$a" && pass "pid: the traced process runs on" || fail "pid: the traced process died"

# -p of a master records the workers it forked before and after attaching
bash -c '"$1" spin >/dev/null 2>&1 & echo $! >"$2"; sleep 0.7; "$1" spin >/dev/null 2>&1 & echo $! >"$3"; wait' \
	_ "$W" "$TMP/w1.pid" "$TMP/w2.pid" >/dev/null 2>&1 &
master=$!
pids_to_kill+=("$master")
sleep 0.3
"$REC" -q -d 1500ms -o "$TMP/tree.mslat" -p "$master" 2>"$TMP/tree.err"
for i in $(seq 1 40); do [ -s "$TMP/w2.pid" ] && break; sleep 0.05; done
w1=$(cat "$TMP/w1.pid"); w2=$(cat "$TMP/w2.pid")
pids_to_kill+=("$w1" "$w2")
n1=$(count "$TMP/tree.mslat" "$w1" getppid); n2=$(count "$TMP/tree.mslat" "$w2" getppid)
trace "$TMP/tree.mslat" >"$TMP/tree.txt"
grep -qP "^P\tsnapshot\t$w1\t$master\t" "$TMP/tree.txt" && grep -qP "^P\tfork\t$w2\t$master\t" "$TMP/tree.txt" &&
	[ "$n1" -gt 50 ] && [ "$n2" -gt 50 ] && pass "follow-forks: workers forked before ($n1 calls) and after ($n2 calls) attaching" ||
	fail "follow-forks: $n1 and $n2 getppid of workers $w1 and $w2: $(cat "$TMP/tree.err")"

# SIGINT: exit 0, footer, reason stopped; the target is untouched
if start_rec "$TMP/int.err" -o "$TMP/int.mslat" -p "$a"; then
	sleep 0.5
	kill -INT "$REC_PID"
	wait "$REC_PID"
	rc=$?
	trace "$TMP/int.mslat" >"$TMP/int.txt"
	[ "$rc" -eq 0 ] && grep -qP "^F\t0\t" "$TMP/int.txt" && grep -q "footer=1 truncated=0" "$TMP/int.txt" &&
		pass "sigint: exit 0, footer with reason stopped" || fail "sigint: exit $rc, $(grep -P '^[FT]\t' "$TMP/int.txt")"
	kill -0 "$a" && pass "sigint: the traced process runs on" || fail "sigint: the traced process died"
	grep -q "recording 1 process to '$TMP/int.mslat'" "$TMP/int.err" && pass "sigint: the recording line" || fail "sigint: no recording line: $(cat "$TMP/int.err")"
else
	fail "sigint: the recorder did not start: $(cat "$TMP/int.err")"
fi

# SIGTERM likewise
if start_rec "$TMP/term.err" -o "$TMP/term.mslat" -p "$a"; then
	sleep 0.3
	kill -TERM "$REC_PID"
	wait "$REC_PID"
	rc=$?
	[ "$rc" -eq 0 ] && [ "$(total "$TMP/term.mslat" footer)" = 1 ] && pass "sigterm: exit 0, footer" || fail "sigterm: exit $rc"
else
	fail "sigterm: the recorder did not start: $(cat "$TMP/term.err")"
fi

# SIGHUP (the terminal closed, a supervisor): a normal stop too
if start_rec "$TMP/hup.err" -o "$TMP/hup.mslat" -p "$a"; then
	sleep 0.3
	kill -HUP "$REC_PID"
	wait "$REC_PID"
	rc=$?
	trace "$TMP/hup.mslat" >"$TMP/hup.txt"
	[ "$rc" -eq 0 ] && grep -qP "^F\t0\t" "$TMP/hup.txt" && grep -q "footer=1 truncated=0" "$TMP/hup.txt" &&
		pass "sighup: exit 0, footer with reason stopped" || fail "sighup: exit $rc, $(grep -P '^[FT]\t' "$TMP/hup.txt")"
	kill -0 "$a" && pass "sighup: the traced process runs on" || fail "sighup: the traced process died"
else
	fail "sighup: the recorder did not start: $(cat "$TMP/hup.err")"
fi

# SIGKILL: no footer, readable up to the last flush, mslat info says truncated
if start_rec "$TMP/kill.err" --flush-interval 100ms -o "$TMP/kill.mslat" -p "$a"; then
	sleep 1.2
	kill -KILL "$REC_PID"
	wait "$REC_PID" 2>/dev/null
	trace "$TMP/kill.mslat" >"$TMP/kill.txt"
	rc=$?
	n=$(total "$TMP/kill.mslat" events)
	[ "$rc" -eq 0 ] && [ "$n" -gt 500 ] && grep -q "footer=0 truncated=1" "$TMP/kill.txt" &&
		pass "sigkill: truncated, $n events readable" || fail "sigkill: reader exit $rc, $(grep -P '^T\t' "$TMP/kill.txt")"
	if [ -x "$B/mslat" ]; then
		"$B/mslat" info "$TMP/kill.mslat" >"$TMP/kill.info" 2>&1
		grep -qi "truncated" "$TMP/kill.info" && pass "sigkill: mslat info says truncated" || fail "sigkill: mslat info: $(cat "$TMP/kill.info")"
	fi
	kill -0 "$a" && pass "sigkill: the traced process runs on" || fail "sigkill: the traced process died"
else
	fail "sigkill: the recorder did not start: $(cat "$TMP/kill.err")"
fi

# -p of the recorder's own parent (as in `-p $$`) follows forks, yet never records the recorder
bash -c 'echo $$ >"$1"; exec "$2" -q -d 1s -o "$3" -p "$4"' _ "$TMP/self.pid" "$REC" "$TMP/self.mslat" $$ 2>"$TMP/self.err"
rc=$?
self=$(cat "$TMP/self.pid")
n=$(count "$TMP/self.mslat" "$self" write)
m=$(trace "$TMP/self.mslat" | awk -F'\t' -v p="$self" '$1=="E" && $2==p' | wc -l)
[ "$rc" -eq 0 ] && [ "$m" -eq 0 ] && pass "self: -p of its parent does not record the recorder" || fail "self: exit $rc, $m events of the recorder ($n writes)"

# every target exited: the recorder stops by itself
sleep 0.7 &
s=$!
"$REC" -q -o "$TMP/exit.mslat" -p "$s" 2>"$TMP/exit.err"
rc=$?
[ "$rc" -eq 0 ] && grep -qP "^F\t2\t" <(trace "$TMP/exit.mslat") && pass "targets-exited: stops with reason targets-exited" ||
	fail "targets-exited: exit $rc: $(cat "$TMP/exit.err")"

# a command's exit status is ours
"$REC" -q -o "$TMP/st.mslat" -- sh -c 'exit 7' 2>/dev/null
rc=$?
[ "$rc" -eq 7 ] && pass "command: exit status 7 passed on" || fail "command: exit status $rc, want 7"
"$REC" -q -o "$TMP/nf.mslat" -- "$TMP/no-such-command" 2>"$TMP/nf.err"
rc=$?
[ "$rc" -eq 127 ] && grep -q "cannot run" "$TMP/nf.err" && pass "command: not found, exit 127" || fail "command: not found gave $rc: $(cat "$TMP/nf.err")"

# SIGINT sent to the recorder reaches the command; it dies of it: 128+2
if start_rec "$TMP/cint.err" -o "$TMP/cint.mslat" -- "$W" spin; then
	sleep 0.3
	kill -INT "$REC_PID"
	wait "$REC_PID"
	rc=$?
	[ "$rc" -eq 130 ] && [ "$(total "$TMP/cint.mslat" footer)" = 1 ] && pass "command: SIGINT forwarded, exit 130, footer" ||
		fail "command: SIGINT gave exit $rc: $(cat "$TMP/cint.err")"
else
	fail "command: the recorder did not start: $(cat "$TMP/cint.err")"
fi

# SIGHUP sent to the recorder reaches the command: 128+1
if start_rec "$TMP/chup.err" -o "$TMP/chup.mslat" -- "$W" spin; then
	sleep 0.3
	kill -HUP "$REC_PID"
	wait "$REC_PID"
	rc=$?
	[ "$rc" -eq 129 ] && [ "$(total "$TMP/chup.mslat" footer)" = 1 ] && pass "command: SIGHUP forwarded, exit 129, footer" ||
		fail "command: SIGHUP gave exit $rc: $(cat "$TMP/chup.err")"
else
	fail "command: the recorder did not start: $(cat "$TMP/chup.err")"
fi

# SIGTERM during start-up (the hook holds the recorder before it forks the
# command): not lost; the command gets that SIGTERM, not a SIGKILL seconds
# later, and never runs; the file still ends with a footer
t0=$(date +%s%N)
MSLAT_RECORD_TEST_STARTUP_DELAY_MS=700 "$REC" -o "$TMP/early.mslat" -- sh -c "echo ran >'$TMP/early.ran'; exec '$W' spin" 2>"$TMP/early.err" &
r=$!
sleep 0.2
kill -TERM "$r"
if wait_exit "$r" 30; then
	wait "$r"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$rc" -eq 143 ] && pass "startup stop: the command got SIGTERM (exit 143)" || fail "startup stop: exit $rc, want 143: $(cat "$TMP/early.err")"
	[ "$ms" -lt 5000 ] && pass "startup stop: done in ${ms} ms" || fail "startup stop: took ${ms} ms"
	[ "$(total "$TMP/early.mslat" footer)" = 1 ] && grep -qP "^F\t0\t" <(trace "$TMP/early.mslat") &&
		pass "startup stop: footer with reason stopped" || fail "startup stop: $(trace "$TMP/early.mslat" | grep -P '^[FT]\t')"
	[ ! -e "$TMP/early.ran" ] && pass "startup stop: the command was never released" || fail "startup stop: the command ran"
else
	kill -9 "$r"
	fail "startup stop: the recorder did not stop within 30 s"
fi
# the same with -p: the stop is kept, exit 0 with a footer
MSLAT_RECORD_TEST_STARTUP_DELAY_MS=700 "$REC" -q -o "$TMP/earlyp.mslat" -p "$a" 2>"$TMP/earlyp.err" &
r=$!
sleep 0.2
kill -INT "$r"
if wait_exit "$r" 30; then
	wait "$r"
	rc=$?
	[ "$rc" -eq 0 ] && [ "$(total "$TMP/earlyp.mslat" footer)" = 1 ] && pass "startup stop: -p, SIGINT kept, exit 0, footer" ||
		fail "startup stop: -p, exit $rc: $(cat "$TMP/earlyp.err")"
else
	kill -9 "$r"
	fail "startup stop: -p, the recorder did not stop within 30 s"
fi

# one deadline after a stop: a command ignoring SIGTERM is killed 10 s after it, not 20
if start_rec "$TMP/ign.err" -o "$TMP/ign.mslat" -- sh -c "trap '' TERM; exec '$W' spin"; then
	sleep 0.3
	t0=$(date +%s%N)
	kill -TERM "$REC_PID"
	wait "$REC_PID"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$rc" -eq 137 ] && [ "$ms" -ge 9500 ] && [ "$ms" -lt 13000 ] && [ "$(total "$TMP/ign.mslat" footer)" = 1 ] &&
		pass "stop deadline: SIGKILL 10 s after the stop (${ms} ms), footer" || fail "stop deadline: exit $rc after ${ms} ms"
else
	fail "stop deadline: the recorder did not start: $(cat "$TMP/ign.err")"
fi

# --duration with a command: it gets SIGTERM (128+15)
t0=$(date +%s%N)
"$REC" -q -d 500ms -o "$TMP/cd.mslat" -- "$W" spin 2>/dev/null
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" -eq 143 ] && [ "$ms" -lt 5000 ] && grep -qP "^F\t1\t" <(trace "$TMP/cd.mslat") && pass "command: --duration ends it with SIGTERM (${ms} ms)" ||
	fail "command: --duration gave exit $rc after ${ms} ms"
finish
