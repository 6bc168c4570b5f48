import XCTest
import ZK
@testable import Settlement

final class NoteTreeTests: XCTestCase {
    static func randomCommitments(_ n: Int, _ rng: inout SeededGenerator) -> [Fr] {
        (0 ..< n).map { _ in Fr.random(using: &rng) }
    }

    /// The root by the definition alone: every level of the full depth-32 tree from the leaves,
    /// the empty parts as `Z_h` computed here (not `NoteTree.emptyHashes`).
    static func naiveRoot(_ leaves: [Fr]) -> Fr {
        var z: [Fr] = [.zero]
        for h in 0 ..< 32 { z.append(Poseidon.hash([z[h], z[h]])) }
        var level = leaves
        for h in 0 ..< 32 {
            var up: [Fr] = []
            var i = 0
            repeat {
                let left = i < level.count ? level[i] : z[h]
                let right = i + 1 < level.count ? level[i + 1] : z[h]
                up.append(Poseidon.hash([left, right]))
                i += 2
            } while i < level.count
            level = up
        }
        return level[0]
    }

    func testEmptyTreeRootIsZ32() {
        let tree = NoteTree()
        XCTAssertEqual(tree.count, 0)
        XCTAssertEqual(tree.root, Self.naiveRoot([]))
        XCTAssertEqual(NoteTree.emptyHashes.count, 33)
        XCTAssertEqual(NoteTree.emptyHashes[0], .zero)
        XCTAssertNil(tree.path(at: 0))
    }

    func testRootsMatchTheFullRecomputation() throws {
        var rng = SeededGenerator(seed: 1)
        for n in [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33] {
            let leaves = Self.randomCommitments(n, &rng)
            let tree = try NoteTree(commitments: leaves)
            XCTAssertEqual(tree.count, n)
            XCTAssertEqual(tree.root, Self.naiveRoot(leaves), "n = \(n)")
        }
    }

    /// Every leaf's path gives the root through the circuit's native Merkle function.
    func testPathsVerifyWithTheCircuitsMerkleFunction() throws {
        var rng = SeededGenerator(seed: 2)
        let leaves = Self.randomCommitments(21, &rng)
        let tree = try NoteTree(commitments: leaves)
        for (position, leaf) in leaves.enumerated() {
            let siblings = try XCTUnwrap(tree.path(at: position))
            XCTAssertEqual(siblings.count, 32)
            XCTAssertEqual(ConstraintSystem.merkleRootNative(leaf: leaf, pathBits: NoteTree.pathBits(of: position),
                                                             siblings: siblings), tree.root)
            // Another leaf, or the right leaf at another position, does not give the root.
            XCTAssertNotEqual(ConstraintSystem.merkleRootNative(leaf: leaf + .one, pathBits: NoteTree.pathBits(of: position),
                                                                siblings: siblings), tree.root)
            XCTAssertNotEqual(ConstraintSystem.merkleRootNative(leaf: leaf, pathBits: NoteTree.pathBits(of: position ^ 1),
                                                                siblings: siblings), tree.root)
        }
        XCTAssertNil(tree.path(at: 21))
        XCTAssertNil(tree.path(at: -1))
    }

    /// Batches of any sizes give the roots and levels of one-by-one appends.
    func testBatchAppendEqualsOneByOne() throws {
        var rng = SeededGenerator(seed: 3)
        let leaves = Self.randomCommitments(70, &rng)
        var single = NoteTree()
        var roots: [Fr] = []
        for leaf in leaves { roots.append(try single.append(contentsOf: [leaf])) }
        for sizes in [[70], [1, 69], [2, 2, 2, 64], [3, 5, 8, 13, 21, 20], [31, 1, 1, 37], [0, 64, 0, 6]] {
            var batched = NoteTree()
            var done = 0
            for k in sizes {
                let root = try batched.append(contentsOf: Array(leaves[done ..< done + k]))
                done += k
                XCTAssertEqual(root, done == 0 ? NoteTree().root : roots[done - 1], "sizes \(sizes) after \(done)")
            }
            XCTAssertEqual(batched.levels, single.levels, "sizes \(sizes)")
        }
    }

    /// Level h holds exactly ceil(count / 2^h) nodes (the per-leaf memory bound).
    func testLevelsHoldOnlyNonEmptyNodes() throws {
        var rng = SeededGenerator(seed: 4)
        let tree = try NoteTree(commitments: Self.randomCommitments(37, &rng))
        for h in 0 ..< 32 { XCTAssertEqual(tree.levels[h].count, (37 + (1 << h) - 1) >> h, "height \(h)") }
    }

    func testCapacityIsRefusedWithATypedError() throws {
        XCTAssertNoThrow(try NoteTree.checkRoom(count: 0, appending: 1 << 32))
        XCTAssertNoThrow(try NoteTree.checkRoom(count: (1 << 32) - 2, appending: 2))
        XCTAssertThrowsError(try NoteTree.checkRoom(count: (1 << 32) - 1, appending: 2)) {
            XCTAssertEqual($0 as? NoteTreeError, .full(count: (1 << 32) - 1, appending: 2))
        }
        XCTAssertThrowsError(try NoteTree.checkRoom(count: 1 << 32, appending: 1))
        XCTAssertThrowsError(try NoteTree.checkRoom(count: 0, appending: (1 << 32) + 1))
        // An empty batch is a no-op.
        var tree = NoteTree()
        XCTAssertEqual(try tree.append(contentsOf: []), NoteTree().root)
        XCTAssertEqual(tree.count, 0)
    }

    /// A commitment of 0 (the empty leaf) is refused and changes nothing.
    func testZeroCommitmentIsRefused() throws {
        var tree = try NoteTree(commitments: [Fr(5)])
        let before = tree.root
        XCTAssertThrowsError(try tree.append(contentsOf: [Fr(6), .zero])) {
            XCTAssertEqual($0 as? NoteTreeError, .zeroCommitment(index: 1))
        }
        XCTAssertEqual(tree.root, before)
        XCTAssertEqual(tree.count, 1)
    }
}
