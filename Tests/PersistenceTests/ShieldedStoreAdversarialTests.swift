import Foundation
import Persistence
import PostgresDriver
import Settlement
import SettlementTestSupport
import XCTest
import ZK

/// The shielded tables against what goes wrong: a chain revert (exactly the reverted batches'
/// rows go), a retried commit (a no-op) and another sequencer's batch with a different lane
/// (refused), a tampered database (a commitment ≥ r is refused, never reduced), oversized
/// queries, and the transparent path (no shielded row, no image).
final class ShieldedStoreAdversarialTests: PostgresTestCase {
    private func openStore(_ chain: StoreTestChain) async throws -> PostgresSettlementStore {
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        return store
    }

    private func count(_ table: String, _ conn: PostgresConnection, where condition: String = "true") async throws -> Int {
        try await conn.query("SELECT count(*) FROM \(table) WHERE \(condition)")[0].int(0)
    }

    private static let tables = ["shielded_transactions", "shielded_notes", "shielded_nullifiers", "shielded_roots"]

    func testARevertRemovesExactlyTheRevertedBatchesRows() async throws {
        var chain = StoreTestChain(), pool = ShieldedFixture()
        let store = try await openStore(chain)
        var sealed: [SealedBatch] = []
        for _ in 1...4 {
            let b = chain.makeBatch(transfers: 3, lane: pool.lane(accepted: 2, rejected: 1))
            try await store.commit(b)
            sealed.append(b)
        }
        let conn = try await connect()
        var before: [String: Int] = [:]
        for t in Self.tables { before[t] = try await count(t, conn, where: "batch_number <= 2") }

        _ = try await store.revertChain(fromBatch: 3, term: 0, commitmentIndex: nil)

        for t in Self.tables {
            let kept = try await count(t, conn)
            XCTAssertEqual(kept, before[t], "\(t) keeps exactly the rows of batches 1 and 2")
        }
        let archived = try await count("reverted_shielded_transactions", conn)
        XCTAssertEqual(archived, 6, "the lanes of batches 3 and 4 are archived")
        let notes = try await store.shieldedNotes(from: 0, limit: 100)
        XCTAssertEqual(notes.map(\.position), Array(0..<8))
        let gone = sealed[2].shieldedEffects!.nullifiers + sealed[3].shieldedEffects!.nullifiers
        let kept = sealed[1].shieldedEffects!.nullifiers[0]
        let spent = try await store.spentNullifiers(gone + [kept])
        XCTAssertEqual(spent, [kept: 2])
        let latest = try await store.latestShieldedRoots()
        XCTAssertEqual(latest?.batch, 2)

        // Like a reverted transfer: accepted reads REVERTED with its batch, refused reads unknown.
        let accepted = try await store.transaction(sealed[3].shielded[1].id)
        XCTAssertEqual(accepted?.status, .reverted)
        XCTAssertEqual(accepted?.batchNumber, 4)
        XCTAssertEqual(accepted?.index, 4)
        let refused = try await store.transaction(sealed[3].shielded[2].id)
        XCTAssertNil(refused)
        let many = try await store.transactions([sealed[2].shielded[0].id, sealed[0].shielded[0].id])
        XCTAssertEqual(many[sealed[2].shielded[0].id]?.status, .reverted)
        XCTAssertEqual(many[sealed[0].shielded[0].id]?.status, .sequenced)

        let loaded = try await store.persistedChain(upTo: 10)
        XCTAssertEqual(loaded.shielded.keys.sorted(), [1, 2])

        // The chain continues: a new batch 3 may spend the reverted batches' nullifiers again and
        // re-append at the freed positions.
        var redo = StoreTestChain()
        for b in sealed[..<2] { _ = redo.state.apply(diff: b.diff) }
        redo.nextNumber = 3
        var again = ShieldedFixture(notes: 8, counter: 0)
        again.counter = 6
        let batch3 = redo.makeBatch(transfers: 0, lane: again.lane(accepted: 1))
        XCTAssertEqual(batch3.shieldedEffects!.nullifiers, Array(sealed[2].shieldedEffects!.nullifiers.prefix(2)))
        try await store.commit(batch3)
        let respent = try await store.transaction(batch3.shielded[0].id)
        XCTAssertEqual(respent?.status, .sequenced)
        XCTAssertEqual(respent?.batchNumber, 3)
        await store.close()
    }

    func testARetriedCommitIsANoOpAndAnotherLaneIsRefused() async throws {
        var chain = StoreTestChain(), pool = ShieldedFixture()
        let store = try await openStore(chain)
        let b = chain.makeBatch(transfers: 3, lane: pool.lane(accepted: 2, rejected: 1))
        try await store.commit(b)
        try await store.commit(b)
        let conn = try await connect()
        for t in Self.tables {
            let n = try await count(t, conn)
            XCTAssertEqual(n, ["shielded_transactions": 3, "shielded_notes": 4, "shielded_nullifiers": 4, "shielded_roots": 1][t])
        }
        // Another sequencer's batch 1: same transfers and roots, a lane without its refused entry.
        let other = SealedBatch(number: b.number, prevRoot: b.prevRoot, newRoot: b.newRoot, createdAtMs: b.createdAtMs,
                                transactions: b.transactions, diff: b.diff, shielded: Array(b.shielded.prefix(2)),
                                shieldedEffects: b.shieldedEffects)
        do {
            try await store.commit(other)
            XCTFail("a different lane under a durable batch number must be refused")
        } catch let SettlementStoreError.batchConflict(number, detail) {
            XCTAssertEqual(number, 1)
            XCTAssertTrue(detail.contains("shielded"), detail)
        }
        await store.close()
    }

    func testAStoredValueAtOrAboveTheModulusIsCorrupt() async throws {
        var chain = StoreTestChain(), pool = ShieldedFixture()
        let store = try await openStore(chain)
        let batch = chain.makeBatch(transfers: 1, lane: pool.lane(accepted: 1))
        try await store.commit(batch)
        try await store.saveSnapshot(chain.state.snapshot())
        let conn = try await connect()
        // Exactly r: the smallest value that is not a field element (reducing it would read 0).
        try await conn.query("UPDATE shielded_notes SET commitment = $1 WHERE position = 1", [.bytes(Fr.modulus.bigEndianBytes)])
        do {
            _ = try await store.shieldedNotes(from: 0, limit: 10)
            XCTFail("a commitment ≥ r must be refused")
        } catch let SettlementStoreError.corrupt(message) {
            XCTAssertTrue(message.contains("note 1"), message)
        }
        do {
            _ = try await store.persistedChain(upTo: 1)
            XCTFail("an image with a commitment ≥ r must be refused")
        } catch SettlementStoreError.corrupt {}
        let scanBefore = try await store.shieldedNotes(from: 0, limit: 1)
        XCTAssertEqual(scanBefore.count, 1, "the notes before it still read")

        let original = batch.shieldedEffects!.notes[1].commitment.bigEndianBytes
        try await conn.query("UPDATE shielded_notes SET commitment = $1 WHERE position = 1", [.bytes(original)])
        let restored = try await store.committedBatches(after: 0, limit: 10)
        XCTAssertEqual(restored.first?.shielded, batch.shieldedEffects)
        try await conn.query("UPDATE shielded_nullifiers SET nullifier = $1 WHERE idx = 0", [.bytes([UInt8](repeating: 0xff, count: 32))])
        do {
            _ = try await store.committedBatches(after: 0, limit: 10)
            XCTFail("a nullifier ≥ r must be refused")
        } catch SettlementStoreError.corrupt {}
        await store.close()
    }

    func testTheTransparentPathWritesNoShieldedRow() async throws {
        var chain = StoreTestChain()
        let store = try await openStore(chain)
        for _ in 0..<3 { try await store.commit(chain.makeBatch(count: 20)) }
        try await store.saveSnapshot(chain.state.snapshot())
        try await store.commit(chain.makeBatch(count: 20))
        let conn = try await connect()
        for t in Self.tables + ["reverted_shielded_transactions"] {
            let n = try await count(t, conn)
            XCTAssertEqual(n, 0, t)
        }
        // An effects value with nothing in it (every lane entry refused) writes only the lane.
        var pool = ShieldedFixture()
        let (lane, _) = pool.lane(accepted: 0, rejected: 2)
        let empty = ShieldedBatchEffects(nullifiers: [], notes: [], rootsAfter: .empty)
        try await store.commit(chain.makeBatch(transfers: 1, lane: (lane, empty)))
        let roots = try await count("shielded_roots", conn)
        XCTAssertEqual(roots, 0)
        let latest = try await store.latestShieldedRoots()
        XCTAssertNil(latest)
        let loaded = try await store.persistedChain(upTo: 10)
        XCTAssertNil(loaded.shieldedBase)
        XCTAssertEqual(loaded.shielded, [:])
        await store.close()
    }

    func testQueriesAreBounded() async throws {
        let chain = StoreTestChain()
        let store = try await openStore(chain)
        let tooMany = (0..<(PostgresSettlementStore.maxNullifiersPerQuery + 1)).map { Fr(UInt64($0)) }
        do {
            _ = try await store.spentNullifiers(tooMany)
            XCTFail("more than maxNullifiersPerQuery nullifiers must be refused")
        } catch SettlementStoreError.requestTooLarge {}
        let most = try await store.spentNullifiers(Array(tooMany.dropLast()))
        XCTAssertEqual(most, [:])
        let none = try await store.shieldedNotes(from: .max, limit: .max)
        XCTAssertEqual(none, [])
        let zero = try await store.shieldedNotes(from: 0, limit: 0)
        XCTAssertEqual(zero, [])
        await store.close()
    }

    /// More batches changed the pool than an image carries roots for: the newest
    /// `rootHistoryLimit`, oldest first, and every commitment still.
    func testTheImagesRootHistoryIsBounded() async throws {
        var chain = StoreTestChain(), pool = ShieldedFixture()
        let store = try await openStore(chain)
        let batches = ShieldedPoolImage.rootHistoryLimit + 5
        var roots: [Fr] = []
        for _ in 0..<batches {
            let b = chain.makeBatch(transfers: 0, lane: pool.lane(accepted: 1))
            try await store.commit(b)
            roots.append(b.shieldedEffects!.rootsAfter.noteRoot)
        }
        try await store.saveSnapshot(chain.state.snapshot())
        let loaded = try await store.persistedChain(upTo: UInt64(batches))
        let image = try XCTUnwrap(loaded.shieldedBase)
        XCTAssertEqual(image.noteRootHistory.count, ShieldedPoolImage.rootHistoryLimit)
        XCTAssertEqual(image.noteRootHistory.first?.batch, 6)
        XCTAssertEqual(image.noteRootHistory.last?.batch, UInt64(batches))
        XCTAssertEqual(image.noteRootHistory.map(\.root), Array(roots.suffix(ShieldedPoolImage.rootHistoryLimit)))
        XCTAssertEqual(image.commitments.count, 2 * batches)
        XCTAssertEqual(image.nullifiers.count, 2 * batches)
        await store.close()
    }
}
