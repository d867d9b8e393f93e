# SPDX-License-Identifier: MIT
# Shared by the end-to-end tests: root/BPF checks and a recorder harness.
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"

# Why BPF recording cannot run here, or nothing.
bpf_unavailable() {
	[ "$(id -u)" -eq 0 ] || { echo "not root (CI runs these as root)"; return; }
	[ -r /sys/kernel/btf/vmlinux ] || { echo "no kernel BTF at /sys/kernel/btf/vmlinux"; return; }
}

# start_recorder OUT.mslat LOG -- COMMAND...: records COMMAND in the background,
# waits for the "recording" line; sets REC_PID. The command's stdout goes to LOG.out.
start_recorder() {
	local out=$1 log=$2 i
	shift 3
	"$B/mslat-record" -o "$out" --force -- "$@" >"$log.out" 2>"$log.err" &
	REC_PID=$!
	for i in $(seq 200); do
		grep -q 'recording' "$log.err" 2>/dev/null && return 0
		kill -0 "$REC_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

stop_recorder() {
	kill -INT "$REC_PID" 2>/dev/null
	wait "$REC_PID"
}

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# json FILE EXPR: evaluate a Python expression over the parsed JSON as `d`.
json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
