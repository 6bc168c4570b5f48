"""Hostile clients: the internal `settlement.internal.v1.Sequencer/Forward`, called by an outsider
that never reads its receipts (stream window 0) while sending transfers rejected at once (wrong
chain id). The leader answers each transfer with a receipt; it stops reading the stream once
50,000 receipts are unwritten (HTTP/2 flow control then holds the caller back), instead of
queueing receipts without bound (+223 MiB per million in the campaign).

The raw HTTP/2 client sends as much as the server's flow-control window lets it, and records how
many transfers got through. Loopback only, bounded in time.
"""
import socket
import struct
import time
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import h2.settings

TRANSFERS = 90_000
LIMIT = 50_000  # SequencerForwardService.maxUnanswered


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field_bytes(num: int, value: bytes) -> bytes:
    return _varint(num << 3 | 2) + _varint(len(value)) + value


def junk_request(seq: int) -> bytes:
    transfer = (_field_bytes(1, b"\x11" * 20) + _field_bytes(2, b"\x22" * 20) + _field_bytes(3, b"\x00" * 31 + b"\x01")
                + _field_bytes(4, b"\x00" * 31 + b"\x01") + _varint(5 << 3) + _varint(0)
                + _varint(6 << 3) + _varint(1)  # chain id 1: not this chain's, rejected before any signature work
                + _field_bytes(7, b"\x01" * 65) + _field_bytes(8, b"\x33" * 32))  # a well-formed domain salt
    msg = _varint(1 << 3) + _varint(seq) + _field_bytes(2, transfer)
    return b"\x00" + struct.pack(">I", len(msg)) + msg


def rss_mib(pid) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_forward_caller_that_never_reads_is_held_back(start_engine):
    engine = start_engine("h2c")
    sock = socket.create_connection((engine.host, engine.port), timeout=5)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [
        (":method", "POST"), (":scheme", "http"), (":path", "/settlement.internal.v1.Sequencer/Forward"),
        (":authority", "localhost"), ("content-type", "application/grpc"), ("te", "trailers"),
    ])
    sock.sendall(conn.data_to_send())
    before = rss_mib(engine.process.pid)

    sent = 0
    pending = b""
    stalled_since = None
    started = time.monotonic()
    status = None
    sock.settimeout(0.05)
    while sent < TRANSFERS and time.monotonic() - started < 120:
        if not pending:
            pending = b"".join(junk_request(sent + i) for i in range(min(500, TRANSFERS - sent)))
            batch = min(500, TRANSFERS - sent)
        window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
        if window > 0:
            chunk, pending = pending[:window], pending[window:]
            conn.send_data(sid, chunk)
            sock.sendall(conn.data_to_send())
            stalled_since = None
            if not pending:
                sent += batch
            continue
        stalled_since = stalled_since or time.monotonic()
        if time.monotonic() - stalled_since > 3:
            break  # the server stopped reading
        try:
            data = sock.recv(1 << 16)
        except socket.timeout:
            continue
        if not data:
            break
        for ev in conn.receive_data(data):
            if isinstance(ev, (h2.events.TrailersReceived, h2.events.StreamReset)):
                status = ev
        out = conn.data_to_send()
        if out:
            sock.sendall(out)
    after = rss_mib(engine.process.pid)
    print(f"row 4: a Forward caller at window 0 got {sent} of {TRANSFERS} rejected transfers in "
          f"({time.monotonic() - started:.1f}s); RSS {before:.0f} -> {after:.0f} MiB")
    assert status is None, status
    assert sent < TRANSFERS, "the leader kept reading transfers whose receipts nobody read"
    assert sent >= LIMIT - 500, f"the leader stopped reading early ({sent})"
    assert engine.process.alive()
    sock.close()


def test_forward_requires_the_cluster_token_when_a_secret_is_configured(start_engine):
    import grpc

    engine = start_engine("h2c", "--cluster-secret", "s3cret")
    channel = grpc.insecure_channel(f"{engine.host}:{engine.port}")
    call = channel.stream_stream("/settlement.internal.v1.Sequencer/Forward",
                                 request_serializer=lambda b: b, response_deserializer=lambda b: b)
    for metadata in ((), (("x-settlement-cluster-token", "guess"),)):
        try:
            list(call(iter([junk_request(1)[5:]]), metadata=metadata, timeout=20))
            raise AssertionError("Forward answered without the cluster token")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.UNAUTHENTICATED, e
    channel.close()
