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

    /// self^e for an element of the cyclotomic subgroup, with cyclotomic squarings.
    @inlinable
    public func cyclotomicPow(_ exponent: UInt256) -> Fq12 {
        var result = Fq12.one
        var i = exponent.bitWidth - 1
        while i >= 0 {
            result = result.cyclotomicSquared()
            if exponent.bit(i) { result = result * self }
            i -= 1
        }
        return result
    }
}
