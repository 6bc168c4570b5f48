"""The validator service (`settlement.v1.Validator`) and the CLI commands over it, against the real
`settlement-engine` and `settlement` binaries on the embedded L1 simulator (blocks every 100 ms,
3 s challenge period, confirmation depth 2).

`test_validator_and_withdrawal`: the service is listed by reflection and SERVING in health;
`settlement validator register` then `status` (and GetValidator
over grpcio) show the stake; unstaking moves it and withdrawing before the delay is refused with
the arbiter's reason. A withdrawal: `settlement withdraw` burns on L2 (a transfer to the
recipient's exit address); a claim before the commitment is final is refused; once `settlement
finality` shows it FINALIZED, `settlement withdraw claim` pays exactly the burned amount (the L1
event's amount), a second claim is refused with a clear message, and `withdraw status` shows the
totals. `settlement challenges` prints that no game was opened.

`test_challenges_and_finality_rows`: a fault-injected wrong root and a validator process; once the
validator won, `settlement challenges` shows the game (CHALLENGER_WON by one-step proof) and
`settlement finality` shows commitment 0 REVERTED.
"""
import importlib
import json
import os
import re
import subprocess
import time
from pathlib import Path

import grpc
import pytest

from test_durability import FEE_ACCOUNT, SENDER_KEYS, genesis_file, pb, pb_grpc, psql, report, transfers
from test_replicas import Replica, lease, pg, wait_for

__all__ = ["genesis_file", "pb", "pb_grpc", "transfers", "pg"]

REPO = Path(__file__).resolve().parents[2]
# Stake below the shipped minimum (10^18) and a backed genesis supply (withdrawals pay it out).
FAST_L1 = ("--l1-block-time-ms", "100", "--l1-settlement-interval", "1", "--l1-confirmation-depth", "2",
           "--challenge-period", "3", "--fraud-proof-window", "2", "--l1-minimum-stake", "1", "--l1-challenge-bond", "1",
           "--l1-genesis-backing", str(10**30))
VALIDATOR = "0x" + "5a" * 20
RECIPIENT = "0x" + "7e" * 20


@pytest.fixture(scope="module")
def vpb(stubs_dir):
    return importlib.import_module("settlement.v1.validator_pb2")


@pytest.fixture(scope="module")
def vpb_grpc(stubs_dir, vpb):
    return importlib.import_module("settlement.v1.validator_pb2_grpc")


def cli_binary():
    path = os.environ.get("CLI_BIN") or str(REPO / ".build" / "debug" / "settlement")
    if not os.access(path, os.X_OK):
        pytest.exit(f"CLI_BIN: {path} is not an executable (build with `swift build`)", returncode=2)
    return path


def cli(target, *args, timeout=60, admin=None):
    """Runs `settlement ARGS --server TARGET [--admin-server ADMIN]`; returns (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")}
    extra = ["--admin-server", admin] if admin else []
    p = subprocess.run([cli_binary(), *args, "--server", target, *extra], capture_output=True, text=True, timeout=timeout,
                       env=env)
    return p.returncode, p.stdout, p.stderr


def cli_ok(target, *args, admin=None):
    rc, out, err = cli(target, *args, admin=admin)
    assert rc == 0, f"settlement {' '.join(args)} exited {rc}: {out}\n{err}"
    return out


def finality(vstub, vpb):
    return vstub.GetFinality(vpb.GetFinalityRequest(), timeout=30)


def covering(report_, batch):
    return next((c for c in report_.commitments if c.first_batch <= batch <= c.last_batch), None)


def test_validator_and_withdrawal(start_engine, pg, pb, pb_grpc, vpb, vpb_grpc, genesis_file):
    engine = Replica(start_engine, pg, genesis_file, "a", extra=FAST_L1)
    wait_for(lambda: lease(pg)[0] == "a", 60, "the engine to lead")
    target, admin = engine.target, engine.admin_target
    ch = engine.channel()
    try:
        vstub = vpb_grpc.ValidatorStub(ch)
        # Served with reflection and health like the settlement service.
        from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
        from grpc_health.v1 import health_pb2, health_pb2_grpc
        db = ProtoReflectionDescriptorDatabase(ch)
        assert "settlement.v1.Validator" in set(db.get_services())
        assert db.FindFileContainingSymbol("settlement.v1.Validator").name == "settlement/v1/validator.proto"
        health = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service="settlement.v1.Validator"),
                                                      timeout=30)
        assert health.status == health_pb2.HealthCheckResponse.SERVING

        # A validator: register, read back (CLI and grpcio), unstake, early withdrawal refused.
        out = cli_ok(target, "validator", "register", "--address", VALIDATOR, "--amount", "50", admin=admin)
        assert re.search(r"L1 block:\s+[1-9]", out), out
        out = cli_ok(target, "validator", "status", "--address", VALIDATOR)
        assert re.search(r"registered:\s+yes", out) and re.search(r"stake:\s+50\b", out), out
        info = vstub.GetValidator(vpb.ValidatorAddress(address=bytes.fromhex(VALIDATOR[2:])), timeout=30)
        assert info.registered and int.from_bytes(info.stake, "big") == 50 and not info.open_games
        cli_ok(target, "validator", "stake", "--address", VALIDATOR, "--amount", "10", admin=admin)
        out = json.loads(cli_ok(target, "validator", "unstake", "--address", VALIDATOR, "--amount", "20", "--json", admin=admin))
        assert out["amount"] == "20" and out["l1BlockNumber"] > 0, out
        status = json.loads(cli_ok(target, "validator", "status", "--address", VALIDATOR, "--json"))
        assert status["stake"] == "40" and status["unstaking"] == "20" and status["unlockAtMs"] > 0, status
        rc, out, err = cli(target, "validator", "withdraw", "--address", VALIDATOR, admin=admin)
        assert rc == 2 and "FAILED_PRECONDITION" in err and "locked until" in err, (rc, out, err)
        # Fields are validated: a short address is INVALID_ARGUMENT naming the field.
        with pytest.raises(grpc.RpcError) as e:
            vstub.GetValidator(vpb.ValidatorAddress(address=b"\x01" * 19), timeout=30)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "address" in e.value.details()

        # A withdrawal: burn on L2 for RECIPIENT.
        key = "0x" + SENDER_KEYS[0].key.hex().removeprefix("0x")
        amount = 12345
        out = json.loads(cli_ok(target, "withdraw", "--key", key, "--to-l1", RECIPIENT, "--amount", str(amount),
                                "--fee", "1", "--json"))
        assert out["status"] == "SEQUENCED", out
        batch = out["batchNumber"]
        w = vstub.GetWithdrawal(vpb.GetWithdrawalRequest(recipient=bytes.fromhex(RECIPIENT[2:])), timeout=30)
        assert int.from_bytes(w.burned, "big") == amount and int.from_bytes(w.claimed, "big") == 0
        assert "0x" + w.exit_address.hex() == out["exitAddress"].lower()

        # Premature: the commitment holding the batch is on L1 but not final.
        wait_for(lambda: covering(finality(vstub, vpb), batch) is not None, 60, "a commitment holding the batch")
        r = finality(vstub, vpb)
        c = covering(r, batch)
        premature_checked = False
        if c.status != vpb.COMMITMENT_STATE_FINALIZED and c.challenge_deadline_ms > r.l1_time_ms + 1000:
            rc, out, err = cli(target, "withdraw", "claim", "--to-l1", RECIPIENT, "--commitment", str(c.index))
            assert rc == 2 and "FAILED_PRECONDITION" in err and "not final yet" in err, (rc, out, err)
            premature_checked = True
        assert premature_checked, f"commitment {c.index} was already (nearly) final when first seen: {c}"

        # Final: `settlement finality` shows it, and the claim pays exactly the burned amount.
        wait_for(lambda: covering(finality(vstub, vpb), batch).status == vpb.COMMITMENT_STATE_FINALIZED, 60,
                 "the commitment to finalize")
        table = cli_ok(target, "finality")
        row = next((l for l in table.splitlines() if l.split()[:1] == [str(c.index)]), None)
        assert row and "FINALIZED" in row and f"{c.first_batch}-{c.last_batch}" in row, table
        assert table.splitlines()[1].split()[:3] == ["INDEX", "BATCHES", "STATUS"], table
        claim = json.loads(cli_ok(target, "withdraw", "claim", "--to-l1", RECIPIENT, "--commitment", str(c.index), "--json"))
        assert claim["amount"] == str(amount), claim
        assert claim["l1BlockNumber"] > 0 and re.fullmatch(r"0x[0-9a-f]{64}", claim["l1TxHash"]), claim
        event = [e for e in claim["events"] if e.startswith("withdrawalClaimed")]
        assert len(event) == 1 and f"amount: {amount}," in event[0], claim
        # The L1 receipt (through the simulator's tables) is in a canonical block.
        rows = psql(pg.port, "SELECT count(*) FROM l1_sim_transactions t JOIN l1_sim_blocks b ON b.hash = t.block_hash "
                             f"WHERE b.canonical AND t.tx_hash = decode('{claim['l1TxHash'][2:]}', 'hex')")
        assert rows[0][0] == "1", rows

        # A second claim is refused before anything is sent.
        rc, out, err = cli(target, "withdraw", "claim", "--to-l1", RECIPIENT, "--commitment", str(c.index))
        assert rc == 2 and "FAILED_PRECONDITION" in err and "nothing to claim" in err and "already claimed" in err, \
            (rc, out, err)
        status = json.loads(cli_ok(target, "withdraw", "status", "--to-l1", RECIPIENT, "--json"))
        assert status["burned"] == str(amount) and status["claimed"] == str(amount), status

        # A claim naming an older final commitment is proven against the newest final one (claims
        # are cumulative; old roots would cost the engine a whole-state rebuild per request).
        more = 777
        out = json.loads(cli_ok(target, "withdraw", "--key", key, "--to-l1", RECIPIENT, "--amount", str(more),
                                "--fee", "1", "--json"))
        assert out["status"] == "SEQUENCED", out

        def newer_final():
            c2 = covering(finality(vstub, vpb), out["batchNumber"])
            return c2 is not None and c2.status == vpb.COMMITMENT_STATE_FINALIZED

        wait_for(newer_final, 60, "the newer commitment to finalize")
        newer = covering(finality(vstub, vpb), out["batchNumber"])
        assert newer.index > c.index, (newer, c)
        claim = json.loads(cli_ok(target, "withdraw", "claim", "--to-l1", RECIPIENT, "--commitment", str(c.index), "--json"))
        event = [e for e in claim["events"] if e.startswith("withdrawalClaimed")]
        newest_root = max((x for x in finality(vstub, vpb).commitments if x.status == vpb.COMMITMENT_STATE_FINALIZED),
                          key=lambda x: x.index).new_root
        assert len(event) == 1 and f"amount: {more}," in event[0] and newest_root.hex() in event[0], (claim, newest_root.hex())

        # No game was opened.
        out = cli_ok(target, "challenges")
        assert "no challenges (0 game(s) ever opened)" in out, out
        report("validator cli", {"commitment": c.index, "claimed": amount, "finality_rows": len(table.splitlines()) - 2})
    finally:
        ch.close()


def test_challenges_and_finality_rows(start_engine, pg, pb, pb_grpc, vpb, vpb_grpc, transfers, genesis_file):
    l1 = (*FAST_L1[:6], "--challenge-period", "10", "--fraud-proof-window", "8", "--fee-account", FEE_ACCOUNT,
          "--l1-minimum-stake", "1", "--l1-challenge-bond", "1")
    engine = Replica(start_engine, pg, genesis_file, "proposer", extra=(*l1, "--fault-inject-wrong-root-at", "0"))
    wait_for(lambda: lease(pg)[0] == "proposer", 60, "the engine to lead")
    validator = start_engine("h2c", "--validator", "--validator-address", VALIDATOR, "--validator-stake", "100",
                             "--database-url", pg.url, "--genesis", genesis_file, *l1)
    ch = engine.channel()
    try:
        stub = pb_grpc.SettlementStub(ch)
        sender = [t for t in transfers if t.frm == transfers[0].frm][:5]
        assert all(stub.SubmitTransaction(t.message(pb), timeout=30).status == pb.TX_STATUS_SEQUENCED for t in sender)
        vlog = lambda: validator.process.stderr_path.read_text(errors="replace")
        wait_for(lambda: "outcome=won" in vlog() or "outcome=lost" in vlog(), 90, "the game to end")
        assert "outcome=won" in vlog(), vlog()[-3000:]

        out = cli_ok(engine.target, "challenges")
        lines = out.splitlines()
        assert lines[0].split()[:2] == ["ID", "COMMITMENT"], out
        game = lines[1].split()
        assert game[:4] == ["0", "0", VALIDATOR, "0x" + "00" * 17 + "c0ffee"], out
        assert "RESOLVED" in lines[1] and "CHALLENGER_WON (one-step proof)" in lines[1], out
        games = json.loads(cli_ok(engine.target, "challenges", "--json"))
        assert games["total"] >= 1 and games["challenges"][0]["result"] == "CHALLENGER_WON", games

        table = cli_ok(engine.target, "finality")
        row0 = next(l for l in table.splitlines() if l.split()[:1] == ["0"])
        assert "REVERTED" in row0, table
        status = json.loads(cli_ok(engine.target, "validator", "status", "--address", VALIDATOR, "--json"))
        assert status["registered"] and status["openGames"] == [], status
    finally:
        ch.close()
