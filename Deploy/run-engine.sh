#!/usr/bin/env bash
# Builds (release) and runs the settlement engine. Extra arguments go to settlement-engine
# (see `Deploy/run-engine.sh --help`); the defaults serve h2c on 127.0.0.1:50051.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh runtime
swift build -c release --product settlement-engine >&2
exec .build/release/settlement-engine "$@"
