import XCTest
@testable import ZK

/// The builder: circom's wire order, witness values computed as wires are allocated, and
/// `isSatisfied` naming the first constraint a dishonest witness breaks.
final class R1CSBuilderTests: XCTestCase {
    /// x · y = z with x, y private and z public: wire 0 = 1, then z, then x, y.
    func testWireOrderAndSatisfaction() {
        var cs = ConstraintSystem()
        let z = cs.allocatePublicInput(Fr(33))
        let x = cs.allocatePrivateInput(Fr(3))
        let y = cs.allocatePrivateInput(Fr(11))
        cs.enforce(x.lc, y.lc, z.lc)
        XCTAssertEqual([z.index, x.index, y.index], [1, 2, 3])
        let r1cs = cs.r1cs
        XCTAssertEqual(r1cs.publicInputs, 1)
        XCTAssertEqual(r1cs.privateInputs, 2)
        XCTAssertEqual(r1cs.wireCount, 4)
        XCTAssertEqual(cs.witness.values, [Fr.one, Fr(33), Fr(3), Fr(11)])
        XCTAssertEqual(r1cs.isSatisfied(cs.witness), .satisfied)
    }

    /// A prover who changes one value is caught at the first constraint using it; a witness of
    /// the wrong length or without 1 in wire 0 is refused before any constraint is evaluated.
    func testDishonestWitnessesFail() {
        var cs = ConstraintSystem()
        let out = cs.allocatePublicInput(Fr(6))
        let a = cs.allocatePrivateInput(Fr(2))
        let b = cs.allocatePrivateInput(Fr(3))
        let t = cs.allocate(Fr(4))
        cs.enforce(a.lc, a.lc, t.lc)                          // 0: a² = t
        cs.enforce(a.lc, b.lc, out.lc)                        // 1: a·b = out
        XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .satisfied)

        var w = cs.witness
        w.values[b.index] = Fr(4)
        XCTAssertEqual(cs.r1cs.isSatisfied(w), .unsatisfied(constraint: 1))
        w = cs.witness
        w.values[a.index] = Fr(3)
        XCTAssertEqual(cs.r1cs.isSatisfied(w), .unsatisfied(constraint: 0))
        w = cs.witness
        w.values.removeLast()
        XCTAssertEqual(cs.r1cs.isSatisfied(w), .wrongWitnessLength(expected: 5, got: 4))
        // All-zero assignment satisfies a·a = t and a·b = out; wire 0 must still be 1.
        XCTAssertEqual(cs.r1cs.isSatisfied(Witness(values: Array(repeating: .zero, count: 5))), .wireZeroNotOne)
    }

    /// Linear combinations are normalized when recorded: sorted by wire, repeats merged, zeros dropped.
    func testNormalization() {
        let x = Variable(index: 3), y = Variable(index: 1)
        let lc = (x * Fr(2) + y + x * Fr(5) - y).normalized()
        XCTAssertEqual(lc.terms.map(\.wire), [3])
        XCTAssertEqual(lc.terms.map(\.coefficient), [Fr(7)])
        let c = Constraint(a: x + y, b: .zero, c: y + x)
        XCTAssertEqual(c.a.terms.map(\.wire), [1, 3])
        XCTAssertEqual(c.c.terms.map(\.wire), [1, 3])
    }

    /// ~25k constraints (a depth-100 Merkle path) build and check in reasonable time (no bound is
    /// asserted on a shared machine; the size is).
    func testLargeSystem() {
        let cs = MerkleMembershipCircuit.example(depth: 100).build()
        XCTAssertEqual(cs.r1cs.constraints.count, 242 * 100 + 1)
        XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .satisfied)
    }
}
