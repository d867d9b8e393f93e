#!/bin/bash
# SPDX-License-Identifier: MIT
# Server-side vs client-side latency on loopback: the demo model server and
# nginx under the load generator, recorded with arrival records (the default)
# and without, at 4 and 16 connections. mslat's p50 should be within 100 µs of
# what the client measured when arrivals are recorded (the queue wait is then
# part of the request), and below it without. A benchmark, not a test: the
# figures depend on the machine. Needs root (BPF).
#
# The load generator runs at the lowest real-time priority (chrt -f 1): on one
# small machine its threads would otherwise wait in the run queue behind the
# server's after each response arrives, a delay a client on its own host does
# not have and the server cannot see (docs/performance.md). It still measures
# what a client measures, from its write to the last byte read; the CPU it
# takes now delays the server, where mslat sees it. BENCH_CLIENT_SCHED=""
# runs it like any other process.
#
# With --breakdown it instead records the demo server and the load generator
# together (--sched) at 16 connections, without and with the priority, and
# splits each request's client-minus-server difference into the time from the
# client's write to the request's arrival and from the server's last write
# exit to the client's read exit, with the client's run-queue wait in the
# latter. Recording the client slows it a little.
set -u
B=${1:?usage: bench/correlation.sh BUILD_DIR [--breakdown]}
MODE=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "correlation bench: skipped: needs root for mslat-record"; exit 0; }
T=$(mktemp -d /tmp/mslat-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
PATH=$PATH:/usr/sbin
N=${BENCH_REQUESTS:-20000}
CLIENT_SCHED=${BENCH_CLIENT_SCHED-chrt -f 1}
if [ -n "$CLIENT_SCHED" ] && ! $CLIENT_SCHED true 2>/dev/null; then
	echo "correlation bench: warning: cannot run '$CLIENT_SCHED'; the load generator runs unprioritised" >&2
	CLIENT_SCHED=
fi

json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# record NAME ARRIVALS_FLAG -- COMMAND...: starts the recorder; sets REC.
record() {
	local name=$1 flag=$2 i
	shift 3
	"$B/mslat-record" -o "$T/$name.mslat" --force $flag -- "$@" >"$T/$name.out" 2>"$T/$name.err" &
	REC=$!
	for i in $(seq 200); do
		grep -q recording "$T/$name.err" 2>/dev/null && return 0
		sleep 0.05
	done
	# Never leave a recorder (and its BPF programs) behind.
	kill -INT "$REC" 2>/dev/null
	wait "$REC" 2>/dev/null
	return 1
}

row() {	# server conns arrivals client.json trace
	local rep=$T/rep.json s c
	"$B/mslat" report --format json -o "$rep" "$5" 2>/dev/null || { echo "report failed"; return; }
	s=$(json "$rep" 'd["requests"]["latency_ns"]["p50"]')
	c=$(json "$4" 'd["latency_ns"]["p50"]')
	printf '%-8s %5s %-9s %9s %12s %12s %10s\n' "$1" "$2" "$3" \
		"$(json "$rep" 'd["requests"]["count"]')" "$((c / 1000))µs" "$((s / 1000))µs" "$(((c - s) / 1000))µs"
}

demo() {	# conns arrivals-flag label
	local port i
	record demo "$2" -- "$B/demo-server" --port 0 --threads 16 --slow-fraction 0 \
		--weights "$root/testdata/model/mlp.bin" || { echo "recorder did not start"; return; }
	for i in $(seq 100); do
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/demo.out")
		[ -n "$port" ] && break
		sleep 0.05
	done
	$CLIENT_SCHED "$B/loadgen" -q --port "$port" -c "$1" -n "$N" -o "$T/client.json"
	kill -INT "$REC"; wait "$REC"
	row demo "$1" "$3" "$T/client.json" "$T/demo.mslat"
}

nginx_run() {	# conns arrivals-flag label
	local port prefix=$T/nginx i
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	mkdir -p "$prefix/html" "$prefix/logs" && chmod 755 "$prefix" "$prefix/html"
	echo hello >"$prefix/html/index.html"
	cat >"$prefix/nginx.conf" <<NGINX
worker_processes 1; daemon off; error_log $prefix/logs/error.log; pid $prefix/nginx.pid;
events { worker_connections 256; }
http { access_log off; keepalive_requests 1000000; client_body_temp_path $prefix/tmp;
	proxy_temp_path $prefix/tmp; fastcgi_temp_path $prefix/tmp; uwsgi_temp_path $prefix/tmp;
	scgi_temp_path $prefix/tmp; server { listen 127.0.0.1:$port; root $prefix/html; } }
NGINX
	record nginx "$2" -- nginx -p "$prefix" -c "$prefix/nginx.conf" || { echo "recorder did not start"; return; }
	for i in $(seq 100); do
		"$B/loadgen" -q --port "$port" -c 1 -n 1 -X GET --path /index.html -o /dev/null 2>/dev/null && break
		sleep 0.05
	done
	$CLIENT_SCHED "$B/loadgen" -q --port "$port" -c "$1" -n "$N" -X GET --path /index.html -o "$T/client.json"
	kill -INT "$REC"; wait "$REC"
	row nginx "$1" "$3" "$T/client.json" "$T/nginx.mslat"
}

# split TRACE SERVER_PID LOADGEN_PID: joins each server request (arrival, read,
# write) to the client write its bytes arrived in and the client reads after
# it; prints the p50s of the parts.
split() {
	"$B/mslat" dump --format jsonl "$1" | python3 -c '
import sys, json, bisect, collections
S, L = int(sys.argv[1]), int(sys.argv[2])
io = collections.defaultdict(list)	# (pid, fd) -> [(enter, exit, syscall, tid)]
arr = collections.defaultdict(list)	# (pid, fd) -> arrival times
runq = collections.defaultdict(list)	# tid -> [(start, end)]
for line in sys.stdin:
    d = json.loads(line)
    if d["type"] == "event" and d["pid"] in (S, L) and d["fd_kind"] == "tcp" and d["ret"] > 0 \
            and d["syscall"] in ("read", "write"):
        io[d["pid"], d["fd"]].append((d["enter_ns"], d["enter_ns"] + d["duration_ns"], d["syscall"], d["tid"]))
    elif d["type"] == "arrival" and d["what"] == "data":
        arr[d["pid"], d["fd"]].append(d["time_ns"])
    elif d["type"] == "sched" and d["what"] == "runq":
        runq[d["tid"]].append((d["time_ns"], d["time_ns"] + d["duration_ns"]))
for v in list(io.values()) + list(arr.values()):
    v.sort()
def waited(tid, a, b):
    return sum(min(e, b) - max(s, a) for s, e in runq[tid] if s < b and e > a)
writes = sorted((x[0], x[1], k, i) for k, v in io.items() if k[0] == L
                for i, x in enumerate(v) if x[2] == "write")
enters = [w[0] for w in writes]
rows = []
for k, v in io.items():
    if k[0] != S:
        continue
    a, ai = arr[k], 0
    for r, w in zip(v, v[1:]):	# a request: one read, then one write
        if r[2] != "read" or w[2] != "write":
            continue
        while ai + 1 < len(a) and a[ai + 1] <= r[1]:
            ai += 1
        if ai >= len(a) or a[ai] > r[1]:
            continue
        s0, ai = a[ai], ai + 1
        j = bisect.bisect_right(enters, s0) - 1
        if j < 0 or s0 > writes[j][1]:
            continue
        c0, _, ck, ci = writes[j]
        cv, n = io[ck], ci + 1
        while n < len(cv) and cv[n][2] == "read":
            n += 1
        if n > ci + 1:
            rows.append((c0, s0, w[1], cv[n - 1][1], cv[ci][3]))
def p50(xs):
    xs = sorted(xs)
    return xs[(len(xs) + 1) // 2 - 1] / 1e3
print("%9d %9.0fµs %9.0fµs %9.1fµs %9.1fµs %9.1fµs %9.1fµs" % (len(rows),
      p50([c1 - c0 for c0, s0, s1, c1, t in rows]), p50([s1 - s0 for c0, s0, s1, c1, t in rows]),
      p50([(c1 - c0) - (s1 - s0) for c0, s0, s1, c1, t in rows]),
      p50([s0 - c0 for c0, s0, s1, c1, t in rows]), p50([c1 - s1 for c0, s0, s1, c1, t in rows]),
      p50([waited(t, s1, c1) for c0, s0, s1, c1, t in rows])))
' "$2" "$3"
}

# breakdown CONNS LABEL [PREFIX...]: both programs under one recorder.
breakdown() {
	local conns=$1 label=$2 pids
	shift 2
	if ! "$B/mslat-record" -o "$T/both.mslat" --force --sched -- \
		"$root/scripts/demo-with-client" "$B" "$T" "$conns" "$N" "$T/client.json" "$@" \
		>/dev/null 2>"$T/both.err"; then
		echo "recording failed: $(head -3 "$T/both.err")"
		return
	fi
	read -r -a pids <"$T/pids"
	printf '%-20s' "$label"
	split "$T/both.mslat" "${pids[0]}" "${pids[1]}"
}

if [ "$MODE" = --breakdown ]; then
	echo "demo server and load generator recorded together (--sched), 16 connections, $N requests; p50s per request"
	printf '%-20s %9s %11s %11s %11s %11s %11s %11s\n' "load generator" requests client server \
		difference "to arrival" "after write" "client-runq"
	breakdown 16 "default scheduling"
	# shellcheck disable=SC2086
	[ -z "$CLIENT_SCHED" ] || breakdown 16 "$CLIENT_SCHED" $CLIENT_SCHED
	exit 0
fi

echo "server-side vs client-side p50 on loopback, $N requests a run, load generator: ${CLIENT_SCHED:-default scheduling}"
printf '%-8s %5s %-9s %9s %12s %12s %10s\n' server conns arrivals requests client-p50 mslat-p50 difference
for c in 4 16; do
	demo "$c" "" yes
	demo "$c" --no-arrivals no
	if command -v nginx >/dev/null; then
		nginx_run "$c" "" yes
		nginx_run "$c" --no-arrivals no
	fi
done
echo "target: with arrivals, difference <= 100µs"
