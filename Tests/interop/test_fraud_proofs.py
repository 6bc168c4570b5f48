"""The fraud-proof path end to end with the real binaries: a `settlement-engine` leader that
posts a wrong root (`--fault-inject-wrong-root-at 0`, the test-and-demo switch), a follower
replica, and a `settlement-engine --validator` process, all on one database and the embedded L1
simulator (blocks every 100 ms, 6 s challenge period, 2 s per move).

The validator re-executes commitment 0's data from the genesis, disputes the wrong root, and wins
the bisection game down to the one-step proof against the engine's own defense; the arbiter
reverts the commitment and slashes the proposer. The engine then rolls its chain back to the
genesis, tells subscribers REVERTED, sequences the same transactions again, and posts a new
commitment (index 1), which the validator accepts and which finalizes. Subscribers on the leader
and on the follower see SEQUENCED → POSTED → L1_CONFIRMED → REVERTED → SEQUENCED → POSTED →
L1_CONFIRMED → FINALIZED; both replicas end with the balances of an honest replay of the
transfers, computed here independently; the database holds each transfer once in the live chain.
"""
import os
import re
import subprocess
import threading
from collections import defaultdict

import grpc

from test_durability import (FEE_ACCOUNT, FUNDED, SENDER_KEYS, DurableChain, account, genesis_file, pb, pb_grpc, psql,
                             report, transfers)
from test_replicas import Replica, lease, pg, wait_for
from test_validator_cli import cli_binary

__all__ = ["genesis_file", "pb", "pb_grpc", "transfers", "pg"]

# The fraud-proof window is each side's chess clock for the whole game (not per move); stake and
# the challenge bond are lowered to what the validator below registers with.
L1 = ("--l1-block-time-ms", "100", "--l1-settlement-interval", "1", "--l1-confirmation-depth", "2",
      "--challenge-period", "10", "--fraud-proof-window", "8", "--fee-account", FEE_ACCOUNT,
      "--l1-minimum-stake", "1", "--l1-challenge-bond", "1")
VALIDATOR = "0x" + "5a" * 20


def honest_replay(sent):
    """Balances and nonces from the genesis plus `sent`, in order (all valid)."""
    balance = defaultdict(int, {k.address.lower(): FUNDED for k in SENDER_KEYS})
    nonce = defaultdict(int)
    for t in sent:
        balance[t.frm.lower()] -= t.value + t.fee
        balance[t.to.lower()] += t.value
        balance[FEE_ACCOUNT] += t.fee
        nonce[t.frm.lower()] += 1
    return balance, nonce


def report_sections(pg):
    """Column sums of `settlement report`'s finality (posted, confirmed, finalized, reverted) and
    challenge (opened, resolved, challenger won, proposer won, open at end) tables."""
    out = subprocess.run([cli_binary(), "report", "--database-url", pg.url, "--from", "-1h", "--bucket", "1d"],
                         capture_output=True, text=True, timeout=60, env={k: v for k, v in os.environ.items()
                                                                         if not k.startswith("SETTLEMENT_")})
    assert out.returncode == 0, out.stderr
    sections, current = {}, None
    for line in out.stdout.splitlines():
        if line and not line.startswith(" ") and not line[0].isdigit() and "|" not in line and not line.startswith("-"):
            current = line.strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)

    def sums(title, take, width):
        rows = [l.split() for l in sections[title] if l.strip() and l.strip()[0].isdigit()]
        cols = [r[-width:][:take] for r in rows]
        return [sum(int(c[i]) for c in cols) for i in range(take)]
    return sums("Finality (L1 commitments)", 4, 8), sums("Challenges", 5, 5)


class Follow(threading.Thread):
    """SubscribeStatus for one transaction, recording every status until the stream ends."""

    def __init__(self, stub, pb, tx_id):
        super().__init__(daemon=True)
        self.stub, self.pb, self.tx_id = stub, pb, tx_id
        self.seen, self.error = [], None

    def run(self):
        try:
            for u in self.stub.SubscribeStatus(self.pb.SubscribeStatusRequest(tx_ids=[self.tx_id]), timeout=240):
                self.seen.append(u.status.status)
        except grpc.RpcError as e:
            self.error = e


def test_validator_wins_against_a_wrong_root_and_the_chain_rolls_back(start_engine, pg, pb, pb_grpc, transfers, genesis_file):
    engine = Replica(start_engine, pg, genesis_file, "proposer", extra=(*L1, "--fault-inject-wrong-root-at", "0"))
    wait_for(lambda: lease(pg)[0] == "proposer", 60, "the engine to lead")
    follower = Replica(start_engine, pg, genesis_file, "follower", extra=(*L1, "--fault-inject-wrong-root-at", "0"))
    validator = start_engine("h2c", "--validator", "--validator-address", VALIDATOR, "--validator-stake", "100",
                             "--database-url", pg.url, "--genesis", genesis_file, *L1)
    ch, fch = engine.channel(), follower.channel()
    try:
        stub, fstub = pb_grpc.SettlementStub(ch), pb_grpc.SettlementStub(fch)
        sender = [t for t in transfers if t.frm == transfers[0].frm][:20]
        first = sender[0].tx_id
        watchers = [Follow(stub, pb, first), Follow(fstub, pb, first)]
        for w in watchers:
            w.start()
        receipts = [stub.SubmitTransaction(t.message(pb), timeout=30) for t in sender]
        assert all(r.status == pb.TX_STATUS_SEQUENCED for r in receipts)

        vlog = lambda: validator.process.stderr_path.read_text(errors="replace")
        wait_for(lambda: "outcome=won" in vlog() or "outcome=lost" in vlog(), 90, "the game to end")
        assert "outcome=won" in vlog(), vlog()[-3000:]
        wait_for(lambda: int(psql(pg.port, "SELECT count(*) FROM chain_reverts")[0][0]) >= 1, 60, "the engine to roll back")
        assert psql(pg.port, "SELECT status, rolled_back FROM l1_commitments WHERE id = 0")[0] == ["reverted", "t"]

        def settled():
            st = [s.GetSettlementStatus(pb.GetSettlementStatusRequest(tx_id=t.tx_id), timeout=30).status
                  for s in (stub, fstub) for t in sender]
            return all(x == pb.TX_STATUS_FINALIZED for x in st)
        wait_for(settled, 120, "every re-sequenced transfer to finalize on both replicas")
        for w in watchers:
            w.join(timeout=60)
        story = [pb.TX_STATUS_REVERTED, pb.TX_STATUS_SEQUENCED, pb.TX_STATUS_POSTED, pb.TX_STATUS_L1_CONFIRMED,
                 pb.TX_STATUS_FINALIZED]
        for name, w in zip(("leader", "follower"), watchers):
            assert pb.TX_STATUS_REVERTED in w.seen, f"the {name}'s subscriber saw {w.seen} {w.error}"
            at = w.seen.index(pb.TX_STATUS_REVERTED)
            assert w.seen[at:] == story, f"the {name}'s subscriber saw {w.seen} {w.error}"
            assert w.error is None, w.error

        # A new commitment at a new index chains to the genesis and finalized; the validator accepted it.
        commitments = psql(pg.port, "SELECT id, first_batch, status FROM l1_commitments ORDER BY id")
        assert commitments[0][2] == "reverted" and any(int(i) >= 1 and st == "finalized" for i, _, st in commitments), commitments
        chain = DurableChain(pg.port)
        chain.check_structure()
        live = [r for r in chain.rows if r[3] == 2]
        assert sorted(r[2] for r in live) == sorted(t.tx_id for t in sender), "each transfer once in the live chain"
        archived = int(psql(pg.port, "SELECT count(*) FROM reverted_transactions")[0][0])
        assert archived == len(sender), f"{archived} transactions archived by the revert"

        # Both replicas hold the balances of an honest replay, computed here from the transfers alone.
        balance, nonce = honest_replay(sender)
        addresses = {t.frm for t in sender} | {t.to for t in sender} | {FEE_ACCOUNT}
        for s in (stub, fstub):
            for a in addresses:
                assert account(s, pb, a) == (balance[a.lower()], nonce[a.lower()]), a
        assert engine.engine.process.alive() and follower.engine.process.alive()
        elog = engine.log()
        assert "FAULT INJECTION" in elog and "chain rolled back" in elog
        assert "followed a chain revert" in follower.log()
        # The report's finality and challenge sections fill in from what the engine recorded.
        finality, challenges = report_sections(pg)
        posted, confirmed, final, reverted = finality
        assert posted >= 2 and confirmed >= 2 and final >= 1 and reverted >= 1, f"posted, confirmed, finalized, reverted: {finality}"
        assert challenges == [1, 1, 1, 0, 0], f"opened, resolved, challenger won, proposer won, open at end: {challenges}"
        moves = len(re.findall(r"moved|bisect", vlog()))
        report("fraud proof and rollback", {"leader_subscriber_saw": watchers[0].seen, "commitments": commitments,
                                             "challenge_opened": "challenge opened" in vlog(), "moves_logged": moves})
    finally:
        ch.close()
        fch.close()
