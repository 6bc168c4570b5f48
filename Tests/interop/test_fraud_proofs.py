"""The fraud-proof path end to end with the real binaries: a `settlement-engine` that posts a wrong
root (`--fault-inject-wrong-root-at 0`, the test-and-demo switch) and a `settlement-engine
--validator` process on the same database, both on the embedded L1 simulator (blocks every 100 ms,
6 s challenge period, 2 s per move).

The validator re-executes commitment 0's data from the genesis, disputes the wrong root, and wins
the bisection game down to the one-step proof against the engine's own defense; the arbiter
reverts the commitment; the engine marks its transactions REVERTED (GetSettlementStatus and a
SubscribeStatus stream), keeps serving, and posts nothing that the L1 would refuse.
"""
import re
import subprocess
import time

import grpc

from test_durability import FEE_ACCOUNT, genesis_file, pb, pb_grpc, psql, report, transfers
from test_replicas import Replica, lease, pg, wait_for

__all__ = ["genesis_file", "pb", "pb_grpc", "transfers", "pg"]

L1 = ("--l1-block-time-ms", "100", "--l1-settlement-interval", "1", "--l1-confirmation-depth", "2",
      "--challenge-period", "6", "--fraud-proof-window", "2", "--fee-account", FEE_ACCOUNT)
VALIDATOR = "0x" + "5a" * 20


def test_validator_wins_against_a_wrong_root(start_engine, pg, pb, pb_grpc, transfers, genesis_file):
    engine = Replica(start_engine, pg, genesis_file, "proposer", extra=(*L1, "--fault-inject-wrong-root-at", "0"))
    wait_for(lambda: lease(pg)[0] == "proposer", 60, "the engine to lead")
    validator = start_engine("h2c", "--validator", "--validator-address", VALIDATOR, "--validator-stake", "100",
                             "--database-url", pg.url, "--genesis", genesis_file, *L1)
    ch = engine.channel()
    try:
        stub = pb_grpc.SettlementStub(ch)
        sender = [t for t in transfers if t.frm == transfers[0].frm][:20]
        receipts = [stub.SubmitTransaction(t.message(pb), timeout=30) for t in sender]
        assert all(r.status == pb.TX_STATUS_SEQUENCED for r in receipts)
        first = sender[0].tx_id
        seen, errors = [], []

        def follow():
            try:
                for u in stub.SubscribeStatus(pb.SubscribeStatusRequest(tx_ids=[first]), timeout=120):
                    seen.append(u.status.status)
            except grpc.RpcError as e:
                errors.append(e)
        import threading
        th = threading.Thread(target=follow, daemon=True)
        th.start()

        vlog = lambda: validator.process.stderr_path.read_text(errors="replace")
        wait_for(lambda: "outcome=won" in vlog() or "outcome=lost" in vlog(), 90, "the game to end")
        assert "outcome=won" in vlog(), vlog()[-3000:]
        wait_for(lambda: psql(pg.port, "SELECT status FROM l1_commitments WHERE id = 0")[0][0] == "reverted", 60,
                 "the engine to mark commitment 0 reverted")
        st = stub.GetSettlementStatus(pb.GetSettlementStatusRequest(tx_id=first), timeout=30)
        assert st.status == pb.TX_STATUS_REVERTED, st
        th.join(timeout=60)
        assert seen and seen[-1] == pb.TX_STATUS_REVERTED, f"the subscriber saw {seen} {errors}"
        # The engine stays up and answers.
        assert engine.engine.process.alive()
        stub.GetPerformanceMetrics(pb.GetPerformanceMetricsRequest(), timeout=30)
        elog = engine.log()
        assert "FAULT INJECTION" in elog
        moves = len(re.findall(r"moved|bisect", vlog()))
        report("fraud proof", {"subscriber_saw": seen, "validator_log_lines": len(vlog().splitlines()),
                               "challenge_opened": "challenge opened" in vlog(), "moves_logged": moves})
    finally:
        ch.close()
