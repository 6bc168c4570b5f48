import XCTest
import ZK
@testable import Settlement

/// `ShieldedPool`: the trees and the recent-root window as the engine holds them, batch by
/// batch, with exact rollback. The transactions are real `ShieldedTransaction` values whose
/// proofs are points but not proofs: the pool verifies none (that is `ShieldedVerifier`'s job).
final class ShieldedPoolTests: XCTestCase {
    let pointsOnly = Groth16.Proof(a: BN254G1.generator, b: BN254G2.generator, c: BN254G1.generator)

    func transaction(nullifiers: [Fr], commitments: [Fr]) -> ShieldedTransaction {
        let cts = [[UInt8](repeating: 1, count: ShieldedTransaction.ciphertextSize),
                   [UInt8](repeating: 2, count: ShieldedTransaction.ciphertextSize)]
        return ShieldedTransaction(
            kind: .transfer,
            statement: SpendStatement(root: Fr(11), nullifiers: nullifiers, commitments: commitments,
                                      publicIn: 0, publicOut: 0, fee: 1, binding: .zero),
            proof: pointsOnly, ciphertexts: cts)
    }

    func randomTransaction(_ rng: inout SeededGenerator) -> ShieldedTransaction {
        transaction(nullifiers: [Fr.random(using: &rng), Fr.random(using: &rng)],
                    commitments: [Fr.random(using: &rng), Fr.random(using: &rng)])
    }

    /// The pool rebuilt from scratch: each closed batch applied and ended, then the open one.
    func rebuilt(_ closed: [[ShieldedTransaction]], open: [ShieldedTransaction], like pool: ShieldedPool) throws -> ShieldedPool {
        var fresh = ShieldedPool(windowCapacity: pool.window.capacity, undoLimit: pool.undoLimit)
        for batch in closed {
            try fresh.apply(batch)
            fresh.endBatch()
        }
        try fresh.apply(open)
        return fresh
    }

    func assertSame(_ a: ShieldedPool, _ b: ShieldedPool, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.roots, b.roots, message, file: file, line: line)
        XCTAssertEqual(a.window, b.window, message, file: file, line: line)
        XCTAssertEqual(a.noteTree.levels, b.noteTree.levels, message, file: file, line: line)
        XCTAssertEqual(a.nullifiers.count, b.nullifiers.count, message, file: file, line: line)
        XCTAssertEqual(Set(a.nullifiers.nullifiers), Set(b.nullifiers.nullifiers), message, file: file, line: line)
        XCTAssertEqual(a.nullifiers.structuralProblems(), [], message, file: file, line: line)
    }

    /// The pool's state after batches: roots of the trees, the window of note roots, the view the
    /// verifier reads.
    func testApplyAndEndBatchFillTheTreesAndTheWindow() throws {
        var rng = SeededGenerator(seed: 60)
        var pool = ShieldedPool(windowCapacity: 3, undoLimit: 8)
        XCTAssertEqual(pool.roots, .empty)
        XCTAssertTrue(pool.isRecentRoot(NoteTree.emptyHashes[NoteTree.depth]))
        let txs = (0 ..< 3).map { _ in randomTransaction(&rng) }
        try pool.apply(Array(txs.prefix(2)))
        try pool.apply([txs[2]])
        pool.endBatch()
        let commitments = txs.flatMap(\.statement.commitments)
        let nullifiers = txs.flatMap(\.statement.nullifiers)
        let tree = try NoteTree(commitments: commitments)
        var set = NullifierSet()
        try set.insert(contentsOf: nullifiers)
        XCTAssertEqual(pool.roots, ShieldedRoots(notes: tree, nullifiers: set))
        XCTAssertEqual(pool.noteTree.commitments, commitments)
        XCTAssertEqual(pool.window.roots, [NoteTree.emptyHashes[NoteTree.depth], tree.root])
        XCTAssertTrue(pool.isRecentRoot(tree.root))
        for nf in nullifiers { XCTAssertTrue(pool.isSpent(nf)) }
        XCTAssertFalse(pool.isSpent(Fr.random(using: &rng)))
        // The verifier reads the pool as its view: a second spend of a nullifier is refused.
        var again = transaction(nullifiers: [nullifiers[0], Fr.random(using: &rng)], commitments: [Fr(5), Fr(6)])
        XCTAssertEqual(ShieldedVerifier.checkAgainstPool([again], pool: pool), [.staleRoot])
        again.statement.root = tree.root
        XCTAssertEqual(ShieldedVerifier.checkAgainstPool([again], pool: pool), [.nullifierSpent])
    }

    /// The adversary is a batch that double spends, or carries a zero commitment: the call is
    /// refused whole and changes nothing (no nullifier left behind by a refused append).
    func testRefusedApplyChangesNothing() throws {
        var rng = SeededGenerator(seed: 61)
        var pool = ShieldedPool(windowCapacity: 4, undoLimit: 4)
        let first = randomTransaction(&rng)
        try pool.apply([first])
        pool.endBatch()
        let before = pool
        let doubleSpend = transaction(nullifiers: [Fr.random(using: &rng), first.statement.nullifiers[1]],
                                      commitments: [Fr.random(using: &rng), Fr.random(using: &rng)])
        XCTAssertThrowsError(try pool.apply([randomTransaction(&rng), doubleSpend])) {
            XCTAssertEqual($0 as? ShieldedPoolError, .nullifiers(.present(indices: [3])))
        }
        assertSame(pool, before, "after a double spend")
        let fresh = randomTransaction(&rng)
        let zero = transaction(nullifiers: [Fr.random(using: &rng), Fr.random(using: &rng)], commitments: [Fr(9), .zero])
        XCTAssertThrowsError(try pool.apply([fresh, zero])) {
            XCTAssertEqual($0 as? ShieldedPoolError, .notes(.zeroCommitment(index: 3)))
        }
        assertSame(pool, before, "after a zero commitment")
        XCTAssertFalse(pool.isSpent(fresh.statement.nullifiers[0]))
        // The refused calls left no trace in the undo either: rolling back gives the empty pool.
        try pool.rollBack(batches: 1)
        assertSame(pool, ShieldedPool(windowCapacity: 4, undoLimit: 4), "rolled back")
    }

    /// Rolling back restores the window exactly, including the roots later batches pushed out
    /// of it; a rolled-back batch's nullifiers are unspent and its root no longer recent.
    func testRollbackRestoresEvictedWindowRoots() throws {
        var rng = SeededGenerator(seed: 62)
        var pool = ShieldedPool(windowCapacity: 2, undoLimit: 10)
        var windows: [RecentRootWindow] = [pool.window]
        var batches: [ShieldedTransaction] = []
        for _ in 0 ..< 6 {
            let tx = randomTransaction(&rng)
            batches.append(tx)
            try pool.apply([tx])
            pool.endBatch()
            windows.append(pool.window)
        }
        XCTAssertEqual(pool.window.roots.count, 2)
        for k in stride(from: 5, through: 0, by: -1) {
            let roots = pool.window.current
            try pool.rollBack(batches: 1)
            XCTAssertEqual(pool.window, windows[k], "after rolling back to \(k) batches")
            XCTAssertFalse(pool.isRecentRoot(roots))
            for nf in batches[k].statement.nullifiers { XCTAssertFalse(pool.isSpent(nf)) }
        }
        assertSame(pool, ShieldedPool(windowCapacity: 2, undoLimit: 10), "all rolled back")
    }

    /// Undo is kept for `undoLimit` batches: a deeper rollback is refused with nothing changed.
    func testRollbackBeyondTheUndoKeptIsRefused() throws {
        var rng = SeededGenerator(seed: 63)
        var pool = ShieldedPool(windowCapacity: 3, undoLimit: 2)
        for _ in 0 ..< 4 {
            try pool.apply([randomTransaction(&rng)])
            pool.endBatch()
        }
        XCTAssertEqual(pool.rollbackDepth, 2)
        let before = pool
        XCTAssertThrowsError(try pool.rollBack(batches: 3)) {
            XCTAssertEqual($0 as? ShieldedPoolError, .rollbackBeyondUndo(requested: 3, available: 2))
        }
        XCTAssertThrowsError(try pool.rollBack(batches: -1))
        assertSame(pool, before, "after refusals")
        try pool.rollBack(batches: 2)
        XCTAssertEqual(pool.rollbackDepth, 0)
        XCTAssertEqual(pool.noteTree.count, 4)
    }

    /// The property: after any sequence of apply / endBatch / rollBack (refused double spends
    /// included), the pool equals the pool rebuilt from scratch from the surviving batches —
    /// roots, counts, tree levels, nullifiers, window contents. Checked after every rollback and
    /// every tenth step (a rebuild is slow in a debug build).
    func testAnySequenceEqualsThePoolRebuiltFromTheSurvivingBatches() throws {
        var rng = SeededGenerator(seed: 64)
        for (capacity, limit) in [(1, 3), (3, 6), (5, 2)] {
            var pool = ShieldedPool(windowCapacity: capacity, undoLimit: limit)
            var closed: [[ShieldedTransaction]] = []
            var open: [ShieldedTransaction] = []
            var spent: [Fr] = []
            for step in 0 ..< 120 {
                var rolledBack = false
                switch rng.next() % 10 {
                case 0 ..< 4:
                    var txs = (0 ..< Int(rng.next() % 4)).map { _ in randomTransaction(&rng) }
                    if !spent.isEmpty && rng.next() % 5 == 0 {
                        // A double spend in the batch: refused, nothing changes.
                        txs.append(transaction(nullifiers: [spent.randomElement(using: &rng)!, Fr.random(using: &rng)],
                                               commitments: [Fr.random(using: &rng), Fr.random(using: &rng)]))
                        XCTAssertThrowsError(try pool.apply(txs))
                    } else {
                        try pool.apply(txs)
                        open += txs
                        spent += txs.flatMap(\.statement.nullifiers)
                    }
                case 4 ..< 8:
                    pool.endBatch()
                    closed.append(open)
                    open = []
                default:
                    let k = Int(rng.next() % UInt64(pool.rollbackDepth + 1))
                    try pool.rollBack(batches: k)
                    closed.removeLast(k)
                    open = []
                    spent = (closed.joined()).flatMap(\.statement.nullifiers)
                    rolledBack = true
                }
                if rolledBack || step % 10 == 9 {
                    assertSame(pool, try rebuilt(closed, open: open, like: pool), "capacity \(capacity), step \(step)")
                }
            }
        }
    }
}
