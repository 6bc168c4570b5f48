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

`test_forced_transfer_through_the_l1_inbox_is_applied_and_finalized`: a sender's own transfer put
in the L1 inbox over the admin listener's `SubmitToInbox` (a censored user's way in) is applied on
L2, and a transfer forced out of the same account with another key's signature is skipped with no
effect; the markers that consume both (transfers from 0x00…01, ids from eth-account's EIP-712
hashing) reach FINALIZED; `settlement force` does the same with the user's key. Once the inclusion delay (30 s of L1 time) is past, a later transfer
still finalizes: the engine's commitments meet the deadline (the arbiter refuses any that leaves
an overdue item unconsumed; that refusal is tested in `ForcedInclusionTests`).
"""
import importlib
import json

import grpc
import pytest
from eth_account.messages import _hash_eip191_message, encode_typed_data

from test_durability import FEE_ACCOUNT, SALT, SENDER_KEYS, genesis_file, pb, pb_grpc, psql, report, transfers
from test_replicas import Replica, lease, pg, wait_for
from test_settlement_e2e import CHAIN_ID, typed_transfer
from test_validator_cli import cli, cli_ok

__all__ = ["genesis_file", "pb", "pb_grpc", "transfers", "pg"]

DEPTH = 5
L1 = ("--l1-block-time-ms", "150", "--l1-settlement-interval", "1", "--l1-confirmation-depth", str(DEPTH),
      "--challenge-period", "3", "--fraud-proof-window", "2", "--l1-deposit-safe-depth", str(DEPTH), "--l1-reorg-injection")
BRIDGE = "0x" + "00" * 20
INBOX = "0x" + "00" * 19 + "01"
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
        # The leader's state may show the credit before its batch is committed: wait for the
        # batch to be durable before reading it from the database (a clean-clone run read too early).
        wait_for(lambda: durable(stub, pb, tx_id), 60, "the deposit transaction to be SEQUENCED or later")
        # Credited by a batch committed only after the deposit's block was DEPTH deep (any durable
        # status: with a fast L1 the batch may already be posted).
        rows = psql(pg.port, f"""
            SELECT b.number, b.committed_at >= l.produced_at
            FROM transactions t JOIN batches b ON b.number = t.batch_number
            JOIN l1_sim_blocks l ON l.canonical AND l.number = {block + DEPTH - 1}
            WHERE t.id = '\\x{tx_id.hex()}'::bytea AND t.status IN (2, 3, 4, 5)""")
        assert len(rows) == 1 and rows[0][1] == "t", rows
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


def signed_pb(pb, key, to, value, fee, nonce, signer=None):
    """A settlement.v1.SignedTransfer from `key`'s address, signed by `signer` (default: `key`)."""
    signed = (signer or key).sign_typed_data(full_message=typed_transfer(key.address, to, value, fee, nonce, SALT))
    return pb.SignedTransfer(**{"from": bytes.fromhex(key.address[2:]), "to": bytes.fromhex(to[2:]),
                                "value": value.to_bytes(32, "big"), "fee": fee.to_bytes(32, "big"), "nonce": nonce,
                                "chain_id": CHAIN_ID, "domain_salt": SALT, "signature": bytes(signed.signature)})


def test_forced_transfer_through_the_l1_inbox_is_applied_and_finalized(start_engine, pg, pb, pb_grpc, vpb, vpb_grpc,
                                                                       genesis_file):
    engine = Replica(start_engine, pg, genesis_file, "c", extra=L1 + ("--l1-inclusion-delay", "30"))
    wait_for(lambda: lease(pg)[0] == "c", 60, "the engine to lead")
    ch, admin = engine.channel(), grpc.insecure_channel(engine.admin_target)
    try:
        stub, vstub, astub = pb_grpc.SettlementStub(ch), vpb_grpc.ValidatorStub(ch), vpb_grpc.ValidatorStub(admin)
        user, thief = SENDER_KEYS[0], SENDER_KEYS[1]
        balance, nonce = account(stub, pb, user.address)
        # Refused on the public listener, like every call that acts on the L1 as the request says.
        with pytest.raises(grpc.RpcError) as e:
            vstub.SubmitToInbox(vpb.SubmitToInboxRequest(**{"from": bytes.fromhex("0d" * 20)},
                                                         transfer=signed_pb(pb, user, R1, 5, 1, nonce)), timeout=30)
        assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED, e.value.details()
        stolen = signed_pb(pb, user, thief.address, 10**6, 0, nonce, signer=thief)
        own = signed_pb(pb, user, R1, 123, 2, nonce)
        results = [astub.SubmitToInbox(vpb.SubmitToInboxRequest(**{"from": bytes.fromhex("0d" * 20)}, transfer=t), timeout=30)
                   for t in (stolen, own)]
        assert all(r.l1_block_number > 0 for r in results), results
        assert "inboxItemSubmitted(id: 0" in results[0].events[0] and "inboxItemSubmitted(id: 1" in results[1].events[0], results

        wait_for(lambda: account(stub, pb, R1)[0] == 123, 60, "the forced transfer to be applied")
        assert account(stub, pb, user.address) == (balance - 125, nonce + 1)
        thief_balance = account(stub, pb, thief.address)[0]
        assert thief_balance == balance, "the transfer forced with another key's signature had no effect"
        markers = [_hash_eip191_message(encode_typed_data(full_message=typed_transfer(INBOX, user.address, 0, 0, i, SALT)))
                   for i in (0, 1)]
        assert account(stub, pb, INBOX)[1] == 2, "the inbox nonce counts the items consumed"

        def finalized(tx_id):
            return stub.GetSettlementStatus(pb.GetSettlementStatusRequest(tx_id=tx_id), timeout=30).status == pb.TX_STATUS_FINALIZED
        wait_for(lambda: all(finalized(m) for m in markers), 120, "the markers' commitment to finalize")
        # Past the deadline (30 s = 200 blocks of 150 ms after the items' block), a later transfer
        # still finalizes.
        items_block = max(r.l1_block_number for r in results)
        wait_for(lambda: l1_head(vstub, vpb) >= items_block + 210, 120, "the inclusion delay to pass")
        later = stub.SubmitTransaction(signed_pb(pb, thief, R2, 7, 1, account(stub, pb, thief.address)[1]), timeout=30)
        assert later.status == pb.TX_STATUS_SEQUENCED, later
        wait_for(lambda: finalized(later.tx_id), 120, "a transfer sequenced after the deadline to finalize")
        # The CLI: `settlement force` signs with the user's key (nonce from the engine) and prints
        # the marker to watch, which eth-account's hashing reproduces.
        thief_nonce = account(stub, pb, thief.address)[1]
        out = json.loads(cli_ok(engine.target, "force", "--key", thief.key.hex(), "--to", R2, "--value", "9", "--json",
                                admin=engine.admin_target))
        assert out["inboxId"] == 2 and out["nonce"] == thief_nonce, out
        assert bytes.fromhex(out["l2TxId"][2:]) == _hash_eip191_message(
            encode_typed_data(full_message=typed_transfer(INBOX, thief.address, 0, 0, 2, SALT))), out
        wait_for(lambda: account(stub, pb, R2)[0] == 16, 60, "the CLI's forced transfer to be applied")
        log = engine.log()
        assert "is overdue" not in log, "a commitment of the honest engine was refused for the deadline"
        report("forced_inclusion", {"inclusion_delay_s": 30, "inbox_nonce": account(stub, pb, INBOX)[1]})
    finally:
        ch.close()
        admin.close()
