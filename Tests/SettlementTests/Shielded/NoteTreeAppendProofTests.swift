import XCTest
import ZK
@testable import Settlement

/// `NoteAppendProof`: the one-step proof's check of a note append, knowing only the old root.
final class NoteTreeAppendProofTests: XCTestCase {
    /// For trees of every size up to 20 and batches of 0 to 3, the verifier's root is the tree's.
    func testRootAfterAppendMatchesTheTree() throws {
        var rng = SeededGenerator(seed: 10)
        var tree = NoteTree()
        for _ in 0 ..< 20 {
            let proof = tree.appendProof()
            for k in 0 ... 3 {
                let batch = NoteTreeTests.randomCommitments(k, &rng)
                var after = tree
                try after.append(contentsOf: batch)
                XCTAssertEqual(NoteTree.rootAfterAppend(batch, proof: proof, oldRoot: tree.root), after.root,
                               "count \(tree.count), k \(k)")
            }
            try tree.append(contentsOf: NoteTreeTests.randomCommitments(1, &rng))
        }
        // A larger batch through the frontier equals the level-by-level append.
        let proof = tree.appendProof()
        let batch = NoteTreeTests.randomCommitments(40, &rng)
        var after = tree
        try after.append(contentsOf: batch)
        XCTAssertEqual(NoteTree.rootAfterAppend(batch, proof: proof, oldRoot: tree.root), after.root)
    }

    /// A dishonest prover cannot move the append elsewhere: not to a later empty slot (leaving a
    /// gap: the state root does not commit to the count), not onto a filled slot, not with a
    /// changed sibling, not against another root, not with a zero commitment.
    func testDishonestAppendProofsAreRefused() throws {
        var rng = SeededGenerator(seed: 11)
        let tree = try NoteTree(commitments: NoteTreeTests.randomCommitments(11, &rng))
        let honest = tree.appendProof()
        let batch = NoteTreeTests.randomCommitments(2, &rng)
        XCTAssertNotNil(NoteTree.rootAfterAppend(batch, proof: honest, oldRoot: tree.root))
        let n = tree.count
        // Gaps: slot n + g is empty and its path is honest; the previous slot is empty too.
        for gap in 1 ... 5 {
            let slot = n + gap
            for last in [Fr.zero, tree.levels[0][n - 1], Fr.random(using: &rng)] {
                let proof = NoteAppendProof(count: slot, siblings: tree.siblings(of: slot), lastCommitment: last,
                                            lastSiblings: tree.siblings(of: slot - 1))
                XCTAssertNil(NoteTree.rootAfterAppend(batch, proof: proof, oldRoot: tree.root), "gap \(gap)")
            }
        }
        // Overwriting: a filled slot is not empty.
        for slot in 0 ..< n {
            let proof = NoteAppendProof(count: slot, siblings: tree.siblings(of: slot),
                                        lastCommitment: slot > 0 ? tree.levels[0][slot - 1] : nil,
                                        lastSiblings: slot > 0 ? tree.siblings(of: slot - 1) : [])
            XCTAssertNil(NoteTree.rootAfterAppend(batch, proof: proof, oldRoot: tree.root), "slot \(slot)")
        }
        // Every sibling of either path changed.
        for h in 0 ..< 32 {
            var s = honest.siblings
            s[h] += .one
            XCTAssertNil(NoteTree.rootAfterAppend(batch, proof: NoteAppendProof(
                count: n, siblings: s, lastCommitment: honest.lastCommitment, lastSiblings: honest.lastSiblings),
                oldRoot: tree.root))
            var l = honest.lastSiblings
            l[h] += .one
            XCTAssertNil(NoteTree.rootAfterAppend(batch, proof: NoteAppendProof(
                count: n, siblings: honest.siblings, lastCommitment: honest.lastCommitment, lastSiblings: l),
                oldRoot: tree.root))
        }
        XCTAssertNil(NoteTree.rootAfterAppend(batch, proof: NoteAppendProof(
            count: n, siblings: honest.siblings, lastCommitment: nil, lastSiblings: []), oldRoot: tree.root))
        XCTAssertNil(NoteTree.rootAfterAppend(batch, proof: NoteAppendProof(
            count: n, siblings: Array(honest.siblings.dropLast()), lastCommitment: honest.lastCommitment,
            lastSiblings: honest.lastSiblings), oldRoot: tree.root))
        XCTAssertNil(NoteTree.rootAfterAppend(batch, proof: honest, oldRoot: tree.root + .one))
        XCTAssertNil(NoteTree.rootAfterAppend([batch[0], .zero], proof: honest, oldRoot: tree.root))
        // The empty tree: no last commitment allowed, and a non-empty tree cannot pass for it.
        let empty = NoteTree()
        XCTAssertEqual(NoteTree.rootAfterAppend(batch, proof: empty.appendProof(), oldRoot: empty.root),
                       try NoteTree(commitments: batch).root)
        XCTAssertNil(NoteTree.rootAfterAppend(batch, proof: empty.appendProof(), oldRoot: tree.root))
    }

    /// At the last slot (2³² − 1) one more commitment fits, two do not. The paths are made up
    /// (the tree cannot be built in memory): any siblings define some full-minus-one tree's root.
    func testCapacityInTheVerifier() throws {
        var rng = SeededGenerator(seed: 12)
        let n = NoteTree.capacity - 1
        let upper = NoteTreeTests.randomCommitments(32, &rng)
        let previous = Fr.random(using: &rng)
        var slotSiblings = upper
        slotSiblings[0] = previous
        var lastSiblings = upper
        lastSiblings[0] = .zero
        let oldRoot = NoteTree.hashUp(.zero, position: n, siblings: slotSiblings)
        XCTAssertEqual(NoteTree.hashUp(previous, position: n - 1, siblings: lastSiblings), oldRoot)
        let proof = NoteAppendProof(count: n, siblings: slotSiblings, lastCommitment: previous, lastSiblings: lastSiblings)
        let c = Fr.random(using: &rng)
        XCTAssertEqual(NoteTree.rootAfterAppend([c], proof: proof, oldRoot: oldRoot),
                       NoteTree.hashUp(c, position: n, siblings: slotSiblings))
        XCTAssertNil(NoteTree.rootAfterAppend([c, c + .one], proof: proof, oldRoot: oldRoot))
        XCTAssertNil(NoteTree.rootAfterAppend([], proof: NoteAppendProof(
            count: NoteTree.capacity, siblings: slotSiblings, lastCommitment: previous, lastSiblings: lastSiblings),
            oldRoot: oldRoot))
    }
}
