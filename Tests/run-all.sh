#!/usr/bin/env bash
# Runs every test: the architecture check (Tests/check-architecture.py), the Swift tests (swift test), the interoperability and bad-input tests
# against stock grpcio (pytest, in a private virtual environment under .venv, with the pinned
# versions of Tests/interop/requirements.txt), then a short libFuzzer run of every fuzz target
# (FUZZ_SECONDS each, default 10; Deploy/fuzz.sh runs longer).
set -euo pipefail
cd "$(dirname "$0")/.."
# Installs what is missing, then checks every file and command the tests rely on.
Deploy/install-deps.sh test

echo "== architecture (layering, method paths, the reactor, benchmarks)"
python3 Tests/check-architecture.py

echo "== swift build"
swift build --build-tests

echo "== swift test"
# A hung test fails the run instead of eating CI's whole budget.
timeout 1500 swift test --skip-build

echo "== python interop (grpcio) and bad-input tests"
Tests/python-venv.sh
RPC_PEER="$(swift build --show-bin-path)/rpc-interop-peer" ENGINE_BIN="$(swift build --show-bin-path)/settlement-engine" \
  .venv/bin/python -m pytest -q Tests/interop

echo "== fuzzing: every target ${FUZZ_SECONDS:-10} s under libFuzzer and sanitizers (Deploy/fuzz.sh)"
Deploy/fuzz.sh --seconds "${FUZZ_SECONDS:-10}"
