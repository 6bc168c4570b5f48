import Logging
import Persistence
import PostgresDriver
import Settlement
import XCTest

/// `PostgresSettlementStore.transactions(_:)` (SubscribeStatus's one batched look-up for many ids)
/// answers exactly what one `transaction(_:)` per id answers: accepted, rejected and unknown ids.
final class BatchedLookupTests: PostgresTestCase {
    func testBatchedLookupAgreesWithOneLookupPerId() async throws {
        let chain = StoreTestChain(accounts: 4, balance: 1_000_000)
        var config = SettlementConfig()
        config.chainId = StoreTestChain.chainId
        config.feeAccount = StoreTestChain.feeAccount
        config.batchTimeoutMs = 5
        var logger = Logger(label: "batched-lookup-test")
        logger.logLevel = .error
        let store = PostgresSettlementStore(conninfo: url, logger: logger)
        let engine = try SettlementEngine(config: config, genesis: chain.genesis, store: store, logger: logger)
        try await engine.start()
        let (alice, bob) = (chain.keys[0], chain.keys[1])
        var ids: [Digest32] = []
        for n in 0 ..< UInt64(6) {
            let t = SignedTransfer.sign(Transfer(from: alice.address, to: bob.address, value: 1_000, fee: 1, nonce: n),
                                        domain: engine.domain, with: alice)
            let r = try await withTimeout { try await engine.submitAndWait(t) }
            XCTAssertEqual(r.status, .sequenced, r.reason)
            ids.append(t.id)
        }
        var rng = SeededGenerator(seed: 11)
        let unknown = (0..<300).map { _ in Digest32(bytes: (0..<4).flatMap { _ in withUnsafeBytes(of: rng.next()) { Array($0) } })! }
        let all = unknown[..<150] + ids + unknown[150...]
        let batched = try await store.transactions(Array(all))
        XCTAssertEqual(batched.count, ids.count)
        for id in all {
            let one = try await store.transaction(id)
            XCTAssertEqual(batched[id], one, "\(id)")
        }
        let none = try await store.transactions([])
        XCTAssertEqual(none.count, 0)
        await engine.stop()
        await store.close()
    }
}
