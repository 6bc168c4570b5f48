import XCTest
@testable import ZK

/// The GLS endomorphism of G2 and the split multi-scalar multiplication built on it: λ is checked
/// against ψ on points (not taken on trust), the split against an independent long division, and
/// the split MSM against the plain one, the naive sum and bases of known discrete logarithm.
final class G2EndomorphismTests: XCTestCase {
    static let lambda = G2Endomorphism.lambda
    static let r = BigNat.from(groupOrder)

    /// A bignum as a UInt256 (it must fit).
    static func uint256(_ a: [UInt64]) -> UInt256 {
        let l = a + Array(repeating: 0, count: max(0, 4 - a.count))
        precondition(l.count == 4 || l[4...].allSatisfy { $0 == 0 })
        return UInt256(l[0], l[1], l[2], l[3])
    }

    /// λ = p mod r (computed here by long division) has 127 bits, and ψ(Q) = [λ]Q on the generator
    /// and random G2 points, not [r − λ]Q (the sign matters); ψ(Q) is again in G2.
    func testPsiIsMultiplicationByLambda() {
        let lambda = Self.lambda
        XCTAssertEqual(lambda, Self.uint256(BigNat.divide(BigNat.from(Fq.modulus), by: Self.r).remainder))
        XCTAssertEqual(lambda.bitWidth, 127)
        var rng = TestRNG(seed: 71)
        let points = [BN254G2.generator] + (0..<4).map { _ in (G2Point.generator * rng.fr()).affine }
        let other = groupOrder.subtractingReportingOverflow(lambda).partialValue
        for q in points {
            let image = G2Endomorphism.apply(q)
            XCTAssertEqual(image.jacobian, q.jacobian.multiplied(by: lambda))
            XCTAssertNotEqual(image.jacobian, q.jacobian.multiplied(by: other))
            // ψ maps G2 to G2: on the twist and of order r.
            XCTAssertTrue(image.isOnCurve)
            XCTAssertTrue(image.isInSubgroupByOrder)
            XCTAssertFalse(image.isInfinity)
        }
        XCTAssertTrue(G2Endomorphism.apply(.infinity).isInfinity)
    }

    /// k = k0 + k1·λ with k0 < λ and k1 < 2^128, and (k1, k0) equal to the quotient and remainder
    /// of a long division, for 0, 1, r − 1, λ and its neighbours, values around 2^127 and 2^128,
    /// around multiples m·λ with m near 2^127 and 2^128 and the largest k1, and random values.
    func testDecompositionReconstructsTheScalar() {
        let lambda = Self.lambda
        let one = UInt256.one
        func plus(_ a: UInt256, _ b: UInt256) -> UInt256 { a.addingReportingOverflow(b).partialValue }
        func minus(_ a: UInt256, _ b: UInt256) -> UInt256 { a.subtractingReportingOverflow(b).partialValue }
        let rMinusOne = minus(groupOrder, one)
        let twoTo127 = UInt256(0, 1 << 63, 0, 0), twoTo128 = UInt256(0, 0, 1, 0)
        var values: [UInt256] = [.zero, one, UInt256(2), rMinusOne, minus(groupOrder, UInt256(2)),
                                 lambda, minus(lambda, one), plus(lambda, one), plus(lambda, lambda),
                                 minus(twoTo127, one), twoTo127, plus(twoTo127, one),
                                 minus(twoTo128, one), twoTo128, plus(twoTo128, one)]
        let largestQuotient = Self.uint256(BigNat.divide(BigNat.from(rMinusOne), by: BigNat.from(lambda)).quotient)
        for m in [minus(twoTo127, one), twoTo127, minus(largestQuotient, one), largestQuotient] {
            let multiple = UInt256(multiplying: m, by: lambda)
            guard multiple < groupOrder else { continue }
            values += [minus(multiple, one), multiple, plus(multiple, one)]
        }
        var rng = TestRNG(seed: 72)
        values += (0..<200).map { _ in rng.fr().canonical }
        for k in values {
            let (k0, k1) = G2Endomorphism.decompose(k)
            XCTAssertTrue(k0 < lambda, "\(k)")
            XCTAssertLessThanOrEqual(k1.bitWidth, G2Endomorphism.halfBits, "\(k)")
            XCTAssertEqual(plus(k0, UInt256(multiplying: k1, by: lambda)), k, "\(k)")
            let reference = BigNat.divide(BigNat.from(k), by: BigNat.from(lambda))
            XCTAssertEqual(k1, Self.uint256(reference.quotient), "\(k)")
            XCTAssertEqual(k0, Self.uint256(reference.remainder), "\(k)")
        }
        // The largest k1 (for k = r − 1) is below 2^128, as the split MSM's 128-bit digits assume.
        XCTAssertLessThanOrEqual(largestQuotient.bitWidth, G2Endomorphism.halfBits)
        XCTAssertEqual(G2Endomorphism.decompose(rMinusOne).k1, largestQuotient)
    }

    /// Signed digits of 128-bit integers recompose them, the top window taking the last carry.
    func testSignedDigitsOfHalves() {
        var rng = TestRNG(seed: 73)
        let top = UInt256(.max, .max, 0, 0)
        let integers = [UInt256.zero, .one, top, UInt256(0, 1 << 63, 0, 0)] + (0..<20).map { _ in UInt256(rng.next(), rng.next(), 0, 0) }
        for c in [1, 2, 5, 7, 10, 11, 13, 16] {
            let d = SignedDigits(integers: integers, scalarBits: 128, windowBits: c)
            XCTAssertEqual(d.windowCount, 128 / c + 1)
            for (i, s) in integers.enumerated() {
                var acc = Fr.zero
                for w in stride(from: d.windowCount - 1, through: 0, by: -1) {
                    let digit = Int(d.digits[w * integers.count + i])
                    XCTAssertTrue(digit > -(1 << (c - 1)) && digit <= 1 << (c - 1))
                    acc = acc * Fr(UInt64(1) << UInt64(c))
                    acc = digit >= 0 ? acc + Fr(UInt64(digit)) : acc - Fr(UInt64(-digit))
                }
                XCTAssertEqual(acc.canonical, s, "c = \(c), integer \(i)")
            }
        }
    }

    /// The split MSM equals the plain MSM, the naive sum and the known-logarithm sum, for n = 1, 2,
    /// 3 and random sizes, for both accumulations and one or two threads.
    func testSplitMatchesPlainAndNaive() {
        var rng = TestRNG(seed: 74)
        for n in [1, 2, 3, 17, 64] {
            let (bases, logs) = MSMTests.knownBases(G2Point.generator, count: n, rng: &rng)
            let scalars = (0..<n).map { _ in rng.fr() }
            let expected = MSMTests.naive(bases, scalars)
            XCTAssertEqual(MSMTests.byLogs(G2Point.generator, logs, scalars), expected, "n = \(n)")
            XCTAssertEqual(G2Point.multiScalarMultiply(bases: bases, scalars: scalars, endomorphism: false), expected)
            for accumulation in [MultiScalarMultiplication.Accumulation.jacobian, .batchAffine] {
                for threads in [1, 2] {
                    for c in [3, 6] {
                        XCTAssertEqual(G2Point.multiScalarMultiply(bases: bases, scalars: scalars, threads: threads,
                                                                   windowBits: c, accumulation: accumulation),
                                       expected, "n = \(n), \(accumulation), \(threads) threads, c = \(c)")
                    }
                }
            }
            XCTAssertEqual(G2Point.multiScalarMultiply(bases: bases, scalars: scalars), expected, "n = \(n)")
        }
    }

    /// 1,000 points (batch-affine windows by default): the split equals the plain MSM and the
    /// known-logarithm sum.
    func testSplitMatchesPlainForAThousandPoints() {
        var rng = TestRNG(seed: 75)
        let n = 1000
        let (bases, logs) = MSMTests.knownBases(G2Point.generator, count: n, rng: &rng)
        let scalars = (0..<n).map { _ in rng.fr() }
        let split = G2Point.multiScalarMultiply(bases: bases, scalars: scalars)
        XCTAssertEqual(split, G2Point.multiScalarMultiply(bases: bases, scalars: scalars, endomorphism: false))
        XCTAssertEqual(split, MSMTests.byLogs(G2Point.generator, logs, scalars))
        XCTAssertEqual(G2Point.multiScalarMultiply(bases: bases, scalars: scalars, windowBits: 10, accumulation: .batchAffine),
                       split)
    }

    /// Scalars 0, 1, r − 1, λ, λ − 1 and λ + 1; repeated bases (a bucket doubles, and ψ(P) meets
    /// P's own bucket when k0 and k1 share digits); infinity bases; a base with its negation.
    func testSplitEdgeCases() {
        var rng = TestRNG(seed: 76)
        let lambda = Fr(reducing: Self.lambda)
        let special = [Fr.zero, .one, Fr.zero - .one, lambda, lambda - .one, lambda + .one, Fr(UInt64.max)]
        let g = BN254G2.generator
        for s in special {
            XCTAssertEqual(G2Point.multiScalarMultiply(bases: [g], scalars: [s]), G2Point.generator * s, "\(s)")
            XCTAssertTrue(G2Point.multiScalarMultiply(bases: [.infinity], scalars: [s]).isInfinity)
        }
        XCTAssertTrue(G2Point.multiScalarMultiply(bases: [], scalars: []).isInfinity)
        let (bases, _) = MSMTests.knownBases(G2Point.generator, count: 5, rng: &rng)
        let p = bases[2], s = rng.fr()
        let cases: [([G2Affine], [Fr])] = [
            (Array(repeating: p, count: 9), Array(repeating: s, count: 9)),
            (Array(repeating: p, count: 7), special),
            ([p, .infinity, p.negated, bases[0], .infinity, G2Endomorphism.apply(p)], [s, s, s, .one, .zero, s]),
            (bases, Array(repeating: .zero, count: 5)),
            ([p, G2Endomorphism.apply(p)], [lambda, Fr.zero - .one]),
        ]
        for (b, k) in cases {
            let expected = MSMTests.naive(b, k)
            for accumulation in [MultiScalarMultiplication.Accumulation.automatic, .jacobian, .batchAffine] {
                XCTAssertEqual(G2Point.multiScalarMultiply(bases: b, scalars: k, accumulation: accumulation), expected)
                XCTAssertEqual(G2Point.multiScalarMultiply(bases: b, scalars: k, windowBits: 2, accumulation: accumulation),
                               expected)
            }
        }
        XCTAssertEqual(G2Point.multiScalarMultiply(bases: Array(repeating: p, count: 9), scalars: Array(repeating: s, count: 9)),
                       p.jacobian * (s * Fr(9)))
    }
}
