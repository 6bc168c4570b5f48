import XCTest
@testable import ZK

/// The batch-affine bucket accumulation (`BatchAffineBuckets`) against the naive Σ [sᵢ]Pᵢ, against
/// bases of known discrete logarithm, and against the Jacobian Pippenger, for G1 and G2, on random
/// inputs and on the inputs that reach its edge cases: a bucket doubling (the same base twice in a
/// bucket), a bucket returning to infinity (P and −P), many bases in one bucket (the conflict queue
/// and the Jacobian overflow), zero scalars, infinity bases, r − 1, and 1, 2, 3 points.
final class BatchAffineMSMTests: XCTestCase {
    typealias M = MultiScalarMultiplication

    /// Batch-affine, Jacobian and the naive sum agree (and equal `expected` when given).
    func assertAgree<C: CurveParameters>(
        _ bases: [AffinePoint<C>], _ scalars: [Fr], windowBits c: Int, threads: Int = 1,
        expected: JacobianPoint<C>? = nil, _ message: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        let reference = expected ?? MSMTests.naive(bases, scalars)
        let affine = M.compute(bases: bases, scalars: scalars, threads: threads, windowBits: c, accumulation: .batchAffine)
        let jacobian = M.compute(bases: bases, scalars: scalars, threads: threads, windowBits: c, accumulation: .jacobian)
        XCTAssertEqual(affine, reference, "batch-affine, c = \(c): \(message)", file: file, line: line)
        XCTAssertEqual(jacobian, reference, "Jacobian, c = \(c): \(message)", file: file, line: line)
    }

    /// Random scalars on window sizes from 2 to 16, G1: every size around the batch-affine
    /// threshold (10) and the largest, fewer elsewhere (the high ones cost debug builds minutes;
    /// `MSMTests` covers every size for the Jacobian method); G2 on a few sizes.
    func testRandomInputsEveryWindowSize() {
        var rng = TestRNG(seed: 21)
        let (bases, logs) = MSMTests.knownBases(G1Point.generator, count: 120, rng: &rng)
        let scalars = (0..<120).map { _ in rng.fr() }
        let expected = MSMTests.byLogs(G1Point.generator, logs, scalars)
        for c in [2, 3, 5, 8, 9, 10, 11, 12, 13, 16] {
            assertAgree(bases, scalars, windowBits: c, threads: 1 + c % 2, expected: expected, "G1 random")
        }
        let (b2, l2) = MSMTests.knownBases(G2Point.generator, count: 60, rng: &rng)
        let s2 = (0..<60).map { _ in rng.fr() }
        let e2 = MSMTests.byLogs(G2Point.generator, l2, s2)
        for c in [2, 3, 5, 8, 10, 13] {
            assertAgree(b2, s2, windowBits: c, threads: 1 + c % 2, expected: e2, "G2 random")
        }
    }

    /// One, two and three points, with random, zero, one and r − 1 scalars.
    func testTinyInputs() {
        var rng = TestRNG(seed: 22)
        let minusOne = Fr.zero - .one
        let (g1, _) = MSMTests.knownBases(G1Point.generator, count: 3, rng: &rng)
        let (g2, _) = MSMTests.knownBases(G2Point.generator, count: 3, rng: &rng)
        for n in 1...3 {
            for pick in [[rng.fr(), rng.fr(), rng.fr()], [.zero, .one, minusOne], [minusOne, minusOne, minusOne]] {
                let s = Array(pick[..<n])
                for c in [2, 4, 11] {
                    assertAgree(Array(g1[..<n]), s, windowBits: c, "G1 n = \(n)")
                    assertAgree(Array(g2[..<n]), s, windowBits: c, "G2 n = \(n)")
                }
            }
        }
    }

    /// The same base many times under the same scalar: its first copy fills a bucket, the second
    /// doubles it in a batch, the others wait in the queue or overflow into the Jacobian bucket.
    func testRepeatedBasesDoubleAndQueue() {
        var rng = TestRNG(seed: 23)
        let s = rng.fr()
        let p = (G1Point.generator * rng.fr()).affine
        for count in [2, 3, 40, 200] {
            let bases = Array(repeating: p, count: count)
            let scalars = Array(repeating: s, count: count)
            for c in [2, 6, 10] {
                assertAgree(bases, scalars, windowBits: c, expected: p.jacobian * (s * Fr(UInt64(count))),
                            "\(count) copies")
            }
        }
        let q = (G2Point.generator * rng.fr()).affine
        assertAgree(Array(repeating: q, count: 30), Array(repeating: s, count: 30), windowBits: 4,
                    expected: q.jacobian * (s * Fr(30)), "G2 30 copies")
    }

    /// P and −P under the same scalar meet in one bucket, which returns to infinity and is then
    /// filled again; also P, P, −P (a doubling then a cancellation to P).
    func testOppositeBasesEmptyTheBucket() {
        var rng = TestRNG(seed: 24)
        let s = rng.fr()
        let p = (G1Point.generator * rng.fr()).affine, other = (G1Point.generator * rng.fr()).affine
        let cases: [[G1Affine]] = [
            [p, p.negated],
            [p, p.negated, other],
            [p, p.negated, p, p.negated, p],
            [p, p, p.negated],
            [other, p, p.negated, other.negated, p],
        ]
        for bases in cases {
            let scalars = Array(repeating: s, count: bases.count)
            for c in [2, 5, 12] { assertAgree(bases, scalars, windowBits: c, "\(bases.count) bases, ±P") }
        }
        // P with s and with r − s: the terms cancel.
        assertAgree([p, p], [s, .zero - s], windowBits: 8, expected: .infinity, "s and −s")
        let q = (G2Point.generator * rng.fr()).affine
        assertAgree([q, q.negated, q, q], [s, s, s, s], windowBits: 3, "G2 ±Q")
    }

    /// Zero scalars and infinity bases contribute nothing, mixed with real terms.
    func testZeroScalarsAndInfinityBases() {
        var rng = TestRNG(seed: 25)
        let (bases, _) = MSMTests.knownBases(G1Point.generator, count: 30, rng: &rng)
        var b = bases, s = (0..<30).map { _ in rng.fr() }
        for i in stride(from: 0, to: 30, by: 3) { s[i] = .zero }
        for i in stride(from: 1, to: 30, by: 4) { b[i] = .infinity }
        for c in [2, 7, 10, 12] { assertAgree(b, s, windowBits: c, "zeros and infinities") }
        assertAgree(b, Array(repeating: .zero, count: 30), windowBits: 10, expected: .infinity, "all zero")
        assertAgree(Array(repeating: G1Affine.infinity, count: 30), s, windowBits: 10, expected: .infinity,
                    "all infinity")
        let g2: [G2Affine] = [.infinity, BN254G2.generator, .infinity]
        assertAgree(g2, [rng.fr(), rng.fr(), rng.fr()], windowBits: 10, "G2 infinity bases")
    }

    /// Many scalars 0, 1 and r − 1 (as in real witnesses: bits and flags), with a few random
    /// ones: every base with scalar 1 lands in the same bucket, far beyond the queue.
    func testMostlyZeroOneScalars() {
        var rng = TestRNG(seed: 26)
        let n = 300
        let (bases, logs) = MSMTests.knownBases(G1Point.generator, count: n, rng: &rng)
        let minusOne = Fr.zero - .one
        let scalars: [Fr] = (0..<n).map { i in
            switch i % 10 {
            case 0, 1, 2, 3: .zero
            case 4, 5, 6, 7: .one
            case 8: minusOne
            default: rng.fr()
            }
        }
        let expected = MSMTests.byLogs(G1Point.generator, logs, scalars)
        for c in [2, 9, 10, 14] { assertAgree(bases, scalars, windowBits: c, threads: 2, expected: expected, "0/1 scalars") }
        XCTAssertEqual(G1Point.multiScalarMultiply(bases: bases, scalars: scalars), expected)
    }

    /// The automatic choice uses the batch-affine path from `batchAffineMinimumWindowBits` on:
    /// 2^12 points (c = 10) on one and two threads, against the known logarithms.
    func testAutomaticBatchAffineOnLargerInput() {
        var rng = TestRNG(seed: 27)
        let n = 1 << 12
        XCTAssertGreaterThanOrEqual(M.windowBits(forCount: n), M.batchAffineMinimumWindowBits)
        let (bases, logs) = MSMTests.knownBases(G1Point.generator, count: n, rng: &rng)
        let scalars = (0..<n).map { _ in rng.fr() }
        let expected = MSMTests.byLogs(G1Point.generator, logs, scalars)
        XCTAssertEqual(G1Point.multiScalarMultiply(bases: bases, scalars: scalars, threads: 1), expected)
        XCTAssertEqual(G1Point.multiScalarMultiply(bases: bases, scalars: scalars, threads: 2), expected)
        XCTAssertEqual(G1Point.multiScalarMultiply(bases: bases, scalars: scalars, accumulation: .jacobian), expected)
    }
}
