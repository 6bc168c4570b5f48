"""The system under test: a private PostgreSQL (optionally on a small tmpfs, for the disk-full
fault), a BlackholeProxy per replica in front of it, and the engine replicas
(`settlement-engine --database-url` through its proxy, `--cluster-secret-file`), each on a fixed
port so that a restarted replica is found where it was. Every process and mount it makes is
undone by `close()`, which is safe to call after any failure.
"""
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import grpc

from harness import ExternalPostgres, Process, domain_salt, free_port, psql, _pid_alive, postmaster
from faults.proxy import BlackholeProxy

LEASE_TTL_MS = 1000
WAL_TMPFS_MB = 192


def wait_until(predicate, timeout, what, interval=0.1):
    """Polls `predicate` until it is true; TimeoutError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001 - a probe that fails (database down) just means "not yet"
            pass
        if time.monotonic() >= deadline:
            raise TimeoutError(f"waited {timeout}s for {what}")
        time.sleep(interval)


class Replica:
    """One engine process; `start()` again after it died reuses its id and port."""

    def __init__(self, cluster, index):
        self.cluster = cluster
        self.name = f"r{index}"
        self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.proxy = BlackholeProxy(cluster.pg.port, self.name).start()
        self.data_dir = os.path.join(cluster.workdir, f"{self.name}-data")
        self.process = None
        self.starts = 0

    @property
    def pid(self):
        return self.process.pid

    def start(self, wait=True):
        c = self.cluster
        argv = [c.engine_bin, "--listen", self.target, "--data-dir", self.data_dir,
                "--database-url", f"postgresql://settlement@127.0.0.1:{self.proxy.port}/postgres",
                "--replica-id", self.name, "--lease-ttl-ms", str(LEASE_TTL_MS),
                "--cluster-secret-file", c.secret_file, "--genesis", c.genesis_file,
                "--batch-timeout-ms", "10", "--fee-account", c.fee_account]
        self.starts += 1
        self.process = Process(argv, Path(c.workdir), f"{self.name}.{self.starts}", env=c.engine_env)
        if wait:
            self.process.wait_for(r"settlement-engine listening on", timeout=120)
        return self

    def alive(self):
        return self.process is not None and self.process.alive()

    def log(self):
        return self.process.stderr_path.read_text(errors="replace") if self.process else ""

    def stop(self):
        if self.process is not None:
            if _pid_alive(self.process.pid):
                try:
                    os.kill(self.process.pid, signal.SIGCONT)  # a stopped process cannot handle SIGTERM
                except ProcessLookupError:
                    pass
            self.process.stop()


class Cluster:
    def __init__(self, engine_bin, replicas, genesis, fee_account, workdir, tmpfs_mb=0, log=print):
        """`genesis`: {address: balance}. `tmpfs_mb` > 0 (root only) puts PostgreSQL's data
        directory on a tmpfs of that size."""
        self.engine_bin = engine_bin
        self.fee_account = fee_account
        self.workdir = workdir
        self.log = log
        self.mount = None  # tmpfs of PostgreSQL's data directory
        self.wal_mount = None  # tmpfs of its WAL (pg_wal)
        self.pg = None
        self.replicas = []
        self.channels = {}
        self.engine_env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")}
        self.genesis_file = os.path.join(workdir, "genesis.json")
        genesis_doc = {"config": {"chainId": 1337}, "alloc": {a: {"balance": str(b)} for a, b in genesis.items()}}
        Path(self.genesis_file).write_text(json.dumps(genesis_doc))
        # The EIP-712 domain salt of this deployment (what its transfers are signed in).
        self.domain_salt = domain_salt(genesis_doc)
        self.secret_file = os.path.join(workdir, "cluster-secret")
        Path(self.secret_file).write_text(os.urandom(16).hex() + "\n")
        os.chmod(self.secret_file, 0o600)
        self.n_replicas = replicas
        self.tmpfs_mb = tmpfs_mb

    def _tmpfs(self, size_mb):
        d = tempfile.mkdtemp(prefix="settlement-faults-tmpfs-")
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", d],
                       check=True, capture_output=True, timeout=30)
        pw = pwd.getpwnam("postgres")
        os.chown(d, pw.pw_uid, pw.pw_gid)
        return d

    def up(self):
        data = waldir = None
        # Small WAL and frequent checkpoints: the data directory fits a small tmpfs.
        settings = "max_wal_size = 64MB\nmin_wal_size = 32MB\ncheckpoint_timeout = 30s\n"
        if self.tmpfs_mb:
            self.mount = self._tmpfs(self.tmpfs_mb)
            data = os.path.join(self.mount, "data")
            # The WAL on a volume of its own (max_wal_size 64 MB + recycled segments fit).
            self.wal_mount = self._tmpfs(WAL_TMPFS_MB)
            waldir = os.path.join(self.wal_mount, "wal")
        self.pg = ExternalPostgres(data=data, settings=settings, waldir=waldir)
        self.replicas = [Replica(self, i) for i in range(self.n_replicas)]
        self.replicas[0].start()
        wait_until(lambda: self.lease()[0] == "r0", 60, "r0 to take the lease")
        for r in self.replicas[1:]:
            r.start()
        return self

    # -- observation -------------------------------------------------------------------------

    def sql(self, query):
        """Straight to PostgreSQL (never through a replica's proxy)."""
        return psql(self.pg.port, query)

    def lease(self):
        """(holder, term, expired) of the sequencer lease."""
        rows = self.sql("SELECT holder, term, expires_at < now() FROM sequencer_lease")
        return (rows[0][0], int(rows[0][1]), rows[0][2] == "t") if rows else (None, 0, True)

    def leader(self):
        holder, _, _ = self.lease()
        return next((r for r in self.replicas if r.name == holder), None)

    def pg_running(self):
        pid, _ = postmaster(self.pg.data)
        return bool(pid and _pid_alive(pid))

    def channel(self, replica):
        ch = self.channels.get(replica.name)
        if ch is None:
            ch = self.channels[replica.name] = grpc.insecure_channel(replica.target)
        return ch

    def wait_healthy(self, timeout=90):
        """PostgreSQL up, every replica process alive, a live lease held by one of them."""
        wait_until(self.pg_running, timeout, "PostgreSQL to run")
        dead = [r.name for r in self.replicas if not r.alive()]
        if dead:
            raise RuntimeError(f"replicas exited: {dead}")

        def led():
            holder, _, expired = self.lease()
            return not expired and any(r.name == holder for r in self.replicas)
        wait_until(led, timeout, "a replica to hold a live lease")

    # -- teardown ----------------------------------------------------------------------------

    def close(self):
        for ch in self.channels.values():
            ch.close()
        self.channels.clear()
        for r in self.replicas:
            try:
                r.stop()
            except Exception as e:  # noqa: BLE001 - keep cleaning up
                self.log(f"cleanup: stopping {r.name}: {e!r}")
            r.proxy.close()
        if self.pg is not None:
            try:
                self.pg.close()
            except Exception as e:  # noqa: BLE001
                self.log(f"cleanup: stopping PostgreSQL: {e!r}")
        for mount in (self.wal_mount, self.mount):
            if not mount:
                continue
            for f in Path(mount).glob("filler*"):
                f.unlink(missing_ok=True)
            shutil.rmtree(os.path.join(mount, "wal"), ignore_errors=True)
            rc = subprocess.run(["umount", mount], capture_output=True, timeout=60).returncode
            if rc != 0:
                subprocess.run(["umount", "-l", mount], capture_output=True, timeout=60)
            shutil.rmtree(mount, ignore_errors=True)
        self.mount = self.wal_mount = None
