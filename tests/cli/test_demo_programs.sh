#!/bin/sh
# SPDX-License-Identifier: MIT
# CLI test of the demo model server and its load generator: usage, weights, load, bad input, clean stop.
#
# Usage: tests/cli/test_demo_programs.sh BUILD_DIR
# Prints PASS/FAIL lines; exits 1 when a check failed, 2 on bad usage.

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
BUILD=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SERVER=$BUILD/demo-server
LOADGEN=$BUILD/loadgen
WEIGHTS=$ROOT/testdata/model/mlp.bin
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mslat-demo-test.XXXXXX")
failed=0
server_pid=

cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -KILL "$server_pid" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1${2:+: $2}"
	failed=1
}
# check NAME COMMAND...: PASS when the command succeeds.
check() {
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

for prog in "$SERVER" "$LOADGEN"; do
	if [ ! -x "$prog" ]; then
		fail "built_$(basename "$prog")" "'$prog' is missing; run make first"
		exit 1
	fi
done

# Send stdin as one raw request; the response goes to stdout.
raw() { timeout 10 "$LOADGEN" --port "$port" --raw; }

# --- command lines --------------------------------------------------------
for prog in demo-server loadgen; do
	timeout 10 "$BUILD/$prog" --help >"$TMP/out" 2>"$TMP/err"
	rc=$?
	check "${prog}_help" test $rc -eq 0 -a -s "$TMP/out" -a ! -s "$TMP/err"
	timeout 10 "$BUILD/$prog" --no-such-option >"$TMP/out" 2>"$TMP/err"
	rc=$?
	check "${prog}_bad_option_exit_2" test $rc -eq 2 -a ! -s "$TMP/out" -a -s "$TMP/err"
done
timeout 10 "$SERVER" --threads 0 >"$TMP/out" 2>"$TMP/err"
check demo-server_bad_threads_exit_2 test $? -eq 2
timeout 10 "$LOADGEN" --requests 5 >"$TMP/out" 2>"$TMP/err"
check loadgen_needs_port test $? -eq 2

# --- weights ----------------------------------------------------------------
timeout 10 "$SERVER" --write-weights "$TMP/mlp.bin" 2>"$TMP/err"
check weights_regenerate_identical cmp -s "$TMP/mlp.bin" "$WEIGHTS"
timeout 10 "$SERVER" --write-weights "$TMP/mlp.bin" 2>"$TMP/err"
check weights_no_overwrite test $? -eq 1
head -c 1000 "$WEIGHTS" >"$TMP/short.bin"
timeout 10 "$SERVER" --port 0 --weights "$TMP/short.bin" >"$TMP/out" 2>"$TMP/err"
rc=$?
check weights_truncated_refused test $rc -eq 1 -a ! -s "$TMP/out"
check weights_truncated_says_why grep -q "cannot load weights.*size 1000 bytes" "$TMP/err"
{ printf 'NOTMLP!!'; tail -c +9 "$WEIGHTS"; } >"$TMP/magic.bin"
timeout 10 "$SERVER" --port 0 --weights "$TMP/magic.bin" >"$TMP/out" 2>"$TMP/err"
rc=$?
check weights_bad_magic_refused test $rc -eq 1
check weights_bad_magic_says_why grep -q "bad magic" "$TMP/err"

# start_server NAME ARGS...: the server in the background, output in $TMP/NAME.out
# and .err; sets server_pid, and port once it listens (empty if it did not).
start_server() {
	local name=$1 i=0
	shift
	"$SERVER" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	server_pid=$!
	port=
	while [ $i -lt 100 ]; do
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$TMP/$name.out")
		[ -n "$port" ] && break
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
}

# --- a running server -----------------------------------------------------
start_server server --port 0 --threads 4 --weights "$WEIGHTS" --requests-log "$TMP/requests.tsv"
if [ -z "$port" ]; then
	fail server_start "no 'listening on' line; stderr: $(cat "$TMP/server.err")"
	exit 1
fi
pass server_start

timeout 60 "$LOADGEN" --port "$port" --connections 4 --requests 200 --out "$TMP/truth.json" \
	2>"$TMP/loadgen.err"
rc=$?
check loadgen_exit_0 test $rc -eq 0
check loadgen_200_requests grep -q '"requests": 200,' "$TMP/truth.json"
check loadgen_200_ok grep -q '"ok": 200,' "$TMP/truth.json"
check loadgen_0_errors grep -q '"errors": 0,' "$TMP/truth.json"
check loadgen_4_connections grep -q '"connections": 4,' "$TMP/truth.json"
check loadgen_percentiles grep -q '"p50": [1-9][0-9]*, "p90": [1-9][0-9]*, "p99": [1-9]' \
	"$TMP/truth.json"

printf 'GARBAGE\r\n\r\n' | raw >"$TMP/resp" 2>/dev/null
check malformed_request_400 grep -q '^HTTP/1.1 400 ' "$TMP/resp"
printf 'POST /predict HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\n1,2,oops' | raw >"$TMP/resp"
check malformed_body_400 grep -q '^HTTP/1.1 400 ' "$TMP/resp"
big=$(head -c 9000 /dev/zero | tr '\0' a)
printf 'GET /health HTTP/1.1\r\nHost: t\r\nX-Big: %s\r\n\r\n' "$big" | raw >"$TMP/resp"
check oversized_head_431 grep -q '^HTTP/1.1 431 ' "$TMP/resp"
printf 'GET /nope HTTP/1.1\r\nHost: t\r\n\r\n' | raw >"$TMP/resp"
check unknown_path_404 grep -q '^HTTP/1.1 404 ' "$TMP/resp"
printf 'GET /predict?seed=7 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' | raw >"$TMP/resp"
check predict_by_seed grep -q '"class":[0-9]' "$TMP/resp"

printf 'GET /health HTTP/1.1\r\nHost: t\r\n\r\n' | raw >"$TMP/resp"
check server_survives_bad_input grep -q '"status":"ok"' "$TMP/resp"

# --- clean stop -------------------------------------------------------------
kill -TERM "$server_pid"
i=0
while kill -0 "$server_pid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$server_pid" 2>/dev/null; then
	fail sigterm_exit_0 "still running 10 s after SIGTERM"
else
	wait "$server_pid"
	rc=$?
	check sigterm_exit_0 test $rc -eq 0
fi
server_pid=

# --- keep-alive limits: more connections than workers ----------------------
# One worker, two busy keep-alive connections: without a request limit the
# second waits for all of the first's requests (a client with a timeout gives
# up); with --keepalive-requests 10 they take turns of at most 10 requests.
start_server server2 --port 0 --threads 1 --keepalive-requests 10 --keepalive-timeout 300 \
	--weights "$WEIGHTS" --requests-log "$TMP/turns.tsv"
if [ -z "$port" ]; then
	fail server_start_keepalive "no 'listening on' line; stderr: $(cat "$TMP/server2.err")"
else
	timeout 60 "$LOADGEN" --port "$port" --connections 2 --requests 200 --out "$TMP/turns.json" \
		2>"$TMP/loadgen.err"
	check keepalive_requests_loadgen_0_errors grep -q '"errors": 0,' "$TMP/turns.json"
	printf 'GET /health HTTP/1.1\r\nHost: t\r\n\r\n' | raw >"$TMP/resp"
	check keepalive_requests_first_keeps_alive sh -c "grep -q '^HTTP/1.1 200 ' '$TMP/resp' &&
		! grep -qi '^connection: close' '$TMP/resp'"
	# The tenth response of a connection says it is the last.
	python3 - "$port" >"$TMP/tenth" 2>&1 <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n" * 11)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.count(b"HTTP/1.1 200 "), data.lower().count(b"connection: close"))
PY
	check keepalive_requests_tenth_closes grep -qx '10 1' "$TMP/tenth"
	# An idle connection is closed after --keepalive-timeout (300 ms).
	python3 - "$port" >"$TMP/idle" 2>&1 <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
t0 = time.monotonic()
try:
    eof = s.recv(1) == b""
except socket.timeout:
    eof = False
print("closed" if eof else "open", round(time.monotonic() - t0, 1))
PY
	check keepalive_timeout_closes_idle grep -qE '^closed 0\.[2-9]' "$TMP/idle"
	kill -TERM "$server_pid"
	wait "$server_pid"
	check keepalive_sigterm_exit_0 test $? -eq 0
	# The load's predictions in the log (one worker: in order, written out at the
	# stop), cut into runs of one socket: without the limit, 2 runs of 100; with
	# it, turns of 10 (two turns in a row can share a fd number: not counted apart).
	runs=$(awk -F '\t' '$7 != "/predict" { next } $5 != prev { n++; prev = $5 } END { print n + 0 }' \
		"$TMP/turns.tsv")
	if [ "$runs" -ge 10 ]; then
		pass keepalive_requests_turns
	else
		fail keepalive_requests_turns "$runs runs of one socket in 200 requests (want >= 10)"
	fi
fi
server_pid=

# --- the load generator's framing of other servers' responses ---------------
# node, FastAPI's StreamingResponse and every LLM server answer in chunks
# (Transfer-Encoding: chunked) and often over 64 KiB: before, loadgen
# refused every such response ("Operation not supported") and any body over
# its 64 KiB buffer. A server of framings, each written in pieces so that the
# chunks' lines and data are split across reads.
cat >"$TMP/framings.py" <<'PY'
import socket, sys, threading, time

def chunked(parts, trailer=b""):
    out = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"]
    for i, p in enumerate(parts):
        ext = b";tok=%d" % i if i % 2 else b""
        out.append(b"%X%s\r\n%s\r\n" % (len(p), ext, p))
    out.append(b"0\r\n" + trailer + b"\r\n")
    return out

HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

def boundary():
    # a chunk whose CR LF straddles a full 64 KiB buffer: the CR its last byte
    size = 65535 - len(HEAD) - len(b"FFBA\r\n")
    first = HEAD + b"%X\r\n" % size + b"d" * size + b"\r"
    assert len(first) == 65536
    return [first, b"\n0\r\n\r\n"]

def tokens():
    # an LLM's stream in one write: 3000 chunks of 1..97 bytes, every alignment
    return [b"".join(chunked([b"t" * (1 + i * 7 % 97) for i in range(3000)]))]

BODIES = {
    b"/boundary": boundary(),
    b"/tokens": tokens(),
    b"/te-then-close": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 3\r\n\r\n",
                        b"abc-not-chunks", None],
    b"/head-only": [b"HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n"],	# a HEAD's answer
    b"/not-modified": [b"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"],
    b"/two-lengths": [b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde"],
    b"/bare-lf": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n"],
    b"/chunked": chunked([b"tok%d " % i for i in range(16)], b"X-Trailer: 1\r\n"),
    b"/chunked-big": chunked([bytes([65 + i % 26]) * 1000 for i in range(300)]),
    b"/length-big": [b"HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n", b"x" * 300000],
    b"/chunked-both": [b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                       b"3\r\nabc\r\n0\r\n\r\n"],
    b"/chunked-bad": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"],
}

def serve(conn):
    buf = b""
    while True:
        while b"\r\n\r\n" not in buf:
            d = conn.recv(65536)
            if not d:
                return
            buf += d
        head, buf = buf.split(b"\r\n\r\n", 1)
        path = head.split(b" ")[1].split(b"?")[0]
        for piece in BODIES.get(path, [b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"]):
            if piece is None:	# the body runs to the end of the connection
                conn.close()
                return
            if path in (b"/boundary", b"/tokens"):	# as they are: the layout is the test
                conn.sendall(piece)
                time.sleep(0.05)
                continue
            for at in range(0, len(piece), 7000):	# the size lines split from their data
                conn.sendall(piece[at:at + 7000])
                time.sleep(0.0002)

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
print(ls.getsockname()[1], flush=True)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
python3 "$TMP/framings.py" >"$TMP/framings.port" 2>"$TMP/framings.err" &
server_pid=$!
for _ in $(seq 50); do [ -s "$TMP/framings.port" ] && break; sleep 0.1; done
port=$(head -1 "$TMP/framings.port")
for path in /chunked /chunked-big /length-big /chunked-both /boundary /tokens /te-then-close; do
	timeout 60 "$LOADGEN" -q --port "$port" -c 2 -n 20 -X GET --path "$path" -o "$TMP/framing.json" \
		2>"$TMP/framing.err"
	rc=$?
	if [ $rc -eq 0 ] && grep -q '"ok": 20,' "$TMP/framing.json"; then
		pass "loadgen_framing_${path#/}: 20 of 20 on 2 keep-alive connections"
	else
		fail "loadgen_framing_${path#/}" "exit $rc: $(head -1 "$TMP/framing.err")"
	fi
done
printf 'GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n' | raw >"$TMP/out" 2>"$TMP/err"
check loadgen_raw_chunked_whole grep -q '^X-Trailer: 1' "$TMP/out"
printf 'GET /chunked-bad HTTP/1.1\r\nHost: x\r\n\r\n' | raw >"$TMP/out" 2>"$TMP/err"
rc=$?
check loadgen_chunked_malformed_refused test $rc -ne 0
check loadgen_chunked_malformed_said grep -q 'no complete response.*Bad message' "$TMP/err"
# A bare LF ends no chunk line: refused at once, not waited on until the timeout.
start=$(date +%s)
printf 'GET /bare-lf HTTP/1.1\r\nHost: x\r\n\r\n' | raw >"$TMP/out" 2>"$TMP/err"
rc=$?
check loadgen_chunked_bare_lf_refused_at_once test $rc -ne 0 -a $(($(date +%s) - start)) -lt 5
check loadgen_chunked_bare_lf_said grep -q 'Bad message' "$TMP/err"
# Answers without a body whatever their Content-Length says (RFC 9112,
# 6.3): to a HEAD, and a 304; before, both waited for the timeout.
start=$(date +%s)
printf 'HEAD /head-only HTTP/1.1\r\nHost: x\r\n\r\n' | raw >"$TMP/out" 2>"$TMP/err"
rc=$?
printf 'GET /not-modified HTTP/1.1\r\nHost: x\r\n\r\n' | raw >>"$TMP/out" 2>>"$TMP/err"
check loadgen_no_body_head_and_304_at_once test $rc -eq 0 -a $? -eq 0 -a $(($(date +%s) - start)) -lt 5
printf 'GET /two-lengths HTTP/1.1\r\nHost: x\r\n\r\n' | raw >"$TMP/out" 2>"$TMP/err"
check loadgen_two_lengths_refused grep -q 'Bad message' "$TMP/err"
# Over the 64 KiB kept, --raw prints the head and says how long the body was.
printf 'GET /length-big HTTP/1.1\r\nHost: x\r\n\r\n' | raw >"$TMP/out" 2>"$TMP/err"
rc=$?
check loadgen_raw_big_body_head_only test $rc -eq 0 -a "$(wc -c <"$TMP/out")" -lt 100
check loadgen_raw_big_body_said grep -q 'the body, 300000 bytes on the wire (chunks.* framing too), is not shown' "$TMP/err"
kill -KILL "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
server_pid=

# The log has a line per prediction; every 20th of the first 200 took the slow path.
n=$(awk -F '\t' '$6 == "POST" && $7 == "/predict" && $8 == 200' "$TMP/requests.tsv" | wc -l)
check requests_log_has_200_predictions test "$n" -eq 200
n=$(awk -F '\t' '$1 >= 1 && $1 <= 200 && $9 == 1' "$TMP/requests.tsv" | wc -l)
check slow_path_every_20th test "$n" -eq 10

exit $failed
