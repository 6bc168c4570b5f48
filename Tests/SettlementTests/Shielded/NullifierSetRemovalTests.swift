import XCTest
import ZK
@testable import Settlement

extension NullifierSet {
    /// Storage as comparable values: root link, nodes (hashes and links) and leaves.
    var storage: [[UInt8]] {
        var out: [[UInt8]] = [withUnsafeBytes(of: rootLink.bigEndian, Array.init)]
        for n in nodes {
            out.append(n.leftHash.bytes + n.rightHash.bytes + withUnsafeBytes(of: n.left.bigEndian, Array.init)
                + withUnsafeBytes(of: n.right.bigEndian, Array.init))
        }
        for l in leaves { out.append(l.nullifier.bytes + [0xff]) }
        return out
    }

    /// Every rule of the representation that the root alone does not show; empty when it holds:
    /// stored hashes are the children's, every node has two or more leaves below it (compact
    /// form), leaves sit on their paths, every stored node and leaf is reachable exactly once,
    /// and the index finds every leaf.
    func structuralProblems() -> [String] {
        var problems: [String] = []
        var seenNodes = Set<Int32>(), seenLeaves = Set<Int32>()
        var prefix: [Int] = []
        func walk(_ link: Int32) -> (hash: Digest32, leaves: Int) {
            if link == 0 { return (.zero, 0) }
            if link < 0 {
                let leaf = leaves[Int(~link)]
                if !seenLeaves.insert(~link).inserted { problems.append("leaf \(~link) reached twice") }
                for (d, bit) in prefix.enumerated() where leaf.path.bit(d) != bit {
                    problems.append("leaf \(~link) off its path at depth \(d)")
                }
                return (Self.leafHash(leaf.nullifier), 1)
            }
            if !seenNodes.insert(link).inserted { problems.append("node \(link) reached twice") }
            let node = nodes[Int(link)]
            prefix.append(0)
            let l = walk(node.left)
            prefix[prefix.count - 1] = 1
            let r = walk(node.right)
            prefix.removeLast()
            if l.hash != node.leftHash || r.hash != node.rightHash { problems.append("node \(link): stale hash") }
            if l.leaves + r.leaves < 2 { problems.append("node \(link): not compact") }
            return (Keccak256.hash(left: l.hash, right: r.hash), l.leaves + r.leaves)
        }
        let top = walk(rootLink)
        if top.hash != root { problems.append("root differs from the tree") }
        if seenNodes.count != nodes.count - 1 { problems.append("\(nodes.count - 1 - seenNodes.count) unreachable nodes") }
        if seenLeaves.count != leaves.count { problems.append("\(leaves.count - seenLeaves.count) unreachable leaves") }
        for (i, leaf) in leaves.enumerated() where findLeaf(leaf.nullifier) != Int32(i) {
            problems.append("index misses leaf \(i)")
        }
        if slots.filter({ $0 >= 0 }).count != leaves.count { problems.append("index holds stale entries") }
        return problems
    }
}

/// `NullifierSet.remove(contentsOf:)`: the exact inverse of inserts, for rolling batches back.
final class NullifierSetRemovalTests: XCTestCase {
    /// `count` nullifiers whose keccak paths share long prefixes, found by search over small
    /// counters: the pairs of nearest paths among 2¹⁶ candidates (about 32 shared bits each),
    /// plus every candidate sharing the first 10 bits with the first pair (a dense cluster).
    static func adversarialNullifiers() -> (all: [Fr], sharedBits: Int) {
        let candidates = (1 ... 65536).map { Fr(UInt64($0)) }
        let paths = candidates.map { NullifierSet.path(NullifierSet.key($0)) }
        let order = candidates.indices.sorted { paths[$0] < paths[$1] }
        var pairs: [(shared: Int, a: Int, b: Int)] = []
        for k in order.indices.dropFirst() {
            pairs.append((paths[order[k]].commonPrefixLength(paths[order[k - 1]]), order[k - 1], order[k]))
        }
        pairs.sort { $0.shared > $1.shared }
        var chosen = Set<Int>()
        for p in pairs.prefix(12) { chosen.insert(p.a); chosen.insert(p.b) }
        let anchor = paths[pairs[0].a]
        for i in candidates.indices where paths[i].commonPrefixLength(anchor) >= 10 { chosen.insert(i) }
        return (chosen.sorted().map { candidates[$0] }, pairs[0].shared)
    }

    func assertSound(_ set: NullifierSet, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(set.structuralProblems(), [], message, file: file, line: line)
    }

    /// Batches inserted one after the other, then removed last first (each in a shuffled order):
    /// each removal gives back the root and the very storage (nodes, leaves, links) recorded
    /// before the batch — for random nullifiers and for nullifiers with long shared path prefixes.
    func testRemovingTheLastBatchesRestoresRootAndStorage() throws {
        var rng = SeededGenerator(seed: 50)
        let adversarial = Self.adversarialNullifiers()
        XCTAssertGreaterThanOrEqual(adversarial.sharedBits, 28)
        let sources: [(String, [Fr])] = [
            ("random", NullifierSetTests.randomNullifiers(600, &rng)),
            ("shared prefixes", adversarial.all),
            ("mixed", (NullifierSetTests.randomNullifiers(100, &rng) + adversarial.all).shuffled(using: &rng)),
        ]
        for (name, all) in sources {
            var set = NullifierSet()
            var recorded: [(batch: [Fr], root: Digest32, storage: [[UInt8]])] = []
            var done = 0
            while done < all.count {
                let k = min(all.count - done, 1 + Int(rng.next() % 40))
                let batch = Array(all[done ..< done + k])
                recorded.append((batch, set.root, set.storage))
                try set.insert(contentsOf: batch)
                done += k
            }
            assertSound(set, name)
            for (i, r) in recorded.enumerated().reversed() {
                try set.remove(contentsOf: r.batch.shuffled(using: &rng))
                XCTAssertEqual(set.root, r.root, "\(name), batch \(i)")
                XCTAssertEqual(set.storage, r.storage, "\(name), batch \(i)")
                if i % 5 == 0 { assertSound(set, "\(name), batch \(i)") }
            }
            XCTAssertEqual(set.root, .zero)
            XCTAssertEqual(set.nodes.count, 1)
        }
    }

    /// Several batches removed in one call (a multi-batch rollback) give back the storage too.
    func testRemovingSeveralLastBatchesAtOnce() throws {
        var rng = SeededGenerator(seed: 51)
        var set = NullifierSet()
        try set.insert(contentsOf: NullifierSetTests.randomNullifiers(300, &rng))
        let root = set.root, storage = set.storage
        let later = (0 ..< 4).map { _ in NullifierSetTests.randomNullifiers(1 + Int(rng.next() % 50), &rng) }
        for batch in later { try set.insert(contentsOf: batch) }
        try set.remove(contentsOf: later.flatMap { $0 }.shuffled(using: &rng))
        XCTAssertEqual(set.root, root)
        XCTAssertEqual(set.storage, storage)
    }

    /// Arbitrary removals (not of the last batches, in any order and any chunks): the root is the
    /// one a fresh set of the remaining nullifiers has, the representation stays sound, membership
    /// follows, and inserting the removed ones again gives back the full set's root.
    func testArbitraryRemovalsGiveTheRootOfAFreshSet() throws {
        var rng = SeededGenerator(seed: 52)
        let adversarial = Self.adversarialNullifiers().all
        for trial in 0 ..< 4 {
            let all = NullifierSetTests.randomNullifiers(300, &rng) + (trial % 2 == 1 ? adversarial : [])
            var set = NullifierSet()
            var done = 0
            while done < all.count {
                let k = min(all.count - done, 1 + Int(rng.next() % 60))
                try set.insert(contentsOf: Array(all[done ..< done + k]))
                done += k
            }
            let fullRoot = set.root
            let removed = Array(all.shuffled(using: &rng).prefix(all.count / 2 + trial * 20))
            let removedSet = Set(removed)
            var gone = 0
            while gone < removed.count {
                let k = min(removed.count - gone, 1 + Int(rng.next() % 30))
                try set.remove(contentsOf: Array(removed[gone ..< gone + k]))
                gone += k
                assertSound(set, "trial \(trial), removed \(gone)")
            }
            let remaining = all.filter { !removedSet.contains($0) }
            var fresh = NullifierSet()
            try fresh.insert(contentsOf: remaining)
            XCTAssertEqual(set.root, fresh.root, "trial \(trial)")
            XCTAssertEqual(set.root, NullifierSetTests.naiveRoot(remaining), "trial \(trial)")
            XCTAssertEqual(set.count, remaining.count)
            XCTAssertEqual(Set(set.nullifiers), Set(remaining))
            for nf in removed.prefix(50) { XCTAssertFalse(set.contains(nf)) }
            for nf in remaining.prefix(50) { XCTAssertTrue(set.contains(nf)) }
            try set.insert(contentsOf: removed)
            XCTAssertEqual(set.root, fullRoot, "trial \(trial)")
            assertSound(set, "trial \(trial), reinserted")
        }
    }

    /// The order of removal does not matter: the same nullifiers removed in different orders and
    /// chunkings give the same root.
    func testRemovalOrderDoesNotMatter() throws {
        var rng = SeededGenerator(seed: 53)
        let all = NullifierSetTests.randomNullifiers(200, &rng) + Self.adversarialNullifiers().all
        let removed = Array(all.shuffled(using: &rng).prefix(120))
        var roots = Set<Digest32>()
        for _ in 0 ..< 5 {
            var set = NullifierSet()
            try set.insert(contentsOf: all)
            let order = removed.shuffled(using: &rng)
            var gone = 0
            while gone < order.count {
                let k = min(order.count - gone, 1 + Int(rng.next() % 40))
                try set.remove(contentsOf: Array(order[gone ..< gone + k]))
                gone += k
            }
            roots.insert(set.root)
        }
        XCTAssertEqual(roots.count, 1)
    }

    /// The adversary is a rollback that does not match what was inserted: removing a nullifier
    /// that is absent, or the same one twice, is refused whole with the set unchanged.
    func testRemovingAbsentOrRepeatedNullifiersIsRefusedWithoutChange() throws {
        var rng = SeededGenerator(seed: 54)
        let present = NullifierSetTests.randomNullifiers(40, &rng)
        var set = NullifierSet()
        try set.insert(contentsOf: present)
        let root = set.root, storage = set.storage
        let absent = NullifierSetTests.randomNullifiers(2, &rng)
        XCTAssertThrowsError(try set.remove(contentsOf: [present[3], absent[0], present[9], absent[1]])) {
            XCTAssertEqual($0 as? NullifierSetError, .absent(indices: [1, 3]))
        }
        XCTAssertThrowsError(try set.remove(contentsOf: [present[3], present[4], present[3]])) {
            XCTAssertEqual($0 as? NullifierSetError, .absent(indices: [2]))
        }
        XCTAssertEqual(set.root, root)
        XCTAssertEqual(set.storage, storage)
        XCTAssertTrue(set.contains(present[3]))
        XCTAssertEqual(try set.remove(contentsOf: []), root)
        var empty = NullifierSet()
        XCTAssertThrowsError(try empty.remove(contentsOf: [present[0]]))
    }
}
