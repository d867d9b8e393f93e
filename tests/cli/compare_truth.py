#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare `mslat report --format json --requests` with a synth ground truth, exactly.

Usage: compare_truth.py REPORT.json TRUTH.json

Every request the generator put in must be found with the same pid, tid, fd,
start, end, latency, queue, time to first byte, sends, bursts, bytes and time
per category and shared, to the nanosecond; incomplete requests must match by
pid, tid, fd and start. Every complete request of the report must add up:
its categories (idle and queue included) + shared + user + run-queue time =
its latency, exactly; the truth's categories + queue + shared never exceed its
latency. Prints the first differences and exits 1 on any.
"""
import json
import sys

CATS = ("net", "file", "sync", "device", "mem", "sleep", "process", "other", "idle")
COMPLETE_FIELDS = ("end_ns", "latency_ns", "ttfb_ns", "sends", "bursts", "bytes_in",
                   "bytes_out", "shared_ns")
MAX_SHOWN = 10


def key(r):
    return (r["start_ns"], r["pid"], r["fd"], r["tid"])


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        rep = json.load(f)
    with open(sys.argv[2]) as f:
        truth = json.load(f)

    errors = []
    got = sorted(rep["requests_list"], key=key)
    want = sorted(truth["list"], key=key)
    tc, ti = truth["requests"]["count"], truth["requests"]["incomplete"]
    if rep["requests"]["count"] != tc:
        errors.append(f"count: got {rep['requests']['count']}, want {tc}")
    if rep["requests"]["incomplete"] != ti:
        errors.append(f"incomplete: got {rep['requests']['incomplete']}, want {ti}")
    if len(got) != len(want):
        errors.append(f"requests listed: got {len(got)}, want {len(want)}")

    gi = {key(r): r for r in got}
    for w in want:
        g = gi.pop(key(w), None)
        name = f"request pid {w['pid']} tid {w['tid']} fd {w['fd']} start {w['start_ns']}"
        if g is None:
            errors.append(f"{name}: missing")
            continue
        if g["complete"] != w["complete"]:
            errors.append(f"{name}: complete {g['complete']}, want {w['complete']}")
            continue
        if not w["complete"]:
            continue
        for k in COMPLETE_FIELDS:
            if g[k] != w[k]:
                errors.append(f"{name}: {k} {g[k]}, want {w[k]}")
        gq = g["queue_ns"] or 0
        if gq != w["queue_ns"]:
            errors.append(f"{name}: queue_ns {gq}, want {w['queue_ns']}")
        for c in CATS:
            if g["categories_ns"][c] != w["categories_ns"][c]:
                errors.append(f"{name}: {c} {g['categories_ns'][c]}, want {w['categories_ns'][c]}")
    for g in got:
        if not g["complete"]:
            continue
        parts = sum(g["categories_ns"].values()) + g["shared_ns"] + g["user_ns"] + g["runq_ns"]
        if parts != g["latency_ns"]:
            errors.append(f"request id {g['id']} start {g['start_ns']}: categories + queue + "
                          f"shared + user + runq = {parts}, latency {g['latency_ns']}")
    for w in want:
        if not w["complete"]:
            continue
        parts = sum(w["categories_ns"].values()) + w["queue_ns"] + w["shared_ns"]
        if parts > w["latency_ns"]:
            errors.append(f"truth: request start {w['start_ns']}: categories + queue + shared "
                          f"= {parts} > latency {w['latency_ns']}")
    for k, g in sorted(gi.items()):
        errors.append(f"unexpected request pid {g['pid']} tid {g['tid']} fd {g['fd']} "
                      f"start {g['start_ns']} (complete {g['complete']})")

    for e in errors[:MAX_SHOWN]:
        print("  " + e)
    if len(errors) > MAX_SHOWN:
        print(f"  … and {len(errors) - MAX_SHOWN} more differences")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
