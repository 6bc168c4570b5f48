"""Shared fixtures for the interoperability and bad-input tests.

Environment:
  RPC_PEER    path of the rpc-interop-peer binary (default: .build/debug/rpc-interop-peer)
  ENGINE_BIN  path of the settlement-engine binary (default: .build/debug/settlement-engine)

Fixtures:
  echo_pb2, echo_pb2_grpc   stubs generated from Protos/rpctest/v1/echo.proto at session start
  tls_cert                  a self-signed EC P-256 certificate for localhost / 127.0.0.1
  peer                      `rpc-interop-peer serve`, parametrized over h2c and tls (session scope)
  start_peer                factory: starts an extra peer (stopped at session end)
  engine                    `settlement-engine --listen 127.0.0.1:0` (h2c)
  cli                       the `settlement` CLI binary (CLI_BIN, default .build/debug/settlement)

Helpers (import them: `from conftest import zk`):
  zk(cli, *args)            runs `settlement zk ARGS` (arguments str()-ed), capturing its output
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from harness import MissingTool, Process, generate_stubs

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 30.0  # seconds; generous, the machines are shared and slow
RPC_TIMEOUT = 15.0  # seconds; only to prevent hangs


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    """A missing tool (harness.MissingTool, e.g. no PostgreSQL installed) skips the test."""
    try:
        return (yield)
    except MissingTool as e:
        pytest.skip(str(e))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    except MissingTool as e:
        pytest.skip(str(e))


def _binary(env: str, default: str) -> str:
    path = os.environ.get(env) or str(REPO / ".build" / "debug" / default)
    if not os.access(path, os.X_OK):
        pytest.exit(f"{env}: {path} is not an executable (build with `swift build` or set {env})", returncode=2)
    return path


# ---------------------------------------------------------------------------------------------
# The settlement CLI (the zk tests)


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("CLI_BIN") or str(REPO / ".build" / "debug" / "settlement")
    if not os.access(path, os.X_OK):
        pytest.exit(f"CLI_BIN: {path} is not an executable (build with `swift build`)", returncode=2)
    return path


def zk(cli, *args):
    """`settlement zk ARGS` with its output captured; the timeout only prevents hangs."""
    return subprocess.run([cli, "zk", *map(str, args)], capture_output=True, text=True, timeout=600)


# ---------------------------------------------------------------------------------------------
# Generated stubs


@pytest.fixture(scope="session")
def stubs_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("stubs")
    generate_stubs(out)
    yield out
    sys.path.remove(str(out))


@pytest.fixture(scope="session")
def echo_pb2(stubs_dir):
    import importlib

    return importlib.import_module("rpctest.v1.echo_pb2")


@pytest.fixture(scope="session")
def echo_pb2_grpc(stubs_dir, echo_pb2):
    import importlib

    return importlib.import_module("rpctest.v1.echo_pb2_grpc")


# ---------------------------------------------------------------------------------------------
# TLS


@dataclass
class TLSFiles:
    cert: str
    key: str

    def cert_bytes(self) -> bytes:
        return Path(self.cert).read_bytes()

    def key_bytes(self) -> bytes:
        return Path(self.key).read_bytes()


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory) -> TLSFiles:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the openssl CLI is required for the TLS tests")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(key), "-out", str(cert), "-days", "7", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60,
    )
    return TLSFiles(cert=str(cert), key=str(key))


# ---------------------------------------------------------------------------------------------
# Processes


@dataclass
class Peer:
    """A running `rpc-interop-peer serve`."""

    process: Process
    host: str
    port: int
    transport: str  # "h2c" or "tls"
    tls: Optional[TLSFiles] = None
    _channels: list = field(default_factory=list)

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def channel(self, options=()) -> grpc.Channel:
        """A new grpcio channel to the peer (closed at teardown)."""
        if self.transport == "tls":
            creds = grpc.ssl_channel_credentials(root_certificates=self.tls.cert_bytes())
            ch = grpc.secure_channel(self.target, creds, options=[("grpc.ssl_target_name_override", "localhost"), *options])
        else:
            ch = grpc.insecure_channel(self.target, options=list(options))
        self._channels.append(ch)
        return ch

    def set_health(self, service: str, status: str):
        """Flips the peer's health status (service "" is the whole server)."""
        self.process.proc.stdin.write(f"health {service or '-'} {status}\n".encode())
        self.process.proc.stdin.flush()

    def health_status(self, service: str = "", timeout: float = RPC_TIMEOUT) -> int:
        """Health Check over a fresh channel (a well-behaved second client)."""
        ch = self.channel()
        try:
            resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
            return resp.status
        finally:
            ch.close()
            self._channels.remove(ch)

    def assert_serving(self):
        assert self.process.alive(), f"the peer died: {self.process.exit_description()}\n{self.process.output()}"
        assert self.health_status() == health_pb2.HealthCheckResponse.SERVING

    def stop(self):
        for ch in self._channels:
            ch.close()
        self._channels.clear()
        self.process.stop(graceful=self.process.proc.stdin.close)


@pytest.fixture(scope="session")
def start_peer(tmp_path_factory, tls_cert):
    """Factory: start_peer("h2c" | "tls", *extra_args) -> Peer; every peer is stopped at the end of
    the session (closing stdin, then SIGTERM, then SIGKILL)."""
    binary = _binary("RPC_PEER", "rpc-interop-peer")
    workdir = tmp_path_factory.mktemp("peers")
    peers = []

    def start(transport: str = "h2c", *extra) -> Peer:
        argv = [binary, "serve", "--port", "0", *extra]
        if transport == "tls":
            argv += ["--tls-cert", tls_cert.cert, "--tls-key", tls_cert.key]
        proc = Process(argv, workdir, f"peer{len(peers)}-{transport}", stdin=subprocess.PIPE)
        peer = None
        try:
            port = int(proc.wait_for(r"^listening on (\d+)$").group(1))
            peer = Peer(proc, "127.0.0.1", port, transport, tls_cert if transport == "tls" else None)
        finally:
            if peer is None:
                proc.stop(graceful=proc.proc.stdin.close, timeout=2)
        peers.append(peer)
        return peer

    yield start
    for p in peers:
        p.stop()


@pytest.fixture(scope="session")
def _shared_peers():
    return {}


@pytest.fixture(params=["h2c", "tls"])
def peer(request, start_peer, _shared_peers) -> Peer:
    """The Swift server, once over h2c and once over TLS. One peer per transport is shared by the
    tests; should a test kill it, that test fails (at teardown, with how the peer died) and the next
    test gets a new peer, so one crash does not fail every later test."""
    p = _shared_peers.get(request.param)
    if p is None or not p.process.alive():
        p = _shared_peers[request.param] = start_peer(request.param)
    yield p
    if not p.process.alive():
        pytest.fail(f"the {request.param} peer died during this test: {p.process.exit_description()}\n{p.process.output()}")


@dataclass
class Engine:
    process: Process
    host: str
    port: int
    data_dir: Optional[str] = None
    admin_port: Optional[int] = None  # the admin listener (None: not opened, e.g. --production)

    @property
    def admin_target(self) -> Optional[str]:
        return None if self.admin_port is None else f"{self.host}:{self.admin_port}"


@pytest.fixture(scope="session")
def start_engine(tmp_path_factory, tls_cert):
    """Factory: start_engine("h2c" | "tls", *extra_args, data_dir=None) -> Engine
    (settlement-engine on an ephemeral port); every engine is stopped (SIGTERM, then SIGKILL) at
    the end of the session. `data_dir` reuses the --data-dir of an earlier engine (a restart);
    without it each engine gets a new one."""
    binary = _binary("ENGINE_BIN", "settlement-engine")
    workdir = tmp_path_factory.mktemp("engines")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")}
    engines = []
    data_dirs = []

    def start(transport: str = "h2c", *extra: str, data_dir: Optional[str] = None) -> Engine:
        if data_dir is None:
            # As root the embedded PostgreSQL runs as `postgres`, which must reach its data
            # directory: pytest's own temporary directories are private (0700), so use a
            # traversable one.
            data_dir = tempfile.mkdtemp(prefix="settlement-engine-test-")
            os.chmod(data_dir, 0o755)
            data_dirs.append(data_dir)
        argv = [binary, "--listen", "127.0.0.1:0", "--data-dir", data_dir, *extra]
        if transport == "tls":
            argv += ["--tls-cert", tls_cert.cert, "--tls-key", tls_cert.key]
        proc = Process(argv, workdir, f"engine{len(engines)}-{transport}", env=env)
        engines.append(proc)
        m = proc.wait_for(r"settlement-engine listening on ([\d.]+):(\d+)", timeout=60)
        # The admin listener's line comes first when it is open (not with --production or --validator).
        admin = re.search(r"settlement-engine admin listening on [\d.]+:(\d+)", proc.stdout_path.read_text(errors="replace"))
        return Engine(proc, m.group(1), int(m.group(2)), data_dir, int(admin.group(1)) if admin else None)

    yield start
    for proc in engines:
        proc.stop()
    for d in data_dirs:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def engine(start_engine):
    """The settlement-engine binary serving h2c on an ephemeral port: (host, port)."""
    e = start_engine("h2c")
    return e.host, e.port
