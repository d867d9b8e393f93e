#!/bin/bash
# SPDX-License-Identifier: MIT
# mslat report: every golden trace gives exactly the requests synth put in
# (count, start, end, queue, per-category time, to the nanosecond), JSON is
# byte-identical across runs and valid against docs/json-schema.json, text
# reads in 80 columns without colour when piped, and the command line behaves
# (help, usage errors, exit codes, clean stdout on errors).
#
#   tests/cli/test_report.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
B=$(cd "${1:?usage: tests/cli/test_report.sh BUILD_DIR}" && pwd)
cd "$(dirname "$0")/../.."
M=$B/mslat
SYNTH=$B/tests/synth
COMPARE=tests/cli/compare_truth.py
SCHEMA=docs/json-schema.json

# --- every golden trace against its ground truth -------------------------------
traces=()
for t in testdata/*.mslat; do
	[ -e "${t%.mslat}.truth.json" ] && traces+=("$t")
done
# More scenarios from synth: the arrival variants the goldens do not carry.
if [ -x "$SYNTH" ]; then
	for s in keepalive streaming open-at-end losses forks eventloop threadpool; do
		for v in "" --arrivals; do
			n=$s${v:+-arr}
			[ -e "testdata/$n.mslat" ] && continue
			"$SYNTH" --scenario "$s" $v -o "$TMP/$n.mslat" --truth "$TMP/$n.truth.json" \
				>/dev/null 2>"$TMP/synth.err" && traces+=("$TMP/$n.mslat") ||
				fail "synth: --scenario $s $v ($(head -c 200 "$TMP/synth.err"))"
		done
	done
else
	skip "synth variants: $SYNTH is not built"
fi
[ ${#traces[@]} -gt 0 ] || fail "truth: no golden trace with a .truth.json in testdata/"

for t in "${traces[@]}"; do
	name=$(basename "$t" .mslat)
	truth=${t%.mslat}.truth.json
	if ! "$M" report --format json --requests "$t" >"$TMP/$name.json" 2>"$TMP/$name.err"; then
		fail "truth: $name: report failed ($(head -c 300 "$TMP/$name.err"))"
		continue
	fi
	if python3 "$COMPARE" "$TMP/$name.json" "$truth" >"$TMP/$name.cmp" 2>&1; then
		pass "truth: $name: requests, start, end, queue and time per category exact"
	else
		fail "truth: $name: differs from the ground truth"
		head -n 12 "$TMP/$name.cmp"
	fi
done

# --- determinism and schema --------------------------------------------------------
first=${traces[0]:-}
if [ -n "$first" ]; then
	for t in "${traces[@]}"; do
		name=$(basename "$t" .mslat)
		"$M" report --format json "$t" >"$TMP/a.json" 2>/dev/null
		"$M" report --format json "$t" >"$TMP/b.json" 2>/dev/null
		if [ -s "$TMP/a.json" ] && cmp -s "$TMP/a.json" "$TMP/b.json"; then
			pass "json: $name: two runs are byte-identical"
		else
			fail "json: $name: two runs differ"
		fi
	done
	if python3 -c 'import jsonschema' 2>/dev/null; then
		for t in "${traces[@]}"; do
			name=$(basename "$t" .mslat)
			if python3 - "$SCHEMA" "$TMP/$name.json" >"$TMP/schema.out" 2>&1 <<'EOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
doc = json.load(open(sys.argv[2]))
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:5]:
    print("/".join(map(str, e.path)), e.message)
sys.exit(1 if errors else 0)
EOF
			then
				pass "schema: $name: valid against $SCHEMA"
			else
				fail "schema: $name"
				head -n 5 "$TMP/schema.out"
			fi
		done
	else
		fail "schema: python3-jsonschema is not installed (scripts/install-deps installs it)"
	fi
	"$M" report --format json "$first" | python3 -c '
import json, sys
r = json.load(sys.stdin)
q = r["requests"]
assert r["format_version"] >= 1 and r["findings"] == []
for k in ("p50", "p90", "p99", "p999", "max", "mean"):
    assert isinstance(q["latency_ns"][k], int), k
assert q["latency_ns"]["p50"] <= q["latency_ns"]["p99"] <= q["latency_ns"]["max"]
' && pass "json: percentiles are integers and ordered, findings empty" ||
		fail "json: percentiles are integers and ordered, findings empty"
fi

# --headers-first: each response's first burst is its headers. Per request of
# the streaming golden: one burst fewer and a later first byte where there
# were several, unchanged where there was one; the option is in the JSON.
if [ -e testdata/streaming.mslat ]; then
	"$M" report --format json --requests testdata/streaming.mslat >"$TMP/hf0.json" 2>/dev/null
	"$M" report --format json --requests --headers-first testdata/streaming.mslat \
		>"$TMP/hf1.json" 2>/dev/null
	if python3 - "$TMP/hf0.json" "$TMP/hf1.json" >"$TMP/hf.out" 2>&1 <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["options"]["headers_first"] is False and b["options"]["headers_first"] is True
ra = {r["id"]: r for r in a["requests_list"]}
multi = 0
for r in b["requests_list"]:
    o = ra[r["id"]]
    assert r["latency_ns"] == o["latency_ns"] and r["sends"] == o["sends"], r["id"]
    if not r["complete"]:
        continue
    if o["bursts"] > 1:
        multi += 1
        assert r["bursts"] == o["bursts"] - 1 and r["ttfb_ns"] > o["ttfb_ns"], r["id"]
    else:
        assert r["bursts"] == o["bursts"] and r["ttfb_ns"] == o["ttfb_ns"], r["id"]
assert multi >= 10, multi
assert b["requests"]["burst_gaps_ns"]["count"] == a["requests"]["burst_gaps_ns"]["count"] - multi
print(multi)
EOF
	then
		pass "--headers-first: ttfb at the second burst, one burst and one gap fewer, for $(cat "$TMP/hf.out") streamed requests"
	else
		fail "--headers-first: $(tail -3 "$TMP/hf.out")"
	fi
fi

# A statistic without samples is null: a trace with no requests at all.
if [ -n "$first" ]; then
	"$M" report --format json --pid 1 "$first" >"$TMP/none.json" 2>"$TMP/none.err"
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
q = r["requests"]
assert q["count"] == 0 and q["latency_ns"]["p50"] is None and q["latency_ns"]["max"] is None
assert r["breakdown"]["p99_ns"] is None and r["slowest"] == []
' "$TMP/none.json" && pass "json: --pid of nobody: zero requests, null statistics" ||
		fail "json: --pid of nobody: zero requests, null statistics"
fi

# --- options ------------------------------------------------------------------------
count() { python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"]["count"])'; }
if [ -n "$first" ]; then
	all=$("$M" report --format json "$first" | count)
	pid=$("$M" report --format json "$first" | python3 -c 'import json,sys; print(json.load(sys.stdin)["processes"][0]["pid"])')
	n=$("$M" report --format json --pid "$pid" "$first" | count)
	[ "$n" = "$all" ] && pass "--pid of the server keeps every request" || fail "--pid $pid: $n of $all"
	n=$("$M" report --format json --until 100ms "$first" | count)
	[ "$n" -lt "$all" ] && [ "$n" -gt 0 ] && pass "--until 100ms keeps the first requests only ($n of $all)" ||
		fail "--until 100ms: $n of $all"
	n=$("$M" report --format json --since 100ms "$first" | count)
	[ "$n" -lt "$all" ] && pass "--since 100ms skips the first requests ($n of $all)" ||
		fail "--since 100ms: $n of $all"
	# --min-request-bytes: in the JSON's options, valid against the schema.
	"$M" report -f json --min-request-bytes 27 testdata/threadpool.mslat >"$TMP/mrb.json" 2>/dev/null
	if python3 - "$SCHEMA" "$TMP/mrb.json" <<'EOF'
import json, sys
import jsonschema
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, json.load(open(sys.argv[1])))
assert doc["options"]["min_request_bytes"] == 27, doc["options"]
EOF
	then
		pass "--min-request-bytes: in options, valid against the schema"
	else
		fail "--min-request-bytes: options or schema"
	fi
	# The rate over the window, not over the whole trace.
	"$M" report --since 200ms --until 400ms testdata/threadpool.mslat >"$TMP/win" 2>/dev/null
	if grep -q "traced (200ms in window)," "$TMP/win" &&
		grep -q "^  120 requests, .*, 600.0 req/s$" "$TMP/win"; then
		pass "--since/--until: the window's length, and the rate over it"
	else
		fail "--since/--until: $(sed -n 2,3p "$TMP/win" | tr '\n' ' ')"
	fi
	# Work handed to other threads: the eventloop scenario's loop waits in
	# epoll_wait (shared by its open requests) while executor threads work.
	"$M" report testdata/eventloop.mslat 2>"$TMP/err" >/dev/null
	if grep -q "threads waited in idle calls (epoll_wait, poll, select) for 89% of their latency after reading them: the work was done elsewhere" "$TMP/err"; then
		pass "work on other threads: the event loop's waits said, 89% of latency"
	else
		fail "work on other threads: not said for eventloop.mslat: $(head -2 "$TMP/err")"
	fi
	said=
	for t in threadpool keepalive streaming recorded/demo; do
		"$M" report "testdata/$t.mslat" 2>"$TMP/err" >/dev/null
		grep -q 'waited in idle calls' "$TMP/err" && said="$said $t"
	done
	[ -z "$said" ] && pass "work on other threads: not said where the requests' threads do the work" ||
		fail "work on other threads: said for$said, which do their own"
	n=$("$M" report --format json --request-timeout 1us "$first" | python3 -c '
import json,sys; r=json.load(sys.stdin)["requests"]; print(r["timed_out"])')
	[ "$n" -gt 0 ] && pass "--request-timeout 1us closes requests ($n timed out)" ||
		fail "--request-timeout 1us closes nothing"
	"$M" report --format json --correlate thread "$first" | count >"$TMP/thr" &&
		[ "$(cat "$TMP/thr")" -gt 0 ] && pass "--correlate thread finds requests" ||
		fail "--correlate thread"
	"$M" report --format json --top 3 "$first" | python3 -c '
import json,sys; r=json.load(sys.stdin); s=r["slowest"]
assert len(s) == 3 and s[0]["latency_ns"] >= s[1]["latency_ns"] >= s[2]["latency_ns"]
assert s[0]["latency_ns"] == r["requests"]["latency_ns"]["max"] and s[0]["steps"]' &&
		pass "--top 3: the three slowest, slowest first, with steps" || fail "--top 3"
fi

# --- text ---------------------------------------------------------------------------
if [ -n "$first" ]; then
	for t in "${traces[@]}"; do
		"$M" report "$t" >"$TMP/text" 2>/dev/null || { fail "text: $(basename "$t")"; continue; }
		w=$(python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$TMP/text")
		[ "$w" -le 80 ] || fail "text: $(basename "$t" .mslat): a line of $w columns"
	done
	pass "text: every report fits in 80 columns"
	"$M" report "$first" >"$TMP/text"
	grep -q $'\033' "$TMP/text" && fail "text: colour when not a terminal" || pass "text: no colour when piped"
	for section in "Latency" "Where the time goes" "Top syscalls" "Processes and threads" "Over time" "Slowest requests"; do
		grep -q "^$section" "$TMP/text" || fail "text: no '$section' section"
	done
	pass "text: every section is there"
	"$M" report --color always "$first" | grep -q $'\033\[' && pass "text: --color always colours" ||
		fail "text: --color always colours"
	NO_COLOR=1 "$M" report --color auto "$first" | grep -q $'\033' && fail "text: NO_COLOR honoured" ||
		pass "text: NO_COLOR honoured"
	if command -v script >/dev/null; then
		script -qec "NO_COLOR=1 $M report $first" /dev/null | grep -q $'\033\[' &&
			fail "text: NO_COLOR on a terminal" || pass "text: NO_COLOR on a terminal: no colour"
		script -qec "$M report $first" /dev/null | grep -q $'\033\[1m' &&
			pass "text: colour on a terminal" || fail "text: colour on a terminal"
	else
		skip "text: terminal colour: script(1) is not installed"
	fi
	"$M" report -o "$TMP/out.txt" "$first" >"$TMP/out" 2>/dev/null
	[ $? -eq 0 ] && [ ! -s "$TMP/out" ] && grep -q "^Latency" "$TMP/out.txt" &&
		pass "-o FILE: the report in the file, nothing on stdout" || fail "-o FILE"
fi

# --- command line ------------------------------------------------------------------------
# expect NAME WANT_RC -- COMMAND...: exit code, and stdout empty on errors.
expect() {
	local name=$1 want=$2 rc
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "cli: $name: exit $rc, want $want ($(head -c 200 "$TMP/err"))"
	elif [ "$want" -ne 0 ] && [ -s "$TMP/out" ]; then
		fail "cli: $name: stdout not empty on error"
	elif [ "$want" -ne 0 ] && ! grep -q "^mslat report: error: " "$TMP/err"; then
		fail "cli: $name: no 'mslat report: error:' message"
	else
		pass "cli: $name"
	fi
}
"$M" report --help >"$TMP/help" 2>"$TMP/err"
[ $? -eq 0 ] && grep -q "^Usage: mslat report" "$TMP/help" && grep -q "^Options:" "$TMP/help" &&
	grep -q "\[default: " "$TMP/help" && grep -q "^Examples:" "$TMP/help" && [ ! -s "$TMP/err" ] &&
	pass "cli: --help: usage, options with defaults, examples on stdout, exit 0" ||
	fail "cli: --help"
w=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$TMP/help")
[ "$w" -le 80 ] && pass "cli: --help fits in 80 columns" || fail "cli: --help has a line of $w columns"
expect "no file" 2 -- "$M" report
expect "bad option" 2 -- "$M" report --frobnicate x.mslat
expect "bad format" 2 -- "$M" report --format yaml x.mslat
# The same trace twice would count everything twice.
expect "the same trace twice" 2 -- "$M" report testdata/threadpool.mslat testdata/../testdata/threadpool.mslat
"$M" export testdata/threadpool.mslat testdata/threadpool.mslat >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] && [ ! -s "$TMP/out" ] && grep -q "^mslat export: error: .* again" "$TMP/err" &&
	pass "cli: export: the same trace twice" || fail "cli: export: the same trace twice"
expect "bad correlate" 2 -- "$M" report --correlate magic x.mslat
expect "bad pid" 2 -- "$M" report --pid abc x.mslat
expect "bad duration" 2 -- "$M" report --since soon x.mslat
expect "a hexadecimal duration" 2 -- "$M" report --since 0x10s x.mslat
expect "an infinite duration" 2 -- "$M" report --until inf x.mslat
expect "a trailing comma in --pid" 2 -- "$M" report --pid 4100, x.mslat
expect "an empty -o" 2 -- "$M" report -o '' x.mslat
expect "--min-request-bytes not a number" 2 -- "$M" report --min-request-bytes 2k x.mslat
expect "--min-request-bytes too large" 2 -- "$M" report --min-request-bytes 65537 x.mslat
# Too many pids: said so (export called 65 'not a list of pids').
many=$(seq -s, 1 257)
for cmd in report export dump; do
	"$M" $cmd --pid "$many" testdata/threadpool.mslat >"$TMP/out" 2>"$TMP/err"
	[ $? -eq 2 ] && grep -q "^mslat $cmd: error: --pid: more than 256 pids" "$TMP/err" &&
		pass "cli: $cmd: 257 pids: 'more than 256'" || fail "cli: $cmd: 257 pids: $(head -1 "$TMP/err")"
done
"$M" export --pid "$(seq -s, 1 256)" -o "$TMP/p.json" testdata/threadpool.mslat 2>"$TMP/err" &&
	pass "cli: export: 256 pids" || fail "cli: export: 256 pids: $(head -1 "$TMP/err")"
"$M" export -o '' x.mslat >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "^mslat export: error: --output: an empty file name" "$TMP/err" &&
	pass "cli: export: an empty -o" || fail "cli: export: an empty -o"
expect "zero timeout" 2 -- "$M" report --request-timeout 0 x.mslat
expect "until before since" 2 -- "$M" report --since 2s --until 1s x.mslat
expect "bad top" 2 -- "$M" report --top 0 x.mslat
expect "bad color" 2 -- "$M" report --color sometimes x.mslat
expect "--requests without json" 2 -- "$M" report --requests x.mslat
expect "csv without -o" 2 -- "$M" report --format csv x.mslat
expect "missing file" 1 -- "$M" report "$TMP/nope.mslat"
grep -q "nope.mslat" "$TMP/err" && pass "cli: the error names the file" || fail "cli: the error names the file"
expect "not a trace" 1 -- "$M" report /etc/passwd
expect "one bad file among good ones" 1 -- "$M" report ${first:+"$first"} /etc/passwd
if [ -n "$first" ]; then
	size=$(stat -c %s "$first")
	head -c $((size * 2 / 3)) "$first" >"$TMP/cut.mslat"
	"$M" report "$TMP/cut.mslat" >"$TMP/out" 2>"$TMP/err"
	[ $? -eq 0 ] && grep -q "truncated" "$TMP/err" && grep -q "^Latency" "$TMP/out" &&
		pass "cli: a truncated trace: a warning, the report of what precedes the cut, exit 0" ||
		fail "cli: a truncated trace"
	cp "$first" "$TMP/bad.mslat"
	printf '\377\377\377\377\377\377\377\377' |
		dd of="$TMP/bad.mslat" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	expect "a corrupt trace" 1 -- "$M" report "$TMP/bad.mslat"
fi
if [ -n "$first" ] && [ -w /dev/full ]; then
	"$M" report "$first" >/dev/full 2>"$TMP/err"
	[ $? -eq 1 ] && pass "cli: a full disk is an error (stdout)" || fail "cli: a full disk is an error (stdout)"
	"$M" report --format json -o /dev/full "$first" >"$TMP/out" 2>"$TMP/err"
	[ $? -eq 1 ] && [ ! -s "$TMP/out" ] && pass "cli: a full disk is an error (-o)" ||
		fail "cli: a full disk is an error (-o)"
fi
# -o naming the trace being read (a slip of the keyboard) would truncate it
# before it is read: refused, for report and export, and the trace is intact.
if [ -n "$first" ]; then
	for cmd in "report --format json" "export"; do
		cp "$first" "$TMP/self.mslat"
		"$M" $cmd -o "$TMP/self.mslat" "$TMP/self.mslat" >"$TMP/out" 2>"$TMP/err"
		rc=$?
		if [ $rc -eq 1 ] && cmp -s "$first" "$TMP/self.mslat" && grep -q "will not write over" "$TMP/err"; then
			pass "cli: $cmd -o the input trace: refused, the trace intact"
		else
			fail "cli: $cmd -o the input trace: exit $rc, $(head -c 200 "$TMP/err")"
		fi
	done
fi
# --requests keeps the requests as structs and writes them one at a time: 100,000
# requests took 470 MB as JSON objects (a 4 KB hostile trace of 3.2M: 14.9 GB),
# now 32 MB. (Not under the sanitizers, whose allocator has its own overhead.)
if [ "${MSLAT_SAN:-0}" = 1 ]; then
	skip "cli: --requests memory bound: not measured under the sanitizers' allocator"
elif [ -x "$SYNTH" ] && [ -x /usr/bin/time ] &&
	"$SYNTH" --scenario keepalive -n 100000 -o "$TMP/many.mslat" >/dev/null 2>&1; then
	/usr/bin/time -f '%M' -o "$TMP/rss" "$M" report --format json --requests -o "$TMP/many.json" \
		"$TMP/many.mslat" 2>/dev/null
	rc=$?
	rss=$(tail -1 "$TMP/rss")
	n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["requests_list"]))' \
		"$TMP/many.json" 2>&1)
	if [ $rc -eq 0 ] && [ "$n" = 100000 ] && [ "$rss" -lt 120000 ]; then
		pass "cli: --requests lists 100000 requests in ${rss} KB (bound 120000)"
	else
		fail "cli: --requests: exit $rc, $n listed, ${rss} KB (bound 120000)"
	fi
fi
# --interval finer than 960 points over the trace: the series is widened (with
# a warning), never cut. Before, an 18 s trace at 1ms kept 960 points holding
# 1110 of its 20000 requests, silently.
if [ -x "$SYNTH" ] && "$SYNTH" --scenario keepalive -n 20000 -o "$TMP/long.mslat" >/dev/null 2>&1; then
	"$M" report --format json --interval 1ms -o "$TMP/long.json" "$TMP/long.mslat" 2>"$TMP/err"
	rc=$?
	got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); p=d["timeseries"]["points"]
print(len(p) <= 960, sum(x["requests"] for x in p) == d["requests"]["count"] > 0)' "$TMP/long.json" 2>&1)
	if [ $rc -eq 0 ] && [ "$got" = "True True" ] && grep -q "interval 1ms gives more than 960 points" "$TMP/err"; then
		pass "cli: --interval too fine for the trace: widened with a warning, every request in the series"
	else
		fail "cli: --interval too fine: exit $rc, $got, $(head -c 200 "$TMP/err")"
	fi
fi
finish
