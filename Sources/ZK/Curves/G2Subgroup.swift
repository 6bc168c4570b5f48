/// Membership of a twist point in G2, the order-r subgroup. The twist has a large cofactor, so a
/// point on the curve is not necessarily in G2; every G2 point from outside is checked.
extension AffinePoint where Curve == BN254G2 {
    /// The endomorphism ψ = twist⁻¹ ∘ Frobenius ∘ twist: (x, y) ↦ (x̄·ξ^((p−1)/3), ȳ·ξ^((p−1)/2)).
    /// On G2 it acts as multiplication by p.
    public var psi: AffinePoint {
        if isInfinity { return self }
        return AffinePoint(uncheckedX: x.conjugate * FrobeniusCoefficients.psiX,
                           y: y.conjugate * FrobeniusCoefficients.psiY)
    }

    /// The fast check: Q ∈ G2 ⇔ ψ(Q) = [6u²]Q (for a point on the twist), one ~128-bit scalar
    /// multiplication instead of a 254-bit one.
    public var isInSubgroup: Bool {
        if isInfinity { return true }
        let u = UInt256(bnParameterU)
        let sixUSquared = UInt256(multiplying: u, by: u).multipliedAdding(6, 0).partialValue
        return jacobian.multiplied(by: sixUSquared) == psi.jacobian
    }

    /// The definitional check: [r]Q = O.
    public var isInSubgroupByOrder: Bool {
        jacobian.multiplied(by: groupOrder).isInfinity
    }
}
