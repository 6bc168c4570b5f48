#!/usr/bin/env bash
# Peak memory of the engine with a large genesis (BENCHMARKS.md, "End to end", 1,000,000
# accounts): writes a reproducible genesis with `settlement-bench genesis`, starts the release
# engine on it against a fresh data directory under /usr/bin/time -v, records its VmHWM once it
# listens, optionally runs the load generator against it, stops it with SIGINT, and prints
# start-up time and peak RSS (VmHWM of the engine process; /usr/bin/time's "Maximum resident set
# size" is the same process's ru_maxrss — the embedded PostgreSQL runs as other processes).
#
# Usage: Deploy/bench-startup-rss.sh [accounts (default 1000000)] [load seconds (default 0: none)]
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${1:-1000000}
load_seconds=${2:-0}
# One product per call: given twice, --product builds only the last one (a stale engine was measured).
swift build -c release --product settlement-engine >&2
swift build -c release --product settlement-bench >&2
bench=.build/release/settlement-bench

work=$(mktemp -d); chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
genesis="$work/genesis.json"
$bench genesis --accounts "$accounts" --out "$genesis" --no-verify
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s.%N)
/usr/bin/time -v -o "$work/time.txt" .build/release/settlement-engine --listen "127.0.0.1:$port" \
    --data-dir "$work/data" --genesis "$genesis" --log-level warning > "$work/engine.log" 2>&1 &
timer=$!
for _ in $(seq 3000); do grep -q "listening on" "$work/engine.log" 2>/dev/null && break; sleep 0.1; done
ready=$(date +%s.%N)
engine=$(pgrep -P "$timer" settlement-engi || true)
grep -q "listening on" "$work/engine.log" || { cat "$work/engine.log"; echo "engine did not start" >&2; exit 1; }
hwm_ready=$(awk '/VmHWM/ {print $2}' "/proc/$engine/status")
rss_ready=$(awk '/VmRSS/ {print $2}' "/proc/$engine/status")
echo "start-up: $(python3 -c "print(f'{$ready - $start:.1f}')") s; after start-up: RSS $((rss_ready / 1024)) MiB, peak so far $((hwm_ready / 1024)) MiB"
if [ "$load_seconds" -gt 0 ]; then
    $bench load --server "127.0.0.1:$port" --transactions $((load_seconds * 30000)) --duration "$load_seconds" --quiet
    echo "after load: RSS $(( $(awk '/VmRSS/ {print $2}' "/proc/$engine/status") / 1024 )) MiB"
fi
kill -INT "$engine"
wait "$timer" || true
echo "engine peak RSS (/usr/bin/time -v): $(awk -F': ' '/Maximum resident/ {print int($2 / 1024)}' "$work/time.txt") MiB"
