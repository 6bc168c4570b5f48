"""Bad input against the Swift server (rpc-interop-peer serve, h2c): raw sockets and hand-driven
HTTP/2 (the `h2` library). After every case a second, well-behaved grpcio client must still get a
health Check answer: one misbehaving client never takes the server down for everyone else.

No timing assertions: timeouts only bound reads so that nothing can hang."""

import random
import socket
import ssl
import struct
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.settings
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

READ_TIMEOUT = 10.0  # seconds, per socket read
CASE_TIMEOUT = 30.0  # seconds, per exchange
MiB = 1 << 20
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


@pytest.fixture(scope="module")
def server(start_peer):
    """A fresh h2c peer for the bad-input cases (so they don't disturb the interop tests)."""
    return start_peer("h2c")


@pytest.fixture(autouse=True)
def still_serving(server):
    """Every case is followed by a well-behaved client's health Check."""
    server.assert_serving()
    yield
    server.assert_serving()


def grpc_frame(body: bytes, compressed: int = 0) -> bytes:
    return struct.pack(">BI", compressed, len(body)) + body


def grpc_headers(path: str, **overrides):
    headers = {
        ":method": "POST",
        ":scheme": "http",
        ":path": path,
        ":authority": "127.0.0.1",
        "content-type": "application/grpc",
        "te": "trailers",
    }
    for k, v in overrides.items():
        k = k.replace("_", "-")
        if v is None:
            headers.pop(k, None)
        else:
            headers[k] = v
    return list(headers.items())


class Response:
    """What came back on one stream."""

    def __init__(self):
        self.headers = None  # dict of the first HEADERS block
        self.trailers = None  # dict of the trailing HEADERS block
        self.trailers_only = False  # the first HEADERS block ended the stream
        self.data = b""
        self.ended = False
        self.reset = None  # RST_STREAM error code
        self.terminated = None  # GOAWAY error code (connection)

    @property
    def done(self) -> bool:
        return self.ended or self.reset is not None or self.terminated is not None

    def get(self, key):
        for block in (self.trailers, self.headers):
            if block and key in block:
                return block[key]
        return None

    @property
    def status(self):
        return self.headers.get(":status") if self.headers else None

    @property
    def grpc_status(self):
        v = self.get("grpc-status")
        return int(v) if v is not None else None

    @property
    def grpc_message(self):
        return self.get("grpc-message")

    def __repr__(self):
        return (
            f"Response(headers={self.headers}, trailers={self.trailers}, trailers_only={self.trailers_only}, "
            f"data={len(self.data)}B, ended={self.ended}, reset={self.reset}, terminated={self.terminated})"
        )


class H2Client:
    """An HTTP/2 client over a raw TCP socket, driven by h2.H2Connection (no validation of what we
    send, so malformed requests can be written)."""

    def __init__(self, server, validate=True, settings=None):
        self.sock = socket.create_connection((server.host, server.port), timeout=READ_TIMEOUT)
        self.sock.settimeout(READ_TIMEOUT)
        config = h2.config.H2Configuration(
            client_side=True,
            header_encoding="utf-8",
            validate_outbound_headers=validate,
            normalize_outbound_headers=validate,
            validate_inbound_headers=False,
        )
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        self.responses = {}
        self.closed = False
        self.goaway = None
        self.flush()

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, headers, body: bytes = b"", end_stream=True) -> int:
        sid = self.conn.get_next_available_stream_id()
        self.responses[sid] = Response()
        self.conn.send_headers(sid, headers, end_stream=end_stream and not body)
        if body:
            self.send_data(sid, body, end_stream=end_stream)
        self.flush()
        return sid

    def send_data(self, sid, body: bytes, end_stream=False):
        # Respect the peer's flow-control window and frame size; bounded by the body length.
        view = memoryview(body)
        deadline = time.monotonic() + CASE_TIMEOUT
        while len(view):
            window = min(self.conn.local_flow_control_window(sid), self.conn.max_outbound_frame_size)
            if window <= 0:
                assert time.monotonic() < deadline, "the server never opened its flow-control window"
                self.flush()
                self.read_once()
                continue
            chunk, view = view[:window], view[window:]
            self.conn.send_data(sid, bytes(chunk), end_stream=end_stream and not len(view))
            self.flush()
        if end_stream and not body:
            self.conn.end_stream(sid)
        self.flush()

    def read_once(self):
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.closed = True
            return
        for ev in self.conn.receive_data(data):
            sid = getattr(ev, "stream_id", None)
            r = self.responses.get(sid)
            if isinstance(ev, h2.events.ResponseReceived) and r:
                r.headers = dict(ev.headers)
                r.trailers_only = bool(ev.stream_ended)
            elif isinstance(ev, h2.events.TrailersReceived) and r:
                r.trailers = dict(ev.headers)
            elif isinstance(ev, h2.events.DataReceived):
                if r:
                    r.data += ev.data
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded) and r:
                r.ended = True
            elif isinstance(ev, h2.events.StreamReset) and r:
                r.reset = ev.error_code
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.goaway = ev.error_code
                for r in self.responses.values():
                    if not r.done:
                        r.terminated = ev.error_code
        self.flush()

    def wait(self, sid, timeout=CASE_TIMEOUT) -> Response:
        r = self.responses[sid]
        deadline = time.monotonic() + timeout
        while not r.done and not self.closed:
            assert time.monotonic() < deadline, f"no complete response on stream {sid} in {timeout}s: {r}"
            self.read_once()
        return r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


@pytest.fixture
def h2client(server):
    clients = []

    def make(**kw):
        c = H2Client(server, **kw)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def read_until_closed(sock, timeout=CASE_TIMEOUT) -> bytes:
    """Everything the server sends until it closes the connection (bounded)."""
    received = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return received
        except socket.timeout:
            continue
        if not chunk:
            return received
        received += chunk
    pytest.fail(f"the server kept the connection open for {timeout}s (got {received[:100]!r})")


def goaway_codes(data: bytes):
    """The error codes of the GOAWAY frames in raw server bytes (best effort frame walk)."""
    codes, i = [], 0
    while i + 9 <= len(data):
        length = int.from_bytes(data[i : i + 3], "big")
        ftype = data[i + 3]
        if ftype == 0x7 and i + 9 + 8 <= len(data):
            codes.append(int.from_bytes(data[i + 13 : i + 17], "big"))
        i += 9 + length
    return codes


# --- connection-level garbage --------------------------------------------------------------------


def test_random_bytes_instead_of_preface(server):
    rng = random.Random(20240601)
    garbage = bytes(rng.randrange(256) for _ in range(512))
    assert not garbage.startswith(b"PRI")
    with socket.create_connection((server.host, server.port), timeout=READ_TIMEOUT) as s:
        s.settimeout(READ_TIMEOUT)
        s.sendall(garbage)
        received = read_until_closed(s)
    # Closed (maybe after SETTINGS and a GOAWAY); a GOAWAY must not claim "no error".
    codes = goaway_codes(received)
    assert all(c != 0 for c in codes), f"GOAWAY codes {codes}"


def test_http1_request_instead_of_preface(server):
    with socket.create_connection((server.host, server.port), timeout=READ_TIMEOUT) as s:
        s.settimeout(READ_TIMEOUT)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        read_until_closed(s)


def test_truncated_preface_then_close(server):
    with socket.create_connection((server.host, server.port), timeout=READ_TIMEOUT) as s:
        s.sendall(PREFACE[:10])
    # and once more with a half-close, waiting for the server to close its side
    with socket.create_connection((server.host, server.port), timeout=READ_TIMEOUT) as s:
        s.settimeout(READ_TIMEOUT)
        s.sendall(PREFACE[:16])
        s.shutdown(socket.SHUT_WR)
        read_until_closed(s)


def test_preface_then_garbage_frames(server):
    rng = random.Random(7)
    with socket.create_connection((server.host, server.port), timeout=READ_TIMEOUT) as s:
        s.settimeout(READ_TIMEOUT)
        s.sendall(PREFACE + bytes(rng.randrange(256) for _ in range(256)))
        received = read_until_closed(s)
    assert all(c != 0 for c in goaway_codes(received))


# --- malformed gRPC messages ---------------------------------------------------------------------


def test_length_prefix_longer_than_body(h2client):
    c = h2client()
    body = struct.pack(">BI", 0, 100) + b"\x0a\x03abc"  # claims 100 bytes, carries 5
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get"), body))
    assert r.status == "200", r
    assert r.grpc_status == 13, r  # INTERNAL
    assert r.grpc_message, r


def test_length_prefix_4gib(h2client):
    c = h2client()
    sid = c.request(grpc_headers("/rpctest.v1.Echo/Get"), b"\x00\xff\xff\xff\xff" + b"\x00" * 16, end_stream=False)
    r = c.wait(sid)
    assert r.grpc_status == 8, r  # RESOURCE_EXHAUSTED
    assert r.grpc_message, r


def test_length_prefix_4gib_with_end_stream(h2client):
    c = h2client()
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get"), b"\x00\xff\xff\xff\xff"))
    assert r.grpc_status == 8, r  # RESOURCE_EXHAUSTED


def test_body_not_protobuf(h2client):
    c = h2client()
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get"), grpc_frame(b"\xff\xff\xff")))
    assert r.status == "200", r
    assert r.grpc_status == 3, r  # INVALID_ARGUMENT
    assert r.grpc_message, r


def test_compressed_flag_without_grpc_encoding(h2client):
    c = h2client()
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get"), grpc_frame(b"\x0a\x01x", compressed=1)))
    assert r.grpc_status not in (None, 0), r


def test_unary_with_two_messages(h2client):
    c = h2client()
    body = grpc_frame(b"\x0a\x01a") + grpc_frame(b"\x0a\x01b")
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get"), body))
    assert r.grpc_status not in (None, 0), r


def test_unary_with_no_message(h2client):
    c = h2client()
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get")))
    assert r.grpc_status not in (None, 0), r


def test_well_formed_request_on_raw_client(h2client, echo_pb2):
    """Sanity check of the hand-driven client itself."""
    c = h2client()
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get"), grpc_frame(echo_pb2.EchoRequest(text="raw").SerializeToString())))
    assert r.status == "200" and r.grpc_status == 0, r
    assert echo_pb2.EchoResponse.FromString(r.data[5:]).text == "raw"


# --- malformed HTTP/2 requests -------------------------------------------------------------------


def test_wrong_content_type(h2client):
    c = h2client()
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get", content_type="text/plain"), grpc_frame(b"")))
    assert r.status == "415", r


def test_missing_path(h2client, echo_pb2):
    c = h2client(validate=False)
    r = c.wait(c.request(grpc_headers("/ignored", **{":path": None}), grpc_frame(b"")))
    # A stream error (RST_STREAM PROTOCOL_ERROR), a connection error or a gRPC error are all fine.
    assert r.reset is not None or r.terminated is not None or c.closed or r.grpc_status not in (None, 0), r
    if r.reset is not None:
        assert r.reset == h2.errors.ErrorCodes.PROTOCOL_ERROR, r
    if not c.closed and r.terminated is None:
        # The connection survived: it still serves a good request.
        ok = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get"), grpc_frame(echo_pb2.EchoRequest(text="ok").SerializeToString())))
        assert ok.grpc_status == 0, ok


def test_missing_te_trailers(h2client):
    c = h2client()
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get", te=None), grpc_frame(b"")))
    assert r.trailers_only, r
    assert r.grpc_status not in (None, 0), r
    assert r.data == b"", r


def test_get_method(h2client):
    c = h2client()
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get", **{":method": "GET"})))
    assert (r.status is not None and r.status != "200") or r.grpc_status not in (None, 0) or r.reset is not None, r


def test_unknown_method_is_unimplemented(h2client):
    c = h2client()
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Nope"), grpc_frame(b"")))
    assert r.grpc_status == 12, r


def test_bad_grpc_timeout(h2client):
    c = h2client()
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get", grpc_timeout="banana"), grpc_frame(b"")))
    assert r.status is not None or r.reset is not None, r  # any answer; the point is survival


def test_huge_header(h2client):
    c = h2client()
    r = c.wait(c.request(grpc_headers("/rpctest.v1.Echo/Get", x_big="a" * (256 << 10)), grpc_frame(b"")))
    assert r.done or c.closed, r


# --- resource use --------------------------------------------------------------------------------


@pytest.mark.parametrize("windows", ["default", "huge"])
def test_never_reading_client(server, echo_pb2, windows):
    """50 streams of large responses to a client that never reads its socket: the server must be
    bounded by flow control / socket back-pressure, and keep serving other clients meanwhile.
    `default`: 64 KiB HTTP/2 windows; `huge`: the client opens every window to 2^31-1 so that only
    the TCP back-pressure holds the server back.

    Each stream asks for 4000 echoes of a 256 KiB request payload (1 GiB per stream, 50 GiB in
    all). Echoing a payload costs the server next to no CPU (unlike response_size, which builds
    every payload), so a server that buffered without bound would pass the RSS limit quickly."""
    limit_kib = 600 * 1024
    settings = {h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 2**31 - 1} if windows == "huge" else None
    c = H2Client(server, settings=settings)
    try:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
        if windows == "huge":
            c.conn.increment_flow_control_window(2**31 - 1 - 65535)
            c.flush()
        request = echo_pb2.EchoRequest(text="a b c d", response_count=1000, payload=b"\x5a" * (256 << 10))
        body = grpc_frame(request.SerializeToString())
        sent = 0
        try:
            for _ in range(50):
                # (send_data reads WINDOW_UPDATEs while the request bodies go out; after that the
                # client never reads again)
                c.request(grpc_headers("/rpctest.v1.Echo/Expand"), body)
                sent += 1
        except (ConnectionResetError, BrokenPipeError):
            # The server may end the connection before every request is out: the streams already
            # sent fill the 32 MiB per-connection response budget (GOAWAY(ENHANCE_YOUR_CALM), then
            # closed within 2 s). On a loaded machine the 50 bodies take longer than that. Either
            # way the property below must hold.
            print(f"connection ended by the server after {sent} requests")
        peak = 0
        for _ in range(8):
            peak = max(peak, server.process.rss_kib())
            assert peak < limit_kib, f"peer RSS {peak} KiB with a stalled client"
            server.assert_serving()  # other clients are served meanwhile
            time.sleep(0.25)
        peak = max(peak, server.process.rss_kib())
        print(f"peer RSS peak {peak} KiB with a stalled client ({windows} windows)")
        assert peak < limit_kib, f"peer RSS {peak} KiB with a stalled client"
    finally:
        c.close()
    server.assert_serving()


def test_client_disappears_mid_stream(server, echo_pb2):
    c = H2Client(server)
    sid = c.request(grpc_headers("/rpctest.v1.Echo/Update"), grpc_frame(echo_pb2.EchoRequest(text="one").SerializeToString()), end_stream=False)
    deadline = time.monotonic() + CASE_TIMEOUT
    while not c.responses[sid].data and not c.responses[sid].done and not c.closed:
        assert time.monotonic() < deadline, "no answer to the first message"
        c.read_once()
    assert c.responses[sid].data, c.responses[sid]
    # Send another message, then vanish with a TCP RST (no GOAWAY, no RST_STREAM).
    c.send_data(sid, grpc_frame(echo_pb2.EchoRequest(text="two", response_size=MiB).SerializeToString()))
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    server.assert_serving()


def test_client_disappears_during_large_responses(server, echo_pb2):
    for _ in range(5):
        c = H2Client(server)
        c.request(grpc_headers("/rpctest.v1.Echo/Expand"), grpc_frame(echo_pb2.EchoRequest(text="a b", response_count=50, response_size=MiB).SerializeToString()))
        c.read_once()
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    server.assert_serving()


def test_many_connections_abandoned(server):
    socks = []
    try:
        for _ in range(100):
            s = socket.create_connection((server.host, server.port), timeout=READ_TIMEOUT)
            s.sendall(PREFACE)
            socks.append(s)
        server.assert_serving()
    finally:
        for s in socks:
            s.close()


# --- TLS -----------------------------------------------------------------------------------------


def _tls_context(tls_cert):
    ctx = ssl.create_default_context(cafile=tls_cert.cert)
    ctx.set_alpn_protocols(["h2"])
    return ctx


def _assert_health_ok(host, port, tls_cert):
    creds = grpc.ssl_channel_credentials(root_certificates=tls_cert.cert_bytes())
    with grpc.secure_channel(f"{host}:{port}", creds, options=[("grpc.ssl_target_name_override", "localhost")]) as ch:
        resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=15)
        assert resp.status == health_pb2.HealthCheckResponse.SERVING


def _tls_reset_connections(host, port, tls_cert, alive, send_preface: bool, count=20):
    """TLS clients that complete the handshake (optionally send the HTTP/2 preface), then vanish
    with a TCP RST. The server's next write to such a socket fails with EPIPE/ECONNRESET."""
    ctx = _tls_context(tls_cert)
    for _ in range(count):
        if not alive():
            break
        raw = socket.create_connection((host, port), timeout=READ_TIMEOUT)
        try:
            tls = ctx.wrap_socket(raw, server_hostname="localhost")
        except (OSError, ssl.SSLError):
            raw.close()
            break  # the server is gone; reported below
        if send_preface:
            tls.sendall(PREFACE + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")  # + empty SETTINGS
        tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        tls.close()
        time.sleep(0.05)


@pytest.fixture
def tls_server(start_peer):
    """A fresh TLS peer per case (a crash in one case must not hide the next ones)."""
    return start_peer("tls")


@pytest.mark.parametrize("send_preface", [False, True], ids=["after-handshake", "after-preface"])
def test_tls_client_resets_connection(tls_server, tls_cert, send_preface):
    """A TLS client that resets its connection must not kill the server (e.g. SIGPIPE from a
    write() on the socket inside SSL_write)."""
    _tls_reset_connections(tls_server.host, tls_server.port, tls_cert, tls_server.process.alive, send_preface)
    time.sleep(0.3)
    tls_server.assert_serving()


@pytest.mark.parametrize("send_preface", [False, True], ids=["after-handshake", "after-preface"])
def test_engine_tls_client_resets_connection(start_engine, tls_cert, send_preface):
    """The same against the settlement-engine binary (production entry point) over TLS."""
    e = start_engine("tls")
    _tls_reset_connections(e.host, e.port, tls_cert, e.process.alive, send_preface)
    time.sleep(0.3)
    assert e.process.alive(), f"settlement-engine died: {e.process.exit_description()}\n{e.process.output()}"
    _assert_health_ok(e.host, e.port, tls_cert)


def test_tls_garbage_instead_of_client_hello(tls_server):
    rng = random.Random(99)
    with socket.create_connection((tls_server.host, tls_server.port), timeout=READ_TIMEOUT) as s:
        s.settimeout(READ_TIMEOUT)
        s.sendall(bytes(rng.randrange(256) for _ in range(512)))
        read_until_closed(s)
    tls_server.assert_serving()


def test_tls_plaintext_h2_on_tls_port(tls_server):
    with socket.create_connection((tls_server.host, tls_server.port), timeout=READ_TIMEOUT) as s:
        s.settimeout(READ_TIMEOUT)
        s.sendall(PREFACE + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        read_until_closed(s)
    tls_server.assert_serving()


def test_tls_without_alpn(tls_server, tls_cert):
    """A TLS client that offers no ALPN (or only http/1.1): refused or served, never fatal."""
    ctx = ssl.create_default_context(cafile=tls_cert.cert)
    ctx.set_alpn_protocols(["http/1.1"])
    with socket.create_connection((tls_server.host, tls_server.port), timeout=READ_TIMEOUT) as raw:
        try:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.settimeout(READ_TIMEOUT)
                s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                read_until_closed(s)
        except (ssl.SSLError, OSError):
            pass  # handshake refused: fine
    tls_server.assert_serving()
