import Foundation
import Persistence
import PostgresDriver
import Settlement
import SettlementTestSupport
import XCTest
import ZK

/// The shielded lane in PostgreSQL (migration `0009_shielded`) and in the in-memory store that
/// stands in for it: written with its batch, read back by every path (status look-ups, scans,
/// followers, restarts with and without a snapshot), removed by a chain revert, and refused when
/// a stored value is not a field element.
final class ShieldedStoreTests: PostgresTestCase {
    typealias Store = SettlementStore & ReplicationStore & ChainRevertStore & FinalityStore

    /// Three batches: a lane of 3 accepted and 1 refused after 5 transfers, a transparent batch,
    /// and a lane of 2 accepted with no transfers.
    private func commitThree(_ store: some Store, _ chain: inout StoreTestChain, _ pool: inout ShieldedFixture) async throws -> [SealedBatch] {
        var sealed: [SealedBatch] = []
        sealed.append(chain.makeBatch(transfers: 5, lane: pool.lane(accepted: 3, rejected: 1)))
        sealed.append(chain.makeBatch(transfers: 4, lane: ([], nil)))
        sealed.append(chain.makeBatch(transfers: 0, lane: pool.lane(accepted: 2)))
        for b in sealed { try await store.commit(b) }
        return sealed
    }

    /// What both stores must answer after `commitThree`.
    private func checkReadBack(_ store: some Store, _ sealed: [SealedBatch]) async throws {
        let effects = sealed.compactMap(\.shieldedEffects)
        let allNotes = effects.flatMap(\.notes)
        let notes = try await store.shieldedNotes(from: 0, limit: 100)
        XCTAssertEqual(notes.map(\.position), Array(0..<10))
        XCTAssertEqual(notes.map(\.commitment), allNotes.map(\.commitment))
        XCTAssertEqual(notes.map(\.ciphertext), allNotes.map(\.ciphertext))
        XCTAssertEqual(notes.map(\.batch), Array(repeating: 1, count: 6) + [3, 3, 3, 3])
        let page = try await store.shieldedNotes(from: 5, limit: 2)
        XCTAssertEqual(page.map(\.position), [5, 6])
        let none = try await store.shieldedNotes(from: 10, limit: 100)
        XCTAssertEqual(none, [])

        let spentIn1 = effects[0].nullifiers[4], spentIn3 = effects[1].nullifiers[0]
        let refused = sealed[0].shielded[3].tx.statement.nullifiers[0]
        let spent = try await store.spentNullifiers([spentIn1, spentIn3, refused, Fr(123_456_789)])
        XCTAssertEqual(spent, [spentIn1: 1, spentIn3: 3], "a refused transaction's nullifiers are not spent")

        let latest = try await store.latestShieldedRoots()
        XCTAssertEqual(latest?.batch, 3)
        XCTAssertEqual(latest?.roots, effects[1].rootsAfter)

        // Status look-ups: numbered after the batch's transfers, with the batch's root.
        let accepted = sealed[0].shielded[1], rejected = sealed[0].shielded[3]
        let a = try await store.transaction(accepted.id)
        XCTAssertEqual(a?.status, .sequenced)
        XCTAssertEqual(a?.batchNumber, 1)
        XCTAssertEqual(a?.index, sealed[0].transactions.count + 1)
        XCTAssertEqual(a?.stateRoot, sealed[0].newRoot)
        let r = try await store.transaction(rejected.id)
        XCTAssertEqual(r?.status, .rejected)
        XCTAssertEqual(r?.reason, "a nullifier is already spent")
        XCTAssertEqual(r?.index, sealed[0].transactions.count + 3)
        let ids = [accepted.id, rejected.id, sealed[2].shielded[0].id, sealed[0].transactions[0].tx.id]
        let many = try await store.transactions(ids)
        XCTAssertEqual(many.count, 4)
        XCTAssertEqual(many[sealed[2].shielded[0].id]?.index, 0, "a lane without transfers starts at index 0")
        XCTAssertEqual(many[sealed[2].shielded[0].id]?.batchNumber, 3)
        XCTAssertEqual(many[accepted.id], a)

        let batch1 = try await store.batch(1)
        XCTAssertEqual(batch1?.transactionIds, sealed[0].transactions.map(\.tx.id) + sealed[0].shielded.map(\.id))

        // Followers: transfers then the lane, and the effects.
        let committed = try await store.committedBatches(after: 0, limit: 10)
        XCTAssertEqual(committed.map(\.number), [1, 2, 3])
        XCTAssertEqual(committed[0].transactions.map(\.id), batch1?.transactionIds)
        XCTAssertEqual(committed[0].transactions.suffix(4).map(\.accepted), [true, true, true, false])
        XCTAssertEqual(committed[0].transactions.last?.reason, "a nullifier is already spent")
        XCTAssertEqual(committed[0].shielded, sealed[0].shieldedEffects)
        XCTAssertNil(committed[1].shielded)
        XCTAssertEqual(committed[2].shielded, sealed[2].shieldedEffects)
        let tail = try await store.committedBatches(after: 2, limit: 10)
        XCTAssertEqual(tail.map(\.shielded), [sealed[2].shieldedEffects])

        // The commitment data's source: each batch's transfers, then its whole lane (refused
        // transactions included) in lane order, as executed.
        let data = try await store.batchData(from: 1, to: 3)
        XCTAssertEqual(data.batches.map(\.shielded), sealed.map { $0.shielded.map(\.tx) })
        XCTAssertEqual(data.batches.map(\.transfers), sealed.map { $0.transactions.map(\.tx.signed) })
        XCTAssertEqual(data.newRoot, sealed[2].newRoot)

        // Replay from genesis: no image, every batch's effects.
        let chain = try await store.persistedChain(upTo: 3)
        XCTAssertNil(chain.snapshot)
        XCTAssertNil(chain.shieldedBase)
        XCTAssertEqual(chain.shielded, [1: sealed[0].shieldedEffects!, 3: sealed[2].shieldedEffects!])
        let upTo2 = try await store.persistedChain(upTo: 2)
        XCTAssertEqual(upTo2.shielded, [1: sealed[0].shieldedEffects!])
    }

    func testALaneIsReadBackByEveryPathInPostgres() async throws {
        var chain = StoreTestChain(), pool = ShieldedFixture()
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        let sealed = try await commitThree(store, &chain, &pool)
        try await checkReadBack(store, sealed)

        // The lane's rows as stored: the canonical encoding, kind and status.
        let conn = try await connect()
        let rows = try await conn.query("SELECT idx, id, kind, status, encoded FROM shielded_transactions WHERE batch_number = 1 ORDER BY idx")
        XCTAssertEqual(try rows.map { try $0.int(0) }, Array(5..<9))
        XCTAssertEqual(try rows.map { try $0.bytes(1) }, sealed[0].shielded.map(\.id.bytes))
        XCTAssertEqual(try rows[0].int(2), Int(ShieldedTransaction.Kind.transfer.rawValue))
        XCTAssertEqual(try rows.map { try $0.int(3) }, [2, 2, 2, 1].map { $0 == 2 ? TransactionStatus.sequenced.rawValue : TransactionStatus.rejected.rawValue })
        XCTAssertEqual(try ShieldedTransaction(encoded: rows[2].bytes(4)), sealed[0].shielded[2].tx)

        // A restart reads the same chain: open on a new store.
        let reopened = PostgresSettlementStore(conninfo: url)
        let loaded = try await reopened.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        XCTAssertNil(loaded.shieldedBase)
        XCTAssertEqual(loaded.shielded, [1: sealed[0].shieldedEffects!, 3: sealed[2].shieldedEffects!])
        await reopened.close()
        await store.close()
    }

    func testALaneIsReadBackByEveryPathInMemory() async throws {
        var chain = StoreTestChain(), pool = ShieldedFixture()
        let store = InMemorySettlementStore()
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        let sealed = try await commitThree(store, &chain, &pool)
        try await checkReadBack(store, sealed)
        // A retry is a no-op; the same batch with another lane is refused.
        try await store.commit(sealed[0])
        let b = sealed[0]
        let other = SealedBatch(number: b.number, prevRoot: b.prevRoot, newRoot: b.newRoot, createdAtMs: b.createdAtMs,
                                transactions: b.transactions, diff: b.diff, shielded: Array(b.shielded.dropLast()),
                                shieldedEffects: b.shieldedEffects)
        do {
            try await store.commit(other)
            XCTFail("a different lane under a durable batch number must be refused")
        } catch is TestStoreError {}
        let notes = try await store.shieldedNotes(from: 0, limit: 100)
        XCTAssertEqual(notes.count, 10)
    }

    /// After `commitThree`: the finality side's accepted ids include the lanes' accepted
    /// entries, in execution order; a revert of batch 3 removes its lane and effects and reads
    /// its accepted entries REVERTED.
    private func checkFinalityAndRevert(_ store: some Store, _ sealed: [SealedBatch]) async throws {
        let accepted = try await store.acceptedTransactionIds(from: 1, to: 3)
        let expected = sealed.flatMap { b in
            (b.transactions.filter(\.accepted).map(\.tx.id) + b.shielded.filter(\.accepted).map(\.id)).map { (b.number, $0) }
        }
        XCTAssertEqual(accepted.map(\.id), expected.map(\.1))
        XCTAssertEqual(accepted.map(\.batch), expected.map(\.0))
        let lane = sealed[0].shielded
        let among = try await store.acceptedTransactionIds(from: 1, to: 3, among: [lane[0].id, lane[3].id])
        XCTAssertEqual(among.map(\.id), [lane[0].id], "a refused lane entry is not accepted")

        // The revert of batch 3 carries its accepted lane transactions (the leader offers them
        // again), and so does `reverts(after:)` (what followers read to announce REVERTED).
        let revert = try await store.revertChain(fromBatch: 3, term: 0, commitmentIndex: nil)
        let acceptedIn3 = sealed[2].shielded.filter(\.accepted)
        XCTAssertEqual(revert?.acceptedShielded.map(\.transaction), acceptedIn3.map(\.tx))
        XCTAssertEqual(revert?.acceptedShielded.map(\.batch), acceptedIn3.map { _ in 3 })
        let read = try await store.reverts(after: 0)
        XCTAssertEqual(read.map(\.acceptedShielded), [revert!.acceptedShielded])
        let notes = try await store.shieldedNotes(from: 0, limit: 100)
        XCTAssertEqual(notes.map(\.batch), Array(repeating: 1, count: 6))
        let spent = try await store.spentNullifiers(sealed[2].shieldedEffects!.nullifiers)
        XCTAssertEqual(spent, [:])
        let latest = try await store.latestShieldedRoots()
        XCTAssertEqual(latest?.batch, 1)
        let reverted = try await store.transaction(sealed[2].shielded[1].id)
        XCTAssertEqual(reverted?.status, .reverted)
        XCTAssertEqual(reverted?.batchNumber, 3)
        XCTAssertEqual(reverted?.index, 1)
        XCTAssertEqual(reverted?.stateRoot, sealed[2].newRoot)
        let chain = try await store.persistedChain(upTo: 3)
        XCTAssertEqual(chain.shielded, [1: sealed[0].shieldedEffects!])
        let followers = try await store.committedBatches(after: 0, limit: 10)
        XCTAssertEqual(followers.map(\.number), [1, 2])
    }

    func testFinalityIdsAndARevertInPostgres() async throws {
        var chain = StoreTestChain(), pool = ShieldedFixture()
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        try await checkFinalityAndRevert(store, try await commitThree(store, &chain, &pool))
        await store.close()
    }

    func testFinalityIdsAndARevertInMemory() async throws {
        var chain = StoreTestChain(), pool = ShieldedFixture()
        let store = InMemorySettlementStore()
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        try await checkFinalityAndRevert(store, try await commitThree(store, &chain, &pool))
    }

    /// With a snapshot: the pool's image at its batch, and only the later batches' effects.
    private func checkSnapshotImage(_ store: some Store) async throws {
        var chain = StoreTestChain(), pool = ShieldedFixture()
        let first = chain.makeBatch(transfers: 3, lane: pool.lane(accepted: 2, rejected: 1))
        let second = chain.makeBatch(transfers: 3, lane: pool.lane(accepted: 1))
        try await store.commit(first)
        try await store.commit(second)
        try await store.commit(chain.makeBatch(transfers: 3, lane: ([], nil)))
        try await store.saveSnapshot(chain.state.snapshot())
        let fourth = chain.makeBatch(transfers: 0, lane: pool.lane(accepted: 1))
        try await store.commit(fourth)

        let loaded = try await store.persistedChain(upTo: 4)
        XCTAssertEqual(loaded.snapshot?.batch, 3)
        let image = try XCTUnwrap(loaded.shieldedBase)
        XCTAssertEqual(image.batch, 3)
        XCTAssertEqual(image.commitments, (first.shieldedEffects!.notes + second.shieldedEffects!.notes).map(\.commitment))
        XCTAssertEqual(Set(image.nullifiers), Set(first.shieldedEffects!.nullifiers + second.shieldedEffects!.nullifiers))
        XCTAssertEqual(image.noteRootHistory.map(\.batch), [1, 2])
        XCTAssertEqual(image.noteRootHistory.map(\.root), [first, second].map { $0.shieldedEffects!.rootsAfter.noteRoot })
        XCTAssertEqual(loaded.shielded, [4: fourth.shieldedEffects!])
        let atSnapshot = try await store.persistedChain(upTo: 3)
        XCTAssertEqual(atSnapshot.shieldedBase?.commitments, image.commitments)
        XCTAssertEqual(atSnapshot.shielded, [:])
    }

    func testASnapshotCarriesThePoolsImageInPostgres() async throws {
        let chain = StoreTestChain()
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        try await checkSnapshotImage(store)
        await store.close()
    }

    func testASnapshotCarriesThePoolsImageInMemory() async throws {
        let chain = StoreTestChain()
        let store = InMemorySettlementStore()
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        try await checkSnapshotImage(store)
    }

    /// A snapshot before the pool's first note: no image (the pool starts empty).
    func testASnapshotBeforeThePoolHasNoImage() async throws {
        var chain = StoreTestChain(), pool = ShieldedFixture()
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        try await store.commit(chain.makeBatch(transfers: 2, lane: ([], nil)))
        try await store.saveSnapshot(chain.state.snapshot())
        let later = chain.makeBatch(transfers: 2, lane: pool.lane(accepted: 1))
        try await store.commit(later)
        let loaded = try await store.persistedChain(upTo: 2)
        XCTAssertEqual(loaded.snapshot?.batch, 1)
        XCTAssertNil(loaded.shieldedBase)
        XCTAssertEqual(loaded.shielded, [2: later.shieldedEffects!])
        await store.close()
    }
}
