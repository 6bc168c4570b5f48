#!/usr/bin/env bash
# Transport benchmark: the engine's unary gRPC method (grpc.health.v1.Health/Check, a fixed
# 5-byte request, answered inline on the event loop) and an async unary handler
# (GetPerformanceMetrics, one Swift task per call) against nghttpd serving a small static file, all
# driven by h2load in the same run on this machine, with the same connection, stream and thread
# counts. The engine needs its database, so it starts with its embedded PostgreSQL in a temp dir.
# Prints both request rates and their ratio. Usage: Deploy/bench-transport.sh [requests] [clients] [streams]
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh bench
requests=${1:-200000}
clients=${2:-8}
streams=${3:-32}
loops=${BENCH_LOOPS:-1}

swift build -c release --product settlement-engine >/dev/null
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq "${2:-100}"); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

# A gRPC message: flag 0, length 0 (an empty HealthCheckRequest, service "").
printf '\x00\x00\x00\x00\x00' > "$work/request.bin"
# The static file: about the size of the gRPC response (5-byte prefix + 2-byte message).
mkdir -p "$work/www" && printf 'hello!\n' > "$work/www/file.txt"

engine_port=$(free_port)
mkdir -p "$work/data" && chmod 755 "$work" "$work/data"
.build/release/settlement-engine --listen "127.0.0.1:$engine_port" --event-loops "$loops" --log-level warning \
  --data-dir "$work/data" \
  > "$work/engine.log" 2>&1 &
pids+=($!)
nghttpd_port=$(free_port)
nghttpd --no-tls -n "$loops" -d "$work/www" "$nghttpd_port" > "$work/nghttpd.log" 2>&1 &
pids+=($!)
wait_port "$engine_port" 300; wait_port "$nghttpd_port" 50

run_h2load() {  # prints requests/s, fails if any request failed
  local out
  out=$(h2load -t 1 -n "$requests" -c "$clients" -m "$streams" "$@")
  echo "$out" | grep -E '^(finished in|requests:|status codes:)' | sed 's/^/    /' >&2
  echo "$out" | awk '/^requests:/ { if ($10 != 0 || $12 != 0) { print "FAILED REQUESTS" > "/dev/stderr"; exit 1 } }'
  echo "$out" | awk '/^finished in/ { gsub(",", "", $4); print $4 }'
}

# Warm-up (not recorded).
h2load -t 1 -n 20000 -c "$clients" -m "$streams" -d "$work/request.bin" \
  -H 'content-type: application/grpc' -H 'te: trailers' \
  "http://127.0.0.1:$engine_port/grpc.health.v1.Health/Check" >/dev/null
h2load -t 1 -n 20000 -c "$clients" -m "$streams" "http://127.0.0.1:$nghttpd_port/file.txt" >/dev/null

echo "gRPC unary grpc.health.v1.Health/Check on settlement-engine ($loops event loop(s)):" >&2
grpc_rps=$(run_h2load -d "$work/request.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
  "http://127.0.0.1:$engine_port/grpc.health.v1.Health/Check")
echo "gRPC unary settlement.v1.Settlement/GetPerformanceMetrics (an async handler, one task per call):" >&2
async_rps=$(run_h2load -d "$work/request.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
  "http://127.0.0.1:$engine_port/settlement.v1.Settlement/GetPerformanceMetrics")
echo "nghttpd ($loops thread(s)) serving a 7-byte static file:" >&2
nghttpd_rps=$(run_h2load "http://127.0.0.1:$nghttpd_port/file.txt")

ratio=$(python3 -c "print(f'{$grpc_rps / $nghttpd_rps * 100:.1f}')")
echo
echo "requests: $requests, connections: $clients, streams per connection: $streams, h2load threads: 1, server threads: $loops, cores: $(nproc)"
printf '%-44s %12.0f req/s\n' "settlement-engine gRPC unary (Health/Check)" "$grpc_rps"
printf '%-44s %12.0f req/s\n' "settlement-engine gRPC unary (async handler)" "$async_rps"
printf '%-44s %12.0f req/s\n' "nghttpd static file (the machine's limit)" "$nghttpd_rps"
echo "ratio: ${ratio}% of nghttpd (Health/Check); async handler: $(python3 -c "print(f'{$async_rps / $nghttpd_rps * 100:.1f}')")%"
