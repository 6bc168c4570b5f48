"""A stock grpcio client against the Swift server (rpc-interop-peer serve), over h2c and TLS."""

import threading

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from conftest import RPC_TIMEOUT

MiB = 1 << 20
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def pattern(n: int) -> bytes:
    """n bytes counting 0, 1, ..., 255, 0, ... (what the server's response_size produces)."""
    return (bytes(range(256)) * (n // 256 + 1))[:n]


@pytest.fixture
def channel(peer):
    ch = peer.channel()
    yield ch
    ch.close()


@pytest.fixture
def echo(channel, echo_pb2_grpc):
    return echo_pb2_grpc.EchoStub(channel)


@pytest.fixture
def health(channel):
    return health_pb2_grpc.HealthStub(channel)


# --- health --------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["", "rpctest.v1.Echo"])
def test_health_check_serving(health, service):
    resp = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=RPC_TIMEOUT)
    assert resp.status == SERVING


def test_health_check_unknown_service(health):
    with pytest.raises(grpc.RpcError) as e:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=RPC_TIMEOUT)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


def test_health_watch(peer, health):
    call = health.Watch(health_pb2.HealthCheckRequest(service="rpctest.v1.Echo"), timeout=60)
    try:
        first = next(call)
        assert first.status == SERVING
        peer.set_health("rpctest.v1.Echo", "NOT_SERVING")
        second = next(call)
        assert second.status == NOT_SERVING
        call.cancel()
        with pytest.raises(grpc.RpcError) as e:
            next(call)
        assert e.value.code() == grpc.StatusCode.CANCELLED
    finally:
        call.cancel()
        peer.set_health("rpctest.v1.Echo", "SERVING")
    # The flip back is applied asynchronously (stdin reader thread): poll, bounded.
    for _ in range(100):
        if peer.health_status("rpctest.v1.Echo") == SERVING:
            break
        threading.Event().wait(0.05)
    assert peer.health_status("rpctest.v1.Echo") == SERVING
    peer.assert_serving()


# --- the four call kinds -------------------------------------------------------------------------


def test_unary(echo, echo_pb2):
    resp = echo.Get(echo_pb2.EchoRequest(text="hello", payload=b"\x00\x01\xff"), timeout=RPC_TIMEOUT)
    assert resp.text == "hello"
    assert resp.payload == b"\x00\x01\xff"


def test_unary_large_request_payload(echo, echo_pb2):
    payload = pattern(3 * MiB)
    resp = echo.Get(echo_pb2.EchoRequest(text="big", payload=payload), timeout=60)
    assert resp.text == "big"
    assert resp.payload == payload


def test_unary_large_response(echo, echo_pb2):
    resp = echo.Get(echo_pb2.EchoRequest(text="big", response_size=3 * MiB), timeout=60)
    assert resp.payload == pattern(3 * MiB)


def test_server_streaming(echo, echo_pb2):
    got = [r.text for r in echo.Expand(echo_pb2.EchoRequest(text="a b  c"), timeout=RPC_TIMEOUT)]
    assert got == ["a", "b", "c"]


def test_server_streaming_repeated_large(echo, echo_pb2):
    responses = list(echo.Expand(echo_pb2.EchoRequest(text="x y", response_count=3, response_size=2 * MiB), timeout=60))
    assert [r.text for r in responses] == ["x", "y"] * 3
    expected = pattern(2 * MiB)
    assert all(r.payload == expected for r in responses)


def test_client_streaming(echo, echo_pb2):
    resp = echo.Collect(iter([echo_pb2.EchoRequest(text=t) for t in ["x", "y", "z"]]), timeout=RPC_TIMEOUT)
    assert resp.text == "x y z"


def test_client_streaming_large(echo, echo_pb2):
    parts = [pattern(MiB), b"\x07" * MiB, pattern(MiB)[::-1]]
    resp = echo.Collect(iter([echo_pb2.EchoRequest(text=str(i), payload=p) for i, p in enumerate(parts)]), timeout=60)
    assert resp.text == "0 1 2"
    assert resp.payload == b"".join(parts)


def test_client_streaming_empty(echo, echo_pb2):
    resp = echo.Collect(iter([]), timeout=RPC_TIMEOUT)
    assert resp.text == ""


def test_bidirectional_streaming_ping_pong(echo, echo_pb2):
    """Each request is answered before the next one is sent."""
    requests_sent = threading.Semaphore(0)
    texts = ["1", "2", "3"]

    def requests():
        for t in texts:
            yield echo_pb2.EchoRequest(text=t)
            requests_sent.acquire(timeout=RPC_TIMEOUT)

    got = []
    call = echo.Update(requests(), timeout=RPC_TIMEOUT)
    for r in call:
        got.append(r.text)
        requests_sent.release()
    assert got == texts
    assert call.code() == grpc.StatusCode.OK


def test_bidirectional_streaming_large(echo, echo_pb2):
    payloads = [pattern(2 * MiB), b"\xaa" * (2 * MiB), b""]
    got = list(echo.Update(iter([echo_pb2.EchoRequest(text=str(i), payload=p) for i, p in enumerate(payloads)]), timeout=60))
    assert [r.text for r in got] == ["0", "1", "2"]
    assert [r.payload for r in got] == payloads


# --- status, deadline, metadata ------------------------------------------------------------------


def test_error_status_with_message(echo, echo_pb2):
    with pytest.raises(grpc.RpcError) as e:
        echo.Get(echo_pb2.EchoRequest(text="x", fail_with_code=9), timeout=RPC_TIMEOUT)
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert e.value.details() == "requested failure"


def test_error_status_in_stream(echo, echo_pb2):
    call = echo.Expand(echo_pb2.EchoRequest(text="a b", fail_with_code=int(grpc.StatusCode.ABORTED.value[0])), timeout=RPC_TIMEOUT)
    with pytest.raises(grpc.RpcError) as e:
        list(call)
    assert e.value.code() == grpc.StatusCode.ABORTED
    assert e.value.details() == "requested failure"


def test_response_size_too_large_is_invalid_argument(echo, echo_pb2):
    with pytest.raises(grpc.RpcError) as e:
        echo.Get(echo_pb2.EchoRequest(text="x", response_size=(64 << 20) + 1), timeout=RPC_TIMEOUT)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_request_over_max_message_size(echo, echo_pb2, peer):
    """The peer accepts requests up to 4 MiB; a bigger one is RESOURCE_EXHAUSTED."""
    with pytest.raises(grpc.RpcError) as e:
        echo.Get(echo_pb2.EchoRequest(text="x", payload=b"\x01" * (5 * MiB)), timeout=60)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    peer.assert_serving()


def test_deadline_exceeded(echo, echo_pb2, peer):
    with pytest.raises(grpc.RpcError) as e:
        echo.Get(echo_pb2.EchoRequest(text="x", delay_ms=5000), timeout=0.5)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    peer.assert_serving()


def test_metadata_round_trip(echo, echo_pb2):
    md = [("x-interop", "python-client"), ("x-trace-bin", b"\x00\x01\x02\xff"), ("x-multi", "one")]
    resp, call = echo.Get.with_call(echo_pb2.EchoRequest(text="md"), metadata=md, timeout=RPC_TIMEOUT)
    assert resp.text == "md"
    for name, md_got in [("initial", call.initial_metadata()), ("trailing", call.trailing_metadata())]:
        got = dict(md_got)
        assert got.get("x-interop") == "python-client", f"{name} metadata: {md_got}"
        assert got.get("x-trace-bin") == b"\x00\x01\x02\xff", f"{name} metadata: {md_got}"
        assert got.get("x-multi") == "one", f"{name} metadata: {md_got}"


def test_metadata_round_trip_streaming(echo, echo_pb2):
    md = [("x-interop", "stream"), ("x-trace-bin", b"\xfe\x00")]
    call = echo.Expand(echo_pb2.EchoRequest(text="a b"), metadata=md, timeout=RPC_TIMEOUT)
    assert [r.text for r in call] == ["a", "b"]
    for md_got in (call.initial_metadata(), call.trailing_metadata()):
        got = dict(md_got)
        assert got.get("x-interop") == "stream"
        assert got.get("x-trace-bin") == b"\xfe\x00"


@pytest.mark.parametrize("method", ["/rpctest.v1.Echo/NoSuchMethod", "/no.such.Service/Get"])
def test_unimplemented(channel, echo_pb2, method):
    call = channel.unary_unary(
        method,
        request_serializer=echo_pb2.EchoRequest.SerializeToString,
        response_deserializer=echo_pb2.EchoResponse.FromString,
    )
    with pytest.raises(grpc.RpcError) as e:
        call(echo_pb2.EchoRequest(text="x"), timeout=RPC_TIMEOUT)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


# --- cancellation --------------------------------------------------------------------------------


def test_cancel_server_stream(echo, echo_pb2, peer):
    call = echo.Expand(echo_pb2.EchoRequest(text="w", response_count=1_000_000, response_size=64 << 10), timeout=60)
    for _ in range(3):
        assert next(call).text == "w"
    call.cancel()
    with pytest.raises(grpc.RpcError) as e:
        for _ in range(1_000_000):  # bounded; ends at the cancellation
            next(call)
    assert e.value.code() == grpc.StatusCode.CANCELLED
    peer.assert_serving()
    # The same channel is still usable.
    assert echo.Get(echo_pb2.EchoRequest(text="after"), timeout=RPC_TIMEOUT).text == "after"


def test_cancel_bidirectional_stream(echo, echo_pb2, peer):
    stop = threading.Event()

    def requests():
        yield echo_pb2.EchoRequest(text="first")
        stop.wait(RPC_TIMEOUT)  # keep the request side open until cancelled

    call = echo.Update(requests(), timeout=60)
    try:
        assert next(call).text == "first"
        call.cancel()
        with pytest.raises(grpc.RpcError) as e:
            next(call)
        assert e.value.code() == grpc.StatusCode.CANCELLED
    finally:
        stop.set()
    peer.assert_serving()


def test_cancel_during_server_delay(echo, echo_pb2, peer):
    future = echo.Get.future(echo_pb2.EchoRequest(text="slow", delay_ms=10_000), timeout=60)
    threading.Event().wait(0.2)
    assert future.cancel()
    assert future.cancelled()
    peer.assert_serving()


# --- reflection ----------------------------------------------------------------------------------


def test_reflection_list_services(channel):
    db = ProtoReflectionDescriptorDatabase(channel)
    services = set(db.get_services())
    assert {"grpc.health.v1.Health", "rpctest.v1.Echo", "grpc.reflection.v1alpha.ServerReflection"} <= services


def test_reflection_file_containing_symbol(channel):
    db = ProtoReflectionDescriptorDatabase(channel)
    fdp = db.FindFileContainingSymbol("rpctest.v1.Echo")
    assert fdp.package == "rpctest.v1"
    services = {s.name: s for s in fdp.service}
    assert "Echo" in services
    methods = {m.name: m for m in services["Echo"].method}
    assert set(methods) == {"Get", "Expand", "Collect", "Update"}
    assert methods["Expand"].server_streaming and not methods["Expand"].client_streaming
    assert methods["Collect"].client_streaming and not methods["Collect"].server_streaming
    assert methods["Update"].client_streaming and methods["Update"].server_streaming
    assert methods["Get"].input_type == ".rpctest.v1.EchoRequest"
    assert {m.name for m in fdp.message_type} >= {"EchoRequest", "EchoResponse"}


def test_reflection_descriptor_pool(channel):
    from google.protobuf.descriptor_pool import DescriptorPool

    pool = DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
    svc = pool.FindServiceByName("rpctest.v1.Echo")
    assert [m.name for m in svc.methods] == ["Get", "Expand", "Collect", "Update"]
    health = pool.FindServiceByName("grpc.health.v1.Health")
    assert {m.name for m in health.methods} == {"Check", "Watch"}


def test_reflection_raw_stub(channel):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="rpctest.v1.Echo"),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
    ]
    responses = list(stub.ServerReflectionInfo(iter(requests), timeout=RPC_TIMEOUT))
    assert len(responses) == 3
    names = {s.name for s in responses[0].list_services_response.service}
    assert {"grpc.health.v1.Health", "rpctest.v1.Echo"} <= names
    assert responses[1].HasField("file_descriptor_response")
    assert len(responses[1].file_descriptor_response.file_descriptor_proto) >= 1
    assert responses[2].HasField("error_response")
    assert responses[2].error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]


# --- the engine binary ---------------------------------------------------------------------------


def test_engine_health_check(engine):
    host, port = engine
    with grpc.insecure_channel(f"{host}:{port}") as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        assert stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=RPC_TIMEOUT).status == SERVING
        with pytest.raises(grpc.RpcError) as e:
            stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=RPC_TIMEOUT)
        assert e.value.code() == grpc.StatusCode.NOT_FOUND
