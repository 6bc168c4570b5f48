import XCTest
import ZK
@testable import Settlement

final class NullifierSetTests: XCTestCase {
    static func randomNullifiers(_ n: Int, _ rng: inout SeededGenerator) -> [Fr] {
        (0 ..< n).map { _ in Fr.random(using: &rng) }
    }

    /// The root by the definition, recursively over the set (no trie).
    static func naiveRoot(_ nullifiers: [Fr]) -> Digest32 {
        func subtree(_ items: [(PathKey, Digest32)], _ depth: Int) -> Digest32 {
            if items.isEmpty { return .zero }
            if items.count == 1 { return Keccak256.hash([0x01] + items[0].1.bytes) }
            let left = items.filter { $0.0.bit(depth) == 0 }, right = items.filter { $0.0.bit(depth) == 1 }
            return Keccak256.hash(subtree(left, depth + 1).bytes + subtree(right, depth + 1).bytes)
        }
        return subtree(nullifiers.map { nf in
            let key = Digest32(bytes: nf.bigEndianBytes)!
            return (PathKey(Keccak256.hash(key.bytes)), key)
        }, 0)
    }

    func testEmptySet() {
        let set = NullifierSet()
        XCTAssertEqual(set.root, .zero)
        XCTAssertEqual(set.count, 0)
        XCTAssertFalse(set.contains(.zero))
    }

    func testRootsMatchTheDefinition() throws {
        var rng = SeededGenerator(seed: 20)
        for n in [1, 2, 3, 10, 100, 1000] {
            let nfs = Self.randomNullifiers(n, &rng)
            var set = NullifierSet()
            try set.insert(contentsOf: nfs)
            XCTAssertEqual(set.root, Self.naiveRoot(nfs), "n = \(n)")
            XCTAssertEqual(set.count, n)
            for nf in nfs { XCTAssertTrue(set.contains(nf)) }
            XCTAssertEqual(Set(set.nullifiers), Set(nfs))
        }
        var single = NullifierSet()
        try single.insert(contentsOf: [Fr(7)])
        XCTAssertEqual(single.root, Keccak256.hash([0x01] + [UInt8](repeating: 0, count: 31) + [7]))
    }

    /// The root depends on the set only: any order, any split into batches.
    func testRootIsIndependentOfInsertionOrderAndBatches() throws {
        var rng = SeededGenerator(seed: 21)
        let nfs = Self.randomNullifiers(300, &rng)
        var reference = NullifierSet()
        try reference.insert(contentsOf: nfs)
        for trial in 0 ..< 5 {
            let shuffled = nfs.shuffled(using: &rng)
            var set = NullifierSet()
            var done = 0
            while done < shuffled.count {
                let k = min(shuffled.count - done, Int(rng.next() % UInt64(1 + 40 * trial)) + 1)
                try set.insert(contentsOf: Array(shuffled[done ..< done + k]))
                done += k
            }
            XCTAssertEqual(set.root, reference.root, "trial \(trial)")
        }
    }

    /// A double spend — a nullifier already in the set, or twice in one batch — refuses the whole
    /// batch, naming the offenders, and changes nothing.
    func testDuplicatesAreRefusedWithoutChange() throws {
        var rng = SeededGenerator(seed: 22)
        let old = Self.randomNullifiers(50, &rng)
        var set = NullifierSet()
        try set.insert(contentsOf: old)
        let before = set.root
        let fresh = Self.randomNullifiers(3, &rng)
        XCTAssertThrowsError(try set.insert(contentsOf: [fresh[0], old[7], fresh[1], old[30]])) {
            XCTAssertEqual($0 as? NullifierSetError, .present(indices: [1, 3]))
        }
        XCTAssertThrowsError(try set.insert(contentsOf: [fresh[0], fresh[1], fresh[0], fresh[2], fresh[0]])) {
            XCTAssertEqual($0 as? NullifierSetError, .present(indices: [2, 4]))
        }
        XCTAssertEqual(set.root, before)
        XCTAssertEqual(set.count, 50)
        for nf in fresh { XCTAssertFalse(set.contains(nf)) }
        // The same batch without the offenders goes in.
        try set.insert(contentsOf: fresh)
        XCTAssertEqual(set.root, Self.naiveRoot(old + fresh))
    }

    /// Against eth-hash's Keccak (Tests/vectors/shielded_tree_vectors.json).
    func testRootsMatchTheReferenceVectors() throws {
        let cases = NoteTreeVectorTests.vectors.nullifier_set
        XCTAssertGreaterThan(cases.count, 3)
        for c in cases {
            var set = NullifierSet()
            try set.insert(contentsOf: c.nullifiers.map(NoteTreeVectorTests.fr))
            XCTAssertEqual(set.root.description, c.root, "\(c.nullifiers.count) nullifiers")
        }
    }
}
