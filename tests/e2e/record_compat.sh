#!/bin/bash
# SPDX-License-Identifier: MIT
# The compat BPF variant (no bpf_rdonly_cast kfunc, oldest tracepoint
# arguments), forced with the test-only MSLAT_RECORD_FORCE_COMPAT=1: -v names
# the variant; every fd kind comes out as with the fast variant; the
# recorder's workload and loss suites pass unchanged under it.
. "$(dirname "$0")/record_lib"
need_bpf record_compat

# -v names the variant: fast exactly when the kernel's BTF has the kfunc
"$REC" -v -o "$TMP/v.mslat" -- true 2>"$TMP/v.err"
want=compat
if command -v bpftool >/dev/null && bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
	grep -q "FUNC 'bpf_rdonly_cast'"; then
	want=fast
fi
grep -q "info: BPF variant: $want " "$TMP/v.err" && pass "compat: -v says the $want variant is loaded here" ||
	fail "compat: want the $want variant: $(grep -i variant "$TMP/v.err")"
MSLAT_RECORD_FORCE_COMPAT=1 "$REC" -v -o "$TMP/vc.mslat" -- true 2>"$TMP/vc.err"
grep -q "info: BPF variant: compat " "$TMP/vc.err" && pass "compat: MSLAT_RECORD_FORCE_COMPAT=1 loads the compat variant" ||
	fail "compat: forced: $(grep -i variant "$TMP/vc.err")"

# one fstat(2) per fd kind: the same kinds from both variants
for v in 0 1; do
	MSLAT_RECORD_FORCE_COMPAT=$v "$REC" -q -e fstat -o "$TMP/k$v.mslat" -- "$W" kinds 2>"$TMP/k$v.err" | cat >"$TMP/k$v.out"
	trace "$TMP/k$v.mslat" | awk -F'\t' '$1=="E" && $4=="fstat" { print $5 "=" $6 }' | sort >"$TMP/k$v.got"
	pid=$(kv "$TMP/k$v.out" pid)
	sed -n 's/^\([a-z-]*\)=\([0-9]*\)$/\2=\1/p' "$TMP/k$v.out" | grep -v "=pid$" | sort >"$TMP/k$v.want"
	tag=$([ $v = 1 ] && echo compat || echo fast)
	if [ -s "$TMP/k$v.want" ] && diff "$TMP/k$v.want" "$TMP/k$v.got" >"$TMP/k$v.diff"; then
		pass "compat: $tag variant: fd kinds $(cut -d= -f2 "$TMP/k$v.want" | tr '\n' ' ')"
	else
		fail "compat: $tag variant: fd kinds (want < > got): $(tr '\n' ' ' <"$TMP/k$v.diff") $(cat "$TMP/k$v.err")"
	fi
done

# the known workload: identical per-syscall, per-fd-kind counts from both variants
for v in 0 1; do
	MSLAT_RECORD_FORCE_COMPAT=$v "$REC" -q -o "$TMP/w$v.mslat" -- "$W" known 50 20 7 "$TMP" 2>/dev/null | cat >/dev/null
	trace "$TMP/w$v.mslat" | awk -F'\t' '$1=="E" { print $4, $6 }' | sort | uniq -c >"$TMP/w$v.cnt"
done
if [ -s "$TMP/w0.cnt" ] && diff "$TMP/w0.cnt" "$TMP/w1.cnt" >"$TMP/w.diff"; then
	pass "compat: known workload: the same $(wc -l <"$TMP/w0.cnt") (syscall, fd kind) counts as the fast variant"
else
	fail "compat: known workload differs (fast < > compat): $(tr '\n' ' ' <"$TMP/w.diff")"
fi

# the recorder's suites, unchanged, under the compat variant
for suite in record_workload record_loss; do
	MSLAT_RECORD_FORCE_COMPAT=1 bash "$(dirname "$0")/$suite.sh" "$B" >"$TMP/$suite.log" 2>&1
	rc=$?
	sed -n 's/^\(PASS\|FAIL\|SKIP\) /\1 compat: /p' "$TMP/$suite.log"
	grep -q '^PASS' "$TMP/$suite.log" || fail "compat: $suite: no test passed (exit status $rc)"
	[ "$rc" -eq 0 ] || failures=$((failures + 1))
done
finish
