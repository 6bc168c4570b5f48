#!/usr/bin/env bash
# Runs every test: the Swift tests (swift test) and the interoperability and bad-input tests
# against stock grpcio (pytest, in a private virtual environment under .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh test

echo "== swift build"
swift build --build-tests

echo "== swift test"
# A hung test fails the run instead of eating CI's whole budget.
timeout 1500 swift test --skip-build

echo "== python interop (grpcio) and bad-input tests"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import grpc, grpc_tools, grpc_health, grpc_reflection, pytest, h2, eth_account, eth_hash" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check \
    "grpcio>=1.60" "grpcio-tools>=1.60" "grpcio-health-checking>=1.60" "grpcio-reflection>=1.60" \
    "pytest>=7" "h2>=4" "eth-account>=0.10" "eth-hash[pycryptodome]>=0.5"
fi
RPC_PEER="$(swift build --show-bin-path)/rpc-interop-peer" ENGINE_BIN="$(swift build --show-bin-path)/settlement-engine" \
  .venv/bin/python -m pytest -q Tests/interop
