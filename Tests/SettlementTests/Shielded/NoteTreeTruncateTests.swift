import XCTest
import ZK
@testable import Settlement

/// `NoteTree.truncate(to:)`: the exact inverse of appends, for rolling batches back.
final class NoteTreeTruncateTests: XCTestCase {
    /// Same leaves, same nodes at every level, same root: the tree is the one built directly.
    func assertSameTree(_ a: NoteTree, _ b: NoteTree, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.root, b.root, message, file: file, line: line)
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        XCTAssertEqual(a.levels, b.levels, message, file: file, line: line)
    }

    /// Batches appended one after the other, then truncated back batch by batch: each truncation
    /// gives back the root and the levels recorded before the batch.
    func testTruncateRestoresTheRootRecordedBeforeEachBatch() throws {
        var rng = SeededGenerator(seed: 40)
        for trial in 0 ..< 3 {
            var tree = NoteTree()
            var recorded: [NoteTree] = [tree]
            let all = NoteTreeTests.randomCommitments(100 + 37 * trial, &rng)
            var done = 0
            while done < all.count {
                let k = min(all.count - done, Int(rng.next() % 23))
                try tree.append(contentsOf: Array(all[done ..< done + k]))
                done += k
                recorded.append(tree)
            }
            for earlier in recorded.reversed() {
                try tree.truncate(to: earlier.count)
                assertSameTree(tree, earlier, "trial \(trial), count \(earlier.count)")
            }
            XCTAssertEqual(tree.root, NoteTree.emptyHashes[NoteTree.depth])
        }
    }

    /// For every split point of a 40-leaf tree, with discarded suffixes of several lengths: append
    /// the prefix, append junk, truncate the junk, append the rest — the same tree as appending
    /// everything directly. Crosses every power-of-two boundary below 64.
    func testAppendTruncateAppendEqualsDirectAppends() throws {
        var rng = SeededGenerator(seed: 41)
        let all = NoteTreeTests.randomCommitments(40, &rng)
        let direct = try NoteTree(commitments: all)
        XCTAssertEqual(direct.root, NoteTreeTests.naiveRoot(all))
        var prefix = NoteTree()
        for split in 0 ... all.count {
            let junk = [1, 2, 3, 8, 33][split % 5]
            var tree = prefix
            try tree.append(contentsOf: NoteTreeTests.randomCommitments(junk, &rng))
            try tree.truncate(to: split)
            assertSameTree(tree, prefix, "split \(split), junk \(junk)")
            try tree.append(contentsOf: Array(all.dropFirst(split)))
            assertSameTree(tree, direct, "split \(split), junk \(junk)")
            if split < all.count { try prefix.append(contentsOf: [all[split]]) }
        }
    }

    /// Truncating to several counts at once (a multi-batch rollback) and paths after it.
    func testTruncateByManyBatchesGivesTheSamePaths() throws {
        var rng = SeededGenerator(seed: 42)
        let all = NoteTreeTests.randomCommitments(300, &rng)
        let full = try NoteTree(commitments: all)
        for target in [0, 1, 2, 127, 128, 129, 299] {
            var tree = full
            try tree.truncate(to: target)
            let fresh = try NoteTree(commitments: Array(all.prefix(target)))
            assertSameTree(tree, fresh, "target \(target)")
            for p in [0, target / 2, target - 1] where p >= 0 && p < target {
                XCTAssertEqual(tree.path(at: p), fresh.path(at: p))
            }
            XCTAssertNil(tree.path(at: target))
            XCTAssertEqual(tree.appendProof(), fresh.appendProof())
        }
    }

    /// A rollback asking for leaves the tree never had (more than `count`, or negative) is
    /// refused, with the tree unchanged; truncating to `count` changes nothing.
    func testTruncateBeyondCountIsRefusedWithoutChange() throws {
        var rng = SeededGenerator(seed: 43)
        var tree = try NoteTree(commitments: NoteTreeTests.randomCommitments(10, &rng))
        let before = tree
        XCTAssertThrowsError(try tree.truncate(to: 11)) {
            XCTAssertEqual($0 as? NoteTreeError, .truncateBeyondCount(count: 10, to: 11))
        }
        XCTAssertThrowsError(try tree.truncate(to: -1)) {
            XCTAssertEqual($0 as? NoteTreeError, .truncateBeyondCount(count: 10, to: -1))
        }
        assertSameTree(tree, before, "after refusals")
        XCTAssertEqual(try tree.truncate(to: 10), before.root)
        assertSameTree(tree, before, "after the no-op")
        var empty = NoteTree()
        XCTAssertThrowsError(try empty.truncate(to: 1))
        XCTAssertEqual(try empty.truncate(to: 0), NoteTree.emptyHashes[NoteTree.depth])
    }
}
