"""The fault campaign: PostgreSQL, engine replicas and a grpcio load on loopback, then trials of
each fault (kill -9 / SIGSTOP of the leader, PostgreSQL restarts and crashes, the database
unreachable from one replica, its data or WAL volume full), each followed by the durability and
agreement checks. Run it with Deploy/fault-campaign.sh or `python -m faults --help` (with Tests/
on PYTHONPATH). Not a pytest module: Tests/interop/test_fault_campaign.py runs a short one.
"""
import sys
from pathlib import Path

# The helpers shared with the interop tests (harness.py) live next to them.
_INTEROP = str(Path(__file__).resolve().parents[1] / "interop")
if _INTEROP not in sys.path:
    sys.path.insert(0, _INTEROP)
