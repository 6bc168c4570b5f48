"""L1 settlement and finality end to end, against the real `settlement-engine` binaries and the
embedded L1 simulator (a simulated chain in the same PostgreSQL; blocks every 100 ms here, a
challenge period of 2 s of simulated L1 time).

`test_transfer_goes_to_finalized_on_every_replica`: two replicas on one database; a transfer
signed by eth-account is submitted through the follower. A `SubscribeStatus` stream for its id on
the follower and another on the leader each see SEQUENCED, POSTED, L1_CONFIRMED, FINALIZED in that
order, and `GetSettlementStatus` ends FINALIZED on both. In PostgreSQL the commitment's row holds
the compressed data and its calldata figures, and the simulated L1 holds the same commitment.
"""
import threading

import grpc
import pytest

from test_durability import FEE_ACCOUNT, SENDER_KEYS, genesis_file, pb, pb_grpc, psql, report, transfers
from test_replicas import Replica, lease, pg, wait_for

__all__ = ["genesis_file", "pb", "pb_grpc", "transfers", "pg"]

FAST_L1 = ("--l1-block-time-ms", "100", "--l1-settlement-interval", "1", "--l1-confirmation-depth", "3",
           "--challenge-period", "2", "--fraud-proof-window", "1")


def follow(stub, pb, tx_id, out, errors):
    try:
        for u in stub.SubscribeStatus(pb.SubscribeStatusRequest(tx_ids=[tx_id]), timeout=120):
            out.append(u.status.status)
    except grpc.RpcError as e:
        errors.append(e)


def test_transfer_goes_to_finalized_on_every_replica(start_engine, pg, pb, pb_grpc, transfers, genesis_file):
    leader = Replica(start_engine, pg, genesis_file, "a", extra=FAST_L1)
    wait_for(lambda: lease(pg)[0] == "a", 60, "a to lead")
    follower = Replica(start_engine, pg, genesis_file, "b", extra=FAST_L1)
    ch_l, ch_f = leader.channel(), follower.channel()
    try:
        stub_l, stub_f = pb_grpc.SettlementStub(ch_l), pb_grpc.SettlementStub(ch_f)
        t = transfers[0]
        seen = {"leader": [], "follower": []}
        errors = []
        threads = [threading.Thread(target=follow, args=(s, pb, t.tx_id, seen[name], errors), daemon=True)
                   for name, s in (("leader", stub_l), ("follower", stub_f))]
        for th in threads:
            th.start()
        # Subscriptions first (they start with the current status: unknown yet, so nothing).
        wait_for(lambda: True, 1, "")
        receipt = stub_f.SubmitTransaction(t.message(pb), timeout=30)
        assert receipt.status == pb.TX_STATUS_SEQUENCED, receipt
        for th in threads:
            th.join(timeout=120)
            assert not th.is_alive(), f"a subscription never reached FINALIZED: {seen}"
        assert not errors, errors
        want = [pb.TX_STATUS_SEQUENCED, pb.TX_STATUS_POSTED, pb.TX_STATUS_L1_CONFIRMED, pb.TX_STATUS_FINALIZED]
        for name, statuses in seen.items():
            # A subscription that opens while the transfer waits (in the pool, or forwarded from the
            # follower) starts with PENDING.
            if statuses and statuses[0] == pb.TX_STATUS_PENDING:
                statuses = statuses[1:]
            # A subscription opened after a step starts with the current status instead.
            assert statuses == want[len(want) - len(statuses):] and statuses[-1] == pb.TX_STATUS_FINALIZED, \
                f"{name} saw {statuses}"
        for stub in (stub_l, stub_f):
            st = stub.GetSettlementStatus(pb.GetSettlementStatusRequest(tx_id=t.tx_id), timeout=30)
            assert st.status == pb.TX_STATUS_FINALIZED
        rows = psql(pg.port, "SELECT id, first_batch, last_batch, status, data_bytes, tx_count, calldata_gas, "
                             "uncompressed_gas, encode(new_root, 'hex') FROM l1_commitments ORDER BY id")
        assert rows and rows[0][3] == "finalized", rows
        first = rows[0]
        assert int(first[5]) >= 1 and int(first[6]) < int(first[7]), f"compression did not pay: {first}"
        on_l1 = psql(pg.port, "SELECT count(*) FROM l1_sim_transactions t JOIN l1_sim_blocks b ON b.hash = t.block_hash "
                              "WHERE b.canonical")
        assert int(on_l1[0][0]) >= len(rows)
        report("finality", {"commitments": len(rows), "leader_saw": seen["leader"], "follower_saw": seen["follower"],
                            "bytes_per_tx": round(int(first[4]) / int(first[5]), 1),
                            "gas_per_tx": int(first[6]) // int(first[5]),
                            "uncompressed_gas_per_tx": int(first[7]) // int(first[5])})
    finally:
        ch_l.close()
        ch_f.close()
