"""The shielded pool end to end (docs/shielded.md, "Client and API"): the real settlement-engine
binary with the spend circuit's verifying key (from `zk setup-dev`), driven by the real CLI's
wallet (`settlement shielded shield / scan / balance / send / unshield / submit`) and by a stock
grpcio client for what a dishonest client sends.

Honest path: an account shields into a wallet (SEQUENCED, the account's balance drops by the
amount), the wallet pays a second wallet (the recipient's scan finds the note, the payer's note is
marked spent and its change found, a third wallet's scan finds nothing), the second wallet
unshields to a transparent address (whose balance moves).

The adversaries, each refused with its reason: a forged proof (a valid transaction with its proof
altered), a double spend across batches and a concurrent one (two transactions spending one note),
an inflation attempt (an unshield's public value raised after proving), a stale root (a shield
proven under a root that left a one-batch window), malformed and oversized bytes
(INVALID_ARGUMENT), and bounds on the read calls.

Proving is the slow part (seconds per proof in a debug build): the file makes about ten."""
import concurrent.futures
import importlib
import json
import subprocess

import grpc
import pytest
from eth_account import Account

from conftest import zk
from harness import CHAIN_ID

RPC_TIMEOUT = 60
FUNDED = 10**18
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
SHIELDER = Account.from_key(bytes([0] * 31 + [0x51]))
STALE_SHIELDER = Account.from_key(bytes([0] * 31 + [0x52]))
STALE_OTHER = Account.from_key(bytes([0] * 31 + [0x53]))
UNSHIELD_TO = Account.from_key(bytes([0] * 31 + [0x54])).address
GENESIS = {"config": {"chainId": CHAIN_ID},
           "alloc": {a.address: {"balance": str(FUNDED)} for a in (SHIELDER, STALE_SHIELDER, STALE_OTHER)}}
# The canonical layout (docs/shielded.md): kind 1, root 32, nullifiers 64, commitments 64,
# publicIn 8, publicOut 8, fee 8, binding 32, proof 256 (A 64, B 128, C 64), ciphertexts 2 x 121.
PUBLIC_OUT_AT = 1 + 32 + 64 + 64 + 8
PROOF_AT = 1 + 32 + 64 + 64 + 24 + 32
MAX_SIZE = 715 + 20 + 8 + 65


def run(cli, *args):
    return subprocess.run([cli, "shielded", *map(str, args)], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def pb(stubs_dir):
    return importlib.import_module("settlement.v1.settlement_pb2")


@pytest.fixture(scope="module")
def pb_grpc(stubs_dir, pb):
    return importlib.import_module("settlement.v1.settlement_pb2_grpc")


@pytest.fixture(scope="module")
def world(cli, start_engine, tmp_path_factory, pb_grpc):
    d = tmp_path_factory.mktemp("shielded-e2e")
    r1cs, zkey, vkey = d / "spend.r1cs", d / "spend.zkey", d / "verification_key.json"
    assert zk(cli, "export-r1cs", "--circuit", "spend", "--out", r1cs).returncode == 0
    out = zk(cli, "setup-dev", "--r1cs", r1cs, "--zkey", zkey, "--vkey", vkey)
    assert out.returncode == 0, out.stderr
    # The lane needs an aggregation SRS (each L1 commitment carries one aggregate of its lane's
    # spend proofs); a development one, like the development spend key above.
    srs = d / "aggregation.srs"
    out = zk(cli, "aggregation-srs", "--insecure-dev", "--size", "256", "--out", srs)
    assert out.returncode == 0, out.stderr
    genesis = d / "genesis.json"
    genesis.write_text(json.dumps(GENESIS))
    engine = start_engine("h2c", "--genesis", str(genesis), "--batch-timeout-ms", "10",
                          "--shielded-verifying-key", str(vkey), "--shielded-aggregation-srs", str(srs),
                          "--shielded-minimum-fee", "1")
    keys = {}
    for name in ("w1", "w2", "w3"):
        keys[name] = d / f"{name}.key"
        assert run(cli, "keygen", "--out", keys[name]).returncode == 0
    for name, account in (("shielder", SHIELDER), ("stale", STALE_SHIELDER), ("stale-other", STALE_OTHER)):
        keys[name] = d / f"{name}.account"
        keys[name].write_text(account.key.hex())
    channel = grpc.insecure_channel(f"{engine.host}:{engine.port}")
    w = {"dir": d, "zkey": zkey, "vkey": vkey, "srs": srs, "genesis": genesis, "engine": engine, "keys": keys,
         "server": f"{engine.host}:{engine.port}", "stub": pb_grpc.SettlementStub(channel)}
    yield w
    channel.close()


def address(cli, key):
    out = run(cli, "address", "--key-file", key)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()[0]


def cli_json(out):
    assert out.stdout.strip(), out.stderr
    return json.loads(out.stdout)


def balance_of(world, pb, addr):
    a = world["stub"].GetAccount(pb.GetAccountRequest(address=bytes.fromhex(addr[2:])), timeout=RPC_TIMEOUT)
    return int.from_bytes(a.balance, "big"), a.nonce


def wallet_balance(cli, world, name):
    out = run(cli, "balance", "--server", world["server"], "--spending-key-file", world["keys"][name], "--json")
    assert out.returncode == 0, out.stderr
    return cli_json(out)


def spend(cli, world, command, name, to, amount, *extra):
    return run(cli, command, "--server", world["server"], "--spending-key-file", world["keys"][name], "--to", to,
               "--amount", amount, "--fee", 1, "--proving-key", world["zkey"], *extra)


def submit_bytes(world, pb, data):
    return world["stub"].SubmitShielded(pb.SubmitShieldedRequest(transaction=data), timeout=RPC_TIMEOUT)


def test_state_before_any_note(world, pb):
    s = world["stub"].GetShieldedState(pb.GetShieldedStateRequest(), timeout=RPC_TIMEOUT)
    assert s.accepts_shielded and s.minimum_fee == 1
    assert s.note_count == 0 and len(s.note_root) == 32 and s.recent_roots[-1] == s.note_root
    a = world["stub"].GetAccount(pb.GetAccountRequest(address=bytes.fromhex(SHIELDER.address[2:])), timeout=RPC_TIMEOUT)
    assert a.account_root == b"" and a.note_root == b"" and a.nullifier_root == b"", "an unused pool adds nothing"


def test_shield_from_an_account(cli, world, pb):
    before, nonce = balance_of(world, pb, SHIELDER.address)
    out = run(cli, "shield", "--server", world["server"], "--key-file", world["keys"]["shielder"],
              "--spending-key-file", world["keys"]["w1"], "--amount", 1000, "--fee", 1,
              "--proving-key", world["zkey"], "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    receipt = cli_json(out)
    assert receipt["status"] == "SEQUENCED", receipt
    assert "proving" in out.stderr and "submitting" in out.stderr, out.stderr
    after, nonce_after = balance_of(world, pb, SHIELDER.address)
    assert after == before - 1000 and nonce_after == nonce + 1
    world["shield_id"] = bytes.fromhex(receipt["txId"][2:])
    w1 = wallet_balance(cli, world, "w1")
    assert w1["balance"] == 999 and [n["value"] for n in w1["notes"]] == [999], w1


def test_account_answers_carry_the_pool_roots(world, pb):
    """Once the pool is used, GetAccount's proof is against `account_root`, and the state root is
    keccak256(0x02 || account_root || note_root || nullifier_root), recomputed here with eth-hash
    (an implementation nobody here wrote); the note root is the one GetShieldedState reports."""
    from eth_hash.auto import keccak
    a = world["stub"].GetAccount(pb.GetAccountRequest(address=bytes.fromhex(SHIELDER.address[2:])), timeout=RPC_TIMEOUT)
    assert len(a.account_root) == 32 and len(a.note_root) == 32 and len(a.nullifier_root) == 32, a
    assert keccak(b"\x02" + a.account_root + a.note_root + a.nullifier_root) == a.state_root
    s = world["stub"].GetShieldedState(pb.GetShieldedStateRequest(), timeout=RPC_TIMEOUT)
    if s.batch == a.batch_number:
        assert s.note_root == a.note_root and s.nullifier_root == a.nullifier_root


def test_status_of_a_shielded_transaction_by_id(world, pb):
    """GetSettlementStatus finds a shielded transaction by its id (the store keeps its receipt)."""
    status = world["stub"].GetSettlementStatus(pb.GetSettlementStatusRequest(tx_id=world["shield_id"]),
                                               timeout=RPC_TIMEOUT)
    # SEQUENCED, or further on already (the simulated L1 posts batches quickly).
    assert status.status in (pb.TX_STATUS_SEQUENCED, pb.TX_STATUS_POSTED, pb.TX_STATUS_L1_CONFIRMED,
                             pb.TX_STATUS_FINALIZED) and status.batch_number > 0, status


def test_send_is_found_by_the_recipient_only(cli, world, pb):
    out = spend(cli, world, "send", "w1", address(cli, world["keys"]["w2"]), 300, "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    assert cli_json(out)["status"] == "SEQUENCED"
    w2 = wallet_balance(cli, world, "w2")
    assert w2["balance"] == 300 and [n["value"] for n in w2["notes"]] == [300], w2
    # The payer's 999 note is spent, its change (999 - 300 - 1) found.
    scan = run(cli, "scan", "--server", world["server"], "--spending-key-file", world["keys"]["w1"], "--json")
    assert scan.returncode == 0, scan.stderr
    w1 = wallet_balance(cli, world, "w1")
    assert w1["balance"] == 698 and [n["value"] for n in w1["notes"]] == [698], w1
    wallet = json.loads((world["dir"] / "w1.key.wallet").read_text())
    assert any(n["value"] == 999 and n["spentBatch"] > 0 for n in wallet["notes"]), wallet["notes"]
    w3 = wallet_balance(cli, world, "w3")
    assert w3["balance"] == 0 and w3["notes"] == [] and w3["position"] == w1["position"], w3


def test_scan_rescans_when_the_pool_is_not_the_one_it_saw(cli, world, pb):
    """A wallet whose record disagrees with the engine (as after a reverted batch: another
    commitment at a position it knows, or more notes than the engine holds) starts again from
    position 0 and ends with the engine's notes, not its stale ones."""
    key = world["keys"]["w3"]
    path = world["dir"] / "w3.key.wallet"
    count = world["stub"].GetShieldedState(pb.GetShieldedStateRequest(), timeout=RPC_TIMEOUT).note_count
    for change in ("last commitment", "extra commitments"):
        wallet = json.loads(path.read_text())
        assert len(wallet["commitments"]) == count
        if change == "last commitment":
            wallet["commitments"][-1] = "0x" + "00" * 31 + "2a"
        else:
            wallet["commitments"] += ["0x" + "00" * 31 + "2b"] * 3
        path.write_text(json.dumps(wallet))
        out = run(cli, "scan", "--server", world["server"], "--spending-key-file", key, "--json")
        assert out.returncode == 0, out.stderr
        report = cli_json(out)
        assert report["rescanned"] and report["position"] == count and report["scanned"] == count, (change, report)
        assert "rescanning from 0" in out.stderr, out.stderr
        restored = json.loads(path.read_text())["commitments"]
        assert len(restored) == count and "0x" + "00" * 31 + "2a" not in restored
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_unshield_moves_the_transparent_balance(cli, world, pb):
    before = balance_of(world, pb, UNSHIELD_TO)[0]
    out = spend(cli, world, "unshield", "w2", UNSHIELD_TO, 100, "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    assert cli_json(out)["status"] == "SEQUENCED"
    assert balance_of(world, pb, UNSHIELD_TO)[0] == before + 100
    assert wallet_balance(cli, world, "w2")["balance"] == 199


def test_forged_proof_and_double_spend_across_batches(cli, world, pb):
    """Two payments built from one wallet state spend the same note: the first is SEQUENCED, the
    second is a double spend. Before either, the first with its proof's A and C swapped (points
    still on the curve) is refused: the proof does not verify."""
    to = address(cli, world["keys"]["w2"])
    x, y = world["dir"] / "x.bin", world["dir"] / "y.bin"
    assert spend(cli, world, "send", "w1", to, 10, "--out", x).returncode == 0
    assert spend(cli, world, "send", "w1", to, 20, "--out", y).returncode == 0
    data = bytearray(x.read_bytes())
    a, c = data[PROOF_AT:PROOF_AT + 64], data[PROOF_AT + 192:PROOF_AT + 256]
    data[PROOF_AT:PROOF_AT + 64], data[PROOF_AT + 192:PROOF_AT + 256] = c, a
    forged = submit_bytes(world, pb, bytes(data))
    assert forged.status == pb.TX_STATUS_REJECTED and "proof does not verify" in forged.rejection_reason, forged
    # A flipped byte of the proof: refused as malformed (not a curve point) or as a failed proof.
    flipped = bytearray(x.read_bytes())
    flipped[PROOF_AT + 100] ^= 1
    try:
        r = submit_bytes(world, pb, bytes(flipped))
        assert r.status == pb.TX_STATUS_REJECTED and "proof" in r.rejection_reason, r
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "proof" in e.details(), e

    out = run(cli, "submit", "--server", world["server"], x, "--json")
    assert out.returncode == 0 and cli_json(out)["status"] == "SEQUENCED", out.stdout + out.stderr
    out = run(cli, "submit", "--server", world["server"], y, "--json")
    assert out.returncode == 1, out.stdout + out.stderr
    r = cli_json(out)
    assert r["status"] == "REJECTED" and "double spend" in r["rejectionReason"], r


def test_concurrent_double_spend(cli, world, pb):
    """Two transactions spending one note, submitted at once: exactly one is SEQUENCED, the
    other refused as a double spend, whether they land in one batch ("earlier in the same batch")
    or in consecutive ones ("already spent"); which one happened is printed."""
    to = address(cli, world["keys"]["w2"])
    p, q = world["dir"] / "p.bin", world["dir"] / "q.bin"
    assert spend(cli, world, "send", "w1", to, 5, "--out", p).returncode == 0
    assert spend(cli, world, "send", "w1", to, 6, "--out", q).returncode == 0
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        receipts = list(ex.map(lambda f: submit_bytes(world, pb, f.read_bytes()), (p, q)))
    statuses = sorted(r.status for r in receipts)
    assert statuses == [pb.TX_STATUS_SEQUENCED, pb.TX_STATUS_REJECTED], receipts
    rejected = next(r for r in receipts if r.status == pb.TX_STATUS_REJECTED)
    assert "double spend" in rejected.rejection_reason, rejected
    print("concurrent double spend (batch, reason):", [(r.batch_number, r.rejection_reason) for r in receipts])


def test_inflation_is_refused(cli, world, pb):
    """An unshield whose public value is raised after proving (taking more out of the pool than its
    notes hold) no longer matches its proof; the honest bytes then pass."""
    u = world["dir"] / "u.bin"
    assert spend(cli, world, "unshield", "w2", UNSHIELD_TO, 10, "--out", u).returncode == 0
    before = balance_of(world, pb, UNSHIELD_TO)[0]
    data = bytearray(u.read_bytes())
    data[PUBLIC_OUT_AT:PUBLIC_OUT_AT + 8] = (10**6).to_bytes(8, "big")
    r = submit_bytes(world, pb, bytes(data))
    assert r.status == pb.TX_STATUS_REJECTED and "proof does not verify" in r.rejection_reason, r
    assert balance_of(world, pb, UNSHIELD_TO)[0] == before
    r = submit_bytes(world, pb, u.read_bytes())
    assert r.status == pb.TX_STATUS_SEQUENCED, r
    assert balance_of(world, pb, UNSHIELD_TO)[0] == before + 10


def test_malformed_and_oversized_bytes_are_invalid_argument(cli, world, pb):
    x = (world["dir"] / "x.bin").read_bytes()
    for data, words in ((x[:-1], "malformed"), (b"\x07" + x[1:], "kind"), (x + b"\0" * (MAX_SIZE + 1 - len(x)), "at most")):
        with pytest.raises(grpc.RpcError) as e:
            submit_bytes(world, pb, data)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and words in e.value.details(), e.value.details()
    truncated = world["dir"] / "truncated.bin"
    truncated.write_bytes(x[:100])
    out = run(cli, "submit", "--server", world["server"], truncated)
    assert out.returncode == 2 and "INVALID_ARGUMENT" in out.stderr, out.stderr


def test_read_calls_are_bounded(world, pb):
    stub = world["stub"]
    with pytest.raises(grpc.RpcError) as e:
        stub.GetNullifierStatus(pb.GetNullifierStatusRequest(nullifiers=[bytes(32)] * 1025), timeout=RPC_TIMEOUT)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    for bad in (b"\xff" * 32, bytes(31), R.to_bytes(32, "big")):
        with pytest.raises(grpc.RpcError) as e:
            stub.GetNullifierStatus(pb.GetNullifierStatusRequest(nullifiers=[bad]), timeout=RPC_TIMEOUT)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, bad
    assert list(stub.GetNullifierStatus(pb.GetNullifierStatusRequest(nullifiers=[bytes(32)] * 1024),
                                        timeout=RPC_TIMEOUT).spent_batch) == [0] * 1024
    state = stub.GetShieldedState(pb.GetShieldedStateRequest(), timeout=RPC_TIMEOUT)
    pages = list(stub.ScanShieldedNotes(pb.ScanShieldedNotesRequest(from_position=0), timeout=RPC_TIMEOUT))
    notes = [n for p in pages for n in p.notes]
    assert pages[-1].end and [n.position for n in notes] == list(range(len(notes)))
    assert len(notes) == state.note_count
    assert all(len(n.commitment) == 32 and len(n.ciphertext) == 121 and n.batch > 0 for n in notes)
    one = list(stub.ScanShieldedNotes(pb.ScanShieldedNotesRequest(from_position=1, max_notes=1), timeout=RPC_TIMEOUT))
    assert [n.position for p in one for n in p.notes] == [1] and not one[-1].end
    past = list(stub.ScanShieldedNotes(pb.ScanShieldedNotesRequest(from_position=10**12), timeout=RPC_TIMEOUT))
    assert [len(p.notes) for p in past] == [0] and past[0].end


def test_stale_root_is_refused(cli, world, start_engine, pb, pb_grpc):
    """An engine with a one-batch root window: a shield proven under the empty tree's root is
    refused as stale once other shields have moved the root on."""
    engine = start_engine("h2c", "--genesis", str(world["genesis"]), "--batch-timeout-ms", "10",
                          "--shielded-verifying-key", str(world["vkey"]), "--shielded-aggregation-srs", str(world["srs"]),
                          "--shielded-root-window", "1")
    server = f"{engine.host}:{engine.port}"
    channel = grpc.insecure_channel(server)
    stub = pb_grpc.SettlementStub(channel)
    info = stub.GetChainInfo(pb.GetChainInfoRequest(), timeout=RPC_TIMEOUT)
    old = world["dir"] / "stale.bin"
    out = run(cli, "shield", "--key-file", world["keys"]["stale"], "--spending-key-file", world["keys"]["w3"],
              "--chain-id", info.chain_id, "--domain-salt", "0x" + info.domain_salt.hex(), "--nonce", 0,
              "--amount", 50, "--fee", 1, "--proving-key", world["zkey"], "--out", old)
    assert out.returncode == 0, out.stderr
    empty_root = stub.GetShieldedState(pb.GetShieldedStateRequest(), timeout=RPC_TIMEOUT).note_root
    moved = 0
    while empty_root in stub.GetShieldedState(pb.GetShieldedStateRequest(), timeout=RPC_TIMEOUT).recent_roots:
        assert moved < 3, "the root window never let the empty root go"
        out = run(cli, "shield", "--server", server, "--key-file", world["keys"]["stale-other"],
                  "--spending-key-file", world["keys"]["w3"], "--amount", 10, "--fee", 1,
                  "--proving-key", world["zkey"], "--json")
        assert out.returncode == 0, out.stdout + out.stderr
        moved += 1
    out = run(cli, "submit", "--server", server, old, "--json")
    assert out.returncode == 1, out.stdout + out.stderr
    r = cli_json(out)
    assert r["status"] == "REJECTED" and "stale root" in r["rejectionReason"], r
    channel.close()
