/// The GLS endomorphism of G2: ψ = twist⁻¹ ∘ Frobenius ∘ twist (`AffinePoint.psi`) acts on G2 as
/// multiplication by λ = p mod r = 6u², a 127-bit integer (p − r = 6u² for BN curves). So a
/// 254-bit scalar k splits as k = k0 + k1·λ with both halves below 2^128, and k·Q = k0·Q + k1·ψ(Q):
/// a multi-scalar multiplication over n points with 254-bit scalars becomes one over 2n points
/// with 128-bit scalars, which halves the windows (and the bucket reductions) at the price of one
/// ψ per base (two Fq2 multiplications). `CurveTests` checks ψ(Q) = λ·Q.
///
/// The split is the plain division k1 = ⌊k/λ⌋, k0 = k mod λ: k0 < λ < 2^127 and
/// k1 ≤ (r − 1)/λ < 2^128, so no lattice reduction is needed for a two-way split.
public enum G2Endomorphism {
    /// λ = 6u², the eigenvalue of ψ on G2.
    public static let lambda: UInt256 = {
        let u = UInt256(bnParameterU)
        return UInt256(multiplying: u, by: u).multipliedAdding(6, 0).partialValue
    }()

    /// The bound on both halves of a split scalar, in bits.
    public static let halfBits = 128

    /// ⌊2^256/λ⌋ for the Barrett quotient (λ does not divide 2^256, so this is ⌊(2^256 − 1)/λ⌋,
    /// computed as ⌊⌊⌊(2^256 − 1)/6⌋/u⌋/u⌋: nested floor divisions equal one division by 6u²).
    static let reciprocal: UInt256 = {
        let max = UInt256(.max, .max, .max, .max)
        return max.quotientAndRemainder(dividingBy: 6).quotient
            .quotientAndRemainder(dividingBy: bnParameterU).quotient
            .quotientAndRemainder(dividingBy: bnParameterU).quotient
    }()

    /// (k0, k1) with k = k0 + k1·λ, k0 < λ and k1 = ⌊k/λ⌋ (both below 2^128), for a canonical k.
    public static func decompose(_ k: UInt256) -> (k0: UInt256, k1: UInt256) {
        // Barrett: q = ⌊k·g/2^256⌋ with g = ⌊2^256/λ⌋ is at most ⌊k/λ⌋ and at least ⌊k/λ⌋ − 1
        // (k·g/2^256 > k/λ − k/2^256 > k/λ − 1); the loop adds the missing one.
        var q = highProduct(k, reciprocal)
        var rem = k.subtractingReportingOverflow(UInt256(multiplying: q, by: lambda)).partialValue
        while !(rem < lambda) {
            rem = rem.subtractingReportingOverflow(lambda).partialValue
            q = q.addingReportingOverflow(.one).partialValue
        }
        return (rem, q)
    }

    /// ⌊a·b/2^256⌋, the high half of the 512-bit product (schoolbook over 64-bit limbs).
    static func highProduct(_ a: UInt256, _ b: UInt256) -> UInt256 {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 8) { r in
            r.initialize(repeating: 0)
            for i in 0..<4 {
                var carry: UInt64 = 0
                let ai = a.limb(i)
                for j in 0..<4 {
                    (carry, r[i + j]) = multiplyAccumulate(r[i + j], ai, b.limb(j), carry)
                }
                r[i + 4] = carry
            }
            return UInt256(r[4], r[5], r[6], r[7])
        }
    }

    /// ψ(Q) = λ·Q for Q in G2.
    @inlinable
    public static func apply(_ q: G2Affine) -> G2Affine { q.psi }
}
