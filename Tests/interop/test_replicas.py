"""Replicas on one PostgreSQL, checked from the outside with stock grpcio clients.

Every replica is the real `settlement-engine` binary pointed at one test PostgreSQL server
(`--database-url`); the lease table decides which one sequences. Clients stream eth-account-signed
transfers (each sender's transfers over one stream, so its nonces arrive in order) to the leader,
to followers (which forward to the leader) and through `Deploy/cluster.sh`'s nghttpx load
balancer. What is checked, always against PostgreSQL itself:

1. `test_kill_leader_mid_stream`: three replicas behind nghttpx; the leader is SIGKILLed
   mid-stream. A follower takes the lease; streams through followers complete with every transfer
   SEQUENCED; everything acknowledged is in the database exactly once in the batch its receipt
   named; the chain is unbroken and equals a replay from genesis on every surviving replica.
2. `test_frozen_leader_is_fenced`: the leader is frozen with SIGSTOP past its lease while its
   client streams; the other replica takes over; the old leader is resumed and can commit nothing
   (no batch of its term after one of the new term); its unanswered transfers reach the new leader
   and its client still gets a receipt for each.
3. `test_subscription_across_leader_change_and_reconnect`: a SubscribeStatus stream (every batch)
   on follower A sees each batch exactly once and in order while leader B is killed and A's
   LISTEN connection is terminated by the server.
4. `test_postgres_restart_with_three_replicas`: `pg_ctl restart -m fast` and a crash under load;
   nothing acknowledged is lost, every transfer ends SEQUENCED exactly once.

No assertion depends on timing; timeouts only stop hangs.
"""
import importlib
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import grpc
import pytest

from test_durability import (FEE_ACCOUNT, RPC_TIMEOUT, SENDER_KEYS, DurableChain, ExternalPostgres, Streamer,
                             _free_port, check_balances, genesis_file, pb, pb_grpc, psql, report, transfers)

REPO = Path(__file__).resolve().parents[2]
LEASE_TTL_MS = 1000
SECRET = "replica-test-secret"

__all__ = ["genesis_file", "pb", "pb_grpc", "transfers"]  # fixtures used here


def by_sender(transfers):
    return [[t for t in transfers if t.frm == k.address] for k in SENDER_KEYS]


class Replica:
    def __init__(self, start_engine, pg, genesis, name, port=None, extra=()):
        self.name = name
        self.port = port or _free_port()
        self.engine = start_engine("h2c", "--genesis", genesis, "--batch-timeout-ms", "10", "--fee-account", FEE_ACCOUNT,
                                   "--database-url", pg.url, "--listen", f"127.0.0.1:{self.port}",
                                   "--replica-id", name, "--lease-ttl-ms", str(LEASE_TTL_MS),
                                   "--cluster-secret", SECRET, *extra)
        self.target = f"127.0.0.1:{self.port}"
        self.admin_target = self.engine.admin_target  # the demo calls that act on L1 as any address

    @property
    def pid(self):
        return self.engine.process.pid

    def channel(self):
        return grpc.insecure_channel(self.target)

    def log(self):
        return self.engine.process.stderr_path.read_text(errors="replace")


def role_history(replicas):
    """Each replica's role changes from its log (for failure messages: which terms ran where)."""
    pattern = re.compile(r"sequencing|stepped down|deposed|giving it up|corrupt")
    return "\n".join(f"{r.name}: {line[:200]}" for r in replicas for line in r.log().splitlines() if pattern.search(line))


def lease(pg):
    rows = psql(pg.port, "SELECT holder, term, endpoint FROM sequencer_lease")
    return (rows[0][0], int(rows[0][1]), rows[0][2]) if rows else (None, 0, None)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"waited {timeout}s for {what}"
        time.sleep(0.05)


def start_set(start_engine, pg, genesis, n, *extra):
    """n replicas; the first one started takes the lease (the others wait for it to be live)."""
    replicas = [Replica(start_engine, pg, genesis, "r0", extra=extra)]
    wait_for(lambda: lease(pg)[0] == "r0", 60, "r0 to take the lease")
    replicas += [Replica(start_engine, pg, genesis, f"r{i}", extra=extra) for i in range(1, n)]
    return replicas


def check_exactly_once(chain, streamers, pb, items_of):
    """Every SEQUENCED receipt is in the database exactly once, in the batch it named."""
    acked = 0
    for s in streamers:
        for seq, (tx_id, status, batch, reason) in s.receipts.items():
            assert tx_id == items_of[s][seq].tx_id
            if status != pb.TX_STATUS_SEQUENCED:
                continue
            rows = chain.by_id.get(tx_id, [])
            assert [(r[0], r[3]) for r in rows] == [(batch, 2)], f"acknowledged transfer in batch {batch} has rows {rows}"
            acked += 1
    for tx_id, rows in chain.by_id.items():
        assert sum(r[3] == 2 for r in rows) <= 1, f"{tx_id.hex()} sequenced twice: {rows}"
    return acked


def resubmit_unanswered(stub, pb, streamer, items):
    """Streams again every transfer of `items` whose receipt `streamer` did not get (a broken
    stream); returns the new Streamer (complete)."""
    rest = [t for i, t in enumerate(items) if i not in streamer.receipts or
            streamer.receipts[i][1] != pb.TX_STATUS_SEQUENCED]
    s = Streamer(stub, pb, rest, window=len(rest) + 1).start()
    s.join()
    assert s.error is None, f"resubmission failed: {s.error!r}"
    return s, rest


def terms_never_go_back(pg):
    terms = [int(t) for (t,) in psql(pg.port, "SELECT term FROM batches ORDER BY number")]
    assert terms == sorted(terms), f"a batch of an older term was committed after a newer term's: {terms}"
    return terms


@pytest.fixture
def pg():
    p = ExternalPostgres()
    yield p
    p.close()


# ---------------------------------------------------------------------------------------------


def start_nghttpx(replicas, tmp_path):
    """nghttpx in front of `replicas`, with the flags Deploy/cluster.sh uses. A free port can be
    taken by another process before nghttpx binds it: then it exits, and another port is tried."""
    import socket
    log = tmp_path / "nghttpx.log"
    for attempt in range(3):
        port = _free_port()
        # --conf=/dev/null: never the system's /etc/nghttpx/nghttpx.conf (its own frontend port
        # would be bound too, and clash with any other nghttpx on the machine).
        argv = [shutil_which("nghttpx"), "--conf=/dev/null", "-f", f"127.0.0.1,{port};no-tls",
                *sum((["-b", f"127.0.0.1,{r.port};;proto=h2"] for r in replicas), []),
                "--workers=1", "--frontend-http2-read-timeout=0", "--backend-read-timeout=0", "--stream-read-timeout=0",
                "--stream-write-timeout=0", "--no-server-push", f"--errorlog-file={log}", "--accesslog-file=/dev/null"]
        out_path = tmp_path / f"nghttpx-{attempt}.out"
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return proc, f"127.0.0.1:{port}"
            time.sleep(0.05)
        output = out_path.read_text(errors="replace") + (log.read_text(errors="replace") if log.exists() else "")
        if proc.poll() is None:
            proc.kill()
            raise AssertionError(f"nghttpx did not listen on {port} within 60 s: {output}")
    raise AssertionError(f"nghttpx exited three times (exit {proc.returncode}): {output}")


def test_kill_leader_mid_stream(start_engine, pg, pb, pb_grpc, transfers, genesis_file, tmp_path):
    if not shutil_which("nghttpx"):
        pytest.skip("nghttpx (nghttp2-proxy) is not installed")
    replicas = start_set(start_engine, pg, genesis_file, 3)
    leader, f1, f2 = replicas
    lb, lb_target = start_nghttpx(replicas, tmp_path)
    groups = by_sender(transfers)
    targets = [lb_target, f1.target, f2.target, leader.target]  # sender i streams to targets[i]
    channels = [grpc.insecure_channel(t) for t in targets]
    try:
        streamers = [Streamer(pb_grpc.SettlementStub(ch), pb, g).start() for ch, g in zip(channels, groups)]
        items_of = dict(zip(streamers, groups))
        wait_for(lambda: sum(s.sequenced for s in streamers) >= 600, 120, "600 SEQUENCED receipts")
        _, term_before, _ = lease(pg)
        os.kill(leader.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        leader.engine.process.proc.wait(timeout=30)
        wait_for(lambda: lease(pg)[0] in ("r1", "r2") and lease(pg)[1] > term_before, 60, "a follower to take the lease")
        new_holder, term_after, _ = lease(pg)
        for s in streamers:
            s.join()
        done_at = time.monotonic()
        # Streams through the followers never saw the leader die: complete, all SEQUENCED.
        for s, name in [(streamers[1], "follower r1"), (streamers[2], "follower r2")]:
            assert s.error is None, f"stream through {name} failed: {s.error!r}\n{f1.log()[-3000:]}"
            assert sorted(s.receipts) == list(range(len(items_of[s]))), f"{name}: missing receipts"
            bad = [r for r in s.receipts.values() if r[1] != pb.TX_STATUS_SEQUENCED]
            assert not bad, f"{name}: not SEQUENCED: {bad[:3]}"
        # The stream to the killed leader broke; the one through nghttpx may have (if it was routed
        # there). Whatever they did not get acknowledged is submitted again through a follower.
        direct = streamers[3]
        assert (direct.error is None and len(direct.receipts) == len(items_of[direct])) or \
            direct.error.code() == grpc.StatusCode.UNAVAILABLE, f"stream to the killed leader: {direct.error!r}"
        chain = DurableChain(pg.port)
        chain.check_structure()
        acked = check_exactly_once(chain, streamers, pb, items_of)
        survivor = f1.channel()
        channels.append(survivor)
        stub = pb_grpc.SettlementStub(survivor)
        resubmitted = 0
        for s in (streamers[0], streamers[3]):
            again, rest = resubmit_unanswered(stub, pb, s, items_of[s])
            resubmitted += len(rest)
            bad = [r for r in again.receipts.values() if r[1] != pb.TX_STATUS_SEQUENCED]
            assert not bad, f"resubmitted transfers not SEQUENCED: {bad[:3]}"
        final = DurableChain(pg.port)
        final.check_structure()
        check_exactly_once(final, streamers, pb, items_of)
        assert {tid for tid, rows in final.by_id.items() if any(r[3] == 2 for r in rows)} == {t.tx_id for t in transfers}
        assert all(len(rows) == 1 for rows in final.by_id.values()), "a transfer is in the database twice"
        terms = terms_never_go_back(pg)
        # Every surviving replica holds the state of a replay from genesis (followers applied the
        # new leader's batches through LISTEN/NOTIFY and catch-up reads).
        for r in (f1, f2):
            ch = r.channel()
            channels.append(ch)
            wait_for(lambda: ch_head(pb_grpc, pb, ch) >= final.head, 60, f"{r.name} to apply batch {final.head}")
            check_balances(pb_grpc.SettlementStub(ch), pb, final)
        report("replicas: kill -9 leader", {
            "acked_before_resubmit": acked, "direct_stream_broke": direct.error is not None, "resubmitted": resubmitted, "new_leader": new_holder,
            "terms": f"{term_before}->{term_after}", "batches": final.head,
            "batches_by_new_term": sum(t == term_after for t in terms),
            "kill_to_all_streams_done_s": round(done_at - killed_at, 2),
        })
    finally:
        for ch in channels:
            ch.close()
        lb.terminate()
        lb.wait(timeout=10)


def shutil_which(name):
    import shutil
    return shutil.which(name) or (os.path.exists(f"/usr/sbin/{name}") and f"/usr/sbin/{name}")


def ch_head(pb_grpc, pb, ch):
    """The newest batch the replica behind `ch` has applied (GetAccount's batch of the latest root)."""
    a = pb_grpc.SettlementStub(ch).GetAccount(pb.GetAccountRequest(address=bytes.fromhex(FEE_ACCOUNT[2:])),
                                              timeout=RPC_TIMEOUT)
    return a.batch_number


# ---------------------------------------------------------------------------------------------


def test_frozen_leader_is_fenced(start_engine, pg, pb, pb_grpc, transfers, genesis_file):
    old, other = start_set(start_engine, pg, genesis_file, 2)
    groups = by_sender(transfers)
    ch_old, ch_other = old.channel(), other.channel()
    try:
        # The frozen leader's own clients: they keep batches in flight when it stops.
        s_old = Streamer(pb_grpc.SettlementStub(ch_old), pb, groups[0]).start()
        s_old.wait_until(lambda s: s.sequenced >= 300, timeout=120, what="300 SEQUENCED receipts")
        _, old_term, _ = lease(pg)
        os.kill(old.pid, signal.SIGSTOP)
        try:
            wait_for(lambda: lease(pg)[0] == other.name, 60, "the other replica to take the lease")
            _, new_term, _ = lease(pg)
            # The new leader sequences meanwhile (a client of its own).
            s_new = Streamer(pb_grpc.SettlementStub(ch_other), pb, groups[2]).start()
            s_new.wait_until(lambda s: s.sequenced >= 200, timeout=120, what="200 SEQUENCED on the new leader")
        finally:
            os.kill(old.pid, signal.SIGCONT)
        s_old.join()
        s_new.join()
        # The resumed replica could not commit: fenced, it hands what it held to the new leader,
        # so its client's stream still completes with a receipt for every transfer.
        assert s_old.error is None, f"the resumed replica's stream failed: {s_old.error!r}\n{old.log()[-3000:]}"
        assert sorted(s_old.receipts) == list(range(len(groups[0]))), "the resumed replica's client lost receipts"
        bad = [r for r in s_old.receipts.values() if r[1] != pb.TX_STATUS_SEQUENCED]
        assert not bad, f"not SEQUENCED after the hand-off: {bad[:3]}"
        assert s_new.error is None and all(r[1] == pb.TX_STATUS_SEQUENCED for r in s_new.receipts.values())
        assert "deposed" in old.log(), "the resumed replica did not notice it was deposed"
        terms = terms_never_go_back(pg)
        assert new_term > old_term and terms[-1] == new_term
        chain = DurableChain(pg.port)
        chain.check_structure()
        items_of = {s_old: groups[0], s_new: groups[2]}
        check_exactly_once(chain, [s_old, s_new], pb, items_of)
        assert all(len(rows) == 1 for rows in chain.by_id.values())
        for ch in (ch_old, ch_other):
            wait_for(lambda: ch_head(pb_grpc, pb, ch) >= chain.head, 60, "replicas to apply the head")
            check_balances(pb_grpc.SettlementStub(ch), pb, chain)
        report("replicas: frozen leader", {
            "old_term": old_term, "new_term": new_term, "batches": chain.head,
            "batches_of_old_term": sum(t == old_term for t in terms), "batches_of_new_term": sum(t == new_term for t in terms),
            "fenced_commits": old.log().count("deposed: a commit was fenced"),
            "handed_off": old.log().count("stepped down"),
        })
    finally:
        ch_old.close()
        ch_other.close()


# ---------------------------------------------------------------------------------------------


def test_subscription_across_leader_change_and_reconnect(start_engine, pg, pb, pb_grpc, transfers, genesis_file):
    leader, a, c = start_set(start_engine, pg, genesis_file, 3)
    groups = by_sender(transfers)
    ch_a, ch_c = a.channel(), c.channel()
    seen, errors = [], []

    def subscribe():
        try:
            for u in pb_grpc.SettlementStub(ch_a).SubscribeStatus(pb.SubscribeStatusRequest(), timeout=300):
                # One update per batch and status: SEQUENCED when the batch commits, then its L1
                # steps (POSTED, ...) when the finality engine gets there. The batch order is
                # checked on the SEQUENCED ones.
                if u.status.status == pb.TX_STATUS_SEQUENCED:
                    seen.append(u.status.batch_number)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.CANCELLED:
                errors.append(e)

    sub = threading.Thread(target=subscribe, daemon=True)
    sub.start()
    try:
        s1 = Streamer(pb_grpc.SettlementStub(ch_c), pb, groups[0]).start()
        s1.wait_until(lambda s: s.sequenced >= 300, timeout=120, what="300 SEQUENCED")
        os.kill(leader.pid, signal.SIGKILL)
        # A's listening connection is cut by the server (an admin terminating it, a proxy
        # restart): it must reconnect and catch up from the tables without a gap.
        cut = psql(pg.port, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE pid <> pg_backend_pid() AND (query ILIKE 'LISTEN%' OR query = 'SELECT 1')")
        assert ["t"] in cut, f"no listening connection was found to terminate: {cut}"
        s1.join()
        s2 = Streamer(pb_grpc.SettlementStub(ch_c), pb, groups[1]).start()
        s2.join()
        assert s1.error is None and s2.error is None, f"{s1.error!r} {s2.error!r}"
        head = DurableChain(pg.port).head
        wait_for(lambda: seen and seen[-1] >= head, 60, f"the subscription to reach batch {head}")
        assert not errors, errors
        first = seen[0]
        assert seen == list(range(first, head + 1)), \
            f"batches seen on A are not each batch once in order: gaps {sorted(set(range(first, head + 1)) - set(seen))[:10]}, " \
            f"duplicates {[b for b in set(seen) if seen.count(b) > 1][:10]}"
        report("replicas: subscription", {"first": first, "last": seen[-1], "updates": len(seen),
                                          "listening_connections_cut": cut.count(["t"])})
    finally:
        ch_a.close()
        ch_c.close()
        sub.join(timeout=10)


# ---------------------------------------------------------------------------------------------


def test_postgres_restart_with_three_replicas(start_engine, pg, pb, pb_grpc, transfers, genesis_file):
    """Also: snapshots every 10 batches (written in the background by the leader), and a replica
    started afterwards rebuilds its state from the newest snapshot plus the diffs after it."""
    replicas = start_set(start_engine, pg, genesis_file, 3, "--snapshot-interval-batches", "10")
    groups = by_sender(transfers)
    channels = [r.channel() for r in replicas]
    try:
        streamers = [Streamer(pb_grpc.SettlementStub(channels[i % 3]), pb, g).start() for i, g in enumerate(groups)]
        items_of = dict(zip(streamers, groups))
        wait_for(lambda: sum(len(s.receipts) for s in streamers) >= 700, 120, "700 receipts")
        pg.restart_fast()
        wait_for(lambda: sum(len(s.receipts) for s in streamers) >= 1500, 180, "1500 receipts")
        pg.crash()
        time.sleep(1.0)
        pg.start()
        for s in streamers:
            s.join()
        for s in streamers:
            assert s.error is None, f"a stream failed: {s.error!r}"
            assert sorted(s.receipts) == list(range(len(items_of[s])))
            bad = [r for r in s.receipts.values() if r[1] != pb.TX_STATUS_SEQUENCED]
            assert not bad, f"not SEQUENCED: {bad[:3]}\nrole changes:\n{role_history(replicas)}"
        chain = DurableChain(pg.port)
        chain.check_structure()
        check_exactly_once(chain, streamers, pb, items_of)
        assert len(chain.rows) == len(transfers)
        terms_never_go_back(pg)
        for ch in channels:
            wait_for(lambda: ch_head(pb_grpc, pb, ch) >= chain.head, 60, "replicas to apply the head")
            check_balances(pb_grpc.SettlementStub(ch), pb, chain)
        wait_for(lambda: psql(pg.port, "SELECT count(*) FROM snapshots")[0][0] != "0", 60, "a background snapshot")
        snap = int(psql(pg.port, "SELECT max(batch_number) FROM snapshots")[0][0])
        late = Replica(start_engine, pg, genesis_file, "late")
        ch = late.channel()
        channels.append(ch)
        check_balances(pb_grpc.SettlementStub(ch), pb, chain)
        opened = re.search(r"snapshot=(\d+) .*settlement store opened", late.log())
        assert opened and int(opened.group(1)) >= snap, \
            f"the late replica did not open from a snapshot (newest was at batch {snap}):\n{late.log()[-2000:]}"
        report("replicas: postgres restart", {"batches": chain.head, "terms": sorted(set(terms_never_go_back(pg))),
                                              "newest_snapshot": snap})
    finally:
        for ch in channels:
            ch.close()


# ---------------------------------------------------------------------------------------------


def _free_port_run(n):
    """A port P with P...P+n-1 all free, below the kernel's ephemeral range (32768 and up), so
    that no outgoing connection takes one of them meanwhile."""
    import random
    import socket
    for _ in range(200):
        base = random.randrange(20000, 32000 - n)
        socks = []
        try:
            for p in range(base, base + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise AssertionError(f"no run of {n} free ports found")


def test_cluster_script_up_and_down(pb, pb_grpc, tmp_path):
    """Deploy/cluster.sh brings PostgreSQL, three replicas and nghttpx up, serves through the load
    balancer, and takes everything down again."""
    if not shutil_which("nghttpx"):
        pytest.skip("nghttpx (nghttp2-proxy) is not installed")
    import tempfile
    d = tempfile.mkdtemp(prefix="settlement-cluster-test-")
    os.chmod(d, 0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")}
    env["SETTLEMENT_ENGINE_BIN"] = os.environ.get("ENGINE_BIN") or str(REPO / ".build/debug/settlement-engine")
    ports = [str(_free_port()) for _ in range(3)]
    base = _free_port_run(3)
    up = subprocess.run([str(REPO / "Deploy/cluster.sh"), "up", "--dir", d, "--port", ports[0], "--pg-port", ports[1],
                         "--base-port", str(base)], env=env, capture_output=True, text=True, timeout=300)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        conf = dict(line.split("=", 1) for line in Path(d, "cluster.env").read_text().split("\n") if "=" in line)
        pids = [int(p) for p in conf["REPLICA_PIDS"].strip('"').split()]
        assert len(pids) == 3
        from eth_account import Account
        from harness import chain_info
        from test_settlement_e2e import typed_transfer
        key = Account.from_key("0x" + "00" * 30 + "10" + "01")  # a development key of Deploy/genesis.dev.json
        to = "0x9B11740EA6d46b9176B1eBB69a1672BE9c2c63d8"
        with grpc.insecure_channel(f"127.0.0.1:{conf['LB_PORT']}") as ch:
            stub = pb_grpc.SettlementStub(ch)
            chain_id, salt = chain_info(stub, pb)  # the deployment's domain, as a client learns it
            for nonce in range(3):  # three calls: nghttpx spreads them over the replicas
                sig = key.sign_typed_data(full_message=typed_transfer(key.address, to, 5, 1, nonce, salt, chain_id=chain_id))
                r = stub.SubmitTransaction(pb.SignedTransfer(**{
                    "from": bytes.fromhex(key.address[2:]), "to": bytes.fromhex(to[2:]), "value": (5).to_bytes(32, "big"),
                    "fee": (1).to_bytes(32, "big"), "nonce": nonce, "chain_id": chain_id, "signature": bytes(sig.signature),
                    "domain_salt": salt}),
                    timeout=RPC_TIMEOUT)
                assert r.status == pb.TX_STATUS_SEQUENCED, r
        status = subprocess.run([str(REPO / "Deploy/cluster.sh"), "status", "--dir", d], env=env, capture_output=True,
                                text=True, timeout=60)
        assert status.returncode == 0 and "replica-1" in status.stdout, status.stdout + status.stderr
    finally:
        down = subprocess.run([str(REPO / "Deploy/cluster.sh"), "down", "--dir", d], env=env, capture_output=True,
                              text=True, timeout=120)
        import shutil
        shutil.rmtree(d, ignore_errors=True)
    assert down.returncode == 0, down.stdout + down.stderr
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3], \
            f"replica {pid} still runs after down"
