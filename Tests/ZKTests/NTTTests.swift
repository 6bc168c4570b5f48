import XCTest
@testable import ZK

/// Roots of unity of Fr, the radix-2 NTT and its coset form against naive evaluation.
final class NTTTests: XCTestCase {
    /// ω = 5^((r−1)/2^28) has order exactly 2^28, which rests on 5 being a non-residue.
    func testMaximalRootHasOrderTwoToThe28() {
        let minusOne = Fr.zero - .one
        let halfOrder = Fr.modulus.subtractingReportingOverflow(.one).partialValue.halved
        XCTAssertEqual(FrRootsOfUnity.generator.pow(halfOrder), minusOne, "5 is a quadratic non-residue")
        // oddPart · 2^28 + 1 = r, and oddPart is odd.
        var back = Fr(reducing: FrRootsOfUnity.oddPart)
        for _ in 0..<28 { back = back.doubled() }
        XCTAssertEqual(back + .one, .zero)
        XCTAssertEqual(FrRootsOfUnity.oddPart.l0 & 1, 1)
        var w = FrRootsOfUnity.maximalRoot
        for _ in 0..<27 { w = w.squared() }
        XCTAssertNotEqual(w, .one, "ω^(2^27) ≠ 1")
        XCTAssertEqual(w, minusOne)
        XCTAssertEqual(w.squared(), .one, "ω^(2^28) = 1")
    }

    func testEachDomainRootHasExactOrder() {
        for k in 0...28 {
            var w = FrRootsOfUnity.root(logOrder: k)
            for i in 0..<k {
                XCTAssertNotEqual(w, .one, "k = \(k), ω^(2^\(i))")
                w = w.squared()
            }
            XCTAssertEqual(w, .one, "k = \(k)")
        }
    }

    func testDomainSizes() throws {
        XCTAssertEqual(EvaluationDomain(minimumSize: 0)?.size, 1)
        XCTAssertEqual(EvaluationDomain(minimumSize: 1)?.size, 1)
        XCTAssertEqual(EvaluationDomain(minimumSize: 5)?.size, 8)
        XCTAssertEqual(EvaluationDomain(minimumSize: 1 << 10)?.size, 1 << 10)
        XCTAssertEqual(EvaluationDomain(minimumSize: 1 << 28)?.logSize, 28)
        XCTAssertNil(EvaluationDomain(minimumSize: (1 << 28) + 1))
        let d = try XCTUnwrap(EvaluationDomain(minimumSize: 16))
        XCTAssertEqual(d.root * d.rootInverse, .one)
        XCTAssertEqual(d.sizeInverse * Fr(16), .one)
        XCTAssertTrue(d.elements.allSatisfy { d.vanishingPolynomial(at: $0).isZero })
        XCTAssertFalse(d.vanishingPolynomial(at: d.cosetShift).isZero)
    }

    func testNTTEqualsNaiveEvaluation() throws {
        var rng = TestRNG(seed: 21)
        for k in 0...6 {
            let d = try XCTUnwrap(EvaluationDomain(minimumSize: 1 << k))
            let coefficients = (0..<(1 << k)).map { _ in rng.fr() }
            let p = Polynomial(coefficients: coefficients)
            var v = coefficients
            d.ntt(&v)
            XCTAssertEqual(v, d.elements.map { p.evaluate(at: $0) }, "N = \(1 << k)")
            var c = coefficients
            d.cosetNTT(&c)
            XCTAssertEqual(c, d.elements.map { p.evaluate(at: d.cosetShift * $0) }, "coset, N = \(1 << k)")
        }
        // Fewer coefficients than the domain: padded with zeros.
        let d = try XCTUnwrap(EvaluationDomain(minimumSize: 8))
        let p = Polynomial(coefficients: [Fr(3), Fr(1), Fr(4)])
        XCTAssertEqual(p.evaluations(on: d), d.elements.map { p.evaluate(at: $0) })
    }

    /// Inverse after forward is the identity (plain and coset), on one thread and on several above
    /// the parallel threshold; the threaded transform equals the single-threaded one.
    func testRoundTripsAndThreadedTransform() throws {
        var rng = TestRNG(seed: 22)
        for k in [1, 3, 9, 14] {
            let single = try XCTUnwrap(EvaluationDomain(minimumSize: 1 << k, threads: 1))
            let multi = try XCTUnwrap(EvaluationDomain(minimumSize: 1 << k, threads: 3))
            let a = (0..<(1 << k)).map { _ in rng.fr() }
            var x = a, y = a
            single.ntt(&x)
            multi.ntt(&y)
            XCTAssertEqual(x, y, "N = \(1 << k)")
            multi.inverseNTT(&y)
            XCTAssertEqual(y, a, "N = \(1 << k)")
            var z = a
            multi.cosetNTT(&z)
            XCTAssertNotEqual(z, x)
            multi.inverseCosetNTT(&z)
            XCTAssertEqual(z, a, "coset, N = \(1 << k)")
        }
    }

    func testBatchInverse() {
        var rng = TestRNG(seed: 23)
        var frs = (0..<33).map { _ in rng.fr() }
        frs[0] = .zero; frs[17] = .zero; frs[32] = .zero
        let inv = Fr.batchInverse(frs)
        for (a, b) in zip(frs, inv) { XCTAssertEqual(b, a.isZero ? .zero : a.inverse()!) }
        let fqs = (0..<9).map { _ in rng.fq() }
        XCTAssertEqual(Fq.batchInverse(fqs), fqs.map { $0.inverse()! })
        XCTAssertEqual(Fr.batchInverse([]), [])
        XCTAssertEqual(Fr.batchInverse([.zero]), [.zero])
    }
}
