/// The structured reference string of SnarkPack aggregation: powers of two independent secrets
/// a and b in both groups,
///
///     gAlpha = {aⁱ·G}, gBeta = {bⁱ·G}  (i < 2N, G1),   hAlpha = {aⁱ·H}, hBeta = {bⁱ·H}  (i < N, G2),
///
/// enough to aggregate N proofs. In deployment each side is the G1/G2 output of a powers-of-tau
/// ceremony (our phase-1 transcripts of power k hold τⁱ·G1 for i < 2·2ᵏ and τⁱ·G2 for i < 2ᵏ: N = 2ᵏ;
/// `init(ceremonyA:ceremonyB:)`); the two transcripts must be independent: whoever knows a or b (or
/// a relation between them) can forge aggregates.
public struct AggregationSRS: Sendable, Equatable {
    public let gAlpha: [G1Affine]
    public let hAlpha: [G2Affine]
    public let gBeta: [G1Affine]
    public let hBeta: [G2Affine]

    /// An SRS from already-checked points; nil unless both sides share their generators (index 0),
    /// the G1 vectors have equal length, the G2 vectors too, and the G1 ones are at least twice as
    /// long as the G2 ones with at least 2 G2 powers. (That the vectors are powers of one secret is
    /// `isWellFormed`.)
    public init?(gAlpha: [G1Affine], hAlpha: [G2Affine], gBeta: [G1Affine], hBeta: [G2Affine]) {
        guard hAlpha.count >= 2, hBeta.count == hAlpha.count, gBeta.count == gAlpha.count,
              gAlpha.count >= 2 * hAlpha.count - 1,
              gAlpha[0] == gBeta[0], hAlpha[0] == hBeta[0], !gAlpha[0].isInfinity, !hAlpha[0].isInfinity
        else { return nil }
        self.gAlpha = gAlpha; self.hAlpha = hAlpha; self.gBeta = gBeta; self.hBeta = hBeta
    }

    /// The largest power-of-two proof count N this SRS serves (2N G1 powers and N G2 powers).
    public var maxProofCount: Int {
        var n = 1
        while 4 * n <= gAlpha.count && 2 * n <= hAlpha.count { n *= 2 }
        return n
    }

    /// An SRS from known secrets: for tests and development only (whoever knows a, b forges).
    public static func insecureFromSecrets(a: Fr, b: Fr, proofCount n: Int) -> AggregationSRS {
        func powers(_ x: Fr, _ count: Int) -> [Fr] {
            var out = [Fr](); out.reserveCapacity(count)
            var p = Fr.one
            for _ in 0..<count { out.append(p); p = p * x }
            return out
        }
        let g = G1Point.generator, h = G2Point.generator
        let g1 = { (x: Fr) in G1Point.batchNormalize(powers(x, 2 * n).map { g * $0 }) }
        let g2 = { (x: Fr) in G2Point.batchNormalize(powers(x, n).map { h * $0 }) }
        return AggregationSRS(gAlpha: g1(a), hAlpha: g2(a), gBeta: g1(b), hBeta: g2(b))!
    }

    /// Whether each vector is the powers of one secret, consistently across groups: with random
    /// ρ, e(Σρᵢ·gᵢ₊₁, H) = e(Σρᵢ·gᵢ, a·H) and e(G, Σρᵢ·hᵢ₊₁) = e(a·G, Σρᵢ·hᵢ) for both secrets
    /// (a check of the input's shape; it says nothing about who knows the secrets).
    public var isWellFormed: Bool {
        func check(_ g: [G1Affine], _ h: [G2Affine]) -> Bool {
            let rg = g.dropLast().map { _ in Fr.random() }
            let rh = h.dropLast().map { _ in Fr.random() }
            let lo = G1Point.multiScalarMultiply(bases: Array(g.dropLast()), scalars: rg).affine
            let hi = G1Point.multiScalarMultiply(bases: Array(g.dropFirst()), scalars: rg).affine
            let loH = G2Point.multiScalarMultiply(bases: Array(h.dropLast()), scalars: rh).affine
            let hiH = G2Point.multiScalarMultiply(bases: Array(h.dropFirst()), scalars: rh).affine
            return Pairing.pairingCheck([(hi, h[0]), (lo.negated, h[1])])
                && Pairing.pairingCheck([(g[0], hiH), (g[1].negated, loH)])
        }
        return check(gAlpha, hAlpha) && check(gBeta, hBeta)
    }

    /// The keys for aggregating exactly `n` proofs (a power of two, 2 ≤ n ≤ maxProofCount).
    public func specialize(proofCount n: Int) -> (prover: AggregationProverKey, verifier: AggregationVerifierKey)? {
        guard n >= 2, n & (n - 1) == 0, n <= maxProofCount else { return nil }
        let verifier = AggregationVerifierKey(
            proofCount: n, g: gAlpha[0], h: hAlpha[0], gA: gAlpha[1], gB: gBeta[1], hA: hAlpha[1], hB: hBeta[1])
        let prover = AggregationProverKey(
            verifier: verifier,
            gAlpha: Array(gAlpha[0..<(2 * n)]), gBeta: Array(gBeta[0..<(2 * n)]),
            hAlpha: Array(hAlpha[0..<n]), hBeta: Array(hBeta[0..<n]))
        return (prover, verifier)
    }
}

/// What the aggregate verifier needs of the SRS: the two generators and the first powers of a and
/// b in both groups, for N proofs.
public struct AggregationVerifierKey: Sendable, Equatable {
    public let proofCount: Int
    public let g: G1Affine, h: G2Affine
    public let gA: G1Affine, gB: G1Affine
    public let hA: G2Affine, hB: G2Affine

    /// Whether the key is shaped as the verifier assumes: g and h the standard generators, and
    /// a·G, a·H (and b·G, b·H) powers of one secret each (two pairing checks). It cannot tell who
    /// knows a and b: a verifier pins the SRS (or derives it from transcripts it verified).
    public var isConsistent: Bool {
        g == BN254G1.generator && h == BN254G2.generator
            && Pairing.pairingCheck([(gA, h), (g.negated, hA)])
            && Pairing.pairingCheck([(gB, h), (g.negated, hB)])
    }

    /// The bytes the transcript absorbs, so challenges depend on the SRS.
    var transcriptBytes: [UInt8] {
        g.eip196Bytes + h.eip197Bytes + gA.eip196Bytes + gB.eip196Bytes + hA.eip197Bytes + hB.eip197Bytes
    }
}

/// The aggregator's key for N proofs. The commitment keys are v = (aⁱ·H, bⁱ·H) (pairs with G1
/// vectors) and w = (aᴺ⁺ⁱ·G, bᴺ⁺ⁱ·G) (pairs with G2 vectors), i < N; the full powers serve the KZG
/// openings of the folded keys.
public struct AggregationProverKey: Sendable {
    public let verifier: AggregationVerifierKey
    let gAlpha: [G1Affine], gBeta: [G1Affine]
    let hAlpha: [G2Affine], hBeta: [G2Affine]

    var n: Int { verifier.proofCount }
    var v1: [G2Affine] { hAlpha }
    var v2: [G2Affine] { hBeta }
    var w1: [G1Affine] { Array(gAlpha[n...]) }
    var w2: [G1Affine] { Array(gBeta[n...]) }
}
