#!/bin/bash
# SPDX-License-Identifier: MIT
# Losses are never silent: with a tiny --buffer-size under a syscall burst,
# loss records plus recorded events equal the syscalls the workload made;
# at the default size the same burst loses nothing.
. "$(dirname "$0")/record_lib"
need_bpf record_loss

N=300000
"$REC" -q --buffer-size 4K -e getppid -o "$TMP/l.mslat" -- "$W" burst $N 2>"$TMP/l.err" | cat >"$TMP/l.out"
trace "$TMP/l.mslat" >"$TMP/l.txt"
pid=$(kv "$TMP/l.out" pid)
rec=$(awk -F'\t' -v p="$pid" '$1=="E" && $2==p && $4=="getppid"' "$TMP/l.txt" | wc -l)
lost=$(awk -F'\t' '$1=="L" && $2=="events" { n += $4 } END { print n + 0 }' "$TMP/l.txt")
records=$(awk -F'\t' '$1=="L"' "$TMP/l.txt" | wc -l)
[ "$lost" -gt 0 ] && pass "loss: tiny buffer, $records loss records count $lost lost" || fail "loss: no loss record ($rec recorded)"
[ $((rec + lost)) -eq $N ] && pass "loss: recorded $rec + lost $lost = $N syscalls made" || fail "loss: recorded $rec + lost $lost != $N"
bad=$(awk -F'\t' '$1=="L" && ($5 == 0 || $6 < $5)' "$TMP/l.txt" | wc -l)
[ "$bad" -eq 0 ] && pass "loss: every loss record has a time window" || fail "loss: $bad loss records without a window"
foot=$(awk -F'\t' '$1=="F" { print $4 }' "$TMP/l.txt")
all=$(awk -F'\t' '$1=="L" { n += $4 } END { print n + 0 }' "$TMP/l.txt")
[ "${foot:-x}" = "$all" ] && pass "loss: footer counts the $all lost records of every kind" || fail "loss: footer says ${foot:-nothing} lost, loss records $all"
if [ -x "$B/mslat" ]; then
	"$B/mslat" info "$TMP/l.mslat" >"$TMP/l.info" 2>&1
	grep -q "$all" "$TMP/l.info" && pass "loss: mslat info shows the losses" || fail "loss: mslat info: $(grep -i loss "$TMP/l.info")"
fi

"$REC" -q -e getppid -o "$TMP/d.mslat" -- "$W" burst $N 2>"$TMP/d.err" | cat >"$TMP/d.out"
pid=$(kv "$TMP/d.out" pid)
rec=$(count "$TMP/d.mslat" "$pid" getppid)
lost=$(total "$TMP/d.mslat" lost)
[ "$rec" -eq $N ] && [ "$lost" -eq 0 ] && pass "loss: default buffer keeps all $N ($(kv "$TMP/d.out" ns_per_call) ns/call)" ||
	fail "loss: default buffer recorded $rec of $N, lost $lost"
# records the consumer cannot use (too short, unknown type) are losses too,
# never silent: the hook passes 5 of them through the ring-buffer callback
MSLAT_RECORD_TEST_BAD_RECORDS=5 "$REC" -q -d 300ms -o "$TMP/b.mslat" -p "$$" 2>"$TMP/b.err"
rc=$?
trace "$TMP/b.mslat" >"$TMP/b.txt"
lines=$(awk -F'\t' '$1=="L" && $2=="events" && $3==4294967295 && $6>=$5 { n += $4 } END { print n + 0 }' "$TMP/b.txt")
[ "$rc" -eq 0 ] && [ "$(total "$TMP/b.mslat" lost)" -eq 5 ] && [ "$lines" -eq 5 ] && [ "$(total "$TMP/b.mslat" footer)" = 1 ] &&
	pass "loss: 5 unusable ring-buffer records written as a loss record" ||
	fail "loss: unusable records, exit $rc: $(grep -P '^[LT]\t' "$TMP/b.txt") $(cat "$TMP/b.err")"
finish
