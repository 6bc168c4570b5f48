import Logging
import Persistence
import PostgresDriver
import Settlement
import XCTest

/// Proofs against batches the engine no longer holds in memory (what a withdrawal claim against
/// a week-old finalized commitment needs) are rebuilt from PostgreSQL and verify against the
/// root the database recorded for that batch.
final class HistoricalProofTests: PostgresTestCase {
    func testAProofAtABatchNoLongerRetainedIsRebuiltFromTheStore() async throws {
        let chain = StoreTestChain(accounts: 4, balance: 1_000_000)
        var config = SettlementConfig()
        config.chainId = StoreTestChain.chainId
        config.feeAccount = StoreTestChain.feeAccount
        config.batchTimeoutMs = 5
        config.maxConcurrentBatches = 2
        config.retainedBatches = 2
        var logger = Logger(label: "history-test")
        logger.logLevel = .error
        let store = PostgresSettlementStore(conninfo: url, logger: logger)
        let engine = try SettlementEngine(config: config, genesis: chain.genesis, store: store, logger: logger)
        try await engine.start()
        let (alice, bob) = (chain.keys[0], chain.keys[1])
        var batchOf: [UInt64] = []
        for n in 0 ..< UInt64(8) {
            let t = SignedTransfer.sign(Transfer(from: alice.address, to: bob.address, value: 1_000, fee: 1, nonce: n),
                                        domain: engine.domain, with: alice)
            let r = try await withTimeout { try await engine.submitAndWait(t) }
            XCTAssertEqual(r.status, .sequenced, r.reason)
            batchOf.append(r.batchNumber)
        }
        let old = batchOf[2]  // bob has received 3 transfers
        XCTAssertGreaterThan(engine.head.batch, old + 2)
        XCTAssertThrowsError(try engine.account(bob.address, atBatch: old), "no longer retained in memory")

        let proof = try await engine.historicalAccount(bob.address, atBatch: old)
        let recorded = try await store.batch(old)
        XCTAssertEqual(proof.root, recorded?.newRoot)
        XCTAssertEqual(proof.account, Account(balance: UInt256(1_003_000), nonce: 0))
        XCTAssertTrue(proof.verify())
        XCTAssertEqual(engine.historicalRebuilds, 1)
        // A second claim against the same batch is served from the kept state; another address too.
        let again = try await engine.historicalAccount(alice.address, atBatch: old)
        XCTAssertEqual(again.account, Account(balance: UInt256(1_000_000 - 3 * 1_001), nonce: 3))
        XCTAssertTrue(again.verify())
        XCTAssertEqual(engine.historicalRebuilds, 1, "served from the kept state")
        // Two old batches asked in turn (the newest final commitment and the one before it) are
        // both kept: no rebuild per request. A third evicts the least recently used.
        let older = batchOf[1]
        for _ in 0 ..< 3 {
            _ = try await engine.historicalAccount(bob.address, atBatch: older)
            _ = try await engine.historicalAccount(bob.address, atBatch: old)
        }
        XCTAssertEqual(engine.historicalRebuilds, 2, "two states kept, each rebuilt once")
        _ = try await engine.historicalAccount(bob.address, atBatch: batchOf[0])
        _ = try await engine.historicalAccount(bob.address, atBatch: old)
        XCTAssertEqual(engine.historicalRebuilds, 3, "the most recently used state survived the eviction")
        // Retained batches still come from memory.
        let head = try await engine.historicalAccount(bob.address, atBatch: engine.head.batch)
        XCTAssertEqual(head.account.balance, UInt256(1_000_000 + 8_000))
        await engine.stop()
        await store.close()
    }
}
