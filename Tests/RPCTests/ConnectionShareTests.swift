import Foundation
import XCTest

@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI
import Settlement
import SettlementTestSupport

/// Per-connection shares of the settlement service, over loopback against a real engine.
/// Adversary: one client that fills the shared pool from one connection with many funded senders
/// (the per-sender share does not stop it), cancels its calls hoping the count resets, or opens
/// status subscriptions without end; other clients must still be served.
final class ConnectionShareTests: XCTestCase {
    /// Polls `condition` up to 10 s (no timing assertion: a bound against hanging).
    private func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func testOneConnectionCannotHoldMoreThanItsShareOfThePool() async throws {
        let gate = CommitGate()
        let f = try await SettlementFixture.start(senders: 10, store: InMemorySettlementStore(commitGate: gate), configure: { c in
            c.maxConcurrentBatches = 1
        }, service: { s in
            s.maxPendingPerConnection = 4
            s.overloadRetryLimit = .milliseconds(200)
        })
        let sink = Address(hex: "0x00000000000000000000000000000000000000c4")!
        // Four senders, one transfer each, on one connection: all admitted, none answered (commits held).
        let held = (0..<4).map { i in Task { try await f.submit(f.transfer(from: i, to: sink, value: 1, nonce: 0)) } }
        try await waitUntil("four transfers pending") { f.service.shares.pending == 4 }
        // A fifth sender on the same connection: refused, the pool has room.
        let refused = await assertRPCError(.resourceExhausted) {
            try await f.submit(f.transfer(from: 4, to: sink, value: 1, nonce: 0))
        }
        XCTAssertTrue(refused?.message.contains("share of the pool") ?? false, refused?.message ?? "")
        // On a stream of the same connection the share holds too: REJECTED with the reason after the retry limit.
        let streamed = try await HostileAdmissionTests.stream(f, [f.transfer(from: 5, to: sink, value: 1, nonce: 0)])
        XCTAssertEqual(streamed.map(\.status), [.rejected])
        XCTAssertTrue(streamed.first?.rejectionReason.hasPrefix("RESOURCE_EXHAUSTED: this connection has 4") ?? false,
                      streamed.first?.rejectionReason ?? "")
        // Another client (another connection) is admitted meanwhile.
        let other = try await f.server.client()
        let otherCall = Task {
            try await other.unary(SettlementMethods.submitTransaction,
                                  SettlementV1.SignedTransfer(f.transfer(from: 6, to: sink, value: 1, nonce: 0)))
        }
        try await waitUntil("the other connection's transfer pending") { f.service.shares.pending == 5 }

        // Cancelling the held calls does not free the share: the transfers are still in the pool.
        for t in held { t.cancel() }
        for t in held { _ = try? await t.value }
        XCTAssertEqual(f.service.shares.pending, 5)
        _ = await assertRPCError(.resourceExhausted) {
            try await f.submit(f.transfer(from: 7, to: sink, value: 1, nonce: 0))
        }

        // Receipts free the share: the same connection is admitted again and everything is sequenced.
        gate.open()
        let otherReceipt = try await otherCall.value
        XCTAssertEqual(otherReceipt.status, .sequenced)
        try await waitUntil("every held transfer answered") { f.service.shares.pending == 0 }
        let again = try await f.submit(f.transfer(from: 4, to: sink, value: 1, nonce: 0))
        XCTAssertEqual(again.status, .sequenced, again.rejectionReason)
        XCTAssertEqual(f.service.shares.connections, 0, "no share is kept for connections without calls")
        await other.close()
        await f.stop()
    }

    func testOneConnectionCannotOpenMoreThanItsShareOfSubscriptions() async throws {
        let f = try await SettlementFixture.start(service: { $0.maxSubscriptionsPerConnection = 2 })
        let sink = Address(hex: "0x00000000000000000000000000000000000000c5")!
        func subscribe(_ client: RPCClient) throws -> ResponseStream<SettlementV1.StatusUpdate> {
            try client.serverStreaming(SettlementMethods.subscribeStatus, SettlementV1.SubscribeStatusRequest(),
                                       timeout: .seconds(30))
        }
        let first = try subscribe(f.client), second = try subscribe(f.client)
        try await waitUntil("two subscriptions open") { f.service.shares.subscriptions == 2 }
        let e = await assertRPCError(.resourceExhausted) {
            for try await _ in try subscribe(f.client) {}
        }
        XCTAssertTrue(e?.message.contains("2 open status subscriptions") ?? false, e?.message ?? "")
        // Another connection subscribes and gets the next batch; so do the first two.
        let other = try await f.server.client()
        let third = try subscribe(other)
        try await waitUntil("the other connection's subscription open") { f.service.shares.subscriptions == 3 }
        let receipt = try await f.submit(f.transfer(from: 0, to: sink, value: 1, nonce: 0))
        XCTAssertEqual(receipt.status, .sequenced)
        for stream in [first, second, third] {
            var it = stream.makeAsyncIterator()
            let update = try await it.next()
            XCTAssertNotNil(update)
        }
        // Closing one frees its slot.
        first.call.cancel()
        try await waitUntil("the cancelled subscription released") { f.service.shares.subscriptions == 2 }
        let replacement = try subscribe(f.client)
        try await waitUntil("the replacement open") { f.service.shares.subscriptions == 3 }
        for s in [second, third, replacement] { s.call.cancel() }
        await other.close()
        await f.stop()
    }
}
