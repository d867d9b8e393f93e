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

# any piece rotation would reach counts, not only the first: refused at start-up
echo precious >"$TMP/g.0003.mslat"
"$REC" -q --rotate 1h -d 1s -o "$TMP/g.mslat" -p "$a" 2>"$TMP/g.err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "g.0003.mslat" "$TMP/g.err" && grep -q "hint: add --force" "$TMP/g.err" && [ ! -e "$TMP/g.0000.mslat" ] &&
	[ "$(cat "$TMP/g.0003.mslat")" = precious ] && pass "rotate: a later existing piece is refused at start-up, with a hint" ||
	fail "rotate: later piece, exit $rc: $(cat "$TMP/g.err")"
echo precious >"$TMP/g2.00042.mslat"	# a name rotation never uses
"$REC" -q --rotate 1h -d 300ms -o "$TMP/g2.mslat" -p "$a" 2>"$TMP/g2.err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(total "$TMP/g2.0000.mslat" footer)" = 1 ] && pass "rotate: other names beside the pieces do not count" ||
	fail "rotate: g2, exit $rc: $(cat "$TMP/g2.err")"
"$REC" -q -f --rotate 1h -d 300ms -o "$TMP/g.mslat" -p "$a" 2>"$TMP/g3.err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(total "$TMP/g.0000.mslat" footer)" = 1 ] && pass "rotate: --force records over old pieces" || fail "rotate: --force, exit $rc: $(cat "$TMP/g3.err")"

# a piece that cannot be created mid-recording (it appeared meanwhile): the
# current piece gets its footer, the command is stopped (SIGTERM, bounded), exit 1
if start_rec "$TMP/m.err" --rotate 500ms -o "$TMP/m.mslat" -- "$W" spin; then
	echo precious >"$TMP/m.0002.mslat"
	t0=$(date +%s%N)
	if wait_exit "$REC_PID" 15; then
		wait "$REC_PID"
		rc=$?
		ms=$((($(date +%s%N) - t0) / 1000000))
		r0=$(trace "$TMP/m.0000.mslat" 2>/dev/null | awk -F'\t' '$1=="F" { print $2 }')
		r1=$(trace "$TMP/m.0001.mslat" 2>/dev/null | awk -F'\t' '$1=="F" { print $2 }')
		[ "$rc" -eq 1 ] && [ "$ms" -lt 5000 ] && pass "rotate: next piece not creatable, exit 1 after ${ms} ms" ||
			fail "rotate: next piece not creatable, exit $rc after ${ms} ms: $(cat "$TMP/m.err")"
		[ "$r0" = 3 ] && [ "$r1" = 4 ] && [ "$(total "$TMP/m.0001.mslat" footer)" = 1 ] &&
			pass "rotate: the current piece closed with a footer (reason error)" || fail "rotate: footers '$r0' '$r1'"
		[ "$(cat "$TMP/m.0002.mslat")" = precious ] && grep -q "cannot create '$TMP/m.0002.mslat'" "$TMP/m.err" &&
			pass "rotate: the existing file untouched, the error names it" || fail "rotate: $(cat "$TMP/m.err")"
	else
		kill -9 "$REC_PID"
		fail "rotate: the recorder did not stop within 15 s when a piece could not be created"
	fi
else
	fail "rotate: the recorder did not start: $(cat "$TMP/m.err")"
fi
# the same with -p: the target runs on
if start_rec "$TMP/mp.err" --rotate 500ms -o "$TMP/mp.mslat" -p "$a"; then
	echo precious >"$TMP/mp.0001.mslat"
	if wait_exit "$REC_PID" 15; then
		wait "$REC_PID"
		rc=$?
		[ "$rc" -eq 1 ] && [ "$(total "$TMP/mp.0000.mslat" footer)" = 1 ] && kill -0 "$a" &&
			pass "rotate: -p, exit 1, footer, the target runs on" || fail "rotate: -p, exit $rc: $(cat "$TMP/mp.err")"
	else
		kill -9 "$REC_PID"
		fail "rotate: -p, the recorder did not stop within 15 s"
	fi
else
	fail "rotate: -p, the recorder did not start: $(cat "$TMP/mp.err")"
fi
finish
