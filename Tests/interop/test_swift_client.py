"""The Swift client (rpc-interop-peer call) against a stock grpcio server, over h2c and TLS."""

import subprocess
import time
from concurrent import futures

import grpc
import pytest

from conftest import _binary

# Keys the server must not echo back (HTTP/2 pseudo-headers, gRPC-reserved and transport headers).
_RESERVED = {"user-agent", "te", "content-type", "grpc-accept-encoding", "grpc-encoding", "grpc-timeout", "authority"}


def _custom_metadata(context):
    return tuple(
        (k, v) for k, v in context.invocation_metadata() if not k.startswith(":") and not k.startswith("grpc-") and k not in _RESERVED
    )


@pytest.fixture(scope="module")
def servicer_class(echo_pb2, echo_pb2_grpc):
    pb = echo_pb2

    def payload(n):
        return (bytes(range(256)) * (n // 256 + 1))[:n]

    class Echo(echo_pb2_grpc.EchoServicer):
        """Same semantics as Tests/RPCTestSupport/EchoService.swift."""

        @staticmethod
        def prepare(request, context):
            if request.delay_ms:
                end = time.monotonic() + request.delay_ms / 1000
                while time.monotonic() < end and context.is_active():  # cancellable sleep
                    time.sleep(min(0.02, max(0.0, end - time.monotonic())))
                if not context.is_active():
                    context.abort(grpc.StatusCode.CANCELLED, "cancelled")
            if request.fail_with_code:
                code = next((c for c in grpc.StatusCode if c.value[0] == request.fail_with_code), grpc.StatusCode.UNKNOWN)
                context.abort(code, "requested failure")

        @staticmethod
        def response(text, request, context):
            if request.response_size:
                if request.response_size > (64 << 20):
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, "response_size too large")
                return pb.EchoResponse(text=text, payload=payload(request.response_size))
            return pb.EchoResponse(text=text, payload=request.payload)

        @staticmethod
        def echo_metadata(context):
            md = _custom_metadata(context)
            if md:
                context.send_initial_metadata(md)
                context.set_trailing_metadata(md)

        def Get(self, request, context):
            self.echo_metadata(context)
            self.prepare(request, context)
            return self.response(request.text, request, context)

        def Expand(self, request, context):
            self.echo_metadata(context)
            self.prepare(request, context)
            words = [w for w in request.text.split(" ") if w]
            for _ in range(max(1, request.response_count)):
                for w in words:
                    if not context.is_active():
                        return
                    yield self.response(w, request, context)

        def Collect(self, request_iterator, context):
            self.echo_metadata(context)
            texts, joined = [], pb.EchoRequest()
            for request in request_iterator:
                self.prepare(request, context)
                texts.append(request.text)
                joined.payload += request.payload
                joined.response_size = request.response_size
            return self.response(" ".join(texts), joined, context)

        def Update(self, request_iterator, context):
            self.echo_metadata(context)
            for request in request_iterator:
                self.prepare(request, context)
                yield self.response(request.text, request, context)

    return Echo


@pytest.fixture(params=["h2c", "tls"])
def grpcio_server(request, servicer_class, echo_pb2_grpc, tls_cert):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    echo_pb2_grpc.add_EchoServicer_to_server(servicer_class(), server)
    if request.param == "tls":
        creds = grpc.ssl_server_credentials([(tls_cert.key_bytes(), tls_cert.cert_bytes())])
        port = server.add_secure_port("127.0.0.1:0", creds)
    else:
        port = server.add_insecure_port("127.0.0.1:0")
    assert port > 0
    server.start()
    try:
        yield request.param, port
    finally:
        server.stop(grace=None).wait(10)


def test_grpcio_servicer_self_check(grpcio_server, echo_pb2, echo_pb2_grpc, tls_cert):
    """Sanity: the Python server behaves like EchoService.swift for a grpcio client."""
    transport, port = grpcio_server
    if transport == "tls":
        ch = grpc.secure_channel(
            f"127.0.0.1:{port}",
            grpc.ssl_channel_credentials(tls_cert.cert_bytes()),
            options=[("grpc.ssl_target_name_override", "localhost")],
        )
    else:
        ch = grpc.insecure_channel(f"127.0.0.1:{port}")
    with ch:
        stub = echo_pb2_grpc.EchoStub(ch)
        assert stub.Get(echo_pb2.EchoRequest(text="hi"), timeout=10).text == "hi"
        assert [r.text for r in stub.Expand(echo_pb2.EchoRequest(text="a b c"), timeout=10)] == ["a", "b", "c"]
        assert stub.Collect(iter([echo_pb2.EchoRequest(text=t) for t in "xyz"]), timeout=10).text == "x y z"
        assert [r.text for r in stub.Update(iter([echo_pb2.EchoRequest(text=t) for t in "123"]), timeout=10)] == ["1", "2", "3"]
        with pytest.raises(grpc.RpcError) as e:
            stub.Get(echo_pb2.EchoRequest(fail_with_code=9), timeout=10)
        assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        with pytest.raises(grpc.RpcError) as e:
            stub.Get(echo_pb2.EchoRequest(delay_ms=3000), timeout=0.3)
        assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_swift_client_against_grpcio_server(grpcio_server, tls_cert):
    transport, port = grpcio_server
    argv = [_binary("RPC_PEER", "rpc-interop-peer"), "call", "--port", str(port)]
    if transport == "tls":
        argv += ["--tls-ca", tls_cert.cert, "--server-name", "localhost"]
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired as e:  # subprocess.run kills the child on timeout
        pytest.fail(f"{argv} did not finish in 90s\nstdout:\n{e.stdout}\nstderr:\n{e.stderr}")
    detail = f"{argv} exited {res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    assert res.returncode == 0, detail
    assert "all calls ok" in res.stdout.splitlines(), detail
