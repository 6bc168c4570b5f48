/// Checks of whole vectors with two pairings each, by random linear combinations (the batching of
/// Bowe–Gabizon–Miers): with random ρᵢ, Σρᵢ·Pᵢ₊₁ = x·Σρᵢ·Pᵢ holds for the x of a same-ratio
/// check when every Pᵢ₊₁ = x·Pᵢ, and fails with probability about 1 − 1/r otherwise (a wrong point
/// would have to cancel against random weights it cannot know in advance).
enum RandomCombination {
    /// Fresh weights, one per term.
    static func weights<G: RandomNumberGenerator>(_ count: Int, using generator: inout G) -> [Fr] {
        (0..<count).map { _ in Fr.random(using: &generator) }
    }

    /// Whether points[i+1] = τ·points[i] for all i, where τ is the logarithm of `tauG2` (points in G1).
    static func consecutivePowers<G: RandomNumberGenerator>(
        _ points: [G1Affine], tauG2: G2Affine, using generator: inout G, threads: Int
    ) -> Bool {
        guard points.count > 1 else { return true }
        let rho = weights(points.count - 1, using: &generator)
        let low = G1Point.multiScalarMultiply(bases: Array(points.dropLast()), scalars: rho, threads: threads).affine
        let high = G1Point.multiScalarMultiply(bases: Array(points.dropFirst()), scalars: rho, threads: threads).affine
        return SameRatio.holds(low, high, BN254G2.generator, tauG2)
    }

    /// Whether points[i+1] = τ·points[i] for all i, where τ is the logarithm of `tauG1` (points in G2).
    static func consecutivePowers<G: RandomNumberGenerator>(
        _ points: [G2Affine], tauG1: G1Affine, using generator: inout G, threads: Int
    ) -> Bool {
        guard points.count > 1 else { return true }
        let rho = weights(points.count - 1, using: &generator)
        let low = G2Point.multiScalarMultiply(bases: Array(points.dropLast()), scalars: rho, threads: threads).affine
        let high = G2Point.multiScalarMultiply(bases: Array(points.dropFirst()), scalars: rho, threads: threads).affine
        return SameRatio.holds(BN254G1.generator, tauG1, low, high)
    }

    /// Whether old[i] = d·new[i] for all i, where d is the logarithm of `deltaG2` (the phase-2
    /// vectors c and h, divided by the product d of the contributions' secrets). Identity points
    /// must stay the identity.
    static func dividedByDelta<G: RandomNumberGenerator>(
        old: [G1Affine], new: [G1Affine], deltaG2: G2Affine, using generator: inout G, threads: Int
    ) -> Bool {
        guard old.count == new.count else { return false }
        guard !old.isEmpty else { return true }
        let rho = weights(old.count, using: &generator)
        let oldSum = G1Point.multiScalarMultiply(bases: old, scalars: rho, threads: threads).affine
        let newSum = G1Point.multiScalarMultiply(bases: new, scalars: rho, threads: threads).affine
        if oldSum.isInfinity || newSum.isInfinity { return oldSum.isInfinity && newSum.isInfinity }
        return SameRatio.holds(newSum, oldSum, BN254G2.generator, deltaG2)
    }
}
