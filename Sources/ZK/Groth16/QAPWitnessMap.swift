extension Groth16 {
    /// The prover's polynomial step, as snarkjs does it (so that it fits the `.zkey` h points).
    ///
    /// A·w and B·w are evaluated on the N rows of the key's matrices (row j is the point ωʲ of H);
    /// C·w on H is their pointwise product, which a satisfying witness makes equal to the real C·w
    /// (the key's c points carry the real C, so a witness that does not satisfy the system still
    /// yields a proof here, but one that does not verify). Each of A, B, C is interpolated (inverse
    /// NTT) and evaluated on the coset ω₂ₙ·H, the odd 2N-th roots of unity, where
    /// p = A·B − C is taken pointwise. p has degree ≤ 2N − 2 and vanishes on H (the even 2N-th
    /// roots), so p(τ) = Σₖ p(ω₂ₙ^(2k+1))·L′_{2k+1}(τ) over the Lagrange basis L′ of the 2N-th
    /// roots: one MSM of these values with the key's h points L′_{2k+1}(τ)/δ gives h(τ)Z(τ)/δ.
    enum QAPWitnessMap {
        /// Σ coefficient·w[wire] per row, for rows < `rows`.
        static func rowEvaluations(_ entries: [MatrixEntry], witness: [Fr], rows: Int) -> [Fr] {
            var out = [Fr](repeating: .zero, count: rows)
            for e in entries { out[e.row] += e.coefficient * witness[e.wire] }
            return out
        }

        /// p = A·B − C on ω₂ₙ·H: entry k is p(ω₂ₙ^(2k+1)). The witness must have `key.wireCount`
        /// values (checked by the caller).
        static func oddCosetEvaluations(key: ProvingKey, witness: [Fr], threads: Int? = nil) -> [Fr] {
            var noProfile: ProverProfile? = nil
            return oddCosetEvaluations(key: key, witness: witness, threads: threads, profile: &noProfile)
        }

        /// The same, recording its steps in `profile` when given.
        static func oddCosetEvaluations(key: ProvingKey, witness: [Fr], threads: Int?,
                                        profile: inout ProverProfile?) -> [Fr] {
            guard let domain = EvaluationDomain(minimumSize: key.domainSize, threads: threads),
                  let shift = domain.doubleDomainRoot else {
                preconditionFailure("a proving key's domain is at most 2^27")  // checked by ProvingKey users
            }
            var a = rowEvaluations(key.matricesA, witness: witness, rows: domain.size)
            var b = rowEvaluations(key.matricesB, witness: witness, rows: domain.size)
            var c = [Fr](repeating: .zero, count: domain.size)
            for i in c.indices { c[i] = a[i] * b[i] }
            profile?.lap("witness map: A·w, B·w, C·w on \(domain.size) rows")
            domain.inverseNTT(&a); domain.cosetNTT(&a, shift: shift)
            domain.inverseNTT(&b); domain.cosetNTT(&b, shift: shift)
            domain.inverseNTT(&c); domain.cosetNTT(&c, shift: shift)
            profile?.lap("witness map: 3 inverse NTTs + 3 coset NTTs of \(domain.size)")
            for i in a.indices { a[i] = a[i] * b[i] - c[i] }
            return a
        }
    }
}
