@testable import GRPC
import RPCTestSupport
import Settlement
@testable import SettlementAPI
import Synchronization
import XCTest

/// Records how server handlers ended, so tests can see cancellation arrive on the server.
final class HandlerProbe: Sendable {
    private let events = Lock<[String]>([])
    func record(_ e: String) { events.withLock { $0.append(e) } }
    var all: [String] { events.withLock { $0 } }

    /// Polls until `event` was recorded (no timing assertion: fails only after 20 s).
    func waitFor(_ event: String) async -> Bool {
        for _ in 0..<2000 {
            if all.contains(event) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

/// A service whose handlers report cancellation to a probe.
struct ProbeService: RPCService {
    let probe: HandlerProbe
    var serviceName: String { "rpctest.v1.Probe" }
    var methods: [RPCMethod] {
        [
            // Streams responses until cancelled.
            .serverStreaming("/rpctest.v1.Probe/Forever") { (req: EchoRequest, w: ResponseWriter<EchoResponse>, _) in
                probe.record("forever-started")
                do {
                    while true {
                        try await w.send(EchoResponse(text: req.text))
                        try await Task.sleep(for: .milliseconds(5))
                    }
                } catch {
                    probe.record("forever-cancelled")
                    throw error
                }
            },
            // Reads requests until the client goes away.
            .bidirectionalStreaming("/rpctest.v1.Probe/Listen") { (reqs: RequestStream<EchoRequest>, w: ResponseWriter<EchoResponse>, _) in
                probe.record("listen-started")
                do {
                    for try await r in reqs { try await w.send(EchoResponse(text: r.text)) }
                    probe.record("listen-ended-normally")
                } catch {
                    probe.record("listen-cancelled")
                    throw error
                }
            },
            // Fails mid-stream from the server side.
            .bidirectionalStreaming("/rpctest.v1.Probe/Abort") { (reqs: RequestStream<EchoRequest>, w: ResponseWriter<EchoResponse>, _) in
                var n = 0
                for try await r in reqs {
                    n += 1
                    if n == 3 { throw RPCError(.aborted, "server aborted after \(n) messages") }
                    try await w.send(EchoResponse(text: r.text))
                }
            },
            // Reports whether the server saw the deadline.
            .unary("/rpctest.v1.Probe/Slow") { (req: EchoRequest, ctx: ServerContext) -> EchoResponse in
                probe.record(ctx.deadline == nil ? "slow-no-deadline" : "slow-has-deadline")
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    probe.record("slow-cancelled")
                    throw error
                }
                return EchoResponse(text: "late")
            },
        ]
    }
}

final class DeadlineAndCancellationTests: XCTestCase {
    func testDeadlineExceededEndsTheCallOnBothSides() async throws {
        let probe = HandlerProbe()
        let server = try TestServer.start([ProbeService(probe: probe)])
        let client = try await server.client()
        await assertRPCError(.deadlineExceeded) {
            try await client.unary("/rpctest.v1.Probe/Slow", EchoRequest(text: "x"), timeout: .milliseconds(200),
                                   as: EchoResponse.self)
        }
        let cancelled = await probe.waitFor("slow-cancelled")
        XCTAssertTrue(cancelled, "the server handler was not cancelled at its deadline: \(probe.all)")
        XCTAssertTrue(probe.all.contains("slow-has-deadline"))
        await client.close()
        await server.stop()
    }

    func testServerEnforcesGrpcTimeoutItself() async throws {
        // A raw call whose client-side timer is far away: the server's own deadline must end it.
        let probe = HandlerProbe()
        let server = try TestServer.start([ProbeService(probe: probe)])
        let client = try await server.client()
        let client2 = client
        let started = ContinuousClock.now
        await assertRPCError(.deadlineExceeded) {
            // grpc-timeout of 300 ms sent; the local timer is set much later.
            let c = try client2.makeCall("/rpctest.v1.Probe/Slow", timeout: nil,
                                         firstMessage: EchoRequest(text: "x").protobufBytes(), endRequests: true,
                                         rawTimeoutHeader: "300m")
            return try await c.messages.single(as: EchoResponse.self, what: "response")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(25))
        await client.close()
        await server.stop()
    }

    func testClientCancellationReachesTheServer() async throws {
        let probe = HandlerProbe()
        let server = try TestServer.start([ProbeService(probe: probe), EchoService()])
        let client = try await server.client()
        let task = Task {
            var n = 0
            for try await _ in try client.serverStreaming("/rpctest.v1.Probe/Forever", EchoRequest(text: "tick"),
                                                          as: EchoResponse.self) {
                n += 1
            }
            return n
        }
        let started = await probe.waitFor("forever-started")
        XCTAssertTrue(started)
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("the cancelled stream ended normally")
        } catch let e as RPCError {
            XCTAssertEqual(e.code, .cancelled)
        }
        let cancelled = await probe.waitFor("forever-cancelled")
        XCTAssertTrue(cancelled, "server handler not cancelled: \(probe.all)")

        // Bidirectional: the client's task is cancelled while the server waits for requests.
        let bidi = Task {
            try await client.bidirectionalStreaming("/rpctest.v1.Probe/Listen", as: EchoResponse.self) {
                (w: RequestWriter<EchoRequest>, r: ResponseStream<EchoResponse>) in
                try await w.send(EchoRequest(text: "hi"))
                for try await _ in r {}
            }
        }
        let listening = await probe.waitFor("listen-started")
        XCTAssertTrue(listening)
        bidi.cancel()
        _ = try? await bidi.value
        let listenCancelled = await probe.waitFor("listen-cancelled")
        XCTAssertTrue(listenCancelled, "server handler not cancelled: \(probe.all)")
        // The connection still serves other calls.
        let ok = try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "alive"))
        XCTAssertEqual(ok.text, "alive")
        await client.close()
        await server.stop()
    }

    func testServerAbortReachesTheClient() async throws {
        let probe = HandlerProbe()
        let server = try TestServer.start([ProbeService(probe: probe), EchoService()])
        let client = try await server.client()
        let e = await assertRPCError(.aborted) {
            try await client.bidirectionalStreaming("/rpctest.v1.Probe/Abort", as: EchoResponse.self) {
                (w: RequestWriter<EchoRequest>, r: ResponseStream<EchoResponse>) in
                var it = r.makeAsyncIterator()
                for i in 0..<10 {
                    try? await w.send(EchoRequest(text: "\(i)"))
                    if i < 2 { _ = try await it.next() }
                }
                while try await it.next() != nil {}
            }
        }
        XCTAssertEqual(e?.message, "server aborted after 3 messages")
        await client.close()
        await server.stop()
    }

    func testGracefulShutdownLetsOpenCallsFinish() async throws {
        let server = try TestServer.start()
        let client = try await server.client()
        async let slow = client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "drain", delayMs: 300))
        try await Task.sleep(for: .milliseconds(100))
        await server.server.shutdown(grace: .seconds(10))
        let r = try await slow
        XCTAssertEqual(r.text, "drain")
        await client.close()
    }
}
