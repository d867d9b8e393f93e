#!/bin/bash
# SPDX-License-Identifier: MIT
# Golden traces (testdata/*.mslat): synth regenerates each one byte for byte
# (with the same ground truth), and `mslat info` / `mslat dump` print exactly
# the committed testdata/NAME.{info,dump}.expected. A difference is a bug,
# unless it is on purpose: then run scripts/make-golden and commit the result.
#
#   tests/cli/test_golden.sh BUILD_DIR
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
B=$(cd "${1:?usage: tests/cli/test_golden.sh BUILD_DIR}" && pwd)
cd "$(dirname "$0")/../.." || exit 1

DUMP_MAX_BYTES=1048576	# the rule of scripts/make-golden: whole dump up to 1 MiB,
DUMP_HEAD_LINES=2000	# else its first 2000 lines

if ! scripts/make-golden --out "$TMP/regen" "$B" >"$TMP/regen.log" 2>&1; then
	fail "golden: synth regenerates the goldens"
	cat "$TMP/regen.log"
	finish
fi

# Same records, other compressed bytes: only a different zstd library does that.
same_records() {
	zstd -q -dc "$1" >"$TMP/a.raw" 2>/dev/null && zstd -q -dc "$2" >"$TMP/b.raw" 2>/dev/null &&
		cmp -s "$TMP/a.raw" "$TMP/b.raw"
}

dump_rule() {
	if [ "$(wc -c <"$1")" -gt $DUMP_MAX_BYTES ]; then
		head -n $DUMP_HEAD_LINES "$1"
	else
		cat "$1"
	fi
}

n=0
for t in testdata/*.mslat; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .mslat)
	n=$((n + 1))
	new=$TMP/regen/$name.mslat
	if [ ! -e "$new" ]; then
		fail "$name/synth: not in scripts/make-golden's list"
	elif cmp -s "$t" "$new" && cmp -s "testdata/$name.truth.json" "$TMP/regen/$name.truth.json"; then
		pass "$name/synth"
	elif same_records "$t" "$new" && cmp -s "testdata/$name.truth.json" "$TMP/regen/$name.truth.json"; then
		pass "$name/synth (same records; compressed bytes differ: another zstd version?)"
	else
		fail "$name/synth: regenerated trace or truth differs from the committed one"
		cmp "$t" "$new"
		diff <(head -c 2000 "testdata/$name.truth.json") <(head -c 2000 "$TMP/regen/$name.truth.json") | head -20
	fi

	if "$B/mslat" info "$t" >"$TMP/$name.info" 2>"$TMP/$name.info.err" &&
		diff -u "testdata/$name.info.expected" "$TMP/$name.info" >"$TMP/$name.info.diff"; then
		pass "$name/info"
	else
		fail "$name/info: differs from testdata/$name.info.expected"
		cat "$TMP/$name.info.diff" "$TMP/$name.info.err" 2>/dev/null | head -n 30 | cut -c1-300
	fi

	if "$B/mslat" dump "$t" >"$TMP/$name.dump.full" 2>"$TMP/$name.dump.err"; then
		dump_rule "$TMP/$name.dump.full" >"$TMP/$name.dump"
		if diff -u "testdata/$name.dump.expected" "$TMP/$name.dump" >"$TMP/$name.dump.diff"; then
			pass "$name/dump"
		else
			fail "$name/dump: differs from testdata/$name.dump.expected"
			head -n 30 "$TMP/$name.dump.diff" | cut -c1-300
		fi
	else
		fail "$name/dump: exit status $?"
		head -n 5 "$TMP/$name.dump.err"
	fi

	# The portable varint decoders, which CPUs without a fast pext use, give the same dump.
	if MSLAT_NO_BMI2=1 "$B/mslat" dump "$t" 2>/dev/null | cmp -s - "$TMP/$name.dump.full"; then
		pass "$name/dump: the same with MSLAT_NO_BMI2=1"
	else
		fail "$name/dump: differs with MSLAT_NO_BMI2=1"
	fi
done
[ "$n" -gt 0 ] || fail "golden: no testdata/*.mslat"
finish
