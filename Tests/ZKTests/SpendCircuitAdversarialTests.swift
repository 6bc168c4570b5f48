import XCTest
@testable import ZK

/// A reviewer's dishonest spenders against the spend circuit's wires that the honest tests do not
/// touch directly: the path bits and the position they recompose into the nullifier.
final class SpendCircuitAdversarialTests: XCTestCase {
    /// A spender who gives a path bit that is not 0 or 1 (to recompose another position, so
    /// another nullifier, for the same leaf): the bit's boolean constraint, the first one on that
    /// wire, fails whatever the rest of the witness says.
    func testANonBooleanPathBitIsRefused() {
        let depth = 8
        let honest = SpendCircuit.example(depth: depth)
        let cs = honest.build()
        XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .satisfied)
        // Wires: 0 the constant, 1...9 the public inputs, then per input sk, value, ρ, the bits.
        let perInputWires = 3 + 2 * depth
        // Constraints per input before its path: H(sk) 213, the commitment 261; 242 per level.
        let perInputConstraints = 213 + 261 + 242 * depth + 1 + 261 + 1 + 65
        for input in 0 ..< 2 {
            for level in [0, depth - 1] {
                let wire = 10 + input * perInputWires + 3 + level
                XCTAssertTrue(cs.witness.values[wire] == .one || cs.witness.values[wire] == .zero)
                for forged in [Fr(2), Fr(256), -Fr.one] {
                    var w = cs.witness
                    w.values[wire] = forged
                    XCTAssertEqual(cs.r1cs.isSatisfied(w),
                                   .unsatisfied(constraint: input * perInputConstraints + 213 + 261 + 242 * level))
                }
            }
        }
    }

    /// The positions are the 32 path bits recomposed: 2³² distinct values below r, so each leaf
    /// has one position and one nullifier. The native and in-circuit conventions agree at the
    /// extremes (the last slot's nullifier is the one the circuit computes).
    func testTheLastPositionRecomposesWithoutWrapping() {
        let key = Fr(1001)
        let owner = NoteHashes.ownerKey(spendingKey: key)
        let cm = NoteHashes.commitment(value: 7, owner: owner, randomness: Fr(3))
        let last = SpendCircuit.InputNote(spendingKey: key, value: 7, randomness: Fr(3), position: UInt32.max,
                                          siblings: Array(repeating: .zero, count: SpendCircuit.treeDepth))
        XCTAssertEqual(last.pathBits, Array(repeating: true, count: 32))
        XCTAssertEqual(last.nullifier, Poseidon.hash([key, cm, Fr(UInt64(UInt32.max))]))
        let circuit = SpendCircuit(inputNotes: [last, .dummy(spendingKey: key, randomness: Fr(5))],
                                   outputNotes: [.init(value: 7, owner: owner, randomness: Fr(9)),
                                                 .init(value: 0, owner: owner, randomness: Fr(10))],
                                   binding: Fr(1))
        let cs = circuit.build()
        XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .satisfied)
        XCTAssertEqual(cs.witness.values[2], last.nullifier)
    }
}
