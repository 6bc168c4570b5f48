extension Groth16 {
    /// Verification of many proofs under one key with one final exponentiation, by a random linear
    /// combination of their equations. With ρᵢ drawn by the verifier (128 bits, nonzero, from the
    /// system's cryptographic generator unless a test passes its own), the batch holds when
    ///
    ///     ∏ e(−ρᵢ·Aᵢ, Bᵢ) · e(Σ ρᵢ·vk_xᵢ, γ) · e(Σ ρᵢ·Cᵢ, δ) = e(α, β)^(−Σ ρᵢ):
    ///
    /// N + 2 Miller loops, one final exponentiation, Σ ρᵢ·vk_xᵢ as one small MSM over IC.
    ///
    /// The adversary is a prover who slips a bad proof into a batch. Each proof i defines
    /// Eᵢ = e(Aᵢ, Bᵢ) / (e(α, β)·e(vk_xᵢ, γ)·e(Cᵢ, δ)) ∈ GT, and the check is ∏ Eᵢ^ρᵢ = 1. If some Eᵢ ≠ 1,
    /// the ρ for which this holds are, for any fixed others, at most one value of ρᵢ mod r (GT has
    /// prime order r), so a batch with an invalid proof passes with probability at most 2⁻¹²⁸. Without
    /// the ρᵢ (all 1) errors can cancel between proofs; the tests show such a pair.
    public enum BatchVerifier {
        /// One proof with its public inputs.
        public struct Item: Sendable {
            public let proof: Proof
            public let publicInputs: [Fr]
            public init(proof: Proof, publicInputs: [Fr]) { self.proof = proof; self.publicInputs = publicInputs }
        }

        /// A nonzero random ρ = k1 + k2·λ with k1, k2 64-bit (λ the GLV eigenvalue of G1): the
        /// 2^128 − 1 such values are distinct (a collision would be a vector (a, b) with
        /// |a|, |b| < 2^64 and a + bλ ≡ 0 mod r, shorter than that lattice's ~2^127 minimum), so the
        /// soundness error per batch stays 2⁻¹²⁸, while ρ·A costs a 64-bit joint double-and-add
        /// (`G1Endomorphism.multiply`) instead of a 128-bit one.
        static func coefficient<G: RandomNumberGenerator>(using generator: inout G) -> (k1: UInt64, k2: UInt64, rho: Fr) {
            while true {
                let k1 = generator.next() as UInt64, k2 = generator.next() as UInt64
                if k1 | k2 != 0 { return (k1, k2, Fr(k1) + Fr(k2) * G1Endomorphism.lambda) }
            }
        }

        /// Whether every item verifies (true for no items). An item with the wrong number of public
        /// inputs makes the batch fail.
        public static func verify(_ pvk: PreparedVerifyingKey, _ items: [Item]) -> Bool {
            var generator = SystemRandomNumberGenerator()
            return verify(pvk, items, using: &generator)
        }

        /// `verify` with the caller's generator for the ρᵢ (tests; a verifier must use an unpredictable
        /// one: a prover who knows the ρᵢ can make errors cancel).
        public static func verify<G: RandomNumberGenerator>(_ pvk: PreparedVerifyingKey, _ items: [Item],
                                                             using generator: inout G) -> Bool {
            if items.isEmpty { return true }
            let key = pvk.key
            guard items.allSatisfy({ $0.publicInputs.count == key.publicInputCount }) else { return false }
            let coefficients = items.map { _ in coefficient(using: &generator) }
            let rho = coefficients.map(\.rho)
            // Σ ρᵢ·vk_xᵢ = (Σ ρᵢ)·IC₀ + Σⱼ (Σᵢ ρᵢ·xᵢⱼ)·ICⱼ.
            var icScalars = [Fr](repeating: .zero, count: key.ic.count)
            for (item, r) in zip(items, rho) {
                icScalars[0] = icScalars[0] + r
                for (j, x) in item.publicInputs.enumerated() { icScalars[j + 1] = icScalars[j + 1] + r * x }
            }
            let vkX = G1Point.multiScalarMultiply(bases: key.ic, scalars: icScalars).affine
            let sumC = G1Point.multiScalarMultiply(bases: items.map(\.proof.c), scalars: rho).affine
            // Per chunk of items, on all cores: −ρᵢ·Aᵢ, Bᵢ's lines, and one Miller loop.
            let parts = ParallelFor.mapChunks(count: items.count) { range in
                let scaledA = G1Point.batchNormalize(range.map { i in
                    -G1Endomorphism.multiply(items[i].proof.a, coefficients[i].k1, coefficients[i].k2)
                })
                return Pairing.millerLoop(zip(scaledA, range).map { ($0, G2Prepared(items[$1].proof.b)) })
            }
            let f = parts.reduce(Pairing.millerLoop([(vkX, pvk.gamma), (sumC, pvk.delta)]), *)
            return Pairing.finalExponentiation(f) == pvk.alphaBetaInverse.cyclotomicPow(icScalars[0].canonical)
        }

        /// The indices of the items that do not verify, ascending (empty when the whole batch does).
        /// Bisection: a half that passes as a batch is accepted whole, a failing single item is
        /// confirmed by the plain verifier, so k bad items among N cost about 2k·log₂N batch checks.
        public static func findInvalid(_ pvk: PreparedVerifyingKey, _ items: [Item]) -> [Int] {
            var generator = SystemRandomNumberGenerator()
            return findInvalid(pvk, items, using: &generator)
        }

        /// `findInvalid` with the caller's generator (tests).
        public static func findInvalid<G: RandomNumberGenerator>(_ pvk: PreparedVerifyingKey, _ items: [Item],
                                                                  using generator: inout G) -> [Int] {
            var invalid: [Int] = []
            func search(_ range: Range<Int>) {
                if range.isEmpty { return }
                if range.count == 1 {
                    let item = items[range.lowerBound]
                    if !Groth16.verify(pvk, item.proof, publicInputs: item.publicInputs) {
                        invalid.append(range.lowerBound)
                    }
                    return
                }
                if verify(pvk, Array(items[range]), using: &generator) { return }
                let middle = range.lowerBound + range.count / 2
                search(range.lowerBound..<middle)
                search(middle..<range.upperBound)
            }
            search(0..<items.count)
            return invalid
        }
    }
}
