import Foundation
import XCTest

@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI
import Settlement
import SettlementTestSupport

/// Hostile clients: small requests that made the engine do a lot of database work. Counted in
/// the store (`InMemorySettlementStore.readCount`): look-ups per request.
final class AmplificationTests: XCTestCase {
    /// `GetAccount` against a random state root searched the store batch by batch (one read per
    /// retained batch, up to 1,024): now the retained roots are searched in memory.
    func testGetAccountWithAnUnknownRootCostsNoStoreRead() async throws {
        let store = InMemorySettlementStore()
        let f = try await SettlementFixture.start(store: store)
        let sink = Address(hex: "0x00000000000000000000000000000000000000a7")!
        var receipts: [SettlementV1.TransactionReceipt] = []
        for n in 0..<12 { receipts.append(try await f.submit(f.transfer(from: 0, to: sink, value: 1, nonce: UInt64(n)))) }
        XCTAssertGreaterThanOrEqual(f.engine.head.batch, 12, "one batch per unary transfer")

        let before = store.readCount
        for i in 0..<20 {
            await assertRPCError(.failedPrecondition) {
                try await f.account(f.keys[0].address.bytes, root: [UInt8](repeating: UInt8(i), count: 32))
            }
        }
        XCTAssertEqual(store.readCount - before, 0, "an unknown root costs no store read")

        // A retained older root is still served, with a proof against it, from memory.
        let old = receipts[2]
        let a = try await f.account(sink.bytes, root: old.stateRoot)
        XCTAssertEqual(a.stateRoot, old.stateRoot)
        XCTAssertEqual(UInt256(bigEndianBytes: a.balance), 3)
        XCTAssertEqual(store.readCount - before, 0)
        print("row 7: GetAccount with an unknown root: 0 store reads per request (before: one per batch back, up to 1,024)")
        await f.stop()
    }

    /// `SubscribeStatus` with many ids read each id's status separately (10,000 reads for one
    /// request); now at most `maxSubscribedIds` (1,000) ids, looked up in one batched read.
    func testSubscribeStatusLooksUpEveryIdAtOnceAndCapsTheIds() async throws {
        let store = InMemorySettlementStore()
        let f = try await SettlementFixture.start(store: store)
        let sink = Address(hex: "0x00000000000000000000000000000000000000a8")!
        var known: [[UInt8]] = []
        for n in 0..<10 { known.append(try await f.submit(f.transfer(from: 1, to: sink, value: 1, nonce: UInt64(n))).txId) }
        var rng = SeededGenerator(seed: 3)
        let unknown = (0..<990).map { _ in (0..<4).flatMap { _ in withUnsafeBytes(of: rng.next()) { Array($0) } } }
        let cap = f.service.configuration.maxSubscribedIds
        XCTAssertEqual(cap, 1_000)

        let before = store.readCount
        let updates = try f.client.serverStreaming(SettlementMethods.subscribeStatus,
                                                   SettlementV1.SubscribeStatusRequest(txIds: known + unknown))
        var seen = 0
        for try await u in updates {
            XCTAssertEqual(u.status?.status, .sequenced)
            seen += 1
            if seen == known.count { break }
        }
        updates.call.cancel()
        XCTAssertEqual(seen, known.count)
        let reads = store.readCount - before
        XCTAssertEqual(reads, 1, "one batched look-up for \(known.count + unknown.count) ids")
        print("row 7: SubscribeStatus with \(known.count + unknown.count) ids: \(reads) store read(s) (before: one per id)")

        let e = await assertRPCError(.invalidArgument) {
            let s = try f.client.serverStreaming(SettlementMethods.subscribeStatus,
                                                 SettlementV1.SubscribeStatusRequest(txIds: known + unknown + [[UInt8](repeating: 9, count: 32)]),
                                                 timeout: .seconds(10))
            for try await _ in s {}
        }
        XCTAssertTrue(e?.message.contains("at most 1000") ?? false, e?.message ?? "")
        await f.stop()
    }
}
