import CBN254

/// Squaring in the cyclotomic subgroup (elements with f^(p⁶+1) = 1, where the final
/// exponentiation works after its easy part), after Granger and Scott: about half the cost of a
/// general Fq12 squaring.
///
/// Seen as Fq4[w]/(w³ − s) with Fq4 = Fq2[s]/(s² − ξ), s = w³, an element
/// c00 + c10·w + c01·w² + c11·w³ + c02·w⁴ + c12·w⁵ is a0 + a1·w + a2·w² with
/// a0 = c00 + c11·s, a1 = c10 + c02·s, a2 = c01 + c12·s. For a unitary element
/// (a0 + a1w + a2w²)² = (3a0² − 2ā0) + (3s·a2² + 2ā1)·w + (3a1² − 2ā2)·w², where ā is the
/// conjugate x − y·s of x + y·s.
extension Fq12 {
    /// The square of an element of the cyclotomic subgroup (wrong for other elements); in the C
    /// core, which follows the formulas above.
    public func cyclotomicSquared() -> Fq12 {
        TowerCore.apply(self, as: bn254_fq12.self, bn254_fq12_cyclotomic_square)
    }

    /// self^e for an element of the cyclotomic subgroup, by a width-4 non-adjacent form: the digits
    /// are 0 or odd in −7…7 with at least three zeros after each non-zero one, so a 254-bit exponent
    /// takes about 51 products instead of about 127, and a negative digit uses the conjugate, which
    /// is the inverse on this subgroup. Cyclotomic squarings throughout.
    public func cyclotomicPow(_ exponent: UInt256) -> Fq12 {
        if exponent.l3 >> 63 == 1 {
            // The digits need e + 7 to fit: self^e = (self^(e >> 1))² · self^(e & 1).
            let root = cyclotomicPow(exponent.halved).cyclotomicSquared()
            return exponent.l0 & 1 == 1 ? root * self : root
        }
        guard let digits = Fq12.widthFourDigits(exponent) else { return .one }
        let square = cyclotomicSquared()
        var odd = [self]  // self^1, ^3, ^5, ^7
        for _ in 1..<4 { odd.append(odd[odd.count - 1] * square) }
        var result = Fq12.one
        var started = false
        for digit in digits.reversed() {
            if started { result = result.cyclotomicSquared() }
            guard digit != 0 else { continue }
            let power = odd[Int(digit.magnitude) / 2]
            let term = digit > 0 ? power : power.conjugate
            result = started ? result * term : term
            started = true
        }
        return result
    }

    /// The width-4 NAF digits of e, least significant first; nil for zero. e below 2^255, so
    /// adding up to 7 never overflows.
    static func widthFourDigits(_ e: UInt256) -> [Int8]? {
        if e.isZero { return nil }
        var k = e
        var digits: [Int8] = []
        digits.reserveCapacity(e.bitWidth + 1)
        while !k.isZero {
            var digit: Int8 = 0
            if k.l0 & 1 == 1 {
                digit = Int8(k.l0 & 15)
                if digit >= 8 { digit -= 16 }
                k = digit > 0
                    ? k.subtractingReportingOverflow(UInt256(UInt64(digit))).partialValue
                    : k.addingReportingOverflow(UInt256(UInt64(-digit))).partialValue
            }
            digits.append(digit)
            k = k.halved
        }
        return digits
    }
}
