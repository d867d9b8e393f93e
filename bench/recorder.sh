#!/bin/bash
# SPDX-License-Identifier: MIT
# Recorder overhead, side by side in one run: W1 (syscall-bound: ns added per
# syscall) and W2 (loopback request/response server: throughput and p99
# ratios), untraced vs mslat-record vs peer tracers (bpftrace count, perf
# record...), interleaved by the peer harness (../shared/bench, copied to a
# temporary directory). Prints ratios and the issue's targets; docs/performance.md
# explains the columns.
#
#   bench/recorder.sh BUILD_DIR
#   REPS=3 W1_CONFIGS='mslat bt_count perf_record' W2_CONFIGS='mslat bt_count' SECS=5
#   PEERS=/path/to/shared/bench   (default: ../shared/bench beside the checkout)
set -u
cd "$(dirname "$0")/.."
build=$(cd "${1:?usage: bench/recorder.sh BUILD_DIR}" && pwd)
REPS=${REPS:-3}
W1_N=${W1_N:-1000000}
SECS=${SECS:-5}
W1_CONFIGS=${W1_CONFIGS:-mslat bt_count perf_record}
W2_CONFIGS=${W2_CONFIGS:-mslat bt_count}
PEERS=${PEERS:-}
for p in "$PEERS" ../shared/bench /work/shared/bench; do
	[ -n "$p" ] && [ -f "$p/run_w1.sh" ] && PEERS=$p && break
done
say() { echo "recorder: $*"; }
if [ "$(id -u)" != 0 ]; then
	say "skipped: needs root to load BPF programs"
	exit 0
fi
if [ ! -x "$build/mslat-record" ] || [ ! -x "$build/tests/tracecheck" ]; then
	say "skipped: $build/mslat-record or $build/tests/tracecheck is not built"
	exit 0
fi
if [ ! -f "$PEERS/run_w1.sh" ]; then
	say "skipped: the peer harness (../shared/bench) is not here; set PEERS=DIR"
	exit 0
fi

work=$(mktemp -d /tmp/mslat-bench.XXXXXX)
mounted_tracefs=0
cleanup() {
	[ "$mounted_tracefs" = 1 ] && umount /sys/kernel/tracing 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cp -r "$PEERS" "$work/peers"
(cd "$work/peers" && ./build.sh >"$work/build.log" 2>&1) || { say "cannot build the peer workloads: $(tail -n 3 "$work/build.log")"; exit 1; }
# bpftrace's tracepoint probes need tracefs; mount it for the run if nobody has
if [ ! -e /sys/kernel/tracing/events ] && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
	mounted_tracefs=1
fi

export MSLAT_RECORD=$build/mslat-record MSLAT_BIN=$build/mslat MSLAT_ROOT=$(pwd)
export KEEP_FILES=1 QUIET_MAX=${QUIET_MAX:-10} OUTROOT=$work/results
say "W1: $W1_N syscalls, $REPS reps, configs: none $W1_CONFIGS"
(cd "$work/peers" && N=$W1_N MAX_ATTEMPTS=${MAX_ATTEMPTS:-2} ./run_w1.sh "$REPS" $W1_CONFIGS >"$work/w1.log" 2>&1)
say "W2: ${SECS}s per run, $REPS reps, configs: none $W2_CONFIGS"
(cd "$work/peers" && SECS=$SECS ./run_w2.sh "$REPS" $W2_CONFIGS >"$work/w2.log" 2>&1)

# the recorder's own count of events and losses, from its trace files
for f in "$work"/results/*/r*_mslat_a*/mslat.mslat; do
	[ -f "$f" ] || continue
	"$build/tests/tracecheck" "$f" 2>/dev/null | awk -F'\t' '$1=="T" { print $2 }' >"$(dirname "$f")/tracecheck.txt"
done

python3 - "$work/results" <<'EOF'
import csv, glob, os, statistics, sys

root = sys.argv[1]
def rows(pattern):
    out = []
    for tsv in glob.glob(os.path.join(root, pattern, "runs.tsv")):
        with open(tsv) as f:
            for r in csv.DictReader(f, delimiter="\t"):
                if r["status"] == "final":
                    r["_dir"] = os.path.join(os.path.dirname(tsv), "r%s_%s_a%s" % (r["rep"], r["config"], r["attempt"]))
                    out.append(r)
    return out
def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None
def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None
def tc(d):
    try:
        kv = dict(x.split("=") for x in open(os.path.join(d, "tracecheck.txt")).read().split())
        return int(kv["events"]), int(kv["lost"])
    except (OSError, KeyError, ValueError):
        return None, None
def fmt(v, p="%.0f"):
    return "NA" if v is None else p % v

w1 = rows("w1_*")
base = {r["rep"]: num(r["ns_per_syscall"]) for r in w1 if r["config"] == "none"}
cfgs = []
for r in w1:
    if r["config"] not in cfgs:
        cfgs.append(r["config"])
added = {}
print("\nW1 (syscall-bound, %s syscalls; medians; added = paired with the untraced run of the same rep)" % (w1[0]["n"] if w1 else "?"))
print("%-12s %10s %10s %8s %10s %10s %12s %10s" % ("config", "ns/syscall", "added ns", "ratio", "captured", "lost", "rec ns/event", "B/event"))
for c in cfgs:
    rs = [r for r in w1 if r["config"] == c]
    ns = med([num(r["ns_per_syscall"]) for r in rs])
    add = med([num(r["ns_per_syscall"]) - base[r["rep"]] for r in rs if base.get(r["rep"]) and num(r["ns_per_syscall"])])
    added[c] = add
    ratio = med([num(r["ns_per_syscall"]) / base[r["rep"]] for r in rs if base.get(r["rep"]) and num(r["ns_per_syscall"])])
    cap = lost = cpu = bpe = None
    if c.startswith("mslat"):
        ev = [tc(r["_dir"]) for r in rs]
        cap = med([e for e, _ in ev if e is not None])
        lost = med([l for _, l in ev if l is not None])
        cpu = med([(num(r["tracer_user_s"]) + num(r["tracer_sys_s"])) * 1e9 / e for r, (e, _) in zip(rs, ev)
                   if e and num(r["tracer_user_s"]) is not None and num(r["tracer_sys_s"]) is not None])
        bpe = med([num(r["out_bytes"]) / e for r, (e, _) in zip(rs, ev) if e and num(r["out_bytes"])])
    else:
        cap = med([num(x["captured"]) for x in rs])
        lost = ",".join(sorted(set(x["lost"] for x in rs))) or None
    print("%-12s %10s %10s %8s %10s %10s %12s %10s" % (c, fmt(ns, "%.1f"), fmt(add), fmt(ratio, "%.2f"), fmt(cap),
          lost if isinstance(lost, str) else fmt(lost), fmt(cpu), fmt(bpe, "%.2f")))

w2 = rows("w2_*")
b2 = {r["rep"]: r for r in w2 if r["config"] == "none"}
print("\nW2 (loopback request/response server; medians; ratios paired with the untraced run of the same rep)")
print("%-12s %10s %10s %8s %8s %12s %10s %10s" % ("config", "req/s", "tput ratio", "p99 us", "p99 ratio", "srv syscalls", "captured", "lost"))
w2cfgs = []
for r in w2:
    if r["config"] not in w2cfgs:
        w2cfgs.append(r["config"])
for c in w2cfgs:
    rs = [r for r in w2 if r["config"] == c]
    tput = med([num(r["rps"]) / num(b2[r["rep"]]["rps"]) for r in rs if r["rep"] in b2 and num(r["rps"]) and num(b2[r["rep"]]["rps"])])
    p99 = med([num(r["p99_us"]) / num(b2[r["rep"]]["p99_us"]) for r in rs if r["rep"] in b2 and num(r["p99_us"]) and num(b2[r["rep"]]["p99_us"])])
    cap = lost = None
    if c.startswith("mslat"):
        ev = [tc(r["_dir"]) for r in rs]
        cap = med([e for e, _ in ev if e is not None])
        lost = med([l for _, l in ev if l is not None])
    print("%-12s %10s %10s %8s %8s %12s %10s %10s" % (c, fmt(med([num(r["rps"]) for r in rs])), fmt(tput, "%.2f"),
          fmt(med([num(r["p99_us"]) for r in rs]), "%.1f"), fmt(p99, "%.2f"), fmt(med([num(r["srv_syscalls"]) for r in rs])),
          fmt(cap), fmt(lost)))

print("\nTargets (issue 3):")
if added.get("mslat") and added.get("bt_count"):
    r = added["mslat"] / added["bt_count"]
    print("  added ns/syscall, mslat / bt_count: %.0f / %.0f = %.2f (target <= 1.5)" % (added["mslat"], added["bt_count"], r))
EOF
say "raw results: $(ls -d "$work"/results/* | tr '\n' ' ')(removed at exit; KEEP=1 keeps them)"
if [ "${KEEP:-0}" = 1 ]; then
	trap - EXIT
	[ "$mounted_tracefs" = 1 ] && umount /sys/kernel/tracing 2>/dev/null
	say "kept $work"
fi
