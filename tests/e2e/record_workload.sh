#!/bin/bash
# SPDX-License-Identifier: MIT
# mslat-record -- workload: exact counts per syscall and fd kind, the child's
# calls under the child's pid, sleep durations, arrivals, process records,
# --no-follow-forks, --syscalls and --sched.
. "$(dirname "$0")/record_lib"
need_bpf record_workload

K=200 M=70 L=33
# The workload's stdout is a pipe: its report must not count as a file write.
"$REC" -q -o "$TMP/w.mslat" -- "$W" known $K $M $L "$TMP" 2>"$TMP/w.err" | cat >"$TMP/w.out"
rc=${PIPESTATUS[0]}
trace "$TMP/w.mslat" >"$TMP/w.txt" 2>"$TMP/w.tcerr"
pid=$(kv "$TMP/w.out" pid)
child=$(kv "$TMP/w.out" child)
c() { awk -F'\t' -v p="$1" -v s="$2" -v k="${3:-}" \
	'$1=="E" && $2==p && $4==s && (k=="" || $6==k) { n++ } END { print n + 0 }' "$TMP/w.txt"; }
dur() { awk -F'\t' -v p="$1" -v s="$2" '$1=="E" && $2==p && $4==s { print $9; exit }' "$TMP/w.txt"; }
# near A B: A within 10% or 2 ms of B
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; t = b / 10; if (t < 2000000) t = 2000000; exit !(d <= t) }'; }

if [ "$rc" -eq 0 ] && [ -n "$pid" ] && [ -n "$child" ]; then pass "workload: recorded, exit status 0"; else fail "workload: exit status $rc, report: $(tr '\n' ' ' <"$TMP/w.out") $(cat "$TMP/w.err")"; fi
n=$(c "$pid" read tcp); [ "$n" -eq $K ] && pass "workload: $K reads on tcp" || fail "workload: $n reads on tcp, want $K"
n=$(c "$pid" write tcp); [ "$n" -eq $K ] && pass "workload: $K writes on tcp" || fail "workload: $n writes on tcp, want $K"
n=$(c "$pid" write file); [ "$n" -eq $M ] && pass "workload: $M writes on a file" || fail "workload: $n writes on file, want $M"
n=$(c "$pid" accept tcp-listen); [ "$n" -eq 1 ] && pass "workload: accept on a tcp-listen fd" || fail "workload: $n accepts on tcp-listen, want 1"
n=$(c "$child" getppid); [ "$n" -eq $L ] && pass "workload: $L getppid under the child's pid $child" || fail "workload: $n getppid under child $child, want $L"
n=$(c "$pid" getppid); [ "$n" -eq 0 ] && pass "workload: no getppid under the parent" || fail "workload: $n getppid under the parent"
n=$(c "$pid" nanosleep); [ "$n" -eq 1 ] && pass "workload: one nanosleep" || fail "workload: $n nanosleep, want 1"
d=$(dur "$pid" nanosleep); want=$(kv "$TMP/w.out" nanosleep_ns)
near "${d:-0}" "$want" && pass "workload: nanosleep ${d}ns vs ${want}ns measured" || fail "workload: nanosleep ${d:-none}ns vs ${want}ns measured"
d=$(dur "$pid" futex); want=$(kv "$TMP/w.out" futex_ns)
near "${d:-0}" "$want" && pass "workload: futex ${d}ns vs ${want}ns measured" || fail "workload: futex ${d:-none}ns vs ${want}ns measured"
n=$(awk -F'\t' -v p="$pid" '$1=="E" && $2==p && $4=="futex" && $7==-110' "$TMP/w.txt" | wc -l)
[ "$n" -eq 1 ] && pass "workload: futex returned -ETIMEDOUT" || fail "workload: $n futex with ret -110"
n=$(awk -F'\t' -v p="$pid" '$1=="E" && $2==p && $4=="read" && $6=="tcp" && $7!=1' "$TMP/w.txt" | wc -l)
[ "$n" -eq 0 ] && pass "workload: tcp reads returned 1" || fail "workload: $n tcp reads with ret != 1"
# every event is the workload's or a descendant's (a sanitizer build forks helpers of its own)
n=$(awk -F'\t' -v p="$pid" 'BEGIN { ok[p] = 1 } $1=="P" && $2=="fork" && ok[$4] { ok[$3] = 1 } $1=="E" && !ok[$2]' "$TMP/w.txt" | wc -l)
[ "$n" -eq 0 ] && pass "workload: no event of another process" || fail "workload: $n events of other processes"
# arrivals: one per 1-byte request on the accepted socket, one connection on the listener
rfd=$(kv "$TMP/w.out" tcp_read_fd); lfd=$(kv "$TMP/w.out" listen_fd)
n=$(awk -F'\t' -v p="$pid" -v f="$rfd" '$1=="A" && $2=="data" && $3==p && $4==f && $5==1' "$TMP/w.txt" | wc -l)
[ "$n" -eq $K ] && pass "workload: $K data arrivals on fd $rfd" || fail "workload: $n data arrivals on fd $rfd, want $K"
n=$(awk -F'\t' -v p="$pid" -v f="$lfd" '$1=="A" && $2=="connect" && $3==p && $4==f' "$TMP/w.txt" | wc -l)
[ "$n" -eq 1 ] && pass "workload: one connect arrival on listener fd $lfd" || fail "workload: $n connect arrivals on fd $lfd, want 1"
# process records
grep -qP "^P\tfork\t$child\t$pid\t" "$TMP/w.txt" && pass "workload: fork record of the child" || fail "workload: no fork record for $child"
grep -qP "^P\texit\t$child\t$pid\t" "$TMP/w.txt" && pass "workload: exit record of the child" || fail "workload: no exit record for $child"
grep -qP "^P\texec\t$pid\t.*\t$W\$" "$TMP/w.txt" && pass "workload: exec record with exe" || fail "workload: no exec record with exe $W"
grep -qP "^P\texit\t$pid\t.*\t0\t" "$TMP/w.txt" && pass "workload: exit record with status 0" || fail "workload: no exit record of $pid"
grep -qP "^F\t2\t" "$TMP/w.txt" && pass "workload: footer, reason targets-exited" || fail "workload: footer missing or wrong reason: $(grep -P '^[FT]\t' "$TMP/w.txt")"
n=$(total "$TMP/w.mslat" lost); [ "$n" -eq 0 ] && pass "workload: no loss" || fail "workload: $n lost"

# --no-follow-forks: the child is not traced
"$REC" -q --no-follow-forks -o "$TMP/nf.mslat" -- "$W" known 5 5 9 "$TMP" 2>/dev/null | cat >"$TMP/nf.out"
child=$(kv "$TMP/nf.out" child); pid=$(kv "$TMP/nf.out" pid)
n=$(count "$TMP/nf.mslat" "$child" getppid); m=$(count "$TMP/nf.mslat" "$pid" nanosleep)
[ "$n" -eq 0 ] && [ "$m" -eq 1 ] && pass "no-follow-forks: the child is not traced" || fail "no-follow-forks: $n getppid under child, $m nanosleep under parent"

# --syscalls: names and categories
"$REC" -q -e getppid,sleep -o "$TMP/sc.mslat" -- "$W" known 5 5 4 "$TMP" 2>/dev/null | cat >"$TMP/sc.out"
other=$(trace "$TMP/sc.mslat" | awk -F'\t' '$1=="E" && $4!="getppid" && $4!="nanosleep" && $4!="clock_nanosleep"' | wc -l)
n=$(count "$TMP/sc.mslat" "$(kv "$TMP/sc.out" child)" getppid)
[ "$other" -eq 0 ] && [ "$n" -eq 4 ] && pass "syscalls: -e getppid,sleep records only those" || fail "syscalls: $other other events, $n getppid"
"$REC" -q -e net -o "$TMP/net.mslat" -- "$W" known 7 5 4 "$TMP" 2>/dev/null | cat >"$TMP/net.out"
n=$(count "$TMP/net.mslat" "$(kv "$TMP/net.out" pid)" read tcp); m=$(count "$TMP/net.mslat" "$(kv "$TMP/net.out" pid)" nanosleep)
[ "$n" -eq 7 ] && [ "$m" -eq 0 ] && pass "syscalls: -e net has the read family, not sleeps" || fail "syscalls: -e net: $n tcp reads, $m nanosleep"

# threads: one process, each thread's calls under its own tid
"$REC" -q -o "$TMP/t.mslat" -- "$W" threads 40 2>/dev/null | cat >"$TMP/t.out"
pid=$(kv "$TMP/t.out" pid); t1=$(kv "$TMP/t.out" tid1); t2=$(kv "$TMP/t.out" tid2)
n1=$(trace "$TMP/t.mslat" | awk -F'\t' -v p="$pid" -v t="$t1" '$1=="E" && $2==p && $3==t && $4=="getppid"' | wc -l)
n2=$(trace "$TMP/t.mslat" | awk -F'\t' -v p="$pid" -v t="$t2" '$1=="E" && $2==p && $3==t && $4=="getppid"' | wc -l)
[ "$n1" -eq 40 ] && [ "$n2" -eq 40 ] && [ "$t1" != "$t2" ] && pass "threads: 40 getppid under each thread's tid, one pid" ||
	fail "threads: $n1 under tid $t1, $n2 under tid $t2 (pid $pid)"

# a request queued before accept(2): its arrival is kept until the fd is known,
# as the accept's QUEUED record (one per accept, with the bytes' time)
"$REC" -q -o "$TMP/e.mslat" -- "$W" early 2>/dev/null | cat >"$TMP/e.out"
trace "$TMP/e.mslat" >"$TMP/e.txt"
pid=$(kv "$TMP/e.out" pid); afd=$(kv "$TMP/e.out" accepted_fd); lfd=$(kv "$TMP/e.out" listen_fd)
at=$(awk -F'\t' -v p="$pid" -v f="$afd" '$1=="A" && $2=="queued" && $3==p && $4==f && $5==5 { print $6 }' "$TMP/e.txt")
acc=$(awk -F'\t' -v p="$pid" '$1=="E" && $2==p && $4=="accept" { print $8 }' "$TMP/e.txt")
n=$(awk -F'\t' -v p="$pid" -v f="$lfd" '$1=="A" && $2=="connect" && $3==p && $4==f' "$TMP/e.txt" | wc -l)
[ -n "$at" ] && [ -n "$acc" ] && [ "$at" -lt "$acc" ] && [ $((acc - at)) -gt 15000000 ] && [ "$n" -eq 1 ] &&
	pass "arrivals: bytes queued before accept keep their arrival time ($(((acc - at) / 1000000)) ms before accept)" ||
	fail "arrivals: before accept: arrival '${at}', accept '${acc}', $n connect arrivals"

# --sched: the 50 ms nanosleep is an off-CPU interval of about 50 ms
"$REC" -q --sched -o "$TMP/s.mslat" -- "$W" known 5 5 4 "$TMP" 2>/dev/null | cat >"$TMP/s.out"
pid=$(kv "$TMP/s.out" pid); want=$(kv "$TMP/s.out" nanosleep_ns)
n=$(trace "$TMP/s.mslat" | awk -F'\t' -v p="$pid" -v w="$want" '$1=="S" && $2=="offcpu" && $3==p && $7 > w * 0.9 && $7 < w * 1.1' | wc -l)
r=$(trace "$TMP/s.mslat" | awk -F'\t' -v p="$pid" '$1=="S" && $2=="runq" && $3==p' | wc -l)
[ "$n" -ge 1 ] && [ "$r" -ge 1 ] && pass "sched: off-CPU interval of the nanosleep, run-queue intervals" || fail "sched: $n off-CPU intervals near ${want}ns, $r runq intervals"
finish
