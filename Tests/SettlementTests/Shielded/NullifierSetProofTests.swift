import XCTest
import ZK
@testable import Settlement

/// Absence proofs: what the one-step proof uses to check that a spend's nullifier is new and to
/// compute the set's root after it.
final class NullifierSetProofTests: XCTestCase {
    private func makeSet(_ n: Int, seed: UInt64) throws -> (NullifierSet, [Fr], SeededGenerator) {
        var rng = SeededGenerator(seed: seed)
        let nfs = NullifierSetTests.randomNullifiers(n, &rng)
        var set = NullifierSet()
        try set.insert(contentsOf: nfs)
        return (set, nfs, rng)
    }

    /// The siblings along `nf`'s path in `set`, root side first, down to where the trie ends.
    private func trieSiblings(_ set: NullifierSet, _ nf: Fr) -> [Digest32] {
        let path = NullifierSet.path(NullifierSet.key(nf))
        var out: [Digest32] = []
        var link = set.rootLink
        while link > 0 {
            let node = set.nodes[Int(link)]
            let bit = path.bit(out.count)
            out.append(bit == 0 ? node.rightHash : node.leftHash)
            link = bit == 0 ? node.left : node.right
        }
        return out
    }

    /// For absent nullifiers in sets of several sizes: the proof verifies, survives its encoding,
    /// and its insertion root is the set's after `insert`.
    func testProofsVerifyAndGiveTheInsertionRoot() throws {
        for (n, seed) in [(0, 30), (1, 31), (2, 32), (5, 33), (200, 34)] as [(Int, UInt64)] {
            var (set, _, rng) = try makeSet(n, seed: seed)
            for _ in 0 ..< 20 {
                let nf = Fr.random(using: &rng)
                let proof = try XCTUnwrap(set.absenceProof(for: nf))
                XCTAssertTrue(NullifierSet.verifyAbsent(proof, root: set.root, nullifier: nf))
                XCTAssertEqual(try NullifierAbsenceProof(serialized: proof.serialized), proof)
                let predicted = NullifierSet.rootAfterInsert(proof, oldRoot: set.root, nullifier: nf)
                try set.insert(contentsOf: [nf])
                XCTAssertEqual(predicted, set.root, "n = \(n)")
                XCTAssertNil(NullifierSet.rootAfterInsert(proof, oldRoot: set.root, nullifier: nf))
            }
        }
    }

    /// Both kinds occur and both give the right insertion root.
    func testBothKindsOccur() throws {
        let (set, _, _) = try makeSet(64, seed: 35)
        var rng = SeededGenerator(seed: 36)
        var empty = 0, other = 0
        for _ in 0 ..< 200 {
            let nf = Fr.random(using: &rng)
            let proof = try XCTUnwrap(set.absenceProof(for: nf))
            if case .emptySlot = proof.kind { empty += 1 } else { other += 1 }
            var after = set
            try after.insert(contentsOf: [nf])
            XCTAssertEqual(NullifierSet.rootAfterInsert(proof, oldRoot: set.root, nullifier: nf), after.root)
        }
        XCTAssertGreaterThan(empty, 0)
        XCTAssertGreaterThan(other, 0)
    }

    /// The adversary: a spender re-spending a note needs a proof that its nullifier is absent. For
    /// a present nullifier the set gives none, and no candidate built from the tree verifies: an
    /// empty slot or any nullifier's leaf at every depth along the path, with the true siblings.
    func testNoAbsenceProofForAPresentNullifier() throws {
        let (set, nfs, _) = try makeSet(40, seed: 37)
        for nf in nfs.prefix(10) {
            XCTAssertNil(set.absenceProof(for: nf))
            let full = trieSiblings(set, nf)
            let padded = full + [Digest32](repeating: .zero, count: 3)
            for d in 0 ... padded.count {
                let siblings = Array(padded.prefix(d))
                var candidates = [NullifierAbsenceProof(kind: .emptySlot, siblings: siblings)]
                for other in nfs { candidates.append(NullifierAbsenceProof(kind: .otherLeaf(other), siblings: siblings)) }
                for proof in candidates {
                    XCTAssertFalse(NullifierSet.verifyAbsent(proof, root: set.root, nullifier: nf), "depth \(d)")
                    XCTAssertNil(NullifierSet.rootAfterInsert(proof, oldRoot: set.root, nullifier: nf))
                }
            }
            // An absent nullifier's valid proof, reused for the present one.
            var rng = SeededGenerator(seed: 38)
            for _ in 0 ..< 20 {
                let proof = try XCTUnwrap(set.absenceProof(for: Fr.random(using: &rng)))
                XCTAssertFalse(NullifierSet.verifyAbsent(proof, root: set.root, nullifier: nf))
            }
        }
    }

    /// Every single-bit flip of an encoded proof either fails to decode or fails to verify; so do
    /// a changed root and a changed nullifier (except one whose path ends at the same slot, which
    /// is genuinely absent there too).
    func testTamperedProofsAreRefused() throws {
        let (set, _, _) = try makeSet(30, seed: 39)
        var rng = SeededGenerator(seed: 40)
        for _ in 0 ..< 6 {
            let nf = Fr.random(using: &rng)
            let proof = try XCTUnwrap(set.absenceProof(for: nf))
            let bytes = proof.serialized
            for i in bytes.indices {
                for flip: UInt8 in [0x01, 0x10, 0x80] {
                    var m = bytes
                    m[i] ^= flip
                    if let decoded = try? NullifierAbsenceProof(serialized: m) {
                        XCTAssertFalse(NullifierSet.verifyAbsent(decoded, root: set.root, nullifier: nf),
                                       "byte \(i) ^ \(flip) still verifies")
                    }
                }
            }
            for i in 0 ..< 32 {
                var r = set.root.bytes
                r[i] ^= 1
                XCTAssertFalse(NullifierSet.verifyAbsent(proof, root: Digest32(bytes: r)!, nullifier: nf))
            }
            let changed = nf + .one
            if NullifierSet.verifyAbsent(proof, root: set.root, nullifier: changed) {
                XCTAssertEqual(set.absenceProof(for: changed), proof)
            }
            // Non-canonical: a zero sibling appended below the end.
            let deeper = NullifierAbsenceProof(kind: proof.kind, siblings: proof.siblings + [.zero])
            XCTAssertFalse(NullifierSet.verifyAbsent(deeper, root: set.root, nullifier: nf))
        }
    }

    /// Decoding is strict: every truncation and every extension is refused, as are a non-canonical
    /// other nullifier, non-zero bitmap padding, a zero sibling marked present, unknown kinds and
    /// depths above 256.
    func testStrictDecoding() throws {
        let (set, nfs, _) = try makeSet(30, seed: 41)
        var rng = SeededGenerator(seed: 42)
        var proofs: [NullifierAbsenceProof] = [NullifierAbsenceProof(kind: .emptySlot, siblings: [])]
        while proofs.count < 8 {
            proofs.append(try XCTUnwrap(set.absenceProof(for: Fr.random(using: &rng))))
        }
        proofs.append(NullifierAbsenceProof(kind: .otherLeaf(nfs[0]), siblings: []))
        for proof in proofs {
            let bytes = proof.serialized
            XCTAssertEqual(try NullifierAbsenceProof(serialized: bytes), proof)
            for k in 0 ..< bytes.count {
                XCTAssertThrowsError(try NullifierAbsenceProof(serialized: Array(bytes.prefix(k))), "prefix \(k)")
            }
            for extra in [[UInt8(0)], [0xFF], [UInt8](repeating: 0, count: 32)] {
                XCTAssertThrowsError(try NullifierAbsenceProof(serialized: bytes + extra))
            }
        }
        // The other nullifier must be below r: r itself (its bytes) is refused.
        let r: [UInt8] = Array(Fr.modulus.bigEndianBytes)
        XCTAssertThrowsError(try NullifierAbsenceProof(serialized: [1, 0, 0] + r))
        XCTAssertNoThrow(try NullifierAbsenceProof(serialized: [1, 0, 0] + (Fr.zero - .one).bigEndianBytes))
        // Padding bits, a zero sibling marked present, kinds, depths.
        XCTAssertThrowsError(try NullifierAbsenceProof(serialized: [0, 0, 1, 0x40]))
        XCTAssertThrowsError(try NullifierAbsenceProof(serialized: [0, 0, 1, 0x80] + [UInt8](repeating: 0, count: 32)))
        XCTAssertNoThrow(try NullifierAbsenceProof(serialized: [0, 0, 1, 0x80] + [UInt8](repeating: 0, count: 31) + [1]))
        XCTAssertThrowsError(try NullifierAbsenceProof(serialized: [2, 0, 0]))
        XCTAssertThrowsError(try NullifierAbsenceProof(serialized: [0, 1, 1] + [UInt8](repeating: 0, count: 33)))
        XCTAssertNoThrow(try NullifierAbsenceProof(serialized: [0, 1, 0] + [UInt8](repeating: 0, count: 32)))
    }
}
