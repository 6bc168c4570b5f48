extension Groth16 {
    /// One nonzero entry of the QAP matrices A or B: `coefficient` times `wire` in constraint row
    /// `row`. Rows 0..<m are the R1CS constraints; rows m…m+nPublic are the extra rows that put
    /// wire i (i = 0…nPublic: the constant and each public signal) into A with coefficient 1, which
    /// makes the public wires' polynomials linearly independent (snarkjs and arkworks add the same).
    public struct MatrixEntry: Sendable, Equatable {
        public let row: Int
        public let wire: Int
        public let coefficient: Fr

        public init(row: Int, wire: Int, coefficient: Fr) {
            self.row = row; self.wire = wire; self.coefficient = coefficient
        }
    }

    /// A Groth16 proving key in the layout of a snarkjs `.zkey` (so a ceremony's output, a `.zkey`
    /// file and the prover all share one shape).
    ///
    /// With domain H of size N (a power of two ≥ m + nPublic + 1), Lagrange basis Lᵢ over H and the
    /// toxic values τ, α, β, δ of the setup (γ is only in the verifying key):
    /// - `a[i] = Aᵢ(τ)·G1`, `b1[i] = Bᵢ(τ)·G1`, `b2[i] = Bᵢ(τ)·G2` for every wire i, where
    ///   Aᵢ(x) = Σ_rows A[row][i]·L_row(x) (a point may be the identity);
    /// - `c[j] = (β·Aᵢ(τ) + α·Bᵢ(τ) + Cᵢ(τ))/δ·G1` for each private wire i = nPublic+1+j;
    /// - `h[k] = L′_{2k+1}(τ)/δ·G1` for k < N, where L′ is the Lagrange basis over the 2N-th roots of
    ///   unity: the prover evaluates p = A·B − C on the odd 2N-th roots (the coset ω₂ₙ·H, on which
    ///   Z = x^N − 1 is the constant −2) and one MSM of those values with `h` gives p(τ)/δ =
    ///   h(τ)·Z(τ)/δ, with no division by Z. This is snarkjs' convention, not arkworks' monomial
    ///   h(τ)·τⁱ·Z(τ)/δ.
    /// - `matricesA`/`matricesB`: the QAP's A and B entries (C is not needed: on H, a satisfying
    ///   witness has C = A·B pointwise).
    public struct ProvingKey: Sendable, Equatable {
        public let verifyingKey: VerifyingKey
        public let alpha1: G1Affine
        public let beta1: G1Affine
        public let beta2: G2Affine
        public let delta1: G1Affine
        public let delta2: G2Affine
        /// N, the size of the evaluation domain (a power of two).
        public let domainSize: Int
        /// Wires including the constant wire 0.
        public let wireCount: Int
        public let a: [G1Affine]
        public let b1: [G1Affine]
        public let b2: [G2Affine]
        /// One per private wire (wireCount − nPublic − 1).
        public let c: [G1Affine]
        /// N points.
        public let h: [G1Affine]
        public let matricesA: [MatrixEntry]
        public let matricesB: [MatrixEntry]

        /// Public signals (outputs and public inputs, not the constant wire).
        public var publicCount: Int { verifyingKey.publicInputCount }

        /// A key from parts; nil when the sizes disagree with each other (the points themselves
        /// must already be checked: they come from a setup or a checked decoder).
        public init?(verifyingKey: VerifyingKey, alpha1: G1Affine, beta1: G1Affine, beta2: G2Affine,
                     delta1: G1Affine, delta2: G2Affine, domainSize: Int, wireCount: Int,
                     a: [G1Affine], b1: [G1Affine], b2: [G2Affine], c: [G1Affine], h: [G1Affine],
                     matricesA: [MatrixEntry], matricesB: [MatrixEntry]) {
            let nPublic = verifyingKey.publicInputCount
            guard domainSize > 0, domainSize & (domainSize - 1) == 0, wireCount > nPublic,
                  a.count == wireCount, b1.count == wireCount, b2.count == wireCount,
                  c.count == wireCount - nPublic - 1, h.count == domainSize,
                  (matricesA + matricesB).allSatisfy({ $0.row >= 0 && $0.row < domainSize && $0.wire >= 0 && $0.wire < wireCount })
            else { return nil }
            self.verifyingKey = verifyingKey
            self.alpha1 = alpha1; self.beta1 = beta1; self.beta2 = beta2
            self.delta1 = delta1; self.delta2 = delta2
            self.domainSize = domainSize; self.wireCount = wireCount
            self.a = a; self.b1 = b1; self.b2 = b2; self.c = c; self.h = h
            self.matricesA = matricesA; self.matricesB = matricesB
        }
    }
}
