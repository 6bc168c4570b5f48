import XCTest
@testable import ZK

/// The built-in circuits: sizes, examples satisfied, and a prover without the secret caught.
final class CircuitTests: XCTestCase {
    func testRegistryAndSizes() {
        XCTAssertEqual(BuiltinCircuit.all.map(\.name), ["poseidon-preimage", "merkle-membership", "spend"])
        let preimage = BuiltinCircuit.named("poseidon-preimage")!.buildExample()
        XCTAssertEqual(preimage.r1cs.constraints.count, 241)
        XCTAssertEqual(preimage.r1cs.publicCount, 1)
        XCTAssertEqual(preimage.r1cs.privateInputs, 2)
        XCTAssertEqual(preimage.r1cs.isSatisfied(preimage.witness), .satisfied)
        let merkle = BuiltinCircuit.named("merkle-membership")!.buildExample()
        XCTAssertEqual(merkle.r1cs.constraints.count, 242 * 20 + 1)
        XCTAssertEqual(merkle.r1cs.publicCount, 1)
        XCTAssertEqual(merkle.r1cs.privateInputs, 1 + 20 + 20)
        XCTAssertEqual(merkle.r1cs.isSatisfied(merkle.witness), .satisfied)
        XCTAssertEqual(merkle.witness.values[1], MerkleMembershipCircuit.example().root)
        XCTAssertNil(BuiltinCircuit.named("nope"))
    }

    /// A prover who claims the public hash of (1, 2) but knows another preimage: the honest
    /// witness for (1, 3) with the public value replaced fails the final equality only.
    func testWrongPreimageFails() {
        let honest = PoseidonPreimageCircuit.example.build()
        var cs = PoseidonPreimageCircuit(x: Fr(1), y: Fr(3)).build()
        var w = cs.witness
        w.values[1] = honest.witness.values[1]
        XCTAssertEqual(cs.r1cs.isSatisfied(w), .unsatisfied(constraint: cs.r1cs.constraints.count - 1))
        cs = PoseidonPreimageCircuit(x: Fr(1), y: Fr(3)).build()
        XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .satisfied)
    }

    /// A non-member: a leaf's path with the root of another tree, and a path bit of 2 (which would
    /// make the swap mix the two children) both fail.
    func testNonMemberFails() {
        let circuit = MerkleMembershipCircuit.example(depth: 4)
        var other = circuit
        other.leaf = Fr(43)
        var w = other.build().witness
        w.values[1] = circuit.root
        XCTAssertNotEqual(other.build().r1cs.isSatisfied(w), .satisfied)

        let cs = circuit.build()
        w = cs.witness
        let firstBit = 3                                  // wires: 1, root, leaf, bits…
        w.values[firstBit] = Fr(2)
        XCTAssertNotEqual(cs.r1cs.isSatisfied(w), .satisfied)
    }
}
