"""Deposits end to end, against the real `settlement-engine` and `settlement` binaries on the
embedded L1 simulator (blocks every 150 ms, confirmation depth 5, reorg injection on).

`test_deposit_is_credited_after_confirmation_and_never_twice`: `settlement deposit` makes an L1
deposit and prints its deposit id and L2 transaction id, which eth-account's EIP-712 hashing of
the bridge transfer (from 0x00…00, fee 0, nonce = deposit id) reproduces. The recipient's balance
appears over grpcio `GetAccount`; in PostgreSQL the batch that credited it was committed after the
L1 block `depth - 1` above the deposit's was produced (so only once the deposit was confirmed);
`GetSettlementStatus` reports the deposit transaction SEQUENCED or later. A bridge transfer
submitted over gRPC is REJECTED ("deposits come only from the L1 bridge"). A second deposit's
block is then replaced by an injected L1 reorg (`settlement l1 reorg`, its transactions going
back to the mempool): once it is included again and confirmed, its recipient holds exactly the
deposited amount and the bridge's nonce is 2 — nothing credited twice.
"""
import importlib
import json

import grpc
import pytest
from eth_account.messages import _hash_eip191_message, encode_typed_data

from test_durability import FEE_ACCOUNT, SALT, genesis_file, pb, pb_grpc, psql, report, transfers
from test_replicas import Replica, lease, pg, wait_for
from test_settlement_e2e import CHAIN_ID, typed_transfer
from test_validator_cli import cli, cli_ok

__all__ = ["genesis_file", "pb", "pb_grpc", "transfers", "pg"]

DEPTH = 5
L1 = ("--l1-block-time-ms", "150", "--l1-settlement-interval", "1", "--l1-confirmation-depth", str(DEPTH),
      "--challenge-period", "3", "--fraud-proof-window", "2", "--l1-deposit-safe-depth", str(DEPTH), "--l1-reorg-injection")
BRIDGE = "0x" + "00" * 20
R1 = "0x" + "d1" * 20
R2 = "0x" + "d2" * 20
DURABLE = (2, 3, 4, 5)  # SEQUENCED, POSTED, L1_CONFIRMED, FINALIZED


@pytest.fixture(scope="module")
def vpb(stubs_dir):
    return importlib.import_module("settlement.v1.validator_pb2")


@pytest.fixture(scope="module")
def vpb_grpc(stubs_dir, vpb):
    return importlib.import_module("settlement.v1.validator_pb2_grpc")


def deposit_tx_id(deposit_id, recipient, amount):
    """The L2 transaction id of a deposit, as any client computes it (EIP-712 digest)."""
    return _hash_eip191_message(encode_typed_data(full_message=typed_transfer(BRIDGE, recipient, amount, 0, deposit_id, SALT)))


def account(stub, pb, address):
    a = stub.GetAccount(pb.GetAccountRequest(address=bytes.fromhex(address[2:])), timeout=30)
    return int.from_bytes(a.balance, "big"), a.nonce


def durable(stub, pb, tx_id):
    """Whether the transaction is durably accepted (NOT_FOUND while nobody has sequenced it)."""
    try:
        return stub.GetSettlementStatus(pb.GetSettlementStatusRequest(tx_id=tx_id), timeout=30).status in DURABLE
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.NOT_FOUND:
            return False
        raise


def l1_head(vstub, vpb):
    return vstub.GetFinality(vpb.GetFinalityRequest(limit=1), timeout=30).l1_block_number


def test_deposit_is_credited_after_confirmation_and_never_twice(start_engine, pg, pb, pb_grpc, vpb, vpb_grpc,
                                                                 genesis_file):
    engine = Replica(start_engine, pg, genesis_file, "a", extra=L1)
    wait_for(lambda: lease(pg)[0] == "a", 60, "the engine to lead")
    ch = engine.channel()
    try:
        stub, vstub = pb_grpc.SettlementStub(ch), vpb_grpc.ValidatorStub(ch)

        # 1. A deposit through the CLI: deposit id and L2 transaction id.
        out = json.loads(cli_ok(engine.target, "deposit", "--to", R1, "--amount", "777", "--json", admin=engine.admin_target))
        assert out["depositId"] == 0 and out["l1BlockNumber"] > 0 and out["confirmationDepth"] == DEPTH, out
        block = out["l1BlockNumber"]
        tx_id = bytes.fromhex(out["l2TxId"][2:])
        assert tx_id == deposit_tx_id(0, R1, 777), "the client-computed id differs"

        wait_for(lambda: account(stub, pb, R1)[0] == 777, 60, "the deposit to be credited")
        # Credited by a batch committed only after the deposit's block was DEPTH deep.
        rows = psql(pg.port, f"""
            SELECT b.number, b.committed_at >= l.produced_at
            FROM transactions t JOIN batches b ON b.number = t.batch_number
            JOIN l1_sim_blocks l ON l.canonical AND l.number = {block + DEPTH - 1}
            WHERE t.id = '\\x{tx_id.hex()}'::bytea AND t.status = 2""")
        assert len(rows) == 1 and rows[0][1] == "t", rows
        assert durable(stub, pb, tx_id), "the deposit transaction is SEQUENCED or later"
        assert account(stub, pb, BRIDGE)[1] == 1, "the bridge nonce counts credited deposits"

        # 2. Nobody mints through the API.
        forged = pb.SignedTransfer(**{"from": bytes(20), "to": bytes.fromhex(R1[2:]), "value": (10**6).to_bytes(32, "big"),
                                      "fee": bytes(32), "nonce": 1, "chain_id": CHAIN_ID, "signature": b"\x01" * 65,
                                      "domain_salt": SALT})
        receipt = stub.SubmitTransaction(forged, timeout=30)
        assert receipt.status == pb.TX_STATUS_REJECTED and receipt.rejection_reason == "deposits come only from the L1 bridge"
        assert account(stub, pb, R1)[0] == 777

        # 3. A second deposit, its block replaced by a reorg: credited once it is back and confirmed.
        out2 = json.loads(cli_ok(engine.target, "deposit", "--to", R2, "--amount", "50", "--json", admin=engine.admin_target))
        block2 = out2["l1BlockNumber"]
        head = l1_head(vstub, vpb)
        depth = head - block2 + 1  # replace the deposit's block and every one after it
        reorged = json.loads(cli_ok(engine.target, "l1", "reorg", "--depth", str(depth), "--json", admin=engine.admin_target))
        before_confirmation = depth < DEPTH
        wait_for(lambda: account(stub, pb, R2)[0] == 50, 60, "the re-included deposit to be credited")
        tx2 = bytes.fromhex(out2["l2TxId"][2:])
        # Its id: the deposit id on the new branch (the same here: no other deposit came between).
        wait_for(lambda: durable(stub, pb, tx2), 60, "the second deposit's transaction to be durable")
        # Several more blocks: still exactly once.
        settle_from = l1_head(vstub, vpb)
        wait_for(lambda: l1_head(vstub, vpb) >= settle_from + 2 * DEPTH, 60, "more L1 blocks")
        assert account(stub, pb, R2)[0] == 50
        assert account(stub, pb, R1)[0] == 777
        assert account(stub, pb, BRIDGE)[1] == 2
        credits = psql(pg.port, "SELECT count(*) FROM transactions WHERE sender = '\\x" + "00" * 20 + "'::bytea AND status = 2")
        assert int(credits[0][0]) == 2, credits
        log = engine.log()
        assert "removed or changed a credited deposit" not in log
        report("deposits", {"confirmation_depth": DEPTH, "reorg_depth": depth, "reorg_before_confirmation": before_confirmation,
                            "new_l1_head": reorged["l1BlockNumber"]})
    finally:
        ch.close()


def test_reorg_injection_is_off_by_default(start_engine, pg, genesis_file):
    engine = Replica(start_engine, pg, genesis_file, "b", extra=L1[:-1])
    wait_for(lambda: lease(pg)[0] is not None, 60, "an engine to lead")
    rc, out, err = cli(engine.target, "l1", "reorg", "--depth", "1", admin=engine.admin_target)
    assert rc == 2 and "FAILED_PRECONDITION" in err and "--l1-reorg-injection" in err, (rc, out, err)
