import Foundation
import Synchronization
import XCTest

@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI
import Settlement
import SettlementTestSupport

/// Hostile clients: the internal `Sequencer/Forward`, called by an outsider. It must require the
/// cluster token when a secret is configured, and verify signatures itself when none is. (The
/// caller that never reads its receipts needs a window-0 client: Tests/interop/test_hostile_forward.py.)
final class SequencerForwardHardeningTests: XCTestCase {
    static let forward = SettlementInternalV1.SequencerMethods.forward

    func testTheClusterTokenIsRequiredWhenASecretIsConfigured() async throws {
        let f = try await SettlementFixture.start()
        let server = try TestServer.start([SequencerForwardService(engine: f.engine, clusterSecret: "s3cret")])
        let client = try await server.client()
        let sink = Address(hex: "0x00000000000000000000000000000000000000fa")!
        func call(_ metadata: Metadata, _ t: Settlement.SignedTransfer) async throws -> [SettlementV1.TransactionReceipt] {
            try await client.bidirectionalStreaming(Self.forward, metadata: metadata, timeout: .seconds(20)) {
                (writer: RequestWriter<SettlementV1.SubmitTransactionsRequest>,
                 responses: ResponseStream<SettlementV1.TransactionReceipt>) in
                try? await writer.send(.init(clientSequence: 1, transfer: .init(t)))
                writer.finish()
                var out: [SettlementV1.TransactionReceipt] = []
                for try await r in responses { out.append(r) }
                return out
            }
        }
        let missing = await assertRPCError(.unauthenticated) {
            try await call(Metadata(), f.transfer(from: 0, to: sink, value: 1, nonce: 0))
        }
        XCTAssertTrue(missing?.message.contains("required") ?? false, missing?.message ?? "")
        await assertRPCError(.unauthenticated) {
            try await call(Metadata([(SequencerForwardService.tokenKey, "guess")]), f.transfer(from: 0, to: sink, value: 1, nonce: 0))
        }
        let ok = try await call(Metadata([(SequencerForwardService.tokenKey, "s3cret")]),
                                f.transfer(from: 0, to: sink, value: 1, nonce: 0))
        XCTAssertEqual(ok.map(\.status), [.sequenced], ok.map(\.rejectionReason).joined())
        await client.close()
        await server.stop()
        await f.stop()
    }

    func testWithoutASecretSignaturesAreVerifiedAgain() async throws {
        let f = try await SettlementFixture.start()
        let server = try TestServer.start([SequencerForwardService(engine: f.engine, clusterSecret: nil)])
        let client = try await server.client()
        let sink = Address(hex: "0x00000000000000000000000000000000000000fb")!
        // Signed by key 1 but claiming to be from key 0.
        let forged = Settlement.SignedTransfer.sign(
            Transfer(from: f.keys[0].address, to: sink, value: 1, fee: 1, nonce: 0), domain: f.engine.domain,
            with: f.keys[1])
        let receipts = try await client.bidirectionalStreaming(Self.forward, timeout: .seconds(20)) {
            (writer: RequestWriter<SettlementV1.SubmitTransactionsRequest>,
             responses: ResponseStream<SettlementV1.TransactionReceipt>) in
            try await writer.send(.init(clientSequence: 1, transfer: .init(forged)))
            writer.finish()
            var out: [SettlementV1.TransactionReceipt] = []
            for try await r in responses { out.append(r) }
            return out
        }
        XCTAssertEqual(receipts.map(\.status), [.rejected])
        XCTAssertTrue(receipts.first?.rejectionReason.contains("signature") ?? false, receipts.first?.rejectionReason ?? "")
        await client.close()
        await server.stop()
        await f.stop()
    }
}
