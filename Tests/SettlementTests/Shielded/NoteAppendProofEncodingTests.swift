import XCTest
import ZK
@testable import Settlement

/// The byte encoding of `NoteAppendProof` (carried by the one-step fraud proof): one encoding
/// per proof, strict decoding.
final class NoteAppendProofEncodingTests: XCTestCase {
    func proofs() throws -> [NoteAppendProof] {
        var rng = SeededGenerator(seed: 70)
        var tree = NoteTree()
        var out = [tree.appendProof()]
        for k in [1, 1, 3, 11] {
            try tree.append(contentsOf: NoteTreeTests.randomCommitments(k, &rng))
            out.append(tree.appendProof())
        }
        return out
    }

    /// Encodings round-trip, have the documented sizes, and the decoded proof still checks.
    func testEncodingRoundTripsWithTheDocumentedSizes() throws {
        var rng = SeededGenerator(seed: 71)
        let extra = NoteTreeTests.randomCommitments(2, &rng)
        var tree = NoteTree()
        for proof in try proofs() {
            let bytes = try XCTUnwrap(proof.serialized)
            XCTAssertEqual(bytes.count, proof.count == 0 ? 1028 : 2084)
            XCTAssertEqual(bytes.count, proof.count == 0 ? NoteAppendProof.encodedSizeEmpty : NoteAppendProof.encodedSize)
            let decoded = try NoteAppendProof(serialized: bytes)
            XCTAssertEqual(decoded, proof)
            XCTAssertEqual(decoded.serialized, bytes)
            if proof.count == tree.count {
                var after = tree
                try after.append(contentsOf: extra)
                XCTAssertEqual(NoteTree.rootAfterAppend(extra, proof: decoded, oldRoot: tree.root), after.root)
            }
        }
        try tree.append(contentsOf: NoteTreeTests.randomCommitments(3, &rng))
        let decoded = try NoteAppendProof(serialized: try XCTUnwrap(tree.appendProof().serialized))
        XCTAssertNotNil(NoteTree.rootAfterAppend(extra, proof: decoded, oldRoot: tree.root))
    }

    /// Every truncation and every extension is refused, for the empty tree's form and the other.
    func testEveryTruncationAndExtensionIsRefused() throws {
        for proof in try proofs().prefix(2) {
            let bytes = try XCTUnwrap(proof.serialized)
            for n in 0 ..< bytes.count {
                XCTAssertThrowsError(try NoteAppendProof(serialized: Array(bytes.prefix(n))), "prefix \(n)")
            }
            XCTAssertThrowsError(try NoteAppendProof(serialized: bytes + [0]))
            XCTAssertThrowsError(try NoteAppendProof(serialized: bytes + [UInt8](repeating: 0, count: 1056)))
        }
    }

    /// The adversary edits the bytes: a count whose form has the other length, and a field
    /// element ≥ r (which would alias a smaller one) are refused; a count edited within its form
    /// decodes, and the verifier refuses the proof.
    func testEditedBytesAreRefusedByTheDecoderOrTheVerifier() throws {
        let all = try proofs()
        var emptyForm = try XCTUnwrap(all[0].serialized)
        emptyForm[3] = 1  // count 1 in the 1,028-byte form
        XCTAssertThrowsError(try NoteAppendProof(serialized: emptyForm)) { e in
            guard case .malformed(let why)? = e as? StateError else { return XCTFail("\(e)") }
            XCTAssertTrue(why.contains("expected 2084"), why)
        }
        var fullForm = try XCTUnwrap(all[2].serialized)
        fullForm[0 ..< 4] = [0, 0, 0, 0]  // count 0 in the 2,084-byte form
        XCTAssertThrowsError(try NoteAppendProof(serialized: fullForm))
        for offset in [4, 4 + 31 * 32, 4 + 32 * 32, 4 + 33 * 32, 2084 - 32] {
            var bytes = try XCTUnwrap(all[2].serialized)
            for i in offset ..< offset + 32 { bytes[i] = 0xff }
            XCTAssertThrowsError(try NoteAppendProof(serialized: bytes), "offset \(offset)") { e in
                guard case .malformed(let why)? = e as? StateError else { return XCTFail("\(e)") }
                XCTAssertTrue(why.contains("not below the field modulus"), why)
            }
        }
        // Count 2 → 3: a well-formed proof that lies about the count.
        let proof = all[2]
        XCTAssertEqual(proof.count, 2)
        var lying = try XCTUnwrap(proof.serialized)
        lying[3] = 3
        let decoded = try NoteAppendProof(serialized: lying)
        let oldRoot = NoteTree.hashUp(.zero, position: proof.count, siblings: proof.siblings)
        XCTAssertNotNil(NoteTree.rootAfterAppend([Fr(5)], proof: proof, oldRoot: oldRoot))
        XCTAssertNil(NoteTree.rootAfterAppend([Fr(5)], proof: decoded, oldRoot: oldRoot))
    }

    /// Proofs of another shape than `appendProof()` gives a tree with room left have no encoding.
    func testProofsOfAnotherShapeHaveNoEncoding() throws {
        let good = try proofs()[2]
        let z = NoteTree.emptyHashes
        XCTAssertNil(NoteAppendProof(count: 1 << 32, siblings: [], lastCommitment: Fr(1), lastSiblings: Array(z.prefix(32))).serialized)
        XCTAssertNil(NoteAppendProof(count: -1, siblings: good.siblings, lastCommitment: nil, lastSiblings: []).serialized)
        XCTAssertNil(NoteAppendProof(count: 2, siblings: Array(good.siblings.prefix(31)), lastCommitment: good.lastCommitment,
                                     lastSiblings: good.lastSiblings).serialized)
        XCTAssertNil(NoteAppendProof(count: 2, siblings: good.siblings, lastCommitment: nil, lastSiblings: good.lastSiblings).serialized)
        XCTAssertNil(NoteAppendProof(count: 2, siblings: good.siblings, lastCommitment: good.lastCommitment, lastSiblings: []).serialized)
        XCTAssertNil(NoteAppendProof(count: 0, siblings: good.siblings, lastCommitment: Fr(1), lastSiblings: good.lastSiblings).serialized)
    }
}
