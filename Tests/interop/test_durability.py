"""Durability of the settlement engine under crashes, checked from the outside.

1. `test_kill_9_while_streaming`: a grpcio client streams pre-signed transfers over
   SubmitTransactions; once some hundreds came back SEQUENCED the engine process is SIGKILLed (its
   embedded PostgreSQL's postmaster is left running, as after a real crash of the engine alone).
   The engine is restarted on the same --data-dir and genesis, and then:
   (a) every acknowledged SEQUENCED transfer reads back SEQUENCED in the same batch;
   (b) in PostgreSQL itself each acknowledged id is in `transactions` exactly once (status 2), the
       batches are numbered 0, 1, 2, ... without a gap and chain (prev_root = previous new_root);
   (c) the engine started at all (it replays every diff and refuses to start on a root mismatch),
       and its balances and nonces equal a replay, in Python, of the durable transfers from the
       genesis;
   then every transfer not acknowledged is submitted again: the durable-but-unacknowledged ones
   are answered with their existing receipt (same batch, not executed again), exactly the missing
   ones are sequenced anew, and at the end every transfer is in the database exactly once.
   Parametrized: only the engine dies (its postmaster keeps running), or the engine and its
   PostgreSQL both die (a stale postmaster.pid, crash recovery).
2. `test_postgres_restart_under_load`: the engine runs against a PostgreSQL server of the test's
   own (--database-url); while a client streams, the server is restarted (`pg_ctl restart -m
   fast`) and later crashed and started again (`pg_ctl stop -m immediate`, a pause, `pg_ctl
   start`). The stream must still complete: every transfer gets a SEQUENCED receipt (those whose
   receipts were pending while the database was down included) and every one is durable exactly
   once.

No assertion depends on timing; timeouts only stop hangs. Numbers are printed (pytest -s shows
them) and the key ones end up in assertion messages.
"""
import importlib
import json
import os
import signal
import time
from pathlib import Path

import grpc
import pytest
from eth_account import Account
from eth_hash.auto import keccak

# Re-exported for the other test modules: ExternalPostgres, _free_port, psql.
from harness import (CHAIN_ID, RPC_TIMEOUT, DurableChain as _DurableChain, ExternalPostgres, Streamer, Transfer,  # noqa: F401
                     _free_port, _kill_server, _pid_alive, account, domain_salt, postmaster, psql, stop_postmaster,
                     typed_transfer)

FUNDED = 10**24
# GetSettlementStatus of a durable accepted transfer: SEQUENCED, or a later L1 step once the
# engine's finality engine posted its batch (receipts of submissions are always SEQUENCED).
DURABLE = (2, 3, 4, 5)
SENDERS = 4
PER_SENDER = 625  # 2,500 transfers in all
FEE_ACCOUNT = "0x" + "fe" * 20


# ---------------------------------------------------------------------------------------------
# Transfers, signed once for the module (signing is ~2 ms each in pure Python)


def _key(tag: str):
    return Account.from_key(keccak(f"durability/{tag}".encode()))


SENDER_KEYS = [_key(f"sender{i}") for i in range(SENDERS)]
GENESIS = {"config": {"chainId": CHAIN_ID}, "alloc": {k.address: {"balance": str(FUNDED)} for k in SENDER_KEYS}}
# The deployment's EIP-712 domain salt, computed from the genesis (the transfers are signed before
# any engine runs).
SALT = domain_salt(GENESIS)
SINKS = [_key(f"sink{i}").address for i in range(2)]  # unfunded recipients
ADDRESSES = [k.address for k in SENDER_KEYS] + SINKS


@pytest.fixture(scope="module")
def pb(stubs_dir):
    return importlib.import_module("settlement.v1.settlement_pb2")


@pytest.fixture(scope="module")
def pb_grpc(stubs_dir, pb):
    return importlib.import_module("settlement.v1.settlement_pb2_grpc")


@pytest.fixture(scope="module")
def transfers():
    """SENDERS x PER_SENDER transfers, interleaved round-robin (nonce n of every sender, then
    n + 1, ...), each sender paying the other senders and the sinks; signed by eth-account's
    EIP-712 `sign_typed_data`, whose message hash is the engine's tx id."""
    out = []
    for n in range(PER_SENDER):
        for s, key in enumerate(SENDER_KEYS):
            others = [a for a in ADDRESSES if a != key.address]
            to = others[(n + s) % len(others)]
            value, fee = 1 + (n * 7919 + s * 104729) % 100_000, 1 + (n + s) % 3
            signed = key.sign_typed_data(full_message=typed_transfer(key.address, to, value, fee, n, SALT))
            out.append(Transfer(key.address, to, value, fee, n, bytes(signed.signature), bytes(signed.message_hash), SALT))
    return out


@pytest.fixture(scope="module")
def genesis_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("durability-genesis") / "genesis.json"
    path.write_text(json.dumps(GENESIS))
    return str(path)


def engine_args(genesis_file):
    return ("--genesis", genesis_file, "--batch-timeout-ms", "10", "--fee-account", FEE_ACCOUNT)


class DurableChain(_DurableChain):
    """harness.DurableChain whose replay starts from this module's genesis."""

    def replay(self, genesis=None, fee_account=FEE_ACCOUNT):
        return super().replay(genesis or {k.address: FUNDED for k in SENDER_KEYS}, fee_account)


def check_balances(stub, pb, chain):
    balance, nonce = chain.replay()
    for address in ADDRESSES + [FEE_ACCOUNT]:
        got = account(stub, pb, address)
        want = (balance[address.lower()], nonce[address.lower()])
        assert got == want, f"{address}: the engine has (balance, nonce) {got}, a replay of the database gives {want}"
    return nonce


def stream_all(stub, pb, items):
    s = Streamer(stub, pb, items, window=len(items) + 1).start()
    s.join()
    assert s.error is None, f"stream failed: {s.error!r}"
    assert not s.duplicates, f"duplicate receipts for client sequences {s.duplicates[:5]}"
    assert sorted(s.receipts) == list(range(len(items))), f"{len(s.receipts)} receipts for {len(items)} transfers"
    return s


def report(title, numbers):
    print(f"\n[{title}] " + ", ".join(f"{k}={v}" for k, v in numbers.items()))


# ---------------------------------------------------------------------------------------------
# 1. kill -9 while a client streams


@pytest.mark.parametrize("crash", ["engine", "engine+postgres"])
def test_kill_9_while_streaming(start_engine, pb, pb_grpc, transfers, genesis_file, crash):
    """`engine`: only the engine process dies, its postmaster keeps running (the restart has to
    deal with it). `engine+postgres`: the postmaster and its children are SIGKILLed as well, leaving
    a stale postmaster.pid and a database that needs crash recovery."""
    engine = start_engine("h2c", *engine_args(genesis_file))
    pgdata = Path(engine.data_dir, "postgres")
    channels = []
    try:
        ch = grpc.insecure_channel(f"{engine.host}:{engine.port}")
        channels.append(ch)
        streamer = Streamer(pb_grpc.SettlementStub(ch), pb, transfers).start()
        streamer.wait_until(lambda s: s.sequenced >= 500, timeout=120, what="500 SEQUENCED receipts")
        pm_pid, _ = postmaster(pgdata)
        os.kill(engine.process.pid, signal.SIGKILL)
        if crash == "engine+postgres":
            _kill_server(pm_pid)
        engine.process.proc.wait(timeout=30)
        streamer.join()
        sent, received, _ = streamer.snapshot()
        assert streamer.error is not None and streamer.error.code() == grpc.StatusCode.UNAVAILABLE, \
            f"expected the stream to break with UNAVAILABLE, got {streamer.error!r}"
        assert not streamer.duplicates, f"duplicate receipts for client sequences {streamer.duplicates[:5]}"
        acked = {seq: r for seq, r in streamer.receipts.items() if r[1] == pb.TX_STATUS_SEQUENCED}
        other = {seq: r for seq, r in streamer.receipts.items() if r[1] != pb.TX_STATUS_SEQUENCED}
        assert not other, f"unexpected non-SEQUENCED receipts before the kill: {list(other.values())[:3]}"
        for seq, (tx_id, _, batch, _) in acked.items():
            assert tx_id == transfers[seq].tx_id, f"receipt {seq}: tx id is not eth-account's EIP-712 hash"
            assert batch > 0
        postmaster_alive = bool(pm_pid and _pid_alive(pm_pid))
        if crash == "engine":
            assert postmaster_alive, "the scenario needs the killed engine's postmaster to be still running"
        ch.close()
        channels.clear()

        # Restart on the same data directory (the killed engine's postmaster may still be running).
        engine2 = start_engine("h2c", *engine_args(genesis_file), data_dir=engine.data_dir)
        ch = grpc.insecure_channel(f"{engine2.host}:{engine2.port}")
        channels.append(ch)
        stub = pb_grpc.SettlementStub(ch)

        # (a) every acknowledged transfer reads back SEQUENCED in the same batch.
        for seq, (tx_id, _, batch, _) in acked.items():
            st = stub.GetSettlementStatus(pb.GetSettlementStatusRequest(tx_id=tx_id), timeout=RPC_TIMEOUT)
            assert st.status in DURABLE and st.batch_number == batch, \
                f"acknowledged transfer {seq} (batch {batch}) now reads {st.status} in batch {st.batch_number}"

        # (b) exactly once, in PostgreSQL itself; the chain has no gap and links up.
        new_pm_pid, pg_port = postmaster(pgdata)
        assert new_pm_pid and _pid_alive(new_pm_pid), "no PostgreSQL runs on the data directory after the restart"
        chain = DurableChain(pg_port)
        chain.check_structure()
        known = {t.tx_id for t in transfers}
        assert set(chain.by_id) <= known, "the database holds transactions nobody sent"
        for tx_id, rows in chain.by_id.items():
            assert len(rows) == 1 and rows[0][3] == 2, f"{tx_id.hex()} is in the database {len(rows)} times: {rows}"
        for seq, (tx_id, _, batch, _) in acked.items():
            rows = chain.by_id.get(tx_id, [])
            assert [(r[0], r[3]) for r in rows] == [(batch, 2)], \
                f"acknowledged transfer {seq} (batch {batch}) has database rows {rows}"
        durable_unacked = [t for i, t in enumerate(transfers) if t.tx_id in chain.by_id and i not in acked]

        # (c) the engine started (every root replayed) and its accounts equal a replay of the database.
        nonce = check_balances(stub, pb, chain)
        head_before_resume = chain.head

        # Resume: submit again everything not acknowledged, in the original order. A durable one is
        # answered with its existing receipt (SEQUENCED in its batch), never executed again; exactly
        # the others are sequenced anew.
        rest = [t for i, t in enumerate(transfers) if i not in acked]
        resumed = stream_all(stub, pb, rest)
        answered_existing = 0
        for seq, (tx_id, status, batch, reason) in resumed.receipts.items():
            t = rest[seq]
            rows = chain.by_id.get(t.tx_id)
            if rows:
                assert (status, batch) == (pb.TX_STATUS_SEQUENCED, rows[0][0]), \
                    f"durable transfer (batch {rows[0][0]}) resubmitted: {status} batch {batch} {reason!r}"
                answered_existing += 1
            else:
                assert status == pb.TX_STATUS_SEQUENCED and batch > head_before_resume, \
                    f"transfer nonce {t.nonce} of {t.frm}: {status} batch {batch} {reason!r}"
        final = DurableChain(pg_port)
        final.check_structure()
        assert {tid for tid, rows in final.by_id.items() if any(r[3] == 2 for r in rows)} == known
        assert all(len(rows) == 1 for rows in final.by_id.values()), "a transfer is in the database twice"
        final_nonce = check_balances(stub, pb, final)
        assert all(final_nonce[k.address.lower()] == PER_SENDER for k in SENDER_KEYS)

        ch.close()
        channels.clear()
        engine2.process.stop()
        assert engine2.process.proc.returncode == 0, engine2.process.output()
        leftover, _ = postmaster(pgdata)
        assert not (leftover and _pid_alive(leftover)), "the engine's graceful stop left its PostgreSQL running"
        report(f"kill -9 {crash}", {
            "transfers": len(transfers), "sent_before_kill": sent, "receipts_before_kill": received,
            "acked_sequenced": len(acked), "batches_after_restart": chain.head,
            "durable_after_restart": len(chain.by_id), "durable_but_unacked": len(durable_unacked),
            "sent_but_not_durable": sent - len(chain.by_id),
            "postmaster_alive_at_restart": postmaster_alive, "postmaster_replaced": new_pm_pid != pm_pid,
            "resubmitted": len(rest), "resubmit_answered_existing": answered_existing,
            "final_batches": final.head, "batches_added_by_resume": final.head - head_before_resume,
            "sender_nonces": [nonce[k.address.lower()] for k in SENDER_KEYS],
        })
    finally:
        for c in channels:
            c.close()
        stop_postmaster(pgdata)


# ---------------------------------------------------------------------------------------------
# 2. PostgreSQL restarts and crashes under load


@pytest.fixture
def external_postgres():
    pg = ExternalPostgres()
    yield pg
    pg.close()


def test_postgres_restart_under_load(start_engine, external_postgres, pb, pb_grpc, transfers, genesis_file):
    pg = external_postgres
    engine = start_engine("h2c", *engine_args(genesis_file), "--database-url", pg.url)
    ch = grpc.insecure_channel(f"{engine.host}:{engine.port}")
    try:
        stub = pb_grpc.SettlementStub(ch)
        streamer = Streamer(stub, pb, transfers).start()
        numbers = {"transfers": len(transfers)}

        # A clean restart (sessions terminated, work checkpointed) ...
        streamer.wait_until(lambda s: len(s.receipts) >= 700, timeout=120, what="700 receipts")
        _, pending = streamer.outstanding()
        pg.restart_fast()
        restarted = time.monotonic()
        _, still_pending = streamer.outstanding()
        numbers |= {"restart_pending": len(pending), "restart_pending_after": len(pending & still_pending)}

        # ... then a crash (no checkpoint: crash recovery on start), the server down for a second
        # with the stream open (the client sends until WINDOW transfers are unanswered).
        streamer.wait_until(lambda s: len(s.receipts) >= 1500, timeout=120, what="1500 receipts")
        pg.crash()
        sent_down, pending_down = streamer.outstanding()
        time.sleep(1.0)
        sent_up, pending_up = streamer.outstanding()
        up = time.monotonic()
        pg.start()
        numbers |= {"crash_pending": len(pending_down), "sent_while_down": sent_up - sent_down,
                    "answered_while_down": len(pending_down - pending_up), "pending_before_start": len(pending_up)}

        streamer.join()
        assert streamer.error is None, f"the stream failed: {streamer.error!r}\n{engine.process.output()}"
        assert not streamer.duplicates, f"duplicate receipts for client sequences {streamer.duplicates[:5]}"
        assert sorted(streamer.receipts) == list(range(len(transfers))), \
            f"{len(streamer.receipts)} receipts for {len(transfers)} transfers"
        bad = [(seq, r) for seq, r in streamer.receipts.items() if r[1] != pb.TX_STATUS_SEQUENCED]
        assert not bad, f"{len(bad)} transfers not SEQUENCED, e.g. {bad[:3]}"
        # Sent while the server was down: durable, hence answered, only after it was started again.
        early = [seq for seq in range(sent_down, sent_up) if streamer.arrived[seq] <= up]
        assert not early, f"transfers sent while PostgreSQL was down were answered before it started: {early[:5]}"
        numbers |= {"restart_pending_answered_after_restart": sum(streamer.arrived[q] > restarted for q in pending),
                    "crash_pending_answered_after_start": sum(streamer.arrived[q] > up for q in pending_down)}

        chain = DurableChain(pg.port)
        chain.check_structure()
        for seq, (tx_id, _, batch, _) in streamer.receipts.items():
            assert tx_id == transfers[seq].tx_id
            rows = chain.by_id.get(tx_id, [])
            assert [(r[0], r[3]) for r in rows] == [(batch, 2)], f"transfer {seq} (batch {batch}) has rows {rows}"
        assert len(chain.rows) == len(transfers), f"{len(chain.rows)} transaction rows for {len(transfers)} transfers"
        for seq in range(0, len(transfers), 7):  # a sample through the API too
            tx_id, _, batch, _ = streamer.receipts[seq]
            st = stub.GetSettlementStatus(pb.GetSettlementStatusRequest(tx_id=tx_id), timeout=RPC_TIMEOUT)
            assert st.status in DURABLE and st.batch_number == batch, (st.status, st.batch_number, batch)
        check_balances(stub, pb, chain)

        stderr = engine.process.stderr_path.read_text(errors="replace")
        numbers |= {"batches": chain.head, "engine_commit_retries": stderr.count("batch commit failed; retrying"),
                    "store_connection_retries": stderr.count("connection lost, retrying"),
                    "commit_outcome_unknown": stderr.count("may or may not have committed"),
                    "already_durable_noops": stderr.count("batch already durable")}
        report("postgres restart", numbers)
    finally:
        ch.close()
        engine.process.stop()
