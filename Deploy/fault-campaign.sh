#!/usr/bin/env bash
# The fault campaign: a private PostgreSQL (on a small tmpfs when root), replicas of the engine
# each behind its own TCP proxy to it, and a grpcio load through every replica; then N trials of
# each fault (kill -9 / SIGSTOP of the leader, PostgreSQL restart -m fast and stop -m immediate,
# the database blackholed from one replica, its data or WAL volume full), each checked: every acknowledged transfer
# in PostgreSQL exactly once, the batch chain intact, every replica equal to a replay.
#
#   Deploy/fault-campaign.sh [--trials N] [--faults a,b] [--write-doc docs/reliability.md] [...]
#
# Options are those of `python -m faults --help` (Tests/faults). Exit 0 only if every trial
# passed. Builds the engine (debug) and the Python environment (.venv) first.
set -euo pipefail
cd "$(dirname "$0")/.."
for a in "$@"; do
  case "$a" in -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
done

Deploy/install-deps.sh --check test

echo "== swift build (debug)" >&2
swift build --product settlement-engine >&2

Tests/python-venv.sh

ENGINE_BIN="$(swift build --show-bin-path)/settlement-engine" FAULT_CAMPAIGN_COMMAND="Deploy/fault-campaign.sh" \
  PYTHONPATH=Tests exec .venv/bin/python -m faults "$@"
