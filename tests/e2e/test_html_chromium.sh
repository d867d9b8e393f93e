#!/bin/bash
# SPDX-License-Identifier: MIT
# The HTML report opened in headless Chromium (issue 5): it loads with no
# console error and no network request, its charts are non-empty SVG, hostile
# trace strings stay text, and a screenshot is saved in the build directory.
# Driven over the DevTools protocol on a pipe (--remote-debugging-pipe) by a
# small Node script without packages.
#
#   tests/e2e/test_html_chromium.sh BUILD_DIR
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/../cli/lib.sh"
B=$(cd "${1:?usage: test_html_chromium.sh BUILD_DIR}" && pwd)

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
	skip "html in chromium: chromium is not installed (Debian: apt-get install chromium)"
	exit 0
fi
if ! command -v node >/dev/null; then
	skip "html in chromium: node is not installed (Debian: apt-get install nodejs)"
	exit 0
fi
for tool in synth hostile_trace; do
	if [ ! -x "$B/tests/$tool" ]; then
		fail "html in chromium: $B/tests/$tool is not built"
		exit 1
	fi
done

FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
	--disable-background-networking --disable-component-update --disable-sync
	--disable-default-apps --disable-extensions --mute-audio --hide-scrollbars)

cat >"$TMP/cdp.js" <<'EOF'
// Opens a page in Chromium over --remote-debugging-pipe (fd 3 in, fd 4 out,
// NUL-separated JSON), records console messages, exceptions, log entries and
// network requests, then reports what the DOM holds as one JSON line.
'use strict';
const { spawn } = require('child_process');
const [chromium, url, profile, ...flags] = process.argv.slice(2);
const child = spawn(chromium, [...flags, '--remote-debugging-pipe', `--user-data-dir=${profile}`,
	'--window-size=1280,4000', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
const toChrome = child.stdio[3], fromChrome = child.stdio[4];
let stderr = '';
child.stderr.on('data', (d) => { stderr += d; });
let nextId = 1, buf = '';
const waiting = new Map(), listeners = [];
const out = { console: [], exceptions: [], log: [], requests: [], failed: [] };
function send(method, params = {}, sessionId) {
	const id = nextId++;
	const msg = { id, method, params };
	if (sessionId) msg.sessionId = sessionId;
	toChrome.write(JSON.stringify(msg) + '\0');
	return new Promise((resolve, reject) => waiting.set(id, { resolve, reject, method }));
}
fromChrome.on('data', (d) => {
	buf += d;
	let i;
	while ((i = buf.indexOf('\0')) >= 0) {
		const msg = JSON.parse(buf.slice(0, i));
		buf = buf.slice(i + 1);
		if (msg.id && waiting.has(msg.id)) {
			const w = waiting.get(msg.id);
			waiting.delete(msg.id);
			if (msg.error) w.reject(new Error(`${w.method}: ${msg.error.message}`));
			else w.resolve(msg.result);
		} else if (msg.method) {
			listeners.forEach((l) => l(msg));
		}
	}
});
function waitFor(method) {
	return new Promise((resolve) => {
		const l = (m) => { if (m.method === method) { listeners.splice(listeners.indexOf(l), 1); resolve(m); } };
		listeners.push(l);
	});
}
listeners.push((m) => {
	const p = m.params || {};
	if (m.method === 'Runtime.consoleAPICalled')
		out.console.push({ type: p.type, text: (p.args || []).map((a) => a.value ?? a.description).join(' ') });
	else if (m.method === 'Runtime.exceptionThrown')
		out.exceptions.push(p.exceptionDetails && p.exceptionDetails.text);
	else if (m.method === 'Log.entryAdded')
		out.log.push({ level: p.entry.level, source: p.entry.source, text: p.entry.text, url: p.entry.url });
	else if (m.method === 'Network.requestWillBeSent')
		out.requests.push(p.request.url);
	else if (m.method === 'Network.loadingFailed')
		out.failed.push(p.errorText);
});
const timer = setTimeout(() => { console.log(JSON.stringify({ error: 'timeout', stderr })); child.kill('SIGKILL'); process.exit(2); }, 60000);
(async () => {
	const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
	const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
	for (const d of ['Runtime', 'Log', 'Network', 'Page'])
		await send(`${d}.enable`, {}, sessionId);
	const loaded = waitFor('Page.loadEventFired');
	await send('Page.navigate', { url }, sessionId);
	await loaded;
	await new Promise((r) => setTimeout(r, 500));	// late console messages
	const expr = `(() => {
		const charts = [...document.querySelectorAll('svg.chart')].map((s) => {
			const shapes = [...s.querySelectorAll('rect,path,polyline,circle,line')]
				.filter((e) => { const b = e.getBBox(); return b.width > 0 || b.height > 0; });
			const r = s.getBoundingClientRect();
			return { shapes: shapes.length, width: r.width, height: r.height };
		});
		return JSON.stringify({
			title: document.title,
			charts,
			scripts: document.querySelectorAll('script').length,
			imgs: document.querySelectorAll('img,iframe,object,embed').length,
			handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
			text: document.body.innerText,
			height: document.documentElement.scrollHeight,
		});
	})()`;
	const r = await send('Runtime.evaluate', { expression: expr, returnByValue: true }, sessionId);
	Object.assign(out, JSON.parse(r.result.value));
	clearTimeout(timer);
	console.log(JSON.stringify(out));
	await send('Browser.close').catch(() => {});
	setTimeout(() => { child.kill('SIGKILL'); process.exit(0); }, 2000).unref();
})().catch((e) => { console.log(JSON.stringify({ error: String(e), stderr })); child.kill('SIGKILL'); process.exit(2); });
EOF

# check_page NAME HTML: load it and check what the browser saw; the result is in $TMP/NAME.json.
check_page() {
	local name=$1 html=$2
	node "$TMP/cdp.js" "$CHROMIUM" "file://$html" "$(mktemp -d "$TMP/profile.XXXXXX")" "${FLAGS[@]}" \
		>"$TMP/$name.json" 2>"$TMP/$name.node.err"
	if ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit("error" in d)' "$TMP/$name.json" 2>/dev/null; then
		fail "$name: chromium did not load the page"
		head -c 2000 "$TMP/$name.json" "$TMP/$name.node.err" | sed 's/^/  /'
		return 1
	fi
	return 0
}

"$B/tests/synth" --scenario threadpool -o "$TMP/tp.mslat" >/dev/null || fail "synth writes a threadpool trace"
"$B/tests/hostile_trace" -o "$TMP/hostile.mslat" || fail "hostile_trace writes a trace"

if ! "$B/mslat" report --format html -o "$TMP/report.html" "$TMP/tp.mslat" 2>"$TMP/err"; then
	fail "html in chromium: report --format html failed"
	sed 's/^/  /' "$TMP/err"
elif check_page report "$TMP/report.html"; then
	python3 - "$TMP/report.json" >"$TMP/verdict" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
def line(ok, what, detail=''):
    print(('PASS ' if ok else 'FAIL ') + what + (f': {detail}' if detail and not ok else ''))
errors = [c for c in d['console'] if c['type'] in ('error', 'assert', 'warning')] + \
         [l for l in d['log'] if l['level'] in ('error', 'warning')] + d['exceptions']
line(not errors, 'html in chromium: no console error or warning', errors[:5])
reqs = [u for u in d['requests'] if not u.startswith(('file://', 'data:', 'about:'))]
line(not reqs and not d['failed'], 'html in chromium: no network request', (reqs + d['failed'])[:5])
line(d['scripts'] == 0, 'html in chromium: no script element', d['scripts'])
charts = d['charts']
line(len(charts) >= 6, f'html in chromium: charts present ({len(charts)} svg)', charts)
empty = [c for c in charts if c['shapes'] < 3 or c['width'] < 100 or c['height'] < 50]
line(charts and not empty, 'html in chromium: every chart has visible shapes and size', empty[:3])
for w in ('Request latency', 'Throughput', 'Where the time goes', 'Top syscalls', 'Slowest requests', 'p99'):
    line(w in d['text'], f'html in chromium: shows "{w}"')
EOF
	cat "$TMP/verdict"
	failures=$((failures + $(grep -c '^FAIL' "$TMP/verdict")))
	"$CHROMIUM" "${FLAGS[@]}" --user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" \
		--screenshot="$B/html-report.png" --window-size=1280,4000 "file://$TMP/report.html" \
		>/dev/null 2>&1
	cp "$TMP/report.html" "$B/html-report.html"
	if [ -s "$B/html-report.png" ] && head -c 8 "$B/html-report.png" | grep -q PNG; then
		pass "html in chromium: screenshot saved in $B/html-report.png"
	else
		fail "html in chromium: screenshot"
	fi
fi

if ! "$B/mslat" report --format html -o "$TMP/hostile.html" "$TMP/hostile.mslat" 2>"$TMP/err"; then
	fail "hostile html in chromium: report --format html failed"
	sed 's/^/  /' "$TMP/err"
elif check_page hostile "$TMP/hostile.html"; then
	python3 - "$TMP/hostile.json" >"$TMP/verdict" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
def line(ok, what, detail=''):
    print(('PASS ' if ok else 'FAIL ') + what + (f': {detail}' if detail and not ok else ''))
line(d['imgs'] == 0 and d['scripts'] == 0 and d['handlers'] == 0,
     'hostile html in chromium: no img/script element or on* handler in the DOM',
     (d['imgs'], d['scripts'], d['handlers']))
line('<img src=x onerror=alert(1)>' in d['text'], 'hostile html in chromium: the process name shows as text')
line('<svg onload=alert(2)>' in d['text'], 'hostile html in chromium: the syscall name shows as text')
line('<script>alert(4)</script>' in d['title'] + d['text'], 'hostile html in chromium: the hostname shows as text')
errors = [c for c in d['console'] if c['type'] in ('error', 'assert')] + \
         [l for l in d['log'] if l['level'] == 'error'] + d['exceptions']
line(not errors, 'hostile html in chromium: no console error (no blocked load either)', errors[:5])
reqs = [u for u in d['requests'] if not u.startswith(('file://', 'data:', 'about:'))]
line(not reqs, 'hostile html in chromium: no network request', reqs[:5])
EOF
	cat "$TMP/verdict"
	failures=$((failures + $(grep -c '^FAIL' "$TMP/verdict")))
fi
finish
