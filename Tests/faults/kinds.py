"""The faults. Each is a function (cluster, trial index, note) that injects the fault, waits for
what it needs to be real (a lease expiry, a takeover), and heals it; `note(key, value)` records
what happened for the report. They raise on what makes the trial meaningless (say, no takeover
within the bound), never on what the checks afterwards judge.
"""
import os
import re
import signal
import time
from pathlib import Path

from faults.cluster import LEASE_TTL_MS, wait_until

BLACKHOLE_SECONDS = 4.0
DISK_FULL_SECONDS = 4.0


def kill_leader(cluster, trial, note):
    """kill -9 of the lease holder; a follower must take over; then the killed one is started
    again (same id and port)."""
    leader = cluster.leader()
    _, term, _ = cluster.lease()
    os.kill(leader.pid, signal.SIGKILL)
    leader.process.proc.wait(timeout=30)
    t0 = time.monotonic()
    wait_until(lambda: cluster.lease()[1] > term and cluster.lease()[0] != leader.name, 60,
               f"a follower to take over from {leader.name}")
    note("victim", leader.name)
    note("takeover_s", round(time.monotonic() - t0, 2))
    leader.process.stop()
    leader.start()


def sigstop_leader(cluster, trial, note):
    """SIGSTOP of the lease holder until another replica holds the lease (past the TTL), then
    SIGCONT: it must not commit anything under its old term (checked afterwards)."""
    leader = cluster.leader()
    _, term, _ = cluster.lease()
    log_before = len(leader.log())
    os.kill(leader.pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        wait_until(lambda: cluster.lease()[1] > term, 60, f"another replica to take over from the frozen {leader.name}")
        time.sleep(1.0)  # the new leader commits a few batches while the old one is frozen
        note("victim", leader.name)
        note("frozen_s", round(time.monotonic() - t0, 2))
    finally:
        os.kill(leader.pid, signal.SIGCONT)
    note("old_term", term)
    # Evidence that the resumed leader noticed (a fenced commit, or the lease seen moved on).
    try:
        wait_until(lambda: "deposed: " in leader.log()[log_before:], 20, f"{leader.name} to log that it was deposed")
        note("deposed", "; ".join(sorted(set(re.findall(r"deposed: ([a-z ]+)", leader.log()[log_before:])))))
    except TimeoutError:
        note("deposed", "never logged")


def pg_restart_fast(cluster, trial, note):
    cluster.pg.restart_fast()


def pg_crash(cluster, trial, note):
    """`pg_ctl stop -m immediate` (no checkpoint: crash recovery at the start), down 1.5 s, start."""
    cluster.pg.crash()
    time.sleep(1.5)
    cluster.pg.start()


def proxy_blackhole(cluster, trial, note):
    """The database unreachable from one replica only (its proxy blackholes) for a few seconds:
    the leader on even trials, a follower on odd ones; the heal either lets the held traffic
    through late ("stall") or resets every connection that lived through the cut ("reset")."""
    leader = cluster.leader()
    if trial % 2 == 0:
        victim = leader
    else:
        victim = next(r for r in cluster.replicas if r is not leader)
    mode = "reset" if trial % 4 in (1, 2) else "stall"
    _, term, _ = cluster.lease()
    victim.proxy.blackhole()
    try:
        time.sleep(max(BLACKHOLE_SECONDS, 3 * LEASE_TTL_MS / 1000))
    finally:
        victim.proxy.heal(mode)
    note("victim", f"{victim.name}{' (leader)' if victim is leader else ''}")
    note("heal", mode)
    note("lease_moved", cluster.lease()[1] > term)


def _fill(mount, trial, note):
    """A filler file taking every free byte of `mount`; returns its path."""
    filler = Path(mount, f"filler-{trial}")
    written = 0
    chunk = b"\0" * (1 << 20)
    try:
        with open(filler, "wb", buffering=0) as f:
            for size in (1 << 20, 1 << 12):
                block = chunk[:size]
                while True:
                    try:
                        written += f.write(block)
                    except OSError:
                        break
    except BaseException:
        filler.unlink(missing_ok=True)
        raise
    note("filler_mib", round(written / (1 << 20), 1))
    return filler


def _after_full(cluster, filler, t0, log_before, note):
    filler.unlink(missing_ok=True)
    note("full_s", round(time.monotonic() - t0, 2))
    time.sleep(1.0)
    log = Path(cluster.pg.log).read_text(errors="replace")[log_before:]
    note("panics", log.count("PANIC:"))
    if not cluster.pg_running():
        note("postgres", "exited; started again")
        cluster.pg.start()
    else:
        note("postgres", "survived")


def disk_full(cluster, trial, note):
    """PostgreSQL's data directory is on a small tmpfs: a filler file takes every free byte for a
    few seconds, then goes. If its postmaster is gone afterwards it is started again, as an
    operator or supervisor would."""
    if not cluster.mount:
        raise RuntimeError("disk-full needs PostgreSQL on a tmpfs (root)")
    log_before = len(Path(cluster.pg.log).read_text(errors="replace"))
    t0 = time.monotonic()
    filler = _fill(cluster.mount, trial, note)
    try:
        time.sleep(DISK_FULL_SECONDS)
    finally:
        _after_full(cluster, filler, t0, log_before, note)


def wal_full(cluster, trial, note):
    """PostgreSQL's WAL volume (its own tmpfs) full: a filler takes every free byte, and WAL
    switches (`pg_switch_wal()`) use up the recycled segments until PostgreSQL must create one,
    cannot, and PANICs (every backend dies, commits in flight with an unknown outcome, crash
    recovery). The filler goes after a few seconds; a postmaster that did not come back is
    started again."""
    if not cluster.wal_mount:
        raise RuntimeError("wal-full needs PostgreSQL's WAL on a tmpfs (root)")
    log_before = len(Path(cluster.pg.log).read_text(errors="replace"))
    t0 = time.monotonic()
    filler = _fill(cluster.wal_mount, trial, note)
    try:
        deadline = time.monotonic() + DISK_FULL_SECONDS
        switches = 0
        while time.monotonic() < deadline:
            try:
                cluster.sql("SELECT pg_switch_wal()")
                switches += 1
            except Exception:  # noqa: BLE001 - PostgreSQL down (PANIC) is the point
                pass
            time.sleep(0.3)
        note("wal_switches", switches)
    finally:
        _after_full(cluster, filler, t0, log_before, note)


def sabotage(cluster, trial, note):
    """NOT A FAULT: a test of the campaign's own checks (only run when named). Behind the engine's
    back it deletes the newest accepted transaction row and copies the one before it into the
    same batch, so the trial must report one lost and one duplicated transfer, a broken chain and
    replicas that disagree with the replay."""
    rows = cluster.sql("SELECT batch_number, idx FROM transactions WHERE status = 2 ORDER BY batch_number DESC, idx DESC LIMIT 2")
    (b1, i1), (b2, i2) = rows
    cluster.sql(f"""CREATE TEMP TABLE copy AS SELECT * FROM transactions WHERE batch_number = {b2} AND idx = {i2};
                    UPDATE copy SET idx = 1000000; INSERT INTO transactions SELECT * FROM copy;
                    DELETE FROM transactions WHERE batch_number = {b1} AND idx = {i1}""")
    note("deleted", f"{b1}/{i1}")
    note("copied", f"{b2}/{i2}")


KINDS = {
    "kill-leader": kill_leader,
    "sigstop-leader": sigstop_leader,
    "pg-restart-fast": pg_restart_fast,
    "pg-crash": pg_crash,
    "proxy-blackhole": proxy_blackhole,
    "disk-full": disk_full,
    "wal-full": wal_full,
}

# Selectable by name only, never part of the default campaign.
TESTS_OF_THE_CAMPAIGN = {"sabotage": sabotage}
