#!/bin/bash
# SPDX-License-Identifier: MIT
# Reports people open (issue 5): HTML escaping, CSV (RFC 4180, libcsv parse-back
# equal to the JSON report), gnuplot rendering, Chrome trace-event JSON.
#
#   tests/cli/test_outputs.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
B=$(cd "${1:?usage: test_outputs.sh BUILD_DIR}" && pwd)
M=$B/mslat
for tool in synth hostile_trace csvcheck; do
	if [ ! -x "$B/tests/$tool" ]; then
		fail "outputs: $B/tests/$tool is not built"
		finish
	fi
done
py() { python3 - "$@"; }

"$B/tests/hostile_trace" -o "$TMP/hostile.mslat" || fail "hostile_trace writes a trace"
"$B/tests/synth" --scenario threadpool -o "$TMP/tp.mslat" >/dev/null || fail "synth writes a threadpool trace"

# --- HTML ---------------------------------------------------------------------
# A page that loads nothing: no script, no src/href to anything but an anchor.
html_is_self_contained() {
	local f=$1
	grep -qi '<script' "$f" && return 1
	grep -Eqi '<(img|iframe|object|embed|link|audio|video|source)[ >]' "$f" && return 1
	grep -Eqi '(src|href|xlink:href|action)="[^#]' "$f" && return 1
	grep -Eqi 'url\(|@import|@font-face' "$f" && return 1
	# the only URL is the SVG namespace, which is a name, never fetched
	[ "$(grep -Eo 'https?://[^"]*' "$f" | grep -vc '^http://www.w3.org/2000/svg$')" -eq 0 ]
}

if "$M" report --format html -o "$TMP/tp.html" "$TMP/tp.mslat" >"$TMP/out" 2>"$TMP/err"; then
	pass "html: report --format html of a threadpool trace"
	check "html: nothing on stdout with -o" test ! -s "$TMP/out"
	check "html: self-contained (no script, no external resource)" html_is_self_contained "$TMP/tp.html"
	check "html: a CSP that forbids script and network" \
		grep -q "default-src 'none'" "$TMP/tp.html"
	n=$(grep -c '<svg' "$TMP/tp.html")
	check "html: charts present ($n svg)" test "$n" -ge 6
	check "html: every section" py "$TMP/tp.html" <<'EOF'
import sys
s = open(sys.argv[1], encoding='utf-8').read()
for sec in ('trace', 'latency', 'time', 'breakdown', 'syscalls', 'findings', 'slowest', 'processes'):
    assert f'<section id="{sec}">' in s, sec
for word in ('p50', 'p90', 'p99'):
    assert word in s, word
EOF
else
	fail "html: report --format html of a threadpool trace (exit $?)"
	sed 's/^/  /' "$TMP/err"
fi

if "$M" report --format html -o "$TMP/hostile.html" "$TMP/hostile.mslat" 2>"$TMP/err"; then
	check "html: hostile strings are text, never markup" py "$TMP/hostile.html" <<'EOF'
import sys, html.parser
s = open(sys.argv[1], encoding='utf-8').read()
tags = []
class P(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        tags.append(tag)
        for k, v in attrs:
            assert not k.startswith('on'), (tag, k)
P().feed(s)
for bad in ('img', 'script', 'marquee', 'u', 'iframe', 'svg onload'):
    assert bad not in tags, f'<{bad}> became an element'
assert '&lt;img src=x onerror=alert(1)&gt;' in s, 'the comm is shown as text'
assert '&lt;svg onload=alert(2)&gt;' in s, 'the syscall name is shown as text'
assert 'host&lt;script&gt;alert(4)&lt;/script&gt;' in s, 'the hostname is shown as text'
EOF
	check "html: hostile page stays self-contained" html_is_self_contained "$TMP/hostile.html"
else
	fail "html: report of the hostile trace"
	sed 's/^/  /' "$TMP/err"
fi

# --- JSON with hostile strings --------------------------------------------------
if "$M" report --format json "$TMP/hostile.mslat" >"$TMP/hostile.json" 2>"$TMP/err"; then
	check "json: hostile strings round-trip" py "$TMP/hostile.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
s = json.dumps(d, ensure_ascii=False)
assert '<img src=x onerror=alert(1)>' in s
assert '<svg onload=alert(2)>' in s
EOF
else
	fail "json: report --format json of the hostile trace"
fi

# --- CSV ------------------------------------------------------------------------------
csv_files="requests syscalls categories timeseries processes"
if "$M" report --format csv -o "$TMP/csv" "$TMP/tp.mslat" >"$TMP/out" 2>"$TMP/err"; then
	pass "csv: report --format csv -o DIR"
	ok=1
	for f in $csv_files; do [ -s "$TMP/csv/$f.csv" ] || ok=0; done
	check "csv: the five files" test $ok = 1
	"$M" report --format json "$TMP/tp.mslat" >"$TMP/tp.json" 2>/dev/null
	if (cd "$TMP/csv" && "$B/tests/csvcheck" requests.csv syscalls.csv categories.csv \
		timeseries.csv processes.csv) >"$TMP/csv.json"; then
		pass "csv: libcsv parses every file strictly, no ragged row"
		check "csv: same numbers as report --format json" py "$TMP/csv.json" "$TMP/tp.json" <<'EOF'
import json, sys
csv = json.load(open(sys.argv[1]))
js = json.load(open(sys.argv[2]))
def rows(name):
    t = csv[name]
    return [dict(zip(t['header'], r)) for r in t['rows']]
def num(v):
    return None if v in ('', None) else int(v)
req = rows('requests.csv')
assert all(h.endswith(('_ns', '_in', '_out')) or h in ('id', 'host', 'pid', 'tid', 'fd', 'fd_kind',
           'complete', 'timed_out', 'queued', 'syscalls', 'sends', 'bursts', 'marker_id')
           for h in csv['requests.csv']['header'])
complete = [r for r in req if r['complete'] == '1']
R = js['requests']
assert len(complete) == R['count'], (len(complete), R['count'])
assert len(req) - len(complete) == R.get('incomplete', 0), (len(req), R.get('incomplete'))
lat = sorted(int(r['latency_ns']) for r in complete)
assert lat[-1] == R['latency_ns']['max'], (lat[-1], R['latency_ns']['max'])
assert sum(lat) // len(lat) == R['latency_ns']['mean'], (sum(lat) // len(lat), R['latency_ns']['mean'])
# the slowest requests of the JSON report are rows of requests.csv, field for field
byid = {int(r['id']): r for r in req}
for s in js.get('slowest', []):
    r = byid[s['id']]
    for k in ('start_ns', 'end_ns', 'latency_ns'):
        assert int(r[k]) == s[k], (s['id'], k, r[k], s[k])
# syscalls: calls and total time per (name, category)
sj = {(s['name'], s['category']): s for s in js['syscalls']}
sc = rows('syscalls.csv')
assert len(sc) == len(sj), (len(sc), len(sj))
for r in sc:
    s = sj[(r['syscall'], r['category'])]
    assert int(r['calls']) == s['calls'], r
    for k in ('total_ns',):
        if k in s:
            assert int(r[k]) == s[k], (r, k)
    for k in ('p50', 'p99', 'max'):
        if isinstance(s.get('duration_ns'), dict) and k in s['duration_ns']:
            assert num(r[k + '_ns']) == s['duration_ns'][k], (r['syscall'], k)
# categories: the per-request totals
cj = js['categories']
cj = {c['name'] if 'name' in c else c['category']: c for c in cj} if isinstance(cj, list) else cj
for r in rows('categories.csv'):
    c = cj.get(r['category'])
    if c is None:
        continue
    if 'calls' in c:
        assert num(r['calls']) == c['calls'], (r['category'], r['calls'], c['calls'])
    if 'total_ns' in c:
        assert num(r['total_ns']) == c['total_ns'], (r['category'], r['total_ns'], c['total_ns'])
    if 'in_requests_ns' in c:
        assert num(r['in_requests_ns']) == c['in_requests_ns'], (r['category'], 'in_requests_ns')
    pr = c.get('per_request_ns') or {}
    for k in ('mean', 'p50', 'p99', 'max'):
        if k in pr:
            assert num(r['request_' + k + '_ns']) == pr[k], (r['category'], k, r['request_' + k + '_ns'], pr[k])
# slow vs typical: average per request in each category (integer division either way)
bd = js.get('breakdown') or {}
for grp, col in (('typical', 'typical_mean_ns'), ('slow', 'slow_mean_ns')):
    g = bd.get(grp) or {}
    for r in rows('categories.csv'):
        v = (g.get('categories_ns') or {}).get(r['category'])
        if r['category'] in ('user', 'shared'):
            v = g.get(r['category'] + '_ns')
        if v is not None and r[col] != '':
            assert abs(int(r[col]) - v) <= 1, (grp, r['category'], r[col], v)
for s in js.get('slowest', []):
    r = byid[s['id']]
    for cat, v in s['categories_ns'].items():
        if cat + '_ns' in r:
            assert int(r[cat + '_ns']) == v, (s['id'], cat)
    for k in ('user_ns', 'shared_ns', 'syscalls', 'bytes_in', 'bytes_out', 'ttfb_ns', 'sends'):
        assert int(r[k]) == s[k], (s['id'], k)
ts = rows('timeseries.csv')
assert sum(int(r['requests']) for r in ts) == R['count']
tj = js['timeseries']
pts = tj['points'] if isinstance(tj, dict) else tj
assert len(ts) == len(pts), (len(ts), len(pts))
for r, p in zip(ts, pts):
    for k in ('start_ns', 'requests', 'incomplete', 'events', 'p50_ns', 'p99_ns', 'max_ns'):
        if k in p:
            assert num(r[k]) == p[k], (k, r[k], p[k])
pj = {(p['host'], p['pid']): p for p in js['processes']}
for r in rows('processes.csv'):
    p = pj[(int(r['host']), int(r['pid']))]
    assert r['comm'] == (p.get('comm') or ''), r['comm']
    for k in ('syscalls', 'syscall_ns', 'idle_ns', 'requests', 'incomplete'):
        assert int(r[k]) == p[k], k
    for k in ('p50', 'p99', 'max'):
        assert num(r['latency_' + k + '_ns']) == p['latency_ns'][k], k
EOF
	else
		fail "csv: libcsv parses every file strictly"
	fi
else
	fail "csv: report --format csv -o DIR (exit $?)"
	sed 's/^/  /' "$TMP/err"
fi
if "$M" report --format csv -o "$TMP/hcsv" "$TMP/hostile.mslat" 2>"$TMP/err"; then
	check "csv: hostile cmdline (commas, quotes, newlines) round-trips" py "$TMP/hcsv" <<'EOF'
import csv, sys
want = ' '.join(["python3", "serve.py", "--models=a,b,c", 'say "hi"', "multi\nline\r\nend",
                 "tab\there\ufffd[31m\ufffd\ufffd\ufffd2J", "bad\ufffd\ufffd utf8", "'single' & <amp>"])
for name in ('requests', 'syscalls', 'categories', 'timeseries', 'processes'):
    with open(f'{sys.argv[1]}/{name}.csv', newline='', encoding='utf-8') as f:
        rows = list(csv.reader(f, strict=True))
    assert all(len(r) == len(rows[0]) for r in rows), name
with open(f'{sys.argv[1]}/processes.csv', newline='', encoding='utf-8') as f:
    p = list(csv.DictReader(f, strict=True))
row = [r for r in p if r['pid'] == '4242'][0]
assert row['comm'] == '<img src=x onerror=alert(1)>', row['comm']
assert row['cmdline'] == want, repr(row['cmdline'])
with open(f'{sys.argv[1]}/syscalls.csv', newline='', encoding='utf-8') as f:
    assert '<svg onload=alert(2)>' in [r['syscall'] for r in csv.DictReader(f)]
EOF
	check "csv: hostile files parse with libcsv" "$B/tests/csvcheck" "$TMP"/hcsv/*.csv >/dev/null
else
	fail "csv: report --format csv of the hostile trace"
fi
"$M" report --format csv "$TMP/tp.mslat" >"$TMP/out" 2>"$TMP/err"
check "csv: without -o DIR is a usage error" test $? -ne 0 -a ! -s "$TMP/out"

# --- gnuplot ----------------------------------------------------------------------------
if "$M" report --format gnuplot -o "$TMP/gp" "$TMP/tp.mslat" >"$TMP/out" 2>"$TMP/err"; then
	pass "gnuplot: report --format gnuplot -o DIR"
	ok=1
	for s in latency_cdf timeseries breakdown; do
		[ -s "$TMP/gp/$s.gp" ] && [ -s "$TMP/gp/$s.dat" ] || ok=0
	done
	check "gnuplot: .gp and .dat for the CDF, time series and breakdown" test $ok = 1
	if command -v gnuplot >/dev/null; then
		ok=1
		for s in latency_cdf timeseries breakdown; do
			rm -f "$TMP/gp/$s.png" "$TMP/gp/$s.svg"
			(cd "$TMP/gp" && gnuplot "$s.gp") >"$TMP/gp.err" 2>&1 || ok=0
			[ -s "$TMP/gp.err" ] && { sed 's/^/  /' "$TMP/gp.err"; ok=0; }
			[ -s "$TMP/gp/$s.png" ] && [ -s "$TMP/gp/$s.svg" ] || ok=0
			head -c 8 "$TMP/gp/$s.png" | grep -q PNG || ok=0
			grep -q '<svg' "$TMP/gp/$s.svg" || ok=0
		done
		check "gnuplot: every script renders PNG and SVG without an error or warning" test $ok = 1
		check "gnuplot: report rendered them and printed nothing" test ! -s "$TMP/err" -a -s "$TMP/gp/latency_cdf.png"
		# No complete request (a window after the trace, markers in a trace without
		# any): empty charts that say so, not gnuplot's "x range is invalid".
		for how in "--since 1h" "--correlate marker"; do
			rm -rf "$TMP/gpe"
			"$M" report --format gnuplot $how -o "$TMP/gpe" "$TMP/tp.mslat" >"$TMP/out" 2>"$TMP/err"
			rc=$?
			ok=1
			for s in latency_cdf timeseries breakdown; do
				head -c 8 "$TMP/gpe/$s.png" 2>/dev/null | grep -q PNG || ok=0
			done
			check "gnuplot: no complete request ($how): exit 0, three charts, nothing printed" \
				test $rc = 0 -a $ok = 1 -a ! -s "$TMP/err"
		done
	else
		skip "gnuplot: rendering: gnuplot is not installed"
	fi
	# Without gnuplot on PATH: a note, and the scripts all the same.
	mkdir -p "$TMP/nogp"
	for t in python3 env sh; do ln -sf "$(command -v $t)" "$TMP/nogp/$t" 2>/dev/null; done
	if PATH=$TMP/nogp "$M" report --format gnuplot -o "$TMP/gp2" "$TMP/tp.mslat" 2>"$TMP/err"; then
		check "gnuplot: without gnuplot, a note and the scripts" \
			grep -q 'gnuplot is not installed' "$TMP/err"
		check "gnuplot: scripts written without gnuplot" test -s "$TMP/gp2/latency_cdf.gp" -a ! -e "$TMP/gp2/latency_cdf.png"
	else
		fail "gnuplot: without gnuplot the report still succeeds"
	fi
else
	fail "gnuplot: report --format gnuplot -o DIR (exit $?)"
	sed 's/^/  /' "$TMP/err"
fi

# --- Chrome trace -----------------------------------------------------------------------
check_chrome() {
	py "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
ev = d['traceEvents']
assert isinstance(ev, list) and ev
assert d.get('displayTimeUnit') in ('ns', 'ms')
open_async = {}
for e in ev:
    for k in ('ph', 'ts', 'pid', 'tid'):
        assert k in e, (k, e)
    assert isinstance(e['ts'], (int, float)) and e['ts'] >= 0, e
    assert isinstance(e['pid'], int) and isinstance(e['tid'], int), e
    if e['ph'] == 'X':
        assert isinstance(e.get('dur'), (int, float)) and e['dur'] >= 0, e
        assert isinstance(e.get('name'), str), e
    elif e['ph'] in ('b', 'e'):
        key = (e['pid'], e.get('cat'), str(e['id']))
        if e['ph'] == 'b':
            assert key not in open_async, ('nested b on one id', e)
            open_async[key] = e['ts']
        else:
            assert key in open_async and open_async.pop(key) <= e['ts'], e
    elif e['ph'] == 'M':
        assert e['name'] in ('process_name', 'thread_name', 'process_labels', 'process_sort_index', 'thread_sort_index'), e
    else:
        assert e['ph'] in ('i', 'C'), e
assert not open_async, 'unterminated async slices'
want = int(sys.argv[2]) if len(sys.argv) > 2 else None
nx = sum(1 for e in ev if e['ph'] == 'X' and e.get('cat') == 'syscall')
if want is not None:
    assert nx == want, (nx, want)
EOF
}
if "$M" export --format chrome-trace "$TMP/tp.mslat" -o "$TMP/tp.trace.json" 2>"$TMP/err"; then
	check "chrome-trace: valid trace-event JSON (ph, ts, pid, tid; dur on X)" check_chrome "$TMP/tp.trace.json"
	events=$("$M" info --format json "$TMP/tp.mslat" | python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d[0] if isinstance(d, list) else d.get("traces", [d])[0]
print(d["events"])')
	"$M" export --format chrome-trace --min-duration 0 "$TMP/tp.mslat" -o "$TMP/all.json" 2>/dev/null
	check "chrome-trace: --min-duration 0 exports every syscall ($events)" check_chrome "$TMP/all.json" "$events"
	n_all=$(grep -o '"ph":"X","ts"' "$TMP/all.json" | wc -l)
	n_def=$(grep -o '"cat":"syscall"' "$TMP/tp.trace.json" | wc -l)
	check "chrome-trace: the 100us default threshold drops short syscalls ($n_def < $n_all)" test "$n_def" -lt "$n_all"
	check "chrome-trace: a track per thread is named" grep -q '"thread_name"' "$TMP/tp.trace.json"
	if grep -q '"cat":"request"' "$TMP/tp.trace.json"; then
		pass "chrome-trace: request slices"
	else
		fail "chrome-trace: request slices"
	fi
else
	fail "chrome-trace: export (exit $?)"
	sed 's/^/  /' "$TMP/err"
fi
if "$M" export --format chrome-trace -d 0 "$TMP/hostile.mslat" -o "$TMP/h.trace.json" 2>"$TMP/err"; then
	check "chrome-trace: hostile strings round-trip" py "$TMP/h.trace.json" <<'EOF'
import json, sys
ev = json.load(open(sys.argv[1], encoding='utf-8'))['traceEvents']
names = {e['args']['name'] for e in ev if e['ph'] == 'M' and 'name' in e.get('args', {})}
assert '<img src=x onerror=alert(1)>' in names, names
assert 'w"1",<b>x</b>\x1b]0;PWND\x07\u202e' in names, names
assert any(e.get('name') == '<svg onload=alert(2)>' for e in ev)
labels = [e['args']['labels'] for e in ev if e.get('name') == 'process_labels']
assert any('multi\nline\r\nend' in l and 'bad\ufffd\ufffd utf8' in l for l in labels), labels
EOF
	check_chrome "$TMP/h.trace.json" >/dev/null 2>&1
	check "chrome-trace: hostile trace is valid trace-event JSON" test $? -eq 0
else
	fail "chrome-trace: export of the hostile trace"
fi
"$M" export --format svg "$TMP/tp.mslat" >"$TMP/out" 2>"$TMP/err"
check "export: an unknown format is a usage error (exit 2, clean stdout)" test $? -eq 2 -a ! -s "$TMP/out"
"$M" export --format chrome-trace "$TMP/nope.mslat" >"$TMP/out" 2>"$TMP/err"
check "export: a missing trace fails (exit 1, clean stdout)" test $? -eq 1 -a ! -s "$TMP/out"
if [ -w /dev/full ]; then
	"$M" export --format chrome-trace "$TMP/tp.mslat" -o /dev/full 2>"$TMP/err"
	check "export: a full disk is an error" test $? -eq 1
fi
# Two traces without a boot id are two hosts: each process's command line comes
# from its own file's targets (matched by hostname and boot id, the second
# trace's target was filed under host 0, and host 1's process had none).
"$B/tests/hostile_trace" -o "$TMP/hostile2.mslat" 2>/dev/null
rm -rf "$TMP/csv2"
"$M" report --format csv -o "$TMP/csv2" "$TMP/hostile.mslat" "$TMP/hostile2.mslat" 2>/dev/null
check "csv: two hosts without a boot id, each process with its own command line" python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
by_host = {r["host"]: r for r in rows if r["pid"] == "4242"}
assert set(by_host) == {"0", "1"}, by_host.keys()
assert all(r["cmdline"].startswith("python3 serve.py") for r in by_host.values())' "$TMP/csv2/processes.csv"
finish
