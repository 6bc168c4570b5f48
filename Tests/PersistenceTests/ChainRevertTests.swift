import Foundation
import Persistence
import PostgresDriver
import Settlement
import XCTest

/// Reverting the chain's tail in PostgreSQL (the store's half of the rollback after a lost game):
/// the live tables keep one unbroken chain ending at the last valid batch, the reverted batches
/// and transactions are archived, their transactions read REVERTED until executed again, and the
/// chain continues from the valid root with the same batch numbers.
final class ChainRevertTests: PostgresTestCase {
    func testRevertArchivesTheTailAndTheChainContinuesFromTheValidRoot() async throws {
        var chain = StoreTestChain()
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        chain.term = try await store.acquireLease(replica: "a", endpoint: "x:1", ttlMs: 60_000)!
        var sealed: [SealedBatch] = []
        for n in 1...5 {
            let b = chain.makeBatch(count: 20)
            try await store.commit(b)
            sealed.append(b)
            if n == 4 { try await store.saveSnapshot(chain.state.snapshot()) }
        }
        let rootAfter2 = sealed[1].newRoot
        let reverted = try await store.revertChain(fromBatch: 3, term: chain.term, commitmentIndex: 1)
        let r = try XCTUnwrap(reverted)
        XCTAssertEqual(r.fromBatch, 3)
        XCTAssertEqual(r.toBatch, 5)
        XCTAssertEqual(r.validRoot, rootAfter2)
        let acceptedIds = sealed[2...].flatMap { $0.transactions.filter(\.accepted).map(\.tx.id) }
        XCTAssertEqual(r.acceptedTransfers.map(\.id), acceptedIds, "the accepted transfers, in execution order")

        let head = try await store.latestBatchNumber()
        XCTAssertEqual(head, 2)
        let inReverted = try await store.transaction(acceptedIds[0])
        XCTAssertEqual(inReverted?.status, .reverted)
        XCTAssertEqual(inReverted?.batchNumber, 3)
        let stillThere = try await store.transaction(sealed[0].transactions.first { $0.accepted }!.tx.id)
        XCTAssertEqual(stillThere?.batchNumber, 1)
        // The snapshot at batch 4 described reverted state: gone; the chain reloads from batch 2.
        let persisted = try await store.persistedChain(upTo: 10)
        XCTAssertNil(persisted.snapshot)
        XCTAssertEqual(persisted.diffs.map(\.number), [0, 1, 2])
        let latest = try await store.latestRevert()
        XCTAssertEqual(latest?.id, r.id)
        XCTAssertEqual(latest?.fromBatch, 3)

        // A new batch 3 on the valid root commits; its transactions are live again.
        var redo = StoreTestChain()
        redo.term = chain.term
        for b in sealed[..<2] { _ = redo.state.apply(diff: b.diff) }
        redo.nextNumber = 3
        let again = redo.seal(r.acceptedTransfers)
        XCTAssertEqual(again.prevRoot, rootAfter2)
        try await store.commit(again)
        let back = try await store.transaction(acceptedIds[0])
        XCTAssertEqual(back?.batchNumber, 3)
        XCTAssertEqual(back?.status.isDurablyAccepted, true)

        // A deposed leader cannot revert.
        let newTerm = try await store.acquireLease(replica: "b", endpoint: "x:2", ttlMs: 60_000)
        XCTAssertNil(newTerm, "a's lease is live")
        try await store.releaseLease(replica: "a", term: chain.term)
        _ = try await store.acquireLease(replica: "b", endpoint: "x:2", ttlMs: 60_000)
        do {
            _ = try await store.revertChain(fromBatch: 2, term: chain.term, commitmentIndex: nil)
            XCTFail("a revert from an old term must be fenced")
        } catch is LeadershipLost {}
        let unchanged = try await store.latestBatchNumber()
        XCTAssertEqual(unchanged, 3)
        await store.close()
    }
}
