import XCTest
import ZK
@testable import Settlement

/// The shielded pool inside the state manager: its roots enter the state root, it rolls back
/// with the accounts, it is rebuilt from a snapshot and a persisted image into the same state,
/// and a stored batch whose recorded pool roots do not replay is refused.
final class ShieldedStateTests: XCTestCase {
    var rng = SeededGenerator(seed: 7)

    func randomEffects(_ pairs: Int) -> (nullifiers: [Fr], commitments: [Fr]) {
        ((0..<2 * pairs).map { _ in Fr.random(using: &rng) }, (0..<2 * pairs).map { _ in Fr.random(using: &rng) })
    }

    var funded: [Address] = []

    func genesis() -> StateDiff {
        funded = (0..<20).map { _ in rng.address() }
        return StateDiff(funded.map { (address: $0, account: rng.account()) })
    }

    func someDiff() -> StateDiff { StateDiff((0..<3).map { _ in (address: rng.address(), account: rng.account()) }) }

    /// The state root is the account root until the first note, then the composite root, and
    /// an account proof carries the pool's roots so it still verifies against it.
    func testThePoolEntersTheStateRootAndAccountProofsCarryIt() throws {
        let s = StateManager(retainedBatches: 8, shieldedRootWindow: 4)
        s.apply(diff: genesis())
        XCTAssertEqual(s.root, s.accountRoot, "an unused pool leaves the state root alone")
        let (nf, cm) = randomEffects(1)
        let root = try s.apply(diff: someDiff(), nullifiers: nf, commitments: cm)
        XCTAssertNotEqual(root, s.accountRoot)
        XCTAssertEqual(root, s.shielded.roots.stateRoot(accountRoot: s.accountRoot))
        let proof = try s.proofs([funded[0]])[0]
        XCTAssertEqual(proof.root, root)
        XCTAssertTrue(proof.verify())
        // A prover who hides the pool (claims it empty) or lies about a root is caught.
        let hidden = AccountProof(address: proof.address, account: proof.account, batch: proof.batch, root: root,
                                  proof: proof.proof, shieldedRoots: .empty, accountRoot: proof.accountRoot)
        XCTAssertFalse(hidden.verify())
        var lying = proof.shieldedRoots
        lying.nullifierRoot = Keccak256.hash(utf8: "another nullifier set")
        XCTAssertFalse(AccountProof(address: proof.address, account: proof.account, batch: proof.batch, root: root,
                                    proof: proof.proof, shieldedRoots: lying, accountRoot: proof.accountRoot).verify())
    }

    /// A rollback restores accounts, notes, nullifiers and the window: the same state root and
    /// the same answers to "is this spent" and "is this root recent" as before the undone batches.
    func testRollbackRestoresNotesNullifiersAndTheWindow() throws {
        let s = StateManager(retainedBatches: 8, shieldedRootWindow: 3)
        s.apply(diff: genesis())
        let (nf1, cm1) = randomEffects(2)
        try s.apply(diff: someDiff(), nullifiers: nf1, commitments: cm1)
        let before = (root: s.root, pool: s.shielded.roots, window: s.shielded.window)
        var undone: [Fr] = []
        for _ in 0..<4 {
            let (nf, cm) = randomEffects(1)
            undone += nf
            try s.apply(diff: someDiff(), nullifiers: nf, commitments: cm)
        }
        XCTAssertFalse(s.shielded.isRecentRoot(before.pool.noteRoot), "the window moved past the old root")
        XCTAssertEqual(try s.rollback(toBatch: 1), before.root)
        XCTAssertEqual(s.shielded.roots, before.pool)
        XCTAssertEqual(s.shielded.window, before.window)
        XCTAssertTrue(s.shielded.isRecentRoot(before.pool.noteRoot))
        XCTAssertFalse(undone.contains(where: s.shielded.isSpent), "the undone batches' nullifiers are unspent again")
        XCTAssertTrue(nf1.allSatisfy(s.shielded.isSpent))
    }

    /// A state rebuilt from a snapshot and the pool's image is the live state: the same root,
    /// window and spent set, and the next batch gives both the same root.
    func testRestoringFromASnapshotAndAnImageGivesTheLiveState() throws {
        for window in [1, 3, 10] {
            let live = StateManager(retainedBatches: 4, shieldedRootWindow: window)
            live.apply(diff: genesis())
            var history: [(batch: UInt64, root: Fr)] = []
            for b in 1...7 {
                if b % 3 == 0 {
                    live.apply(diff: someDiff())  // a batch without shielded transactions
                } else {
                    let (nf, cm) = randomEffects(b % 2 + 1)
                    try live.apply(diff: someDiff(), nullifiers: nf, commitments: cm)
                    history.append((UInt64(b), live.shielded.noteTree.root))
                }
            }
            let image = ShieldedPoolImage(batch: 7, commitments: live.shielded.noteTree.commitments,
                                          nullifiers: live.shielded.nullifiers.nullifiers, noteRootHistory: history)
            let restored = try StateManager(restoringFrom: live.snapshot(), shielded: image, retainedBatches: 4,
                                            shieldedRootWindow: window)
            XCTAssertEqual(restored.root, live.root)
            XCTAssertEqual(Set(restored.shielded.window.roots), Set(live.shielded.window.roots), "window \(window)")
            let (nf, cm) = randomEffects(1)
            let next = someDiff()
            XCTAssertEqual(try restored.apply(diff: next, nullifiers: nf, commitments: cm),
                           try live.apply(diff: next, nullifiers: nf, commitments: cm))
            // Without the image the snapshot's root does not come out: refused, nothing replaced.
            XCTAssertThrowsError(try StateManager(restoringFrom: live.snapshot(), retainedBatches: 4))
        }
    }

    /// A stored batch whose recorded pool roots are not what its effects give, or that spends a
    /// spent nullifier, is refused (a corrupt or forged store), never silently applied.
    func testReplayRefusesEffectsThatDoNotGiveTheRecordedRoots() throws {
        let s = StateManager(retainedBatches: 4)
        s.apply(diff: genesis())
        let (nf, cm) = randomEffects(1)
        let notes = cm.enumerated().map { AppendedNote(position: UInt64($0.offset), commitment: $0.element,
                                                       ciphertext: [UInt8](repeating: 0, count: 121)) }
        let wrong = ShieldedBatchEffects(nullifiers: nf, notes: notes, rootsAfter: .empty)
        XCTAssertThrowsError(try s.apply(diff: someDiff(), shielded: wrong))

        let t = StateManager(retainedBatches: 4)
        t.apply(diff: genesis())
        try t.apply(diff: .empty, nullifiers: nf, commitments: cm)
        let root = t.root
        XCTAssertThrowsError(try t.apply(diff: .empty, nullifiers: [nf[0]], commitments: [Fr.random(using: &rng)]),
                             "a nullifier spent twice")
        XCTAssertEqual(t.root, root, "the refused batch changed nothing")
    }
}
