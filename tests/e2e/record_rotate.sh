#!/bin/bash
# SPDX-License-Identifier: MIT
# --rotate SIZE|TIME gives a sequence of complete files; --keep N keeps the newest N.
. "$(dirname "$0")/record_lib"
need_bpf record_rotate

start_spinner; a=$SPIN_PID

# by time: about 5 pieces of 400 ms in 2 s, each complete and numbered
"$REC" -q --rotate 400ms -d 2s -o "$TMP/t.mslat" -p "$a" 2>"$TMP/t.err"
rc=$?
n=$(ls "$TMP"/t.*.mslat 2>/dev/null | wc -l)
[ "$rc" -eq 0 ] && [ "$n" -ge 4 ] && [ "$n" -le 7 ] && [ ! -e "$TMP/t.mslat" ] && pass "rotate: time, $n pieces" || fail "rotate: time, exit $rc, $n pieces: $(ls "$TMP")"
ok=1 seq=0 events=0
for f in $(ls "$TMP"/t.*.mslat | sort); do
	trace "$f" >"$f.txt" 2>/dev/null || ok=0
	grep -q "footer=1 truncated=0" "$f.txt" || ok=0
	[ "$(awk -F'\t' '$1=="H" { print $3 }' "$f.txt")" = "$seq" ] || ok=0
	[ "$f" = "$TMP/t.$(printf %04d $seq).mslat" ] || ok=0
	grep -qP "^P\tsnapshot\t$a\t" "$f.txt" || ok=0
	reason=$(awk -F'\t' '$1=="F" { print $2 }' "$f.txt")
	last=$f
	[ "$reason" = 3 ] || [ "$f" = "$(ls "$TMP"/t.*.mslat | sort | tail -n 1)" ] || ok=0
	events=$((events + $(total "$f" events)))
	seq=$((seq + 1))
done
[ "$ok" = 1 ] && pass "rotate: every piece complete, numbered, with a process snapshot" || fail "rotate: a piece is incomplete or misnumbered"
[ "$(awk -F'\t' '$1=="F" { print $2 }' "$last.txt")" = 1 ] && pass "rotate: the last piece ends with reason duration" || fail "rotate: last piece reason"
[ "$events" -gt 1000 ] && pass "rotate: $events events across pieces" || fail "rotate: only $events events"

# by size, keeping 2
"$REC" -q --rotate 8K --keep 2 --flush-interval 100ms -d 3s -o "$TMP/s.mslat" -p "$a" 2>"$TMP/s.err"
rc=$?
n=$(ls "$TMP"/s.*.mslat 2>/dev/null | wc -l)
first=$(ls "$TMP"/s.*.mslat | sort | head -n 1)
[ "$rc" -eq 0 ] && [ "$n" -eq 2 ] && [ "$first" != "$TMP/s.0000.mslat" ] && pass "keep: 2 newest pieces kept ($(basename "$first") onwards)" ||
	fail "keep: exit $rc, $n pieces: $(ls "$TMP" | tr '\n' ' ') $(cat "$TMP/s.err")"
ok=1
for f in "$TMP"/s.*.mslat; do
	[ "$(total "$f" footer)" = 1 ] || ok=0
done
[ "$ok" = 1 ] && pass "keep: kept pieces are complete" || fail "keep: a kept piece has no footer"

# an existing piece is not overwritten without --force
before=$(md5sum <"$TMP/t.0000.mslat")
"$REC" -q --rotate 1h -d 1s -o "$TMP/t.mslat" -p "$a" 2>"$TMP/e.err"
rc=$?
[ "$rc" -eq 1 ] && [ "$(md5sum <"$TMP/t.0000.mslat")" = "$before" ] && grep -q "t.0000.mslat" "$TMP/e.err" &&
	pass "rotate: an existing first piece is not overwritten without --force" || fail "rotate: exit $rc: $(cat "$TMP/e.err")"
finish
