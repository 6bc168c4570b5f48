/// The joint TIPP/MIPP argument of SnarkPack: for A, C ∈ G1ᴺ, B ∈ G2ᴺ committed as CM(A, B) and
/// CM(C), and a public vector rᵢ = rⁱ, it proves Z_AB = ∏ e(Aᵢ, Bᵢ) and Z_C = Σ rᵢ·Cᵢ in log₂N GIPA
/// rounds. (The Groth16 layer passes B already scaled by rⁱ and the w keys by r⁻ⁱ, which leaves
/// CM(A, B) unchanged: e(w_i·r⁻ⁱ, Bᵢ·rⁱ) = e(wᵢ, Bᵢ).)
///
/// Round k halves every vector (L the first half, R the second) with a challenge x:
///
///     A' = A_L + x·A_R,  B' = B_L + x⁻¹·B_R,  C' = C_L + x·C_R,
///     v' = v_L + x⁻¹·v_R,  w' = w_L + x·w_R,  r' = r_L + x⁻¹·r_R,
///
/// and the prover first sends the cross terms that relate old and new statements:
/// CM' = CM·CM(A_R, B_L; v_L, w_R)^x·CM(A_L, B_R; v_R, w_L)^(1/x), Z_AB' = Z_AB·∏e(A_R, B_L)^x·
/// ∏e(A_L, B_R)^(1/x), CM(C)' likewise, Z_C' = Z_C + x·Σ r_L·C_R + x⁻¹·Σ r_R·C_L. After the rounds
/// the single elements and the folded keys are sent, and KZG openings prove the keys are the folds
/// of the SRS keys: v_final = f_v(a)·H (and b) with f_v(X) = ∏ₖ (1 + xₖ⁻¹·X^(2^(L−1−k))), and
/// w_final = f_w(a)·G with f_w(X) = Xᴺ·∏ₖ (1 + xₖ·(X/r)^(2^(L−1−k))).
enum TippMipp {
    /// The prover's message of one round.
    struct Round: Sendable, Equatable {
        let abPlus: PairCommitment, abMinus: PairCommitment
        let zPlus: Fq12, zMinus: Fq12
        let cPlus: PairCommitment, cMinus: PairCommitment
        let zcPlus: G1Affine, zcMinus: G1Affine

        func absorb(into transcript: inout AggregationTranscript) {
            transcript.append("round", abPlus.bytes + abMinus.bytes + zPlus.bigEndianBytes + zMinus.bigEndianBytes
                              + cPlus.bytes + cMinus.bytes + zcPlus.eip196Bytes + zcMinus.eip196Bytes)
        }
    }

    /// The final single elements and folded keys.
    struct Final: Sendable, Equatable {
        let a: G1Affine, b: G2Affine, c: G1Affine
        let v1: G2Affine, v2: G2Affine
        let w1: G1Affine, w2: G1Affine

        func absorb(into transcript: inout AggregationTranscript) {
            transcript.append("final", a.eip196Bytes + b.eip197Bytes + c.eip196Bytes + v1.eip197Bytes
                              + v2.eip197Bytes + w1.eip196Bytes + w2.eip196Bytes)
        }
    }

    /// KZG openings of the folded keys at the challenge z: v in G2 (against the G2 powers), w in G1.
    struct Openings: Sendable, Equatable {
        let v1: G2Affine, v2: G2Affine
        let w1: G1Affine, w2: G1Affine
    }

    struct Proof: Sendable, Equatable {
        let rounds: [Round]
        let final: Final
        let openings: Openings
    }

    /// Proves the statement for vectors of length N (a power of two) under keys v = (v1, v2) and the
    /// scaled w = (w1, w2), with r the structure scalar (rᵢ = rⁱ, wᵢ scaled by r⁻ⁱ).
    static func prove(_ key: AggregationProverKey, a: [G1Affine], b: [G2Affine], c: [G1Affine],
                      w1: [G1Affine], w2: [G1Affine], r: Fr, transcript: inout AggregationTranscript) -> Proof {
        var (a, b, c, w1, w2) = (a, b, c, w1, w2)
        var v1 = key.v1, v2 = key.v2
        var rv = powers(r, a.count)
        var rounds: [Round] = []
        var challenges: [Fr] = []
        while a.count > 1 {
            let h = a.count / 2
            let bP = ParallelGroupOps.prepare(b), v1P = ParallelGroupOps.prepare(v1), v2P = ParallelGroupOps.prepare(v2)
            let (lo, hi) = (0..<h, h..<a.count)
            let round = Round(
                abPlus: .commit(a: Array(a[hi]), v1: v1P[lo], v2: v2P[lo], w1: w1[hi], w2: w2[hi], b: bP[lo]),
                abMinus: .commit(a: Array(a[lo]), v1: v1P[hi], v2: v2P[hi], w1: w1[lo], w2: w2[lo], b: bP[hi]),
                zPlus: Pairing.parallelMultiPairing(prepared: Array(zip(a[hi], bP[lo]))),
                zMinus: Pairing.parallelMultiPairing(prepared: Array(zip(a[lo], bP[hi]))),
                cPlus: .commit(c: Array(c[hi]), v1: v1P[lo], v2: v2P[lo]),
                cMinus: .commit(c: Array(c[lo]), v1: v1P[hi], v2: v2P[hi]),
                zcPlus: G1Point.multiScalarMultiply(bases: Array(c[hi]), scalars: Array(rv[lo])).affine,
                zcMinus: G1Point.multiScalarMultiply(bases: Array(c[lo]), scalars: Array(rv[hi])).affine)
            round.absorb(into: &transcript)
            let x = transcript.challenge("x")
            let xInv = x.inverse()!
            rounds.append(round)
            challenges.append(x)
            a = ParallelGroupOps.fold(a[lo], a[hi], x)
            b = ParallelGroupOps.fold(b[lo], b[hi], xInv)
            c = ParallelGroupOps.fold(c[lo], c[hi], x)
            v1 = ParallelGroupOps.fold(v1[lo], v1[hi], xInv)
            v2 = ParallelGroupOps.fold(v2[lo], v2[hi], xInv)
            w1 = ParallelGroupOps.fold(w1[lo], w1[hi], x)
            w2 = ParallelGroupOps.fold(w2[lo], w2[hi], x)
            rv = zip(rv[lo], rv[hi]).map { $0 + xInv * $1 }
        }
        let final = Final(a: a[0], b: b[0], c: c[0], v1: v1[0], v2: v2[0], w1: w1[0], w2: w2[0])
        final.absorb(into: &transcript)
        let z = transcript.challenge("z")
        let n = key.n
        // f_v: coefficient i is ∏ₖ xₖ⁻¹ over the rounds whose bit of i is set.
        let fv = coefficients(challenges.map { $0.inverse()! })
        let qv = quotient(fv, at: z)
        // f_w: Xᴺ·Σ (r⁻ⁱ·∏ₖ xₖ over set bits)·Xⁱ.
        let rInv = r.inverse()!
        let fw = [Fr](repeating: .zero, count: n) + zip(coefficients(challenges), powers(rInv, n)).map { $0 * $1 }
        let qw = quotient(fw, at: z)
        let openings = Openings(
            v1: G2Point.multiScalarMultiply(bases: Array(key.hAlpha[0..<qv.count]), scalars: qv).affine,
            v2: G2Point.multiScalarMultiply(bases: Array(key.hBeta[0..<qv.count]), scalars: qv).affine,
            w1: G1Point.multiScalarMultiply(bases: Array(key.gAlpha[0..<qw.count]), scalars: qw).affine,
            w2: G1Point.multiScalarMultiply(bases: Array(key.gBeta[0..<qw.count]), scalars: qw).affine)
        return Proof(rounds: rounds, final: final, openings: openings)
    }

    /// Checks the argument for the claimed commitments and values; the transcript must be in the
    /// prover's state after those were absorbed.
    static func verify(_ key: AggregationVerifierKey, comAB: PairCommitment, comC: PairCommitment, zAB: Fq12,
                       zC: G1Affine, r: Fr, proof: Proof, transcript: inout AggregationTranscript) -> Bool {
        let n = key.proofCount
        guard 1 << proof.rounds.count == n else { return false }
        var comAB = comAB, comC = comC, zAB = zAB, zC = zC.jacobian
        var challenges: [Fr] = []
        for round in proof.rounds {
            round.absorb(into: &transcript)
            let x = transcript.challenge("x")
            let xInv = x.inverse()!
            challenges.append(x)
            comAB = comAB.folded(plus: round.abPlus, minus: round.abMinus, x: x, xInverse: xInv)
            comC = comC.folded(plus: round.cPlus, minus: round.cMinus, x: x, xInverse: xInv)
            zAB = zAB * round.zPlus.cyclotomicPow(x.canonical) * round.zMinus.cyclotomicPow(xInv.canonical)
            zC = zC + round.zcPlus.jacobian * x + round.zcMinus.jacobian * xInv
        }
        let f = proof.final
        f.absorb(into: &transcript)
        let z = transcript.challenge("z")
        // The folded statement on the final elements.
        guard Pairing.multiPairing([(f.a, f.v1), (f.w1, f.b)]) == comAB.t,
              Pairing.multiPairing([(f.a, f.v2), (f.w2, f.b)]) == comAB.u,
              Pairing.pairing(f.a, f.b) == zAB,
              Pairing.pairing(f.c, f.v1) == comC.t,
              Pairing.pairing(f.c, f.v2) == comC.u
        else { return false }
        // r_final = ∏ₖ (1 + xₖ⁻¹·r^(2^(L−1−k))) = f_v(r).
        let inverses = challenges.map { $0.inverse()! }
        guard f.c.jacobian * evaluate(inverses, at: r) == zC else { return false }
        // The KZG openings, four equations combined with powers of a transcript challenge c.
        let fvz = evaluate(inverses, at: z)
        let fwz = pow(z, n) * evaluate(challenges, at: z * r.inverse()!)
        let o = proof.openings
        transcript.append("openings", o.v1.eip197Bytes + o.v2.eip197Bytes + o.w1.eip196Bytes + o.w2.eip196Bytes)
        let c = transcript.challenge("c")
        let (c2, c3) = (c * c, c * c * c)
        let g = key.g.jacobian, h = key.h.jacobian
        let vSide = (f.v1.jacobian - h * fvz) + (f.v2.jacobian - h * fvz) * c
        let wSide = (f.w1.jacobian - g * fwz) * c2 + (f.w2.jacobian - g * fwz) * c3
        let pairs: [(G1Affine, G2Affine)] = [
            ((key.gA.jacobian - g * z).affine, o.v1),
            (((key.gB.jacobian - g * z) * c).affine, o.v2),
            (key.g.negated, vSide.affine),
            ((o.w1.jacobian * c2).affine, (key.hA.jacobian - h * z).affine),
            ((o.w2.jacobian * c3).affine, (key.hB.jacobian - h * z).affine),
            (wSide.negated.affine, key.h),
        ]
        return Pairing.pairingCheck(pairs)
    }
}
