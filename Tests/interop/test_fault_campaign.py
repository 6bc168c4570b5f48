"""The fault campaign (Tests/faults, run in full by Deploy/fault-campaign.sh) in miniature, so that
CI exercises its code: two replicas under load, one trial each of two cheap faults (PostgreSQL
`restart -m fast`, the database blackholed from the leader), which must pass with nothing lost or
duplicated; then the campaign's own checks are tested against a dishonest database: the
`sabotage` step deletes one acknowledged transaction row and copies another behind the engine's
back, and that trial must fail, naming one lost and one duplicated transfer and replicas that no
longer match the replay. Bounded: the campaign has --time-limit and the subprocess a timeout.

`test_resubmission_while_pending_is_not_rejected` reproduces the campaign's finding (a REJECTED
receipt for a transfer that is then sequenced) on one engine; it is a strict xfail until fixed.
"""
import json
import os
import subprocess
import sys
import time

import grpc
import pytest

from harness import REPO


def test_short_fault_campaign(tmp_path):
    engine = os.environ.get("ENGINE_BIN") or str(REPO / ".build/debug/settlement-engine")
    out = tmp_path / "campaign.json"
    env = os.environ | {"PYTHONPATH": str(REPO / "Tests")}
    r = subprocess.run([sys.executable, "-m", "faults", "--trials", "1", "--replicas", "2", "--senders", "3",
                        "--rate", "60", "--faults", "pg-restart-fast,proxy-blackhole,sabotage",
                        "--engine-bin", engine, "--json", str(out), "--time-limit", "100",
                        "--workdir", str(tmp_path / "work")],
                       env=env, capture_output=True, text=True, timeout=240)
    log = r.stdout[-6000:] + r.stderr[-3000:]
    assert out.exists(), log
    result = json.loads(out.read_text())
    rows = {t["fault"]: t for t in result["trials"]}
    assert result["outcome"] == "completed" and set(rows) == {"pg-restart-fast", "proxy-blackhole", "sabotage"}, log
    for kind in ("pg-restart-fast", "proxy-blackhole"):
        t = rows[kind]
        assert t["ok"] and t["lost"] == 0 and t["duplicated"] == 0 and t["acknowledged"] > 0, (t, log)
    bad = rows["sabotage"]
    assert not bad["ok"] and bad["lost"] == 1 and bad["duplicated"] == 1, (bad, log)
    assert any("diverged" in p or "replay" in p for p in bad["problems"]), bad["problems"]
    assert any("chain broken" in p for p in bad["problems"]), bad["problems"]
    assert r.returncode == 1, "a failed trial must fail the campaign's exit status"


# ---------------------------------------------------------------------------------------------
# The campaign's finding, reproduced deterministically (docs/reliability.md, "Findings").


def test_resubmission_while_pending_is_not_rejected(start_engine, stubs_dir, tmp_path):
    """While the database does not answer, the leader's only batch slot (--max-concurrent-batches
    1) holds a batch waiting for its commit, so the next transfer waits in the pool. Its client,
    impatient, sends it again on another call. That answer must not be REJECTED ("refused, the
    state unchanged"): the transfer is sequenced once the database is back."""
    import importlib
    import threading

    from eth_account import Account
    from harness import ExternalPostgres, Transfer, domain_salt, typed_transfer
    sys.path.insert(0, str(REPO / "Tests"))
    from faults.proxy import BlackholeProxy

    pb = importlib.import_module("settlement.v1.settlement_pb2")
    pb_grpc = importlib.import_module("settlement.v1.settlement_pb2_grpc")
    key = Account.from_key(b"\x11" * 32)
    genesis = tmp_path / "genesis.json"
    genesis_doc = {"config": {"chainId": 1337}, "alloc": {key.address: {"balance": str(10**20)}}}
    genesis.write_text(json.dumps(genesis_doc))
    salt = domain_salt(genesis_doc)
    pg = ExternalPostgres()
    proxy = BlackholeProxy(pg.port, "engine").start()
    try:
        engine = start_engine("h2c", "--genesis", str(genesis), "--batch-timeout-ms", "10", "--max-concurrent-batches", "1",
                              "--database-url",
                              f"postgresql://settlement@127.0.0.1:{proxy.port}/postgres")
        to = "0x" + "22" * 20
        t0, t = [Transfer(key.address, to, 5, 1, n, bytes(s.signature), bytes(s.message_hash), salt)
                 for n, s in ((n, key.sign_typed_data(full_message=typed_transfer(key.address, to, 5, 1, n, salt)))
                              for n in (0, 1))]
        with grpc.insecure_channel(f"{engine.host}:{engine.port}") as ch:
            stub = pb_grpc.SettlementStub(ch)
            proxy.blackhole()  # the commit of the transfer's batch cannot finish
            healer = threading.Timer(1.5, proxy.heal)  # well inside the 3 s lease
            healer.start()
            try:
                zero = stub.SubmitTransaction.future(t0.message(pb), timeout=60)  # its batch's commit stalls
                time.sleep(0.3)
                first = stub.SubmitTransaction.future(t.message(pb), timeout=60)  # waits in the pool
                time.sleep(0.3)
                second = stub.SubmitTransaction(t.message(pb), timeout=60)
            finally:
                healer.join()
            first = first.result()
            assert zero.result().status == pb.TX_STATUS_SEQUENCED
        assert first.status == pb.TX_STATUS_SEQUENCED, first
        assert second.status != pb.TX_STATUS_REJECTED, \
            f"the resubmission was answered REJECTED ({second.rejection_reason!r}), yet the transfer was sequenced " \
            f"in batch {first.batch_number}"
        assert (second.status, second.batch_number) == (pb.TX_STATUS_SEQUENCED, first.batch_number), second
    finally:
        proxy.heal()
        proxy.close()
        pg.close()
