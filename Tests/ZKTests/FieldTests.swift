import XCTest
@testable import ZK

/// Fq and Fr: the embedded Montgomery constants recomputed from the moduli, the field laws on
/// random elements, inverses, square roots and the encodings (range-checked decoding).
final class FieldTests: XCTestCase {
    /// 2^k mod m by doubling (independent of the Montgomery code).
    private func powerOfTwo(_ k: Int, mod m: UInt256) -> UInt256 {
        var x = UInt256.one
        for _ in 0..<k {
            let (d, carry) = x.addingReportingOverflow(x)
            x = (carry || !(d < m)) ? d.subtractingReportingOverflow(m).partialValue : d
        }
        return x
    }

    private func checkConstants<F: PrimeField>(_: F.Type) {
        XCTAssertEqual(F.montgomeryR, powerOfTwo(256, mod: F.modulus))
        XCTAssertEqual(F.montgomeryR2, powerOfTwo(512, mod: F.modulus))
        // −m⁻¹ mod 2^64 by Newton's iteration: inv ← inv·(2 − m·inv).
        var inv: UInt64 = 1
        for _ in 0..<7 { inv = inv &* (2 &- F.modulus.l0 &* inv) }
        XCTAssertEqual(F.modulus.l0 &* inv, 1)
        XCTAssertEqual(F.montgomeryInverse, 0 &- inv)
        // The no-carry CIOS and the single trial subtractions need m < 2^254.
        XCTAssertLessThanOrEqual(F.modulus.bitWidth, 254)
    }

    func testMontgomeryConstantsRecomputedFromModulus() {
        checkConstants(Fq.self)
        checkConstants(Fr.self)
        // The moduli are the BN polynomials in u.
        let u = UInt256(bnParameterU)
        let u2 = UInt256(multiplying: u, by: u)
        let p = BigNat.from(Fq.modulus), r = BigNat.from(Fr.modulus)
        let u4 = BigNat.mul(BigNat.from(u2), BigNat.from(u2))
        let u3 = BigNat.mul(BigNat.from(u2), BigNat.from(u))
        func poly(_ c2: UInt64) -> [UInt64] {
            var acc = BigNat.mul(u4, [36])
            acc = BigNat.add(acc, BigNat.mul(u3, [36]))
            acc = BigNat.add(acc, BigNat.mul(BigNat.from(u2), [c2]))
            acc = BigNat.add(acc, BigNat.mul(BigNat.from(u), [6]))
            return BigNat.add(acc, [1])
        }
        XCTAssertEqual(poly(24), p)
        XCTAssertEqual(poly(18), r)
    }

    private func checkLaws<F: PrimeField>(_: F.Type, _ random: (inout TestRNG) -> F) {
        var rng = TestRNG(seed: 1)
        for _ in 0..<200 {
            let a = random(&rng), b = random(&rng), c = random(&rng)
            XCTAssertEqual(a + b, b + a)
            XCTAssertEqual(a * b, b * a)
            XCTAssertEqual((a + b) + c, a + (b + c))
            XCTAssertEqual((a * b) * c, a * (b * c))
            XCTAssertEqual(a * (b + c), a * b + a * c)
            XCTAssertEqual(a - b, a + (-b))
            XCTAssertEqual(a + (-a), .zero)
            XCTAssertEqual(a.squared(), a * a)
            XCTAssertEqual(a.doubled(), a + a)
            if let inv = a.inverse() { XCTAssertEqual(a * inv, .one) } else { XCTAssertTrue(a.isZero) }
            XCTAssertEqual(a.inverse(), a.inverseByFermat())
            XCTAssertEqual(F(canonical: a.canonical), a)
            XCTAssertEqual(F(bigEndian: a.bigEndianBytes), a)
            XCTAssertEqual(F(decimal: a.decimalString), a)
        }
        XCTAssertNil(F.zero.inverse())
        for small in [F.one, F(2), -F.one, F(3).inverse()!] {
            XCTAssertEqual(small.inverse(), small.inverseByFermat())
        }
        XCTAssertEqual(F(7) * F(6), F(42))
        XCTAssertEqual(F(3) - F(5) + F(2), .zero)
        // a^(m−1) = 1 (Fermat), through the generic pow.
        let a = random(&rng)
        XCTAssertEqual(a.pow(F.modulus.subtractingReportingOverflow(.one).partialValue), .one)
    }

    func testFieldLawsOnRandomElements() {
        checkLaws(Fq.self) { $0.fq() }
        checkLaws(Fr.self) { $0.fr() }
    }

    func testCarryEdgeCases() {
        // m − 1 is the largest element: (m − 1)² = 1, (m − 1) + (m − 1) = m − 2.
        let minusOne = Fq(canonical: Fq.modulus.subtractingReportingOverflow(.one).partialValue)!
        XCTAssertEqual(minusOne, -Fq.one)
        XCTAssertEqual(minusOne * minusOne, .one)
        XCTAssertEqual((minusOne + minusOne).canonical, Fq.modulus.subtractingReportingOverflow(UInt256(2)).partialValue)
        XCTAssertEqual(minusOne + .one, .zero)
        XCTAssertEqual(Fq.zero - .one, minusOne)
    }

    func testSquareRootInFq() {
        var rng = TestRNG(seed: 2)
        var nonResidues = 0
        for _ in 0..<100 {
            let a = rng.fq()
            let s = a.squared()
            let root = s.squareRoot()
            XCTAssertNotNil(root)
            XCTAssertTrue(root == a || root == -a)
            if a.squareRoot() == nil { nonResidues += 1 }
        }
        XCTAssertGreaterThan(nonResidues, 20, "about half of the elements are non-residues")
        XCTAssertNil((-Fq.one).squareRoot(), "−1 is not a square since p ≡ 3 mod 4")
    }

    /// Decoding refuses values ≥ the modulus instead of reducing them (an outside party could
    /// otherwise give two encodings of one value).
    func testDecodingRefusesValuesAtOrAboveModulus() {
        XCTAssertNil(Fq(bigEndian: Fq.modulus.bigEndianBytes))
        XCTAssertNil(Fq(bigEndian: Fq.modulus.addingReportingOverflow(.one).partialValue.bigEndianBytes))
        XCTAssertNil(Fq(bigEndian: [UInt8](repeating: 0xFF, count: 32)))
        XCTAssertNil(Fq(bigEndian: [UInt8](repeating: 0, count: 31)))
        XCTAssertNotNil(Fq(bigEndian: Fq.modulus.subtractingReportingOverflow(.one).partialValue.bigEndianBytes))
        XCTAssertNil(Fr(bigEndian: Fr.modulus.bigEndianBytes))
        XCTAssertNil(Fr(decimal: Fr.modulus.decimalString))
        XCTAssertNil(Fr(decimal: "12a"))
        XCTAssertNil(Fr(decimal: ""))
        XCTAssertNil(Fr(decimal: "-1"))
        XCTAssertEqual(Fr(decimal: "21888242871839275222246405745257275088548364400416034343698204186575808495616"), -Fr.one)
        XCTAssertEqual(Fq.modulus.decimalString,
                       "21888242871839275222246405745257275088696311157297823662689037894645226208583")
        XCTAssertEqual(Fr.modulus.decimalString,
                       "21888242871839275222246405745257275088548364400416034343698204186575808495617")
        XCTAssertEqual(UInt256(decimal: "0"), .zero)
        XCTAssertNil(UInt256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639936"), "2^256")
        XCTAssertEqual(UInt256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639935"),
                       UInt256(.max, .max, .max, .max))
        XCTAssertEqual(UInt256(hex: "0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47"), Fq.modulus)
    }
}

extension BigNat {
    static func add(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: max(a.count, b.count) + 1)
        var carry = false
        for i in 0..<out.count - 1 {
            let x = i < a.count ? a[i] : 0, y = i < b.count ? b[i] : 0
            let (s1, c1) = x.addingReportingOverflow(y)
            let (s2, c2) = s1.addingReportingOverflow(carry ? 1 : 0)
            out[i] = s2
            carry = c1 || c2
        }
        out[out.count - 1] = carry ? 1 : 0
        return normalize(out)
    }
}
