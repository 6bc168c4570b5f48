import XCTest
@testable import ZK

/// G1 and G2: group laws, generator orders, scalar multiplication, normalisation, encodings and the
/// checks on outside points (on-curve, subgroup both ways).
final class CurveTests: XCTestCase {
    func testGeneratorsAreOnTheCurvesAndHaveOrderR() {
        XCTAssertTrue(BN254G1.generator.isOnCurve)
        XCTAssertTrue(BN254G2.generator.isOnCurve)
        XCTAssertTrue(G1Point.generator.multiplied(by: groupOrder).isInfinity)
        XCTAssertTrue(G2Point.generator.multiplied(by: groupOrder).isInfinity)
        let rMinus1 = groupOrder.subtractingReportingOverflow(.one).partialValue
        XCTAssertEqual(G1Point.generator.multiplied(by: rMinus1), -G1Point.generator)
        XCTAssertEqual(G2Point.generator.multiplied(by: rMinus1), -G2Point.generator)
        XCTAssertFalse(G1Point.generator.isInfinity)
    }

    private func checkLaws<C: CurveParameters>(_ g: JacobianPoint<C>) {
        var rng = TestRNG(seed: 7)
        for _ in 0..<4 {
            let a = rng.fr(), b = rng.fr()
            let pa = g * a, pb = g * b
            XCTAssertEqual(pa + pb, g * (a + b))
            XCTAssertEqual(pa + pb, pb + pa)
            XCTAssertEqual(pa * b, g * (a * b))
            XCTAssertEqual(pa.doubled(), pa + pa)
            XCTAssertEqual(pa.doubled(), g * (a + a))
            XCTAssertTrue((pa + pa.negated).isInfinity)
            XCTAssertEqual(pa.adding(pb.affine), pa + pb)
            XCTAssertEqual(pa.adding(pa.affine), pa.doubled())
            XCTAssertTrue(pa.adding(pa.negated.affine).isInfinity)
            XCTAssertEqual(pa + .infinity, pa)
            XCTAssertTrue(pa.affine.isOnCurve)
            XCTAssertEqual(pa - pb + pb, pa)
            // Associativity through three different additions.
            let pc = g * rng.fr()
            XCTAssertEqual((pa + pb) + pc, pa + (pb + pc))
        }
        XCTAssertTrue(g.multiplied(by: .zero).isInfinity)
        XCTAssertEqual(g.multiplied(by: .one), g)
        XCTAssertEqual(g.multiplied(by: UInt256(17)), (0..<17).reduce(JacobianPoint<C>.infinity) { acc, _ in acc + g })
        // Batch normalisation agrees with one inversion per point, infinity included.
        let points = [g * rng.fr(), .infinity, g, g * rng.fr()]
        XCTAssertEqual(JacobianPoint<C>.batchNormalize(points), points.map(\.affine))
    }

    func testG1Laws() { checkLaws(G1Point.generator) }
    func testG2Laws() { checkLaws(G2Point.generator) }

    /// ψ acts on G2 as multiplication by p.
    func testPsiIsMultiplicationByP() {
        let q = (G2Point.generator * Fr(123_456_789)).affine
        XCTAssertEqual(q.psi.jacobian, q.jacobian.multiplied(by: Fq.modulus))
    }

    /// φ(x, y) = (βx, y) is multiplication by λ on G1, β and λ are primitive cube roots of unity,
    /// and the joint multiplication equals the plain one by k1 + k2·λ (edge scalars included).
    func testG1EndomorphismIsMultiplicationByLambda() {
        let beta = G1Endomorphism.beta, lambda = G1Endomorphism.lambda
        XCTAssertNotEqual(beta, .one)
        XCTAssertEqual(beta.squared() * beta, .one)
        XCTAssertNotEqual(lambda, .one)
        XCTAssertEqual(lambda.squared() * lambda, .one)
        var rng = TestRNG(seed: 21)
        let p = (G1Point.generator * rng.fr()).affine
        XCTAssertEqual(G1Endomorphism.apply(p).jacobian, p.jacobian * lambda)
        let scalars: [(UInt64, UInt64)] = [(0, 0), (1, 0), (0, 1), (1, 1), (.max, .max), (.max, 0), (0, .max),
                                           (rng.next(), rng.next()), (rng.next(), rng.next())]
        for (k1, k2) in scalars {
            XCTAssertEqual(G1Endomorphism.multiply(p, k1, k2), p.jacobian * (Fr(k1) + Fr(k2) * lambda), "\(k1), \(k2)")
        }
        XCTAssertTrue(G1Endomorphism.multiply(.infinity, 5, 7).isInfinity)
    }

    /// Twist points that are not in G2, found here with the Fq2 square root: both subgroup checks
    /// refuse them, both accept G2 points, and decoding refuses them.
    func testSubgroupCheckBothWays() throws {
        var rng = TestRNG(seed: 8)
        var outside = 0
        while outside < 4 {
            let x = rng.fq2()
            guard let y = (x.squared() * x + BN254G2.b).squareRoot() else { continue }
            let q = G2Affine(x: x, y: y)!
            XCTAssertFalse(q.isInSubgroupByOrder)
            XCTAssertFalse(q.isInSubgroup)
            XCTAssertThrowsError(try G2Affine(eip197: q.eip197Bytes)) { error in
                XCTAssertEqual(error as? PointDecodingError, .notInSubgroup)
            }
            // Clearing part of the cofactor does not make it pass either (different small components).
            let q2 = q.jacobian.doubled().affine
            XCTAssertEqual(q2.isInSubgroup, q2.isInSubgroupByOrder)
            outside += 1
        }
        for _ in 0..<3 {
            let q = (G2Point.generator * rng.fr()).affine
            XCTAssertTrue(q.isInSubgroup)
            XCTAssertTrue(q.isInSubgroupByOrder)
        }
        XCTAssertTrue(G2Affine.infinity.isInSubgroup)
    }

    func testEncodingsRoundTrip() throws {
        var rng = TestRNG(seed: 9)
        let p = (G1Point.generator * rng.fr()).affine
        XCTAssertEqual(try G1Affine(eip196: p.eip196Bytes), p)
        let q = (G2Point.generator * rng.fr()).affine
        XCTAssertEqual(try G2Affine(eip197: q.eip197Bytes), q)
        XCTAssertEqual(try G1Affine(eip196: [UInt8](repeating: 0, count: 64)), .infinity)
        XCTAssertEqual(try G2Affine(eip197: [UInt8](repeating: 0, count: 128)), .infinity)
        XCTAssertEqual(G1Affine.infinity.eip196Bytes, [UInt8](repeating: 0, count: 64))
        // EIP-197 order: x.c1 (imaginary) first.
        XCTAssertEqual(Array(q.eip197Bytes[0..<32]), q.x.c1.bigEndianBytes)
        XCTAssertEqual(Array(q.eip197Bytes[96..<128]), q.y.c0.bigEndianBytes)
        XCTAssertEqual(hexString(BN254G2.generator.eip197Bytes),
                       "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
                       + "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
                       + "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
                       + "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa")
    }

    /// The dishonest encoder: off-curve points, unreduced coordinates, wrong lengths.
    func testDecodingRefusesBadPoints() {
        var bytes = BN254G1.generator.eip196Bytes
        bytes[63] = 3  // (1, 3)
        XCTAssertThrowsError(try G1Affine(eip196: bytes)) { XCTAssertEqual($0 as? PointDecodingError, .notOnCurve) }
        // x = p + 1 ≡ 1: the generator if it were reduced.
        let unreduced = Fq.modulus.addingReportingOverflow(.one).partialValue.bigEndianBytes + Fq(2).bigEndianBytes
        XCTAssertThrowsError(try G1Affine(eip196: unreduced)) {
            XCTAssertEqual($0 as? PointDecodingError, .coordinateNotInField)
        }
        XCTAssertThrowsError(try G1Affine(eip196: [UInt8](repeating: 0, count: 63))) {
            XCTAssertEqual($0 as? PointDecodingError, .invalidLength)
        }
        var g2 = BN254G2.generator.eip197Bytes
        g2[127] ^= 1
        XCTAssertThrowsError(try G2Affine(eip197: g2)) { XCTAssertEqual($0 as? PointDecodingError, .notOnCurve) }
        // (0, y) with y ≠ 0 is not infinity: y² = b has no solution with these y.
        var zeroX = [UInt8](repeating: 0, count: 64)
        zeroX[63] = 1
        XCTAssertThrowsError(try G1Affine(eip196: zeroX)) { XCTAssertEqual($0 as? PointDecodingError, .notOnCurve) }
    }
}
