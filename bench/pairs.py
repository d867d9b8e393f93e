#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Two builds of mslat on one trace, at the same time: a CPU-time ratio.

On the shared VMs this project is measured on, the clock a process gets
moves by up to 2x from one tenth of a second to the next (tests/cpuclock).
Runs taken one after the other then differ by more than most changes do.
Here the old and the new build run at the same time, one pinned to each of
the first two CPUs, and swap CPUs every pair, so both see the same moment
of the host; N pairs give the quartiles of new/old CPU time (user + system,
from wait4, to the microsecond). Same-build pairs on a 2M-event trace have
quartiles 2-8% either side of 1, so the median of 41 pairs is good to about
2%: smaller changes need more pairs, or callgrind's instruction counts.

  bench/pairs.py [-n PAIRS] OLD_MSLAT NEW_MSLAT TRACE [-- MSLAT_ARGS...]

MSLAT_ARGS default to "report"; the trace comes last.
"""
import argparse
import os
import statistics
import sys


def start(binary, args, cpu):
    pid = os.fork()
    if pid == 0:
        try:
            os.sched_setaffinity(0, {cpu})
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.execv(binary, [binary] + args)
        finally:
            os._exit(127)
    return pid


def pair(old, new, args, swap):
    cpus = (1, 0) if swap else (0, 1)
    pids = {start(old, args, cpus[0]): 'old', start(new, args, cpus[1]): 'new'}
    cpu, failed = {}, []
    for _ in range(2):	# both, before any error: no run left behind
        pid, status, ru = os.wait4(-1, 0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            failed.append(pids[pid])
        cpu[pids[pid]] = ru.ru_utime + ru.ru_stime
    for which in sorted(failed, reverse=True):	# "old" first
        binary = old if which == 'old' else new
        print(f"pairs: the {which} build failed: {binary} {' '.join(args)}", file=sys.stderr)
    if failed:
        sys.exit(1)
    return cpu['old'], cpu['new']


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('-n', '--pairs', type=int, default=41, help='pairs to run (default 41)')
    ap.add_argument('old')
    ap.add_argument('new')
    ap.add_argument('trace')
    ap.add_argument('mslat_args', nargs='*', help='after --: mslat arguments (default: report)')
    a = ap.parse_args()
    if a.pairs < 1:
        ap.error(f"--pairs: {a.pairs} is not a positive number")
    for path in (a.old, a.new):
        if not os.access(path, os.X_OK):
            ap.error(f"'{path}' is not an executable")
    if not os.path.isfile(a.trace):
        ap.error(f"'{a.trace}' is not a file")
    if len(os.sched_getaffinity(0)) < 2:
        ap.error("needs two CPUs to run on")
    args = (a.mslat_args or ['report']) + [a.trace]
    olds, news, ratios = [], [], []
    for i in range(a.pairs):
        o, n = pair(a.old, a.new, args, i % 2 == 1)
        olds.append(o)
        news.append(n)
        ratios.append(n / o if o > 0 else float('inf'))
    ratios.sort()
    q = lambda f: ratios[min(len(ratios) - 1, int(f * len(ratios)))]
    print(f"pairs {a.pairs}: old median {statistics.median(olds):.4f} s, fastest {min(olds):.4f} s; "
          f"new median {statistics.median(news):.4f} s, fastest {min(news):.4f} s")
    print(f"new/old CPU time: median {statistics.median(ratios):.3f}, quartiles {q(0.25):.3f} {q(0.75):.3f}, "
          f"fastest/fastest {min(news) / min(olds):.3f}")


if __name__ == '__main__':
    main()
