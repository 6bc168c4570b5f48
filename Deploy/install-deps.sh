#!/usr/bin/env bash
# Installs the Debian 12 packages the engine, its tests or its benchmarks need, when missing.
# Usage: Deploy/install-deps.sh [runtime|cluster|test|bench]   (each includes runtime; test and bench include cluster)
set -euo pipefail
kind=${1:-runtime}

runtime=(pkg-config libnghttp2-dev libprotobuf-c-dev libssl-dev libpq-dev libsecp256k1-dev
         postgresql openssl ca-certificates)
test=(protobuf-compiler protobuf-c-compiler python3 python3-venv python3-pip nghttp2-client nghttp2-proxy)
bench=(nghttp2-client nghttp2-server)
cluster=(nghttp2-proxy)

want=("${runtime[@]}")
case "$kind" in
  runtime) ;;
  cluster) want+=("${cluster[@]}") ;;
  test) want+=("${test[@]}") ;;
  bench) want+=("${test[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 [runtime|cluster|test|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing missing packages: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
