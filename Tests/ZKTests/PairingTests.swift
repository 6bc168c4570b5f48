import XCTest
@testable import ZK

/// The pairing: the final exponentiation against the naive exponent (p¹² − 1)/r, the hard-part
/// decomposition, bilinearity, non-degeneracy, multi-pairings and the pairing check.
final class PairingTests: XCTestCase {
    /// The fast final exponentiation equals f^((p¹² − 1)/r) computed with a slow generic pow.
    /// The Miller loop's signed digits are a non-adjacent form of 6u + 2 (below its leading 1).
    func testLoopDigitsAreTheNonAdjacentFormOf6uPlus2() {
        let digits = G2Prepared.loopDigits
        var value = Int128(1)  // the leading 1
        for d in digits { value = 2 * value + Int128(d) }
        XCTAssertEqual(value, 6 * Int128(bnParameterU) + 2)
        XCTAssertEqual(digits.filter { $0 != 0 }.count, 21)
        XCTAssertFalse(zip(digits, digits.dropFirst()).contains { $0 != 0 && $1 != 0 }, "no two adjacent non-zero digits")
    }

    func testFinalExponentiationMatchesNaiveExponent() {
        let p = BigNat.from(Fq.modulus), r = BigNat.from(Fr.modulus)
        var p12 = [UInt64(1)]
        for _ in 0..<12 { p12 = BigNat.mul(p12, p) }
        let (exponent, remainder) = BigNat.divide(BigNat.sub(p12, [1]), by: r)
        XCTAssertEqual(remainder, [0], "r divides p^12 − 1 (embedding degree 12)")
        let f = Pairing.millerLoop([(BN254G1.generator, G2Prepared(BN254G2.generator))])
        XCTAssertEqual(Pairing.finalExponentiation(f), f.pow(limbs: exponent))
        var rng = TestRNG(seed: 10)
        let g = rng.fq12()
        XCTAssertEqual(Pairing.finalExponentiation(g), g.pow(limbs: exponent))
    }

    /// (p⁴ − p² + 1)/r = λ0 + λ1·p + λ2·p² + λ3·p³ with the λs the hard part uses.
    func testHardPartDecomposition() {
        let p = BigNat.from(Fq.modulus), r = BigNat.from(Fr.modulus)
        let u = BigNat.from(UInt256(bnParameterU))
        let u2 = BigNat.mul(u, u), u3 = BigNat.mul(u2, u)
        let p2 = BigNat.mul(p, p), p3 = BigNat.mul(p2, p), p4 = BigNat.mul(p3, p)
        // Positive and negative parts of Σ λi·p^i.
        var positive = p3
        positive = BigNat.add(positive, BigNat.mul(BigNat.add(BigNat.mul(u2, [6]), [1]), p2))
        positive = BigNat.add(positive, p)
        var negative = BigNat.mul(BigNat.add(BigNat.add(BigNat.mul(u3, [36]), BigNat.mul(u2, [18])), BigNat.mul(u, [12])), p)
        negative = BigNat.add(negative, BigNat.add(BigNat.add(BigNat.mul(u3, [36]), BigNat.mul(u2, [30])),
                                                   BigNat.add(BigNat.mul(u, [18]), [2])))
        let lhs = BigNat.mul(BigNat.sub(positive, negative), r)
        XCTAssertEqual(lhs, BigNat.sub(BigNat.add(p4, [1]), p2))
    }

    func testBilinearityAndNonDegeneracy() {
        var rng = TestRNG(seed: 11)
        let p = BN254G1.generator, q = BN254G2.generator
        let e = Pairing.pairing(p, q)
        XCTAssertNotEqual(e, .one, "non-degenerate")
        XCTAssertEqual(e.pow(groupOrder), .one, "the value has order r")
        let a = rng.fr(), b = rng.fr()
        let lhs = Pairing.pairing((G1Point.generator * a).affine, (G2Point.generator * b).affine)
        XCTAssertEqual(lhs, e.pow((a * b).canonical))
        XCTAssertEqual(Pairing.pairing((G1Point.generator * (a * b)).affine, q), lhs)
        XCTAssertEqual(Pairing.pairing(p, (G2Point.generator * (a * b)).affine), lhs)
        // Linear in each argument: e(P1 + P2, Q) = e(P1, Q)·e(P2, Q).
        let p1 = G1Point.generator * rng.fr(), p2 = G1Point.generator * rng.fr()
        XCTAssertEqual(Pairing.pairing((p1 + p2).affine, q), Pairing.pairing(p1.affine, q) * Pairing.pairing(p2.affine, q))
        XCTAssertEqual(Pairing.pairing(.infinity, q), .one)
        XCTAssertEqual(Pairing.pairing(p, .infinity), .one)
    }

    func testMultiPairingSharesOneFinalExponentiation() {
        var rng = TestRNG(seed: 12)
        let pairs = (0..<3).map { _ in
            ((G1Point.generator * rng.fr()).affine, (G2Point.generator * rng.fr()).affine)
        }
        let product = pairs.map { Pairing.pairing($0.0, $0.1) }.reduce(Fq12.one, *)
        XCTAssertEqual(Pairing.multiPairing(pairs), product)
        XCTAssertEqual(Pairing.multiPairing(pairs + [(.infinity, BN254G2.generator)]), product)
        // Prepared G2 points are reusable across G1 points.
        let prepared = G2Prepared(pairs[0].1)
        XCTAssertEqual(Pairing.multiPairing([(pairs[0].0, prepared)]), Pairing.pairing(pairs[0].0, pairs[0].1))
        XCTAssertEqual(Pairing.multiPairing([(BN254G1.generator, prepared)]), Pairing.pairing(BN254G1.generator, pairs[0].1))
        // Normalized lines (one inversion at preparation) give the same values, alone and mixed
        // with projective ones in one Miller loop; their Miller values differ only by a factor the
        // final exponentiation removes.
        let normalized = pairs.map { G2Prepared($0.1, normalized: true) }
        XCTAssertEqual(Pairing.multiPairing(zip(pairs, normalized).map { ($0.0, $1) }), product)
        let mixed = [(pairs[0].0, normalized[0]), (pairs[1].0, G2Prepared(pairs[1].1)), (pairs[2].0, normalized[2])]
        XCTAssertEqual(Pairing.multiPairing(mixed), product)
        XCTAssertNotEqual(Pairing.millerLoop([(pairs[0].0, normalized[0])]), Pairing.millerLoop([(pairs[0].0, prepared)]))
        // The bilinearity identity through normalized lines: e(kP, Q) = e(P, kQ).
        let k = rng.fr()
        let kQ = (G2Point(x: pairs[1].1.x, y: pairs[1].1.y, z: .one) * k).affine
        XCTAssertEqual(Pairing.multiPairing([((G1Point.generator * k).affine, normalized[1])]),
                       Pairing.multiPairing([(BN254G1.generator, G2Prepared(kQ, normalized: true))]))
    }

    /// The check a verifier runs: e(aP, bQ)·e(−abP, Q) = 1, and a cheating product (ab + 1) fails.
    func testPairingCheck() {
        var rng = TestRNG(seed: 13)
        let a = rng.fr(), b = rng.fr()
        let good: [(G1Affine, G2Affine)] = [
            ((G1Point.generator * a).affine, (G2Point.generator * b).affine),
            ((G1Point.generator * (a * b)).negated.affine, BN254G2.generator),
        ]
        XCTAssertTrue(Pairing.pairingCheck(good))
        let bad: [(G1Affine, G2Affine)] = [good[0], ((G1Point.generator * (a * b + .one)).negated.affine, BN254G2.generator)]
        XCTAssertFalse(Pairing.pairingCheck(bad))
        XCTAssertTrue(Pairing.pairingCheck([]))
        XCTAssertFalse(Pairing.pairingCheck([(BN254G1.generator, BN254G2.generator)]))
    }
}
