/// SnarkPack aggregation of N Groth16 proofs under one key (N a power of two): one object whose
/// verification costs O(log N) GT exponentiations and a constant number of pairings, plus the
/// public inputs' combination (N·ℓ field operations, one ℓ-point MSM).
///
/// With r a Fiat–Shamir challenge over the key, every public input and the commitments
/// CM(A, B), CM(C), multiplying the N Groth16 equations raised to rⁱ gives
///
///     Z_AB = e(α, β)^(Σ rⁱ) · e(Σ rⁱ·vk_xᵢ, γ) · e(Z_C, δ),   Z_AB = ∏ e(Aᵢ, Bᵢ)^(rⁱ),  Z_C = Σ rⁱ·Cᵢ,
///
/// and the TIPP/MIPP argument (`TippMipp`) proves that Z_AB and Z_C are those values for the
/// committed vectors. A prover who hides an invalid proof must make the product hold for a random r
/// fixed after the proofs and inputs are: the errors form a nonzero polynomial in r of degree < N,
/// which vanishes at a random r with probability at most N/r.
public enum SnarkPack {
    static let domain = "settlement-zk/snarkpack-groth16-bn254/v1"

    /// The transcript's common start: the SRS key, the Groth16 key, N and every public input.
    static func transcript(_ key: AggregationVerifierKey, _ vk: Groth16.VerifyingKey,
                           _ inputs: [[Fr]]) -> AggregationTranscript {
        var t = AggregationTranscript(domain: domain)
        t.append("srs", key.transcriptBytes)
        t.append("groth16-vk", vk.eip197Bytes)
        t.append("inputs", withUnsafeBytes(of: UInt64(inputs.count).bigEndian, Array.init)
                 + inputs.flatMap { $0.flatMap(\.bigEndianBytes) })
        return t
    }

    /// Aggregates `proofs` (valid or not: the result verifies only if all are) for `publicInputs`;
    /// nil when the count is not the key's N or the input counts do not match the Groth16 key.
    public static func aggregate(_ key: AggregationProverKey, _ vk: Groth16.VerifyingKey,
                                 proofs: [Groth16.Proof], publicInputs: [[Fr]]) -> AggregateProof? {
        let n = key.n
        guard proofs.count == n, publicInputs.count == n,
              publicInputs.allSatisfy({ $0.count == vk.publicInputCount }) else { return nil }
        var transcript = transcript(key.verifier, vk, publicInputs)
        let a = proofs.map(\.a), b = proofs.map(\.b), c = proofs.map(\.c)
        let bP = ParallelGroupOps.prepare(b)
        let v1P = ParallelGroupOps.prepare(key.v1), v2P = ParallelGroupOps.prepare(key.v2)
        let comAB = PairCommitment.commit(a: a, v1: v1P[...], v2: v2P[...], w1: key.w1[...], w2: key.w2[...], b: bP[...])
        let comC = PairCommitment.commit(c: c, v1: v1P[...], v2: v2P[...])
        transcript.append("commitments", comAB.bytes + comC.bytes)
        let r = transcript.challenge("r")
        let rPowers = TippMipp.powers(r, n)
        let rInversePowers = TippMipp.powers(r.inverse()!, n)
        let bR = ParallelGroupOps.scale(b, rPowers)
        let w1R = ParallelGroupOps.scale(key.w1, rInversePowers)
        let w2R = ParallelGroupOps.scale(key.w2, rInversePowers)
        let zAB = Pairing.parallelMultiPairing(Array(zip(a, bR)))
        let zC = G1Point.multiScalarMultiply(bases: c, scalars: rPowers).affine
        transcript.append("values", zAB.bigEndianBytes + zC.eip196Bytes)
        let argument = TippMipp.prove(key, a: a, b: bR, c: c, w1: w1R, w2: w2R, r: r, transcript: &transcript)
        return AggregateProof(comAB: comAB, comC: comC, zAB: zAB, zC: zC, argument: argument)
    }

    /// Whether `proof` aggregates N valid proofs for `publicInputs` (in that order) under the
    /// Groth16 key. Wrong counts are a rejection.
    public static func verify(_ key: AggregationVerifierKey, _ pvk: Groth16.PreparedVerifyingKey,
                              _ proof: AggregateProof, publicInputs: [[Fr]]) -> Bool {
        let n = key.proofCount, vk = pvk.key
        guard publicInputs.count == n, proof.argument.rounds.count == n.trailingZeroBitCount,
              publicInputs.allSatisfy({ $0.count == vk.publicInputCount }) else { return false }
        var transcript = transcript(key, vk, publicInputs)
        transcript.append("commitments", proof.comAB.bytes + proof.comC.bytes)
        let r = transcript.challenge("r")
        // Σ rⁱ·vk_xᵢ = (Σ rⁱ)·IC₀ + Σⱼ (Σᵢ rⁱ·xᵢⱼ)·ICⱼ.
        var scalars = [Fr](repeating: .zero, count: vk.ic.count)
        var ri = Fr.one
        for inputs in publicInputs {
            scalars[0] = scalars[0] + ri
            for (j, x) in inputs.enumerated() { scalars[j + 1] = scalars[j + 1] + ri * x }
            ri = ri * r
        }
        let vkX = G1Point.multiScalarMultiply(bases: vk.ic, scalars: scalars).affine
        // e(α, β) = (e(α, β)⁻¹)⁻¹, the conjugate for a unitary element.
        let alphaBeta = pvk.alphaBetaInverse.conjugate.cyclotomicPow(scalars[0].canonical)
        let rhs = alphaBeta * Pairing.multiPairing([(vkX, pvk.gamma), (proof.zC, pvk.delta)])
        guard rhs == proof.zAB else { return false }
        transcript.append("values", proof.zAB.bigEndianBytes + proof.zC.eip196Bytes)
        return TippMipp.verify(key, comAB: proof.comAB, comC: proof.comC, zAB: proof.zAB, zC: proof.zC, r: r,
                               proof: proof.argument, transcript: &transcript)
    }
}
