#!/bin/bash
# SPDX-License-Identifier: MIT
# End to end: real servers (the demo model server, nginx, nginx as a reverse
# proxy, python, gunicorn, Flask, FastAPI under uvicorn, Go) recorded under a load
# generator with a fixed request count, at 4 and 16 connections (some at one
# of them only, to keep the test short). mslat must find
# the requests sent (±0.5%) and its server-side p50 must not exceed the client's.
# Then the demo server and the load generator under one --sched recorder, over
# several frames: every request must start at its arrival record.
. "$(dirname "$0")/lib.sh"
B=${1:?usage: test_correlation.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
why=$(bpf_unavailable)
if [ -n "$why" ]; then
	skip "correlation end to end: $why"
	finish
fi

# check_run NAME N CLIENT_JSON TRACE
check_run() {
	local name=$1 n=$2 client=$3 trace=$4 rep=$TMP/report.json found lo hi sp50 hp50 cp50
	rm -f "$rep"	# further checks read it
	if ! "$B/mslat" report --format json -o "$rep" "$trace" 2>"$TMP/report.err"; then
		fail "$name: report failed: $(head -3 "$TMP/report.err")"
		return
	fi
	found=$(json "$rep" 'd["requests"]["count"]')
	lo=$((n - n / 200)) hi=$((n + n / 200))
	if [ "$found" -ge "$lo" ] && [ "$found" -le "$hi" ]; then
		pass "$name: $found requests found of $n sent"
	else
		fail "$name: $found requests found of $n sent (want $lo..$hi)"
	fi
	# The exact p50 (nearest rank, as the client's) of the requests listed:
	# the histogram's is a bucket's middle, up to 0.4% off, which at 5 ms
	# is more than the 12-20 us the client's own calls add.
	if ! "$B/mslat" report --format json --requests -o "$TMP/requests.json" "$trace" \
		2>/dev/null; then
		fail "$name: report --requests failed"
		return
	fi
	read -r sp50 hp50 < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
lat = sorted(r["latency_ns"] for r in d["requests_list"] if r["complete"])
print(lat[(len(lat) + 1) // 2 - 1] if lat else None, d["requests"]["latency_ns"]["p50"])
' "$TMP/requests.json")
	rm -f "$TMP/requests.json"
	cp50=$(json "$client" 'd["latency_ns"]["p50"]')
	if [ "$sp50" != None ] && [ "$sp50" -le "$cp50" ]; then
		pass "$name: server p50 ${sp50}ns <= client p50 ${cp50}ns (the report's: ${hp50}ns)"
	else
		fail "$name: server p50 ${sp50}ns > client p50 ${cp50}ns (the report's: ${hp50}ns)"
	fi
	if [ "$sp50" != None ] && [ "$hp50" != None ] &&
		[ "$(((hp50 > sp50 ? hp50 - sp50 : sp50 - hp50) * 1000))" -le "$((sp50 * 4))" ]; then
		pass "$name: the report's p50 ${hp50}ns within 0.4% of the exact ${sp50}ns"
	else
		fail "$name: the report's p50 ${hp50}ns, the exact ${sp50}ns: more than 0.4% apart"
	fi
}

# check_queued NAME WANT: at least WANT requests of check_run's report have a queue time.
check_queued() {
	local queued found
	queued=$(json "$TMP/report.json" 'd["requests"]["queue_ns"]["count"]')
	found=$(json "$TMP/report.json" 'd["requests"]["count"]')
	if [ "$queued" -ge "$2" ]; then
		pass "$1: $queued of $found requests have a queue time"
	else
		fail "$1: $queued of $found requests have a queue time (want >= $2)"
	fi
}

# listening_port FILE: the port the demo server printed into FILE, waiting up to 5 s.
listening_port() {
	local i port=
	for i in $(seq 100); do
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1")
		[ -n "$port" ] && break
		sleep 0.05
	done
	echo "$port"
}

# answers PORT PATH [TRIES]: wait (TRIES x 50 ms, 5 s by default) until an
# HTTP server answers a GET of PATH on PORT.
answers() {
	local i
	for i in $(seq "${3:-100}"); do
		"$B/loadgen" -q --port "$1" -c 1 -n 1 -X GET --path "$2" -o /dev/null 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

demo_run() {
	local conns=$1 n=$2 trace=$TMP/demo-$1.mslat port i
	if ! start_recorder "$trace" "$TMP/demo" -- "$B/demo-server" --port 0 --threads 4 \
		--weights "$root/testdata/model/mlp.bin"; then
		fail "demo server, $conns connections: recorder did not start: $(head -3 "$TMP/demo.err")"
		return
	fi
	port=$(listening_port "$TMP/demo.out")
	"$B/loadgen" -q --port "$port" -c "$conns" -n "$n" -o "$TMP/client.json" ||
		fail "demo server, $conns connections: load generator failed"
	stop_recorder || fail "demo server: recorder exit status $?"
	check_run "demo server, $conns connections" "$n" "$TMP/client.json" "$trace"
}

# nginx_run CONNS N [UPSTREAM_PORT [MODE]]: nginx serving a small file, or, with
# UPSTREAM_PORT, a reverse proxy to the demo server there (not recorded) over
# keep-alive upstream connections. nginx's own connections to its upstream
# hold no requests: before the analyzer knew them, 200 client requests were
# found as 396 (each read of the upstream's reply started one).
# With MODE "slow", slow_downloads' clients instead of the load generator.
# With MODE "daemon", nginx as it runs by default: the command forks the
# master and exits at once. The recording then once ended within 0.2 s with
# 0 requests, and left nginx running; now the daemon is recorded, and
# stopped with the recording.
nginx_run() {
	local conns=$1 n=$2 up=${3:-} daemon=${4:-} trace=$TMP/nginx-$1.mslat port prefix=$TMP/nginx
	local name="nginx, $conns connections" upstream='' site="root $prefix/html;"
	local path=/index.html load=(-X GET --path /index.html) incomplete master workers='' daemon_off='daemon off;'
	if [ "$daemon" = daemon ]; then
		name="nginx as a daemon, $conns connections"
		daemon_off=''
	elif [ "$daemon" = slow ]; then
		name="nginx, slow clients downloading 8 MB, $conns connections"
	fi
	if [ -n "$up" ]; then
		name="nginx proxying to the demo server, $conns connections"
		upstream="upstream demo { server 127.0.0.1:$up; keepalive 16; }"
		site='location / { proxy_pass http://demo; proxy_http_version 1.1; proxy_set_header Connection ""; }'
		path=/health load=()
	fi
	port=$(free_port)
	mkdir -p "$prefix/html" "$prefix/logs"
	chmod 755 "$TMP" "$prefix" "$prefix/html"	# nginx workers run as nobody
	printf 'hello from nginx\n' >"$prefix/html/index.html"
	cat >"$prefix/nginx.conf" <<NGINX
worker_processes 2;
$daemon_off
error_log $prefix/logs/error.log;
pid $prefix/nginx.pid;
events { worker_connections 256; }
http {
	access_log off;
	keepalive_requests 100000;
	client_body_temp_path $prefix/tmp;
	proxy_temp_path $prefix/tmp;
	fastcgi_temp_path $prefix/tmp;
	uwsgi_temp_path $prefix/tmp;
	scgi_temp_path $prefix/tmp;
	$upstream
	server {
		listen 127.0.0.1:$port;
		$site
	}
}
NGINX
	if ! start_recorder "$trace" "$TMP/nginx" -- nginx -p "$prefix" -c "$prefix/nginx.conf"; then
		fail "$name: recorder did not start: $(head -3 "$TMP/nginx.err")"
		return
	fi
	answers "$port" "$path"
	if [ "$daemon" = slow ]; then
		slow_downloads "$name" "$trace" "$port" "$conns" "$n" "$prefix/html/big.bin"
		return
	fi
	"$B/loadgen" -q --port "$port" -c "$conns" -n "$n" "${load[@]}" -o "$TMP/client.json" ||
		fail "$name: load generator failed"
	master=$(cat "$prefix/nginx.pid" 2>/dev/null)
	[ -n "$master" ] && workers=$(pgrep -P "$master" | tr '\n' ' ')
	stop_recorder
	# The warm-up request above is one more request the server really served.
	check_run "$name" "$((n + 1))" "$TMP/client.json" "$trace"
	if [ "$daemon" = daemon ]; then
		local i p left=''
		sleep 0.2
		for p in $master $workers; do
			for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
			kill -0 "$p" 2>/dev/null && left="$left $p"
		done
		if [ -n "$master" ] && [ -n "$workers" ] && [ -z "$left" ]; then
			pass "$name: stopped with the recording (master $master, workers $workers)"
		else
			fail "$name: master '$master', workers '$workers': still running:$left"
			[ -n "$left" ] && kill $left
		fi
	fi
	if [ -n "$up" ]; then
		incomplete=$(json "$TMP/report.json" 'd["requests"]["incomplete"]')
		if [ "$incomplete" -le 1 ]; then
			pass "$name: $incomplete incomplete requests"
		else
			fail "$name: $incomplete incomplete requests (its upstream connections?)"
		fi
	fi
}

# slow_client_checked NAME TRACE N: after a slow client's N requests (and
# the readiness probe's), the report finds them all, and does not take the
# client's pace for work done elsewhere.
slow_client_checked() {
	local name=$1 trace=$2 n=$3 found
	if ! "$B/mslat" report --format json -o "$TMP/report.json" "$trace" 2>"$TMP/report.err"; then
		fail "$name: report failed: $(head -3 "$TMP/report.err")"
		return
	fi
	found=$(json "$TMP/report.json" 'd["requests"]["count"]')
	if [ "$found" -eq "$((n + 1))" ]; then
		pass "$name: $found requests found of $n sent and the probe's"
	else
		fail "$name: $found requests found of $n sent and the probe's"
	fi
	if grep -q 'waited in idle calls' "$TMP/report.err"; then
		fail "$name: the client's pace taken for work elsewhere: $(grep 'waited in idle calls' "$TMP/report.err")"
	else
		pass "$name: no warning of work elsewhere"
	fi
}

# slow_downloads NAME TRACE PORT CONNS N FILE: N GETs of FILE (made here, 8
# MB) by clients on a slow link (64 KiB receive buffers, 1 ms per read),
# then the recording stopped. The server waits in epoll_wait for its
# socket to drain after a send fails (EAGAIN): the client's pace, not work
# done elsewhere; before, "52% ... the work was done elsewhere".
slow_downloads() {
	local name=$1 trace=$2 port=$3 conns=$4 n=$5 file=$6
	head -c 8000000 /dev/zero >"$file"
	chmod 644 "$file"
	python3 - "$port" "$conns" "$n" "/$(basename "$file")" <<'PY' || fail "$name: the client failed"
import socket, sys, threading, time
port, conns, n, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def run(k):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    for _ in range(k):
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += s.recv(65536)
        head, rest = buf.split(b"\r\n\r\n", 1)
        cl = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
        got = len(rest)
        while got < cl:
            got += len(s.recv(65536))
            time.sleep(0.001)
ts = [threading.Thread(target=run, args=(n // conns,)) for _ in range(conns)]
[t.start() for t in ts]
[t.join() for t in ts]
PY
	stop_recorder
	slow_client_checked "$name" "$trace" "$n"
}

# proxy_run CONNS N: nginx_run in front of a demo server of its own.
proxy_run() {
	local up
	"$B/demo-server" --port 0 --threads 4 --weights "$root/testdata/model/mlp.bin" \
		>"$TMP/upstream.out" 2>"$TMP/upstream.err" &
	local up_pid=$!
	up=$(listening_port "$TMP/upstream.out")
	if [ -z "$up" ]; then
		fail "nginx proxying: the demo server did not start: $(head -3 "$TMP/upstream.err")"
	else
		nginx_run "$1" "$2" "$up"
	fi
	kill "$up_pid" 2>/dev/null
	wait "$up_pid" 2>/dev/null
}

# arrivals_run CONNS N: the demo server and the load generator recorded together
# with --sched (bench/correlation.sh --breakdown); 80,000 requests make ~800,000
# rows in four 2 MiB frames. Arrival rows are batched apart from events: the
# writer must never put one in a later frame than the receive that reads it,
# nor far ahead of it (docs/trace-format.md, Order), or the analyzer drops it
# and the request loses its queue time; with the writer before a37bdfc, 17,000
# to 30,000 of the 160,000 requests (both sides, then) did. --flush-interval 60s:
# frames close by size only, where the writer chooses, however fast the
# machine. Allowed without an arrival: rarely a request whose bytes came
# before the previous response's write returned (0 to 6 in 120,000 measured):
# 0.1% in all. (Bytes that came before accept() returned count since 68b38f6.)
arrivals_run() {
	local conns=$1 n=$2 trace=$TMP/both.mslat rep=$TMP/both.json name found frames queued unmatched allowed
	name="server and client together, $conns connections, --sched"
	if ! "$B/mslat-record" -o "$trace" --force --sched --flush-interval 60s -- \
		"$root/scripts/demo-with-client" "$B" "$TMP" "$conns" "$n" "$TMP/both-client.json" \
		timeout 120 >/dev/null 2>"$TMP/both.err"; then
		fail "$name: recording failed: $(head -3 "$TMP/both.err")"
		return
	fi
	if ! "$B/mslat" report -v --format json -o "$rep" "$trace" 2>"$TMP/both-report.err"; then
		fail "$name: report failed: $(head -3 "$TMP/both-report.err")"
		return
	fi
	found=$(json "$rep" 'd["requests"]["count"]')
	queued=$(json "$rep" 'd["requests"]["queue_ns"]["count"]')
	unmatched=$(sed -n 's/.*arrival records: [0-9]* started requests, \([0-9]*\) matched none.*/\1/p' \
		"$TMP/both-report.err")
	"$B/mslat" info --format json "$trace" >"$TMP/both-info.json" 2>/dev/null
	frames=$(json "$TMP/both-info.json" 'd["traces"][0]["frames"]')
	# The server's requests: the client's connections are its own (connect),
	# where its reads of the responses start nothing (before: ~2N requests).
	if [ "$found" -lt $((n - n / 200)) ] || [ "$found" -gt $((n + n / 200)) ] ||
		[ "${frames:-0}" -lt 5 ]; then
		fail "$name: $found requests in $frames frames (want ~$n, and >= 5 frames: rows in several)"
		return
	fi
	allowed=$((found / 1000))
	if [ "$((found - queued))" -le "$allowed" ]; then
		pass "$name: $queued of $found requests have a queue time, $frames frames (allowed without: $allowed)"
	else
		fail "$name: $((found - queued)) of $found requests have no queue time, $frames frames (allowed: $allowed)"
	fi
	if [ -n "$unmatched" ] && [ "$unmatched" -le "$allowed" ]; then
		pass "$name: $unmatched arrival records matched no request (allowed: $allowed)"
	else
		fail "$name: ${unmatched:-no count of} arrival records matched no request (allowed: $allowed)"
	fi
}

# python_run MODE CONNS N: Python's http.server, keep-alive, MODE fork (a
# child per connection, ForkingMixIn) or single (one thread: the other
# connections wait in the accept queue, their first bytes with them). Arrival
# records must reach the requests: with fork, the child that reads a socket
# owns its arrivals (before: the accepting parent, and no request had a queue
# time); with single, a connection's first request starts when its bytes came
# while it was queued, though its fd was freed only after (before: the
# longest wait, ~0.1 s here, was missing, and the server's max was ~1 ms).
python_run() {
	local mode=$1 conns=$2 n=$3 trace=$TMP/py-$1.mslat port name rep=$TMP/report.json smax cmax
	name="python http.server ($mode), $conns connections"
	port=$(free_port)
	cat >"$TMP/pyserver.py" <<'PY'
import socketserver, sys
from http.server import HTTPServer, BaseHTTPRequestHandler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self):
        # One write: no Nagle wait between head and body.
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"Content-Length: 3\r\n\r\nok\n")

    def do_GET(self):
        self.reply()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.reply()

class Forking(socketserver.ForkingMixIn, HTTPServer):
    pass

server = (Forking if sys.argv[2] == "fork" else HTTPServer)(("127.0.0.1", int(sys.argv[1])), Handler)
server.serve_forever()
PY
	if ! start_recorder "$trace" "$TMP/py" -- python3 "$TMP/pyserver.py" "$port" "$mode"; then
		fail "$name: recorder did not start: $(head -3 "$TMP/py.err")"
		return
	fi
	answers "$port" /
	"$B/loadgen" -q --port "$port" -c "$conns" -n "$n" -X GET --path / -o "$TMP/client.json" ||
		fail "$name: load generator failed"
	stop_recorder
	check_run "$name" "$((n + 1))" "$TMP/client.json" "$trace"
	[ -s "$rep" ] || return
	# The first request of each connection may come before the child's first read.
	check_queued "$name" "$((n - conns))"
	if [ "$mode" = single ]; then
		smax=$(json "$rep" 'd["requests"]["latency_ns"]["max"]')
		cmax=$(json "$TMP/client.json" 'd["latency_ns"]["max"]')
		if [ "$smax" != None ] && [ "$((smax * 10))" -ge "$((cmax * 8))" ]; then
			pass "$name: server max ${smax}ns within 20% of the client's ${cmax}ns (the accept-queue wait)"
		else
			fail "$name: server max ${smax}ns, client max ${cmax}ns: the accept-queue wait is missing"
		fi
	fi
}

# nagle_run CONNS N: python's http.server answering with its headers and its
# body in two sends, without TCP_NODELAY: Nagle's algorithm holds the body
# until the client's delayed ACK, about 40 ms. The server's sends return at
# once; only the recorder's UNSENT records show when the body left. Before
# them the server p50 was 1-2 ms against the client's 44 ms (gevent, Java's
# HttpServer do the same).
nagle_run() {
	local conns=$1 n=$2 trace=$TMP/nagle.mslat port name sp50 cp50 up50
	name="python http.server, headers and body in two sends (Nagle), $conns connections"
	port=$(free_port)
	cat >"$TMP/nagleserver.py" <<'PY'
import sys
from http.server import HTTPServer, BaseHTTPRequestHandler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "3")
        self.end_headers()          # one send
        self.wfile.write(b"ok\n")   # another: held until the client's ACK

HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
	serving "$name" "$trace" "$port" / -- python3 "$TMP/nagleserver.py" "$port" || return
	"$B/loadgen" -q --port "$port" -c "$conns" -n "$n" -X GET --path / -o "$TMP/client.json" ||
		fail "$name: load generator failed"
	stop_recorder
	check_run "$name" "$((n + 1))" "$TMP/client.json" "$trace"
	[ -s "$TMP/report.json" ] || return
	sp50=$(json "$TMP/report.json" 'd["requests"]["latency_ns"]["p50"]')
	cp50=$(json "$TMP/client.json" 'd["latency_ns"]["p50"]')
	up50=$(json "$TMP/report.json" 'd["requests"]["categories_ns"]["unsent"]["p50"]')
	if [ "$((sp50 * 10))" -ge "$((cp50 * 9))" ] && [ "$up50" -ge 20000000 ]; then
		pass "$name: server p50 ${sp50}ns within 10% of the client's ${cp50}ns, ${up50}ns of it unsent"
	else
		fail "$name: server p50 ${sp50}ns, client's ${cp50}ns, unsent p50 ${up50}ns: the held body is not seen"
	fi
	if grep -q "Nagle's algorithm" "$TMP/report.err"; then
		pass "$name: the report names Nagle's algorithm"
	else
		fail "$name: no warning naming Nagle's algorithm: $(head -3 "$TMP/report.err")"
	fi
}

# asyncio_run N: an asyncio HTTP server (stdlib) whose handler waits for a
# thread of its executor: the thread wakes the event loop through asyncio's
# socketpair, which the loop thread receives on and never answers. Taken for
# a connection, it was one request, never complete, that shared half of every
# real request's time (uvicorn: 51% "shared") and held it undecided until the
# timeout. One end of a socketpair is now kind unix-pair, not a connection.
asyncio_run() {
	local n=$1 trace=$TMP/asyncio.mslat port name="asyncio server with an executor" rep=$TMP/report.json
	local incomplete shared pairs
	port=$(free_port)
	cat >"$TMP/aioserver.py" <<'PY'
import asyncio, sys, time

async def serve(reader, writer):
    loop = asyncio.get_running_loop()
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        if not head:
            break
        await loop.run_in_executor(None, time.sleep, 0.0005)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
        await writer.drain()

async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()

asyncio.run(main())
PY
	if ! start_recorder "$trace" "$TMP/aio" -- python3 "$TMP/aioserver.py" "$port"; then
		fail "$name: recorder did not start: $(head -3 "$TMP/aio.err")"
		return
	fi
	answers "$port" /
	"$B/loadgen" -q --port "$port" -c 1 -n "$n" -X GET --path / -o "$TMP/client.json" ||
		fail "$name: load generator failed"
	stop_recorder
	check_run "$name" "$((n + 1))" "$TMP/client.json" "$trace"
	[ -s "$rep" ] || return
	incomplete=$(json "$rep" 'd["requests"]["incomplete"]')
	shared=$(json "$rep" 'd["requests"]["shared_ns"]["max"]')
	pairs=$("$B/mslat" dump "$trace" 2>/dev/null | grep -c 'unix-pair')
	if [ "$incomplete" = 0 ] && [ "$shared" = 0 ] && [ "$pairs" -gt 0 ]; then
		pass "$name: the wake-up socketpair ($pairs calls, unix-pair) is no request: 0 incomplete, no shared time"
	else
		fail "$name: $incomplete incomplete, shared up to ${shared}ns a request, $pairs unix-pair calls"
	fi
}

# churn_run CONNS N: the demo server closing every connection after 3
# requests, 2 workers: hundreds of accepts per fd number in a frame, whose
# QUEUED records (read before the frame's rows) must each reach its own
# accept. Paired by order, a record whose accept was missing shifted every
# later connection on that fd onto another's bytes (an 850 ms request against
# the client's 139 ms), and 64 kept per fd lost 12% of the queue times.
churn_run() {
	local conns=$1 n=$2 trace=$TMP/churn.mslat port name rep=$TMP/report.json smax cmax
	name="demo server closing every 3 requests, $conns connections"
	if ! start_recorder "$trace" "$TMP/churn" -- "$B/demo-server" --port 0 --threads 2 \
		--keepalive-requests 3 --weights "$root/testdata/model/mlp.bin"; then
		fail "$name: recorder did not start: $(head -3 "$TMP/churn.err")"
		return
	fi
	port=$(listening_port "$TMP/churn.out")
	"$B/loadgen" -q --port "$port" -c "$conns" -n "$n" -o "$TMP/client.json" ||
		fail "$name: load generator failed"
	stop_recorder || fail "$name: recorder exit status $?"
	check_run "$name" "$n" "$TMP/client.json" "$trace"
	[ -s "$rep" ] || return
	check_queued "$name" "$((n - n / 200))"
	smax=$(json "$rep" 'd["requests"]["latency_ns"]["max"]')
	cmax=$(json "$TMP/client.json" 'd["latency_ns"]["max"]')
	if [ "$smax" -le "$cmax" ]; then
		pass "$name: server max ${smax}ns <= client max ${cmax}ns (no request took another's bytes)"
	else
		fail "$name: server max ${smax}ns > client max ${cmax}ns: a request started at another's bytes"
	fi
}

# gunicorn_run CONNS N: gunicorn's sync workers (4 processes forked from a
# master, one listening socket, each response closes its connection): every
# request is a new connection, accepted on a reused fd number while the next
# ones wait in the accept queue. Before the QUEUED records, 715 of 4000
# requests had a queue time and the server p50 was 1.48 ms against the
# client's 3.43 ms; now all have it (3.17 against 3.34).
gunicorn_run() {
	local conns=$1 n=$2 trace=$TMP/gunicorn.mslat port name
	name="gunicorn, 4 sync workers, $conns connections"
	port=$(free_port)
	cat >"$TMP/wsgi_app.py" <<'PY'
import time

def app(environ, start_response):
    time.sleep(0.001)
    body = b'{"ok": true}\n'
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
PY
	if ! start_recorder "$trace" "$TMP/gu" -- gunicorn -w 4 -b "127.0.0.1:$port" \
		--chdir "$TMP" wsgi_app:app; then
		fail "$name: recorder did not start: $(head -3 "$TMP/gu.err")"
		return
	fi
	answers "$port" /
	"$B/loadgen" -q --port "$port" -c "$conns" -n "$n" -X GET --path / -o "$TMP/client.json" ||
		fail "$name: load generator failed"
	stop_recorder
	check_run "$name" "$((n + 1))" "$TMP/client.json" "$trace"
	[ -s "$TMP/report.json" ] && check_queued "$name" "$((n - n / 200))"
}

# python_with MODULE...: a python3 that has them (Debian's, or whatever
# python3 is first on PATH), or nothing.
python_with() {
	local py mods
	mods=$(IFS=,; echo "$*")
	for py in /usr/bin/python3 python3; do
		"$py" -c "import $mods" 2>/dev/null && { echo "$py"; return; }
	done
}

# serving NAME TRACE PORT READY_PATH -- CMD...: CMD started under the
# recorder into TRACE and answering GET READY_PATH on PORT (within 20 s:
# importing FastAPI can take seconds); otherwise NAME fails, the recorder
# is stopped and it returns 1.
serving() {
	local name=$1 trace=$2 port=$3 ready=$4 log=${2%.mslat}
	shift 5
	start_recorder "$trace" "$log" -- "$@" && answers "$port" "$ready" 400 && return 0
	fail "$name: did not start: $(head -3 "$log.err")"
	stop_recorder
	return 1
}

# load_and_check NAME TRACE PORT CONNS N: the load generator's N requests
# over CONNS connections, the recorder stopped, then check_run (N + 1 with
# the request serving waited for) and check_queued. 1 when there is no
# report to check further.
load_and_check() {
	local name=$1 trace=$2 port=$3 conns=$4 n=$5
	"$B/loadgen" -q --port "$port" -c "$conns" -n "$n" -o "$TMP/client.json" ||
		fail "$name: load generator failed"
	stop_recorder
	check_run "$name" "$((n + 1))" "$TMP/client.json" "$trace"
	[ -s "$TMP/report.json" ] || return 1
	check_queued "$name" "$((n - n / 200))"
}

# uvicorn_serving NAME PY TRACE PORT: FastAPI under uvicorn (one process,
# one event loop), as serving does. POST /predict runs a small MLP under a
# lock on the loop; GET /generate?n=N streams N tokens 2 ms apart, as an LLM
# server does (chunked, headers sent first).
uvicorn_serving() {
	local name=$1 py=$2 trace=$3 port=$4
	cat >"$TMP/fastapi_app.py" <<'PY'
import asyncio, random, threading, time
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

app = FastAPI()
lock = threading.Lock()
rng = random.Random(1)
W = [[rng.random() for _ in range(32)] for _ in range(32)]

def infer(x):
    with lock:
        for _ in range(3):
            x = [max(0.0, sum(w * v for w, v in zip(row, x))) / 32 for row in W]
    return sum(x)

@app.post("/predict")
async def predict(req: Request):
    x = [float(v) for v in (await req.body()).split(b",")[:32] if v.strip()]
    return JSONResponse({"y": infer(x + [0.0] * (32 - len(x)))})

@app.get("/predict_pool")
def predict_pool(seed: int = 0):
    # a `def` endpoint: FastAPI runs it on its thread pool, not on the loop;
    # the sleep stands for a model call that releases the GIL (torch, a GPU)
    time.sleep(0.004)
    return {"y": infer([float((seed * 7 + i) % 10) for i in range(32)])}

@app.post("/upload")
async def upload(req: Request):
    return JSONResponse({"n": len(await req.body())})

@app.get("/generate")
async def generate(n: int = 16):
    async def tokens():
        for i in range(n):
            await asyncio.sleep(0.002)
            yield f"tok{i} "
    return StreamingResponse(tokens(), media_type="text/plain")
PY
	serving "$name" "$trace" "$port" /openapi.json -- "$py" -m uvicorn --app-dir "$TMP" \
		--host 127.0.0.1 --port "$port" --log-level warning fastapi_app:app
}

# uvicorn_run PY CONNS N: POST /predict from the load generator. The
# model runs on the loop: no warning of work done elsewhere.
uvicorn_run() {
	local py=$1 conns=$2 n=$3 port name="FastAPI under uvicorn, $2 connections"
	local trace=$TMP/uvicorn-$2.mslat
	port=$(free_port)
	uvicorn_serving "$name" "$py" "$trace" "$port" &&
		load_and_check "$name" "$trace" "$port" "$conns" "$n" || return
	if grep -q 'waited in idle calls' "$TMP/report.err"; then
		fail "$name: warned of work elsewhere: $(grep 'waited in idle calls' "$TMP/report.err")"
	else
		pass "$name: no warning of work elsewhere"
	fi
}

# uvicorn_pool_run PY CONNS N: GET /predict_pool, a `def` endpoint, which
# FastAPI runs on its thread pool while the loop waits in epoll_wait. The
# request's own thread shows mostly that wait (86% idle with one connection,
# "shared" with several); the report must say that the work was done
# elsewhere, and where to look (before: nothing said it).
uvicorn_pool_run() {
	local py=$1 conns=$2 n=$3 port name="FastAPI def endpoint (thread pool), $2 connections"
	local trace=$TMP/uvicorn-pool.mslat
	port=$(free_port)
	uvicorn_serving "$name" "$py" "$trace" "$port" || return
	"$B/loadgen" -q --port "$port" -c "$conns" -n "$n" -X GET --path /predict_pool \
		-o "$TMP/client.json" || fail "$name: load generator failed"
	stop_recorder
	check_run "$name" "$((n + 1))" "$TMP/client.json" "$trace"
	if grep -q "waited in idle calls (epoll_wait, poll, select) for [0-9]*% of their latency after reading them: the work was done elsewhere" \
		"$TMP/report.err"; then
		pass "$name: warned that the work was done on other threads"
	else
		fail "$name: no warning of work on other threads: $(head -3 "$TMP/report.err")"
	fi
}

# uvicorn_upload_run PY CONNS N: POST /upload from clients that send the
# headers, then the body 10 ms later (a slow upload), to an async endpoint
# that does its work on the loop. The loop's epoll_wait before the body is
# the client's time, not work done elsewhere: no warning (before, counted
# from the whole window: "77% ... on other threads").
uvicorn_upload_run() {
	local py=$1 conns=$2 n=$3 port name="FastAPI slow uploads, $2 connections"
	local trace=$TMP/uvicorn-upload.mslat
	port=$(free_port)
	uvicorn_serving "$name" "$py" "$trace" "$port" || return
	python3 - "$port" "$conns" "$n" <<'PY' || fail "$name: the client failed"
import socket, sys, threading, time
port, conns, n = (int(a) for a in sys.argv[1:4])
body = b"1," * 2000
def run(k):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for _ in range(k):
        s.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        time.sleep(0.01)
        s.sendall(body)
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += s.recv(65536)
        head, rest = buf.split(b"\r\n\r\n", 1)
        cl = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
        while len(rest) < cl:
            rest += s.recv(65536)
ts = [threading.Thread(target=run, args=(n // conns,)) for _ in range(conns)]
[t.start() for t in ts]
[t.join() for t in ts]
PY
	stop_recorder
	slow_client_checked "$name" "$trace" "$n"
}

# uvicorn_stream_run PY CONNS N: GET /generate (16 tokens) from a stdlib
# client timing the first token (first body byte) and the last byte. Each
# response is headers, then 16 bursts; with --headers-first the time to
# first byte is the first token's, and must not exceed the client's.
uvicorn_stream_run() {
	local py=$1 conns=$2 n=$3 port name="FastAPI streaming 16 tokens, $2 connections"
	local trace=$TMP/uvicorn-stream.mslat rep=$TMP/report.json bursts sttft cttft
	port=$(free_port)
	uvicorn_serving "$name" "$py" "$trace" "$port" || return
	cat >"$TMP/stream_client.py" <<'PY'
import http.client, json, sys, threading, time
port, conns, n = (int(a) for a in sys.argv[1:4])
lat, ttft, lock = [], [], threading.Lock()

def client(k):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(k):
        t0 = time.monotonic_ns()
        c.request("GET", "/generate?n=16")
        r = c.getresponse()
        r.read(1)
        t1 = time.monotonic_ns()
        r.read()
        t2 = time.monotonic_ns()
        with lock:
            ttft.append(t1 - t0)
            lat.append(t2 - t0)

threads = [threading.Thread(target=client, args=(n // conns,)) for _ in range(conns)]
for t in threads:
    t.start()
for t in threads:
    t.join()
lat.sort()
ttft.sort()
p50 = lambda a: a[(len(a) - 1) // 2]	# nearest rank, as loadgen's
print(json.dumps({"requests": len(lat), "latency_ns": {"p50": p50(lat)}, "ttft_ns": {"p50": p50(ttft)}}))
PY
	python3 "$TMP/stream_client.py" "$port" "$conns" "$n" >"$TMP/client.json" ||
		fail "$name: client failed"
	stop_recorder || fail "$name: recorder exit status $?"
	check_run "$name" "$((n + 1))" "$TMP/client.json" "$trace"
	[ -s "$rep" ] || return
	bursts=$(json "$rep" 'd["requests"]["bursts"]["p50"]')
	if [ "$bursts" = 17 ]; then
		pass "$name: 17 send bursts a response (headers, 16 tokens)"
	else
		fail "$name: $bursts send bursts a response (want 17: headers, 16 tokens)"
	fi
	if ! "$B/mslat" report --format json --headers-first -o "$rep" "$trace" 2>"$TMP/report.err"; then
		fail "$name: report --headers-first failed: $(head -3 "$TMP/report.err")"
		return
	fi
	sttft=$(json "$rep" 'd["requests"]["ttfb_ns"]["p50"]')
	cttft=$(json "$TMP/client.json" 'd["ttft_ns"]["p50"]')
	bursts=$(json "$rep" 'd["requests"]["bursts"]["p50"]')
	# the first token comes 2 ms after the headers: a server TTFT under 2 ms is the headers'
	if [ "$bursts" = 16 ] && [ "$sttft" -ge 2000000 ] && [ "$sttft" -le "$cttft" ]; then
		pass "$name: --headers-first: 16 token bursts, time to first token p50 ${sttft}ns <= client's ${cttft}ns"
	else
		fail "$name: --headers-first: $bursts bursts, time to first token p50 ${sttft}ns, client's ${cttft}ns (want 16, 2 ms..client's)"
	fi
}

# flask_run PY CONNS N: Flask's threaded server, a thread per connection and
# a connection per request (Connection: close). close() frees the fd number as it
# begins and then takes a while; the next connection accepted under that
# number began its request before the old close's row came, and that close
# ended it unanswered: 1-2 requests a run (of 2,001 and 3,001) were
# incomplete, and their responses lost.
flask_run() {
	local py=$1 conns=$2 n=$3 port trace=$TMP/flask.mslat name incomplete
	name="Flask, a thread per connection, $conns connections"
	port=$(free_port)
	cat >"$TMP/flask_app.py" <<'PY'
import logging, sys, threading, time
from flask import Flask, request

app = Flask(__name__)
lock = threading.Lock()

@app.route("/", methods=["GET", "POST"])
@app.route("/predict", methods=["GET", "POST"])
def predict():
    request.get_data()
    with lock:
        time.sleep(0.0005)
    return {"y": 1}

logging.getLogger("werkzeug").setLevel(logging.ERROR)
app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
PY
	serving "$name" "$trace" "$port" / -- "$py" "$TMP/flask_app.py" "$port" &&
		load_and_check "$name" "$trace" "$port" "$conns" "$n" || return
	incomplete=$(json "$TMP/report.json" 'd["requests"]["incomplete"]')
	if [ "$incomplete" = 0 ]; then
		pass "$name: no request incomplete (a close of the fd number's previous file ends none)"
	else
		fail "$name: $incomplete requests incomplete"
	fi
}

# go_run CONNS N: Go's net/http. Its goroutines move between threads (a
# request read on one, answered on another), and it reads the first byte of
# a keep-alive connection's next request alone: 645 of 4,001 such 1-byte
# turns drew the report's warning about HTTP/2 frames.
go_run() {
	local conns=$1 n=$2 port name trace=$TMP/go.mslat
	name="Go net/http, $conns connections"
	mkdir -p "$TMP/gosrv"
	cat >"$TMP/gosrv/main.go" <<'GO'
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

func main() {
	var mu sync.Mutex
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		mu.Lock()
		for t := time.Now(); time.Since(t) < 300*time.Microsecond; {
		}
		mu.Unlock()
		fmt.Fprintln(w, `{"y": 1}`)
	})
	http.ListenAndServe("127.0.0.1:"+os.Args[1], nil)
}
GO
	printf 'module gosrv\ngo 1.19\n' >"$TMP/gosrv/go.mod"
	if ! (cd "$TMP/gosrv" && GOCACHE=$TMP/gocache GOPATH=$TMP/gopath GOFLAGS=-mod=mod \
		go build -o gosrv . >"$TMP/go.err" 2>&1); then
		fail "$name: go build failed: $(head -3 "$TMP/go.err")"
		return
	fi
	port=$(free_port)
	serving "$name" "$trace" "$port" / -- "$TMP/gosrv/gosrv" "$port" &&
		load_and_check "$name" "$trace" "$port" "$conns" "$n" || return
	if grep -q 'too short for an HTTP/1.1 request' "$TMP/report.err"; then
		fail "$name: its one-byte reads taken for protocol frames: $(head -1 "$TMP/report.err")"
	else
		pass "$name: no warning of protocol frames"
	fi
}

demo_run 4 4000
demo_run 16 8000
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
	PATH=$PATH:/usr/sbin
	nginx_run 4 4000
	nginx_run 16 8000
	nginx_run 4 2000 "" daemon
	nginx_run 2 12 "" slow
	proxy_run 4 2000
else
	fail "nginx end to end: nginx is not installed (scripts/install-deps installs it)"
fi
arrivals_run 16 80000
python_run fork 4 2000
python_run single 4 2000
nagle_run 4 200
asyncio_run 1000
churn_run 8 6000
if command -v gunicorn >/dev/null; then
	gunicorn_run 8 2000
else
	fail "gunicorn end to end: gunicorn is not installed (scripts/install-deps installs it)"
fi
if command -v go >/dev/null; then
	go_run 16 8000
else
	fail "Go end to end: golang-go is not installed (scripts/install-deps installs it)"
fi
py=$(python_with flask)
if [ -n "$py" ]; then
	flask_run "$py" 16 3000
else
	fail "Flask end to end: python3-flask is not installed (scripts/install-deps installs it)"
fi
py=$(python_with fastapi uvicorn)
if [ -n "$py" ]; then
	uvicorn_run "$py" 4 2000
	uvicorn_run "$py" 16 4000
	uvicorn_pool_run "$py" 4 1000
	uvicorn_upload_run "$py" 4 200
	uvicorn_stream_run "$py" 4 400
else
	fail "FastAPI end to end: python3-fastapi and python3-uvicorn are not installed (scripts/install-deps installs them)"
fi
finish
