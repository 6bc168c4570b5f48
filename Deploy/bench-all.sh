#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md in one run, each printed side by side with the machine's limit
# measured in the same run: transport (vs nghttpd), crypto (vs raw libsecp256k1 and OpenSSL),
# state (vs raw keccak), COPY and store (vs server-side COPY), and the end-to-end load (60 s at
# full speed, then 30 s at half that rate for latency). Output goes to stdout; it takes ~6 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh bench
# One product per call: given twice, --product builds only the last one (a stale engine was measured).
swift build -c release --product settlement-engine >&2
swift build -c release --product settlement-bench >&2
bench=.build/release/settlement-bench

echo "## transport"; Deploy/bench-transport.sh 200000 8 32 2>/dev/null | tail -6
echo; echo "## crypto"; $bench crypto
echo; echo "## state"; $bench state
echo; echo "## copy"; $bench copy
echo; echo "## store"; $bench store

echo; echo "## end to end"
work=$(mktemp -d); chmod 755 "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
.build/release/settlement-engine --listen "127.0.0.1:$port" --data-dir "$work/data" --log-level warning > "$work/engine.log" 2>&1 &
engine=$!
trap 'kill $engine 2>/dev/null; wait $engine 2>/dev/null; rm -rf "$work"' EXIT
# Ready when it prints its "listening on" line (the port opens earlier, while the state is rebuilt).
for _ in $(seq 600); do grep -q "listening on" "$work/engine.log" 2>/dev/null && break; sleep 0.1; done
$bench load --server "127.0.0.1:$port" --transactions 1500000 --duration 60 --quiet > "$work/full.txt"
cat "$work/full.txt"
tps=$(awk '/sustained/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.,]+$/) { gsub(",", "", $i); print $i; exit } }' "$work/full.txt")
half=$(python3 -c "print(int(float('${tps:-10000}') / 2))")
echo; echo "## end to end at half load ($half tx/s)"
$bench load --server "127.0.0.1:$port" --transactions 400000 --rate "$half" --duration 30 --quiet
echo; echo "engine peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$engine/status)"
