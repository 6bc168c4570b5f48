import XCTest
@testable import ZK

/// Fq2, Fq6, Fq12: field laws, inverses, Fq2 square roots, and the Frobenius maps against the
/// definition a ↦ a^p (which checks the coefficients computed at start-up).
final class TowerTests: XCTestCase {
    private func checkLaws<F: FieldArithmetic>(_ random: (inout TestRNG) -> F, count: Int) {
        var rng = TestRNG(seed: 3)
        for _ in 0..<count {
            let a = random(&rng), b = random(&rng), c = random(&rng)
            XCTAssertEqual(a * b, b * a)
            XCTAssertEqual((a * b) * c, a * (b * c))
            XCTAssertEqual(a * (b + c), a * b + a * c)
            XCTAssertEqual(a.squared(), a * a)
            XCTAssertEqual(a - b + b, a)
            XCTAssertEqual(a.doubled(), a + a)
            XCTAssertEqual(a * a.inverse()!, .one)
        }
        XCTAssertNil(F.zero.inverse())
    }

    func testFq2Laws() { checkLaws({ $0.fq2() }, count: 100) }
    func testFq6Laws() { checkLaws({ $0.fq6() }, count: 30) }
    func testFq12Laws() { checkLaws({ $0.fq12() }, count: 10) }

    func testNonResiduesDefineTheTower() {
        // u² = −1, v³ = ξ, w² = v.
        let u = Fq2(.zero, .one)
        XCTAssertEqual(u.squared(), -Fq2.one)
        let v = Fq6(.zero, .one, .zero)
        XCTAssertEqual(v * v * v, Fq6(.xi, .zero, .zero))
        let w = Fq12(.zero, .one)
        XCTAssertEqual(w.squared(), Fq12(v, .zero))
        var rng = TestRNG(seed: 4)
        let a = rng.fq2()
        XCTAssertEqual(a.mulByXi(), a * .xi)
        let b = rng.fq6()
        XCTAssertEqual(b.mulByV(), b * v)
        let (l0, l1) = (rng.fq2(), rng.fq2())
        let f = rng.fq12()
        XCTAssertEqual(f.mulByLine(l0, l1), f * Fq12(.one, Fq6(l0, l1, .zero)))
    }

    /// The C core's Karatsuba products against schoolbook products written here over Fq alone,
    /// and the Swift and C layouts against each other.
    func testCoreProductsMatchSchoolbook() {
        XCTAssertTrue(TowerCore.layoutsAgree)
        func mul2(_ a: Fq2, _ b: Fq2) -> Fq2 { Fq2(a.c0 * b.c0 - a.c1 * b.c1, a.c0 * b.c1 + a.c1 * b.c0) }
        func xi(_ a: Fq2) -> Fq2 { mul2(a, Fq2(Fq(9), .one)) }
        func mul6(_ a: Fq6, _ b: Fq6) -> Fq6 {
            Fq6(mul2(a.c0, b.c0) + xi(mul2(a.c1, b.c2) + mul2(a.c2, b.c1)),
                mul2(a.c0, b.c1) + mul2(a.c1, b.c0) + xi(mul2(a.c2, b.c2)),
                mul2(a.c0, b.c2) + mul2(a.c1, b.c1) + mul2(a.c2, b.c0))
        }
        func mul12(_ a: Fq12, _ b: Fq12) -> Fq12 {
            let t = mul6(a.c1, b.c1)
            return Fq12(mul6(a.c0, b.c0) + Fq6(xi(t.c2), t.c0, t.c1), mul6(a.c0, b.c1) + mul6(a.c1, b.c0))
        }
        var rng = TestRNG(seed: 15)
        // Edge values first: zero, one, p − 1 in every coefficient.
        let minusOne = -Fq.one
        let edges2 = [Fq2.zero, .one, Fq2(minusOne, minusOne), Fq2(.zero, minusOne)]
        for a in edges2 { for b in edges2 { XCTAssertEqual(a * b, mul2(a, b)) } }
        for _ in 0..<50 {
            let a = rng.fq2(), b = rng.fq2()
            XCTAssertEqual(a * b, mul2(a, b))
            XCTAssertEqual(a.squared(), mul2(a, a))
        }
        for _ in 0..<20 {
            let a = rng.fq6(), b = rng.fq6()
            XCTAssertEqual(a * b, mul6(a, b))
        }
        let allMinusOne = Fq12(Fq6(edges2[2], edges2[2], edges2[2]), Fq6(edges2[2], edges2[2], edges2[2]))
        XCTAssertEqual(allMinusOne * allMinusOne, mul12(allMinusOne, allMinusOne))
        for _ in 0..<10 {
            let a = rng.fq12(), b = rng.fq12()
            XCTAssertEqual(a * b, mul12(a, b))
            XCTAssertEqual(a.squared(), mul12(a, a))
            let (l0, l1) = (rng.fq2(), rng.fq2())
            XCTAssertEqual(a.mulByLine(l0, l1), mul12(a, Fq12(.one, Fq6(l0, l1, .zero))))
            // The projective line a + (b + c·v)·w, and both lines evaluated at a G1 point.
            let la = rng.fq2()
            XCTAssertEqual(a.mulBySparse(la, l0, l1), mul12(a, Fq12(Fq6(la, .zero, .zero), Fq6(l0, l1, .zero))))
            let (x, y) = (rng.fq(), rng.fq())
            let line = G2Prepared.Line(a: la, b: l0, c: l1)
            var projective = a, normalized = a
            TowerCore.multiply(&projective, byLine: line, normalized: false, x: x, y: y)
            TowerCore.multiply(&normalized, byLine: line, normalized: true, x: x, y: y)
            XCTAssertEqual(projective, mul12(a, Fq12(Fq6(la.scaled(by: y), .zero, .zero), Fq6(l0.scaled(by: x), l1, .zero))))
            XCTAssertEqual(normalized, mul12(a, Fq12(.one, Fq6(l0.scaled(by: x), l1.scaled(by: y), .zero))))
        }
    }

    func testFq2SquareRoot() {
        var rng = TestRNG(seed: 5)
        var misses = 0
        for _ in 0..<50 {
            let a = rng.fq2()
            let root = a.squared().squareRoot()
            XCTAssertTrue(root == a || root == -a)
            if a.squareRoot() == nil { misses += 1 }
        }
        XCTAssertGreaterThan(misses, 5)
        // Elements of Fq: every one is a square in Fq2.
        XCTAssertEqual(Fq2(-Fq.one, .zero).squareRoot()?.squared(), Fq2(-Fq.one, .zero))
    }

    func testFrobeniusIsPowerP() {
        var rng = TestRNG(seed: 6)
        let p = Fq.modulus
        let a2 = rng.fq2()
        XCTAssertEqual(a2.conjugate, a2.pow(p))
        let a6 = rng.fq6()
        XCTAssertEqual(a6.frobenius(), a6.pow(p))
        let a12 = rng.fq12()
        XCTAssertEqual(a12.frobenius(), a12.pow(p))
        XCTAssertEqual(a12.frobenius(2), a12.pow(p).pow(p))
        XCTAssertEqual(a12.frobenius(12), a12)
        XCTAssertEqual(a12.frobenius(6), a12.conjugate, "x^(p^6) is the conjugation over Fq6")
    }

    /// On the cyclotomic subgroup (f^((p⁶−1)(p²+1)), where the final exponentiation's hard part
    /// works) the cyclotomic squaring is the squaring; on other elements it is not.
    func testCyclotomicSquaring() {
        var rng = TestRNG(seed: 14)
        for _ in 0..<5 {
            let f = rng.fq12()
            let easy = f.conjugate * f.inverse()!
            let unitary = easy.frobenius(2) * easy
            XCTAssertEqual(unitary.cyclotomicSquared(), unitary.squared())
            XCTAssertEqual(unitary.cyclotomicPow(UInt256(bnParameterU)), unitary.pow(UInt256(bnParameterU)))
            // The width-4 NAF exponentiation against square-and-multiply, edge exponents included
            // (window boundaries, a top bit that needs the split, the group order).
            let exponents = [UInt256.zero, .one, UInt256(7), UInt256(8), UInt256(15), UInt256(16), UInt256(0x7777),
                             UInt256(.max, .max, .max, .max >> 2), UInt256(.max, .max, .max, .max),
                             UInt256(1, 0, 0, 1 << 63), Fr.modulus, rng.fr().canonical]
            for e in exponents { XCTAssertEqual(unitary.cyclotomicPow(e), unitary.pow(e), "\(e)") }
            XCTAssertNotEqual(f.cyclotomicSquared(), f.squared())
        }
    }

    func testFrobeniusCoefficientsFromTheirDefinition() {
        // w1^6 = ξ^(p−1), and w1 = w^(p−1).
        let w = Fq12(.zero, .one)
        let pMinus1 = Fq.modulus.subtractingReportingOverflow(.one).partialValue
        XCTAssertEqual(Fq12(Fq6(FrobeniusCoefficients.w1, .zero, .zero), .zero), w.pow(pMinus1))
        XCTAssertEqual(FrobeniusCoefficients.v1 * FrobeniusCoefficients.v1, FrobeniusCoefficients.v2)
        XCTAssertEqual(FrobeniusCoefficients.psiY.squared(), Fq2.xi.pow(pMinus1))
    }
}
