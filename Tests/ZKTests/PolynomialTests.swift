import XCTest
@testable import ZK

/// Polynomial helpers of the prover: interpolation, NTT multiplication, the quotient by Z(x).
final class PolynomialTests: XCTestCase {
    static func schoolbook(_ a: [Fr], _ b: [Fr]) -> [Fr] {
        if a.isEmpty || b.isEmpty { return [] }
        var out = [Fr](repeating: .zero, count: a.count + b.count - 1)
        for i in a.indices { for j in b.indices { out[i + j] += a[i] * b[j] } }
        return out
    }

    func testMultiplicationEqualsSchoolbook() {
        var rng = TestRNG(seed: 31)
        let degrees = [(0, 0), (1, 0), (3, 4), (7, 8), (15, 16), (40, 23), (Int(rng.next() % 70), Int(rng.next() % 70))]
        for (da, db) in degrees {
            let a = (0...da).map { _ in rng.fr() }, b = (0...db).map { _ in rng.fr() }
            let product = Polynomial(coefficients: a) * Polynomial(coefficients: b)
            XCTAssertEqual(product.coefficients, Self.schoolbook(a, b), "degrees \(da), \(db)")
        }
        XCTAssertEqual((Polynomial(coefficients: []) * Polynomial(coefficients: [Fr(2)])).coefficients, [])
        let withTrailingZeros = Polynomial(coefficients: [Fr(1), Fr(2), .zero, .zero])
        XCTAssertEqual((withTrailingZeros * withTrailingZeros).coefficients, [Fr(1), Fr(4), Fr(4)])
        XCTAssertEqual(withTrailingZeros.degree, 1)
    }

    func testInterpolationThenEvaluation() throws {
        var rng = TestRNG(seed: 32)
        let d = try XCTUnwrap(EvaluationDomain(minimumSize: 32))
        let values = (0..<32).map { _ in rng.fr() }
        let p = Polynomial.interpolate(values, on: d)
        XCTAssertEqual(p.coefficients.count, 32)
        XCTAssertEqual(d.elements.map { p.evaluate(at: $0) }, values)
    }

    /// A·B − C constructed to vanish on H (C takes the values of A·B there): the quotient H
    /// satisfies H·Z = A·B − C as polynomials (checked at random points) and has degree ≤ N − 2.
    /// A dishonest C that differs at one point of H leaves no such quotient: the same identity fails.
    func testQuotientByVanishingPolynomialOnCoset() throws {
        var rng = TestRNG(seed: 33)
        for n in [1, 2, 8, 64] {
            let d = try XCTUnwrap(EvaluationDomain(minimumSize: n))
            let a = (0..<n).map { _ in rng.fr() }, b = (0..<n).map { _ in rng.fr() }
            let c = zip(a, b).map { $0 * $1 }
            let pa = Polynomial.interpolate(a, on: d), pb = Polynomial.interpolate(b, on: d)
            let pc = Polynomial.interpolate(c, on: d)
            let h = Polynomial.quotientByVanishing(a: a, b: b, c: c, on: d)
            XCTAssertLessThanOrEqual(h.degree ?? -1, max(0, n - 2))
            for _ in 0..<4 {
                let x = rng.fr()
                let lhs = h.evaluate(at: x) * d.vanishingPolynomial(at: x)
                XCTAssertEqual(lhs, pa.evaluate(at: x) * pb.evaluate(at: x) - pc.evaluate(at: x), "N = \(n)")
            }
            // The same identity as a polynomial product: A·B − C = H·Z coefficient by coefficient.
            var z = [Fr](repeating: .zero, count: n + 1)
            z[0] = Fr.zero - .one; z[n] = .one
            var lhs = (pa * pb).coefficients
            for (i, ci) in pc.coefficients.enumerated() where i < lhs.count { lhs[i] -= ci }
            let rhs = (h * Polynomial(coefficients: z)).coefficients
            XCTAssertEqual(Polynomial(coefficients: lhs).degree, Polynomial(coefficients: rhs).degree)
            XCTAssertEqual(Array(lhs.prefix(rhs.count)), rhs, "N = \(n)")

            var forged = c
            forged[n / 2] += .one
            let pf = Polynomial.interpolate(forged, on: d)
            let hf = Polynomial.quotientByVanishing(a: a, b: b, c: forged, on: d)
            let x = rng.fr()
            XCTAssertNotEqual(hf.evaluate(at: x) * d.vanishingPolynomial(at: x),
                              pa.evaluate(at: x) * pb.evaluate(at: x) - pf.evaluate(at: x), "forged, N = \(n)")
        }
    }
}
