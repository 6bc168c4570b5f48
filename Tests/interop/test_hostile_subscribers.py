"""Hostile clients: 256 `SubscribeStatus` streams held at flow-control window 0 while transfers
flow: 8 connections of 32 (a connection may hold `max_subscriptions_per_connection`, default 32;
a 33rd on one connection is refused at once). Each subscriber may fall `status_subscriber_buffer`
(default 1,024) events behind; past that it is dropped (its queue freed) and, once it reads again,
ends with RESOURCE_EXHAUSTED "subscriber too slow". Before, each buffered up to 100,000 events
(+1.67 GiB in the campaign), and one connection could open all 256.

The transfers come from `settlement-bench load` (funds senders from the dev genesis, pre-signs,
streams). The engine's RSS is read from /proc before and after; loopback only, bounded in time.
"""
import os
import socket
import subprocess
import time
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import h2.settings

SUBSCRIBERS = 256
PER_CONNECTION = 32  # the engine's default max_subscriptions_per_connection
TRANSFERS = int(os.environ.get("HOSTILE_TRANSFERS", "20000"))
CASE_TIMEOUT = 240.0


def _bench_binary() -> str:
    engine = os.environ.get("ENGINE_BIN") or str(Path(__file__).resolve().parents[2] / ".build" / "debug" / "settlement-engine")
    return str(Path(engine).parent / "settlement-bench")


class WindowZeroClient:
    """A raw HTTP/2 client whose streams start with a receive window of 0 (it never reads DATA
    until `open_window`)."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
        self.trailers = {}
        self.data = {}
        self.flush()

    def flush(self):
        out = self.conn.data_to_send()
        if out:
            self.sock.sendall(out)

    def subscribe_all(self) -> int:
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, [
            (":method", "POST"), (":scheme", "http"), (":path", "/settlement.v1.Settlement/SubscribeStatus"),
            (":authority", "localhost"), ("content-type", "application/grpc"), ("te", "trailers"),
        ])
        self.conn.send_data(sid, b"\x00\x00\x00\x00\x00", end_stream=True)  # an empty request: every batch
        self.flush()
        return sid

    def pump(self, seconds: float, acknowledge=False):
        """Reads for `seconds`, answering pings and settings; acknowledges DATA only if asked."""
        end = time.monotonic() + seconds
        self.sock.settimeout(0.2)
        while time.monotonic() < end:
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                continue
            if not chunk:
                return
            for ev in self.conn.receive_data(chunk):
                if isinstance(ev, h2.events.DataReceived):
                    self.data[ev.stream_id] = self.data.get(ev.stream_id, 0) + len(ev.data)
                    if acknowledge:
                        self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.TrailersReceived):
                    self.trailers[ev.stream_id] = dict(ev.headers)
                elif isinstance(ev, h2.events.ResponseReceived) and ev.stream_ended:
                    self.trailers[ev.stream_id] = dict(ev.headers)
            self.flush()

    def open_window(self, sid, size=1 << 24):
        self.conn.increment_flow_control_window(size, stream_id=sid)
        self.conn.increment_flow_control_window(size)
        self.flush()


def rss_mib(pid) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_window_zero_subscribers_are_dropped_not_buffered(start_engine):
    engine = start_engine("h2c", "--batch-timeout-ms", "20")
    pid = engine.process.pid
    clients = [WindowZeroClient(engine.host, engine.port) for _ in range(SUBSCRIBERS // PER_CONNECTION)]
    streams = [(c, [c.subscribe_all() for _ in range(PER_CONNECTION)]) for c in clients]
    for c in clients:
        c.pump(0.5)
    # One more on a full connection: refused at once, RESOURCE_EXHAUSTED (8), nothing buffered.
    extra = clients[0].subscribe_all()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and extra not in clients[0].trailers:
        clients[0].pump(0.2)
    refusal = clients[0].trailers.get(extra)
    assert refusal is not None and refusal.get("grpc-status") == "8", refusal
    assert "open status subscriptions" in refusal.get("grpc-message", ""), refusal
    for c, sids in streams:
        assert not any(s in c.trailers for s in sids), "a subscription within the share was refused"
    before = rss_mib(pid)

    started = time.monotonic()
    load = subprocess.run(
        [_bench_binary(), "load", "--server", f"{engine.host}:{engine.port}", "--transactions", str(TRANSFERS),
         "--senders", "50", "--connections", "1", "--quiet", "--duration", "180", "--drain-timeout", "120"],
        capture_output=True, text=True, timeout=CASE_TIMEOUT)
    assert load.returncode == 0, load.stdout[-2000:] + load.stderr[-2000:]
    for c in clients:
        c.pump(0.25)
    after = rss_mib(pid)
    grown = after - before
    print(f"row 2: {SUBSCRIBERS} window-0 subscribers on {len(clients)} connections, {TRANSFERS} transfers in "
          f"{time.monotonic() - started:.1f}s: RSS {before:.0f} -> {after:.0f} MiB (+{grown:.0f} MiB)")

    # Reading again: each subscriber drains what was queued for it, then ends with
    # RESOURCE_EXHAUSTED (8) "subscriber too slow". One sample stream per connection.
    sample = [(c, sids[0]) for c, sids in streams]
    for c, sid in sample:
        c.open_window(sid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(sid in c.trailers for c, sid in sample):
        for c, _ in sample:
            c.pump(0.1, acknowledge=True)
    for c, sid in sample:
        t = c.trailers.get(sid)
        assert t is not None, f"stream {sid} did not end after reading resumed"
        assert t.get("grpc-status") == "8", t
        assert "subscriber too slow" in t.get("grpc-message", ""), t
    # What a subscriber may hold is bounded by its event buffer plus the transport's outbound
    # queue per stream (about 1 MiB in RPC; the transport bounds that further).
    assert grown < SUBSCRIBERS * 1.5, f"RSS grew by {grown:.0f} MiB"
    assert engine.process.alive()
    for c in clients:
        c.sock.close()
