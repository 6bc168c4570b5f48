import XCTest
@testable import Settlement

/// Root updates computed from a witness alone agree with the tree (and the naive reference tree)
/// for every kind of proof end: inclusion, empty slot, another account's leaf.
final class AccountWitnessTests: XCTestCase {
    func testWitnessComputedRootsMatchTheTreeOnRandomUpdates() throws {
        var kinds = (inclusion: 0, emptySlot: 0, otherLeaf: 0)
        for (seed, size) in [(1, 0), (2, 1), (3, 2), (4, 3), (5, 17), (6, 300)] as [(UInt64, Int)] {
            var rng = SeededGenerator(seed: seed)
            var tree = SparseMerkleTree()
            var state: [Address: Account] = [:]
            for _ in 0 ..< size { state[rng.address()] = rng.account() }
            tree.update(state.map { (address: $0.key, account: $0.value) })
            var known = Array(state.keys).sorted()
            for step in 0 ..< 250 {
                // Half updates of present accounts, half insertions of new ones.
                let address = !known.isEmpty && Bool.random(using: &rng) ? known.randomElement(using: &rng)! : rng.address()
                let newAccount = rng.account()
                let witness = AccountWitness(address, in: tree)
                XCTAssertTrue(witness.verify(root: tree.root, address: address), "seed \(seed) step \(step)")
                switch witness.proof.kind {
                case .inclusion: kinds.inclusion += 1
                case .emptySlot: kinds.emptySlot += 1
                case .otherLeaf: kinds.otherLeaf += 1
                }
                let computed = try witness.rootAfterSetting(address, to: newAccount)
                if state[address] == nil { known.append(address) }
                state[address] = newAccount
                tree.update([(address: address, account: newAccount)])
                XCTAssertEqual(computed, tree.root, "seed \(seed) step \(step)")
                if step % 50 == 0 { XCTAssertEqual(computed, ReferenceTree.root(state)) }
                // The new value now verifies under the computed root.
                XCTAssertTrue(AccountWitness(address, in: tree).verify(root: computed, address: address))
            }
        }
        XCTAssertGreaterThan(kinds.inclusion, 100)
        XCTAssertGreaterThan(kinds.emptySlot, 50)
        XCTAssertGreaterThan(kinds.otherLeaf, 50)
    }

    func testWritingTheEmptyAccount() throws {
        var rng = SeededGenerator(seed: 9)
        var tree = SparseMerkleTree()
        let present = rng.address()
        tree.update((0 ..< 20).map { _ in (address: rng.address(), account: rng.account()) } + [(address: present, account: Account(balance: 5))])
        // Absent stays absent: the root does not change, whatever the proof's end.
        for _ in 0 ..< 50 {
            let absent = rng.address()
            XCTAssertEqual(try AccountWitness(absent, in: tree).rootAfterSetting(absent, to: .empty), tree.root)
        }
        XCTAssertEqual(try AccountWitness(present, in: SparseMerkleTree()).rootAfterSetting(present, to: .empty), .zero)
        // Emptying a present account is refused.
        XCTAssertThrowsError(try AccountWitness(present, in: tree).rootAfterSetting(present, to: .empty)) { error in
            XCTAssertEqual(error as? FraudProofError, .deletionUnsupported(present))
        }
    }

    func testOtherLeafProofForAnUnrelatedLeafIsRefused() {
        var rng = SeededGenerator(seed: 10)
        var tree = SparseMerkleTree()
        tree.update((0 ..< 30).map { _ in (address: rng.address(), account: rng.account()) })
        // Find an address whose absence proof ends at another leaf, then claim a leaf that is not
        // beside its path (its own address), at depth 3: the computation must refuse it.
        var address = rng.address()
        while true {
            if case .otherLeaf = tree.proof(for: address).kind { break }
            address = rng.address()
        }
        let forged = MerkleProof(kind: .otherLeaf(address: address, account: Account(balance: 1)),
                                 siblings: tree.proof(for: address).siblings)
        XCTAssertThrowsError(try forged.rootAfterSetting(address, to: Account(balance: 2)))
        XCTAssertFalse(verifyProof(forged, root: tree.root, address: address, account: nil))
    }
}
