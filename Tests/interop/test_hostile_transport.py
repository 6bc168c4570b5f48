"""Hostile clients: the attacks against the Swift server (raw HTTP/2
over loopback with the `h2` library), each with the figure it reaches now. Every case is bounded in
time; after each, a well-behaved grpcio client must still be served.

Figures are printed (run with -s to see them) as `FIGURE <row>: ...`; thresholds are generous
(the machine is shared) but far below what the attacks reached before the limits existed."""

import socket
import struct
import threading
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
import pytest

MiB = 1 << 20
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
ENHANCE_YOUR_CALM = 0xB
RESOURCE_EXHAUSTED = "8"


def grpc_frame(body: bytes) -> bytes:
    return struct.pack(">BI", 0, len(body)) + body


def grpc_headers(path: str):
    return [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "127.0.0.1"),
            ("content-type", "application/grpc"), ("te", "trailers")]


def figure(text: str):
    print(f"\nFIGURE {text}")


class Client:
    """A raw HTTP/2 client (h2 state machine over a TCP socket), optionally from another loopback
    source address."""

    def __init__(self, host, port, source=None, window=None, timeout=10.0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((host, port))
        cfg = h2.config.H2Configuration(client_side=True, header_encoding="utf-8", validate_inbound_headers=False)
        self.conn = h2.connection.H2Connection(config=cfg)
        self.conn.initiate_connection()
        if window is not None:
            self.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
        self.flush()
        self.ended, self.reset, self.trailers, self.headers = set(), {}, {}, {}
        self.goaway = None
        self.closed = False

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.settimeout(10)
            try:
                self.sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError, socket.timeout):
                self.closed = True

    def pump(self, timeout=0.0, ack=True):
        """Reads what is there (waits up to timeout for the first bytes)."""
        self.sock.settimeout(timeout if timeout > 0 else 0.0001)
        try:
            data = self.sock.recv(1 << 20)
        except (socket.timeout, BlockingIOError):
            return
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.closed = True
            return
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.closed = True
            return
        for ev in events:
            if isinstance(ev, h2.events.ResponseReceived):
                self.headers[ev.stream_id] = dict(ev.headers)
                if ev.stream_ended:
                    self.trailers[ev.stream_id] = dict(ev.headers)
            elif isinstance(ev, h2.events.TrailersReceived):
                self.trailers[ev.stream_id] = dict(ev.headers)
            elif isinstance(ev, h2.events.DataReceived) and ack:
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                self.ended.add(ev.stream_id)
            elif isinstance(ev, h2.events.StreamReset):
                self.reset[ev.stream_id] = ev.error_code
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.goaway = ev.error_code
        self.flush()

    def wait_closed(self, timeout):
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            self.pump(0.2)
        return self.closed

    def done(self, sid):
        return sid in self.reset or sid in self.trailers or sid in self.ended

    def status(self, sid):
        return self.trailers.get(sid, {}).get("grpc-status")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def served(host, port, source=None) -> bool:
    """A health Check on a fresh raw connection (optionally from another source address)."""
    try:
        c = Client(host, port, source=source)
    except OSError:
        return False
    try:
        sid = c.conn.get_next_available_stream_id()
        c.conn.send_headers(sid, grpc_headers("/grpc.health.v1.Health/Check"))
        c.conn.send_data(sid, grpc_frame(b""), end_stream=True)
        c.flush()
        deadline = time.monotonic() + 10
        while not c.done(sid) and not c.closed and time.monotonic() < deadline:
            c.pump(0.2)
        return c.status(sid) == "0"
    finally:
        c.close()


def stats(peer) -> dict:
    """The peer's TransportStats (stdin command "stats")."""
    before = peer.process.stdout_path.read_text().count("stats ")
    peer.process.proc.stdin.write(b"stats\n")
    peer.process.proc.stdin.flush()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [l for l in peer.process.stdout_path.read_text().splitlines() if l.startswith("stats ")]
        if len(lines) > before:
            return {k: int(v) for k, v in (kv.split("=") for kv in lines[-1].split()[1:])}
        time.sleep(0.05)
    raise AssertionError("the peer printed no stats")


def rss_mib(proc) -> float:
    return proc.rss_kib() / 1024


class PeakRSS:
    """Samples a process's RSS every 20 ms while in a `with` block; `.peak` in MiB."""

    def __init__(self, proc):
        self.proc, self.peak, self._stop = proc, rss_mib(proc), threading.Event()

    def __enter__(self):
        def run():
            while not self._stop.wait(0.02):
                try:
                    self.peak = max(self.peak, rss_mib(self.proc))
                except OSError:
                    return
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib(self.proc))


def hold_unary_streams(c: Client, path: str, streams: int, first: int, second, deadline_s: float):
    """Row 1: `streams` unary streams, each sending a whole `first`-byte message and then (unless
    `second` is None) the length prefix of a `second + 1`-byte message and `second` bytes of it,
    never END_STREAM. Sends as flow control allows, until every stream has sent all or was ended
    by the server. Returns the stream ids and the bytes sent on each."""
    # Each stream's bytes: prefix(first), zeros, [prefix(second + 1), zeros].
    prefixes = [(0, struct.pack(">BI", 0, first))]
    total = first + 5
    if second is not None:
        prefixes.append((total, struct.pack(">BI", 0, second + 1)))
        total += 5 + second
    sent = {}
    for _ in range(streams):
        sid = c.conn.get_next_available_stream_id()
        c.conn.send_headers(sid, grpc_headers(path))
        sent[sid] = 0
    c.flush()
    deadline = time.monotonic() + deadline_s
    active = list(sent)
    while active and not c.closed and time.monotonic() < deadline:
        progressed = False
        for sid in list(active):
            if c.done(sid) or sent[sid] >= total:
                active.remove(sid)
                continue
            try:
                n = min(c.conn.local_flow_control_window(sid), c.conn.max_outbound_frame_size, total - sent[sid])
            except h2.exceptions.StreamClosedError:
                active.remove(sid)
                continue
            if n <= 0:
                continue
            chunk = bytearray(n)
            for at, p in prefixes:
                for k in range(5):
                    if sent[sid] <= at + k < sent[sid] + n:
                        chunk[at + k - sent[sid]] = p[k]
            try:
                c.conn.send_data(sid, bytes(chunk))
            except (h2.exceptions.StreamClosedError, h2.exceptions.FlowControlError):
                active.remove(sid)
                continue
            sent[sid] += n
            progressed = True
        c.flush()
        c.pump(0.0 if progressed else 0.05)
    return list(sent), sent


# --- Row 1: held unary messages ------------------------------------------------------------------


def test_row1_held_unary_messages_stay_within_the_connection_budget(start_peer):
    """256 unary streams on one connection, each with a whole 4 MiB message plus 4 MiB-1 of a second
    one and no END_STREAM. Before: RSS +2 GiB from one connection. Now: the second message is
    refused at its length prefix, and whole messages held for single-request calls count against
    the connection's 32 MiB request budget (RESOURCE_EXHAUSTED past it)."""
    held_unary_attack(start_peer, 4 * MiB - 1, "row 1")


def test_row1_variant_whole_messages_held_without_end_stream(start_peer):
    """The attack that is left once a second message is refused at its prefix: 256 streams each
    holding one whole 4 MiB request and never ending the stream."""
    held_unary_attack(start_peer, None, "row 1 (whole messages held)")


def held_unary_attack(start_peer, second, row):
    peer = start_peer("h2c", "--max-concurrent-streams", "256")
    peer.assert_serving()
    before = rss_mib(peer.process)
    c = Client(peer.host, peer.port)
    try:
        with PeakRSS(peer.process) as rss:
            sids, sent = hold_unary_streams(c, "/rpctest.v1.Echo/Get", 256, 4 * MiB, second, deadline_s=90)
            # Let the server settle what it received.
            end = time.monotonic() + 3
            while time.monotonic() < end:
                c.pump(0.1)
            held = stats(peer)["buffered"]
        peak = rss.peak
        codes = [c.status(s) for s in sids]
        exhausted = codes.count(RESOURCE_EXHAUSTED)
        others = {x: codes.count(x) for x in set(codes) if x != RESOURCE_EXHAUSTED}
        figure(f"{row}: RSS {before:.0f} -> peak {peak:.0f} MiB; {sum(sent.values()) / MiB:.0f} MiB sent on 256 streams; "
               f"{exhausted} streams RESOURCE_EXHAUSTED, others {others}; {held / MiB:.1f} MiB held at the end")
        assert peak - before < 256, f"one connection grew the server by {peak - before:.0f} MiB"
        assert exhausted > 0, f"no stream hit the budget: {codes[:10]}"
        st = stats(peer)
        assert held <= 32 * MiB
        assert served(peer.host, peer.port)
    finally:
        c.close()


def test_row1_engine_refuses_oversized_transfers_at_the_prefix(start_engine):
    """The same attack on the engine's SubmitTransaction: a 4 MiB request is refused from its
    5-byte length prefix (the method takes 4 KiB), so nothing is buffered."""
    e = start_engine("h2c")
    before = rss_mib(e.process)
    c = Client(e.host, e.port)
    try:
        with PeakRSS(e.process) as rss:
            sids, sent = hold_unary_streams(c, "/settlement.v1.Settlement/SubmitTransaction", 256, 4 * MiB,
                                            4 * MiB - 1, deadline_s=90)
            end = time.monotonic() + 3
            while time.monotonic() < end:
                c.pump(0.1)
        peak = rss.peak
        codes = [c.status(s) for s in sids]
        figure(f"row 1 (engine): RSS {before:.0f} -> {peak:.0f} MiB; {sum(sent.values()) / MiB:.1f} MiB sent; "
               f"{codes.count(RESOURCE_EXHAUSTED)}/256 RESOURCE_EXHAUSTED")
        assert codes.count(RESOURCE_EXHAUSTED) == 256, codes[:5]
        assert peak - before < 128
    finally:
        c.close()


# --- Row 8: a 4 MiB message of unknown fields ----------------------------------------------------


def test_row8_unknown_field_megabytes_refused_by_size(start_engine):
    e = start_engine("h2c")
    before = rss_mib(e.process)
    # Field 15, wire type 2 (length-delimited): just under 4 MiB of bytes no request message knows
    # (under the old server-wide 4 MiB limit, which let it through to the decoder).
    n = 4 * MiB - 64
    junk = b"\x7a" + bytes([0x80 | (n & 0x7F), 0x80 | ((n >> 7) & 0x7F), 0x80 | ((n >> 14) & 0x7F), n >> 21]) + b"\x01" * n
    c = Client(e.host, e.port)
    try:
        t0 = time.monotonic()
        sid = c.conn.get_next_available_stream_id()
        c.conn.send_headers(sid, grpc_headers("/settlement.v1.Settlement/SubmitTransaction"))
        c.conn.send_data(sid, grpc_frame(junk)[:16384])
        c.flush()
        deadline = time.monotonic() + 15
        while not c.done(sid) and time.monotonic() < deadline:
            c.pump(0.1)
        elapsed = time.monotonic() - t0
        figure(f"row 8: status {c.status(sid)} after {elapsed * 1000:.0f} ms with 16 KiB of the 4 MiB sent; "
               f"RSS {before:.0f} -> {rss_mib(e.process):.0f} MiB; message {c.trailers.get(sid, {}).get('grpc-message')}")
        assert c.status(sid) == RESOURCE_EXHAUSTED
    finally:
        c.close()


# --- Row 3: response streams at window 0 ---------------------------------------------------------


def test_row3_reflection_streams_at_window_zero_are_bounded(start_peer):
    """256 reflection streams from a client whose receive window is 0, each asking again and again.
    Before: +269 MiB per connection. Now the connection's queued responses are capped (32 MiB by
    default, 4 MiB here): GOAWAY(ENHANCE_YOUR_CALM)."""
    peer = start_peer("h2c", "--max-concurrent-streams", "256", "--limit", "max-queued-per-connection=4194304")
    before = rss_mib(peer.process)
    rss = PeakRSS(peer.process).__enter__()
    c = Client(peer.host, peer.port, window=0)
    # Reflection request: file_containing_symbol = "rpctest.v1.Echo" (field 7).
    symbol = b"rpctest.v1.Echo"
    request = grpc_frame(b"\x3a" + bytes([len(symbol)]) + symbol)
    try:
        sids = []
        for _ in range(256):
            sid = c.conn.get_next_available_stream_id()
            c.conn.send_headers(sid, grpc_headers("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"))
            sids.append(sid)
        c.flush()
        sent = 0
        deadline = time.monotonic() + 60
        while not c.closed and c.goaway is None and time.monotonic() < deadline:
            for sid in sids:
                try:
                    if c.conn.local_flow_control_window(sid) >= len(request) * 64:
                        c.conn.send_data(sid, request * 64)
                        sent += len(request) * 64
                except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                    pass
            c.flush()
            c.pump(0.05, ack=False)
        rss.__exit__(None, None, None)
        peak = rss.peak
        figure(f"row 3: GOAWAY {c.goaway} after {sent / MiB:.2f} MiB of requests; RSS {before:.0f} -> {peak:.0f} MiB")
        # The property: the offender's memory is bounded and others are still served. Usually the
        # outbound budget ends the connection (GOAWAY(ENHANCE_YOUR_CALM), budget resets); under a
        # loaded machine the inbound request budget can refuse the streams first, and nothing is
        # queued at all (seen once in CI: no GOAWAY after 81 MiB of requests, RSS 23 -> 38 MiB).
        assert peak - before < 128, f"RSS {before:.0f} -> {peak:.0f} MiB"
        if c.goaway is not None:
            assert c.goaway == ENHANCE_YOUR_CALM, f"GOAWAY {c.goaway}, not ENHANCE_YOUR_CALM"
            assert stats(peer)["budget_resets"] >= 1
        assert served(peer.host, peer.port)
    finally:
        c.close()


# --- Deadlines (row 5 and the write stall) ------------------------------------------------------

TIMEOUTS = ("--limit", "preface-timeout-ms=2000", "--limit", "first-request-timeout-ms=2000",
            "--limit", "stream-idle-timeout-ms=2000", "--limit", "write-stall-timeout-ms=2000",
            "--idle-timeout-ms", "3000")


@pytest.fixture(scope="module")
def timed_peer(start_peer):
    return start_peer("h2c", *TIMEOUTS)


def test_row5_dribbled_preface_is_closed(timed_peer):
    s = socket.create_connection((timed_peer.host, timed_peer.port), timeout=1)
    t0 = time.monotonic()
    closed = False
    try:
        for b in PREFACE[:12]:
            try:
                s.sendall(bytes([b]))
                data = s.recv(1024)
                if data == b"":
                    closed = True
                    break
            except socket.timeout:
                continue
            except (ConnectionResetError, BrokenPipeError):
                closed = True
                break
        figure(f"row 5 (preface dribble, 1 byte/s): closed={closed} after {time.monotonic() - t0:.1f} s (timeout 2 s)")
        assert closed
    finally:
        s.close()


def test_row5_connection_without_a_request_is_closed(timed_peer):
    c = Client(timed_peer.host, timed_peer.port)
    t0 = time.monotonic()
    try:
        deadline = time.monotonic() + 10
        while not c.closed and time.monotonic() < deadline:
            try:
                c.conn.ping(b"12345678")  # keeps traffic flowing: must not keep the connection
            except h2.exceptions.ProtocolError:
                pass  # GOAWAY received: wait for the close
            c.flush()
            c.pump(0.1)
            time.sleep(0.4)
        figure(f"row 5 (preface, then only PINGs): closed={c.closed} GOAWAY={c.goaway} after {time.monotonic() - t0:.1f} s")
        assert c.closed
    finally:
        c.close()


def test_row5_one_idle_open_stream_does_not_hold_the_connection(timed_peer):
    c = Client(timed_peer.host, timed_peer.port)
    t0 = time.monotonic()
    try:
        sid = c.conn.get_next_available_stream_id()
        c.conn.send_headers(sid, grpc_headers("/rpctest.v1.Echo/Get"))  # and nothing more, ever
        c.flush()
        assert c.wait_closed(15), "the connection is still open"
        figure(f"row 5 (one idle open stream): stream reset {c.reset.get(sid)}, connection closed after "
               f"{time.monotonic() - t0:.1f} s (stream idle 2 s + connection idle 3 s)")
        assert c.reset.get(sid) == h2.errors.ErrorCodes.CANCEL
    finally:
        c.close()


def test_write_stall_resets_a_stream_the_peer_never_reads(timed_peer, echo_pb2):
    c = Client(timed_peer.host, timed_peer.port, window=0)
    t0 = time.monotonic()
    try:
        sid = c.conn.get_next_available_stream_id()
        req = echo_pb2.EchoRequest(text="x", response_count=64, response_size=64 * 1024).SerializeToString()
        c.conn.send_headers(sid, grpc_headers("/rpctest.v1.Echo/Expand"))
        c.conn.send_data(sid, grpc_frame(req), end_stream=True)
        c.flush()
        deadline = time.monotonic() + 15
        while sid not in c.reset and not c.closed and time.monotonic() < deadline:
            c.pump(0.2, ack=False)
        figure(f"write stall: stream reset with {c.reset.get(sid)} after {time.monotonic() - t0:.1f} s (timeout 2 s)")
        assert c.reset.get(sid) == ENHANCE_YOUR_CALM
    finally:
        c.close()


# --- Row 9: control-frame floods -----------------------------------------------------------------


def frame(ftype: int, flags: int, sid: int, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


@pytest.mark.parametrize("kind", ["WINDOW_UPDATE", "PRIORITY", "PING", "SETTINGS"])
def test_row9_control_frame_flood_gets_enhance_your_calm(start_peer, kind):
    peer = start_peer("h2c")
    one = {
        "WINDOW_UPDATE": frame(0x8, 0, 0, struct.pack(">I", 1)),
        "PRIORITY": frame(0x2, 0, 3, struct.pack(">IB", 0, 15)),
        "PING": frame(0x6, 0, 0, b"12345678"),
        "SETTINGS": frame(0x4, 0, 0, b""),
    }[kind]
    # PING and SETTINGS are paced (500 per batch) so that nghttp2's own guard (1,000 unsent ACKs
    # within one read) does not close the connection first: the per-second limit is what answers.
    per_batch = 500 if kind in ("PING", "SETTINGS") else 1000
    batch = one * per_batch
    s = socket.create_connection((peer.host, peer.port), timeout=1)
    sent = 0
    received = b""
    t0 = time.monotonic()
    try:
        s.sendall(PREFACE + frame(0x4, 0, 0, b""))
        while time.monotonic() - t0 < 20:
            try:
                s.sendall(batch)
                sent += per_batch
                if per_batch < 1000:
                    time.sleep(0.005)
            except (BrokenPipeError, ConnectionResetError):
                break
            s.settimeout(0.0001)
            try:
                data = s.recv(65536)
                if data == b"":
                    break
                received += data
            except (socket.timeout, BlockingIOError):
                pass
            except ConnectionResetError:
                break
        codes = []
        i = 0
        while i + 9 <= len(received):
            length = int.from_bytes(received[i:i + 3], "big")
            if received[i + 3] == 0x7 and i + 17 <= len(received):
                codes.append(int.from_bytes(received[i + 13:i + 17], "big"))
            i += 9 + length
        figure(f"row 9 ({kind} flood): {sent} frames sent before the close ({time.monotonic() - t0:.2f} s), GOAWAY codes {codes}")
        assert time.monotonic() - t0 < 20, "the connection was never closed"
        assert ENHANCE_YOUR_CALM in codes
        assert peer.health_status() == 1
    finally:
        s.close()


# --- Row 5: one client must not lock out the others ---------------------------------------------


def open_raw(host, port, source):
    """1 if the server admitted the connection (its SETTINGS came), 0 if it closed it at once."""
    s = socket.socket()
    s.settimeout(3)
    s.bind((source, 0))
    s.connect((host, port))
    s.sendall(PREFACE + frame(0x4, 0, 0, b""))
    try:
        data = s.recv(1024)
    except (ConnectionResetError, socket.timeout):
        data = b""
    return s, bool(data)


def test_row5_one_client_cannot_lock_out_others(start_peer):
    """max 40 connections, 10 per address, the last 4 kept for new addresses. Four addresses take
    what they can; a fifth address and the grpcio client (127.0.0.1) are still served."""
    peer = start_peer("h2c", "--max-connections", "40", "--limit", "max-connections-per-address=10",
                      "--limit", "reserved-connections=4")
    socks = []
    try:
        got = {}
        for a in range(2, 6):
            src = f"127.0.0.{a}"
            got[src] = 0
            for _ in range(15):
                s, ok = open_raw(peer.host, peer.port, src)
                socks.append(s)
                got[src] += ok
        # Asked once: a second connection from the same address right after the first closed could
        # find the first still counted (the server sees the close a moment later) and so not be "new".
        new_address_served = served(peer.host, peer.port, source="127.0.0.9")
        figure(f"row 5 (lockout): admitted per address {got}; a new address served: {new_address_served}")
        assert got["127.0.0.2"] == 10, got
        assert sum(got.values()) <= 36, got
        assert new_address_served
        assert peer.health_status() == 1
        assert stats(peer)["refused_connections"] >= 20
    finally:
        for s in socks:
            s.close()


def test_streams_per_address_are_limited(start_peer):
    peer = start_peer("h2c", "--limit", "max-streams-per-address=8")
    c = Client(peer.host, peer.port, source="127.0.0.3")
    try:
        sids = []
        for _ in range(12):
            sid = c.conn.get_next_available_stream_id()
            c.conn.send_headers(sid, grpc_headers("/rpctest.v1.Echo/Get"))
            sids.append(sid)
        c.flush()
        deadline = time.monotonic() + 5
        while sum(1 for s in sids if s in c.reset) < 4 and time.monotonic() < deadline:
            c.pump(0.2)
        refused = [s for s in sids if c.reset.get(s) == h2.errors.ErrorCodes.REFUSED_STREAM]
        figure(f"streams per address: {len(refused)} of 12 refused (limit 8)")
        assert len(refused) == 4
        assert served(peer.host, peer.port)  # another address
    finally:
        c.close()


# --- Returning memory after a peak ---------------------------------------------------------------


def test_memory_returns_to_the_system_after_a_peak(start_peer):
    """A peak of held requests (24 streams x 4 MiB, budgets raised to allow it), then the client
    goes away: within a few seconds the heap is trimmed and RSS falls back."""
    peer = start_peer("h2c", "--limit", "trim-interval-ms=1000", "--limit", "max-buffered-per-connection=268435456")
    peer.assert_serving()
    # One whole 4 MiB request first: glibc then serves later 4 MiB buffers from its heap (its mmap
    # threshold rises), which is where freed memory stays unless trimmed.
    w = Client(peer.host, peer.port)
    sid = w.conn.get_next_available_stream_id()
    w.conn.send_headers(sid, grpc_headers("/rpctest.v1.Echo/Get"))
    body = grpc_frame(b"\x12" + bytes([0x80, 0x80, 0x80, 0x02]) + b"\x00" * (4 * MiB - 5))
    view, deadline = memoryview(body), time.monotonic() + 30
    while len(view) and time.monotonic() < deadline:
        n = min(w.conn.local_flow_control_window(sid), w.conn.max_outbound_frame_size, len(view))
        if n > 0:
            w.conn.send_data(sid, bytes(view[:n]), end_stream=n == len(view))
            view = view[n:]
        w.flush()
        w.pump(0.0 if n > 0 else 0.05)
    while not w.done(sid) and time.monotonic() < deadline:
        w.pump(0.1)
    w.close()
    time.sleep(2)
    base = rss_mib(peer.process)
    c = Client(peer.host, peer.port)
    try:
        with PeakRSS(peer.process) as rss:
            hold_unary_streams(c, "/rpctest.v1.Echo/Get", 24, 4 * MiB, None, deadline_s=60)
            end = time.monotonic() + 2
            while time.monotonic() < end:
                c.pump(0.1)
        peak = rss.peak
    finally:
        c.close()
    deadline = time.monotonic() + 10
    after = peak
    while time.monotonic() < deadline:
        time.sleep(0.5)
        after = rss_mib(peer.process)
        if after - base < (peak - base) / 2:
            break
    figure(f"trim: RSS {base:.0f} -> peak {peak:.0f} -> {after:.0f} MiB a few seconds after the client left")
    assert peak - base > 48, "the attack did not raise RSS; the test proves nothing"
    assert after - base < (peak - base) / 2
    assert stats(peer)["trims"] >= 1


# --- Outbound budgets per stream and per process --------------------------------------------------


def queue_response(c: Client, echo_pb2, size: int) -> int:
    """A unary Echo/Get whose response of `size` bytes cannot leave (the client's window is 0)."""
    sid = c.conn.get_next_available_stream_id()
    c.conn.send_headers(sid, grpc_headers("/rpctest.v1.Echo/Get"))
    c.conn.send_data(sid, grpc_frame(echo_pb2.EchoRequest(text="x", response_size=size).SerializeToString()),
                     end_stream=True)
    c.flush()
    return sid


def test_outbound_budget_per_stream(start_peer, echo_pb2):
    peer = start_peer("h2c", "--limit", f"max-queued-per-stream={1 * MiB}")
    c = Client(peer.host, peer.port, window=0)
    try:
        small, big = queue_response(c, echo_pb2, 512 * 1024), queue_response(c, echo_pb2, 2 * MiB)
        deadline = time.monotonic() + 10
        while big not in c.reset and time.monotonic() < deadline:
            c.pump(0.1, ack=False)
        figure(f"outbound per stream (limit 1 MiB): 2 MiB response reset {c.reset.get(big)}, 512 KiB one {c.reset.get(small)}")
        assert c.reset.get(big) == ENHANCE_YOUR_CALM
        assert small not in c.reset
    finally:
        c.close()


def test_outbound_budget_per_process(start_peer, echo_pb2):
    peer = start_peer("h2c", "--limit", f"max-queued={1 * MiB}")
    a = Client(peer.host, peer.port, window=0)
    b = Client(peer.host, peer.port, window=0)
    try:
        first = queue_response(a, echo_pb2, 700 * 1024)
        time.sleep(1)
        queued = stats(peer)["queued"]
        second = queue_response(b, echo_pb2, 700 * 1024)
        deadline = time.monotonic() + 10
        while second not in b.reset and time.monotonic() < deadline:
            b.pump(0.1, ack=False)
            a.pump(0.0, ack=False)
        figure(f"outbound per process (limit 1 MiB): {queued / 1024:.0f} KiB queued for the first client; "
               f"the second's stream reset {b.reset.get(second)}, the first's {a.reset.get(first)}")
        assert queued >= 700 * 1024
        assert b.reset.get(second) == ENHANCE_YOUR_CALM
        assert first not in a.reset
        assert served(peer.host, peer.port)
    finally:
        a.close()
        b.close()
