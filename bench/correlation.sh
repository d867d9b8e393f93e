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
set -u
B=${1:?usage: bench/correlation.sh BUILD_DIR}
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
