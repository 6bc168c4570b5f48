#!/usr/bin/env bash
# Before/after benchmark of two builds of the engine, in one run on this machine: the transport
# (h2load against grpc.health.v1.Health/Check of each engine and nghttpd's static file, interleaved)
# and the end-to-end load (settlement-bench load against each engine, alternating, `rounds` times).
# Each build is a checkout with release binaries (`swift build -c release --product
# settlement-engine` and `--product settlement-bench`); the load client is the AFTER build's.
#
#   Deploy/bench-compare.sh BEFORE_CHECKOUT AFTER_CHECKOUT [load seconds] [rounds]
#   (TRANSPORT_RUNS=N: h2load runs per server, interleaved, default 7; rounds 0 skips the load)
#
# Prints one table: requests/s and ratio to nghttpd per engine, then TPS and p99 per run.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh bench >/dev/null
before=$(cd "$1" && pwd); after=$(cd "$2" && pwd)
seconds=${3:-30}; rounds=${4:-2}
for d in "$before" "$after"; do
  for b in settlement-engine settlement-bench; do
    [ -x "$d/.build/release/$b" ] || { echo "missing $d/.build/release/$b (build it with swift build -c release --product $b)" >&2; exit 1; }
  done
done
bench="$after/.build/release/settlement-bench"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq "${2:-100}"); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

# start_engine NAME CHECKOUT [extra flags...]: prints the port; the engine's pid goes to $work/NAME.pid.
start_engine() {
  local name=$1 dir=$2; shift 2
  local port; port=$(free_port)
  mkdir -p "$work/$name" && chmod 755 "$work" "$work/$name"
  (cd "$dir" && exec .build/release/settlement-engine --listen "127.0.0.1:$port" --log-level warning \
     --data-dir "$work/$name" "$@") > "$work/$name.log" 2>&1 &
  echo $! > "$work/$name.pid"
  # Ready once it prints its listening line (after the engine itself has started), not when the
  # port opens (the server starts first).
  for _ in $(seq 1200); do grep -q "settlement-engine listening on" "$work/$name.log" && break; sleep 0.1; done
  grep -q "settlement-engine listening on" "$work/$name.log" || { echo "engine $name never became ready:" >&2; tail -5 "$work/$name.log" >&2; exit 1; }
  echo "$port"
}
stop_engine() { local p; p=$(cat "$work/$1.pid"); kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; }

# 1. Transport: both engines on one event loop, nghttpd on one thread.
printf '\x00\x00\x00\x00\x00' > "$work/request.bin"
mkdir -p "$work/www" && printf 'hello!\n' > "$work/www/file.txt"
np=$(free_port); nghttpd --no-tls -n 1 -d "$work/www" "$np" > "$work/nghttpd.log" 2>&1 & pids+=($!)
wait_port "$np" 50
bp=$(start_engine t-before "$before" --event-loops 1); pids+=($(cat "$work/t-before.pid"))
ap=$(start_engine t-after "$after" --event-loops 1); pids+=($(cat "$work/t-after.pid"))
h2() { h2load -t 1 -n 200000 -c 8 -m 32 "$@" | awk '/^requests:/ { if ($10 != 0 || $12 != 0) { print "FAILED" > "/dev/stderr"; exit 1 } } /^finished in/ { gsub(",", "", $4); print $4 }'; }
grpc() { h2 -d "$work/request.bin" -H 'content-type: application/grpc' -H 'te: trailers' "http://127.0.0.1:$1/grpc.health.v1.Health/Check"; }
# CPU seconds (user + system) a process has used: steadier than requests/s on a shared machine.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }
# grpc_cpu PORT PID: runs one h2load, prints "requests/s cpu-µs-per-request".
grpc_cpu() {
  local c0 c1 rps; c0=$(cpu "$2"); rps=$(grpc "$1"); c1=$(cpu "$2")
  echo "$rps $(python3 -c "print(($c1 - $c0) / 200000 * 1e6)")"
}
grpc "$bp" >/dev/null; grpc "$ap" >/dev/null; h2 "http://127.0.0.1:$np/file.txt" >/dev/null   # warm-up
declare -a tb ta tn cb ca
bpid=$(cat "$work/t-before.pid"); apid=$(cat "$work/t-after.pid")
runs=${TRANSPORT_RUNS:-7}
for _ in $(seq "$runs"); do
  tn+=("$(h2 "http://127.0.0.1:$np/file.txt")")
  read -r r c <<< "$(grpc_cpu "$bp" "$bpid")"; tb+=("$r"); cb+=("$c")
  read -r r c <<< "$(grpc_cpu "$ap" "$apid")"; ta+=("$r"); ca+=("$c")
done
stop_engine t-before; stop_engine t-after
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
mn=$(median "${tn[@]}"); mb=$(median "${tb[@]}"); ma=$(median "${ta[@]}")
echo "## transport (h2load 1 thread, 8 connections x 32 streams, 200,000 requests; median of $runs)"
printf '| %-40s | %12s | %10s | %18s |\n' "server" "requests/s" "of nghttpd" "engine CPU µs/req"
printf '| %-40s | %12.0f | %9.1f%% | %18.2f |\n' "before: Health/Check" "$mb" "$(python3 -c "print($mb/$mn*100)")" "$(median "${cb[@]}")"
printf '| %-40s | %12.0f | %9.1f%% | %18.2f |\n' "after: Health/Check" "$ma" "$(python3 -c "print($ma/$mn*100)")" "$(median "${ca[@]}")"
printf '| %-40s | %12.0f | %9.1f%% | %18s |\n' "nghttpd static file (reference)" "$mn" 100 "-"
echo "runs: before ${tb[*]}; after ${ta[*]}; nghttpd ${tn[*]}"
echo "engine CPU µs per request: before ${cb[*]}; after ${ca[*]}"

# 2. End to end: default settings (L1 settlement on), alternating before/after.
echo
echo "## end to end (settlement-bench load, ${seconds} s per run, default engine settings)"
printf '| %-8s | %5s | %10s | %8s | %8s | %s\n' build run TPS "p50 ms" "p99 ms" notes
for r in $(seq "$rounds"); do
  for which in before after; do
    dir=$before; [ "$which" = after ] && dir=$after
    port=$(start_engine "e-$which-$r" "$dir")
    out=$("$bench" load --server "127.0.0.1:$port" --transactions $((seconds * 30000)) --duration "$seconds" --quiet --json 2>"$work/load-$which-$r.err" || tail -3 "$work/load-$which-$r.err" >&2)
    stop_engine "e-$which-$r"
    python3 - "$which" "$r" "$out" <<'EOF'
import json, sys
which, r, out = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    d = json.loads(out[out.index('{'):])
    l = d["latencyMs"]
    print(f"| {which:<8} | {r:>5} | {d['sustainedTps']:>10,.0f} | {l['p50']:>8.1f} | {l['p99']:>8.1f} | rejected {d['rejected']}, missing {d['missingReceipts']}")
except Exception as e:
    print(f"| {which:<8} | {r:>5} | failed: {e} ({out[-200:]!r}) |")
EOF
  done
done
