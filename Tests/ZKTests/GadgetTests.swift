import XCTest
@testable import ZK

/// Each gadget: its constraint count, honest witnesses satisfy it, and a dishonest prover who
/// edits the witness (a non-boolean bit, a wrong decomposition, an out-of-range value, a swapped
/// output) is caught.
final class GadgetTests: XCTestCase {
    func testBoolean() {
        for value in [Fr.zero, .one, Fr(2), -Fr.one] {
            var cs = ConstraintSystem()
            let b = cs.allocatePrivateInput(value)
            cs.enforceBoolean(b)
            XCTAssertEqual(cs.r1cs.constraints.count, 1)
            XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness) == .satisfied, value == .zero || value == .one, "\(value)")
        }
    }

    func testBitDecompositionAndRange() {
        var cs = ConstraintSystem()
        let v = cs.allocatePrivateInput(Fr(0b1011_0110))
        let bits = cs.decomposeBits(v.lc, count: 8)
        XCTAssertEqual(cs.r1cs.constraints.count, 9)
        XCTAssertEqual(bits.map { cs.value($0) }, [0, 1, 1, 0, 1, 1, 0, 1].map { Fr(UInt64($0)) })
        XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .satisfied)

        // A flipped bit breaks the recomposition (the last constraint).
        var w = cs.witness
        w.values[bits[0].index] = .one
        XCTAssertEqual(cs.r1cs.isSatisfied(w), .unsatisfied(constraint: 8))
        // A non-boolean "bit" that still recomposes (2 in bit 0, 0 in bit 1) is caught by booleanity.
        w = cs.witness
        w.values[bits[0].index] = Fr(2)
        w.values[bits[1].index] = .zero
        XCTAssertEqual(cs.r1cs.isSatisfied(w), .unsatisfied(constraint: 0))

        // 256 is out of range for 8 bits: the builder's witness (low 8 bits) cannot recompose it.
        var out = ConstraintSystem()
        let big = out.allocatePrivateInput(Fr(256))
        out.enforceRange(big.lc, bits: 8)
        XCTAssertEqual(out.r1cs.isSatisfied(out.witness), .unsatisfied(constraint: 8))
        // r − 1 ("−1") is not below 2^253 either.
        var neg = ConstraintSystem()
        let m = neg.allocatePrivateInput(-Fr.one)
        neg.enforceRange(m.lc, bits: 253)
        XCTAssertEqual(neg.r1cs.isSatisfied(neg.witness), .unsatisfied(constraint: 253))
    }

    func testConditionalSwapSelectEquality() {
        for s in [false, true] {
            var cs = ConstraintSystem()
            let a = cs.allocatePrivateInput(Fr(5))
            let b = cs.allocatePrivateInput(Fr(9))
            let bit = cs.allocateBoolean(s)
            let (l, r) = cs.conditionalSwap(bit, a.lc, b.lc)
            let sel = cs.select(bit, a.lc, b.lc)
            XCTAssertEqual(cs.value(l), s ? Fr(9) : Fr(5))
            XCTAssertEqual(cs.value(r), s ? Fr(5) : Fr(9))
            XCTAssertEqual(cs.value(sel), s ? Fr(5) : Fr(9))
            XCTAssertEqual(cs.r1cs.constraints.count, 3)
            XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .satisfied)
            // Claiming the other order (editing the swap's wire) fails.
            var w = cs.witness
            let t = Variable(index: bit.index + 1)
            w.values[t.index] = s ? .zero : Fr(4)
            XCTAssertEqual(cs.r1cs.isSatisfied(w), .unsatisfied(constraint: 1))
            w = cs.witness
            w.values[sel.index] = s ? Fr(9) : Fr(5)
            XCTAssertEqual(cs.r1cs.isSatisfied(w), .unsatisfied(constraint: 2))
        }
        for (x, y) in [(Fr(7), Fr(7)), (Fr(7), Fr(8))] {
            var cs = ConstraintSystem()
            let a = cs.allocatePrivateInput(x)
            let b = cs.allocatePrivateInput(y)
            let eq = cs.isEqual(a.lc, b.lc)
            XCTAssertEqual(cs.r1cs.constraints.count, 2)
            XCTAssertEqual(cs.value(eq), x == y ? .one : .zero)
            XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .satisfied)
            var w = cs.witness
            w.values[eq.index] = x == y ? .zero : .one          // lie about equality
            XCTAssertNotEqual(cs.r1cs.isSatisfied(w), .satisfied)
        }
        var cs = ConstraintSystem()
        let a = cs.allocatePrivateInput(Fr(1))
        let b = cs.allocatePrivateInput(Fr(2))
        cs.enforceEqual(a.lc, b.lc)
        XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .unsatisfied(constraint: 0))
    }
}
