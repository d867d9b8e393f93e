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

# one deadline after a stop: a command ignoring SIGTERM is killed 10 s after
# it, not 20, and so is a worker it started (which ignores it too)
if start_rec "$TMP/ign.err" -o "$TMP/ign.mslat" -- sh -c "trap '' TERM; '$W' spin & echo \$! >'$TMP/ign.w'; exec '$W' spin"; then
	sleep 0.3
	ign_w=$(cat "$TMP/ign.w")
	pids_to_kill+=("$ign_w")
	t0=$(date +%s%N)
	kill -TERM "$REC_PID"
	wait "$REC_PID"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$rc" -eq 137 ] && [ "$ms" -ge 9500 ] && [ "$ms" -lt 13000 ] && [ "$(total "$TMP/ign.mslat" footer)" = 1 ] &&
		pass "stop deadline: SIGKILL 10 s after the stop (${ms} ms), footer" || fail "stop deadline: exit $rc after ${ms} ms"
	wait_exit "$ign_w" 5 && pass "stop deadline: the command's worker was killed too" ||
		fail "stop deadline: worker $ign_w still runs: $(cat "$TMP/ign.err")"
	grep -q "1 process started by 'sh' did not exit: killing it" "$TMP/ign.err" &&
		pass "stop deadline: the worker's kill is said" || fail "stop deadline: $(cat "$TMP/ign.err")"
else
	fail "stop deadline: the recorder did not start: $(cat "$TMP/ign.err")"
fi

# A stop reaches all the command started, not just the command: here a master
# that dies of SIGTERM without passing it on (as php -S does), leaving two
# workers orphaned. They get SIGTERM once it exited, and are recorded to their
# last syscall.
if start_rec "$TMP/tree.err" -o "$TMP/mw.mslat" -- sh -c "'$W' spin & echo \$! >'$TMP/mw.1'; '$W' spin & echo \$! >'$TMP/mw.2'; wait"; then
	sleep 0.5
	mw1=$(cat "$TMP/mw.1"); mw2=$(cat "$TMP/mw.2")
	pids_to_kill+=("$mw1" "$mw2")
	t0=$(date +%s%N)
	kill -TERM "$REC_PID"
	wait "$REC_PID"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	gone=0
	wait_exit "$mw1" 5 && wait_exit "$mw2" 5 && gone=1
	[ "$rc" -eq 143 ] && [ "$gone" = 1 ] && [ "$ms" -lt 5000 ] &&
		pass "stop: the command's workers stop with it (${ms} ms)" ||
		fail "stop: exit $rc after ${ms} ms, workers $mw1 $mw2 gone=$gone: $(cat "$TMP/tree.err")"
	trace "$TMP/mw.mslat" >"$TMP/mw.txt"
	grep -qP "^P\texit\t$mw1\t" "$TMP/mw.txt" && grep -qP "^P\texit\t$mw2\t" "$TMP/mw.txt" &&
		pass "stop: the workers' exits are in the trace" || fail "stop: $(grep -P '^P\t' "$TMP/mw.txt")"
else
	fail "stop: the recorder did not start: $(cat "$TMP/tree.err")"
fi

# A master that stops its worker its own way (gunicorn, celery, nginx) does so
# undisturbed: the worker gets the master's SIGUSR1, not a SIGTERM of ours
# sent beside the master's, and the master's clean exit (0) is ours.
if start_rec "$TMP/orch.err" -o "$TMP/orch.mslat" -- sh -c "'$W' spin & w=\$!; echo \$w >'$TMP/orch.w'
	trap 'sleep 0.3; kill -USR1 \$w; wait \$w; echo \$? >\"$TMP/orch.st\"; exit 0' TERM; wait"; then
	sleep 0.5
	ow=$(cat "$TMP/orch.w")
	pids_to_kill+=("$ow")
	kill -TERM "$REC_PID"
	wait "$REC_PID"
	rc=$?
	st=$(cat "$TMP/orch.st" 2>/dev/null)
	[ "$rc" -eq 0 ] && [ "$st" = 138 ] && pass "stop: a master stops its worker itself (SIGUSR1: 138), exit 0" ||
		fail "stop: exit $rc, the worker's status '$st' (138 is SIGUSR1, 143 SIGTERM): $(cat "$TMP/orch.err")"
else
	fail "stop: the recorder did not start: $(cat "$TMP/orch.err")"
fi

# ^C on a terminal reaches the whole foreground process group; a shell's
# background jobs ignore SIGINT, and get SIGTERM once the shell exited.
# The terminal is a pty whose session leader outlives the recorder (as a
# login shell does: no SIGHUP when the recorder exits) and reports the jobs
# still alive 2 s after; its ^C is a kernel-sent SIGINT.
if [ -x /usr/bin/python3 ]; then
	/usr/bin/python3 - "$REC" "$TMP/pty.mslat" "$W" "$TMP" >"$TMP/pty.out" 2>&1 <<'PY'
import os, pty, select, signal, sys, time
rec, out, w, tmp = sys.argv[1:]

def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in "ZX"
    except OSError:
        return False

pid, fd = pty.fork()
if pid == 0:
    signal.signal(signal.SIGINT, lambda *a: None)
    child = os.fork()
    if child == 0:
        os.execv(rec, [rec, "-o", out, "--", "sh", "-c",
                       f"'{w}' spin & echo $! >'{tmp}/pty.1'; '{w}' spin & echo $! >'{tmp}/pty.2'; wait"])
    status = os.waitpid(child, 0)[1]
    jobs = [int(open(f"{tmp}/pty.{i}").read()) for i in (1, 2)]
    t = time.time()
    while any(alive(j) for j in jobs) and time.time() - t < 2:
        time.sleep(0.05)
    print("rc=%d left=%d" % (os.waitstatus_to_exitcode(status), sum(alive(j) for j in jobs)), flush=True)
    os._exit(0)
buf, t0 = b"", time.time()
while b"recording" not in buf and time.time() - t0 < 20:
    if select.select([fd], [], [], 0.5)[0]:
        buf += os.read(fd, 4096)
time.sleep(0.5)
t0 = time.time()
os.write(fd, b"\x03")
while b"rc=" not in buf and select.select([fd], [], [], 20)[0]:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    buf += data
ms = (time.time() - t0) * 1000
os.waitpid(pid, 0)
sys.stdout.write(buf.decode(errors="replace").replace("\r", ""))
print("ms=%d" % ms)
PY
	p1=$(cat "$TMP/pty.1" 2>/dev/null); p2=$(cat "$TMP/pty.2" 2>/dev/null)
	pids_to_kill+=($p1 $p2)
	res=$(grep -o 'rc=[0-9-]* left=[0-9]*' "$TMP/pty.out"); ms=$(sed -n 's/^ms=//p' "$TMP/pty.out")
	[ "$res" = "rc=130 left=0" ] && [ -n "$ms" ] && [ "$ms" -lt 5000 ] && [ "$(total "$TMP/pty.mslat" footer)" = 1 ] &&
		pass "terminal ^C: the command and its background jobs stop (${ms} ms), footer" ||
		fail "terminal ^C: $res after ${ms} ms: $(cat "$TMP/pty.out")"
else
	skip "terminal ^C: no /usr/bin/python3 for the pty"
fi

# --duration with a command that exited at once (a launcher script), leaving
# a background server and a daemon of its own session (setsid): both are
# recorded for the whole second (the recording once ended as the launcher
# exited, "targets exited"), then stopped; the exit status is the launcher's
t0=$(date +%s%N)
"$REC" -q -d 1s -o "$TMP/dm.mslat" -- sh -c "'$W' spin >/dev/null 2>&1 & echo \$! >'$TMP/bg.pid'
	setsid '$W' spin >/dev/null 2>&1 & echo \$! >'$TMP/dm.pid'" 2>"$TMP/dm.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
bg=$(cat "$TMP/bg.pid"); dm=$(cat "$TMP/dm.pid")
pids_to_kill+=("$bg" "$dm")
nb=$(count "$TMP/dm.mslat" "$bg" nanosleep); nd=$(count "$TMP/dm.mslat" "$dm" nanosleep)
gone=0
wait_exit "$bg" 5 && wait_exit "$dm" 5 && gone=1
[ "$rc" -eq 0 ] && [ "$gone" = 1 ] && [ "$nb" -gt 200 ] && [ "$nd" -gt 200 ] && [ "$ms" -lt 5000 ] &&
	grep -qP "^F\t1\t" <(trace "$TMP/dm.mslat") &&
	pass "duration: a launcher's server and daemon recorded ($nb, $nd sleeps) and stopped (${ms} ms)" ||
	fail "duration: exit $rc after ${ms} ms, gone=$gone, $nb and $nd sleeps, $(trace "$TMP/dm.mslat" | grep -P '^F\t'): $(cat "$TMP/dm.err")"

# Only what the command started: a process the recorder had before it
# (`helper & exec mslat-record -- CMD`, a container's entrypoint) is no
# part of the stop, and the stop does not wait for it
t0=$(date +%s%N)
sh -c "'$W' spin >/dev/null 2>&1 & echo \$! >'$TMP/side.pid'; exec '$REC' -q -d 1s -o '$TMP/side.mslat' -- '$W' spin" 2>"$TMP/side.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
side=$(cat "$TMP/side.pid")
pids_to_kill+=("$side")
kill -0 "$side" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$side/stat" 2>/dev/null)" != Z ] && alive=1 || alive=0
[ "$rc" -eq 143 ] && [ "$alive" = 1 ] && [ "$ms" -lt 5000 ] &&
	pass "stop: a process the recorder had before its command runs on (${ms} ms)" ||
	fail "stop: exit $rc after ${ms} ms, the earlier process $side alive=$alive: $(cat "$TMP/side.err")"
kill "$side" 2>/dev/null

# A main thread's pthread_exit is not the process's end: its other thread is
# recorded until it returns, the exit status is 0, and nothing is killed
t0=$(date +%s%N)
"$REC" -q -o "$TMP/pexit.mslat" -- "$W" pexit 1500 2>"$TMP/pexit.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
n=$(trace "$TMP/pexit.mslat" | awk -F'\t' '$1=="E" && $4=="nanosleep"' | wc -l)
[ "$rc" -eq 0 ] && [ "$n" -gt 500 ] && [ "$ms" -lt 5000 ] && grep -qP "^F\t2\t" <(trace "$TMP/pexit.mslat") &&
	pass "pthread_exit: the other thread recorded ($n sleeps), exit 0 after ${ms} ms, reason targets-exited" ||
	fail "pthread_exit: exit $rc after ${ms} ms, $n sleeps, $(trace "$TMP/pexit.mslat" | grep -P '^F\t'): $(cat "$TMP/pexit.err")"

# -p of a process whose main thread called pthread_exit: traced, not "exited
# during start-up"; recorded until its other thread returns
"$W" pexit 2500 >/dev/null &
pe=$!
pids_to_kill+=("$pe")
sleep 0.3
"$REC" -q -o "$TMP/pexitp.mslat" -p "$pe" 2>"$TMP/pexitp.err"
rc=$?
n=$(trace "$TMP/pexitp.mslat" | awk -F'\t' -v p="$pe" '$1=="E" && $2==p && $4=="nanosleep"' | wc -l)
[ "$rc" -eq 0 ] && [ "$n" -gt 500 ] && grep -qP "^F\t2\t" <(trace "$TMP/pexitp.mslat") &&
	pass "pthread_exit: -p records the other thread ($n sleeps) until it returns" ||
	fail "pthread_exit: -p exit $rc, $n sleeps: $(cat "$TMP/pexitp.err")"

# A process of the command's that changed user cannot be signalled (no
# capability is left): said, and not waited for; nor are its children, which
# nobody can stop either
if command -v setpriv >/dev/null; then
	t0=$(date +%s%N)
	"$REC" -d 1s -o "$TMP/uid.mslat" -- sh -c "setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'sleep 30 & sleep 30 & wait' >/dev/null 2>&1 & echo \$! >'$TMP/uid.pid'; wait" 2>"$TMP/uid.err"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	up=$(cat "$TMP/uid.pid")
	ukids=$(pgrep -P "$up" | tr '\n' ' ')
	pids_to_kill+=("$up" $ukids)
	[ "$rc" -eq 143 ] && [ "$ms" -lt 5000 ] && grep -q "cannot signal pid $up, started by 'sh' (its user changed" "$TMP/uid.err" &&
		[ "$(grep -c 'cannot signal pid' "$TMP/uid.err")" = 3 ] &&
		pass "stop: a process whose user changed and its children are said, not waited for (${ms} ms)" ||
		fail "stop: exit $rc after ${ms} ms: $(cat "$TMP/uid.err")"
	kill $up $ukids 2>/dev/null
	# the command itself: recorded to the deadline, then left running, exit 1
	t0=$(date +%s%N)
	"$REC" -d 500ms -o "$TMP/uidc.mslat" -- setpriv --reuid=65534 --regid=65534 --clear-groups sleep 30 2>"$TMP/uidc.err" &
	r=$!
	sleep 0.2
	ucmd=$(pgrep -P "$r")
	pids_to_kill+=($ucmd)
	wait "$r"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$rc" -eq 1 ] && [ "$ms" -ge 10000 ] && [ "$ms" -lt 16000 ] && grep -q "runs on: its user changed" "$TMP/uidc.err" && grep -q "cannot signal 'setpriv' (pid $ucmd): its user changed" "$TMP/uidc.err" &&
		[ "$(total "$TMP/uidc.mslat" footer)" = 1 ] &&
		pass "stop: a command whose user changed is recorded to the deadline, left running, exit 1 (${ms} ms)" ||
		fail "stop: exit $rc after ${ms} ms: $(cat "$TMP/uidc.err")"
	kill $ucmd 2>/dev/null
else
	skip "stop: setpriv is not installed"
fi

# A process the command forks as it exits, on its stop: its fork's record
# was still in the ring buffer (a SIGCHLD cut the poll short), and it ran on
"$REC" -q -d 1s -o "$TMP/late.mslat" -- sh -c "trap 'sleep 30 & echo \$! >\"$TMP/late.pid\"; exit 3' TERM; while :; do sleep 0.1; done" 2>"$TMP/late.err"
rc=$?
lp=$(cat "$TMP/late.pid" 2>/dev/null)
pids_to_kill+=($lp)
[ "$rc" -eq 3 ] && [ -n "$lp" ] && wait_exit "$lp" 5 && pass "stop: a process forked as the command exits is stopped too" ||
	fail "stop: exit $rc, pid '$lp' runs on: $(cat "$TMP/late.err")"

# A pid the command had, taken since by another process, is not the
# command's. After a second stop signal the recording is over and the
# command's exits are no longer seen; its background job exits, and an
# unrelated process gets the same pid (ns_last_pid). When the command then
# exits, that process must not get the SIGTERM meant for what it left.
if [ -w /proc/sys/kernel/ns_last_pid ]; then
	if start_rec "$TMP/reuse.err" -o "$TMP/reuse.mslat" -- sh -c "trap '' TERM INT; sleep 1.5 & echo \$! >'$TMP/reuse.pid'; sleep 4"; then
		sleep 0.5
		kill -TERM "$REC_PID"; sleep 0.1; kill -TERM "$REC_PID"
		vp=$(cat "$TMP/reuse.pid")
		for i in $(seq 60); do kill -0 "$vp" 2>/dev/null || break; sleep 0.05; done
		sleep 0.3
		echo $((vp - 1)) >/proc/sys/kernel/ns_last_pid
		sleep 60 &
		other=$!
		pids_to_kill+=("$other")
		wait "$REC_PID"
		sleep 0.2
		if [ "$other" != "$vp" ]; then
			skip "pid reuse: another process took pid $vp first"
		elif kill -0 "$other" 2>/dev/null; then
			pass "pid reuse: the process that took pid $vp since runs on"
		else
			fail "pid reuse: the process that took pid $vp was signalled: $(cat "$TMP/reuse.err")"
		fi
		kill "$other" 2>/dev/null
	else
		fail "pid reuse: the recorder did not start: $(cat "$TMP/reuse.err")"
	fi
else
	skip "pid reuse: /proc/sys/kernel/ns_last_pid is not writable"
fi

# --duration with a command: it gets SIGTERM (128+15)
t0=$(date +%s%N)
"$REC" -q -d 500ms -o "$TMP/cd.mslat" -- "$W" spin 2>/dev/null
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" -eq 143 ] && [ "$ms" -lt 5000 ] && grep -qP "^F\t1\t" <(trace "$TMP/cd.mslat") && pass "command: --duration ends it with SIGTERM (${ms} ms)" ||
	fail "command: --duration gave exit $rc after ${ms} ms"
finish
