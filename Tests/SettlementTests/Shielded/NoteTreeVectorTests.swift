import Foundation
import XCTest
import ZK
@testable import Settlement

/// Against light-poseidon (Tests/vectors/shielded_tree_vectors.json, made by
/// Tests/vectors/make_shielded_tree_vectors.py and kept equal to a fresh generation by
/// Tests/interop/test_shielded_trees.py).
final class NoteTreeVectorTests: XCTestCase {
    struct NoteCase: Decodable {
        let leaves: [String]
        let root: String
        let paths: [[String]]
    }

    struct NullifierCase: Decodable {
        let nullifiers: [String]
        let root: String
    }

    struct Vectors: Decodable {
        let empty_hashes: [String]
        let note_tree: [NoteCase]
        let nullifier_set: [NullifierCase]
    }

    static let vectors: Vectors = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("vectors/shielded_tree_vectors.json")
        do {
            return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot load \(url.path): \(error)")
        }
    }()

    static func fr(_ s: String) -> Fr { Fr(decimal: s)! }

    func testEmptyHashes() {
        XCTAssertEqual(NoteTree.emptyHashes, Self.vectors.empty_hashes.map(Self.fr))
    }

    func testRootsAndPaths() throws {
        XCTAssertGreaterThan(Self.vectors.note_tree.count, 3)
        for c in Self.vectors.note_tree {
            let tree = try NoteTree(commitments: c.leaves.map(Self.fr))
            XCTAssertEqual(tree.root, Self.fr(c.root), "\(c.leaves.count) leaves")
            for (position, path) in c.paths.enumerated() {
                XCTAssertEqual(tree.path(at: position), path.map(Self.fr), "leaf \(position) of \(c.leaves.count)")
            }
        }
    }
}
