import CNet
@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI
import XCTest

/// Per-method request limits and the inbound memory budget. The attacks themselves, over
/// raw HTTP/2, are in Tests/interop/test_hostile_transport.py.
final class TransportLimitsTests: XCTestCase {
    /// A unary call takes one message: a second one is refused from its prefix, before its body (a
    /// 4 GiB length costs nothing and is reported as the extra message, not as too large).
    func testSecondMessageOnASingleRequestCallIsRefusedAtItsPrefix() throws {
        var framer = MessageFramer(maxMessageSize: 1 << 30, maxMessages: 1)
        var delivered = 0
        let wire: [UInt8] = MessageFramer.frame([1, 2, 3]) + [0, 0x3f, 0xff, 0xff, 0xff]
        XCTAssertThrowsError(try wire.withUnsafeBytes { try framer.append($0) { _ in delivered += 1 } }) {
            XCTAssertEqual($0 as? MessageFramer.FramingError, .tooMany(limit: 1))
        }
        XCTAssertEqual(delivered, 1)
    }

    /// A body buffered across chunks asks the budget first (refused: nothing is reserved), and
    /// gives its charge back when complete.
    func testPartialBodiesAreChargedAndReturned() throws {
        var balance = 0
        var framer = MessageFramer(maxMessageSize: 1 << 20)
        let message = [UInt8](repeating: 9, count: 50_000)
        let wire = MessageFramer.frame(message)
        var got: [[UInt8]] = []
        try wire[0..<10_000].withUnsafeBytes { try framer.append($0, budget: { balance += $0; return true }) { got.append($0) } }
        XCTAssertEqual(balance, 50_000)
        XCTAssertEqual(framer.charged, 50_000)
        try wire[10_000...].withUnsafeBytes { try framer.append($0, budget: { balance += $0; return true }) { got.append($0) } }
        XCTAssertEqual(balance, 0)
        XCTAssertEqual(got, [message])

        var refusing = MessageFramer(maxMessageSize: 1 << 20)
        XCTAssertThrowsError(try wire[0..<10_000].withUnsafeBytes { try refusing.append($0, budget: { _ in false }) { _ in } }) {
            XCTAssertEqual($0 as? MessageFramer.FramingError, .overBudget(length: 50_000))
        }
        XCTAssertEqual(refusing.charged, 0)
    }

    func testBudgetPerConnectionAndPerProcess() {
        let budget = InboundBudget(perConnection: 100, perProcess: 150)
        let a = budget.join(cnet_stream_ref(loop: 0, slot: 1, generation: 1, stream_id: 1))
        let a2 = budget.join(cnet_stream_ref(loop: 0, slot: 1, generation: 1, stream_id: 3))
        let b = budget.join(cnet_stream_ref(loop: 0, slot: 2, generation: 1, stream_id: 1))
        XCTAssertTrue(a === a2, "streams of one connection share its account")
        XCTAssertTrue(budget.charge(60, to: a))
        XCTAssertTrue(budget.charge(40, to: a2))
        XCTAssertFalse(budget.charge(1, to: a), "the connection's 100 bytes are used up")
        XCTAssertTrue(budget.charge(50, to: b))
        XCTAssertFalse(budget.charge(1, to: b), "the process's 150 bytes are used up")
        XCTAssertEqual(budget.held, 150)
        budget.release(60, from: a)
        XCTAssertTrue(budget.charge(1, to: b))
        budget.release(40, from: a2)
        budget.release(51, from: b)
        XCTAssertEqual(budget.held, 0)
        budget.leave(a); budget.leave(a2); budget.leave(b)
    }

    /// The method's own limit applies, a per-path override wins, and the server's limit is the
    /// ceiling of a method's own.
    func testPerMethodRequestLimits() async throws {
        struct Limited: RPCService {
            let serviceName = "rpctest.v1.Echo"
            var methods: [RPCMethod] {
                EchoService().methods.map { $0.path.hasSuffix("/Get") ? $0.limitingRequests(to: 1000) : $0 }
            }
        }
        let server = try TestServer.start([Limited()]) {
            $0.maxReceiveMessageSize = 64 << 10
            $0.maxRequestSizes[RPCTestV1.EchoMethods.expand.path] = 128 << 10
        }
        XCTAssertEqual(server.server.maxRequestSize(for: RPCTestV1.EchoMethods.get.path), 1000)
        XCTAssertEqual(server.server.maxRequestSize(for: RPCTestV1.EchoMethods.expand.path), 128 << 10)
        XCTAssertEqual(server.server.maxRequestSize(for: RPCTestV1.EchoMethods.collect.path), 64 << 10)
        let client = try await server.client()
        let e = await assertRPCError(.resourceExhausted) {
            try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "x", payload: [UInt8](repeating: 1, count: 2000)))
        }
        XCTAssertTrue(e?.message.contains("limit of 1000 bytes") ?? false, "\(String(describing: e))")
        let ok = try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "x", payload: [UInt8](repeating: 1, count: 900)))
        XCTAssertEqual(ok.payload.count, 900)
        XCTAssertEqual(server.server.transportStats.bufferedRequestBytes, 0)
        await client.close()
        await server.stop()
    }

    /// Budgets are returned when calls end: many large requests in a row leave nothing charged.
    func testBudgetIsReturnedAfterCalls() async throws {
        let server = try TestServer.start { $0.limits.maxBufferedRequestBytesPerConnection = 1 << 20 }
        let client = try await server.client()
        for _ in 0..<20 {  // 20 × 300 KB through a 1 MiB connection budget
            let r = try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "x", payload: [UInt8](repeating: 1, count: 300_000)))
            XCTAssertEqual(r.payload.count, 300_000)
        }
        XCTAssertEqual(server.server.transportStats.bufferedRequestBytes, 0)
        await client.close()
        await server.stop()
    }
}
