import XCTest
@testable import Settlement

final class SparseMerkleProofTests: XCTestCase {
    /// A tree of `n` random accounts and its contents.
    private func makeTree(_ n: Int, seed: UInt64) -> (SparseMerkleTree, [Address: Account], SeededGenerator) {
        var rng = SeededGenerator(seed: seed)
        var state: [Address: Account] = [:]
        for _ in 0 ..< n { state[rng.address()] = rng.account() }
        var tree = SparseMerkleTree()
        tree.update(state.map { (address: $0.key, account: $0.value) })
        return (tree, state, rng)
    }

    /// Checks that `proof` verifies for (address, account) — also after an encode/decode round trip
    /// — and that every single-byte change of the encoding, the root, the address or the account
    /// makes it fail. (One exception, which is correct: an absence proof shows that a *slot* is
    /// empty or holds another account, so it also proves the absence of a changed address whose
    /// path ends at the same slot; then `tree` must agree that the changed address is absent there.)
    private func assertSoundProof(_ proof: MerkleProof, in tree: SparseMerkleTree, address: Address, account: Account?,
                                  file: StaticString = #filePath, line: UInt = #line) {
        let root = tree.root
        XCTAssertTrue(verifyProof(proof, root: root, address: address, account: account), file: file, line: line)
        let bytes = proof.serialized
        XCTAssertEqual(try MerkleProof(serialized: bytes), proof, file: file, line: line)
        // Every byte of the encoding, two different flips each.
        for i in bytes.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var m = bytes
                m[i] ^= flip
                if let decoded = try? MerkleProof(serialized: m) {
                    XCTAssertFalse(verifyProof(decoded, root: root, address: address, account: account),
                                   "proof byte \(i) ^ \(flip) still verifies", file: file, line: line)
                }
            }
        }
        // Truncations and an extra byte are rejected by the decoder.
        XCTAssertThrowsError(try MerkleProof(serialized: Array(bytes.dropLast())), file: file, line: line)
        XCTAssertThrowsError(try MerkleProof(serialized: bytes + [0]), file: file, line: line)
        // Every byte of the root.
        for i in 0 ..< 32 {
            var r = root.bytes
            r[i] ^= 0x01
            XCTAssertFalse(verifyProof(proof, root: Digest32(bytes: r)!, address: address, account: account),
                           "root byte \(i)", file: file, line: line)
        }
        // Every byte of the address.
        for i in 0 ..< 20 {
            var a = address.bytes
            a[i] ^= 0x01
            let changed = Address(bytes: a)!
            if verifyProof(proof, root: root, address: changed, account: account) {
                XCTAssertNil(account, "inclusion proof verifies for a changed address byte \(i)", file: file, line: line)
                XCTAssertNil(tree.account(changed), file: file, line: line)
                XCTAssertEqual(tree.proof(for: changed), proof, "address byte \(i)", file: file, line: line)
            }
        }
        // Every byte of the account encoding (for an absence proof: any account at all).
        let encoding = (account ?? .empty).encoded
        for i in 0 ..< 40 {
            var e = encoding
            e[i] ^= 0x01
            let mutated = Account(encoded: e)!
            XCTAssertFalse(verifyProof(proof, root: root, address: address, account: mutated),
                           "account byte \(i)", file: file, line: line)
        }
        // Claiming absence for a present account, or presence for an absent one.
        if account == nil {
            XCTAssertFalse(verifyProof(proof, root: root, address: address, account: Account(balance: 1)), file: file, line: line)
        } else {
            XCTAssertFalse(verifyProof(proof, root: root, address: address, account: nil), file: file, line: line)
        }
    }

    func testEmptyTreeAbsenceProof() {
        let tree = SparseMerkleTree()
        var rng = SeededGenerator(seed: 1)
        let a = rng.address()
        let proof = tree.proof(for: a)
        XCTAssertEqual(proof.kind, .emptySlot)
        XCTAssertEqual(proof.depth, 0)
        XCTAssertEqual(proof.serialized, [1, 0, 0])
        XCTAssertTrue(verifyProof(proof, root: .zero, address: a, account: nil))
        XCTAssertTrue(verifyProof(proof, root: .zero, address: a, account: .empty))
        XCTAssertFalse(verifyProof(proof, root: .zero, address: a, account: Account(balance: 1)))
    }

    func testSingleAccountProofs() {
        let (tree, state, rng0) = makeTree(1, seed: 2)
        var rng = rng0
        let (a, acct) = state.first!
        let inclusion = tree.proof(for: a)
        XCTAssertEqual(inclusion.kind, .inclusion)
        XCTAssertEqual(inclusion.depth, 0)
        assertSoundProof(inclusion, in: tree, address: a, account: acct)
        // Any other address ends at a's leaf at the root.
        let b = rng.address()
        let absence = tree.proof(for: b)
        XCTAssertEqual(absence.kind, .otherLeaf(address: a, account: acct))
        assertSoundProof(absence, in: tree, address: b, account: nil)
    }

    func testInclusionProofsForEveryAccount() {
        let (tree, state, _) = makeTree(300, seed: 3)
        XCTAssertEqual(tree.root, ReferenceTree.root(state))
        for (a, acct) in state {
            let p = tree.proof(for: a)
            XCTAssertTrue(p.isInclusion)
            XCTAssertTrue(verifyProof(p, root: tree.root, address: a, account: acct))
            XCTAssertEqual(try MerkleProof(serialized: p.serialized), p)
            // Compact: about log2(300) levels, zero siblings omitted from the encoding.
            XCTAssertLessThan(p.depth, 40)
        }
        // The full mutation check on a sample.
        for (a, acct) in state.prefix(8) { assertSoundProof(tree.proof(for: a), in: tree, address: a, account: acct) }
    }

    func testAbsenceProofsOfBothKinds() {
        let (tree, _, rng0) = makeTree(300, seed: 4)
        var rng = rng0
        var empty = 0, other = 0
        for _ in 0 ..< 400 {
            let a = rng.address()
            let p = tree.proof(for: a)
            switch p.kind {
            case .emptySlot: empty += 1
            case .otherLeaf: other += 1
            case .inclusion: XCTFail("random address present")
            }
            XCTAssertTrue(verifyProof(p, root: tree.root, address: a, account: nil))
            XCTAssertFalse(verifyProof(p, root: tree.root, address: a, account: Account(balance: 1)))
            if empty + other <= 12 { assertSoundProof(p, in: tree, address: a, account: nil) }
        }
        XCTAssertGreaterThan(empty, 0)
        XCTAssertGreaterThan(other, 0)
        // Make sure the mutation check ran on both kinds.
        var checkedEmpty = false, checkedOther = false
        while !(checkedEmpty && checkedOther) {
            let a = rng.address()
            let p = tree.proof(for: a)
            if case .emptySlot = p.kind, !checkedEmpty { checkedEmpty = true } else if case .otherLeaf = p.kind, !checkedOther { checkedOther = true } else { continue }
            assertSoundProof(p, in: tree, address: a, account: nil)
        }
    }

    func testProofDoesNotTransferToAnotherAddressOrRoot() {
        let (tree, state, _) = makeTree(50, seed: 5)
        let entries = Array(state)
        let (a, acct) = entries[0], (b, bacct) = entries[1]
        let pa = tree.proof(for: a)
        XCTAssertFalse(verifyProof(pa, root: tree.root, address: b, account: bacct))
        XCTAssertFalse(verifyProof(pa, root: tree.root, address: b, account: nil))
        var changed = tree
        changed.update([(address: b, account: Account(balance: 424242))])
        XCTAssertFalse(verifyProof(pa, root: changed.root, address: a, account: acct))
        XCTAssertTrue(verifyProof(changed.proof(for: a), root: changed.root, address: a, account: acct))
    }

    /// An absence proof must not be forgeable from a present account's own leaf.
    func testOtherLeafMustBeAnotherAddressOnThePath() {
        let (tree, state, rng0) = makeTree(40, seed: 6)
        var rng = rng0
        let (a, acct) = state.first!
        let inclusion = tree.proof(for: a)
        // Same leaf presented as "another" leaf: rejected.
        let forged = MerkleProof(kind: .otherLeaf(address: a, account: acct), siblings: inclusion.siblings)
        XCTAssertFalse(verifyProof(forged, root: tree.root, address: a, account: nil))
        // A different address whose path does not share the prefix: rejected.
        var absentProof: MerkleProof
        var absent: Address
        repeat {
            absent = rng.address()
            absentProof = tree.proof(for: absent)
        } while absentProof.depth == 0
        let stranger = MerkleProof(kind: .otherLeaf(address: a, account: acct), siblings: absentProof.siblings)
        if ReferenceTree.path(a)[0] >> 7 != ReferenceTree.path(absent)[0] >> 7 {
            XCTAssertFalse(verifyProof(stranger, root: tree.root, address: absent, account: nil))
        }
    }

    func testNonCanonicalProofsAreRejected() {
        let (tree, state, _) = makeTree(30, seed: 7)
        let (a, acct) = state.first!
        let p = tree.proof(for: a)
        // The same leaf claimed one level deeper with a zero sibling.
        let deeper = MerkleProof(kind: .inclusion, siblings: p.siblings + [.zero])
        XCTAssertFalse(verifyProof(deeper, root: tree.root, address: a, account: acct))
        XCTAssertFalse(verifyProof(MerkleProof(kind: .inclusion, siblings: Array(repeating: Digest32.zero, count: 257)),
                                   root: tree.root, address: a, account: acct))
    }

    func testStrictDecoding() {
        func rejects(_ bytes: [UInt8], _ why: String) {
            XCTAssertThrowsError(try MerkleProof(serialized: bytes), why)
        }
        rejects([], "empty")
        rejects([0, 0], "short header")
        rejects([3, 0, 0], "unknown kind")
        rejects([0, 1, 1], "depth 257")
        rejects([0, 0, 1], "missing bitmap")
        rejects([0, 0, 1, 0x40], "bitmap padding bit set")
        rejects([0, 0, 1, 0x80], "missing sibling")
        rejects([0, 0, 1, 0x80] + [UInt8](repeating: 0, count: 32), "zero sibling marked present")
        rejects([2, 0, 0] + [UInt8](repeating: 7, count: 20) + [UInt8](repeating: 0, count: 40), "other leaf with empty account")
        rejects([2, 0, 0] + [UInt8](repeating: 7, count: 20), "other leaf truncated")
        XCTAssertNoThrow(try MerkleProof(serialized: [0, 0, 1, 0x80] + [UInt8](repeating: 5, count: 32)))
        XCTAssertEqual(try MerkleProof(serialized: [1, 0, 9, 0, 0x80] + [UInt8](repeating: 5, count: 32)).depth, 9)
        rejects([1, 0, 9, 0, 0x80], "depth 9 with its last sibling missing")
        // Decodes (all siblings zero), but is not canonical: never verifies.
        let allZero = try? MerkleProof(serialized: [1, 0, 9, 0, 0])
        XCTAssertEqual(allZero?.siblings, Array(repeating: Digest32.zero, count: 9))
        XCTAssertFalse(verifyProof(allZero!, root: .zero, address: Address.zero, account: nil))
        XCTAssertNoThrow(try MerkleProof(serialized: [1, 1, 0] + [UInt8](repeating: 0, count: 32)))
    }

    func testProofSizesAreCompact() {
        let (tree, state, _) = makeTree(4096, seed: 8)
        var total = 0
        for a in state.keys.prefix(200) { total += tree.proof(for: a).serialized.count }
        // ~log2(4096) = 12 levels plus a little: well under 20 siblings on average.
        XCTAssertLessThan(total / 200, 3 + 4 + 20 * 32)
    }
}
