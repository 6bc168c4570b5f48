import XCTest
@testable import ZK

/// Poseidon: circomlib's known answers, the generated parameters' shape, and every width.
final class PoseidonTests: XCTestCase {
    /// The values circomlib's own Poseidon tests assert (2, 4 and 16 inputs), and poseidon([1]).
    /// 13 to 16 inputs are beyond light-poseidon; the 16-input value is the cross-check there.
    func testCircomlibKnownAnswers() {
        XCTAssertEqual(Poseidon.hash((1...4).map { Fr(UInt64($0)) }).canonical.hexString,
                       "0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465")
        XCTAssertEqual(Poseidon.hash((1...16).map { Fr(UInt64($0)) }).decimalString,
                       "9989051620750914585850546081941653841776809718687451684622678807385399211877")
        XCTAssertEqual(Poseidon.hash([Fr(1), Fr(2)]).canonical.hexString,
                       "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a")
        XCTAssertEqual(Poseidon.hash([Fr(1)]).decimalString,
                       "18586133768512220936620570745912940619677854269274689475585506675881198879027")
    }

    func testParametersShape() {
        for t in 2...17 {
            let p = PoseidonParameters.forWidth(t)
            XCTAssertEqual(p.width, t)
            XCTAssertEqual(p.roundConstants.count, (8 + PoseidonParameters.partialRoundsByWidth[t - 2]) * t)
            XCTAssertEqual(p.mds.count, t)
            XCTAssertTrue(p.mds.allSatisfy { $0.count == t })
        }
        // The cache returns the same parameters as a fresh generation.
        let fresh = PoseidonParameters(width: 3)
        XCTAssertEqual(fresh.roundConstants, PoseidonParameters.forWidth(3).roundConstants)
        XCTAssertEqual(fresh.mds, PoseidonParameters.forWidth(3).mds)
    }

    /// Each input position matters, and so does the number of inputs (the width is part of the
    /// parameters), for all 16 widths.
    func testEveryWidthIsSensitiveToItsInputs() {
        var seen = Set<Fr>()
        for n in 1...16 {
            let inputs = (1...n).map { Fr(UInt64($0)) }
            let h = Poseidon.hash(inputs)
            XCTAssertTrue(seen.insert(h).inserted)
            var changed = inputs
            changed[n - 1] += .one
            XCTAssertNotEqual(Poseidon.hash(changed), h)
        }
        XCTAssertNotEqual(Poseidon.hash([Fr(0)]), Poseidon.hash([Fr(0), Fr(0)]))
    }
}
