import XCTest
@testable import ZK

/// Pippenger's multi-scalar multiplication against the naive Σ [sᵢ]Pᵢ and against bases of known
/// discrete logarithm (Σ sᵢ·Pᵢ = [Σ sᵢ·aᵢ]G for Pᵢ = [aᵢ]G, an independent computation in Fr).
final class MSMTests: XCTestCase {
    /// Bases Pᵢ = [aᵢ]G with aᵢ = k·(i + 1), built by repeated addition (cheap in debug builds).
    static func knownBases<C: CurveParameters>(
        _ g: JacobianPoint<C>, count: Int, rng: inout TestRNG
    ) -> (bases: [AffinePoint<C>], logs: [Fr]) {
        let k = rng.fr()
        let step = g * k
        var points = [JacobianPoint<C>](), logs = [Fr]()
        var p = step, a = k
        for _ in 0..<count {
            points.append(p); logs.append(a)
            p = p + step; a = a + k
        }
        return (JacobianPoint<C>.batchNormalize(points), logs)
    }

    static func naive<C: CurveParameters>(_ bases: [AffinePoint<C>], _ scalars: [Fr]) -> JacobianPoint<C> {
        zip(bases, scalars).reduce(JacobianPoint<C>.infinity) { $0 + $1.0.jacobian * $1.1 }
    }

    static func byLogs<C: CurveParameters>(_ g: JacobianPoint<C>, _ logs: [Fr], _ scalars: [Fr]) -> JacobianPoint<C> {
        g * zip(logs, scalars).reduce(Fr.zero) { $0 + $1.0 * $1.1 }
    }

    /// The window minimising the cost estimate: Jacobian sizes for small inputs, batch-affine
    /// ones (from 10 bits) from about 2^12 points on.
    func testWindowSizeFollowsLogOfCount() {
        let M = MultiScalarMultiplication.self
        XCTAssertEqual(M.windowBits(forCount: 0), 2)
        XCTAssertEqual(M.windowBits(forCount: 1), 2)
        XCTAssertEqual(M.windowBits(forCount: 300), 6)
        XCTAssertEqual(M.windowBits(forCount: 1 << 12), 10)
        XCTAssertEqual(M.windowBits(forCount: 1 << 16), 12)
        XCTAssertEqual(M.windowBits(forCount: 1 << 20), 16)
        XCTAssertEqual(M.windowBits(forCount: 1 << 26), 16)
    }

    /// The signed digits recompose the scalar and stay within (−2^(c−1), 2^(c−1)] for every window
    /// size, including r − 1 (every window carries) and 0.
    func testSignedDigitsRecomposeTheScalar() {
        var rng = TestRNG(seed: 11)
        let minusOne = Fr.zero - .one
        let scalars = [Fr.zero, .one, minusOne, Fr(UInt64.max)] + (0..<20).map { _ in rng.fr() }
        for c in 1...16 {
            let d = SignedDigits(scalars: scalars, windowBits: c)
            XCTAssertEqual(d.windowCount, 254 / c + 1)
            for (i, s) in scalars.enumerated() {
                var acc = Fr.zero
                for w in stride(from: d.windowCount - 1, through: 0, by: -1) {
                    let digit = Int(d.digits[w * scalars.count + i])
                    XCTAssertLessThanOrEqual(abs(digit), 1 << (c - 1))
                    XCTAssertGreaterThan(digit, -(1 << (c - 1)))
                    acc = acc * Fr(UInt64(1) << UInt64(c))
                    acc = digit >= 0 ? acc + Fr(UInt64(digit)) : acc - Fr(UInt64(-digit))
                }
                XCTAssertEqual(acc, s, "c = \(c), scalar \(i)")
            }
        }
    }

    func testG1MatchesNaiveSumForRandomSizes() {
        var rng = TestRNG(seed: 1)
        var sizes = [0, 1, 2, 3, 300]
        for _ in 0..<4 { sizes.append(Int(rng.next() % 301)) }
        for n in sizes {
            let (bases, logs) = Self.knownBases(G1Point.generator, count: n, rng: &rng)
            let scalars = (0..<n).map { _ in rng.fr() }
            let msm = G1Point.multiScalarMultiply(bases: bases, scalars: scalars)
            XCTAssertEqual(msm, Self.naive(bases, scalars), "n = \(n)")
            XCTAssertEqual(msm, Self.byLogs(G1Point.generator, logs, scalars), "n = \(n)")
        }
    }

    func testG2MatchesNaiveSumForRandomSizes() {
        var rng = TestRNG(seed: 2)
        for n in [0, 1, 2, 37, 150, Int(rng.next() % 301)] {
            let (bases, logs) = Self.knownBases(G2Point.generator, count: n, rng: &rng)
            let scalars = (0..<n).map { _ in rng.fr() }
            let msm = G2Point.multiScalarMultiply(bases: bases, scalars: scalars)
            XCTAssertEqual(msm, Self.naive(bases, scalars), "n = \(n)")
            XCTAssertEqual(msm, Self.byLogs(G2Point.generator, logs, scalars), "n = \(n)")
        }
    }

    /// Scalars 0, 1 and r − 1 (the top signed digit carries), alone and mixed with random ones.
    func testSpecialScalars() {
        var rng = TestRNG(seed: 3)
        let minusOne = Fr.zero - .one
        let special = [Fr.zero, .one, minusOne]
        for s in special {
            XCTAssertEqual(G1Point.multiScalarMultiply(bases: [BN254G1.generator], scalars: [s]),
                           G1Point.generator * s)
            XCTAssertEqual(G2Point.multiScalarMultiply(bases: [BN254G2.generator], scalars: [s]),
                           G2Point.generator * s)
        }
        XCTAssertEqual(G1Point.multiScalarMultiply(bases: [BN254G1.generator], scalars: [minusOne]),
                       -G1Point.generator)
        let n = 60
        let scalars = (0..<n).map { special[$0 % 3] }
        let (b1, l1) = Self.knownBases(G1Point.generator, count: n, rng: &rng)
        XCTAssertEqual(G1Point.multiScalarMultiply(bases: b1, scalars: scalars), Self.naive(b1, scalars))
        XCTAssertEqual(G1Point.multiScalarMultiply(bases: b1, scalars: scalars), Self.byLogs(.generator, l1, scalars))
        let (b2, _) = Self.knownBases(G2Point.generator, count: n, rng: &rng)
        XCTAssertEqual(G2Point.multiScalarMultiply(bases: b2, scalars: scalars), Self.naive(b2, scalars))
    }

    /// Empty input, all-zero scalars, infinity bases, a base and its negation under the same
    /// scalar (a bucket returns to infinity), and one base repeated (a bucket doubles).
    func testEdgeCases() {
        var rng = TestRNG(seed: 4)
        XCTAssertTrue(G1Point.multiScalarMultiply(bases: [], scalars: []).isInfinity)
        XCTAssertTrue(G2Point.multiScalarMultiply(bases: [], scalars: []).isInfinity)
        let (bases, _) = Self.knownBases(G1Point.generator, count: 20, rng: &rng)
        XCTAssertTrue(G1Point.multiScalarMultiply(bases: bases, scalars: Array(repeating: .zero, count: 20)).isInfinity)
        let scalars = (0..<20).map { _ in rng.fr() }
        XCTAssertTrue(G1Point.multiScalarMultiply(bases: Array(repeating: .infinity, count: 20), scalars: scalars).isInfinity)
        let s = rng.fr(), p = bases[3]
        XCTAssertTrue(G1Point.multiScalarMultiply(bases: [p, p.negated], scalars: [s, s]).isInfinity)
        let mixed = [p, .infinity, p, p.negated, p, bases[5], .infinity]
        let ms = (0..<mixed.count).map { _ in s }
        XCTAssertEqual(G1Point.multiScalarMultiply(bases: mixed, scalars: ms), Self.naive(mixed, ms))
        XCTAssertEqual(G1Point.multiScalarMultiply(bases: Array(repeating: p, count: 9), scalars: Array(repeating: s, count: 9)),
                       p.jacobian * (s * Fr(9)))
        let q = BN254G2.generator
        XCTAssertTrue(G2Point.multiScalarMultiply(bases: [q, .infinity, q.negated], scalars: [s, s, s]).isInfinity)
    }

    /// Every window size gives the same result, on one thread and on several (more threads than
    /// windows too). Window 15 is left out only for time in debug builds (16 is the largest and is
    /// what 2^18 points and more use).
    func testEveryWindowSizeAndThreadCount() {
        var rng = TestRNG(seed: 5)
        let (bases, logs) = Self.knownBases(G1Point.generator, count: 40, rng: &rng)
        let scalars = (0..<40).map { _ in rng.fr() }
        let expected = Self.byLogs(G1Point.generator, logs, scalars)
        for c in Array(1...14) + [16] {
            let threadCounts = c <= 4 ? [1, 2, 300] : [1 + c % 3]
            for threads in threadCounts {
                XCTAssertEqual(MultiScalarMultiplication.compute(bases: bases, scalars: scalars, threads: threads, windowBits: c),
                               expected, "c = \(c), threads = \(threads)")
            }
        }
    }

    /// 2^12 points, on one thread and on all: against [Σ sᵢ·aᵢ]G and against the naive sum of
    /// a subset plus Pippenger on the rest.
    func testLargeInputAgainstIndependentMethods() {
        var rng = TestRNG(seed: 6)
        let n = 1 << 12
        let (bases, logs) = Self.knownBases(G1Point.generator, count: n, rng: &rng)
        let scalars = (0..<n).map { _ in rng.fr() }
        let expected = Self.byLogs(G1Point.generator, logs, scalars)
        XCTAssertEqual(G1Point.multiScalarMultiply(bases: bases, scalars: scalars, threads: 1), expected)
        XCTAssertEqual(G1Point.multiScalarMultiply(bases: bases, scalars: scalars), expected)
        let head = 64
        let split = Self.naive(Array(bases[..<head]), Array(scalars[..<head]))
            + G1Point.multiScalarMultiply(bases: Array(bases[head...]), scalars: Array(scalars[head...]))
        XCTAssertEqual(split, expected)
        let (b2, l2) = Self.knownBases(G2Point.generator, count: 1 << 10, rng: &rng)
        let s2 = (0..<(1 << 10)).map { _ in rng.fr() }
        XCTAssertEqual(G2Point.multiScalarMultiply(bases: b2, scalars: s2), Self.byLogs(G2Point.generator, l2, s2))
    }
}
