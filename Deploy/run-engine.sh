#!/usr/bin/env bash
# Builds (release) and runs the settlement engine. Extra arguments go to settlement-engine
# (see `Deploy/run-engine.sh --help`); the defaults serve h2c on 127.0.0.1:50051 with a private
# PostgreSQL (started and stopped by the engine) and the development genesis Deploy/genesis.dev.json.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh runtime
swift build -c release --product settlement-engine >&2
# PostgreSQL refuses to run as root, so as root the embedded server runs as the `postgres` user,
# which must be able to reach its data directory: keep it under /var/lib then.
if [ "$(id -u)" -eq 0 ]; then
  export SETTLEMENT_DATA_DIR=${SETTLEMENT_DATA_DIR:-/var/lib/settlement-engine}
fi
exec .build/release/settlement-engine "$@"
