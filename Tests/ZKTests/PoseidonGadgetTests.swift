import XCTest
@testable import ZK

/// The Poseidon gadget computes the native hash (same constants), at 3 constraints per S-box, and
/// the Merkle path gadget the native root; tampering with any internal wire is caught.
final class PoseidonGadgetTests: XCTestCase {
    func testGadgetEqualsNativeHashForEveryWidth() {
        var rng = TestRNG(seed: 7)
        for n in 1...16 {
            let inputs = (0..<n).map { _ in rng.fr() }
            var cs = ConstraintSystem()
            let wires = inputs.map { cs.allocatePrivateInput($0) }
            let out = cs.poseidon(wires.map(\.lc))
            XCTAssertEqual(cs.value(out), Poseidon.hash(inputs), "\(n) inputs")
            let t = n + 1
            let sboxes = 8 * t + PoseidonParameters.partialRoundsByWidth[t - 2] - 1
            XCTAssertEqual(cs.r1cs.constraints.count, 3 * sboxes, "\(n) inputs")
            XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .satisfied)
        }
        // circomlib's known answer for poseidon(1, 2), through the gadget.
        var cs = ConstraintSystem()
        let a = cs.allocatePrivateInput(Fr(1)), b = cs.allocatePrivateInput(Fr(2))
        let h = cs.poseidon([a.lc, b.lc])
        XCTAssertEqual(cs.value(h).canonical.hexString,
                       "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a")
        XCTAssertEqual(cs.r1cs.constraints.count, 240)
    }

    /// Any single edited internal wire violates some constraint.
    func testTamperedInternalWiresFail() {
        let cs = PoseidonPreimageCircuit.example.build()
        for wire in stride(from: 4, to: cs.wireCount, by: 17) {
            var w = cs.witness
            w.values[wire] += .one
            XCTAssertNotEqual(cs.r1cs.isSatisfied(w), .satisfied, "wire \(wire)")
        }
    }

    func testMerklePath() {
        for depth in [1, 3, 8] {
            let circuit = MerkleMembershipCircuit.example(depth: depth)
            var cs = ConstraintSystem()
            let leaf = cs.allocatePrivateInput(circuit.leaf)
            let bits = circuit.pathBits.map { cs.allocatePrivateInput($0 ? .one : .zero) }
            let siblings = circuit.siblings.map { cs.allocatePrivateInput($0) }
            let root = cs.merkleRoot(leaf: leaf.lc, pathBits: bits, siblings: siblings.map(\.lc))
            XCTAssertEqual(cs.value(root), circuit.root)
            XCTAssertEqual(cs.r1cs.constraints.count, 242 * depth)
        }
        // The convention: bit 0 = the node is the left child.
        XCTAssertEqual(ConstraintSystem.merkleRootNative(leaf: Fr(1), pathBits: [false], siblings: [Fr(2)]),
                       Poseidon.hash([Fr(1), Fr(2)]))
        XCTAssertEqual(ConstraintSystem.merkleRootNative(leaf: Fr(1), pathBits: [true], siblings: [Fr(2)]),
                       Poseidon.hash([Fr(2), Fr(1)]))
    }
}
