"""The settlement engine end to end, as a client developer meets it: transfers signed by the stock
`eth-account` library (EIP-712 `sign_typed_data`), sent by a stock `grpcio` client to the real
`settlement-engine` binary with its embedded PostgreSQL. The client learns the EIP-712 domain
(chain id and deployment salt) from GetChainInfo, and it equals what this file computes from the
genesis document alone. Accepted transfers come back SEQUENCED (durable); each kind of bad transfer
— including one signed for another deployment of the same chain id — comes back REJECTED with a
reason and moves no balance."""
import importlib
import json

import grpc
import pytest
from eth_account import Account

from harness import CHAIN_ID, chain_info, domain_salt, typed_transfer

FUNDED = 10**24
RPC_TIMEOUT = 30
ACCOUNTS = [Account.from_key(bytes([0] * 31 + [i + 1])) for i in range(6)]
GENESIS = {"config": {"chainId": CHAIN_ID}, "alloc": {a.address: {"balance": str(FUNDED)} for a in ACCOUNTS[:5]}}
SALT = domain_salt(GENESIS)
# Another deployment of the same chain id: the same accounts, one balance different.
OTHER_SALT = domain_salt({"config": {"chainId": CHAIN_ID},
                          "alloc": {a.address: {"balance": str(FUNDED + (i == 0))} for i, a in enumerate(ACCOUNTS[:5])}})


@pytest.fixture(scope="module")
def pb(stubs_dir):
    return importlib.import_module("settlement.v1.settlement_pb2")


@pytest.fixture(scope="module")
def pb_grpc(stubs_dir, pb):
    return importlib.import_module("settlement.v1.settlement_pb2_grpc")


@pytest.fixture(scope="module")
def accounts():
    return ACCOUNTS


@pytest.fixture(scope="module")
def settlement(start_engine, tmp_path_factory, accounts, pb_grpc):
    d = tmp_path_factory.mktemp("genesis")
    path = d / "genesis.json"
    path.write_text(json.dumps(GENESIS))
    engine = start_engine("h2c", "--genesis", str(path), "--batch-timeout-ms", "10")
    channel = grpc.insecure_channel(f"{engine.host}:{engine.port}")
    yield pb_grpc.SettlementStub(channel)
    channel.close()


def signed(pb, key, to, value, fee, nonce, chain_id=CHAIN_ID, frm=None, salt=SALT, sent_salt=None):
    """A transfer signed by eth-account in the domain (chain_id, salt); `sent_salt` puts another salt
    in the message than the one signed (a relabelled replay)."""
    frm = frm or key.address
    msg = key.sign_typed_data(full_message=typed_transfer(frm, to, value, fee, nonce, salt, chain_id))
    return pb.SignedTransfer(
        **{"from": bytes.fromhex(frm[2:]), "to": bytes.fromhex(to[2:]), "value": value.to_bytes(32, "big"),
           "fee": fee.to_bytes(32, "big"), "nonce": nonce, "chain_id": chain_id, "signature": bytes(msg.signature),
           "domain_salt": sent_salt or salt})


def balance(stub, pb, address):
    a = stub.GetAccount(pb.GetAccountRequest(address=bytes.fromhex(address[2:])), timeout=RPC_TIMEOUT)
    return int.from_bytes(a.balance, "big"), a.nonce


def test_the_served_domain_is_the_genesis_domain_and_eth_account_signs_in_it(settlement, pb, accounts):
    """GetChainInfo serves the salt this file computes from the genesis; eth-account's
    sign_typed_data in that domain (with `salt`) gives a signature the engine accepts and a message
    hash that is the engine's tx id."""
    chain_id, salt = chain_info(settlement, pb)
    assert (chain_id, salt) == (CHAIN_ID, SALT)
    assert SALT != OTHER_SALT
    a, b = accounts[1], accounts[2]
    nonce = balance(settlement, pb, a.address)[1]
    msg = a.sign_typed_data(full_message=typed_transfer(a.address, b.address, 3, 1, nonce, salt, chain_id))
    r = settlement.SubmitTransaction(signed(pb, a, b.address, 3, 1, nonce, chain_id=chain_id, salt=salt), timeout=RPC_TIMEOUT)
    assert r.status == pb.TX_STATUS_SEQUENCED, r.rejection_reason
    assert bytes(r.tx_id) == bytes(msg.message_hash)


def test_signed_transfer_is_sequenced(settlement, pb, accounts):
    a, b = accounts[0], accounts[1]
    before_b = balance(settlement, pb, b.address)[0]
    r = settlement.SubmitTransaction(signed(pb, a, b.address, 12345, 7, 0), timeout=RPC_TIMEOUT)
    assert r.status == pb.TX_STATUS_SEQUENCED, r.rejection_reason
    assert r.batch_number > 0 and len(r.tx_id) == 32
    assert balance(settlement, pb, a.address) == (FUNDED - 12345 - 7, 1)
    assert balance(settlement, pb, b.address)[0] == before_b + 12345
    status = settlement.GetSettlementStatus(pb.GetSettlementStatusRequest(tx_id=r.tx_id), timeout=RPC_TIMEOUT)
    # SEQUENCED, or already a later L1 step (POSTED, ...) if the finality engine was quick.
    assert status.status in (2, 3, 4, 5) and status.batch_number == r.batch_number


@pytest.mark.parametrize("case", ["flipped signature bit", "wrong chain id", "another deployment", "relabelled deployment",
                                  "wrong from", "replayed nonce", "nonce gap", "overflowing value", "insufficient balance"])
def test_bad_transfers_are_rejected_without_effect(settlement, pb, accounts, case):
    sender, other, stranger = accounts[2], accounts[3], accounts[5]  # stranger is not funded
    nonce = balance(settlement, pb, sender.address)[1]
    if case == "replayed nonce":
        ok = settlement.SubmitTransaction(signed(pb, sender, other.address, 1, 1, nonce), timeout=RPC_TIMEOUT)
        assert ok.status == pb.TX_STATUS_SEQUENCED, ok.rejection_reason
        nonce += 1
    before = {x.address: balance(settlement, pb, x.address) for x in (sender, other, stranger)}
    tx = {
        "flipped signature bit": lambda: _flip(signed(pb, sender, other.address, 5, 1, nonce)),
        "wrong chain id": lambda: signed(pb, sender, other.address, 5, 1, nonce, chain_id=CHAIN_ID + 1),
        # Signed for another deployment of this chain id, sent as signed or with this deployment's salt.
        "another deployment": lambda: signed(pb, sender, other.address, 5, 1, nonce, salt=OTHER_SALT),
        "relabelled deployment": lambda: signed(pb, sender, other.address, 5, 1, nonce, salt=OTHER_SALT, sent_salt=SALT),
        "wrong from": lambda: signed(pb, stranger, other.address, 5, 1, nonce, frm=sender.address),
        "replayed nonce": lambda: signed(pb, sender, other.address, 9, 1, nonce - 1),
        "nonce gap": lambda: signed(pb, sender, other.address, 5, 1, nonce + 3),
        "overflowing value": lambda: signed(pb, sender, other.address, 2**256 - 1, 1, nonce),
        "insufficient balance": lambda: signed(pb, stranger, other.address, 5, 1, 0),
    }[case]()
    r = settlement.SubmitTransaction(tx, timeout=RPC_TIMEOUT)
    assert r.status == pb.TX_STATUS_REJECTED, f"{case}: expected REJECTED, got {r.status}"
    expected = {"flipped signature bit": "signature", "wrong chain id": "chain id",
                "another deployment": "signed for another deployment", "relabelled deployment": "not by from",
                "wrong from": "not by from",
                "replayed nonce": "nonce", "nonce gap": "nonce gap", "overflowing value": "overflows",
                "insufficient balance": "insufficient balance"}[case]
    assert expected in r.rejection_reason, r.rejection_reason
    after = {x.address: balance(settlement, pb, x.address) for x in (sender, other, stranger)}
    assert after == before, f"{case} changed balances: {before} -> {after}"


def _flip(tx):
    sig = bytearray(tx.signature)
    sig[5] ^= 0x01
    tx.signature = bytes(sig)
    return tx


def test_streamed_transfers_all_get_receipts(settlement, pb, accounts):
    sender, to = accounts[4], accounts[0]
    start = balance(settlement, pb, sender.address)[1]
    txs = [signed(pb, sender, to.address, 1, 1, start + i) for i in range(200)]
    requests = (pb.SubmitTransactionsRequest(client_sequence=i, transfer=t) for i, t in enumerate(txs))
    receipts = list(settlement.SubmitTransactions(requests, timeout=120))
    assert sorted(r.client_sequence for r in receipts) == list(range(200))
    bad = [r.rejection_reason for r in receipts if r.status != pb.TX_STATUS_SEQUENCED]
    assert not bad, bad[:3]
    assert balance(settlement, pb, sender.address)[1] == start + 200
