import XCTest
import ZK
@testable import Settlement
import SettlementTestSupport

/// Findings of an adversarial review of the fraud-proof layer over the shielded pool, each a test
/// of the property that was broken. The adversaries: a proposer whose posted lane holds a
/// transaction the pool cannot take (the arbiter does not verify lane proofs yet), and an
/// ordinary account holder whose transfer waits behind its own shield.
final class ShieldedReviewTests: XCTestCase {
    let engineTests = ShieldedEngineTests(name: "builders", testClosure: { _ in })
    let alice = try! SpendingKey.generate()

    /// A lane transaction that passes the lane's checks (shape, binding, a recent root, unspent
    /// nullifiers, the pool account can pay its fee) but that the pool refuses (a zero
    /// commitment: not provable, but nothing in the re-execution checks its proof) is refused by
    /// the trace — and a refused transaction must leave the state as it was: the fee it would
    /// have paid must not move.
    func testALaneTransactionThePoolRefusesLeavesTheAccountsUnchangedInTheTrace() {
        let fixture = FraudProofFixture(seed: 91)
        var tx = BatchDataShieldedTests.shielded(.transfer, seed: 7, domain: fixture.rules.domain)
        tx.statement.root = NoteTree.emptyHashes[NoteTree.depth]
        tx.statement.commitments[0] = .zero
        var accounts = fixture.tree
        accounts.update([(address: .shieldedPool, account: Account(balance: 10))])
        var state = RollupState(accounts: accounts, windowCapacity: fixture.rules.shieldedRootWindow)
        let before = state.root
        let trace = BatchTrace.execute(BatchData.Batch(number: 1, transfers: [], shielded: [tx]), on: &state, rules: fixture.rules)
        XCTAssertNotNil(trace.rejections[0], "the pool refuses a zero commitment")
        XCTAssertEqual(trace.roots[1], before, "a refused lane transaction changes nothing")
        XCTAssertEqual(state.accounts.account(.shieldedPool)?.balance, 10, "the pool account paid no fee")
        XCTAssertEqual(state.root, before)
    }

    /// An account shields (nonce 0) while its transfer with nonce 1 already waits in the pool
    /// for the gap: once the shield is sequenced the gap is filled, so the transfer must be
    /// sequenced too, not rejected for a nonce gap when `future_nonce_timeout_ms` runs out. The
    /// same happens after a chain revert to a transfer that followed a reverted shield of its
    /// account: both are offered again, the transfer is held behind the shield's nonce.
    func testATransferHeldBehindItsAccountsShieldIsSequencedAfterTheShield() async throws {
        var f = engineTests.fixture(window: 8)
        // Long enough for the shield's admission (its proof is built before): the transfer is
        // rejected only if the gap is never filled.
        f.config.futureNonceTimeoutMs = 10_000
        let e = try await f.engine()
        let shield = try engineTests.makeShield(e, f, account: 0, value: 100, to: alice, nonce: 0)
        let transfer = f.transfer(from: 0, to: 1, value: 10, nonce: 1)
        async let held = e.submitAndWait(transfer)
        while !e.pool.contains(transfer.id) { await Task.yield() }
        let r = try await e.submitShieldedAndWait(shield)
        XCTAssertEqual(r.status, .sequenced, r.reason)
        let receipt = try await held
        XCTAssertEqual(receipt.status, .sequenced, "the shield filled the nonce gap: \(receipt.reason)")
        await e.stop()
    }

    /// The proposer's defense rebuilds the state after any batch from the store's newest snapshot
    /// at or before it and the later diffs: with a snapshot taken after the pool was used and
    /// after the root window filled, every rebuilt root is the recorded one and the rebuilt
    /// window at the head is the engine's (a spend proven under an old root is judged alike).
    func testTheDefenseLoaderRebuildsFromASnapshotTakenAfterThePoolWasUsed() async throws {
        let traceTests = ShieldedTraceTests(name: "builders", testClosure: { _ in })
        let (e, f, store, used) = try await traceTests.usedPoolChain()
        // Ten more batches (a window of 8 fills), a snapshot in their middle, then five more.
        var nonce: UInt64 = 2
        func transfer() async throws -> UInt64 {
            let r = try await e.submitAndWait(f.transfer(from: 1, to: 0, value: 1, nonce: nonce))
            XCTAssertEqual(r.status, .sequenced, r.reason)
            nonce += 1
            return r.batchNumber
        }
        var snapshotAt: UInt64 = 0
        for _ in 0..<10 { snapshotAt = try await transfer() }
        let snapshot = try await store.snapshot(atBatch: snapshotAt)
        try await store.saveSnapshot(XCTUnwrap(snapshot))
        var head: UInt64 = 0
        for _ in 0..<5 { head = try await transfer() }
        XCTAssertGreaterThan(snapshotAt, used)
        let loader = ProposerDefense.stateLoader(from: store, shieldedRootWindow: f.config.shielded!.rootWindow)
        for n in 1...head {
            let loaded = try await loader(n)
            let recorded = try await store.batch(n)!.newRoot
            XCTAssertEqual(loaded.root, recorded, "the state after batch \(n)")
        }
        let atHead = try await loader(head)
        XCTAssertEqual(atHead.pool.window.roots, e.shieldedHead.recentRoots, "the rebuilt window is the engine's")
        XCTAssertEqual(atHead.shieldedRoots, e.shieldedHead.roots)
        await e.stop()
    }

    /// `keepUndo(last:)` keeps the undo of exactly the last `n` closed batches: those roll back
    /// exactly, one more is refused.
    func testKeepUndoKeepsTheLastBatches() throws {
        var pool = ShieldedPool(windowCapacity: 4, undoLimit: .max)
        for k in 1...3 {
            try pool.apply(nullifiers: [Fr(UInt64(100 + k))], commitments: [Fr(UInt64(k)), Fr(UInt64(10 + k))])
            pool.endBatch()
        }
        var afterFirst = ShieldedPool(windowCapacity: 4, undoLimit: .max)
        try afterFirst.apply(nullifiers: [Fr(101)], commitments: [Fr(1), Fr(11)])
        afterFirst.endBatch()
        pool.keepUndo(last: 2)
        XCTAssertEqual(pool.rollbackDepth, 2)
        XCTAssertThrowsError(try { var p = pool; try p.rollBack(batches: 3) }())
        try pool.rollBack(batches: 2)
        XCTAssertEqual(pool.roots, afterFirst.roots)
        XCTAssertEqual(pool.window, afterFirst.window)
    }
}
