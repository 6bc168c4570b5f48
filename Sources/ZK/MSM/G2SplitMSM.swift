extension MultiScalarMultiplication {
    /// Σ kᵢ·Qᵢ in G2 as Σ k0ᵢ·Qᵢ + Σ k1ᵢ·ψ(Qᵢ), with kᵢ = k0ᵢ + k1ᵢ·λ split by
    /// `G2Endomorphism.decompose`: one Pippenger sum over 2n bases with 128-bit scalars instead of
    /// one over n bases with 254-bit scalars. Half the windows, so half the bucket reductions and
    /// window combinations; the bucket additions stay about the same (twice the bases, half the
    /// windows). ψ of each base costs two Fq2 multiplications and is computed here, per call.
    ///
    /// Base i is at index i and ψ(base i) at index n + i; zero scalars and infinity bases give
    /// zero digits or infinite bases, which the accumulation skips.
    static func computeSplit(
        bases: [G2Affine], scalars: [Fr], threads: Int?, windowBits: Int?, accumulation: Accumulation
    ) -> G2Point {
        precondition(bases.count == scalars.count, "one scalar per base")
        let n = bases.count
        if n == 0 { return .infinity }
        var doubledBases = bases
        doubledBases.reserveCapacity(2 * n)
        var halves = [UInt256](repeating: .zero, count: 2 * n)
        for i in 0..<n {
            doubledBases.append(G2Endomorphism.apply(bases[i]))
            (halves[i], halves[n + i]) = G2Endomorphism.decompose(scalars[i].canonical)
        }
        let c = windowBits ?? Self.windowBits(forCount: 2 * n, scalarBits: G2Endomorphism.halfBits)
        let digits = SignedDigits(integers: halves, scalarBits: G2Endomorphism.halfBits, windowBits: c)
        return compute(bases: doubledBases, digits: digits, threads: threads, accumulation: accumulation)
    }
}
