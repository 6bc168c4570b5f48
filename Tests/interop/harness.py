"""Helpers shared by the interop tests and the fault campaign (Tests/faults), free of pytest so a
plain script can use them: child processes with their output in files, the generated stubs,
EIP-712 transfers signed with eth-account, a streaming SubmitTransactions client that records
every receipt, a private PostgreSQL server (initdb + pg_ctl, as `postgres` when root) and the
durable chain read straight from PostgreSQL with its structural checks and a replay.

Not collected by pytest (no `test_` prefix); the tests import it as `harness`.
"""
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import grpc

REPO = Path(__file__).resolve().parents[2]
CHAIN_ID = 1337
RPC_TIMEOUT = 30  # seconds; only against hangs
STREAM_TIMEOUT = 120
WINDOW = 250  # transfers a Streamer keeps unanswered by default


class MissingTool(Exception):
    """A program the helpers need is not installed (the interop tests turn this into a skip)."""


# ---------------------------------------------------------------------------------------------
# Processes and stubs


class Process:
    """A child process whose stdout and stderr go to files (so a chatty child never blocks on a
    full pipe); `wait_for` polls its stdout for a line matching a pattern."""

    def __init__(self, argv, workdir: Path, name: str, stdin=subprocess.DEVNULL, env=None):
        self.argv = argv
        self.name = name
        self.stdout_path = Path(workdir) / f"{name}.stdout"
        self.stderr_path = Path(workdir) / f"{name}.stderr"
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=stdin, stdout=self._out, stderr=self._err, env=env)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def exit_description(self) -> str:
        rc = self.proc.poll()
        if rc is None:
            return "running"
        if rc < 0:
            try:
                return f"killed by {signal.Signals(-rc).name}"
            except ValueError:
                return f"killed by signal {-rc}"
        return f"exited with {rc}"

    def output(self) -> str:
        out = self.stdout_path.read_text(errors="replace")
        err = self.stderr_path.read_text(errors="replace")
        return f"--- {self.name} ({self.exit_description()}) stdout:\n{out[-4000:]}\n--- stderr:\n{err[-4000:]}"

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match:
        rx = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = rx.search(self.stdout_path.read_text(errors="replace"))
            if m:
                return m
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.argv} exited with {self.proc.returncode} before printing {pattern!r}\n{self.output()}")
            time.sleep(0.05)
        raise TimeoutError(f"{self.argv} did not print {pattern!r} within {timeout}s\n{self.output()}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_kib(self) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self, graceful=None, timeout: float = 10.0):
        """Stops the process: `graceful` (a callable, e.g. closing stdin) first, then SIGTERM,
        then SIGKILL. Always reaps it."""
        try:
            if self.proc.poll() is None and graceful is not None:
                try:
                    graceful()
                except OSError:
                    pass
                try:
                    self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    pass
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
        finally:
            self._out.close()
            self._err.close()


def generate_stubs(out) -> None:
    """Generates the Python stubs of the echo, settlement and validator protos into `out` and puts
    `out` on sys.path (import them as `settlement.v1.settlement_pb2`, ...)."""
    from grpc_tools import protoc
    import grpc_tools

    well_known = str(Path(grpc_tools.__file__).parent / "_proto")
    args = [
        "grpc_tools.protoc",
        f"-I{REPO / 'Protos'}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        str(REPO / "Protos" / "rpctest" / "v1" / "echo.proto"),
        str(REPO / "Protos" / "settlement" / "v1" / "settlement.proto"),
        str(REPO / "Protos" / "settlement" / "v1" / "validator.proto"),
    ]
    rc = protoc.main(args)
    if rc != 0:
        raise RuntimeError(f"protoc failed ({rc}): {args}")
    sys.path.insert(0, str(out))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# Transfers


def _keccak(data: bytes) -> bytes:
    from eth_hash.auto import keccak
    return keccak(data)


def genesis_hash(genesis) -> bytes:
    """The engine's genesis hash of a genesis document ({"config": {"chainId": n}, "alloc":
    {address: {"balance": decimal or 0x hex}}}): keccak256(chain id as 8 bytes big-endian ||
    for each allocation sorted by address: address (20) || balance (32, big-endian))."""
    chain_id = int(genesis["config"]["chainId"])
    entries = sorted((bytes.fromhex(a[2:]), int(str(v["balance"]), 0)) for a, v in genesis["alloc"].items())
    return _keccak(chain_id.to_bytes(8, "big") + b"".join(a + b.to_bytes(32, "big") for a, b in entries))


def domain_salt(genesis) -> bytes:
    """The EIP-712 domain salt of the deployment made from `genesis`, computed here from the
    document alone: keccak256("L2 Settlement deployment" || genesis hash || chain id as uint256)."""
    chain_id = int(genesis["config"]["chainId"])
    return _keccak(b"L2 Settlement deployment" + genesis_hash(genesis) + chain_id.to_bytes(32, "big"))


def chain_info(stub, pb):
    """The engine's signing domain, as a client learns it: (chain id, domain salt)."""
    info = stub.GetChainInfo(pb.GetChainInfoRequest(), timeout=RPC_TIMEOUT)
    assert len(info.domain_salt) == 32, info
    return info.chain_id, bytes(info.domain_salt)


def typed_transfer(frm, to, value, fee, nonce, salt, chain_id=CHAIN_ID):
    """The EIP-712 typed data of a transfer in the deployment of `salt` (`domain_salt`, or the
    engine's GetChainInfo); eth-account's `sign_typed_data` message hash of it is the engine's tx id."""
    assert isinstance(salt, bytes) and len(salt) == 32, salt
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "salt", "type": "bytes32"},
            ],
            "Transfer": [
                {"name": "from", "type": "address"},
                {"name": "to", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "fee", "type": "uint256"},
                {"name": "nonce", "type": "uint64"},
            ],
        },
        "primaryType": "Transfer",
        "domain": {"name": "L2 Settlement", "version": "1", "chainId": chain_id, "salt": salt},
        "message": {"from": frm, "to": to, "value": value, "fee": fee, "nonce": nonce},
    }


class Transfer:
    __slots__ = ("frm", "to", "value", "fee", "nonce", "signature", "tx_id", "salt")

    def __init__(self, frm, to, value, fee, nonce, signature, tx_id, salt):
        self.frm, self.to, self.value, self.fee, self.nonce = frm, to, value, fee, nonce
        self.signature, self.tx_id, self.salt = signature, tx_id, salt

    def message(self, pb):
        return pb.SignedTransfer(**{
            "from": bytes.fromhex(self.frm[2:]), "to": bytes.fromhex(self.to[2:]),
            "value": self.value.to_bytes(32, "big"), "fee": self.fee.to_bytes(32, "big"),
            "nonce": self.nonce, "chain_id": CHAIN_ID, "signature": self.signature, "domain_salt": self.salt})



# ---------------------------------------------------------------------------------------------
# A streaming client that records every receipt


class Streamer:
    """Streams `items` (list of Transfer) over one SubmitTransactions call from a thread, keeping at
    most `window` transfers unanswered, and records every receipt: client_sequence -> (tx_id,
    status, batch_number, rejection_reason). `halt()` stops sending (the call stays open)."""

    def __init__(self, stub, pb, items, window=WINDOW):
        self.stub, self.pb, self.items, self.window = stub, pb, items, window
        self.cond = threading.Condition()
        self.sent = 0
        self.receipts = {}
        self.duplicates = []
        self.arrived = {}  # client_sequence -> time.monotonic() of its receipt
        self.sequenced = 0
        self.error = None
        self.finished = False
        self._halt = False
        self.thread = threading.Thread(target=self._run, name="streamer", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def halt(self):
        with self.cond:
            self._halt = True
            self.cond.notify_all()

    def _requests(self):
        for seq, t in enumerate(self.items):
            with self.cond:
                while not self._halt and self.sent - len(self.receipts) >= self.window:
                    self.cond.wait(0.2)
                if self._halt:
                    return
                self.sent += 1
            yield self.pb.SubmitTransactionsRequest(client_sequence=seq, transfer=t.message(self.pb))

    def _run(self):
        try:
            for r in self.stub.SubmitTransactions(self._requests(), timeout=STREAM_TIMEOUT):
                with self.cond:
                    if r.client_sequence in self.receipts:
                        self.duplicates.append(r.client_sequence)
                    self.receipts[r.client_sequence] = (bytes(r.tx_id), r.status, r.batch_number, r.rejection_reason)
                    self.arrived[r.client_sequence] = time.monotonic()
                    if r.status == self.pb.TX_STATUS_SEQUENCED:
                        self.sequenced += 1
                    self.cond.notify_all()
        except grpc.RpcError as e:
            self.error = e
        finally:
            with self.cond:
                self.finished = True
                self._halt = True
                self.cond.notify_all()

    def wait_until(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"waited {timeout}s for {what}: sent {self.sent}, receipts {len(self.receipts)}, "
                                       f"finished {self.finished}, error {self.error!r}")
                if self.finished and not predicate(self):
                    raise AssertionError(f"the stream ended before {what}: sent {self.sent}, receipts "
                                         f"{len(self.receipts)}, error {self.error!r}")
                self.cond.wait(min(left, 0.2))

    def join(self, timeout=STREAM_TIMEOUT + 10):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the streaming thread hung"

    def snapshot(self):
        with self.cond:
            return self.sent, len(self.receipts), self.sequenced

    def outstanding(self):
        """(sent, the client sequences sent and not answered yet)."""
        with self.cond:
            return self.sent, {seq for seq in range(self.sent) if seq not in self.receipts}



# ---------------------------------------------------------------------------------------------
# PostgreSQL helpers


def _as_postgres(argv):
    """argv to run a PostgreSQL tool: as `postgres` through runuser when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return list(argv)


def _pg_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"LC_ALL": "C"}


def _pg_bin(tool):
    for d in [os.path.dirname(shutil.which("pg_ctl") or "")] + sorted(
            (str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True):
        if d and os.access(os.path.join(d, tool), os.X_OK):
            return os.path.join(d, tool)
    raise MissingTool(f"PostgreSQL's {tool} is not installed")


def _pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def postmaster(pgdata) -> tuple:
    """(pid, port) from `postmaster.pid`, or (None, None)."""
    try:
        lines = Path(pgdata, "postmaster.pid").read_text().splitlines()
        return int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None, None


def stop_postmaster(pgdata):
    """Stops whatever server runs on `pgdata` (cleanup after a failed test)."""
    pid, _ = postmaster(pgdata)
    if pid and _pid_alive(pid):
        subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "stop", "-D", str(pgdata), "-m", "immediate", "-w", "-t", "30"]),
                       env=_pg_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


def psql(port, sql):
    """Rows of `sql` (as lists of strings) from the server on 127.0.0.1:port as `settlement`."""
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                          "-p", str(port), "-U", "settlement", "-d", "postgres", "-c", sql],
                         env=_pg_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"psql failed ({out.returncode}): {out.stderr}"
    return [line.split("|") for line in out.stdout.splitlines() if line]


class DurableChain:
    """What PostgreSQL holds, read directly: the batches and every transaction row, with the
    structural checks (numbers without a gap, each prev_root the previous new_root, idx and
    accepted_count consistent with the rows) and a replay of the durable transfers."""

    def __init__(self, port):
        self.batches = [(int(n), p, r, int(c), int(a)) for n, p, r, c, a in psql(port, """
            SELECT number, encode(prev_root, 'hex'), encode(new_root, 'hex'), tx_count, accepted_count
            FROM batches ORDER BY number""")]
        self.rows = [(int(b), int(i), bytes.fromhex(tid), int(st), "0x" + snd, "0x" + rcp, int(v, 16), int(f, 16), int(n))
                     for b, i, tid, st, snd, rcp, v, f, n in psql(port, """
            SELECT batch_number, idx, encode(id, 'hex'), status, encode(sender, 'hex'), encode(recipient, 'hex'),
                   encode(value, 'hex'), encode(fee, 'hex'), nonce
            FROM transactions ORDER BY batch_number, idx""")]
        self.by_id = defaultdict(list)
        for row in self.rows:
            self.by_id[row[2]].append(row)

    @property
    def head(self):
        return self.batches[-1][0]

    def check_structure(self):
        numbers = [b[0] for b in self.batches]
        assert numbers == list(range(len(numbers))), f"batch numbers are not 0..n without gaps: {numbers[:5]}...{numbers[-5:]}"
        assert self.batches[0][1] == "00" * 32, "batch 0 (genesis) must have a zero prev_root"
        for prev, cur in zip(self.batches, self.batches[1:]):
            assert cur[1] == prev[2], f"batch {cur[0]}: prev_root {cur[1]} != batch {prev[0]}'s new_root {prev[2]}"
        per_batch = defaultdict(list)
        for row in self.rows:
            per_batch[row[0]].append(row)
        assert set(per_batch) <= set(numbers), "transactions of batches that do not exist"
        for n, _, _, count, accepted in self.batches:
            rows = per_batch.get(n, [])
            assert [r[1] for r in rows] == list(range(count)), f"batch {n}: idx not 0..{count - 1}"
            assert sum(r[3] == 2 for r in rows) == accepted, f"batch {n}: accepted_count {accepted} disagrees with its rows"

    def replay(self, genesis, fee_account):
        """Balances and nonces from `genesis` ({address: balance}) plus every durable (status 2)
        transfer in order, fees to `fee_account`."""
        fee_account = fee_account.lower()
        balance = defaultdict(int, {a.lower(): v for a, v in genesis.items()})
        nonce = defaultdict(int)
        for _, _, _, status, snd, rcp, value, fee, n in self.rows:
            if status != 2:
                continue
            assert n == nonce[snd], f"durable transfer of {snd} with nonce {n}, expected {nonce[snd]} (not a prefix)"
            balance[snd] -= value + fee
            balance[rcp] += value
            balance[fee_account] += fee
            nonce[snd] += 1
        return balance, nonce


def account(stub, pb, address):
    a = stub.GetAccount(pb.GetAccountRequest(address=bytes.fromhex(address[2:])), timeout=RPC_TIMEOUT)
    return int.from_bytes(a.balance, "big"), a.nonce


def _kill_server(pid):
    """SIGKILLs a postmaster and its children (like the OOM killer or a container crash) and waits
    until they are gone (zombies count as gone: nothing may reap them in a container)."""
    children = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            pass
    for p in [pid, *children]:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 30
    while any(_pid_alive(p) for p in [pid, *children]):
        assert time.monotonic() < deadline, "the killed PostgreSQL processes did not go away"
        time.sleep(0.05)


_free_port = free_port


class ExternalPostgres:
    """A PostgreSQL server of the test's own: initdb + pg_ctl in a temp dir (as `postgres` when
    root), trust authentication, superuser `settlement`, 127.0.0.1 on a free port. `data` puts
    the data directory elsewhere (say on a small tmpfs; it must not exist yet, its parent must be
    writable by the server's user); `waldir` puts its WAL elsewhere (initdb --waldir); `settings`
    are appended to postgresql.conf."""

    def __init__(self, data=None, settings="", waldir=None):
        self.base = tempfile.mkdtemp(prefix="settlement-pg-test-")
        os.chmod(self.base, 0o755)
        self.data = data or os.path.join(self.base, "data")
        self.log = os.path.join(self.base, "server.log")
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        self.port = _free_port()
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "settlement", "--encoding=UTF8", "--locale=C",
                  *([f"--waldir={waldir}"] if waldir else []))
        # In postgresql.conf, so that every start and restart uses them.
        with open(os.path.join(self.data, "postgresql.conf"), "a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.data}'\n{settings}\n")
        self.start()

    @property
    def url(self):
        return f"postgresql://settlement@127.0.0.1:{self.port}/postgres"

    def _run(self, tool, *args):
        # Output to a file, never to pipes: a server started by `pg_ctl` would inherit them and
        # keep them open (communicate() would wait for it to exit).
        tools_log = os.path.join(self.base, "tools.log")
        with open(tools_log, "ab") as log:
            start = log.tell()
            rc = subprocess.run(_as_postgres([_pg_bin(tool), *args]), env=_pg_env(), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=log, timeout=120).returncode
        with open(tools_log, "rb") as log:
            log.seek(start)
            output = log.read().decode(errors="replace")
        assert rc == 0, f"{tool} {args} failed ({rc}): {output}\n{self.log_tail()}"

    def log_tail(self):
        try:
            return Path(self.log).read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def restart_fast(self):
        self._run("pg_ctl", "restart", "-w", "-t", "60", "-D", self.data, "-l", self.log, "-m", "fast")

    def crash(self):
        self._run("pg_ctl", "stop", "-w", "-t", "60", "-D", self.data, "-m", "immediate")

    def start(self):
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", self.data, "-l", self.log)

    def close(self):
        stop_postmaster(self.data)
        shutil.rmtree(self.data, ignore_errors=True)
        shutil.rmtree(self.base, ignore_errors=True)


